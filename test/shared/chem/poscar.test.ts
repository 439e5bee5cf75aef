import { describe, expect, it } from 'vitest';
import { readStructures, StructureParseError, summarizeStructure, writePoscar } from '../../../src-shared/chem';
import { structureVelocities } from '../../../src-shared/sim';
import { fixture } from './helpers';

const golden = JSON.parse(fixture('golden.json')) as Record<
  string,
  { symbols: string[]; cell: number[][] | null; positions: number[][]; pbc: boolean[]; velocities?: number[][] }[]
>;

/** The velocities (Å/fs) a structure read from a POSCAR carries, as rows. */
function velocityRows(text: string, name = 'CONTCAR') {
  const r = readStructures(name, text, { format: 'poscar' });
  const v = structureVelocities(r.structures[0]);
  return { r, rows: v && Array.from({ length: v.length / 3 }, (_, i) => Array.from(v.subarray(3 * i, 3 * i + 3))) };
}

/** Velocities agree to 1e-16 Å/fs: they go through ASE's momenta and back, which may change the last bit. */
function expectVelocities(rows: number[][] | null, want: number[][]) {
  expect(rows?.length).toBe(want.length);
  rows!.forEach((v, i) => v.forEach((x, k) => expect(Math.abs(x - want[i][k])).toBeLessThan(1e-16)));
}

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

  it("reads an MD run's velocities as pymatgen does (Å/fs, after an empty line), carried as ASE's momenta", () => {
    for (const name of ['pmg_md_CONTCAR', 'pmg_selective_POSCAR']) {
      const { r, rows } = velocityRows(fixture(name), name);
      expectVelocities(rows, golden[name][0].velocities!);
      expect(r.structures[0].siteProperties.momenta.kind).toBe('vector');
      expect(r.warnings).toEqual([]);
    }
  });

  it("an NPT run's CONTCAR: the lattice velocities are skipped with a warning, the atoms' velocities read, the predictor-corrector block ignored", () => {
    const { r, rows } = velocityRows(fixture('vasp_npt_CONTCAR'));
    expectVelocities(rows, [
      [0.12345678e-2, -0.23456789e-2, 0.3456789e-2],
      [-0.12345678e-2, 0.23456789e-2, -0.3456789e-2],
    ]);
    expect(r.warnings).toEqual(["the lattice velocities of line 11 on are not read (only the atoms' velocities are)"]);
    expect(r.structures[0].cart[0]).toBeCloseTo(0.0012345678901234 * 4.0512345678901234, 14);
  });

  it('velocity blocks: Cartesian by its mode line, direct ones not read, zeros are none, a bad block a warning naming its line', () => {
    const head = 'x\n1\n4 0 0\n0 4 0\n0 0 4\nCu Au\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n';
    expectVelocities(velocityRows(head + 'Cartesian\n0.01 0 0\n0 0 -0.02\n').rows, [
      [0.01, 0, 0],
      [0, 0, -0.02],
    ]);
    expect(velocityRows(head + 'K\n0.01 0 0\n0 0 -0.02\n').rows![1][2]).toBeCloseTo(-0.02, 16);
    const direct = velocityRows(head + 'Direct\n0.01 0 0\n0 0 -0.02\n');
    expect(direct.rows).toBeNull();
    expect(direct.r.warnings.join(' ')).toMatch(/velocities from line 12 on are in direct coordinates \(mode line 'Direct'\), per time step of the run, which the file does not give: not read/);
    // VASP writes zero velocities in the CONTCAR of a relaxation
    const zeros = velocityRows(head + '\n0 0 0\n0.0 0.0 0.0\n');
    expect(zeros.rows).toBeNull();
    expect(zeros.r.structures[0].siteProperties.momenta).toBeUndefined();
    // a predictor-corrector block alone is not a velocity block
    expect(velocityRows(head + '\n   1\n  0.2E+01\n').rows).toBeNull();
    // a block cut short or not of numbers: the structure stands, the velocities are not read, and the warning says where
    for (const [tail, warning] of [
      ['\n0.01 0 0\n', 'line 12: the file ends after 1 of 2 atom velocities: the velocities are not read'],
      ['\n0.01 0 0\n0.02 x 0\n', "line 13: the velocity of atom 1 (of 2) is not 3 numbers ('0.02 x 0'): the velocities are not read"],
      ['\n0.01 0 0\n0.02\n', "line 13: the velocity of atom 1 (of 2) is not 3 numbers ('0.02'): the velocities are not read"],
    ]) {
      const bad = velocityRows(head + tail);
      expect(bad.rows).toBeNull();
      expect(bad.r.warnings).toEqual([warning]);
      expect(bad.r.structures[0].species).toEqual(['Cu', 'Au']);
    }
  });

  it('negative scale = target volume, Cartesian abbreviation, POTCAR-style names, velocities Cartesian after an empty line', () => {
    const r = readStructures('POSCAR_vasp5_negative_scale', fixture('POSCAR_vasp5_negative_scale'));
    const s = r.structures[0];
    const sum = summarizeStructure(s);
    expect(sum.volume).toBeCloseTo(80, 10);
    expect(sum.composition).toEqual({ Fe: 4, O: 4 });
    const a = Math.cbrt(80);
    expect(s.cart[4]).toBeCloseTo(0.5 * a, 12); // Cartesian input is scaled too
    expect(s.frac![4]).toBeCloseTo(0.5, 12);
    // Cartesian velocities are Å/fs, not scaled as Cartesian positions are
    expectVelocities([Array.from(structureVelocities(s)!.slice(0, 3))], [[0.01, 0, 0]]);
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

  it("writer: velocities (ASE's momenta) as VASP writes a CONTCAR, Cartesian Å/fs after an empty line, read back", () => {
    const s = readStructures('CONTCAR', fixture('pmg_md_CONTCAR'), { format: 'poscar' }).structures[0];
    const lines = writePoscar(s).trimEnd().split('\n');
    expect(lines.length).toBe(8 + 8 + 1 + 8);
    expect(lines[16]).toBe('');
    expectVelocities([lines[17].trim().split(/\s+/).map(Number)], [golden.pmg_md_CONTCAR[0].velocities![0]]);
    expectVelocities(velocityRows(lines.join('\n')).rows, golden.pmg_md_CONTCAR[0].velocities!);
    // momenta that go with masses of the file's own are divided by those masses
    const own = { ...s, siteProperties: { ...s.siteProperties, masses: { kind: 'number' as const, values: new Float64Array(8).fill(2) } } };
    const p = s.siteProperties.momenta.kind === 'vector' ? s.siteProperties.momenta.values : new Float64Array();
    const v = writePoscar(own).trimEnd().split('\n')[17].trim().split(/\s+/).map(Number);
    expect(v[0]).toBeCloseTo((p[0] / 2) * 0.09822694788464063, 15);
    // without velocities, nothing after the sites
    expect(writePoscar({ ...s, siteProperties: {} }).trimEnd().split('\n').length).toBe(16);
  });

  it.each([
    ['too short', 'x\n1\n', /at least 7 lines/, 2],
    ['bad scale', 'x\nabc\n1 0 0\n0 1 0\n0 0 1\nNa\n1\nDirect\n0 0 0\n', /scale factor/, 2],
    ['singular lattice', 'x\n1\n1 0 0\n2 0 0\n0 0 1\nNa\n1\nDirect\n0 0 0\n', /linearly dependent/, 3],
    ['count mismatch', 'x\n1\n1 0 0\n0 1 0\n0 0 1\nNa Cl\n1\nDirect\n0 0 0\n', /names 2 species but this line has 1/, 7],
    ['too few positions', 'x\n1\n1 0 0\n0 1 0\n0 0 1\nNa\n3\nDirect\n0 0 0\n', /ends after 1 of 3/, 9],
    ['bad coordinate', 'x\n1\n1 0 0\n0 1 0\n0 0 1\nNa\n1\nDirect\n0 zero 0\n', /coordinate y of atom 0/, 9],
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
