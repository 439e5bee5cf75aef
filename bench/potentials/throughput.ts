/**
 * Training throughput of a potential preset on EMT frames: full training steps (energy, forces and
 * stress, their weight gradients, Adam) on the first BATCHES × BATCH frames of emt-dev, in file order.
 * The PyTorch twin runs the same frames and model in bench/potentials/torch_throughput.py; compare.sh
 * runs both one after the other.
 *
 * Run: npx tsx bench/potentials/throughput.ts [backend=wasm] [preset=painn-potential] [batches=10] [batch=16]
 *      npx tsx bench/potentials/throughput.ts --config PRESET   (prints the preset's resolved config, for the twin)
 * Prints one JSON line: {backend, preset, frames, atoms, edges, steps, seconds, atomsPerSecond, cpuSeconds,
 * atomsPerCpuSecond} (CPU time of the process, all threads: a load-tolerant proxy, not the goal's measure).
 */
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs-core';
import { readFrames } from '../../src-shared/chem';
import { isPotentialPreset, potentialPresetConfig } from '../../src-main/engine/architectures/registry';
import { batchPotentialGraphs, potentialGraph } from '../../src-main/engine/potential/frames';
import { batchTargets, disposeTargets, potentialLoss } from '../../src-main/engine/potential/loss';
import { disposePotentialBatch, PotentialModel, potentialBatchTensors } from '../../src-main/engine/potential/model';
import { fitEnergyStatistics } from '../../src-main/engine/potential/statistics';
import { initBackend } from '../../src-main/engine/tf/backend';
import { registerFastMatMulGradient } from '../../src-main/engine/train/matmul-grad';
import { Optimizer } from '../../src-main/engine/train/optimizers';
import { SHARED_DATA } from '../../test/helpers/shared-data';

if (process.argv[2] === '--config') {
  const id = process.argv[3] ?? 'painn-potential';
  if (!isPotentialPreset(id)) throw new Error(`unknown preset ${id}`);
  console.log(JSON.stringify(potentialPresetConfig(id)));
  process.exit(0);
}
const [backend = 'wasm', preset = 'painn-potential', nb = '10', bs = '16'] = process.argv.slice(2);
if (!isPotentialPreset(preset)) throw new Error(`unknown preset ${preset}`);
await initBackend({ force: backend });
registerFastMatMulGradient();
const config = potentialPresetConfig(preset);
const file = `${SHARED_DATA}/emt-dev/emt_dataset.extxyz`;
const batches = Number(nb);
const size = Number(bs);
const frames = readFrames(file, readFileSync(file, 'utf8')).frames.slice(0, batches * size);
const model = new PotentialModel(config);
const st = fitEnergyStatistics(frames, config.model.maxZ);
model.setEnergyStatistics(st.reference, st.scale, st.shift);
const vars = model.trainableVariables();
const opt = new Optimizer(config.training.optimizer, 0, vars);
const parts = Array.from({ length: batches }, (_, b) => frames.slice(b * size, (b + 1) * size));
const prepared = parts.map((p) => {
  const batch = batchPotentialGraphs(p.map((f) => potentialGraph(f.structure, config.radial.cutoff)));
  return { batch, frames: p };
});
const step = (k: number) => {
  const { batch, frames: fr } = prepared[k];
  const t = potentialBatchTensors(batch);
  const targets = batchTargets(fr, batch, { energy: true, forces: true, stress: true });
  const { value, grads } = tf.variableGrads(() => potentialLoss(model.evaluate(t, { forces: true, stress: true, training: true }), targets, config.training.loss), vars);
  opt.apply(vars.map((v) => grads[v.name]), config.training.optimizer.lr, config.training.gradClipNorm);
  value.dataSync();
  tf.dispose([value, ...Object.values(grads)]);
  disposeTargets(targets);
  disposePotentialBatch(t);
};
step(0); // warm-up (kernel compilation, first allocations)
const t0 = performance.now();
const c0 = process.cpuUsage();
for (let k = 0; k < batches; k++) step(k);
const seconds = (performance.now() - t0) / 1000;
const c = process.cpuUsage(c0);
const cpuSeconds = (c.user + c.system) / 1e6;
const atoms = prepared.reduce((s, p) => s + p.batch.numAtoms, 0);
const edges = prepared.reduce((s, p) => s + p.batch.numEdges, 0);
console.log(JSON.stringify({ impl: 'latticework', backend, preset, frames: frames.length, atoms, edges, steps: batches, seconds: +seconds.toFixed(3), atomsPerSecond: Math.round(atoms / seconds), cpuSeconds: +cpuSeconds.toFixed(3), atomsPerCpuSecond: Math.round(atoms / cpuSeconds) }));
