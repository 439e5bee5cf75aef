/**
 * What keeping the symmetry costs a relaxation: 20 FIRE steps of a cell relaxation of a perfect fcc Cu
 * supercell (strained 2 %: the cell moves, the atoms stay on their sites) with EMT, keeping Fm-3m and
 * not, in Latticework (`runSimulation`, the operations found by `symmetryOperations` and counted in) and
 * in ASE 3.22 (Debian's python3-ase: FixSymmetry, ExpCellFilter, FIRE; run in Python, timed there).
 * The overhead of each is its time keeping the symmetry over its time without.
 *
 * Usage: npx tsx bench/sim/keep-symmetry.mts [repeats=3] [ase up to atoms=108]
 * Prints a Markdown table for BENCHMARKS.md. ASE's FixSymmetry maps every operation's atoms in a Python
 * loop (operations × atoms), so it is run on the smaller cells only.
 */
import { execFileSync } from 'node:child_process';
import { symmetryOperations } from '../../src-main/chem/spacegroup';
import { supercell } from '../../src-shared/chem/build';
import type { Structure } from '../../src-shared/chem';
import { EmtCalculator, runSimulation, SIMULATION_DEFAULTS } from '../../src-shared/sim';
import { fccCopper } from '../structures/fcc';
import { medianSeconds } from '../timing';

const repeats = Number(process.argv[2] ?? 3);
const aseUpTo = Number(process.argv[3] ?? 108);
const STEPS = 20;
const A = 3.61 * 1.02;
const fcc = fccCopper(A);

function time<T>(f: () => T | Promise<T>): Promise<[number, T]> {
  return medianSeconds(repeats, f);
}

const params = { ...SIMULATION_DEFAULTS.relax, cell: true, fmax: 1e-9, smax: 1e-9, maxSteps: STEPS, optimizer: 'fire' as const };

async function ours(s: Structure, keep: boolean): Promise<number> {
  const hooks = keep ? { symmetry: await symmetryOperations(s) } : {};
  const out = await runSimulation(s, new EmtCalculator(), { ...params, symmetry: keep }, hooks);
  if (out.summary?.task !== 'relax' || out.summary.steps !== STEPS) throw new Error(`expected ${STEPS} steps: ${out.message}`);
  return out.summary.energy;
}

const python = `
import sys, time, numpy as np
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.constraints import ExpCellFilter
from ase.spacegroup.symmetrize import FixSymmetry
from ase.optimize import FIRE
n, a, steps, repeats = int(sys.argv[1]), float(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
out = []
for keep in (False, True):
    t = []
    for _ in range(repeats):
        s = time.perf_counter()
        atoms = bulk("Cu", "fcc", a=a, cubic=True).repeat((n, n, n))
        atoms.calc = EMT()
        if keep:
            atoms.set_constraint(FixSymmetry(atoms, symprec=0.01))
        opt = FIRE(ExpCellFilter(atoms), logfile=None)
        opt.run(fmax=1e-9, steps=steps)
        t.append(time.perf_counter() - s)
    out.append(sorted(t)[len(t) // 2])
print(*out)
`;

console.log(`# load before: ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
console.log(`| cell | atoms | operations | Latticework, free | keeping Fm-3m | overhead | ASE, free | keeping Fm-3m | overhead |`);
console.log(`| --- | --- | --- | --- | --- | --- | --- | --- | --- |`);
for (const n of [3, 4, 5, 8]) {
  const s = supercell(fcc, [n, n, n]);
  const atoms = s.numbers.length;
  const [free, e1] = await time(() => ours(s, false));
  const [kept, e2] = await time(() => ours(s, true));
  if (Math.abs(e1 - e2) > 1e-8 * atoms) throw new Error(`the two ends differ: ${e1} and ${e2} eV`);
  let ase = ['not run', 'not run', ''];
  if (atoms <= aseUpTo) {
    const [f, k] = execFileSync('/usr/bin/python3', ['-c', python, String(n), String(A), String(STEPS), String(repeats)], { encoding: 'utf8' }).trim().split(' ').map(Number);
    ase = [f.toFixed(3), k.toFixed(3), `${(k / f).toFixed(1)}×`];
  }
  console.log(`| fcc Cu ${n}×${n}×${n} | ${atoms} | ${(await symmetryOperations(s)).rotations.length} | ${free.toFixed(3)} | ${kept.toFixed(3)} | ${(kept / free).toFixed(2)}× | ${ase.join(' | ')} |`);
}
console.log(`# load after: ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
