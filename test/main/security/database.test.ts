/**
 * The store's open: a file that is not a usable Latticework database is refused with a message
 * that names it and says what to do, and is left byte for byte as it was; busy_timeout applies
 * before the journal-mode change; the schema is verified before anything runs; `latticework
 * doctor` examines without changing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sqlite3 from 'sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { createCore } from '../../../src-main/app/core';
import { probeDatabase } from '../../../src-main/app/doctor';
import { Database, DatabaseOpenError } from '../../../src-main/store/database';
import { damagedStore } from '../../helpers/damaged-store';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'latticework-dbsec-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const sha = (p: string) => createHash('sha256').update(readFileSync(p)).digest('hex');

async function refused(path: string, options = {}): Promise<DatabaseOpenError> {
  const err = await Database.open(path, options).then(
    async (db) => {
      await db.close();
      return null;
    },
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(DatabaseOpenError);
  const e = err as DatabaseOpenError;
  expect(e.message).toContain(path);
  return e;
}

/** A real database with some rows, closed (WAL checkpointed into the file). */
async function realDatabase(name: string): Promise<string> {
  const path = join(dir, name);
  const db = await Database.open(path);
  await db.transaction(async (tx) => {
    for (let i = 0; i < 300; i++) {
      await tx.run(
        "INSERT INTO structure (hash, name, source_file, formula, n_sites, format, data, summary, created_at) VALUES (?, 'S', 'f.cif', 'X', 1, 'cif', ?, '{}', 1)",
        [`h${i}`, 'x'.repeat(400)],
      );
    }
  });
  await db.close();
  return path;
}

function rawDb(path: string): Promise<sqlite3.Database> {
  return new Promise((resolve, reject) => {
    const d = new sqlite3.Database(path, (err) => (err ? reject(err) : resolve(d)));
  });
}
const exec = (d: sqlite3.Database, sql: string) => new Promise<void>((resolve, reject) => d.exec(sql, (err) => (err ? reject(err) : resolve())));
const closeRaw = (d: sqlite3.Database) => new Promise<void>((resolve) => d.close(() => resolve()));

/** Database.open of `path` in a child process, as an unprivileged user where the test runs as root (root may write any file). */
function openAsUser(path: string, mode?: 'read-only'): { ok: boolean; name?: string; problem?: string; message?: string } {
  const asUser = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};
  const child = spawnSync(process.execPath, ['--import', 'tsx', join(ROOT, 'test/main/security/open-child.ts'), path, ...(mode ? [mode] : [])], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, HOME: dir, TSX_TSCONFIG_PATH: join(ROOT, 'tsconfig.node.json') },
    ...asUser,
  });
  const result = JSON.parse(child.stdout || '{}') as { ok: boolean; name?: string; problem?: string; message?: string };
  expect(result.ok !== undefined, child.stderr).toBe(true);
  return result;
}

describe('opening a database that cannot be used', () => {
  it('refuses a file that is not SQLite, and leaves it unchanged', async () => {
    const path = join(dir, 'notes.sqlite');
    writeFileSync(path, 'these are my notes, not a database\n'.repeat(100));
    const before = sha(path);
    const e = await refused(path);
    expect(e.problem).toBe('not-sqlite');
    expect(e.message).toMatch(/not an SQLite file/);
    expect(sha(path)).toBe(before);
    expect(existsSync(`${path}-wal`) || existsSync(`${path}-journal`)).toBe(false);
  });

  it('refuses a truncated database as damaged, pointing to doctor and backups, and leaves it unchanged', async () => {
    for (const cut of [(n: number) => n - 1000, (n: number) => Math.floor(n / 2 / 4096) * 4096, () => 3000]) {
      const path = await realDatabase(`trunc-${cut(100_000)}.sqlite`);
      truncateSync(path, cut(statSync(path).size));
      const before = sha(path);
      const e = await refused(path);
      expect(e.problem).toBe('damaged');
      expect(e.message).toMatch(/truncated|not an SQLite/);
      expect(e.message).toMatch(/latticework doctor|restore a backup/);
      expect(sha(path)).toBe(before);
    }
  });

  it('refuses an empty file, a folder and a FIFO', async () => {
    const empty = join(dir, 'empty.sqlite');
    writeFileSync(empty, '');
    // refused once it has stayed empty for the busy timeout (no other process is creating a store there)
    const t0 = Date.now();
    expect((await refused(empty, { busyTimeoutMs: 300 })).message).toMatch(/empty \(0 bytes\)/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(300);
    expect(statSync(empty).size).toBe(0);
    const folder = join(dir, 'folder.sqlite');
    mkdirSync(folder);
    expect((await refused(folder)).problem).toBe('not-a-file');
    const fifo = join(dir, 'fifo.sqlite');
    execFileSync('mkfifo', [fifo]);
    expect((await refused(fifo)).problem).toBe('not-a-file');
  });

  it('refuses a read-only database, saying so, and leaves it unchanged; opens it to read only', async () => {
    const sub = join(dir, 'ro');
    mkdirSync(sub);
    const path = await realDatabase('ro/ro.sqlite');
    chmodSync(path, 0o444);
    const before = sha(path);
    chmodSync(dir, 0o755);
    chmodSync(sub, 0o755);
    const result = openAsUser(path);
    expect(result).toMatchObject({ ok: false, name: 'DatabaseOpenError', problem: 'read-only' });
    expect(result.message).toContain(path);
    expect(sha(path)).toBe(before);
    // `latticework runs` only reads (a WAL store's reader needs its folder for the -shm file)
    chmodSync(sub, 0o777);
    expect(openAsUser(path, 'read-only')).toEqual({ ok: true });
    expect(sha(path)).toBe(before);
  });

  it('waits for a lock up to busy_timeout (set first, so that it covers every statement of the open), then says the file is locked', async () => {
    // a database another tool keeps in rollback-journal mode, with a write in progress
    const path = join(dir, 'locked.sqlite');
    const other = await rawDb(path);
    await exec(other, 'CREATE TABLE t (x); INSERT INTO t VALUES (1);');
    await exec(other, 'BEGIN EXCLUSIVE; INSERT INTO t VALUES (2);');
    const e = await refused(path, { busyTimeoutMs: 300 });
    expect(e.problem).toBe('locked');
    expect(e.message).toMatch(/locked by another process/);
    // released while we wait: the open succeeds, journal_mode = WAL included
    await exec(other, 'COMMIT; BEGIN EXCLUSIVE; INSERT INTO t VALUES (3);');
    const opening = Database.open(path, { busyTimeoutMs: 10_000 }).then(
      (db) => ({ db }),
      (error: unknown) => ({ error }),
    );
    await new Promise((r) => setTimeout(r, 400));
    await exec(other, 'COMMIT');
    const opened = await opening;
    expect(opened).not.toHaveProperty('error');
    const { db } = opened as { db: Database };
    expect((await db.read((tx) => tx.get<{ journal_mode: string }>('PRAGMA journal_mode')))!.journal_mode).toBe('wal');
    await db.close();
    await closeRaw(other);
  });

  it('verifies the schema at start: a dropped table is reported, and nothing runs', async () => {
    const path = await realDatabase('dropped.sqlite');
    const other = await rawDb(path);
    await exec(other, 'DROP TABLE metric; PRAGMA wal_checkpoint(TRUNCATE);');
    await closeRaw(other);
    const before = sha(path);
    const e = await refused(path);
    expect(e.problem).toBe('damaged');
    expect(e.message).toMatch(/table metric is missing/);
    await expect(createCore({ mode: 'browser', databasePath: path, dataDirectory: dir, workers: 1, builtinModels: false })).rejects.toThrow(/table metric is missing/);
    expect(sha(path)).toBe(before);
    const report = await probeDatabase(path);
    expect(report.error).toMatch(/the schema is damaged \(table metric is missing\); restore a backup/);
    expect(sha(path)).toBe(before);
  });

  it('latticework doctor finds a healthy database healthy, and names the damage of a corrupted one', async () => {
    const path = await realDatabase('doctor.sqlite');
    expect(await probeDatabase(path)).toMatchObject({ integrity: ['ok'], error: null, unfinishedImports: 0 });
    // overwrite a page in the middle with noise
    const bytes = readFileSync(path);
    const page = 4096;
    bytes.fill(0x5a, page * 3, page * 4);
    writeFileSync(path, bytes);
    const before = sha(path);
    const report = await probeDatabase(path);
    const said = `${report.error ?? ''} ${(report.integrity ?? []).join(' ')}`;
    expect(report.error !== null || report.integrity?.[0] !== 'ok', said).toBe(true);
    expect(sha(path)).toBe(before);
    // a truncated one: the store's own check, with what to do
    truncateSync(path, statSync(path).size - 100);
    const truncated = (await probeDatabase(path)).error;
    expect(truncated).toMatch(/truncated.*restore a backup/);
    expect(truncated).not.toMatch(/latticework doctor/);
  });

  it('refuses a store damaged inside (its structure indexes overwritten) before writing anything; opened to read on, it reads, says so and refuses every write', async () => {
    const path = join(dir, 'damaged-inside.sqlite');
    await damagedStore(path);
    const before = sha(path);
    const e = await refused(path);
    expect(e.problem).toBe('damaged');
    expect(e.message).toMatch(new RegExp(`^the database ${path} is damaged \\(PRAGMA quick_check: Tree \\d+ page \\d+: .+\\): run \`latticework doctor --db ${path}\``));
    expect(sha(path)).toBe(before);
    for (const options of [{ readOnly: true }, { onDamage: 'read' as const }]) {
      const db = await Database.open(path, options);
      try {
        expect(db.damage?.message).toBe(e.message);
        expect(await db.read((tx) => tx.get('SELECT COUNT(*) AS n FROM run'))).toEqual({ n: 0 });
        await expect(db.transaction((tx) => tx.run("INSERT INTO saved_config (name, config, created_at) VALUES ('c', '{}', 1)"))).rejects.toThrow(e.message);
      } finally {
        await db.close();
      }
    }
    expect(sha(path)).toBe(before);
  });

  it('the host opens a store damaged inside to show what can still be read: it says so at start and writes nothing', async () => {
    const path = join(dir, 'damaged-host.sqlite');
    await damagedStore(path, (db) =>
      db.transaction(async (tx) => {
        await tx.run("INSERT INTO run (name, dataset_name, status, config, seed, epochs_planned, started_at) VALUES ('kept', 'data', 'finished', '{}', 1, 1, 1)");
      }),
    );
    const before = sha(path);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    try {
      const core = await createCore({ mode: 'browser', databasePath: path, dataDirectory: dir, workers: 1 });
      try {
        const said = `the database ${path} is damaged (PRAGMA quick_check: `;
        expect(warn.mock.calls.map((c) => String(c[0]))).toEqual([expect.stringContaining(`latticework: ${said}`)]);
        expect(String(warn.mock.calls[0][0])).toMatch(/run `latticework doctor --db .*`.*; what can still be read is shown, and nothing is written to it$/);
        // the app lists the run; deleting it is refused with the damage, as every write is
        const call = (service: string, method: string, arg: unknown) => core.dispatcher.dispatch(service, method, arg, { clientId: 'test' });
        expect(await call('runs', 'list', { includeArchived: false })).toMatchObject({ ok: true, value: [{ name: 'kept' }] });
        const deleted = await call('runs', 'delete', { id: 1 });
        expect(deleted).toMatchObject({ ok: false, error: { message: expect.stringContaining(said) } });
        expect(await call('runs', 'list', { includeArchived: false })).toMatchObject({ ok: true, value: [{ name: 'kept' }] });
      } finally {
        await core.dispose();
      }
    } finally {
      warn.mockRestore();
    }
    expect(sha(path)).toBe(before);
  });

  it('the command line refuses a bad database with one clear line, no stack', () => {
    const path = join(dir, 'cli-notes.sqlite');
    writeFileSync(path, 'plain text');
    const r = spawnSync(process.execPath, [join(ROOT, 'bin', 'latticework.mjs'), 'serve', '--port', '0', '--db', path], { cwd: ROOT, encoding: 'utf8', timeout: 180_000 });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`${path} is not a Latticework database (not an SQLite file)`);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    expect(readFileSync(path, 'utf8')).toBe('plain text');
  });
});

describe('a store in use: a full disk, a damaged page, a lock, a folder that cannot be made', () => {
  const insertMany = (from: number, to: number) =>
    `WITH RECURSIVE n(i) AS (SELECT ${from} UNION ALL SELECT i + 1 FROM n WHERE i < ${to}) INSERT INTO structure (hash, name, source_file, formula, n_sites, format, data, summary, created_at) SELECT 'h' || i, 'S', 'f.cif', 'X', 1, 'cif', hex(randomblob(200)), '{}', 1 FROM n;`;

  it('opens a store whose main file is shorter than its header says while its WAL holds the rest (a checkpoint the full disk cut short)', async () => {
    const source = await realDatabase('wal-source.sqlite');
    const writer = await rawDb(source);
    await exec(writer, `PRAGMA journal_mode = WAL; PRAGMA wal_autocheckpoint = 0; ${insertMany(300, 599)}`);
    const pages = await new Promise<number>((resolve, reject) => writer.get('PRAGMA page_count', (err, row: { page_count: number }) => (err ? reject(err) : resolve(row.page_count))));
    // the files as the writer left them, page 1 already checkpointed (the header's page count) but not the pages after it
    mkdirSync(join(dir, 'wal-copy'));
    const path = join(dir, 'wal-copy', 'store.sqlite');
    writeFileSync(path, readFileSync(source));
    writeFileSync(`${path}-wal`, readFileSync(`${source}-wal`));
    await closeRaw(writer);
    const bytes = readFileSync(path);
    bytes.writeUInt32BE(pages, 28);
    writeFileSync(path, bytes);
    expect(pages * 4096).toBeGreaterThan(statSync(path).size);
    // without its WAL the file is truncated
    mkdirSync(join(dir, 'wal-lost'));
    const lost = join(dir, 'wal-lost', 'store.sqlite');
    writeFileSync(lost, bytes);
    expect((await refused(lost)).message).toMatch(/truncated/);
    const db = await Database.open(path);
    expect(await db.read((tx) => tx.get('SELECT COUNT(*) AS n FROM structure'))).toEqual({ n: 600 });
    await db.close();
    expect(statSync(path).size).toBe(pages * 4096);
  });

  it('names a full disk, and the failed transaction\'s rollback does not hide it; what was stored stays', async () => {
    const path = await realDatabase('full.sqlite');
    const db = await Database.open(path);
    const { page_count: pages } = (await db.read((tx) => tx.get<{ page_count: number }>('PRAGMA page_count')))!;
    await db.read((tx) => tx.run(`PRAGMA max_page_count = ${pages + 2}`));
    const err = await db.transaction((tx) => tx.run(insertMany(300, 599))).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(DatabaseOpenError);
    expect(err).toMatchObject({ problem: 'full' });
    expect((err as Error).message).toBe(`the disk holding ${path} is full: the last change was not written, nothing stored was lost; free space and run again`);
    expect(await db.read((tx) => tx.get('SELECT COUNT(*) AS n FROM structure'))).toEqual({ n: 300 });
    await db.close();
  });

  it('names a page damaged on disk as damage of the file, at the open and whenever SQLite reads it', async () => {
    const path = await realDatabase('bad-page.sqlite');
    const bytes = readFileSync(path);
    bytes.fill(0, bytes.length - 4096 * 5, bytes.length - 4096 * 3);
    writeFileSync(path, bytes);
    expect((await refused(path)).message).toMatch(new RegExp(`the database ${path} is damaged \\(database disk image is malformed\\): run \`latticework doctor`));
    // opened to read on (the host), a read that comes upon the page is told the same
    const db = await Database.open(path, { onDamage: 'read' });
    const err = await db.read((tx) => tx.all('SELECT data FROM structure')).catch((e: unknown) => e);
    expect(err).toMatchObject({ name: 'DatabaseOpenError', problem: 'damaged' });
    expect((err as Error).message).toMatch(new RegExp(`the database ${path} is damaged \\(database disk image is malformed\\): run \`latticework doctor`));
    await db.close();
  });

  it('a lock another process holds on a WAL store is refused at the open (after the wait), and said with the file at any later write', async () => {
    const path = await realDatabase('wal-locked.sqlite');
    const other = await rawDb(path);
    await exec(other, 'PRAGMA journal_mode = WAL; BEGIN EXCLUSIVE; SELECT 1;');
    const e = await refused(path, { busyTimeoutMs: 300 });
    expect(e.problem).toBe('locked');
    await exec(other, 'COMMIT');
    const db = await Database.open(path, { busyTimeoutMs: 300 });
    await exec(other, 'BEGIN EXCLUSIVE; SELECT 1;');
    const err = await db.transaction((tx) => tx.run(insertMany(300, 300))).catch((x: unknown) => x);
    expect(err).toMatchObject({ name: 'DatabaseOpenError', problem: 'locked' });
    expect((err as Error).message).toContain(`the database ${path} is locked by another process`);
    await exec(other, 'COMMIT');
    await db.close();
    await closeRaw(other);
  });

  it('a folder that cannot be created is named with the reason; /proc and /sys are refused before anything is made there', async () => {
    const parent = join(dir, 'no-write');
    mkdirSync(parent, { mode: 0o555 });
    chmodSync(dir, 0o755);
    const result = openAsUser(join(parent, 'data', 'store.sqlite'));
    expect(result).toMatchObject({ ok: false, name: 'DatabaseOpenError', problem: 'cannot-open' });
    expect(result.message).toBe(`the folder ${parent}/data cannot be created (permission denied), so neither can the database ${parent}/data/store.sqlite: choose another data folder or file with --db`);
    for (const [path, system] of [['/sys/latticework/x.sqlite', '/sys'], ['/proc/latticework/x.sqlite', '/proc'], ['/proc/self/root/sys/x.sqlite', '/sys']]) {
      const e = await refused(path);
      expect(e.message).toBe(`${path} is in ${system}, a system folder, not a place for a database: give a database file with --db`);
    }
  });
});

describe('what the store creates is private to the user', () => {
  const mode = (p: string) => (statSync(p).mode & 0o777).toString(8);

  it('makes a new data folder 0700 and a new database with its -wal and -shm files 0600, under a permissive umask', async () => {
    const previous = process.umask(0o000);
    try {
      const folder = join(dir, 'private', 'data');
      const path = join(folder, 'latticework.sqlite');
      const db = await Database.open(path);
      expect([join(dir, 'private'), folder, path, `${path}-wal`, `${path}-shm`].map(mode)).toEqual(['700', '700', '600', '600', '600']);
      await db.close();
    } finally {
      process.umask(previous);
    }
  });

  it('leaves the mode of a folder that exists as it is, and makes the database in it 0600', async () => {
    const previous = process.umask(0o000);
    try {
      const folder = join(dir, 'chosen');
      mkdirSync(folder, { mode: 0o755 });
      const path = join(folder, 'store.sqlite');
      const db = await Database.open(path);
      expect([folder, path, `${path}-wal`, `${path}-shm`].map(mode)).toEqual(['755', '600', '600', '600']);
      await db.close();
    } finally {
      process.umask(previous);
    }
  });
});
