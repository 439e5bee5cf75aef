import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { Rng } from '../../../../src-shared/model/rng';
import { makeReadout, AttentionReadout } from '../../../../src-main/engine/readout/pooling';
import { MlpHead } from '../../../../src-main/engine/readout/head';
import type { GraphBatchTensors } from '../../../../src-main/engine/nn/types';
import { useCpu } from '../layers/helpers';

beforeAll(useCpu);

/** 5 atoms in 2 graphs: graph 0 = atoms 0, 1, 2; graph 1 = atoms 3, 4. */
function batch(graphIndex = [0, 0, 0, 1, 1]): GraphBatchTensors {
  const n = graphIndex.length;
  return {
    nodeFeatures: tf.zeros([n, 1]) as Tensor2D,
    edgeFeatures: tf.zeros([0, 1]) as Tensor2D,
    center: tf.tensor1d([], 'int32') as Tensor1D,
    neighbor: tf.tensor1d([], 'int32') as Tensor1D,
    distance: tf.tensor1d([]) as Tensor1D,
    graphIndex: tf.tensor1d(graphIndex, 'int32') as Tensor1D,
    numNodes: n,
    numEdges: 0,
    numGraphs: Math.max(...graphIndex) + 1,
  };
}

const H = [
  [1, -2],
  [3, 0],
  [2, 5],
  [-1, 4],
  [0, -6],
];

describe('readouts', () => {
  it('sum, mean and max pool per graph', () => {
    const h = tf.tensor2d(H);
    const b = batch();
    const run = (k: 'sum' | 'mean' | 'max') => makeReadout(k, 2).call(h, b, false).arraySync();
    expect(run('sum')).toEqual([[6, 3], [-1, -2]]);
    const mean = run('mean');
    expect(mean[0][0]).toBeCloseTo(2, 6);
    expect(mean[1][1]).toBeCloseTo(-1, 6);
    expect(run('max')).toEqual([[3, 5], [0, 4]]);
  });

  it('attention weights are a softmax of the gate within each graph', () => {
    const r = new AttentionReadout('att', 2, new Rng(1));
    const h = tf.tensor2d(H);
    const b = batch();
    const a = Array.from(r.weights(h, b).dataSync());
    expect(a[0] + a[1] + a[2]).toBeCloseTo(1, 5);
    expect(a[3] + a[4]).toBeCloseTo(1, 5);
    const gate = r.gate.apply(h).dataSync();
    expect(a[0] / a[1]).toBeCloseTo(Math.exp(gate[0] - gate[1]), 4);
    const pooled = r.call(h, b, false).arraySync();
    expect(pooled[1][0]).toBeCloseTo(a[3] * -1 + a[4] * 0, 5);
    expect(pooled[1][1]).toBeCloseTo(a[3] * 4 + a[4] * -6, 5);
  });

  it('set2set gives 2F outputs invariant to the order of atoms', () => {
    const r = makeReadout('set2set', 2, { set2setSteps: 3, rng: new Rng(2) });
    expect(r.outFeatures).toBe(4);
    const y = r.call(tf.tensor2d(H), batch(), false).arraySync();
    const perm = [4, 2, 3, 0, 1];
    const y2 = r.call(tf.tensor2d(perm.map((i) => H[i])), batch(perm.map((i) => [0, 0, 0, 1, 1][i])), false).arraySync();
    expect(y2).toHaveLength(2);
    for (let g = 0; g < 2; g++) for (let k = 0; k < 4; k++) expect(y2[g][k]).toBeCloseTo(y[g][k], 5);
  });

  it('a graph with one atom pools to that atom (mean, max, attention)', () => {
    const h = tf.tensor2d([[0.5, -0.25]]);
    const b = batch([0]);
    for (const k of ['mean', 'max', 'attention'] as const) {
      const out = makeReadout(k, 2, { rng: new Rng(3) }).call(h, b, false).arraySync();
      expect(out[0][0]).toBeCloseTo(0.5, 6);
      expect(out[0][1]).toBeCloseTo(-0.25, 6);
    }
  });
});

describe('MLP head', () => {
  it('applies hidden layers, dropout only in training, reproducibly per seed', () => {
    const head = new MlpHead('head', 3, 4, 2, 1, 'softplus', { dropout: 0.5, rng: new Rng(4) });
    expect(head.trainableVariables().reduce((s, v) => s + v.size, 0)).toBe(3 * 4 + 4 + 4 * 4 + 4 + 4 + 1);
    const x = tf.tensor2d([[1, 2, 3], [-1, 0, 1]]);
    const e1 = head.apply(x, false).dataSync();
    const e2 = head.apply(x, false).dataSync();
    expect(Array.from(e1)).toEqual(Array.from(e2));
    const t1 = head.apply(x, true, 99).dataSync();
    const t2 = head.apply(x, true, 99).dataSync();
    expect(Array.from(t1)).toEqual(Array.from(t2));
    const t3 = Array.from({ length: 8 }, (_, s) => head.apply(x, true, s).dataSync()[0]);
    expect(new Set(t3).size).toBeGreaterThan(1);
  });
});
