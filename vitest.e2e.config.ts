import { defineConfig } from 'vitest/config';

/** End-to-end tests: drive the built app (npm run build first) in Electron or in Chromium against browser mode. */
export default defineConfig({
  test: {
    include: ['test/e2e/**/*.e2e.ts'],
    environment: 'node',
    testTimeout: 180_000,
    hookTimeout: 180_000,
    pool: 'forks',
    globalSetup: ['test/helpers/scratch-dir.ts'],
    fileParallelism: false,
    // A round trip through the browser and the core can take well over expect.poll's default
    // 1 s on a loaded machine (the team's load reaches 20+, and CI's machine is loaded like it):
    // polls wait up to 60 s. A poll waits for a state that stays (never for one that may pass
    // between two polls: record those in the page, test/e2e/observe.ts), so a longer wait only
    // makes a failing test slower to fail.
    expect: { poll: { timeout: 60_000 } },
  },
});
