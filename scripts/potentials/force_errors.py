#!/usr/bin/env python3
"""Where a potential's force error on EMT-labelled frames comes from (issue 13's accuracy goal).

Usage:
  /usr/bin/python3 scripts/potentials/force_errors.py PREDICTIONS.json FRAMES.extxyz [--cut 5.0] [--limit N]
                                                     [--split SPLIT.json]

PREDICTIONS.json: `latticework predict --model M --json FRAMES.extxyz` (one entry per frame, in order).
FRAMES.extxyz: the labelled frames (forces in eV/A), with meta.csv beside it when there is one (made by
scripts/data/make_emt_set.py or emt-dev's own).

Prints:
  - the force MAE and RMSE, quantiles of |error| per component, and the structures that carry the
    largest shares of the summed absolute error (with their metadata);
  - the MAE by prototype, by atom count and by nearest-neighbour distance (0.1 A bins);
  - the part of EMT's forces a model with a cutoff of --cut A cannot see directly: EMT recomputed
    with the pairs beyond the cutoff left out (ASE's EMT interacts up to 5.88 A), its MAE, its
    correlation with the model's error and the error left when that part is added back;
  - with --split (JSON {"train": [...], "val": [...], "test": [...]}, indices into the frames): the MAE
    of each split, to tell under-fitting (train as high as val) from a generalisation gap.
Dev tooling only (Debian python3-ase).
"""
import argparse
import collections
import csv
import json
import os

import numpy as np
from ase.calculators.emt import EMT
from ase.io import read


class CutEMT(EMT):
    """ASE's EMT with the pairs beyond `cut` left out of both of its passes (density and pair terms)."""

    cut = 5.0

    def interact1(self, a1, a2, d, r, *rest):
        if r < self.cut:
            EMT.interact1(self, a1, a2, d, r, *rest)

    def interact2(self, a1, a2, d, r, *rest):
        if r < self.cut:
            EMT.interact2(self, a1, a2, d, r, *rest)


def mae_by(rows, key):
    acc = collections.defaultdict(lambda: [0.0, 0])
    for r in rows:
        k = key(r)
        acc[k][0] += r['abs']
        acc[k][1] += r['components']
    return {k: (round(v[0] / v[1], 5), v[1] // 3) for k, v in sorted(acc.items())}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('predictions')
    ap.add_argument('frames')
    ap.add_argument('--cut', type=float, default=5.0)
    ap.add_argument('--limit', type=int, default=None, help='only the first N frames')
    ap.add_argument('--split', default=None)
    a = ap.parse_args()
    pred = json.load(open(a.predictions))
    frames = read(a.frames, index=':' if a.limit is None else f':{a.limit}')
    n = min(len(frames), len(pred))
    meta_path = os.path.join(os.path.dirname(a.frames), 'meta.csv')
    meta = list(csv.DictReader(open(meta_path))) if os.path.exists(meta_path) else [{} for _ in range(n)]
    rows, errors, far = [], [], []
    for k in range(n):
        at, p = frames[k], pred[k]
        ref = at.get_forces()
        err = np.array(p['forces']) - ref
        b = at.copy()
        calc = CutEMT()
        calc.cut = a.cut
        b.calc = calc
        far.append((ref - b.get_forces()).ravel())
        errors.append(err.ravel())
        d = at.get_all_distances(mic=True) if len(at) > 1 else np.full((1, 1), np.inf)
        np.fill_diagonal(d, np.inf)
        rows.append({'k': k, 'atoms': len(at), 'abs': float(np.abs(err).sum()), 'components': err.size,
                     'dmin': float(d.min()), 'meta': meta[k] if k < len(meta) else {}})
    e = np.concatenate(errors)
    f = np.concatenate(far)
    print(f'{n} frames, {e.size} force components')
    print(f'force MAE {np.abs(e).mean():.5f} eV/A, RMSE {np.sqrt((e ** 2).mean()):.5f}')
    print('|error| quantiles 50/90/99/99.9 %:', [round(float(np.quantile(np.abs(e), q)), 5) for q in (0.5, 0.9, 0.99, 0.999)],
          'max', round(float(np.abs(e).max()), 4))
    total = sum(r['abs'] for r in rows)
    cum = 0.0
    print('largest shares of the summed |error|:')
    for r in sorted(rows, key=lambda r: -r['abs'])[:8]:
        cum += r['abs']
        m = r['meta']
        print(f"  frame {r['k']}: {r['abs'] / total:.3f} (cumulative {cum / total:.3f}), MAE {r['abs'] / r['components']:.4f}, "
              f"{r['atoms']} atoms, nearest pair {r['dmin']:.2f} A, {m.get('formula', '')} {m.get('prototype', '')} fmax {m.get('fmax', '')}")
    print('MAE by prototype (MAE, atoms):', mae_by(rows, lambda r: r['meta'].get('prototype', '?')))
    print('MAE by atom count (MAE, atoms):', mae_by(rows, lambda r: min(r['atoms'] // 4 * 4, 32)))
    print('MAE by nearest pair, A (MAE, atoms):', mae_by(rows, lambda r: round(min(r['dmin'], 3.0), 1)))
    c = np.corrcoef(e, -f)[0, 1]
    print(f'EMT pairs beyond {a.cut} A: their force part has MAE {np.abs(f).mean():.5f}; correlation with the model error '
          f'{c:.3f}; the error with that part added back: MAE {np.abs(e + f).mean():.5f}')
    if a.split:
        split = json.load(open(a.split))
        for name, idx in split.items():
            idx = [i for i in idx if i < n]
            if idx:
                s = np.concatenate([errors[i] for i in idx])
                print(f'{name}: {len(idx)} frames, force MAE {np.abs(s).mean():.5f}, RMSE {np.sqrt((s ** 2).mean()):.5f}')


if __name__ == '__main__':
    main()
