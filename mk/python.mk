# Python binding (pyo3 + maturin) and the Django integration.
# The wheel is built ONCE (release, shared $(CARGO_TARGET_DIR)) and installed in two venvs:
# Django 4.2 LTS and Django 5.2 LTS. Everything lives under $(BUILD).
PYTHON ?= python3
PY_DIR := bindings-python
PY_WHEELS := $(BUILD)/wheels
PY_TOOLS := $(BUILD)/venv-maturin
PY_WHEEL_STAMP := $(PY_WHEELS)/.gouvconnect-built
PIP_ENV := PIP_CACHE_DIR=$(BUILD)/pip-cache PIP_DISABLE_PIP_VERSION_CHECK=1 PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
PY_SOURCES := $(shell find $(PY_DIR)/src $(PY_DIR)/python core/src -type f -not -path '*/__pycache__/*' 2>/dev/null) \
	$(PY_DIR)/Cargo.toml $(PY_DIR)/pyproject.toml core/Cargo.toml
PY_TEST_DEPS := pytest pytest-django requests waitress ruff
DJANGO_SPEC_42 := Django>=4.2,<4.3
DJANGO_SPEC_52 := Django>=5.2,<5.3
# Browser test dependencies (no browser download: Debian's chromium is used).
EXTRA_DEPS_52 := playwright

.PHONY: python-wheel python-venvs test-python example-django lint-python

# `make lint`: ruff in a venv of its own (pinned), so that linting needs no Django venv.
RUFF_VERSION := 0.17.6
PY_LINT := $(BUILD)/venv-ruff
RUFF_STAMP := $(PY_LINT)/.ruff-$(RUFF_VERSION)

$(RUFF_STAMP):
	$(PYTHON) -m venv $(PY_LINT)
	$(PIP_ENV) $(PY_LINT)/bin/pip install -q 'ruff==$(RUFF_VERSION)'
	touch $@

lint-python: $(RUFF_STAMP)
	$(PY_LINT)/bin/ruff check --config $(PY_DIR)/pyproject.toml $(PY_DIR)/python $(PY_DIR)/tests examples/django

LINT_TARGETS += lint-python

$(PY_TOOLS)/bin/maturin:
	$(PYTHON) -m venv $(PY_TOOLS)
	$(PIP_ENV) $(PY_TOOLS)/bin/pip install -q 'maturin>=1.9,<2'

$(PY_WHEEL_STAMP): $(PY_TOOLS)/bin/maturin $(PY_SOURCES)
	mkdir -p $(PY_WHEELS)
	rm -f $(PY_WHEELS)/gouvconnect-*.whl
	cd $(PY_DIR) && $(PY_TOOLS)/bin/maturin build --release --quiet -o $(PY_WHEELS)
	touch $@

python-wheel: $(PY_WHEEL_STAMP)

# Third-party packages once per venv; the wheel whenever it is rebuilt.
$(BUILD)/venv-django%/.deps:
	$(PYTHON) -m venv $(BUILD)/venv-django$*
	$(PIP_ENV) $(BUILD)/venv-django$*/bin/pip install -q '$(DJANGO_SPEC_$*)' $(PY_TEST_DEPS) $(EXTRA_DEPS_$*)
	touch $@

$(BUILD)/venv-django%/.gouvconnect: $(BUILD)/venv-django%/.deps $(PY_WHEEL_STAMP)
	$(PIP_ENV) $(BUILD)/venv-django$*/bin/pip install -q --force-reinstall --no-deps $(PY_WHEELS)/gouvconnect-*.whl
	touch $@

.PRECIOUS: $(BUILD)/venv-django%/.deps $(BUILD)/venv-django%/.gouvconnect

python-venvs: $(BUILD)/venv-django42/.gouvconnect $(BUILD)/venv-django52/.gouvconnect

test-python: emulator python-venvs
	bash scripts/ensure-chromium.sh
	@echo "== Django 4.2 LTS: vectors, facade, Django app, end to end"
	cd $(PY_DIR) && $(BUILD)/venv-django42/bin/python -m pytest -q -p no:cacheprovider -m "not browser"
	@echo "== Django 5.2 LTS: everything, including headless Chromium"
	cd $(PY_DIR) && $(PIP_ENV) $(BUILD)/venv-django52/bin/python -m pytest -q -p no:cacheprovider

# docs/architecture.md §6: `make example-django` with the GOUVCONNECT_* environment and PORT.
example-django: $(BUILD)/venv-django52/.gouvconnect
	cd examples/django && $(BUILD)/venv-django52/bin/python serve.py

TEST_TARGETS += test-python
