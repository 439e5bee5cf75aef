import * as tf from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { Rng } from '../../../../src-shared/model/rng';
import { BatchNorm1d } from '../../../../src-main/engine/nn/batchnorm';
import { Dense, transposeOI } from '../../../../src-main/engine/nn/dense';
import { activation } from '../../../../src-main/engine/nn/activations';
import { describeEachBackend, expectClose, expectNoLeak, finiteDifference, seededRandom } from '../helpers';

describeEachBackend('Dense', () => {
  it('matches x·Wᵀ + b with PyTorch-layout weights and round-trips them', () => {
    const d = new Dense('fc', 3, 2, { rng: new Rng(1) });
    const weight = Float32Array.from([1, 2, 3, -1, 0.5, 0]); // [out=2, in=3]
    const bias = Float32Array.from([0.1, -0.2]);
    d.setTorchWeights(weight, bias);
    const y = tf.tidy(() => d.apply(tf.tensor2d([[1, 1, 1], [0, 2, -1]])).dataSync());
    expectClose(y, [6.1, -0.7, 1.1, 0.8], 1e-6);
    const back = d.getTorchWeights();
    expectClose(back.weight, weight, 0);
    expectClose(back.bias!, bias, 0);
    d.dispose();
  });

  it('applyRows blocks sum to the full product (factored message layers)', () => {
    const d = new Dense('fc', 5, 4, { rng: new Rng(2) });
    const r = seededRandom(5);
    const x = tf.tensor2d(Float32Array.from({ length: 15 }, () => r(-1, 1)), [3, 5]);
    const full = tf.tidy(() => d.apply(x).dataSync());
    const parts = tf.tidy(() => {
      const a = d.applyRows(tf.slice(x, [0, 0], [3, 2]), 0, 2);
      const b = d.applyRows(tf.slice(x, [0, 2], [3, 3]), 2, 5);
      return d.addBias(tf.add(a, b)).dataSync();
    });
    expectClose(parts, full, 1e-5);
    x.dispose();
    d.dispose();
  });

  it('same seed, same weights; torch-linear init within ±1/√fanIn', () => {
    const a = new Dense('a', 16, 8, { rng: new Rng(7) });
    const b = new Dense('b', 16, 8, { rng: new Rng(7) });
    const wa = a.kernel.dataSync();
    expectClose(wa, b.kernel.dataSync(), 0);
    for (const v of wa) expect(Math.abs(v)).toBeLessThanOrEqual(0.25);
    expect(Math.max(...Array.from(wa, Math.abs))).toBeGreaterThan(0.2);
    a.dispose();
    b.dispose();
  });

  it('gradient wrt input matches finite differences; no leaks', () => {
    const d = new Dense('fc', 4, 3, { rng: new Rng(3) });
    const r = seededRandom(8);
    const x = tf.tensor2d(Float32Array.from({ length: 8 }, () => r(-1, 1)), [2, 4]);
    const f = (v: tf.Tensor) => tf.sum(activation('softplus')(d.apply(v as tf.Tensor2D))) as tf.Scalar;
    expectClose(tf.tidy(() => tf.grad(f)(x).dataSync()), finiteDifference(f, x), 1e-3, 1e-2);
    expectNoLeak(() => tf.tidy(() => void tf.grad(f)(x).dataSync()));
    x.dispose();
    d.dispose();
  });
});

describeEachBackend('BatchNorm1d', () => {
  const rows = 6;
  const feats = 3;
  const r = seededRandom(11);
  const xs = Float32Array.from({ length: rows * feats }, () => r(-2, 3));

  it('training: normalises with batch stats and updates running stats like PyTorch', () => {
    const bn = new BatchNorm1d('bn', feats);
    bn.setTorchState({ weight: Float32Array.from([1, 2, 0.5]), bias: Float32Array.from([0, 1, -1]), running_mean: new Float32Array(3), running_var: new Float32Array(3).fill(1) });
    const y = tf.tidy(() => bn.apply(tf.tensor2d(xs, [rows, feats]), true).dataSync());
    const g = [1, 2, 0.5];
    const b = [0, 1, -1];
    for (let j = 0; j < feats; j++) {
      let mean = 0;
      for (let i = 0; i < rows; i++) mean += xs[i * feats + j] / rows;
      let v = 0;
      for (let i = 0; i < rows; i++) v += (xs[i * feats + j] - mean) ** 2 / rows;
      for (let i = 0; i < rows; i++) expect(y[i * feats + j]).toBeCloseTo(g[j] * ((xs[i * feats + j] - mean) / Math.sqrt(v + 1e-5)) + b[j], 4);
      expect(bn.runningMean.dataSync()[j]).toBeCloseTo(0.1 * mean, 5);
      expect(bn.runningVar.dataSync()[j]).toBeCloseTo(0.9 + 0.1 * v * (rows / (rows - 1)), 5);
    }
    bn.dispose();
  });

  it('eval: uses running stats and eps 1e-5', () => {
    const bn = new BatchNorm1d('bn', 1);
    bn.setTorchState({ weight: Float32Array.from([2]), bias: Float32Array.from([1]), running_mean: Float32Array.from([0.5]), running_var: Float32Array.from([4]) });
    const y = tf.tidy(() => bn.apply(tf.tensor2d([[2.5]]), false).dataSync());
    expect(y[0]).toBeCloseTo(2 * (2 / Math.sqrt(4 + 1e-5)) + 1, 5);
    bn.dispose();
  });

  it('training-mode gradient matches finite differences; no leaks', () => {
    const bn = new BatchNorm1d('bn', feats);
    const x = tf.tensor2d(xs, [rows, feats]);
    const w = tf.tensor2d(Float32Array.from({ length: rows * feats }, () => r(-1, 1)), [rows, feats]);
    const f = (v: tf.Tensor) => tf.sum(tf.mul(w, bn.apply(v as tf.Tensor2D, true))) as tf.Scalar;
    expectClose(tf.tidy(() => tf.grad(f)(x).dataSync()), finiteDifference(f, x), 2e-3, 2e-2);
    expectNoLeak(() => tf.tidy(() => void tf.grad(f)(x).dataSync()));
    tf.dispose([x, w]);
    bn.dispose();
  });
});

it('transposeOI is an involution', () => {
  const a = Float32Array.from([1, 2, 3, 4, 5, 6]);
  expectClose(transposeOI(transposeOI(a, 2, 3), 3, 2), a, 0);
});
