/**
 * Child process for the database tests (database.test.ts): opens the database argv[2] as the
 * store does (argv[3] `read-only`: to read only, as `latticework runs` does) and prints {"ok": true}
 * or the error's name, problem and message as JSON. Run as another user where the test runs as
 * root (root may write any file).
 */
import { Database } from '../../../src-main/store/database';

try {
  const db = await Database.open(process.argv[2], { readOnly: process.argv[3] === 'read-only' });
  await db.close();
  process.stdout.write(JSON.stringify({ ok: true }));
} catch (err) {
  const e = err as { name: string; problem?: string; message: string };
  process.stdout.write(JSON.stringify({ ok: false, name: e.name, problem: e.problem, message: e.message }));
}
