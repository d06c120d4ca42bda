# Conformance: ONE scenario table (tests/conformance/scenarios.mjs) run against the Django
# example, the Express example and the Keycloak realm over real HTTP against the emulator,
# printed as a scenario × host report; then no host output may carry an issued secret.
# Reuses the other areas' builds: the emulator, the Node addon and the Express example's
# node_modules, the Django 5.2 venv with the wheel, the Keycloak extension jar (and the Keycloak
# dist that examples/keycloak/run.sh caches under .build/).
.PHONY: test-conformance

test-conformance: emulator node-install $(BUILD)/venv-django52/.gouvconnect keycloak-package
	@mkdir -p $(BUILD)/conformance && rm -f $(BUILD)/conformance/report.md
	status=0; \
	BUILD=$(BUILD) node --test --test-concurrency=1 --test-reporter=dot tests/conformance/ || status=1; \
	cat $(BUILD)/conformance/report.md 2>/dev/null; \
	exit $$status

TEST_TARGETS += test-conformance
