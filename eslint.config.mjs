// ESLint for every JavaScript file of the repository: the Node package (CommonJS), its tests and
// the other end-to-end suites (ES modules), the Express example. `make lint` runs it.
//
// The repository root has no package.json: ESLint and its rule sets are dev dependencies of
// bindings-node, so they are resolved from there (createRequire) rather than from this directory.
import { createRequire } from 'node:module';

const require = createRequire(new URL('./bindings-node/package.json', import.meta.url));
const js = require('@eslint/js');
const globals = require('globals');

// The rules beyond `recommended` are those that catch real bugs here, not style.
const rules = {
  // A forgotten variable is often a result that was meant to be checked. `_`-prefixed
  // arguments document a position that must be there (Express's 4-argument error handler);
  // `const { secret, ...rest } = o` is how a field is left out of a copy.
  'no-unused-vars': ['error', {
    args: 'after-used', argsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true,
  }],
  // `==` only for the deliberate `x == null` (null or undefined).
  eqeqeq: ['error', 'always', { null: 'ignore' }],
  'no-undef': 'error',
  'no-unused-private-class-members': 'error',
  'no-self-compare': 'error',
  'no-template-curly-in-string': 'error',
  'no-unreachable-loop': 'error',
  'no-constructor-return': 'error',
  'no-duplicate-imports': 'error',
  'no-var': 'error',
  'no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
  'no-useless-assignment': 'error',
  'no-throw-literal': 'error',
  'prefer-promise-reject-errors': 'error',
  'array-callback-return': 'error',
  'no-implied-eval': 'error',
  'no-new-func': 'error',
};

export default [
  {
    ignores: [
      '**/node_modules/**',
      // Written by `napi build`; not ours to lint.
      'bindings-node/binding.js',
      'bindings-node/npm/**',
      'target/**',
      '.build/**',
      'dist/**',
    ],
  },
  js.configs.recommended,
  {
    // The package, its bin and the Express example: CommonJS on Node.
    files: ['**/*.js', '**/*.cjs'],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'commonjs',
      globals: { ...globals.node },
    },
    rules,
  },
  {
    // Tests and harnesses: ES modules on Node.
    files: ['**/*.mjs'],
    languageOptions: {
      ecmaVersion: 2023,
      sourceType: 'module',
      globals: { ...globals.node },
    },
    rules,
  },
  {
    // Functions handed to Playwright's page.evaluate / waitForFunction / evaluateAll run in the
    // page, where `document` and `window` exist.
    files: ['keycloak-ext/src/test/e2e/*.mjs', 'bindings-node/test/browser*.test.mjs'],
    languageOptions: { globals: { document: 'readonly', window: 'readonly' } },
  },
];
