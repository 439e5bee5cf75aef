import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'latticework-first-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(script = join('bin', 'latticework.mjs'), args = ['--version']): string {
  const r = spawnSync(process.execPath, [join(dir, script), ...args], { cwd: dir, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stderr;
}

describe('the command line builds on demand', () => {
  it('says a first build is the first; later it runs the build as it is; npm start\'s build step rebuilds a stale one', { timeout: 240_000 }, () => {
    // A fresh clone: sources and installed packages, no out/ (bin/ and scripts/ copied: they find the checkout from where they are).
    cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'scripts'), join(dir, 'scripts'), { recursive: true });
    for (const p of ['src-main', 'src-shared', 'src-renderer', 'resources', 'package.json', 'electron.vite.config.ts', 'node_modules', 'tsconfig.json', 'tsconfig.node.json', 'tsconfig.web.json']) {
      symlinkSync(join(ROOT, p), join(dir, p));
    }
    const first = run();
    expect(first).toMatch(/building the app for the first time/);
    expect(first).not.toMatch(/sources changed/);
    expect(run()).not.toMatch(/building/);
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(join(dir, 'out', 'main', 'cli.js'), old, old);
    // the command does not look at the sources (quick start-up) ...
    expect(run()).not.toMatch(/building/);
    // ... npm start, npm run serve and npm run test:e2e do (scripts/build.mjs), once
    expect(run(join('scripts', 'build.mjs'), [])).toMatch(/sources changed since the last build/);
    expect(run(join('scripts', 'build.mjs'), [])).not.toMatch(/building/);
  });
});
