import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync, symlinkSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = new URL('../../..', import.meta.url).pathname;
const dir = mkdtempSync(join(tmpdir(), 'latticework-first-build-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(): string {
  const r = spawnSync(process.execPath, [join(dir, 'bin', 'latticework.mjs'), '--version'], { cwd: dir, encoding: 'utf8' });
  expect(r.status, r.stderr).toBe(0);
  return r.stderr;
}

describe('the command line builds on demand', () => {
  it('says a first build is the first, and a rebuild that sources changed', { timeout: 240_000 }, () => {
    // A fresh clone: sources and installed packages, no out/.
    cpSync(join(ROOT, 'bin'), join(dir, 'bin'), { recursive: true });
    for (const p of ['src-main', 'src-shared', 'src-renderer', 'resources', 'package.json', 'electron.vite.config.ts', 'node_modules', 'tsconfig.json', 'tsconfig.node.json', 'tsconfig.web.json']) {
      symlinkSync(join(ROOT, p), join(dir, p));
    }
    const first = run();
    expect(first).toMatch(/building the app for the first time/);
    expect(first).not.toMatch(/sources changed/);
    expect(run()).not.toMatch(/building/);
    const old = new Date(Date.now() - 3_600_000);
    utimesSync(join(dir, 'out', 'main', 'cli.js'), old, old);
    expect(run()).toMatch(/sources changed since the last build/);
  });
});
