import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Each integration file starts its own Temporal dev server; on 2 cores, one file at a time.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
    reporters: ['verbose', 'json'],
    outputFile: { json: 'test-results/results.json' },
    pool: 'forks',
  },
});
