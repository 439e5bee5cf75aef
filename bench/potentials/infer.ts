/**
 * Inference for simulation: energy and forces of a 1,000-atom cell (fcc Cu, 5 × 5 × 10 conventional
 * cells, rattled by 0.05 Å) with a preset's model (random weights: the cost does not depend on them),
 * including the neighbour graph, as a calculator call in MD would: the atoms move a little between
 * calls and the calculator keeps its Verlet pair list (`searches`: how many neighbour searches the
 * calls ran; `graphMs`: one fresh search, for comparison). Goal (issue 13): < 100 ms with the
 * default preset. The PyTorch twin's time on the same cell: bench/potentials/torch_infer.py.
 *
 * Run: npx tsx bench/potentials/infer.ts [backend=wasm] [preset=painn-potential] [repeats=10] [overrides={}]
 * (overrides: a config JSON merged over the preset, a candidate default, e.g. '{"model":{"features":96}}')
 * Prints one JSON line: {impl, backend, preset, atoms, edges, medianMs, searches, minMs, cpuMinMs, cpuMedianMs, graphMs}
 * (cpuMinMs, cpuMedianMs: the process's CPU time per call, all threads, user + system: comparable
 * between trees on a loaded machine, where wall times are not).
 */
import type { Mat3 } from '../../src-shared/chem/structure';
import { isPotentialPreset, potentialPresetConfig } from '../../src-main/engine/architectures/registry';
import { PotentialCalculator } from '../../src-main/engine/potential/calculator';
import { LoadedPotential, potentialModelFile } from '../../src-main/engine/potential/file';
import { potentialGraph } from '../../src-main/engine/potential/frames';
import { PotentialModel } from '../../src-main/engine/potential/model';
import { initBackend } from '../../src-main/engine/tf/backend';

const [backend = 'wasm', preset = 'painn-potential', reps = '10', overrides = '{}'] = process.argv.slice(2);
if (!isPotentialPreset(preset)) throw new Error(`unknown preset ${preset}`);
await initBackend({ force: backend });
const config = potentialPresetConfig(preset, JSON.parse(overrides) as Record<string, unknown>);

/** fcc Cu, 5 × 5 × 10 conventional cells, rattled (seeded). */
function copperCell(): { numbers: Int32Array; cart: Float64Array; lattice: Mat3; pbc: [boolean, boolean, boolean] } {
  const a = 3.61;
  const basis = [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]];
  const cart: number[] = [];
  let s = 12345;
  const rnd = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648 - 0.5) * 0.1;
  for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) for (let k = 0; k < 10; k++) for (const b of basis) cart.push((i + b[0]) * a + rnd(), (j + b[1]) * a + rnd(), (k + b[2]) * a + rnd());
  return { numbers: new Int32Array(cart.length / 3).fill(29), cart: Float64Array.from(cart), lattice: [[5 * a, 0, 0], [0, 5 * a, 0], [0, 0, 10 * a]], pbc: [true, true, true] };
}

const cell = copperCell();
const shapes = new PotentialModel(config);
const potential = new LoadedPotential(potentialModelFile({ name: preset, config, members: [shapes.getWeights()], provenance: { source: 'other', createdAt: new Date().toISOString(), software: 'latticework' } }));
shapes.dispose();
const calc = new PotentialCalculator(potential);
const atoms = cell;
await calc.calculate(atoms, { stress: false }); // warm-up (and the pair list's first search)
const times: number[] = [];
const cpu: number[] = [];
for (let r = 0; r < Number(reps); r++) {
  // an MD-like sequence: every atom moves by up to 0.002 Å per call (the pair list is kept until they moved too far)
  for (let i = 0; i < atoms.cart.length; i++) atoms.cart[i] += 0.002 * Math.sin(7 * i + r);
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  await calc.calculate(atoms, { stress: false });
  const c = process.cpuUsage(c0);
  times.push(performance.now() - t0);
  cpu.push((c.user + c.system) / 1000);
}
const g0 = performance.now();
const g = potentialGraph(atoms, config.radial.cutoff);
const graphMs = performance.now() - g0;
times.sort((x, y) => x - y);
cpu.sort((x, y) => x - y);
console.log(JSON.stringify({ impl: 'latticework', backend, preset, overrides: JSON.parse(overrides) as unknown, atoms: cell.numbers.length, edges: g.center.length, medianMs: +times[times.length >> 1].toFixed(1), searches: calc.neighborSearches, minMs: +times[0].toFixed(1), cpuMinMs: +cpu[0].toFixed(1), cpuMedianMs: +cpu[cpu.length >> 1].toFixed(1), graphMs: +graphMs.toFixed(1) }));
calc.dispose();
