/**
 * Rows of a store file as any SQLite tool reads them: opened read-only by sqlite3 itself, not by
 * Latticework (whose open would mark a gone process's work itself), then closed.
 */
import sqlite3 from 'sqlite3';

export function rawRows<T>(path: string, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const d = new sqlite3.Database(path, sqlite3.OPEN_READONLY, (e) => {
      if (e) return reject(e);
      d.all(sql, (err, rows) => d.close(() => (err ? reject(err) : resolve(rows as T[]))));
    });
  });
}
