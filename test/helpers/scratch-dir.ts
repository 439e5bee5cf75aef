/**
 * Vitest global setup for both suites: every test, and every process a test starts, writes its
 * temporary files under one scratch folder (TMPDIR, which `os.tmpdir()` reads), removed when the run
 * ends, so a run leaves nothing in the machine's /tmp. Latticework's data directory is a folder of it
 * too (LATTICEWORK_DATA_DIR; a LATTICEWORK_DB of the shell is dropped): a command a test runs without
 * `--db` records its run there, never in the user's own database.
 */
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'latticework-tests-'));
  // open to every user, sticky, as /tmp is: some tests run a child as an unprivileged user (database.test.ts)
  chmodSync(dir, 0o1777);
  process.env.TMPDIR = dir;
  process.env.LATTICEWORK_DATA_DIR = join(dir, 'data');
  delete process.env.LATTICEWORK_DB;
  return () => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}
