import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: more forks than that only adds contention on Redis and the local servers.
    pool: 'forks',
    maxWorkers: 2,
  },
});
