# Fuzzing of the core's parsers with cargo-fuzz (core/fuzz, see core/fuzz/README.md).
#   make test-fuzz    build every target, replay the regression inputs, fuzz each target
#                     FUZZ_SECONDS (15) seconds: any crash fails
#   make fuzz-long    the same, FUZZ_LONG_SECONDS (600) seconds per target (not part of `make test`)
#   make fuzz-seed    rewrite the seed corpus and fixtures from tests/vectors (after `make vectors`)
#
# Toolchain: the stable toolchain with RUSTC_BOOTSTRAP=1 (cargo-fuzz needs -Z flags:
# -Zsanitizer=address and the sanitizer-coverage options). Nothing to download beyond the pinned
# cargo-fuzz, built once into $(BUILD)/cargo-bin; see the README for the nightly comparison.
FUZZ_DIR := core/fuzz
FUZZ_TARGETS := jws jwks claims login callback token_response discovery next_path jwe
FUZZ_SECONDS ?= 15
FUZZ_LONG_SECONDS ?= 600
CARGO_FUZZ_VERSION := 0.13.2
FUZZ_TOOLS := $(BUILD)/cargo-bin
CARGO_FUZZ := $(FUZZ_TOOLS)/bin/cargo-fuzz
# A target dir of its own: the instrumented build uses other RUSTFLAGS than the workspace's
# release build, and cargo would otherwise rebuild the shared dependencies back and forth.
FUZZ_TARGET_DIR := $(CARGO_TARGET_DIR)/fuzz
FUZZ_HOST = $(shell rustc -vV | sed -n 's/^host: //p')
FUZZ_BIN = $(FUZZ_TARGET_DIR)/$(FUZZ_HOST)/release
FUZZ_WORK := $(BUILD)/fuzz
FUZZ_ENV := RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR=$(FUZZ_TARGET_DIR) PATH=$(FUZZ_TOOLS)/bin:$$PATH

.PHONY: fuzz-tools fuzz-build test-fuzz fuzz-long fuzz-seed

$(CARGO_FUZZ):
	cargo install --locked --quiet --root $(FUZZ_TOOLS) --version $(CARGO_FUZZ_VERSION) \
		--target-dir $(BUILD)/cargo-fuzz-src cargo-fuzz

fuzz-tools: $(CARGO_FUZZ)

# -a: debug assertions and overflow checks on, so arithmetic mistakes crash too.
fuzz-build: $(CARGO_FUZZ)
	cargo fmt --manifest-path $(FUZZ_DIR)/Cargo.toml -- --check
	cd $(FUZZ_DIR) && $(FUZZ_ENV) cargo fuzz build -a
	@echo "fuzz-build: $(FUZZ_TARGETS) in $(FUZZ_BIN)"

test-fuzz: fuzz-build
	bash $(FUZZ_DIR)/scripts/run.sh $(FUZZ_BIN) $(FUZZ_WORK) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-long: fuzz-build
	bash $(FUZZ_DIR)/scripts/run.sh $(FUZZ_BIN) $(FUZZ_WORK) $(FUZZ_LONG_SECONDS) $(FUZZ_TARGETS)

fuzz-seed:
	python3 $(FUZZ_DIR)/scripts/seed.py

TEST_TARGETS += test-fuzz
