/**
 * Labels computed with a reference calculator instead of read from a file: what a dataset of
 * structures gets when no DFT is at hand (the dataset import's "label with EMT"). Energy (eV, whole
 * cell; also the free energy, as ASE's EMT reports it), forces (eV/Å) and, for a structure periodic
 * in three directions, the stress (Voigt, eV/Å³, ASE's sign) — ASE's `EMT()` numbers.
 */
import type { LabelledFrame, Voigt6 } from '../chem/frames';
import type { Structure } from '../chem/structure';
import { Atoms } from './atoms';
import { EmtCalculator } from './emt';

/** The calculators a dataset can be labelled with. */
export const LABELLING_CALCULATORS = ['emt'] as const;
export type LabellingCalculator = (typeof LABELLING_CALCULATORS)[number];

/**
 * `structure` with EMT's labels (any it carried are replaced). Throws `SimulationInputError` (no
 * atoms, a site without an element or partially occupied) or `CalculatorError` (an element EMT does
 * not describe) with a sentence. Pass one calculator for many structures: it keeps its tables.
 */
export function emtLabelledFrame(structure: Structure, calculator: EmtCalculator = new EmtCalculator()): LabelledFrame {
  Atoms.fromStructure(structure); // an ordered structure of real atoms, or a sentence saying why not
  const c = calculator.compute(structure, true);
  return { structure, energy: c.energy, freeEnergy: c.energy, forces: c.forces, stress: c.stress ? (Array.from(c.stress) as Voigt6) : null };
}
