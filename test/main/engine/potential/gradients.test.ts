/**
 * A potential's training differentiates its forces (first derivatives) again, so every activation
 * must have a correct second derivative. tfjs's own Sigmoid gradient is not differentiable again
 * (its saved output is not connected to x); ensurePotentialGradients registers one that is.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { expect, it } from 'vitest';
import { ensurePotentialGradients } from '../../../../src-main/engine/potential/gradients';
import { potentialActivation } from '../../../../src-main/engine/potential/representation';
import { describeEachBackend } from '../helpers';

const sigma = (x: number) => 1 / (1 + Math.exp(-x));
const xs = [-4, -2, -0.5, 0, 0.3, 1.7, 5];

/** d²/dx² Σ f(x) at xs by tfjs, differentiating tfjs's gradient. */
function secondDerivative(f: (x: Tensor) => Tensor): number[] {
  const x = tf.tensor2d(xs, [1, xs.length]);
  const first = (u: Tensor) => tf.grad((w: Tensor) => tf.sum(f(w)))(u);
  const second = tf.grad((u: Tensor) => tf.sum(first(u)))(x);
  const out = Array.from(second.dataSync());
  tf.dispose([x, second]);
  return out;
}

describeEachBackend('second derivatives of the potentials\' activations', () => {
  it('σ\'\' and silu\'\' equal their exact values (training differentiates forces again)', () => {
    ensurePotentialGradients();
    const before = tf.memory().numTensors;
    const sigmoid2 = secondDerivative((x) => tf.sigmoid(x));
    const silu2 = secondDerivative((x) => potentialActivation('silu')(x as tf.Tensor2D));
    const ssp2 = secondDerivative((x) => potentialActivation('shifted-softplus')(x as tf.Tensor2D));
    xs.forEach((x, k) => {
      const s = sigma(x);
      expect(sigmoid2[k], `σ''(${x})`).toBeCloseTo(s * (1 - s) * (1 - 2 * s), 6);
      expect(silu2[k], `silu''(${x})`).toBeCloseTo(s * (1 - s) * (2 + x * (1 - 2 * s)), 6);
      expect(ssp2[k], `ssp''(${x})`).toBeCloseTo(s * (1 - s), 6);
    });
    // first derivatives unchanged: σ' = σ(1 − σ)
    const x = tf.tensor1d(xs);
    const d1 = tf.grad((u: Tensor) => tf.sum(tf.sigmoid(u)))(x);
    Array.from(d1.dataSync()).forEach((v, k) => expect(v).toBeCloseTo(sigma(xs[k]) * (1 - sigma(xs[k])), 7));
    tf.dispose([x, d1]);
    expect(tf.memory().numTensors).toBe(before);
  });
});
