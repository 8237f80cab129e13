// Lint rules, with Temporal's workflow rules: workflow code (and the workflow-safe part of src/domain) may not
// import Node built-ins or I/O libraries, and no promise may float anywhere.
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((name) => `node:${name}`)];
const ioLibraries = [
  'undici',
  'fastify',
  'pino',
  'zod',
  'libphonenumber-js',
  'libphonenumber-js/*',
  '@temporalio/client',
  '@temporalio/worker',
  '@temporalio/activity',
  '@temporalio/testing',
];

export default tseslint.config(
  { ignores: ['node_modules', '.tools', '.data', 'dist', 'coverage', 'test/fixtures'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      globals: globals.node,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Workflow code runs in Temporal's deterministic sandbox and is replayed: no I/O, no Node built-ins.
    files: ['src/workflows/**/*.ts', 'src/domain/**/*.ts'],
    ignores: ['src/domain/journey-input.ts', 'src/domain/phone.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [...nodeBuiltins, ...ioLibraries].map((name) => ({
            name,
            message: 'workflow code must be deterministic: no Node built-ins or I/O libraries (use activities)',
            allowTypeImports: true,
          })),
          patterns: [
            {
              group: [
                '**/activities/*',
                '**/graph/*',
                '**/http/*',
                '**/sandbox/*',
                '**/temporal/*',
                '**/journey-input*',
                '**/phone*',
              ],
              message: 'workflow code may import only types from non-workflow modules',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { globals: globals.node },
  },
  {
    // CommonJS files Node requires as they are (the workflow threads' preload).
    files: ['**/*.cjs'],
    languageOptions: { globals: globals.node, sourceType: 'commonjs' },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // The operator console's script runs in the browser, as it is (no build step).
    files: ['src/http/console/assets/*.js'],
    languageOptions: { globals: globals.browser, sourceType: 'script' },
  },
);
