/**
 * Gather / scatter primitives for message passing, differentiable and O(E × F) on
 * every backend.
 *
 * Legend: N nodes (segments), E edges (rows), F features (any trailing shape).
 *
 *   gatherRows(x [N, F], idx [E])        -> [E, F]   y[e] = x[idx[e]]
 *   scatterSum(m [E, F], seg [E], N)     -> [N, F]   y[n] = Σ_{e: seg[e]=n} m[e]
 *   scatterMean(m [E, F], seg [E], N)    -> [N, F]   sum / count (0 for nodes without edges)
 *   scatterMax(m [E, F], seg [E], N)     -> [N, F]   elementwise max (0 for nodes without edges)
 *   segmentSoftmax(s [E, H], seg [E], N) -> [E, H]   softmax of s over the rows of each segment
 *
 * seg is a segment id per row: an edge's center atom (messages aggregated into atoms), or an
 * atom's graph (readouts).
 *   sliceColumns(x [R, C], b, s)         -> [R, s]   columns b..b+s-1 (tf.slice is very slow on cpu)
 *   splitColumns(x [R, C], sizes)        -> [R, sᵢ]  tf.split along axis 1
 *   windowedProduct(x [R, K], w [K, N])  -> [R, N]   x·w for rows that are zero outside a window
 *
 * Indices are int32 tensors. On the `tensorflow` backend (tfjs-node) gather and
 * scatter-sum use the native GatherV2 / UnsortedSegmentSum; on `cpu` and `wasm` they
 * use the typed-array kernels of `tf/kernels` (registered on first use).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { rawKernels, registerSegmentKernels } from '../tf/kernels';

registerSegmentKernels();

function native(): boolean {
  return tf.getBackend() === 'tensorflow';
}

/** y[e] = x[idx[e]]; gradient: scatter-sum of dy into x's rows. */
export function gatherRows<T extends Tensor>(x: T, idx: Tensor1D): T {
  if (native()) return tf.gather(x, idx) as T;
  return rawKernels.gatherRows(x, idx) as T;
}

/** y[n] = Σ_{e: seg[e] = n} m[e]; gradient: gather of dy. */
export function scatterSum<T extends Tensor>(m: T, seg: Tensor1D, numSegments: number): T {
  if (native()) return tf.unsortedSegmentSum(m, seg, numSegments) as T;
  return rawKernels.scatterSum(m, seg, numSegments) as T;
}

/** Number of edges per segment, [N] float32 (no gradient). */
export function segmentCounts(seg: Tensor1D, numSegments: number): Tensor1D {
  return tf.tidy(() => scatterSum(tf.onesLike(tf.cast(seg, 'float32')), seg, numSegments) as Tensor1D);
}

/** Mean over each segment's rows; segments without rows give 0. */
export function scatterMean<T extends Tensor>(m: T, seg: Tensor1D, numSegments: number): T {
  return tf.tidy(() => {
    const sum = scatterSum(m, seg, numSegments);
    const count = tf.maximum(segmentCounts(seg, numSegments), 1);
    const shape = [numSegments, ...new Array(m.rank - 1).fill(1)];
    return tf.div(sum, tf.reshape(count, shape)) as T;
  });
}

/** Elementwise max over each segment's rows; segments without rows give 0. Gradient goes to the first arg-max. */
export function scatterMax<T extends Tensor>(m: T, seg: Tensor1D, numSegments: number): T {
  return rawKernels.scatterMax(m, seg, numSegments) as T;
}

/**
 * Softmax over the rows sharing a destination: a[e] = exp(s[e]) / Σ_{e': seg[e']=seg[e]} exp(s[e']).
 * Shifted by the segment max for stability.
 */
export function segmentSoftmax<T extends Tensor>(scores: T, seg: Tensor1D, numSegments: number): T {
  return tf.tidy(() => {
    // Softmax is shift invariant, so the gradient through the max shift cancels exactly.
    const mx = scatterMax(scores, seg, numSegments);
    const ex = tf.exp(tf.sub(scores, gatherRows(mx, seg)));
    const den = gatherRows(scatterSum(ex, seg, numSegments), seg);
    return tf.div(ex, den) as T;
  });
}

/** Columns begin..begin+size-1 of a 2-D tensor, [R, C] → [R, size] (fast on cpu; gradient pads back). */
export function sliceColumns(x: Tensor2D, begin: number, size: number): Tensor2D {
  if (native()) return tf.slice(x, [0, begin], [-1, size]);
  return rawKernels.sliceCols(x, begin, size) as Tensor2D;
}

/** Splits [R, C] into column blocks of the given widths (tf.split along axis 1, fast on cpu). */
export function splitColumns(x: Tensor2D, sizes: number[]): Tensor2D[] {
  const out: Tensor2D[] = [];
  let at = 0;
  for (const s of sizes) {
    out.push(sliceColumns(x, at, s));
    at += s;
  }
  if (at !== x.shape[1]) throw new Error(`splitColumns: widths add up to ${at}, tensor has ${x.shape[1]} columns`);
  return out;
}

/**
 * x·w for x whose rows are zero outside a contiguous window, such as Gaussian-expanded distances
 * (~2/3 zeros at CGCNN's settings). On cpu and wasm a SIMD kernel visits only each row's window
 * (the same sum: the skipped terms are 0·w); elsewhere, or when N is not a multiple of 4, tf.matMul.
 */
export function windowedProduct(x: Tensor2D, w: Tensor2D): Tensor2D {
  if (native() || w.shape[1] % 4 !== 0) return tf.matMul(x, w);
  return rawKernels.windowedProduct(x, w) as Tensor2D;
}
