# End-to-end benchmarks (not tests): full browser logins per second through each integration
# and its usual peer, and the emulator alone. The load driver is a standalone Rust crate.
E2E_LOADGEN := $(CARGO_TARGET_DIR)/release/gouvconnect-loadgen

.PHONY: bench-loadgen bench-e2e bench-emulator bench-e2e-peers

bench-loadgen:
	cargo build --release -q --manifest-path examples/bench/loadgen/Cargo.toml

# The emulator alone: authorize → login → token → userinfo, RS256 and ES256 clients.
bench-emulator: emulator bench-loadgen
	LOADGEN=$(E2E_LOADGEN) bash examples/bench/bench-emulator.sh

BENCH_TARGETS += bench-e2e bench-emulator

# Peers, pinned, installed under $(BUILD)/bench-e2e (npm cache and pip cache under $(BUILD)).
E2E_BUILD := $(BUILD)/bench-e2e
E2E_PEERS := examples/bench/peers

$(E2E_BUILD)/express-oidc/node_modules/.package-lock.json: $(E2E_PEERS)/express-oidc/package.json $(E2E_PEERS)/express-oidc/package-lock.json
	mkdir -p $(E2E_BUILD)/express-oidc
	cp $^ $(E2E_BUILD)/express-oidc/
	cd $(E2E_BUILD)/express-oidc && $(NPM) ci

$(E2E_BUILD)/venv-django-oidc/.deps: $(E2E_PEERS)/django-oidc/requirements.txt
	$(PYTHON) -m venv $(E2E_BUILD)/venv-django-oidc
	$(PIP_ENV) $(E2E_BUILD)/venv-django-oidc/bin/pip install -q -r $<
	touch $@

# The Django example's venv (python.mk's) gains the PostgreSQL driver for the PostgreSQL run.
E2E_PSYCOPG := psycopg[binary]==3.3.9
$(BUILD)/venv-django52/.psycopg: $(BUILD)/venv-django52/.deps
	$(PIP_ENV) $(BUILD)/venv-django52/bin/pip install -q '$(E2E_PSYCOPG)'
	touch $@

bench-e2e-peers: $(E2E_BUILD)/express-oidc/node_modules/.package-lock.json $(E2E_BUILD)/venv-django-oidc/.deps $(BUILD)/venv-django52/.psycopg

# One run: every pair against the same emulator, rounds alternating ours / peer.
bench-e2e: emulator bench-loadgen node-install $(BUILD)/venv-django52/.gouvconnect bench-e2e-peers
	BENCH_ROUNDS=$${BENCH_ROUNDS:-3} LOADGEN=$(E2E_LOADGEN) bash examples/bench/bench-e2e.sh
