/**
 * Whether finite differences of the forces have converged at their displacement δ (vibrations.ts,
 * phonons.ts): the on-site force constant of the first moved coordinate (an atom along x) from ±δ and,
 * with 2 more force calls, from ±δ/2. Where the forces are smooth the two agree to δ²'s terms (1e-4
 * relative with EMT); they differ where the forces are not linear at the displacement's scale: float32
 * rounding in a potential's forces, or an energy with a cusp where the structure sits (PaiNN's vector norm
 * at a symmetric site with the paper's ε, docs/simulation.md "Phonons"), whose frequencies then depend on δ.
 */

export interface Linearity {
  /** δ, Å. */
  delta: number;
  /** The on-site force constant from ±δ and from ±δ/2, eV/Å². */
  stiffness: number;
  halfStiffness: number;
}

/** |Φ(δ/2) − Φ(δ)| / |Φ(δ)|. */
export function nonlinearity(l: Linearity): number {
  return Math.abs(l.halfStiffness - l.stiffness) / Math.max(Math.abs(l.stiffness), 1e-12);
}

/** Above this `nonlinearity`, a run says its results depend on the displacement. */
export const NONLINEARITY_NOTE = 0.05;

/** What a run's message adds when its forces are not linear at the displacement ('' when they are): `atom` is the moved atom, `results` what depends on δ. */
export function linearityNote(l: Linearity, atom: number, results: string): string {
  if (!(nonlinearity(l) > NONLINEARITY_NOTE)) return '';
  return `; the forces are not linear at this displacement (atom ${atom}'s force constant along x is ${l.stiffness.toFixed(2)} eV/Å² from ±${l.delta} Å and ${l.halfStiffness.toFixed(2)} from ±${l.delta / 2} Å), so the ${results} depend on it: compare another displacement (an energy with a cusp at the sites, as a PaiNN potential with the paper's vector-norm ε 1e-8 has, gives force constants that grow as the displacement shrinks)`;
}
