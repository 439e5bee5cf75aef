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
- ``CgcnnModel``: CGCNN (Xie & Grossman 2018) as Latticework's engine computes it (names of
  txie-93/cgcnn: ``embedding``, ``convs.<t>.fc_full``, ``.bn1``, ``.bn2``; readout; head).
- ``train``: Latticework's training loop (trainer.ts) under DistributedDataParallel.
"""
import json
import math
import os
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
    """Writes one member's weights (name → tensor in Latticework's layout), atomically."""
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
    with open(tmp, "wb") as f:
        f.write(MAGIC + struct.pack("<I", len(js)) + js + b"\x00" * pad)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


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
        data, head, _ = read_container(path, GRAPHS_MAGIC, "graph file")
        buf = bytearray(data)
        dtypes = {"int32": torch.int32, "int64": torch.int64, "float64": torch.float64}

        def section(name):
            s = head["sections"][name]
            return torch.frombuffer(buf, dtype=dtypes[s["dtype"]], count=s["count"], offset=s["offset"]).clone()

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
        xs, es, cs, ns, gs, ts = [], [], [], [], [], []
        offset = 0
        for g, i in enumerate(idx):
            a, b = int(self.node_offsets[i]), int(self.node_offsets[i + 1])
            c, d = int(self.edge_offsets[i]), int(self.edge_offsets[i + 1])
            xs.append(self.node_features[a:b])
            es.append(self.edge_features[c:d])
            cs.append(self.center[c:d] + offset)
            ns.append(self.neighbor[c:d] + offset)
            gs.append(torch.full((b - a,), g, dtype=torch.long))
            ts.append(self.targets[a:b] if self.per_atom else self.targets[i : i + 1])
            offset += b - a
        return {
            "x": torch.cat(xs),
            "e": torch.cat(es),
            "center": torch.cat(cs),
            "neighbor": torch.cat(ns),
            "graph": torch.cat(gs),
            "graphs": len(idx),
            "y": torch.cat(ts),
        }


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


class CgcnnConv(nn.Module):
    """txie-93/cgcnn ConvLayer on an edge list (messages neighbour → centre)."""

    def __init__(self, features, edge_features):
        super().__init__()
        self.features = features
        self.fc_full = nn.Linear(2 * features + edge_features, 2 * features)
        self.bn1 = nn.BatchNorm1d(2 * features)
        self.bn2 = nn.BatchNorm1d(features)

    def forward(self, h, e, center, neighbor):
        z = self.bn1(self.fc_full(torch.cat([h[center], h[neighbor], e], dim=1)))
        filt, core = z.chunk(2, dim=1)
        s = scatter_sum(torch.sigmoid(filt) * F.softplus(core), center, h.shape[0])
        return F.softplus(h + self.bn2(s))


class CgcnnModel(nn.Module):
    """Embedding, convolutions, readout and head as Latticework's GraphModel for architecture 'cgcnn'."""

    def __init__(self, config):
        super().__init__()
        m, graph = config["model"], config["graph"]
        a = m["atomInput"]
        F_ = m["atomFeatures"]
        g = graph["gaussian"]
        edge_width = math.ceil((g.get("dmax", graph["cutoff"]) + g["step"] - g["dmin"]) / g["step"])
        self.table = a["kind"] == "embedding"
        self.embedding = nn.Embedding(a["numSpecies"], F_) if self.table else nn.Linear(a["length"], F_)
        self.convs = nn.ModuleList([CgcnnConv(F_, edge_width) for _ in range(m["numLayers"])])
        head = m["head"]
        self.per_atom = head["kind"] == "per-atom"
        self.readout = m["readout"]
        if self.readout not in ("mean", "sum", "max"):
            raise ValueError(f"readout {self.readout} is not exported (mean, sum, max are)")
        outputs = head["numClasses"] if head["kind"] == "classification" else head["numTargets"]
        self.head = Head(F_, m["hiddenFeatures"], m["numHidden"], outputs)
        self.act = activation(m["activation"])
        self.dropout = m["dropout"]

    def forward(self, b):
        h = self.embedding(b["x"].reshape(-1).long()) if self.table else self.embedding(b["x"])
        for conv in self.convs:
            h = conv(h, b["e"], b["center"], b["neighbor"])
        if self.per_atom:
            y = h
        else:
            y = pool(h, b["graph"], b["graphs"], self.readout)
            y = self.act(y)  # CGCNN activates the pooled vector before conv_to_fc
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


def pool(h, graph, n, kind):
    s = scatter_sum(h, graph, n)
    if kind == "sum":
        return s
    if kind == "mean":
        count = scatter_sum(torch.ones_like(graph, dtype=h.dtype), graph, n).clamp(min=1)
        return s / count.reshape(-1, 1)
    out = torch.full((n, h.shape[1]), -math.inf, dtype=h.dtype).scatter_reduce(0, graph.reshape(-1, 1).expand_as(h), h, reduce="amax")
    return torch.where(torch.isinf(out), torch.zeros_like(out), out)


MODELS = {"cgcnn": CgcnnModel}

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


def make_optimizer(params, tc):
    o = tc["optimizer"]
    wd = tc["weightDecay"]
    if o["kind"] == "sgd":
        return torch.optim.SGD(params, lr=o["lr"], momentum=o["momentum"], nesterov=o["nesterov"], weight_decay=wd)
    cls = torch.optim.Adam if o["kind"] == "adam" else torch.optim.AdamW
    return cls(params, lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["epsilon"], weight_decay=wd)


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

    def sum(self, value):
        if self.world == 1:
            return value
        t = torch.tensor([value], dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return float(t.item())

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
    loss_kind = tc["loss"] or "mse"
    loss_fn = elementwise_loss(loss_kind, tc["huberDelta"])
    train_idx, val_idx, test_idx = split["train"], split["val"], split["test"]
    width = graphs.target_width
    if tc["normalizeTargets"]:
        norm = fit_normalizer(graphs.targets_of(train_idx), width)
    else:
        norm = {"mean": [0.0] * width, "std": [1.0] * width}
    header = dict(header, normalizer=norm)

    lead = env.rank == 0
    hosts = env.gather(socket.gethostname())
    devices = env.gather(torch.cuda.get_device_name(env.device) if env.device.type == "cuda" else "")
    where = {
        "framework": f"PyTorch {torch.__version__}",
        "hosts": sorted(set(hosts)),
        "processes": env.world,
        "nodes": len(set(hosts)),
        "device": env.device.type,
        "devices": [d for d in devices if d],
        "distributedBackend": env.backend,
        "slurmJob": os.environ.get("SLURM_JOB_ID"),
    }
    started = datetime.now(timezone.utc).isoformat()
    status = {"status": "running", "startedAt": started, "finishedAt": None, "epochsDone": 0, "epochsPlanned": tc["epochs"], "bestEpoch": -1, "error": None, **where}
    if lead:
        os.makedirs(out_dir, exist_ok=True)
        for name in ("metrics.jsonl", "batches.jsonl"):
            open(os.path.join(out_dir, name), "w").close()
        write_json(os.path.join(out_dir, "status.json"), status)
    log(f"{where['framework']}, {env.world} process{'es' if env.world > 1 else ''} ({env.backend}) on {env.device.type}; {len(graphs)} structures, {len(train_idx)} train / {len(val_idx)} val / {len(test_idx)} test; {tc['epochs']} epochs")

    rng = Rng((tc["seed"] ^ 0x9E3779B9) & 0xFFFFFFFF)
    plateau = {"best": math.inf, "badEpochs": 0, "reductions": 0}
    steps = math.ceil(len(train_idx) / tc["batchSize"])
    best = None
    since_best = 0
    t_run = time.time()
    state = "finished"
    try:
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
                batch_loss = env.sum(float(loss.detach()) / env.world)
                if not math.isfinite(batch_loss):
                    raise FloatingPointError(f"training diverged: loss is {batch_loss} at epoch {epoch}, batch {k}")
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
            val = evaluate(model, graphs, val_idx, tc, loss_kind, norm, env.device, task) if val_idx else None
            val_metrics = regression_metrics(val["targets"].reshape(-1), val["predictions"].reshape(-1)) if val else {}
            train_loss = loss_sum / max(seen, 1)
            plateau = step_plateau(tc["schedule"], plateau, val["loss"] if val else train_loss)
            metric = val_metrics["mae"] if val else train_metrics["mae"]
            is_best = best is None or (math.isfinite(metric) and metric < best["metric"])
            if is_best:
                best = {"epoch": epoch, "metric": metric, "weights": {k: v.detach().cpu().clone() for k, v in model.lwm_weights(order).items()}, "val": val_metrics, "valLoss": val["loss"] if val else None}
                since_best = 0
            else:
                since_best += 1
            line = {"epoch": epoch, "train_loss": train_loss, "lr": lr, "epoch_seconds": time.time() - t0, "structures_per_second": seen / max(train_seconds, 1e-9)}
            if val:
                line["val_loss"] = val["loss"]
            line.update({f"train_{k}": v for k, v in train_metrics.items()})
            line.update({f"val_{k}": v for k, v in val_metrics.items()})
            line["is_best"] = is_best
            if lead:
                append_lines(os.path.join(out_dir, "batches.jsonl"), batch_lines)
                append_lines(os.path.join(out_dir, "metrics.jsonl"), [line])
                ckpt = dict(header, provenance=provenance(manifest, where, epoch, best))
                write_lwm(os.path.join(out_dir, "last.lwm"), ckpt, model.lwm_weights(order))
                if is_best:
                    write_lwm(os.path.join(out_dir, "best.lwm"), ckpt, best["weights"])
                status.update(epochsDone=epoch + 1, bestEpoch=best["epoch"], duration=time.time() - t_run)
                write_json(os.path.join(out_dir, "status.json"), status)
            log(f"epoch {epoch + 1}/{tc['epochs']}  loss {train_loss:.4f}  train MAE {train_metrics.get('mae', math.nan):.4f}  val MAE {val_metrics.get('mae', math.nan):.4f}  lr {lr:.3g}  {line['epoch_seconds']:.1f} s{'  *' if is_best else ''}")
            if tc["earlyStoppingPatience"] is not None and since_best >= tc["earlyStoppingPatience"]:
                state = "early-stopped"
                break
    except KeyboardInterrupt:
        state = "cancelled"
    except Exception as e:  # recorded, then raised: the run's folder says why it failed
        if lead:
            status.update(status="failed", error=f"{type(e).__name__}: {e}", finishedAt=datetime.now(timezone.utc).isoformat(), duration=time.time() - t_run)
            write_json(os.path.join(out_dir, "status.json"), status)
        env.close()
        raise

    # best weights, then the final evaluations and predictions of every split
    if best is not None:
        model.load_lwm(best["weights"])
    results = {}
    for name, idx in (("train", train_idx), ("val", val_idx), ("test", test_idx)):
        if idx and state != "cancelled":
            results[name] = evaluate(model, graphs, idx, tc, loss_kind, norm, env.device, task)
    if lead:
        with open(os.path.join(out_dir, "predictions.jsonl"), "w") as f:
            for name, r in results.items():
                idx = {"train": train_idx, "val": val_idx, "test": test_idx}[name]
                if graphs.per_atom:
                    continue
                for k, i in enumerate(idx):
                    f.write(json.dumps({"index": i, "id": graphs.ids[i], "split": name, "target": r["targets"][k].tolist(), "prediction": r["predictions"][k].tolist()}) + "\n")
        test = results.get("test")
        test_metrics = regression_metrics(test["targets"].reshape(-1), test["predictions"].reshape(-1)) if test else {}
        status.update(
            status=state,
            finishedAt=datetime.now(timezone.utc).isoformat(),
            duration=time.time() - t_run,
            bestEpoch=best["epoch"] if best else -1,
            valMetrics=best["val"] if best else {},
            testMetrics=test_metrics,
        )
        write_json(os.path.join(out_dir, "status.json"), status)
        log(f"{state}: best epoch {status['bestEpoch'] + 1}; model {os.path.join(out_dir, 'best.lwm')}")
    env.close()
    return 130 if state == "cancelled" else 0


def provenance(manifest, where, epoch, best):
    return {
        "source": "training",
        "dataset": manifest.get("dataset", {}).get("source", ""),
        "createdAt": datetime.now(timezone.utc).isoformat(),
        "software": f"latticework export (train.py), {where['framework']}",
        "details": {"epochs": [epoch + 1], "bestEpoch": [best["epoch"] if best else -1], "selectionMetric": "mae", "external": where},
    }


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
    os.replace(tmp, path)


def append_lines(path, lines):
    with open(path, "a") as f:
        for line in lines:
            f.write(json.dumps(line) + "\n")


def predict(folder, model_path, idx):
    """Predictions (target units) of a .lwm model on the exported structures idx, eval mode, one batch each."""
    header, members = read_lwm(model_path)
    config = header["config"]
    graphs = Graphs(os.path.join(folder, "data", "graphs.bin"), config, header["atomInit"])
    model = MODELS[config["architecture"]](config)
    model.load_lwm(members[0])
    r = evaluate(model, graphs, list(idx), config["training"], config["training"]["loss"] or "mse", header["normalizer"], torch.device("cpu"), config["model"]["head"]["kind"])
    return r["predictions"]


if __name__ == "__main__":
    sys.exit("run train.py")
