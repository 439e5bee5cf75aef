/**
 * Physics properties of the graph (fast-check, fixed seeds, few runs):
 * permutation equivariance, rigid-motion invariance, supercell consistency, and the
 * receptive field at T = 1 being the neighbour set.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Mat3 } from '../../../src-shared/chem/structure';
import { neighborList, receptiveField, structureNeighbors, type NeighborList } from '../../../src-shared/graph';
import { makeCrystal, supercell } from './helpers';

const lattice = fc
  .tuple(fc.array(fc.double({ min: -2, max: 2, noNaN: true }), { minLength: 9, maxLength: 9 }), fc.double({ min: 2.5, max: 5, noNaN: true }))
  .map(([m, s]): Mat3 => [
    [s + m[0], m[1], m[2]],
    [m[3], s + m[4], m[5]],
    [m[6], m[7], s + m[8]],
  ]);
const fracs = fc.array(fc.tuple(fc.double({ min: 0, max: 0.999, noNaN: true }), fc.double({ min: 0, max: 0.999, noNaN: true }), fc.double({ min: 0, max: 0.999, noNaN: true })), {
  minLength: 1,
  maxLength: 5,
});
const crystal = fc.record({ lattice, frac: fracs, cutoff: fc.double({ min: 2, max: 5.5, noNaN: true }), cap: fc.option(fc.integer({ min: 1, max: 20 }), { nil: null }) });

function edgeMap(nl: NeighborList, relabel: (i: number) => number = (i) => i): Map<string, number> {
  const m = new Map<string, number>();
  for (let e = 0; e < nl.nEdges; e++) {
    m.set(`${relabel(nl.center[e])} ${relabel(nl.neighbor[e])} ${nl.image[3 * e]} ${nl.image[3 * e + 1]} ${nl.image[3 * e + 2]}`, nl.distance[e]);
  }
  return m;
}

function expectSameEdges(a: Map<string, number>, b: Map<string, number>, tol: number): void {
  expect(a.size).toBe(b.size);
  for (const [k, d] of a) {
    const o = b.get(k);
    expect(o, k).toBeDefined();
    expect(Math.abs(o! - d)).toBeLessThanOrEqual(tol);
  }
}

function sortedDistances(nl: NeighborList, i: number): number[] {
  return Array.from(nl.distance.subarray(nl.offsets[i], nl.offsets[i + 1]));
}

describe('graph properties', () => {
  it('permuting atoms permutes the graph', () => {
    fc.assert(
      fc.property(crystal, fc.integer({ min: 0, max: 1 << 30 }), ({ lattice: L, frac, cutoff, cap }, seed) => {
        const n = frac.length;
        // permutation from the seed: new index k holds old atom perm[k]
        const perm = Array.from({ length: n }, (_, k) => k);
        let r = seed;
        for (let k = n - 1; k > 0; k--) {
          r = (r * 1103515245 + 12345) & 0x7fffffff;
          const j = r % (k + 1);
          [perm[k], perm[j]] = [perm[j], perm[k]];
        }
        const s = makeCrystal(L, frac, frac.map(() => 1));
        const p = makeCrystal(L, perm.map((o) => frac[o]), frac.map(() => 1));
        const opts = { cutoff, maxNeighbors: cap };
        if (cap !== null) {
          // ties between different neighbours are broken by index, which a permutation changes:
          // with a cap the property holds for structures without such ties
          const full = structureNeighbors(s, { cutoff });
          let tie = false;
          for (let e = 1; e < full.nEdges; e++) {
            if (full.center[e] === full.center[e - 1] && full.neighbor[e] !== full.neighbor[e - 1] && full.distance[e] - full.distance[e - 1] < 1e-9) tie = true;
          }
          fc.pre(!tie);
        }
        const a = structureNeighbors(s, opts);
        const b = structureNeighbors(p, opts);
        // the edges of b, relabelled to old indices, are the edges of a
        expectSameEdges(edgeMap(a), edgeMap(b, (k) => perm[k]), 0);
      }),
      { seed: 11, numRuns: 40 },
    );
  });

  it('rotating and translating the structure changes no distance', () => {
    fc.assert(
      fc.property(
        crystal,
        fc.tuple(fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: -1, max: 1, noNaN: true }), fc.double({ min: 0.1, max: 1, noNaN: true })),
        fc.tuple(fc.double({ min: -20, max: 20, noNaN: true }), fc.double({ min: -20, max: 20, noNaN: true }), fc.double({ min: -20, max: 20, noNaN: true })),
        ({ lattice: L, frac, cutoff }, [qx, qy, qz, qw], t) => {
          // rotation matrix from a (normalised) quaternion
          const q = Math.hypot(qx, qy, qz, qw);
          const [x, y, z, w] = [qx / q, qy / q, qz / q, qw / q];
          const R = [
            [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
            [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
            [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
          ];
          const rot = (v: number[]) => [0, 1, 2].map((r) => R[r][0] * v[0] + R[r][1] * v[1] + R[r][2] * v[2]);
          const s = makeCrystal(L, frac, frac.map(() => 1));
          const L2 = L.map((row) => rot(row)) as Mat3;
          const cart2 = new Float64Array(s.cart.length);
          for (let i = 0; i < frac.length; i++) {
            const v = rot([s.cart[3 * i], s.cart[3 * i + 1], s.cart[3 * i + 2]]);
            for (let k = 0; k < 3; k++) cart2[3 * i + k] = v[k] + t[k];
          }
          const a = neighborList({ cart: s.cart, lattice: L, pbc: [true, true, true] }, { cutoff });
          const b = neighborList({ cart: cart2, lattice: L2, pbc: [true, true, true] }, { cutoff });
          // images are relative to the positions given, so even the labels agree
          expectSameEdges(edgeMap(a), edgeMap(b), 1e-9);
        },
      ),
      { seed: 12, numRuns: 40 },
    );
  });

  it('an n×n×n supercell has n³ times the edges and every atom keeps its distances', () => {
    fc.assert(
      fc.property(crystal, fc.integer({ min: 2, max: 3 }), ({ lattice: L, frac, cutoff }, n) => {
        const s = makeCrystal(L, frac, frac.map(() => 1));
        const big = supercell(s, n, n, n);
        const a = structureNeighbors(s, { cutoff });
        const b = structureNeighbors(big, { cutoff });
        expect(b.nEdges).toBe(n ** 3 * a.nEdges);
        const m = frac.length;
        for (let k = 0; k < big.numbers.length; k++) {
          const da = sortedDistances(a, k % m);
          const db = sortedDistances(b, k);
          expect(db.length).toBe(da.length);
          for (let t = 0; t < da.length; t++) expect(Math.abs(db[t] - da[t])).toBeLessThan(1e-9);
        }
      }),
      { seed: 13, numRuns: 15 },
    );
  });

  it('the receptive field at T = 1 is the neighbour set', () => {
    fc.assert(
      fc.property(crystal, fc.boolean(), ({ lattice: L, frac, cutoff, cap }, pad) => {
        const s = makeCrystal(L, frac, frac.map(() => 1));
        const nl = structureNeighbors(s, { cutoff, maxNeighbors: cap, padding: pad && cap !== null ? 'cgcnn' : 'none' });
        for (let i = 0; i < frac.length; i++) {
          const rf = receptiveField(nl, i, 1);
          const hop1 = new Set<string>();
          for (let q = 0; q < rf.site.length; q++) if (rf.hop[q] === 1) hop1.add(`${rf.site[q]} ${rf.image.subarray(3 * q, 3 * q + 3).join(' ')}`);
          const nbrs = new Set<string>();
          for (let e = nl.offsets[i]; e < nl.offsets[i + 1]; e++) {
            if (nl.padded && nl.padded[e]) continue;
            nbrs.add(`${nl.neighbor[e]} ${nl.image.subarray(3 * e, 3 * e + 3).join(' ')}`);
          }
          expect(hop1).toEqual(nbrs);
          expect(rf.countPerHop[1]).toBe(nbrs.size);
        }
      }),
      { seed: 14, numRuns: 30 },
    );
  });
});
