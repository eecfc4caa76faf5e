import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['packages/*/test/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Integration tests start images on loopback ports; files run one at a time
    // so that two of them never race for a port or for the two cores.
    fileParallelism: false,
    reporters: ['default'],
  },
});
