import { describe, expect, it } from 'vitest';
import type { Mat3 } from '../../../src-shared/chem/structure';
import {
  angle,
  computeBonds,
  displayPositions,
  distance,
  expandImages,
  fracToCartPoint,
  halfBonds,
  minimumImage,
  wrapFrac,
} from '../../../src-renderer/viewer/periodic';
import { atomRadii } from '../../../src-renderer/viewer/elementStyle';

const cubic = (a: number): Mat3 => [
  [a, 0, 0],
  [0, a, 0],
  [0, 0, a],
];
const PBC = [true, true, true] as const;

function cartOf(frac: number[], l: Mat3): Float64Array {
  const out = new Float64Array(frac.length);
  for (let i = 0; i < frac.length; i += 3) out.set(fracToCartPoint(frac[i], frac[i + 1], frac[i + 2], l), i);
  return out;
}

// Diamond silicon, conventional cell (8 atoms), a = 5.431 Å: nearest neighbours at a·√3/4 = 2.3517 Å.
const SI_A = 5.431;
const SI_FRAC = [
  0, 0, 0, 0, 0.5, 0.5, 0.5, 0, 0.5, 0.5, 0.5, 0, 0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.25, 0.75, 0.75, 0.75, 0.25,
];

describe('wrapFrac', () => {
  it('wraps periodic axes into [0, 1) and snaps values next to 1 to 0', () => {
    const w = wrapFrac([-0.25, 1.0, 0.9999999, 1.5, 2, -1e-9], PBC);
    expect(Array.from(w)).toEqual([0.75, 0, 0, 0.5, 0, 0]);
  });
  it('leaves non-periodic axes alone', () => {
    expect(Array.from(wrapFrac([1.5, -0.5, 3], [true, false, false]))).toEqual([0.5, -0.5, 3]);
  });
});

describe('expandImages', () => {
  it('shows corner, edge and face atoms at all their periodic images', () => {
    const frac = [0, 0, 0, 0.5, 0, 0, 0.5, 0.5, 0, 0.5, 0.5, 0.5];
    const { site } = expandImages(frac, PBC);
    const count = (i: number) => Array.from(site).filter((s) => s === i).length;
    expect([count(0), count(1), count(2), count(3)]).toEqual([8, 4, 2, 1]);
  });
  it('repeats a supercell and closes its far faces', () => {
    const { site, cell } = expandImages([0, 0, 0, 0.5, 0.5, 0.5], PBC, [2, 3, 1]);
    expect(Array.from(site).filter((s) => s === 0).length).toBe(3 * 4 * 2);
    expect(Array.from(site).filter((s) => s === 1).length).toBe(2 * 3 * 1);
    for (let a = 0; a < site.length; a++) {
      expect(cell[3 * a]).toBeLessThanOrEqual(2);
      expect(cell[3 * a + 1]).toBeLessThanOrEqual(3);
    }
  });
  it('adds no images along non-periodic axes and none when boundary is off', () => {
    expect(expandImages([0, 0, 0], [true, true, false]).site.length).toBe(4);
    expect(expandImages([0, 0, 0], PBC, [2, 2, 2], false).site.length).toBe(8);
  });
  it('places display atoms at (frac + cell) · lattice', () => {
    const l: Mat3 = [
      [4, 0, 0],
      [1, 3, 0],
      [0.5, 0.5, 5],
    ];
    const frac = [0.1, 0.2, 0.3];
    const atoms = expandImages(frac, PBC, [2, 1, 1], false);
    const pos = displayPositions(atoms, frac, cartOf(frac, l), l);
    expect(pos[3]).toBeCloseTo(1.1 * 4 + 0.2 * 1 + 0.3 * 0.5, 5);
  });
});

describe('computeBonds', () => {
  const l = cubic(SI_A);
  const cart = cartOf(SI_FRAC, l);
  const radii = atomRadii(new Array(8).fill(14));

  it('finds the four nearest neighbours of diamond silicon, across the cell boundary', () => {
    const b = computeBonds(cart, l, PBC, radii, 1.15);
    expect(b.center.length).toBe(32);
    for (const d of b.distance) expect(d).toBeCloseTo((SI_A * Math.sqrt(3)) / 4, 4);
    for (let i = 0; i < 8; i++) expect(Array.from(b.center).filter((s) => s === i).length).toBe(4);
    expect(Array.from(b.image).some((v) => v !== 0)).toBe(true);
  });
  it('adds second neighbours when the tolerance grows and drops all when it shrinks', () => {
    expect(computeBonds(cart, l, PBC, radii, 1.8).center.length).toBe(8 * (4 + 12));
    expect(computeBonds(cart, l, PBC, radii, 0.9).center.length).toBe(0);
  });
  it('bonds a molecule without a lattice', () => {
    // Water: O–H 0.9572 Å, H–O–H 104.52°.
    const t = (104.52 * Math.PI) / 180 / 2;
    const r = 0.9572;
    const w = new Float64Array([0, 0, 0, r * Math.sin(t), r * Math.cos(t), 0, -r * Math.sin(t), r * Math.cos(t), 0]);
    const b = computeBonds(w, null, [false, false, false], atomRadii([8, 1, 1]), 1.15);
    expect(b.center.length).toBe(4);
  });
});

describe('halfBonds', () => {
  const l = cubic(SI_A);
  const frac = wrapFrac(SI_FRAC, PBC);
  const cart = cartOf(Array.from(frac), l);
  const bonds = computeBonds(cart, l, PBC, atomRadii(new Array(8).fill(14)), 1.15);
  const atoms = expandImages(frac, PBC);
  const pos = displayPositions(atoms, frac, cart, l);
  const hb = halfBonds(atoms, pos, bonds, 8);

  it('draws four half-bonds per display atom, each ending at the bond midpoint', () => {
    expect(hb.atom.length).toBe(4 * atoms.site.length);
    for (let h = 0; h < hb.atom.length; h++) {
      const len = Math.hypot(hb.end[3 * h] - hb.start[3 * h], hb.end[3 * h + 1] - hb.start[3 * h + 1], hb.end[3 * h + 2] - hb.start[3 * h + 2]);
      expect(len).toBeCloseTo((SI_A * Math.sqrt(3)) / 8, 4);
    }
  });
  it('pairs half-bonds between displayed atoms (same midpoint) and leaves stubs for bonds leaving the cell', () => {
    let stubs = 0;
    for (let h = 0; h < hb.atom.length; h++) {
      const p = hb.partner[h];
      if (p < 0) {
        stubs++;
        continue;
      }
      // The partner has a half-bond back to this atom that ends at the same midpoint.
      let found = false;
      for (let g = 0; g < hb.atom.length; g++) {
        if (hb.atom[g] !== p || hb.partner[g] !== hb.atom[h]) continue;
        const d = Math.hypot(hb.end[3 * g] - hb.end[3 * h], hb.end[3 * g + 1] - hb.end[3 * h + 1], hb.end[3 * g + 2] - hb.end[3 * h + 2]);
        if (d < 1e-4) found = true;
      }
      expect(found).toBe(true);
    }
    // Interior atoms at 1/4, 3/4 are fully bonded inside the closed cell; stubs come from face and corner atoms.
    expect(stubs).toBeGreaterThan(0);
    expect(halfBonds(atoms, pos, bonds, 8, false).atom.length).toBe(hb.atom.length - stubs);
  });
});

describe('minimum image measurements', () => {
  it('measures across the boundary', () => {
    const l = cubic(10);
    const p = { frac: [0.05, 0.5, 0.5], cart: [0.5, 5, 5] };
    const q = { frac: [0.95, 0.5, 0.5], cart: [9.5, 5, 5] };
    expect(distance(p, q, l, PBC)).toBeCloseTo(1, 10);
    expect(distance(p, q, null, PBC)).toBeCloseTo(9, 10);
    expect(minimumImage(p.frac, q.frac, l).image).toEqual([-1, 0, 0]);
  });
  it('agrees with a brute-force search in a skewed cell', () => {
    const l: Mat3 = [
      [5, 0, 0],
      [3.5, 4, 0],
      [1.2, -2, 6],
    ];
    let seed = 7;
    const rnd = () => ((seed = (seed * 16807) % 2147483647) / 2147483647);
    for (let t = 0; t < 50; t++) {
      const fi = [rnd() * 3 - 1, rnd(), rnd()];
      const fj = [rnd(), rnd() * 2, rnd() - 1];
      let best = Infinity;
      for (let a = -5; a <= 5; a++)
        for (let b = -5; b <= 5; b++)
          for (let c = -5; c <= 5; c++) {
            const v = fracToCartPoint(fj[0] - fi[0] + a, fj[1] - fi[1] + b, fj[2] - fi[2] + c, l);
            best = Math.min(best, Math.hypot(...v));
          }
      expect(minimumImage(fi, fj, l).distance).toBeCloseTo(best, 9);
    }
  });
  it('measures angles with minimum-image vectors', () => {
    const l = cubic(10);
    const at = (x: number, y: number, z: number) => ({ frac: [x / 10, y / 10, z / 10], cart: [x, y, z] });
    // b at the origin corner; a and c across two different faces.
    expect(angle(at(9, 0, 0), at(0, 0, 0), at(0, 1, 0), l, PBC)).toBeCloseTo(90, 8);
    expect(angle(at(9, 0, 0), at(0, 0, 0), at(1, 0, 0), l, PBC)).toBeCloseTo(180, 8);
    expect(angle(at(1, 0, 0), at(0, 0, 0), at(1, 1, 0), null, PBC)).toBeCloseTo(45, 8);
  });
});
