/**
 * Niggli reduction of a lattice (Křivý & Gruber, Acta Cryst. A32, 297 (1976), with the ε comparisons
 * of Grosse-Kunstleve, Sauter & Adams, Acta Cryst. A60, 1 (2004)): the unique reduced basis of a
 * lattice, the cell crystallographers compare. ε is absolute, in Å², as in spglib's niggli.c (its
 * `niggli_reduce(lattice, eps=1e-5)`), so near-equal lengths and near-right angles fall the same way
 * as there. Checked against spglib's niggli_reduce (test/shared/chem/niggli.test.ts).
 *
 * The steps work on the basis vectors themselves (each step is an integer change of basis with
 * determinant +1), recomputing the metric after each, so the transformation needs no bookkeeping.
 */
import { cartToFrac, determinant, fracToCart } from './lattice';
import type { Mat3, Structure, Vec3 } from './structure';

const dot = (u: Vec3, v: Vec3) => u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
const scale = (u: Vec3, k: number): Vec3 => [u[0] * k, u[1] * k, u[2] * k];
const add = (u: Vec3, v: Vec3): Vec3 => [u[0] + v[0], u[1] + v[1], u[2] + v[2]];

/** The Niggli-reduced basis of a lattice (rows a, b, c), same handedness. `eps` compares the metric's entries (Å², spglib's default 1e-5). */
export function niggliReduce(lattice: Mat3, eps = 1e-5): Mat3 {
  let [a, b, c] = lattice.map((r) => [...r] as Vec3);
  if (!(Math.abs(determinant(lattice)) > 0)) throw new Error('the cell has no volume: its vectors are coplanar');
  const e = eps;
  const sign = (x: number) => (x > 0 ? 1 : -1);
  for (let iter = 0; iter < 10_000; iter++) {
    let A = dot(a, a);
    let B = dot(b, b);
    const C = dot(c, c);
    let xi = 2 * dot(b, c);
    let eta = 2 * dot(a, c);
    let zeta = 2 * dot(a, b);
    // A1
    if (A > B + e || (Math.abs(A - B) <= e && Math.abs(xi) > Math.abs(eta) + e)) {
      [a, b, c] = [scale(b, -1), scale(a, -1), scale(c, -1)];
      [A, B] = [B, A];
      [xi, eta] = [eta, xi];
    }
    // A2
    if (B > C + e || (Math.abs(B - C) <= e && Math.abs(eta) > Math.abs(zeta) + e)) {
      [a, b, c] = [scale(a, -1), scale(c, -1), scale(b, -1)];
      continue;
    }
    // A3 / A4: all three angles acute, or all non-acute.
    const l = xi < -e ? -1 : xi > e ? 1 : 0;
    const m = eta < -e ? -1 : eta > e ? 1 : 0;
    const n = zeta < -e ? -1 : zeta > e ? 1 : 0;
    if (l * m * n === 1) {
      const flip = [l === -1 ? -1 : 1, m === -1 ? -1 : 1, n === -1 ? -1 : 1];
      [a, b, c] = [scale(a, flip[0]), scale(b, flip[1]), scale(c, flip[2])];
    } else {
      const f = [1, 1, 1];
      let p = -1;
      [l, m, n].forEach((s, k) => {
        if (s === 1) f[k] = -1;
        else if (s === 0) p = k;
      });
      if (f[0] * f[1] * f[2] < 0) {
        if (p < 0) throw new Error('Niggli reduction: no free sign to keep the cell right-handed');
        f[p] = -1;
      }
      [a, b, c] = [scale(a, f[0]), scale(b, f[1]), scale(c, f[2])];
    }
    A = dot(a, a);
    B = dot(b, b);
    xi = 2 * dot(b, c);
    eta = 2 * dot(a, c);
    zeta = 2 * dot(a, b);
    // A5
    if (Math.abs(xi) > B + e || (Math.abs(xi - B) <= e && 2 * eta < zeta - e) || (Math.abs(xi + B) <= e && zeta < -e)) {
      c = add(c, scale(b, -sign(xi)));
      continue;
    }
    // A6
    if (Math.abs(eta) > A + e || (Math.abs(eta - A) <= e && 2 * xi < zeta - e) || (Math.abs(eta + A) <= e && zeta < -e)) {
      c = add(c, scale(a, -sign(eta)));
      continue;
    }
    // A7
    if (Math.abs(zeta) > A + e || (Math.abs(zeta - A) <= e && 2 * xi < eta - e) || (Math.abs(zeta + A) <= e && eta < -e)) {
      b = add(b, scale(a, -sign(zeta)));
      continue;
    }
    // A8
    const s = xi + eta + zeta + A + B;
    if (s < -e || (Math.abs(s) <= e && 2 * (A + eta) + zeta > e)) {
      c = add(add(c, a), b);
      continue;
    }
    return [a, b, c];
  }
  throw new Error('Niggli reduction did not converge');
}

/** The structure in its Niggli-reduced cell (same sites, coordinates re-expressed and wrapped into [0, 1)). */
export function niggliStructure(s: Structure, eps = 1e-5): Structure {
  if (!s.lattice || !s.pbc.every(Boolean)) throw new Error('only a crystal periodic in three directions has a Niggli cell');
  const lattice = niggliReduce(s.lattice, eps);
  const frac = cartToFrac(s.cart, lattice);
  for (let i = 0; i < frac.length; i++) {
    frac[i] -= Math.floor(frac[i]);
    if (frac[i] >= 1 - 1e-12) frac[i] = 0;
  }
  return {
    ...s,
    name: `${s.name} (Niggli cell)`,
    lattice,
    frac,
    cart: fracToCart(frac, lattice),
    numbers: Int32Array.from(s.numbers),
    occupancy: Float64Array.from(s.occupancy),
    species: [...s.species],
    siteProperties: { ...s.siteProperties },
    properties: { ...s.properties },
  };
}
