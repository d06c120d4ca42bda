# Node binding (napi-rs) and the Express integration.
NPM := npm --cache $(BUILD)/npm-cache --no-audit --no-fund --loglevel=error
NODE_DIR := bindings-node
EXPRESS_EXAMPLE := examples/express

.PHONY: node-install test-node example-express lint-node

# `npm install` (lock file respected), without the package's own install script: node-install
# builds the addon right after, and `make lint` (ESLint, a dev dependency) needs the packages only.
# Not `npm ci`: npm 11 reports the other platforms' optional binaries of @napi-rs/cli as missing.
$(NODE_DIR)/node_modules/.package-lock.json: $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && $(NPM) install --ignore-scripts

$(EXPRESS_EXAMPLE)/node_modules/.package-lock.json: $(EXPRESS_EXAMPLE)/package.json $(EXPRESS_EXAMPLE)/package-lock.json $(NODE_DIR)/node_modules/.package-lock.json
	cd $(EXPRESS_EXAMPLE) && $(NPM) install

node-install: $(NODE_DIR)/node_modules/.package-lock.json $(EXPRESS_EXAMPLE)/node_modules/.package-lock.json
	cd $(NODE_DIR) && $(NPM) run --silent build

test-node: emulator node-install
	bash scripts/ensure-chromium.sh
	cd $(NODE_DIR) && $(NPM) run --silent typecheck
	cd $(NODE_DIR) && node --test --test-concurrency=1 test/

example-express: emulator node-install
	cd $(EXPRESS_EXAMPLE) && node app.js

TEST_TARGETS += test-node

# ESLint (eslint.config.mjs at the root) over every JavaScript file: the package, its bin and
# tests, the other end-to-end suites, the Express example.
lint-node: $(NODE_DIR)/node_modules/.package-lock.json
	$(NODE_DIR)/node_modules/.bin/eslint --max-warnings 0 --no-warn-ignored \
		$(NODE_DIR) tests keycloak-ext/src/test/e2e $(EXPRESS_EXAMPLE)

LINT_TARGETS += lint-node
