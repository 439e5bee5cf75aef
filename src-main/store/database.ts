/**
 * The SQLite store. One connection, WAL journal, versioned migrations, and every
 * write inside a transaction. Transactions are serialised through a queue so
 * that concurrent service calls never interleave statements of two transactions
 * on the one connection.
 */
import sqlite3 from 'sqlite3';
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { migrations } from './migrations';

export type SqlValue = string | number | bigint | null | Uint8Array;
export type Row = Record<string, SqlValue>;

/** Statements available inside a transaction. */
export interface Tx {
  run(sql: string, params?: SqlValue[]): Promise<{ changes: number; lastID: number }>;
  get<T = Row>(sql: string, params?: SqlValue[]): Promise<T | undefined>;
  all<T = Row>(sql: string, params?: SqlValue[]): Promise<T[]>;
}

/** A JSON column's value (`fallback` for NULL or an empty string). */
export function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  return JSON.parse(text) as T;
}

export class Database {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly db: sqlite3.Database,
    readonly path: string,
  ) {}

  /** Opens (creating if needed) the database at `path` and brings its schema up to date. */
  static async open(path: string): Promise<Database> {
    if (path !== ':memory:') mkdirSync(dirname(path), { recursive: true });
    const raw = await new Promise<sqlite3.Database>((resolve, reject) => {
      const d = new sqlite3.Database(path, (err) => (err ? reject(err) : resolve(d)));
    });
    const db = new Database(raw, path);
    await db.exec('PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;');
    await db.migrate();
    return db;
  }

  /** Current schema version (PRAGMA user_version). */
  async schemaVersion(): Promise<number> {
    const row = await this.raw<{ user_version: number }>('get', 'PRAGMA user_version');
    return row?.user_version ?? 0;
  }

  private async migrate(): Promise<void> {
    const current = await this.schemaVersion();
    if (current > migrations.length) {
      throw new Error(
        `the database ${this.path} has schema version ${current}, newer than this Latticework (${migrations.length}); ` +
          'open it with a newer version',
      );
    }
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
    await this.queue;
    await new Promise<void>((resolve, reject) => this.db.close((err) => (err ? reject(err) : resolve())));
  }
}
