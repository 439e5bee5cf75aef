import { describe, expect, it } from 'vitest';
import type { PotentialPredictionView } from '../../../src-shared/ipc/contract';
import { arrowScale, atomColoring, coloringsOf, displayColors, forceErrors, potentialSummary, sequentialRgb } from '../../../src-renderer/lib/potential';

function view(over: Partial<PotentialPredictionView> = {}): PotentialPredictionView {
  return {
    modelId: 1,
    model: 'p',
    structureId: 2,
    name: 's',
    energy: -7.5,
    energyPerAtom: -3.75,
    atomEnergies: [-3.5, -4],
    forces: [
      [0.3, 0, 0],
      [-0.3, 0, 0],
    ],
    stress: [0.01, 0.01, 0.01, 0, 0, 0],
    std: null,
    reference: { energy: null, forces: null, stress: null },
    ...over,
  };
}

describe('potential view helpers', () => {
  it('summarise force errors by component, the energy error per atom and stress in GPa with ASE’s sign', () => {
    const s = potentialSummary(
      view({
        reference: {
          energy: -7.4,
          forces: [
            [0.2, 0.1, 0],
            [-0.3, 0, 0],
          ],
          stress: [0, 0, 0, 0, 0, 0],
        },
      }),
    );
    expect(s.maxForce).toBeCloseTo(0.3, 12);
    expect(s.forceMae).toBeCloseTo(0.2 / 6, 12);
    expect(s.forceRmse).toBeCloseTo(Math.sqrt(0.02 / 6), 12);
    expect(s.energyErrorMeVPerAtom).toBeCloseTo(-50, 9);
    expect(s.stressGPa![0]).toBeCloseTo(1.602176634, 6);
    // tensile stress is negative pressure
    expect(s.pressureGPa).toBeCloseTo(-1.602176634, 6);
    expect(s.referenceStressGPa).toEqual([0, 0, 0, 0, 0, 0]);
    expect(potentialSummary(view()).forceMae).toBeNull();
  });

  it('offers the error colouring only with reference forces and the spread only for ensembles', () => {
    expect(coloringsOf(view())).toEqual(['element', 'energy']);
    const v = view({ reference: { energy: null, forces: [[0, 0, 0], [0, 0, 1]], stress: null }, std: { energy: 0.1, forces: null, forceNorm: [0.05, 0.2], stress: null } });
    expect(coloringsOf(v)).toEqual(['element', 'energy', 'error', 'spread']);
    expect(atomColoring(view(), 'error')).toBeNull();
    const spread = atomColoring(v, 'spread')!;
    expect(spread.legend).toMatchObject({ low: 0, high: 0.2, units: 'eV/Å' });
    expect(Array.from(spread.colors.slice(3))).toEqual(sequentialRgb(1).map(Math.fround));
    const err = atomColoring(v, 'error')!;
    expect(err.values).toEqual(forceErrors(v.forces, v.reference.forces!));
    expect(err.values[1]).toBeCloseTo(Math.hypot(0.3, 1), 12);
  });

  it('colours per-atom energies around their mean, more bound atoms blue, with the mean in the legend', () => {
    const c = atomColoring(view(), 'energy')!;
    expect(c.legend).toMatchObject({ low: -0.25, high: 0.25, units: 'eV' });
    expect(c.legend.title).toContain('-3.750');
    // atom 0 (less bound) is red-ish, atom 1 (more bound) blue-ish
    expect(c.colors[0]).toBeGreaterThan(c.colors[2]);
    expect(c.colors[5]).toBeGreaterThan(c.colors[3]);
  });

  it('scales arrows so that the longest force is 1.6 Å, maps site colours onto displayed images', () => {
    expect(arrowScale([[[0, 0.8, 0]], [[0, 0, 0.4]]])).toBeCloseTo(2, 12);
    expect(arrowScale([[[0, 0, 0]]])).toBe(1);
    expect(Array.from(displayColors(new Float32Array([1, 0, 0, 0, 0, 1]), [1, 0, 1]))).toEqual([0, 0, 1, 1, 0, 0, 0, 0, 1]);
    expect(sequentialRgb(0)).toEqual([47 / 255, 111 / 255, 222 / 255]);
    expect(sequentialRgb(2)).toEqual(sequentialRgb(1));
  });
});
