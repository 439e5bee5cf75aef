/**
 * A quiet, correct install: every package accepts the Node versions we declare, every install
 * script is reviewed in allowScripts, and sqlite3's addon is built on Node-API only (so the same
 * build loads in Electron: no @electron/rebuild step).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../..', import.meta.url).pathname;
const semver = createRequire(import.meta.url)('semver') as {
  satisfies(version: string, range: string): boolean;
  minVersion(range: string): { version: string } | null;
};
const pkg = JSON.parse(readFileSync(`${ROOT}/package.json`, 'utf8')) as { engines: { node: string }; allowScripts: Record<string, boolean> };
const lock = JSON.parse(readFileSync(`${ROOT}/package-lock.json`, 'utf8')) as {
  packages: Record<string, { version?: string; engines?: { node?: string } | string[]; hasInstallScript?: boolean }>;
};

describe('install', () => {
  it('every locked package accepts the oldest Node we support (no EBADENGINE warning)', () => {
    const oldest = semver.minVersion(pkg.engines.node)!.version;
    const refusing = Object.entries(lock.packages)
      .filter(([, p]) => p.engines && !Array.isArray(p.engines) && p.engines.node && !semver.satisfies(oldest, p.engines.node))
      .map(([name, p]) => `${name}@${p.version} wants node ${(p.engines as { node: string }).node}`);
    expect(refusing).toEqual([]);
    // And this machine's Node is one we support.
    expect(semver.satisfies(process.versions.node, pkg.engines.node)).toBe(true);
  });

  it('every package with an install script is approved or denied in allowScripts', () => {
    const unreviewed = Object.entries(lock.packages)
      .filter(([, p]) => p.hasInstallScript)
      .map(([path]) => path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length))
      .filter((name) => !(name in pkg.allowScripts));
    expect(unreviewed).toEqual([]);
  });

  it('sqlite3’s addon uses Node-API and libuv only (ABI-stable across Node and Electron)', () => {
    const addon = createRequire(import.meta.url).resolve('sqlite3/build/Release/node_sqlite3.node');
    const undefinedSymbols = execFileSync('nm', ['-D', '--undefined-only', addon], { encoding: 'utf8' })
      .split('\n')
      .map((l) => l.trim().split(/\s+/).pop() ?? '')
      .filter(Boolean);
    expect(undefinedSymbols.some((s) => s.startsWith('napi_'))).toBe(true);
    // System libraries' symbols carry a version (@GLIBC…, @GLIBCXX…); V8's or Node's C++ ABI (_ZN2v8…, _ZN4node…) would not be stable.
    const engineSymbols = undefinedSymbols.filter((s) => !s.includes('@') && !/^(napi_|node_api_|uv_)/.test(s) && !s.startsWith('_ITM_') && s !== '__gmon_start__');
    expect(engineSymbols).toEqual([]);
  });
});
