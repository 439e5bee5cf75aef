import * as tf from '@tensorflow/tfjs-core';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { Rng } from '../../../../src-shared/model/rng';
import { CgcnnConv } from '../../../../src-main/engine/architectures/cgcnn';
import type { GraphBatchTensors } from '../../../../src-main/engine/nn/types';
import { describeEachBackend, expectClose, expectNoLeak, finiteDifference, seededRandom } from '../helpers';

interface Golden {
  N: number; M: number; F: number; Fe: number;
  h: number[]; e: number[]; nbr: number[]; W: number[];
  fc_weight: number[]; fc_bias: number[];
  bn1: { weight: number[]; bias: number[] }; bn2: { weight: number[]; bias: number[] };
  out: number[]; bn1_running_mean: number[]; bn1_running_var: number[];
  grad_h: number[]; grad_fc_weight: number[];
}
const golden = JSON.parse(readFileSync(path.join(__dirname, '../../../fixtures/engine/cgcnn-conv-train.json'), 'utf8')) as Golden;

function batchOf(g: Golden): GraphBatchTensors {
  const E = g.N * g.M;
  // CGCNN's row n·M + m: centre n aggregates neighbour nbr[n, m].
  return {
    nodeFeatures: tf.zeros([g.N, 1]),
    edgeFeatures: tf.tensor2d(g.e, [E, g.Fe]),
    center: tf.tensor1d(Array.from({ length: E }, (_, k) => Math.floor(k / g.M)), 'int32'),
    neighbor: tf.tensor1d(g.nbr, 'int32'),
    distance: tf.zeros([E]),
    graphIndex: tf.zeros([g.N], 'int32'),
    numNodes: g.N,
    numEdges: E,
    numGraphs: 1,
  } as GraphBatchTensors;
}

describeEachBackend('CgcnnConv', () => {
  it('training mode matches PyTorch: output, running stats, gradients (incl. through batch statistics)', () => {
    const g = golden;
    const conv = new CgcnnConv('convs.0', g.F, g.Fe, new Rng(1));
    conv.fcFull.setTorchWeights(Float32Array.from(g.fc_weight), Float32Array.from(g.fc_bias));
    const F2 = 2 * g.F;
    conv.bn1.setTorchState({ weight: Float32Array.from(g.bn1.weight), bias: Float32Array.from(g.bn1.bias), running_mean: new Float32Array(F2), running_var: new Float32Array(F2).fill(1) });
    conv.bn2.setTorchState({ weight: Float32Array.from(g.bn2.weight), bias: Float32Array.from(g.bn2.bias), running_mean: new Float32Array(g.F), running_var: new Float32Array(g.F).fill(1) });
    const batch = batchOf(g);
    const h = tf.tensor2d(g.h, [g.N, g.F]);
    const W = tf.tensor2d(g.W, [g.N, g.F]);
    const out = tf.tidy(() => conv.call({ h: h as tf.Tensor2D, e: batch.edgeFeatures }, batch, true).h.dataSync());
    expectClose(out, g.out, 2e-5, 1e-4);
    expectClose(conv.bn1.runningMean.dataSync(), g.bn1_running_mean, 1e-5, 1e-4);
    expectClose(conv.bn1.runningVar.dataSync(), g.bn1_running_var, 1e-5, 1e-4);
    const { gh, gw } = tf.tidy(() => {
      const f = () => tf.sum(tf.mul(W, conv.call({ h: h as tf.Tensor2D, e: batch.edgeFeatures }, batch, true).h)) as tf.Scalar;
      const gh = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(W, conv.call({ h: x as tf.Tensor2D, e: batch.edgeFeatures }, batch, true).h)) as tf.Scalar)(h).dataSync();
      const { grads } = tf.variableGrads(f, [conv.fcFull.kernel]);
      return { gh, gw: grads[conv.fcFull.kernel.name].dataSync() };
    });
    expectClose(gh, g.grad_h, 2e-4, 2e-3);
    // Our kernel is [in, out]; PyTorch's weight gradient is [out, in].
    const inF = 2 * g.F + g.Fe;
    const gwTorch = new Float32Array(gw.length);
    for (let i = 0; i < inF; i++) for (let o = 0; o < F2; o++) gwTorch[o * inF + i] = gw[i * F2 + o];
    expectClose(gwTorch, g.grad_fc_weight, 2e-4, 2e-3);
    tf.dispose([h, W, ...Object.values(batch).filter((v) => v instanceof tf.Tensor)]);
    conv.dispose();
  });

  it('eval-mode gradient wrt node states matches finite differences; no leaks', () => {
    const g = golden;
    const conv = new CgcnnConv('c', g.F, g.Fe, new Rng(3));
    const batch = batchOf(g);
    const r = seededRandom(2);
    const h = tf.tensor2d(Float32Array.from({ length: g.N * g.F }, () => r(-1, 1)), [g.N, g.F]);
    const W = tf.tensor2d(g.W, [g.N, g.F]);
    const f = (x: tf.Tensor) => tf.sum(tf.mul(W, conv.call({ h: x as tf.Tensor2D, e: batch.edgeFeatures }, batch, false).h)) as tf.Scalar;
    expectClose(tf.tidy(() => tf.grad(f)(h).dataSync()), finiteDifference(f, h), 2e-3, 2e-2);
    expectNoLeak(() => tf.tidy(() => void tf.grad(f)(h).dataSync()));
    expect(conv.namedVariables().map((v) => v.name)).toEqual([
      'c.fc_full.weight', 'c.fc_full.bias',
      'c.bn1.weight', 'c.bn1.bias', 'c.bn1.running_mean', 'c.bn1.running_var',
      'c.bn2.weight', 'c.bn2.bias', 'c.bn2.running_mean', 'c.bn2.running_var',
    ]);
    tf.dispose([h, W, ...Object.values(batch).filter((v) => v instanceof tf.Tensor)]);
    conv.dispose();
  });
});
