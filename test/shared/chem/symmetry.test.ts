import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parseSymop, spaceGroupFromHall, spaceGroupFromHM, spaceGroupFromNumber, type SymOp } from '../../../src-shared/chem';
import { spaceGroupSetting, spaceGroupSettingCount } from '../../../src-shared/chem/spacegroups';
import { symopKey, symopText } from '../../../src-shared/chem/symmetry';

describe('symmetry operations', () => {
  it.each([
    ['x,y,z', [1, 0, 0, 0, 1, 0, 0, 0, 1], [0, 0, 0]],
    ['-x+1/2, y, -z', [-1, 0, 0, 0, 1, 0, 0, 0, -1], [0.5, 0, 0]],
    ['1/2+X,-Y,Z', [1, 0, 0, 0, -1, 0, 0, 0, 1], [0.5, 0, 0]],
    ['x-y,x,z+1/3', [1, -1, 0, 1, 0, 0, 0, 0, 1], [0, 0, 1 / 3]],
    ['+y,+x,-z+0.75', [0, 1, 0, 1, 0, 0, 0, 0, -1], [0, 0, 0.75]],
    ['-y+x,z,2/3-x', [1, -1, 0, 0, 0, 1, -1, 0, 0], [0, 0, 2 / 3]],
  ])('%s', (text, r, t) => {
    const op = parseSymop(text)!;
    expect(Array.from(op.r)).toEqual(r);
    Array.from(op.t).forEach((x, i) => expect(x).toBeCloseTo(t[i], 12));
    expect(symopKey(parseSymop(symopText(op))!)).toBe(symopKey(op));
  });

  it.each(['x,y', 'x,y,z,x', 'x,x,z', 'a,b,c', '', 'x,,z', 'x+,y,z', 'x,y,z/0', '1/2,y,z'])('rejects %j', (text) => {
    expect(parseSymop(text)).toBeNull();
  });
});

const spglib = JSON.parse(readFileSync(new URL('../../fixtures/chem/spglib-settings.json', import.meta.url), 'utf8')) as {
  settings: [hallNumber: number, number: number, hall: string, fullHM: string, choice: string, operations: string][];
};
/** Operations as the fixture writes them: `symopText` with translations in [0, 1), sorted. */
const canonical = (ops: SymOp[]) => [...new Set(ops.map((o) => symopText(o)))].sort().join(';');

describe("space-group settings (spglib's 530, operations from the Hall symbols)", () => {
  it('covers the 230 groups; every setting is a group of valid operations', () => {
    const numbers = new Set<number>();
    for (let i = 0; i < spaceGroupSettingCount(); i++) {
      const sg = spaceGroupSetting(i);
      numbers.add(sg.number);
      const ops = sg.operations;
      // Closed under composition (modulo lattice translations).
      const keys = new Set(ops.map(symopKey));
      const a = ops[ops.length - 1];
      for (const b of ops.slice(0, 6)) {
        const r = new Int8Array(9);
        const t = new Float64Array(3);
        for (let row = 0; row < 3; row++) {
          for (let col = 0; col < 3; col++) for (let k = 0; k < 3; k++) r[row * 3 + col] += a.r[row * 3 + k] * b.r[k * 3 + col];
          t[row] = a.t[row];
          for (let k = 0; k < 3; k++) t[row] += a.r[row * 3 + k] * b.t[k];
        }
        expect(keys.has(symopKey({ r, t })), `${sg.universalHM}`).toBe(true);
      }
    }
    expect(numbers.size).toBe(230);
  });

  it("every Hall symbol spglib lists, in any spacing and case, builds exactly spglib's operations", () => {
    expect(spglib.settings.length).toBe(530);
    for (const [h, number, hall, , , operations] of spglib.settings) {
      for (const written of [hall, `  ${hall.replace(/ /g, '   ').toLowerCase()} `, hall.replace(/ /g, '_')]) {
        const sg = spaceGroupFromHall(written);
        expect(sg, `Hall number ${h}: '${written}'`).not.toBeNull();
        expect(sg!.number, `Hall number ${h}`).toBe(number);
        expect(canonical(sg!.operations), `Hall number ${h}: '${written}'`).toBe(operations);
      }
      expect(canonical(spaceGroupSetting(h - 1).operations)).toBe(operations);
    }
  });

  it("every H-M symbol with its choice builds spglib's operations; one name of two settings takes the standard one", () => {
    // `C m m e` is settings abc and ba-c of #67 (`C m m a`, `C m m b`), `C c c e :2` settings 2 and
    // 2ba-c of #68 (`C c c a :2`, `C c c b :2`), ...: the name gives the first, the old names each.
    const firstOfTwo = new Map([
      [317, 316],
      [319, 318],
      [321, 320],
      [325, 323],
      [329, 327],
      [333, 331],
    ]);
    for (const [h, number, , fullHM, choice, operations] of spglib.settings) {
      const c = /^[HR]$/.test(choice) ? choice : /^[12]/.test(choice) ? choice[0] : '';
      const m = spaceGroupFromHM(fullHM + (c ? ` :${c}` : ''));
      expect(m, `Hall number ${h}: ${fullHM} ${c}`).not.toBeNull();
      expect(m!.setting.number).toBe(number);
      const first = firstOfTwo.get(h);
      if (first) expect(canonical(m!.setting.operations)).toBe(spglib.settings[first - 1][5]);
      else expect(canonical(m!.setting.operations), `Hall number ${h}: ${fullHM} ${c}`).toBe(operations);
      // Each setting's own name (`C m m b`, `C c c b :2` for those) finds it.
      const own = spaceGroupFromHM(spaceGroupSetting(h - 1).universalHM)!;
      expect(canonical(own.setting.operations), spaceGroupSetting(h - 1).universalHM).toBe(operations);
      expect(own.assumed).toBeNull();
    }
  });

  it.each([
    ['-P 2ca 2n', 62, 'P n m a', 8],
    ['-P2ybc', 14, 'P 1 21/c 1', 4],
    ['P 31 2c (0 0 1)', 151, 'P 31 1 2', 6],
    ['F -4c 2 3', 219, 'F -4 3 c', 96],
    // A change of basis to another cell (pymatgen's `P 1 21/c 1 (2*c,2*a+c,b)`).
    ['-P 2ybc (-1/4*x+1/2*z,1/2*x,y)', 14, 'Hall -P 2ybc (-1/4*x+1/2*z,1/2*x,y)', 16],
  ])('Hall %j → #%i %s', (sym, num, name, nops) => {
    const sg = spaceGroupFromHall(sym)!;
    expect(sg).not.toBeNull();
    expect(sg.number).toBe(num);
    expect(sg.universalHM).toBe(name);
    expect(sg.operations.length).toBe(nops);
  });

  it.each(['P', '-Q 2', 'P 2 2 2 2', 'P 5', 'P 23', 'P 2q', 'P 2 (0 0)', 'Pnma'])('Hall %j is not one', (sym) => {
    expect(spaceGroupFromHall(sym)).toBeNull();
  });

  it.each([
    ['Fd-3m', 227, 'F d -3 m :1', 192],
    ['F d -3 m Z', 227, 'F d -3 m :2', 192],
    ['F d -3 m S', 227, 'F d -3 m :1', 192],
    ['R -3 m', 166, 'R -3 m :H', 36],
    ['R -3 m R', 166, 'R -3 m :R', 12],
    ['R 3 c {rhombohedral axes}', 161, 'R 3 c :R', 6],
    ['P21/c', 14, 'P 1 21/c 1', 4],
    ['P2_1/c', 14, 'P 1 21/c 1', 4],
    ['P 1 2/c 1', 13, 'P 1 2/c 1', 4],
    ['P 21/n 21/m 21/a', 62, 'P n m a', 8],
    ['P 4/m 2/m 2/m', 123, 'P 4/m m m', 16],
    ['F 4/m -3 2/m', 225, 'F m -3 m', 192],
    ['pnma', 62, 'P n m a', 8],
    ['C c c e :2', 68, 'C c c a :2', 16],
    ['C c c a :2', 68, 'C c c a :2', 16],
    ['C c c b :2', 68, 'C c c b :2', 16],
    ['C c c e', 68, 'C c c e :1', 16],
    ['Ccca', 68, 'C c c e :1', 16],
    ['C m c a', 64, 'C m c e', 16],
    ['Cmce', 64, 'C m c e', 16],
    ['C m m e', 67, 'C m m a', 16],
    ['C m m b', 67, 'C m m b', 16],
    ['C 2 c e', 41, 'C 2 c e', 8],
    ['A e m m', 67, 'A b m m', 16],
    ['B m e m', 67, 'B m c m', 16],
  ])('H-M %j → #%i %s', (sym, num, uhm, nops) => {
    const m = spaceGroupFromHM(sym)!;
    expect(m).not.toBeNull();
    expect(m.setting.number).toBe(num);
    expect(m.setting.universalHM).toBe(uhm);
    expect(m.setting.operations.length).toBe(nops);
  });

  it('a name of several origin or axes choices says which one it took', () => {
    // `C m m e` is two axes settings (`C m m a`, `C m m b`): the standard one, as `P21/c` is b unique.
    expect(spaceGroupFromHM('C m m e')!.assumed).toBeNull();
    expect(spaceGroupFromHM('C m m e')!.setting.universalHM).toBe('C m m a');
    expect(spaceGroupFromHM('C c c e')!.assumed).toBe('C c c e :1');
    expect(spaceGroupFromHM('C m c e')!.assumed).toBeNull();
    expect(spaceGroupFromHM('P 21/c')!.assumed).toBeNull();
  });

  it('unknown symbols and numbers give null', () => {
    expect(spaceGroupFromHM('Q 9')).toBeNull();
    expect(spaceGroupFromHall('-Q 9')).toBeNull();
    expect(spaceGroupFromNumber(0)).toBeNull();
    expect(spaceGroupFromNumber(231)).toBeNull();
    expect(spaceGroupFromNumber(225)!.operations.length).toBe(192);
  });
});
