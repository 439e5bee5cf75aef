import { describe, expect, it } from 'vitest';
import {
  parseSymop,
  spaceGroupFromHall,
  spaceGroupFromHM,
  spaceGroupFromNumber,
} from '../../../src-shared/chem';
import { spaceGroupSetting, spaceGroupSettingCount, symopKey, symopText } from '../../../src-shared/chem/symmetry';

const opSet = (ops: string[]) => new Set(ops.map((o) => symopKey(parseSymop(o)!)));

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

describe('space-group table (752 settings from pymatgen symm_ops.json)', () => {
  it('covers the 230 groups; every setting is a group of valid operations', () => {
    const numbers = new Set<number>();
    for (let i = 0; i < spaceGroupSettingCount(); i++) {
      const sg = spaceGroupSetting(i);
      numbers.add(sg.number);
      const ops = sg.operations.map((o) => parseSymop(o));
      expect(ops.every((o) => o !== null)).toBe(true);
      // Closed under composition (modulo lattice translations).
      const keys = opSet(sg.operations);
      const a = ops[ops.length - 1]!;
      for (const b of ops.slice(0, 6)) {
        const r = new Int8Array(9);
        const t = new Float64Array(3);
        for (let row = 0; row < 3; row++) {
          for (let col = 0; col < 3; col++) for (let k = 0; k < 3; k++) r[row * 3 + col] += a.r[row * 3 + k] * b!.r[k * 3 + col];
          t[row] = a.t[row];
          for (let k = 0; k < 3; k++) t[row] += a.r[row * 3 + k] * b!.t[k];
        }
        expect(keys.has(symopKey({ r, t })), `${sg.universalHM}`).toBe(true);
      }
    }
    expect(numbers.size).toBe(230);
  });

  it('every universal H-M symbol (535 settings) and every Hall symbol (752) finds its own operations', () => {
    for (let i = 0; i < spaceGroupSettingCount(); i++) {
      const sg = spaceGroupSetting(i);
      // pymatgen's 217 transformed settings (`P 1 21/c 1 (2*a+c,b,c)`) are reachable by Hall symbol only.
      if (!sg.universalHM.includes('(')) {
        const byHM = spaceGroupFromHM(sg.universalHM);
        expect(byHM, sg.universalHM).not.toBeNull();
        expect(opSet(byHM!.setting.operations)).toEqual(opSet(sg.operations));
      }
      const byHall = spaceGroupFromHall(sg.hall);
      expect(byHall, sg.hall).not.toBeNull();
      expect(opSet(byHall!.operations)).toEqual(opSet(sg.operations));
    }
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
  ])('H-M %j → #%i %s', (sym, num, uhm, nops) => {
    const m = spaceGroupFromHM(sym)!;
    expect(m).not.toBeNull();
    expect(m.setting.number).toBe(num);
    expect(m.setting.universalHM).toBe(uhm);
    expect(m.setting.operations.length).toBe(nops);
  });

  it('unknown symbols and numbers give null', () => {
    expect(spaceGroupFromHM('Q 9')).toBeNull();
    expect(spaceGroupFromHall('-Q 9')).toBeNull();
    expect(spaceGroupFromNumber(0)).toBeNull();
    expect(spaceGroupFromNumber(231)).toBeNull();
    expect(spaceGroupFromNumber(225)!.operations.length).toBe(192);
  });
});
