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
