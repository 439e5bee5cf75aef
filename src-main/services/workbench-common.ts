/**
 * Helpers shared by the workbench services (datasets, models, training, runs, predict):
 * the default CGCNN atom embedding, histograms.
 */
import { readFileSync } from 'node:fs';
import { resourcePath } from '../app/resources';

let defaultAtomInit: string | null = null;

/** CGCNN's standard atom_init.json (resources/cgcnn/atom_init.json). */
export function defaultAtomInitText(): string {
  defaultAtomInit ??= readFileSync(resourcePath('cgcnn', 'atom_init.json'), 'utf8');
  return defaultAtomInit;
}

/** Evenly spaced histogram of finite values (10–50 bins, √n rule). */
export function histogram(values: number[], bins?: number): { edges: number[]; counts: number[] } {
  const xs = values.filter(Number.isFinite);
  if (xs.length === 0) return { edges: [], counts: [] };
  let min = Infinity;
  let max = -Infinity;
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const n = bins ?? Math.min(50, Math.max(10, Math.ceil(Math.sqrt(xs.length))));
  if (max === min) return { edges: [min - 0.5, max + 0.5], counts: [xs.length] };
  const width = (max - min) / n;
  const edges = Array.from({ length: n + 1 }, (_, i) => (i === n ? max : min + i * width));
  const counts = new Array<number>(n).fill(0);
  for (const x of xs) counts[Math.min(n - 1, Math.floor((x - min) / width))]++;
  return { edges, counts };
}
