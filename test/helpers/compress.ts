/**
 * Compressing test data the way users' files are compressed: gzip with Node's zlib, bzip2 and xz
 * with Debian's `bzip2` and `xz` (priority "standard"; `.ci/run` installs them where missing).
 * Latticework itself only decompresses (src-main/files/compressed.ts).
 */
import { spawnSync } from 'node:child_process';
import { gzipSync as zlibGzip } from 'node:zlib';

function run(tool: string, args: string[], input: Uint8Array): Buffer {
  const r = spawnSync(tool, args, { input, maxBuffer: 1 << 30 });
  if (r.error) throw new Error(`the tests need the '${tool}' command (Debian package ${tool === 'xz' ? 'xz-utils' : tool}): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${r.stderr.toString()}`);
  return r.stdout;
}

export function gzipSync(data: Uint8Array): Buffer {
  return zlibGzip(data);
}

export function bzip2Sync(data: Uint8Array): Buffer {
  return run('bzip2', ['-c', '-9'], data);
}

export function xzSync(data: Uint8Array): Buffer {
  return run('xz', ['-c', '-6'], data);
}
