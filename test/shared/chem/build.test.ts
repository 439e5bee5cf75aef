/**
 * Structures built for a simulation (src-shared/chem/build.ts): supercells in ASE's `Atoms.repeat`
 * order (test/fixtures/chem/supercells.json, scripts/chem/supercell_golden.py), and the two ends of a
 * vacancy hop.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readStructures, writePoscar } from '../../../src-shared/chem';
import { supercell, vacancyHop } from '../../../src-shared/chem/build';
import { fracToCart } from '../../../src-shared/chem/lattice';
import type { Mat3, Structure } from '../../../src-shared/chem';

const golden = JSON.parse(readFileSync(new URL('../../fixtures/chem/supercells.json', import.meta.url), 'utf8')) as {
  lattice: Mat3;
  numbers: number[];
  positions: number[];
  cases: { repeat: [number, number, number]; lattice: Mat3; numbers: number[]; positions: number[] }[];
};

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])));

function crystal(): Structure {
  const cart = Float64Array.from(golden.positions);
  return {
    name: 'CuAuCu',
    lattice: golden.lattice,
    pbc: [true, true, true],
    numbers: Int32Array.from(golden.numbers),
    species: golden.numbers.map((z) => (z === 29 ? 'Cu' : 'Au')),
    cart,
    frac: null,
    occupancy: new Float64Array(3).fill(1),
    siteProperties: {
      label: { kind: 'string', values: ['Cu1', 'Au1', 'Cu2'] },
      selectiveDynamics: { kind: 'vector', width: 3, values: Float64Array.of(0, 0, 0, 1, 1, 1, 1, 0, 1) },
      forces: { kind: 'vector', width: 3, values: new Float64Array(9).fill(0.1) },
    },
    properties: { energy: -7.5 },
  };
}

describe('supercell', () => {
  it("is ASE's Atoms.repeat: the lattice, and every atom in its order", () => {
    for (const c of golden.cases) {
      const s = supercell(crystal(), c.repeat);
      expect(maxDiff(s.lattice!.flat(), c.lattice.flat())).toBeLessThan(1e-12);
      expect(Array.from(s.numbers)).toEqual(c.numbers);
      expect(maxDiff(s.cart, c.positions)).toBeLessThan(1e-12);
      // fractional coordinates in the new cell give the same atoms
      expect(maxDiff(fracToCart(s.frac!, s.lattice!), s.cart)).toBeLessThan(1e-10);
      expect(s.name).toBe(`CuAuCu (${c.repeat.join('×')} supercell)`);
    }
  });

  it('repeats what describes the sites, and leaves out what was computed on the cell', () => {
    const s = supercell(crystal(), [2, 1, 1]);
    expect(s.siteProperties.label).toEqual({ kind: 'string', values: ['Cu1', 'Au1', 'Cu2', 'Cu1', 'Au1', 'Cu2'] });
    expect(Array.from((s.siteProperties.selectiveDynamics as { values: Float64Array }).values)).toEqual([0, 0, 0, 1, 1, 1, 1, 0, 1, 0, 0, 0, 1, 1, 1, 1, 0, 1]);
    expect(s.siteProperties.forces).toBeUndefined();
    expect(s.properties).toEqual({});
    // a POSCAR of it keeps the flags
    expect(writePoscar(s)).toMatch(/Selective dynamics/);
  });

  it('refuses what is no supercell, saying why', () => {
    expect(() => supercell(crystal(), [0, 1, 1])).toThrow(/^a supercell repeats the cell a whole number of times from 1 along each vector, got 0×1×1$/);
    const slab = { ...crystal(), pbc: [true, true, false] as [boolean, boolean, boolean] };
    expect(() => supercell(slab, [1, 1, 2])).toThrow(/^the structure is not periodic along c/);
    expect(supercell(slab, [2, 2, 1]).numbers).toHaveLength(12);
    expect(() => supercell({ ...crystal(), lattice: null }, [2, 1, 1])).toThrow(/without a cell/);
    expect(() => supercell(crystal(), [100, 100, 10])).toThrow(/holds 300,000, more than the limit of 100,000/);
  });
});

describe('vacancy hop', () => {
  it('removes the vacancy and moves the hopping atom onto its place: the same atoms in the same order at both ends', () => {
    const cu = readStructures('Cu.vasp', 'Cu\n3.6\n1 0 0\n0 1 0\n0 0 1\nCu\n4\nDirect\n0 0 0\n0.5 0.5 0\n0.5 0 0.5\n0 0.5 0.5\n').structures[0];
    const big = supercell(cu, [2, 2, 2]);
    // site 0 at the origin; site 15 (the cell at +b+c, its atom at (0, ½, ½)) at (0, 5.4, 5.4): a neighbour across the boundary
    const { start, end, distance } = vacancyHop(big, 0, 15);
    expect(start.numbers).toHaveLength(31);
    expect(end.numbers).toHaveLength(31);
    expect(maxDiff(start.lattice!.flat(), end.lattice!.flat())).toBe(0);
    // every atom but the hopper (site 15, now 14) where it was; the hopper at the vacancy's place
    const others = (c: Float64Array) => Float64Array.from([...c.subarray(0, 42), ...c.subarray(45)]);
    expect(maxDiff(others(start.cart), others(end.cart))).toBe(0);
    expect(Array.from(end.cart.subarray(42, 45))).toEqual([0, 0, 0]);
    expect(Array.from(start.cart.subarray(42, 45))).toEqual([0, 5.4, 5.4].map((x) => expect.closeTo(x, 12)));
    // a/√2 away by the minimum image
    expect(distance).toBeCloseTo(3.6 / Math.SQRT2, 9);
    expect([start.name, end.name]).toEqual(['Cu (2×2×2 supercell), vacancy at site 0', 'Cu (2×2×2 supercell), site 15 hopped into the vacancy at site 0']);
  });

  it('refuses a hop it cannot make, saying why', () => {
    const s = crystal();
    expect(() => vacancyHop(s, 3, 0)).toThrow(/^the vacancy is site 3, but the structure has sites 0 to 2$/);
    expect(() => vacancyHop(s, 0, -1)).toThrow(/^the hopping atom is site -1/);
    expect(() => vacancyHop(s, 1, 1)).toThrow(/^the hopping atom is the one removed/);
  });
});
