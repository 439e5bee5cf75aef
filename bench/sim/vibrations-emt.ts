/**
 * Vibrational analysis speed: the harmonic modes (sim/vibrations.ts: 6 EMT force calls per atom, then
 * the 3N×3N eigenproblem) of fcc Cu, rep×rep×rep conventional cells (rep 3: 108 atoms), every atom
 * moved 0.01 Å off its site (seeded) so that no symmetry helps. ASE's side is ase_vibrations_emt.py;
 * bench/sim/compare.sh vibrations runs both, one after the other. The median of `runs` after one warm-up run.
 *
 * Run: npx tsx bench/sim/vibrations-emt.ts [rep=3] [runs=3]
 * Prints one JSON line {impl, atoms, runs, seconds (median), forceCallSeconds, eigenSeconds}.
 */
import { Rng } from '../../src-shared/model/rng';
import { EmtCalculator } from '../../src-shared/sim';
import { vibrations } from '../../src-shared/sim/vibrations';
import { symmetricEigen } from '../../src-shared/sim/matrix';
import { fcc } from '../../test/shared/sim/helpers';

const [rep = 3, runs = 3] = process.argv.slice(2).map(Number);
const atoms = fcc(3.6, rep);
const rng = new Rng(1);
atoms.cart = atoms.cart.map((x) => x + 0.01 * rng.normal());
const calc = new EmtCalculator();
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
await vibrations(atoms, calc);
const times: number[] = [];
let hessian: Float64Array = new Float64Array(0);
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  hessian = (await vibrations(atoms, calc))!.hessian;
  times.push((performance.now() - t0) / 1000);
}
// the eigenproblem alone, on the same Hessian
const n = 3 * atoms.length;
const eigen: number[] = [];
for (let r = 0; r < runs; r++) {
  const t0 = performance.now();
  symmetricEigen(hessian, n);
  eigen.push((performance.now() - t0) / 1000);
}
const seconds = median(times);
console.log(JSON.stringify({ impl: 'latticework', atoms: atoms.length, runs, seconds, forceCallSeconds: seconds - median(eigen), eigenSeconds: median(eigen) }));
