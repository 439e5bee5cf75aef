import { describe, expect, it } from 'vitest';
import { readStructures } from '../../../src-shared/chem';
import type { Structure } from '../../../src-shared/chem';
import { EmtCalculator, LennardJonesCalculator, relaxationAgreement, type Calculator } from '../../../src-shared/sim';
import { emtFramesText } from '../../helpers/shared-data';

// five held-out-like structures: the shared EMT set's first five
const structures = readStructures('five.extxyz', emtFramesText(5)).structures;

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

/** One atom in a tilted double well along x, E = (x² − 1)² + tilt·x (eV, Å): minima near x = ±1, a ridge near x = tilt/4. */
function doubleWell(tilt: number): Calculator {
  return {
    name: `double well ${tilt}`,
    async calculate(a) {
      const x = a.cart[0];
      return { energy: (x * x - 1) ** 2 + tilt * x, forces: Float64Array.of(-(4 * x ** 3 - 4 * x + tilt), 0, 0), stress: null };
    },
  };
}

function atomAt(x: number): Structure {
  return { name: `atom at ${x}`, lattice: null, pbc: [false, false, false], numbers: Int32Array.of(29), species: ['Cu'], cart: Float64Array.of(x, 0, 0), frac: null, occupancy: Float64Array.of(1), siteProperties: {}, properties: {} };
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

  it('says how reproducible the reference relaxation is: EMT from moved starts, well-posed structures and the range gap', async () => {
    const self = await relaxationAgreement(new EmtCalculator(), new EmtCalculator(), structures, { fmax: 0.01, reproducibility: {} });
    expect(self.wellPosed).toBe(5);
    for (const a of self.structures) {
      expect(a.referenceSpread).toBeLessThan(1e-3);
      expect(a.referenceRange![0]).toBeLessThanOrEqual(a.referenceEnergy);
      expect(a.referenceRange![1]).toBeGreaterThanOrEqual(a.referenceEnergy);
      expect(a.rangeGap).toBe(0);
    }
    expect(self.maxRangeGap).toBe(0);
    const shifted = await relaxationAgreement(new EmtCalculator(), shiftedEmt(0.02), structures, { fmax: 0.01, reproducibility: {} });
    // 20 meV/atom above EMT's minimum: above the range of EMT's relaxed energies by the shift less the range's width
    for (const a of shifted.structures) {
      expect(a.rangeGap!).toBeLessThanOrEqual(0.02 + 1e-9);
      expect(a.rangeGap!).toBeGreaterThan(0.02 - a.referenceSpread! - 1e-9);
    }
    expect(shifted.maxEnergyGapWellPosed).toBeCloseTo(0.02, 9);
  });

  it('a start on a ridge: the reference itself ends in either minimum, the candidate in one of them counts as the reference', async () => {
    // the reference's ridge is at x ≈ 0.025, the candidate's at ≈ 0.035; the start between them falls to +1 with the
    // reference and to −1 with the candidate; starts moved by 0.02 Å fall either way with the reference
    const start = [atomAt(0.027)];
    const s = await relaxationAgreement(doubleWell(0.1), doubleWell(0.14), start, { fmax: 0.001, reproducibility: { sigma: 0.02 } });
    const [a] = s.structures;
    expect(a.referenceEnergy).toBeCloseTo(0.1, 2);
    expect(a.energyGap).toBeLessThan(-0.2);
    expect(a.referenceSpread).toBeGreaterThan(0.15);
    expect(s.wellPosed).toBe(0);
    expect(s.maxEnergyGapWellPosed).toBe(0);
    // EMT-like reference relaxations reach both minima; the candidate's end (x ≈ −1, E ≈ −0.14) is measured from the
    // nearest one (−0.1): its energy error there (the tilts' difference), not the 0.2 eV between the minima
    expect(a.referenceRange![0]).toBeCloseTo(-0.1, 2);
    expect(a.referenceRange![1]).toBeCloseTo(0.1, 2);
    expect(a.rangeGap).toBeCloseTo(-0.04, 2);
    expect(s.maxRangeGap).toBeCloseTo(0.04, 2);
    // and without it the summary has no reproducibility numbers
    const plain = await relaxationAgreement(doubleWell(0.1), doubleWell(0.14), start, { fmax: 0.001 });
    expect(plain.structures[0].referenceSpread).toBeNull();
    expect(plain.wellPosed).toBeNull();
    expect(plain.maxRangeGap).toBeNull();
  });
});
