// `npm run test:e2e [-- FILTER...]`: the end-to-end tests alone, against browser mode in
// Chromium (what CI runs; in the Electron window instead when LATTICEWORK_E2E_ELECTRON names an
// Electron binary, see test/e2e/app.ts). Builds first when the sources are newer than the build.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build, isStale } from './build.mjs';
import { ensureBrowser } from './ensure-browser.mjs';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The vitest command of the end-to-end suite, with the browser it drives. */
export function e2eCommand(extraArgs = []) {
  return {
    command: join(root, 'node_modules', '.bin', 'vitest'),
    args: ['run', '--config', 'vitest.e2e.config.ts', ...extraArgs],
    env: { LATTICEWORK_CHROMIUM: ensureBrowser() },
  };
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (isStale() && !build()) process.exit(1);
  const { command, args, env } = e2eCommand(process.argv.slice(2));
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  process.exit(r.status ?? 1);
}
