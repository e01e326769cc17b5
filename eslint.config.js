// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * The engine's folders, lowest first: a folder imports from the folders before it and from itself,
 * never from one after it (and, like all of the engine, never express, the server or the CLI). The
 * rooms of `worker/` are ordered the same way.
 */
const ENGINE_FOLDERS = [
  'types',
  'infra',
  'format',
  'plan',
  'store',
  'config',
  'queue',
  'registry',
  'resources',
  'client',
  'worker',
  'api',
];
const WORKER_ROOMS = ['step', 'operations', 'jobs', 'process'];

function engineFolderRules() {
  const outside = { group: ['express', '@dagflow/server', '@dagflow/cli'] };
  const rule = (files, above) => ({
    files,
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            outside,
            ...(above.length === 0
              ? []
              : [
                  {
                    regex: `^(\\.\\./)+(${above.join('|')})/`,
                    message: `Engine folders import downward only (order: ${ENGINE_FOLDERS.join(' < ')}; worker/: ${WORKER_ROOMS.join(' < ')}).`,
                  },
                ]),
          ],
        },
      ],
    },
  });
  return [
    rule(['packages/engine/src/**/*.ts'], []),
    ...ENGINE_FOLDERS.map((folder, i) =>
      rule([`packages/engine/src/${folder}/**/*.ts`], ENGINE_FOLDERS.slice(i + 1)),
    ),
    ...WORKER_ROOMS.map((room, i) =>
      rule([`packages/engine/src/worker/${room}/**/*.ts`], WORKER_ROOMS.slice(i + 1).concat('api')),
    ),
  ];
}

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/node_modules/**',
      '**/.turbo/**',
      '**/.scratch/**',
      'coverage/**',
      'test-artifacts/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: { allowDefaultProject: ['*.js', '*.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'max-params': ['error', 5],
      'no-restricted-syntax': [
        'error',
        { selector: 'ExportDefaultDeclaration', message: 'Use named exports.' },
      ],
    },
  },
  {
    files: ['packages/*/src/**/*.ts'],
    rules: { 'no-console': 'error' },
  },
  {
    // Vite reads its configuration from a default export.
    files: ['**/vite.config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
  {
    // Package boundaries: flow imports nothing of ours; engine never imports express or the server.
    files: ['packages/flow/src/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: ['@dagflow/*', 'bullmq', 'ioredis', 'node:*'] },
      ],
    },
  },
  ...engineFolderRules(),
  {
    // The dashboard runs in a browser: from the server (the HTTP contract) and the engine, types only.
    files: ['apps/dashboard/src/**/*.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@dagflow/server', '@dagflow/server/*', '@dagflow/engine'],
              allowTypeImports: true,
              message:
                'The dashboard imports only types (import type) from the server and the engine.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', '**/test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-non-null-assertion': 'off',
      'max-params': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', 'eslint.config.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['**/*.mjs', '**/*.cjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        console: 'readonly',
        fetch: 'readonly',
      },
    },
  },
  {
    // CommonJS fixtures, as a user of require() writes them.
    files: ['**/*.cjs'],
    languageOptions: {
      sourceType: 'commonjs',
      globals: { require: 'readonly', exports: 'writable', module: 'writable' },
    },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // TypeScript's CommonJS form, as a user of require() writes it.
    files: ['**/*.cts'],
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    // Tools load their configuration from a default export.
    files: ['eslint.config.js', 'vitest.config.ts'],
    rules: { 'no-restricted-syntax': 'off' },
  },
);
