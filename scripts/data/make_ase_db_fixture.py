#!/usr/bin/python3
"""Write test/fixtures/ase-db/ase_written.db with ASE 3.22 itself, and golden.json (ASE's own reading,
scripts/data/ase_images.py): what Latticework must read from a database ASE made. Also
ase_written.json, the same rows in ASE's JSON database format, which Latticework does not read (its
message says how to convert it).

Usage: /usr/bin/python3 scripts/data/make_ase_db_fixture.py

Rows: a rattled fcc Cu cell and a Cu3Au cell labelled by ASE's EMT (energy, free energy, forces,
stress), a water molecule without cell or labels, a slab periodic in two directions with initial
magnetic moments, key-value pairs of every kind (int, float, bool, string).
"""
import json
import os
import subprocess
import sys

import ase
from ase.build import bulk, fcc111, molecule
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms
import ase.db

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(os.path.dirname(os.path.dirname(HERE)), 'test', 'fixtures', 'ase-db')


def main():
    os.makedirs(OUT, exist_ok=True)
    path = os.path.join(OUT, 'ase_written.db')
    if os.path.exists(path):
        os.remove(path)
    db = ase.db.connect(path)
    cu = bulk('Cu', 'fcc', a=3.6, cubic=True) * (2, 1, 1)
    cu.rattle(0.05, seed=1)
    cu.calc = EMT()
    cu.get_potential_energy()
    cu.get_stress()
    db.write(cu, config_type='bulk', temperature=300.5, relaxed=False, n_kpoints=4)
    cu3au = bulk('Cu', 'fcc', a=3.75, cubic=True)
    cu3au[0].symbol = 'Au'
    cu3au.rattle(0.03, seed=2)
    cu3au.calc = EMT()
    cu3au.get_forces()
    cu3au.get_stress()
    db.write(cu3au, config_type='alloy')
    db.write(molecule('H2O'), source='g2')
    slab = fcc111('Cu', size=(2, 2, 2), vacuum=5.0)
    slab.set_initial_magnetic_moments([0.5] * len(slab))
    slab.set_constraint(FixAtoms(indices=[0, 1]))
    slab.calc = EMT()
    slab.get_forces()
    db.write(slab, config_type='slab')
    write_json_copy(path)
    rows = subprocess.run([sys.executable, os.path.join(HERE, 'ase_images.py'), path], check=True, capture_output=True, text=True).stdout
    with open(os.path.join(OUT, 'golden.json'), 'w') as f:
        json.dump({'generator': 'scripts/data/make_ase_db_fixture.py', 'ase': ase.__version__, 'rows': json.loads(rows)}, f, indent=1)
        f.write('\n')


def write_json_copy(path):
    """The rows of the SQLite database at `path` in ASE's JSON database format, beside it (.json)."""
    json_path = os.path.splitext(path)[0] + '.json'
    if os.path.exists(json_path):
        os.remove(json_path)
    out = ase.db.connect(json_path)
    for row in ase.db.connect(path).select():
        out.write(row, **row.key_value_pairs)


if __name__ == '__main__':
    main()
