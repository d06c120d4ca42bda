# gouvconnect — the two commands of the README:
#   make demo   emulator + a minimal relying party; log in from a browser
#   make test   every test (installs what it needs under .build/)
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
ROOT := $(CURDIR)
# One target directory for the whole workspace and every binding build.
export CARGO_TARGET_DIR := $(ROOT)/target
# Downloads and tool caches live inside the build tree.
BUILD := $(ROOT)/.build
export GOUVCONNECT_EMULATOR_BIN := $(CARGO_TARGET_DIR)/release/gouvconnect-emulator
DEMO_PORT ?= 8000
EMULATOR_PORT ?= 4000

TEST_TARGETS := lint test-rust
# One linter per language; mk/node.mk (ESLint) and mk/python.mk (ruff) append theirs.
LINT_TARGETS := lint-rust lint-java
# Benchmarks of each area (mk/bench-*.mk append theirs); `make bench` runs them all.
# The core against its floor is part of bench-micro (the bindings compare against it).
BENCH_TARGETS :=

.PHONY: all demo test lint lint-rust lint-java test-rust emulator vectors clean

all: test

emulator:
	cargo build --release -p gouvconnect-emulator

demo-build:
	cargo build --release -p gouvconnect-emulator -p gouvconnect --features gouvconnect/http --example demo_rp

demo: demo-build
	@bash scripts/demo.sh $(EMULATOR_PORT) $(DEMO_PORT)

lint-rust:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy -p gouvconnect --all-targets --features http,franceconnect -- -D warnings
	# The bindings' copies of the error contract match the core's (core/examples/contract.rs).
	cargo run -q --release -p gouvconnect --example contract -- --check

# Checkstyle (rules in keycloak-ext/checkstyle.xml) over the extension's main and test Java;
# reads sources only, so nothing needs building first.
lint-java:
	cd keycloak-ext && mvn -B -q -Dmaven.repo.local=$(BUILD)/m2 checkstyle:check

# Release profile, like every other build here, so dependencies compile once.
test-rust: emulator
	cargo test --release -p gouvconnect --features http,franceconnect
	cargo test --release -p gouvconnect-ffi
	cargo test --release -p gouvconnect-emulator

vectors:
	bash tests/vectors/generate.sh

# Each binding adds its targets (and appends to TEST_TARGETS) in mk/<binding>.mk.
-include mk/*.mk

# After the includes: LINT_TARGETS is complete only here.
lint: $(LINT_TARGETS)
	@echo "make lint: all linters passed ($(LINT_TARGETS))"

test: $(TEST_TARGETS)
	@echo "make test: all suites passed ($(TEST_TARGETS))"

clean:
	rm -rf target .build

# Benchmarks are not tests: `make bench` prints ratios against the peers measured in the same run.
.PHONY: bench bench-core
# The native core alone against the two raw ring signature checks.
bench-core:
	cargo run --release -q -p gouvconnect --example bench_micro

bench: $(BENCH_TARGETS)
