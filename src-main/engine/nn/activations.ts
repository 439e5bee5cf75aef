/**
 * Non-linearities by name (the config's `activation` values) and CGCNN's softplus.
 *
 * softplus(x) = log(1 + eˣ) (tfjs returns x itself above ≈ 13.9, PyTorch above 20:
 * the difference is below float32 resolution there); shifted-softplus(x) = softplus(x) − log 2
 * (SchNet); silu(x) = x·σ(x).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

export type ActivationName = 'softplus' | 'shifted-softplus' | 'relu' | 'silu' | 'tanh' | 'sigmoid' | 'identity';

export function softplus<T extends Tensor>(x: T): T {
  return tf.softplus(x);
}

export function sigmoid<T extends Tensor>(x: T): T {
  return tf.sigmoid(x);
}

export function activation(name: ActivationName): <T extends Tensor>(x: T) => T {
  switch (name) {
    case 'softplus':
      return (x) => tf.softplus(x);
    case 'shifted-softplus':
      return (x) => tf.tidy(() => tf.sub(tf.softplus(x), Math.LN2));
    case 'relu':
      return (x) => tf.relu(x);
    case 'silu':
      return (x) => tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
    case 'tanh':
      return (x) => tf.tanh(x);
    case 'sigmoid':
      return (x) => tf.sigmoid(x);
    case 'identity':
      return (x) => x;
  }
}
