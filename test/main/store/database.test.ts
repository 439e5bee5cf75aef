import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Database } from '../../../src-main/store/database';
import { migrations } from '../../../src-main/store/migrations';

const dirs: string[] = [];
function tempDb(): string {
  const dir = mkdtempSync(join(tmpdir(), 'latticework-db-'));
  dirs.push(dir);
  return join(dir, 'nested', 'store.sqlite');
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('Database', () => {
  it('creates the file, applies every migration and uses WAL', async () => {
    const db = await Database.open(tempDb());
    expect(await db.schemaVersion()).toBe(migrations.length);
    const mode = await db.read((tx) => tx.get<{ journal_mode: string }>('PRAGMA journal_mode'));
    expect(mode?.journal_mode).toBe('wal');
    await db.close();
  });

  it('reopens without re-running migrations and keeps the data', async () => {
    const path = tempDb();
    const db = await Database.open(path);
    await db.transaction((tx) =>
      tx.run(
        'INSERT INTO structure (hash, name, source_file, formula, n_sites, format, data, summary, created_at) VALUES (?,?,?,?,?,?,?,\'{}\',?)',
        ['h1', 'NaCl', 'a.cif', 'NaCl', 2, 'cif', '{}', 1],
      ),
    );
    await db.close();
    const again = await Database.open(path);
    const rows = await again.read((tx) => tx.all('SELECT name FROM structure'));
    expect(rows).toEqual([{ name: 'NaCl' }]);
    await again.close();
  });

  it('rolls a failed transaction back entirely', async () => {
    const db = await Database.open(tempDb());
    const insert = 'INSERT INTO structure (hash, name, source_file, formula, n_sites, format, data, summary, created_at) VALUES (?,?,?,?,?,?,?,\'{}\',?)';
    await expect(
      db.transaction(async (tx) => {
        await tx.run(insert, ['a', 'A', 'a.cif', 'A', 1, 'cif', '{}', 1]);
        await tx.run(insert, ['a', 'dup', 'b.cif', 'A', 1, 'cif', '{}', 1]); // UNIQUE(hash) fails
      }),
    ).rejects.toThrow(/UNIQUE/);
    expect(await db.read((tx) => tx.all('SELECT * FROM structure'))).toEqual([]);
    // The connection is usable after the rollback.
    await db.transaction((tx) => tx.run(insert, ['b', 'B', 'b.cif', 'B', 1, 'cif', '{}', 1]));
    expect((await db.read((tx) => tx.all('SELECT hash FROM structure'))).length).toBe(1);
    await db.close();
  });

  it('serialises concurrent transactions', async () => {
    const db = await Database.open(tempDb());
    const insert = 'INSERT INTO structure (hash, name, source_file, formula, n_sites, format, data, summary, created_at) VALUES (?,?,?,?,?,?,?,\'{}\',?)';
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        db.transaction(async (tx) => {
          await tx.run(insert, [`h${i}`, `S${i}`, 'f', 'X', 1, 'cif', '{}', i]);
          await tx.run('UPDATE structure SET n_sites = n_sites + 1 WHERE hash = ?', [`h${i}`]);
        }),
      ),
    );
    const rows = await db.read((tx) => tx.all<{ n: number }>('SELECT SUM(n_sites) AS n FROM structure'));
    expect(rows[0].n).toBe(40);
    await db.close();
  });

  it('refuses a database from a newer version', async () => {
    const path = tempDb();
    const db = await Database.open(path);
    await db.transaction((tx) => tx.run(`PRAGMA user_version = ${migrations.length + 5}`));
    await db.close();
    await expect(Database.open(path)).rejects.toThrow(/newer than this Latticework/);
  });
});
