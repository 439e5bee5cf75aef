/** Shared by the command tests: the first frames of the EMT data as a file, captured output. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emtFramesText } from '../../../helpers/shared-data';

/** The first n frames of the EMT extended XYZ file, written to dir/name. */
export function emtFrames(dir: string, n: number, name = 'emt.extxyz'): string {
  const file = join(dir, name);
  writeFileSync(file, emtFramesText(n));
  return file;
}

/** A command's io that records what it prints. */
export function io() {
  const out: string[] = [];
  const err: string[] = [];
  return { io: { out: (t: string) => void out.push(t), err: (t: string) => void err.push(t) }, out, err };
}
