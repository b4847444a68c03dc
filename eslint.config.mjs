// Lint rules, including the folder boundaries of the style guide: workflows stay deterministic and
// bundleable, the API never reaches into activities, libraries never reach into apps.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const restrict = (patterns) => ['error', { patterns }];

export default tseslint.config(
  {
    ignores: ['node_modules/**', 'dist/**', '.mandate/**', 'scripts/**/*.mjs', 'bin/**', 'eslint.config.mjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            { from: 'package', name: ['describe', 'it', 'test', 'suite'], package: 'node:test' },
          ],
        },
      ],
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-extraneous-class': 'off',
      'no-console': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { varsIgnorePattern: '^_', argsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        {
          group: ['node:*', 'fs', 'path', 'crypto', 'http', 'https', 'os', 'child_process'],
          message: 'Workflows are deterministic: no Node I/O.',
        },
        {
          group: ['@nestjs/*', 'jose', 'openid-client', '@aws-sdk/*', 'pg', 'kysely', '@electric-sql/*'],
          message: 'Workflows do I/O through activities only.',
        },
        {
          group: ['**/libs/**', '**/apps/**'],
          message: 'Workflows import only @temporalio/workflow, their definitions and activity types.',
        },
        {
          group: ['**/activities/**'],
          allowTypeImports: true,
          message: 'Import activity types only (import type).',
        },
      ]),
      'no-restricted-globals': [
        'error',
        { name: 'process', message: 'Workflows must not read the environment.' },
      ],
    },
  },
  {
    files: ['apps/api/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict([
        { group: ['**/activities/**'], message: 'The API talks to Temporal through the client only.' },
      ]),
    },
  },
  {
    files: ['libs/**/*.ts'],
    ignores: ['libs/**/*.test.ts'],
    rules: {
      'no-restricted-imports': restrict([
        {
          group: ['**/apps/**', '**/workflows/**', '**/activities/**'],
          message: 'Libraries import no app, workflow or activity code.',
        },
      ]),
    },
  },
  {
    files: ['apps/**/*.ts', 'libs/**/*.ts', 'activities/**/*.ts'],
    ignores: ['libs/config/**', '**/*.test.ts'],
    rules: {
      'no-restricted-properties': [
        'error',
        { object: 'process', property: 'env', message: 'Read the environment in libs/config only.' },
      ],
    },
  },
  {
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
