"""The PyTorch twin on bench/potentials/infer.ts's 1,000-atom cell: energy and forces (autograd),
float32, neighbour list (ASE) included, median of REPEATS calls.
Run: /usr/bin/python3 bench/potentials/torch_infer.py CONFIG.json [repeats=10] [threads=2]
"""
import json
import os
import sys
import time

import numpy as np
import torch
from ase.build import bulk

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'scripts', 'potentials'))
from twin import Potential, make_batch  # noqa: E402

cfg = json.load(open(sys.argv[1]))
reps = int(sys.argv[2]) if len(sys.argv) > 2 else 10
threads = int(sys.argv[3]) if len(sys.argv) > 3 else 2
torch.set_num_threads(threads)
atoms = bulk('Cu', 'fcc', a=3.61, cubic=True).repeat((5, 5, 10))
atoms.positions += np.random.default_rng(12345).uniform(-0.05, 0.05, atoms.positions.shape)
model = Potential(cfg).float()


def call():
    batch = make_batch([atoms], cfg['radial']['cutoff'], dtype=torch.float32)
    out = model(batch, forces=True, stress=False)
    return out['forces'].detach().numpy(), int(batch['center'].shape[0])


call()
times = []
for _ in range(reps):
    t0 = time.perf_counter()
    _, edges = call()
    times.append((time.perf_counter() - t0) * 1000)
times.sort()
print(json.dumps({'impl': 'pytorch-twin', 'threads': threads, 'atoms': len(atoms), 'edges': edges, 'medianMs': round(times[len(times) // 2], 1), 'minMs': round(times[0], 1)}))
