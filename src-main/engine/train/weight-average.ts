/**
 * The exponential moving average of a run's trainable weights (Polyak averaging, as MACE, NequIP and
 * TensorFlow's ExponentialMovingAverage keep it): validation, best-epoch selection and the stored model
 * use the average, training steps the raw weights. Potential runs and property runs share it.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Variable } from '@tensorflow/tfjs-core';

/** Exponential moving average of the trainable weights: a ← d·a + (1 − d)·w after every step. */
export class WeightAverage {
  private readonly shadow: Variable[];
  constructor(
    private readonly vars: Variable[],
    private readonly decay: number,
  ) {
    this.shadow = vars.map((v) => {
      const copy = v.clone();
      const s = tf.variable(copy, false);
      copy.dispose(); // the variable holds its own reference to the data
      return s;
    });
  }
  values(): Float32Array[] {
    return this.shadow.map((s) => (s.dataSync() as Float32Array).slice());
  }
  setValues(values: Float32Array[]): void {
    if (values.length !== this.shadow.length) throw new Error(`weight average: ${values.length} arrays for ${this.shadow.length} variables`);
    tf.tidy(() => this.shadow.forEach((s, k) => s.assign(tf.tensor(values[k], s.shape, 'float32'))));
  }
  update(step: number): void {
    // the warm-up of the decay (as TensorFlow's num_updates) lets early averages follow the weights
    const d = Math.min(this.decay, (1 + step) / (10 + step));
    tf.tidy(() => this.shadow.forEach((s, k) => s.assign(tf.add(tf.mul(s, d), tf.mul(this.vars[k], 1 - d)))));
  }
  /** Runs fn with the averaged weights in place, then puts the trained weights back. */
  with<T>(fn: () => T): T {
    const saved = this.vars.map((v) => v.clone());
    this.vars.forEach((v, k) => v.assign(this.shadow[k]));
    try {
      return fn();
    } finally {
      this.vars.forEach((v, k) => v.assign(saved[k]));
      tf.dispose(saved);
    }
  }
  dispose(): void {
    tf.dispose(this.shadow);
  }
}
