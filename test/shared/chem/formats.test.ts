import { describe, expect, it } from 'vitest';
import { detectFormat, readFrames, readStructures, writeStructures } from '../../../src-shared/chem';
import { fixture } from './helpers';

const FILES = ['multi_block.cif', 'cif2_syntax.cif', 'pmg_selective_POSCAR', 'ase_cu3au.vasp5', 'ase_cu_emt.extxyz', 'plain_frames.xyz'];

describe('format detection and line endings', () => {
  it('by file name', () => {
    expect(detectFormat('a/b/NaCl.CIF', '')).toBe('cif');
    expect(detectFormat('POSCAR', '')).toBe('poscar');
    expect(detectFormat('CONTCAR_relaxed', '')).toBe('poscar');
    expect(detectFormat('x.vasp', '')).toBe('poscar');
    expect(detectFormat('C:\\data\\run1.extxyz', '')).toBe('xyz');
    expect(detectFormat('frames.xyz', '')).toBe('xyz');
  });

  it('by content when the name does not tell', () => {
    expect(detectFormat('upload.txt', fixture('multi_block.cif'))).toBe('cif');
    expect(detectFormat('upload.txt', fixture('ase_cu_emt.extxyz'))).toBe('xyz');
    expect(detectFormat('upload.txt', fixture('pmg_selective_POSCAR'))).toBe('poscar');
    expect(detectFormat('upload.txt', 'hello world')).toBeNull();
    expect(() => readStructures('upload.txt', 'hello world')).toThrow(/cannot tell the format/);
  });

  it.each(FILES)('%s: CRLF line endings and a BOM read the same', (name) => {
    const text = fixture(name);
    const a = readStructures(name, text);
    const b = readStructures(name, '\ufeff' + text.replace(/\n/g, '\r\n'));
    expect(b.structures.length).toBe(a.structures.length);
    b.structures.forEach((s, i) => {
      expect(s.species).toEqual(a.structures[i].species);
      expect(Array.from(s.cart)).toEqual(Array.from(a.structures[i].cart));
      expect(s.lattice).toEqual(a.structures[i].lattice);
      expect(s.name).toBe(a.structures[i].name);
    });
  });

  it('writeStructures: POSCAR needs exactly one structure with a lattice', () => {
    const many = readStructures('m.cif', fixture('multi_block.cif')).structures;
    expect(() => writeStructures('poscar', many)).toThrow(/exactly one structure/);
    const mol = readStructures('w.cif', fixture('molecule_cartn.cif')).structures;
    expect(() => writeStructures('poscar', mol)).toThrow(/no lattice/);
    const cif = readStructures('w2.cif', writeStructures('cif', mol)).structures[0];
    expect(cif.lattice).toBeNull();
    expect(Array.from(cif.cart)).toEqual(Array.from(mol[0].cart));
  });

  it.each(['empty.cif', 'POSCAR', 'empty.xyz', 'vasprun.xml', 'OUTCAR', 'XDATCAR', 'upload.txt'])('%s with nothing in it: “the file is empty”, whatever its format', (name) => {
    expect(() => readStructures(name, '')).toThrow(/^the file is empty$/);
    expect(() => readFrames(name, '')).toThrow(/^the file is empty$/);
    expect(() => readStructures(name, '\ufeff\n  \n')).toThrow(/the file is empty \(only white space\)/);
  });
});
