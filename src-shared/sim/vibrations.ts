/**
 * Harmonic vibrations at the Γ point, as ASE's `Vibrations` (nfree 2, central differences): each
 * Cartesian coordinate of each vibrating atom is moved by ±δ (δ = 0.01 Å), the forces on the
 * vibrating atoms give a row of the Hessian, H[r] = (F(−δ) − F(+δ)) / 2δ, which is symmetrised as ASE
 * does, (H + Hᵀ)/2, weighted by the masses, M^-½·H·M^-½, and diagonalised. A mode's energy is
 * ħω = ħ·√(ω²) (eV; `HBAR_OMEGA`), its wavenumber ħω / hc (cm⁻¹). An ω² < 0 (a saddle point, or a
 * structure not relaxed) is an imaginary mode: ASE writes it as an imaginary number, this as a
 * negative one, −ħ|ω|. The zero-point energy is ½·Σ ħω over the real modes, as ASE's (the
 * imaginary ones add nothing). A mode's displacements are the eigenvector over √m (ASE's
 * `get_modes`), 3 per atom over all atoms, zero for the atoms that do not vibrate.
 *
 * A periodic structure's modes are its Γ-point phonons, in the cell as given: the three rigid
 * translations come out near zero, as in ASE; other wave vectors need a supercell.
 *
 * Two more force calls than ASE's: the first vibrating atom moved by ±δ/2 along x, whether the forces are
 * linear at the displacement (linearity.ts).
 */
import type { LabelledFrame } from '../chem/frames';
import { cartToFrac } from '../chem/lattice';
import type { Structure } from '../chem/structure';
import type { Atoms } from './atoms';
import type { Calculator } from './calculator';
import { atomSpace } from './curvature';
import type { Linearity } from './linearity';
import { symmetricEigen } from './matrix';
import { HBAR_OMEGA, INVERSE_CM, KB } from './units';

export const VIBRATION_DEFAULTS = Object.freeze({ delta: 0.01 });

export interface VibrationOptions {
  /** The atoms that vibrate, 0-based (default: every atom not held fixed). */
  indices?: readonly number[];
  /** Displacement, Å (default 0.01, ASE's). */
  delta?: number;
  /** After each of the 6·(atoms) force calls: how many are done, of how many. */
  onDisplacement?: (done: number, total: number) => void | Promise<void>;
  /** Checked before each force call: set `aborted` to stop (the result is then null). */
  signal?: { readonly aborted: boolean };
}

export interface VibrationResult {
  /** The atoms that vibrated. */
  indices: number[];
  /** ħω per mode, eV, ascending in ω²; imaginary modes negative (−ħ|ω|). */
  energies: number[];
  /** The same as wavenumbers, cm⁻¹. */
  frequencies: number[];
  /** ½·Σ ħω over the real modes, eV. */
  zeroPointEnergy: number;
  /** Per mode, the Cartesian displacements of all atoms (3 per atom; eigenvector / √m, ASE's `get_modes(all_atoms=True)`). */
  modes: Float64Array[];
  /** The symmetrised Hessian over the vibrating coordinates, eV/Å², row-major. */
  hessian: Float64Array;
  forceCalls: number;
  /** The first vibrating atom's on-site force constant along x from ±δ and from ±δ/2 (linearity.ts). */
  linearity: Linearity;
}

/** The default vibrating atoms: those not held fixed. */
export function vibratingAtoms(atoms: Atoms): number[] {
  return Array.from({ length: atoms.length }, (_, i) => i).filter((i) => !atoms.fixed?.[i]);
}

/** The harmonic vibrations of `atoms` as they are (they are put back); null when cancelled. */
export async function vibrations(atoms: Atoms, calculator: Calculator, options: VibrationOptions = {}): Promise<VibrationResult | null> {
  const delta = options.delta ?? VIBRATION_DEFAULTS.delta;
  if (!(delta > 0)) throw new Error(`the displacement must be a positive number of Å, got ${delta}`);
  const indices = options.indices ? [...options.indices] : vibratingAtoms(atoms);
  if (indices.length === 0) throw new Error('no atom vibrates: every atom is held fixed');
  for (const i of indices) if (!(Number.isInteger(i) && i >= 0 && i < atoms.length)) throw new Error(`atom ${i} is not in the structure (${atoms.length} atoms, 0-based)`);
  if (new Set(indices).size !== indices.length) throw new Error('an atom is listed more than once among the vibrating atoms');
  const n = 3 * indices.length;
  const total = 2 * n;
  // the forces with one coordinate moved, the atoms put back after each (the curvature check's atom space)
  const space = atomSpace(atoms, calculator);
  const forcesAt = async (k: number, shift: number, progress = true): Promise<Float64Array | null> => {
    if (options.signal?.aborted) return null;
    const d = new Float64Array(space.dim);
    d[k] = shift;
    const f = await space.forcesAt(d);
    if (progress) await options.onDisplacement?.(space.forceCalls, total);
    return Float64Array.from(indices.flatMap((i) => [f[3 * i], f[3 * i + 1], f[3 * i + 2]]));
  };
  const rows = new Float64Array(n * n);
  for (let r = 0; r < n; r++) {
    const k = 3 * indices[Math.floor(r / 3)] + (r % 3);
    const minus = await forcesAt(k, -delta);
    const plus = minus && (await forcesAt(k, delta));
    if (!minus || !plus) return null;
    for (let c = 0; c < n; c++) rows[r * n + c] = (minus[c] - plus[c]) / (2 * delta);
  }
  // the first coordinate's on-site constant again from ±δ/2
  const halfMinus = await forcesAt(3 * indices[0], -delta / 2, false);
  const halfPlus = halfMinus && (await forcesAt(3 * indices[0], delta / 2, false));
  if (!halfMinus || !halfPlus) return null;
  const hessian = new Float64Array(n * n);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) hessian[r * n + c] = 0.5 * (rows[r * n + c] + rows[c * n + r]);
  const weight = Float64Array.from({ length: n }, (_, r) => 1 / Math.sqrt(atoms.masses[indices[Math.floor(r / 3)]]));
  const weighted = hessian.map((h, k) => h * weight[Math.floor(k / n)] * weight[k % n]);
  const { values, vectors } = symmetricEigen(weighted, n);
  const energies = Array.from(values, (w2) => Math.sign(w2) * HBAR_OMEGA * Math.sqrt(Math.abs(w2)));
  const modes = Array.from({ length: n }, (_, m) => {
    const mode = new Float64Array(3 * atoms.length);
    for (let r = 0; r < n; r++) mode[3 * indices[Math.floor(r / 3)] + (r % 3)] = vectors[r * n + m] * weight[r];
    return mode;
  });
  return {
    indices,
    energies,
    frequencies: energies.map((e) => e / INVERSE_CM),
    zeroPointEnergy: 0.5 * energies.reduce((s, e) => s + Math.max(e, 0), 0),
    modes,
    hessian,
    forceCalls: space.forceCalls,
    linearity: { delta, stiffness: rows[0], halfStiffness: (halfMinus[0] - halfPlus[0]) / delta },
  };
}

/** A mode's energy or wavenumber as text, an imaginary one (negative here) with an i as ASE prints it: 12.35i. */
export function modeText(x: number, digits: number): string {
  return x < 0 ? `${(-x).toFixed(digits)}i` : x.toFixed(digits);
}

/**
 * A mode as an animation, as ASE's `iter_animated_mode`: `frames` positions over one period,
 * r + sin(φ)·A·mode with A = √(kT / |ħω|) (the classical amplitude at temperature T; default 300 K).
 */
export function animatedMode(cart: ArrayLike<number>, mode: ArrayLike<number>, energy: number, options: { temperature?: number; frames?: number } = {}): Float64Array[] {
  const frames = options.frames ?? 30;
  const amplitude = Math.sqrt((KB * (options.temperature ?? 300)) / Math.abs(energy));
  return Array.from({ length: frames }, (_, f) => {
    const s = Math.sin((2 * Math.PI * f) / frames) * amplitude;
    return Float64Array.from(cart, (x, k) => x + s * mode[k]);
  });
}

/** A mode's animation (`animatedMode`) as unlabelled frames of the structure, for a file. */
export function modeFrames(structure: Structure, mode: ArrayLike<number>, energy: number, index: number): LabelledFrame[] {
  return animatedMode(structure.cart, mode, energy).map((cart, k) => ({
    structure: { ...structure, name: `${structure.name} mode ${index} frame ${k}`, cart, frac: structure.lattice ? cartToFrac(cart, structure.lattice) : null },
    energy: null,
    freeEnergy: null,
    forces: null,
    stress: null,
  }));
}
