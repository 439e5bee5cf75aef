/**
 * What the MD loop adds to a trained potential's inference (issue 14: under 10 %): the same number
 * of energy + forces evaluations of an fcc Cu cell (rep×rep×rep conventional cells; rep 6: 864
 * atoms), once as bare `calculate` calls on a fixed structure and once as velocity-Verlet steps
 * (300 K, 1 fs) that move the atoms between calls, then as steps each followed by the check of the
 * frame against the potential's training structures that the app runs on every frame it records
 * (TrajectoryDomainWatch, src-shared/model/potential-domain).
 *
 * Run: npx tsx bench/sim/md-potential.ts MODEL.lwm [rep=6] [steps=20] [backend=wasm]
 * Prints one JSON line {model, atoms, steps, inferenceSeconds, mdSeconds, overhead, checkedSeconds,
 * checkedOverhead} with overhead = mdSeconds / inferenceSeconds − 1 and checkedOverhead =
 * checkedSeconds / inferenceSeconds − 1.
 */
import { readFileSync } from 'node:fs';
import { TrajectoryDomainWatch } from '../../src-shared/model/potential-domain';
import { Rng } from '../../src-shared/model/rng';
import { Atoms, maxwellBoltzmann, VelocityVerlet } from '../../src-shared/sim';
import { decodeModelFile } from '../../src-main/engine/models/format';
import { PotentialCalculator } from '../../src-main/engine/potential/calculator';
import { LoadedPotential } from '../../src-main/engine/potential/file';
import { initBackend } from '../../src-main/engine/tf/backend';

const [modelFile, repArg = '6', stepsArg = '20', backend = 'wasm'] = process.argv.slice(2);
if (!modelFile) throw new Error('usage: md-potential.ts MODEL.lwm [rep] [steps] [backend]');
const rep = Number(repArg);
const steps = Number(stepsArg);
await initBackend({ force: backend });
const file = decodeModelFile(new Uint8Array(readFileSync(modelFile)));
const calc = new PotentialCalculator(new LoadedPotential(file));
const a = 3.6;
const cart: number[] = [];
for (let i = 0; i < rep; i++) for (let j = 0; j < rep; j++) for (let k = 0; k < rep; k++) for (const b of [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]]) cart.push((i + b[0]) * a, (j + b[1]) * a, (k + b[2]) * a);
const L = rep * a;
const atoms = new Atoms({ numbers: new Int32Array(cart.length / 3).fill(29), cart: Float64Array.from(cart), lattice: [[L, 0, 0], [0, L, 0], [0, 0, L]], pbc: [true, true, true] });
maxwellBoltzmann(atoms, 300, new Rng(1));
// MD asks for the stress only for a bulk structure (it logs the pressure): the bare calls do too
await calc.calculate(atoms, { stress: true });
let t0 = performance.now();
for (let s = 0; s < steps; s++) await calc.calculate(atoms, { stress: true });
const inferenceSeconds = (performance.now() - t0) / 1000;
const md = new VelocityVerlet(atoms, calc, 1);
await md.current();
t0 = performance.now();
for (let s = 0; s < steps; s++) {
  await md.step();
  await md.observe();
}
const mdSeconds = (performance.now() - t0) / 1000;
const watch = new TrajectoryDomainWatch(file.header.domain ?? null, { numbers: atoms.numbers, pbc: [true, true, true] });
t0 = performance.now();
for (let s = 0; s < steps; s++) {
  await md.step();
  const o = await md.observe();
  watch.see({ step: s, lattice: atoms.lattice, cart: atoms.cart, energy: o.potential });
}
const checkedSeconds = (performance.now() - t0) / 1000;
console.log(
  JSON.stringify({ model: calc.name, atoms: atoms.length, steps, inferenceSeconds, mdSeconds, overhead: mdSeconds / inferenceSeconds - 1, checkedSeconds, checkedOverhead: checkedSeconds / inferenceSeconds - 1, warnings: watch.warnings }),
);
calc.dispose();
