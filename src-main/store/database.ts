/**
 * The SQLite store. One connection, WAL journal, versioned migrations, and every
 * write inside a transaction. Transactions are serialised through a queue so
 * that concurrent service calls never interleave statements of two transactions
 * on the one connection.
 */
import sqlite3 from 'sqlite3';
import { constants } from 'node:fs';
import type { Stats } from 'node:fs';
import { access, mkdir, open as openFile, realpath, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { describeOsError, systemFolderOf } from '../files/path-guard';
import { migrations } from './migrations';
import { deleteOwner, insertOwner, interruptOrphanedWork, interruptWorkOf, LEASE_RENEW_MS, renewLease, thisProcess } from './owners';
import type { InterruptedWork, OwnerIdentity } from './owners';

export type SqlValue = string | number | bigint | null | Uint8Array;
export type Row = Record<string, SqlValue>;

/** Statements available inside a transaction. */
export interface Tx {
  /** This process's owner id (store/owners.ts): active work written or claimed in the transaction names it. */
  ownerId(): number;
  run(sql: string, params?: SqlValue[]): Promise<{ changes: number; lastID: number }>;
  get<T = Row>(sql: string, params?: SqlValue[]): Promise<T | undefined>;
  all<T = Row>(sql: string, params?: SqlValue[]): Promise<T[]>;
}

/** A JSON column's value (`fallback` for NULL or an empty string). */
export function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  return JSON.parse(text) as T;
}

export type DatabaseProblem = 'not-sqlite' | 'damaged' | 'read-only' | 'locked' | 'newer' | 'not-a-file' | 'cannot-open' | 'missing' | 'full';

/**
 * Why a database file cannot be used, at its open or by a later statement (locked, damaged, the
 * disk full): names the file, says what is wrong and what to do. What failed was not written.
 */
export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
  constructor(
    readonly path: string,
    readonly problem: DatabaseProblem,
    message: string,
    /** A damaged file's damage, without the advice (the doctor gives its own). */
    readonly damage?: string,
  ) {
    super(message);
  }
}

export interface OpenOptions {
  /** How long a statement waits for another process's lock before giving up (ms; default 5000). */
  busyTimeoutMs?: number;
  /**
   * Only reads: the file must exist; one this process cannot write is opened read-only (it can be
   * listed; no owner is registered, store/owners.ts), one it can is opened as usual. A file whose
   * schema is older than this Latticework is opened read-write, as migrating it writes.
   */
  readOnly?: boolean;
  /** Who opens it (default: this process, 'the command line'); its active work names this owner. */
  owner?: OwnerIdentity;
  /**
   * What a file found damaged inside (PRAGMA quick_check at the open) is opened for: `refuse` (the
   * default: a command that came to write) throws the damage; `read` (the app's host; `readOnly`
   * implies it) opens it for what can still be read, with the damage in `Database.damage` and every
   * write refused with it.
   */
  onDamage?: 'refuse' | 'read';
}

/** How long a statement waits for another process's lock by default (OpenOptions.busyTimeoutMs). */
const DEFAULT_BUSY_TIMEOUT_MS = 5000;

const DAMAGED_ADVICE = 'run `latticework doctor --db FILE` to see what is wrong, or restore a backup of it';

/**
 * What to do with a damaged database (the doctor's advice; FILE and VERSION, its schema version, filled in). `.dump`, as
 * every sqlite3 shell has it: it ends a dump that met damage with ROLLBACK, made COMMIT here, and does not write the schema
 * version, added. (`.recover` saves more, but needs the sqlite_dbpage table, which Debian 12's sqlite3 3.40.1 lacks: there it
 * fails even on a sound file, "SQL logic error", and writes an empty file.)
 */
export const RECOVERY_ADVICE =
  "restore a backup, or save what SQLite can still read with `(sqlite3 FILE .dump | sed 's/^ROLLBACK; -- due to errors$/COMMIT;/'; echo 'PRAGMA user_version = VERSION;') | sqlite3 RECOVERED.sqlite` (a table it cannot read comes back empty) and open that with --db";

function damaged(path: string, what: string): DatabaseOpenError {
  return new DatabaseOpenError(path, 'damaged', `the database ${path} is damaged (${what}): ${DAMAGED_ADVICE.replace('FILE', path)}`, what);
}

/** What a process that goes on reading a damaged store says of it (stderr; the desktop app's start). */
export function readingDamaged(damage: DatabaseOpenError): string {
  return `${damage.message}; what can still be read is shown, and nothing is written to it`;
}

/** Translates SQLite's error codes, at the open or from any later statement, into what the user can do about them. */
function describeOpenError(path: string, err: unknown): Error {
  if (err instanceof DatabaseOpenError) return err;
  const code = (err as { code?: string }).code ?? '';
  const message = (err as Error)?.message ?? String(err);
  if (code === 'SQLITE_NOTADB') return new DatabaseOpenError(path, 'not-sqlite', `${path} is not a Latticework database (not an SQLite file): choose another file with --db`);
  if (code === 'SQLITE_CORRUPT') return damaged(path, message.replace(/^SQLITE_CORRUPT: /, ''));
  if (code === 'SQLITE_READONLY' || code === 'SQLITE_PERM') {
    return new DatabaseOpenError(path, 'read-only', `the database ${path} is read-only: Latticework needs to write to it and to its folder; change the permissions or choose another file with --db`);
  }
  if (code === 'SQLITE_BUSY' || code === 'SQLITE_LOCKED') {
    return new DatabaseOpenError(path, 'locked', `the database ${path} is locked by another process (another Latticework, or a tool writing to it): close that, or choose another file with --db`);
  }
  if (code === 'SQLITE_FULL') {
    return new DatabaseOpenError(path, 'full', `the disk holding ${path} is full: the last change was not written, nothing stored was lost; free space and run again`);
  }
  if (code === 'SQLITE_CANTOPEN') return new DatabaseOpenError(path, 'cannot-open', `the database ${path} cannot be opened (${message}): check that its folder exists and is writable`);
  return err instanceof Error ? err : new Error(message);
}

/** `path` with the symlinks of its nearest existing folder resolved (the file and its folders need not exist). */
async function resolvedPath(path: string): Promise<string> {
  const rest: string[] = [];
  for (let head = path; ; head = dirname(head)) {
    try {
      return join(await realpath(head), ...rest);
    } catch {
      if (dirname(head) === head) return path;
      rest.unshift(basename(head));
    }
  }
}

/** Whether a valid WAL file lies beside the database (its header's magic number): it may hold pages the main file does not have yet. */
async function hasWal(path: string): Promise<boolean> {
  const fh = await openFile(`${path}-wal`, constants.O_RDONLY | constants.O_NONBLOCK).catch(() => null);
  if (!fh) return false;
  try {
    const magic = Buffer.alloc(4);
    const { bytesRead } = await fh.read(magic, 0, 4, 0);
    return bytesRead === 4 && (magic.readUInt32BE(0) & 0xfffffffe) === 0x377f0682;
  } finally {
    await fh.close();
  }
}

/**
 * A file of 0 bytes is what another process creating the store at that moment leaves until SQLite
 * writes its first page: waits up to `ms` for it to grow, as for another process's lock, and returns
 * its stat then (still 0 bytes: no one is creating it, it was truncated).
 */
async function grown(path: string, ms: number): Promise<Stats> {
  const until = Date.now() + ms;
  for (;;) {
    const info = await stat(path);
    if (info.size > 0 || Date.now() >= until) return info;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/**
 * Checks a database file before SQLite opens it, so that nothing is written to a file that is not
 * ours: one in /proc or /sys, a folder or a device, a file that is not SQLite, one shorter than its
 * header says (truncated; unless a WAL file beside it holds the rest, as after a checkpoint the
 * disk had no room for), one the process cannot write (nor its folder, where SQLite keeps its
 * journal). `create`: a missing file (and its folder) may be created, private to the user (0600,
 * folders 0700); `write`: the file must be writable; `waitMs`: how long an empty file may take to
 * become a database (another process creating it) before it is refused as truncated.
 */
export async function checkDatabaseFile(
  path: string,
  { create = true, write = true, waitMs = DEFAULT_BUSY_TIMEOUT_MS }: { create?: boolean; write?: boolean; waitMs?: number } = {},
): Promise<void> {
  const system = systemFolderOf(await resolvedPath(path), ['/proc', '/sys']);
  if (system) throw new DatabaseOpenError(path, 'not-a-file', `${path} is in ${system}, a system folder, not a place for a database: give a database file with --db`);
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new DatabaseOpenError(path, 'cannot-open', `the database ${path} cannot be opened: it ${describeOsError(path, err).reason}; choose another file with --db`);
    }
    if (!create) throw new DatabaseOpenError(path, 'missing', `there is no database at ${path}`);
    // private to the user, as the database: folders made here 0700 (one that exists keeps its mode: it may be shared on purpose)
    await mkdir(dirname(path), { recursive: true, mode: 0o700 }).catch((err: NodeJS.ErrnoException) => {
      const folder = err.path ?? dirname(path);
      throw new DatabaseOpenError(path, 'cannot-open', `the folder ${folder} cannot be created (${describeOsError(folder, err).reason}), so neither can the database ${path}: choose another data folder or file with --db`);
    });
    await access(dirname(path), constants.W_OK).catch(() => {
      throw new DatabaseOpenError(path, 'read-only', `the database ${path} cannot be created: its folder is not writable; choose another file with --db`);
    });
    // created here 0600 (SQLite would make it 0644 less the umask); SQLite gives its -wal, -shm and -journal files the database's
    // mode. EEXIST: another process created it a moment ago, the same way.
    await writeFile(path, '', { flag: 'wx', mode: 0o600 }).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== 'EEXIST') throw new DatabaseOpenError(path, 'cannot-open', `the database ${path} cannot be created (${describeOsError(path, err).reason}): choose another file with --db`);
    });
    return;
  }
  if (!info.isFile()) throw new DatabaseOpenError(path, 'not-a-file', `${path} is not a file (${info.isDirectory() ? 'a folder' : 'a device, FIFO or socket'}): give a database file with --db`);
  if (info.size === 0) info = await grown(path, waitMs);
  if (info.size === 0) {
    throw new DatabaseOpenError(path, 'damaged', `the database ${path} is empty (0 bytes): if it held your data, it was truncated — restore a backup; to start a new database there, delete the file`);
  }
  const header = Buffer.alloc(100);
  const fh = await openFile(path, constants.O_RDONLY | constants.O_NONBLOCK);
  try {
    await fh.read(header, 0, 100, 0);
  } finally {
    await fh.close();
  }
  if (info.size < 100 || header.toString('latin1', 0, 16) !== 'SQLite format 3\0') {
    throw new DatabaseOpenError(path, 'not-sqlite', `${path} is not a Latticework database (not an SQLite file): choose another file with --db`);
  }
  const rawPageSize = header.readUInt16BE(16);
  const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
  if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) throw damaged(path, 'its header is invalid');
  // the pages the main file lacks may be in the WAL: SQLite reads them from there (and reports damage if they are not)
  if (await hasWal(path)) return checkWritable(path, write);
  if (info.size % pageSize !== 0) throw damaged(path, `it is ${info.size} bytes, not a whole number of ${pageSize}-byte pages: it was truncated`);
  const pages = header.readUInt32BE(28);
  const pagesValid = header.readUInt32BE(92) === header.readUInt32BE(24) && pages > 0;
  if (pagesValid && pages * pageSize > info.size) {
    throw damaged(path, `it is ${info.size} bytes but its header says ${pages * pageSize}: it was truncated`);
  }
  return checkWritable(path, write);
}

/** Refuses a database (`write`: to be written) that the process cannot write, or whose folder it cannot write. */
async function checkWritable(path: string, write: boolean): Promise<void> {
  if (!write) return;
  const writable = await access(path, constants.W_OK).then(
    () => true,
    () => false,
  );
  const folderWritable = await access(dirname(path), constants.W_OK).then(
    () => true,
    () => false,
  );
  if (!writable || !folderWritable) {
    throw new DatabaseOpenError(
      path,
      'read-only',
      `the database ${path} is read-only${writable ? ' (its folder is not writable, and SQLite keeps its journal there)' : ''}: Latticework needs to write to it; change the permissions or choose another file with --db`,
    );
  }
}

/**
 * Why this process cannot write the database at `path` or its folder (the sentence the open refuses it
 * with, `checkWritable`'s), or null when it can: the doctor says it as the open would.
 */
export function unwritable(path: string): Promise<string | null> {
  return checkWritable(path, true).then(
    () => null,
    (e: Error) => e.message,
  );
}

/** What is missing from the database's schema for its version: tables, then columns. */
export async function schemaProblems(db: Database, version: number): Promise<string[]> {
  const expected = await Database.expectedTables(version);
  const actual = await db.tables();
  const problems: string[] = [];
  for (const [table, columns] of expected) {
    const have = actual.get(table);
    if (!have) {
      problems.push(`table ${table} is missing`);
      continue;
    }
    for (const c of columns) if (!have.includes(c)) problems.push(`column ${table}.${c} is missing`);
  }
  return problems;
}

export class Database {
  private queue: Promise<unknown> = Promise.resolve();
  /** This process's row in the owner table (0: not registered, a raw connection). */
  private owner = 0;
  private lease: NodeJS.Timeout | null = null;
  /** Called with the work another process left when it was found gone (every LEASE_RENEW_MS). */
  onInterrupted: ((work: InterruptedWork) => void) | null = null;
  /** The damage found at the open of a store opened to read on (OpenOptions.onDamage), or null: every write is refused with it. */
  damage: DatabaseOpenError | null = null;

  private constructor(
    private readonly db: sqlite3.Database,
    readonly path: string,
  ) {}

  /** An SQLite connection without any checks, pragmas or migrations (in-memory schemas, doctor). */
  static async openRaw(path: string, mode = sqlite3.OPEN_READWRITE | sqlite3.OPEN_CREATE): Promise<Database> {
    const raw = await new Promise<sqlite3.Database>((resolve, reject) => {
      const d = new sqlite3.Database(path, mode, (err) => (err ? reject(err) : resolve(d)));
    });
    return new Database(raw, path);
  }

  /**
   * Opens (creating if needed) the database at `path`, verifies its schema and its pages (PRAGMA
   * quick_check, before anything is written) and brings it up to date. A file that is not a usable
   * Latticework database is refused with a DatabaseOpenError that names it and says what to do, and
   * is left as it was; one damaged inside may be opened to read on (`onDamage`).
   */
  static async open(path: string, options: OpenOptions = {}): Promise<Database> {
    // only to read: a store this process can write is opened as any other, so that the work of processes that are gone is marked
    const readOnly = !!options.readOnly && path !== ':memory:' && (await unwritable(path)) !== null;
    const busyTimeoutMs = Math.max(0, Math.round(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS));
    if (path !== ':memory:') await checkDatabaseFile(path, { create: !readOnly, write: !readOnly, waitMs: busyTimeoutMs });
    let db: Database;
    try {
      db = await Database.openRaw(path, readOnly ? sqlite3.OPEN_READONLY : undefined);
    } catch (err) {
      throw describeOpenError(path, err);
    }
    try {
      // busy_timeout first: it must already apply to the journal-mode change, which needs a lock.
      await db.exec(`PRAGMA busy_timeout = ${busyTimeoutMs}`);
      const version = await db.schemaVersion();
      if (version > migrations.length) {
        throw new DatabaseOpenError(
          path,
          'newer',
          `the database ${path} has schema version ${version}, newer than this Latticework (${migrations.length}); open it with a newer version`,
        );
      }
      const problems = await schemaProblems(db, version);
      if (problems.length) throw damaged(path, `schema version ${version}, but ${problems.join(', ')}`);
      if (readOnly) {
        if (version === migrations.length) return db;
        await db.close();
        return await Database.open(path, { ...options, readOnly: false });
      }
      // before anything is written: a damaged b-tree SQLite writes into can take pages still sound with it (docs/database.md "Damage")
      const damage = path === ':memory:' ? null : await db.pageDamage();
      if (damage) {
        // read on: nothing is written (no journal-mode change, migration or owner), transactions are refused
        if (!(options.readOnly || options.onDamage === 'read') || version < migrations.length) throw damage;
        db.damage = damage;
        return db;
      }
      await db.walJournal(busyTimeoutMs);
      await db.exec('PRAGMA foreign_keys = ON');
      if (version < migrations.length) await db.migrate();
      // the first write waits for another process's lock as the reads did (WAL reads pass a writer's lock): a store we cannot write is refused now, not after the work
      await db.exec('BEGIN IMMEDIATE; ROLLBACK');
      await db.register(options.owner ?? thisProcess());
    } catch (err) {
      await db.close().catch(() => undefined);
      throw describeOpenError(path, err);
    }
    return db;
  }

  /**
   * Enters this process in the owner table, marks the work of processes that are gone
   * 'interrupted', and from then on renews the lease and looks for such work every LEASE_RENEW_MS.
   */
  private async register(who: OwnerIdentity): Promise<void> {
    this.owner = await this.transaction(async (tx) => {
      await interruptOrphanedWork(tx);
      return insertOwner(tx, who);
    });
    this.lease = setInterval(() => void this.renew(who), LEASE_RENEW_MS);
    this.lease.unref();
  }

  private async renew(who: OwnerIdentity): Promise<void> {
    try {
      const work = await this.transaction(async (tx) => {
        if (!(await renewLease(tx, this.owner))) {
          console.warn(`latticework: another process took this one (pid ${who.pid}) for gone, its lease of ${this.path} having lapsed: its active work there was marked interrupted`);
          await insertOwner(tx, who, Date.now(), this.owner);
        }
        return interruptOrphanedWork(tx);
      });
      if (work.runs.length + work.simulations.length + work.datasets.length) this.onInterrupted?.(work);
    } catch {
      // a busy store: the next renewal tries again, well within the lease
    }
  }

  /** The tables and their columns a schema version has, from the migrations themselves (in memory). */
  static async expectedTables(version: number): Promise<Map<string, string[]>> {
    const mem = await Database.openRaw(':memory:');
    try {
      for (const m of migrations.slice(0, version)) await mem.exec(m);
      return await mem.tables();
    } finally {
      await mem.close();
    }
  }

  /** Tables (not SQLite's own) and their columns. */
  async tables(): Promise<Map<string, string[]>> {
    const names = await this.raw<{ name: string }[]>('all', "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'");
    const out = new Map<string, string[]>();
    for (const { name } of names) {
      const cols = await this.raw<{ name: string }[]>('all', `SELECT name FROM pragma_table_info(?)`, [name]);
      out.set(name, cols.map((c) => c.name));
    }
    return out;
  }

  /** What PRAGMA quick_check finds wrong in the file (it reads every page once; docs/database.md "Damage"), or null. */
  private async pageDamage(): Promise<DatabaseOpenError | null> {
    let rows: { quick_check: string }[];
    try {
      rows = await this.raw<{ quick_check: string }[]>('all', 'PRAGMA quick_check');
    } catch (err) {
      // a page too damaged to be checked
      const e = describeOpenError(this.path, err);
      if (e instanceof DatabaseOpenError && e.problem === 'damaged') return e;
      throw e;
    }
    const problems = rows.flatMap((r) => r.quick_check.split('\n')).filter((line) => line !== 'ok' && !line.startsWith('*** in database'));
    if (!problems.length) return null;
    const more = problems.length > 2 ? ` and ${problems.length - 2} more` : '';
    return damaged(this.path, `PRAGMA quick_check: ${problems.slice(0, 2).join('; ')}${more}`);
  }

  /** Current schema version (PRAGMA user_version). */
  async schemaVersion(): Promise<number> {
    const row = await this.raw<{ user_version: number }>('get', 'PRAGMA user_version');
    return row?.user_version ?? 0;
  }

  /**
   * Puts the store in WAL mode. Two connections doing it at once to a new file, each holding a read
   * lock, make SQLite give one up at once (deadlock avoidance), not after the busy timeout: that
   * one tries again until the timeout is spent (it is a no-op on a store already in WAL mode).
   */
  private async walJournal(busyTimeoutMs: number): Promise<void> {
    const until = Date.now() + busyTimeoutMs;
    for (;;) {
      try {
        return await this.exec('PRAGMA journal_mode = WAL');
      } catch (err) {
        if ((err as { code?: string }).code !== 'SQLITE_BUSY' || Date.now() >= until) throw err;
        await new Promise((resolve) => setTimeout(resolve, 25));
      }
    }
  }

  /**
   * Brings the schema up to date in one transaction: it waits for the write lock (the busy timeout)
   * and reads the version again inside it, for another process opening the store at the same time
   * may have migrated it since this one read it; it applies only what is still missing, all or
   * nothing (docs/database.md "Opening a store from two processes at once").
   */
  private async migrate(): Promise<void> {
    await this.transaction(async () => {
      const from = await this.schemaVersion();
      for (let v = from; v < migrations.length; v++) {
        await this.exec(migrations[v]).catch((err: unknown) => {
          const known = describeOpenError(this.path, err);
          if (known instanceof DatabaseOpenError) throw known;
          throw new Error(`the database ${this.path} cannot be brought from schema version ${from} to ${migrations.length}: migration ${v + 1} failed (${known.message}); nothing was changed`);
        });
      }
      if (from < migrations.length) await this.exec(`PRAGMA user_version = ${migrations.length}`);
    });
  }

  /** Runs `work` in one transaction; rolls back on any error. Transactions are serialised. A damaged store's are refused. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    if (this.damage) return Promise.reject(this.damage);
    const run = async (): Promise<T> => {
      await this.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this.tx);
        await this.exec('COMMIT');
        return result;
      } catch (err) {
        // the work's error is the story: SQLite has already rolled back after some (a full disk, I/O errors)
        await this.exec('ROLLBACK').catch((rollback: Error) => {
          if (err instanceof Error && !/no transaction is active/.test(rollback.message)) err.message += ` (and the rollback failed: ${rollback.message})`;
        });
        throw err;
      }
    };
    const next = this.queue.then(run, run).catch((err: unknown) => {
      throw describeOpenError(this.path, err);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** A read outside any transaction (waits for pending transactions first). */
  read<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const run = () => work(this.tx);
    const next = this.queue.then(run, run).catch((err: unknown) => {
      throw describeOpenError(this.path, err);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  private readonly tx: Tx = {
    ownerId: () => this.owner,
    run: (sql, params = []) =>
      new Promise((resolve, reject) => {
        this.db.run(sql, params, function (this: sqlite3.RunResult, err: Error | null) {
          if (err) reject(err);
          else resolve({ changes: this.changes, lastID: this.lastID });
        });
      }),
    get: <T>(sql: string, params: SqlValue[] = []) => this.raw<T>('get', sql, params),
    all: <T>(sql: string, params: SqlValue[] = []) => this.raw<T[]>('all', sql, params),
  };

  private raw<T>(kind: 'get' | 'all', sql: string, params: SqlValue[] = []): Promise<T> {
    return new Promise((resolve, reject) => {
      this.db[kind](sql, params, (err: Error | null, result: unknown) => (err ? reject(err) : resolve(result as T)));
    });
  }

  private exec(sql: string): Promise<void> {
    return new Promise((resolve, reject) => this.db.exec(sql, (err) => (err ? reject(err) : resolve())));
  }

  /** Closes the store; this process's work still active is marked interrupted as its owner row goes (store/owners.ts), and returned. */
  async close(): Promise<InterruptedWork> {
    let left: InterruptedWork = { runs: [], simulations: [], datasets: [] };
    if (this.lease) {
      clearInterval(this.lease);
      this.lease = null;
      await this.transaction(async (tx) => {
        left = await interruptWorkOf(tx, this.owner);
        await deleteOwner(tx, this.owner);
      }).catch(() => undefined);
    }
    await this.queue;
    await new Promise<void>((resolve, reject) => this.db.close((err) => (err ? reject(err) : resolve())));
    return left;
  }
}
