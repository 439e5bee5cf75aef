/**
 * Two processes opening one store that needs migrating at the same moment (two commands after an
 * upgrade, a sweep of `train`s on a new file): each waits for the other's migration and applies
 * only what is still missing, and neither takes a store being created for a truncated one.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src-main/store/database';
import { migrations } from '../../../src-main/store/migrations';

const dir = mkdtempSync(join(tmpdir(), 'latticework-concurrent-open-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TRIES = 25;

/** A store left at schema version `version` by an older Latticework, holding one structure. */
async function oldStore(path: string, version: number): Promise<void> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const d = new sqlite3.Database(path, (e) => (e ? reject(e) : resolve(d)));
  });
  const sql = `${migrations
    .slice(0, version)
    .map((m, v) => `BEGIN; ${m}; PRAGMA user_version = ${v + 1}; COMMIT;`)
    .join('\n')}
    INSERT INTO structure (hash, name, source_file, formula, n_sites, format, data, summary, created_at) VALUES ('h', 'Cu', 'cu.cif', 'Cu', 1, 'cif', '{}', '{}', 1);`;
  await new Promise<void>((resolve, reject) => db.exec(sql, (e) => (e ? reject(e) : resolve())));
  await new Promise<void>((resolve, reject) => db.close((e) => (e ? reject(e) : resolve())));
}

/** Opens `path` twice at once (two connections, as two processes have); both must open it at the current schema version. */
async function openTwice(path: string): Promise<void> {
  const opened = await Promise.allSettled([Database.open(path), Database.open(path)]);
  const errors = opened.flatMap((o) => (o.status === 'rejected' ? [(o.reason as Error).message] : []));
  for (const o of opened) if (o.status === 'fulfilled') await o.value.close();
  expect(errors).toEqual([]);
  const db = await Database.open(path);
  expect(await db.schemaVersion()).toBe(migrations.length);
  await db.close();
}

describe('two connections opening one store at once', () => {
  it(`migrate an older store once between them (${TRIES} tries)`, async () => {
    for (let i = 0; i < TRIES; i++) {
      const path = join(dir, `old-${i}.sqlite`);
      await oldStore(path, 7);
      await openTwice(path);
      const db = await Database.open(path);
      expect(await db.read((tx) => tx.all('SELECT name FROM structure'))).toEqual([{ name: 'Cu' }]);
      await db.close();
    }
  }, 120_000);

  it(`create a new store between them, neither calling it truncated (${TRIES} tries)`, async () => {
    for (let i = 0; i < TRIES; i++) await openTwice(join(dir, `new-${i}.sqlite`));
  }, 120_000);

  it('takes a 0-byte file another process is creating for the new store it becomes, not a truncated one', async () => {
    const path = join(dir, 'being-created.sqlite');
    // the creator's first step (checkDatabaseFile): the file, empty until SQLite writes its first page
    writeFileSync(path, '', { mode: 0o600 });
    const second = Database.open(path).then(
      (db) => db,
      (e: Error) => e,
    );
    await new Promise((resolve) => setTimeout(resolve, 300));
    // then the creator's SQLite writes it (its first statement that writes: the journal mode)
    const creator = await Database.openRaw(path);
    await creator.read((tx) => tx.get('PRAGMA journal_mode = WAL'));
    await creator.close();
    const db = await second;
    expect(db).toBeInstanceOf(Database);
    expect(await (db as Database).schemaVersion()).toBe(migrations.length);
    await (db as Database).close();
  });
});
