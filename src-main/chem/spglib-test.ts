/**
 * spglib's own acceptance of a symmetry operation (spglib 2.0.2, symmetry.c), and what the search needs
 * to settle on a group of operations it accepts: whether a set of operations is a group, and the cell
 * made exactly symmetric under one (for moyo to name the group: src-main/chem/spacegroup.ts).
 *
 * spglib fixes an operation's translation on one atom (the first of the rarest type, put exactly on an
 * atom of its type) and asks every atom to land within symprec of an atom of its type; where the
 * operations it accepts are not a group it narrows the tolerance by 0.95 at a time, keeping those that
 * still pass (`sym_reduce_operation`), until they are one. moyo fits the translation to all atoms
 * instead, so its operations may fail spglib's test, and where its own operations are not a group it
 * halves its tolerance (MgZn₂ with atoms 0.004 Å off at 0.01 Å: P6₃/mmc, 11 of whose 24 operations
 * spglib refuses, and asked lower, nothing but the identity; spglib: P-3m1).
 */
import type { Mat3 } from '../../src-shared/chem';
import { invert } from '../../src-shared/chem/lattice';
import { niggliReduce } from '../../src-shared/chem/niggli';
import { nearestImageDistance2, PeriodicGrid } from '../../src-shared/chem/symmetry';
import { cholesky, inverse, matmul } from '../../src-shared/sim/matrix';

/** A cell: lattice rows (Å), fractional positions, a type per site. */
export interface TypedSites {
  lattice: Mat3;
  positions: readonly (readonly number[])[];
  types: readonly number[];
}

/** x ↦ r·x + t on fractional coordinates, r row-major. */
export interface AffineOp {
  r: readonly number[];
  t: readonly number[];
}

const apply = (o: AffineOp, p: readonly number[]): number[] =>
  [0, 1, 2].map((i) => o.r[3 * i] * p[0] + o.r[3 * i + 1] * p[1] + o.r[3 * i + 2] * p[2] + o.t[i]);

/** spglib's test of operations on one cell at one tolerance (the cell's sites in a grid, built once). */
export class SpglibTest {
  private readonly grid: PeriodicGrid;
  private readonly anchor: number;
  private readonly rarest: number;

  constructor(
    private readonly cell: TypedSites,
    private readonly symprec: number,
  ) {
    const count = new Map<number, number>();
    for (const t of cell.types) count.set(t, (count.get(t) ?? 0) + 1);
    this.rarest = [...count.entries()].reduce((m, e) => (e[1] < m[1] ? e : m))[0];
    this.anchor = cell.types.indexOf(this.rarest);
    this.grid = new PeriodicGrid(cell.lattice, symprec);
    cell.positions.forEach((p, i) => this.grid.add(p[0], p[1], p[2], i));
  }

  private apart(u: readonly number[], v: readonly number[]): number {
    return Math.sqrt(nearestImageDistance2(this.cell.lattice, u[0] - v[0], u[1] - v[1], u[2] - v[2]));
  }

  /**
   * How far spglib's test leaves the atoms under `o` (Å): its translation changed to put the anchor exactly
   * on the atom of its type nearest to where `o` takes it, the largest distance from an atom's image to the
   * nearest atom of its type (fractional difference less its nearest integers, Cartesian length, as spglib's
   * `cel_is_overlap`); Infinity when an image has none within symprec. With the cell's pure translations
   * `pure`, the least over `o` followed by each: the best of the operations that differ from `o` by a pure
   * translation, as the best over the anchor's images.
   */
  distance(o: AffineOp, pure: readonly (readonly number[])[] = [[0, 0, 0]]): number {
    let best = Infinity;
    for (const u of pure) {
      best = Math.min(best, this.fixedDistance({ r: o.r, t: o.t.map((x, c) => x + u[c]) }));
      if (best < this.symprec) break;
    }
    return best;
  }

  private fixedDistance(o: AffineOp): number {
    const { positions: x, types } = this.cell;
    const ya = apply(o, x[this.anchor]);
    let j = this.anchor;
    types.forEach((type, k) => {
      if (type === this.rarest && this.apart(ya, x[k]) < this.apart(ya, x[j])) j = k;
    });
    const fixed = { r: o.r, t: [0, 1, 2].map((i) => o.t[i] + x[j][i] - ya[i]) };
    let worst = 0;
    for (let i = 0; i < x.length; i++) {
      const y = apply(fixed, x[i]);
      let nearest = Infinity;
      this.grid.find(y[0], y[1], y[2], (k) => {
        if (types[k] === types[i]) nearest = Math.min(nearest, this.apart(y, x[k]));
        return false;
      });
      if (nearest === Infinity) return Infinity;
      worst = Math.max(worst, nearest);
    }
    return worst;
  }
}

/**
 * The least tolerance at which the integer rotation `r` (row-major, on fractional coordinates) keeps the
 * lattice's metric as spglib's `is_identity_metric` asks at its default angle tolerance (in the lattice's
 * Niggli basis, as spglib asks in its Delaunay basis): each vector's length within it, and sin²(Δθ)·(mean
 * lengths) within its square for each angle.
 */
export function metricDeviation(lattice: Mat3, r: readonly number[]): number {
  const reduced = niggliReduce(lattice);
  const toFractional = invert(lattice)!;
  const m = reduced.map((row) => [0, 1, 2].map((j) => Math.round(row[0] * toFractional[0][j] + row[1] * toFractional[1][j] + row[2] * toFractional[2][j]))) as Mat3;
  const mt = invert(m)!; // R in the reduced basis: M⁻ᵀ·R·Mᵀ
  const rr = [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => [0, 1, 2].reduce((s, a) => s + mt[a][i] * [0, 1, 2].reduce((u, b) => u + r[3 * a + b] * m[j][b], 0), 0)));
  const g = [0, 1, 2].map((i) => [0, 1, 2].map((j) => reduced[i][0] * reduced[j][0] + reduced[i][1] * reduced[j][1] + reduced[i][2] * reduced[j][2]));
  // the rotated vectors' metric, Rᵀ·G·R (column k of R is where vector k goes)
  const h = [0, 1, 2].map((i) => [0, 1, 2].map((j) => [0, 1, 2].reduce((s, a) => s + [0, 1, 2].reduce((u, b) => u + rr[3 * a + i] * g[a][b] * rr[3 * b + j], 0), 0)));
  let worst = 0;
  for (let i = 0; i < 3; i++) {
    const [j, k] = [(i + 1) % 3, (i + 2) % 3];
    worst = Math.max(worst, Math.abs(Math.sqrt(g[i][i]) - Math.sqrt(h[i][i])));
    const c1 = g[j][k] / Math.sqrt(g[j][j] * g[k][k]);
    const c2 = h[j][k] / Math.sqrt(h[j][j] * h[k][k]);
    const sin2 = 1 - (c1 * c2 + Math.sqrt(Math.max(0, 1 - c1 * c1) * Math.max(0, 1 - c2 * c2))) ** 2;
    const lengths = ((Math.sqrt(g[j][j]) + Math.sqrt(h[j][j])) * (Math.sqrt(g[k][k]) + Math.sqrt(h[k][k]))) / 4;
    if (sin2 > 1e-12) worst = Math.max(worst, Math.sqrt(sin2 * lengths));
  }
  return worst;
}

const product = (a: AffineOp, b: AffineOp): AffineOp => ({
  r: [0, 1, 2].flatMap((i) => [0, 1, 2].map((j) => a.r[3 * i] * b.r[j] + a.r[3 * i + 1] * b.r[3 + j] + a.r[3 * i + 2] * b.r[6 + j])),
  t: apply(a, b.t),
});

/** The operation of `ops` equal to `o` (its rotation, its translation within `tol` Å modulo the lattice), or undefined. */
function member(ops: readonly AffineOp[], o: AffineOp, lattice: Mat3, tol: number): AffineOp | undefined {
  return ops.find((m) => m.r.every((x, k) => x === o.r[k]) && nearestImageDistance2(lattice, m.t[0] - o.t[0], m.t[1] - o.t[1], m.t[2] - o.t[2]) < tol * tol);
}

/** Whether `ops` (coset representatives modulo the lattice) are closed under products, translations compared within `tol` Å. */
export function isGroup(ops: readonly AffineOp[], lattice: Mat3, tol: number): boolean {
  return ops.every((a) => ops.every((b) => member(ops, product(a, b), lattice, tol) !== undefined));
}

/**
 * The cell made symmetric under the group `ops` (closed, within `tol` Å): each atom's image under each
 * operation paired with the nearest atom of its type, the translations fitted to the pairs (their mean, as
 * moyo fits them), the positions replaced by their orbit's mean, again until every image lands within
 * 10⁻⁹ Å, and the metric by its mean over the rotations (the lattice vectors changed least: L' = C̄·C⁻¹·L,
 * C and C̄ the Cholesky factors of the old and new metric). Null when the images do not pair the atoms
 * one to one or the fit does not settle.
 */
export function symmetrized(cell: TypedSites, ops: readonly AffineOp[], tol: number): TypedSites | null {
  const { lattice, types } = cell;
  const n = types.length;
  const grid = new PeriodicGrid(lattice, tol);
  cell.positions.forEach((p, i) => grid.add(p[0], p[1], p[2], i));
  const near = (u: readonly number[], v: readonly number[]) => nearestImageDistance2(lattice, u[0] - v[0], u[1] - v[1], u[2] - v[2]);
  // the permutation each operation makes
  const perms: number[][] = [];
  for (const o of ops) {
    const p: number[] = [];
    const hit = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const y = apply(o, cell.positions[i]);
      let best = -1;
      grid.find(y[0], y[1], y[2], (k) => {
        if (types[k] === types[i] && (best < 0 || near(y, cell.positions[k]) < near(y, cell.positions[best]))) best = k;
        return false;
      });
      if (best < 0 || hit[best]) return null;
      hit[best] = 1;
      p.push(best);
    }
    perms.push(p);
  }
  let x = cell.positions.map((p) => [...p]);
  const t = ops.map((o) => [...o.t]);
  const offset = (u: readonly number[], v: readonly number[]) => u.map((a, c) => a - v[c] - Math.round(a - v[c]));
  for (let round = 0; round < 50; round++) {
    let worst = 0;
    ops.forEach((o, h) => {
      const shift = [0, 0, 0];
      for (let i = 0; i < n; i++) {
        const d = offset(x[perms[h][i]], apply({ r: o.r, t: t[h] }, x[i]));
        for (let c = 0; c < 3; c++) shift[c] += d[c] / n;
      }
      for (let c = 0; c < 3; c++) t[h][c] += shift[c];
    });
    const sum = x.map(() => [0, 0, 0]);
    ops.forEach((o, h) => {
      for (let i = 0; i < n; i++) {
        const j = perms[h][i];
        const d = offset(apply({ r: o.r, t: t[h] }, x[i]), x[j]);
        worst = Math.max(worst, near(d, [0, 0, 0]));
        for (let c = 0; c < 3; c++) sum[j][c] += d[c] / ops.length;
      }
    });
    x = x.map((p, j) => p.map((a, c) => a + sum[j][c]));
    if (worst < 1e-18) return { lattice: symmetricLattice(lattice, ops), positions: x, types };
  }
  return null;
}

/** The lattice whose metric is the mean of RᵀGR over the rotations, its vectors changed least (C̄·C⁻¹·L). */
function symmetricLattice(l: Mat3, ops: readonly AffineOp[]): Mat3 {
  const g = [0, 1, 2].map((i) => [0, 1, 2].map((j) => l[i][0] * l[j][0] + l[i][1] * l[j][1] + l[i][2] * l[j][2]));
  const mean = [0, 1, 2].flatMap((i) =>
    [0, 1, 2].map((j) => ops.reduce((s, o) => s + [0, 1, 2].reduce((u, a) => u + [0, 1, 2].reduce((w, b) => w + o.r[3 * a + i] * g[a][b] * o.r[3 * b + j], 0), 0), 0) / ops.length),
  );
  // both metrics are those of lattices (the mean of RᵀGR with G positive definite is too): their factors exist
  const change = matmul(cholesky(mean, 3)!, inverse(cholesky(g.flat(), 3)!, 3)!, 3);
  const moved = matmul(change, Float64Array.from(l.flat()), 3);
  return [0, 1, 2].map((i) => Array.from(moved.subarray(3 * i, 3 * i + 3))) as Mat3;
}
