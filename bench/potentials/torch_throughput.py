"""The PyTorch twin's training throughput on the same frames as bench/potentials/throughput.ts.

Same model (scripts/potentials/twin.py, float32 here: the speed reference), same frames (the first
BATCHES x BATCH of emt-dev, file order), same loss terms (energy per atom, forces, stress; MSE with
the preset's weights), forces and stress by autograd with create_graph=True, Adam.
Run: /usr/bin/python3 bench/potentials/torch_throughput.py CONFIG.json [batches=10] [batch=16] [threads=2]
Prints one JSON line: {impl, threads, frames, atoms, edges, steps, seconds, atomsPerSecond, cpuSeconds,
atomsPerCpuSecond} (CPU time of the process, all threads).
"""
import json
import os
import sys
import time

import numpy as np
import torch
from ase.io import read

sys.path.insert(0, os.path.join(os.path.dirname(__file__), '..', '..', 'scripts', 'potentials'))
from twin import Potential, make_batch  # noqa: E402

cfg = json.load(open(sys.argv[1]))
batches = int(sys.argv[2]) if len(sys.argv) > 2 else 10
size = int(sys.argv[3]) if len(sys.argv) > 3 else 16
threads = int(sys.argv[4]) if len(sys.argv) > 4 else 2
torch.set_num_threads(threads)
data = os.environ.get('LATTICEWORK_SHARED_DATA', os.path.join(os.path.dirname(__file__), '..', '..', '..', 'shared', 'data'))
frames = read(os.path.join(data, 'emt-dev', 'emt_dataset.extxyz'), index=f':{batches * size}')
torch.manual_seed(0)
model = Potential(cfg).float()
w = cfg['training']['loss']
opt = torch.optim.Adam(model.parameters(), lr=cfg['training']['optimizer']['lr'])
prepared = []
for b in range(batches):
    part = frames[b * size:(b + 1) * size]
    batch = make_batch(part, cfg['radial']['cutoff'], dtype=torch.float32)
    E = torch.tensor([a.get_potential_energy() for a in part], dtype=torch.float32)
    n = torch.tensor([len(a) for a in part], dtype=torch.float32)
    F = torch.tensor(np.concatenate([a.get_forces() for a in part]), dtype=torch.float32)
    S = torch.tensor(np.array([a.get_stress(voigt=True) for a in part]), dtype=torch.float32)
    prepared.append((batch, E, n, F, S))


def step(k):
    batch, E, n, F, S = prepared[k]
    out = model(batch, forces=True, stress=True, create_graph=True)
    loss = w['energyWeight'] * (((out['energy'] - E) / n) ** 2).mean() + w['forcesWeight'] * ((out['forces'] - F) ** 2).mean() + w['stressWeight'] * ((out['stress'] - S) ** 2).mean()
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), cfg['training']['gradClipNorm'] or 1e9)
    opt.step()
    return loss.item()


step(0)
t0 = time.perf_counter()
c0 = time.process_time()
for k in range(batches):
    step(k)
seconds = time.perf_counter() - t0
cpu = time.process_time() - c0
atoms = sum(int(p[0]['positions'].shape[0]) for p in prepared)
edges = sum(int(p[0]['center'].shape[0]) for p in prepared)
print(json.dumps({'impl': 'pytorch-twin', 'threads': threads, 'frames': len(frames), 'atoms': atoms, 'edges': edges, 'steps': batches,
                  'seconds': round(seconds, 3), 'atomsPerSecond': round(atoms / seconds),
                  'cpuSeconds': round(cpu, 3), 'atomsPerCpuSecond': round(atoms / cpu)}))
