/** Lattice helpers. Lattice rows are the vectors a, b, c (Å); cart = frac · lattice. */
import type { Mat3, Vec3 } from './structure';

export interface LatticeParameters {
  a: number;
  b: number;
  c: number;
  /** Angles in degrees. */
  alpha: number;
  beta: number;
  gamma: number;
}

const DEG = Math.PI / 180;

function cosDeg(angle: number): number {
  // Exact zero for right angles so that orthogonal cells stay exactly orthogonal.
  if (Math.abs(angle - 90) < 1e-10) return 0;
  if (Math.abs(angle - 120) < 1e-10) return -0.5;
  if (Math.abs(angle - 60) < 1e-10) return 0.5;
  return Math.cos(angle * DEG);
}

/**
 * Lattice vectors from parameters in the standard crystallographic orientation (as ASE's
 * `cellpar_to_cell` and the CIF default): a along x, b in the xy plane, c completing the cell.
 * Returns null when the angles do not form a cell.
 */
export function latticeFromParameters(p: LatticeParameters): Mat3 | null {
  const { a, b, c, alpha, beta, gamma } = p;
  const ca = cosDeg(alpha);
  const cb = cosDeg(beta);
  const cg = cosDeg(gamma);
  const sg = Math.abs(gamma - 90) < 1e-10 ? 1 : Math.sin(gamma * DEG);
  if (!(sg > 1e-8)) return null;
  const cx = cb;
  const cy = (ca - cb * cg) / sg;
  const cz2 = 1 - cx * cx - cy * cy;
  if (!(cz2 > 1e-12)) return null;
  const cz = Math.sqrt(cz2);
  return [
    [a, 0, 0],
    [b * cg, b * sg, 0],
    [c * cx, c * cy, c * cz],
  ];
}

export function norm(v: Vec3): number {
  return Math.sqrt(v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
}

function angle(u: Vec3, v: Vec3): number {
  const c = (u[0] * v[0] + u[1] * v[1] + u[2] * v[2]) / (norm(u) * norm(v));
  return Math.acos(Math.max(-1, Math.min(1, c))) / DEG;
}

export function latticeParameters(l: Mat3): LatticeParameters {
  return {
    a: norm(l[0]),
    b: norm(l[1]),
    c: norm(l[2]),
    alpha: angle(l[1], l[2]),
    beta: angle(l[0], l[2]),
    gamma: angle(l[0], l[1]),
  };
}

export function determinant(m: Mat3): number {
  return (
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1]) -
    m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0]) +
    m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
  );
}

/** Cell volume, Å³ (positive). */
export function cellVolume(l: Mat3): number {
  return Math.abs(determinant(l));
}

/** a × b of two 3-vectors. */
export function cross(a: readonly number[], b: readonly number[]): number[] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

/** The widths of a cell (Å): the distances between its opposite faces, V / |b × c| and so on. */
export function cellWidths(l: Mat3): [number, number, number] {
  const v = cellVolume(l);
  return [0, 1, 2].map((k) => v / Math.hypot(...cross(l[(k + 1) % 3], l[(k + 2) % 3]))) as [number, number, number];
}

/** Inverse of a 3×3 matrix; null when singular. */
export function invert(m: Mat3): Mat3 | null {
  const det = determinant(m);
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) return null;
  const d = 1 / det;
  return [
    [
      (m[1][1] * m[2][2] - m[1][2] * m[2][1]) * d,
      (m[0][2] * m[2][1] - m[0][1] * m[2][2]) * d,
      (m[0][1] * m[1][2] - m[0][2] * m[1][1]) * d,
    ],
    [
      (m[1][2] * m[2][0] - m[1][0] * m[2][2]) * d,
      (m[0][0] * m[2][2] - m[0][2] * m[2][0]) * d,
      (m[0][2] * m[1][0] - m[0][0] * m[1][2]) * d,
    ],
    [
      (m[1][0] * m[2][1] - m[1][1] * m[2][0]) * d,
      (m[0][1] * m[2][0] - m[0][0] * m[2][1]) * d,
      (m[0][0] * m[1][1] - m[0][1] * m[1][0]) * d,
    ],
  ];
}

/** `invert` of a 3×3 matrix stored flat, row-major; null when singular. */
export function inverse3(m: ArrayLike<number>): Float64Array | null {
  const inv = invert([
    [m[0], m[1], m[2]],
    [m[3], m[4], m[5]],
    [m[6], m[7], m[8]],
  ]);
  return inv ? Float64Array.of(...inv[0], ...inv[1], ...inv[2]) : null;
}

/** A fractional coordinate in [0, 1) (one a hair below 1 is 0, so that 1 − 1e-16 and 0 are one site). */
export function wrapFraction(x: number): number {
  const y = x - Math.floor(x);
  return y >= 1 - 1e-12 ? 0 : y;
}

/** out[3i..] = v[3i..] · m (row vectors times matrix). */
export function mulRows(v: Float64Array, m: Mat3, out: Float64Array = new Float64Array(v.length)): Float64Array {
  const [m0, m1, m2] = m;
  for (let i = 0; i < v.length; i += 3) {
    const x = v[i];
    const y = v[i + 1];
    const z = v[i + 2];
    out[i] = x * m0[0] + y * m1[0] + z * m2[0];
    out[i + 1] = x * m0[1] + y * m1[1] + z * m2[1];
    out[i + 2] = x * m0[2] + y * m1[2] + z * m2[2];
  }
  return out;
}

export function fracToCart(frac: Float64Array, lattice: Mat3): Float64Array {
  return mulRows(frac, lattice);
}

/** Fractional coordinates; throws if the lattice is singular (callers validate lattices first). */
export function cartToFrac(cart: Float64Array, lattice: Mat3): Float64Array {
  const inv = invert(lattice);
  if (!inv) throw new Error('singular lattice');
  return mulRows(cart, inv);
}

/** Shortest text that reads back to the same double, keeping the sign of -0. */
export function fmtNumber(x: number): string {
  return Object.is(x, -0) ? '-0' : String(x);
}

/**
 * The shortest vectors (minimum image) equal to the Cartesian displacements `d` (3 per atom) up to
 * lattice vectors along the periodic directions: each wrapped to fractional −½…½ and then the nearest of
 * its 27 neighbours (exact for a reduced cell, as ASE's `find_mic`).
 */
export function minimumImage(d: Float64Array, lattice: Mat3 | null, pbc: readonly boolean[]): Float64Array {
  const out = Float64Array.from(d);
  if (!lattice || !pbc.some((p) => p)) return out;
  const inv = invert(lattice);
  if (!inv) throw new Error('the lattice is singular');
  // the image shifts to try along each axis (none along a direction that is not periodic)
  const [ra, rb, rc] = [0, 1, 2].map((k) => (pbc[k] ? 1 : 0));
  const [l0, l1, l2] = lattice;
  // in scalars, allocation-free: IDPP calls this for every pair of atoms of every image at every step
  for (let i = 0; i < d.length; i += 3) {
    let f0 = d[i] * inv[0][0] + d[i + 1] * inv[1][0] + d[i + 2] * inv[2][0];
    let f1 = d[i] * inv[0][1] + d[i + 1] * inv[1][1] + d[i + 2] * inv[2][1];
    let f2 = d[i] * inv[0][2] + d[i + 1] * inv[1][2] + d[i + 2] * inv[2][2];
    if (pbc[0]) f0 -= Math.round(f0);
    if (pbc[1]) f1 -= Math.round(f1);
    if (pbc[2]) f2 -= Math.round(f2);
    let best = Infinity;
    for (let a = -ra; a <= ra; a++)
      for (let b = -rb; b <= rb; b++)
        for (let c = -rc; c <= rc; c++) {
          const g0 = f0 + a;
          const g1 = f1 + b;
          const g2 = f2 + c;
          const x = g0 * l0[0] + g1 * l1[0] + g2 * l2[0];
          const y = g0 * l0[1] + g1 * l1[1] + g2 * l2[1];
          const z = g0 * l0[2] + g1 * l1[2] + g2 * l2[2];
          const r2 = x * x + y * y + z * z;
          if (r2 < best - 1e-12) {
            best = r2;
            out[i] = x;
            out[i + 1] = y;
            out[i + 2] = z;
          }
        }
  }
  return out;
}

/**
 * How far the atoms of a file's frames reach along the vectors `fileCell` makes for their flat cells: for each
 * cell and periodicity the file gives flat, the largest extent (Å) of the frames given it along each vector made
 * (in the order of the cell's zero vectors). Plain data, so that a file read in parts (chunks of frames, a frame
 * at a time, in a compute worker) makes every part's cell from the frames of the whole file.
 */
export type FlatCellExtents = Record<string, number[]>;

/** Vacuum (Å) added beyond the atoms' extent along a cell vector `fileCell` makes for a non-periodic direction. */
export const FLAT_CELL_VACUUM = 10;

const ORDINALS = ['first', 'second', 'third'];

/** "the cell's third vector is", "the cell's first and second vectors are". */
function cellVectorsAre(axes: number[]): string {
  const names = axes.map((k) => ORDINALS[k]);
  return axes.length === 1 ? `the cell's ${names[0]} vector is` : `the cell's ${names.slice(0, -1).join(', ')} and ${names[names.length - 1]} vectors are`;
}

/**
 * How `fileCell` reads a cell as a file gives it: the cell itself (non-zero volume), none (a molecule, with what
 * to say of it), vectors to make for its zero ones (`zero`, each along the unit vector of `normals`), or not at
 * all (`what` is wrong with it).
 */
type CellReading =
  | { kind: 'given' }
  | { kind: 'none'; note: string | null }
  | { kind: 'made'; zero: number[]; normals: number[][] }
  | { kind: 'bad'; what: string };

function readCell(rows: Mat3, periodic: readonly boolean[]): CellReading {
  if (Math.abs(determinant(rows)) > 1e-8) return { kind: 'given' };
  const pbcText = `pbc="${periodic.map((p) => (p ? 'T' : 'F')).join(' ')}"`;
  const zero = [0, 1, 2].filter((k) => rows[k].every((x) => x === 0));
  if (!periodic.some(Boolean)) return { kind: 'none', note: zero.length === 3 ? null : `the cell has zero volume and ${pbcText}: read as a molecule without a cell` };
  const periodicZero = zero.filter((k) => periodic[k]);
  if (periodicZero.length) {
    return {
      kind: 'bad',
      what: `${cellVectorsAre(periodicZero)} zero, and ${pbcText} makes ${periodicZero.length === 1 ? 'its direction' : 'their directions'} periodic: a periodic direction needs a cell vector (a zero vector is read only along a direction that is not periodic)`,
    };
  }
  const dependent: CellReading = {
    kind: 'bad',
    what: `the cell vectors are linearly dependent (zero cell volume) and ${pbcText} makes the structure periodic: a periodic structure needs independent cell vectors (a zero vector is read only along a direction that is not periodic)`,
  };
  if (zero.length === 0) return dependent;
  // an orthonormal basis of the given vectors (Gram–Schmidt), then of each vector made for a zero one
  const basis: number[][] = [];
  const residual = (v: readonly number[]) => {
    const w = [v[0], v[1], v[2]];
    for (const b of basis) {
      const d = w[0] * b[0] + w[1] * b[1] + w[2] * b[2];
      for (let t = 0; t < 3; t++) w[t] -= d * b[t];
    }
    return w;
  };
  for (let k = 0; k < 3; k++) {
    if (zero.includes(k)) continue;
    const w = residual(rows[k]);
    const l = Math.hypot(w[0], w[1], w[2]);
    if (!(l > 1e-6 * Math.hypot(...rows[k]))) return dependent;
    basis.push(w.map((x) => x / l));
  }
  const normals = zero.map((k) => {
    // the direction's own axis first: graphene's third vector along z
    const axes = [k, (k + 1) % 3, (k + 2) % 3].map((a) => residual([0, 1, 2].map((t) => (t === a ? 1 : 0))));
    const w = axes.find((v) => Math.hypot(v[0], v[1], v[2]) > 0.5)!;
    const l = Math.hypot(w[0], w[1], w[2]);
    const n = w.map((x) => x / l);
    basis.push(n);
    return n;
  });
  return { kind: 'made', zero, normals };
}

/** Whether `fileCell` makes vectors for a cell as a file gives it (a zero vector along a non-periodic direction, the others independent). */
export function makesCellVectors(rows: Mat3, pbc: readonly boolean[]): boolean {
  return readCell(rows, pbc).kind === 'made';
}

/** Frames given the same cell and periodicity share the cell made for it: this is what they share. */
function cellKey(rows: Mat3, pbc: readonly boolean[]): string {
  return `${rows.map((r) => r.join(' ')).join(' ')}|${pbc.join(' ')}`;
}

/**
 * Takes a frame into its file's `extents`: for a cell `fileCell` makes vectors for, the frame's extent along each
 * (its atoms' Cartesian positions `cart`, Å, 3 per atom), where larger than that of the frames taken before it.
 * Returns the key the frame's cell has in `extents`; null for any other cell (passed over).
 */
export function addFlatCellFrame(extents: FlatCellExtents, rows: Mat3, pbc: readonly boolean[], cart: ArrayLike<number>): string | null {
  const reading = readCell(rows, pbc);
  if (reading.kind !== 'made') return null;
  const own = reading.normals.map((n) => {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = 0; i < cart.length; i += 3) {
      const h = cart[i] * n[0] + cart[i + 1] * n[1] + cart[i + 2] * n[2];
      lo = Math.min(lo, h);
      hi = Math.max(hi, h);
    }
    return cart.length ? hi - lo : 0;
  });
  const key = cellKey(rows, pbc);
  const known = extents[key];
  extents[key] = known ? known.map((e, j) => Math.max(e, own[j])) : own;
  return key;
}

/**
 * The cell of a file that carries periodicity with its cell (extended XYZ, ASE trajectory and
 * database): the one place their readers decide what a cell of zero volume means.
 * - A cell of non-zero volume is the cell.
 * - Zero volume without a periodic direction: no cell (a molecule), said unless the cell is all zero
 *   (ASE's molecule).
 * - A zero vector along a non-periodic direction, the others independent (ASE's 2D cell, `fcc111`,
 *   `graphene`, `mx2` without vacuum: third vector zero, pbc T T F): replaced by a vector normal to the
 *   others (the unit axis of that direction with the others projected out), as long as the atoms'
 *   largest extent along it plus `FLAT_CELL_VACUUM`; the atoms stay where they are, the direction
 *   stays non-periodic, and `note` says so.
 * - A zero vector along a periodic direction, or dependent vectors none of which is zero: `bad`.
 * `extents`: those of every frame of the file (`addFlatCellFrame`, this frame's among them), so that the
 * frames of a trajectory or a band given one flat cell share one made cell: the largest of their extents
 * is the one taken.
 */
export function fileCell(
  rows: Mat3,
  pbc: readonly [boolean, boolean, boolean],
  extents: FlatCellExtents,
  bad: (what: string) => never,
): { lattice: Mat3 | null; pbc: [boolean, boolean, boolean]; note: string | null } {
  const periodic: [boolean, boolean, boolean] = [pbc[0], pbc[1], pbc[2]];
  const reading = readCell(rows, periodic);
  if (reading.kind === 'given') return { lattice: rows, pbc: periodic, note: null };
  if (reading.kind === 'none') return { lattice: null, pbc: [false, false, false], note: reading.note };
  if (reading.kind === 'bad') return bad(reading.what);
  const { zero, normals } = reading;
  const extent = extents[cellKey(rows, periodic)];
  if (!extent) throw new Error(`a flat cell's frame was not taken into its file's extents (addFlatCellFrame): ${cellKey(rows, periodic)}`);
  const lattice = rows.map((r) => [r[0], r[1], r[2]]) as Mat3;
  const lengths = zero.map((k, j) => {
    const n = normals[j];
    const length = extent[j] + FLAT_CELL_VACUUM;
    lattice[k] = [n[0] * length, n[1] * length, n[2] * length];
    return length;
  });
  const shape = zero.length === 1 ? { what: '2D', of: 'the plane' } : { what: '1D', of: 'the periodic one' };
  const sized = lengths.map((l) => `${l.toFixed(1)} Å`);
  const made = zero.length === 1 ? `a ${sized[0]} vector` : `vectors of ${sized.join(' and ')}`;
  return {
    lattice,
    pbc: periodic,
    note: `${cellVectorsAre(zero)} zero (a ${shape.what} structure as ASE builds it without vacuum); read with ${made} normal to ${shape.of}, not periodic`,
  };
}
