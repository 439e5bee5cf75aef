/**
 * The dashboard of a potential's training run, from its metric keys (written by the potential
 * trainer through the run recorder; docs/potentials.md): per epoch `val_energy_mae`,
 * `val_energy_rmse` (meV/atom), `val_force_mae`, `val_force_rmse` (eV/Å), `val_stress_mae`
 * (GPa), `val_force_mae_<Element>` (eV/Å), `val_score`; the same with `test_` in the best
 * metrics at the end. A run is a potential's when it has any of these keys.
 */
import type { ChartOption, LineSeries } from './charts';
import { PALETTE } from './charts';
import type { RunSeries } from './series';

/** The error curves of a potential run: one chart per quantity, in its units. */
export const POTENTIAL_QUANTITIES = [
  { id: 'energy', title: 'Energy error', units: 'meV/atom', keys: ['energy_mae', 'energy_rmse'] },
  { id: 'force', title: 'Force error', units: 'eV/Å', keys: ['force_mae', 'force_rmse'] },
  { id: 'stress', title: 'Stress error', units: 'GPa', keys: ['stress_mae'] },
] as const;

const POTENTIAL_KEY = /^(val|test|train)_(energy_(mae|rmse)|force_(mae|rmse)(_[A-Z][a-z]?)?|stress_mae)$/;

/** Whether a metric key is one of a potential's error metrics. */
export function isPotentialMetric(key: string): boolean {
  return POTENTIAL_KEY.test(key);
}

/** Whether a run (its metric keys, or best-metric keys) is a potential's. */
export function isPotentialRun(keys: Iterable<string>): boolean {
  for (const k of keys) if (isPotentialMetric(k)) return true;
  return false;
}

/** Units of a potential metric key (null for other keys). */
export function potentialMetricUnit(key: string): string | null {
  const m = POTENTIAL_KEY.exec(key);
  if (!m) return null;
  return m[2].startsWith('energy') ? 'meV/atom' : m[2].startsWith('force') ? 'eV/Å' : 'GPa';
}

/** A potential metric's label: `val_force_mae_Cu` → "force MAE, Cu (eV/Å)" (without the split). */
export function potentialMetricLabel(key: string): string | null {
  const m = POTENTIAL_KEY.exec(key);
  if (!m) return null;
  const [quantity, stat, element] = m[2].split('_');
  return `${quantity} ${stat.toUpperCase()}${element ? `, ${element}` : ''} (${potentialMetricUnit(key)})`;
}

/** Lines of one quantity's chart: validation (solid) and training (dashed) when recorded, per epoch. */
export function quantityLines(series: RunSeries, keys: readonly string[]): LineSeries[] {
  const out: LineSeries[] = [];
  keys.forEach((k, i) => {
    for (const split of ['val', 'train'] as const) {
      const data = series.epoch[`${split}_${k}`];
      if (data?.length) out.push({ name: `${split === 'val' ? 'validation' : 'training'} ${k.replace('_', ' ').replace(/mae|rmse/, (s) => s.toUpperCase())}`, data, color: PALETTE[i], dashed: split === 'train' });
    }
  });
  return out;
}

/** Per element: the force MAE (eV/Å) at the last recorded epoch on the validation set, and on the test set when the run has finished. */
export function elementForceErrors(series: RunSeries, bestMetrics: Record<string, number> = {}): { element: string; val: number | null; test: number | null }[] {
  const elements = new Set<string>();
  for (const k of [...Object.keys(series.epoch), ...Object.keys(bestMetrics)]) {
    const m = /^(val|test)_force_mae_([A-Z][a-z]?)$/.exec(k);
    if (m) elements.add(m[2]);
  }
  return [...elements].sort().map((element) => {
    const pts = series.epoch[`val_force_mae_${element}`];
    return { element, val: pts?.length ? pts[pts.length - 1][1] : (bestMetrics[`val_force_mae_${element}`] ?? null), test: bestMetrics[`test_force_mae_${element}`] ?? null };
  });
}

/** Bars of the per-element force MAE (validation, and test when known). */
export function elementErrorOption(rows: readonly { element: string; val: number | null; test: number | null }[]): ChartOption {
  const text = { fontSize: 11, color: '#5d6675' };
  const hasTest = rows.some((r) => r.test !== null);
  return {
    animation: false,
    grid: { left: 56, right: 16, top: 30, bottom: 30 },
    legend: { top: 4, textStyle: text, itemHeight: 8 },
    tooltip: { trigger: 'axis', axisPointer: { type: 'shadow' } },
    xAxis: { type: 'category', data: rows.map((r) => r.element), axisLabel: text },
    yAxis: { type: 'value', name: 'eV/Å', nameTextStyle: text, axisLabel: text },
    series: [
      { name: 'validation (last epoch)', type: 'bar', data: rows.map((r) => r.val), color: PALETTE[0] },
      ...(hasTest ? [{ name: 'test (best epoch)', type: 'bar', data: rows.map((r) => r.test), color: PALETTE[1] }] : []),
    ],
  };
}

/** The series without the potential's error metrics (they have their own charts). */
export function withoutPotentialMetrics(series: RunSeries): RunSeries {
  return { epoch: Object.fromEntries(Object.entries(series.epoch).filter(([k]) => !isPotentialMetric(k))), batch: series.batch };
}
