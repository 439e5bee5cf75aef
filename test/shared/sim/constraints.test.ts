/**
 * The atoms a structure file holds (VASP's selective dynamics, an extended XYZ's move_mask), as the
 * simulations take them: read from real file text, whole atoms fixed, partially flagged ones listed
 * apart, in words. (An ASE database's constraints: test/main/files/ase-db.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { readStructures, writeExtxyz, writePoscar } from '../../../src-shared/chem';
import { describeFileConstraints, fileConstraints, heldStructure, indexList, parseAtomIndices } from '../../../src-shared/sim/constraints';

const poscar = (flags: string[] | null) =>
  [
    'Cu4',
    '1.0',
    '3.6 0 0',
    '0 3.6 0',
    '0 0 3.6',
    'Cu',
    '4',
    ...(flags ? ['Selective dynamics'] : []),
    'Direct',
    ...['0 0 0', '0.5 0.5 0', '0.5 0 0.5', '0 0.5 0.5'].map((p, i) => (flags ? `${p} ${flags[i]}` : p)),
  ].join('\n') + '\n';
const read = (text: string) => readStructures('POSCAR', text).structures[0];

describe("a file's own fixed atoms", () => {
  it('holds atoms flagged F F F, lists those fixed along some axes only, and has none without flags', () => {
    expect(fileConstraints(read(poscar(['F F F', 'T T T', 'F F T', 'f f f'])))).toEqual({ fixed: [0, 3], partial: [{ atom: 2, held: [true, true, false], frame: 'lattice' }] });
    expect(fileConstraints(read(poscar(['T T T', 'T T T', 'T T T', 'T T T'])))).toEqual({ fixed: [], partial: [] });
    expect(fileConstraints(read(poscar(null)))).toBeNull();
  });

  it("reads an extended XYZ's move_mask (ASE 3.23 and later write FixAtoms and FixCartesian so): 1 per atom, or 3", () => {
    const xyz = (column: string, masks: string[]) =>
      readStructures(
        'held.extxyz',
        `3\nLattice="5 0 0 0 5 0 0 0 5" Properties=species:S:1:pos:R:3:${column} pbc="T T T"\n` + masks.map((m, i) => `Cu ${i} 0 0 ${m}`).join('\n') + '\n',
      ).structures[0];
    expect(fileConstraints(xyz('move_mask:L:1', ['F', 'T', 'T']))).toEqual({ fixed: [0], partial: [] });
    expect(fileConstraints(xyz('move_mask:L:3', ['F F F', 'T T F', 'T T T']))).toEqual({ fixed: [0], partial: [{ atom: 1, held: [false, false, true], frame: 'cartesian' }] });
    expect(fileConstraints(xyz('tags:I:1', ['0', '1', '2']))).toBeNull();
  });

  it("keeps them through the writers: a POSCAR's flags as an extended XYZ's move_mask (ASE's FixAtoms), and back", () => {
    const start = read(poscar(['F F F', 'T T T', 'T T T', 'F F F']));
    const xyz = writeExtxyz(start);
    expect(xyz.split('\n')[1]).toMatch(/Properties=species:S:1:pos:R:3:move_mask:L:1 /);
    expect(xyz).not.toMatch(/selectiveDynamics/);
    const again = readStructures('held.extxyz', xyz).structures[0];
    expect(fileConstraints(again)).toEqual({ fixed: [0, 3], partial: [] });
    const flagColumns = (text: string) => text.trimEnd().split('\n').slice(-5).map((l) => l.trim().split(/\s+/).slice(3).join(' '));
    expect(flagColumns(writePoscar(again))).toEqual(['', 'F F F', 'T T T', 'T T T', 'F F F']); // 'Direct', then the atoms
    // an atom fixed along some axes only needs 3 flags per atom: in this cubic cell a, b, c are x, y, z
    const partial = read(poscar(['F F F', 'F F T', 'T T T', 'T T T']));
    const xyz3 = writeExtxyz(partial);
    expect(xyz3.split('\n')[1]).toMatch(/move_mask:L:3 /);
    expect(fileConstraints(readStructures('held.extxyz', xyz3).structures[0])).toEqual({ fixed: [0], partial: [{ atom: 1, held: [true, true, false], frame: 'cartesian' }] });
  });

  it('keeps flags along lattice vectors that are not x, y and z as what they are, through either writer', () => {
    // a hexagonal-like cell: b is not along y
    const skew = readStructures('POSCAR', poscar(['F F F', 'F F T', 'T T T', 'T T T']).replace('0 3.6 0', '1.8 3.1 0')).structures[0];
    const xyz = writeExtxyz(skew);
    // ASE reads the whole atoms from move_mask (FixAtoms); the lattice-vector flags ride in their own column
    expect(xyz.split('\n')[1]).toMatch(/move_mask:L:1:selectiveDynamics:L:3 /);
    const again = readStructures('held.extxyz', xyz).structures[0];
    expect(fileConstraints(again)).toEqual({ fixed: [0], partial: [{ atom: 1, held: [true, true, false], frame: 'lattice' }] });
    // and flags along x, y, z in such a cell cannot be a POSCAR's: the atom is written free, and the comment says so
    const cartesian = readStructures(
      'held.extxyz',
      `2\nLattice="3.6 0 0 1.8 3.1 0 0 0 3.6" Properties=species:S:1:pos:R:3:move_mask:L:3 pbc="T T T"\nCu 0 0 0 F F F\nCu 1.8 1.5 1.8 T T F\n`,
    ).structures[0];
    const text = writePoscar(cartesian);
    expect(text.split('\n')[0]).toMatch(/atoms 1 held along x, y or z only: written free/);
    expect(fileConstraints(readStructures('POSCAR', text).structures[0])).toEqual({ fixed: [0], partial: [] });
  });

  it('reads and writes atom lists as the fixed-atoms field and --fixed take them, ranges included', () => {
    expect(parseAtomIndices('')).toEqual([]);
    expect(parseAtomIndices('  ')).toEqual([]);
    expect(parseAtomIndices('0, 3 7')).toEqual([0, 3, 7]);
    expect(parseAtomIndices('12-15, 3,3 0-1')).toEqual([0, 1, 3, 12, 13, 14, 15]);
    for (const bad of ['1, x', '-1', '5-2', '1-', '1.5', '0-99999999', 'z<', 'w<1', 'z<1e']) expect(parseAtomIndices(bad)).toBeNull();
    // planes need the positions: atoms 0 (z 0), 1 (z 2.5), 2 (z 5), 3 (x −1, z 7.5)
    const cart = [0, 0, 0, 0, 0, 2.5, 0, 0, 5, -1, 0, 7.5];
    expect(parseAtomIndices('z<3', null)).toBeNull();
    expect(parseAtomIndices('z<3', cart)).toEqual([0, 1]);
    expect(parseAtomIndices('z>4.9 0', cart)).toEqual([0, 2, 3]);
    expect(parseAtomIndices('x<-0.5', cart)).toEqual([3]);
    expect(parseAtomIndices('z<.1, 3', cart)).toEqual([0, 3]);
    expect(parseAtomIndices('y>1', cart)).toEqual([]);
    // any decimal number: signed, with an exponent
    expect(parseAtomIndices('y>-0.1', cart)).toEqual([0, 1, 2, 3]);
    expect(parseAtomIndices('x<-5e-1', cart)).toEqual([3]);
    expect(parseAtomIndices('z<+2.6E0 z>7.', cart)).toEqual([0, 1, 3]);
    expect(indexList([0, 1, 2, 3, 7, 9, 10, 12, 13, 14])).toBe('0-3, 7, 9, 10, 12-14');
    expect(indexList([])).toBe('');
    const many = Array.from({ length: 16 }, (_, i) => i);
    expect(parseAtomIndices(indexList(many))).toEqual(many);
    expect(describeFileConstraints({ fixed: many, partial: [] })).toBe('the file holds 16 atoms fixed (0-15)');
  });

  it('says what it holds, with the axes', () => {
    expect(describeFileConstraints({ fixed: [0, 3], partial: [] })).toBe('the file holds 2 atoms fixed (0, 3)');
    expect(describeFileConstraints({ fixed: [], partial: [{ atom: 2, held: [true, true, false], frame: 'lattice' }] })).toBe(
      'the file holds 1 atom along some axes only (2 along lattice vectors a, b)',
    );
    expect(
      describeFileConstraints({
        fixed: [0],
        partial: [
          { atom: 1, held: [false, false, true], frame: 'cartesian' },
          { atom: 2, held: [true, false, true], frame: 'cartesian' },
        ],
      }),
    ).toBe('the file holds 1 atom fixed (0); it holds 2 atoms along some axes only (1 along z; 2 along x, z)');
    expect(describeFileConstraints({ fixed: [], partial: [] })).toBe('');
  });

  it("flags a run's geometry with what the run held, in the frame it held it", () => {
    const start = read(poscar(['F F F', 'F F T', 'T T T', 'T T T']));
    const bare = { ...start, siteProperties: {} };
    expect(heldStructure(bare, [])).toBe(bare);
    const lattice = heldStructure(bare, [3], [{ atom: 1, held: [false, true, false], frame: 'lattice' }]);
    expect(Array.from(lattice.siteProperties.selectiveDynamics.values as Float64Array)).toEqual([1, 1, 1, 1, 0, 1, 1, 1, 1, 0, 0, 0]);
    const cartesian = heldStructure(start, [0], [{ atom: 2, held: [false, false, true], frame: 'cartesian' }]);
    expect(cartesian.siteProperties.selectiveDynamics).toBeUndefined();
    expect(fileConstraints(cartesian)).toEqual({ fixed: [0], partial: [{ atom: 2, held: [false, false, true], frame: 'cartesian' }] });
  });
});
