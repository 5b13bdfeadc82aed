import { defineConfig } from 'vitest/config';

/**
 * Files that never open a database (unit tests, workflow tests against fake activities, the
 * deployment files, and the README's `npm start`, which always runs its own embedded database).
 * The PostgreSQL pass (TEST_DATABASE_URL set) leaves them out: it would repeat the embedded pass
 * word for word. Everything that reads or writes a database runs on both.
 */
const DATABASE_FREE = [
  'test/admin-units.test.ts',
  'test/alerts-plan.test.ts',
  'test/catalog-csv.test.ts',
  'test/config.test.ts',
  'test/deploy-compose.test.ts',
  'test/deploy-config.test.ts',
  'test/eligibility.test.ts',
  'test/keep-alive.test.ts',
  'test/logger.test.ts',
  'test/ops-cli-units.test.ts',
  'test/payload-codec.test.ts',
  'test/readme.test.ts',
  'test/replay.test.ts',
  'test/woocommerce-order.test.ts',
  'test/workflows/**',
];

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds the workflow bundle once for the whole run (test/support/workflow-bundle.ts).
    globalSetup: ['test/support/global-setup.ts'],
    exclude: ['**/node_modules/**', ...(process.env.TEST_DATABASE_URL ? DATABASE_FREE : [])],
    // Each integration file starts its own Temporal dev server; on 2 cores, one file at a time.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['verbose', 'json'],
    outputFile: { json: 'test-results/results.json' },
    pool: 'forks',
  },
});
