# End-to-end benchmarks (not tests): full browser logins per second through each integration
# and its usual peer, and the emulator alone. The load driver is a standalone Rust crate.
LOADGEN := $(CARGO_TARGET_DIR)/release/gouvconnect-loadgen

.PHONY: bench-loadgen bench-e2e bench-emulator

bench-loadgen:
	cargo build --release -q --manifest-path examples/bench/loadgen/Cargo.toml

# The emulator alone: authorize → login → token → userinfo, RS256 and ES256 clients.
bench-emulator: emulator bench-loadgen
	LOADGEN=$(LOADGEN) bash examples/bench/bench-emulator.sh

BENCH_TARGETS += bench-e2e bench-emulator
