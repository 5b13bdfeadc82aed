// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];

export default tseslint.config(
  { ignores: ['node_modules', 'dist', '.tools', '.data', 'src/generated', 'test-results', '**/*.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        {
          selector: "MemberExpression[object.name='process'][property.name='env']",
          message: 'Read configuration through src/config.ts only.',
        },
      ],
    },
  },
  {
    // Workflows are deterministic orchestration: no Node builtins, no I/O libraries.
    files: ['src/workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins,
            'zod',
            'express',
            'pg',
            'pino',
            '@prisma/client',
            '@temporalio/client',
            '@temporalio/activity',
            '@temporalio/worker',
          ],
          patterns: [
            {
              group: ['**/generated/**', '**/db/**', '**/api/**'],
              message: 'Workflows import only @temporalio/workflow and the shared contract.',
            },
          ],
        },
      ],
    },
  },
  {
    // Only config and the tooling entry points read the environment.
    files: [
      'src/config.ts',
      'scripts/**/*.ts',
      'test/**/*.ts',
      'bench/**/*.ts',
      'prisma.config.ts',
      'vitest.config.mts',
    ],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
