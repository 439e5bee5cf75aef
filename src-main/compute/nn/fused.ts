/**
 * Fused CGCNN gate: m = σ(BN(z)[:, :F]) ⊙ softplus(BN(z)[:, F:]), z [E, 2F] → m [E, F].
 *
 * The composite version (batch norm, split, sigmoid, softplus, product) makes ~15 passes
 * over the [E, 2F] edge tensor forward and ~30 backward, each a separate kernel with its
 * own saved copies; this one makes 3 forward (moments, output) and 2 backward, on typed
 * arrays, with the exact gradient through the batch statistics (training) or the running
 * statistics (eval). Same results as the composite to float32 rounding (tested).
 * Used on cpu, where every tfjs kernel is a JS loop too. On wasm the composite is as fast
 * or faster (its sigmoid/softplus are SIMD; JS Math.exp/log1p are not), measured side by side
 * with bench/engine/train-step.ts (LW_GATE=composite); tensorflow keeps the native kernels.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { rawKernels, registerSegmentKernels } from '../tf/kernels';
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

/** Backends on which bnGate uses the fused kernels (benchmarks may change it; tests use both). */
export const fusedGateBackends = new Set<string>(['cpu']);

export function bnGate(z: Tensor2D, bn: BatchNorm1d, training: boolean): Tensor2D {
  if (!fusedGateBackends.has(tf.getBackend())) return bnGateComposite(z, bn, training);
  const rows = z.shape[0];
  const c2 = z.shape[1];
  return tf.tidy(() => {
    let moments: Tensor;
    if (training) {
      moments = rawKernels.colMoments(z);
      const [mean, variance] = tf.unstack(moments);
      bn.updateRunning(mean, variance, rows);
    } else {
      moments = tf.stack([bn.runningMean, bn.runningVar]);
    }
    const eps = bn.eps;
    const op = tf.customGrad((...args: Array<Tensor | tf.GradSaveFunc>) => {
      const [zz, gamma, beta, save] = args as [Tensor, Tensor, Tensor, tf.GradSaveFunc];
      const packedFwd = rawKernels.bnGateFwd(zz, gamma, beta, moments, eps); // [E, 3F]: m | ∂m/∂filter | ∂m/∂core
      save([zz, moments, packedFwd]);
      return {
        value: rawKernels.sliceCols(packedFwd, 0, c2 / 2),
        gradFunc: (dy: Tensor, saved: Tensor[]) => {
          const [zs, ms, pf] = saved;
          const packed = rawKernels.bnGateBwd(dy, zs, pf, bn.gamma, bn.beta, ms, eps, training);
          const dz = tf.slice(packed, [0, 0], [rows, c2]);
          const dgamma = tf.reshape(tf.slice(packed, [rows, 0], [1, c2]), [c2]);
          const dbeta = tf.reshape(tf.slice(packed, [rows + 1, 0], [1, c2]), [c2]);
          return [dz, dgamma, dbeta];
        },
      };
    });
    return op(z, bn.gamma, bn.beta) as Tensor2D;
  });
}
