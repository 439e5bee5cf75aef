"""PyTorch twin of Latticework's potentials (SchNet and PaiNN), for dev tooling only.

There is one PyTorch SchNet potential and one PaiNN: ``PotentialModel`` of
resources/torch/latticework_torch.py, the module `latticework export --to torch` writes into every
export (docs/scale-out.md, "One PyTorch model"). This file only adapts it to dev tooling: ASE
structures in (``make_batch``), weights as flat lists in Latticework's layout
(``Potential.load_latticework`` / ``latticework_weights``: dense kernels [in, out], the names of
``PotentialModel.getWeights()``), atom energies out. It computes in float64 after ``.double()``
(make_twin_golden.py: the fixture twin.test.ts checks Latticework against to 1e-5) or float32
(bench/potentials/torch_*.py: the speed reference). Never a runtime dependency of the app.

Neighbours: ASE's neighbor_list('ijS') -- every pair within the cutoff, vector
r = pos[j] - pos[i] + S . cell (the same convention as Latticework's graphs).
Requires Debian's python3-torch (1.13) and python3-ase; run with /usr/bin/python3.
"""
import os
import sys

import numpy as np
import torch
from ase.neighborlist import neighbor_list

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'resources', 'torch'))
from latticework_torch import PotentialModel  # noqa: E402


class Potential(PotentialModel):
    """The exported PotentialModel, with its weights by Latticework's names and layouts."""

    def forward(self, batch, forces=True, stress=True, create_graph=False):
        """Energy [S], atom energies [N], forces [N, 3], stress [S, 6]; differentiable again only when asked (training)."""
        return super().forward(batch, forces, stress, create_graph)

    def weight_names(self):
        """name -> the model's tensor in Latticework's layout (a view: writing it writes the model)."""
        linear = self.linear_weights()
        return {name: (t.t() if name in linear else t) for name, t in self.state_dict(keep_vars=True).items()}

    def load_latticework(self, weights):
        """weights: name -> flat list (Latticework's layout)."""
        with torch.no_grad():
            for name, t in self.weight_names().items():
                w = torch.tensor(weights[name], dtype=t.dtype)
                if w.numel() != t.numel():
                    raise ValueError(f'{name}: {w.numel()} values for shape {list(t.shape)}')
                t.copy_(w.reshape(t.shape))

    def latticework_weights(self):
        return {name: t.detach().reshape(-1).tolist() for name, t in self.weight_names().items()}


def make_batch(atoms_list, cutoff, dtype=torch.float64):
    """Disconnected batch of ASE Atoms with every pair within the cutoff (the keys of latticework_torch's Frames.batch)."""
    pos, num, ag, cen, nei, sh, eg, vol = [], [], [], [], [], [], [], []
    n0 = 0
    for k, atoms in enumerate(atoms_list):
        i, j, S = neighbor_list('ijS', atoms, cutoff)
        cell = np.array(atoms.cell)
        pos.append(atoms.positions)
        num.append(atoms.numbers)
        ag.append(np.full(len(atoms), k))
        cen.append(i + n0)
        nei.append(j + n0)
        sh.append(S @ cell)
        eg.append(np.full(len(i), k))
        vol.append(abs(np.linalg.det(cell)) if atoms.pbc.all() else float('nan'))
        n0 += len(atoms)
    t = lambda a, dt=dtype: torch.tensor(np.concatenate(a), dtype=dt)  # noqa: E731
    return {'positions': t(pos), 'numbers': t(num, torch.long), 'atom_graph': t(ag, torch.long), 'center': t(cen, torch.long),
            'neighbor': t(nei, torch.long), 'shift': t(sh).reshape(-1, 3), 'edge_graph': t(eg, torch.long),
            'volume': torch.tensor(vol, dtype=dtype), 'graphs': len(atoms_list)}
