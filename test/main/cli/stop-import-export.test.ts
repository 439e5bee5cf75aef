/**
 * `import-model` and `export` stopped by Ctrl-C or SIGTERM, in their own process (the built command line, as a
 * shell or a batch system signals it): they ended by Node's default action, exit status 130 or 143 with nothing on
 * stdout, not the one JSON document `--json` promises, and an export stopped while it wrote left its folder
 * half-written. They now stop as the other long commands do (cli/signals.ts): at their next step, before anything
 * is stored or written, saying so, with `--json` the error document naming the signal (`"stoppedBy"`), exit 130 or 143.
 * So does `structure` (until session 46 its stop printed its line on stderr and nothing on stdout).
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { rawRows } from '../../helpers/raw-rows';
import { SHARED_DATA } from '../../helpers/shared-data';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'lw-stop-import-export-'));

interface Ended {
  /** The exit status, null when a signal ended the process (`killedBy`). */
  code: number | null;
  killedBy: NodeJS.Signals | null;
  out: string;
  err: string;
  /** Whether the signal was sent (`when` held before the command ended). */
  sent: boolean;
}

/** `latticework ARGS` in its own process, to its end. */
function run(args: string[]): Promise<Ended> {
  return signalled('SIGINT', () => false, args);
}

/**
 * `latticework ARGS` in its own process, sent `signal` once `when` holds (looked at as its stderr grows and every
 * 10 ms: a progress line said, a file made).
 */
function signalled(signal: 'SIGINT' | 'SIGTERM' | 'SIGKILL', when: (stderr: string) => boolean, args: string[]): Promise<Ended> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'latticework.mjs'), ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let sent = false;
  const look = () => {
    if (!sent && child.exitCode === null && when(err)) sent = child.kill(signal);
  };
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => {
    err += d;
    look();
  });
  const timer = setInterval(look, 10);
  return new Promise((resolve) =>
    child.on('close', (code, killedBy) => {
      clearInterval(timer);
      resolve({ code, killedBy, out, err, sent });
    }),
  );
}

describe('import-model and export stopped by a signal, in their own process', { timeout: 180_000 }, () => {
  it('import-model --json: Ctrl-C once it works (its database opened) stops it before the model is stored; its JSON says so, exit 130', async () => {
    const db = join(dir, 'models.sqlite');
    const r = await signalled('SIGINT', () => existsSync(db), ['import-model', join(SHARED_DATA, 'cgcnn-pretrained', 'band-gap.pth.tar'), '--name', 'my-gap', '--db', db, '--json']);
    expect(r.sent, r.err).toBe(true);
    expect([r.code, r.killedBy, r.err], r.out).toEqual([130, null, 'latticework import-model: stopped by Ctrl-C before the model was stored; nothing imported\n']);
    expect(JSON.parse(r.out)).toEqual({ error: { message: 'stopped by Ctrl-C before the model was stored; nothing imported', status: 130, stoppedBy: 'SIGINT' } });
    expect(await rawRows(db, "SELECT id FROM model WHERE name = 'my-gap'")).toEqual([]);
  });

  it('export --json: Ctrl-C while the graphs are built stops it before the folder is written; nothing written, its JSON says so, exit 130', async () => {
    const out = join(dir, 'stopped-export');
    const r = await signalled('SIGINT', (err) => err.includes('latticework export: building the graphs'), ['export', 'cgcnn-paper', '--data', join(SHARED_DATA, 'emt-dev', 'cgcnn'), '--limit', '400', '--to', 'torch', out, '--json']);
    expect(r.sent, r.err).toBe(true);
    expect([r.code, r.killedBy], r.err).toEqual([130, null]);
    expect(r.err.trim().split('\n')).toEqual(['latticework export: reading the data', 'latticework export: building the graphs of 400 structures', 'latticework export: stopped by Ctrl-C before the folder was written; nothing written']);
    expect(JSON.parse(r.out)).toEqual({ error: { message: 'stopped by Ctrl-C before the folder was written; nothing written', status: 130, stoppedBy: 'SIGINT' } });
    expect(existsSync(out)).toBe(false);
  });

  it('export by SIGTERM while it reads the data, into an empty folder made before it: the folder stays, empty; exit 143', async () => {
    const out = join(dir, 'empty-before');
    mkdirSync(out);
    const r = await signalled('SIGTERM', (err) => err.includes('latticework export: reading the data'), ['export', 'cgcnn-paper', '--data', join(SHARED_DATA, 'emt-dev', 'cgcnn'), '--limit', '400', '--to', 'torch', out]);
    expect(r.sent, r.err).toBe(true);
    expect([r.code, r.killedBy, r.out], r.err).toEqual([143, null, '']);
    expect(r.err).toMatch(/^latticework export: stopped by SIGTERM before the folder was written; nothing written$/m);
    expect(readdirSync(out)).toEqual([]);
  });

  it('export --json: Ctrl-C while the folder is written stops it before the folder is named: its partial folder removed, nothing written, exit 130', async () => {
    const parent = mkdtempSync(join(dir, 'written-'));
    const out = join(parent, 'run');
    // the folder is written as .run.partial-PID beside it (one synchronous step), and the signal heard once it is, before it is renamed
    const r = await signalled('SIGINT', () => readdirSync(parent).some((f) => existsSync(join(parent, f, 'data'))), ['export', 'cgcnn-paper', '--data', join(SHARED_DATA, 'emt-dev', 'cgcnn'), '--limit', '400', '--to', 'torch', out, '--json']);
    expect(r.sent, r.err).toBe(true);
    expect([r.code, r.killedBy], r.err).toEqual([130, null]);
    const message = 'stopped by Ctrl-C while the folder was written; its partial folder removed, nothing written';
    expect(r.err.trim().split('\n').at(-1)).toBe(`latticework export: ${message}`);
    expect(JSON.parse(r.out)).toEqual({ error: { message, status: 130, stoppedBy: 'SIGINT' } });
    expect(readdirSync(parent)).toEqual([]);
  });

  it('export killed (SIGKILL) while it writes leaves no folder, only its partial one: import-run refuses that, and the next export into the folder removes it', async () => {
    const parent = mkdtempSync(join(dir, 'killed-'));
    const out = join(parent, 'run');
    const args = ['export', 'cgcnn-paper', '--data', join(SHARED_DATA, 'emt-dev', 'cgcnn'), '--limit', '400', '--to', 'torch', out];
    const r = await signalled('SIGKILL', () => readdirSync(parent).some((f) => existsSync(join(parent, f, 'data'))), args);
    expect(r.sent, r.err).toBe(true);
    expect(r.killedBy).toBe('SIGKILL');
    expect(existsSync(out)).toBe(false);
    const [partial] = readdirSync(parent);
    expect(partial).toMatch(/^\.run\.partial-\d+$/);
    const imported = await run(['import-run', join(parent, partial), '--db', join(parent, 'runs.sqlite'), '--json']);
    expect(imported.code).toBe(1);
    expect(JSON.parse(imported.out).error.message).toBe(
      `${join(parent, partial)} is the partial folder of an export into run (an export writes there and renames it to run once complete; this one was not completed: its process was killed, or it is still writing): it is no export; export again into run`,
    );
    const again = await run(args);
    expect(again.code, again.err).toBe(0);
    expect(again.err).toContain(`latticework export: removed ${join(parent, partial)}, the partial folder of an export into ${out} whose process was killed before it was complete`);
    expect(readdirSync(parent).filter((f) => f.includes('partial'))).toEqual([]);
    expect(existsSync(join(out, 'export.json'))).toBe(true);
  });
});

describe('structure stopped by a signal, in its own process', { timeout: 60_000 }, () => {
  it.each([
    ['SIGINT', 130, 'Ctrl-C'],
    ['SIGTERM', 143, 'SIGTERM'],
  ] as const)('structure supercell --out --json: %s while it builds and searches prints the error document naming the signal, exit %i, no file', async (signal, status, said) => {
    const work = mkdtempSync(join(dir, 'structure-'));
    writeFileSync(join(work, 'Cu.vasp'), 'Cu\n3.6\n1 0 0\n0 1 0\n0 0 1\nCu\n4\nDirect\n0 0 0\n0 0.5 0.5\n0.5 0 0.5\n0.5 0.5 0\n');
    // 62,500 sites: seconds of work, which says nothing on the way; the signal once the supercell is written under its
    // temporary name, while its space group is searched (seconds more), before the file is placed
    const r = await signalled(signal, () => readdirSync(work).some((f) => f.endsWith('.partial')), ['structure', 'supercell', join(work, 'Cu.vasp'), '--repeat', '25', '--out', join(work, 'big.extxyz'), '--json']);
    expect(r.sent, r.err).toBe(true);
    const message = `stopped by ${said} before it finished; nothing written`;
    expect([r.code, r.killedBy, r.err]).toEqual([status, null, `latticework structure supercell: ${message}\n`]);
    expect(JSON.parse(r.out)).toEqual({ error: { message, status, stoppedBy: signal } });
    expect(readdirSync(work)).toEqual(['Cu.vasp']);
  });
});
