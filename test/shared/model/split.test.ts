import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Rng } from '../../../src-shared/model/rng';
import { groupsAcrossSplits, kFold, splitSizes, trainValTestSplit } from '../../../src-shared/model/split';

describe('Rng', () => {
  it('is reproducible from a seed and differs between seeds', () => {
    const a = new Rng(1);
    const b = new Rng(1);
    const c = new Rng(2);
    const xa = Array.from({ length: 5 }, () => a.nextUint32());
    expect(Array.from({ length: 5 }, () => b.nextUint32())).toEqual(xa);
    expect(Array.from({ length: 5 }, () => c.nextUint32())).not.toEqual(xa);
  });
  it('resumes exactly from a saved state (including the Box–Muller spare)', () => {
    const a = new Rng(99);
    a.normal();
    const saved = JSON.parse(JSON.stringify(a.getState()));
    const rest = [a.normal(), a.next(), a.normal()];
    const b = Rng.fromState(saved);
    expect([b.normal(), b.next(), b.normal()]).toEqual(rest);
  });
  it('gives roughly uniform and normal deviates', () => {
    const r = new Rng(5);
    const n = 20000;
    let s = 0;
    let s2 = 0;
    let u = 0;
    for (let i = 0; i < n; i++) {
      const z = r.normal();
      s += z;
      s2 += z * z;
      u += r.next();
    }
    expect(Math.abs(s / n)).toBeLessThan(0.03);
    expect(Math.abs(s2 / n - 1)).toBeLessThan(0.04);
    expect(Math.abs(u / n - 0.5)).toBeLessThan(0.01);
  });
});

describe('splits', () => {
  it('uses CGCNN sizes: floor(test·n), floor(val·n), train = rest', () => {
    expect(splitSizes(2000, { val: 0.1, test: 0.1 })).toEqual({ train: 1600, val: 200, test: 200 });
    expect(splitSizes(10, { val: 0.15, test: 0.15 })).toEqual({ train: 8, val: 1, test: 1 });
    expect(splitSizes(100, { train: 0.5, val: 0.1, test: 0.1 })).toEqual({ train: 50, val: 10, test: 10 });
  });
  it('partitions the indices disjointly, reproducibly per seed (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 300 }), fc.integer({ min: 0, max: 2 ** 31 }), (n, seed) => {
        const s = trainValTestSplit(n, { val: 0.1, test: 0.2 }, seed);
        const all = [...s.train, ...s.val, ...s.test].sort((a, b) => a - b);
        expect(all).toEqual(Array.from({ length: n }, (_, i) => i));
        expect(trainValTestSplit(n, { val: 0.1, test: 0.2 }, seed)).toEqual(s);
      }),
      { seed: 3, numRuns: 50 },
    );
    expect(trainValTestSplit(100, { val: 0.1, test: 0.1 }, 1).test).not.toEqual(trainValTestSplit(100, { val: 0.1, test: 0.1 }, 2).test);
  });
  it('k-fold validates each index exactly once and never trains on it in that fold', () => {
    const idx = Array.from({ length: 23 }, (_, i) => i * 2);
    const folds = kFold(idx, 5, 11);
    expect(folds).toHaveLength(5);
    expect(folds.map((f) => f.val.length)).toEqual([5, 5, 5, 4, 4]);
    expect(folds.flatMap((f) => f.val).sort((a, b) => a - b)).toEqual(idx);
    for (const f of folds) {
      expect(f.train.length + f.val.length).toBe(23);
      expect(f.train.some((i) => f.val.includes(i))).toBe(false);
    }
    expect(() => kFold([1, 2], 3, 0)).toThrow(/at least 3/);
  });
});

describe('groups across splits', () => {
  it('finds the groups of equal keys that a split puts in more than one set', () => {
    const split = { train: [0, 1, 2], val: [3, 4], test: [5] };
    // keys: 0 & 3 equal (train + val), 1 & 2 equal (both train), 4 & 5 & 6 equal (val + test; 6 is in no set)
    const keys = ['a', 'b', 'b', 'a', 'c', 'c', 'c'];
    expect(groupsAcrossSplits(keys, split)).toEqual([
      { indices: [0, 3], sets: ['train', 'val'], leaked: [3] },
      { indices: [4, 5], sets: ['val', 'test'], leaked: [5] },
    ]);
    expect(groupsAcrossSplits([1, 2, 3, 4, 5, 6], split)).toEqual([]);
  });
});
