/**
 * Gradients of every layer, readout and head against central finite differences
 * (float32 on the cpu backend: step 1e-2, tolerance 5e-3 + 2e-2·|g|).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { Rng } from '../../../../src-shared/model/rng';
import type { ModelConfigInput } from '../../../../src-shared/model/config';
import { architectures } from '../../../../src-main/engine/architectures/registry';
import { buildModel, type GraphModel } from '../../../../src-main/engine/layers/model';
import { assignValues } from '../../../../src-main/engine/nn/module';
import type { GraphBatchTensors } from '../../../../src-main/engine/nn/types';
import { disposeBatchTensors } from '../../../../src-main/engine/train/data';
import { batchOf, rocksalt, smallConfig, triclinic, useCpu } from './helpers';

beforeAll(useCpu);

function gradCheck(input: ModelConfigInput, perVariable = 3, training = false): { checked: number; worst: number } {
  const config = smallConfig(input);
  const model: GraphModel = buildModel(config);
  const batch: GraphBatchTensors = batchOf(config, [triclinic(), rocksalt()]);
  const rng = new Rng(123);
  const out0 = model.apply(batch, training);
  const R = tf.tensor(Float32Array.from({ length: out0.size }, () => rng.uniform(-1, 1)), out0.shape);
  out0.dispose();
  const f = () => tf.sum(tf.mul(model.apply(batch, training), R)) as tf.Scalar;
  const vars = model.trainableVariables();
  const { grads } = tf.variableGrads(f, vars);
  let checked = 0;
  let worst = 0;
  const named = model.namedVariables().filter((n) => n.trainable);
  for (const nv of named) {
    const v = nv.variable;
    const g = grads[v.name].dataSync();
    const base = (v.dataSync() as Float32Array).slice();
    for (let k = 0; k < Math.min(perVariable, v.size); k++) {
      const idx = rng.int(v.size);
      const eps = 1e-2;
      const at = (delta: number) => {
        const w = base.slice();
        w[idx] += delta;
        assignValues(v, w, nv.name);
        const s = f();
        const val = s.dataSync()[0];
        s.dispose();
        return val;
      };
      const fd = (at(eps) - at(-eps)) / (2 * eps);
      assignValues(v, base, nv.name);
      const err = Math.abs(fd - g[idx]);
      worst = Math.max(worst, err / (5e-3 + 2e-2 * Math.abs(g[idx])));
      if (err > 5e-3 + 2e-2 * Math.abs(g[idx])) throw new Error(`${nv.name}[${idx}]: analytic ${g[idx]} vs finite difference ${fd}`);
      checked++;
    }
  }
  tf.dispose(grads);
  R.dispose();
  disposeBatchTensors(batch);
  model.dispose();
  return { checked, worst };
}

describe('gradients match finite differences', () => {
  it.each(architectures().map((a) => a.id))('%s layers (sum aggregation where it is chosen, mean readout)', (architecture) => {
    const r = gradCheck({ architecture, model: { aggregation: 'sum' } });
    expect(r.checked).toBeGreaterThan(10);
  });
  // every architecture with a choice of aggregation, with each choice
  const choosing = architectures().filter((a) => 'aggregation' in a.fields).map((a) => a.id);
  it.each(['mean', 'max'] as const)('%s aggregation (architectures that choose it)', (aggregation) => {
    expect(choosing.length).toBeGreaterThan(0);
    for (const architecture of choosing) gradCheck({ architecture, model: { aggregation } });
  });
  it.each(['sum', 'max', 'attention', 'set2set'] as const)('%s readout', (readout) => {
    const r = gradCheck({ architecture: 'gcn', model: { readout } });
    expect(r.checked).toBeGreaterThan(5);
  });
  it('cgcnn in training mode (batch-norm batch statistics)', () => {
    expect(gradCheck({ architecture: 'cgcnn' }, 3, true).checked).toBeGreaterThan(10);
  });
  it('classification and per-atom heads, embedding input', () => {
    gradCheck({ architecture: 'gat', model: { head: { kind: 'classification', numClasses: 3 }, atomInput: { kind: 'embedding', numSpecies: 40 } } });
    gradCheck({ architecture: 'mpnn-edge', model: { head: { kind: 'per-atom', numTargets: 2 }, numHidden: 2 } });
  });
});

describe('segment softmax inside the attention layers', () => {
  it('GAT attention sums to 1 over the edges into each atom', () => {
    const config = smallConfig({ architecture: 'gat' });
    const model = buildModel(config);
    const batch = batchOf(config, [triclinic(), rocksalt()]);
    const layer = model.layers[0] as unknown as { attention(s: { h: tf.Tensor2D; e: tf.Tensor2D }, b: GraphBatchTensors): tf.Tensor2D };
    const h = model.embed(batch);
    const a = layer.attention({ h, e: batch.edgeFeatures }, batch);
    const sums = tf.unsortedSegmentSum(a, batch.center, batch.numNodes).arraySync() as number[][];
    for (const row of sums) for (const v of row) expect(v).toBeCloseTo(1, 5);
    tf.dispose([h, a]);
    disposeBatchTensors(batch);
    model.dispose();
  });
});
