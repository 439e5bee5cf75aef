import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Mat3, Structure } from '../../../src-shared/chem';

export const FIXTURES = fileURLToPath(new URL('../../fixtures/structures/', import.meta.url));
/** The project's shared data folder (beside the repository). */
export const SHARED_DATA = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

/** fcc Cu's conventional cell at 3.61 Å: its cubic lattice and its four sites, fractional, in ASE's order. */
export const FCC_A = 3.61;
export const CUBIC: Mat3 = [
  [FCC_A, 0, 0],
  [0, FCC_A, 0],
  [0, 0, FCC_A],
];
export const FCC_SITES = [0, 0, 0, 0, 0.5, 0.5, 0.5, 0, 0.5, 0.5, 0.5, 0];

export function fixture(name: string): string {
  return readFileSync(FIXTURES + name, 'utf8');
}

/** Minimum-image Cartesian distance between fractional points p and q of a lattice. */
export function fracDistance(s: Structure, i: number, q: ArrayLike<number>): number {
  const l = s.lattice!;
  const d = [0, 1, 2].map((k) => {
    const x = s.frac![3 * i + k] - q[k];
    return x - Math.round(x);
  });
  const c = [0, 1, 2].map((k) => d[0] * l[0][k] + d[1] * l[1][k] + d[2] * l[2][k]);
  return Math.hypot(c[0], c[1], c[2]);
}

/** True when every site of a has a site of b with the same element within tol Å (periodic). */
export function sameSites(a: Structure, b: Structure, tol = 1e-6): boolean {
  if (a.numbers.length !== b.numbers.length) return false;
  for (let i = 0; i < a.numbers.length; i++) {
    const p = [a.frac![3 * i], a.frac![3 * i + 1], a.frac![3 * i + 2]];
    let ok = false;
    for (let j = 0; j < b.numbers.length && !ok; j++) {
      if (b.numbers[j] === a.numbers[i] && fracDistance(b, j, p) < tol) ok = true;
    }
    if (!ok) return false;
  }
  return true;
}

export function minPairDistance(s: Structure): number {
  let d = Infinity;
  const n = s.numbers.length;
  for (let i = 0; i < n; i++)
    for (let j = i + 1; j < n; j++) d = Math.min(d, fracDistance(s, i, [s.frac![3 * j], s.frac![3 * j + 1], s.frac![3 * j + 2]]));
  return d;
}
