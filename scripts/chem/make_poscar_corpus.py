#!/usr/bin/env python3
"""Write POSCAR/CONTCAR/extxyz/xyz versions of real CIFs with ASE and pymatgen, to cross-check our
POSCAR and XYZ readers on many real cells (this machine has no real VASP files).

Usage: /usr/bin/python3 scripts/chem/make_poscar_corpus.py OUT_DIR CIF...
For each CIF that ASE reads: OUT/<stem>.vasp (ASE, VASP 5, direct), OUT/POSCAR_<stem> (ASE, VASP 4
without species line, Cartesian), OUT/CONTCAR_<stem> (pymatgen Poscar, with selective dynamics
and velocities), OUT/<stem>.extxyz (ASE extxyz with made-up forces and energy).
"""
import os
import sys
import warnings

import numpy as np

warnings.filterwarnings('ignore')
import ase.io
from ase.calculators.singlepoint import SinglePointCalculator
from pymatgen.io.ase import AseAtomsAdaptor
from pymatgen.io.vasp import Poscar

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
n = 0
for path in sys.argv[2:]:
    stem = os.path.splitext(os.path.basename(path))[0].replace(' ', '_')
    try:
        atoms = ase.io.read(path, format='cif')
    except Exception:
        continue
    if len(atoms) == 0 or len(atoms) > 500:
        continue
    ase.io.write(os.path.join(out, f'{stem}.vasp'), atoms, format='vasp', vasp5=True, direct=True)
    ase.io.write(os.path.join(out, f'POSCAR_{stem}'), atoms, format='vasp', vasp5=False, direct=False)
    s = AseAtomsAdaptor.get_structure(atoms)
    rng = np.random.default_rng(len(atoms))
    Poscar(s, selective_dynamics=[[True, False, True]] * len(s), velocities=rng.random((len(s), 3)).tolist()).write_file(
        os.path.join(out, f'CONTCAR_{stem}'))
    a2 = atoms.copy()
    a2.calc = SinglePointCalculator(a2, energy=-1.5 * len(a2), forces=rng.normal(size=(len(a2), 3)))
    ase.io.write(os.path.join(out, f'{stem}.extxyz'), a2, format='extxyz')
    n += 1
print(n, 'structures written')
