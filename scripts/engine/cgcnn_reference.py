#!/usr/bin/env python3
"""CGCNN's prediction of CIFs by a published model, computed as CGCNN's predict.py computes it.

CGCNN's own steps, in PyTorch (cgcnn/data.py CIFData, cgcnn/model.py CrystalGraphConvNet in eval
mode), for the structures CGCNN's sample predictions do not cover (padded ones: a molecule in a
box). The structure is read by pymatgen's Structure.from_file, whose CifParser sorts the sites by
electronegativity; atoms with fewer than 12 neighbours within 8 Å are padded with index 0 of that
order at 9 Å. Prints one JSON object: {"predictions": [...], "firstSites": [...]}, per CIF the
prediction (denormalised; for a classification model the probability of class 1) and pymatgen's site 0
({"species", "frac"}) so that a test can find which site of the file CGCNN pads with.

Usage: /usr/bin/python3 scripts/engine/cgcnn_reference.py MODEL.pth.tar ATOM_INIT.json FILE.cif...
(run at test time by test/main/engine/models/padding-parity.test.ts)
"""
import json
import sys
import warnings

import numpy as np
import torch
import torch.nn.functional as F
from pymatgen.core import Structure

warnings.filterwarnings("ignore")
RADIUS, MAX_NBR, STEP = 8.0, 12, 0.2


def features(path, atom_init):
    """CIFData.__getitem__: atom_init rows, the 12 nearest neighbours padded with (0, radius + 1), Gaussians."""
    s = Structure.from_file(path)
    atom_fea = np.vstack([atom_init[str(site.specie.number)] for site in s])
    nbr_idx, nbr_dist = [], []
    for nbrs in (sorted(n, key=lambda x: x[1]) for n in s.get_all_neighbors(RADIUS, include_index=True)):
        if len(nbrs) < MAX_NBR:
            nbr_idx.append([x[2] for x in nbrs] + [0] * (MAX_NBR - len(nbrs)))
            nbr_dist.append([x[1] for x in nbrs] + [RADIUS + 1.0] * (MAX_NBR - len(nbrs)))
        else:
            nbr_idx.append([x[2] for x in nbrs[:MAX_NBR]])
            nbr_dist.append([x[1] for x in nbrs[:MAX_NBR]])
    centres = np.arange(0, RADIUS + STEP, STEP)
    nbr_fea = np.exp(-((np.array(nbr_dist)[..., np.newaxis] - centres) ** 2) / STEP**2)
    return s, torch.Tensor(atom_fea), torch.Tensor(nbr_fea), torch.LongTensor(nbr_idx)


def forward(sd, atom_fea, nbr_fea, nbr_idx, classification):
    """CrystalGraphConvNet.forward of one crystal, eval mode (BatchNorm with running statistics)."""
    lin = lambda x, p: x @ sd[p + ".weight"].T + sd[p + ".bias"]
    bn = lambda x, p: F.batch_norm(x, sd[p + ".running_mean"], sd[p + ".running_var"], sd[p + ".weight"], sd[p + ".bias"], False, 0.1, 1e-5)
    x = lin(atom_fea, "embedding")
    n, m = nbr_idx.shape
    n_conv = len({k.split(".")[1] for k in sd if k.startswith("convs.")})
    for c in range(n_conv):
        p = f"convs.{c}."
        total = torch.cat([x.unsqueeze(1).expand(n, m, x.shape[1]), x[nbr_idx, :], nbr_fea], dim=2)
        gated = bn(lin(total, p + "fc_full").view(-1, 2 * x.shape[1]), p + "bn1").view(n, m, 2 * x.shape[1])
        filt, core = gated.chunk(2, dim=2)
        summed = bn(torch.sum(torch.sigmoid(filt) * F.softplus(core), dim=1), p + "bn2")
        x = F.softplus(x + summed)
    crys = F.softplus(lin(F.softplus(x.mean(0, keepdim=True)), "conv_to_fc"))
    k = 0
    while f"fcs.{k}.weight" in sd:
        crys = F.softplus(lin(crys, f"fcs.{k}"))
        k += 1
    out = lin(crys, "fc_out")
    return torch.exp(F.log_softmax(out, dim=1))[0, 1].item() if classification else out.item()


def main():
    model, atom_init_path, files = sys.argv[1], sys.argv[2], sys.argv[3:]
    checkpoint = torch.load(model, map_location="cpu")
    sd, normalizer = checkpoint["state_dict"], checkpoint["normalizer"]
    classification = sd["fc_out.weight"].shape[0] == 2
    with open(atom_init_path) as f:
        atom_init = json.load(f)
    predictions, first = [], []
    for path in files:
        s, atom_fea, nbr_fea, nbr_idx = features(path, atom_init)
        with torch.no_grad():
            y = forward(sd, atom_fea, nbr_fea, nbr_idx, classification)
        predictions.append(y if classification else y * float(normalizer["std"]) + float(normalizer["mean"]))
        first.append({"species": s[0].specie.symbol, "frac": [float(v) for v in s[0].frac_coords]})
    print(json.dumps({"predictions": predictions, "firstSites": first}))


if __name__ == "__main__":
    main()
