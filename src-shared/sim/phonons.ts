/**
 * Phonons of a crystal by finite displacements in a supercell, as phonopy (2.17) computes them with
 * its displacements in both directions:
 *
 * - Force constants: the structure as given is the unit cell; a diagonal n₁×n₂×n₃ supercell of it
 *   is built, and each atom of the unit cell (in the supercell's first cell) is moved by ±δ along x,
 *   y and z (δ = 0.01 Å, phonopy's); Φ(i, k)_αβ = −(F_kβ(+δ_α) − F_kβ(−δ_α)) / 2δ for every atom k of
 *   the supercell, 6 force calls per atom of the unit cell; with the space group's operations, only the
 *   atoms and directions they do not give (phonon-symmetry.ts, as phonopy). No sum rule is imposed
 *   (phonopy's default).
 * - Dynamical matrix at a wave vector q (fractional coordinates of the unit cell's reciprocal
 *   lattice): D(q)_iα,jβ = Σ_k∈j Φ(i, k)_αβ / √(m_i m_j) · (1/M) Σ_r exp(2πi q·r), where r runs over
 *   the M shortest vectors from atom i to the images of supercell atom k under the supercell's
 *   lattice (ties within 1e-5 Å all count, as phonopy's multiplicities), then made Hermitian,
 *   (D + D†)/2. Its eigenvalues λ (eV/Å²/u) give the frequencies ν = √λ · `THZ` in THz, an
 *   imaginary one (λ < 0) written negative, −√|λ| · `THZ`, as phonopy writes it.
 * - Bands along a path of wave vectors, the density of states over a Γ-centred mesh with Gaussian
 *   smearing, and the harmonic free energy, entropy and heat capacity over the mesh (phonopy's
 *   formulas, per mole of unit cells).
 *
 * The force constants are exact only when the supercell is wider than twice the calculator's reach
 * (its cutoff; for a message-passing potential, the cutoff times its interaction blocks): the default
 * supercell is the smallest whose three widths are at least 10 Å.
 */
import { cartToFrac, cellWidths, invert } from '../chem/lattice';
import type { Mat3 } from '../chem/structure';
import { type AtomicConfiguration, SimulationInputError, type Atoms } from './atoms';
import type { Calculator } from './calculator';
import type { Linearity } from './linearity';
import { hermitianEigen, hermitianEigenvalues } from './matrix';
import { modeText } from './vibrations';
import { cellOffsets, phononDisplacements } from './phonon-symmetry';
import type { SymmetryOperations } from './symmetry';
import { EV_TO_KJ_PER_MOL, KB, THZ, THZ_IN_EV } from './units';

export const PHONON_DEFAULTS = Object.freeze({
  /** Displacement, Å (phonopy's). */
  delta: 0.01,
  /** The default supercell's smallest width, Å. */
  minWidth: 10,
  /** The default mesh: n_i = max(1, round(length · |b_i|)), b_i the reciprocal vectors without 2π (phonopy's `--mesh` given as a length). */
  meshLength: 40,
  /** Points per segment of a band path, its ends included (phonopy's `BAND_POINTS` default 51). */
  bandPoints: 51,
  /** Gaussian smearing of the density of states, THz. */
  sigma: 0.1,
  /** Thermal properties from 0 K to this, K, in steps of `temperatureStep`. */
  maxTemperature: 1000,
  temperatureStep: 10,
  /** How far a mode's modulation moves the atom moving most, Å. */
  amplitude: 0.1,
  /** The tolerance the space group is found with for the displacements, Å (phonopy's `symprec`): only a structure ideal to it uses its symmetry. */
  symprec: 1e-5,
});

/** Ties between images of an atom closer than this (Å) are equal, as phonopy's symprec. */
const TIE = 1e-5;

export interface ForceConstants {
  /** The unit cell: its lattice (rows, Å), atomic numbers, masses (u) and fractional positions. */
  lattice: Mat3;
  numbers: Int32Array;
  masses: Float64Array;
  frac: Float64Array;
  supercell: [number, number, number];
  /** Φ(i, k)_αβ, eV/Å², at ((i · N + k) · 3 + α) · 3 + β for unit-cell atom i and supercell atom k (N atoms, k = cell · n + j). */
  values: Float64Array;
  /** Per pair (i, k): the shortest vectors from i to k's images, fractional in the unit cell, 3 numbers each. */
  vectors: Float64Array[];
}

/** Force constants as measured: with the force calls they took and whether the forces were linear at the displacement. */
export interface MeasuredForceConstants extends ForceConstants {
  forceCalls: number;
  /** The symmetry used: its operations that fit the supercell (1: none), and how many atoms of the unit cell were displaced. */
  symmetry: { operations: number; displaced: number };
  /** Whether the forces are linear at the displacement's scale: atom 0's on-site constant Φ(0, 0)_xx from ±δ and ±δ/2 (linearity.ts). */
  linearity: Linearity;
}

export interface ForceConstantOptions {
  /** Diagonal supercell (default: `defaultSupercell`). */
  supercell?: readonly [number, number, number];
  /** Displacement, Å (default 0.01). */
  delta?: number;
  /** After each force call: how many are done, of how many. */
  onDisplacement?: (done: number, total: number) => void | Promise<void>;
  /** Checked before each force call: set `aborted` to stop (the result is then null). */
  signal?: { readonly aborted: boolean };
  /** The space group's operations on the unit cell (found by the caller at phonopy's tolerance, `PHONON_DEFAULTS.symprec`): fewer atoms and directions displaced. */
  symmetry?: SymmetryOperations;
}

/** The smallest diagonal supercell whose widths are all at least `minWidth` Å. */
export function defaultSupercell(lattice: Mat3, minWidth: number = PHONON_DEFAULTS.minWidth): [number, number, number] {
  return cellWidths(lattice).map((w) => Math.max(1, Math.ceil(minWidth / w - 1e-9))) as [number, number, number];
}

/** A supercell or mesh as typed (`5,5,3`, `5x5x3`, or one `5` for all three): null when empty (the default), undefined when it is not three whole numbers from 1 to `max`. */
export function parseTriple(text: string, max: number): [number, number, number] | null | undefined {
  const parts = text.split(/[,x× ]+/).filter(Boolean).map(Number);
  if (parts.length === 0) return null;
  const three = parts.length === 1 ? [parts[0], parts[0], parts[0]] : parts;
  return three.length === 3 && three.every((n) => Number.isInteger(n) && n >= 1 && n <= max) ? (three as [number, number, number]) : undefined;
}

/** Refuses a supercell or mesh that is not three whole numbers from 1 to `max`, naming it. */
function checkCounts(what: string, s: readonly number[], max: number): void {
  if (s.length !== 3 || !s.every((n) => Number.isInteger(n) && n >= 1 && n <= max)) throw new SimulationInputError(`the ${what} must be three whole numbers from 1 to ${max}, got ${s.join(' × ')}`);
}

/**
 * The force constants of `atoms` (a crystal periodic in three directions) by finite displacements in a
 * supercell; null when cancelled. With the space group's operations (`options.symmetry`) only the atoms
 * and directions they do not give are displaced (phonon-symmetry.ts).
 */
export async function forceConstants(atoms: Atoms, calculator: Calculator, options: ForceConstantOptions = {}): Promise<MeasuredForceConstants | null> {
  const lattice = atoms.lattice;
  if (!lattice || !atoms.pbc.every(Boolean)) throw new SimulationInputError('phonons need a crystal periodic in three directions');
  const delta = options.delta ?? PHONON_DEFAULTS.delta;
  if (!(delta > 0)) throw new SimulationInputError(`the displacement must be a positive number of Å, got ${delta}`);
  const supercell = [...(options.supercell ?? defaultSupercell(lattice))] as [number, number, number];
  checkCounts('supercell', supercell, 50);
  const n = atoms.length;
  const cells = supercell[0] * supercell[1] * supercell[2];
  const N = n * cells;
  const superLattice = lattice.map((row, k) => row.map((x) => x * supercell[k])) as Mat3;
  const offsets = cellOffsets(supercell);
  const cart = new Float64Array(3 * N);
  offsets.forEach(([a, b, c], cell) => {
    for (let j = 0; j < n; j++)
      for (let x = 0; x < 3; x++) cart[3 * (cell * n + j) + x] = atoms.cart[3 * j + x] + a * lattice[0][x] + b * lattice[1][x] + c * lattice[2][x];
  });
  const numbers = Int32Array.from({ length: N }, (_, k) => atoms.numbers[k % n]);
  const frac = cartToFrac(atoms.cart, lattice);
  const plan = phononDisplacements(lattice, frac, atoms.numbers, supercell, options.symmetry);
  const total = 2 * plan.displaced.reduce((sum, d) => sum + d.axes.length, 0);
  let calls = 0;
  const forcesAt = async (i: number, alpha: number, shift: number, progress = true): Promise<Float64Array | null> => {
    if (options.signal?.aborted) return null;
    const moved = Float64Array.from(cart);
    moved[3 * i + alpha] += shift;
    const config: AtomicConfiguration = { numbers, cart: moved, lattice: superLattice, pbc: [true, true, true] };
    const { forces } = await calculator.calculate(config);
    calls++;
    if (progress) await options.onDisplacement?.(calls, total);
    return forces;
  };
  const responses = new Map<number, Float64Array[]>();
  for (const { atom, axes } of plan.displaced) {
    const measured: Float64Array[] = [];
    for (const alpha of axes) {
      const plus = await forcesAt(atom, alpha, delta);
      const minus = plus && (await forcesAt(atom, alpha, -delta));
      if (!plus || !minus) return null;
      measured.push(plus.map((f, k) => -(f - minus[k]) / (2 * delta)));
    }
    responses.set(atom, measured);
  }
  // the same on-site constant from half the displacement (2 more force calls): equal but for δ²'s terms where the forces are smooth
  const halfPlus = await forcesAt(0, 0, delta / 2, false);
  const halfMinus = halfPlus && (await forcesAt(0, 0, -delta / 2, false));
  if (!halfPlus || !halfMinus) return null;
  const values = plan.complete(responses);
  return {
    ...withVectors({ lattice, numbers: atoms.numbers, masses: atoms.masses, frac, supercell, values }),
    forceCalls: calls,
    // atom 0 is displaced along x first: its measured on-site constant, not one averaged over its site's symmetry
    linearity: { delta, stiffness: responses.get(0)![0][0], halfStiffness: -(halfPlus[0] - halfMinus[0]) / delta },
    symmetry: { operations: plan.operations, displaced: plan.displaced.length },
  };
}

/**
 * Force constants from their values and the unit cell they were measured on (e.g. a stored run's final
 * structure and summary): the shortest vectors between atoms are found again, as `forceConstants` finds them.
 */
export function withVectors(fc: Omit<ForceConstants, 'vectors'>): ForceConstants {
  const n = fc.numbers.length;
  const N = n * fc.supercell[0] * fc.supercell[1] * fc.supercell[2];
  if (fc.values.length !== n * N * 9) throw new SimulationInputError(`force constants of ${n} atom(s) in a ${fc.supercell.join('×')} supercell need ${n * N * 9} values, got ${fc.values.length}`);
  return {
    lattice: fc.lattice.map((r) => [...r]) as Mat3,
    numbers: Int32Array.from(fc.numbers),
    masses: Float64Array.from(fc.masses),
    frac: Float64Array.from(fc.frac),
    supercell: [...fc.supercell] as [number, number, number],
    values: Float64Array.from(fc.values),
    vectors: shortestVectors(fc.frac, fc.lattice, fc.supercell, cellOffsets(fc.supercell)),
  };
}

/** For each unit-cell atom i and supercell atom k: the shortest vectors i → k over the supercell's lattice, fractional in the unit cell. */
function shortestVectors(frac: Float64Array, lattice: Mat3, supercell: readonly number[], offsets: readonly (readonly number[])[]): Float64Array[] {
  const n = frac.length / 3;
  const out: Float64Array[] = [];
  const length = (u: readonly number[]) => Math.hypot(...[0, 1, 2].map((x) => u[0] * lattice[0][x] + u[1] * lattice[1][x] + u[2] * lattice[2][x]));
  for (let i = 0; i < n; i++)
    for (const t of offsets)
      for (let j = 0; j < n; j++) {
        // the vector in the unit cell's fractional coordinates, brought into the supercell's central image
        const d = [0, 1, 2].map((x) => {
          const v = frac[3 * j + x] + t[x] - frac[3 * i + x];
          return v - supercell[x] * Math.round(v / supercell[x]);
        });
        const candidates: { u: number[]; len: number }[] = [];
        for (let a = -2; a <= 2; a++)
          for (let b = -2; b <= 2; b++)
            for (let c = -2; c <= 2; c++) {
              const u = [d[0] + a * supercell[0], d[1] + b * supercell[1], d[2] + c * supercell[2]];
              candidates.push({ u, len: length(u) });
            }
        const shortest = Math.min(...candidates.map((x) => x.len));
        out.push(Float64Array.from(candidates.filter((x) => x.len - shortest < TIE).flatMap((x) => x.u)));
      }
  return out;
}

/** The dynamical matrix at q (fractional, reciprocal lattice of the unit cell), Hermitian: real and imaginary parts, 3n × 3n row-major. */
export function dynamicalMatrix(fc: ForceConstants, q: readonly number[]): { re: Float64Array; im: Float64Array } {
  const n = fc.numbers.length;
  const cells = fc.supercell[0] * fc.supercell[1] * fc.supercell[2];
  const N = n * cells;
  const m = 3 * n;
  const re = new Float64Array(m * m);
  const im = new Float64Array(m * m);
  for (let i = 0; i < n; i++)
    for (let k = 0; k < N; k++) {
      const j = k % n;
      const r = fc.vectors[i * N + k];
      const count = r.length / 3;
      let pr = 0;
      let pi = 0;
      for (let s = 0; s < count; s++) {
        const phase = 2 * Math.PI * (q[0] * r[3 * s] + q[1] * r[3 * s + 1] + q[2] * r[3 * s + 2]);
        pr += Math.cos(phase);
        pi += Math.sin(phase);
      }
      const w = 1 / (Math.sqrt(fc.masses[i] * fc.masses[j]) * count);
      for (let alpha = 0; alpha < 3; alpha++)
        for (let beta = 0; beta < 3; beta++) {
          const phi = fc.values[((i * N + k) * 3 + alpha) * 3 + beta] * w;
          const at = (3 * i + alpha) * m + 3 * j + beta;
          re[at] += phi * pr;
          im[at] += phi * pi;
        }
    }
  // (D + D†)/2
  for (let a = 0; a < m; a++)
    for (let b = a; b < m; b++) {
      const r = 0.5 * (re[a * m + b] + re[b * m + a]);
      const i = 0.5 * (im[a * m + b] - im[b * m + a]);
      re[a * m + b] = r;
      re[b * m + a] = r;
      im[a * m + b] = i;
      im[b * m + a] = -i;
    }
  return { re, im };
}

/** An eigenvalue of the dynamical matrix (eV/Å²/u) as a frequency, THz: an imaginary one negative. */
const frequencyOf = (l: number) => Math.sign(l) * Math.sqrt(Math.abs(l)) * THZ;

/** The frequencies at q, THz, ascending; imaginary ones negative. */
export function frequenciesAt(fc: ForceConstants, q: readonly number[]): Float64Array {
  const { re, im } = dynamicalMatrix(fc, q);
  return hermitianEigenvalues(re, im, 3 * fc.numbers.length).map(frequencyOf);
}

/** A phonon at a wave vector: its frequency and its eigenvector, complex, unit length, 3 numbers per unit-cell atom. */
export interface PhononMode {
  /** THz; imaginary negative. */
  frequency: number;
  re: Float64Array;
  im: Float64Array;
}

/**
 * The modes at q, ascending in frequency, as phonopy's `run_qpoints(..., with_eigenvectors=True)`
 * gives them: eigenvectors of the dynamical matrix in its convention (phases from the vectors
 * between atoms, so atom j of the cell at R moves as e_j exp(2πi q·(R + r_j)) / √m_j). An
 * eigenvector is fixed up to a phase, and within a degenerate set only the set is: there any
 * orthonormal basis of it is as right as phonopy's.
 */
export function modesAt(fc: ForceConstants, q: readonly number[]): PhononMode[] {
  const { re, im } = dynamicalMatrix(fc, q);
  const m = 3 * fc.numbers.length;
  const eigen = hermitianEigen(re, im, m);
  return Array.from(eigen.values, (lambda, k) => ({
    frequency: frequencyOf(lambda),
    re: Float64Array.from({ length: m }, (_, a) => eigen.re[a * m + k]),
    im: Float64Array.from({ length: m }, (_, a) => eigen.im[a * m + k]),
  }));
}

/** The smallest diagonal supercell in which the wave q repeats (n_i q_i whole, to 1e-6), or null when one needs more than `max` cells along an axis. */
export function commensurateSupercell(q: readonly number[], max = 16): [number, number, number] | null {
  const out = q.map((x) => {
    for (let n = 1; n <= max; n++) if (Math.abs(n * x - Math.round(n * x)) < 1e-6) return n;
    return null;
  });
  return out.every((n) => n !== null) ? (out as [number, number, number]) : null;
}

/** A phonon's displacements in a supercell: the supercell as it stands, and each atom's complex displacement (Å). */
export interface Modulation {
  lattice: Mat3;
  numbers: Int32Array;
  /** The supercell's atoms at rest, Cartesian, in phonopy's order (by unit-cell atom, then cells with a fastest). */
  cart: Float64Array;
  /** The displacement of each atom at phase 0 is the real part; a quarter period later, the imaginary part. */
  re: Float64Array;
  im: Float64Array;
}

/**
 * A mode's displacements in a diagonal supercell, as phonopy's MODULATION builds them (its atom order,
 * its u_s = e_j exp(2πi q·(R + r_j)) / √m_j), scaled so that the atom moving most moves `amplitude`
 * Å (phonopy's amplitude is in √u·Å over √N; only the scale differs) and with phonopy's phase: the
 * component largest in size (the first within 1e-6, so rounding does not choose) made real and
 * positive, then turned by `argument` degrees. The supercell should repeat the wave
 * (`commensurateSupercell`), or its faces do not match.
 */
export function modulation(fc: ForceConstants, q: readonly number[], mode: PhononMode, supercell: readonly [number, number, number], amplitude: number = PHONON_DEFAULTS.amplitude, argument = 0): Modulation {
  checkCounts('supercell', supercell, 50);
  if (!(amplitude > 0)) throw new SimulationInputError(`the amplitude must be a positive number of Å, got ${amplitude}`);
  const n = fc.numbers.length;
  const cells = supercell[0] * supercell[1] * supercell[2];
  const N = n * cells;
  const cart = new Float64Array(3 * N);
  const re = new Float64Array(3 * N);
  const im = new Float64Array(3 * N);
  const numbers = new Int32Array(N);
  const L = fc.lattice;
  let s = 0;
  for (let j = 0; j < n; j++)
    for (let c = 0; c < supercell[2]; c++)
      for (let b = 0; b < supercell[1]; b++)
        for (let a = 0; a < supercell[0]; a++, s++) {
          const f = [fc.frac[3 * j] + a, fc.frac[3 * j + 1] + b, fc.frac[3 * j + 2] + c];
          numbers[s] = fc.numbers[j];
          for (let x = 0; x < 3; x++) cart[3 * s + x] = f[0] * L[0][x] + f[1] * L[1][x] + f[2] * L[2][x];
          const phase = 2 * Math.PI * (q[0] * f[0] + q[1] * f[1] + q[2] * f[2]);
          const w = 1 / Math.sqrt(fc.masses[j]);
          const [cr, ci] = [Math.cos(phase) * w, Math.sin(phase) * w];
          for (let x = 0; x < 3; x++) {
            const [er, ei] = [mode.re[3 * j + x], mode.im[3 * j + x]];
            re[3 * s + x] = er * cr - ei * ci;
            im[3 * s + x] = er * ci + ei * cr;
          }
        }
  let largest = 0;
  let widest = 0;
  for (let k = 0; k < 3 * N; k++) largest = Math.max(largest, Math.hypot(re[k], im[k]));
  for (let t = 0; t < N; t++) widest = Math.max(widest, Math.hypot(re[3 * t], im[3 * t], re[3 * t + 1], im[3 * t + 1], re[3 * t + 2], im[3 * t + 2]));
  const first = Array.from(re, (r, k) => Math.hypot(r, im[k])).findIndex((v) => v >= largest * (1 - 1e-6));
  // multiply by conj(u_first)/|u_first| · e^{i·argument}, and scale the widest atom to `amplitude`
  const turn = (argument * Math.PI) / 180;
  const pr = ((re[first] * Math.cos(turn) + im[first] * Math.sin(turn)) / largest) * (amplitude / widest);
  const pi = ((re[first] * Math.sin(turn) - im[first] * Math.cos(turn)) / largest) * (amplitude / widest);
  for (let k = 0; k < 3 * N; k++) {
    const [r, i] = [re[k], im[k]];
    re[k] = r * pr - i * pi;
    im[k] = r * pi + i * pr;
  }
  const lattice = L.map((row, k) => row.map((x) => x * supercell[k])) as Mat3;
  return { lattice, numbers, cart, re, im };
}

/** The mode's motion over one period in `count` frames (as ASE writes a vibration's): frame k at r + Re[u · e^{−2πik/count}]. */
export function modulatedFrames(m: Modulation, count = 30): Float64Array[] {
  return Array.from({ length: count }, (_, k) => {
    const t = (2 * Math.PI * k) / count;
    const [c, s] = [Math.cos(t), Math.sin(t)];
    return Float64Array.from(m.cart, (x, i) => x + m.re[i] * c + m.im[i] * s);
  });
}

/**
 * The force constants as phonopy's FORCE_CONSTANTS file, its compact form: a line `n N` (atoms of the
 * unit cell, of the supercell), then for each unit-cell atom i and supercell atom k a line of their
 * 1-based indices in phonopy's supercell order and the 3×3 block Φ(i, k) in eV/Å², three lines of
 * three numbers. phonopy reads it with the unit cell as both its unit and primitive cell and the
 * same supercell: `phonopy --readfc -c POSCAR --dim "N1 N2 N3" ...`.
 */
export function phonopyForceConstants(fc: ForceConstants): string {
  const n = fc.numbers.length;
  const [n1, n2, n3] = fc.supercell;
  const cells = n1 * n2 * n3;
  const N = n * cells;
  // our supercell atom k = ((a · n2 + b) · n3 + c) · n + j; phonopy's s = j · cells + (c · n2 + b) · n1 + a
  const phonopyIndex = (k: number) => {
    const j = k % n;
    const cell = Math.floor(k / n);
    const [a, b, c] = [Math.floor(cell / (n2 * n3)), Math.floor(cell / n3) % n2, cell % n3];
    return j * cells + (c * n2 + b) * n1 + a;
  };
  const order = Array.from({ length: N }, (_, k) => k).sort((x, y) => phonopyIndex(x) - phonopyIndex(y));
  const lines = [`${String(n).padStart(4)} ${String(N).padStart(4)}`];
  for (let i = 0; i < n; i++)
    for (const k of order) {
      lines.push(`${i * cells + 1} ${phonopyIndex(k) + 1}`);
      for (let alpha = 0; alpha < 3; alpha++) lines.push([0, 1, 2].map((beta) => fc.values[((i * N + k) * 3 + alpha) * 3 + beta].toFixed(15).padStart(22)).join(''));
    }
  return `${lines.join('\n')}\n`;
}

/** A wave vector as people write it: (0.5, 0, 0.5). */
export function waveVectorText(q: readonly number[]): string {
  return `(${q.map((x) => +x.toFixed(4)).join(', ')})`;
}

/** A frequency in THz to 0.01, an imaginary one with an i as phonopy's users read it (3.41i); rounding's ±0.00 as 0.00. */
export function thzText(x: number): string {
  return modeText(Math.abs(x) < 0.005 ? 0 : x, 2);
}

/** A point of a band path: a label (Γ, X, …) and its wave vector, fractional in the reciprocal lattice of the unit cell. */
export interface PathPoint {
  label: string;
  q: [number, number, number];
}

/** A band path: runs of points joined by straight segments; a new run starts after a jump (phonopy's `|`, ASE's `,`). */
export interface BandPath {
  runs: PathPoint[][];
  /** The lattice the path was chosen for (`fcc`, `bcc`, `simple cubic`, `hexagonal`, `tetragonal`, `orthorhombic`), or null when given or general. */
  lattice: string | null;
}

const G: PathPoint = { label: 'Γ', q: [0, 0, 0] };
const point = (label: string, q: [number, number, number]): PathPoint => ({ label, q });

/**
 * The standard path (ASE's `cell.bandpath()` special points and paths, after Setyawan and Curtarolo,
 * Comput. Mater. Sci. 49, 299 (2010)) for a cell that is one of the lattices' standard cells as given:
 * fcc and bcc primitive cells (three equal vectors at 60° or at 109.47°), simple cubic, hexagonal (a = b,
 * γ = 120°, c ⊥ both), tetragonal (a = b ≠ c, right angles) and orthorhombic (right angles). Any other cell
 * gets Γ–X|Γ–Y|Γ–Z, X, Y, Z the centres of the reciprocal cell's faces, and `lattice` null.
 */
export function defaultBandPath(lattice: Mat3): BandPath {
  const len = lattice.map((v) => Math.hypot(...v));
  const angle = (a: number, b: number) => (Math.acos(lattice[a].reduce((s, x, k) => s + x * lattice[b][k], 0) / (len[a] * len[b])) * 180) / Math.PI;
  const [alpha, beta, gamma] = [angle(1, 2), angle(0, 2), angle(0, 1)];
  const same = (x: number, y: number) => Math.abs(x - y) <= 1e-4 * Math.max(x, y);
  const near = (x: number, y: number) => Math.abs(x - y) < 0.01;
  const allAngles = (x: number) => near(alpha, x) && near(beta, x) && near(gamma, x);
  const equal = same(len[0], len[1]) && same(len[1], len[2]);
  const path = (name: string, ...runs: PathPoint[][]): BandPath => ({ runs, lattice: name });
  if (equal && allAngles(60)) {
    const X = point('X', [0.5, 0, 0.5]);
    const W = point('W', [0.5, 0.25, 0.75]);
    const K = point('K', [0.375, 0.375, 0.75]);
    const L = point('L', [0.5, 0.5, 0.5]);
    const U = point('U', [0.625, 0.25, 0.625]);
    return path('fcc', [G, X, W, K, G, L, U, W, L, K], [U, X]);
  }
  if (equal && allAngles((Math.acos(-1 / 3) * 180) / Math.PI)) {
    const H = point('H', [0.5, -0.5, 0.5]);
    const N = point('N', [0, 0, 0.5]);
    const P = point('P', [0.25, 0.25, 0.25]);
    return path('bcc', [G, H, N, G, P, H], [P, N]);
  }
  if (allAngles(90)) {
    const X = point('X', [0, 0.5, 0]);
    const M = point('M', [0.5, 0.5, 0]);
    const R = point('R', [0.5, 0.5, 0.5]);
    if (equal) return path('simple cubic', [G, X, M, G, R, X], [M, R]);
    if (same(len[0], len[1])) {
      const Z = point('Z', [0, 0, 0.5]);
      const Rt = point('R', [0, 0.5, 0.5]);
      const A = point('A', [0.5, 0.5, 0.5]);
      return path('tetragonal', [G, X, M, G, Z, Rt, A, Z], [X, Rt], [M, A]);
    }
    const Xo = point('X', [0.5, 0, 0]);
    const Y = point('Y', [0, 0.5, 0]);
    const Z = point('Z', [0, 0, 0.5]);
    const S = point('S', [0.5, 0.5, 0]);
    const T = point('T', [0, 0.5, 0.5]);
    const U = point('U', [0.5, 0, 0.5]);
    return path('orthorhombic', [G, Xo, S, Y, G, Z, U, R, T, Z], [Y, T], [U, Xo], [S, R]);
  }
  if (same(len[0], len[1]) && near(alpha, 90) && near(beta, 90) && near(gamma, 120)) {
    const M = point('M', [0.5, 0, 0]);
    const K = point('K', [1 / 3, 1 / 3, 0]);
    const A = point('A', [0, 0, 0.5]);
    const L = point('L', [0.5, 0, 0.5]);
    const H = point('H', [1 / 3, 1 / 3, 0.5]);
    return path('hexagonal', [G, M, K, G, A, L, H, A], [L, M], [K, H]);
  }
  return { runs: [[G, point('X', [0.5, 0, 0])], [G, point('Y', [0, 0.5, 0])], [G, point('Z', [0, 0, 0.5])]], lattice: null };
}

/**
 * A wave vector as typed: a point of `path` by its label (Γ also as G or Gamma) or three fractions of the
 * reciprocal lattice (`0.5,0,0.5`, `1/3 0 1/2`); when it is neither, what was expected, naming the path's labels.
 */
export function parseWaveVector(text: string, path: BandPath): [number, number, number] | string {
  const t = text.trim();
  const label = /^(g|gamma)$/i.test(t) ? 'Γ' : t;
  const found = path.runs.flat().find((p) => p.label === label);
  if (found) return [...found.q];
  const parts = t.split(/[,\s]+/).filter(Boolean).map((x) => {
    const [a, b] = x.split('/');
    return b === undefined ? Number(a) : Number(a) / Number(b);
  });
  if (parts.length === 3 && parts.every(Number.isFinite)) return parts as [number, number, number];
  const labels = [...new Set(path.runs.flat().map((p) => p.label))].join(', ');
  return `expected a point of the band path (${labels}) or three fractions of the reciprocal lattice like 0.5,0,0.5`;
}

export interface SampledPath {
  /** Distance along the path, 1/Å (reciprocal lengths without 2π, as phonopy's), per sampled point. */
  distances: number[];
  /** The sampled wave vectors, fractional. */
  qpoints: [number, number, number][];
  /** Where the path's labelled points are: a distance and its label (`X|K` where a run ends and the next begins). */
  ticks: { distance: number; label: string }[];
}

/** The length of a step between two wave vectors (fractional), 1/Å without 2π: the distances of a band path. */
function waveVectorLength(lattice: Mat3): (from: readonly number[], to: readonly number[]) => number {
  const rec = invert(lattice)!; // its columns are the reciprocal vectors (without 2π)
  return (a, b) => Math.hypot(...[0, 1, 2].map((x) => [0, 1, 2].reduce((sum, k) => sum + (b[k] - a[k]) * rec[x][k], 0)));
}

/** The wave vectors along `path` in the cell's reciprocal lattice, `points` per segment (ends included), as phonopy samples a band structure (a run's segments share their ends). */
export function samplePath(lattice: Mat3, path: BandPath, points: number = PHONON_DEFAULTS.bandPoints): SampledPath {
  if (!(Number.isInteger(points) && points >= 2)) throw new SimulationInputError(`a band segment needs at least 2 points, got ${points}`);
  const length = waveVectorLength(lattice);
  const out: SampledPath = { distances: [], qpoints: [], ticks: [] };
  let s = 0;
  path.runs.forEach((run, r) => {
    if (run.length < 2) throw new SimulationInputError(`a run of a band path needs two points at least, got ${run.map((p) => p.label).join('')}`);
    const first = run[0].label;
    if (r === 0) out.ticks.push({ distance: 0, label: first });
    else out.ticks[out.ticks.length - 1].label += `|${first}`;
    for (let seg = 0; seg + 1 < run.length; seg++) {
      const a = run[seg].q;
      const b = run[seg + 1].q;
      const step = length(a, b) / (points - 1);
      for (let p = 0; p < points; p++) {
        const t = p / (points - 1);
        const q = [0, 1, 2].map((x) => a[x] + t * (b[x] - a[x])) as [number, number, number];
        out.distances.push(s + p * step);
        out.qpoints.push(q);
      }
      s += (points - 1) * step;
      out.ticks.push({ distance: s, label: run[seg + 1].label });
    }
  });
  return out;
}

/**
 * The wave vector on `path` nearest the distance `at` along it (`samplePath`'s distances) whose wave
 * repeats in a supercell of at most `maxCells` cells along each axis: where a click on the bands lands,
 * so that its modes can be played and kept in a supercell of their own. The labelled points are such
 * points on every standard path (K of fcc needs 8 cells).
 */
export function commensurateOnPath(lattice: Mat3, path: BandPath, at: number, maxCells = 8): [number, number, number] {
  const length = waveVectorLength(lattice);
  let best: { q: [number, number, number]; off: number } = { q: [0, 0, 0], off: Infinity };
  let s = 0;
  for (const run of path.runs)
    for (let seg = 0; seg + 1 < run.length; seg++) {
      const a = run[seg].q;
      const b = run[seg + 1].q;
      const span = length(a, b);
      for (let parts = 1; parts <= 2 * maxCells; parts++)
        for (let k = 0; k <= parts; k++) {
          const off = Math.abs(s + (span * k) / parts - at);
          if (off >= best.off) continue;
          const q = [0, 1, 2].map((x) => a[x] + (k / parts) * (b[x] - a[x])) as [number, number, number];
          if (commensurateSupercell(q, maxCells)) best = { q: q.map((x) => (Math.abs(x) < 1e-12 ? 0 : x)) as [number, number, number], off };
        }
      s += span;
    }
  return best.q;
}

/** phonopy's mesh given as a length: n_i = max(1, round(length · |b_i|)). */
export function defaultMesh(lattice: Mat3, length: number = PHONON_DEFAULTS.meshLength): [number, number, number] {
  const rec = invert(lattice)!;
  return [0, 1, 2].map((k) => Math.max(1, Math.round(length * Math.hypot(rec[0][k], rec[1][k], rec[2][k])))) as [number, number, number];
}

/** The points of the Γ-centred n₁×n₂×n₃ mesh, q = (a/n₁, b/n₂, c/n₃), a running fastest (phonopy's order): Γ first. */
export function meshPoints(mesh: readonly [number, number, number]): [number, number, number][] {
  checkCounts('mesh', mesh, 200);
  const out: [number, number, number][] = [];
  for (let c = 0; c < mesh[2]; c++) for (let b = 0; b < mesh[1]; b++) for (let a = 0; a < mesh[0]; a++) out.push([a / mesh[0], b / mesh[1], c / mesh[2]]);
  return out;
}

/** Reports and cancellation for a walk over wave vectors. */
export interface WaveVectorOptions {
  onPoint?: (done: number, total: number) => void | Promise<void>;
  signal?: { readonly aborted: boolean };
}

/** `at` at each wave vector in turn, reporting each and stopping when cancelled (null). */
async function overWaveVectors<T>(qpoints: readonly (readonly number[])[], at: (q: readonly number[]) => T, options: WaveVectorOptions): Promise<T[] | null> {
  const out: T[] = [];
  for (const q of qpoints) {
    if (options.signal?.aborted) return null;
    out.push(at(q));
    await options.onPoint?.(out.length, qpoints.length);
  }
  return out;
}

/**
 * The frequencies (THz, `frequenciesAt`) at each wave vector, a diagonalisation each: the long part of
 * a large cell's phonons (a 32-atom cell's 306 path points and 6³ mesh take some 5 s), so it reports
 * its progress and stops when cancelled (null).
 */
export function frequenciesOver(fc: ForceConstants, qpoints: readonly (readonly number[])[], options: WaveVectorOptions = {}): Promise<Float64Array[] | null> {
  return overWaveVectors(qpoints, (q) => frequenciesAt(fc, q), options);
}

/** The modes at a wave vector as frequencies (THz, ascending) and how much of each mode each unit-cell atom carries. */
export interface ModeWeights {
  frequencies: Float64Array;
  /** Per mode, per atom: Σ_α |e_jα|², summing to 1 over the atoms (phonopy's projected density of states weighs modes so). */
  weights: Float64Array[];
}

/** `ModeWeights` at each wave vector (`modesAt`: the eigenvectors too, some 5× the work of the frequencies alone); null when cancelled. */
export function modeWeightsOver(fc: ForceConstants, qpoints: readonly (readonly number[])[], options: WaveVectorOptions = {}): Promise<ModeWeights[] | null> {
  const n = fc.numbers.length;
  return overWaveVectors(
    qpoints,
    (q) => {
      const modes = modesAt(fc, q);
      const weights = modes.map((m) => Float64Array.from({ length: n }, (_, j) => [0, 1, 2].reduce((s, x) => s + m.re[3 * j + x] ** 2 + m.im[3 * j + x] ** 2, 0)));
      return { frequencies: Float64Array.from(modes, (m) => m.frequency), weights };
    },
    options,
  );
}

/**
 * Modes on a mesh smeared into states per THz per cell at `at` (THz): each mode a Gaussian of width σ
 * times its weight (`weights[q][k]`; 1 for every mode when omitted, so that the states integrate to 3n).
 */
function smearedStates(mesh: readonly Float64Array[], sigma: number, at: readonly number[], weights?: readonly Float64Array[]): number[] {
  if (!(sigma > 0)) throw new SimulationInputError(`the smearing must be a positive number of THz, got ${sigma}`);
  const norm = 1 / (sigma * Math.sqrt(2 * Math.PI) * mesh.length);
  return at.map((f) => {
    let s = 0;
    for (let q = 0; q < mesh.length; q++) {
      const freqs = mesh[q];
      for (let k = 0; k < freqs.length; k++) s += (weights ? weights[q][k] : 1) * Math.exp(-0.5 * ((f - freqs[k]) / sigma) ** 2);
    }
    return s * norm;
  });
}

/**
 * The density of states projected on groups of unit-cell atoms (an element's atoms, say), states per THz
 * per cell at `at` (THz): each mode a Gaussian of width σ weighted by the share of it the group's atoms
 * carry, as phonopy's projected DOS with smearing; the groups of all atoms sum to the total.
 */
export function projectedDensityOfStates(mesh: readonly ModeWeights[], groups: readonly (readonly number[])[], sigma: number, at: readonly number[]): number[][] {
  const frequencies = mesh.map((m) => m.frequencies);
  // each mode's share for the group, once per mode (not once per point of `at`)
  return groups.map((atoms) => smearedStates(frequencies, sigma, at, mesh.map((m) => Float64Array.from(m.weights, (w) => atoms.reduce((sum, j) => sum + w[j], 0)))));
}

/** The density of states (states per THz per unit cell, integrating to 3n) at `at` (THz), each mode a Gaussian of width σ (THz). */
export function densityOfStates(mesh: readonly Float64Array[], sigma: number, at: readonly number[]): number[] {
  return smearedStates(mesh, sigma, at);
}

export interface ThermalPoint {
  temperature: number;
  /** Helmholtz free energy, zero-point energy included, kJ per mole of unit cells. */
  freeEnergy: number;
  /** J/K per mole of unit cells. */
  entropy: number;
  /** Heat capacity at constant volume, J/K per mole of unit cells. */
  heatCapacity: number;
}

/** The frequencies at Γ without the three translations, the ones nearest zero (zero up to rounding). */
export function withoutTranslations(atGamma: ArrayLike<number>): number[] {
  return Array.from(atGamma)
    .sort((x, y) => Math.abs(x) - Math.abs(y))
    .slice(3);
}

/**
 * The harmonic thermal properties from the frequencies on a Γ-centred mesh (in `meshPoints`' order:
 * its first point is Γ), by phonopy's formulas; modes at or below `cutoff` THz (phonopy's
 * `cutoff_frequency`, default 0: imaginary modes) are left out, and so are the three translations at
 * Γ (`withoutTranslations`): phonopy counts them when the rounding makes them positive, and each then
 * adds k_BT·ln(ħω/k_BT) of a frequency that means nothing (0.06 kJ/mol on fcc Cu at 100 K with a 6³
 * mesh).
 */
export function thermalProperties(mesh: readonly Float64Array[], temperatures: readonly number[], cutoff = 0): ThermalPoint[] {
  const energies = mesh.flatMap((f, q) => (q === 0 ? withoutTranslations(f) : Array.from(f)).filter((v) => v > cutoff).map((v) => v * THZ_IN_EV));
  const w = EV_TO_KJ_PER_MOL / mesh.length;
  const zpe = energies.reduce((s, e) => s + e / 2, 0);
  return temperatures.map((t) => {
    if (!(t >= 0)) throw new SimulationInputError(`a temperature must be 0 K or more, got ${t}`);
    if (t === 0) return { temperature: t, freeEnergy: zpe * w, entropy: 0, heatCapacity: 0 };
    const kt = KB * t;
    let f = 0;
    let s = 0;
    let cv = 0;
    // phonopy's mode_F, mode_S and mode_cv, written in e^−x so that high modes at low temperature do not overflow
    for (const e of energies) {
      const x = e / kt;
      const em = Math.exp(-x);
      f += kt * Math.log1p(-em) + e / 2;
      s += KB * ((x * em) / (1 - em) - Math.log1p(-em));
      cv += (KB * x * x * em) / (1 - em) ** 2;
    }
    return { temperature: t, freeEnergy: f * w, entropy: s * w * 1000, heatCapacity: cv * w * 1000 };
  });
}
