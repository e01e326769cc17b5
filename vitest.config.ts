import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // In CI a JSON report lets .ci/run print a plain "N passed, N failed" line.
    reporters: process.env['CI'] ? ['default', 'json'] : ['default'],
    outputFile: { json: 'test-artifacts/vitest.json' },
    projects: [
      {
        test: {
          name: 'unit',
          include: ['packages/*/test/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
          exclude: ['**/integration/**', '**/chaos/**', '**/cluster/**', '**/node_modules/**'],
        },
      },
      {
        test: {
          name: 'integration',
          include: [
            'packages/*/test/integration/**/*.test.ts',
            'apps/*/test/integration/**/*.test.ts',
          ],
          globalSetup: ['packages/test-utils/src/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 60_000,
          hookTimeout: 30_000,
        },
      },
      {
        // The core, constructs and lifecycle suites again, on a private 3-master Redis Cluster (every
        // connection a cluster one: tests pass testRedisOptions() and testRedisEnv() of test-utils),
        // plus the cluster's own tests: partitions spread over masters, failover.
        test: {
          name: 'cluster',
          include: [
            'packages/engine/test/integration/{smoke,diamond,constructs,lifecycle,partitions,deploy,streams,events,signal-urls,stream-edges}.test.ts',
            'packages/engine/test/cluster/**/*.test.ts',
          ],
          globalSetup: ['packages/test-utils/src/cluster-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 60_000,
        },
      },
      {
        // Type tests (*.test-d.ts): vitest's typecheck runs tsc over them; no code runs. They prove
        // the typed-flow inference and that mismatches are compile errors (`@ts-expect-error`).
        test: {
          name: 'types',
          include: [],
          typecheck: {
            enabled: true,
            only: true,
            include: ['packages/*/test/**/*.test-d.ts'],
            tsconfig: 'packages/tests/tsconfig.json',
          },
        },
      },
      {
        // The seeded chaos suite (pnpm test:chaos): its own Redis, proxy and workers; one file at a time,
        // after the other projects (groupOrder 1), so that their timing tests do not share the CPU with it.
        test: {
          name: 'chaos',
          sequence: { groupOrder: 1 },
          include: ['packages/*/test/chaos/**/*.test.ts'],
          globalSetup: ['packages/test-utils/src/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 600_000,
          hookTimeout: 30_000,
        },
      },
    ],
  },
});
