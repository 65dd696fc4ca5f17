import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // onnxruntime-node and nodejs-polars are native addons: use process forks, never vmThreads.
    pool: 'forks',
    include: ['src/**/*.test.ts', 'controllers/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
