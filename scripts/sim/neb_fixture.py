#!/usr/bin/env python3
"""Reference bands for the nudged elastic band (src-shared/sim/neb.ts), from Debian's python3-ase 3.22.

Writes test/fixtures/sim/neb.json: a vacancy hop in fcc Cu with EMT (a 2x2x2 cubic cell, 31 atoms;
the atom that hops sits across the cell's boundary from the vacancy, so the band must take the
minimum image). The two ends are relaxed with FIRE to 0.001 eV/A and stored; from them ASE's
NEB(method='improvedtangent') with images on the straight line (interpolate(mic=True)) is relaxed:
- "climb": 3 images, climbing image, FIRE to fmax 0.05;
- "springs": 4 images, no climbing image, four far atoms held (FixAtoms, at the start's positions at both
  ends: the case's own end), LBFGS to fmax 0.05;
And "resumed": the "climb" band stopped after 6 FIRE steps, its images wrapped into the cell (as a file
written then holds them), and a new FIRE on those images to fmax 0.05 (a band gone on from a file).
And "unrelaxed": the same hop's ends on the perfect lattice, each relaxed by FIRE to fmax 0.05 first (the
steps each took), then the climbing band of 3 images by FIRE (a band whose ends are relaxed first).
And "rotation": ethane with one methyl group turned by 120 degrees, 5 images of a band with a
climbing image started by interpolate(method='idpp', mic=True) (the straight line relaxed on the
image-dependent pair potential with MDMin to fmax 0.1, 100 steps): the starting images' positions.
Each case stores the steps taken, every image's energy, the inner images' final positions, and
NEBTools' fitted barrier and curve (fit_raw: cubics through the images' energies and their forces
along the path), of the band with each image its neighbour's nearest image.

Usage: /usr/bin/python3 scripts/sim/neb_fixture.py   (from the repository root; a few seconds)
"""
import json
import os

import numpy as np
from ase.build import bulk, molecule
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms
from ase.geometry import find_mic
from ase.neb import NEB
from ase.utils.forcecurve import fit_raw
from ase.optimize import FIRE, LBFGS

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
OUT = os.path.join(ROOT, 'test', 'fixtures', 'sim', 'neb.json')


def unrelaxed_ends():
    a = 3.6
    cell = bulk('Cu', 'fcc', a=a, cubic=True) * (2, 2, 2)
    # the vacancy at the origin; its neighbour across the boundary at (L - a/2, L - a/2, 0) hops into it
    hopper = int(np.argmin(np.linalg.norm(cell.positions - [2 * a - a / 2, 2 * a - a / 2, 0], axis=1)))
    start = cell.copy()
    del start[0]
    hopper -= 1
    end = start.copy()
    end.positions[hopper] = [0, 0, 0]
    return start, end, hopper


def ends():
    start, end, hopper = unrelaxed_ends()
    for atoms in (start, end):
        atoms.calc = EMT()
        FIRE(atoms, logfile=None).run(fmax=0.001)
    return start, end, hopper


def from_unrelaxed():
    """The ends on the perfect lattice, each relaxed by FIRE to fmax 0.05, then the climbing band (3 images, FIRE)."""
    start, end, hopper = unrelaxed_ends()
    out = {'hopper': hopper, 'start': start.positions.flatten().tolist(), 'end': end.positions.flatten().tolist(), 'endSteps': []}
    for atoms in (start, end):
        atoms.calc = EMT()
        opt = FIRE(atoms, logfile=None)
        opt.run(fmax=0.05, steps=500)
        out['endSteps'].append(opt.get_number_of_steps())
    frames = [start.copy()] + [start.copy() for _ in range(3)] + [end.copy()]
    for f in frames:
        f.calc = EMT()
    neb = NEB(frames, k=0.1, climb=True, method='improvedtangent')
    neb.interpolate(mic=True)
    opt = FIRE(neb, logfile=None)
    opt.run(fmax=0.05, steps=500)
    out['steps'] = opt.get_number_of_steps()
    out['energies'] = [f.get_potential_energy() for f in frames]
    return out


def rotation():
    """Ethane with one methyl group turned by 120 degrees about the C-C axis (its H atoms trading places):
    on the straight line the three C-H bonds shrink to 0.65 A, and IDPP's starting path keeps them."""
    start = molecule('C2H6')
    c1 = start.positions[1]
    axis = (c1 - start.positions[0]) / np.linalg.norm(c1 - start.positions[0])
    turn = 2 * np.pi / 3
    hydrogens = [i for i in range(2, len(start)) if np.linalg.norm(start.positions[i] - c1) < 1.3]
    end = start.copy()
    for i in hydrogens:
        v = start.positions[i] - c1
        end.positions[i] = c1 + v * np.cos(turn) + np.cross(axis, v) * np.sin(turn) + axis * np.dot(axis, v) * (1 - np.cos(turn))
    frames = [start.copy() for _ in range(6)] + [end.copy()]
    for f in frames:
        f.calc = EMT()
    neb = NEB(frames, k=0.1, climb=True, method='improvedtangent')
    neb.interpolate(method='idpp', mic=True)
    return {
        'numbers': start.numbers.tolist(),
        'hydrogens': hydrogens,
        'start': start.positions.flatten().tolist(),
        'end': end.positions.flatten().tolist(),
        'images': 5,
        'idpp': [f.positions.flatten().tolist() for f in frames[1:-1]],
    }


def band(start, end, images, climb, optimizer, held):
    # a held atom is where it is at both ends
    end = end.copy()
    end.positions[held] = start.positions[held]
    frames = [start.copy()] + [start.copy() for _ in range(images)] + [end.copy()]
    for f in frames:
        f.calc = EMT()
        if held:
            f.set_constraint(FixAtoms(indices=held))
    neb = NEB(frames, k=0.1, climb=climb, method='improvedtangent')
    neb.interpolate(mic=True)
    opt = optimizer(neb, logfile=None)
    opt.run(fmax=0.05, steps=500)
    # NEBTools' fit (fit_images) takes each image's direction along the path without the minimum image:
    # given the end as it was written (the hopper wrapped into the cell), its slope there is wrong. The band
    # as it runs (each image the one before moved by the shortest vectors) is what it fits here.
    R = [f.positions.copy() for f in frames]
    for k in range(1, len(R)):
        R[k] = R[k - 1] + find_mic(R[k] - R[k - 1], start.cell, start.pbc)[0]
    fit = fit_raw([f.get_potential_energy() for f in frames], [f.get_forces() for f in frames], R, start.cell, start.pbc)
    return {
        'images': images,
        'climb': climb,
        'optimizer': 'fire' if optimizer is FIRE else 'lbfgs',
        'held': held,
        'end': end.positions.flatten().tolist(),
        'steps': opt.get_number_of_steps(),
        'energies': [f.get_potential_energy() for f in frames],
        'inner': [f.positions.flatten().tolist() for f in frames[1:-1]],
        # NEBTools.get_barrier(fit=True) is the curve's highest point
        'fit': {'barrier': float(max(fit.fit_energies)), 'path': fit.fit_path.tolist(), 'energies': fit.fit_energies.tolist()},
    }


def resumed(start, end, after):
    frames = [start.copy()] + [start.copy() for _ in range(3)] + [end.copy()]
    for f in frames:
        f.calc = EMT()
    neb = NEB(frames, k=0.1, climb=True, method='improvedtangent')
    neb.interpolate(mic=True)
    FIRE(neb, logfile=None).run(fmax=0.05, steps=after)
    for f in frames:
        f.wrap()
    given = [f.positions.flatten().tolist() for f in frames[1:-1]]
    opt = FIRE(neb, logfile=None)
    opt.run(fmax=0.05, steps=500)
    return {
        'after': after,
        'given': given,
        'steps': opt.get_number_of_steps(),
        'energies': [f.get_potential_energy() for f in frames],
        'inner': [f.positions.flatten().tolist() for f in frames[1:-1]],
    }


def main():
    start, end, hopper = ends()
    out = {
        'generator': 'scripts/sim/neb_fixture.py',
        'numbers': start.numbers.tolist(),
        'cell': start.cell.array.tolist(),
        'hopper': hopper,
        'start': start.positions.flatten().tolist(),
        'end': end.positions.flatten().tolist(),
        'cases': {
            'climb': band(start, end, 3, True, FIRE, []),
            'springs': band(start, end, 4, False, LBFGS, [3, 9, 17, 25]),
        },
        'resumed': resumed(start, end, 6),
        'unrelaxed': from_unrelaxed(),
        'rotation': rotation(),
    }
    with open(OUT, 'w') as f:
        json.dump(out, f)
    for name, c in out['cases'].items():
        e = np.array(c['energies'])
        print(name, c['steps'], 'steps, barrier', e.max() - e[0])
    u = out['unrelaxed']
    print('unrelaxed ends relaxed in', u['endSteps'], 'steps, then', u['steps'], 'steps, barrier', max(u['energies']) - u['energies'][0])
    r = out['resumed']
    print('resumed after', r['after'], 'steps:', r['steps'], 'steps, barrier', max(r['energies']) - r['energies'][0])


if __name__ == '__main__':
    main()
