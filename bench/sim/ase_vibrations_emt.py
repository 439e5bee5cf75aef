#!/usr/bin/env python3
"""ASE's side of bench/sim/vibrations-emt.ts: ase.vibrations.Vibrations (nfree 2, delta 0.01) with
ase.calculators.emt.EMT on fcc Cu (rep x rep x rep conventional cells), every atom moved 0.01 A off its
site; the run (6 force calls per atom, written to its cache) and the energies (the eigenproblem), the
median of `runs` after one warm-up run.

Run: /usr/bin/python3 bench/sim/ase_vibrations_emt.py [rep=3] [runs=3]
Prints one JSON line {impl, atoms, runs, seconds (median)}.
"""
import json
import shutil
import sys
import tempfile
import time

import numpy as np
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.vibrations import Vibrations

rep, runs = (int(x) for x in (sys.argv[1:] + ['3', '3'][len(sys.argv) - 1:])[:2])
atoms = bulk('Cu', 'fcc', a=3.6, cubic=True).repeat((rep, rep, rep))
atoms.positions += 0.01 * np.random.default_rng(1).normal(size=atoms.positions.shape)
atoms.calc = EMT()
work = tempfile.mkdtemp()


def once():
    v = Vibrations(atoms, name=f'{work}/vib')
    v.clean()
    t0 = time.perf_counter()
    v.run()
    v.get_energies()
    seconds = time.perf_counter() - t0
    v.clean()
    return seconds


once()
times = sorted(once() for _ in range(runs))
shutil.rmtree(work)
print(json.dumps({'impl': 'ase', 'atoms': len(atoms), 'runs': runs, 'seconds': times[len(times) // 2]}))
