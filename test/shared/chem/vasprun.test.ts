/**
 * vasprun.xml files damaged by hand (a short row, a missing row, a value that is not a number):
 * every message names the line of the row or of its `<varray>`. The file below is written line for
 * line as VASP 5.4 prints one ionic step of two atoms; `line(...)` finds a line by its text.
 */
import { describe, expect, it } from 'vitest';
import { readFrames } from '../../../src-shared/chem';

const varray = (name: string, rows: string[]) => [`   <varray name="${name}" >`, ...rows.map((r) => `    <v>${r}</v>`), '   </varray>'];

/** One ionic step of Cu₂ with the given rows. */
function vasprun(rows: { basis?: string[]; positions?: string[]; forces?: string[]; stress?: string[] } = {}): string {
  const basis = rows.basis ?? ['  3.6 0.0 0.0 ', '  0.0 3.6 0.0 ', '  0.0 0.0 3.6 '];
  const positions = rows.positions ?? ['  0.0 0.0 0.0 ', '  0.5 0.5 0.0 '];
  return [
    '<?xml version="1.0" encoding="ISO-8859-1"?>',
    '<modeling>',
    ' <atominfo>',
    '  <atoms>       2 </atoms>',
    '  <array name="atoms" >',
    '   <set>',
    '    <rc><c>Cu</c><c>   1</c></rc>',
    '    <rc><c>Cu</c><c>   1</c></rc>',
    '   </set>',
    '  </array>',
    ' </atominfo>',
    ' <calculation>',
    '  <scstep>',
    '   <energy>',
    '    <i name="e_fr_energy">     -7.10000000 </i>',
    '    <i name="e_0_energy">     -7.09000000 </i>',
    '   </energy>',
    '  </scstep>',
    '  <structure>',
    '   <crystal>',
    ...varray('basis', basis),
    '   </crystal>',
    ...varray('positions', positions),
    '  </structure>',
    ...varray('forces', rows.forces ?? ['  0.1 0.2 0.3 ', ' -0.1 -0.2 -0.3 ']),
    ...varray('stress', rows.stress ?? ['  1.0 0.0 0.0 ', '  0.0 2.0 0.0 ', '  0.0 0.0 3.0 ']),
    '  <energy>',
    '   <i name="e_fr_energy">     -7.10000000 </i>',
    '   <i name="e_0_energy">     -7.09000000 </i>',
    '  </energy>',
    ' </calculation>',
    '</modeling>',
    '',
  ].join('\n');
}

/** The 1-based line of the first line of `text` that contains `part`, from line `after`. */
function line(text: string, part: string, after = 1): number {
  const k = text.split('\n').findIndex((l, i) => i + 1 >= after && l.includes(part));
  expect(k, part).toBeGreaterThanOrEqual(0);
  return k + 1;
}

const read = (text: string) => readFrames('vasprun.xml', text);

describe('vasprun.xml rows', () => {
  it('reads the file as written', () => {
    const f = read(vasprun()).frames[0];
    expect(Array.from(f.forces!)).toEqual([0.1, 0.2, 0.3, -0.1, -0.2, -0.3]);
    expect(f.energy).toBeCloseTo(-7.09, 12);
  });

  it('names the line of a short row, and says what the row is', () => {
    const forces = vasprun({ forces: [' 1.0 2.0 ', ' -0.1 -0.2 -0.3 '] });
    expect(() => read(forces)).toThrow(`line ${line(forces, '<v> 1.0 2.0 </v>')}: the force of atom 0 needs 3 numbers, found 2`);
    const positions = vasprun({ positions: ['  0.0 0.0 0.0 ', '  0.5 0.5 '] });
    expect(() => read(positions)).toThrow(`line ${line(positions, '0.5 0.5 </v>')}: the position of atom 1 needs 3 numbers, found 2`);
    const basis = vasprun({ basis: ['  3.6 0.0 0.0 ', '  0.0 3.6 0.0 0.0 ', '  0.0 0.0 3.6 '] });
    expect(() => read(basis)).toThrow(`line ${line(basis, '0.0 3.6 0.0 0.0')}: lattice vector b needs 3 numbers, found 4`);
    const stress = vasprun({ stress: ['  1.0 0.0 0.0 ', '  0.0 2.0 0.0 ', '  0.0 0.0 '] });
    expect(() => read(stress)).toThrow(`line ${line(stress, '<v>  0.0 0.0 </v>')}: row 2 of the stress needs 3 numbers, found 2`);
  });

  it("names the <varray>'s line when a row is missing, without contradicting itself", () => {
    const forces = vasprun({ forces: ['  0.1 0.2 0.3 '] });
    expect(() => read(forces)).toThrow(`line ${line(forces, 'name="forces"')}: <varray name="forces"> of ionic step 1 has 1 row, not one per atom (2)`);
    const stress = vasprun({ stress: ['  1.0 0.0 0.0 ', '  0.0 2.0 0.0 '] });
    expect(() => read(stress)).toThrow(`line ${line(stress, 'name="stress"')}: <varray name="stress"> of ionic step 1 has 2 rows, not 3`);
    const positions = vasprun({ positions: ['  0.0 0.0 0.0 ', '  0.5 0.5 0.0 ', '  0.5 0.0 0.5 '] });
    expect(() => read(positions)).toThrow(`line ${line(positions, 'name="positions"')}: <varray name="positions"> of ionic step 1 has 3 rows, not one per atom (2)`);
  });
});
