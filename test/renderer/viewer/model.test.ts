import { describe, expect, it } from 'vitest';
import { atomInfo, atomLabels, buildDisplay, bondsOf, defaultBondRules, prepareStructure, stickData } from '../../../src-renderer/viewer/model';
import { atomColors, hexToRgb } from '../../../src-renderer/viewer/elementStyle';

// CsCl-type NaCl (Na at the corner, Cl at the body centre): Na–Cl 4.867 Å, Na–Na 5.62 Å.
const rocksalt = {
  lattice: [
    [5.62, 0, 0],
    [0, 5.62, 0],
    [0, 0, 5.62],
  ] as [[number, number, number], [number, number, number], [number, number, number]],
  pbc: [true, true, true],
  numbers: [11, 17],
  species: ['Na', 'Cl'],
  cart: [0, 0, 0, 2.81, 2.81, 2.81],
  // Na written at the far corner: wrapped to the origin.
  frac: [1, 1, 1, 0.5, 0.5, 0.5],
};

describe('display model', () => {
  it('wraps sites, keeps cart consistent, and computes frac from cart when missing', () => {
    const p = prepareStructure(rocksalt);
    expect(Array.from(p.frac!)).toEqual([0, 0, 0, 0.5, 0.5, 0.5]);
    expect(Array.from(p.cart)).toEqual([0, 0, 0, 2.81, 2.81, 2.81]);
    const q = prepareStructure({ ...rocksalt, frac: null, cart: [5.62 * 1.25, 0, 0, 2.81, 2.81, 2.81] });
    expect(q.frac![0]).toBeCloseTo(0.25, 10);
    expect(q.cart[0]).toBeCloseTo(5.62 * 0.25, 10);
  });
  it('treats a structure without lattice as a molecule', () => {
    const p = prepareStructure({ lattice: null, pbc: [false, false, false], numbers: [8, 1, 1], cart: [0, 0, 0, 0.96, 0, 0, -0.24, 0.93, 0], frac: null });
    expect(p.periodic).toBe(false);
    const d = buildDisplay(p, [3, 3, 3], true);
    expect(d.atoms.site.length).toBe(3);
    expect(bondsOf(p, 1.15).center.length).toBe(4);
    expect(p.symbols).toEqual(['O', 'H', 'H']);
  });
  it('shows corner images, bonds across the boundary and tooltip coordinates', () => {
    const p = prepareStructure(rocksalt);
    const d = buildDisplay(p, [1, 1, 1], true);
    expect(d.atoms.site.length).toBe(9);
    // Na–Cl at 4.87 Å is not a bond with covalent radii (1.66 + 1.02); a generous tolerance makes it
    // one. Na–Na at 5.62 Å would be too, but the default rules draw no metal–metal bond beside a
    // non-metal (VESTA's way: no K–K in KCl); turned on, 8 + 6 bonds per Na, 8 per Cl.
    expect(bondsOf(p, 1.15).center.length).toBe(0);
    expect(defaultBondRules(p.numbers)).toEqual({ 'Na-Na': { on: false, max: null }, 'Na-Cl': { on: true, max: null }, 'Cl-Cl': { on: true, max: null } });
    expect(bondsOf(p, 1.9).center.length).toBe(16);
    const bonds = bondsOf(p, 1.9, { 'Na-Na': { on: true, max: null } });
    expect(bonds.center.length).toBe(22);
    const { sticks } = stickData(d, bonds, 2, true);
    expect(sticks.start.length / 3).toBe(8 * 14 + 8);
    const last = atomInfo(p, d, d.atoms.site.length - 1)!;
    expect(last.symbol).toBe('Cl');
    const corner = atomInfo(p, d, 7)!;
    expect(corner.frac).toEqual([1, 1, 1]);
    expect(corner.cart[0]).toBeCloseTo(5.62, 5);
  });
  it('labels every displayed image with its element, or with its element and site index as measurements name atoms', () => {
    const p = prepareStructure(rocksalt);
    const d = buildDisplay(p, [1, 1, 1], true);
    const elements = atomLabels(p, d, 'element');
    expect(elements).toEqual([...Array(8).fill('Na'), 'Cl']);
    expect(atomLabels(p, d, 'site')).toEqual([...Array(8).fill('Na0'), 'Cl1']);
    expect(atomLabels(p, buildDisplay(p, [2, 1, 1], false), 'site')).toEqual(['Na0', 'Na0', 'Cl1', 'Cl1']);
  });
  it("labels the held atoms with their movement flags as VASP writes them (a POSCAR's selective dynamics, a move_mask), and no other", () => {
    const flagged = { ...rocksalt, siteProperties: { selectiveDynamics: { kind: 'vector', width: 3, values: [1, 1, 1, 0, 0, 1] } } };
    const p = prepareStructure(flagged);
    expect(Array.from(p.movement!)).toEqual([1, 1, 1, 0, 0, 1]);
    expect(atomLabels(p, buildDisplay(p, [2, 1, 1], false), 'held')).toEqual(['', '', 'F F T', 'F F T']);
    const mask = prepareStructure({ ...rocksalt, siteProperties: { move_mask: { kind: 'number', values: [0, 1] } } });
    expect(atomLabels(mask, buildDisplay(mask, [1, 1, 1], false), 'held')).toEqual(['F F F', '']);
    const none = prepareStructure(rocksalt);
    expect(none.movement).toBeNull();
    expect(atomLabels(none, buildDisplay(none, [1, 1, 1], false), 'held')).toEqual(['', '']);
  });
  it('colours by VESTA’s scheme by default (Ag and Al apart), Jmol’s on request', () => {
    expect(Array.from(atomColors([8], 'jmol'))).toEqual(hexToRgb('#FF0D0D').map((v) => Math.fround(v)));
    const [ag, al] = [atomColors([47]), atomColors([13])];
    const distance = Math.hypot(ag[0] - al[0], ag[1] - al[1], ag[2] - al[2]);
    expect(distance).toBeGreaterThan(0.25);
    const [agJ, alJ] = [atomColors([47], 'jmol'), atomColors([13], 'jmol')];
    expect(Math.hypot(agJ[0] - alJ[0], agJ[1] - alJ[1], agJ[2] - alJ[2])).toBeLessThan(distance);
  });

  it('bond rules as VESTA: ionic, covalent and metallic structures', () => {
    const rules = (zs: number[]) => Object.fromEntries(Object.entries(defaultBondRules(zs)).map(([k, r]) => [k, r.on]));
    expect(rules([19, 17])).toEqual({ 'K-K': false, 'Cl-K': true, 'Cl-Cl': true }); // KCl: K–Cl only
    expect(rules([56, 22, 8])).toMatchObject({ 'O-Ti': true, 'O-Ba': false, 'Ti-Ba': false, 'Ti-Ti': false }); // BaTiO3: TiO6
    expect(rules([13, 47])).toEqual({ 'Al-Al': true, 'Al-Ag': true, 'Ag-Ag': true }); // an alloy: metallic bonds
    expect(rules([6, 1])).toEqual({ 'H-H': true, 'H-C': true, 'C-C': true });
  });
});
