import { defineConfig } from 'vitest/config';

// Root config: Vitest projects for every workspace. Apps keep their own vite.config.ts for builds.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: ['{packages,apps,workers,bench}/**/*.test.ts'],
          exclude: ['**/node_modules/**', '**/*.browser.test.ts'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'browser',
          include: ['{packages,apps,workers}/**/*.browser.test.ts'],
          exclude: ['**/node_modules/**'],
          environment: 'node',
          testTimeout: 120_000,
          hookTimeout: 180_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
