/**
 * Where the shared test data is: `../shared/data` beside the checkout (the workplace's layout, also in
 * CI), or $LATTICEWORK_SHARED_DATA.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));

export const SHARED_DATA: string = (() => {
  const dir = process.env.LATTICEWORK_SHARED_DATA ?? resolve(root, '..', 'shared', 'data');
  if (!existsSync(dir)) throw new Error(`shared test data not found at ${dir} (set LATTICEWORK_SHARED_DATA)`);
  return dir;
})();

/** A path inside the shared data, e.g. shared('cgcnn-sample-regression', '1000041.cif'). */
export function shared(...parts: string[]): string {
  return join(SHARED_DATA, ...parts);
}

/** `count` frames of the shared EMT data set (extended XYZ with energy, forces and stress) after the first `skip`, as text. */
export function emtFramesText(count: number, skip = 0): string {
  const lines = readFileSync(shared('emt-dev', 'emt_dataset.extxyz'), 'utf8').split('\n');
  let start = 0;
  for (let f = 0; f < skip; f++) start += Number(lines[start]) + 2;
  let end = start;
  for (let f = 0; f < count; f++) end += Number(lines[end]) + 2;
  return lines.slice(start, end).join('\n') + '\n';
}
