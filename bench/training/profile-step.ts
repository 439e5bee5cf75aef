/**
 * Profiles one CGCNN training step (forward, backward, optimiser) on a batch of the
 * EMT data: `node bench/training/run.mjs --script profile-step [--backend wasm]`.
 */
import { parseArgs } from 'node:util';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend } from '../../src-main/engine/tf/backend';
import { ensureGradients } from '../../src-main/engine/tf/gradients';
import { datasetAtomInit, readDatasetAt, trainingSamples } from '../../src-main/datasets/in-process';
import { batchGraphs } from '../../src-shared/graph/batch';
import { batchToTensors } from '../../src-main/engine/train/data';
import { presetConfig } from '../../src-main/engine/architectures/registry';
import { buildModel } from '../../src-main/engine/layers/model';
import { registerFastMatMulGradient } from '../../src-main/engine/train/matmul-grad';
import { shared } from '../../test/helpers/shared-data';
import * as cpuBackend from '@tensorflow/tfjs-backend-cpu';
void cpuBackend.version_cpu;

const { values } = parseArgs({ options: { backend: { type: 'string', default: 'wasm' }, preset: { type: 'string', default: 'cgcnn-paper' }, batch: { type: 'string', default: '256' }, script: { type: 'string' }, 'slow-grad': { type: 'boolean' } } });
await initBackend({ force: values.backend });
await ensureGradients();
if (!process.argv.includes('--slow-grad')) registerFastMatMulGradient();
const config = presetConfig(values.preset!);
const data = await readDatasetAt(shared('emt-dev', 'cgcnn'), { limit: Number(values.batch) });
const samples = trainingSamples(config, data, datasetAtomInit(data));
const model = buildModel(config);
const gb = batchGraphs(samples.map((s) => s.graph));
console.log(`batch: ${gb.nGraphs} graphs, ${gb.nNodes} atoms, ${gb.nEdges} edges`);
const bt = batchToTensors(gb);
const vars = model.trainableVariables();
const y = tf.zeros([gb.nGraphs, 1]);
for (let rep = 0; rep < 3; rep++) {
  let t = performance.now();
  const o = model.apply(bt, true);
  await o.data();
  const fwd = performance.now() - t;
  o.dispose();
  t = performance.now();
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.squaredDifference(model.apply(bt, true), y)) as tf.Scalar, vars);
  await value.data();
  const fb = performance.now() - t;
  tf.dispose(grads);
  value.dispose();
  console.log(`forward ${fwd.toFixed(0)} ms, forward+backward ${fb.toFixed(0)} ms`);
}
const prof = await tf.profile(() => {
  const { value, grads } = tf.variableGrads(() => tf.mean(tf.squaredDifference(model.apply(bt, true), y)) as tf.Scalar, vars);
  tf.dispose(grads);
  return value;
});
const byKernel = new Map<string, number>();
for (const k of prof.kernels) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0));
console.log([...byKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 15).map(([k, v]) => `${k} ${v.toFixed(0)} ms`).join('\n'));
const calls = prof.kernels.filter((k) => ['LwTransposedProduct', 'BatchMatMul', 'LwScatterSum', 'LwBnGateFwd', 'LwWindowedProduct'].includes(k.name));
console.log(calls.map((k) => `${k.name} ${JSON.stringify(k.inputShapes)} ${(k.kernelTimeMs as number).toFixed(1)}`).join('\n'));
const nodeLevel = new Map<string, number>();
for (const k of prof.kernels) {
  const shapes = k.inputShapes as number[][];
  if (k.name.startsWith('Lw') || k.name === 'BatchMatMul' || k.name === 'unnamed scope') continue;
  if (!shapes.some((s) => s && s[0] === gb.nNodes)) continue;
  nodeLevel.set(k.name, (nodeLevel.get(k.name) ?? 0) + (k.kernelTimeMs as number));
}
console.log('node-level tfjs kernels:', [...nodeLevel].map(([k, v]) => `${k} ${v.toFixed(1)}`).join(', '), 'total', [...nodeLevel.values()].reduce((a, b) => a + b, 0).toFixed(1));
