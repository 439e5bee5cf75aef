#!/usr/bin/env python3
"""Write the ASE/pymatgen-made fixtures in test/fixtures/structures/ and their golden numbers.

Usage: /usr/bin/python3 scripts/chem/make_fixtures.py
Writes: ase_cu_emt.extxyz (ASE 3.22 extxyz with EMT energy/forces/stress and assorted info),
ase_water.xyz (plain multi-frame XYZ), ase_cu3au.vasp4 and ase_cu3au.vasp5 (ASE POSCAR writers,
VASP 4 without species line / VASP 5 Cartesian), pmg_selective_POSCAR (pymatgen Poscar with
selective dynamics and velocities), pmg_md_CONTCAR (pymatgen Poscar with an MD run's velocities),
golden.json (what ASE/pymatgen read back from them: structures from ASE, velocities from pymatgen).
"""
import json
import os

import numpy as np
from ase import Atoms
from ase.build import bulk, molecule
from ase.calculators.emt import EMT
from ase.io import read, write

OUT = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures', 'structures')
rng = np.random.default_rng(7)

frames = []
for i, (el, a) in enumerate((('Cu', 3.61), ('Au', 4.08))):
    at = bulk(el, 'fcc', a=a, cubic=True)
    at.rattle(0.05, seed=i)
    at.calc = EMT()
    at.get_potential_energy()
    at.info['name'] = f'{el} fcc "rattled"'
    at.info['seed'] = i
    at.info['converged'] = True
    at.info['kpts'] = np.array([4, 4, 4])
    at.info['temperature'] = 300.5
    at.set_initial_magnetic_moments(rng.random(len(at)))
    frames.append(at)
write(os.path.join(OUT, 'ase_cu_emt.extxyz'), frames, format='extxyz')

water = [molecule('H2O'), molecule('CH4')]
water[1].positions += 0.1
write(os.path.join(OUT, 'ase_water.xyz'), water, format='xyz')

cu3au = bulk('Cu', 'fcc', a=3.75, cubic=True)
cu3au.symbols[0] = 'Au'
cu3au.set_cell(cu3au.cell * [1.0, 1.02, 0.99], scale_atoms=True)
write(os.path.join(OUT, 'ase_cu3au.vasp4'), cu3au, format='vasp', vasp5=False, direct=True)
write(os.path.join(OUT, 'ase_cu3au.vasp5'), cu3au, format='vasp', vasp5=True, direct=False, sort=True)

from pymatgen.core import Lattice, Structure
from pymatgen.io.vasp import Poscar
s = Structure(Lattice.hexagonal(2.5, 6.7), ['B', 'N', 'B', 'N'],
              [[1/3, 2/3, 0.25], [2/3, 1/3, 0.25], [2/3, 1/3, 0.75], [1/3, 2/3, 0.75]])
p = Poscar(s, comment='hBN pymatgen', selective_dynamics=[[True, True, False]] * 2 + [[False, False, False]] * 2,
           velocities=[[0.1, 0.2, 0.3]] * 4)
p.write_file(os.path.join(OUT, 'pmg_selective_POSCAR'))
# a CONTCAR as an MD run leaves it: velocities of a few hundred K, Å/fs, after an empty line
md_rng = np.random.default_rng(11)
md = Structure(Lattice([[7.2, 0, 0], [0.3, 7.1, 0], [0.2, -0.1, 7.3]]), ['Cu'] * 6 + ['Au'] * 2,
               md_rng.uniform(0, 1, (8, 3)))
Poscar(md, comment='CuAu MD pymatgen', velocities=md_rng.normal(0, 0.005, (8, 3)).tolist()).write_file(
    os.path.join(OUT, 'pmg_md_CONTCAR'))

golden = {}
for name, fmt in (('ase_cu_emt.extxyz', 'extxyz'), ('ase_water.xyz', 'xyz'), ('ase_cu3au.vasp4', 'vasp'),
                  ('ase_cu3au.vasp5', 'vasp'), ('pmg_selective_POSCAR', 'vasp'), ('pmg_md_CONTCAR', 'vasp')):
    path = os.path.join(OUT, name)
    if name == 'ase_cu3au.vasp4':
        ats = [read(path, format='vasp')]
    else:
        ats = read(path, index=':', format=fmt)
    golden[name] = [{
        'symbols': a.get_chemical_symbols(),
        'cell': a.cell.array.tolist() if a.pbc.any() else None,
        'positions': a.positions.tolist(),
        'pbc': a.pbc.tolist(),
        'energy': a.calc.results.get('energy') if a.calc else None,
        'forces': a.calc.results['forces'].tolist() if a.calc and 'forces' in a.calc.results else None,
        'stress': a.calc.results['stress'].tolist() if a.calc and 'stress' in a.calc.results else None,
    } for a in ats]
    if name.startswith('pmg_'):
        golden[name][0]['velocities'] = Poscar.from_file(path, check_for_POTCAR=False).velocities
with open(os.path.join(OUT, 'golden.json'), 'w') as f:
    json.dump(golden, f, indent=1)
print('ok')
