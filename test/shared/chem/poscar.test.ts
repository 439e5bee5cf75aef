import { describe, expect, it } from 'vitest';
import { readStructures, StructureParseError, summarizeStructure, writePoscar } from '../../../src-shared/chem';
import { fixture } from './helpers';

const golden = JSON.parse(fixture('golden.json')) as Record<
  string,
  { symbols: string[]; cell: number[][] | null; positions: number[][]; pbc: boolean[] }[]
>;

function expectMatchesAse(name: string, text = fixture(name), options = {}) {
  const r = readStructures(name, text, { format: 'poscar', ...options });
  const s = r.structures[0];
  const g = golden[name][0];
  expect(s.species).toEqual(g.symbols);
  for (let i = 0; i < 3; i++) for (let k = 0; k < 3; k++) expect(s.lattice![i][k]).toBeCloseTo(g.cell![i][k], 10);
  g.positions.forEach((p, i) => p.forEach((x, k) => expect(s.cart[3 * i + k]).toBeCloseTo(x, 10)));
  return r;
}

function error(text: string, options = {}): StructureParseError {
  try {
    readStructures('POSCAR', text, options);
  } catch (e) {
    expect(e).toBeInstanceOf(StructureParseError);
    return e as StructureParseError;
  }
  throw new Error('expected an error');
}

describe('POSCAR / CONTCAR', () => {
  it('VASP 5 with Cartesian coordinates (ASE writer), detected by extension', () => {
    const r = expectMatchesAse('ase_cu3au.vasp5');
    expect(r.format).toBe('poscar');
    expect(r.blocks).toEqual([null]);
  });

  it('VASP 4 without species line: species from the comment line (ASE writes them there)', () => {
    const r = expectMatchesAse('ase_cu3au.vasp4');
    expect(r.warnings.join(' ')).toMatch(/comment line/);
  });

  it('VASP 4 with species given by the caller; error when none are known', () => {
    const text = fixture('ase_cu3au.vasp4').replace(/^.*\n/, 'no species here\n');
    const s = readStructures('POSCAR', text, { species: ['Au', 'Cu'] }).structures[0];
    expect(s.species).toEqual(['Au', 'Cu', 'Cu', 'Cu']);
    const e = error(text);
    expect(e.line).toBe(6);
    expect(e.message).toMatch(/no species line/);
  });

  it('selective dynamics and trailing velocities (pymatgen writer)', () => {
    const r = expectMatchesAse('pmg_selective_POSCAR');
    const sd = r.structures[0].siteProperties.selectiveDynamics;
    expect(sd.kind).toBe('vector');
    if (sd.kind === 'vector') expect(Array.from(sd.values)).toEqual([1, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0]);
    expect(r.structures[0].name).toBe('hBN pymatgen');
  });

  it('negative scale = target volume, Cartesian abbreviation, POTCAR-style names, velocities ignored', () => {
    const r = readStructures('POSCAR_vasp5_negative_scale', fixture('POSCAR_vasp5_negative_scale'));
    const s = r.structures[0];
    const sum = summarizeStructure(s);
    expect(sum.volume).toBeCloseTo(80, 10);
    expect(sum.composition).toEqual({ Fe: 4, O: 4 });
    const a = Math.cbrt(80);
    expect(s.cart[4]).toBeCloseTo(0.5 * a, 12); // Cartesian input is scaled too
    expect(s.frac![4]).toBeCloseTo(0.5, 12);
  });

  it('species names with suffixes: POTCAR labels and numbered names', () => {
    const text = 'x\n1\n3 0 0\n0 3 0\n0 0 3\nFe_sv/7a8b O1\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n';
    expect(readStructures('POSCAR', text).structures[0].species).toEqual(['Fe', 'O']);
  });

  it('three per-axis scale factors', () => {
    const text = 'x\n2 3 4\n1 0 0\n0 1 0\n0 0 1\nNa\n1\nDirect\n0.5 0.5 0.5\n';
    const s = readStructures('a.vasp', text).structures[0];
    expect(s.lattice).toEqual([
      [2, 0, 0],
      [0, 3, 0],
      [0, 0, 4],
    ]);
    expect(Array.from(s.cart)).toEqual([1, 1.5, 2]);
  });

  it('writer: VASP 5, round trip of species, lattice, positions and flags', () => {
    const s = readStructures('p', fixture('pmg_selective_POSCAR'), { format: 'poscar' }).structures[0];
    const text = writePoscar(s);
    expect(text.split('\n')[5]).toBe('B N B N');
    const back = readStructures('POSCAR', text).structures[0];
    expect(back.species).toEqual(s.species);
    expect(back.lattice).toEqual(s.lattice);
    expect(Array.from(back.frac!)).toEqual(Array.from(s.frac!));
    expect(back.siteProperties.selectiveDynamics).toEqual(s.siteProperties.selectiveDynamics);
  });

  it.each([
    ['too short', 'x\n1\n', /at least 7 lines/, 2],
    ['bad scale', 'x\nabc\n1 0 0\n0 1 0\n0 0 1\nNa\n1\nDirect\n0 0 0\n', /scale factor/, 2],
    ['singular lattice', 'x\n1\n1 0 0\n2 0 0\n0 0 1\nNa\n1\nDirect\n0 0 0\n', /linearly dependent/, 3],
    ['count mismatch', 'x\n1\n1 0 0\n0 1 0\n0 0 1\nNa Cl\n1\nDirect\n0 0 0\n', /names 2 species but this line has 1/, 7],
    ['too few positions', 'x\n1\n1 0 0\n0 1 0\n0 0 1\nNa\n3\nDirect\n0 0 0\n', /ends after 1 of 3/, 9],
    ['bad coordinate', 'x\n1\n1 0 0\n0 1 0\n0 0 1\nNa\n1\nDirect\n0 zero 0\n', /coordinate y of atom 1/, 9],
    ['bad species', 'x\n1\n1 0 0\n0 1 0\n0 0 1\nQq\n1\nDirect\n0 0 0\n', /'Qq' is not an element/, 6],
    ['bad selective flags', 'x\n1\n1 0 0\n0 1 0\n0 0 1\nNa\n1\nSelective\nDirect\n0 0 0 T X T\n', /T or F/, 10],
  ])('error: %s', (_, text, re, line) => {
    const e = error(text);
    expect(e.message).toMatch(re);
    expect(e.line).toBe(line);
  });

  it('atom limit', () => {
    const e = error('x\n1\n1 0 0\n0 1 0\n0 0 1\nNa\n2000\nDirect\n', { maxAtoms: 1000 });
    expect(e.name).toBe('StructureLimitError');
  });
});
