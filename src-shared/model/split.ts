/**
 * Seeded dataset splits: train/validation/test and k-fold cross-validation.
 *
 * Sizes follow CGCNN's `get_train_val_test_loader`: test = floor(test · n),
 * val = floor(val · n), train = floor(train · n) when given, else the rest.
 * The permutation depends only on (n, seed), so a split is reproducible and can be
 * stored as its seed plus fractions (the index lists are returned too, for the store).
 */
import { Rng } from './rng';

export interface Split {
  train: number[];
  val: number[];
  test: number[];
}

export interface SplitFractions {
  train?: number;
  val: number;
  test: number;
}

export function splitSizes(n: number, f: SplitFractions): { train: number; val: number; test: number } {
  const test = Math.floor(f.test * n + 1e-9);
  const val = Math.floor(f.val * n + 1e-9);
  const train = f.train === undefined ? n - val - test : Math.min(Math.floor(f.train * n + 1e-9), n - val - test);
  return { train, val, test };
}

/** Random train/val/test split of indices 0..n-1. */
export function trainValTestSplit(n: number, fractions: SplitFractions, seed: number): Split {
  const perm = new Rng(seed).permutation(n);
  const s = splitSizes(n, fractions);
  return {
    train: perm.slice(0, s.train),
    val: perm.slice(n - s.val - s.test, n - s.test),
    test: perm.slice(n - s.test),
  };
}

export interface Fold {
  fold: number;
  train: number[];
  val: number[];
}

/**
 * k-fold partition of `indices` (e.g. train ∪ val of a split, test held out): the
 * shuffled indices are cut into k nearly equal parts; fold i validates on part i and
 * trains on the rest. Every index is validated exactly once.
 */
export function kFold(indices: readonly number[], k: number, seed: number): Fold[] {
  if (k < 2) throw new Error(`k-fold needs k ≥ 2, got ${k}`);
  if (k > indices.length) throw new Error(`k-fold with k = ${k} needs at least ${k} items, got ${indices.length}`);
  const shuffled = new Rng(seed ^ 0x5f3759df).shuffle(indices.slice()) as number[];
  const parts: number[][] = [];
  const base = Math.floor(shuffled.length / k);
  const extra = shuffled.length % k;
  let at = 0;
  for (let i = 0; i < k; i++) {
    const size = base + (i < extra ? 1 : 0);
    parts.push(shuffled.slice(at, at + size));
    at += size;
  }
  return parts.map((val, fold) => ({ fold, val, train: parts.filter((_, j) => j !== fold).flat() }));
}

export type SplitSet = 'train' | 'val' | 'test';

/**
 * Groups of items sharing a key (e.g. identical structures) that `split` puts in more than one
 * set, with those sets in train, val, test order, and the members that leak: those in a later set
 * than the group's first (a validation or test item whose copy is in an earlier set). Items in no
 * set (beyond train + val + test) are ignored.
 */
export function groupsAcrossSplits(keys: ArrayLike<number | string>, split: Split): { indices: number[]; sets: SplitSet[]; leaked: number[] }[] {
  const order: SplitSet[] = ['train', 'val', 'test'];
  const setOf = new Map<number, number>();
  order.forEach((set, rank) => {
    for (const i of split[set]) setOf.set(i, rank);
  });
  const groups = new Map<number | string, number[]>();
  for (let i = 0; i < keys.length; i++) {
    if (!setOf.has(i)) continue;
    const g = groups.get(keys[i]);
    if (g) g.push(i);
    else groups.set(keys[i], [i]);
  }
  const out: { indices: number[]; sets: SplitSet[]; leaked: number[] }[] = [];
  for (const indices of groups.values()) {
    const ranks = new Set(indices.map((i) => setOf.get(i)!));
    if (ranks.size < 2) continue;
    const first = Math.min(...ranks);
    out.push({ indices, sets: order.filter((_, rank) => ranks.has(rank)), leaked: indices.filter((i) => setOf.get(i)! > first) });
  }
  return out;
}
