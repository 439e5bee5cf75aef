/**
 * Errors of a potential on labelled frames, in the units the field reports them:
 * energy MAE/RMSE per atom in meV/atom, force component MAE/RMSE in eV/Å, stress component MAE
 * in GPa (and eV/Å³), per-element force MAE (eV/Å, over the components of that element's atoms).
 *
 * Selection score (best epoch, lower is better): the sum of the MAEs of what was trained on, each
 * in milli-units, energyMae [meV/atom] + forceMae [meV/Å] + stressMae [meV/Å³], so one meV/atom of
 * energy error weighs as much as one meV/Å of force error. Quantities without labels or not
 * trained on are left out.
 */
import { elementSymbol } from '../../../src-shared/chem/elements';
import { GPA_IN_EV_PER_A3 } from '../../../src-shared/chem/frames';
import type { LabelledFrame } from '../../../src-shared/chem/frames';

/** Predictions for one frame. */
export interface FramePrediction {
  energy: number;
  forces: Float64Array | null;
  stress: Float64Array | null;
  atomEnergies: Float64Array;
}

export interface PotentialMetrics {
  frames: number;
  energyMaeMeVPerAtom: number | null;
  energyRmseMeVPerAtom: number | null;
  forceMae: number | null;
  forceRmse: number | null;
  stressMaeGPa: number | null;
  stressMaeEvPerA3: number | null;
  /** Element symbol → force MAE (eV/Å). */
  forceMaeByElement: Record<string, number>;
}

export function potentialMetrics(frames: readonly LabelledFrame[], preds: readonly FramePrediction[]): PotentialMetrics {
  if (frames.length !== preds.length) throw new Error(`metrics: ${preds.length} predictions for ${frames.length} frames`);
  let eAbs = 0;
  let eSq = 0;
  let eN = 0;
  let fAbs = 0;
  let fSq = 0;
  let fN = 0;
  let sAbs = 0;
  let sN = 0;
  const byZ = new Map<number, { abs: number; n: number }>();
  frames.forEach((f, k) => {
    const p = preds[k];
    const n = f.structure.numbers.length;
    if (f.energy !== null) {
      const d = (p.energy - f.energy) / n;
      eAbs += Math.abs(d);
      eSq += d * d;
      eN++;
    }
    if (f.forces && p.forces) {
      for (let i = 0; i < n; i++) {
        const z = f.structure.numbers[i];
        const acc = byZ.get(z) ?? { abs: 0, n: 0 };
        for (let c = 0; c < 3; c++) {
          const d = p.forces[3 * i + c] - f.forces[3 * i + c];
          fAbs += Math.abs(d);
          fSq += d * d;
          acc.abs += Math.abs(d);
        }
        acc.n += 3;
        fN += 3;
        byZ.set(z, acc);
      }
    }
    if (f.stress && p.stress)
      for (let c = 0; c < 6; c++) {
        sAbs += Math.abs(p.stress[c] - f.stress[c]);
        sN++;
      }
  });
  const forceMaeByElement: Record<string, number> = {};
  for (const z of [...byZ.keys()].sort((a, b) => a - b)) forceMaeByElement[elementSymbol(z)] = byZ.get(z)!.abs / byZ.get(z)!.n;
  return {
    frames: frames.length,
    energyMaeMeVPerAtom: eN ? (1000 * eAbs) / eN : null,
    energyRmseMeVPerAtom: eN ? 1000 * Math.sqrt(eSq / eN) : null,
    forceMae: fN ? fAbs / fN : null,
    forceRmse: fN ? Math.sqrt(fSq / fN) : null,
    stressMaeGPa: sN ? sAbs / sN / GPA_IN_EV_PER_A3 : null,
    stressMaeEvPerA3: sN ? sAbs / sN : null,
    forceMaeByElement,
  };
}

/** The best-epoch score (see the module comment); Infinity when nothing it needs is there. */
export function selectionScore(m: PotentialMetrics, trained: { forces: boolean; stress: boolean }): number {
  let s = 0;
  let any = false;
  if (m.energyMaeMeVPerAtom !== null) {
    s += m.energyMaeMeVPerAtom;
    any = true;
  }
  if (trained.forces && m.forceMae !== null) {
    s += 1000 * m.forceMae;
    any = true;
  }
  if (trained.stress && m.stressMaeEvPerA3 !== null) {
    s += 1000 * m.stressMaeEvPerA3;
    any = true;
  }
  return any ? s : Infinity;
}

/**
 * The metrics as a run records them (keys without the split prefix; null values left out):
 * `energy_mae`, `energy_rmse` (meV/atom), `force_mae`, `force_rmse` (eV/Å), `stress_mae` (GPa),
 * `force_mae_<Element>` (eV/Å) and, when given, `score` (the selection score above).
 */
export function metricValues(m: PotentialMetrics, score?: number): Record<string, number> {
  const out: Record<string, number> = {};
  const put = (key: string, v: number | null | undefined) => {
    if (v !== null && v !== undefined && Number.isFinite(v)) out[key] = v;
  };
  put('energy_mae', m.energyMaeMeVPerAtom);
  put('energy_rmse', m.energyRmseMeVPerAtom);
  put('force_mae', m.forceMae);
  put('force_rmse', m.forceRmse);
  put('stress_mae', m.stressMaeGPa);
  put('score', score);
  for (const [el, v] of Object.entries(m.forceMaeByElement)) put(`force_mae_${el}`, v);
  return out;
}
