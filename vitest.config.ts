import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    environment: 'node',
    // tfjs keeps one global engine per process; each test file gets its own worker.
    pool: 'forks',
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
