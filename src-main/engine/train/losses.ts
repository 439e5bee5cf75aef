/**
 * Losses on [B, T] predictions (B graphs or atoms, T targets), averaged over all
 * elements like PyTorch's `reduction='mean'`:
 *
 *   mse   mean((ŷ − y)²)
 *   mae   mean(|ŷ − y|)
 *   huber mean(½d²  if |d| ≤ δ  else δ(|d| − ½δ)),  d = ŷ − y
 *   cross-entropy  −mean_b log softmax(z_b)[y_b]   (z: [B, C] logits, y: [B] int labels)
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { LossKind } from '../../../src-shared/model/config';

export function mseLoss(pred: Tensor, target: Tensor): Scalar {
  return tf.tidy(() => tf.mean(tf.squaredDifference(pred, target)) as Scalar);
}

export function maeLoss(pred: Tensor, target: Tensor): Scalar {
  return tf.tidy(() => tf.mean(tf.abs(tf.sub(pred, target))) as Scalar);
}

export function huberLoss(pred: Tensor, target: Tensor, delta: number): Scalar {
  return tf.tidy(() => {
    const d = tf.abs(tf.sub(pred, target));
    const quad = tf.minimum(d, delta);
    const lin = tf.sub(d, quad);
    // ½q² + δ·(|d| − q) equals both branches
    return tf.mean(tf.add(tf.mul(tf.square(quad), 0.5), tf.mul(lin, delta))) as Scalar;
  });
}

export function crossEntropyLoss(logits: Tensor2D, labels: Tensor1D): Scalar {
  return tf.tidy(() => {
    const logp = tf.logSoftmax(logits);
    const oh = tf.oneHot(tf.cast(labels, 'int32'), logits.shape[1]);
    return tf.neg(tf.mean(tf.sum(tf.mul(logp, oh), 1))) as Scalar;
  });
}

/** The loss function named by a config (targets: float [B, T], or int labels [B] for cross-entropy). */
export function lossFunction(kind: LossKind, huberDelta = 1): (pred: Tensor2D, target: Tensor) => Scalar {
  switch (kind) {
    case 'mse':
      return mseLoss;
    case 'mae':
      return maeLoss;
    case 'huber':
      return (p, t) => huberLoss(p, t, huberDelta);
    case 'cross-entropy':
      return (p, t) => crossEntropyLoss(p, t as Tensor1D);
  }
}
