import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-backend-cpu';
import { ensureGradients } from '../../../../src-main/engine/tf/gradients';
import { globalNorm, Optimizer } from '../../../../src-main/engine/train/optimizers';
import { crossEntropyLoss, huberLoss, maeLoss, mseLoss } from '../../../../src-main/engine/train/losses';
import { denormalize, fitNormalizer, normalize } from '../../../../src-main/engine/train/normalizer';
import { OptimizerSchema, type OptimizerConfig } from '../../../../src-shared/model/config';

beforeAll(async () => {
  await tf.setBackend('cpu');
  expect(await ensureGradients()).toBeNull();
});

const opt = (o: unknown): OptimizerConfig => OptimizerSchema.parse(o);

/** PyTorch 1.13's numbers, written by scripts/engine/optimizer_golden.py. */
interface Golden {
  optimizers: Record<string, { config: unknown; weightDecay: number; weights: number[] }>;
  clip: { gradient: number[]; maxNorm: number; weights: number[] };
  losses: { prediction: number[][]; target: number[][]; huber1: number; huber05: number; mse: number; mae: number; logits: number[][]; labels: number[]; crossEntropy: number };
}
const golden = JSON.parse(readFileSync(new URL('../../../fixtures/engine/optimizers.json', import.meta.url), 'utf8')) as Golden;

/** Three steps on f(w) = Σ c w² + 0.1 Σ w³ from w = [0.5, −1, 2], c = [1, 2, 3] (as the generator). */
function run(o: OptimizerConfig, wd: number, clip: number | null = null): number[] {
  const w = tf.variable(tf.tensor1d([0.5, -1, 2]));
  const c = tf.tensor1d([1, 2, 3]);
  const optimizer = new Optimizer(o, wd, [w]);
  for (let i = 0; i < 3; i++) {
    const { grads } = tf.variableGrads(() => tf.add(tf.sum(tf.mul(c, tf.square(w))), tf.mul(tf.sum(tf.pow(w, 3)), 0.1)) as tf.Scalar, [w]);
    optimizer.apply([grads[w.name]], o.lr, clip);
    tf.dispose(grads);
  }
  const out = Array.from(w.dataSync());
  optimizer.dispose();
  w.dispose();
  c.dispose();
  return out;
}

function close(a: number[], b: number[], tol = 2e-5) {
  expect(a.length).toBe(b.length);
  a.forEach((x, i) => expect(Math.abs(x - b[i])).toBeLessThan(tol));
}

describe('optimisers match PyTorch 1.13 (scripts/engine/optimizer_golden.py)', () => {
  it.each(Object.keys(golden.optimizers))('%s: three steps', (name) => {
    const g = golden.optimizers[name];
    close(run(opt(g.config), g.weightDecay), g.weights);
  });
  it('clips the global gradient norm like clip_grad_norm_', () => {
    // one plain SGD step with lr 1 moves w by exactly the clipped gradient
    const w = tf.variable(tf.tensor1d([0.5, -1, 2]));
    const o = new Optimizer(opt({ kind: 'sgd', lr: 1, momentum: 0 }), 0, [w]);
    const g = tf.tensor1d(golden.clip.gradient); // norm 12.6886
    o.apply([g], 1, golden.clip.maxNorm);
    close(Array.from(w.dataSync()), golden.clip.weights, 1e-6);
    tf.dispose([w, g]);
    o.dispose();
  });
  it('clips with the norm the caller passes when it has one (and leaves it to the caller)', () => {
    const w = tf.variable(tf.tensor1d([0.5, -1, 2]));
    const o = new Optimizer(opt({ kind: 'sgd', lr: 1, momentum: 0 }), 0, [w]);
    const g = tf.tensor1d(golden.clip.gradient);
    const norm = globalNorm([g]);
    o.apply([g], 1, golden.clip.maxNorm, norm);
    close(Array.from(w.dataSync()), golden.clip.weights, 1e-6);
    // a norm twice the true one halves the step: the passed norm is the one used
    const w2 = tf.variable(tf.tensor1d([0.5, -1, 2]));
    const o2 = new Optimizer(opt({ kind: 'sgd', lr: 1, momentum: 0 }), 0, [w2]);
    const doubled = tf.mul(norm, 2) as tf.Scalar;
    o2.apply([g], 1, golden.clip.maxNorm, doubled);
    const start = [0.5, -1, 2];
    close(Array.from(w2.dataSync()).map((x, i) => start[i] - x), golden.clip.weights.map((x, i) => (start[i] - x) / 2), 1e-6);
    expect(norm.isDisposed).toBe(false);
    tf.dispose([w, w2, g, norm, doubled]);
    o.dispose();
    o2.dispose();
  });
  it('globalNorm is the norm over all gradients together', () => {
    const parts = [tf.tensor1d(golden.clip.gradient.slice(0, 1)), tf.tensor2d([golden.clip.gradient.slice(1)])];
    const n = globalNorm(parts);
    expect(n.dataSync()[0]).toBeCloseTo(Math.hypot(...golden.clip.gradient), 4);
    tf.dispose([n, ...parts]);
  });
  it('saves and restores its state so that a resumed run continues identically', async () => {
    const mk = () => tf.variable(tf.tensor1d([0.5, -1, 2]));
    const step = (o: Optimizer, w: tf.Variable) => {
      const { grads } = tf.variableGrads(() => tf.sum(tf.pow(w, 4)) as tf.Scalar, [w]);
      o.apply([grads[w.name]], 0.01);
      tf.dispose(grads);
    };
    const cfg = opt({ kind: 'adam', lr: 0.01 });
    const w1 = mk();
    const o1 = new Optimizer(cfg, 0, [w1]);
    for (let i = 0; i < 4; i++) step(o1, w1);
    const w2 = mk();
    const o2 = new Optimizer(cfg, 0, [w2]);
    for (let i = 0; i < 2; i++) step(o2, w2);
    const saved = await o2.getState();
    const wSaved = w2.dataSync().slice();
    const w3 = tf.variable(tf.tensor1d(wSaved));
    const o3 = new Optimizer(cfg, 0, [w3]);
    o3.setState(saved);
    for (let i = 0; i < 2; i++) step(o3, w3);
    expect(Array.from(w3.dataSync())).toEqual(Array.from(w1.dataSync()));
    expect(o3.iterations).toBe(4);
    for (const o of [o1, o2, o3]) o.dispose();
    tf.dispose([w1, w2, w3]);
  });
  it('does not leak tensors across steps', () => {
    const w = tf.variable(tf.tensor1d([0.5, -1, 2]));
    const o = new Optimizer(opt({ kind: 'adamw', lr: 0.01 }), 0.1, [w]);
    const g = tf.tensor1d([1, 2, 3]);
    o.apply([g], 0.01, 1);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++) o.apply([g], 0.01, 1);
    expect(tf.memory().numTensors).toBe(before);
    o.dispose();
    tf.dispose([w, g]);
  });
});

describe('losses and normaliser', () => {
  it('match PyTorch values', () => {
    const L = golden.losses;
    const p = tf.tensor2d(L.prediction);
    const t = tf.tensor2d(L.target);
    expect(huberLoss(p, t, 1).dataSync()[0]).toBeCloseTo(L.huber1, 6);
    expect(huberLoss(p, t, 0.5).dataSync()[0]).toBeCloseTo(L.huber05, 6);
    expect(mseLoss(p, t).dataSync()[0]).toBeCloseTo(L.mse, 6);
    expect(maeLoss(p, t).dataSync()[0]).toBeCloseTo(L.mae, 6);
    expect(crossEntropyLoss(tf.tensor2d(L.logits), tf.tensor1d(L.labels, 'int32')).dataSync()[0]).toBeCloseTo(L.crossEntropy, 6);
  });
  it('normalises with the sample standard deviation and inverts exactly', () => {
    const y = [1, 10, 2, 20, 3, 30, 4, 40];
    const n = fitNormalizer(y, 2);
    expect(n.mean).toEqual([2.5, 25]);
    expect(n.std[0]).toBeCloseTo(Math.sqrt(5 / 3), 12);
    const back = denormalize(n, normalize(n, y));
    back.forEach((v, i) => expect(v).toBeCloseTo(y[i], 5));
    expect(fitNormalizer([3, 3, 3], 1).std).toEqual([1]);
  });
});
