/**
 * tfjs's Multiply gradient casts the other operand to float32 before multiplying
 * (dA = dy · cast(b), dB = dy · cast(a)); on wasm the cast of a float32 tensor is a full copy.
 * A potential's forces differentiate every elementwise product of the energy, and its training
 * differentiates those gradients again, so the copies added up to one Cast per product
 * (344 per PaiNN training step in a profile). This gradient gives the same values without the
 * cast when both operands are float32 (the potentials' case) and is itself differentiable.
 *
 * Registered globally (gradients are global in tfjs) after tfjs's own: `ensurePotentialGradients()`
 * is called by `PotentialModel.evaluate` and re-registers if something replaced it. It also
 * registers the trainer's matmul gradient without transposed products (../train/matmul-grad), a
 * Concat gradient without SplitV, a Sigmoid gradient that can be differentiated again and a Sum
 * gradient without host-side ones (below).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { sliceColumns } from '../nn/segment';
import { registerFastMatMulGradient } from '../train/matmul-grad';

type NamedGradientMap = Record<string, () => Tensor>;

function reduceTo(g: Tensor, shape: number[], outShape: number[]): Tensor {
  const axes = tf.backend_util.getReductionAxes(shape, outShape);
  return axes.length > 0 ? tf.reshape(tf.sum(g, axes), shape) : g;
}

const multiplyGradient = (dy: Tensor | Tensor[], saved: Tensor[]): NamedGradientMap => {
  const [a, b] = saved;
  const g = dy as Tensor;
  const outShape = tf.backend_util.assertAndGetBroadcastShape(a.shape, b.shape);
  const f32 = (x: Tensor) => (x.dtype === 'float32' ? x : tf.cast(x, 'float32'));
  return {
    a: () => reduceTo(tf.mul(g, f32(b)), a.shape, outShape),
    b: () => reduceTo(tf.mul(g, f32(a)), b.shape, outShape),
  };
};

/**
 * Concat's gradient splits dy (SplitV); tfjs-wasm's SplitV reads the whole tensor back to
 * JavaScript for every part. Columns of 2-D tensors are cut by the column-slice kernel instead
 * (same values; its gradient pads back, so this stays differentiable).
 */
const concatGradient = (dy: Tensor | Tensor[], saved: Tensor[], attrs: tf.NamedAttrMap): NamedGradientMap => {
  const g = dy as Tensor;
  const axis = attrs.axis as number;
  const columns = g.rank === 2 && (axis === 1 || axis === -1);
  const sizes = saved.map((t) => t.shape[columns ? 1 : axis < 0 ? t.rank + axis : axis]);
  const parts = columns ? null : tf.split(g, sizes, axis);
  let begin = 0;
  return Object.fromEntries(
    sizes.map((size, k) => {
      const at = begin;
      begin += size;
      return [String(k), () => (parts ? parts[k] : sliceColumns(g as tf.Tensor2D, at, size))];
    }),
  );
};

/**
 * tfjs's Sigmoid gradient is dy·y·(1 − y) with y the saved output, and the saved output is not
 * connected to x when that gradient is differentiated again: σ'' came out wrong, and with it the
 * weight gradient of a force loss through silu(x) = x·σ(x) (PaiNN's default activation; ~2 % off
 * per step, found by the PyTorch export's first-epoch parity test, issue 16). This gradient recomputes
 * σ(x) from the saved input (the same values) and so is itself differentiable.
 */
const sigmoidGradient = (dy: Tensor | Tensor[], saved: Tensor[]): NamedGradientMap => {
  const [x] = saved;
  return {
    x: () => {
      const y = tf.sigmoid(x);
      return tf.mul(dy as Tensor, tf.mul(y, tf.sub(1, y)));
    },
  };
};

/**
 * Sum's gradient broadcasts dy back with a product by ones(x.shape), which tfjs fills in JavaScript
 * and uploads (PaiNN sums [N, 3, F] tensors over the Cartesian axis twice per block: ~5 ms per
 * 1,000-atom call, and the garbage). onesLike is filled by the backend: the same values.
 */
const sumGradient = (dy: Tensor | Tensor[], saved: Tensor[], attrs: tf.NamedAttrMap): NamedGradientMap => {
  const [x] = saved;
  const shape = x.shape.slice();
  for (const a of tf.util.parseAxisParam(attrs.axis as number | number[], x.shape)) shape[a] = 1;
  const ones = x.dtype === 'float32' ? tf.onesLike(x) : tf.ones(x.shape, 'float32');
  return { x: () => tf.mul(tf.reshape(dy as Tensor, shape), ones) };
};

export function ensurePotentialGradients(): void {
  // forces differentiate every dense layer: without it, wasm's transposed matmuls are ~10× slower than plain ones
  registerFastMatMulGradient();
  if (tf.getGradient('Sum')?.gradFunc !== sumGradient) tf.registerGradient({ kernelName: 'Sum', inputsToSave: ['x'], gradFunc: sumGradient });
  if (tf.getGradient('Concat')?.gradFunc !== concatGradient) tf.registerGradient({ kernelName: 'Concat', saveAllInputs: true, gradFunc: concatGradient });
  if (tf.getGradient('Sigmoid')?.gradFunc !== sigmoidGradient) tf.registerGradient({ kernelName: 'Sigmoid', inputsToSave: ['x'], gradFunc: sigmoidGradient });
  if (tf.getGradient('Multiply')?.gradFunc === multiplyGradient) return;
  tf.registerGradient({ kernelName: 'Multiply', inputsToSave: ['a', 'b'], gradFunc: multiplyGradient });
}
