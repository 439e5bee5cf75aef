import { describe, expect, it } from 'vitest';
import { atomicNumber, elementSymbol } from '../../../src-shared/chem';
import { nearestElement, periodicPosition } from '../../../src-shared/chem/periodic';

const z = (symbol: string) => atomicNumber(symbol);
const nearest = (symbol: string, among: string[]) => {
  const r = nearestElement(z(symbol), among.map(z));
  return r === null ? null : elementSymbol(r);
};

describe('periodic position', () => {
  it('period, group and block of known elements', () => {
    expect(periodicPosition(1)).toEqual({ period: 1, group: 1, block: 's' });
    expect(periodicPosition(2)).toEqual({ period: 1, group: 18, block: 's' });
    expect(periodicPosition(z('B'))).toEqual({ period: 2, group: 13, block: 'p' });
    expect(periodicPosition(z('Mg'))).toEqual({ period: 3, group: 2, block: 's' });
    expect(periodicPosition(z('Al'))).toEqual({ period: 3, group: 13, block: 'p' });
    expect(periodicPosition(z('Sc'))).toEqual({ period: 4, group: 3, block: 'd' });
    expect(periodicPosition(z('Ni'))).toEqual({ period: 4, group: 10, block: 'd' });
    expect(periodicPosition(z('Cu'))).toEqual({ period: 4, group: 11, block: 'd' });
    expect(periodicPosition(z('Zn'))).toEqual({ period: 4, group: 12, block: 'd' });
    expect(periodicPosition(z('Kr'))).toEqual({ period: 4, group: 18, block: 'p' });
    expect(periodicPosition(z('Pd'))).toEqual({ period: 5, group: 10, block: 'd' });
    expect(periodicPosition(z('Ba'))).toEqual({ period: 6, group: 2, block: 's' });
    expect(periodicPosition(z('La'))).toEqual({ period: 6, group: null, block: 'f' });
    expect(periodicPosition(z('Lu'))).toEqual({ period: 6, group: null, block: 'f' });
    expect(periodicPosition(z('Hf'))).toEqual({ period: 6, group: 4, block: 'd' });
    expect(periodicPosition(z('Pt'))).toEqual({ period: 6, group: 10, block: 'd' });
    expect(periodicPosition(z('Au'))).toEqual({ period: 6, group: 11, block: 'd' });
    expect(periodicPosition(z('Rn'))).toEqual({ period: 6, group: 18, block: 'p' });
    expect(periodicPosition(z('U'))).toEqual({ period: 7, group: null, block: 'f' });
    expect(periodicPosition(z('Rf'))).toEqual({ period: 7, group: 4, block: 'd' });
    expect(periodicPosition(118)).toEqual({ period: 7, group: 18, block: 'p' });
    expect(periodicPosition(0)).toBeUndefined();
    expect(periodicPosition(119)).toBeUndefined();
  });

  it('every group 1..18 holds the elements of the standard table', () => {
    const count = new Map<number, number>();
    for (let x = 1; x <= 118; x++) {
      const g = periodicPosition(x)!.group;
      if (g !== null) count.set(g, (count.get(g) ?? 0) + 1);
    }
    // groups 1 and 18: 7 each; 2, 13..17: 6; 3: Sc, Y only (La/Ac in the f-block); 4..12: 4
    expect([...count.entries()].sort((a, b) => a[0] - b[0]).map(([, n]) => n)).toEqual([7, 6, 2, 4, 4, 4, 4, 4, 4, 4, 4, 4, 6, 6, 6, 6, 6, 7]);
  });
});

describe('nearest element', () => {
  it('reproduces the measured pairs: Ni←Cu, Pd←Ag, Pt←Au from a source of Al, Cu, Ag, Au', () => {
    const trained = ['Al', 'Cu', 'Ag', 'Au'];
    expect(nearest('Ni', trained)).toBe('Cu');
    expect(nearest('Pd', trained)).toBe('Ag');
    expect(nearest('Pt', trained)).toBe('Au');
    expect(nearest('Cu', trained)).toBe('Cu');
  });

  it('the same group first, the nearest period (ties to the lighter)', () => {
    expect(nearest('Pd', ['Ni', 'Ag'])).toBe('Ni');
    expect(nearest('Pd', ['Pt', 'Ag'])).toBe('Pt');
    expect(nearest('Pd', ['Ni', 'Pt'])).toBe('Ni');
    expect(nearest('Pt', ['Ni', 'Pd', 'Au'])).toBe('Pd');
    expect(nearest('K', ['Na', 'Ca'])).toBe('Na');
    expect(nearest('Si', ['C', 'Ge', 'Al'])).toBe('C');
  });

  it('then the same period and block, the nearest group (ties to the lighter)', () => {
    expect(nearest('Ni', ['Co', 'Cu'])).toBe('Co');
    expect(nearest('Ni', ['Fe', 'Cu'])).toBe('Cu');
    expect(nearest('Zn', ['Cu', 'Ga'])).toBe('Cu'); // Ga is p-block
    expect(nearest('Ca', ['K', 'Ti'])).toBe('K'); // Ti is d-block
    expect(nearest('Si', ['Al', 'Mg'])).toBe('Al');
    expect(nearest('Ce', ['La', 'Nd', 'Ba'])).toBe('La'); // f-block: the nearest atomic number
  });

  it('else the nearest atomic number (ties to the lighter); null without candidates', () => {
    expect(nearest('O', ['Cu', 'Al'])).toBe('Al');
    expect(nearest('Fe', ['Al', 'Ag'])).toBe('Al'); // 13 away, Ag 21
    expect(nearest('Fe', ['Mn', 'Co'])).toBe('Mn');
    expect(nearest('Ni', [])).toBeNull();
    expect(nearestElement(28, [0, 200])).toBeNull();
  });
});
