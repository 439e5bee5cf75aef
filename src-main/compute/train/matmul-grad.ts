/**
 * A faster gradient for BatchMatMul on backends whose transposed matmul is slow.
 *
 * tfjs's gradient of y = a·b computes da = matMul(dy, b, false, true) and
 * db = matMul(a, dy, true, false). On the `wasm` backend a matmul with a transpose flag
 * leaves XNNPACK's fast path: measured here for a 44,088 × 41 edge block against a
 * 44,088 × 128 gradient, (E×41)ᵀ·(E×128) took 2.3–3.2 s with transposeA versus 0.29 s
 * as an explicit transpose followed by a plain matmul. This gradient uses explicit
 * transposes (same values, same order of summation per output element as the plain
 * matmul kernel). Registered once, for every backend (the explicit transpose costs
 * little elsewhere); `registerFastMatMulGradient()` is idempotent.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { NamedAttrMap, Tensor } from '@tensorflow/tfjs-core';

function T(x: Tensor): Tensor {
  return tf.transpose(x, x.rank === 3 ? [0, 2, 1] : [1, 0]);
}

function mm(a: Tensor, b: Tensor): Tensor {
  return tf.matMul(a as tf.Tensor3D, b as tf.Tensor3D);
}

let registered = false;

export function registerFastMatMulGradient(): void {
  if (registered) return;
  registered = true;
  tf.registerGradient({
    kernelName: 'BatchMatMul',
    inputsToSave: ['a', 'b'],
    gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
      const g = dy as Tensor;
      const [a, b] = saved;
      const { transposeA, transposeB } = attrs as unknown as { transposeA: boolean; transposeB: boolean };
      if (!transposeA && !transposeB) return { a: () => mm(g, T(b)), b: () => mm(T(a), g) };
      if (!transposeA && transposeB) return { a: () => mm(g, b), b: () => mm(T(g), a) };
      if (transposeA && !transposeB) return { a: () => mm(b, T(g)), b: () => mm(a, g) };
      return { a: () => mm(T(b), T(g)), b: () => mm(T(g), T(a)) };
    },
  });
}
