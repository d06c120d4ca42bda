# Micro-benchmarks of the callback verification in each language, against the peers of that
# language and the raw signature floor (`make bench-micro`), and footprint (`make bench-footprint`).
# Benchmarks, not tests: never in TEST_TARGETS. Peers are pinned and installed under $(BUILD)/bench.
# Targets of python.mk, node.mk and keycloak.mk are reused as prerequisites (wheel, addon, jar).
BENCH_DIR := $(BUILD)/bench
BENCH_VENV := $(BENCH_DIR)/venv
BENCH_PY_PEERS := PyJWT==2.15.1 joserfc==1.8.0 cryptography==50.0.2
# The Rust peer: openidconnect in its own crate (own Cargo.lock, outside the workspace, so that
# `make lint`/`make test` never build it), sharing CARGO_TARGET_DIR.
BENCH_RUST_PEER := examples/bench/peers/rust-openidconnect
BENCH_RUST_PEER_BIN := $(CARGO_TARGET_DIR)/release/gouvconnect-bench-openidconnect
BENCH_NODE := $(BENCH_DIR)/node
KEYCLOAK_JAR := keycloak-ext/target/gouvconnect-keycloak-0.1.0.jar
# A snapshot of the jar: other builds may rewrite keycloak-ext/target while the benchmark runs.
BENCH_JAR := $(BENCH_DIR)/gouvconnect-keycloak-0.1.0.jar
BENCH_JVM_CLASSES := $(BENCH_DIR)/jvm-classes
BENCH_JVM_CP = $(BENCH_JVM_CLASSES):$(BENCH_JAR):$$(cat $(BENCH_DIR)/jvm.cp)

# The core is re-measured right before each binding so that "binding vs native core" compares
# figures taken minutes apart at most (the shared machine's load changes quickly).
BENCH_CORE_AGAIN = @$(CARGO_TARGET_DIR)/release/examples/bench_micro $(BENCH_DIR)/core.txt --brief

.PHONY: bench-micro bench-footprint bench-machine bench-peers bench-rust-peer

$(BENCH_VENV)/.peers:
	mkdir -p $(BENCH_DIR)
	$(PYTHON) -m venv $(BENCH_VENV)
	PIP_CACHE_DIR=$(BUILD)/pip-cache PIP_DISABLE_PIP_VERSION_CHECK=1 $(BENCH_VENV)/bin/pip install -q $(BENCH_PY_PEERS)
	touch $@

$(BENCH_NODE)/node_modules/.package-lock.json: bindings-node/bench/package.json
	mkdir -p $(BENCH_NODE)
	cp bindings-node/bench/package.json $(BENCH_NODE)/package.json
	cd $(BENCH_NODE) && npm --cache $(BUILD)/npm-cache --no-audit --no-fund --loglevel=error install

$(BENCH_DIR)/jvm.cp: keycloak-ext/bench/pom.xml
	mkdir -p $(BENCH_DIR)
	cd keycloak-ext/bench && mvn -B -q -Dmaven.repo.local=$(BUILD)/m2 dependency:build-classpath -Dmdep.outputFile=$(BENCH_DIR)/jvm.cp

# The wheel, the addon and the jar are rebuilt by their own areas' targets when sources changed.
bench-peers: $(BENCH_VENV)/.peers $(BENCH_NODE)/node_modules/.package-lock.json $(BENCH_DIR)/jvm.cp python-wheel node-install keycloak-package
	$(BENCH_VENV)/bin/pip install -q --force-reinstall --no-deps $(BUILD)/wheels/gouvconnect-*.whl
	mkdir -p $(BENCH_JVM_CLASSES)
	cp $(KEYCLOAK_JAR) $(BENCH_JAR)
	javac -nowarn -d $(BENCH_JVM_CLASSES) -cp $(BENCH_JAR):$$(cat $(BENCH_DIR)/jvm.cp) keycloak-ext/bench/src/Bench.java

bench-rust-peer:
	cargo build --release -q --manifest-path $(BENCH_RUST_PEER)/Cargo.toml

bench-machine:
	@echo "== machine: $$(nproc) cores, $$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $$(cut -d' ' -f1-3 /proc/loadavg)"
	@echo "== $$(rustc --version), Python $$($(PYTHON) -c 'import sys; print(sys.version.split()[0])'), Node $$(node --version), $$(java -version 2>&1 | head -1)"

bench-micro: bench-peers bench-rust-peer bench-machine
	@echo "== Rust: native core vs ring floor"
	cargo run --release -q -p gouvconnect --example bench_micro -- $(BENCH_DIR)/core.txt
	@echo "== Rust: native core vs openidconnect (same process), and the shared vectors through both"
	$(BENCH_RUST_PEER_BIN) $(ROOT) --table $(BENCH_DIR)/openidconnect-vectors.md
	@echo "== Python: wheel vs PyJWT vs joserfc vs cryptography floor"
	$(BENCH_CORE_AGAIN)
	$(BENCH_VENV)/bin/python bindings-python/bench/bench_verify.py $(BENCH_DIR)/core.txt
	@echo "== Node: addon vs jose vs node:crypto floor"
	$(BENCH_CORE_AGAIN)
	node bindings-node/bench/bench-verify.mjs $(BENCH_NODE) $(BENCH_DIR)/core.txt
	@echo "== JVM: keycloak-ext JNI vs nimbus-jose-jwt vs JCA floor"
	$(BENCH_CORE_AGAIN)
	java -Xms256m -Xmx256m -cp $(BENCH_JVM_CP) Bench $(ROOT) $(BENCH_DIR)/core.txt

bench-footprint: bench-peers bench-machine
	@echo "== Python: import time"
	$(BENCH_VENV)/bin/python bindings-python/bench/footprint.py
	@echo "== Node: addon load time and RSS"
	node bindings-node/bench/footprint.mjs $(BENCH_NODE)
	@echo "== Keycloak extension: jar, JNI library, load time"
	bash keycloak-ext/bench/footprint.sh $(BENCH_JAR) $(BENCH_JVM_CP) $(CARGO_TARGET_DIR)/release/libgouvconnect_jni.so

BENCH_TARGETS += bench-micro bench-footprint
