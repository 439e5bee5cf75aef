/**
 * Does a potential relax structures where the reference does? For each structure: relax it with
 * the reference calculator (EMT) and, from the same start, with the candidate (a trained
 * potential); then compare, per atom,
 *
 * - `referenceGap`: the reference's energy of the candidate's relaxed structure minus the
 *   reference's relaxed energy — ≥ 0 up to the tolerance when both found the same minimum, large
 *   when the candidate relaxed somewhere the reference does not consider a minimum;
 * - `energyGap`: the candidate's own relaxed energy minus the reference's relaxed energy — how
 *   well the candidate predicts the energy it ends at.
 *
 * This is the simulation half of the joint acceptance test of issues 13 and 14 ("a potential
 * relaxes held-out EMT structures to energies within 10 meV/atom of EMT's own relaxation"): the
 * potentials code runs it with its trained potential on a fresh EMT set.
 */
import type { Structure } from '../chem/structure';
import { Atoms } from './atoms';
import type { Calculator } from './calculator';
import { relax, type RelaxOptions } from './relax';

export interface RelaxationAgreement {
  name: string;
  atoms: number;
  referenceConverged: boolean;
  candidateConverged: boolean;
  /** eV/atom: reference energy at the reference's minimum. */
  referenceEnergy: number;
  /** eV/atom: E_ref(candidate's relaxed structure) − E_ref(reference's relaxed structure). */
  referenceGap: number;
  /** eV/atom: E_candidate(candidate's relaxed structure) − E_ref(reference's relaxed structure). */
  energyGap: number;
}

export interface AgreementSummary {
  structures: RelaxationAgreement[];
  /** Largest |referenceGap| and |energyGap|, eV/atom. */
  maxReferenceGap: number;
  maxEnergyGap: number;
  meanAbsEnergyGap: number;
}

export async function relaxationAgreement(
  reference: Calculator,
  candidate: Calculator,
  structures: readonly Structure[],
  options: Pick<RelaxOptions, 'fmax' | 'maxSteps' | 'optimizer'> & { onStructure?: (done: number, total: number) => void } = {},
): Promise<AgreementSummary> {
  const out: RelaxationAgreement[] = [];
  for (const [k, s] of structures.entries()) {
    const n = s.numbers.length;
    const ref = Atoms.fromStructure(s);
    const cand = Atoms.fromStructure(s);
    const r = await relax(ref, reference, options);
    const c = await relax(cand, candidate, options);
    if (r.status === 'failed') throw new Error(`${s.name}: the reference relaxation failed: ${r.message}`);
    const atCandidate = (await reference.calculate(cand, { stress: false })).energy;
    out.push({
      name: s.name,
      atoms: n,
      referenceConverged: r.converged,
      candidateConverged: c.converged,
      referenceEnergy: r.energy / n,
      referenceGap: (atCandidate - r.energy) / n,
      energyGap: (c.energy - r.energy) / n,
    });
    options.onStructure?.(k + 1, structures.length);
  }
  const abs = (f: (a: RelaxationAgreement) => number) => out.map((a) => Math.abs(f(a)));
  return {
    structures: out,
    maxReferenceGap: Math.max(0, ...abs((a) => a.referenceGap)),
    maxEnergyGap: Math.max(0, ...abs((a) => a.energyGap)),
    meanAbsEnergyGap: abs((a) => a.energyGap).reduce((x, y) => x + y, 0) / Math.max(1, out.length),
  };
}
