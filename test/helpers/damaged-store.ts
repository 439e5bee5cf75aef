/**
 * A Latticework store damaged inside, as a disk or a copy cut short leaves one: a new store whose
 * `structure` index pages are overwritten with 0xff (the tester's mkcorrupt.sh overwrote pages 3–4
 * of a store in use), after `fill` has stored what the test needs. Its header, size and schema are
 * sound: only reading every page finds it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { Database } from '../../src-main/store/database';

export async function damagedStore(path: string, fill?: (db: Database) => Promise<void>): Promise<void> {
  const db = await Database.open(path);
  await fill?.(db);
  const indexes = await db.read((tx) => tx.all<{ rootpage: number }>("SELECT rootpage FROM sqlite_master WHERE type = 'index' AND tbl_name = 'structure'"));
  const pageSize = (await db.read((tx) => tx.get<{ page_size: number }>('PRAGMA page_size')))!.page_size;
  await db.close();
  const bytes = readFileSync(path);
  for (const { rootpage } of indexes) bytes.fill(0xff, (rootpage - 1) * pageSize, rootpage * pageSize);
  writeFileSync(path, bytes);
}

/** The file's SHA-256: the same before and after, nothing was written. */
export const fileHash = (path: string): string => createHash('sha256').update(readFileSync(path)).digest('hex');
