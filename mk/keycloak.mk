# Keycloak extension: JNI crate + Java, built and tested with Maven (downloads cached in .build/),
# then a real Keycloak (downloaded from Maven Central once) against the emulator.
MVN := mvn -B -q -Dmaven.repo.local=$(BUILD)/m2

.PHONY: test-keycloak test-keycloak-previous keycloak-package example-keycloak

keycloak-package:
	cd keycloak-ext && $(MVN) -DskipTests package

# JUnit (JNI boundary, vectors), then the end-to-end suite on a real Keycloak (playwright-core
# comes from the Node package's dev dependencies): every e2e file on the version
# examples/keycloak/run.sh pins (26.7.3), and previous-version.test.mjs, one start of the previous
# minor (KEYCLOAK_PREVIOUS_VERSION, default 26.5.6) for a login smoke test. Both come from Maven
# Central (org.keycloak:keycloak-quarkus-dist), downloaded once into .build/keycloak/.
# Both parts always run (a failing vector does not hide the real-Keycloak results); the target
# fails if either did.
test-keycloak: emulator node-install
	bash scripts/ensure-chromium.sh
	cd keycloak-ext && $(MVN) -DskipTests package
	status=0; \
	(cd keycloak-ext && $(MVN) verify) || status=1; \
	node --test --test-concurrency=1 keycloak-ext/src/test/e2e/ || status=1; \
	exit $$status

# The previous minor's smoke test alone.
test-keycloak-previous: emulator node-install keycloak-package
	bash scripts/ensure-chromium.sh
	node --test --test-concurrency=1 keycloak-ext/src/test/e2e/previous-version.test.mjs

example-keycloak: keycloak-package
	bash examples/keycloak/run.sh

TEST_TARGETS += test-keycloak
