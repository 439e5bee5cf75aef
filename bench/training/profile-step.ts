/**
 * Where one training step's time goes, by kernel, as training runs it now (issue 15):
 * `node bench/training/run.mjs --script profile-step [--preset cgcnn-paper] [--batch 256] [--workers N] [--reps 3] [--backend wasm]`.
 *
 * A data-parallel step (`latticework train`'s default on wasm: one worker per core) is: each replica
 * runs the model's training program (engine/train/trainer graphModelProgram: forward in training
 * mode, the loss, its gradients) on its share of the batch, with batch norm's statistics reduced over
 * the replicas (nn/batch-sync); the gradients are added in replica order and the loop applies its
 * optimiser once. This script
 *
 * 1. runs replica 0's share of the first `--batch` emt-dev structures (shares cut by engine/train/steps
 *    shareBounds, as the executor cuts them) in this thread through the same program, under a batch
 *    reducer (a stand-in that returns this share's sums, so every read-back of the synchronised batch
 *    norm runs), followed by the preset's optimiser step, and prints the kernel breakdown of `--reps` such
 *    steps (tf.profile: each kernel's time and share of the kernel total);
 * 2. times the whole data-parallel step (the executor with `--workers` replicas in worker threads, the
 *    gradient sum and the optimiser) against the share's own computation: the difference is what
 *    the synchronisation and the gradient exchange cost.
 *
 * Shares under load are meaningful; the absolute times only on a quiet machine.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, describeBackend } from '../../src-main/engine/tf/backend';
import { ensureGradients } from '../../src-main/engine/tf/gradients';
import { datasetAtomInit, readDatasetAt, trainingSamples } from '../../src-main/datasets/in-process';
import { presetConfig } from '../../src-main/engine/architectures/registry';
import { buildModel } from '../../src-main/engine/layers/model';
import { registerFastMatMulGradient } from '../../src-main/engine/train/matmul-grad';
import { graphModelProgram } from '../../src-main/engine/train/trainer';
import { fitNormalizer } from '../../src-main/engine/train/normalizer';
import { Optimizer } from '../../src-main/engine/train/optimizers';
import { shareBounds } from '../../src-main/engine/train/steps';
import { withBatchReducer } from '../../src-main/engine/nn/batch-sync';
import { dataParallel } from '../../src-main/workers/parallel/executor';
import { defaultTrainingWorkers } from '../../src-main/workers/parallel/workers';
import { shared } from '../../test/helpers/shared-data';

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'wasm' }, preset: { type: 'string', default: 'cgcnn-paper' }, batch: { type: 'string', default: '256' }, workers: { type: 'string' }, reps: { type: 'string', default: '3' }, script: { type: 'string' } } });
const choice = await initBackend({ force: values.backend });
const problem = await ensureGradients();
if (problem) throw new Error(problem);
registerFastMatMulGradient(); // as trainModel does
const config = presetConfig(values.preset!);
const data = await readDatasetAt(shared('emt-dev', 'cgcnn'), { limit: Number(values.batch) });
const samples = trainingSamples(config, data, datasetAtomInit(data));
const workers = values.workers ? Number(values.workers) : defaultTrainingWorkers(choice.candidate).default;
const batch = samples.map((_, i) => i);
const norm = fitNormalizer(Float64Array.from(samples.map((s) => s.target[0])), 1);
const model = buildModel(config, { seed: config.training.seed });
const program = graphModelProgram(model, samples, norm);
const optimizer = new Optimizer(config.training.optimizer, config.training.weightDecay, program.trainable);
const bounds = shareBounds(batch.map((i) => program.cost!(i)), workers);
const share = batch.slice(bounds[0], bounds[1]);
const atoms = (idx: number[]) => idx.reduce((s, i) => s + samples[i].graph.nNodes, 0);
const edges = (idx: number[]) => idx.reduce((s, i) => s + samples[i].graph.nEdges, 0);
console.log(`backend ${describeBackend(choice)}; preset ${values.preset} (${config.training.optimizer.kind}); batch ${batch.length} structures, ${atoms(batch)} atoms, ${edges(batch)} edges; ${workers} worker(s): replica 0's share ${share.length} structures, ${atoms(share)} atoms, ${edges(share)} edges`);

// 1. replica 0's share and the optimiser step, in this thread
const passThrough = { allReduce: (local: Float64Array) => local.slice() };
const shareStep = () =>
  withBatchReducer(passThrough, () => {
    const r = program.run(batch, share);
    optimizer.apply(r.grads, config.training.optimizer.lr, config.training.gradClipNorm);
    tf.dispose(r.grads);
  });
const plainStep = () => {
  const r = program.run(batch, batch);
  optimizer.apply(r.grads, config.training.optimizer.lr, config.training.gradClipNorm);
  tf.dispose(r.grads);
};
const step = workers > 1 ? shareStep : plainStep;
const shareMs: number[] = [];
for (let rep = 0; rep < 3; rep++) {
  const t = performance.now();
  step();
  shareMs.push(performance.now() - t);
}
console.log(`replica 0's share + optimiser, in this thread: ${shareMs.map((x) => x.toFixed(0)).join(', ')} ms`);
const reps = Number(values.reps);
const prof = await tf.profile(() => {
  for (let r = 0; r < reps; r++) step();
});
const byKernel = new Map<string, { ms: number; calls: number }>();
// tf.customGrad's forward functions show as 'unnamed scope' with the time of the kernels inside them,
// which are listed themselves: left out of the breakdown so that nothing counts twice
let scopes = 0;
for (const k of prof.kernels) {
  if (k.name === 'unnamed scope') {
    scopes++;
    continue;
  }
  const e = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
  e.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
  e.calls++;
  byKernel.set(k.name, e);
}
const kernelTotal = [...byKernel.values()].reduce((s, e) => s + e.ms, 0);
const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
console.log(`\n${reps} steps profiled: kernel time ${kernelTotal.toFixed(0)} ms over ${prof.kernels.length - scopes} kernel calls (${scopes} custom-gradient scopes not counted: their kernels are):`);
console.log('| kernel | calls | ms | share of kernel time |');
console.log('| --- | --- | --- | --- |');
for (const [name, e] of rows.slice(0, 20)) console.log(`| ${name} | ${e.calls} | ${e.ms.toFixed(1)} | ${((100 * e.ms) / kernelTotal).toFixed(1)} % |`);
const rest = rows.slice(20).reduce((s, [, e]) => s + e.ms, 0);
if (rest > 0) console.log(`| ${rows.length - 20} others | | ${rest.toFixed(1)} | ${((100 * rest) / kernelTotal).toFixed(1)} % |`);

// 2. the whole data-parallel step, as the training loop runs it
if (workers > 1) {
  const executor = await dataParallel({ workers })({ kind: 'graph-model', init: { config, samples, normalizer: norm } }, program);
  const wallMs: number[] = [];
  try {
    for (let rep = 0; rep < 4; rep++) {
      const t = performance.now();
      const r = await executor.step(batch);
      optimizer.apply(r.grads, config.training.optimizer.lr, config.training.gradClipNorm);
      executor.weightsChanged();
      tf.dispose(r.grads);
      wallMs.push(performance.now() - t);
    }
  } finally {
    await executor.dispose();
  }
  const steady = wallMs.slice(1);
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  console.log(`\ndata-parallel step (${workers} replicas, gradient sum, optimiser), wall: ${wallMs.map((x) => x.toFixed(0)).join(', ')} ms (first one warms the replicas up)`);
  console.log(`median ${median(steady).toFixed(0)} ms against ${median(shareMs).toFixed(0)} ms for replica 0's share in this thread: synchronisation and exchange ≈ ${(median(steady) - median(shareMs)).toFixed(0)} ms`);
}
optimizer.dispose();
model.dispose();
