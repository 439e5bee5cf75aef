/**
 * The PyTorch twin (scripts/potentials/twin.py, float64) and Latticework's potentials agree on
 * energies, atom energies, forces and stresses to 1e-5 with the same weights, on cpu and wasm.
 * Golden file: scripts/potentials/make_twin_golden.py.
 */
import { readFileSync } from 'node:fs';
import { expect, it } from 'vitest';
import type { Mat3, Structure } from '../../../../src-shared/chem/structure';
import { parsePotentialConfig } from '../../../../src-shared/model/potential';
import { PotentialModel } from '../../../../src-main/engine/potential/model';
import { describeEachBackend } from '../helpers';
import { evaluateStructures } from './helpers';

interface Golden {
  cases: {
    config: unknown;
    weights: Record<string, number[]>;
    structures: { numbers: number[]; positions: number[]; cell: number[] | null }[];
    energy: number[];
    atomEnergies: number[];
    forces: number[];
    stress: (number[] | null)[];
  }[];
}

const golden = JSON.parse(readFileSync(new URL('../../../fixtures/potentials/twin-golden.json', import.meta.url), 'utf8')) as Golden;

function structureOf(s: Golden['cases'][number]['structures'][number]): Structure {
  const n = s.numbers.length;
  const lattice = s.cell ? ([s.cell.slice(0, 3), s.cell.slice(3, 6), s.cell.slice(6, 9)] as Mat3) : null;
  return {
    name: 'twin',
    lattice,
    pbc: lattice ? [true, true, true] : [false, false, false],
    numbers: Int32Array.from(s.numbers),
    species: s.numbers.map(String),
    cart: Float64Array.from(s.positions),
    frac: null,
    occupancy: new Float64Array(n).fill(1),
    siteProperties: {},
    properties: {},
  };
}

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

describeEachBackend('PyTorch twin', () => {
  for (const c of golden.cases) {
    const config = parsePotentialConfig(c.config);
    it(`${config.architecture}: energies, forces and stresses agree with the twin to 1e-5`, () => {
      const model = new PotentialModel(config);
      model.setWeights(c.weights);
      const out = evaluateStructures(model, c.structures.map(structureOf), { forces: true, stress: true });
      // energies are sums of O(3 eV) atom energies in float32: compare per atom
      const atoms = c.structures.map((s) => s.numbers.length);
      expect(maxDiff(Array.from(out.energy, (e, k) => e / atoms[k]), c.energy.map((e, k) => e / atoms[k]))).toBeLessThan(1e-5);
      expect(maxDiff(out.atomEnergies, c.atomEnergies)).toBeLessThan(1e-5);
      expect(maxDiff(out.forces!, c.forces)).toBeLessThan(1e-5);
      c.stress.forEach((s, k) => {
        if (s === null) expect(Number.isNaN(out.stress![6 * k])).toBe(true);
        else expect(maxDiff(out.stress!.subarray(6 * k, 6 * k + 6), s)).toBeLessThan(1e-5);
      });
      expect(Math.max(...c.forces.map(Math.abs))).toBeGreaterThan(0.05); // a non-trivial check
      model.dispose();
    });
  }
});
