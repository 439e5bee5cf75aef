/**
 * Brute-force neighbour list used as the oracle in tests: every pair, every image in a
 * box of images large enough for the cutoff. O(n² · images); only for small inputs.
 */
import type { Mat3 } from '../../../src-shared/chem/structure';

export interface BruteEdge {
  center: number;
  neighbor: number;
  image: [number, number, number];
  distance: number;
}

export function bruteNeighbors(cart: Float64Array, lattice: Mat3 | null, pbc: boolean[], cutoff: number): BruteEdge[] {
  const n = cart.length / 3;
  const range = [0, 0, 0];
  let frac: number[][] = [];
  if (lattice) {
    const L = lattice;
    const det =
      L[0][0] * (L[1][1] * L[2][2] - L[1][2] * L[2][1]) -
      L[0][1] * (L[1][0] * L[2][2] - L[1][2] * L[2][0]) +
      L[0][2] * (L[1][0] * L[2][1] - L[1][1] * L[2][0]);
    // plane spacings h_k = V / |b × c| etc.
    const cr = (a: number[], b: number[]) => [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
    const norm = (a: number[]) => Math.hypot(a[0], a[1], a[2]);
    const hs = [norm(cr(L[1], L[2])), norm(cr(L[2], L[0])), norm(cr(L[0], L[1]))].map((x) => Math.abs(det) / x);
    // fractional coordinates to know how far atoms are from the home cell
    const inv = invert(L);
    frac = [];
    for (let i = 0; i < n; i++) {
      const p = [cart[3 * i], cart[3 * i + 1], cart[3 * i + 2]];
      frac.push([0, 1, 2].map((k) => p[0] * inv[0][k] + p[1] * inv[1][k] + p[2] * inv[2][k]));
    }
    for (let k = 0; k < 3; k++) {
      if (!pbc[k]) continue;
      let fmin = Infinity;
      let fmax = -Infinity;
      for (const f of frac) {
        fmin = Math.min(fmin, f[k]);
        fmax = Math.max(fmax, f[k]);
      }
      range[k] = Math.ceil(cutoff / hs[k] + (fmax - fmin)) + 1;
    }
  }
  const out: BruteEdge[] = [];
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      for (let a = -range[0]; a <= range[0]; a++) {
        for (let b = -range[1]; b <= range[1]; b++) {
          for (let c = -range[2]; c <= range[2]; c++) {
            if (i === j && a === 0 && b === 0 && c === 0) continue;
            let dx = cart[3 * j] - cart[3 * i];
            let dy = cart[3 * j + 1] - cart[3 * i + 1];
            let dz = cart[3 * j + 2] - cart[3 * i + 2];
            if (lattice) {
              dx += a * lattice[0][0] + b * lattice[1][0] + c * lattice[2][0];
              dy += a * lattice[0][1] + b * lattice[1][1] + c * lattice[2][1];
              dz += a * lattice[0][2] + b * lattice[1][2] + c * lattice[2][2];
            }
            const d = Math.hypot(dx, dy, dz);
            if (d <= cutoff) out.push({ center: i, neighbor: j, image: [a, b, c], distance: d });
          }
        }
      }
    }
  }
  return out;
}

export function invert(m: Mat3): number[][] {
  const [[a, b, c], [d, e, f], [g, h, i]] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  return [
    [A / det, -(b * i - c * h) / det, (b * f - c * e) / det],
    [B / det, (a * i - c * g) / det, -(a * f - c * d) / det],
    [C / det, -(a * h - b * g) / det, (a * e - b * d) / det],
  ];
}

/** Key of an edge independent of order: "center neighbor a b c". */
export function edgeKey(center: number, neighbor: number, a: number, b: number, c: number): string {
  return `${center} ${neighbor} ${a} ${b} ${c}`;
}
