#!/usr/bin/env python3
"""Reference moduli for the elastic constants (src-shared/sim/elastic.ts), from Debian's python3-pymatgen.

Writes test/fixtures/sim/elastic-moduli.json: for a few 6×6 Voigt matrices (GPa; cubic, hexagonal,
orthorhombic and a triclinic one made positive definite), pymatgen's ElasticTensor Voigt, Reuss and
Hill bulk and shear moduli, Young's modulus (y_mod, Pa) and homogeneous Poisson ratio.

Usage: /usr/bin/python3 scripts/sim/elastic_moduli_fixture.py   (from the repository root)
"""
import json

import numpy as np
from pymatgen.analysis.elasticity import ElasticTensor


def cubic(c11, c12, c44):
    c = np.full((3, 3), c12) + np.eye(3) * (c11 - c12)
    return np.block([[c, np.zeros((3, 3))], [np.zeros((3, 3)), np.eye(3) * c44]])


def hexagonal(c11, c12, c13, c33, c44):
    c = np.zeros((6, 6))
    c[0, 0] = c[1, 1] = c11
    c[0, 1] = c[1, 0] = c12
    c[0, 2] = c[2, 0] = c[1, 2] = c[2, 1] = c13
    c[2, 2] = c33
    c[3, 3] = c[4, 4] = c44
    c[5, 5] = (c11 - c12) / 2
    return c


rng = np.random.default_rng(7)
a = rng.normal(size=(6, 6)) * 20
triclinic = a @ a.T + np.eye(6) * 40
orthorhombic = np.diag([250.0, 210.0, 300.0, 60.0, 80.0, 70.0])
orthorhombic[0, 1] = orthorhombic[1, 0] = 110
orthorhombic[0, 2] = orthorhombic[2, 0] = 95
orthorhombic[1, 2] = orthorhombic[2, 1] = 120

cases = []
for c in [cubic(176.2, 124.9, 81.8), hexagonal(162.4, 92.0, 69.0, 180.7, 46.7), orthorhombic, triclinic]:
    t = ElasticTensor.from_voigt(c)
    cases.append({
        'c': c.tolist(),
        'k_voigt': float(t.k_voigt), 'k_reuss': float(t.k_reuss), 'k_vrh': float(t.k_vrh),
        'g_voigt': float(t.g_voigt), 'g_reuss': float(t.g_reuss), 'g_vrh': float(t.g_vrh),
        'y_mod': float(t.y_mod), 'homogeneous_poisson': float(t.homogeneous_poisson),
    })

with open('test/fixtures/sim/elastic-moduli.json', 'w') as f:
    json.dump(cases, f, indent=1)
    f.write('\n')
print(f'wrote {len(cases)} cases to test/fixtures/sim/elastic-moduli.json')
