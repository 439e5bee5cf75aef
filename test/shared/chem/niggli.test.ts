import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { niggliReduce, niggliStructure } from '../../../src-shared/chem/niggli';
import { cellVolume, determinant, latticeParameters } from '../../../src-shared/chem/lattice';
import { readStructures, summarizeStructure } from '../../../src-shared/chem';
import type { Mat3 } from '../../../src-shared/chem';

const golden = JSON.parse(readFileSync(new URL('../../fixtures/chem/niggli.json', import.meta.url), 'utf8')) as {
  cases: { name: string; lattice: Mat3; niggli: Mat3 }[];
};

describe('Niggli reduction', () => {
  it('gives spglib’s Niggli cell (lengths and angles) for real and sheared lattices', () => {
    expect(golden.cases.length).toBeGreaterThan(50);
    const wrong: string[] = [];
    for (const c of golden.cases) {
      const ours = latticeParameters(niggliReduce(c.lattice));
      const ref = latticeParameters(c.niggli);
      const keys = ['a', 'b', 'c', 'alpha', 'beta', 'gamma'] as const;
      if (keys.some((k) => Math.abs(ours[k] - ref[k]) > 1e-6 * (k.length === 1 ? ref[k] : 180))) {
        wrong.push(`${c.name}: ${keys.map((k) => ours[k].toFixed(4)).join(' ')} ≠ ${keys.map((k) => ref[k].toFixed(4)).join(' ')}`);
      }
    }
    expect(wrong).toEqual([]);
  });

  it('keeps the volume and the handedness', () => {
    for (const c of golden.cases) {
      const r = niggliReduce(c.lattice);
      expect(determinant(r)).toBeCloseTo(determinant(c.lattice), 6);
    }
  });

  it('a structure in its Niggli cell keeps its sites, formula and density', () => {
    const text = readFileSync(new URL('../../fixtures/chem/spacegroups/CaSO4-anhydrite.cif', import.meta.url), 'utf8');
    const [s] = readStructures('anhydrite.cif', text).structures;
    const l = s.lattice!;
    const sheared: Mat3 = [[l[0][0] + l[1][0], l[0][1] + l[1][1], l[0][2] + l[1][2]], l[1], l[2]];
    const n = niggliStructure({ ...s, lattice: sheared });
    expect(n.numbers.length).toBe(s.numbers.length);
    expect(cellVolume(n.lattice!)).toBeCloseTo(cellVolume(s.lattice!), 6);
    expect(summarizeStructure(n).formula).toBe(summarizeStructure(s).formula);
    for (const f of n.frac!) expect(f >= 0 && f < 1).toBe(true);
  });
});
