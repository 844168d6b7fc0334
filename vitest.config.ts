import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests of the pure parts, and integration tests against a real Docker
// engine with real HAProxy (they need what `bash scripts/setup.sh --tests` sets up; see
// docs/testing.md). Integration files run one at a time: they share one engine and two cores.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          // The dashboard's stylesheet is imported as text (`app.css?raw`), as the build inlines it.
          css: { include: [/src\/ui\//] },
          exclude: ['test/integration/**'],
          globalSetup: ['test/support/tmp-root.ts'],
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts'],
          // Builds the CLI the tests run, checks the engine and images, sweeps crashed runs' leftovers.
          globalSetup: ['test/support/tmp-root.ts', 'test/integration/support/global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 120_000,
        },
      },
    ],
  },
});
