# Scale-out: two instances each of the Django and the Express example behind one public base URL,
# sharing their sessions through a Redis server started by the test (tests/scaleout/README.md).
# Reuses the Django 5.2 venv of mk/python.mk and the Node addon and example install of mk/node.mk.
SCALEOUT_DIR := tests/scaleout
# Django's RedisCache needs the `redis` package; pinned, added to the Django 5.2 venv.
SCALEOUT_REDIS_PY := redis==6.4.0
SCALEOUT_VENV := $(BUILD)/venv-django52

.PHONY: scaleout-deps test-scaleout

# Re-done whenever python.mk (re)creates the venv's third-party packages.
$(SCALEOUT_VENV)/.redis: $(SCALEOUT_VENV)/.deps
	$(PIP_ENV) $(SCALEOUT_VENV)/bin/pip install -q '$(SCALEOUT_REDIS_PY)'
	touch $@

scaleout-deps: emulator node-install $(SCALEOUT_VENV)/.gouvconnect $(SCALEOUT_VENV)/.redis
	bash $(SCALEOUT_DIR)/ensure-redis.sh

test-scaleout: scaleout-deps
	$(SCALEOUT_VENV)/bin/ruff check --config $(PY_DIR)/pyproject.toml examples/django
	GOUVCONNECT_DJANGO_PYTHON=$(SCALEOUT_VENV)/bin/python \
		node --test --test-concurrency=1 $(SCALEOUT_DIR)/

TEST_TARGETS += test-scaleout
