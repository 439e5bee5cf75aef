/**
 * The SQLite store. One connection, WAL journal, versioned migrations, and every
 * write inside a transaction. Transactions are serialised through a queue so
 * that concurrent service calls never interleave statements of two transactions
 * on the one connection.
 */
import sqlite3 from 'sqlite3';
import { constants } from 'node:fs';
import { access, mkdir, open as openFile, stat } from 'node:fs/promises';
import { dirname } from 'node:path';
import { migrations } from './migrations';
import { deleteOwner, insertOwner, interruptOrphanedWork, LEASE_RENEW_MS, renewLease, thisProcess } from './owners';
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

export type DatabaseProblem = 'not-sqlite' | 'damaged' | 'read-only' | 'locked' | 'newer' | 'not-a-file' | 'cannot-open';

/** Why a database file cannot be used: names the file, says what is wrong and what to do. Nothing was written to it. */
export class DatabaseOpenError extends Error {
  override name = 'DatabaseOpenError';
  constructor(
    readonly path: string,
    readonly problem: DatabaseProblem,
    message: string,
  ) {
    super(message);
  }
}

export interface OpenOptions {
  /** How long a statement waits for another process's lock before giving up (ms; default 5000). */
  busyTimeoutMs?: number;
  /** Who opens it (default: this process, 'the command line'); its active work names this owner. */
  owner?: OwnerIdentity;
}

const DAMAGED_ADVICE = 'run `latticework doctor --db FILE` to see what is wrong, or restore a backup of it';

/** What to do with a damaged database (the doctor's advice). */
export const RECOVERY_ADVICE = 'restore a backup, or save what SQLite can still read with `sqlite3 FILE ".recover" | sqlite3 RECOVERED.sqlite` and open that with --db';

function damaged(path: string, what: string): DatabaseOpenError {
  return new DatabaseOpenError(path, 'damaged', `the database ${path} is damaged (${what}): ${DAMAGED_ADVICE.replace('FILE', path)}`);
}

/** Translates SQLite's error codes into what the user can do about them. */
export function describeOpenError(path: string, err: unknown): Error {
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
  if (code === 'SQLITE_CANTOPEN') return new DatabaseOpenError(path, 'cannot-open', `the database ${path} cannot be opened (${message}): check that its folder exists and is writable`);
  return err instanceof Error ? err : new Error(message);
}

/**
 * Checks a database file before SQLite opens it, so that nothing is written to a file that is not
 * ours: a folder or a device, a file that is not SQLite, one shorter than its header says
 * (truncated), one the process cannot write (nor its folder, where SQLite keeps its journal).
 * `create`: a missing file (and its folder) may be created; `write`: the file must be writable.
 */
export async function checkDatabaseFile(path: string, { create = true, write = true }: { create?: boolean; write?: boolean } = {}): Promise<void> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw describeOpenError(path, Object.assign(err as Error, { code: 'SQLITE_CANTOPEN' }));
    if (!create) throw new DatabaseOpenError(path, 'cannot-open', `the database ${path} does not exist`);
    await mkdir(dirname(path), { recursive: true });
    await access(dirname(path), constants.W_OK).catch(() => {
      throw new DatabaseOpenError(path, 'read-only', `the database ${path} cannot be created: its folder is not writable; choose another file with --db`);
    });
    return;
  }
  if (!info.isFile()) throw new DatabaseOpenError(path, 'not-a-file', `${path} is not a file (${info.isDirectory() ? 'a folder' : 'a device, FIFO or socket'}): give a database file with --db`);
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
  if (info.size % pageSize !== 0) throw damaged(path, `it is ${info.size} bytes, not a whole number of ${pageSize}-byte pages: it was truncated`);
  const pages = header.readUInt32BE(28);
  const pagesValid = header.readUInt32BE(92) === header.readUInt32BE(24) && pages > 0;
  if (pagesValid && pages * pageSize > info.size) {
    throw damaged(path, `it is ${info.size} bytes but its header says ${pages * pageSize}: it was truncated`);
  }
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
   * Opens (creating if needed) the database at `path`, verifies its schema and brings it up to
   * date. A file that is not a usable Latticework database is refused with a DatabaseOpenError
   * that names it and says what to do, and is left as it was.
   */
  static async open(path: string, options: OpenOptions = {}): Promise<Database> {
    if (path !== ':memory:') await checkDatabaseFile(path);
    let db: Database;
    try {
      db = await Database.openRaw(path);
    } catch (err) {
      throw describeOpenError(path, err);
    }
    try {
      // busy_timeout first: it must already apply to the journal-mode change, which needs a lock.
      await db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.round(options.busyTimeoutMs ?? 5000))}`);
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
      await db.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;');
      await db.migrate(version);
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

  /** Current schema version (PRAGMA user_version). */
  async schemaVersion(): Promise<number> {
    const row = await this.raw<{ user_version: number }>('get', 'PRAGMA user_version');
    return row?.user_version ?? 0;
  }

  private async migrate(current: number): Promise<void> {
    for (let v = current; v < migrations.length; v++) {
      await this.transaction(async () => {
        await this.exec(migrations[v]);
        await this.exec(`PRAGMA user_version = ${v + 1}`);
      });
    }
  }

  /** Runs `work` in one transaction; rolls back on any error. Transactions are serialised. */
  transaction<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const run = async (): Promise<T> => {
      await this.exec('BEGIN IMMEDIATE');
      try {
        const result = await work(this.tx);
        await this.exec('COMMIT');
        return result;
      } catch (err) {
        await this.exec('ROLLBACK');
        throw err;
      }
    };
    const next = this.queue.then(run, run);
    this.queue = next.catch(() => undefined);
    return next;
  }

  /** A read outside any transaction (waits for pending transactions first). */
  read<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const run = () => work(this.tx);
    const next = this.queue.then(run, run);
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

  async close(): Promise<void> {
    if (this.lease) {
      clearInterval(this.lease);
      this.lease = null;
      await this.transaction((tx) => deleteOwner(tx, this.owner)).catch(() => undefined);
    }
    await this.queue;
    await new Promise<void>((resolve, reject) => this.db.close((err) => (err ? reject(err) : resolve())));
  }
}
