"""Latticework's training step against PyTorch's on an exported CGCNN run (parity-with-cgcnn.sh runs it).

    /usr/bin/python3 bench/training/step_vs_torch.py EXPORT_DIR OURS.json

OURS.json is step-vs-torch.ts's output (the loss, gradients and running statistics of one step on
the first structures of the export's training split, one worker and data-parallel). PyTorch runs the
same step with the export's own model (latticework_torch.py, initial.lwm) in float32 and float64.
Prints, per variable, the error of PyTorch's float32 gradient and of Latticework's against the
float64 gradient, and the relative difference of every running statistic from PyTorch's float32 one.
Exit status 1 if a running statistic differs by more than 1e-5 relative, or a gradient's error is
more than 3x PyTorch's own float32 error (plus 1e-7).
"""
import json
import sys

import torch

folder, ours_path = sys.argv[1], sys.argv[2]
sys.path.insert(0, folder)
import latticework_torch as lt  # noqa: E402  (the export's own copy)

torch.set_num_threads(1)
cfg = json.load(open(f"{folder}/config.json"))
split = json.load(open(f"{folder}/split.json"))
atom_init = json.load(open(f"{folder}/data/cgcnn/atom_init.json"))
ours = json.load(open(ours_path))
graphs = lt.Graphs(f"{folder}/data/graphs.bin", cfg, atom_init)
_, members = lt.read_lwm(f"{folder}/initial.lwm")
norm = lt.fit_normalizer(graphs.targets_of(split["train"]), 1)
batch = graphs.batch(ours["batch"])
y64 = (batch["y"].double() - norm["mean"][0]) / norm["std"][0]


def step(dtype):
    model = lt.GraphModel(cfg)
    model.load_lwm(members[0])
    model = model.to(dtype)
    model.train()
    b = dict(batch, x=batch["x"].to(dtype), e=batch["e"].to(dtype))
    loss = torch.mean((model(b) - y64.to(dtype)) ** 2)
    loss.backward()
    grads = {n: p.grad.double() for n, p in model.named_parameters()}
    running = {k: v.double() for k, v in model.state_dict().items() if "running" in k}
    return loss.item(), grads, running


loss32, g32, r32 = step(torch.float32)
loss64, g64, _ = step(torch.float64)
linear = lt.GraphModel(cfg).linear_weights()


def theirs_layout(name, values):
    t = torch.tensor(values, dtype=torch.float64)
    ref = g64[name]
    return t.reshape(ref.t().shape).t() if name in linear else t.reshape(ref.shape)


runs = [k for k in ("local", "parallel") if k in ours]
print(f"loss: float64 {loss64:.9f}, PyTorch float32 {loss32:.9f}, " + ", ".join(f"Latticework {k} {ours[k]['loss']:.9f}" for k in runs))
print(f"{'gradient':28s} {'|g| (float64)':>13s} {'PyTorch f32 err':>16s} " + " ".join(f"{'Latticework ' + k + ' err':>24s}" for k in runs))
bad = []
for name, ref in g64.items():
    err32 = (g32[name] - ref).norm().item()
    errs = [(theirs_layout(name, ours[k]["gradients"][name]) - ref).norm().item() for k in runs]
    print(f"{name:28s} {ref.norm().item():13.3e} {err32:16.3e} " + " ".join(f"{e:24.3e}" for e in errs))
    bad += [f"{k} gradient {name}: error {e:.2e} vs PyTorch's {err32:.2e}" for k, e in zip(runs, errs) if e > 3 * err32 + 1e-7]
print(f"{'running statistic':28s} {'|PyTorch|':>13s} " + " ".join(f"{'rel. diff ' + k:>18s}" for k in runs))
for name, ref in r32.items():
    rel = [((torch.tensor(ours[k]["running"][name], dtype=torch.float64) - ref).norm() / ref.norm()).item() for k in runs]
    print(f"{name:28s} {ref.norm().item():13.4e} " + " ".join(f"{r:18.2e}" for r in rel))
    bad += [f"{k} running statistic {name}: relative difference {r:.2e}" for k, r in zip(runs, rel) if r > 1e-5]
if bad:
    print("DIFFERS:\n  " + "\n  ".join(bad))
    sys.exit(1)
print("same step: gradients at least as close to float64 as PyTorch's float32 (within 3x), running statistics within 1e-5")
