#!/usr/bin/env node
'use strict';
// `npx gouvconnect doctor`: the going-live checks of an Express app's gouvconnect configuration
// against the live providers. Reads the options given to auth() (a JS module exporting them, or a
// JSON file), derives the redirect URIs and the mounted routes as auth() does, prints a report
// per provider (`--json` for scripts) and exits 1 when a check fails.

const fs = require('node:fs');
const path = require('node:path');
const { pathToFileURL } = require('node:url');
const { parseArgs } = require('node:util');

const DEFAULT_FILES = ['gouvconnect.config.js', 'gouvconnect.config.cjs', 'gouvconnect.config.mjs', 'gouvconnect.config.json'];

const USAGE = `Usage: gouvconnect doctor [--config FILE] [--provider NAME] [--json]

Checks the gouvconnect/express configuration against the live providers: discovery, issuer,
endpoints, clock, algorithms, client authentication, scopes, acr, keys, credentials (a token
request with a deliberately invalid code), redirect URIs against the mounted routes, and Pro
Santé Connect's client certificate.

  --config FILE    the options given to auth(): a module exporting them (or a function
                   returning them), or a JSON file. Default: ./${DEFAULT_FILES.join(', ./')}
  --provider NAME  check only this provider (proconnect or prosanteconnect)
  --json           the reports as JSON: {"ok": …, "reports": [...]}

Exit status: 0 ready, 1 a check failed, 2 the configuration could not be read.
`;

class UsageError extends Error {}

async function loadOptions(file) {
  const candidates = file ? [file] : DEFAULT_FILES;
  const found = candidates.map((f) => path.resolve(f)).find((f) => fs.existsSync(f));
  if (!found) {
    throw new UsageError(file
      ? `no such file: ${file}`
      : `no configuration file: give --config FILE (or create ./${DEFAULT_FILES[0]} exporting the options of auth())`);
  }
  let options;
  if (found.endsWith('.json')) {
    try {
      options = JSON.parse(fs.readFileSync(found, 'utf8'));
    } catch {
      // Not the parser's message: it quotes the file, which holds a client secret.
      throw new UsageError(`${found} is not valid JSON`);
    }
  } else {
    const loaded = await import(pathToFileURL(found).href);
    options = loaded.default ?? loaded;
    if (typeof options === 'function') options = await options();
  }
  if (!options || typeof options !== 'object') {
    throw new UsageError(`${found} does not export the options of auth() (an object with baseURL and providers)`);
  }
  return options;
}

async function doctorCommand(argv) {
  const { values } = parseArgs({
    args: argv,
    options: {
      config: { type: 'string', short: 'c' },
      provider: { type: 'string', short: 'p' },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
  });
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  const options = await loadOptions(values.config);
  if (values.provider) {
    const given = options.providers && options.providers[values.provider];
    if (!given) {
      throw new UsageError(`no provider \`${values.provider}\` in the configuration (it has: ${Object.keys(options.providers || {}).join(', ') || 'none'})`);
    }
    options.providers = { [values.provider]: given };
  }
  const { doctor } = require('../express');
  const result = await doctor(options);
  if (values.json) {
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } else {
    process.stdout.write(result.reports.map((report) => report.toText()).join('\n'));
  }
  return result.ok ? 0 : 1;
}

async function main(argv) {
  const [command, ...rest] = argv;
  if (command === 'doctor') return doctorCommand(rest);
  if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  throw new UsageError(command ? `unknown command \`${command}\`` : 'no command given');
}

main(process.argv.slice(2)).then(
  (status) => { process.exitCode = status; },
  (error) => {
    if (error instanceof UsageError || (error && error.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION')) {
      process.stderr.write(`gouvconnect: ${error.message}\n\n${USAGE}`);
    } else if (error && error.name === 'GouvConnectError') {
      process.stderr.write(`gouvconnect doctor: ${error.code}: ${error.message}\n`);
    } else {
      // Only the message: a stack or the module's source could quote the configuration.
      process.stderr.write(`gouvconnect doctor: cannot run: ${(error && error.message) || error}\n`);
    }
    process.exitCode = 2;
  },
);
