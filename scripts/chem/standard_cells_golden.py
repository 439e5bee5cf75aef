"""Golden standard cells from spglib (Debian's python3-spglib) for test/main/chem/spacegroup.test.ts.

Usage: /usr/bin/python3 scripts/chem/standard_cells_golden.py > test/fixtures/chem/standard-cells.json
       /usr/bin/python3 scripts/chem/standard_cells_golden.py --all SEED > cases.json   (all 530 Hall settings, for a
       comparison run by hand; docs/structures.md, "Other cells")

Cases: crystals built in a Hall setting (spglib's database operations on one general-position atom, a seeded
random lattice of the setting's crystal system: every centring, monoclinic unique axes a, b, c and cell choices,
rhombohedral in hexagonal and rhombohedral axes), given in a sheared basis (a random unimodular matrix) and a
rotated frame; and the files in test/fixtures/chem/standard-cells (a C2/m cell already standard, a Cc cell, hematite
with its coordinates rounded to 6 digits). Expected: spglib.standardize_cell(to_primitive=False/True,
no_idealize=False) at symprec 1e-3 (files: 0.01), its lattice and number of sites.
"""
import glob
import json
import os
import sys
import warnings

import numpy as np
import spglib

warnings.simplefilter("ignore")
import ase.io  # noqa: E402
from ase.geometry import cellpar_to_cell  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")

# a spread of settings: triclinic, every third monoclinic setting, orthorhombic groups of every centring and axis
# freedom, tetragonal P and I, trigonal P and R (both axes), hexagonal, cubic P, I and F
HALLS = [1, 2, *range(3, 108, 3), 57, 63, 90, 95, 101, 108, 125, 151, 155, 227, 229, 236, 259, 288, 298, 304, 316, 320, 336, 340, 348,
         122, 123, 186, 190, 213, 400, 424, 427, 430, 434, 435, 456, 458, 459, 462, 488, 517, 523, 529]


def lattice_for(rng, hall):
    t = spglib.get_spacegroup_type(hall)
    n, choice = t["number"], t["choice"]
    a, b, c = rng.uniform(3, 9, 3)
    al = be = ga = 90.0
    if n <= 2:
        al, be, ga = rng.uniform(70, 110, 3)
    elif n <= 15:
        angle = rng.uniform(95, 125)
        axis = choice.lstrip("-")[0] if choice else "b"
        if axis == "a":
            al = angle
        elif axis == "c":
            ga = angle
        else:
            be = angle
    elif n <= 74:
        pass
    elif n <= 142:
        b = a
    elif n <= 194:
        if choice == "R":
            b = c = a
            al = be = ga = rng.uniform(50, 100)
        else:
            b, ga = a, 120.0
    else:
        b = c = a
    return cellpar_to_cell([a, b, c, al, be, ga]), n


def crystal(rng, hall, shear):
    lattice, n = lattice_for(rng, hall)
    sym = spglib.get_symmetry_from_database(hall)
    x0 = rng.uniform(0, 1, 3)
    positions = []
    for r, t in zip(sym["rotations"], sym["translations"]):
        q = (r @ x0 + t) % 1
        if not any(np.linalg.norm(((q - p + 0.5) % 1 - 0.5) @ lattice) < 1e-3 for p in positions):
            positions.append(q)
    m = np.eye(3, dtype=int)
    while shear:
        m = rng.integers(-1, 2, (3, 3))
        if round(np.linalg.det(m)) == 1:
            break
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q if np.linalg.det(q) > 0 else -q
    return (m @ lattice) @ q.T, np.array(positions) @ np.linalg.inv(m) % 1, n


def expected(lattice, frac, numbers, symprec):
    cells = {}
    for kind in ("conventional", "primitive"):
        std = spglib.standardize_cell((lattice, frac, numbers), to_primitive=kind == "primitive", symprec=symprec)
        cells[kind] = {"lattice": np.round(std[0], 10).tolist(), "sites": len(std[2])}
    return cells


def main():
    every = len(sys.argv) > 2 and sys.argv[1] == "--all"
    rng = np.random.default_rng(int(sys.argv[2]) if every else 20261206)
    rows = []
    for hall in range(1, 531) if every else HALLS:
        lattice, frac, n = crystal(rng, hall, shear=hall % 3 != 0)
        numbers = [1] * len(frac)
        found = spglib.get_symmetry_dataset((lattice, frac, numbers), symprec=1e-3)["number"]
        rows.append({"name": f"Hall {hall}", "number": int(found), "lattice": np.round(lattice, 10).tolist(),
                     "frac": np.round(frac, 10).tolist(), "symprec": 1e-3, **expected(lattice, frac, numbers, 1e-3)})
    if not every:
        for f in sorted(glob.glob(os.path.join(ROOT, "test/fixtures/chem/standard-cells/*"))):
            a = ase.io.read(f)
            found = spglib.get_symmetry_dataset((a.cell[:], a.get_scaled_positions(), a.numbers), symprec=0.01)["number"]
            rows.append({"name": os.path.basename(f), "file": f"test/fixtures/chem/standard-cells/{os.path.basename(f)}",
                         "number": int(found), "symprec": 0.01,
                         **expected(a.cell[:], a.get_scaled_positions(), a.numbers, 0.01)})
    print('{"generator": "scripts/chem/standard_cells_golden.py", "spglib": "%s", "cases": [' % spglib.__version__)
    print(",\n".join(json.dumps(r) for r in rows))
    print("]}")


if __name__ == "__main__":
    main()
