/**
 * Helpers shared by the workbench services (datasets, models, training, runs, predict):
 * where the shipped resources are, the default CGCNN atom embedding, JSON columns.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

let cachedResources: string | null = null;

/**
 * The folder of shipped resources (`resources/` of the repository; the packaged app sets
 * LATTICEWORK_RESOURCES). Found by walking up from this module, so it works from the
 * TypeScript sources and from the built bundle in `out/main/`.
 */
export function resourcesDirectory(): string {
  if (process.env.LATTICEWORK_RESOURCES) return resolve(process.env.LATTICEWORK_RESOURCES);
  if (cachedResources) return cachedResources;
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let i = 0; i < 6; i++) {
    const candidate = join(dir, 'resources');
    if (existsSync(join(candidate, 'cgcnn', 'atom_init.json'))) return (cachedResources = candidate);
    dir = dirname(dir);
  }
  throw new Error('cannot find the resources folder (set LATTICEWORK_RESOURCES)');
}

let defaultAtomInit: string | null = null;

/** CGCNN's standard atom_init.json (resources/cgcnn/atom_init.json). */
export function defaultAtomInitText(): string {
  defaultAtomInit ??= readFileSync(join(resourcesDirectory(), 'cgcnn', 'atom_init.json'), 'utf8');
  return defaultAtomInit;
}

export function parseJson<T>(text: string | null | undefined, fallback: T): T {
  if (text === null || text === undefined || text === '') return fallback;
  return JSON.parse(text) as T;
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
