/**
 * Parity of a potential run on its validation and test structures (`predict.potentialParity`):
 * energy per atom (eV/atom) and force components (eV/Å), predicted against the reference; the
 * force-component error histogram; and the per-element force MAE of each split.
 */
import type { PotentialParityView } from '../../src-shared/ipc/contract';
import { plural } from '../../src-shared/text';
import type { ParityPoint } from './charts';

export type ParitySplit = 'validation' | 'test';

/** Energy per atom, predicted against reference, one point per structure. */
export function energyParityPoints(view: PotentialParityView, splits: readonly ParitySplit[]): ParityPoint[] {
  return view.energies.filter((e) => splits.includes(e.split)).map((e) => ({ target: e.target, prediction: e.prediction, name: `${e.split} #${e.index} (${plural(e.atoms, 'atom')})`, split: e.split }));
}

/** Force components, predicted against reference, one point per component (x, y, z of each atom). */
export function forceParityPoints(view: PotentialParityView, splits: readonly ParitySplit[]): ParityPoint[] {
  const out: ParityPoint[] = [];
  for (const g of view.forces) {
    if (!splits.includes(g.split)) continue;
    g.target.forEach((t, k) => out.push({ target: t, prediction: g.prediction[k], name: `${g.element} ${'xyz'[k % 3]}`, split: g.split }));
  }
  return out;
}

/** Predicted − reference of every force component, eV/Å. */
export function forceComponentErrors(view: PotentialParityView, splits: readonly ParitySplit[]): number[] {
  return view.forces.filter((g) => splits.includes(g.split)).flatMap((g) => g.prediction.map((p, k) => p - g.target[k]));
}

/** Per element: force-component MAE (eV/Å) and the number of components, over the chosen splits. */
export function elementForceMae(view: PotentialParityView, splits: readonly ParitySplit[]): { element: string; mae: number; components: number }[] {
  const acc = new Map<string, { sum: number; n: number }>();
  for (const g of view.forces) {
    if (!splits.includes(g.split)) continue;
    const a = acc.get(g.element) ?? { sum: 0, n: 0 };
    g.prediction.forEach((p, k) => {
      a.sum += Math.abs(p - g.target[k]);
      a.n++;
    });
    acc.set(g.element, a);
  }
  return [...acc].sort(([x], [y]) => x.localeCompare(y)).map(([element, a]) => ({ element, mae: a.sum / Math.max(1, a.n), components: a.n }));
}
