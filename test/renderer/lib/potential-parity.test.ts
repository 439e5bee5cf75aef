import { describe, expect, it } from 'vitest';
import type { PotentialParityView } from '../../../src-shared/ipc/contract';
import { elementForceMae, energyParityPoints, forceComponentErrors, forceParityPoints } from '../../../src-renderer/lib/potentialParity';

const view: PotentialParityView = {
  runId: 1,
  modelId: 2,
  model: 'm',
  energies: [
    { split: 'validation', index: 3, atoms: 4, target: -3.5, prediction: -3.4 },
    { split: 'test', index: 7, atoms: 2, target: -3.0, prediction: -3.1 },
  ],
  forces: [
    { split: 'validation', element: 'Cu', target: [0, 0, 1], prediction: [0, 0, 0.5] },
    { split: 'test', element: 'Cu', target: [1, 0, 0, 0, 1, 0], prediction: [1.2, 0, 0, 0, 1, 0] },
    { split: 'test', element: 'Au', target: [0, 0, 0], prediction: [0.3, -0.3, 0] },
  ],
};

describe('potential parity', () => {
  it('gives energy points per structure and force points per component of the chosen splits', () => {
    expect(energyParityPoints(view, ['test'])).toEqual([{ target: -3, prediction: -3.1, name: 'test #7 (2 atoms)', split: 'test' }]);
    expect(energyParityPoints(view, ['validation', 'test'])).toHaveLength(2);
    const single = { ...view, energies: [{ split: 'test' as const, index: 0, atoms: 1, target: -3.7, prediction: -3.6 }] };
    expect(energyParityPoints(single, ['test'])[0].name).toBe('test #0 (1 atom)');
    const f = forceParityPoints(view, ['test']);
    expect(f).toHaveLength(9);
    expect(f[0]).toEqual({ target: 1, prediction: 1.2, name: 'Cu x', split: 'test' });
    expect(f[7]).toMatchObject({ name: 'Au y', prediction: -0.3 });
    expect(forceParityPoints(view, ['validation', 'test'])).toHaveLength(12);
  });

  it('gives component errors and per-element MAE over the chosen splits', () => {
    const e = forceComponentErrors(view, ['test']);
    expect(e).toHaveLength(9);
    expect(e[0]).toBeCloseTo(0.2, 12);
    const m = elementForceMae(view, ['test']);
    expect(m.map((r) => r.element)).toEqual(['Au', 'Cu']);
    expect(m[0].mae).toBeCloseTo(0.2, 12);
    expect(m[1]).toMatchObject({ components: 6 });
    expect(m[1].mae).toBeCloseTo(0.2 / 6, 12);
    const both = elementForceMae(view, ['validation', 'test']).find((r) => r.element === 'Cu')!;
    expect(both.mae).toBeCloseTo(0.7 / 9, 12);
  });
});
