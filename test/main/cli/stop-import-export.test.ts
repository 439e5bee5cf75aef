/**
 * `import-model` and `export` stopped by Ctrl-C or SIGTERM, in their own process (the built command line, as a
 * shell or a batch system signals it): they ended by Node's default action, exit status 130 or 143 with nothing on
 * stdout, not the one JSON document `--json` promises, and an export stopped while it wrote left its folder
 * half-written. They now stop as the other long commands do (cli/signals.ts): at their next step, before anything
 * is stored or written, saying so, with `--json` the error document naming the signal (`"stoppedBy"`), exit 130 or 143.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
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

/**
 * `latticework ARGS` in its own process, sent `signal` once `when` holds (looked at as its stderr grows and every
 * 10 ms: a progress line said, a file made).
 */
function signalled(signal: 'SIGINT' | 'SIGTERM', when: (stderr: string) => boolean, args: string[]): Promise<Ended> {
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

  it('export: Ctrl-C once the folder is being written is too late to stop it (one synchronous step): written whole, its summary printed, exit 0', async () => {
    const out = join(dir, 'written-whole');
    const r = await signalled('SIGINT', () => existsSync(join(out, 'data')), ['export', 'cgcnn-paper', '--data', join(SHARED_DATA, 'emt-dev', 'cgcnn'), '--limit', '400', '--to', 'torch', out, '--json']);
    expect(r.sent, r.err).toBe(true);
    expect([r.code, r.killedBy], r.err).toEqual([0, null]);
    const summary = JSON.parse(r.out) as { folder: string; structures: number; files: string[] };
    expect([summary.folder, summary.structures]).toEqual([out, 400]);
    for (const file of summary.files.filter((f) => !f.includes('<id>'))) expect(existsSync(join(out, file)), file).toBe(true);
    expect(readdirSync(join(out, 'data', 'cgcnn'))).toHaveLength(400 + 2);
  });
});
