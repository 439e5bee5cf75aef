#!/usr/bin/env python3
"""Golden neighbour data for test/shared/graph (dev script, not run by npm test).

Reads the 10 COD CIFs of CGCNN's sample data and the first EMT CIFs with pymatgen
(symmetry expansion by pymatgen), plus a few hand-made edge cases (tiny cell, very
skewed triclinic cell, slab with partial pbc, molecule), and writes for each structure
its geometry and, per atom, the sorted neighbour distances:

- `full`: every neighbour within `cutoff` (default 5 Å), pymatgen get_all_neighbors,
  checked against ASE neighbor_list to 1e-9 Å (the script fails otherwise);
- `cgcnn`: the first 12 distances within 8 Å (CGCNN's list before padding) and the
  count within 8 Å.

Usage: /usr/bin/python3 scripts/graph/make_fixtures.py [--emt 6] [--out test/shared/graph/fixtures/reference-neighbors.json]
"""
import argparse
import json
import os
import warnings

import numpy as np
from ase import Atoms
from ase.neighborlist import neighbor_list
from pymatgen.core import Lattice, Structure
from pymatgen.io.ase import AseAtomsAdaptor

warnings.filterwarnings("ignore")
DATA = "/work/shared/data"


def ase_sorted(atoms, r):
    i, d = neighbor_list("id", atoms, r)
    out = [[] for _ in range(len(atoms))]
    for a, b in zip(i, d):
        out[a].append(float(b))
    return [sorted(x) for x in out]


def pmg_sorted(s, r):
    return [sorted(float(n.nn_distance) for n in nbrs) for nbrs in s.get_all_neighbors(r)]


def check(a, b, what):
    assert len(a) == len(b), what
    for k, (x, y) in enumerate(zip(a, b)):
        assert len(x) == len(y), f"{what}: atom {k}: {len(x)} vs {len(y)}"
        if x:
            assert np.max(np.abs(np.array(x) - np.array(y))) < 1e-9, f"{what}: atom {k}"


def entry(name, lattice, pbc, cart, numbers, r_full, pmg=None):
    atoms = Atoms(numbers=numbers, positions=cart, cell=lattice if lattice is not None else np.zeros((3, 3)), pbc=pbc)
    full = ase_sorted(atoms, r_full)
    e = {
        "name": name,
        "lattice": None if lattice is None else np.asarray(lattice).tolist(),
        "pbc": list(map(bool, pbc)),
        "cart": np.asarray(cart).ravel().tolist(),
        "numbers": list(map(int, numbers)),
        "cutoff": r_full,
        "full": [[round(x, 10) for x in l] for l in full],
    }
    if pmg is not None:
        check(full, pmg_sorted(pmg, r_full), name + " full pmg vs ase")
        c8 = pmg_sorted(pmg, 8.0)
        check(c8, ase_sorted(atoms, 8.0), name + " 8A pmg vs ase")
        e["cgcnn"] = {"count": [len(l) for l in c8], "first12": [[round(x, 10) for x in l[:12]] for l in c8]}
    return e


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--emt", type=int, default=6)
    ap.add_argument("--out", default="test/shared/graph/fixtures/reference-neighbors.json")
    args = ap.parse_args()
    out = []
    cod = os.path.join(DATA, "cgcnn-sample-regression")
    for f in sorted(os.listdir(cod)):
        if f.endswith(".cif"):
            s = Structure.from_file(os.path.join(cod, f))
            out.append(entry("cod/" + f, s.lattice.matrix, (True, True, True), s.cart_coords, s.atomic_numbers, 5.0, s))
    emt = os.path.join(DATA, "emt-dev", "cgcnn")
    for f in sorted(x for x in os.listdir(emt) if x.endswith(".cif"))[: args.emt]:
        s = Structure.from_file(os.path.join(emt, f))
        out.append(entry("emt/" + f, s.lattice.matrix, (True, True, True), s.cart_coords, s.atomic_numbers, 5.0, s))
    rng = np.random.default_rng(7)
    # tiny cell: one atom sees many images of itself
    lat = np.array([[2.1, 0.0, 0.0], [0.3, 2.4, 0.0], [0.2, -0.4, 2.2]])
    fr = np.array([[0.1, 0.2, 0.3], [0.6, 0.5, 0.55]])
    s = Structure(Lattice(lat), ["Cu", "Au"], fr)
    out.append(entry("tiny-cell", lat, (True, True, True), fr @ lat, [29, 79], 5.0, s))
    # very skewed triclinic cell
    lat = np.array([[3.0, 0.0, 0.0], [17.7, 2.9, 0.0], [8.1, 12.2, 3.4]])
    fr = rng.random((4, 3))
    s = Structure(Lattice(lat), ["Al", "Ni", "Al", "Pt"], fr)
    out.append(entry("skewed-triclinic", lat, (True, True, True), fr @ lat, [13, 28, 13, 78], 5.0, s))
    # slab: periodic in a, b only (ASE reference only), atoms outside the cell along c
    lat = np.array([[2.9, 0.0, 0.0], [1.45, 2.51, 0.0], [0.0, 0.0, 10.0]])
    fr = np.array([[0, 0, 0.0], [1 / 3, 1 / 3, 0.2], [2 / 3, 2 / 3, 0.4], [0.1, 0.0, 1.3]])
    out.append(entry("slab-pbc-TTF", lat, (True, True, False), fr @ lat, [28, 28, 28, 8], 5.0))
    # molecule without a cell (ASE reference only)
    cart = rng.random((9, 3)) * 4.0
    out.append(entry("molecule", None, (False, False, False), cart, [6, 1, 1, 1, 8, 1, 7, 1, 1], 3.0))
    with open(args.out, "w") as fh:
        json.dump(out, fh, separators=(",", ":"))
    print(f"wrote {len(out)} structures to {args.out} ({os.path.getsize(args.out)} bytes)")


if __name__ == "__main__":
    main()
