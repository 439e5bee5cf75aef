/**
 * A cell's pure translations and the primitive cell they leave (src-shared/chem/primitive.ts): the first
 * step of the space-group search, checked on centred cells, supercells, rattled supercells and cells
 * whose translations a substitution or a moved atom breaks.
 */
import { describe, expect, it, vi } from 'vitest';
import { cellVolume, determinant } from '../../../src-shared/chem/lattice';
import { primitiveReduction } from '../../../src-shared/chem/primitive';
import { PeriodicGrid } from '../../../src-shared/chem/symmetry';
import type { Mat3 } from '../../../src-shared/chem';
import { CUBIC, FCC_A, FCC_SITES } from './helpers';

const A = FCC_A;
const cubic = CUBIC;
const FCC = FCC_SITES;

/** The cell `frac` (with `types`) repeated n₁×n₂×n₃, in the supercell's fractional coordinates. */
function repeat(lattice: Mat3, frac: number[], types: number[], n: [number, number, number]) {
  const out: number[] = [];
  const t: number[] = [];
  for (let a = 0; a < n[0]; a++)
    for (let b = 0; b < n[1]; b++)
      for (let c = 0; c < n[2]; c++)
        types.forEach((z, i) => {
          out.push((frac[3 * i] + a) / n[0], (frac[3 * i + 1] + b) / n[1], (frac[3 * i + 2] + c) / n[2]);
          t.push(z);
        });
  const big = lattice.map((row, i) => row.map((x) => x * n[i])) as Mat3;
  return { lattice: big, frac: Float64Array.from(out), types: Int32Array.from(t) };
}

/** Seeded uniform numbers in [-1, 1). */
function noise(seed: number) {
  let x = seed;
  return () => {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    return (x / 2 ** 32) * 2 - 1;
  };
}

const product = (a: Mat3, b: Mat3) => a.map((row) => [0, 1, 2].map((j) => row[0] * b[0][j] + row[1] * b[1][j] + row[2] * b[2][j]));

describe('pure translations and the primitive cell', () => {
  it('an fcc conventional cell has the four centring translations and one site left', () => {
    const r = primitiveReduction(cubic, Float64Array.from(FCC), Int32Array.of(29, 29, 29, 29), 0.01)!;
    expect(r.types).toEqual(Int32Array.of(29));
    expect(cellVolume(r.lattice)).toBeCloseTo(A ** 3 / 4, 10);
    expect(r.translations.map((t) => t.map((x) => Math.round(2 * x) / 2).join(',')).sort()).toEqual(['0,0,0', '0,0.5,0.5', '0.5,0,0.5', '0.5,0.5,0']);
    // primitive = basis · given and given = toGiven · primitive
    expect(product(r.toGiven, r.basis).flat().map((x) => Math.round(x * 1e9) / 1e9)).toEqual([1, 0, 0, 0, 1, 0, 0, 0, 1]);
    expect(r.toGiven.flat().every(Number.isInteger)).toBe(true);
    // Niggli-reduced: the three shortest vectors, a/√2 each, right-handed as the given cell
    for (const v of r.lattice) expect(Math.hypot(...v)).toBeCloseTo(A / Math.SQRT2, 10);
    expect(determinant(r.lattice)).toBeGreaterThan(0);
  });

  it('a supercell of a two-element cell comes back to its cell, 24 translations and two sites', () => {
    const rocksalt = repeat(cubic, [...FCC, ...FCC.map((x, i) => (i % 3 === 0 ? x + 0.5 : x))], [11, 11, 11, 11, 17, 17, 17, 17], [1, 1, 1]);
    const s = repeat(rocksalt.lattice, Array.from(rocksalt.frac), Array.from(rocksalt.types), [3, 2, 1]);
    const r = primitiveReduction(s.lattice, s.frac, s.types, 0.01)!;
    expect(r.translations).toHaveLength(24);
    expect(new Set(r.translations.map((t) => t.map((x) => x.toFixed(6)).join(','))).size).toBe(24);
    expect([...r.types].sort()).toEqual([11, 17]);
    expect(cellVolume(r.lattice)).toBeCloseTo(A ** 3 / 4, 9);
    // the two sites are half a cubic edge apart (the nearest of their images)
    const d = [0, 1, 2].map((c) => r.frac[3 + c] - r.frac[c]);
    let nearest = Infinity;
    for (const i of [-1, 0, 1])
      for (const j of [-1, 0, 1])
        for (const k of [-1, 0, 1]) {
          const f = [d[0] + i, d[1] + j, d[2] + k];
          nearest = Math.min(nearest, Math.hypot(...[0, 1, 2].map((c) => f[0] * r.lattice[0][c] + f[1] * r.lattice[1][c] + f[2] * r.lattice[2][c])));
        }
    expect(nearest).toBeCloseTo(A / 2, 9);
  });

  it('a rattled supercell is reduced within the tolerance, each site at the mean of its images', () => {
    const s = repeat(cubic, FCC, [29, 29, 29, 29], [3, 3, 3]);
    const rand = noise(7);
    const widths = s.lattice.map((row) => Math.hypot(...row));
    const rattled = s.frac.map((x, i) => x + (0.003 * rand()) / widths[i % 3]);
    const r = primitiveReduction(s.lattice, rattled, s.types, 0.01)!;
    expect(r.translations).toHaveLength(108);
    expect(r.types).toHaveLength(1);
    // the mean of 108 images moved by up to 0.003 Å along each axis is much nearer the lattice point than one image
    const off = r.frac.map((x) => x - Math.round(x));
    const cart = [0, 1, 2].map((j) => off[0] * r.lattice[0][j] + off[1] * r.lattice[1][j] + off[2] * r.lattice[2][j]);
    expect(Math.hypot(...cart)).toBeLessThan(0.001);
    // moved further than the tolerance, it has no pure translation left
    const shaken = s.frac.map((x, i) => x + (0.05 * rand()) / widths[i % 3]);
    expect(primitiveReduction(s.lattice, shaken, s.types, 0.01)).toBeNull();
  });

  it('a substitution leaves the translations that keep it, or none', () => {
    const s = repeat(cubic, FCC, [29, 29, 29, 29], [2, 2, 1]);
    const one = Int32Array.from(s.types);
    one[0] = 79;
    expect(primitiveReduction(s.lattice, s.frac, one, 0.01)).toBeNull();
    // Au on the first site of the first cell and of the cell one step along b: the translation b of the cubic cell stays, with the two Au
    const two = Int32Array.from(one);
    const image = [...Array(s.types.length).keys()].find((i) => Math.abs(s.frac[3 * i] - s.frac[0]) < 1e-9 && Math.abs(s.frac[3 * i + 1] - (s.frac[1] + 0.5)) < 1e-9 && Math.abs(s.frac[3 * i + 2] - s.frac[2]) < 1e-9)!;
    two[image] = 79;
    const r = primitiveReduction(s.lattice, s.frac, two, 0.01)!;
    expect(r.translations.map((t) => t.join(','))).toEqual(['0,0,0', '0,0.5,0']);
    expect([...r.types].filter((t) => t === 79)).toHaveLength(1);
    expect(r.types).toHaveLength(8);
  });

  it('a vacancy in a supercell (counts without a common divisor) leaves no pure translation, found without a search', () => {
    const s = repeat(cubic, [0, 0, 0, 0.5, 0.5, 0.5], [11, 17], [6, 6, 6]);
    const frac = s.frac.slice(3);
    const types = s.types.slice(1);
    const find = vi.spyOn(PeriodicGrid.prototype, 'find');
    try {
      expect(primitiveReduction(s.lattice, frac, types, 0.01)).toBeNull();
      // it tested candidate translations on every site: each failing only at the site that lands on the hole
      expect(find).not.toHaveBeenCalled();
    } finally {
      find.mockRestore();
    }
    // without the vacancy the counts share 216: the search finds the 6×6×6 cells' translations
    expect(primitiveReduction(s.lattice, s.frac, s.types, 0.01)!.translations).toHaveLength(216);
  });

  it('a vacancy in a supercell of one element is found without pure translation in a few look-ups a site: its hole rejects the candidates', () => {
    const s = repeat(cubic, FCC, [29, 29, 29, 29], [10, 10, 10]);
    const n = s.types.length - 1;
    const find = vi.spyOn(PeriodicGrid.prototype, 'find');
    try {
      expect(primitiveReduction(s.lattice, s.frac.slice(3), s.types.slice(1), 0.01)).toBeNull();
      // testing each of the 3,998 candidates on the sites until one fails: 8 million look-ups (0.9 s here, minutes at 100,000 sites)
      expect(find.mock.calls.length).toBeLessThan(4 * n);
    } finally {
      find.mockRestore();
    }
  });

  it('a supercell of a cell with vacancies keeps the pure translations that testing every site finds, its holes notwithstanding', () => {
    // the 3×3×3 fcc cell less two atoms, repeated 2×2×1: its holes reject candidates, the four translations of the repeat stay
    const cell = repeat(cubic, FCC, [29, 29, 29, 29], [3, 3, 3]);
    const keep = [...cell.types.keys()].filter((i) => i !== 0 && i !== 57);
    const defective = { lattice: cell.lattice, frac: keep.flatMap((i) => [0, 1, 2].map((c) => cell.frac[3 * i + c])), types: keep.map((i) => cell.types[i]) };
    const s = repeat(defective.lattice, defective.frac, defective.types, [2, 2, 1]);
    const r = primitiveReduction(s.lattice, s.frac, s.types, 0.01)!;
    // the answer of the search without holes (session 41's primitive.ts): 4 translations, the 106 sites of the defective cell, its volume
    expect(r.translations.map((t) => t.join(','))).toEqual(['0,0,0', '0,0.5,0', '0.5,0,0', '0.5,0.5,0']);
    expect(r.types).toHaveLength(106);
    expect(cellVolume(r.lattice)).toBeCloseTo(27 * A ** 3, 8);
  });

  it('a cell without pure translations, or of one atom, is left as it is', () => {
    expect(primitiveReduction(cubic, Float64Array.of(0, 0, 0), Int32Array.of(29), 0.01)).toBeNull();
    expect(primitiveReduction(cubic, Float64Array.of(0, 0, 0, 0.5, 0.5, 0.5), Int32Array.of(26, 29), 0.01)).toBeNull();
    expect(primitiveReduction(cubic, Float64Array.of(0, 0, 0, 0.5, 0.5, 0.45), Int32Array.of(26, 26), 0.01)).toBeNull();
  });
});
