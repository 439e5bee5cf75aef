/**
 * EMT molecular dynamics speed: velocity Verlet (NVE, 1 fs) on fcc Cu, rep×rep×rep conventional
 * cells (rep 5: 500 atoms), velocities Maxwell–Boltzmann at 300 K. ASE's side is ase_md_emt.py;
 * bench/sim/compare.sh runs both, one after the other.
 *
 * Run: npx tsx bench/sim/md-emt.ts [rep=5] [steps=500] [warmup=50]
 * Prints one JSON line {impl, atoms, steps, seconds, stepsPerSecond, pairListBuilds}.
 */
import { Rng } from '../../src-shared/model/rng';
import { Atoms, EmtCalculator, maxwellBoltzmann, VelocityVerlet } from '../../src-shared/sim';

const [rep = 5, steps = 500, warmup = 50] = process.argv.slice(2).map(Number);
const a = 3.6;
const basis = [
  [0, 0, 0],
  [0.5, 0.5, 0],
  [0.5, 0, 0.5],
  [0, 0.5, 0.5],
];
const cart: number[] = [];
for (let i = 0; i < rep; i++) for (let j = 0; j < rep; j++) for (let k = 0; k < rep; k++) for (const b of basis) cart.push((i + b[0]) * a, (j + b[1]) * a, (k + b[2]) * a);
const L = rep * a;
const atoms = new Atoms({
  numbers: new Int32Array(cart.length / 3).fill(29),
  cart: Float64Array.from(cart),
  lattice: [
    [L, 0, 0],
    [0, L, 0],
    [0, 0, L],
  ],
  pbc: [true, true, true],
});
maxwellBoltzmann(atoms, 300, new Rng(1));
const calc = new EmtCalculator();
const md = new VelocityVerlet(atoms, calc, 1);
for (let s = 0; s < warmup; s++) await md.step();
const t0 = performance.now();
for (let s = 0; s < steps; s++) await md.step();
const seconds = (performance.now() - t0) / 1000;
console.log(JSON.stringify({ impl: 'latticework', atoms: atoms.length, steps, seconds, stepsPerSecond: steps / seconds, pairListBuilds: calc.pairListBuilds }));
