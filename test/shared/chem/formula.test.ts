import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { cellFormula, chemicalFormula, hillFormula, reducedFormula } from '../../../src-shared/chem/formula';
import { summarizeStructure } from '../../../src-shared/chem';
import { csvField, csvText, groupThousands, ordinal, plural } from '../../../src-shared/text';

interface Case {
  composition: [string, number][];
  reduced: string;
  hill: string;
}
const golden = JSON.parse(readFileSync(new URL('../../fixtures/chem/formulas.json', import.meta.url), 'utf8')) as { cases: Case[] };

describe('formulas as chemists write them', () => {
  it('reduced formula equals pymatgen’s reduced_formula on every golden composition', () => {
    const wrong = golden.cases
      .map((c) => ({ c, ours: reducedFormula(Object.fromEntries(c.composition)) }))
      .filter(({ c, ours }) => ours !== c.reduced)
      .map(({ c, ours }) => `${JSON.stringify(c.composition)}: ${ours} ≠ ${c.reduced}`);
    expect(golden.cases.length).toBeGreaterThan(400);
    expect(wrong).toEqual([]);
  });

  it('Hill formula equals pymatgen’s hill_formula', () => {
    const wrong = golden.cases.filter((c) => hillFormula(Object.fromEntries(c.composition)) !== c.hill);
    expect(wrong).toEqual([]);
  });

  it('writes KCl, BaTiO3, NaCl, Ca(NO3)2 and keeps the cell formula beside', () => {
    expect(reducedFormula({ Cl: 4, K: 4 })).toBe('KCl');
    expect(reducedFormula({ Ba: 1, O: 3, Ti: 1 })).toBe('BaTiO3');
    expect(reducedFormula({ Cl: 4, Na: 4 })).toBe('NaCl');
    expect(reducedFormula({ Ca: 1, N: 2, O: 6 })).toBe('Ca(NO3)2');
    expect(cellFormula({ Cl: 4, Na: 4 })).toBe('Na4Cl4');
    expect(chemicalFormula({ H: 6, C: 6 }, false)).toBe('C6H6');
    expect(chemicalFormula({ H: 6, C: 6 }, true)).toBe('HC'); // pymatgen: H (2.20) before C (2.55)
  });

  it('summaries carry the chemist’s formula and the cell formula', () => {
    const s = summarizeStructure({
      name: 'KCl',
      lattice: [
        [6.3, 0, 0],
        [0, 6.3, 0],
        [0, 0, 6.3],
      ],
      pbc: [true, true, true],
      numbers: [19, 19, 17, 17],
      positions: [
        [0, 0, 0],
        [3.15, 3.15, 0],
        [3.15, 0, 0],
        [0, 3.15, 0],
      ],
      occupancy: [1, 1, 1, 1],
      properties: {},
      siteProperties: {},
    } as never);
    expect(s.formula).toBe('KCl');
    expect(s.cellFormula).toBe('K2Cl2');
  });

  it('plurals', () => {
    expect(plural(1, 'site')).toBe('1 site');
    expect(plural(2, 'site')).toBe('2 sites');
    expect(plural(4016, 'structure')).toBe('4,016 structures');
  });

  it('ordinals', () => {
    expect([1, 2, 3, 4, 10, 11, 12, 13, 21, 22, 23, 101, 102, 111, 112].map(ordinal)).toEqual([
      '1st', '2nd', '3rd', '4th', '10th', '11th', '12th', '13th', '21st', '22nd', '23rd', '101st', '102nd', '111th', '112th',
    ]);
  });

  it('groups thousands as en-US does', () => {
    for (const n of [0, 7, 999, 1000, -1000, 12345, 999999, 1000000, -1234567, 2 ** 40, 0.5, 1234.5678, 1e21]) expect(groupThousands(n)).toBe(n.toLocaleString('en-US'));
  });

  it('writes CSV fields and rows as RFC 4180 reads them', () => {
    expect(csvField('a,"b"')).toBe('"a,""b"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect([null, undefined, Number.NaN, Infinity].map(csvField)).toEqual(['', '', '', '']);
    expect(csvField({ a: 1 })).toBe('"{""a"":1}"');
    expect(csvText([['a', 1], ['b', null]])).toBe('a,1\nb,\n');
  });

  it('writes text a spreadsheet would take for a formula after a single quote, and numbers as numbers (CSV injection, OWASP)', () => {
    expect(csvField('=HYPERLINK("http://evil.example","x")')).toBe(`"'=HYPERLINK(""http://evil.example"",""x"")"`);
    expect(['+1', '-A1', '@SUM(A1)', '\t=1', '\r=1'].map(csvField)).toEqual(["'+1", "'-A1", "'@SUM(A1)", "'\t=1", `"'\r=1"`]);
    // text that merely holds one of them, and numbers, negative ones too, as they are
    expect(['a=b', 'Cu-Ni', 'x@y'].map(csvField)).toEqual(['a=b', 'Cu-Ni', 'x@y']);
    expect([-3.2, -0, 1e-7, -1e21].map(csvField)).toEqual(['-3.2', '0', '1e-7', '-1e+21']);
    expect(csvText([['name', 'energy'], ['=cmd', -3.2]])).toBe("name,energy\n'=cmd,-3.2\n");
  });
});
