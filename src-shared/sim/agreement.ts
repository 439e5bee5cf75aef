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
 *
 * With `reproducibility`, the reference also relaxes each structure from a few starts moved by
 * Gaussian noise of `sigma` Å (far below what a potential's force errors move a relaxation by), with
 * the same protocol, and the report says how reproducible the reference's own relaxation is:
 *
 * - `referenceSpread`: the largest |E_ref(relaxed from a moved start) − E_ref(relaxed from the
 *   start)| per atom. Rattled cells near an unstable arrangement (a simple-cubic or bcc cell of fcc
 *   metals, say) sit near a ridge between minima: there EMT itself ends tens of meV/atom apart from
 *   starts 0.002 Å apart, with FIRE or L-BFGS at any step size (docs/simulation.md), so no potential
 *   can be expected to follow it into the same minimum;
 * - `referenceRange`: the lowest and highest relaxed reference energies per atom over the start and
 *   the moved starts, and `rangeGap`: the candidate's relaxed energy per atom minus the nearest end
 *   of that range (0 inside it) — the criterion measured against the reference's relaxations of
 *   starts it cannot tell apart. For a reproducible structure it equals `energyGap` to within the
 *   spread.
 */
import type { Structure } from '../chem/structure';
import { Rng } from '../model/rng';
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
  /** With `reproducibility`: eV/atom, the largest |E_ref(from a moved start) − E_ref(from the start)|; else null. */
  referenceSpread: number | null;
  /** With `reproducibility`: eV/atom, the lowest and highest relaxed reference energies over the start and the moved starts. */
  referenceRange: [number, number] | null;
  /** With `reproducibility`: eV/atom, the candidate's relaxed energy minus the nearest end of `referenceRange` (0 inside). */
  rangeGap: number | null;
  /** With `minimum`: whether each relaxation from the start ended at a saddle point (null when it was not asked, or did not converge). */
  referenceSaddle: boolean | null;
  candidateSaddle: boolean | null;
}

export interface ReproducibilityOptions {
  /** Standard deviation of the Gaussian moves of every coordinate of the start, Å (default 0.002). */
  sigma?: number;
  /** Number of moved starts (default 5). */
  starts?: number;
  /** Seed of the moves (default 1). */
  seed?: number;
  /** Largest `referenceSpread` of a reproducible ("well-posed") structure, eV/atom (default 0.001). */
  tolerance?: number;
}

export const REPRODUCIBILITY_DEFAULTS = Object.freeze({ sigma: 0.002, starts: 5, seed: 1, tolerance: 0.001 });

export interface AgreementSummary {
  structures: RelaxationAgreement[];
  /** Largest |referenceGap| and |energyGap|, eV/atom. */
  maxReferenceGap: number;
  maxEnergyGap: number;
  meanAbsEnergyGap: number;
  /** With `reproducibility` (else null): structures whose `referenceSpread` is within the tolerance. */
  wellPosed: number | null;
  /** With `reproducibility`: largest |energyGap| over the well-posed structures, eV/atom. */
  maxEnergyGapWellPosed: number | null;
  /** With `reproducibility`: largest |rangeGap| over all structures, eV/atom. */
  maxRangeGap: number | null;
}

export async function relaxationAgreement(
  reference: Calculator,
  candidate: Calculator,
  structures: readonly Structure[],
  options: Pick<RelaxOptions, 'fmax' | 'maxSteps' | 'optimizer' | 'minimum'> & {
    reproducibility?: ReproducibilityOptions;
    onStructure?: (done: number, total: number) => void;
  } = {},
): Promise<AgreementSummary> {
  const protocol = { fmax: options.fmax, maxSteps: options.maxSteps, optimizer: options.optimizer, minimum: options.minimum };
  const rep = options.reproducibility ? { ...REPRODUCIBILITY_DEFAULTS, ...options.reproducibility } : null;
  if (rep && !(rep.sigma > 0 && Number.isInteger(rep.starts) && rep.starts >= 1 && rep.tolerance > 0)) {
    throw new Error(`reproducibility needs sigma > 0 Å, a whole number of starts ≥ 1 and a tolerance > 0 eV/atom`);
  }
  const rng = rep ? new Rng(rep.seed) : null;
  const out: RelaxationAgreement[] = [];
  for (const [k, s] of structures.entries()) {
    const n = s.numbers.length;
    const ref = Atoms.fromStructure(s);
    const cand = Atoms.fromStructure(s);
    const r = await relax(ref, reference, protocol);
    const c = await relax(cand, candidate, protocol);
    if (r.status === 'failed') throw new Error(`${s.name}: the reference relaxation failed: ${r.message}`);
    const atCandidate = (await reference.calculate(cand, { stress: false })).energy;
    let spread: number | null = null;
    let range: [number, number] | null = null;
    if (rep && rng) {
      range = [r.energy / n, r.energy / n];
      spread = 0;
      for (let k = 0; k < rep.starts; k++) {
        const moved = Atoms.fromStructure(s);
        for (let i = 0; i < moved.cart.length; i++) if (!moved.fixed?.[Math.floor(i / 3)]) moved.cart[i] += rep.sigma * rng.normal();
        const m = await relax(moved, reference, protocol);
        if (m.status === 'failed') throw new Error(`${s.name}: the reference relaxation of a moved start failed: ${m.message}`);
        spread = Math.max(spread, Math.abs(m.energy - r.energy) / n);
        range = [Math.min(range[0], m.energy / n), Math.max(range[1], m.energy / n)];
      }
    }
    const e = c.energy / n;
    out.push({
      name: s.name,
      atoms: n,
      referenceConverged: r.converged,
      candidateConverged: c.converged,
      referenceEnergy: r.energy / n,
      referenceGap: (atCandidate - r.energy) / n,
      energyGap: (c.energy - r.energy) / n,
      referenceSpread: spread,
      referenceRange: range,
      rangeGap: range ? (e < range[0] ? e - range[0] : e > range[1] ? e - range[1] : 0) : null,
      referenceSaddle: r.minimum?.saddle ?? null,
      candidateSaddle: c.minimum?.saddle ?? null,
    });
    options.onStructure?.(k + 1, structures.length);
  }
  const abs = (f: (a: RelaxationAgreement) => number, of = out) => of.map((a) => Math.abs(f(a)));
  const wellPosed = rep ? out.filter((a) => a.referenceSpread! <= rep.tolerance) : null;
  return {
    structures: out,
    maxReferenceGap: Math.max(0, ...abs((a) => a.referenceGap)),
    maxEnergyGap: Math.max(0, ...abs((a) => a.energyGap)),
    meanAbsEnergyGap: abs((a) => a.energyGap).reduce((x, y) => x + y, 0) / Math.max(1, out.length),
    wellPosed: wellPosed ? wellPosed.length : null,
    maxEnergyGapWellPosed: wellPosed ? Math.max(0, ...abs((a) => a.energyGap, wellPosed)) : null,
    maxRangeGap: rep ? Math.max(0, ...abs((a) => a.rangeGap!)) : null,
  };
}
