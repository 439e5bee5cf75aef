/**
 * Keeping a crystal's symmetry through a relaxation, as ASE's `FixSymmetry`
 * (ase/spacegroup/symmetrize.py, 3.22): the space group's operations, found once at the start (in
 * the core, by moyo at spglib's tolerance), average every force, step, stress and cell change over the
 * group, so that noise in a potential's forces cannot break the symmetry the structure started with.
 *
 * An operation maps fractional coordinates x ↦ R·x + t (spglib's convention). A vector field on the
 * atoms (forces, a step) is written in the lattice basis, each atom's vector rotated by R onto the atom
 * the operation sends it to, and the results averaged (ASE's `symmetrize_rank1`); a Cartesian tensor
 * (stress, a change of the cell) M becomes A·M·Aᵀ, averaged as Rᵀ(·)R, and back (`symmetrize_rank2`).
 * As in ASE, the start is first moved onto the group's ideal cell and positions (`refine`; ASE's
 * `refine_symmetry` goes through spglib's standardised cell, this averages over the group: on starts
 * 1e-3 Å off ideal the two differ by a rigid rotation and, for a hexagonal cell, 2e-5 Å in a;
 * docs/simulation.md).
 */
import type { Mat3 } from '../chem/structure';
import { cartToFrac, fracToCart, inverse3 } from '../chem/lattice';
import { PeriodicGrid } from '../chem/symmetry';
import { SimulationInputError } from './atoms';
import { matmul, transpose } from './matrix';

/** A space group's operations on the structure's own cell: `rotations` row-major 3×3 integers on fractional coordinates, `translations` fractional. */
export interface SymmetryOperations {
  rotations: number[][];
  translations: number[][];
  /** The group's short Hermann–Mauguin symbol and number (for messages). */
  symbol: string;
  number: number;
  /** The tolerance the operations were found with, Å. */
  symprec: number;
}

/** The lattice (rows) as a row-major array. */
function flat(l: Mat3): Float64Array {
  return Float64Array.of(...l[0], ...l[1], ...l[2]);
}

/**
 * Where the operations send the atoms (fractional positions `frac` in `lattice`): `imageOf(r, t, i)` is
 * atom i's image under x ↦ R·x + t and the atom of the same element found there, within twice the
 * search's tolerance (the nearest: atoms are far further apart). Operations found for another structure
 * are refused in a sentence.
 */
export function atomImages(operations: SymmetryOperations, numbers: ArrayLike<number>, frac: Float64Array, lattice: Mat3): (r: ArrayLike<number>, t: ArrayLike<number>, i: number) => { atom: number; image: number[] } {
  const grid = new PeriodicGrid(lattice, 2 * operations.symprec + 1e-9);
  for (let j = 0; j < numbers.length; j++) grid.add(frac[3 * j], frac[3 * j + 1], frac[3 * j + 2], j);
  return (r, t, i) => {
    const x = frac.subarray(3 * i, 3 * i + 3);
    const image = [0, 1, 2].map((k) => r[3 * k] * x[0] + r[3 * k + 1] * x[1] + r[3 * k + 2] * x[2] + t[k]);
    const atom = grid.find(image[0], image[1], image[2], (id) => numbers[id] === numbers[i]);
    if (atom < 0) throw new SimulationInputError(`the operations of ${operations.symbol} do not map the atoms onto themselves (atom ${i}): the symmetry was found for another structure`);
    return { atom, image };
  };
}

/** The identity rotation's key (a pure translation's rotation). */
const IDENTITY = '1,0,0,0,1,0,0,0,1';

/**
 * The group's operations with the atom each sends each atom to; builds from operations found for these
 * atoms. A space group on a cell is its pure translations (the identity with the lattice's and a
 * supercell's or a centred cell's translations) times one operation per rotation, so averages are taken
 * in two passes, over the rotations and then over the pure translations: a perfect 500-atom fcc supercell
 * has 24,000 operations, 48 rotations and 500 pure translations.
 */
export class Symmetry {
  /** The number of operations. */
  readonly size: number;
  /** One operation per distinct rotation: its rotation (row-major), translation and where it sends each atom. */
  private readonly rotations: { r: Float64Array; t: number[]; map: Int32Array }[];
  /** The pure translations (the identity's among them), fractional. */
  private readonly pure: number[][];
  /**
   * Each atom's orbit under the pure translations (the atoms they send it to), numbered from 0; the
   * orbit's first atom; and which pure translation sends that atom onto this one.
   */
  private readonly orbitOf: Int32Array;
  private readonly firstOf: Int32Array;
  private readonly shiftOf: Int32Array;
  private readonly orbits: number;

  constructor(
    readonly operations: SymmetryOperations,
    numbers: ArrayLike<number>,
    cart: Float64Array,
    lattice: Mat3,
  ) {
    const n = numbers.length;
    const frac = cartToFrac(cart, lattice);
    this.size = operations.rotations.length;
    if (this.size === 0) throw new SimulationInputError('the symmetry has no operations');
    const images = atomImages(operations, numbers, frac, lattice);
    const imageOf = (r: ArrayLike<number>, t: ArrayLike<number>, i: number): number => images(r, t, i).atom;
    const keys = operations.rotations.map((r) => r.join(','));
    const first = new Map<string, number>();
    keys.forEach((k, g) => first.has(k) || first.set(k, g));
    this.rotations = [...first.values()].map((g) => {
      const [r, t] = [operations.rotations[g], operations.translations[g]];
      return { r: Float64Array.from(r), t, map: Int32Array.from({ length: n }, (_, i) => imageOf(r, t, i)) };
    });
    const identity = operations.rotations[keys.indexOf(IDENTITY)];
    this.pure = operations.translations.filter((_, g) => keys[g] === IDENTITY);
    // a group: every rotation comes with each pure translation
    if (this.pure.length === 0 || this.size !== this.rotations.length * this.pure.length) {
      throw new SimulationInputError(`the operations of ${operations.symbol} are not a space group: ${this.size} operations, ${this.rotations.length} rotations, ${this.pure.length} pure translations`);
    }
    // the orbits: the pure translations send an orbit's first atom onto each of its atoms once
    this.orbitOf = new Int32Array(n).fill(-1);
    this.firstOf = new Int32Array(n);
    this.shiftOf = new Int32Array(n);
    let orbits = 0;
    for (let i = 0; i < n; i++) {
      if (this.orbitOf[i] >= 0) continue;
      this.pure.forEach((t, p) => {
        const j = imageOf(identity, t, i);
        if (this.orbitOf[j] >= 0) throw new SimulationInputError(`the pure translations of ${operations.symbol} send atom ${i} onto atom ${j} twice: the symmetry was found for another structure`);
        [this.orbitOf[j], this.firstOf[j], this.shiftOf[j]] = [orbits, i, p];
      });
      orbits++;
    }
    this.orbits = orbits;
  }

  /** Averages vectors on the atoms (Cartesian, 3 per atom) over the group, in place (ASE's `symmetrize_rank1`). */
  vectors(v: Float64Array, lattice: Mat3): Float64Array {
    const n = v.length / 3;
    // in the lattice basis (v = Σ_k s_k a_k: the vectors' fractional components), each atom's vector
    // rotated by each rotation onto the atom its operation sends it to
    const s = cartToFrac(v, lattice);
    const rotated = new Float64Array(3 * n);
    for (const { r, map } of this.rotations) {
      for (let i = 0; i < n; i++) {
        const j = 3 * map[i];
        for (let k = 0; k < 3; k++) rotated[j + k] += r[3 * k] * s[3 * i] + r[3 * k + 1] * s[3 * i + 1] + r[3 * k + 2] * s[3 * i + 2];
      }
    }
    // then over the pure translations: each atom gets its orbit's sum (a translation does not turn a vector)
    const orbitSum = new Float64Array(3 * this.orbits);
    for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) orbitSum[3 * this.orbitOf[i] + k] += rotated[3 * i + k];
    const sum = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) for (let k = 0; k < 3; k++) sum[3 * i + k] = orbitSum[3 * this.orbitOf[i] + k] / this.size;
    v.set(fracToCart(sum, lattice));
    return v;
  }

  /** Rᵀ·M·R averaged over the group's rotations (each rotation stands for as many operations as the others). */
  private averaged(m: Float64Array): Float64Array {
    const sum = new Float64Array(9);
    for (const { r } of this.rotations) {
      const t = matmul(matmul(transpose(r, 3), m, 3), r, 3);
      for (let k = 0; k < 9; k++) sum[k] += t[k] / this.rotations.length;
    }
    return sum;
  }

  /** Averages a Cartesian 3×3 tensor (row-major) over the group (ASE's `symmetrize_rank2`). */
  tensor(m: ArrayLike<number>, lattice: Mat3): Float64Array {
    const a = flat(lattice);
    const inv = inverse3(a)!;
    const scaled = matmul(matmul(a, Float64Array.from(m), 3), transpose(a, 3), 3);
    return matmul(matmul(inv, this.averaged(scaled), 3), transpose(inv, 3), 3);
  }

  /**
   * The structure moved onto the group's ideal cell and positions, as ASE's `refine_symmetry` does
   * before a run that keeps the symmetry: the metric AAᵀ averaged as Rᵀ(·)R and the cell changed to it
   * by the smallest strain (a few first-order steps, to 1e-12), then each atom put at the average of the
   * images the operations send onto it. `moved` is the largest displacement of an atom, Å.
   */
  refine(cart: Float64Array, lattice: Mat3): { cart: Float64Array; lattice: Mat3; moved: number } {
    const frac = cartToFrac(cart, lattice);
    // the cell: A ← A + ½(G′ − AAᵀ)A⁻ᵀ until AAᵀ = G′
    let a = flat(lattice);
    const target = this.averaged(matmul(a, transpose(a, 3), 3));
    for (let step = 0; step < 20; step++) {
      const gap = matmul(a, transpose(a, 3), 3).map((g, k) => target[k] - g);
      if (Math.max(...gap.map(Math.abs)) < 1e-12 * Math.max(...target.map(Math.abs))) break;
      const delta = matmul(gap, transpose(inverse3(a)!, 3), 3);
      a = a.map((x, k) => x + 0.5 * delta[k]);
    }
    const refined: Mat3 = [
      [a[0], a[1], a[2]],
      [a[3], a[4], a[5]],
      [a[6], a[7], a[8]],
    ];
    // the atoms: each at the mean of the images the operations send onto it (fractional, nearest image).
    // An operation is a rotation's then a pure translation's, and the images of an orbit's atoms by its
    // pure translations are its first atom's images shifted: each atom goes to its first atom's ideal
    // image (its own place less its offset from there), plus the orbit's mean offset from the rotations
    // and from the translations.
    const n = frac.length / 3;
    const offset = (d: number): number => d - Math.round(d);
    const byRotations = new Float64Array(3 * this.orbits);
    for (const { r, t, map } of this.rotations) {
      for (let i = 0; i < n; i++) {
        const j = map[i];
        const o = 3 * this.orbitOf[j];
        for (let k = 0; k < 3; k++) byRotations[o + k] += offset(r[3 * k] * frac[3 * i] + r[3 * k + 1] * frac[3 * i + 1] + r[3 * k + 2] * frac[3 * i + 2] + t[k] - frac[3 * j + k]);
      }
    }
    const fromFirst = new Float64Array(3 * n);
    const byTranslations = new Float64Array(3 * this.orbits);
    for (let j = 0; j < n; j++) {
      const [f, t, o] = [this.firstOf[j], this.pure[this.shiftOf[j]], 3 * this.orbitOf[j]];
      for (let k = 0; k < 3; k++) {
        fromFirst[3 * j + k] = offset(frac[3 * j + k] - frac[3 * f + k] - t[k]);
        byTranslations[o + k] += fromFirst[3 * j + k];
      }
    }
    const ideal = new Float64Array(3 * n);
    for (let j = 0; j < n; j++) {
      const o = 3 * this.orbitOf[j];
      for (let k = 0; k < 3; k++) ideal[3 * j + k] = frac[3 * j + k] - fromFirst[3 * j + k] + byRotations[o + k] / this.size + byTranslations[o + k] / this.pure.length;
    }
    const out = fracToCart(ideal, refined);
    let moved = 0;
    for (let i = 0; i < n; i++) moved = Math.max(moved, Math.hypot(out[3 * i] - cart[3 * i], out[3 * i + 1] - cart[3 * i + 1], out[3 * i + 2] - cart[3 * i + 2]));
    return { cart: out, lattice: refined, moved };
  }

  /** A stress (Voigt xx, yy, zz, yz, xz, xy) averaged over the group (ASE's `adjust_stress`). */
  stress(s: ArrayLike<number>, lattice: Mat3): Float64Array {
    const t = this.tensor([s[0], s[5], s[4], s[5], s[1], s[3], s[4], s[3], s[2]], lattice);
    return Float64Array.of(t[0], t[4], t[8], 0.5 * (t[5] + t[7]), 0.5 * (t[2] + t[6]), 0.5 * (t[1] + t[3]));
  }
}
