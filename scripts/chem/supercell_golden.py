"""Golden supercells from ASE (Debian's python3-ase) for test/shared/chem/build.test.ts.

Usage: /usr/bin/python3 scripts/chem/supercell_golden.py > test/fixtures/chem/supercells.json

A rattled, skewed 3-atom cell of two elements (no symmetry, no orthogonal vectors), repeated by
Atoms.repeat over a few n1 x n2 x n3: the lattice and every position, in ASE's order.
"""
import json

import numpy as np
from ase import Atoms


def main():
    rng = np.random.default_rng(7)
    cell = np.array([[3.1, 0.2, -0.1], [0.9, 2.8, 0.3], [-0.4, 0.6, 4.2]])
    frac = np.array([[0.0, 0.0, 0.0], [0.5, 0.4, 0.3], [0.2, 0.7, 0.8]]) + rng.normal(0, 0.02, (3, 3))
    atoms = Atoms(numbers=[29, 79, 29], scaled_positions=frac, cell=cell, pbc=True)
    cases = []
    for repeat in [(1, 1, 1), (2, 1, 1), (1, 3, 1), (2, 3, 2)]:
        big = atoms.repeat(repeat)
        cases.append({'repeat': list(repeat), 'lattice': big.cell.array.tolist(), 'numbers': big.numbers.tolist(), 'positions': big.positions.flatten().tolist()})
    print(json.dumps({'generator': 'scripts/chem/supercell_golden.py', 'lattice': cell.tolist(), 'numbers': atoms.numbers.tolist(), 'positions': atoms.positions.flatten().tolist(), 'cases': cases}))


if __name__ == '__main__':
    main()
