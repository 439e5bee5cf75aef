import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readStructures } from '../../../src-shared/chem';
import { EmtCalculator, LennardJonesCalculator, relaxationAgreement, type Calculator } from '../../../src-shared/sim';
import { shared } from '../../helpers/shared-data';

// five held-out-like structures: the shared EMT set's first five
const file = shared('emt-dev', 'emt_dataset.extxyz');
const text = readFileSync(file, 'utf8').split('\n');
let end = 0;
for (let k = 0; k < 5; k++) end += Number(text[end]) + 2;
const structures = readStructures('five.extxyz', text.slice(0, end).join('\n')).structures;

/** EMT shifted by a constant per atom: the same minima, energies off by `shift` eV/atom. */
function shiftedEmt(shift: number): Calculator {
  const emt = new EmtCalculator();
  return {
    name: 'emt+shift',
    async calculate(a, o) {
      const r = await emt.calculate(a, o);
      return { ...r, energy: r.energy + shift * a.numbers.length };
    },
  };
}

describe('relaxation agreement harness (the simulation half of the joint test with issue 13)', () => {
  it('finds no gap between EMT and itself', async () => {
    const s = await relaxationAgreement(new EmtCalculator(), new EmtCalculator(), structures, { fmax: 0.01 });
    expect(s.structures).toHaveLength(5);
    expect(s.structures.every((a) => a.referenceConverged && a.candidateConverged)).toBe(true);
    expect(s.maxReferenceGap).toBe(0);
    expect(s.maxEnergyGap).toBe(0);
  });

  it('measures an energy offset as an energy gap, not as a different minimum', async () => {
    const s = await relaxationAgreement(new EmtCalculator(), shiftedEmt(0.02), structures, { fmax: 0.01 });
    expect(s.maxReferenceGap).toBeLessThan(1e-9);
    for (const a of s.structures) expect(a.energyGap).toBeCloseTo(0.02, 9);
    expect(s.meanAbsEnergyGap).toBeCloseTo(0.02, 9);
  });

  it('catches a potential that relaxes somewhere else (Lennard-Jones with the wrong length scale)', async () => {
    const s = await relaxationAgreement(new EmtCalculator(), new LennardJonesCalculator({ sigma: 2.0, epsilon: 0.3 }), structures, { fmax: 0.01, maxSteps: 300 });
    expect(s.maxReferenceGap).toBeGreaterThan(0.01);
    expect(s.structures.every((a) => a.referenceGap >= -1e-6)).toBe(true);
  });
});
