// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Folders of a package's `src/`, lowest first: a folder imports from the folders before it and from
 * itself, never from one after it. The rooms of the engine's `worker/` are ordered the same way.
 */
const FOLDER_ORDER = {
  'packages/engine/src': [
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
    'run-guards',
    'maintenance',
    'events',
    'worker',
    'api',
  ],
  'packages/engine/src/worker': ['step', 'operations', 'jobs', 'process'],
  'packages/server/src': ['contract', 'auth', 'http', 'routes', 'app'],
};
/**
 * What a package never imports, whatever the folder (the engine: express, the server, the CLI; no
 * package the test kit; the test kit: the server, the CLI and the private test-utils).
 */
const PACKAGE_BANS = {
  'packages/engine/src': ['express', '@dagflow/server', '@dagflow/cli', '@dagflow/testing'],
  'packages/server/src': ['@dagflow/testing'],
  'packages/testing/src': ['express', '@dagflow/server', '@dagflow/cli', '@dagflow/test-utils'],
};

function folderOrderRules() {
  const order = Object.entries(FOLDER_ORDER)
    .map(([root, folders]) => `${root}: ${folders.join(' < ')}`)
    .join('; ');
  const bansOf = (file) => Object.entries(PACKAGE_BANS).find(([root]) => file.startsWith(root))[1];
  const rule = (files, above) => ({
    files: [files],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ...(bansOf(files).length === 0 ? [] : [{ group: bansOf(files) }]),
            ...(above.length === 0
              ? []
              : [
                  {
                    regex: `^(\\.\\./)+(${above.join('|')})/`,
                    message: `Folders import downward only (${order}).`,
                  },
                ]),
          ],
        },
      ],
    },
  });
  return [
    ...Object.keys(PACKAGE_BANS).map((root) => rule(`${root}/**/*.ts`, [])),
    ...Object.entries(FOLDER_ORDER).flatMap(([root, folders]) =>
      folders.map((folder, i) => {
        const above = folders.slice(i + 1);
        // A room of a folder also stays below the folders above its parent.
        const parent = Object.entries(FOLDER_ORDER).find(([r]) => root.startsWith(`${r}/`));
        const parentAbove = parent
          ? parent[1].slice(parent[1].indexOf(root.slice(parent[0].length + 1)) + 1)
          : [];
        return rule(`${root}/${folder}/**/*.ts`, [...above, ...parentAbove]);
      }),
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
  ...folderOrderRules(),
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
