import { describe, expect, it } from 'vitest';
import type { MetricPoint } from '../../../src-shared/ipc/contract';
import { columnLabel, defaultColumns } from '../../../src-renderer/lib/runs';
import { seriesFromPoints } from '../../../src-renderer/lib/series';
import {
  elementForceErrors,
  isPotentialRun,
  potentialMetricUnit,
  quantityLines,
  withoutPotentialMetrics,
} from '../../../src-renderer/lib/potentialRuns';

/** Stored points as the potential trainer records them: per epoch (step = epoch) and per batch. */
function points(): MetricPoint[] {
  const out: MetricPoint[] = [];
  const add = (key: string, epoch: number, value: number, step = epoch) => out.push({ key, step, epoch, value, time: 0 } as MetricPoint);
  for (let e = 0; e < 3; e++) {
    add('train_loss', e, 1 / (e + 1));
    add('val_energy_mae', e, 30 - 10 * e);
    add('val_energy_rmse', e, 40 - 10 * e);
    add('val_force_mae', e, 0.3 - 0.1 * e);
    add('val_force_rmse', e, 0.4 - 0.1 * e);
    add('val_stress_mae', e, 2 - e);
    add('val_force_mae_Cu', e, 0.2 - 0.05 * e);
    add('val_force_mae_Au', e, 0.4 - 0.05 * e);
    add('val_score', e, 100 - e);
    add('batch_loss', e, 1, 2 * e + 1);
  }
  return out;
}

describe('potential run dashboard', () => {
  it('recognises a potential run by its metric keys and gives each quantity its units', () => {
    const s = seriesFromPoints(points());
    expect(isPotentialRun(Object.keys(s.epoch))).toBe(true);
    expect(isPotentialRun(['val_mae', 'train_loss', 'val_r2'])).toBe(false);
    expect(isPotentialRun(['test_force_mae'])).toBe(true);
    expect(potentialMetricUnit('val_energy_rmse')).toBe('meV/atom');
    expect(potentialMetricUnit('test_force_mae_Cu')).toBe('eV/Å');
    expect(potentialMetricUnit('val_stress_mae')).toBe('GPa');
    expect(potentialMetricUnit('val_mae')).toBeNull();
  });

  it('draws energy and force MAE/RMSE per epoch (epoch 1 first), and leaves them out of the generic charts', () => {
    const s = seriesFromPoints(points());
    const energy = quantityLines(s, ['energy_mae', 'energy_rmse']);
    expect(energy.map((l) => l.name)).toEqual(['validation energy MAE', 'validation energy RMSE']);
    expect(energy[0].data).toEqual([
      [1, 30],
      [2, 20],
      [3, 10],
    ]);
    expect(quantityLines(s, ['stress_mae'])[0].data.map((p) => p[1])).toEqual([2, 1, 0]);
    const rest = withoutPotentialMetrics(s);
    expect(Object.keys(rest.epoch).sort()).toEqual(['train_loss', 'val_score']);
    expect(Object.keys(rest.batch)).toEqual(['batch_loss']);
  });

  it('lists per-element force errors: last validation epoch, and the test value once finished', () => {
    const s = seriesFromPoints(points());
    expect(elementForceErrors(s)).toEqual([
      { element: 'Au', val: expect.closeTo(0.3, 12) as number, test: null },
      { element: 'Cu', val: expect.closeTo(0.1, 12) as number, test: null },
    ]);
    const done = elementForceErrors(s, { test_force_mae_Cu: 0.12, test_force_mae_Ni: 0.5 });
    expect(done.map((r) => r.element)).toEqual(['Au', 'Cu', 'Ni']);
    expect(done[1].test).toBe(0.12);
    expect(done[2]).toEqual({ element: 'Ni', val: null, test: 0.5 });
  });

  it('labels potential metrics in the runs table with units, and shows energy and force MAE by default', () => {
    expect(columnLabel('val_force_mae_Cu')).toBe('validation force MAE, Cu (eV/Å)');
    expect(columnLabel('test_energy_rmse')).toBe('test energy RMSE (meV/atom)');
    expect(columnLabel('val_stress_mae')).toBe('validation stress MAE (GPa)');
    expect(columnLabel('val_mae')).toBe('validation MAE');
    const cols = defaultColumns({ metrics: ['best_epoch', 'val_energy_mae', 'val_force_mae', 'val_force_mae_Cu', 'test_energy_mae', 'val_score'], summary: ['architecture'] });
    expect(cols).toEqual(['metric.best_epoch', 'metric.val_energy_mae', 'metric.val_force_mae', 'metric.test_energy_mae', 'summary.architecture']);
  });
});
