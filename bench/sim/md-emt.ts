/**
 * EMT molecular dynamics speed: velocity Verlet (NVE, 1 fs) on fcc Cu, rep×rep×rep conventional
 * cells (rep 5: 500 atoms), velocities Maxwell–Boltzmann at 300 K. ASE's side is ase_md_emt.py;
 * bench/sim/compare.sh runs both, one after the other.
 *
 * Run: npx tsx bench/sim/md-emt.ts [rep=5] [steps=500] [warmup=50]
 * Prints one JSON line {impl, atoms, steps, seconds, stepsPerSecond, pairListBuilds}.
 */
import { Rng } from '../../src-shared/model/rng';
import { EmtCalculator, maxwellBoltzmann, VelocityVerlet } from '../../src-shared/sim';
import { fcc } from '../../test/shared/sim/helpers';

const [rep = 5, steps = 500, warmup = 50] = process.argv.slice(2).map(Number);
const atoms = fcc(3.6, rep);
maxwellBoltzmann(atoms, 300, new Rng(1));
const calc = new EmtCalculator();
const md = new VelocityVerlet(atoms, calc, 1);
for (let s = 0; s < warmup; s++) await md.step();
const t0 = performance.now();
for (let s = 0; s < steps; s++) await md.step();
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ impl: 'latticework', atoms: atoms.length, steps, seconds, stepsPerSecond: steps / seconds, pairListBuilds: calc.pairListBuilds }));
