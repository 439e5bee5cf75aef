/**
 * Fused CGCNN gate: m = σ(BN(z)[:, :F]) ⊙ softplus(BN(z)[:, F:]), z [E, 2F] → m [E, F].
 *
 * The composite version (batch norm, split, sigmoid, softplus, product) makes ~15 passes
 * over the [E, 2F] edge tensor forward and ~30 backward, each a separate kernel with its
 * own saved copies; this one makes 3 forward (moments, output) and 2 backward, on typed
 * arrays, with the exact gradient through the batch statistics (training) or the running
 * statistics (eval). Same results as the composite to float32 rounding (tested).
 * Used on cpu and wasm, where the kernels run as SIMD WebAssembly (../simd): one CGCNN training
 * step on 256 EMT structures spent ~1.6 s in the composite's kernels on wasm against ~0.2 s in
 * these (bench/training/profile-step.ts); tensorflow keeps its native kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { rawKernels, recordingGradients, registerSegmentKernels } from '../tf/kernels';
import { batchReducerActive, reduceMoments } from './batch-sync';
import type { BatchNorm1d } from './batchnorm';
import { splitColumns } from './segment';

registerSegmentKernels();

/** The composite reference: σ(filter) ⊙ softplus(core) of bn.apply(z). */
export function bnGateComposite(z: Tensor2D, bn: BatchNorm1d, training: boolean): Tensor2D {
  return tf.tidy(() => {
    const F = z.shape[1] / 2;
    const [filter, core] = splitColumns(bn.apply(z, training), [F, F]);
    return tf.mul(tf.sigmoid(filter), tf.softplus(core)) as Tensor2D;
  });
}

/**
 * The whole batch's moments [2, C] and row count from this replica's (`local` over `rows` rows): the
 * same tensor when there is one replica, else reduced over the data-parallel replicas (nn/batch-sync).
 */
export function batchMomentsOf(local: Tensor, rows: number): { moments: Tensor; rows: number } {
  if (!batchReducerActive()) return { moments: local, rows };
  const c = local.shape[1]!;
  const v = local.dataSync();
  const r = reduceMoments(v.subarray(0, c), v.subarray(c), rows);
  const out = new Float32Array(2 * c);
  out.set(r.mean);
  out.set(r.variance, c);
  return { moments: tf.tensor2d(out, [2, c]), rows: r.rows };
}

/** Backends on which bnGate uses the fused kernels (benchmarks may change it; tests use both). */
export const fusedGateBackends = new Set<string>(['cpu', 'wasm']);

/**
 * σ(filter) ⊙ softplus(core) of BN(z). `batchMoments`: z's column mean and variance [2, 2F] when the
 * caller has them already (CGCNN's edge message kernel computes them), else taken here (training).
 */
export function bnGate(z: Tensor2D, bn: BatchNorm1d, training: boolean, batchMoments?: Tensor): Tensor2D {
  if (!fusedGateBackends.has(tf.getBackend())) return bnGateComposite(z, bn, training);
  const rows = z.shape[0];
  return tf.tidy(() => {
    let moments: Tensor;
    if (training) {
      const local = batchMoments ?? rawKernels.colMoments(z);
      const { moments: batch, rows: batchRows } = batchMomentsOf(local, rows);
      moments = batch;
      const [mean, variance] = tf.unstack(moments);
      bn.updateRunning(mean, variance, batchRows);
    } else {
      moments = tf.stack([bn.runningMean, bn.runningVar]);
    }
    const eps = bn.eps;
    // inference with no gradient tape recording: nothing will differentiate m, so no ∂m/∂z (same m)
    if (!training && !recordingGradients()) return rawKernels.bnGateFwd(z, bn.gamma, bn.beta, moments, eps, false)[0] as Tensor2D;
    const op = tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
      const [zz, gamma, beta, save] = args as [Tensor, Tensor, Tensor, tf.GradSaveFunc];
      const [m, deriv] = rawKernels.bnGateFwd(zz, gamma, beta, moments, eps); // m [E, F], ∂m/∂filter | ∂m/∂core [E, 2F]
      save([zz, moments, deriv]);
      return {
        value: m,
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const [zs, ms, d] = saved;
          return rawKernels.bnGateBwd(dy, zs, d, bn.gamma, bn.beta, ms, eps, training); // dz, dγ, dβ
        },
      };
    });
    return op(z, bn.gamma, bn.beta) as Tensor2D;
  });
}
