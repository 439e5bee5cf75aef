/**
 * An ASE MD run's trajectory file, written here by Debian's python3-ase (`.ci/run` installs it): 32 Cu
 * atoms (fcc, 2×2×2 cubic cells) from Maxwell–Boltzmann velocities, velocity Verlet with ASE's EMT,
 * `md.traj` in `dir` with a frame every `every` steps. Returns ASE's reading of each frame's potential
 * and kinetic energy (eV).
 */
import { python } from './python';

export function aseMdTrajectory(dir: string, options: { temperature: number; seed: number; steps: number; every: number }): { potential: number[]; kinetic: number[] } {
  const script = [
    'import json, numpy as np',
    'from ase.build import bulk',
    'from ase.calculators.emt import EMT',
    'from ase.io import read',
    'from ase.md.velocitydistribution import MaxwellBoltzmannDistribution',
    'from ase.md.verlet import VelocityVerlet',
    "a = bulk('Cu', 'fcc', a=3.6, cubic=True).repeat((2, 2, 2))",
    `MaxwellBoltzmannDistribution(a, temperature_K=${options.temperature}, rng=np.random.default_rng(${options.seed}))`,
    'a.calc = EMT()',
    `VelocityVerlet(a, timestep=0.2, trajectory='md.traj', loginterval=${options.every}).run(${options.steps})`,
    "frames = read('md.traj', ':')",
    "print(json.dumps({'potential': [x.get_potential_energy() for x in frames], 'kinetic': [x.get_kinetic_energy() for x in frames]}))",
  ].join('\n');
  return JSON.parse(python(['-c', script], dir)) as { potential: number[]; kinetic: number[] };
}
