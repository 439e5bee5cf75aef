"""Golden fixture for the CGCNN convolution in TRAINING mode (batch statistics).

A tiny ConvLayer written from CGCNN's equations (N=5 atoms, M=3 neighbours, F=3,
Fe=4), double precision, random but seeded. Dumps inputs, weights, the output, the
running statistics after one step and the gradients of sum(out * W) with respect to the
input states and fc_full.weight.
Usage: /usr/bin/python3 scripts/engine/cgcnn_conv_golden.py > test/fixtures/engine/cgcnn-conv-train.json
"""
import json
import torch
import torch.nn as nn

torch.manual_seed(7)
N, M, F, Fe = 5, 3, 3, 4
fc = nn.Linear(2 * F + Fe, 2 * F).double()
bn1 = nn.BatchNorm1d(2 * F).double()
bn2 = nn.BatchNorm1d(F).double()
with torch.no_grad():
    for bn in (bn1, bn2):
        bn.weight.uniform_(0.5, 1.5)
        bn.bias.uniform_(-0.3, 0.3)
h = torch.randn(N, F, dtype=torch.float64, requires_grad=True)
e = torch.rand(N, M, Fe, dtype=torch.float64)
nbr = torch.randint(0, N, (N, M))
W = torch.randn(N, F, dtype=torch.float64)

z = torch.cat([h.unsqueeze(1).expand(N, M, F), h[nbr], e], dim=2)
z = bn1(fc(z).view(-1, 2 * F)).view(N, M, 2 * F)
filt, core = z.chunk(2, dim=2)
s = (torch.sigmoid(filt) * nn.functional.softplus(core)).sum(dim=1)
out = nn.functional.softplus(h + bn2(s))
(out * W).sum().backward()
L = lambda t: t.detach().reshape(-1).tolist()
print(json.dumps({
    'N': N, 'M': M, 'F': F, 'Fe': Fe,
    'h': L(h), 'e': L(e), 'nbr': L(nbr), 'W': L(W),
    'fc_weight': L(fc.weight), 'fc_bias': L(fc.bias),
    'bn1': {'weight': L(bn1.weight), 'bias': L(bn1.bias)},
    'bn2': {'weight': L(bn2.weight), 'bias': L(bn2.bias)},
    'out': L(out),
    'bn1_running_mean': L(bn1.running_mean), 'bn1_running_var': L(bn1.running_var),
    'grad_h': L(h.grad), 'grad_fc_weight': L(fc.weight.grad),
}))
