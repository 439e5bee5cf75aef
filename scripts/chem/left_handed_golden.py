"""Golden space groups and standard cells from spglib (Debian's python3-spglib) for crystals given in left-handed
bases (det < 0), for test/main/chem/spacegroup.test.ts.

Usage: /usr/bin/python3 scripts/chem/left_handed_golden.py > test/fixtures/chem/left-handed-cells.json
       /usr/bin/python3 scripts/chem/left_handed_golden.py --all SEED > cases.json   (all 530 Hall settings, each in
       the three left-handed bases, for a comparison run by hand; docs/structures.md, "Other cells")

A left-handed basis describes the same atoms at the same Cartesian positions as a right-handed one; spglib gives the
crystal's own group (quartz P3_221 stays P3_221) and right-handed standard cells of the same crystal, never its mirror
image. Cases: alpha-quartz (P3_221), and crystals built in a Hall setting (one general-position orbit, so that a
crystal of a Sohncke group is chiral, and a second of another type in groups of at most 4 operations: P1's single atom
would be centrosymmetric; a seeded random lattice of the setting's crystal system): every one of
the 65 Sohncke groups and 13 others of every crystal system and centring. Each is given in a left-handed basis, in
turn: c -> -c, a and b swapped, a random unimodular basis of determinant -1; then in a rotated frame. Expected:
spglib.get_symmetry_dataset's number and spglib.standardize_cell(to_primitive=False/True, no_idealize=False): its
lattice, fractional positions and types, at symprec 1e-3.
"""
import json
import os
import sys

import numpy as np
import spglib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from standard_cells_golden import lattice_for  # noqa: E402

SOHNCKE = [1, *range(3, 6), *range(16, 25), *range(75, 81), *range(89, 99), *range(143, 147), *range(149, 156),
           *range(168, 174), *range(177, 183), *range(195, 200), *range(207, 215)]
ACHIRAL = [2, 9, 15, 43, 62, 122, 141, 160, 167, 186, 194, 216, 221]
VARIANTS = ["c -> -c", "a <-> b", "unimodular, det -1"]


def first_hall(number):
    return next(h for h in range(1, 531) if spglib.get_spacegroup_type(h)["number"] == number)


def orbits(hall, points):
    """The images of each point under the setting's operations, one per position; their types 1, 2, ..."""
    sym = spglib.get_symmetry_from_database(hall)
    frac, types = [], []
    for kind, x0 in enumerate(points, 1):
        mine = []
        for r, t in zip(sym["rotations"], sym["translations"]):
            q = (r @ x0 + t) % 1
            if not any(np.abs((q - p + 0.5) % 1 - 0.5).max() < 1e-6 for p in mine):
                mine.append(q)
        frac += mine
        types += [kind] * len(mine)
    return np.array(frac), types


def left_handed(rng, lattice, frac, variant):
    """The same atoms in a left-handed basis (new rows = m . old rows, positions x . m^-1), in a rotated frame."""
    if variant == 0:
        m = np.diag([1, 1, -1])
    elif variant == 1:
        m = np.array([[0, 1, 0], [1, 0, 0], [0, 0, 1]])
    else:
        while True:
            m = rng.integers(-1, 2, (3, 3))
            if round(np.linalg.det(m)) == -1:
                break
    q, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    q = q if np.linalg.det(q) > 0 else -q
    return (m @ lattice) @ q.T, (frac @ np.linalg.inv(m)) % 1


def expected(lattice, frac, types, symprec):
    found = spglib.get_symmetry_dataset((lattice, frac, types), symprec=symprec)
    if found is None:
        return None
    cells = {"number": int(found["number"])}
    for kind in ("conventional", "primitive"):
        std = spglib.standardize_cell((lattice, frac, types), to_primitive=kind == "primitive", symprec=symprec)
        cells[kind] = {"lattice": np.round(std[0], 8).tolist(), "frac": np.round(std[1], 8).tolist(), "types": [int(t) for t in std[2]]}
    return cells


def case(rng, name, lattice, frac, types, variant):
    given, x = left_handed(rng, lattice, frac, variant)
    assert np.linalg.det(given) < 0
    cells = expected(given, x, types, 1e-3)
    if cells is None:
        print(f"{name}, {VARIANTS[variant]}: spglib finds no symmetry (atoms closer than symprec?), left out", file=sys.stderr)
        return None
    return {"name": f"{name}, {VARIANTS[variant]}", "lattice": np.round(given, 8).tolist(), "frac": np.round(x, 8).tolist(),
            "types": types, "symprec": 1e-3, **cells}


def main():
    every = len(sys.argv) > 2 and sys.argv[1] == "--all"
    rng = np.random.default_rng(int(sys.argv[2]) if every else 20261207)
    rows = []
    if not every:
        # alpha-quartz, P3_221 (a = 4.913, c = 5.405 A; Si 3a, O 6c; Si-O 1.604 and 1.613 A)
        quartz = np.array([[4.913, 0, 0], [-4.913 / 2, 4.913 * np.sqrt(3) / 2, 0], [0, 0, 5.405]])
        frac, types = orbits(first_hall(154), [np.array([0.4697, 0, 2 / 3]), np.array([0.4135, 0.2669, 1 / 3 - 0.1191])])
        for variant in range(3):
            rows.append(case(rng, "alpha-quartz P3_221", quartz, frac, types, variant))
    settings = [(h, None) for h in range(1, 531)] if every else [(first_hall(n), n) for n in SOHNCKE + ACHIRAL]
    for i, (hall, _) in enumerate(settings):
        lattice, n = lattice_for(rng, hall)
        small = len(spglib.get_symmetry_from_database(hall)["rotations"]) <= 4
        frac, types = orbits(hall, [rng.uniform(0, 1, 3) for _ in range(2 if small else 1)])
        for variant in range(3) if every else [i % 3]:
            rows.append(case(rng, f"Hall {hall} (No. {n})", lattice, frac, types, variant))
    print('{"generator": "scripts/chem/left_handed_golden.py", "spglib": "%s", "cases": [' % spglib.__version__)
    print(",\n".join(json.dumps(r) for r in rows if r is not None))
    print("]}")


if __name__ == "__main__":
    main()
