import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'apps/*/src/**/*.test.ts', 'apps/*/test/**/*.test.ts'],
    // Limits with room to spare on a busy 2-core machine (at least 3x the slowest test seen under
    // load); the heavy tests set their own.
    testTimeout: 180_000,
    hookTimeout: 300_000,
    pool: 'forks',
    // A temporary folder per run, removed at the end (scripts/test-tmpdir.js).
    globalSetup: ['scripts/test-tmpdir.js'],
  },
});
