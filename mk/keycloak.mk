# Keycloak extension: JNI crate + Java, built and tested with Maven (downloads cached in .build/).
MVN := mvn -B -q -Dmaven.repo.local=$(BUILD)/m2

.PHONY: test-keycloak keycloak-package

keycloak-package:
	cd keycloak-ext && $(MVN) -DskipTests package

test-keycloak:
	cd keycloak-ext && $(MVN) verify

TEST_TARGETS += test-keycloak
