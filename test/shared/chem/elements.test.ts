import { describe, expect, it } from 'vitest';
import { atomicNumber, ELEMENTS, elementInfo, elementSymbol, parseSiteLabel, parseTypeSymbol } from '../../../src-shared/chem';

describe('element table', () => {
  it('Z = 1..118 with symbols, names and masses', () => {
    expect(ELEMENTS.length).toBe(118);
    ELEMENTS.forEach((e, i) => {
      expect(e.z).toBe(i + 1);
      expect(e.mass).toBeGreaterThan(0);
      expect(atomicNumber(e.symbol)).toBe(e.z);
    });
    // Monotone masses except the known inversions (Ar/K, Co/Ni, Te/I, Th/Pa, U/Np, Pu/Am, ...).
    expect(elementInfo(26)).toMatchObject({ symbol: 'Fe', name: 'Iron', electronegativity: 1.83, color: '#E06633' });
    expect(elementInfo(26)!.mass).toBeCloseTo(55.845, 3);
    expect(elementInfo(6)!.covalentRadius).toBeCloseTo(0.76, 2);
    expect(elementInfo(1)!.vdwRadius).toBeCloseTo(1.2, 2);
    expect(elementInfo(118)!.mass).toBeCloseTo(294.2, 0); // pymatgen's 2949 typo corrected from ASE
    expect(elementInfo(2)!.electronegativity).toBeNull();
    expect(elementInfo(118)!.covalentRadius).toBeNull();
    expect(elementInfo(110)!.color).toBeNull();
    expect(elementSymbol(0)).toBe('X');
    expect(elementSymbol(79)).toBe('Au');
  });

  it('exact symbols are case-insensitive; D and T are hydrogen', () => {
    expect(atomicNumber('FE')).toBe(26);
    expect(atomicNumber('fe')).toBe(26);
    expect(atomicNumber('D')).toBe(1);
    expect(atomicNumber('Xx')).toBe(0);
    expect(atomicNumber('Fe2+')).toBe(0);
  });

  it.each([
    ['Fe2+', 26, 2],
    ['Fe3+', 26, 3],
    ['O2-', 8, -2],
    ['O-2', 8, -2],
    ['Cl-', 17, -1],
    ['Na+', 11, 1],
    ['O1', 8, null],
    ['CL', 17, null],
    ['Si', 14, null],
  ])('type symbol %s', (text, z, charge) => {
    expect(parseTypeSymbol(text)).toMatchObject({ z, charge });
  });

  it.each(['OH-', 'Wat', 'Fe2+x', 'Xx', '', '2+', 'H2O'])('type symbol %j is not guessed', (text) => {
    expect(parseTypeSymbol(text)).toBeNull();
  });

  it.each([
    ['O1', 'O', false],
    ['Fe3a', 'Fe', false],
    ['CL2', 'Cl', false],
    ['Ca1', 'Ca', false],
    ['OW1', 'O', true],
    ['FeT', 'Fe', true],
    ['SrA', 'Sr', true],
    ['HN1', 'H', true],
    ['Wat10', 'O', true],
    ['Cb1', 'C', true],
  ])('label %s → %s (guessed %s)', (text, symbol, guessed) => {
    expect(parseSiteLabel(text)).toMatchObject({ symbol, guessed });
  });

  it('labels that start with no element give null', () => {
    expect(parseSiteLabel('1Fe')).toBeNull();
    expect(parseSiteLabel('Qx')).toBeNull();
  });
});
