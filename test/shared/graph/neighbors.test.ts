import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Mat3 } from '../../../src-shared/chem/structure';
import { neighborList, CGCNN_NEIGHBOR_OPTIONS, MAX_NEIGHBOR_PAIRS, NeighborLimitError, SHELL_TOLERANCE, type NeighborList } from '../../../src-shared/graph/neighbors';
import { bruteNeighbors, edgeKey } from './reference';

function fracToCart(frac: number[][], L: Mat3): Float64Array {
  const out = new Float64Array(3 * frac.length);
  frac.forEach((f, i) => {
    for (let t = 0; t < 3; t++) out[3 * i + t] = f[0] * L[0][t] + f[1] * L[1][t] + f[2] * L[2][t];
  });
  return out;
}

/** Checks a neighbour list against the brute-force oracle: same edge set, same distances, consistent vectors. */
function expectMatchesBrute(nl: NeighborList, cart: Float64Array, lattice: Mat3 | null, pbc: boolean[], cutoff: number): void {
  const ref = bruteNeighbors(cart, lattice, pbc, cutoff);
  // edges exactly at the cutoff may flip with rounding; the generators avoid them in practice
  expect(nl.nEdges).toBe(ref.length);
  const refMap = new Map(ref.map((e) => [edgeKey(e.center, e.neighbor, ...e.image), e.distance]));
  for (let e = 0; e < nl.nEdges; e++) {
    const key = edgeKey(nl.center[e], nl.neighbor[e], nl.image[3 * e], nl.image[3 * e + 1], nl.image[3 * e + 2]);
    const d = refMap.get(key);
    expect(d, key).toBeDefined();
    expect(Math.abs(nl.distance[e] - d!)).toBeLessThan(1e-9);
    // vector = cart[neighbor] + image·L − cart[center]
    const i = nl.center[e];
    const j = nl.neighbor[e];
    for (let t = 0; t < 3; t++) {
      let v = cart[3 * j + t] - cart[3 * i + t];
      if (lattice) for (let k = 0; k < 3; k++) v += nl.image[3 * e + k] * lattice[k][t];
      expect(Math.abs(nl.vector[3 * e + t] - v)).toBeLessThan(1e-9);
    }
  }
  expectSorted(nl);
}

function expectSorted(nl: NeighborList): void {
  for (let e = 1; e < nl.nEdges; e++) {
    const a = e - 1;
    expect(nl.center[a] <= nl.center[e]).toBe(true);
    if (nl.center[a] === nl.center[e]) {
      expect(nl.distance[a] <= nl.distance[e] + 1e-12).toBe(true);
    }
  }
  for (let i = 0; i < nl.nNodes; i++) {
    for (let e = nl.offsets[i]; e < nl.offsets[i + 1]; e++) expect(nl.center[e]).toBe(i);
  }
  expect(nl.offsets[nl.nNodes]).toBe(nl.nEdges);
}

const matArb = fc
  .tuple(
    fc.array(fc.double({ min: -6, max: 6, noNaN: true }), { minLength: 9, maxLength: 9 }),
    fc.double({ min: 1.5, max: 6, noNaN: true }),
  )
  .map(([m, s]) => {
    // diagonal-dominant-ish base plus random skew so that the cell is never degenerate
    const L: Mat3 = [
      [s + Math.abs(m[0]), m[1], m[2]],
      [m[3], s + Math.abs(m[4]), m[5]],
      [m[6], m[7], s + Math.abs(m[8])],
    ];
    return L;
  });

describe('neighborList against brute force', () => {
  it('simple cubic with one atom, cell much smaller than the cutoff', () => {
    const a = 2.5;
    const L: Mat3 = [[a, 0, 0], [0, a, 0], [0, 0, a]];
    const nl = neighborList({ cart: new Float64Array([0.1, 0.2, 0.3]), lattice: L, pbc: [true, true, true] }, { cutoff: 6 });
    let count = 0;
    for (let x = -3; x <= 3; x++) for (let y = -3; y <= 3; y++) for (let z = -3; z <= 3; z++) if ((x || y || z) && a * Math.hypot(x, y, z) <= 6) count++;
    expect(nl.nEdges).toBe(count);
    expect(nl.distance[0]).toBeCloseTo(a, 12);
    // every edge is a self-image
    expect(Array.from(nl.neighbor).every((j) => j === 0)).toBe(true);
    expectMatchesBrute(nl, new Float64Array([0.1, 0.2, 0.3]), L, [true, true, true], 6);
  });

  it('very skewed triclinic cell', () => {
    const L: Mat3 = [[3, 0, 0], [29.7, 0.9, 0], [14.1, 22.2, 1.4]];
    const frac = [[0.1, 0.2, 0.3], [0.55, 0.6, 0.95]];
    const cart = fracToCart(frac, L);
    const nl = neighborList({ cart, lattice: L, pbc: [true, true, true] }, { cutoff: 2.5 });
    expect(nl.nEdges).toBeGreaterThan(0);
    expectMatchesBrute(nl, cart, L, [true, true, true], 2.5);
  });

  it('atoms far outside the cell, partial pbc and molecules', () => {
    const L: Mat3 = [[4, 0.3, 0], [-1, 3.5, 0.2], [0.4, 0.1, 5]];
    const frac = [[-2.1, 0.2, 0.3], [0.5, 3.6, 0.9], [1.9, -0.05, 1.5], [0.2, 0.2, 0.2]];
    const cart = fracToCart(frac, L);
    for (const pbc of [[true, true, false], [true, false, false], [false, true, true], [false, false, false]]) {
      const nl = neighborList({ cart, lattice: L, pbc }, { cutoff: 7 });
      expectMatchesBrute(nl, cart, L, pbc, 7);
      for (let k = 0; k < 3; k++) if (!pbc[k]) for (let e = 0; e < nl.nEdges; e++) expect(nl.image[3 * e + k]).toBe(0);
    }
    const mol = neighborList({ cart, lattice: null, pbc: [false, false, false] }, { cutoff: 12 });
    expectMatchesBrute(mol, cart, null, [false, false, false], 12);
  });

  it('slab and wire with zero-length non-periodic lattice vectors', () => {
    const cart = new Float64Array([0, 0, 0, 1.2, 0.7, 0.4, 0.3, 1.9, -0.8]);
    const slab: Mat3 = [[2.6, 0, 0], [1.3, 2.25, 0], [0, 0, 0]];
    const nl = neighborList({ cart, lattice: slab, pbc: [true, true, false] }, { cutoff: 5 });
    const full: Mat3 = [[2.6, 0, 0], [1.3, 2.25, 0], [0, 0, 30]];
    expectMatchesBrute(nl, cart, full, [true, true, false], 5);
    const wire: Mat3 = [[0, 0, 2.1], [0, 0, 0], [0, 0, 0]];
    const w = neighborList({ cart, lattice: wire, pbc: [true, false, false] }, { cutoff: 5 });
    expectMatchesBrute(w, cart, [[0, 0, 2.1], [1, 0, 0], [0, 1, 0]], [true, false, false], 5);
  });

  it('empty structure and a lone molecule atom', () => {
    const empty = neighborList({ cart: new Float64Array(0), lattice: null, pbc: [false, false, false] }, { cutoff: 3 });
    expect(empty.nEdges).toBe(0);
    expect(empty.offsets.length).toBe(1);
    const one = neighborList({ cart: new Float64Array([1, 2, 3]), lattice: null, pbc: [false, false, false] }, { cutoff: 3 });
    expect(one.nEdges).toBe(0);
  });

  it('rejects bad input', () => {
    const cart = new Float64Array([0, 0, 0]);
    expect(() => neighborList({ cart, lattice: null, pbc: [true, false, false] }, { cutoff: 3 })).toThrow(/lattice/);
    expect(() => neighborList({ cart, lattice: null, pbc: [false, false, false] }, { cutoff: -1 })).toThrow(/cutoff/);
    const flat: Mat3 = [[1, 0, 0], [2, 0, 0], [0, 0, 1]];
    expect(() => neighborList({ cart, lattice: flat, pbc: [true, true, true] }, { cutoff: 3 })).toThrow(/dependent|zero/);
    expect(() => neighborList({ cart, lattice: null, pbc: [false, false, false] }, { cutoff: 3, padding: 'cgcnn' })).toThrow(/maxNeighbors/);
  });

  it('refuses a cutoff whose pairs would be more than MAX_NEIGHBOR_PAIRS, before the search', () => {
    // two atoms in a 4 Å cube: 2 × (2/64 Å⁻³) × 4/3·π·R³ pairs
    const cell: Mat3 = [[4, 0, 0], [0, 4, 0], [0, 0, 4]];
    const two = { cart: new Float64Array([0, 0, 0, 2, 2, 2]), lattice: cell, pbc: [true, true, true] };
    const far = 1e4;
    expect(() => neighborList(two, { cutoff: far, maxNeighbors: 12 })).toThrow(NeighborLimitError);
    expect(() => neighborList(two, { cutoff: far })).toThrow(`about ${((2 * 2 * 4 * Math.PI * far ** 3) / 3 / 64).toPrecision(2)} neighbour pairs within 10000 Å, more than the 100,000,000 a neighbour list is built for`);
    // under the limit it is built: R with 1.1 × 10⁶ pairs expected
    expect(neighborList(two, { cutoff: Math.cbrt((0.011 * MAX_NEIGHBOR_PAIRS * 3 * 64) / (4 * Math.PI * 4)), maxNeighbors: 1 }).nEdges).toBe(2);
    // a molecule has at most n(n − 1) pairs, whatever the cutoff
    expect(neighborList({ cart: two.cart, lattice: null, pbc: [false, false, false] }, { cutoff: far }).nEdges).toBe(2);
  });

  it('random cells, positions, pbc and cutoffs (property)', () => {
    fc.assert(
      fc.property(
        matArb,
        fc.array(fc.tuple(fc.double({ min: -1, max: 2, noNaN: true }), fc.double({ min: -1, max: 2, noNaN: true }), fc.double({ min: -1, max: 2, noNaN: true })), { minLength: 1, maxLength: 6 }),
        fc.tuple(fc.boolean(), fc.boolean(), fc.boolean()),
        fc.double({ min: 0.5, max: 7, noNaN: true }),
        (L, frac, pbc, cutoff) => {
          const cart = fracToCart(frac, L);
          const nl = neighborList({ cart, lattice: L, pbc }, { cutoff });
          expectMatchesBrute(nl, cart, L, pbc, cutoff);
        },
      ),
      { seed: 4242, numRuns: 40 },
    );
  });
});

describe('maxNeighbors and CGCNN padding', () => {
  const L: Mat3 = [[3.2, 0, 0], [0.4, 3.0, 0], [0.3, 0.2, 3.6]];
  const cart = fracToCart([[0, 0, 0], [0.5, 0.45, 0.52], [0.2, 0.7, 0.1]], L);

  it('keeps the nearest K in the full order', () => {
    const full = neighborList({ cart, lattice: L, pbc: [true, true, true] }, { cutoff: 6 });
    const capped = neighborList({ cart, lattice: L, pbc: [true, true, true] }, { cutoff: 6, maxNeighbors: 12 });
    expect(capped.nEdges).toBe(36);
    for (let i = 0; i < 3; i++) {
      expect(capped.nWithinCutoff[i]).toBe(full.offsets[i + 1] - full.offsets[i]);
      for (let t = 0; t < 12; t++) {
        const a = capped.offsets[i] + t;
        const b = full.offsets[i] + t;
        expect(capped.neighbor[a]).toBe(full.neighbor[b]);
        expect(capped.distance[a]).toBe(full.distance[b]);
      }
    }
    expect(capped.padded).toBeNull();
  });

  it("pads like CGCNN: pymatgen's first site (the least electronegative element's first), distance radius + 1", () => {
    const mol = fracToCart([[0, 0, 0], [0.3, 0, 0], [5, 5, 5]], [[1, 0, 0], [0, 1, 0], [0, 0, 1]]);
    const pos = { cart: mol, lattice: null, pbc: [false, false, false], numbers: [8, 1, 1] };
    const nl = neighborList(pos, { cutoff: 2, maxNeighbors: 4, padding: 'cgcnn' });
    expect(nl.nEdges).toBe(12);
    expect(Array.from(nl.nWithinCutoff)).toEqual([1, 1, 0]);
    expect(nl.padSite).toBe(1);
    expect(Array.from(nl.neighbor)).toEqual([1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1]);
    expect(Array.from(nl.padded!)).toEqual([0, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1]);
    expect(nl.distance[0]).toBeCloseTo(0.3, 12);
    expect(nl.distance[1]).toBe(3);
    expect(Array.from(nl.center)).toEqual([0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2]);
    expect(CGCNN_NEIGHBOR_OPTIONS).toEqual({ cutoff: 8, maxNeighbors: 12, padding: 'cgcnn' });
    expect(neighborList({ ...pos, numbers: [8, 1, 1, 1] }, { cutoff: 2, maxNeighbors: 4, padding: 'none' }).padSite).toBeNull();
    expect(() => neighborList({ ...pos, numbers: undefined }, { cutoff: 2, maxNeighbors: 4, padding: 'cgcnn' })).toThrow(/atomic number/);
  });

  it('breaks distance ties by neighbor then image', () => {
    // simple cubic, 1 atom: 6 nearest images all at distance a; order by image lexicographically
    const a = 3;
    const nl = neighborList({ cart: new Float64Array([0, 0, 0]), lattice: [[a, 0, 0], [0, a, 0], [0, 0, a]], pbc: [true, true, true] }, { cutoff: 3.5, maxNeighbors: 6 });
    const imgs = [];
    for (let e = 0; e < 6; e++) imgs.push(Array.from(nl.image.subarray(3 * e, 3 * e + 3)));
    expect(imgs).toEqual([[-1, 0, 0], [0, -1, 0], [0, 0, -1], [0, 0, 1], [0, 1, 0], [1, 0, 0]]);
  });

  it('records the shells of equal distances (within SHELL_TOLERANCE) that the cap cuts through, kept members first', () => {
    // simple cubic, 1 atom: 6 images at a, 12 at a√2; 8 kept = the 6 and 2 of the 12
    const one = new Float64Array([0, 0, 0]);
    const sc: Mat3 = [[3, 0, 0], [0, 3, 0], [0, 0, 3]];
    const pbc = [true, true, true];
    const nl = neighborList({ cart: one, lattice: sc, pbc }, { cutoff: 4.3, maxNeighbors: 8 });
    expect(nl.splitShells).toHaveLength(1);
    const [shell] = nl.splitShells!;
    expect(shell).toMatchObject({ center: 0, kept: 2 });
    expect(shell.distance).toBe(nl.distance[7]);
    expect(shell.neighbors).toHaveLength(12);
    // a cut between shells, or no cap, splits none
    expect(neighborList({ cart: one, lattice: sc, pbc }, { cutoff: 4.3, maxNeighbors: 6 }).splitShells).toBeNull();
    expect(neighborList({ cart: one, lattice: sc, pbc }, { cutoff: 4.3 }).splitShells).toBeNull();
    // c longer by δ: 4 images at a, 2 at a + δ; a cut at 4 splits a shell only when δ is within the tolerance
    for (const [delta, split] of [[1e-12, true], [SHELL_TOLERANCE / 2, true], [1e-6, false]] as const) {
      const nearCubic: Mat3 = [[3, 0, 0], [0, 3, 0], [0, 0, 3 + delta]];
      const cut = neighborList({ cart: one, lattice: nearCubic, pbc }, { cutoff: 3.5, maxNeighbors: 4 });
      expect(cut.splitShells?.map((sh) => [sh.kept, sh.neighbors.length]) ?? null, `δ = ${delta}`).toEqual(split ? [[4, 6]] : null);
    }
  });

  it('orders ties inside the kept list and at the cap the same way as the full list', () => {
    // simple cubic: 6 images at a, 12 at a√2; keep 8 = the 6 nearest and 2 of the 12 tied ones
    const a = 3;
    const lattice: Mat3 = [[a, 0, 0], [0, a, 0], [0, 0, a]];
    const cart = new Float64Array([0.3, 0.2, 0.1, 1.8, 1.4, 1.6]);
    const full = neighborList({ cart, lattice, pbc: [true, true, true] }, { cutoff: 4.3 });
    for (const k of [1, 5, 8, 13, 20]) {
      const capped = neighborList({ cart, lattice, pbc: [true, true, true] }, { cutoff: 4.3, maxNeighbors: k });
      for (let i = 0; i < 2; i++) {
        expect(capped.offsets[i + 1] - capped.offsets[i]).toBe(Math.min(k, full.offsets[i + 1] - full.offsets[i]));
        for (let t = 0; t < capped.offsets[i + 1] - capped.offsets[i]; t++) {
          const e = capped.offsets[i] + t;
          const f = full.offsets[i] + t;
          expect([capped.neighbor[e], ...capped.image.subarray(3 * e, 3 * e + 3)]).toEqual([full.neighbor[f], ...full.image.subarray(3 * f, 3 * f + 3)]);
        }
      }
    }
    // and the full list itself is in (distance, neighbor, image) order
    for (let e = 1; e < full.nEdges; e++) {
      if (full.center[e] !== full.center[e - 1] || full.distance[e] !== full.distance[e - 1]) continue;
      const prev = [full.neighbor[e - 1], ...full.image.subarray(3 * e - 3, 3 * e)];
      const cur = [full.neighbor[e], ...full.image.subarray(3 * e, 3 * e + 3)];
      const cmp = prev.findIndex((v, q) => v !== cur[q]);
      expect(cmp >= 0 && prev[cmp] < cur[cmp]).toBe(true);
    }
  });
});
