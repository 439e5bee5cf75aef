/**
 * The dense layers of a potential on the SIMD thread team: x·W for x [R, K] (atom rows; PaiNN's
 * vector channels are 3N rows), forward and both gradients split over the team's threads.
 *
 * tfjs-wasm's matmul (XNNPACK) runs on one thread, and a potential's products have only N or 3N
 * rows, below the team's default of 1,024 rows per thread: here a thread takes ≥ 128 rows (a row
 * costs K·C multiply-adds, ≥ 4,096 for the presets, far more than a helper's wake-up). Each output
 * element is summed over k in order, as XNNPACK's kernel does for these shapes (the products agree
 * bit for bit, measured on the presets' shapes).
 *
 *   y = x·W                         (LwPotentialProduct, the SIMD kernel windowedProduct)
 *   ∂/∂x = g·Wᵀ                     (the same op: twice differentiable)
 *   ∂/∂W = xᵀ·g                     (LwTransposedProduct, threaded, float64 sums — the trainer's)
 *
 * Widths that are not multiples of 4 (the energy head's last layer), and the tensorflow backend,
 * use tf.matMul.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, NamedAttrMap, NamedTensorInfoMap, Tensor2D, TensorInfo } from '@tensorflow/tfjs-core';
import type { Dense } from '../nn/dense';
import { windowedProduct } from '../simd/index';
import { KERNEL_BACKENDS, need, rawKernels, withArrays } from '../tf/kernels';

const PRODUCT = 'LwPotentialProduct';
/** Rows per thread at least (see the module comment). */
const MIN_ROWS_PER_THREAD = 128;

type KernelArgs = { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap };

function productKernel(args: KernelArgs): TensorInfo {
  const x = need(args.inputs, 'x');
  const w = need(args.inputs, 'w');
  const [rows, k] = x.shape;
  const n = w.shape[1];
  if (x.shape.length !== 2 || w.shape.length !== 2 || w.shape[0] !== k) throw new Error(`${PRODUCT}: shapes [${x.shape.join(', ')}] and [${w.shape.join(', ')}] do not match`);
  const [out] = withArrays(args.backend as KernelBackend, [x, w], [{ shape: [rows, n], dtype: 'float32' }], ([xv, wv], [ov]) =>
    windowedProduct(xv as Float32Array, wv as Float32Array, ov as Float32Array, rows, k, n, MIN_ROWS_PER_THREAD),
  false);
  return out;
}

/** The backends whose tensors the SIMD kernels compute on (wasm, cpu). */
export function simdBackend(): boolean {
  const b = tf.getBackend();
  return b === 'wasm' || b === 'cpu';
}

let registered = false;

function ensureRegistered(): void {
  if (registered) return;
  registered = true;
  for (const backendName of KERNEL_BACKENDS) {
    if (tf.getKernel(PRODUCT, backendName) == null) tf.registerKernel({ kernelName: PRODUCT, backendName, kernelFunc: productKernel as unknown as tf.KernelFunc });
  }
  tf.registerGradient({
    kernelName: PRODUCT,
    inputsToSave: ['x', 'w'],
    gradFunc: (dy, saved) => {
      const [x, w] = saved as Tensor2D[];
      const g = dy as Tensor2D;
      return {
        x: () => product(g, tf.transpose(w)),
        w: () => (g.shape[1] % 4 === 0 && simdBackend() ? rawKernels.transposedProduct(x, g) : tf.matMul(tf.transpose(x), g)),
      };
    },
  });
}

/** x·w, [R, K]·[K, C] → [R, C], on the thread team where it can (see the module comment). */
export function product(x: Tensor2D, w: Tensor2D): Tensor2D {
  if (!simdBackend() || w.shape[1] % 4 !== 0) return tf.matMul(x, w);
  ensureRegistered();
  return tf.engine().runKernel(PRODUCT, { x, w }) as Tensor2D;
}

/** A dense layer, x·W + b. */
export function dense(d: Dense, x: Tensor2D): Tensor2D {
  return tf.tidy(() => d.addBias(product(x, d.kernel as Tensor2D)));
}

/** Columns begin..begin+size of a dense layer's output, x·W[:, cols] + b[cols] (slices the small weights, not the product). */
export function denseColumns(d: Dense, x: Tensor2D, begin: number, size: number): Tensor2D {
  return tf.tidy(() => {
    const y = product(x, tf.slice(d.kernel as Tensor2D, [0, begin], [-1, size]));
    return (d.bias ? tf.add(y, tf.slice(d.bias, [begin], [size])) : y) as Tensor2D;
  });
}

/** x·W[from:to] without bias: the contribution of input columns from..to-1 of a dense layer. */
export function denseRows(d: Dense, x: Tensor2D, from: number, to: number): Tensor2D {
  return tf.tidy(() => product(x, d.kernelRows(from, to)));
}
