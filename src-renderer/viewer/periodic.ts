/**
 * Pure geometry of the crystal viewer (no three.js, no DOM): wrapping, periodic
 * images of atoms on cell faces, edges and corners, supercells, bonds from covalent
 * radii (including bonds across the cell boundary), minimum-image distances and
 * angles. Lattice rows are a, b, c (Å); cart = frac · lattice.
 */
import type { Mat3 } from '../../src-shared/chem/structure';
import { neighborList } from '../../src-shared/graph/neighbors';

export type Pbc = readonly [boolean, boolean, boolean] | readonly boolean[];
export type Repeats = readonly [number, number, number];

/** frac · lattice for one point. */
export function fracToCartPoint(f0: number, f1: number, f2: number, l: Mat3): [number, number, number] {
  return [
    f0 * l[0][0] + f1 * l[1][0] + f2 * l[2][0],
    f0 * l[0][1] + f1 * l[1][1] + f2 * l[2][1],
    f0 * l[0][2] + f1 * l[1][2] + f2 * l[2][2],
  ];
}

/**
 * Fractional coordinates wrapped into [0, 1) along periodic axes; a value within
 * `eps` below 1 (or above 0 after wrapping) becomes exactly 0, so that atoms on a
 * face are treated alike whether written as 0 or 0.99999.
 */
export function wrapFrac(frac: ArrayLike<number>, pbc: Pbc, eps = 1e-6): Float64Array {
  const out = new Float64Array(frac.length);
  for (let i = 0; i < frac.length; i++) {
    const k = i % 3;
    let v = frac[i];
    if (pbc[k]) {
      v -= Math.floor(v);
      if (v > 1 - eps || v < eps) v = 0;
    }
    out[i] = v;
  }
  return out;
}

/** The atoms to display: site index and integer cell offset (3 per atom). */
export interface DisplayAtoms {
  site: Int32Array;
  cell: Int32Array;
}

/**
 * Display atoms of a supercell `repeats[0] × repeats[1] × repeats[2]`: every site in
 * every cell (wrapped fractional coordinates `frac` in [0, 1) on periodic axes), plus
 * — when `boundary` — the images of atoms lying on the far faces, edges and corners
 * (a wrapped coordinate within `tol` of 0 also appears at n along that axis). A corner
 * atom of a 1×1×1 cell thus appears 8 times, an edge atom 4 times, a face atom twice.
 * Non-periodic axes are not repeated.
 */
export function expandImages(
  frac: ArrayLike<number>,
  pbc: Pbc,
  repeats: Repeats = [1, 1, 1],
  boundary = true,
  tol = 1e-3,
): DisplayAtoms {
  const n = frac.length / 3;
  const site: number[] = [];
  const cell: number[] = [];
  const offsets: number[][] = [[], [], []];
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < 3; k++) {
      const o = offsets[k];
      o.length = 0;
      const reps = pbc[k] ? Math.max(1, Math.floor(repeats[k])) : 1;
      for (let t = 0; t < reps; t++) o.push(t);
      if (boundary && pbc[k] && Math.abs(frac[3 * i + k]) < tol) o.push(reps);
    }
    for (const t0 of offsets[0])
      for (const t1 of offsets[1])
        for (const t2 of offsets[2]) {
          site.push(i);
          cell.push(t0, t1, t2);
        }
  }
  return { site: Int32Array.from(site), cell: Int32Array.from(cell) };
}

/** Cartesian positions (Float32) of display atoms: (frac[site] + cell) · lattice, or cart[site] without lattice. */
export function displayPositions(
  atoms: DisplayAtoms,
  frac: ArrayLike<number> | null,
  cart: ArrayLike<number>,
  lattice: Mat3 | null,
): Float32Array {
  const m = atoms.site.length;
  const out = new Float32Array(3 * m);
  for (let a = 0; a < m; a++) {
    const i = atoms.site[a];
    if (lattice && frac) {
      const p = fracToCartPoint(
        frac[3 * i] + atoms.cell[3 * a],
        frac[3 * i + 1] + atoms.cell[3 * a + 1],
        frac[3 * i + 2] + atoms.cell[3 * a + 2],
        lattice,
      );
      out[3 * a] = p[0];
      out[3 * a + 1] = p[1];
      out[3 * a + 2] = p[2];
    } else {
      out[3 * a] = cart[3 * i];
      out[3 * a + 1] = cart[3 * i + 1];
      out[3 * a + 2] = cart[3 * i + 2];
    }
  }
  return out;
}

/** Bonds between sites: directed, both directions present; j at cell offset `image` relative to i. */
export interface Bonds {
  center: Int32Array;
  neighbor: Int32Array;
  image: Int32Array;
  /** cart[neighbor] + image · lattice − cart[center], 3 per bond. */
  vector: Float64Array;
  distance: Float64Array;
}

/** Pairs closer than this (Å) are not bonded: they are overlapping sites (partial occupancy). */
export const MIN_BOND_DISTANCE = 0.1;

/**
 * Bonds from covalent radii: i–j (any periodic image of j) is a bond when
 * MIN_BOND_DISTANCE < d ≤ tolerance · (r_i + r_j). Positions are Cartesian
 * (consistent with the wrapped fractional coordinates used for display, so that an
 * image offset added to a display atom's cell gives its partner's cell).
 */
export function computeBonds(
  cart: Float64Array,
  lattice: Mat3 | null,
  pbc: Pbc,
  radii: ArrayLike<number>,
  tolerance: number,
  /** Largest bond length between sites i and j (Å; 0: never bonded); default tolerance × (r_i + r_j). */
  pairLimit?: (i: number, j: number) => number,
  /** Upper bound of pairLimit over all pairs (the neighbour search radius). */
  maxLimit?: number,
): Bonds {
  const n = radii.length;
  let rMax = 0;
  for (let i = 0; i < n; i++) rMax = Math.max(rMax, radii[i]);
  const limit = pairLimit ?? ((i: number, j: number) => tolerance * (radii[i] + radii[j]));
  const cutoff = maxLimit ?? 2 * rMax * tolerance;
  const empty: Bonds = {
    center: new Int32Array(0),
    neighbor: new Int32Array(0),
    image: new Int32Array(0),
    vector: new Float64Array(0),
    distance: new Float64Array(0),
  };
  if (n === 0 || !(cutoff > MIN_BOND_DISTANCE)) return empty;
  const periodic = lattice ? [pbc[0], pbc[1], pbc[2]] : [false, false, false];
  const nl = neighborList({ cart, lattice, pbc: periodic }, { cutoff });
  const keep: number[] = [];
  for (let e = 0; e < nl.nEdges; e++) {
    const d = nl.distance[e];
    if (d > MIN_BOND_DISTANCE && d <= limit(nl.center[e], nl.neighbor[e])) keep.push(e);
  }
  const m = keep.length;
  const out: Bonds = {
    center: new Int32Array(m),
    neighbor: new Int32Array(m),
    image: new Int32Array(3 * m),
    vector: new Float64Array(3 * m),
    distance: new Float64Array(m),
  };
  keep.forEach((e, b) => {
    out.center[b] = nl.center[e];
    out.neighbor[b] = nl.neighbor[e];
    out.distance[b] = nl.distance[e];
    for (let k = 0; k < 3; k++) {
      out.image[3 * b + k] = nl.image[3 * e + k];
      out.vector[3 * b + k] = nl.vector[3 * e + k];
    }
  });
  return out;
}

/** Key of (site, cell) for lookups of display atoms; cells within ±512. */
export function atomKey(site: number, c0: number, c1: number, c2: number): number {
  return ((site * 1024 + (c0 + 512)) * 1024 + (c1 + 512)) * 1024 + (c2 + 512);
}

export function displayIndex(atoms: DisplayAtoms): Map<number, number> {
  const map = new Map<number, number>();
  for (let a = 0; a < atoms.site.length; a++) {
    map.set(atomKey(atoms.site[a], atoms.cell[3 * a], atoms.cell[3 * a + 1], atoms.cell[3 * a + 2]), a);
  }
  return map;
}

/**
 * The display atoms `picked` in `from` found again in `to` by site and cell, in the same order (those `to` does
 * not show are dropped): a measurement kept from one frame of a trajectory to the next, whose boundary images
 * come and go as atoms move.
 */
export function carriedPicks(picked: readonly number[], from: DisplayAtoms, to: DisplayAtoms): number[] {
  if (picked.length === 0) return [];
  const index = displayIndex(to);
  return picked.flatMap((a) => {
    const b = a < from.site.length ? index.get(atomKey(from.site[a], from.cell[3 * a], from.cell[3 * a + 1], from.cell[3 * a + 2])) : undefined;
    return b === undefined ? [] : [b];
  });
}

/**
 * Half-bonds to draw: each display atom draws, for every bond of its site, a stick
 * from its centre to the bond's midpoint (coloured like the atom). A bond between two
 * displayed atoms is thus drawn whole; a bond to an atom outside the displayed region
 * (it crosses the boundary) shows as a stub unless `stubs` is false.
 */
export interface HalfBonds {
  /** Display atom of each half-bond. */
  atom: Int32Array;
  /** Display atom at the other end, −1 when it is not displayed. */
  partner: Int32Array;
  /** Start (atom centre) and end (midpoint), 3 floats each per half-bond. */
  start: Float32Array;
  end: Float32Array;
}

export function halfBonds(
  atoms: DisplayAtoms,
  positions: Float32Array,
  bonds: Bonds,
  nSites: number,
  stubs = true,
): HalfBonds {
  // Bonds of site i are contiguous when sorted by center (the neighbour list's order); index them anyway.
  const first = new Int32Array(nSites + 1);
  for (let b = 0; b < bonds.center.length; b++) first[bonds.center[b] + 1]++;
  for (let i = 0; i < nSites; i++) first[i + 1] += first[i];
  const order = new Int32Array(bonds.center.length);
  const fill = first.slice(0, nSites);
  for (let b = 0; b < bonds.center.length; b++) order[fill[bonds.center[b]]++] = b;

  const index = displayIndex(atoms);
  let capacity = 0;
  for (let a = 0; a < atoms.site.length; a++) capacity += first[atoms.site[a] + 1] - first[atoms.site[a]];
  const atom = new Int32Array(capacity);
  const partner = new Int32Array(capacity);
  const start = new Float32Array(3 * capacity);
  const end = new Float32Array(3 * capacity);
  let h = 0;
  for (let a = 0; a < atoms.site.length; a++) {
    const i = atoms.site[a];
    const c0 = atoms.cell[3 * a];
    const c1 = atoms.cell[3 * a + 1];
    const c2 = atoms.cell[3 * a + 2];
    const px = positions[3 * a];
    const py = positions[3 * a + 1];
    const pz = positions[3 * a + 2];
    for (let q = first[i]; q < first[i + 1]; q++) {
      const b = order[q];
      const p =
        index.get(atomKey(bonds.neighbor[b], c0 + bonds.image[3 * b], c1 + bonds.image[3 * b + 1], c2 + bonds.image[3 * b + 2])) ??
        -1;
      if (p < 0 && !stubs) continue;
      atom[h] = a;
      partner[h] = p;
      start[3 * h] = px;
      start[3 * h + 1] = py;
      start[3 * h + 2] = pz;
      end[3 * h] = px + bonds.vector[3 * b] / 2;
      end[3 * h + 1] = py + bonds.vector[3 * b + 1] / 2;
      end[3 * h + 2] = pz + bonds.vector[3 * b + 2] / 2;
      h++;
    }
  }
  return {
    atom: atom.slice(0, h),
    partner: partner.slice(0, h),
    start: start.slice(0, 3 * h),
    end: end.slice(0, 3 * h),
  };
}

// ---- measurements ----------------------------------------------------------

export interface MinimumImage {
  /** Cartesian vector from i to the nearest image of j (Å). */
  vector: [number, number, number];
  distance: number;
  /** The image of j (lattice vectors) relative to j's given position. */
  image: [number, number, number];
}

/**
 * Shortest vector from point i to any periodic image of point j (fractional
 * coordinates; periodic axes only). The fractional difference is first reduced to
 * [−0.5, 0.5), then images within ±2 around it are searched, which is exact for
 * any cell that is not extremely skewed.
 */
export function minimumImage(
  fi: ArrayLike<number>,
  fj: ArrayLike<number>,
  lattice: Mat3,
  pbc: Pbc = [true, true, true],
): MinimumImage {
  const d = [0, 0, 0];
  const base = [0, 0, 0];
  for (let k = 0; k < 3; k++) {
    const raw = fj[k] - fi[k];
    base[k] = pbc[k] ? -Math.round(raw) : 0;
    d[k] = raw + base[k];
  }
  let best: MinimumImage | null = null;
  const range = (k: number) => (pbc[k] ? [-2, -1, 0, 1, 2] : [0]);
  for (const n0 of range(0))
    for (const n1 of range(1))
      for (const n2 of range(2)) {
        const v = fracToCartPoint(d[0] + n0, d[1] + n1, d[2] + n2, lattice);
        const dist = Math.hypot(v[0], v[1], v[2]);
        if (!best || dist < best.distance - 1e-12) {
          best = { vector: v, distance: dist, image: [base[0] + n0, base[1] + n1, base[2] + n2] };
        }
      }
  return best!;
}

function cartDiff(a: ArrayLike<number>, b: ArrayLike<number>): [number, number, number] {
  return [b[0] - a[0], b[1] - a[1], b[2] - a[2]];
}

/** Where a measured atom is: fractional coordinates when there is a lattice, Cartesian always. */
export interface MeasurePoint {
  frac: ArrayLike<number> | null;
  cart: ArrayLike<number>;
}

/** Vector from p to q: minimum image with a lattice, plain difference without. */
export function separation(p: MeasurePoint, q: MeasurePoint, lattice: Mat3 | null, pbc: Pbc): [number, number, number] {
  if (lattice && p.frac && q.frac && (pbc[0] || pbc[1] || pbc[2])) return minimumImage(p.frac, q.frac, lattice, pbc).vector;
  return cartDiff(p.cart, q.cart);
}

export function distance(p: MeasurePoint, q: MeasurePoint, lattice: Mat3 | null, pbc: Pbc): number {
  const v = separation(p, q, lattice, pbc);
  return Math.hypot(v[0], v[1], v[2]);
}

/** Angle a–b–c at b, degrees, with minimum-image vectors b→a and b→c. */
export function angle(a: MeasurePoint, b: MeasurePoint, c: MeasurePoint, lattice: Mat3 | null, pbc: Pbc): number {
  const u = separation(b, a, lattice, pbc);
  const v = separation(b, c, lattice, pbc);
  const nu = Math.hypot(u[0], u[1], u[2]);
  const nv = Math.hypot(v[0], v[1], v[2]);
  if (nu === 0 || nv === 0) return Number.NaN;
  const cos = (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / (nu * nv);
  return (Math.acos(Math.max(-1, Math.min(1, cos))) * 180) / Math.PI;
}
