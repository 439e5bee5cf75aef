/**
 * One CGCNN training step (forward + backward + SGD update) at the size of issue 5's
 * measurement: 2,000 atoms, 24,000 edges (12 per atom), 3 convolutions, 64 features
 * (cgcnn-paper preset), 100 graphs of 20 atoms, batch-norm in training mode.
 * Also times the forward pass alone and the gather/scatter pair alone.
 *
 * Run: npx tsx bench/engine/train-step.ts [cpu|wasm|tfjs-node] [steps]
 * Prints one JSON line: {backend, steps, stepMs: [...], medianStepMs, forwardMs, scatterMs}.
 */
import * as tf from '@tensorflow/tfjs-core';
import { CGCNN_GAUSSIAN, gaussianExpand } from '../../src-shared/graph/features';
import { presetConfig } from '../../src-main/engine/architectures/registry';
import { Rng } from '../../src-shared/model/rng';
import { buildModel } from '../../src-main/engine/layers/model';
import { fusedGateBackends } from '../../src-main/engine/nn/fused';
import { gatherRows, scatterSum } from '../../src-main/engine/nn/segment';
import type { GraphBatchTensors } from '../../src-main/engine/nn/types';
import { describeBackend, initBackend } from '../../src-main/engine/tf/backend';
import { registerFastMatMulGradient } from '../../src-main/engine/train/matmul-grad';

const backendName = process.argv[2] ?? 'wasm';
const steps = Number(process.argv[3] ?? 3);
const choice = await initBackend({ force: backendName });
console.error(`backend: ${describeBackend(choice)}`);
// The trainer's matmul gradient (explicit transposes; XNNPACK's transposed path is slow).
if (process.env.LW_PLAIN_MATMUL_GRAD !== '1') registerFastMatMulGradient();
// LW_GATE=composite: the unfused batch-norm gate (for side-by-side comparison).
if (process.env.LW_GATE === 'composite') fusedGateBackends.clear();

const G = 100;
const A = 20;
const M = 12;
const N = G * A;
const E = N * M;
const rng = new Rng(1);
const config = presetConfig('cgcnn-paper');
const model = buildModel(config, { seed: 1 });
const neighbor = new Int32Array(E);
const center = new Int32Array(E);
const graphIndex = new Int32Array(N);
for (let i = 0; i < N; i++) {
  const g = Math.floor(i / A);
  graphIndex[i] = g;
  for (let k = 0; k < M; k++) {
    center[i * M + k] = i;
    neighbor[i * M + k] = g * A + rng.int(A);
  }
}
const nodeFeatures = new Float32Array(N * 92);
for (let i = 0; i < N; i++) for (let b = 0; b < 9; b++) nodeFeatures[i * 92 + b * 10 + rng.int(10)] = 1;
const distance = Float32Array.from({ length: E }, () => rng.uniform(1.5, 8));
const edgeFeatures = gaussianExpand(distance, CGCNN_GAUSSIAN); // [E, 41]
const batch: GraphBatchTensors = {
  nodeFeatures: tf.tensor2d(nodeFeatures, [N, 92]),
  edgeFeatures: tf.tensor2d(edgeFeatures, [E, 41]),
  center: tf.tensor1d(center, 'int32'),
  neighbor: tf.tensor1d(neighbor, 'int32'),
  distance: tf.tensor1d(distance),
  graphIndex: tf.tensor1d(graphIndex, 'int32'),
  numNodes: N,
  numEdges: E,
  numGraphs: G,
};
const target = tf.randomNormal([G, 1], 0, 1, 'float32', 3);
const vars = model.trainableVariables();

function step(): void {
  tf.tidy(() => {
    const { grads } = tf.variableGrads(() => tf.mean(tf.square(tf.sub(model.apply(batch, true), target))) as tf.Scalar, vars);
    for (const v of vars) v.assign(tf.sub(v, tf.mul(grads[v.name], 0.01)));
  });
}

const stepMs: number[] = [];
const stepCpuMs: number[] = [];
for (let s = 0; s <= steps; s++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  step();
  await tf.ready();
  vars[0].dataSync(); // wait for the update to land
  const dt = performance.now() - t0;
  const c = process.cpuUsage(c0);
  if (s > 0) {
    stepMs.push(dt); // first step is warm-up
    stepCpuMs.push((c.user + c.system) / 1000);
  }
}
const t0 = performance.now();
tf.tidy(() => model.apply(batch, true).dataSync());
const forwardMs = performance.now() - t0;
const x = tf.randomNormal([N, 64]) as tf.Tensor2D;
const t1 = performance.now();
tf.tidy(() => tf.grad((v: tf.Tensor) => tf.sum(scatterSum(gatherRows(v as tf.Tensor2D, batch.neighbor as tf.Tensor1D), batch.center as tf.Tensor1D, N)))(x).dataSync());
const scatterMs = performance.now() - t1;
const sorted = [...stepMs].sort((a, b) => a - b);
console.log(JSON.stringify({ backend: choice.candidate, gate: fusedGateBackends.has(choice.name) ? 'fused' : 'composite', atoms: N, edges: E, steps, stepMs: stepMs.map((v) => Math.round(v)), medianStepMs: Math.round(sorted[Math.floor(sorted.length / 2)]), medianStepCpuMs: Math.round([...stepCpuMs].sort((a, b) => a - b)[Math.floor(stepCpuMs.length / 2)]), forwardMs: Math.round(forwardMs), scatterGatherFwdBwdMs: Math.round(scatterMs) }));
