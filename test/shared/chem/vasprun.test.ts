/**
 * vasprun.xml files damaged by hand (a short row, a missing row, a value that is not a number):
 * every message names the line of the row or of its `<varray>`; `line(...)` finds a line by its text.
 */
import { describe, expect, it } from 'vitest';
import { readFrames } from '../../../src-shared/chem';
import { vasprun } from '../../helpers/vasprun';

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

describe('vasprun.xml values that are not numbers', () => {
  it("a word that is not a number is a damaged file: the error names the line, the atom and the word (ASE 3.22: 'could not convert string to float')", () => {
    const text = vasprun({ forces: [' 1.0 2.0 abc ', ' -0.1 -0.2 -0.3 '] });
    expect(() => read(text)).toThrow(`line ${line(text, 'abc')}: the force of atom 0 has 'abc', not a number`);
    const stress = vasprun({ stress: ['  1.0 0.0 0.0 ', '  0.0 2.0 x ', '  0.0 0.0 3.0 '] });
    expect(() => read(stress)).toThrow(`line ${line(stress, '2.0 x')}: row 1 of the stress has 'x', not a number`);
  });

  it('forces VASP could not print (****, NaN) are kept as NaN with a warning naming the line; a stress is left out, as an OUTCAR\'s', () => {
    for (const word of ['******', 'NaN']) {
      const text = vasprun({ forces: [` 1.0 2.0 ${word} `, ' -0.1 -0.2 -0.3 '], stress: ['  1.0 0.0 0.0 ', `  0.0 ${word} 0.0 `, '  0.0 0.0 3.0 '] });
      const r = read(text);
      const f = r.frames[0];
      expect(Array.from(f.forces!).slice(0, 3)).toEqual([1, 2, NaN]);
      expect(f.stress).toBeNull();
      expect(r.warnings).toEqual([
        `line ${line(text, `2.0 ${word}`)}: the force of atom 0 is '1.0 2.0 ${word}', a number VASP could not print (a dataset import leaves this frame out)`,
        `line ${line(text, `0.0 ${word} 0.0`)}: row 1 of the stress is '0.0 ${word} 0.0', a number VASP could not print: the stress is left out`,
      ]);
    }
  });

  it("a force too wide for its field (VASP's 3F16.8) is ****, glued to the number before: still three values, that one NaN", () => {
    const text = vasprun({ forces: ['      1.00000000      2.00000000****************', ' -0.1 -0.2 -0.3 '] });
    const r = read(text);
    expect(Array.from(r.frames[0].forces!).slice(0, 3)).toEqual([1, 2, NaN]);
    expect(r.warnings).toEqual([`line ${line(text, '2.00000000***')}: the force of atom 0 is '1.00000000      2.00000000****************', a number VASP could not print (a dataset import leaves this frame out)`]);
  });

  it('a position VASP could not print is an error naming its line: the structure cannot be read', () => {
    const text = vasprun({ positions: ['  0.0 0.0 0.0 ', '  0.5 ********** 0.0 '] });
    expect(() => read(text)).toThrow(`line ${line(text, '0.5 ***')}: the position of atom 1 is '0.5 ********** 0.0', a number VASP could not print`);
  });
});

describe('vasprun.xml damaged, not cut short', () => {
  it("a closing tag that does not match is an error naming its line, before the first step or in the middle of the run (ASE 3.22: 'mismatched tag', the same line)", () => {
    // line 23 `<v>` for `</v>`: line 24's </v> closes the inner <v>, </varray> of line 25 meets the outer (ASE: ParseError('mismatched tag: line 25, column 5'))
    const basis = vasprun().replace('0.0 3.6 0.0 </v>', '0.0 3.6 0.0 <v>');
    expect(line(basis, '0.0 3.6 0.0 <v>')).toBe(23);
    expect(() => read(basis)).toThrow('line 25: the closing tag </varray> does not match the open <v> (from line 23): the XML is damaged');
    // `</x>` in the forces of step 2 of 3: the file fails, it is not read as an incomplete file of 1 step (ASE: line 68, that line)
    const one = vasprun();
    const steps = one.slice(one.indexOf(' <calculation>'), one.indexOf('</modeling>'));
    const three = one.replace(steps, steps + steps.replace(' -0.1 -0.2 -0.3 </v>', ' -0.1 -0.2 -0.3 </x>') + steps);
    expect(read(one.replace(steps, steps + steps + steps)).frames).toHaveLength(3);
    expect(line(three, '</x>')).toBe(68);
    expect(() => read(three)).toThrow(`line ${line(three, '</x>')}: the closing tag </x> does not match the open <v> (from line ${line(three, '</x>')}): the XML is damaged`);
  });
});
