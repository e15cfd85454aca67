import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Builds dist/ once, for the CLI tests (they spawn the built bin).
    globalSetup: ['test/helpers/buildOnce.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});
