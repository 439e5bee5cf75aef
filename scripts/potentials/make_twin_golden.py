"""Golden energies, forces and stresses of small SchNet and PaiNN potentials from the PyTorch twin.

Seeded random weights (rounded to float32 so both sides hold the same numbers), a few structures
made with ASE (rattled, strained alloy cells small enough that atoms see their own images, a
supercell with three elements, a non-periodic cluster), evaluated in float64 by twin.py.
test/main/engine/potential/twin.test.ts loads the same weights into Latticework's models and
checks energies, forces and stresses to 1e-5.

Usage: /usr/bin/python3 scripts/potentials/make_twin_golden.py > test/fixtures/potentials/twin-golden.json
"""
import json
import os
import sys

import numpy as np
import torch
from ase import Atoms
from ase.build import bulk

sys.path.insert(0, os.path.dirname(__file__))
from twin import Potential, make_batch  # noqa: E402

CASES = [
    {'kind': 'potential', 'architecture': 'schnet',
     'model': {'features': 8, 'filterFeatures': 8, 'numLayers': 2, 'headHidden': 4, 'activation': 'shifted-softplus', 'maxZ': 80},
     'radial': {'cutoff': 3.6, 'basis': 'gaussian', 'numBasis': 6, 'envelope': 'cosine', 'envelopeExponent': 5}},
    {'kind': 'potential', 'architecture': 'painn',
     'model': {'features': 8, 'filterFeatures': 8, 'numLayers': 2, 'headHidden': 4, 'activation': 'silu', 'maxZ': 80},
     'radial': {'cutoff': 3.6, 'basis': 'bessel', 'numBasis': 6, 'envelope': 'polynomial', 'envelopeExponent': 5}},
]


def structures(rng):
    a = bulk('Cu', 'fcc', a=3.7, cubic=True)
    a.numbers[1] = 79
    a.set_cell(np.array(a.cell) @ (np.eye(3) + rng.uniform(-0.03, 0.03, (3, 3))), scale_atoms=True)
    a.positions += rng.normal(0, 0.08, a.positions.shape)
    b = bulk('Al', 'fcc', a=4.0).repeat((2, 1, 2))
    b.numbers[[1, 2]] = [29, 79]
    b.set_cell(np.array(b.cell) @ (np.eye(3) + rng.uniform(-0.03, 0.03, (3, 3))), scale_atoms=True)
    b.positions += rng.normal(0, 0.08, b.positions.shape)
    c = Atoms('Cu2Au', positions=[[0, 0, 0], [2.3, 0.2, 0.1], [0.9, 2.0, 0.4]], pbc=False)
    return [a, b, c]


def main():
    rng = np.random.default_rng(13)
    torch.manual_seed(13)
    out = {'generator': 'scripts/potentials/make_twin_golden.py', 'torch': torch.__version__, 'cases': []}
    atoms = structures(rng)
    for cfg in CASES:
        model = Potential(cfg).double()
        with torch.no_grad():
            for name, t in model.weight_names().items():
                if name == 'energy.reference':
                    t.copy_(torch.tensor(rng.uniform(-4, -2, t.shape)))
                elif name == 'energy.scale_shift':
                    t.copy_(torch.tensor([3.0, 0.1]))
                else:
                    t.mul_(1.5)
                t.copy_(t.float().double())  # float32-representable weights on both sides
        batch = make_batch(atoms, cfg['radial']['cutoff'])
        r = model(batch, forces=True, stress=True)
        L = lambda x: x.detach().reshape(-1).tolist()
        out['cases'].append({
            'config': cfg,
            'weights': model.latticework_weights(),
            'structures': [{'numbers': s.numbers.tolist(), 'positions': s.positions.reshape(-1).tolist(),
                            'cell': np.array(s.cell).reshape(-1).tolist() if s.pbc.all() else None} for s in atoms],
            'energy': L(r['energy']),
            'atomEnergies': L(r['atom_energies']),
            'forces': L(r['forces']),
            'stress': [None if not s.pbc.all() else L(r['stress'][k]) for k, s in enumerate(atoms)],
        })
    json.dump(out, sys.stdout)


if __name__ == '__main__':
    main()
