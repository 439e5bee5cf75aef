"""Reference for bench/engine/train-step.ts: the same CGCNN training step in PyTorch.

CGCNN's layout (N x M padded neighbour tensor), 100 graphs x 20 atoms, 12 neighbours,
3 convolutions, 64 atom features, 128 hidden, 41 Gaussian edge features, SGD step.
Written for this benchmark from the equations (not CGCNN's code). Run side by side with
the tfjs benchmark: /usr/bin/python3 bench/engine/torch_step.py [steps] [threads]
"""
import json, os, sys, time
import torch
import torch.nn as nn

steps = int(sys.argv[1]) if len(sys.argv) > 1 else 3
threads = int(sys.argv[2]) if len(sys.argv) > 2 else 1
# 'infer': one 100-atom structure, 4 convolutions, eval mode, forward only (bench/engine/infer.ts)
mode = sys.argv[3] if len(sys.argv) > 3 else 'train'
torch.set_num_threads(threads)
# LW_REF_FLUSH_DENORMAL=1: flush float32 subnormals to zero (the Gaussian features are full of them)
flush = os.environ.get('LW_REF_FLUSH_DENORMAL') == '1'
if flush:
    torch.set_flush_denormal(True)
torch.manual_seed(0)
G, A, M, F, Fe, H = (1, 100, 12, 64, 41, 32) if mode == 'infer' else (100, 20, 12, 64, 41, 128)
NCONV = 4 if mode == 'infer' else 3
N = G * A


class Conv(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(2 * F + Fe, 2 * F)
        self.bn1 = nn.BatchNorm1d(2 * F)
        self.bn2 = nn.BatchNorm1d(F)

    def forward(self, h, e, nbr):
        z = torch.cat([h.unsqueeze(1).expand(N, M, F), h[nbr], e], dim=2)
        z = self.bn1(self.lin(z).view(-1, 2 * F)).view(N, M, 2 * F)
        gate, core = z.chunk(2, dim=2)
        s = (torch.sigmoid(gate) * nn.functional.softplus(core)).sum(dim=1)
        return nn.functional.softplus(h + self.bn2(s))


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = nn.Linear(92, F)
        self.convs = nn.ModuleList([Conv() for _ in range(NCONV)])
        self.fc = nn.Linear(F, H)
        self.out = nn.Linear(H, 1)

    def forward(self, x, e, nbr):
        h = self.emb(x)
        for c in self.convs:
            h = c(h, e, nbr)
        p = h.view(G, A, F).mean(dim=1)
        return self.out(nn.functional.softplus(self.fc(nn.functional.softplus(p))))


net = Net()
opt = torch.optim.SGD(net.parameters(), lr=0.01, momentum=0.9)
x = torch.zeros(N, 92)
x[torch.arange(N), torch.randint(0, 92, (N,))] = 1
nbr = (torch.arange(N) // A * A).unsqueeze(1) + torch.randint(0, A, (N, M))
d = torch.rand(N, M) * 6.5 + 1.5
e = torch.exp(-((d.unsqueeze(2) - torch.arange(Fe) * 0.2) / 0.2) ** 2)
y = torch.randn(G, 1)
times = []
if mode == 'infer':
    net.eval()
    with torch.no_grad():
        cpu = []
        for s in range(steps + 2):
            t0 = time.perf_counter()
            c0 = time.process_time()
            net(x, e, nbr)
            if s >= 2:
                times.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.process_time() - c0) * 1000)
    times.sort()
    cpu.sort()
    print(json.dumps({'reference': 'pytorch', 'mode': 'infer', 'atoms': N, 'threads': threads, 'flushDenormal': flush, 'medianForwardMs': round(times[len(times) // 2], 2), 'medianForwardCpuMs': round(cpu[len(cpu) // 2], 2)}))
    sys.exit(0)
cpu = []
for s in range(steps + 1):
    t0 = time.perf_counter()
    c0 = time.process_time()
    opt.zero_grad()
    loss = ((net(x, e, nbr) - y) ** 2).mean()
    loss.backward()
    opt.step()
    dt = time.perf_counter() - t0
    if s > 0:
        times.append(dt * 1000)
        cpu.append((time.process_time() - c0) * 1000)
times.sort()
cpu.sort()
print(json.dumps({'reference': 'pytorch', 'threads': threads, 'flushDenormal': flush, 'torch': torch.__version__, 'stepMs': [round(t) for t in times], 'medianStepMs': round(times[len(times) // 2]), 'medianStepCpuMs': round(cpu[len(cpu) // 2])}))
