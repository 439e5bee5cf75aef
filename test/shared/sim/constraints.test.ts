/**
 * The atoms a structure file holds (VASP's selective dynamics, an extended XYZ's move_mask), as the
 * simulations take them: read from real file text, whole atoms fixed, partially flagged ones listed
 * apart, in words. (An ASE database's constraints: test/main/files/ase-db.test.ts.)
 */
import { describe, expect, it } from 'vitest';
import { readStructures, writeExtxyz, writePoscar } from '../../../src-shared/chem';
import { describeFileConstraints, fileConstraints } from '../../../src-shared/sim/constraints';

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
    expect(fileConstraints(read(poscar(['F F F', 'T T T', 'F F T', 'f f f'])))).toEqual({ fixed: [0, 3], partial: [2] });
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
    expect(fileConstraints(xyz('move_mask:L:3', ['F F F', 'T T F', 'T T T']))).toEqual({ fixed: [0], partial: [1] });
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
    // an atom fixed along some axes only needs 3 flags per atom
    const partial = read(poscar(['F F F', 'F F T', 'T T T', 'T T T']));
    const xyz3 = writeExtxyz(partial);
    expect(xyz3.split('\n')[1]).toMatch(/move_mask:L:3 /);
    expect(fileConstraints(readStructures('held.extxyz', xyz3).structures[0])).toEqual({ fixed: [0], partial: [1] });
  });

  it('says what it holds, and that partially fixed atoms move freely', () => {
    expect(describeFileConstraints({ fixed: [0, 3], partial: [] })).toBe("the file holds 2 atoms fixed (0, 3)");
    expect(describeFileConstraints({ fixed: [], partial: [2] })).toBe(
      "the file fixes 1 atom (2) along some axes only: Latticework holds whole atoms, so it moves freely",
    );
    expect(describeFileConstraints({ fixed: [0], partial: [1, 2] })).toBe(
      "the file holds 1 atom fixed (0); it fixes 2 atoms (1, 2) along some axes only: Latticework holds whole atoms, so they move freely",
    );
    expect(describeFileConstraints({ fixed: [], partial: [] })).toBe('');
  });
});
