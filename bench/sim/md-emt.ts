/**
 * EMT molecular dynamics speed: velocity Verlet (NVE, 1 fs) on fcc Cu, rep×rep×rep conventional
 * cells (rep 5: 500 atoms), velocities Maxwell–Boltzmann at 300 K. ASE's side is ase_md_emt.py;
 * bench/sim/compare.sh md runs both, one after the other.
 *
 * Then the same number of steps as the app and the command line run them (`runSimulation`: the
 * per-step values with the mean squared displacement, a frame every 10 steps; its own pair list,
 * built once at its start), after a warm-up run: `loopStepsPerSecond`, and `loopOverhead` = its time
 * per step / the bare integrator's − 1.
 *
 * Run: npx tsx bench/sim/md-emt.ts [rep=5] [steps=500] [warmup=50]
 * Prints one JSON line {impl, atoms, steps, seconds, stepsPerSecond, pairListBuilds, loopStepsPerSecond, loopOverhead}.
 */
import { Rng } from '../../src-shared/model/rng';
import { EmtCalculator, maxwellBoltzmann, runSimulation, SIMULATION_DEFAULTS, VelocityVerlet } from '../../src-shared/sim';
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

const structure = fcc(3.6, rep).toStructure('Cu');
const loop = (n: number) => runSimulation(structure, new EmtCalculator(), { ...SIMULATION_DEFAULTS.md, ensemble: 'nve', temperature: 300, timestep: 1, steps: n, every: 10 }, { onStep: () => {}, onFrame: () => {} });
await loop(warmup);
const t1 = performance.now();
const done = await loop(steps);
if (done.status !== 'finished') throw new Error(`the loop's run did not finish: ${done.message}`);
const loopSeconds = (performance.now() - t1) / 1000;
console.log(
  JSON.stringify({
    impl: 'latticework',
    atoms: atoms.length,
    steps,
    seconds,
    stepsPerSecond: steps / seconds,
    pairListBuilds: calc.pairListBuilds,
    loopStepsPerSecond: steps / loopSeconds,
    loopOverhead: loopSeconds / seconds - 1,
  }),
);
