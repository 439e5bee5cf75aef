"""Golden checksums of CGCNN's pre-trained checkpoints read by PyTorch itself.

Usage: /usr/bin/python3 scripts/engine/pth_checksums.py > test/fixtures/engine/pth-checksums.json
Per file: epoch, best_mae_error, normalizer, args (a few), and per state_dict tensor its
shape, float64 sum and sum of absolute values (our reader must agree within float32 rounding).
"""
import glob, json, os, torch

root = '/work/shared/data/cgcnn-pretrained'
out = {}
for path in sorted(glob.glob(os.path.join(root, '*.pth.tar'))):
    ck = torch.load(path, map_location='cpu')
    sd = ck['state_dict']
    out[os.path.basename(path)] = {
        'epoch': ck['epoch'],
        'best_mae_error': float(ck['best_mae_error']),
        'normalizer': {k: float(v) for k, v in ck['normalizer'].items()},
        'task': ck['args']['task'] if isinstance(ck['args'], dict) else vars(ck['args'])['task'],
        'tensors': {k: {'shape': list(v.shape), 'sum': float(v.double().sum()), 'abs': float(v.double().abs().sum())} for k, v in sd.items()},
    }
print(json.dumps(out, indent=1))
