/** Shared by the command tests: the first frames of the EMT data as a file, captured output. */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SHARED_DATA } from '../../../helpers/shared-data';

/** The first n frames of the EMT extended XYZ file, written to dir/name. */
export function emtFrames(dir: string, n: number, name = 'emt.extxyz'): string {
  const lines = readFileSync(`${SHARED_DATA}/emt-dev/emt_dataset.extxyz`, 'utf8').split('\n');
  let at = 0;
  for (let k = 0; k < n; k++) at += Number(lines[at].trim()) + 2;
  const file = join(dir, name);
  writeFileSync(file, lines.slice(0, at).join('\n') + '\n');
  return file;
}

/** A command's io that records what it prints. */
export function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}
