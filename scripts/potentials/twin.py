"""PyTorch twin of Latticework's potentials (SchNet and PaiNN), for dev tooling only.

Written from the same equations as src-main/engine/potential/{schnet,painn,model,radial}.ts
(never a runtime dependency of the app). It loads a Latticework weight dictionary (names and
layouts as `PotentialModel.getWeights()`: dense kernels [in, out]) and computes energies,
forces (-dE/dr by autograd) and stress ((1/V) dE/d(eps) through a symmetric strain of cell and
positions), in float64 by default. Used by make_twin_golden.py (fixtures: agreement to 1e-5) and
bench/potentials/torch_train.py (the speed reference).

Neighbours: ASE's neighbor_list('ijS') -- every pair within the cutoff, vector
r = pos[j] - pos[i] + S . cell (the same convention as Latticework's graphs).
Requires Debian's python3-torch (1.13) and python3-ase; run with /usr/bin/python3.
"""
import math

import numpy as np
import torch
from ase.neighborlist import neighbor_list


def activation(name):
    if name == 'silu':
        return torch.nn.functional.silu
    if name == 'shifted-softplus':
        return lambda x: torch.nn.functional.softplus(x) - math.log(2.0)
    raise ValueError(name)


class Dense(torch.nn.Module):
    """y = x W + b with W stored [in, out] like Latticework's Dense."""

    def __init__(self, n_in, n_out, bias=True):
        super().__init__()
        self.weight = torch.nn.Parameter(torch.empty(n_in, n_out))
        self.bias = torch.nn.Parameter(torch.empty(n_out)) if bias else None
        bound = 1 / math.sqrt(n_in)
        torch.nn.init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            torch.nn.init.uniform_(self.bias, -bound, bound)

    def forward(self, x):
        y = x @ self.weight
        return y + self.bias if self.bias is not None else y


def radial_basis(d, radial):
    """d [E, 1] -> [E, K]."""
    K, rc = radial['numBasis'], radial['cutoff']
    if radial['basis'] == 'bessel':
        n = torch.arange(1, K + 1, dtype=d.dtype) * math.pi / rc
        return math.sqrt(2 / rc) * torch.sin(d * n) / d
    step = rc / max(1, K - 1)
    mu = torch.arange(K, dtype=d.dtype) * step
    return torch.exp(-0.5 * (d - mu) ** 2 / step ** 2)


def envelope(d, radial):
    rc = radial['cutoff']
    if radial['envelope'] == 'cosine':
        u = 0.5 * (torch.cos(d * math.pi / rc) + 1)
    else:
        p = radial['envelopeExponent']
        x = d / rc
        u = 1 - (p + 1) * (p + 2) / 2 * x ** p + p * (p + 2) * x ** (p + 1) - p * (p + 1) / 2 * x ** (p + 2)
    return torch.where(d >= rc, torch.zeros_like(u), u)


class SchNet(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        m, r = cfg['model'], cfg['radial']
        F, Ff, K = m['features'], m['filterFeatures'], r['numBasis']
        self.act = activation(m['activation'])
        self.embedding = torch.nn.Parameter(torch.randn(m['maxZ'] + 1, F))
        self.layers = torch.nn.ModuleList()
        for _ in range(m['numLayers']):
            self.layers.append(torch.nn.ModuleDict({
                'in2f': Dense(F, Ff, bias=False), 'filter0': Dense(K, Ff), 'filter1': Dense(Ff, Ff),
                'out0': Dense(Ff, F), 'out1': Dense(F, F)}))

    def weight_names(self):
        names = {'embedding.weight': self.embedding}
        for l, b in enumerate(self.layers):
            for key, name in [('in2f', 'in2f'), ('filter0', 'filter.0'), ('filter1', 'filter.1'), ('out0', 'f2out.0'), ('out1', 'f2out.1')]:
                names[f'interactions.{l}.{name}.weight'] = b[key].weight
                if b[key].bias is not None:
                    names[f'interactions.{l}.{name}.bias'] = b[key].bias
        return names

    def forward(self, Z, center, neighbor, unit, basis, env, N):
        h = self.embedding[Z]
        for b in self.layers:
            W = b['filter1'](self.act(b['filter0'](basis))) * env
            x = b['in2f'](h)
            m = torch.zeros(N, x.shape[1], dtype=x.dtype).index_add(0, center, x[neighbor] * W)
            h = h + b['out1'](self.act(b['out0'](m)))
        return h


class PaiNN(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        m, r = cfg['model'], cfg['radial']
        F, K, L = m['features'], r['numBasis'], m['numLayers']
        self.F, self.L = F, L
        self.act = activation(m['activation'])
        self.embedding = torch.nn.Parameter(torch.randn(m['maxZ'] + 1, F))
        self.filter_net = Dense(K, L * 3 * F)
        self.msg = torch.nn.ModuleList([torch.nn.ModuleDict({'phi0': Dense(F, F), 'phi1': Dense(F, 3 * F)}) for _ in range(L)])
        self.upd = torch.nn.ModuleList([torch.nn.ModuleDict({'mix': Dense(F, 2 * F, bias=False), 'ctx0': Dense(2 * F, F), 'ctx1': Dense(F, 3 * F)}) for _ in range(L)])

    def weight_names(self):
        names = {'embedding.weight': self.embedding, 'filter_net.weight': self.filter_net.weight, 'filter_net.bias': self.filter_net.bias}
        for l in range(self.L):
            for key, name in [('phi0', 'phi.0'), ('phi1', 'phi.1')]:
                names[f'interactions.{l}.{name}.weight'] = self.msg[l][key].weight
                names[f'interactions.{l}.{name}.bias'] = self.msg[l][key].bias
            names[f'mixing.{l}.mu_mix.weight'] = self.upd[l]['mix'].weight
            for key, name in [('ctx0', 'context.0'), ('ctx1', 'context.1')]:
                names[f'mixing.{l}.{name}.weight'] = self.upd[l][key].weight
                names[f'mixing.{l}.{name}.bias'] = self.upd[l][key].bias
        return names

    def forward(self, Z, center, neighbor, unit, basis, env, N):
        F = self.F
        s = self.embedding[Z]
        v = torch.zeros(N, 3, F, dtype=s.dtype)
        filters = self.filter_net(basis) * env
        for l in range(self.L):
            # message: scalar part s and vector part v
            W = filters[:, 3 * F * l:3 * F * (l + 1)]
            x = self.msg[l]['phi1'](self.act(self.msg[l]['phi0'](s)))
            xw = x[neighbor] * W
            xs, xvr, xvv = xw[:, :F], xw[:, F:2 * F], xw[:, 2 * F:]
            ds = torch.zeros(N, F, dtype=s.dtype).index_add(0, center, xs)
            dv_e = xvr[:, None, :] * unit[:, :, None] + xvv[:, None, :] * v[neighbor]
            dv = torch.zeros(N, 3, F, dtype=s.dtype).index_add(0, center, dv_e)
            s, v = s + ds, v + dv
            # update
            uv = self.upd[l]['mix'](v)
            U, V = uv[:, :, :F], uv[:, :, F:]
            vnorm = torch.sqrt((V ** 2).sum(1) + 1e-8)
            a = self.upd[l]['ctx1'](self.act(self.upd[l]['ctx0'](torch.cat([s, vnorm], 1))))
            avv, asv, ass = a[:, :F], a[:, F:2 * F], a[:, 2 * F:]
            v = v + avv[:, None, :] * U
            s = s + ass + asv * (U * V).sum(1)
        return s


class Potential(torch.nn.Module):
    def __init__(self, cfg):
        super().__init__()
        self.cfg = cfg
        m = cfg['model']
        self.rep = PaiNN(cfg) if cfg['architecture'] == 'painn' else SchNet(cfg)
        self.act = activation(m['activation'])
        self.head0 = Dense(m['features'], m['headHidden'])
        self.head1 = Dense(m['headHidden'], 1)
        self.register_buffer('reference', torch.zeros(m['maxZ'] + 1))
        self.register_buffer('scale_shift', torch.tensor([1.0, 0.0]))

    def weight_names(self):
        names = self.rep.weight_names()
        names.update({'head.0.weight': self.head0.weight, 'head.0.bias': self.head0.bias, 'head.1.weight': self.head1.weight,
                      'head.1.bias': self.head1.bias, 'energy.reference': self.reference, 'energy.scale_shift': self.scale_shift})
        return names

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

    def forward(self, batch, forces=True, stress=True, create_graph=False):
        """batch: dict from make_batch. Returns energy [S], atom energies [N], forces [N, 3], stress [S, 6]."""
        P = batch['positions'].clone().requires_grad_(forces or stress)
        S = batch['num_graphs']
        eps = torch.zeros(S, 3, 3, dtype=P.dtype, requires_grad=stress)
        shift = batch['shift']
        if stress:
            sym = 0.5 * (eps + eps.transpose(1, 2))
            P_ = P + torch.einsum('na,nab->nb', P, sym[batch['atom_graph']])
            shift = shift + torch.einsum('ea,eab->eb', shift, sym[batch['edge_graph']])
        else:
            P_ = P
        c, n = batch['center'], batch['neighbor']
        r = P_[n] + shift - P_[c]
        d = torch.sqrt((r ** 2).sum(1, keepdim=True))
        radial = self.cfg['radial']
        h = self.rep(batch['numbers'], c, n, r / d, radial_basis(d, radial), envelope(d, radial), P.shape[0])
        y = self.head1(self.act(self.head0(h))).reshape(-1)
        e = self.scale_shift[0] * y + self.scale_shift[1] + self.reference[batch['numbers']]
        E = torch.zeros(S, dtype=e.dtype).index_add(0, batch['atom_graph'], e)
        out = {'energy': E, 'atom_energies': e}
        if forces or stress:
            inputs = [P] + ([eps] if stress else [])
            grads = torch.autograd.grad(E.sum(), inputs, create_graph=create_graph)
            if forces:
                out['forces'] = -grads[0]
            if stress:
                g = grads[1]
                voigt = torch.stack([g[:, 0, 0], g[:, 1, 1], g[:, 2, 2], g[:, 1, 2], g[:, 0, 2], g[:, 0, 1]], 1)
                out['stress'] = voigt / batch['volumes'][:, None]
        return out


def make_batch(atoms_list, cutoff, dtype=torch.float64):
    """Disconnected batch of ASE Atoms with every pair within the cutoff."""
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
    t = lambda a, dt=dtype: torch.tensor(np.concatenate(a), dtype=dt)
    return {'positions': t(pos), 'numbers': t(num, torch.long), 'atom_graph': t(ag, torch.long), 'center': t(cen, torch.long),
            'neighbor': t(nei, torch.long), 'shift': t(sh).reshape(-1, 3), 'edge_graph': t(eg, torch.long),
            'volumes': torch.tensor(vol, dtype=dtype), 'num_graphs': len(atoms_list)}
