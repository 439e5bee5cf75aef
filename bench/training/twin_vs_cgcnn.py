"""Issue 15, "Correct means": is the PyTorch model Latticework exports (resources/torch/latticework_torch.py,
the model step_vs_torch.py compares our engine with) CGCNN's own model.py, in training mode too?

Loads the same initial weights (a fresh CrystalGraphConvNet's, torch seed 0) into CGCNN's model.py
(txie-93/cgcnn f42ab23, exported from the mirror into a temp dir, never committed) and into the export's
GraphModel, feeds both one batch that CGCNN's own CIFData/collate_pool built (64 structures), and compares
the training-mode output and MSE loss, every parameter's gradient, the batch-norm running statistics after
the step's forward, and the eval-mode output. fc_full.bias is reported but not checked: its exact gradient
is zero (batch norm follows it), so both sides hold float32 rounding noise there.

    /usr/bin/python3 bench/training/twin_vs_cgcnn.py DATA_DIR [CGCNN_REPO]   (exit 1 on a difference)
"""
import os
import subprocess
import sys
import tempfile

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, '..', '..', 'resources', 'torch'))
import latticework_torch as lt  # noqa: E402

data = sys.argv[1]
repo = sys.argv[2] if len(sys.argv) > 2 else os.environ.get('CGCNN_REPO', '/work/.mirror/txie-93+cgcnn/repo')
work = tempfile.mkdtemp(prefix='cgcnn-model.')
git_dir = os.path.join(repo, '.git') if os.path.isdir(os.path.join(repo, '.git')) else repo
archive = subprocess.run(['git', '--git-dir', git_dir, 'archive', 'f42ab233c4ee0c416879d6bc2d22a264418413ad', 'cgcnn'], check=True, capture_output=True).stdout
subprocess.run(['tar', '-x', '-C', work], input=archive, check=True)
sys.path.insert(0, work)
from cgcnn.data import CIFData, collate_pool  # noqa: E402
from cgcnn.model import CrystalGraphConvNet  # noqa: E402

torch.manual_seed(0)
dataset = CIFData(data)
(atom_fea, nbr_fea, nbr_idx, crystal_atoms), target, _ = collate_pool([dataset[i] for i in range(64)])
N, M = nbr_idx.shape
reference = CrystalGraphConvNet(atom_fea.shape[1], nbr_fea.shape[2])
config = {
    'architecture': 'cgcnn',
    'model': {'atomInput': {'kind': 'cgcnn', 'length': atom_fea.shape[1]}, 'atomFeatures': 64, 'activation': 'softplus', 'numLayers': 3,
              'readout': 'mean', 'hiddenFeatures': 128, 'numHidden': 1, 'dropout': 0, 'head': {'kind': 'regression', 'numTargets': 1}},
    'graph': {'cutoff': 8, 'gaussian': {'dmin': 0, 'step': 0.2, 'width': 0.2}},
}
twin = lt.GraphModel(config)


def twin_name(name):
    return name.replace('conv_to_fc', 'head.hidden.0').replace('fc_out', 'head.out')


twin.load_state_dict({twin_name(k): v for k, v in reference.state_dict().items()}, strict=True)
batch = {
    'x': atom_fea, 'e': nbr_fea.reshape(N * M, -1), 'center': torch.arange(N).repeat_interleave(M), 'neighbor': nbr_idx.reshape(-1),
    'graph': torch.cat([torch.full((len(c),), g, dtype=torch.long) for g, c in enumerate(crystal_atoms)]), 'graphs': len(crystal_atoms),
}
normed = (target - target.mean()) / target.std()
reference.train()
twin.train()
y_ref = reference(atom_fea, nbr_fea, nbr_idx, crystal_atoms)
y_twin = twin(batch)
loss_ref = torch.nn.functional.mse_loss(y_ref, normed)
loss_twin = torch.nn.functional.mse_loss(y_twin, normed)
loss_ref.backward()
loss_twin.backward()
failed = []


def check(what, difference, tolerance):
    print(f'{what:34s} {difference:.2e}  (tolerance {tolerance:.0e})')
    if not difference <= tolerance:
        failed.append(what)


check('training output, max |Δ|', (y_ref - y_twin).abs().max().item(), 1e-5)
check('loss, relative', abs(loss_ref.item() - loss_twin.item()) / loss_ref.item(), 1e-5)
twin_params = dict(twin.named_parameters())
for name, p in reference.named_parameters():
    g_ref, g_twin = p.grad, twin_params[twin_name(name)].grad
    relative = ((g_ref - g_twin).abs().max() / g_ref.abs().max().clamp(min=1e-30)).item()
    if name.endswith('fc_full.bias'):
        print(f'{"grad " + name:34s} {g_ref.abs().max().item():.1e} vs {g_twin.abs().max().item():.1e}  (exactly 0 in theory; rounding noise)')
    else:
        check('grad ' + name + ', relative', relative, 1e-4)
twin_buffers = dict(twin.named_buffers())
for name, b in reference.named_buffers():
    if 'running' in name:
        check(name + ', max |Δ|', (b - twin_buffers[twin_name(name)]).abs().max().item(), 1e-5)
reference.eval()
twin.eval()
check('eval output, max |Δ|', (reference(atom_fea, nbr_fea, nbr_idx, crystal_atoms) - twin(batch)).abs().max().item(), 1e-5)
print('twin = CGCNN model.py' if not failed else f'DIFFERENT: {", ".join(failed)}')
sys.exit(1 if failed else 0)
