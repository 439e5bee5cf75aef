import { describe, expect, it } from 'vitest';
import { parseKeyValues } from '../../../src-shared/chem/xyz';
import { readStructures, StructureParseError, writeExtxyz } from '../../../src-shared/chem';
import { fixture } from './helpers';

const golden = JSON.parse(fixture('golden.json')) as Record<
  string,
  { symbols: string[]; cell: number[][] | null; positions: number[][]; pbc: boolean[]; energy: number | null; forces: number[][] | null }[]
>;

function error(text: string, name = 'x.xyz'): StructureParseError {
  try {
    readStructures(name, text);
  } catch (e) {
    expect(e).toBeInstanceOf(StructureParseError);
    return e as StructureParseError;
  }
  throw new Error('expected an error');
}

describe('extended XYZ (ASE)', () => {
  it('frames with Lattice, Properties, energy, forces and info match what ASE reads', () => {
    const r = readStructures('ase_cu_emt.extxyz', fixture('ase_cu_emt.extxyz'));
    expect(r.format).toBe('xyz');
    expect(r.blocks).toEqual([0, 1]);
    r.structures.forEach((s, f) => {
      const g = golden['ase_cu_emt.extxyz'][f];
      expect(s.species).toEqual(g.symbols);
      expect(s.pbc).toEqual([true, true, true]);
      for (let i = 0; i < 3; i++) for (let k = 0; k < 3; k++) expect(s.lattice![i][k]).toBeCloseTo(g.cell![i][k], 12);
      g.positions.forEach((p, i) => p.forEach((x, k) => expect(s.cart[3 * i + k]).toBeCloseTo(x, 7)));
      expect(s.properties.energy as number).toBeCloseTo(g.energy!, 12);
      const forces = s.siteProperties.forces;
      expect(forces.kind).toBe('vector');
      if (forces.kind === 'vector') g.forces!.forEach((v, i) => v.forEach((x, k) => expect(forces.values[3 * i + k]).toBeCloseTo(x, 7)));
    });
    const p = r.structures[0].properties;
    expect(p.name).toBe('Cu fcc "rattled"');
    expect(p.seed).toBe(0);
    expect(p.converged).toBe(true);
    expect(p.kpts).toEqual([4, 4, 4]);
    expect(p.temperature).toBe(300.5);
    expect(r.structures[0].siteProperties.initial_magmoms.kind).toBe('number');
  });

  it('key=value parsing: quotes with escapes, arrays, bare keys, booleans', () => {
    const kv = parseKeyValues('a=1 b="x \\"y\\" z" c={1,2} flag d=[1, 2, 3] "quoted key"=T e=\'single\'')!;
    expect(kv.get('a')!.raw).toBe('1');
    expect(kv.get('b')!.raw).toBe('x "y" z');
    expect(kv.get('c')!.raw).toBe('{1,2}');
    expect(kv.get('flag')!.raw).toBe('T');
    expect(kv.get('d')!.raw).toBe('[1, 2, 3]');
    expect(kv.get('quoted key')!.raw).toBe('T');
    expect(kv.get('e')!.raw).toBe('single');
    const s = readStructures(
      'a.extxyz',
      '1\nProperties=species:S:1:pos:R:3:tags:I:1:fixed:L:1 pbc="F F F" stress="1 2 3 4 5 6 7 8 9" note="two words" ok=F\nH 0 0 0 5 T\n',
    ).structures[0];
    expect(s.lattice).toBeNull();
    expect(s.properties.stress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(s.properties.note).toBe('two words');
    expect(s.properties.ok).toBe(false);
    expect(s.siteProperties.tags).toEqual({ kind: 'number', values: Float64Array.from([5]) });
    expect(s.siteProperties.fixed).toEqual({ kind: 'number', values: Float64Array.from([1]) });
  });

  it('writer round trip: lattice, positions, species, properties, site properties exactly', () => {
    const r = readStructures('ase_cu_emt.extxyz', fixture('ase_cu_emt.extxyz'));
    const back = readStructures('b.extxyz', writeExtxyz(r.structures));
    expect(back.structures.length).toBe(2);
    back.structures.forEach((s, f) => {
      const o = r.structures[f];
      expect(s.lattice).toEqual(o.lattice);
      expect(Array.from(s.cart)).toEqual(Array.from(o.cart));
      expect(s.species).toEqual(o.species);
      expect(s.pbc).toEqual(o.pbc);
      expect(s.properties).toEqual(o.properties);
      expect(s.siteProperties).toEqual(o.siteProperties);
    });
  });
});

describe('plain XYZ', () => {
  it('multi-frame molecules (ASE writer) with comment lines as names', () => {
    const r = readStructures('ase_water.xyz', fixture('ase_water.xyz'));
    expect(r.structures.length).toBe(2);
    r.structures.forEach((s, f) => {
      const g = golden['ase_water.xyz'][f];
      expect(s.lattice).toBeNull();
      expect(s.species).toEqual(g.symbols);
      g.positions.forEach((p, i) => p.forEach((x, k) => expect(s.cart[3 * i + k]).toBeCloseTo(x, 7)));
    });
  });

  it('a comment of only key=value pairs is info (as ASE reads it); free text stays a title', () => {
    const r = readStructures('k.xyz', '1\nenergy=-1.25 config_type=bulk\nH 0 0 0\n1\nstep 5 E = -1.0\nH 0 0 0\n');
    expect(r.structures[0].properties).toEqual({ energy: -1.25, config_type: 'bulk' });
    expect(r.structures[0].lattice).toBeNull();
    expect(r.structures[1].name).toBe('step 5 E = -1.0');
    expect(r.structures[1].properties).toEqual({ comment: 'step 5 E = -1.0' });
  });

  it('atomic numbers as species, trailing blank lines', () => {
    const r = readStructures('plain_frames.xyz', fixture('plain_frames.xyz'));
    expect(r.structures.map((s) => s.name)).toEqual(['water molecule', 'carbon monoxide']);
    expect(r.structures[1].species).toEqual(['C', 'O']);
  });

  it("a flat box without periodic directions (ASE's center(vacuum=0) of a linear molecule) is a molecule, said so; with one it is refused", () => {
    const text = '2\nLattice="0.0 0.0 0.0 0.0 0.0 0.0 0.0 0.0 1.15034" Properties=species:S:1:pos:R:3 pbc="F F F"\nC 0 0 0\nO 0 0 1.15034\n';
    const r = readStructures('CO.extxyz', text);
    expect(r.structures[0].lattice).toBeNull();
    expect(r.structures[0].pbc).toEqual([false, false, false]);
    expect(r.warnings).toEqual(['frame 0: the cell has zero volume and pbc="F F F": read as a molecule without a cell']);
    const e = error(text.replace('pbc="F F F"', 'pbc="T T F"'));
    expect(e.message).toMatch(/the cell's first and second vectors are zero, and pbc="T T F" makes their directions periodic/);
    expect(e.line).toBe(2);
  });

  it.each([
    ['not a count', 'abc\nx\n', /number of atoms of frame 0/, 1],
    ['truncated frame', '3\nc\nH 0 0 0\n', /ends after 1 of 3 atoms/, 3],
    ['missing coordinate', '2\nc\nH 0 0 0\nH 0 0\n', /needs a species and 3 coordinates/, 4],
    ['bad element', '1\nc\nQq 0 0 0\n', /'Qq' is not an element/, 3],
    ['bad number', '1\nc\nH 0 0 zero\n', /coordinate z of atom 0/, 3],
    ['columns missing in extxyz', '1\nProperties=species:S:1:pos:R:3:forces:R:3\nH 0 0 0 1 2\n', /give 7 columns but this atom line has 6/, 3],
    ['bad lattice', '1\nLattice="1 0 0 0 1 0" Properties=species:S:1:pos:R:3\nH 0 0 0\n', /Lattice must hold 9 numbers/, 2],
    ['bad Properties', '1\nProperties=species:S:1:pos:Q:3\nH 0 0 0\n', /type S, R, I or L/, 2],
  ])('error: %s', (_, text, re, line) => {
    const e = error(text);
    expect(e.message).toMatch(re);
    expect(e.line).toBe(line);
  });
});
