/**
 * One training step of an exported CGCNN run, as Latticework computes it, for comparison with PyTorch
 * (bench/training/parity-with-cgcnn.sh runs it): `node bench/training/run.mjs --script step-vs-torch
 * --export DIR --out FILE.json [--batch 64] [--workers 2]`.
 *
 * DIR is a `latticework export … --to torch DIR` folder. With its config, split and seeded initial weights
 * (the same as its initial.lwm), on the first `--batch` structures of its training split, it writes the
 * loss, every trainable variable's gradient and the batch-norm running statistics after the step, in
 * this thread (one worker) and data-parallel over `--workers` replica threads; step_vs_torch.py
 * compares them with PyTorch's float32 and float64 computation of the same step.
 */
import { parseArgs } from 'node:util';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src-main/engine/tf/backend';
import { ensureGradients } from '../../src-main/engine/tf/gradients';
import { datasetAtomInit, readDatasetAt, trainingSamples } from '../../src-main/datasets/in-process';
import { parseModelConfig } from '../../src-main/engine/architectures/registry';
import { buildModel } from '../../src-main/engine/layers/model';
import { registerFastMatMulGradient } from '../../src-main/engine/train/matmul-grad';
import { graphModelProgram } from '../../src-main/engine/train/trainer';
import { fitNormalizer } from '../../src-main/engine/train/normalizer';
import { dataParallel } from '../../src-main/workers/parallel/executor';

const { values } = parseArgs({ options: { export: { type: 'string' }, out: { type: 'string' }, batch: { type: 'string', default: '64' }, workers: { type: 'string', default: '2' }, backend: { type: 'string', default: 'wasm' }, script: { type: 'string' } } });
if (!values.export || !values.out) throw new Error('usage: --script step-vs-torch --export DIR --out FILE.json [--batch 64] [--workers 2]');
const dir = values.export;
await initBackend({ force: values.backend });
const problem = await ensureGradients();
if (problem) throw new Error(problem);
registerFastMatMulGradient(); // as trainModel does
const config = parseModelConfig(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')));
const split = JSON.parse(readFileSync(join(dir, 'split.json'), 'utf8')) as { train: number[] };
const data = await readDatasetAt(join(dir, 'data', 'cgcnn'));
const samples = trainingSamples(config, data, datasetAtomInit(data));
const norm = fitNormalizer(Float64Array.from(split.train.map((i) => samples[i].target[0])), 1);
const model = buildModel(config, { seed: config.training.seed });
const program = graphModelProgram(model, samples, norm);
const batch = split.train.slice(0, Number(values.batch));
const named = model.namedVariables();
const trainable = named.filter((v) => v.trainable);
const state = named.filter((v) => !v.trainable);
const initialState = state.map((v) => (v.variable.dataSync() as Float32Array).slice());
const running = () => Object.fromEntries(state.map((v) => [v.name, Array.from(v.variable.dataSync())]));
const gradients = (grads: tf.Tensor[]) => Object.fromEntries(trainable.map((v, i) => [v.name, Array.from(grads[i].dataSync())]));

const local = program.run(batch, batch);
const out: Record<string, unknown> = { batch, local: { loss: local.loss, gradients: gradients(local.grads), running: running() } };
tf.dispose(local.grads);

const workers = Number(values.workers);
if (workers > 1) {
  state.forEach((v, i) => v.variable.assign(tf.tensor(initialState[i], v.variable.shape))); // replicas start from the initial statistics
  const executor = await dataParallel({ workers })({ kind: 'graph-model', init: { config, samples, normalizer: norm } }, program);
  try {
    const step = await executor.step(batch);
    await executor.pullState();
    out.parallel = { workers, loss: step.loss, gradients: gradients(step.grads), running: running() };
    tf.dispose(step.grads);
  } finally {
    await executor.dispose();
  }
}
writeFileSync(values.out, JSON.stringify(out));
console.log(`one step on ${batch.length} structures: loss ${local.loss} (one worker)${out.parallel ? `, ${(out.parallel as { loss: number }).loss} (${workers} workers)` : ''}; written to ${values.out}`);
model.dispose();
