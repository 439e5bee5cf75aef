"""Golden numbers for test/main/engine/train/optimizers.test.ts, from PyTorch (torch.optim,
torch.nn.functional, torch.nn.utils.clip_grad_norm_), written to
test/fixtures/engine/optimizers.json.

Run with Debian's PyTorch 1.13:  /usr/bin/python3 scripts/engine/optimizer_golden.py

Optimisers: three steps on f(w) = Σ c·w² + 0.1·Σ w³ from w = [0.5, −1, 2], c = [1, 2, 3], in
float32 as the engine computes (AMSGrad with β₂ = 0.5, where it differs from Adam). Clipping: one SGD step (lr 1) with the gradient [1, −4, 12]
clipped to global norm 1. Losses: mean reduction, as the trainer uses them.
"""
import json
import os

import torch
import torch.nn.functional as F

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'engine', 'optimizers.json')
W0 = [0.5, -1.0, 2.0]
C = torch.tensor([1.0, 2.0, 3.0])


def three_steps(make):
    w = torch.tensor(W0, requires_grad=True)
    opt = make([w])
    for _ in range(3):
        opt.zero_grad()
        f = (C * w * w).sum() + 0.1 * (w ** 3).sum()
        f.backward()
        opt.step()
    return [float(x) for x in w.detach()]


cases = {
    'sgd-momentum-l2': {
        'config': {'kind': 'sgd', 'lr': 0.05, 'momentum': 0.9}, 'weightDecay': 0.01,
        'weights': three_steps(lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, weight_decay=0.01)),
    },
    'sgd-nesterov': {
        'config': {'kind': 'sgd', 'lr': 0.05, 'momentum': 0.9, 'nesterov': True}, 'weightDecay': 0,
        'weights': three_steps(lambda p: torch.optim.SGD(p, lr=0.05, momentum=0.9, nesterov=True)),
    },
    'adam-l2': {
        'config': {'kind': 'adam', 'lr': 0.1}, 'weightDecay': 0.01,
        'weights': three_steps(lambda p: torch.optim.Adam(p, lr=0.1, weight_decay=0.01)),
    },
    'adamw': {
        'config': {'kind': 'adamw', 'lr': 0.1}, 'weightDecay': 0.1,
        'weights': three_steps(lambda p: torch.optim.AdamW(p, lr=0.1, weight_decay=0.1)),
    },
    # β₂ = 0.5 so that v decays within three steps and AMSGrad's max changes the steps (checked below)
    'adam-amsgrad': {
        'config': {'kind': 'adam', 'lr': 0.1, 'beta2': 0.5, 'amsgrad': True}, 'weightDecay': 0.01,
        'weights': three_steps(lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.9, 0.5), weight_decay=0.01, amsgrad=True)),
    },
    'adamw-amsgrad': {
        'config': {'kind': 'adamw', 'lr': 0.1, 'beta2': 0.5, 'amsgrad': True}, 'weightDecay': 0.1,
        'weights': three_steps(lambda p: torch.optim.AdamW(p, lr=0.1, betas=(0.9, 0.5), weight_decay=0.1, amsgrad=True)),
    },
}

for name, plain in (('adam-amsgrad', lambda p: torch.optim.Adam(p, lr=0.1, betas=(0.9, 0.5), weight_decay=0.01)),
                    ('adamw-amsgrad', lambda p: torch.optim.AdamW(p, lr=0.1, betas=(0.9, 0.5), weight_decay=0.1))):
    diff = max(abs(a - b) for a, b in zip(cases[name]['weights'], three_steps(plain)))
    assert diff > 1e-3, f'{name}: AMSGrad does not change these three steps ({diff})'

w = torch.tensor(W0, requires_grad=True)
w.grad = torch.tensor([1.0, -4.0, 12.0])
torch.nn.utils.clip_grad_norm_([w], 1.0)
with torch.no_grad():
    w -= w.grad
clip = {'gradient': [1.0, -4.0, 12.0], 'maxNorm': 1.0, 'weights': [float(x) for x in w.detach()]}

p = torch.tensor([[0.5, 1.0], [2.0, -1.0], [0.0, 3.0]])
t = torch.tensor([[1.0, 0.0], [0.0, 0.0], [0.0, 0.5]])
z = torch.tensor([[1.0, 2.0, 0.5], [0.1, -1.0, 3.0]])
labels = torch.tensor([0, 2])
losses = {
    'prediction': p.tolist(),
    'target': t.tolist(),
    'huber1': float(F.huber_loss(p, t, delta=1.0)),
    'huber05': float(F.huber_loss(p, t, delta=0.5)),
    'mse': float(F.mse_loss(p, t)),
    'mae': float(F.l1_loss(p, t)),
    'logits': z.tolist(),
    'labels': labels.tolist(),
    'crossEntropy': float(F.cross_entropy(z, labels)),
}

with open(OUT, 'w') as f:
    json.dump({'torch': torch.__version__, 'optimizers': cases, 'clip': clip, 'losses': losses}, f, indent=1)
    f.write('\n')
print(f'wrote {os.path.normpath(OUT)} (torch {torch.__version__})')
