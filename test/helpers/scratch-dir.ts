/**
 * Vitest global setup for both suites: every test, and every process a test starts, writes its
 * temporary files under one scratch folder (TMPDIR, which `os.tmpdir()` reads), removed when the run
 * ends, so a run leaves nothing in the machine's /tmp.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export default function setup(): () => void {
  const dir = mkdtempSync(join(tmpdir(), 'latticework-tests-'));
  process.env.TMPDIR = dir;
  return () => rmSync(dir, { recursive: true, force: true, maxRetries: 5, retryDelay: 200 });
}
