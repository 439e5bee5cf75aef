import { describe, expect, it } from 'vitest';
import { Atoms, CalculatorError, EmtCalculator, LennardJonesCalculator, MorseCalculator, type LennardJonesParameters } from '../../../src-shared/sim';
import { atomsAtSamePosition } from '../../../src-shared/sim/pairs';
import { atomsFromGolden, fcc, golden, maxAbsDiff, rattle } from './helpers';

function ljParameters(p: Record<string, number | boolean>): LennardJonesParameters {
  return {
    epsilon: p.epsilon as number | undefined,
    sigma: p.sigma as number | undefined,
    cutoff: p.rc as number | undefined,
    onset: p.ro as number | undefined,
    cutoffMode: p.smooth ? 'smooth' : 'shift',
  };
}

describe('Lennard-Jones against ASE 3.22 LennardJones', () => {
  for (const g of golden.lj) {
    it(`${g.name}: energy, forces and stress equal ASE's`, () => {
      const r = new LennardJonesCalculator(ljParameters(g.parameters)).compute(atomsFromGolden(g));
      expect(Math.abs(r.energy - g.energy)).toBeLessThan(1e-10 * Math.max(1, Math.abs(g.energy)));
      expect(maxAbsDiff(r.energies!, g.energies!)).toBeLessThan(1e-10 * Math.max(1, Math.abs(g.energy)));
      expect(maxAbsDiff(r.forces, g.forces.flat())).toBeLessThan(1e-10 * Math.max(1, ...g.forces.flat().map(Math.abs)));
      if (g.stress === null) expect(r.stress).toBeNull();
      else expect(maxAbsDiff(r.stress!, g.stress)).toBeLessThan(1e-12);
    });
  }
});

describe('Morse against ASE 3.22 MorsePotential', () => {
  for (const g of golden.morse) {
    it(`${g.name}: energy and forces equal ASE's`, () => {
      const p = g.parameters;
      const r0 = p.r0 ?? 1;
      const calc = new MorseCalculator({ epsilon: p.epsilon, r0: p.r0, rho0: p.rho0, onset: p.rcut1 === undefined ? undefined : p.rcut1 * r0, cutoff: p.rcut2 === undefined ? undefined : p.rcut2 * r0 });
      const r = calc.compute(atomsFromGolden(g));
      expect(Math.abs(r.energy - g.energy)).toBeLessThan(1e-10 * Math.max(1, Math.abs(g.energy)));
      expect(maxAbsDiff(r.forces, g.forces.flat())).toBeLessThan(1e-10 * Math.max(1, ...g.forces.flat().map(Math.abs)));
    });
  }

  it('its stress (which ASE 3.22 does not compute) is (1/V) ∂E/∂ε by central differences', () => {
    const a = fcc(3.61, 2);
    rattle(a, 0.1, 3);
    const calc = () => new MorseCalculator({ epsilon: 0.3429, r0: 2.866, rho0: 3.894, onset: 5.4, cutoff: 7.7 });
    const r = calc().compute(a);
    const V = a.volume()!;
    const h = 1e-6;
    const at = (e: number): number => {
      const b = a.clone();
      b.lattice = a.lattice!.map((row) => [row[0] * (1 + e), row[1], row[2]]) as typeof a.lattice;
      for (let i = 0; i < b.length; i++) b.cart[3 * i] *= 1 + e;
      return calc().compute(b).energy;
    };
    expect(Math.abs((at(h) - at(-h)) / (2 * h) / V - r.stress![0])).toBeLessThan(1e-8);
  });
});

describe('pair potential parameters', () => {
  it('rejects parameters that make no sense, naming them', () => {
    expect(() => new LennardJonesCalculator({ sigma: -1 })).toThrow(CalculatorError);
    expect(() => new LennardJonesCalculator({ sigma: 0 })).toThrow(/sigma must be a positive number/);
    expect(() => new LennardJonesCalculator({ cutoffMode: 'smooth', cutoff: 3, onset: 4 })).toThrow(/onset .* must be below the cutoff/);
    expect(() => new MorseCalculator({ onset: 3, cutoff: 2 })).toThrow(/onset .* must be below the cutoff/);
  });
});

describe('atoms at the same position', () => {
  it('one check: the calculators refuse them naming the atoms (0-based), and it finds them in a structure of its own, across periodic images', () => {
    // fcc Cu and a fifth atom at fractional (1, 0, 0): atom 0's image
    const base = fcc(3.6, 1);
    const a = new Atoms({ numbers: Int32Array.of(29, 29, 29, 29, 29), cart: Float64Array.from([...base.cart, 3.6, 0, 0]), lattice: base.lattice, pbc: [true, true, true] });
    expect(atomsAtSamePosition(a)).toEqual([0, 4]);
    for (const c of [new EmtCalculator(), new LennardJonesCalculator(), new MorseCalculator()]) expect(() => c.compute(a)).toThrow(/^(EMT|Lennard-Jones|Morse): atoms 0 and 4 are at the same position$/);
    // a pair the caller passes over (a disordered site's species) is not reported
    expect(atomsAtSamePosition(a, (i, j) => !(i === 0 && j === 4))).toBeNull();
    expect(atomsAtSamePosition(base)).toBeNull();
  });
});
