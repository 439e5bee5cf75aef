import { describe, expect, it } from 'vitest';
import type { Mat3 } from '../../../src-shared/chem/structure';
import { neighborList } from '../../../src-shared/graph/neighbors';
import { receptiveField } from '../../../src-shared/graph/receptive';
import { degreeStats, graphGeometry, receptiveFieldGeometry, viridis } from '../../../src-renderer/viewer/graph';

const L: Mat3 = [
  [3, 0, 0],
  [0, 3, 0],
  [0, 0, 3],
];
// Simple cubic, one atom: 6 neighbours at 3 Å, all of them images of itself.
const cart = new Float64Array([0.2, 0.1, 0]);
const nl = neighborList({ cart, lattice: L, pbc: [true, true, true] }, { cutoff: 3.1 });

describe('graphGeometry', () => {
  it('draws each edge from the cell site to the neighbour image, with ghost nodes for images', () => {
    const g = graphGeometry(nl, cart, L);
    expect(nl.nEdges).toBe(6);
    expect(g.nHome).toBe(1);
    expect(g.site.length).toBe(7);
    for (let e = 0; e < 6; e++) {
      const len = Math.hypot(g.segments[6 * e + 3] - g.segments[6 * e], g.segments[6 * e + 4] - g.segments[6 * e + 1], g.segments[6 * e + 5] - g.segments[6 * e + 2]);
      expect(len).toBeCloseTo(3, 5);
    }
    expect(g.minDistance).toBeCloseTo(3, 6);
  });
  it('counts degrees and atoms below the neighbour cap', () => {
    const s = degreeStats(nl, 12);
    expect([s.min, s.max, s.mean]).toEqual([6, 6, 6]);
    expect(s.underfull).toEqual([0]);
    expect(degreeStats(nl, null).underfull).toEqual([]);
  });
});

describe('receptiveFieldGeometry', () => {
  it('colours nodes by hop and draws the edges along which the field grew', () => {
    const rf = receptiveField(nl, 0, 2);
    const nodes = Array.from(rf.site, (site, a) => ({ site, image: Array.from(rf.image.slice(3 * a, 3 * a + 3)), hop: rf.hop[a] }));
    expect(Array.from(rf.countPerHop)).toEqual([1, 6, 18]);
    const geo = receptiveFieldGeometry(nodes, nl, cart, L);
    expect(geo.site.length).toBe(25);
    // hop 0 → 6 edges to hop 1; each hop-2 node (18) is reached from 1 (axis, 6 of them) or 2 (diagonal, 12) hop-1 nodes.
    expect(geo.segments.length / 6).toBe(6 + 6 * 1 + 12 * 2);
  });
});

describe('viridis', () => {
  it('runs from dark purple to yellow and clamps', () => {
    expect(viridis(0)[2]).toBeGreaterThan(viridis(0)[1]);
    expect(viridis(1)[0]).toBeGreaterThan(0.9);
    expect(viridis(-3)).toEqual(viridis(0));
    expect(viridis(Number.NaN)).toEqual(viridis(0));
  });
});
