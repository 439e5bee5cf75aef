#!/usr/bin/env python3
"""Make a fresh EMT-labelled alloy set distributed like /work/shared/data/emt-dev.

Usage:
  /usr/bin/python3 scripts/data/make_emt_set.py OUT_DIR [--n 1000] [--seed 1] [--prefix ID_PREFIX]
                                                [--compare ../shared/data/emt-dev]

Writes, as emt-dev does:
  OUT_DIR/emt_dataset.extxyz  every frame: per-frame energy (eV), energy_per_atom (eV/atom), stress
                              (ASE's 3x3, eV/A^3, positive = tensile) and metadata; per-atom forces (eV/A)
  OUT_DIR/cgcnn/              CGCNN's layout: <id>.cif (written by ASE), id_prop.csv (id, energy per
                              atom; no header), atom_init.json (CGCNN's standard embedding)
  OUT_DIR/meta.csv            one row per structure (the columns of emt-dev's meta.csv)
  OUT_DIR/summary.json        label statistics, counts per prototype, versions, seed, timings

How a structure is made (the recipe of emt-dev's README, with the proportions measured from its
meta.csv, since emt-dev's own generator is not part of the data):
  prototype   fcc (primitive, conventional), bcc (primitive, conventional), hcp, simple cubic: one
              element per site drawn from 1-4 species; L1_2 (A3B), L1_0 (AB), B2 (AB): two
              sublattices of two different elements, then in a third of them random substitution
              of some sites by other elements. Prototype weights and supercell repeats as in emt-dev.
  lattice     ASE's reference fcc lattice constant a of each element, averaged (Vegard) over the
              composition drawn before sites are filled (the species' shares on the single-element
              prototypes, the stoichiometry of the ordered ones before substitution and vacancy);
              bcc and hcp (ideal c/a) have the volume per atom of that fcc (a^3/4), simple cubic the
              fcc nearest-neighbour distance a/sqrt(2).
  vacancy     cells of 4 atoms or more lose one random atom with probability 0.11.
  strain      cell <- cell (I + eps), eps symmetric from six Voigt components uniform in +-5 %.
  rattling    Gaussian displacements with a standard deviation uniform in 0.05-0.1 A.
  labels      ASE 3.22's EMT on the structure exactly as re-read from its CIF (so CIF, extxyz and
              labels agree).
Structures depend only on --seed and --n (numpy PCG64): the same command gives the same set on any
machine with the same ASE and numpy. Use a seed other than emt-dev's 20240607 for a held-out set;
--prefix keeps ids apart from emt-dev's (default "emt<seed>-").
"""
import argparse
import csv
import io
import json
import os
import platform
import shutil
import sys
import time

import numpy as np
import ase
from ase import Atoms
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.calculators.singlepoint import SinglePointCalculator
from ase.data import atomic_numbers, reference_states
from ase.io import read, write

ELEMENTS = ('Al', 'Cu', 'Ag', 'Au', 'Ni', 'Pd', 'Pt')
A_FCC = {el: reference_states[atomic_numbers[el]]['a'] for el in ELEMENTS}

# Prototype -> (weight, supercell repeats), as counted in emt-dev's meta.csv (2,000 structures).
PROTOTYPES = {
    'fcc_conv': (333, ('1x1x1', '2x1x1', '2x2x1', '2x2x2')),
    'hcp': (305, ('1x1x1', '2x1x1', '2x2x1', '2x2x2', '2x2x3', '3x3x1', '4x2x2')),
    'bcc_conv': (259, ('1x1x1', '2x1x1', '2x2x1', '2x2x2', '3x2x2', '2x2x4')),
    'fcc_prim': (234, ('1x1x1', '2x1x1', '2x2x1', '2x2x2', '3x2x2', '3x3x2', '4x2x2', '3x3x3', '4x4x2')),
    'L1_2': (208, ('1x1x1', '2x1x1', '2x2x1', '2x2x2')),
    'L1_0': (200, ('1x1x1', '2x1x1', '2x2x1', '2x2x2')),
    'B2': (187, ('1x1x1', '2x1x1', '2x2x1', '2x2x2', '3x2x2', '2x2x4')),
    'bcc_prim': (173, ('1x1x1', '2x1x1', '2x2x2', '3x2x2', '3x3x3', '4x4x2')),
    'sc': (101, ('1x1x1', '2x1x1', '2x2x2', '3x3x3')),
}
ORDERED = ('L1_2', 'L1_0', 'B2')
# Species drawn for the single-element prototypes; sites are then filled by the species' random shares,
# so small cells show fewer (emt-dev, cells of 23-32 atoms: 29 / 34 / 27 / 10 % with 1 / 2 / 3 / 4 species).
SPECIES_COUNTS = (1, 2, 3, 4)
SPECIES_WEIGHTS = (0.27, 0.34, 0.27, 0.12)
# Ordered prototypes: a share get 1-3 sites substituted by other elements, whatever the cell's size
# (emt-dev: 74 / 17 / 8 / 1 % with 2 / 3 / 4 / 5 species at every size).
SUBSTITUTION_PROBABILITY = 0.27
SUBSTITUTED_SITES = (1, 2, 3)
SUBSTITUTED_SITES_WEIGHTS = (0.5, 0.3, 0.2)
VACANCY_PROBABILITY = 0.11      # cells of >= 4 atoms missing one atom (emt-dev: ~10 %)
STRAIN_MAX = 0.05
RATTLE_RANGE = (0.05, 0.1)
EMT_DEV_SEED = 20240607


def prototype_cell(name):
    """Unit cell of a prototype with lattice parameter 1 (fcc-equivalent) and its sublattice of each site.

    Sublattice 0 is the majority (A) site of the ordered prototypes; single-element prototypes have one.
    """
    if name == 'fcc_prim':
        return bulk('X', 'fcc', a=1.0), [0]
    if name == 'fcc_conv':
        return bulk('X', 'fcc', a=1.0, cubic=True), [0] * 4
    a_bcc = 2 ** (-1 / 3)  # bcc with the volume per atom of an fcc of lattice constant 1
    if name == 'bcc_prim':
        return bulk('X', 'bcc', a=a_bcc), [0]
    if name == 'bcc_conv':
        return bulk('X', 'bcc', a=a_bcc, cubic=True), [0] * 2
    if name == 'hcp':
        a_hcp = 1 / np.sqrt(2)
        return bulk('X', 'hcp', a=a_hcp, c=a_hcp * np.sqrt(8 / 3)), [0] * 2
    if name == 'sc':
        return bulk('X', 'sc', a=1 / np.sqrt(2)), [0]
    if name == 'B2':
        return Atoms('X2', scaled_positions=[[0, 0, 0], [0.5, 0.5, 0.5]], cell=np.eye(3) * a_bcc, pbc=True), [0, 1]
    cube = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]]
    if name == 'L1_2':  # A3B: B on the corner, A on the face centres
        return Atoms('X4', scaled_positions=cube, cell=np.eye(3), pbc=True), [1, 0, 0, 0]
    if name == 'L1_0':  # AB: alternating (001) planes
        return Atoms('X4', scaled_positions=cube, cell=np.eye(3), pbc=True), [0, 0, 1, 1]
    raise ValueError(name)


def make_structure(rng):
    names = list(PROTOTYPES)
    weights = np.array([PROTOTYPES[n][0] for n in names], dtype=float)
    proto = names[rng.choice(len(names), p=weights / weights.sum())]
    repeat = PROTOTYPES[proto][1][rng.integers(len(PROTOTYPES[proto][1]))]
    reps = tuple(int(x) for x in repeat.split('x'))
    unit, sub = prototype_cell(proto)
    atoms = unit.repeat(reps)
    sublattice = np.tile(sub, int(np.prod(reps)))
    n = len(atoms)

    if proto in ORDERED:
        pair = rng.choice(len(ELEMENTS), size=2, replace=False)
        species = np.array([ELEMENTS[pair[s]] for s in sublattice], dtype=object)
        a = float(np.mean([A_FCC[el] for el in species]))
        if rng.random() < SUBSTITUTION_PROBABILITY:
            m = SUBSTITUTED_SITES[rng.choice(len(SUBSTITUTED_SITES), p=SUBSTITUTED_SITES_WEIGHTS)]
            for i in rng.choice(n, size=min(m, n), replace=False):
                others = [el for el in ELEMENTS if el != species[i]]
                species[i] = others[rng.integers(len(others))]
    else:
        k = SPECIES_COUNTS[rng.choice(len(SPECIES_COUNTS), p=SPECIES_WEIGHTS)]
        picked = [ELEMENTS[i] for i in rng.choice(len(ELEMENTS), size=k, replace=False)]
        shares = rng.dirichlet(np.ones(k))
        a = float(sum(w * A_FCC[el] for w, el in zip(shares, picked)))
        species = np.array([picked[i] for i in rng.choice(k, size=n, p=shares)], dtype=object)
    atoms.set_chemical_symbols(list(species))
    atoms.set_cell(atoms.cell * a, scale_atoms=True)

    if n >= 4 and rng.random() < VACANCY_PROBABILITY:
        del atoms[int(rng.integers(n))]

    voigt = rng.uniform(-STRAIN_MAX, STRAIN_MAX, size=6)
    xx, yy, zz, yz, xz, xy = voigt
    eps = np.array([[xx, xy, xz], [xy, yy, yz], [xz, yz, zz]])
    atoms.set_cell(atoms.cell @ (np.eye(3) + eps), scale_atoms=True)

    rattle = float(rng.uniform(*RATTLE_RANGE))
    atoms.positions += rng.normal(0.0, rattle, size=atoms.positions.shape)
    atoms.wrap()
    return atoms, {'prototype': proto, 'repeat': repeat, 'strain': voigt, 'rattle_std': rattle}


def cif_text(atoms):
    buf = io.BytesIO()
    write(buf, atoms, format='cif')
    return buf.getvalue().decode()


def stats(values):
    v = np.asarray(values, dtype=float)
    return {'min': float(v.min()), 'max': float(v.max()), 'mean': float(v.mean()), 'std': float(v.std()),
            'p05': float(np.percentile(v, 5)), 'median': float(np.median(v)), 'p95': float(np.percentile(v, 95))}


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('out')
    p.add_argument('--n', type=int, default=1000)
    p.add_argument('--seed', type=int, default=1)
    p.add_argument('--prefix', default=None, help='id prefix (default emt<seed>-)')
    p.add_argument('--compare', default=None, help="an emt-dev-like folder whose summary.json to print beside ours")
    args = p.parse_args()
    if args.n < 1:
        sys.exit('make_emt_set: --n must be at least 1')
    if args.seed == EMT_DEV_SEED:
        print(f'make_emt_set: note: seed {EMT_DEV_SEED} is emt-dev\'s; this generator is a reconstruction, '
              'so the structures differ from emt-dev\'s anyway', file=sys.stderr)
    prefix = args.prefix if args.prefix is not None else f'emt{args.seed}-'
    cgcnn_dir = os.path.join(args.out, 'cgcnn')
    os.makedirs(cgcnn_dir, exist_ok=True)
    here = os.path.dirname(os.path.abspath(__file__))
    shutil.copyfile(os.path.join(here, '..', '..', 'src-main', 'engine', 'import', 'cgcnn-atom-init.json'),
                    os.path.join(cgcnn_dir, 'atom_init.json'))

    rng = np.random.Generator(np.random.PCG64(args.seed))
    width = max(5, len(str(args.n - 1)))
    frames, meta, times = [], [], {'build': 0.0, 'cif_roundtrip': 0.0, 'emt': 0.0, 'write': 0.0}
    started = time.time()
    for i in range(args.n):
        sid = f'{prefix}{i:0{width}d}'
        t0 = time.time()
        built, info = make_structure(rng)
        t1 = time.time()
        text = cif_text(built)
        atoms = read(io.StringIO(text), format='cif')
        t2 = time.time()
        atoms.calc = EMT()
        energy = float(atoms.get_potential_energy())
        forces = atoms.get_forces()
        stress = atoms.get_stress()
        t3 = time.time()
        n = len(atoms)
        with open(os.path.join(cgcnn_dir, f'{sid}.cif'), 'w') as fh:
            fh.write(text)
        frame = Atoms(atoms.get_chemical_symbols(), positions=atoms.positions, cell=atoms.cell, pbc=True)
        frame.info = {'id': sid, 'prototype': info['prototype'], 'repeat': info['repeat'],
                      'strain': ' '.join(f'{x:.6f}' for x in info['strain']), 'rattle_std': round(info['rattle_std'], 6),
                      'energy_per_atom': energy / n}
        frame.calc = SinglePointCalculator(frame, energy=energy, forces=forces, stress=stress)
        frames.append(frame)
        meta.append({'id': sid, 'formula': atoms.get_chemical_formula(mode='hill'), 'natoms': n,
                     'n_species': len(set(atoms.get_chemical_symbols())), 'prototype': info['prototype'],
                     'repeat': info['repeat'], 'strain_max_abs': round(float(np.abs(info['strain']).max()), 6),
                     'rattle_std': round(info['rattle_std'], 6), 'volume_per_atom': round(atoms.get_volume() / n, 6),
                     'energy': energy, 'energy_per_atom': energy / n,
                     'fmax': float(np.sqrt((forces ** 2).sum(axis=1)).max())})
        times['build'] += t1 - t0
        times['cif_roundtrip'] += t2 - t1
        times['emt'] += t3 - t2
        if (i + 1) % 200 == 0 or i + 1 == args.n:
            print(f'make_emt_set: {i + 1}/{args.n}', file=sys.stderr)

    t0 = time.time()
    write(os.path.join(args.out, 'emt_dataset.extxyz'), frames, format='extxyz')
    with open(os.path.join(cgcnn_dir, 'id_prop.csv'), 'w') as fh:
        for row in meta:
            fh.write(f"{row['id']},{row['energy_per_atom']!r}\n")
    with open(os.path.join(args.out, 'meta.csv'), 'w', newline='') as fh:
        w = csv.DictWriter(fh, fieldnames=list(meta[0]))
        w.writeheader()
        w.writerows(meta)
    times['write'] = time.time() - t0
    times['total'] = time.time() - started
    protos = {}
    for row in meta:
        protos[row['prototype']] = protos.get(row['prototype'], 0) + 1
    natoms = [row['natoms'] for row in meta]
    summary = {
        'n': args.n, 'seed': args.seed, 'generator': 'scripts/data/make_emt_set.py',
        'ase_version': ase.__version__, 'numpy_version': np.__version__, 'python': platform.python_version(),
        'energy_per_atom': stats([row['energy_per_atom'] for row in meta]),
        'natoms': {'min': int(min(natoms)), 'max': int(max(natoms)), 'mean': float(np.mean(natoms)), 'total': int(sum(natoms))},
        'fmax': {k: v for k, v in stats([row['fmax'] for row in meta]).items() if k in ('min', 'max', 'mean')},
        'volume_per_atom': stats([row['volume_per_atom'] for row in meta]),
        'prototypes': dict(sorted(protos.items())),
        'seconds': {k: round(v, 3) for k, v in times.items()},
    }
    with open(os.path.join(args.out, 'summary.json'), 'w') as fh:
        json.dump(summary, fh, indent=2)
    if args.compare:
        with open(os.path.join(args.compare, 'summary.json')) as fh:
            ref = json.load(fh)
        print(f"{'':28s}{'this set':>12s}{'reference':>12s}")
        for block, keys in (('energy_per_atom', ('mean', 'std', 'p05', 'median', 'p95', 'max')),
                            ('natoms', ('mean',)), ('fmax', ('mean',))):
            for k in keys:
                print(f'{block + " " + k:28s}{summary[block][k]:12.4f}{ref[block][k]:12.4f}')
    print(f'make_emt_set: {args.n} structures in {args.out} ({times["total"]:.1f} s)', file=sys.stderr)


if __name__ == '__main__':
    main()
