/**
 * Neighbour distances against golden numbers from pymatgen and ASE
 * (fixtures/reference-neighbors.json, made by scripts/graph/make_fixtures.py).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Mat3 } from '../../../src-shared/chem/structure';
import { neighborList } from '../../../src-shared/graph/neighbors';

interface Golden {
  name: string;
  lattice: Mat3 | null;
  pbc: [boolean, boolean, boolean];
  cart: number[];
  numbers: number[];
  cutoff: number;
  full: number[][];
  cgcnn?: { count: number[]; first12: number[][] };
}

const golden: Golden[] = JSON.parse(readFileSync(new URL('./fixtures/reference-neighbors.json', import.meta.url), 'utf8'));

function perAtom(nl: ReturnType<typeof neighborList>, i: number): number[] {
  return Array.from(nl.distance.subarray(nl.offsets[i], nl.offsets[i + 1]));
}

describe('neighbour distances equal pymatgen/ASE (golden)', () => {
  it('has the expected fixtures', () => {
    expect(golden.length).toBeGreaterThanOrEqual(20);
    expect(golden.filter((g) => g.name.startsWith('cod/')).length).toBe(10);
  });

  for (const g of golden) {
    it(`${g.name}: sorted distances within ${g.cutoff} Å`, () => {
      const pos = { cart: Float64Array.from(g.cart), lattice: g.lattice, pbc: g.pbc };
      const nl = neighborList(pos, { cutoff: g.cutoff });
      expect(nl.nNodes).toBe(g.numbers.length);
      for (let i = 0; i < nl.nNodes; i++) {
        const ours = perAtom(nl, i);
        expect(ours.length, `atom ${i}`).toBe(g.full[i].length);
        for (let t = 0; t < ours.length; t++) expect(Math.abs(ours[t] - g.full[i][t])).toBeLessThan(1e-6);
      }
      if (g.cgcnn) {
        const capped = neighborList(pos, { cutoff: 8, maxNeighbors: 12 });
        for (let i = 0; i < capped.nNodes; i++) {
          expect(capped.nWithinCutoff[i]).toBe(g.cgcnn.count[i]);
          const ours = perAtom(capped, i);
          expect(ours.length).toBe(Math.min(12, g.cgcnn.count[i]));
          for (let t = 0; t < ours.length; t++) expect(Math.abs(ours[t] - g.cgcnn.first12[i][t])).toBeLessThan(1e-6);
        }
      }
    });
  }
});
