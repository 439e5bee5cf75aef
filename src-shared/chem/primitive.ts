/**
 * A crystal's pure translations and the primitive cell they leave: the first step of a symmetry search
 * (as spglib's `get_primitive`). A perfect supercell of n cells has n pure translations, and a search that
 * tries every point-group operation with each of them on every atom grows as the cube of the atoms; on the
 * primitive cell it is as fast as on the crystal's own cell. The operations on the cell as given are the
 * primitive's, written in its basis, each with every pure translation (src-main/chem/spacegroup.ts).
 *
 * A translation is pure when it sends every site onto a site of the same type within `symprec` Å (the
 * minimum image). Sites equivalent under the translations are merged at their mean position, as spglib
 * merges them.
 */
import { cellWidths, invert, wrapFraction } from './lattice';
import { niggliReduce } from './niggli';
import type { Mat3 } from './structure';
import { PeriodicGrid } from './symmetry';

/** A cell reduced by its pure translations. */
export interface PrimitiveReduction {
  /** The primitive lattice (rows, Å), Niggli-reduced, with the given cell's handedness. */
  lattice: Mat3;
  /** One site per set of translation-equivalent sites: its mean position in the primitive cell, fractional, in [0, 1). */
  frac: Float64Array;
  types: Int32Array;
  /** The primitive's vectors in the given cell's fractional coordinates (rows): primitive lattice = basis · given lattice. */
  basis: Mat3;
  /** The given cell's vectors as integer combinations of the primitive's (rows): given lattice = toGiven · primitive lattice; `basis`'s inverse. */
  toGiven: Mat3;
  /** The pure translations of the given cell in its fractional coordinates, in [0, 1), exact (lattice points of the primitive); the zero first. */
  translations: number[][];
}


/** The holes a pure-translation search keeps to reject candidates with (`primitiveReduction`): a few vacancies' sites. */
const MAX_HOLES = 4;

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/** Three integer rows spanning the same lattice as `rows` (Euclid's algorithm column by column: a Hermite basis, triangular). */
function latticeBasis(rows: number[][]): number[][] | null {
  const r = rows.map((x) => [...x]);
  const basis: number[][] = [];
  for (let c = 0; c < 3; c++) {
    for (;;) {
      const nonzero = r.filter((x) => x[c] !== 0).sort((a, b) => Math.abs(a[c]) - Math.abs(b[c]));
      if (nonzero.length <= 1) break;
      const [p, ...others] = nonzero;
      for (const x of others) {
        const q = Math.trunc(x[c] / p[c]);
        for (let k = 0; k < 3; k++) x[k] -= q * p[k];
      }
    }
    const i = r.findIndex((x) => x[c] !== 0);
    if (i < 0) return null;
    basis.push(r.splice(i, 1)[0]);
  }
  return basis;
}

const mul = (a: Mat3, b: Mat3): Mat3 => a.map((row) => [0, 1, 2].map((j) => row[0] * b[0][j] + row[1] * b[1][j] + row[2] * b[2][j])) as Mat3;

/** The nearest integer matrix, or null when an entry is more than `tol` from one. */
function integral(m: Mat3, tol = 1e-6): Mat3 | null {
  const r = m.map((row) => row.map(Math.round)) as Mat3;
  return m.every((row, i) => row.every((x, j) => Math.abs(x - r[i][j]) < tol)) ? r : null;
}

/** Whether the integer vector `u` is in the lattice of the triangular basis `b` (rows, positive diagonal). */
function inLattice(b: number[][], u: number[]): boolean {
  const r = [...u];
  for (let c = 0; c < 3; c++) {
    const x = r[c] / b[c][c];
    if (x !== Math.round(x)) return false;
    for (let k = c; k < 3; k++) r[k] -= x * b[c][k];
  }
  return true;
}

/**
 * The pure translations of a cell (lattice rows, fractional positions, a type per site) at `symprec` Å and
 * the primitive cell they leave; null when the cell has none (it is primitive), or when the sites do not
 * fall into equal sets at this tolerance (the caller then searches the cell as given).
 *
 * The candidates go from the first site of the rarest type to the others of that type; each translation
 * group's order divides that type's count K, so the translations are integers in units of 1/K of the cell's
 * vectors. A candidate already in the group found so far is not tested again: a perfect supercell of k cells
 * costs about log₂ k tests over all its sites, not k.
 *
 * A candidate that fails, fails at a site whose image has no site within `symprec`; where no site is within
 * 3·`symprec` of that image either, the image is a hole (a vacancy's site), and it rejects later candidates
 * at one look-up each: a pure translation t leaves no site within `symprec` of hole − t, since that site's
 * image is within `symprec` of the hole and its own site would be within 2·`symprec` of it. The same
 * candidates are rejected as by testing every site, where the test would reach the site next to the hole
 * only after half the sites on average (a vacancy in fcc Cu, 100,919 sites: minutes, now under a second).
 */
export function primitiveReduction(lattice: Mat3, frac: Float64Array, types: Int32Array, symprec: number): PrimitiveReduction | null {
  const n = types.length;
  if (n < 2) return null;
  const count = new Map<number, number>();
  for (const t of types) count.set(t, (count.get(t) ?? 0) + 1);
  let rare = types[0];
  for (const [t, c] of count) if (c < count.get(rare)! || (c === count.get(rare) && t < rare)) rare = t;
  const K = count.get(rare)!;
  // the translation group moves every site, so its orbits all have its order m, and m divides every
  // type's count: counts with no common divisor (a vacancy in a supercell) leave no pure translation,
  // found without testing K candidates on every site (minutes at 100,000 sites)
  if (K < 2 || [...count.values()].reduce(gcd) < 2) return null;
  const ref = types.indexOf(rare);
  const grid = new PeriodicGrid(lattice, symprec);
  for (let i = 0; i < n; i++) grid.add(frac[3 * i], frac[3 * i + 1], frac[3 * i + 2], i);
  let group = [
    [K, 0, 0],
    [0, K, 0],
    [0, 0, K],
  ];
  const anySite = () => true;
  // holes: 2·symprec must stay under half of every width of the cell, where a distance is that of the nearest image
  const holes: number[][] | null = Math.min(...cellWidths(lattice)) > 4 * symprec ? [] : null;
  let clearance: PeriodicGrid | null = null;
  for (let j = 0; j < n; j++) {
    if (j === ref || types[j] !== rare) continue;
    const t = [0, 1, 2].map((c) => wrapFraction(frac[3 * j + c] - frac[3 * ref + c]));
    const u = t.map((x) => Math.round(K * x));
    if (t.some((x, c) => Math.abs(K * x - u[c]) > 0.25) || inLattice(group, u)) continue;
    if (holes?.some((h) => grid.find(h[0] - t[0], h[1] - t[1], h[2] - t[2], anySite) >= 0)) continue;
    let without = -1; // the first site whose image has no site of its type
    for (let i = 0; i < n && without < 0; i++) {
      if (grid.find(frac[3 * i] + t[0], frac[3 * i + 1] + t[1], frac[3 * i + 2] + t[2], (id) => types[id] === types[i]) < 0) without = i;
    }
    if (without >= 0) {
      if (holes && holes.length < MAX_HOLES) {
        const image = [0, 1, 2].map((c) => frac[3 * without + c] + t[c]);
        if (!clearance) {
          clearance = new PeriodicGrid(lattice, 3 * symprec);
          for (let i = 0; i < n; i++) clearance.add(frac[3 * i], frac[3 * i + 1], frac[3 * i + 2], i);
        }
        if (clearance.find(image[0], image[1], image[2], anySite) < 0) holes.push(image);
      }
      continue;
    }
    const b = latticeBasis([...group, u]);
    if (!b) return null;
    group = b.map((row, c) => (row[c] < 0 ? row.map((x) => -x) : row));
  }
  const k = K ** 3 / (group[0][0] * group[1][1] * group[2][2]);
  if (k === 1 || n % k !== 0) return null;
  // the translations: the group's points in the cell, one per coset of the cell's lattice
  const translations: number[][] = [];
  for (let a = 0; a < K / group[0][0]; a++) {
    for (let b = 0; b < K / group[1][1]; b++) {
      for (let c = 0; c < K / group[2][2]; c++) {
        translations.push([0, 1, 2].map((x) => (((a * group[0][x] + b * group[1][x] + c * group[2][x]) % K) + K) % K / K));
      }
    }
  }
  const first = group.map((row) => row.map((x) => x / K)) as Mat3;
  // the Niggli basis of that lattice, and the change of basis to it
  const unreduced = mul(first, lattice);
  const change = integral(mul(niggliReduce(unreduced), invert(unreduced)!));
  if (!change) return null;
  const basis = mul(change, first);
  const toGiven = integral(invert(basis)!);
  if (!toGiven) return null;
  // sites in the primitive cell, merged by translation
  const primitive = mul(basis, lattice);
  const p = new Float64Array(3 * n);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < 3; c++) p[3 * i + c] = frac[3 * i] * toGiven[0][c] + frac[3 * i + 1] * toGiven[1][c] + frac[3 * i + 2] * toGiven[2][c];
  }
  const merged = new PeriodicGrid(primitive, symprec);
  const repOf: number[] = [];
  const members: number[] = [];
  const sum: number[][] = [];
  for (let i = 0; i < n; i++) {
    const [x, y, z] = [p[3 * i], p[3 * i + 1], p[3 * i + 2]];
    const r = merged.find(x, y, z, (id) => types[repOf[id]] === types[i]);
    if (r < 0) {
      merged.add(x, y, z, repOf.length);
      repOf.push(i);
      members.push(1);
      sum.push([0, 0, 0]);
    } else {
      const o = repOf[r];
      members[r]++;
      for (let c = 0; c < 3; c++) {
        const d = p[3 * i + c] - p[3 * o + c];
        sum[r][c] += d - Math.round(d);
      }
    }
  }
  if (repOf.length * k !== n || members.some((m) => m !== k)) return null;
  const out = new Float64Array(3 * repOf.length);
  repOf.forEach((o, r) => {
    for (let c = 0; c < 3; c++) out[3 * r + c] = wrapFraction(p[3 * o + c] + sum[r][c] / k);
  });
  return { lattice: primitive, frac: out, types: Int32Array.from(repOf, (o) => types[o]), basis, toGiven, translations };
}
