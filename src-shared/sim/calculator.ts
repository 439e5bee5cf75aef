/**
 * The calculator interface: energy, forces and stress of a structure (ASE's `Calculator`).
 *
 * Every way of computing a potential energy surface — the built-in EMT, Lennard-Jones, Morse, a
 * trained potential hosted by a compute worker — implements `Calculator`. Optimisers, integrators
 * and the equation of state only ever call `calculate`, so any of them runs with any calculator.
 *
 * Units and signs (see `units.ts`): energy eV; forces eV/Å, 3 per atom, F = −∂E/∂r; stress eV/Å³ as
 * a Voigt 6-vector (xx, yy, zz, yz, xz, xy), σ = (1/V) ∂E/∂ε (ASE's sign: positive = tensile).
 */
import type { AtomicConfiguration } from './atoms';

export interface Calculation {
  /** Potential energy, eV. */
  energy: number;
  /** Forces, eV/Å, 3 per atom (atom i is [3i, 3i + 3)). */
  forces: Float64Array;
  /** Voigt stress, eV/Å³; null when not asked for or not defined (no cell, or not periodic in 3D). */
  stress: Float64Array | null;
  /** Per-atom energies summing to `energy`, eV, when the calculator has them. */
  energies?: Float64Array;
  /**
   * An ensemble of potentials: how far its members disagree on the forces, eV/Å — the largest over
   * atoms of √(Σ_c σ_c²), σ_c the members' standard deviation of the force component c (the
   * "maximum force deviation" of DP-GEN's model deviation). Absent for a single model or a built-in.
   */
  forceSpread?: number;
}

export interface CalculateOptions {
  /** Compute the stress too (default true; a calculator may skip it when false to save time). */
  stress?: boolean;
}

/**
 * How far (Å) the atoms are that an atom's energy depends on, and what sets it: a pair potential's or
 * EMT's cutoff; a message-passing potential's cutoff times its interaction blocks (its receptive field:
 * each block passes messages one cutoff further).
 */
export interface Reach {
  distance: number;
  /** What sets it, for a message: "its cutoff", "its cutoff 5 Å × 3 interaction blocks". */
  what: string;
}

export interface Calculator {
  /** Short name for reports and the run record (`emt`, `lj`, `morse`, or a model's name). */
  readonly name: string;
  /** How far an atom's energy feels the others; absent when the calculator does not say. */
  readonly reach?: Reach;
  /**
   * Energy, forces and (when periodic in three directions and asked for) stress of a configuration.
   * Asynchronous so that a potential evaluated by a worker or a tfjs backend implements it as well.
   * Throws when the configuration has an element the calculator does not describe.
   */
  calculate(atoms: AtomicConfiguration, options?: CalculateOptions): Promise<Calculation>;
  /** Frees what the calculator holds (a model's tensors, a worker). Optional. */
  dispose?(): void;
}

/** An error a calculator raises for a configuration it cannot describe (an element without parameters). */
export class CalculatorError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CalculatorError';
  }
}

/** Pressure from a Voigt stress, P = −tr(σ)/3, in the stress's unit. */
export function pressureOf(stress: ArrayLike<number>): number {
  return -(stress[0] + stress[1] + stress[2]) / 3;
}
