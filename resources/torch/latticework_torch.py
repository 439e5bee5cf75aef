"""Latticework's models and training loop in plain PyTorch (written by `latticework export --to torch`).

Needs PyTorch only (no other package). What is here, and why each piece is what it is:

- ``read_lwm`` / ``write_lwm``: Latticework's model file (.lwm: magic ``LWMODEL\\0``, uint32
  header length, JSON header, zero padding to 4 bytes, float32 weights in the header's order).
  Latticework stores Dense kernels as [in, out]; ``nn.Linear`` keeps [out, in]: the two
  functions transpose. Checkpoints written here are .lwm files Latticework reads.
- ``Rng``: Latticework's sfc32 generator, so that the epochs' shuffles are Latticework's.
- ``Graphs``: the crystal graphs Latticework built at export (``data/graphs.bin``: neighbour
  lists with float64 distances), with node and edge features computed here exactly as
  Latticework computes them (atom_init rows or one-hot or species; Gaussian expansion in float64,
  rounded to float32, values below 1e-20 set to 0; optional cosine envelope).
- ``GraphModel``: CGCNN (Xie & Grossman 2018; names of txie-93/cgcnn: ``embedding``,
  ``convs.<t>.fc_full``, ``.bn1``, ``.bn2``), SchNet (Schütt et al. 2018), GCN (Kipf & Welling 2017), GAT
  (Veličković et al. 2018) and MPNN-edge (Gilmer et al. 2017) property models as
  Latticework's engine computes them (embedding, layers, readout, head).
- ``PotentialModel``: the SchNet and PaiNN interatomic potentials (Schütt et al. 2018, 2021; energy,
  forces and stress by autograd). The one PyTorch PaiNN and SchNet potential: Latticework's dev
  twin (scripts/potentials/twin.py) imports them from here.
- ``train``: Latticework's training loop (trainer.ts) under DistributedDataParallel.
"""
import hashlib
import json
import math
import os
import signal
import socket
import struct
import sys
import time
from datetime import datetime, timezone

import torch
import torch.distributed as dist
import torch.nn as nn
import torch.nn.functional as F

MAGIC = b"LWMODEL\x00"
GRAPHS_MAGIC = b"LWGRAPH\x00"
NEGLIGIBLE_FEATURE = 1e-20

# ----------------------------------------------------------------------------- model files


def read_container(path, magic, what):
    """(bytes, JSON header, header end) of Latticework's files: 8-byte magic, uint32 header length, JSON header."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:8] != magic:
        raise ValueError(f"{path}: not a Latticework {what} (bad magic)")
    (h,) = struct.unpack_from("<I", data, 8)
    return data, json.loads(data[12 : 12 + h].decode("utf-8")), 12 + h


def read_sections(path):
    """(header, section) of a graph file (data/graphs.bin, data/potentials.bin): section(name) is a tensor."""
    data, head, _ = read_container(path, GRAPHS_MAGIC, "graph file")
    buf = bytearray(data)
    dtypes = {"int32": torch.int32, "int64": torch.int64, "float64": torch.float64}

    def section(name):
        s = head["sections"][name]
        return torch.frombuffer(buf, dtype=dtypes[s["dtype"]], count=s["count"], offset=s["offset"]).clone()

    return head, section


def read_lwm(path):
    """(header, weights): weights[member][name] = float32 tensor in Latticework's layout."""
    data, header, end = read_container(path, MAGIC, "model file")
    p = end + (-end % 4)
    members = [dict() for _ in range(header["members"])]
    for w in header["weights"]:
        n = 1
        for s in w["shape"]:
            n *= s
        t = torch.frombuffer(bytearray(data[p : p + 4 * n]), dtype=torch.float32).reshape(w["shape"]) if n else torch.zeros(w["shape"])
        members[w["member"]][w["name"]] = t.clone()
        p += 4 * n
    if p != len(data):
        raise ValueError(f"{path}: {len(data) - p} unexpected trailing bytes")
    return header, members


def write_lwm(path, header, weights):
    """Writes one member's weights (name → tensor in Latticework's layout), atomically; returns the file's SHA-256 (hex)."""
    entries = []
    blobs = []
    for name, t in weights.items():
        t = t.detach().to("cpu", torch.float32).contiguous()
        entries.append({"name": name, "shape": list(t.shape), "member": 0})
        blobs.append(struct.pack(f"<{t.numel()}f", *t.reshape(-1).tolist()))
    header = dict(header, members=1, weights=entries)
    js = json.dumps(header, separators=(",", ":")).encode("utf-8")
    pad = -(12 + len(js)) % 4
    tmp = path + ".tmp"
    digest = hashlib.sha256()
    with open(tmp, "wb") as f:
        for b in (MAGIC + struct.pack("<I", len(js)) + js + b"\x00" * pad, *blobs):
            f.write(b)
            digest.update(b)
    os.replace(tmp, path)
    return digest.hexdigest()


# ----------------------------------------------------------------------------- Latticework's RNG


class Rng:
    """sfc32 seeded through splitmix32, as src-shared/model/rng.ts (32-bit unsigned arithmetic)."""

    M = 0xFFFFFFFF

    def __init__(self, seed):
        s = seed & self.M

        def sm():
            nonlocal s
            s = (s + 0x9E3779B9) & self.M
            z = s
            z = ((z ^ (z >> 16)) * 0x85EBCA6B) & self.M
            z = ((z ^ (z >> 13)) * 0xC2B2AE35) & self.M
            return (z ^ (z >> 16)) & self.M

        self.a, self.b, self.c, self.d = sm(), sm(), sm(), sm()
        for _ in range(12):
            self.next_uint32()

    def next_uint32(self):
        M = self.M
        t = (((self.a + self.b) & M) + self.d) & M
        self.d = (self.d + 1) & M
        self.a = self.b ^ (self.b >> 9)
        self.b = (self.c + ((self.c << 3) & M)) & M
        self.c = (((self.c << 21) & M) | (self.c >> 11)) & M
        self.c = (self.c + t) & M
        return t

    def shuffle(self, xs):
        for i in range(len(xs) - 1, 0, -1):
            j = int(math.floor(self.next_uint32() / 4294967296 * (i + 1)))
            xs[i], xs[j] = xs[j], xs[i]
        return xs


# ----------------------------------------------------------------------------- graphs


class Graphs:
    """Latticework's graphs of the exported structures (data/graphs.bin) with their targets."""

    def __init__(self, path, config, atom_init):
        head, section = read_sections(path)
        self.ids = head["ids"]
        self.target_width = head["targetWidth"]
        self.per_atom = head["perAtom"]
        self.node_offsets = section("nodeOffsets")
        self.edge_offsets = section("edgeOffsets")
        self.numbers = section("numbers")
        self.center = section("center").long()
        self.neighbor = section("neighbor").long()
        distance = section("distance")
        self.targets = section("targets").reshape(-1, self.target_width)
        self.node_features = node_features(self.numbers, config, atom_init)
        self.edge_features = gaussian_features(distance, config["graph"])
        self.distance = distance.float()

    def __len__(self):
        return len(self.ids)

    def atoms(self, i):
        return int(self.node_offsets[i + 1] - self.node_offsets[i])

    def targets_of(self, idx):
        """Targets of the structures idx in order, [rows, width] float64 (rows: structures, or atoms when per atom)."""
        if not idx:
            return torch.zeros((0, self.target_width), dtype=torch.float64)
        if self.per_atom:
            return torch.cat([self.targets[int(self.node_offsets[i]) : int(self.node_offsets[i + 1])] for i in idx])
        return self.targets[torch.tensor(idx, dtype=torch.long)]

    def batch(self, idx):
        """One disjoint graph of the structures idx (in that order), as Latticework's batchGraphs."""
        xs, es, ds, cs, ns, gs, ts = [], [], [], [], [], [], []
        for g, i, (a, b), (c, d), offset in batch_parts(self.node_offsets, self.edge_offsets, idx):
            xs.append(self.node_features[a:b])
            es.append(self.edge_features[c:d])
            ds.append(self.distance[c:d])
            cs.append(self.center[c:d] + offset)
            ns.append(self.neighbor[c:d] + offset)
            gs.append(torch.full((b - a,), g, dtype=torch.long))
            ts.append(self.targets[a:b] if self.per_atom else self.targets[i : i + 1])
        return {
            "x": torch.cat(xs),
            "e": torch.cat(es),
            "distance": torch.cat(ds),
            "center": torch.cat(cs),
            "neighbor": torch.cat(ns),
            "graph": torch.cat(gs),
            "graphs": len(idx),
            "y": torch.cat(ts),
        }


def batch_parts(node_offsets, edge_offsets, idx):
    """For each structure idx[g] of a disconnected batch: g, its index, its atoms (a, b) and edges (c, d)
    in the file's arrays, and the batch's atom offset of its first atom (to shift its edge ends)."""
    offset = 0
    for g, i in enumerate(idx):
        a, b = int(node_offsets[i]), int(node_offsets[i + 1])
        yield g, i, (a, b), (int(edge_offsets[i]), int(edge_offsets[i + 1])), offset
        offset += b - a


def node_features(numbers, config, atom_init):
    a = config["model"]["atomInput"]
    z = numbers.long()
    if a["kind"] == "cgcnn":
        width = a["length"]
        table = torch.zeros((max(int(k) for k in atom_init) + 1, width), dtype=torch.float32)
        for k, v in atom_init.items():
            table[int(k)] = torch.tensor(v, dtype=torch.float32)
        return table[z]
    if a["kind"] == "onehot":
        return F.one_hot(z, a["length"]).float()
    return z.float().reshape(-1, 1)  # species index for a learned table


def gaussian_features(distance, graph):
    """CGCNN's GaussianDistance in float64 (centres as numpy.arange), rounded to float32."""
    g = graph["gaussian"]
    dmin, step, width = g["dmin"], g["step"], g["width"]
    dmax = g.get("dmax", graph["cutoff"])
    n = math.ceil((dmax + step - dmin) / step)
    delta = dmin + step - dmin
    mu = torch.tensor([dmin + i * delta for i in range(n)], dtype=torch.float64)
    out = torch.exp(-((distance.reshape(-1, 1) - mu) ** 2) / (width * width))
    if graph.get("envelope"):
        rc = graph["cutoff"]
        env = torch.where(distance < rc, 0.5 * (torch.cos(math.pi * distance / rc) + 1), torch.zeros_like(distance))
        out = out * env.reshape(-1, 1)
    out = torch.where(out < NEGLIGIBLE_FEATURE, torch.zeros_like(out), out)
    return out.float()


# ----------------------------------------------------------------------------- the model


def activation(name):
    return {
        "softplus": F.softplus,
        "shifted-softplus": lambda x: F.softplus(x) - math.log(2.0),
        "relu": F.relu,
        "silu": F.silu,
        "tanh": torch.tanh,
        "sigmoid": torch.sigmoid,
        "identity": lambda x: x,
    }[name]


def scatter_sum(m, index, n):
    return torch.zeros((n,) + m.shape[1:], dtype=m.dtype, device=m.device).index_add_(0, index, m)


def aggregate(kind, m, center, n):
    """Sum, mean or max of the messages at each centre (nn/segment.ts; empty centres give 0)."""
    s = scatter_sum(m, center, n)
    if kind == "sum":
        return s
    if kind == "mean":
        return s / scatter_sum(torch.ones_like(center, dtype=m.dtype), center, n).clamp(min=1).reshape(-1, 1)
    out = torch.full((n, m.shape[1]), -math.inf, dtype=m.dtype, device=m.device).scatter_reduce(0, center.reshape(-1, 1).expand_as(m), m, reduce="amax")
    return torch.where(torch.isinf(out), torch.zeros_like(out), out)


class SchNetConv(nn.Module):
    """SchNet's interaction block (architectures/schnet.ts): continuous filter from the Gaussian
    features times a cosine cutoff, neighbour features times filter, aggregated, residual update."""

    def __init__(self, config, edge_features, act):
        super().__init__()
        m = config["model"]
        F_, Ff = m["atomFeatures"], m["filterFeatures"]
        self.cutoff, self.aggregation, self.act = config["graph"]["cutoff"], m["aggregation"], act
        self.in2f = nn.Linear(F_, Ff, bias=False)
        self.filter = nn.ModuleList([nn.Linear(edge_features, Ff), nn.Linear(Ff, Ff)])
        self.f2out = nn.Linear(Ff, F_)
        self.dense = nn.Linear(F_, F_)

    def forward(self, h, e, b):
        d = b["distance"]
        c = torch.where(d < self.cutoff, 0.5 * (torch.cos(d * (math.pi / self.cutoff)) + 1), torch.zeros_like(d))
        W = self.filter[1](self.act(self.filter[0](e))) * c.reshape(-1, 1)
        a = aggregate(self.aggregation, self.in2f(h)[b["neighbor"]] * W, b["center"], h.shape[0])
        return h + self.dense(self.act(self.f2out(a)))


class CgcnnConv(nn.Module):
    """txie-93/cgcnn ConvLayer on an edge list (architectures/cgcnn.ts; messages neighbour → centre)."""

    def __init__(self, config, edge_features, act):
        super().__init__()
        F_ = config["model"]["atomFeatures"]
        self.fc_full = nn.Linear(2 * F_ + edge_features, 2 * F_)
        self.bn1 = nn.BatchNorm1d(2 * F_)
        self.bn2 = nn.BatchNorm1d(F_)

    def forward(self, h, e, b):
        center, neighbor = b["center"], b["neighbor"]
        z = self.bn1(self.fc_full(torch.cat([h[center], h[neighbor], e], dim=1)))
        filt, core = z.chunk(2, dim=1)
        s = scatter_sum(torch.sigmoid(filt) * F.softplus(core), center, h.shape[0])
        return F.softplus(h + self.bn2(s))


class GcnConv(nn.Module):
    """Kipf & Welling's graph convolution with self loops and a residual (architectures/gcn.ts):
    x = W h, d_i = 1 + in-degree, h_i + act(sum_j x_j / sqrt(d_i d_j) + x_i / d_i + b). No edge features."""

    def __init__(self, config, edge_features, act):
        super().__init__()
        F_ = config["model"]["atomFeatures"]
        self.linear = nn.Linear(F_, F_)
        self.act = act

    def forward(self, h, e, b):
        center, neighbor, n = b["center"], b["neighbor"], h.shape[0]
        x = F.linear(h, self.linear.weight)
        degree = scatter_sum(torch.ones_like(center, dtype=h.dtype), center, n) + 1
        inv = torch.rsqrt(degree)
        a = scatter_sum(x[neighbor] * (inv[center] * inv[neighbor]).reshape(-1, 1), center, n)
        return h + self.act(a + x / degree.reshape(-1, 1) + self.linear.bias)


class GatConv(nn.Module):
    """Graph attention with edge-aware scores, K heads averaged, residual (architectures/gat.ts):
    z = W h [N, K, F]; s = LeakyReLU_0.2(a_dst . z_center + a_src . z_neighbor + a_edge e); alpha = softmax
    of s over the edges into each centre; h_i + act(mean_k sum_j alpha z_j + b)."""

    def __init__(self, config, edge_features, act):
        super().__init__()
        m = config["model"]
        self.F, self.K = m["atomFeatures"], m["attentionHeads"]
        self.transform = nn.Linear(self.F, self.K * self.F, bias=False)
        self.att_edge = nn.Linear(edge_features, self.K, bias=False)
        self.att_dst = nn.Parameter(torch.zeros(1, self.K, self.F))
        self.att_src = nn.Parameter(torch.zeros(1, self.K, self.F))
        self.bias = nn.Parameter(torch.zeros(self.F))
        self.act = act

    def forward(self, h, e, b):
        center, neighbor, n = b["center"], b["neighbor"], h.shape[0]
        z = self.transform(h).reshape(n, self.K, self.F)
        s = F.leaky_relu((z * self.att_dst).sum(2)[center] + (z * self.att_src).sum(2)[neighbor] + self.att_edge(e), 0.2)
        top = torch.full((n, self.K), -math.inf, dtype=s.dtype, device=s.device).scatter_reduce(0, center.reshape(-1, 1).expand_as(s), s, reduce="amax")
        w = torch.exp(s - top[center])  # shifted by each centre's largest score (stable)
        alpha = w / scatter_sum(w, center, n)[center]
        a = scatter_sum(z[neighbor] * alpha.unsqueeze(2), center, n)
        return h + self.act(a.mean(1) + self.bias)


class MpnnEdgeConv(nn.Module):
    """MPNN with edge updates (architectures/mpnn-edge.ts): e' = act(W_e2 act(W_e1 [h_center, h_neighbor, e])),
    a = aggregate(e') at each centre, h + act(W_v2 act(W_v1 [h, a])); the edge state becomes e + e'."""

    def __init__(self, config, edge_features, act):
        super().__init__()
        m = config["model"]
        F_, De = m["atomFeatures"], m["edgeFeatures"]
        self.edge = nn.ModuleList([nn.Linear(2 * F_ + De, De), nn.Linear(De, De)])
        self.node = nn.ModuleList([nn.Linear(F_ + De, F_), nn.Linear(F_, F_)])
        self.aggregation, self.act = m["aggregation"], act

    def forward(self, h, e, b):
        center = b["center"]
        e_new = self.act(self.edge[1](self.act(self.edge[0](torch.cat([h[center], h[b["neighbor"]], e], dim=1)))))
        a = aggregate(self.aggregation, e_new, center, h.shape[0])
        return h + self.act(self.node[1](self.act(self.node[0](torch.cat([h, a], dim=1))))), e + e_new


# architecture → (its layer, whether the head activates the pooled vector first: CGCNN's conv_to_fc input);
# a layer returns h, or (h, e) when it updates the edge state
LAYERS = {"cgcnn": (CgcnnConv, True), "schnet": (SchNetConv, False), "gcn": (GcnConv, False), "gat": (GatConv, False), "mpnn-edge": (MpnnEdgeConv, False)}


class GraphModel(nn.Module):
    """Embedding, message-passing layers, readout and head as Latticework's GraphModel (layers/model.ts)."""

    def __init__(self, config):
        super().__init__()
        m, graph = config["model"], config["graph"]
        a = m["atomInput"]
        F_ = m["atomFeatures"]
        g = graph["gaussian"]
        edge_width = math.ceil((g.get("dmax", graph["cutoff"]) + g["step"] - g["dmin"]) / g["step"])
        layer, self.activate_pooled = LAYERS[config["architecture"]]
        self.act = activation(m["activation"])
        self.table = a["kind"] == "embedding"
        self.embedding = nn.Embedding(a["numSpecies"], F_) if self.table else nn.Linear(a["length"], F_)
        # an edge state (MPNN-edge): a Linear of the Gaussian features before the first layer
        self.edge_embedding = nn.Linear(edge_width, m["edgeFeatures"]) if config["architecture"] == "mpnn-edge" else None
        if self.edge_embedding is not None:
            edge_width = m["edgeFeatures"]
        self.convs = nn.ModuleList([layer(config, edge_width, self.act) for _ in range(m["numLayers"])])
        head = m["head"]
        self.per_atom = head["kind"] == "per-atom"
        self.readout = m["readout"]
        if self.readout not in ("mean", "sum", "max"):
            raise ValueError(f"readout {self.readout} is not exported (mean, sum, max are)")
        outputs = head["numClasses"] if head["kind"] == "classification" else head["numTargets"]
        self.head = Head(F_, m["hiddenFeatures"], m["numHidden"], outputs)
        self.dropout = m["dropout"]

    def forward(self, b):
        h = self.embedding(b["x"].reshape(-1).long()) if self.table else self.embedding(b["x"])
        e = b["e"] if self.edge_embedding is None else self.edge_embedding(b["e"])
        for conv in self.convs:
            h = conv(h, e, b)
            if isinstance(h, tuple):
                h, e = h
        if self.per_atom:
            y = h
        else:
            y = aggregate(self.readout, h, b["graph"], b["graphs"])
            if self.activate_pooled:
                y = self.act(y)
        for d in self.head.hidden:
            y = self.act(d(y))
        if self.training and self.dropout > 0:
            y = F.dropout(y, self.dropout)
        return self.head.out(y)

    def linear_weights(self):
        """State-dict keys of nn.Linear weights: Latticework stores them transposed ([in, out])."""
        return {f"{name}.weight" for name, mod in self.named_modules() if isinstance(mod, nn.Linear)}

    def load_lwm(self, weights):
        """Loads a .lwm member (names are the state dict's; Linear weights transposed)."""
        linear = self.linear_weights()
        sd = {}
        for key in self.state_dict():
            if key.endswith("num_batches_tracked"):
                continue
            if key not in weights:
                raise KeyError(f"weight {key} missing from the model file")
            sd[key] = weights[key].t().contiguous() if key in linear else weights[key]
        result = self.load_state_dict(sd, strict=False)
        unexpected = set(weights) - set(sd)
        if unexpected or [k for k in result.missing_keys if not k.endswith("num_batches_tracked")]:
            raise KeyError(f"model file and model differ: {sorted(unexpected) or result.missing_keys}")

    def lwm_weights(self, order):
        """Weights in Latticework's layout, in the order of `order` (the exported file's names)."""
        linear = self.linear_weights()
        sd = self.state_dict()
        return {name: (sd[name].t() if name in linear else sd[name]) for name in order}


class Head(nn.Module):
    """Latticework's MlpHead: hidden Linear layers (activated) and the output layer."""

    def __init__(self, width, hidden, layers, outputs):
        super().__init__()
        self.hidden = nn.ModuleList()
        for _ in range(layers):
            self.hidden.append(nn.Linear(width, hidden))
            width = hidden
        self.out = nn.Linear(width, outputs)


MODELS = {name: GraphModel for name in LAYERS}

# ----------------------------------------------------------------------------- interatomic potentials

VOIGT = [(0, 0), (1, 1), (2, 2), (1, 2), (0, 2), (0, 1)]


class Frames:
    """The exported frames (data/potentials.bin): Latticework's neighbour lists (every pair within the
    cutoff, Cartesian image shifts), positions, and the labels (NaN where a frame has none)."""

    def __init__(self, path):
        head, section = read_sections(path)
        self.ids = head["ids"]
        self.node_offsets = section("nodeOffsets")
        self.edge_offsets = section("edgeOffsets")
        self.numbers = section("numbers").long()
        self.positions = section("positions").reshape(-1, 3)
        self.center = section("center").long()
        self.neighbor = section("neighbor").long()
        self.shift = section("shift").reshape(-1, 3)
        self.volume = section("volume")
        self.energy = section("energy")
        self.forces = section("forces").reshape(-1, 3)
        self.stress = section("stress").reshape(-1, 6)

    def __len__(self):
        return len(self.ids)

    def atoms(self, i):
        return int(self.node_offsets[i + 1] - self.node_offsets[i])

    def batch(self, idx):
        """One disconnected graph of the frames idx (Latticework's batchPotentialGraphs), float32 geometry."""
        nums, pos, cs, ns, sh, ag, eg, fs = [], [], [], [], [], [], [], []
        for g, i, (a, b), (c, d), offset in batch_parts(self.node_offsets, self.edge_offsets, idx):
            nums.append(self.numbers[a:b])
            pos.append(self.positions[a:b])
            fs.append(self.forces[a:b])
            cs.append(self.center[c:d] + offset)
            ns.append(self.neighbor[c:d] + offset)
            sh.append(self.shift[c:d])
            ag.append(torch.full((b - a,), g, dtype=torch.long))
            eg.append(torch.full((d - c,), g, dtype=torch.long))
        t = torch.tensor(idx, dtype=torch.long)
        return {
            "numbers": torch.cat(nums),
            "positions": torch.cat(pos).float(),
            "center": torch.cat(cs),
            "neighbor": torch.cat(ns),
            "shift": torch.cat(sh).float(),
            "atom_graph": torch.cat(ag),
            "edge_graph": torch.cat(eg),
            "graphs": len(idx),
            "volume": self.volume[t],
            "atoms": torch.tensor([self.atoms(i) for i in idx], dtype=torch.float64),
            "energy": self.energy[t],
            "forces": torch.cat(fs),
            "stress": self.stress[t],
        }


def potential_activation(name):
    return F.silu if name == "silu" else (lambda x: F.softplus(x) - math.log(2.0))


def radial_basis(d, r):
    """phi_k(d): Bessel sin(k pi d / rc) sqrt(2/rc) / d (its limit at 0), or Gaussians over [0, rc] (filter-table.ts basisAt)."""
    rc, K = r["cutoff"], r["numBasis"]
    k = torch.arange(K, dtype=d.dtype, device=d.device)
    if r["basis"] == "bessel":
        c = math.sqrt(2 / rc)
        w = (k + 1) * math.pi / rc
        dd = d.reshape(-1, 1)
        small = dd < 1e-6
        safe = torch.where(small, torch.ones_like(dd), dd)
        return torch.where(small, c * w * (1 - (w * dd) ** 2 / 6), c * torch.sin(w * safe) / safe)
    step = rc / max(1, K - 1)
    return torch.exp(-0.5 * (d.reshape(-1, 1) - k * step) ** 2 / (step * step))


def envelope(d, r):
    rc = r["cutoff"]
    if r["envelope"] == "cosine":
        u = 0.5 * (torch.cos(math.pi * d / rc) + 1)
    else:
        p = r["envelopeExponent"]
        x = d / rc
        u = 1 - (p + 1) * (p + 2) / 2 * x**p + p * (p + 2) * x ** (p + 1) - p * (p + 1) / 2 * x ** (p + 2)
    return torch.where(d < rc, u, torch.zeros_like(u))


class SchNetInteraction(nn.Module):
    """Continuous-filter convolution and residual update (schnet.ts SchNetPotentialInteraction)."""

    def __init__(self, F_, Ff, K, act):
        super().__init__()
        self.in2f = nn.Linear(F_, Ff, bias=False)
        self.filter = nn.ModuleList([nn.Linear(K, Ff), nn.Linear(Ff, Ff)])
        self.f2out = nn.ModuleList([nn.Linear(Ff, F_), nn.Linear(F_, F_)])
        self.act = act

    def forward(self, h, basis, env, center, neighbor):
        W = self.filter[1](self.act(self.filter[0](basis))) * env.reshape(-1, 1)
        m = scatter_sum(self.in2f(h)[neighbor] * W, center, h.shape[0])
        return h + self.f2out[1](self.act(self.f2out[0](m)))


class PaiNNMessage(nn.Module):
    """PaiNN's message block (painn.ts PaiNNMessage): x_j = phi(s_j) = (x^s | x^vr | x^vv), then
    ds_i = sum_j x^s_j W^s_ij, dv_i = sum_j (x^vr_j W^vr_ij) r_ij/d_ij + (x^vv_j W^vv_ij) v_j."""

    def __init__(self, F_, act):
        super().__init__()
        self.phi = nn.ModuleList([nn.Linear(F_, F_), nn.Linear(F_, 3 * F_)])
        self.act = act

    def forward(self, s, v, W, unit, center, neighbor):
        F_ = s.shape[1]
        xw = self.phi[1](self.act(self.phi[0](s)))[neighbor] * W
        xs, xvr, xvv = xw[:, :F_], xw[:, F_ : 2 * F_], xw[:, 2 * F_ :]
        ds = scatter_sum(xs, center, s.shape[0])
        dv = scatter_sum(xvr.unsqueeze(1) * unit.unsqueeze(2) + xvv.unsqueeze(1) * v[neighbor], center, s.shape[0])
        return s + ds, v + dv


class PaiNNUpdate(nn.Module):
    """PaiNN's update block (painn.ts PaiNNUpdate): U v, V v (no bias, per Cartesian component),
    a = context([s, |V v|]) = (a^vv | a^sv | a^ss); v += a^vv U v, s += a^ss + a^sv <U v, V v>,
    |V v| = sqrt(sum_c (V v)_c^2 + epsilon) (model.vectorNormEpsilon; 1e-8 when a config has none, as in
    Latticework's schema)."""

    def __init__(self, F_, act, epsilon):
        super().__init__()
        self.mu_mix = nn.Linear(F_, 2 * F_, bias=False)
        self.context = nn.ModuleList([nn.Linear(2 * F_, F_), nn.Linear(F_, 3 * F_)])
        self.act = act
        self.epsilon = epsilon

    def forward(self, s, v):
        F_ = s.shape[1]
        uv = self.mu_mix(v)  # [N, 3, 2F]
        U, V = uv[:, :, :F_], uv[:, :, F_:]
        norm = torch.sqrt((V * V).sum(1) + self.epsilon)
        a = self.context[1](self.act(self.context[0](torch.cat([s, norm], dim=1))))
        avv, asv, ass = a[:, :F_], a[:, F_ : 2 * F_], a[:, 2 * F_ :]
        return s + ass + asv * (U * V).sum(1), v + avv.unsqueeze(1) * U


class EnergyStatistics(nn.Module):
    """E_ref per atomic number and [scale, shift] (fitted by Latticework on the training split; not trained)."""

    def __init__(self, max_z):
        super().__init__()
        self.register_buffer("reference", torch.zeros(max_z + 1))
        self.register_buffer("scale_shift", torch.tensor([1.0, 0.0]))


POTENTIALS = ("schnet", "painn")


class PotentialModel(nn.Module):
    """An interatomic potential as Latticework's PotentialModel (potential/model.ts): a SchNet or PaiNN
    representation s_i, e_i = scale head(s_i) + shift + E_ref[Z_i], E = sum e_i, forces -dE/dr and
    stress (1/V) dE/d(strain) by autograd. The weights' names are Latticework's (state-dict keys)."""

    def __init__(self, config):
        super().__init__()
        m, self.radial = config["model"], config["radial"]
        self.architecture = config["architecture"]
        if self.architecture not in POTENTIALS:
            raise ValueError(f"the {self.architecture} potential is not exported ({', '.join(POTENTIALS)} are)")
        F_, L, K = m["features"], m["numLayers"], self.radial["numBasis"]
        self.act = potential_activation(m["activation"])
        self.embedding = nn.Embedding(m["maxZ"] + 1, F_)
        if self.architecture == "schnet":
            self.interactions = nn.ModuleList([SchNetInteraction(F_, m["filterFeatures"], K, self.act) for _ in range(L)])
        else:
            self.filter_net = nn.Linear(K, L * 3 * F_)  # phi(d) -> every layer's filters (W^s | W^vr | W^vv)
            self.interactions = nn.ModuleList([PaiNNMessage(F_, self.act) for _ in range(L)])
            self.mixing = nn.ModuleList([PaiNNUpdate(F_, self.act, m.get("vectorNormEpsilon", 1e-8)) for _ in range(L)])
        self.head = nn.ModuleList([nn.Linear(F_, m["headHidden"]), nn.Linear(m["headHidden"], 1)])
        self.energy = EnergyStatistics(m["maxZ"])

    def representation(self, b, r, d):
        """The atoms' scalar features after the interaction blocks, [N, F]."""
        basis, env = radial_basis(d, self.radial), envelope(d, self.radial)
        h = self.embedding(b["numbers"])
        if self.architecture == "schnet":
            for block in self.interactions:
                h = block(h, basis, env, b["center"], b["neighbor"])
            return h
        F_ = h.shape[1]
        filters = self.filter_net(basis) * env.reshape(-1, 1)
        unit = r / d.reshape(-1, 1)
        v = torch.zeros((h.shape[0], 3, F_), dtype=h.dtype, device=h.device)
        for l, (message, update) in enumerate(zip(self.interactions, self.mixing)):
            h, v = message(h, v, filters[:, 3 * F_ * l : 3 * F_ * (l + 1)], unit, b["center"], b["neighbor"])
            h, v = update(h, v)
        return h

    def atom_energies(self, b, positions, shift):
        r = positions[b["neighbor"]] + shift - positions[b["center"]]
        d = torch.linalg.norm(r, dim=1)
        h = self.representation(b, r, d)
        y = self.head[1](self.act(self.head[0](h))).reshape(-1)
        ss = self.energy.scale_shift
        return y * ss[0] + ss[1] + self.energy.reference[b["numbers"]]

    def forward(self, b, forces=True, stress=True, create_graph=None):
        """Energies [S], atom energies [N], forces [N, 3], stress [S, 6] (Voigt, eV/A^3, NaN without a
        volume); differentiable again (create_graph) in training mode unless told otherwise."""
        S = b["graphs"]
        P = b["positions"].detach().requires_grad_(forces or stress)
        inputs = [P]
        positions, shift = P, b["shift"]
        if stress:
            eps = torch.zeros((S, 3, 3), dtype=P.dtype, device=P.device, requires_grad=True)
            inputs.append(eps)
            sym = 0.5 * (eps + eps.transpose(1, 2))
            positions = P + torch.bmm(P.unsqueeze(1), sym[b["atom_graph"]]).squeeze(1)
            shift = shift + torch.bmm(shift.unsqueeze(1), sym[b["edge_graph"]]).squeeze(1)
        e = self.atom_energies(b, positions, shift)
        energy = scatter_sum(e, b["atom_graph"], S)
        out = {"energy": energy, "atom_energies": e, "forces": None, "stress": None}
        if forces or stress:
            grads = torch.autograd.grad(energy.sum(), inputs, create_graph=self.training if create_graph is None else create_graph)
            if forces:
                out["forces"] = -grads[0]
            if stress:
                g = grads[1]
                # a structure without a volume divides by 1 and its row is NaN by where(): dividing by NaN would
                # make the row's gradient 0/NaN = NaN even where the loss leaves the row out (model.ts does the same)
                volume = b["volume"].to(g.dtype).reshape(-1, 1)
                periodic = torch.isfinite(volume)
                sigma = torch.stack([g[:, a, c] for a, c in VOIGT], dim=1) / torch.where(periodic, volume, torch.ones_like(volume))
                out["stress"] = torch.where(periodic, sigma, torch.full_like(sigma, math.nan))
        return out

    linear_weights = GraphModel.linear_weights
    load_lwm = GraphModel.load_lwm
    lwm_weights = GraphModel.lwm_weights

# ----------------------------------------------------------------------------- metrics, schedule, loss


def regression_metrics(t, p):
    t = [float(x) for x in t]
    p = [float(x) for x in p]
    n = len(t)
    if n == 0:
        return {}
    mae = sum(abs(b - a) for a, b in zip(t, p)) / n
    mse = sum((b - a) ** 2 for a, b in zip(t, p)) / n
    mean = sum(t) / n
    ss_tot = sum((a - mean) ** 2 for a in t)
    ss_res = sum((a - b) ** 2 for a, b in zip(t, p))
    out = {"mae": mae, "rmse": math.sqrt(mse), "maxError": max(abs(b - a) for a, b in zip(t, p))}
    if ss_tot > 0:
        out["r2"] = 1 - ss_res / ss_tot
    return out


def learning_rate(tc, epoch, step, steps_per_epoch, plateau):
    s = tc["schedule"]
    lr = tc["optimizer"]["lr"]
    warm = tc["warmupEpochs"]
    if s["kind"] == "step":
        base = lr * s["gamma"] ** sum(1 for m in s["milestones"] if epoch >= m)
    elif s["kind"] == "cosine":
        span = max(1, tc["epochs"] - warm)
        e = min(span, max(0, epoch - warm))
        base = s["minLr"] + (lr - s["minLr"]) * (1 + math.cos(math.pi * e / span)) / 2
    elif s["kind"] == "plateau":
        base = max(s["minLr"], lr * s["factor"] ** plateau["reductions"])
    else:
        base = lr
    if warm > 0 and epoch < warm:
        return base * (epoch * steps_per_epoch + step + 1) / (warm * steps_per_epoch)
    return base


FINAL_DECAY_TO = 0.01  # potential/train.ts: where the final decay ends, as a fraction of the schedule's rate


def potential_learning_rate(tc, epoch, step, steps_per_epoch, plateau):
    """potential/train.ts rateOf: the run's progress is the share of its epochs done (per step;
    training.maxSeconds is not applied here); the cosine schedule anneals per step over it, and
    training.finalDecay = d lowers any schedule's rate linearly to 1 % of it over the last d of it."""
    s = tc["schedule"]
    lr = tc["optimizer"]["lr"]
    progress = min(1.0, (epoch + step / steps_per_epoch) / tc["epochs"])
    if s["kind"] == "cosine":
        rate = s["minLr"] + ((lr - s["minLr"]) * (1 + math.cos(math.pi * progress))) / 2
    else:
        rate = learning_rate(dict(tc, warmupEpochs=0), epoch, step, steps_per_epoch, plateau)
    d = tc["finalDecay"]
    return rate * (1 - ((1 - FINAL_DECAY_TO) * (progress - (1 - d))) / d) if d > 0 and progress > 1 - d else rate


def step_plateau(schedule, state, val_loss):
    if schedule["kind"] != "plateau":
        return state
    nxt = dict(state)
    if state["best"] == math.inf or val_loss < state["best"] * (1 - schedule["threshold"]):
        nxt["best"], nxt["badEpochs"] = val_loss, 0
    else:
        nxt["badEpochs"] += 1
        if nxt["badEpochs"] > schedule["patience"]:
            nxt["reductions"] += 1
            nxt["badEpochs"] = 0
    return nxt


def elementwise_loss(kind, delta):
    """Per-element loss; the batch loss is its mean (PyTorch's reduction='mean', Latticework's losses.ts)."""
    if kind == "mse":
        return lambda p, y: (p - y) ** 2
    if kind == "mae":
        return lambda p, y: (p - y).abs()
    if kind == "huber":

        def huber(p, y):
            d = (p - y).abs()
            q = d.clamp(max=delta)
            return 0.5 * q * q + delta * (d - q)

        return huber
    raise ValueError(f"loss {kind} is not exported")


def js_number(x):
    """A number as Latticework's messages spell it (JavaScript's NaN, Infinity, -Infinity)."""
    return "NaN" if math.isnan(x) else ("Infinity" if x > 0 else "-Infinity") if math.isinf(x) else str(x)


def grad_norm(grads):
    """The global L2 norm of the gradients (None: a parameter without one), as a float."""
    squares = [g.detach().double().pow(2).sum() for g in grads if g is not None]
    return math.sqrt(float(torch.stack(squares).sum())) if squares else 0.0


def clip_gradients(params, norm, max_norm):
    """Scales the gradients of params to a global norm of at most max_norm, given their norm: torch's
    clip_grad_norm_ (the same 1e-6) without computing the norm a second time (optimizers.ts `apply`)."""
    scale = max_norm / (norm + 1e-6)
    if scale < 1.0:
        for p in params:
            if p.grad is not None:
                p.grad.detach().mul_(scale)


def potential_loss_terms(out, b, whole, lc, rho, use, device):
    """The weighted terms of a potential's loss on the batch b (potential/train.ts potentialLoss): energy per atom,
    forces, stress, each summed over b's labelled rows and divided by the label count of `whole`, the global batch
    (a rank's share of its mean); a term is left out when `use` does not train it, its weight is 0 or `whole` has
    no such label. Frames without a label have NaN there."""
    terms = {}
    if use.get("energy") and lc["energyWeight"] > 0:
        ok = ~torch.isnan(b["energy"])
        n = int((~torch.isnan(whole["energy"])).sum())
        if n:
            err = rho((out["energy"][ok.to(device)] / b["atoms"][ok].to(device).float()), (b["energy"][ok] / b["atoms"][ok]).float().to(device))
            terms["energy"] = lc["energyWeight"] * err.sum() / n
    if use.get("forces") and lc["forcesWeight"] > 0:
        ok = ~torch.isnan(b["forces"][:, 0])
        n = 3 * int((~torch.isnan(whole["forces"][:, 0])).sum())
        if n:
            terms["forces"] = lc["forcesWeight"] * rho(out["forces"][ok.to(device)], b["forces"][ok].float().to(device)).sum() / n
    if use.get("stress") and lc["stressWeight"] > 0:
        ok = ~torch.isnan(b["stress"][:, 0])
        n = 6 * int((~torch.isnan(whole["stress"][:, 0])).sum())
        if n:
            terms["stress"] = lc["stressWeight"] * rho(out["stress"][ok.to(device)], b["stress"][ok].float().to(device)).sum() / n
    return terms


def term_problem(model, frames, part, term, lc, rho, params, device):
    """How one term of the loss on the frames `part` is not finite ("is NaN", "has a NaN gradient"), or None when it is
    (or they have no such label) (potential/train.ts termProblem). The model itself, not its DDP wrapper: every rank
    evaluates the same frames with the same weights, without the other ranks."""
    whole = frames.batch(part)
    b = to_device(whole, device)
    out = model(b, forces=term == "forces", stress=term == "stress")
    terms = potential_loss_terms(out, b, whole, lc, rho, {term: True}, device)
    if term not in terms:
        return None
    value = terms[term]
    v = float(value.detach())
    n = grad_norm(torch.autograd.grad(value, params, allow_unused=True)) if value.requires_grad else 0.0
    return f"is {js_number(v)}" if not math.isfinite(v) else f"has a {js_number(n)} gradient" if not math.isfinite(n) else None


def non_finite_terms(model, frames, part, lc, rho, trained, params, device):
    """Why a batch's loss or gradient is not finite, one sentence per term of the loss that is not (each evaluated
    again with the same weights on the whole batch `part`): the frames (by their ids) that make it so on their own,
    or that it takes the frames together (potential/train.ts nonFiniteTerms, in its words)."""
    out = []
    for term in ("energy", "forces", "stress"):
        if not trained[term] or lc[f"{term}Weight"] <= 0:
            continue
        problem = term_problem(model, frames, part, term, lc, rho, params, device)
        if problem is None:
            continue
        alone = [i for i in part if term_problem(model, frames, [i], term, lc, rho, params, device) is not None]
        shown = ", ".join(frames.ids[i] for i in alone[:5]) + (f" and {len(alone) - 5} more" if len(alone) > 5 else "")
        out.append(f"the {term} term {problem}" + (f", from {shown}" if alone else " with the batch's frames together (no frame alone)"))
    return out


def make_optimizer(params, tc):
    o = tc["optimizer"]
    wd = tc["weightDecay"]
    if o["kind"] == "sgd":
        return torch.optim.SGD(params, lr=o["lr"], momentum=o["momentum"], nesterov=o["nesterov"], weight_decay=wd)
    cls = torch.optim.Adam if o["kind"] == "adam" else torch.optim.AdamW
    return cls(params, lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["epsilon"], weight_decay=wd, amsgrad=o.get("amsgrad", False))


# ----------------------------------------------------------------------------- distributed training


class Distributed:
    """torchrun's environment (WORLD_SIZE, RANK, LOCAL_RANK), else one process; NCCL on GPUs, gloo on CPUs."""

    def __init__(self, device_choice):
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        self.local_rank = int(os.environ.get("LOCAL_RANK", "0"))
        cuda = torch.cuda.is_available() and device_choice != "cpu"
        if device_choice == "cuda" and not torch.cuda.is_available():
            raise RuntimeError("--device cuda: PyTorch sees no GPU (torch.cuda.is_available() is False)")
        self.device = torch.device(f"cuda:{self.local_rank}") if cuda else torch.device("cpu")
        if cuda:
            torch.cuda.set_device(self.device)
        self.backend = ("nccl" if cuda else "gloo") if self.world > 1 else "none"
        if self.world > 1:
            dist.init_process_group(self.backend)

    def gather(self, obj):
        if self.world == 1:
            return [obj]
        out = [None] * self.world
        dist.all_gather_object(out, obj)
        return out

    def sum(self, *values):
        """Each value summed over the processes (one all-reduce for them all)."""
        if self.world == 1:
            return list(values)
        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return t.tolist()

    def close(self):
        if self.world > 1:
            dist.destroy_process_group()


def shard(part, world, rank):
    """Contiguous, nearly equal pieces of a global batch, one per rank (rank 0 always has one)."""
    n = len(part)
    a = (n * rank) // world
    b = (n * (rank + 1)) // world
    return part[a:b]


def evaluate(model, graphs, idx, tc, loss_kind, norm, device, task):
    """Loss and de-normalised predictions of idx in eval mode, in batches (trainer.ts evaluateSplit)."""
    model.eval()
    loss_fn = elementwise_loss(loss_kind, tc["huberDelta"])
    preds, loss_sum, count = [], 0.0, 0
    with torch.no_grad():
        for i in range(0, len(idx), tc["batchSize"]):
            part = idx[i : i + tc["batchSize"]]
            b = to_device(graphs.batch(part), device)
            out = model(b)
            y = normalized(b["y"], norm, device)
            loss = float(loss_fn(out, y).mean())
            loss_sum += loss * out.shape[0]
            count += out.shape[0]
            preds.append(out.double().cpu())
    p = torch.cat(preds) if preds else torch.zeros((0, graphs.target_width), dtype=torch.float64)
    p = p * torch.tensor(norm["std"], dtype=torch.float64) + torch.tensor(norm["mean"], dtype=torch.float64)
    t = graphs.targets_of(list(idx))
    return {"loss": loss_sum / count if count else math.nan, "predictions": p, "targets": t}


def to_device(b, device):
    return {k: (v.to(device) if torch.is_tensor(v) else v) for k, v in b.items()}


def normalized(y, norm, device):
    mean = torch.tensor(norm["mean"], dtype=torch.float64)
    std = torch.tensor(norm["std"], dtype=torch.float64)
    return ((y - mean) / std).float().to(device)


def fit_normalizer(targets, width):
    n = targets.shape[0]
    mean = [0.0] * width
    std = [1.0] * width
    if n == 0:
        return {"mean": mean, "std": std}
    rows = targets.tolist()
    for r in rows:
        for j in range(width):
            mean[j] += r[j]
    mean = [m / n for m in mean]
    if n > 1:
        for j in range(width):
            s = sum((r[j] - mean[j]) ** 2 for r in rows)
            sd = math.sqrt(s / (n - 1))
            std[j] = sd if sd > 0 and math.isfinite(sd) else 1.0
    return {"mean": mean, "std": std}


def train(folder, out_dir, epochs=None, device_choice="auto", log=print):
    """Trains the exported run in `folder`; writes metrics, checkpoints and the final model to `out_dir`."""
    manifest = json.load(open(os.path.join(folder, "export.json")))
    header, members = read_lwm(os.path.join(folder, "initial.lwm"))
    config = header["config"]
    if config.get("kind") == "potential":
        return train_potential(folder, out_dir, manifest, header, members, epochs, device_choice, log)
    tc = config["training"]
    if epochs is not None:
        tc["epochs"] = epochs
    split = json.load(open(os.path.join(folder, "split.json")))
    task = config["model"]["head"]["kind"]
    if task == "classification":
        raise ValueError("classification models are not exported yet (regression and per-atom are)")
    if config["architecture"] not in MODELS:
        raise ValueError(f"architecture {config['architecture']} is not exported (known: {', '.join(MODELS)})")

    env = Distributed(device_choice)
    torch.manual_seed(tc["seed"])
    graphs = Graphs(os.path.join(folder, "data", "graphs.bin"), config, header["atomInit"])
    model = MODELS[config["architecture"]](config)
    model.load_lwm(members[0])
    order = list(members[0].keys())
    model.to(env.device)
    net = nn.parallel.DistributedDataParallel(model, device_ids=[env.device.index] if env.device.type == "cuda" else None) if env.world > 1 else model
    optimizer = make_optimizer(model.parameters(), tc)
    ema = WeightAverage([p for p in model.parameters() if p.requires_grad], tc["emaDecay"]) if tc["emaDecay"] > 0 else None
    loss_kind = tc["loss"] or "mse"
    loss_fn = elementwise_loss(loss_kind, tc["huberDelta"])
    train_idx, val_idx, test_idx = split["train"], split["val"], split["test"]
    width = graphs.target_width
    if tc["normalizeTargets"]:
        norm = fit_normalizer(graphs.targets_of(train_idx), width)
    else:
        norm = {"mean": [0.0] * width, "std": [1.0] * width}
    header = dict(header, normalizer=norm)

    run = RunFiles(env, folder, out_dir, tc["epochs"], manifest, header)
    log(run.describe(env.world, len(graphs), split, tc["epochs"]))

    rng = Rng((tc["seed"] ^ 0x9E3779B9) & 0xFFFFFFFF)
    plateau = {"best": math.inf, "badEpochs": 0, "reductions": 0}
    steps = math.ceil(len(train_idx) / tc["batchSize"])
    best, step = BestEpoch(model, order, tc["earlyStoppingPatience"]), 0
    with run:
        for epoch in range(tc["epochs"]):
            t0 = time.time()
            order_idx = rng.shuffle(list(train_idx)) if tc["shuffle"] else list(train_idx)
            parts = [order_idx[i : i + tc["batchSize"]] for i in range(0, len(order_idx), tc["batchSize"])]
            net.train()
            loss_sum, seen, outs, seen_idx = 0.0, 0, [], []
            lr = learning_rate(tc, epoch, 0, steps, plateau)
            batch_lines = []
            for k, part in enumerate(parts):
                lr = learning_rate(tc, epoch, k, steps, plateau)
                for g in optimizer.param_groups:
                    g["lr"] = lr
                if config["model"]["dropout"] > 0:
                    rng.next_uint32()  # Latticework draws a dropout seed per batch: keep the stream aligned
                mine = shard(part, env.world, env.rank)
                weight = 1.0
                if not mine:  # more processes than structures in this batch: take part with weight 0
                    mine, weight = part[:1], 0.0
                b = to_device(graphs.batch(mine), env.device)
                y = normalized(b["y"], norm, env.device)
                out = net(b)
                # this rank's share of the global batch mean; DDP averages gradients over ranks (× world undoes it)
                total = (sum(graphs.atoms(i) for i in part) if graphs.per_atom else len(part)) * width
                loss = loss_fn(out, y).sum() * (weight * env.world / total)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                if tc["gradClipNorm"] is not None:
                    torch.nn.utils.clip_grad_norm_(model.parameters(), tc["gradClipNorm"])
                optimizer.step()
                step += 1
                if ema is not None:
                    ema.update(step)
                batch_loss, stops = env.sum(float(loss.detach()) / env.world, run.stop_asked())
                if stops:
                    raise RunStopped()
                if not math.isfinite(batch_loss):
                    raise FloatingPointError(f"training diverged: loss is {js_number(batch_loss)} at epoch {epoch}, batch {k} (lower the learning rate or enable gradient clipping)")
                loss_sum += batch_loss * len(part)
                seen += len(part)
                if weight:
                    outs.append(out.detach().double().cpu())
                    seen_idx.extend(mine)
                batch_lines.append({"epoch": epoch, "batch": k, "batches": len(parts), "batch_loss": batch_loss, "batch_lr": lr})
            train_seconds = time.time() - t0
            # training metrics from the outputs seen during the epoch (trainer.ts), gathered from all ranks
            gathered = env.gather((seen_idx, torch.cat(outs).tolist() if outs else []))
            all_idx = [i for g in gathered for i in g[0]]
            all_out = torch.tensor([r for g in gathered for r in g[1]], dtype=torch.float64).reshape(-1, width)
            all_out = all_out * torch.tensor(norm["std"], dtype=torch.float64) + torch.tensor(norm["mean"], dtype=torch.float64)
            train_t = graphs.targets_of(all_idx)
            train_metrics = regression_metrics(train_t.reshape(-1), all_out.reshape(-1))
            if ema is not None:
                ema.swap()  # validation, selection and the epoch's stored weights with the average
            val = evaluate(model, graphs, val_idx, tc, loss_kind, norm, env.device, task) if val_idx else None
            val_metrics = regression_metrics(val["targets"].reshape(-1), val["predictions"].reshape(-1)) if val else {}
            train_loss = loss_sum / max(seen, 1)
            plateau = step_plateau(tc["schedule"], plateau, val["loss"] if val else train_loss)
            metric = val_metrics["mae"] if val else train_metrics["mae"]
            is_best = best.update(epoch, metric, val_metrics)
            line = {"epoch": epoch, "train_loss": train_loss, "lr": lr, "epoch_seconds": time.time() - t0, "structures_per_second": seen / max(train_seconds, 1e-9)}
            if val:
                line["val_loss"] = val["loss"]
            line.update({f"train_{k}": v for k, v in train_metrics.items()})
            line.update({f"val_{k}": v for k, v in val_metrics.items()})
            run.epoch(epoch, line, is_best, batch_lines, model.lwm_weights(order), best.best)
            if ema is not None:
                ema.swap()
            log(f"epoch {epoch + 1}/{tc['epochs']}  loss {train_loss:.4f}  train MAE {train_metrics.get('mae', math.nan):.4f}  val MAE {val_metrics.get('mae', math.nan):.4f}  lr {lr:.3g}  {line['epoch_seconds']:.1f} s{'  *' if is_best else ''}")
            if best.exhausted():
                run.state = "early-stopped"
                break

    best.restore()  # then the final evaluations and predictions of every split
    results = {}
    for name, idx in (("train", train_idx), ("val", val_idx), ("test", test_idx)):
        if idx and run.state != "cancelled":
            results[name] = evaluate(model, graphs, idx, tc, loss_kind, norm, env.device, task)
    for name, r in results.items():
        idx = {"train": train_idx, "val": val_idx, "test": test_idx}[name]
        if not graphs.per_atom:
            run.predictions([{"index": i, "id": graphs.ids[i], "split": name, "target": r["targets"][k].tolist(), "prediction": r["predictions"][k].tolist()} for k, i in enumerate(idx)])
    test = results.get("test")
    run.finished(best.best, regression_metrics(test["targets"].reshape(-1), test["predictions"].reshape(-1)) if test else {}, log)
    env.close()
    return 130 if run.state == "cancelled" else 0


class WeightAverage:
    """The exponential moving average of the trained parameters (engine/train/weight-average.ts):
    a <- d*a + (1 - d)*w after step n (1-based) with d = min(decay, (1 + n) / (10 + n)); `swap()`
    exchanges the average and the weights (validation, selection and the stored model use the average)."""

    def __init__(self, params, decay):
        self.params, self.decay = params, decay
        self.average = [p.detach().clone() for p in params]

    def update(self, step):
        d = min(self.decay, (1 + step) / (10 + step))
        with torch.no_grad():
            for a, p in zip(self.average, self.params):
                a.mul_(d).add_(p.detach(), alpha=1 - d)

    def swap(self):
        with torch.no_grad():
            for p, a in zip(self.params, self.average):
                tmp = p.detach().clone()
                p.copy_(a)
                a.copy_(tmp)


class BestEpoch:
    """The best epoch so far (the lowest score; its weights kept in Latticework's layout) and early
    stopping after `patience` epochs without a better one (trainer.ts, potential/train.ts)."""

    def __init__(self, model, order, patience):
        self.model, self.order, self.patience = model, order, patience
        self.best, self.since = None, 0

    def update(self, epoch, score, val):
        """Whether this epoch is the best so far (then its weights and validation metrics are kept)."""
        if self.best is None or (math.isfinite(score) and score < self.best["score"]):
            self.best = {"epoch": epoch, "score": score, "weights": {k: v.detach().cpu().clone() for k, v in self.model.lwm_weights(self.order).items()}, "val": val}
            self.since = 0
            return True
        self.since += 1
        return False

    def exhausted(self):
        return self.patience is not None and self.since >= self.patience

    def restore(self):
        """The best epoch's weights back into the model (for the final evaluations)."""
        if self.best is not None:
            self.model.load_lwm(self.best["weights"])


class RunStopped(Exception):
    """Every process stops after the same training step: one of them was asked to by a signal."""


# Ctrl-C (SIGINT), and SIGTERM: what Slurm sends at a job's time limit or on scancel, and torchrun to its workers when it stops
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)

# the export's files that define it (its manifest with its creation time and data, its split, its config and initial weights)
EXPORT_FILES = ("export.json", "split.json", "initial.lwm")


def export_identity(folder, manifest):
    """What status.json records of the export a run trains from, so that `latticework import-run` takes the run
    back only with that export: its folder, creation time and data, and the SHA-256 of the files that define it."""
    digest = {}
    for name in EXPORT_FILES:
        with open(os.path.join(folder, name), "rb") as f:
            digest[name] = hashlib.sha256(f.read()).hexdigest()
    dataset = manifest.get("dataset", {})
    return {"folder": os.path.abspath(folder), "createdAt": manifest.get("createdAt"), "dataset": dataset.get("source"), "structures": dataset.get("structures"), "sha256": digest}


def run_held(out_dir):
    """What `out_dir` holds when a run was written there (its status.json), as messages say it; else None."""
    path = os.path.join(out_dir, "status.json")
    if not os.path.exists(path):
        return None
    try:
        with open(path) as f:
            status = json.load(f)
        done = status.get("epochsDone")
        return f"a run ({status.get('status')}, {done} epoch{'' if done == 1 else 's'} done, started {status.get('startedAt')})"
    except (OSError, ValueError, AttributeError):
        return "a run (its status.json cannot be read)"


def export_damage(folder):
    """The first of the export's files that train.py reads (export.json's "files": size and SHA-256, recorded at export)
    that is missing, cut short or changed (an interrupted scp or rsync to the cluster, as a rule), as a sentence naming
    it; None when all are whole. An export made before that record (Latticework before session 42) is not checked."""
    again = "copy the export folder again"
    try:
        with open(os.path.join(folder, "export.json"), "rb") as f:
            manifest = json.loads(f.read())
    except OSError as e:
        return f"export.json cannot be read ({e.strerror}): {again}"
    except ValueError:
        return f"export.json is damaged (not valid JSON; cut short?): {again}"
    for name, want in (manifest.get("files") or {}).items():
        path = os.path.join(folder, *name.split("/"))
        if not os.path.isfile(path):
            return f"{name} is missing: {again}"
        size = os.path.getsize(path)
        if size != want["bytes"]:
            state = "truncated" if size < want["bytes"] else "damaged"
            return f"{name} is {state}: {size} bytes, but the export wrote {want['bytes']} (export.json); an interrupted copy? {again}"
        digest = hashlib.sha256()
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
        if digest.hexdigest() != want["sha256"]:
            return f"{name} is damaged: its SHA-256 is not the one the export recorded (export.json); {again}"
    return None


def config_changes(folder):
    """Where the export's config.json differs from the config in its initial.lwm (the one trained), as
    "key: value here, value in initial.lwm" for the first few keys; None when they agree or config.json is gone."""
    path = os.path.join(folder, "config.json")
    if not os.path.exists(path):
        return None
    with open(path) as f:
        edited = json.load(f)
    _, header, _ = read_container(os.path.join(folder, "initial.lwm"), MAGIC, "model file")
    diffs = []

    def walk(a, b, key):
        if isinstance(a, dict) and isinstance(b, dict):
            for k in list(b) + [k for k in a if k not in b]:
                walk(a.get(k), b.get(k), f"{key}.{k}" if key else k)
        elif a != b:
            diffs.append(f"{key}: {json.dumps(a)} here, {json.dumps(b)} in initial.lwm")

    walk(edited, header["config"], "")
    return "; ".join(diffs[:3]) + (f"; {len(diffs) - 3} more" if len(diffs) > 3 else "") if diffs else None


class RunFiles:
    """run/: metrics.jsonl, batches.jsonl, last.lwm, best.lwm, predictions.jsonl and status.json (where
    and how the run runs, how it ended, the export it trains from). Every rank takes part in describing
    the run; rank 0 writes. The epochs run inside ``with run:``: Ctrl-C or SIGTERM (to any process) stops
    every process after the same step and ends the run as cancelled, its best epoch's model kept; a
    failure is recorded, then raised."""

    def __init__(self, env, folder, out_dir, epochs, manifest, header):
        self.env, self.out_dir, self.manifest, self.header = env, out_dir, manifest, header
        self.state = "finished"
        self.stop_signal = None
        self.lead = env.rank == 0
        self.t0 = time.time()
        hosts = env.gather(socket.gethostname())
        devices = env.gather(torch.cuda.get_device_name(env.device) if env.device.type == "cuda" else "")
        self.where = {
            "framework": f"PyTorch {torch.__version__}",
            "hosts": sorted(set(hosts)),
            "processes": env.world,
            "nodes": len(set(hosts)),
            "device": env.device.type,
            "devices": [d for d in devices if d],
            "distributedBackend": env.backend,
            "slurmJob": os.environ.get("SLURM_JOB_ID"),
        }
        self.status = {"status": "running", "startedAt": datetime.now(timezone.utc).isoformat(), "finishedAt": None, "epochsDone": 0, "epochsPlanned": epochs, "bestEpoch": -1, "error": None, **self.where, "export": export_identity(folder, manifest)}
        if self.lead:
            os.makedirs(out_dir, exist_ok=True)
            for name in ("metrics.jsonl", "batches.jsonl", "predictions.jsonl"):
                open(self.path(name), "w").close()
            for name in ("last.lwm", "best.lwm"):  # a replaced run's models (--overwrite) are not this run's
                if os.path.exists(self.path(name)):
                    os.remove(self.path(name))
            write_json(self.path("status.json"), self.status)

    def __enter__(self):
        for s in STOP_SIGNALS:
            signal.signal(s, self.ask_stop)
        return self

    def ask_stop(self, number, frame):
        """A stop signal's handler: the run stops after the step under way (`stop_asked`); the same
        signal again ends the process at once (a process stuck waiting for another that died)."""
        if self.stop_signal:
            signal.signal(number, signal.SIG_DFL)
            os.kill(os.getpid(), number)
            return
        self.stop_signal = signal.Signals(number).name

    def stop_asked(self):
        """1.0 when this process was asked to stop, else 0.0 (summed over the processes after every step)."""
        return 1.0 if self.stop_signal else 0.0

    def __exit__(self, kind, error, trace):
        if kind is RunStopped:
            self.state = "cancelled"
            self.status["stoppedBy"] = next((s for s in self.env.gather(self.stop_signal) if s), None)
            return True
        if error is not None:  # the run's folder says why it failed
            self.failed(error)
        return False

    def path(self, name):
        return os.path.join(self.out_dir, name)

    def describe(self, workers, structures, split, epochs):
        return f"{self.where['framework']}, {workers} process{'es' if workers > 1 else ''} ({self.env.backend}) on {self.env.device.type}; {structures} structures, {len(split['train'])} train / {len(split['val'])} val / {len(split['test'])} test; {epochs} epochs"

    def epoch(self, epoch, line, is_best, batch_lines, weights, best):
        """The epoch's metrics line (with is_best), its batches, last.lwm (and best.lwm), status.json."""
        line["is_best"] = is_best
        if not self.lead:
            return
        append_lines(self.path("batches.jsonl"), batch_lines)
        append_lines(self.path("metrics.jsonl"), [line])
        ckpt = dict(self.header, provenance=self.provenance(epoch, best))
        write_lwm(self.path("last.lwm"), ckpt, weights)
        if line["is_best"]:  # status.json (written next) records best.lwm's SHA-256: import-run takes no other run's best.lwm
            self.status["bestSha256"] = write_lwm(self.path("best.lwm"), ckpt, best["weights"])
        self.status.update(epochsDone=epoch + 1, bestEpoch=best["epoch"], duration=time.time() - self.t0)
        write_json(self.path("status.json"), self.status)

    def predictions(self, rows):
        if self.lead:
            append_lines(self.path("predictions.jsonl"), rows)

    def failed(self, e):
        """Records the failure (process 0) and leaves the process group (every process)."""
        if self.lead:
            self.status.update(status="failed", error=f"{type(e).__name__}: {e}", finishedAt=datetime.now(timezone.utc).isoformat(), duration=time.time() - self.t0)
            write_json(self.path("status.json"), self.status)
        self.env.close()

    def finished(self, best, test_metrics, log):
        if not self.lead:
            return
        self.status.update(status=self.state, finishedAt=datetime.now(timezone.utc).isoformat(), duration=time.time() - self.t0, bestEpoch=best["epoch"] if best else -1, valMetrics=best["val"] if best else {}, testMetrics=test_metrics)
        write_json(self.path("status.json"), self.status)
        stopped = f" by {self.status['stoppedBy']}" if self.state == "cancelled" and self.status.get("stoppedBy") else ""
        log(f"{self.state}{stopped}: best epoch {self.status['bestEpoch'] + 1}; model {self.path('best.lwm')}" if best else f"{self.state}{stopped} before its first epoch ended: no model")

    def provenance(self, epoch, best):
        return {
            "source": "training",
            "dataset": self.manifest.get("dataset", {}).get("source", ""),
            "createdAt": datetime.now(timezone.utc).isoformat(),
            "software": f"latticework export (train.py), {self.where['framework']}",
            "details": {"epochs": [epoch + 1], "bestEpoch": [best["epoch"] if best else -1], "external": self.where},
        }


def potential_metrics(frames, idx, out, symbols):
    """Latticework's potential metrics (metrics.ts): energy per atom in meV/atom, forces in eV/A, stress in GPa."""
    e_abs = e_sq = f_abs = f_sq = s_abs = 0.0
    e_n = f_n = s_n = 0
    by_z = {}
    for k, i in enumerate(idx):
        n = frames.atoms(i)
        if not math.isnan(float(frames.energy[i])):
            d = (float(out["energy"][k]) - float(frames.energy[i])) / n
            e_abs += abs(d)
            e_sq += d * d
            e_n += 1
        a = int(frames.node_offsets[i])
        ft = frames.forces[a : a + n]
        if out["forces"] is not None and not torch.isnan(ft).any():
            fp = out["forces"][k]
            diff = (fp - ft).abs()
            f_abs += float(diff.sum())
            f_sq += float(((fp - ft) ** 2).sum())
            f_n += 3 * n
            for j in range(n):
                z = int(frames.numbers[a + j])
                acc = by_z.setdefault(z, [0.0, 0])
                acc[0] += float(diff[j].sum())
                acc[1] += 3
        st = frames.stress[i]
        if out["stress"] is not None and not torch.isnan(st).any():
            s_abs += float((out["stress"][k] - st).abs().sum())
            s_n += 6
    m = {}
    if e_n:
        m["energy_mae"] = 1000 * e_abs / e_n
        m["energy_rmse"] = 1000 * math.sqrt(e_sq / e_n)
    if f_n:
        m["force_mae"] = f_abs / f_n
        m["force_rmse"] = math.sqrt(f_sq / f_n)
        for z in sorted(by_z):
            m[f"force_mae_{symbols.get(str(z), z)}"] = by_z[z][0] / by_z[z][1]
    if s_n:
        m["stress_mae"] = s_abs / s_n / GPA_IN_EV_PER_A3
        m["stress_mae_ev"] = s_abs / s_n
    return m


GPA_IN_EV_PER_A3 = 1 / 160.21766208


def selection_score(m, trained):
    """energy MAE [meV/atom] + force MAE [meV/A] + stress MAE [meV/A^3] over what was trained on (metrics.ts)."""
    s, any_ = 0.0, False
    if "energy_mae" in m:
        s, any_ = s + m["energy_mae"], True
    if trained["forces"] and "force_mae" in m:
        s, any_ = s + 1000 * m["force_mae"], True
    if trained["stress"] and "stress_mae_ev" in m:
        s, any_ = s + 1000 * m["stress_mae_ev"], True
    return s if any_ else math.inf


def predict_frames(model, frames, idx, batch_size, device):
    """Energies, forces and stresses of the frames idx (eval mode), per frame, float64 on the CPU."""
    model.eval()
    res = {"energy": [], "forces": [], "stress": []}
    for i in range(0, len(idx), batch_size):
        part = idx[i : i + batch_size]
        b = to_device(frames.batch(part), device)
        out = model(b, forces=True, stress=True)
        counts = [frames.atoms(j) for j in part]
        res["energy"].extend(out["energy"].detach().double().cpu().tolist())
        res["forces"].extend(torch.split(out["forces"].detach().double().cpu(), counts))
        res["stress"].extend(out["stress"].detach().double().cpu())
    return res


def train_potential(folder, out_dir, manifest, header, members, epochs, device_choice, log):
    """Latticework's potential training (potential/train.ts) under DistributedDataParallel: the loss on
    energy per atom, forces and stress, the optimiser and schedule of the config, EMA weights for
    validation and the saved model, the best epoch by the selection score."""
    config = header["config"]
    tc = config["training"]
    if epochs is not None:
        tc["epochs"] = epochs
    split = json.load(open(os.path.join(folder, "split.json")))
    env = Distributed(device_choice)
    torch.manual_seed(tc["seed"])
    frames = Frames(os.path.join(folder, "data", "potentials.bin"))
    symbols = manifest.get("elements", {})
    model = PotentialModel(config)
    model.load_lwm(members[0])
    order = list(members[0].keys())
    model.to(env.device)
    net = nn.parallel.DistributedDataParallel(model, device_ids=[env.device.index] if env.device.type == "cuda" else None) if env.world > 1 else model
    params = [p for p in model.parameters() if p.requires_grad]
    optimizer = make_optimizer(params, tc)
    ema = WeightAverage(params, tc["emaDecay"]) if tc["emaDecay"] > 0 else None
    train_idx, val_idx, test_idx = split["train"], split["val"], split["test"]
    has = lambda t, idx: any(not torch.isnan(t[i]).any() for i in idx)  # noqa: E731
    trained = {
        "energy": has(frames.energy.reshape(-1, 1), train_idx),
        "forces": tc["forces"] and any(not torch.isnan(frames.forces[int(frames.node_offsets[i])]).any() for i in train_idx),
        "stress": tc["stress"] and has(frames.stress, train_idx),
    }
    lc = tc["loss"]
    rho = elementwise_loss("huber" if lc["kind"] == "huber" else "mse", lc["huberDelta"])
    run = RunFiles(env, folder, out_dir, tc["epochs"], manifest, header)
    log(run.describe(env.world, len(frames), split, tc["epochs"]))

    rng = Rng((tc["seed"] ^ 0x9E3779B9) & 0xFFFFFFFF)
    plateau = {"best": math.inf, "badEpochs": 0, "reductions": 0}
    steps = math.ceil(len(train_idx) / tc["batchSize"])
    best, step = BestEpoch(model, order, tc["earlyStoppingPatience"]), 0
    with run:
        for epoch in range(tc["epochs"]):
            t0 = time.time()
            order_idx = rng.shuffle(list(train_idx))
            parts = [order_idx[i : i + tc["batchSize"]] for i in range(0, len(order_idx), tc["batchSize"])]
            net.train()
            loss_sum, atoms, lr, batch_lines = 0.0, 0, tc["optimizer"]["lr"], []
            for k, part in enumerate(parts):
                lr = potential_learning_rate(tc, epoch, k, steps, plateau)
                for g in optimizer.param_groups:
                    g["lr"] = lr
                mine = shard(part, env.world, env.rank)
                weight = 1.0
                if not mine:
                    mine, weight = part[:1], 0.0
                whole = frames.batch(part)  # the global batch's label counts: each rank's share of its means
                b = to_device(frames.batch(mine), env.device)
                out = net(b, forces=trained["forces"], stress=trained["stress"])
                loss = sum(potential_loss_terms(out, b, whole, lc, rho, trained, env.device).values(), 0.0) * (weight * env.world)
                optimizer.zero_grad(set_to_none=True)
                loss.backward()
                # DDP has averaged the gradients: every rank has the same norm; the sum decides for all of them at once
                norm = grad_norm([p.grad for p in params])
                batch_loss, stops, bad_gradient = env.sum(float(loss.detach()) / env.world, run.stop_asked(), 0.0 if math.isfinite(norm) else 1.0)
                # a step with a loss or gradient that is not finite is not taken (potential/train.ts): every rank raises here
                if not math.isfinite(batch_loss) or bad_gradient:
                    what = f"loss is {js_number(batch_loss)}" if not math.isfinite(batch_loss) else f"the loss's gradient is {js_number(norm)}"
                    terms = non_finite_terms(model, frames, part, lc, rho, trained, params, env.device)
                    where = f": {'; '.join(terms)}" if terms else ""
                    # before the first update the weights are the initial ones: the data (or their labels) did it, not the rate
                    advice = " — before any update, so not the learning rate" if step == 0 else " (lower the learning rate)"
                    raise FloatingPointError(f"training diverged: {what} at epoch {epoch}, batch {k}{where}{advice}")
                if tc["gradClipNorm"] is not None:
                    clip_gradients(params, norm, tc["gradClipNorm"])
                optimizer.step()
                step += 1
                if ema is not None:
                    ema.update(step)
                if stops:
                    raise RunStopped()
                loss_sum += batch_loss * len(part)
                atoms += int(whole["atoms"].sum())
                batch_lines.append({"epoch": epoch, "batch": k, "batches": len(parts), "batch_loss": batch_loss, "batch_lr": lr})
            train_seconds = time.time() - t0
            if ema is not None:
                ema.swap()  # validation, selection and the epoch's stored weights with the average
            val = potential_metrics(frames, val_idx, predict_frames(model, frames, val_idx, 2 * tc["batchSize"], env.device), symbols) if val_idx else None
            train_loss = loss_sum / len(train_idx)
            score = selection_score(val, trained) if val else train_loss
            plateau = step_plateau(tc["schedule"], plateau, score)
            is_best = best.update(epoch, score, val or {})
            line = {"epoch": epoch, "train_loss": train_loss, "lr": lr, "epoch_seconds": time.time() - t0, "structures_per_second": len(train_idx) / max(train_seconds, 1e-9), "atoms_per_second": atoms / max(train_seconds, 1e-9)}
            if val:
                line.update({f"val_{k}": v for k, v in val.items() if k != "stress_mae_ev"})
                line["val_score"] = score
            run.epoch(epoch, line, is_best, batch_lines, model.lwm_weights(order), best.best)
            if ema is not None:
                ema.swap()
            log(f"epoch {epoch + 1}/{tc['epochs']}  loss {train_loss:.3e}  val energy MAE {(val or {}).get('energy_mae', math.nan):.2f} meV/atom  force MAE {(val or {}).get('force_mae', math.nan):.4f} eV/A  lr {lr:.3g}  {line['epoch_seconds']:.1f} s{'  *' if is_best else ''}")
            if best.exhausted():
                run.state = "early-stopped"
                break
    best.restore()
    test = {}
    for name, idx in (("train", train_idx), ("val", val_idx), ("test", test_idx)):
        if not idx or run.state == "cancelled" or not run.lead:
            continue
        r = predict_frames(model, frames, idx, 2 * tc["batchSize"], env.device)
        if name == "test":
            test = potential_metrics(frames, idx, r, symbols)
        run.predictions([{"index": i, "id": frames.ids[i], "split": name, "energy": r["energy"][k], "forces": r["forces"][k].tolist(), "stress": r["stress"][k].tolist()} for k, i in enumerate(idx)])
    for m in (best.best["val"] if best.best else {}, test):
        m.pop("stress_mae_ev", None)
    run.finished(best.best, test, log)
    env.close()
    return 130 if run.state == "cancelled" else 0


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
    os.replace(tmp, path)


def append_lines(path, lines):
    with open(path, "a") as f:
        for line in lines:
            f.write(json.dumps(line) + "\n")


if __name__ == "__main__":
    sys.exit("run train.py")
