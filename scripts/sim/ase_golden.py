#!/usr/bin/env python3
"""Golden numbers for the simulation code (src-shared/sim), from Debian's python3-ase 3.22.

Writes test/fixtures/sim/ase-golden.json with:
- emt: ASE's EMT() energy, per-atom energies, forces and stress on structures built here: every
  element of the table (Al Cu Ag Au Ni Pd Pt and H C N O), molecules and clusters (no cell), a slab
  periodic in two directions, an isolated atom, tiny and skewed cells that see many of their own
  images, and the first 40 structures of the shared EMT dataset exactly as ASE reads them;
- lj, morse: LennardJones (shifted and smooth cutoffs) and MorsePotential on a few structures;
- fire, lbfgs: start positions and ASE's final energy after FIRE / LBFGS to fmax from rattled
  starts (one with fixed atoms);
- cell: fcc Cu relaxed with ExpCellFilter (the lattice constant);
- eos: fcc Cu energies over volumes and ASE's EquationOfState(eos='birchmurnaghan') fit;
- axes: atoms held along some axes only (FixScaled along lattice vectors, FixCartesian along x, y, z,
  beside FixAtoms) in a sheared cell: FIRE and LBFGS relaxations (energy, steps, final positions),
  velocity Verlet (energies per step, final positions and velocities), and, along lattice vectors,
  ExpCellFilter + BFGS (final energy and volume).

Usage: /usr/bin/python3 scripts/sim/ase_golden.py   (from the repository root; a few seconds)
"""
import json
import os

import numpy as np
from ase import Atoms
from ase.build import bulk, fcc111, molecule
from ase.cluster import Icosahedron
from ase.calculators.emt import EMT
from ase.calculators.lj import LennardJones
from ase.calculators.morse import MorsePotential
from ase.constraints import ExpCellFilter, FixAtoms, FixCartesian, FixScaled
from ase.eos import EquationOfState
from ase.io import read
from ase.md.verlet import VelocityVerlet
from ase.optimize import BFGS, FIRE, LBFGS
from ase import units
from ase.units import GPa

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'sim', 'ase-golden.json')
DATASET = os.path.join(ROOT, '..', 'shared', 'data', 'emt-dev', 'emt_dataset.extxyz')
rng = np.random.default_rng(20240611)


def geometry(atoms):
    return {
        'numbers': atoms.numbers.tolist(),
        'positions': atoms.positions.tolist(),
        'cell': atoms.cell.array.tolist() if atoms.cell.rank > 0 else None,
        'pbc': [bool(p) for p in atoms.pbc],
    }


def labels(atoms, calc, stress=True, energies=True):
    atoms.calc = calc
    out = {'energy': atoms.get_potential_energy(), 'forces': atoms.get_forces().tolist()}
    if energies:
        out['energies'] = atoms.get_potential_energies().tolist()
    out['stress'] = atoms.get_stress().tolist() if stress and atoms.cell.rank == 3 and atoms.pbc.all() else None
    return out


def rattled(atoms, std):
    a = atoms.copy()
    a.positions += rng.normal(0, std, a.positions.shape)
    return a


def emt_cases():
    cases = []

    def add(name, atoms, stress=True):
        cases.append({'name': name, **geometry(atoms), **labels(atoms, EMT(), stress)})

    for sym in ['Al', 'Cu', 'Ag', 'Au', 'Ni', 'Pd', 'Pt']:
        a = bulk(sym, 'fcc', cubic=True).repeat((2, 1, 1))
        a.set_cell(a.cell.array @ (np.eye(3) + rng.normal(0, 0.02, (3, 3))), scale_atoms=True)
        add(f'{sym} fcc strained rattled', rattled(a, 0.08))
    # the light elements of ASE's extension in metal hosts and in molecules
    host = bulk('Cu', 'fcc', a=3.7, cubic=True).repeat((2, 2, 2))
    # octahedral and tetrahedral holes of the fcc host, in fractions of the 2x2x2 supercell
    for sym, site in [('H', (0.125, 0.125, 0.125)), ('C', (0.25, 0.0, 0.0)), ('N', (0.375, 0.125, 0.125)), ('O', (0.25, 0.25, 0.25))]:
        a = host.copy()
        a.append(sym)
        a.positions[-1] = np.dot(site, a.cell) + rng.normal(0, 0.05, 3)
        add(f'Cu32{sym} interstitial', rattled(a, 0.03))
    mixed = bulk('Pt', 'fcc', a=4.0, cubic=True).repeat((2, 2, 1))
    mixed.symbols[[1, 5, 9]] = ['Ni', 'Pd', 'Au']
    mixed.append('O')
    mixed.positions[-1] = [1.0, 1.0, 1.0]
    mixed.append('H')
    mixed.positions[-1] = [3.0, 1.0, 3.0]
    add('Pt/Ni/Pd/Au with O and H', rattled(mixed, 0.05))
    # molecules and clusters: no cell, no stress
    for name in ['N2', 'CO', 'H2O', 'CH4', 'NO2']:
        m = molecule(name)
        add(f'molecule {name}', rattled(m, 0.02), stress=False)
    add('Cu13 icosahedron', rattled(Icosahedron('Cu', noshells=2), 0.1), stress=False)
    au = Atoms('Au3Ag2', positions=[[0, 0, 0], [2.8, 0, 0], [1.4, 2.4, 0], [1.4, 0.8, 2.3], [4.0, 2.0, 1.0]])
    add('Au3Ag2 cluster', rattled(au, 0.05), stress=False)
    # a slab periodic in two directions, vacuum along z
    slab = fcc111('Pd', size=(2, 2, 3), vacuum=6.0)
    slab.pbc = [True, True, False]
    add('Pd(111) slab pbc TTF', rattled(slab, 0.05), stress=False)
    # an isolated atom: E = -E0
    lone = Atoms('Ni', positions=[[5, 5, 5]], cell=[12, 12, 12], pbc=True)
    add('isolated Ni', lone)
    # tiny and skewed cells: an atom sees many of its own images
    add('Al primitive fcc', bulk('Al', 'fcc', a=4.05))
    add('Ag primitive bcc strained', Atoms('Ag', positions=[[0, 0, 0]], cell=[[-1.6, 1.7, 1.65], [1.62, -1.6, 1.66], [1.65, 1.63, -1.61]], pbc=True))
    skew = Atoms('CuAu', scaled_positions=[[0, 0, 0], [0.45, 0.52, 0.48]], cell=[[2.6, 0, 0], [2.3, 2.5, 0], [1.9, 1.2, 2.4]], pbc=True)
    add('CuAu skewed triclinic', skew)
    ni_hcp = bulk('Ni', 'hcp', a=2.5, c=4.1).repeat((1, 1, 2))
    add('Ni hcp rattled', rattled(ni_hcp, 0.1))
    # the shared dataset as ASE reads it (first 40 frames)
    frames = read(DATASET, index=':40')
    for i, f in enumerate(frames):
        a = Atoms(f.numbers, positions=f.positions, cell=f.cell, pbc=f.pbc)
        add(f'emt-dev frame {i}', a)
    return cases


def pair_cases():
    lj, morse = [], []
    ar = bulk('Ar', 'fcc', a=5.26, cubic=True).repeat((2, 2, 2))
    ar = rattled(ar, 0.1)
    params_shift = {'epsilon': 0.0104, 'sigma': 3.4, 'rc': 8.5}
    params_smooth = {'epsilon': 0.0104, 'sigma': 3.4, 'rc': 8.5, 'ro': 6.0, 'smooth': True}
    lj.append({'name': 'Ar fcc shifted', 'parameters': params_shift, **geometry(ar), **labels(ar, LennardJones(**params_shift))})
    lj.append({'name': 'Ar fcc smooth', 'parameters': params_smooth, **geometry(ar), **labels(ar, LennardJones(**params_smooth))})
    cluster = Atoms('Ar7', positions=rng.normal(0, 1.0, (7, 3)))
    cluster.positions *= 1.05 / min(cluster.get_distance(i, j) for i in range(7) for j in range(i))  # nearest pair at 1.05 sigma
    lj.append({'name': 'Ar7 cluster, default parameters', 'parameters': {}, **geometry(cluster), **labels(cluster, LennardJones(), stress=False)})
    cu = rattled(bulk('Cu', 'fcc', a=3.61, cubic=True).repeat((2, 2, 2)), 0.08)
    mp = {'epsilon': 0.3429, 'r0': 2.866, 'rho0': 1.3588 * 2.866, 'rcut1': 1.9, 'rcut2': 2.7}
    morse.append({'name': 'Cu Morse (Girifalco-Weizer-like)', 'parameters': mp, **geometry(cu), **labels(cu, MorsePotential(**mp), stress=False, energies=False)})
    trimer = Atoms('H3', positions=[[0, 0, 0], [0.3, 0.2, 1.1], [1.2, -0.1, 0.6]])
    morse.append({'name': 'H3, default parameters', 'parameters': {}, **geometry(trimer), **labels(trimer, MorsePotential(), stress=False, energies=False)})
    return lj, morse


def relax_cases(optimizer):
    out = []
    starts = [
        ('Cu 2x2x2 fcc rattled 0.1', rattled(bulk('Cu', 'fcc', a=3.6, cubic=True).repeat((2, 2, 2)), 0.1), None),
        ('CuAu L1_0 rattled 0.15', rattled(Atoms('Cu2Au2', scaled_positions=[[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]], cell=[3.9, 3.9, 3.8], pbc=True).repeat((2, 2, 1)), 0.15), None),
        ('Ni vacancy with Al rattled 0.1', None, None),
        ('Pt(111) slab, bottom layer fixed', None, 'slab'),
    ]
    ni = bulk('Ni', 'fcc', a=3.52, cubic=True).repeat((2, 2, 2))
    del ni[5]
    ni.symbols[[0, 9]] = ['Al', 'Al']
    starts[2] = (starts[2][0], rattled(ni, 0.1), None)
    slab = fcc111('Pt', size=(2, 2, 3), vacuum=5.0)
    slab = rattled(slab, 0.08)
    starts[3] = (starts[3][0], slab, 'slab')
    for name, atoms, kind in starts:
        start = atoms.copy()
        fixed = []
        if kind == 'slab':
            fixed = [i for i, t in enumerate(atoms.get_tags()) if t == 3]
            atoms.set_constraint(FixAtoms(indices=fixed))
        atoms.calc = EMT()
        opt = optimizer(atoms, logfile=None)
        fmax = 0.01
        opt.run(fmax=fmax, steps=2000)
        out.append({
            'name': name, **geometry(start), 'fixed': fixed, 'fmax': fmax,
            'startEnergy': emt_energy(start),
            'energy': atoms.get_potential_energy(), 'steps': opt.get_number_of_steps(),
        })
    return out


def emt_energy(atoms):
    a = atoms.copy()
    a.calc = EMT()
    return a.get_potential_energy()


def cell_case():
    a = bulk('Cu', 'fcc', a=3.7)
    a.calc = EMT()
    ecf = ExpCellFilter(a)
    opt = BFGS(ecf, logfile=None)
    opt.run(fmax=1e-6, steps=500)
    conventional = (4 * a.get_volume()) ** (1 / 3)
    return {'start': 3.7, 'latticeConstant': conventional, 'stress': a.get_stress().tolist()}


def eos_case():
    a0 = 3.6
    atoms = bulk('Cu', 'fcc', a=a0, cubic=True)
    cell = atoms.cell.array.copy()
    volumes, energies = [], []
    for s in np.linspace(0.94, 1.06, 11):
        a = atoms.copy()
        a.set_cell(cell * s ** (1 / 3), scale_atoms=True)
        a.calc = EMT()
        volumes.append(a.get_volume())
        energies.append(a.get_potential_energy())
    eos = EquationOfState(volumes, energies, eos='birchmurnaghan')
    v0, e0, B = eos.fit()
    bp = float(eos.eos_parameters[2])
    return {'latticeConstant': a0, 'volumeScales': np.linspace(0.94, 1.06, 11).tolist(), 'volumes': volumes, 'energies': energies,
            'v0': v0, 'e0': e0, 'b0': B, 'b0GPa': B / GPa, 'b0prime': bp}


def axis_start(frame):
    """32 Cu atoms in a sheared cell (no lattice vector along its axis), rattled, with atoms 0 and 1
    fixed and atoms 2-4 held along some axes, as FixScaled ('lattice') or FixCartesian ('cartesian')."""
    a = bulk('Cu', 'fcc', a=3.6, cubic=True).repeat((2, 2, 2))
    cell = a.cell.array.copy()
    cell[1] += [0.9, 0, 0]
    cell[2] += [0.5, 0.7, 0]
    a.set_cell(cell, scale_atoms=True)
    a = rattled(a, 0.08)
    held = [(2, [True, True, False]), (3, [False, True, False]), (4, [True, False, True])]
    return a, held


def constrain(atoms, frame, held):
    cons = [FixAtoms(indices=[0, 1])]
    for i, mask in held:
        cons.append(FixScaled(atoms.cell, i, mask) if frame == 'lattice' else FixCartesian(i, mask))
    atoms.set_constraint(cons)


def axes_cases():
    out = []
    for frame in ('lattice', 'cartesian'):
        start, held = axis_start(frame)
        case = {'frame': frame, **geometry(start), 'fixed': [0, 1], 'held': [{'atom': i, 'held': m} for i, m in held]}
        for name, optimizer in (('fire', FIRE), ('lbfgs', LBFGS)):
            a = start.copy()
            constrain(a, frame, held)
            a.calc = EMT()
            opt = optimizer(a, logfile=None)
            opt.run(fmax=0.01, steps=2000)
            case[name] = {'fmax': 0.01, 'energy': a.get_potential_energy(), 'steps': opt.get_number_of_steps(), 'positions': a.positions.tolist()}
        # velocity Verlet from velocities drawn here (ASE projects them as it sets them)
        a = start.copy()
        constrain(a, frame, held)
        a.calc = EMT()
        v = np.random.default_rng(7).normal(0, 0.002, (len(a), 3))  # Å/fs
        a.set_velocities(v / units.fs)
        dyn = VelocityVerlet(a, timestep=2.0 * units.fs)
        energies = [a.get_potential_energy() + a.get_kinetic_energy()]
        for _ in range(60):
            dyn.run(1)
            energies.append(a.get_potential_energy() + a.get_kinetic_energy())
        case['md'] = {'timestep': 2.0, 'velocities': v.tolist(), 'steps': 60, 'total': energies, 'positions': a.positions.tolist(),
                      'finalVelocities': (a.get_velocities() * units.fs).tolist(), 'temperature': a.get_temperature()}
        # the cell relaxed too (along lattice vectors only: an atom held along x, y or z moves with the
        # cell, so where it ends depends on the path, in ASE as in Latticework, which refuses it)
        if frame == 'lattice':
            a = start.copy()
            constrain(a, frame, held)
            a.calc = EMT()
            opt = BFGS(ExpCellFilter(a), logfile=None)
            opt.run(fmax=1e-5, steps=2000)
            case['cellRelax'] = {'energy': a.get_potential_energy(), 'volume': a.get_volume(), 'positions': a.positions.tolist(), 'cell': a.cell.array.tolist()}
        out.append(case)
    return out


def main():
    lj, morse = pair_cases()
    data = {
        'generator': 'scripts/sim/ase_golden.py',
        'ase': __import__('ase').__version__,
        'emt': emt_cases(),
        'lj': lj,
        'morse': morse,
        'fire': relax_cases(FIRE),
        'lbfgs': relax_cases(LBFGS),
        'cell': cell_case(),
        'eos': eos_case(),
        'axes': axes_cases(),
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, 'w') as fh:
        json.dump(data, fh, separators=(',', ':'))
        fh.write('\n')
    print(f'wrote {OUT}: {len(data["emt"])} EMT structures, {os.path.getsize(OUT)} bytes')


if __name__ == '__main__':
    main()
