# Release artifacts (issue 10): `make dist` writes dist/ — the abi3 manylinux wheel and the sdist,
# the npm package and its prebuilt linux-x64-gnu package, the Keycloak jar, SHA256SUMS — linked
# against glibc 2.17 with zig (scripts/dist/build.sh says how and why). `make test-dist` installs
# them with cargo, rustc and maturin off PATH, as the READMEs say, and logs in against the emulator
# (tests/dist/). Other platforms: .github/workflows/release.yml.
.PHONY: dist test-dist

dist:
	BUILD=$(BUILD) bash scripts/dist/build.sh

# The emulator is the only thing built from source here (the test's identity provider).
test-dist: dist emulator
	BUILD=$(BUILD) node --test --test-concurrency=1 tests/dist/

TEST_TARGETS += test-dist
