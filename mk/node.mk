# Node binding (napi-rs) and the Express integration.
NPM := npm --cache $(BUILD)/npm-cache --no-audit --no-fund --loglevel=error
NODE_DIR := bindings-node
EXPRESS_EXAMPLE := examples/express

.PHONY: node-install test-node example-express

# `npm install` (lock file respected) runs the package's install script: the addon is built from source.
# Not `npm ci`: npm 11 reports the other platforms' optional binaries of @napi-rs/cli as missing.
$(NODE_DIR)/node_modules/.package-lock.json: $(NODE_DIR)/package.json $(NODE_DIR)/package-lock.json
	cd $(NODE_DIR) && $(NPM) install

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
