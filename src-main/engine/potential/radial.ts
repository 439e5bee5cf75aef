/**
 * Radial bases and smooth cutoff envelopes of edge lengths d ([E, 1] → [E, K] / [E, 1]).
 * Written with tfjs ops whose gradients are themselves differentiable, so forces (first
 * derivative) and their training gradients (second derivative) go through them.
 *
 *   bessel    b_n(d) = √(2/r_c) · sin(nπd/r_c) / d,  n = 1..K          (DimeNet, PaiNN)
 *   gaussian  g_k(d) = exp(−(d − μ_k)² / (2w²)), μ_k = k·r_c/(K−1), w = r_c/(K−1)   (SchNet)
 *   cosine    u(d) = ½(cos(πd/r_c) + 1) for d < r_c, else 0                 (Behler)
 *   polynomial u(x) = 1 − (p+1)(p+2)/2 · xᵖ + p(p+2) · xᵖ⁺¹ − p(p+1)/2 · xᵖ⁺², x = d/r_c < 1
 *             (DimeNet; u, u′ and u″ vanish at r_c)
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor2D } from '@tensorflow/tfjs-core';
import type { RadialSettings } from '../../../src-shared/model/potential';

/** [E, 1] → [E, K]. */
export function radialBasis(d: Tensor2D, r: RadialSettings): Tensor2D {
  return tf.tidy(() => {
    const K = r.numBasis;
    const rc = r.cutoff;
    if (r.basis === 'bessel') {
      const n = tf.tensor2d(Array.from({ length: K }, (_, k) => ((k + 1) * Math.PI) / rc), [1, K]);
      return tf.mul(tf.div(tf.sin(tf.mul(d, n)), d), Math.sqrt(2 / rc)) as Tensor2D;
    }
    const step = rc / Math.max(1, K - 1);
    const mu = tf.tensor2d(Array.from({ length: K }, (_, k) => k * step), [1, K]);
    return tf.exp(tf.mul(tf.square(tf.sub(d, mu)), -0.5 / (step * step))) as Tensor2D;
  });
}

/** [E, 1] → [E, 1], 1 at d = 0 falling smoothly to 0 at the cutoff and beyond. */
export function cutoffEnvelope(d: Tensor2D, r: RadialSettings): Tensor2D {
  return tf.tidy(() => {
    const rc = r.cutoff;
    let u: Tensor2D;
    if (r.envelope === 'cosine') u = tf.mul(tf.add(tf.cos(tf.mul(d, Math.PI / rc)), 1), 0.5) as Tensor2D;
    else {
      const p = r.envelopeExponent;
      const x = tf.div(d, rc) as Tensor2D;
      const xp = tf.pow(x, p);
      const poly = tf.add(tf.sub(1, tf.mul(xp, ((p + 1) * (p + 2)) / 2)), tf.mul(xp, tf.sub(tf.mul(x, p * (p + 2)), tf.mul(tf.square(x), (p * (p + 1)) / 2))));
      u = poly as Tensor2D;
    }
    // (GreaterEqual, unlike Less, has a registered gradient: the mask sits on the differentiated path)
    return tf.where(tf.greaterEqual(d, rc), tf.zerosLike(u), u) as Tensor2D;
  });
}
