/**
 * Which atoms a phonon calculation displaces, along which directions, and the force constants of the
 * others by symmetry, as phonopy does with its symmetry on (phonopy 2.17, `is_symmetry=True`):
 *
 * - Atoms the space group maps onto each other form an orbit; only the first atom of each orbit is
 *   displaced. For another atom i = g(r), Φ(i, g(k)) = R·Φ(r, k)·Rᵀ, with R the operation's rotation in
 *   Cartesian coordinates and g(k) the supercell atom the operation sends atom k to.
 * - The displaced atom's own site symmetry (the operations that keep it where it is) turns a displacement
 *   along d into ones along R·d: the axes x, y, z are taken in turn until those images span space (one
 *   axis at a cubic site, two at a hexagonal one, three without site symmetry). The constants of the
 *   displaced atom are the least-squares solution of Φ(r, h(k))ᵀ·(R_h d) = R_h·M_d(k) over the site's
 *   operations h and the axes d taken, M_d(k) the measured −(F(+δd) − F(−δd))/2δ on atom k.
 *
 * With only the identity (no symmetry, or a structure that has none) every atom is displaced along x, y
 * and z and the constants are the measured ones. Only the operations that map the diagonal supercell onto
 * itself are used (a 3×3×2 supercell of a cubic cell keeps the tetragonal ones).
 */
import type { Mat3 } from '../chem/structure';
import { inverse, matmul, transpose } from './matrix';
import { atomImages, type SymmetryOperations } from './symmetry';

/** An operation on the unit cell: where it sends each atom (the atom, and the lattice vector it lands shifted by). */
interface CellOperation {
  /** Row-major, fractional (x ↦ R·x + t). */
  rotation: Float64Array;
  /** Row-major, Cartesian. */
  cartesian: Float64Array;
  atom: Int32Array;
  shift: Int32Array;
}

export interface PhononDisplacements {
  /** The operations used: those of the group that map the supercell onto itself. */
  operations: number;
  /** Each atom displaced, with the axes (0 x, 1 y, 2 z) it is displaced along, ±δ each. */
  displaced: { atom: number; axes: number[] }[];
  /**
   * The force constants of every atom of the unit cell (phonons.ts `ForceConstants.values`' order) from the
   * measured responses: `responses.get(atom)[a]` is −(F(+δ) − F(−δ))/2δ on every supercell atom (3 per atom)
   * for the displacement of `atom` along its a-th axis.
   */
  complete(responses: ReadonlyMap<number, readonly Float64Array[]>): Float64Array;
}

const IDENTITY: SymmetryOperations = { rotations: [[1, 0, 0, 0, 1, 0, 0, 0, 1]], translations: [[0, 0, 0]], symbol: 'P1', number: 1, symprec: 1e-5 };

/** A·v for a 3×3 matrix (row-major) and a 3-vector. */
const apply3 = (a: ArrayLike<number>, v: readonly number[]) => [0, 1, 2].map((i) => a[3 * i] * v[0] + a[3 * i + 1] * v[1] + a[3 * i + 2] * v[2]);

/** The supercell's cells as offsets (a, b, c): a slowest, c fastest; supercell atom k = cell · n + j (the order of phonons.ts's force constants). */
export function cellOffsets(supercell: readonly number[]): [number, number, number][] {
  const offsets: [number, number, number][] = [];
  for (let a = 0; a < supercell[0]; a++) for (let b = 0; b < supercell[1]; b++) for (let c = 0; c < supercell[2]; c++) offsets.push([a, b, c]);
  return offsets;
}

/**
 * The displacements of a phonon calculation on the unit cell (lattice rows, fractional positions, atomic
 * numbers) in a diagonal supercell, with the space group's operations on the cell (none: the identity only).
 */
export function phononDisplacements(lattice: Mat3, frac: Float64Array, numbers: ArrayLike<number>, supercell: readonly [number, number, number], symmetry: SymmetryOperations = IDENTITY): PhononDisplacements {
  const n = numbers.length;
  const cells = supercell[0] * supercell[1] * supercell[2];
  const N = n * cells;
  // Aᵀ (columns the lattice vectors): Cartesian = Aᵀ · fractional
  const at = transpose(Float64Array.from(lattice.flat()), 3);
  const atInverse = inverse(at, 3)!;
  const images = atomImages(symmetry, numbers, frac, lattice);
  // the operations that map the supercell's lattice onto itself, with where each sends each atom
  const operations: CellOperation[] = [];
  symmetry.rotations.forEach((r, g) => {
    const fits = [0, 1, 2].every((a) => [0, 1, 2].every((b) => (r[3 * a + b] * supercell[b]) % supercell[a] === 0));
    if (!fits) return;
    const t = symmetry.translations[g];
    const atom = new Int32Array(n);
    const shift = new Int32Array(3 * n);
    for (let j = 0; j < n; j++) {
      const { atom: to, image } = images(r, t, j);
      atom[j] = to;
      for (let c = 0; c < 3; c++) shift[3 * j + c] = Math.round(image[c] - frac[3 * to + c]);
    }
    // x' = Aᵀ·R·A⁻ᵀ·x in Cartesian coordinates (A's rows the lattice vectors)
    const rotation = Float64Array.from(r);
    operations.push({ rotation, cartesian: matmul(matmul(at, rotation, 3), atInverse, 3), atom, shift });
  });
  // each op as a map of the supercell's atoms, `from` (unit-cell atom, first cell) landing in the first cell
  const offsets = cellOffsets(supercell);
  const mod = (x: number, m: number) => ((x % m) + m) % m;
  const supercellMap = (op: CellOperation, from: number): Int32Array => {
    const map = new Int32Array(N);
    const back = [0, 1, 2].map((c) => op.shift[3 * from + c]);
    offsets.forEach((o, cell) => {
      const ro = apply3(op.rotation, o);
      for (let j = 0; j < n; j++) {
        const to = [0, 1, 2].map((c) => mod(op.shift[3 * j + c] + ro[c] - back[c], supercell[c]));
        map[cell * n + j] = ((to[0] * supercell[1] + to[1]) * supercell[2] + to[2]) * n + op.atom[j];
      }
    });
    return map;
  };
  // orbits: each atom's first atom, and an operation sending that one onto it
  const source = new Int32Array(n).fill(-1);
  const via: (CellOperation | null)[] = new Array(n).fill(null);
  for (let r = 0; r < n; r++) {
    if (source[r] >= 0) continue;
    source[r] = r;
    for (const op of operations) {
      const i = op.atom[r];
      if (source[i] < 0) {
        source[i] = r;
        via[i] = op;
      }
    }
  }
  const firsts = [...Array(n).keys()].filter((i) => source[i] === i);
  // each displaced atom's site operations, and the axes whose images under them span space
  const site = new Map<number, CellOperation[]>(firsts.map((r) => [r, operations.filter((op) => op.atom[r] === r)]));
  const displaced = firsts.map((r) => {
    const spanned: number[][] = [];
    const axes: number[] = [];
    for (let a = 0; a < 3 && spanned.length < 3; a++) {
      const e = [0, 0, 0];
      e[a] = 1;
      let added = false;
      for (const op of site.get(r)!) {
        const v = apply3(op.cartesian, e);
        // Gram–Schmidt against what is spanned already
        for (const u of spanned) {
          const d = u[0] * v[0] + u[1] * v[1] + u[2] * v[2];
          for (let c = 0; c < 3; c++) v[c] -= d * u[c];
        }
        const norm = Math.hypot(...v);
        if (norm > 1e-6) {
          spanned.push(v.map((x) => x / norm));
          added = true;
        }
      }
      if (added) axes.push(a);
    }
    return { atom: r, axes };
  });

  function complete(responses: ReadonlyMap<number, readonly Float64Array[]>): Float64Array {
    const values = new Float64Array(n * N * 9);
    for (const { atom: r, axes } of displaced) {
      const measured = responses.get(r);
      if (!measured || measured.length !== axes.length) throw new Error(`atom ${r}: expected the responses to ${axes.length} displacements`);
      // Σ v·vᵀ over the site's operations and the axes (v = R·d), and Σ y·vᵀ per target atom (y = R·M_d(k))
      const gram = new Float64Array(9);
      const sums = new Float64Array(N * 9);
      for (const op of site.get(r)!) {
        const map = supercellMap(op, r);
        axes.forEach((a, m) => {
          const v = [op.cartesian[a], op.cartesian[3 + a], op.cartesian[6 + a]];
          for (let p = 0; p < 3; p++) for (let q = 0; q < 3; q++) gram[3 * p + q] += v[p] * v[q];
          const response = measured[m];
          for (let k = 0; k < N; k++) {
            const y = apply3(op.cartesian, [response[3 * k], response[3 * k + 1], response[3 * k + 2]]);
            const s = 9 * map[k];
            for (let p = 0; p < 3; p++) for (let q = 0; q < 3; q++) sums[s + 3 * p + q] += y[p] * v[q];
          }
        });
      }
      const gramInverse = inverse(gram, 3)!;
      // Φ(r, k)ᵀ = (Σ y·vᵀ)(Σ v·vᵀ)⁻¹
      for (let k = 0; k < N; k++) {
        const phiT = matmul(sums.subarray(9 * k, 9 * k + 9), gramInverse, 3);
        for (let alpha = 0; alpha < 3; alpha++) for (let beta = 0; beta < 3; beta++) values[((r * N + k) * 3 + alpha) * 3 + beta] = phiT[3 * beta + alpha];
      }
    }
    // the other atoms of each orbit: Φ(g(r), g(k)) = R·Φ(r, k)·Rᵀ
    for (let i = 0; i < n; i++) {
      const op = via[i];
      if (!op) continue;
      const r = source[i];
      const map = supercellMap(op, r);
      const R = op.cartesian;
      const RT = transpose(R, 3);
      for (let k = 0; k < N; k++) {
        const from = (r * N + k) * 9;
        const phi = matmul(matmul(R, values.subarray(from, from + 9), 3), RT, 3);
        values.set(phi, (i * N + map[k]) * 9);
      }
    }
    return values;
  }

  return { operations: operations.length, displaced, complete };
}
