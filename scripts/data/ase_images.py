#!/usr/bin/python3
"""Every row of an ASE database, or every image of an ASE trajectory, as ASE 3.22 reads it, as JSON (used
by the ASE database and trajectory tests).

Usage: /usr/bin/python3 scripts/data/ase_images.py FILE.db|FILE.traj

Per row (`ase.db.connect(FILE).get_atoms(id)`) or image (`ase.io.read(FILE, ':')`, whose "id" is its
index and "key_value_pairs" its info): {"id", "numbers", "positions", "cell", "pbc",
"energy", "free_energy", "forces", "stress", "key_value_pairs", "fixed" (the atoms its FixAtoms
holds), "fixedScaled" ([atom, [3 booleans: fixed along each fractional axis]] per FixScaled),
"fixedCartesian" (the same along x, y, z per FixCartesian), "masses", "momenta" and "tags" (null when
the row has none of its own)};
floats are written with repr, so they read back bit for bit. Forces are the stored ones (no
constraint applied).
"""
import json
import sys

import ase
import ase.db
import ase.io
from ase.constraints import FixAtoms, FixCartesian, FixScaled

assert ase.__version__.startswith('3.22'), ase.__version__


def images(path):
    """(id, key-value pairs, atoms) of each row of a database, or of each image of another file."""
    if path.endswith('.db'):
        db = ase.db.connect(path)
        return [(row.id, row.key_value_pairs, db.get_atoms(row.id)) for row in db.select()]
    return [(i, atoms.info, atoms) for i, atoms in enumerate(ase.io.read(path, ':'))]


def main(path):
    rows = []
    for id, key_value_pairs, atoms in images(path):
        res = atoms.calc.results if atoms.calc is not None else {}
        rows.append({
            'id': id,
            'numbers': atoms.numbers.tolist(),
            'positions': atoms.positions.tolist(),
            'cell': atoms.cell.array.tolist(),
            'pbc': atoms.pbc.tolist(),
            'energy': res.get('energy'),
            'free_energy': res.get('free_energy'),
            'forces': res['forces'].tolist() if 'forces' in res else None,
            'stress': res['stress'].tolist() if 'stress' in res else None,
            'key_value_pairs': key_value_pairs,
            'fixed': sorted(int(i) for c in atoms.constraints if isinstance(c, FixAtoms) for i in c.get_indices()),
            'fixedScaled': [[int(c.a), [bool(m) for m in c.mask]] for c in atoms.constraints if isinstance(c, FixScaled)],
            # ASE 3.22's FixCartesian keeps the free axes in `mask`
            'fixedCartesian': [[int(c.a), [not m for m in c.mask]] for c in atoms.constraints if isinstance(c, FixCartesian)],
            'masses': atoms.get_masses().tolist() if atoms.has('masses') else None,
            'momenta': atoms.get_momenta().tolist() if atoms.has('momenta') else None,
            'tags': atoms.get_tags().tolist() if atoms.has('tags') else None,
        })
    json.dump(rows, sys.stdout, default=lambda o: o.tolist())
    sys.stdout.write('\n')


if __name__ == '__main__':
    main(sys.argv[1])
