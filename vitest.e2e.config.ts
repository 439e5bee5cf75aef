import { defineConfig } from 'vitest/config';

/** End-to-end tests: drive the built app (npm run build first) in Electron or in Chromium against browser mode. */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
    // A round trip through the browser and the core can take well over expect.poll's default
    // 1 s on a loaded machine (the team's load reaches 20+): polls wait up to 15 s.
    expect: { poll: { timeout: 15_000 } },
  },
});
