import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readStructures, summarizeStructure } from '../../../src-shared/chem';
import { SHARED_DATA } from './helpers';

const DIR = SHARED_DATA + 'cgcnn-sample-regression';

// Expected cells after symmetry expansion, from /work/shared/data/README.md (checked with ASE 3.22).
const TABLE: [string, Record<string, number>, number][] = [
  ['1000041', { Cl: 4, Na: 4 }, 8],
  ['1000050', { Cl: 1, K: 1 }, 2],
  ['1101051', { S: 2, Zn: 2 }, 4],
  ['1507756', { Ba: 1, O: 3, Ti: 1 }, 5],
  ['7206075', { O: 8, Ti: 4 }, 12],
  ['9000046', { C: 8 }, 8],
  ['9009743', { Cl: 1, Cs: 1 }, 2],
  ['9011050', { Ge: 8 }, 8],
  ['9011998', { Si: 8 }, 8],
  ['9012304', { C: 8 }, 8],
];

describe('COD CIFs of the CGCNN sample', () => {
  for (const [id, comp, n] of TABLE) {
    it(`${id}: ${n} sites`, () => {
      const file = `${DIR}/${id}.cif`;
      const r = readStructures(file, readFileSync(file, 'utf8'));
      expect(r.structures).toHaveLength(1);
      const s = summarizeStructure(r.structures[0]);
      expect(s.nSites).toBe(n);
      expect(s.composition).toEqual(comp);
      // Minimum distance between sites: no duplicate left after merging images.
      const st = r.structures[0];
      const l = st.lattice!;
      let dmin = Infinity;
      for (let i = 0; i < n; i++)
        for (let j = i + 1; j < n; j++) {
          const d = [0, 1, 2].map((k) => {
            const x = st.frac![3 * j + k] - st.frac![3 * i + k];
            return x - Math.round(x);
          });
          const c = [0, 1, 2].map((k) => d[0] * l[0][k] + d[1] * l[1][k] + d[2] * l[2][k]);
          dmin = Math.min(dmin, Math.hypot(c[0], c[1], c[2]));
        }
      if (n > 1) expect(dmin).toBeGreaterThan(1.0);
    });
  }
});
