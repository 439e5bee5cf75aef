import { describe, expect, it } from 'vitest';
import type { Mat3 } from '../../../src-shared/chem/structure';
import { neighborList } from '../../../src-shared/graph/neighbors';
import { receptiveField } from '../../../src-shared/graph/receptive';
import { degreeStats, FADED, graphGeometry, receptiveFieldAtoms, receptiveFieldGeometry, viridis } from '../../../src-renderer/viewer/graph';
import { atomColors, atomRadii } from '../../../src-renderer/viewer/elementStyle';

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

describe('receptiveFieldAtoms', () => {
  it('keeps the field’s atoms in their element colours at T = 6 and fades the cell’s atoms outside it', () => {
    // A periodic Na–Cl chain of 20 sites 1.5 Å apart in a 30 Å cell: one hop = one site along the chain.
    const n = 20;
    const numbers = Int32Array.from({ length: n }, (_, i) => (i % 2 === 0 ? 11 : 17));
    const chain = new Float64Array(3 * n);
    for (let i = 0; i < n; i++) chain[3 * i] = 1.5 * i;
    const lattice: Mat3 = [
      [30, 0, 0],
      [0, 30, 0],
      [0, 0, 30],
    ];
    const g = neighborList({ cart: chain, lattice, pbc: [true, true, true] }, { cutoff: 1.6 });
    const rf = receptiveField(g, 4, 6);
    const nodes = Array.from(rf.site, (site, a) => ({ site, image: Array.from(rf.image.slice(3 * a, 3 * a + 3)), hop: rf.hop[a] }));
    const colors = atomColors(numbers);
    const radii = atomRadii(numbers);
    const drawn = receptiveFieldAtoms(receptiveFieldGeometry(nodes, g, chain, lattice), chain, colors, radii);
    const colorOf = (a: number) => Array.from(drawn.colors.slice(3 * a, 3 * a + 3));
    // Sites 0..10 in the home cell, and 18, 19 one cell back: 13 nodes, then the 9 sites not reached, faded.
    expect(rf.site.length).toBe(13);
    expect(drawn.site.length).toBe(13 + 9);
    const inside = Array.from(drawn.hop).filter((h) => h >= 0);
    expect(Math.max(...inside)).toBe(6);
    const na = Array.from(atomColors([11]));
    const cl = Array.from(atomColors([17]));
    expect(na).not.toEqual(cl);
    for (let a = 0; a < drawn.site.length; a++) {
      if (drawn.hop[a] >= 0) {
        expect(colorOf(a)).toEqual(numbers[drawn.site[a]] === 11 ? na : cl);
        expect(colorOf(a)).not.toEqual(Array.from(Float32Array.from(FADED)));
      } else {
        expect(colorOf(a)).toEqual(Array.from(Float32Array.from(FADED)));
        expect(drawn.radii[a]).toBeLessThan(radii[drawn.site[a]] * 0.3);
      }
    }
    const outside = Array.from(drawn.site).filter((_, a) => drawn.hop[a] < 0);
    expect(outside.sort((x, y) => x - y)).toEqual([11, 12, 13, 14, 15, 16, 17, 18, 19]);
    // The chosen atom (hop 0) is drawn first and largest.
    expect([drawn.site[0], drawn.hop[0]]).toEqual([4, 0]);
    expect(drawn.radii[0]).toBe(Math.fround(radii[4] * 0.5));
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
