#!/usr/bin/env python3
"""ASE's side of bench/sim/md-emt.ts: velocity Verlet (NVE, 1 fs) with ase.calculators.emt.EMT on fcc
Cu (rep x rep x rep conventional cells), Maxwell-Boltzmann at 300 K.

Run: /usr/bin/python3 bench/sim/ase_md_emt.py [rep=5] [steps=20] [warmup=2]
Prints one JSON line {impl, atoms, steps, seconds, stepsPerSecond}.
"""
import json
import sys
import time

import numpy as np
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution, Stationary
from ase.md.verlet import VelocityVerlet
from ase.units import fs

rep, steps, warmup = (int(x) for x in (sys.argv[1:] + ['5', '20', '2'][len(sys.argv) - 1:])[:3])
atoms = bulk('Cu', 'fcc', a=3.6, cubic=True).repeat((rep, rep, rep))
atoms.calc = EMT()
MaxwellBoltzmannDistribution(atoms, temperature_K=300, rng=np.random.default_rng(1))
Stationary(atoms)
md = VelocityVerlet(atoms, 1 * fs)
md.run(warmup)
t0 = time.perf_counter()
md.run(steps)
seconds = time.perf_counter() - t0
print(json.dumps({'impl': 'ase', 'atoms': len(atoms), 'steps': steps, 'seconds': seconds, 'stepsPerSecond': steps / seconds}))
