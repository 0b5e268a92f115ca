import { defineConfig } from 'vitest/config';

/**
 * Two tiers that run apart (`npm run test:unit`, `npm run test:integration`; `npm test`
 * runs both, the unit tier first):
 * - unit: pure code, no Docker engine, no root, files in parallel;
 * - integration: test/integration/ and test/e2e/, real engines, registries, trackers and
 *   peers. They share one Docker engine (global setup) and two cores: one file at a time.
 */
export default defineConfig({
  test: {
    teardownTimeout: 60_000,
    projects: [
      {
        test: {
          name: 'unit',
          include: ['test/unit/**/*.test.ts'],
          sequence: { groupOrder: 0 },
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'integration',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          globalSetup: ['test/helpers/global-setup.ts'],
          sequence: { groupOrder: 1 },
          // One fork runs the files one after another.
          poolOptions: { forks: { singleFork: true } },
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
