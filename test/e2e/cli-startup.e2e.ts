/**
 * The built command line starts without loading what its command does not use: no tfjs for
 * commands that do not compute, no SQLite for those without a database, and no look at the
 * sources when a build exists. (How fast it starts is measured by bench/cli/startup.sh, not here.)
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from './app';
import { SHARED_DATA } from '../helpers/shared-data';

const CIF = join(ROOT, 'resources', 'examples', '1000041.cif');
let dir: string;
let hooks: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lw-cli-startup-'));
  // every module the process loads is written to LW_RESOLVED: import()s by a resolution hook, and
  // require()s (packages loaded through createRequire, e.g. the codecs) by a wrapper of Module._load
  writeFileSync(
    join(dir, 'hooks.mjs'),
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(process.env.LW_RESOLVED, r.url + '\\n');
  return r;
}`,
  );
  hooks = join(dir, 'register.mjs');
  writeFileSync(
    hooks,
    `import Module, { register } from 'node:module';
import { appendFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
register(${JSON.stringify(pathToFileURL(join(dir, 'hooks.mjs')).href)});
const load = Module._load;
Module._load = function (request, parent, isMain) {
  let name = request;
  try { name = Module._resolveFilename(request, parent, isMain); } catch {}
  if (Module.isBuiltin(name)) name = name.startsWith('node:') ? name : 'node:' + name;
  else if (name.startsWith('/')) name = pathToFileURL(name).href;
  appendFileSync(process.env.LW_RESOLVED, name + '\\n');
  return load.apply(this, arguments);
};
`,
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `latticework ARGS` and returns the modules it resolved. */
function resolvedBy(args: string[]): { status: number | null; stdout: string; stderr: string; modules: string[] } {
  const log = join(dir, `resolved-${Math.random().toString(36).slice(2)}.txt`);
  writeFileSync(log, '');
  const r = spawnSync(process.execPath, ['--import', pathToFileURL(hooks).href, join(ROOT, 'bin', 'latticework.mjs'), ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, LW_RESOLVED: log, LATTICEWORK_DATA_DIR: dir },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr, modules: readFileSync(log, 'utf8').split('\n').filter(Boolean) };
}

const tfjs = (m: string) => m.includes('@tensorflow');
const sqlite = (m: string) => /[/\\]sqlite3[/\\]/.test(m);
/**
 * What reading a plain structure file does not need: the contract's validation (zod), the codecs
 * (gzip's zlib, bzip2, xz) and node:crypto (only writing an ASE database uses it).
 */
const heavyForReading = (m: string) => /[/\\]node_modules[/\\](zod|seek-bzip|xz-decompress)[/\\]/.test(m) || m === 'node:zlib' || m === 'node:crypto';

describe('command-line start-up', () => {
  it('--version and --help load neither tfjs nor SQLite', () => {
    const v = resolvedBy(['--version']);
    expect(v.status).toBe(0);
    expect(v.stdout.trim()).toBe(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version);
    expect(v.modules.some((m) => m.endsWith('/out/main/cli.js'))).toBe(true);
    expect(v.modules.filter(tfjs)).toEqual([]);
    expect(v.modules.filter(sqlite)).toEqual([]);
    const h = resolvedBy(['--help']);
    expect(h.stdout).toMatch(/structure\s+read structure files/);
    expect(h.modules.filter((m) => tfjs(m) || sqlite(m))).toEqual([]);
  });

  it('structure info and graph load no tfjs, no SQLite, no zod, no codec (zlib, bzip2, xz) and no node:crypto; runs loads SQLite but no tfjs', () => {
    for (const args of [
      ['structure', 'info', CIF, '--json'],
      ['graph', CIF, '--json'],
    ]) {
      const r = resolvedBy(args);
      expect(r.status, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toHaveLength(1);
      expect(r.modules.filter((m) => tfjs(m) || sqlite(m))).toEqual([]);
      expect(r.modules.filter(heavyForReading)).toEqual([]);
    }
    // the check sees what is loaded through require() too: a gzip file does load zlib
    const gz = join(dir, 'one.cif.gz');
    writeFileSync(gz, gzipSync(readFileSync(CIF)));
    const g = resolvedBy(['structure', 'info', gz, '--json']);
    expect(g.status, g.stderr).toBe(0);
    expect(g.modules.filter(heavyForReading)).toContain('node:zlib');
    const runs = resolvedBy(['runs', '--db', join(dir, 'no-such.sqlite'), '--json']);
    expect(runs.status, runs.stderr).toBe(0);
    expect(JSON.parse(runs.stdout)).toEqual([]);
    expect(runs.modules.some(sqlite)).toBe(true);
    expect(runs.modules.filter(tfjs)).toEqual([]);
  });

  it('structure info of one file runs the symmetry library (moyo) without optimising it', () => {
    // V8 prints every WebAssembly function it compiles, with the compiler (Liftoff = baseline,
    // TurboFan = optimising). Optimising moyo's hot functions at V8's default budget cost more CPU
    // than the whole command; the command raises the budget (structure.ts).
    const r = spawnSync(process.execPath, ['--trace-wasm-compilation-times', join(ROOT, 'bin', 'latticework.mjs'), 'structure', 'info', CIF], { cwd: dir, encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/Fm-3m \(225, cubic\)/);
    expect(r.stdout).toMatch(/using Liftoff/);
    expect(r.stdout.split('\n').filter((l) => /using TurboFan/.test(l))).toEqual([]);
  });

  it('a computing command does load tfjs (the check above sees it)', () => {
    const r = resolvedBy(['predict', '--model', join(ROOT, 'resources', 'models', 'band-gap.lwm'), CIF, '--backend', 'cpu', '--json', '--db', join(dir, 'predict.sqlite')]);
    expect(r.status, r.stderr).toBe(0);
    expect(r.modules.some(tfjs)).toBe(true);
  });

  it('ends quietly, status 0, when its reader closes the pipe early (`latticework … | head`)', () => {
    // 2,000 frames of JSON: far more than a pipe holds, so the write meets the closed pipe
    const command = `"${process.execPath}" "${join(ROOT, 'bin', 'latticework.mjs')}" structure frames "${SHARED_DATA}/emt-dev/emt_dataset.extxyz" --json | head -c 20 >/dev/null; echo "status \${PIPESTATUS[0]}"`;
    const r = spawnSync('bash', ['-c', command], { cwd: dir, encoding: 'utf8' });
    expect(r.stderr).not.toMatch(/EPIPE|Error/);
    expect(r.stdout.trim()).toBe('status 0');
  });

  it('does not look at the sources when a build exists (a newer source file does not trigger a build)', () => {
    const copy = join(dir, 'checkout');
    mkdirSync(join(copy, 'out'), { recursive: true });
    cpSync(join(ROOT, 'bin'), join(copy, 'bin'), { recursive: true });
    cpSync(join(ROOT, 'package.json'), join(copy, 'package.json'));
    symlinkSync(join(ROOT, 'out', 'main'), join(copy, 'out', 'main'));
    symlinkSync(join(ROOT, 'node_modules'), join(copy, 'node_modules'));
    mkdirSync(join(copy, 'src-main'));
    const source = join(copy, 'src-main', 'newer.ts');
    writeFileSync(source, 'export {};\n');
    const future = new Date(Date.now() + 3600_000);
    utimesSync(source, future, future);
    const r = spawnSync(process.execPath, [join(copy, 'bin', 'latticework.mjs'), '--version'], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stderr).not.toMatch(/building/);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });
});
