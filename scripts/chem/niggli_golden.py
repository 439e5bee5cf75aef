"""Golden Niggli cells from spglib (Debian's python3-spglib) for test/shared/chem/niggli.test.ts.

Usage: /usr/bin/python3 scripts/chem/niggli_golden.py > test/fixtures/chem/niggli.json

Lattices: the cells of the real CIFs in test/fixtures/chem/spacegroups (read by ASE, those it can read), each also
sheared by a seeded random unimodular integer matrix (the same lattice in a bad basis), plus a few
textbook cases (fcc and bcc primitive cells, a hexagonal cell given with γ = 60°), and near-equal cells where
spglib's absolute ε (1e-5 Å² on the metric) decides: hematite with its coordinates rounded to 6 digits (a and b
1e-5 Å apart, γ 120.00006°), lengths 1e-6 and 5e-6 Å apart, angles 1e-7 and 1e-5 rad from 90° and 120°.
"""
import glob
import json
import os
import warnings

import numpy as np
import spglib

warnings.simplefilter("ignore")
import ase.io  # noqa: E402

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")


def unimodular(rng):
    while True:
        m = rng.integers(-2, 3, size=(3, 3))
        if round(np.linalg.det(m)) == 1:
            return m


def main():
    rng = np.random.default_rng(20261201)
    lattices = [
        ("fcc primitive", [[0, 2, 2], [2, 0, 2], [2, 2, 0]]),
        ("bcc primitive", [[-1.5, 1.5, 1.5], [1.5, -1.5, 1.5], [1.5, 1.5, -1.5]]),
        ("hexagonal gamma 60", [[3, 0, 0], [1.5, 3 ** 0.5 * 1.5, 0], [0, 0, 5]]),
        ("hematite rounded", [[5.035, 0, 0], [-2.5175, 4.3604282, 0], [0, 0, 13.747]]),
    ]
    for d in (1e-6, 5e-6):
        lattices.append((f"tetragonal b {d:g} A longer", [[4, 0, 0], [0, 4 + d, 0], [0, 0, 6]]))
        lattices.append((f"cubic 20 A, c {d:g} A shorter", [[20, 0, 0], [0, 20, 0], [0, 0, 20 - d]]))
    for t in (1e-7, 1e-5):
        lattices.append((f"orthorhombic, alpha 90 + {t:g} rad", [[3, 0, 0], [0, 4, 0], [0, 5 * np.sin(t), 5 * np.cos(t)]]))
        g = 2 * np.pi / 3 + t
        lattices.append((f"hexagonal, gamma 120 + {t:g} rad", [[3, 0, 0], [3 * np.cos(g), 3 * np.sin(g), 0], [0, 0, 5]]))
    for f in sorted(glob.glob(os.path.join(ROOT, "test/fixtures/chem/spacegroups/*.cif"))):
        try:
            cell = np.array(ase.io.read(f).cell)
        except Exception:  # noqa: BLE001  (ASE cannot read a few of them)
            continue
        name = os.path.basename(f)
        lattices.append((name, cell.tolist()))
        for k in range(3):
            lattices.append((f"{name} sheared {k}", (unimodular(rng) @ cell).tolist()))
    print('{"generator": "scripts/chem/niggli_golden.py", "spglib": "%s", "cases": [' % spglib.__version__)
    rows = []
    for name, lat in lattices:
        red = spglib.niggli_reduce(np.array(lat, dtype=float), eps=1e-5)
        rows.append(json.dumps({"name": name, "lattice": lat, "niggli": red.tolist()}))
    print(",\n".join(rows))
    print("]}")


if __name__ == "__main__":
    main()
