"""Latticework's crystal graphs against CGCNN's data.py neighbour rule (parity-with-cgcnn.sh runs it).

    /usr/bin/python3 bench/training/graphs_vs_cgcnn.py EXPORT_DIR DATA_DIR [LIMIT]

EXPORT_DIR is a `latticework export … --to torch` folder of a CGCNN run on DATA_DIR (a CGCNN folder);
its data/graphs.bin holds the graphs Latticework trains on. For each structure, pymatgen reads the
CIF from DATA_DIR as CGCNN's CIFData does and takes each site's neighbours within the radius sorted by
distance, the first max_num_nbr of them, padded with (index 0, radius + 1) — CGCNN's rule, written
here from its description — and compares every atom's neighbour distances and neighbour atoms with
Latticework's edges into that atom (atoms matched by fractional position; pymatgen may reorder
sites). Exit status 1 if an atom's edge count or sorted distances differ (1e-4 Å).
"""
import json
import sys
import warnings

import numpy as np
from ase.io import read
from pymatgen.core.structure import Structure

warnings.filterwarnings("ignore")
folder, data = sys.argv[1], sys.argv[2]
limit = int(sys.argv[3]) if len(sys.argv) > 3 else None
sys.path.insert(0, folder)
import latticework_torch as lt  # noqa: E402  (the export's own copy)

cfg = json.load(open(f"{folder}/config.json"))["graph"]
radius, max_nbr = cfg["cutoff"], cfg["maxNeighbors"]
head, section = lt.read_sections(f"{folder}/data/graphs.bin")
ids = head["ids"][:limit]
node_off, edge_off = section("nodeOffsets"), section("edgeOffsets")
center, neighbor, distance = section("center").numpy(), section("neighbor").numpy(), section("distance").double().numpy()
atoms = count_bad = dist_bad = set_bad = 0
max_dd = 0.0
for i, sid in enumerate(ids):
    s = Structure.from_file(f"{data}/{sid}.cif")
    frac = read(f"{data}/{sid}.cif").get_scaled_positions(wrap=False)  # Latticework's atom order (the file's)
    perm = []
    for site in s:
        d = frac - site.frac_coords
        d -= np.round(d)
        perm.append(int(np.argmin(np.abs(d).sum(1))))
    c, e = int(edge_off[i]), int(edge_off[i + 1])
    cc, nn, dd = center[c:e], neighbor[c:e], distance[c:e]
    for p, nbrs in enumerate(s.get_all_neighbors(radius, include_index=True)):
        atoms += 1
        nbrs = sorted(nbrs, key=lambda x: x[1])[:max_nbr]
        ref = [(perm[x[2]], x[1]) for x in nbrs] + [(0, radius + 1.0)] * (max_nbr - len(nbrs))
        mask = cc == perm[p]
        mine = list(zip(nn[mask].tolist(), dd[mask].tolist()))
        if len(mine) != len(ref):
            count_bad += 1
            continue
        diff = float(np.abs(np.sort([r[1] for r in ref]) - np.sort([m[1] for m in mine])).max())
        max_dd = max(max_dd, diff)
        dist_bad += diff > 1e-4
        set_bad += sorted((a, round(b, 3)) for a, b in ref) != sorted((a, round(b, 3)) for a, b in mine)
print(f"{len(ids)} structures, {atoms} atoms: edge counts differ for {count_bad}, sorted neighbour distances differ (> 1e-4 Å) for {dist_bad} "
      f"(largest difference {max_dd:.1e} Å), neighbour atoms differ for {set_bad} (equal distances to 1e-3 Å ordered differently: the same edge features)")
sys.exit(1 if count_bad or dist_bad else 0)
