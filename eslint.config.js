// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['**/dist/**', '**/node_modules/**', 'bench-results/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.strictTypeChecked,
  {
    languageOptions: {
      parserOptions: { project: ['./tsconfig.check.json'], tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // Fastify's reply.send returns the reply; route handlers return it by design.
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // Fastify handlers and hooks are async by convention, awaiting or not.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unnecessary-condition': ['error', { allowConstantLoopConditions: true }],
      // A switch over a union without a default names every member, so a new
      // error code of a Result cannot fall through to nothing; the routes'
      // default is unreachable(), which only compiles while every code has a case.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: true }],
    },
  },
  {
    // Production code stays small enough to read in one sitting (issue 10):
    // no file over 250 lines, no function over 80. The rule counts a function
    // with everything nested in it, stricter than the measure for a
    // factory that only returns small methods; none needs the difference.
    files: ['packages/*/src/**/*.ts', 'services/*/src/**/*.ts', 'tools/src/**/*.ts'],
    // The bench and the test support are held to them too; only test files are not.
    ignores: ['**/*.test.ts'],
    rules: {
      'max-lines': ['error', { max: 250, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
    },
  },
  {
    // Long lines are wrapped, not packed: line counts are not won by putting
    // several statements or arguments on one line.
    files: ['**/*.ts'],
    rules: {
      'max-len': [
        'error',
        { code: 160, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreUrls: true, ignoreRegExpLiterals: true },
      ],
    },
  },
  {
    files: ['**/*.js'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
