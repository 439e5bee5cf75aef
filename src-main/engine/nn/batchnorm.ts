/**
 * BatchNorm1d as PyTorch's nn.BatchNorm1d over rows.
 *
 * Shapes: x [R, F] → y [R, F].
 * training: y = γ·(x − μ_B)/√(σ²_B + ε) + β with the batch mean and biased variance;
 *           running_mean ← (1−m)·running_mean + m·μ_B,
 *           running_var  ← (1−m)·running_var + m·σ²_B·R/(R−1)  (unbiased, as PyTorch).
 * eval:     y = γ·(x − running_mean)/√(running_var + ε) + β.
 * In a data-parallel step the batch's statistics span every replica's rows (nn/batch-sync).
 * Defaults m = 0.1, ε = 1e-5 (PyTorch's).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor2D, Variable } from '@tensorflow/tfjs-core';
import { batchReducerActive, reduceBackwardMeans, reduceMoments } from './batch-sync';
import type { Module } from './types';
import { assignValues, makeVariable, type HasNamedVariables, type NamedVariable } from './module';

export interface BatchNormOptions {
  momentum?: number;
  eps?: number;
}

export class BatchNorm1d implements Module, HasNamedVariables {
  readonly gamma: Variable;
  readonly beta: Variable;
  readonly runningMean: Variable;
  readonly runningVar: Variable;
  readonly momentum: number;
  readonly eps: number;

  constructor(
    readonly name: string,
    readonly features: number,
    options: BatchNormOptions = {},
  ) {
    this.momentum = options.momentum ?? 0.1;
    this.eps = options.eps ?? 1e-5;
    this.gamma = makeVariable(`${name}.weight`, new Float32Array(features).fill(1), [features], true);
    this.beta = makeVariable(`${name}.bias`, new Float32Array(features), [features], true);
    this.runningMean = makeVariable(`${name}.running_mean`, new Float32Array(features), [features], false);
    this.runningVar = makeVariable(`${name}.running_var`, new Float32Array(features).fill(1), [features], false);
  }

  apply(x: Tensor2D, training: boolean): Tensor2D {
    return tf.tidy((): Tensor2D => {
      if (!training) {
        const scale = tf.mul(this.gamma, tf.rsqrt(tf.add(this.runningVar, this.eps)));
        const shift = tf.sub(this.beta, tf.mul(this.runningMean, scale));
        return tf.add(tf.mul(x, scale), shift) as Tensor2D;
      }
      // Statistics of the whole batch: this replica's, or reduced over the data-parallel replicas
      // (nn/batch-sync), both in the forward pass and in the gradient's batch-statistics terms.
      const local = tf.moments(x, 0);
      let mean: tf.Tensor = local.mean;
      let variance: tf.Tensor = local.variance;
      let rows = x.shape[0];
      if (batchReducerActive()) {
        const r = reduceMoments(local.mean.dataSync(), local.variance.dataSync(), rows);
        mean = tf.tensor1d(Float32Array.from(r.mean));
        variance = tf.tensor1d(Float32Array.from(r.variance));
        rows = r.rows;
      }
      this.updateRunning(mean, variance, rows);
      const eps = this.eps;
      const op = tf.customGrad((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
        const [xx, gamma, beta, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
        const rstd = tf.rsqrt(tf.add(variance, eps));
        const xhat = tf.mul(tf.sub(xx, mean), rstd);
        save([xhat, rstd, gamma]);
        return {
          value: tf.add(tf.mul(xhat, gamma), beta),
          // dx = γ·r·(dy − mean(dy) − x̂·mean(dy·x̂)) over the batch's rows; dγ = Σ dy·x̂, dβ = Σ dy over this replica's
          gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
            const [xh, r, g] = saved;
            const sumDy = tf.sum(dy, 0);
            const sumDyXhat = tf.sum(tf.mul(dy, xh), 0);
            let meanDy: tf.Tensor;
            let meanDyXhat: tf.Tensor;
            if (batchReducerActive()) {
              const m = reduceBackwardMeans(sumDy.dataSync(), sumDyXhat.dataSync(), xh.shape[0]);
              meanDy = tf.tensor1d(Float32Array.from(m.meanDy));
              meanDyXhat = tf.tensor1d(Float32Array.from(m.meanDyXhat));
            } else {
              meanDy = tf.div(sumDy, xh.shape[0]);
              meanDyXhat = tf.div(sumDyXhat, xh.shape[0]);
            }
            const dx = tf.mul(tf.mul(g, r), tf.sub(tf.sub(dy, meanDy), tf.mul(xh, meanDyXhat)));
            return [dx, sumDyXhat, sumDy];
          },
        };
      });
      return op(x, this.gamma, this.beta) as Tensor2D;
    });
  }

  /** Running-statistics update from a batch's mean and biased variance over `rows` rows. */
  updateRunning(mean: tf.Tensor, variance: tf.Tensor, rows: number): void {
    const m = this.momentum;
    const unbiased = rows > 1 ? rows / (rows - 1) : 1;
    // Not on the loss's path, so it contributes nothing to gradients; assign keeps the values past tidy.
    this.runningMean.assign(tf.add(tf.mul(this.runningMean, 1 - m), tf.mul(mean, m)));
    this.runningVar.assign(tf.add(tf.mul(this.runningVar, 1 - m), tf.mul(variance, m * unbiased)));
  }

  trainableVariables(): Variable[] {
    return [this.gamma, this.beta];
  }

  stateVariables(): Variable[] {
    return [this.runningMean, this.runningVar];
  }

  namedVariables(): NamedVariable[] {
    return [
      { name: `${this.name}.weight`, variable: this.gamma, trainable: true },
      { name: `${this.name}.bias`, variable: this.beta, trainable: true },
      { name: `${this.name}.running_mean`, variable: this.runningMean, trainable: false },
      { name: `${this.name}.running_var`, variable: this.runningVar, trainable: false },
    ];
  }

  /** Loads PyTorch BatchNorm1d state (weight, bias, running_mean, running_var). */
  setTorchState(s: { weight: Float32Array; bias: Float32Array; running_mean: Float32Array; running_var: Float32Array }): void {
    assignValues(this.gamma, s.weight, `${this.name}.weight`);
    assignValues(this.beta, s.bias, `${this.name}.bias`);
    assignValues(this.runningMean, s.running_mean, `${this.name}.running_mean`);
    assignValues(this.runningVar, s.running_var, `${this.name}.running_var`);
  }

  dispose(): void {
    for (const v of [this.gamma, this.beta, this.runningMean, this.runningVar]) v.dispose();
  }
}
