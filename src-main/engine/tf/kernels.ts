/**
 * O(E × F) gather / scatter kernels for backends that lack fast ones.
 *
 * tfjs's `wasm` backend has no UnsortedSegmentSum kernel (so `tf.gather` has no
 * gradient there) and the `cpu` backend's UnsortedSegmentSum loops over segments
 * (O(N × E × F)). These kernels are plain loops over typed arrays:
 *
 *   LwGatherRows   {x [N, ...], indices [E]}                    -> [E, ...]   y[e] = x[idx[e]]
 *   LwScatterSum   {x [E, ...], indices [E]}, {numSegments: N} -> [N, ...]   y[n] = Σ_{e: idx[e]=n} x[e]
 *   LwScatterMax   {x [E, ...], indices [E]}, {numSegments: N} -> [N, ...]   y[n] = max_{e: idx[e]=n} x[e] (0 if empty)
 *   LwScatterMaxGrad {dy [N, ...], x [E, ...], indices [E], y [N, ...]} -> [E, ...]
 *                  routes dy[n] to the first edge attaining the maximum.
 *   LwSliceCols    {x [R, C]}, {begin, size}                    -> [R, size]  y[r] = x[r, begin:begin+size]
 *   LwPadCols      {x [R, size]}, {begin, total}               -> [R, total] (inverse placement, zeros elsewhere)
 *   LwColMoments   {x [R, C]}                                   -> [2, C]     column mean and biased variance
 *   LwBnGateFwd    {z [R, 2F], gamma, beta [2F], moments [2, 2F]}, {eps, deriv} -> [m [R, F], deriv [R, 2F]]
 *                  CGCNN's m = σ(BN(z)[:, :F]) ⊙ softplus(BN(z)[:, F:]) in one pass, with
 *                  ∂m/∂filter | ∂m/∂core for the backward pass ([m] alone when deriv is false: inference)
 *   LwBnGateBwd    {dm [R, F], z, deriv [R, 2F], gamma, beta, moments}, {eps, batchStats} -> [dz [R, 2F], dγ, dβ [2F]]
 *                  dz through the batch statistics when batchStats
 *   LwTransposedProduct {x [R, K], g [R, N]}, {columnSums}     -> [K, N]     xᵀ·g (a linear layer's weight gradient;
 *                  with columnSums [K + 1, N], the last row g's column sums: a bias's gradient)
 *   LwEdgeMessage  {nodes [N, 2C] (self | nbr), x [E, K], w [K + 1, C] (last row: bias), center, neighbor [E]}
 *                  {moments} -> [z [E, C], moments [2, C]]
 *                  z = self[center[k]] + nbr[neighbor[k]] + bias + x[k]·w (CGCNN's factored fc_full on edges;
 *                  x·w over each edge's nonzero window of Gaussian features), and z's column
 *                  moments as LwColMoments (batch norm's statistics; no gradient; [z] alone when moments
 *                  is false: inference)
 *   LwEdgeGate     {nodes, x, w, center, neighbor (as LwEdgeMessage), gamma, beta [C], moments [2, C]}, {eps} -> m [E, C/2]
 *                  inference: LwEdgeMessage's z then LwBnGateFwd's m in one call (same bits; z never leaves the
 *                  kernels' memory; no gradient; C/2 a multiple of 4)
 *   LwEdgePairScatter {g [E, C], center, neighbor [E]}, {numNodes: N}  -> [N, 2C]  LwEdgeMessage's nodes gradient
 *   LwWindowedProduct {x [R, K], w [K, N]}                      -> [R, N]     x·w, each row summed over its
 *                  nonzero window only (Gaussian-expanded distances); gradients g·wᵀ and xᵀ·g
 *
 * The hot loops run in the SIMD WebAssembly kernels of `../simd`: the CGCNN gate, xᵀ·g and the
 * windowed product need rows of a multiple of 4 floats (the gate's other widths take the scalar
 * loops here; callers of the others fall back to tf ops), the others take any width; gather of
 * bool and scatter-sum of int32 take the scalar loops too. The cpu backend's own Slice/SplitV walk
 * element by element through index objects: ~100× slower than these loops on [E, 2F] tensors.
 *
 * On `wasm` inputs are read and outputs written on tfjs's WASM heap; elsewhere through
 * readSync / makeTensorInfo. Gradients are
 * registered once for all backends: gather's gradient is a scatter-sum and
 * scatter-sum's gradient is a gather.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { DataType, KernelBackend, NamedAttrMap, NamedTensorInfoMap, Tensor, TensorInfo } from '@tensorflow/tfjs-core';
import * as simd from '../simd';
import { reduceBackwardMeans } from '../nn/batch-sync';

export const GATHER_ROWS = 'LwGatherRows';
export const SCATTER_SUM = 'LwScatterSum';
export const SCATTER_MAX = 'LwScatterMax';
export const SCATTER_MAX_GRAD = 'LwScatterMaxGrad';
export const SLICE_COLS = 'LwSliceCols';
export const PAD_COLS = 'LwPadCols';
export const COL_MOMENTS = 'LwColMoments';
export const BN_GATE_FWD = 'LwBnGateFwd';
export const BN_GATE_BWD = 'LwBnGateBwd';
export const TRANSPOSED_PRODUCT = 'LwTransposedProduct';
export const EDGE_MESSAGE = 'LwEdgeMessage';
export const EDGE_GATE = 'LwEdgeGate';
export const EDGE_PAIR_SCATTER = 'LwEdgePairScatter';
export const WINDOWED_PRODUCT = 'LwWindowedProduct';

/** Backends the JS kernels are registered for. */
export const KERNEL_BACKENDS = ['cpu', 'wasm', 'tensorflow'] as const;

export type Arr = Float32Array | Int32Array | Uint8Array;

export interface OutSpec {
  shape: number[];
  dtype: DataType;
}

interface WasmLike {
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Arr;
}

function isWasm(b: KernelBackend): b is KernelBackend & WasmLike {
  return typeof (b as unknown as WasmLike).typedArrayFromHeap === 'function' && typeof (b as unknown as WasmLike).makeOutput === 'function';
}

function sizeOf(shape: number[]): number {
  let s = 1;
  for (const d of shape) s *= d;
  return s;
}

function newArray(dtype: DataType, n: number): Arr {
  if (dtype === 'int32') return new Int32Array(n);
  if (dtype === 'bool') return new Uint8Array(n);
  return new Float32Array(n);
}

/**
 * Runs `fn` over typed-array views of the inputs and of the outputs (zero-filled unless `fn`
 * overwrites every element: `zero` false).
 */
export function withArrays(backend: KernelBackend, ins: TensorInfo[], outs: OutSpec[], fn: (i: Arr[], o: Arr[]) => void, zero = true): TensorInfo[] {
  if (isWasm(backend)) {
    // Allocate first: allocation may grow the heap and invalidate earlier views.
    const infos = outs.map((o) => backend.makeOutput(o.shape, o.dtype));
    const inArr = ins.map((t) => backend.typedArrayFromHeap(t));
    const outArr = infos.map((t) => backend.typedArrayFromHeap(t));
    if (zero) for (const a of outArr) a.fill(0);
    fn(inArr, outArr);
    return infos;
  }
  const inArr = ins.map((t) => backend.readSync(t.dataId) as Arr);
  const outArr = outs.map((o) => newArray(o.dtype, sizeOf(o.shape)));
  fn(inArr, outArr);
  const maker = backend as unknown as { makeTensorInfo(shape: number[], dtype: DataType, values: Arr): TensorInfo };
  return outs.map((o, k) => maker.makeTensorInfo(o.shape, o.dtype, outArr[k]));
}

/** A gradient tape records the ops run now (training, or a gradient asked of the model): kernels may skip what only a backward pass reads when not. */
export function recordingGradients(): boolean {
  return tf.engine().state.gradientDepth > 0;
}

export function need(inputs: NamedTensorInfoMap, name: string): TensorInfo {
  const t = inputs[name];
  if (t == null) throw new Error(`kernel input "${name}" missing`);
  return t;
}

function rowWidth(shape: number[]): number {
  let f = 1;
  for (let k = 1; k < shape.length; k++) f *= shape[k];
  return f;
}

function checkIndex(i: number, n: number, what: string): void {
  if (!(i >= 0 && i < n) || i !== Math.floor(i)) throw new Error(`${what}: index ${i} out of range [0, ${n})`);
}

function gatherRowsKernel(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const x = need(args.inputs, 'x');
  const indices = need(args.inputs, 'indices');
  const backend = args.backend as KernelBackend;
  const n = x.shape[0];
  const f = rowWidth(x.shape);
  const e = indices.shape[0];
  if (x.dtype !== 'bool') {
    const [out] = withArrays(backend, [x, indices], [{ shape: [e, ...x.shape.slice(1)], dtype: x.dtype }], ([xv, iv], [ov]) => simd.gatherRows(xv as Float32Array, iv as Int32Array, ov as Float32Array, f, n), false);
    return out;
  }
  const [out] = withArrays(backend, [x, indices], [{ shape: [e, ...x.shape.slice(1)], dtype: x.dtype }], ([xv, iv], [ov]) => {
    if (f >= 16) {
      // Row copies through TypedArray.set (memcpy) beat element loops for wide rows.
      for (let k = 0; k < e; k++) {
        const r = iv[k];
        checkIndex(r, n, GATHER_ROWS);
        ov.set(xv.subarray(r * f, r * f + f), k * f);
      }
      return;
    }
    for (let k = 0; k < e; k++) {
      const r = iv[k];
      checkIndex(r, n, GATHER_ROWS);
      const s = r * f;
      const d = k * f;
      for (let j = 0; j < f; j++) ov[d + j] = xv[s + j];
    }
  });
  return out;
}

/** The inputs of a scatter kernel: E rows of width F (`x`), their segment (`indices`), N segments. */
function scatterArgs(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }, kernel: string) {
  const x = need(args.inputs, 'x');
  const indices = need(args.inputs, 'indices');
  const e = x.shape[0];
  if (indices.shape[0] !== e) throw new Error(`${kernel}: ${e} rows but ${indices.shape[0]} indices`);
  return { x, indices, backend: args.backend as KernelBackend, n: args.attrs!.numSegments as number, f: rowWidth(x.shape), e };
}

function scatterSumKernel(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const { x, indices, backend, n, f, e } = scatterArgs(args, SCATTER_SUM);
  if (x.dtype === 'float32') {
    const [out] = withArrays(backend, [x, indices], [{ shape: [n, ...x.shape.slice(1)], dtype: x.dtype }], ([xv, iv], [ov]) => simd.scatterSum(xv as Float32Array, iv as Int32Array, ov as Float32Array, f, n), false);
    return out;
  }
  const [out] = withArrays(backend, [x, indices], [{ shape: [n, ...x.shape.slice(1)], dtype: x.dtype }], ([xv, iv], [ov]) => {
    for (let k = 0; k < e; k++) {
      const r = iv[k];
      checkIndex(r, n, SCATTER_SUM);
      const d = r * f;
      const s = k * f;
      for (let j = 0; j < f; j++) ov[d + j] += xv[s + j];
    }
  });
  return out;
}

function scatterMaxKernel(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const { x, indices, backend, n, f, e } = scatterArgs(args, SCATTER_MAX);
  const [out] = withArrays(backend, [x, indices], [{ shape: [n, ...x.shape.slice(1)], dtype: x.dtype }], ([xv, iv], [ov]) => {
    const seen = new Uint8Array(n);
    for (let k = 0; k < e; k++) {
      const r = iv[k];
      checkIndex(r, n, SCATTER_MAX);
      const d = r * f;
      const s = k * f;
      if (!seen[r]) {
        seen[r] = 1;
        for (let j = 0; j < f; j++) ov[d + j] = xv[s + j];
      } else {
        for (let j = 0; j < f; j++) if (xv[s + j] > ov[d + j]) ov[d + j] = xv[s + j];
      }
    }
  });
  return out;
}

function scatterMaxGradKernel(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const dy = need(args.inputs, 'dy');
  const x = need(args.inputs, 'x');
  const indices = need(args.inputs, 'indices');
  const y = need(args.inputs, 'y');
  const backend = args.backend as KernelBackend;
  const n = y.shape[0];
  const f = rowWidth(x.shape);
  const e = x.shape[0];
  const [out] = withArrays(backend, [dy, x, indices, y], [{ shape: x.shape.slice(), dtype: 'float32' }], ([dyv, xv, iv, yv], [ov]) => {
    const taken = new Uint8Array(n * f);
    for (let k = 0; k < e; k++) {
      const r = iv[k];
      const d = r * f;
      const s = k * f;
      for (let j = 0; j < f; j++) {
        if (!taken[d + j] && xv[s + j] === yv[d + j]) {
          taken[d + j] = 1;
          ov[s + j] = dyv[d + j];
        }
      }
    }
  });
  return out;
}

function sliceColsKernel(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const x = need(args.inputs, 'x');
  const backend = args.backend as KernelBackend;
  const begin = args.attrs!.begin as number;
  const size = args.attrs!.size as number;
  const [rows, cols] = x.shape;
  if (x.shape.length !== 2 || begin < 0 || begin + size > cols) throw new Error(`${SLICE_COLS}: bad slice ${begin}+${size} of [${x.shape.join(', ')}]`);
  const [out] = withArrays(backend, [x], [{ shape: [rows, size], dtype: x.dtype }], ([xv], [ov]) => {
    for (let r = 0; r < rows; r++) {
      const s = r * cols + begin;
      const d = r * size;
      for (let j = 0; j < size; j++) ov[d + j] = xv[s + j];
    }
  });
  return out;
}

function padColsKernel(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const x = need(args.inputs, 'x');
  const backend = args.backend as KernelBackend;
  const begin = args.attrs!.begin as number;
  const total = args.attrs!.total as number;
  const [rows, size] = x.shape;
  const [out] = withArrays(backend, [x], [{ shape: [rows, total], dtype: x.dtype }], ([xv], [ov]) => {
    for (let r = 0; r < rows; r++) {
      const d = r * total + begin;
      const s = r * size;
      for (let j = 0; j < size; j++) ov[d + j] = xv[s + j];
    }
  });
  return out;
}

function colMomentsKernel(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const x = need(args.inputs, 'x');
  const [rows, cols] = x.shape;
  const [out] = withArrays(args.backend as KernelBackend, [x], [{ shape: [2, cols], dtype: 'float32' }], ([xv], [ov]) => simd.colMoments(xv as Float32Array, ov as Float32Array, rows, cols), false);
  return out;
}

function sigmoidOf(v: number): number {
  if (v >= 0) return 1 / (1 + Math.exp(-v));
  const e = Math.exp(v);
  return e / (1 + e);
}

/** Batch norm folded per column: y = a·z + b with a = γ·r, b = β − μ·a, r = 1/√(σ² + ε). */
function bnCoefficients(gv: Arr, bv: Arr, mv: Arr, c2: number, eps: number): { a: Float32Array; b: Float32Array; r: Float32Array; mean: Float32Array } {
  const a = new Float32Array(c2);
  const b = new Float32Array(c2);
  const r = new Float32Array(c2);
  for (let c = 0; c < c2; c++) {
    const rc = 1 / Math.sqrt(mv[c2 + c] + eps);
    r[c] = rc;
    a[c] = gv[c] * rc;
    b[c] = bv[c] - mv[c] * gv[c] * rc;
  }
  return { a, b, r, mean: Float32Array.from(mv.subarray(0, c2)) };
}

function bnGateFwdKernel(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo[] {
  const z = need(args.inputs, 'z');
  const gamma = need(args.inputs, 'gamma');
  const beta = need(args.inputs, 'beta');
  const moments = need(args.inputs, 'moments');
  const eps = args.attrs!.eps as number;
  const withDeriv = args.attrs!.deriv !== false;
  const [rows, c2] = z.shape;
  const f = c2 / 2;
  // m [R, F], and deriv [R, 2F] = ∂m/∂y_filter | ∂m/∂y_core so the backward pass needs no exp/log.
  const outs: OutSpec[] = [{ shape: [rows, f], dtype: 'float32' }, ...(withDeriv ? [{ shape: [rows, c2], dtype: 'float32' } as OutSpec] : [])];
  return withArrays(
    args.backend as KernelBackend,
    [z, gamma, beta, moments],
    outs,
    ([zv, gv, bv, mv], [mo, dv]) => {
      const { a, b } = bnCoefficients(gv, bv, mv, c2, eps);
      if (simd.simdWidth(f)) return simd.bnGateForward(zv as Float32Array, a, b, { m: mo as Float32Array, deriv: withDeriv ? (dv as Float32Array) : null }, rows, f);
      for (let r = 0; r < rows; r++) {
        const zi = r * c2;
        for (let j = 0; j < f; j++) {
          const yf = zv[zi + j] * a[j] + b[j];
          const yc = zv[zi + f + j] * a[f + j] + b[f + j];
          const sf = sigmoidOf(yf);
          const sp = yc > 0 ? yc + Math.log1p(Math.exp(-yc)) : Math.log1p(Math.exp(yc));
          mo[r * f + j] = sf * sp;
          if (!withDeriv) continue;
          dv[zi + j] = sp * sf * (1 - sf);
          dv[zi + f + j] = sf * sigmoidOf(yc);
        }
      }
    },
    false,
  );
}

function bnGateBwdKernel(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo[] {
  const dm = need(args.inputs, 'dm');
  const z = need(args.inputs, 'z');
  const deriv = need(args.inputs, 'deriv');
  const gamma = need(args.inputs, 'gamma');
  const beta = need(args.inputs, 'beta');
  const moments = need(args.inputs, 'moments');
  const eps = args.attrs!.eps as number;
  const batchStats = !!args.attrs!.batchStats;
  const [rows, c2] = z.shape;
  const f = c2 / 2;
  const outs: OutSpec[] = [
    { shape: [rows, c2], dtype: 'float32' },
    { shape: [c2], dtype: 'float32' },
    { shape: [c2], dtype: 'float32' },
  ];
  return withArrays(
    args.backend as KernelBackend,
    [dm, z, deriv, gamma, beta, moments],
    outs,
    ([dv, zv, pv, gv, bv, mv], [dz, dgamma, dbeta]) => {
      const { a, r: rs, mean } = bnCoefficients(gv, bv, mv, c2, eps);
      // with batch statistics the means run over the whole batch (every data-parallel replica's rows)
      const means: simd.BackwardMeans = (sumDy, sumDyXhat, n) => (batchStats ? reduceBackwardMeans(sumDy, sumDyXhat, n) : { meanDy: sumDy, meanDyXhat: sumDyXhat });
      if (simd.simdWidth(f)) {
        simd.bnGateBackward(
          dv as Float32Array,
          zv as Float32Array,
          pv as Float32Array,
          { mean, rstd: rs, a },
          rows,
          f,
          batchStats,
          { dz: dz as Float32Array, dgamma: dgamma as Float32Array, dbeta: dbeta as Float32Array },
          means,
        );
        return;
      }
      const sumDy = new Float64Array(c2);
      const sumDyXhat = new Float64Array(c2);
      // Pass 1: dy = ∂L/∂(BN output) into dz (from the forward's saved derivatives), with the column sums for dβ and dγ.
      for (let r = 0; r < rows; r++) {
        const zi = r * c2;
        for (let j = 0; j < f; j++) {
          const g = dv[r * f + j];
          const dyf = g * pv[zi + j];
          const dyc = g * pv[zi + f + j];
          dz[zi + j] = dyf;
          dz[zi + f + j] = dyc;
          sumDy[j] += dyf;
          sumDy[f + j] += dyc;
          sumDyXhat[j] += dyf * (zv[zi + j] - mean[j]) * rs[j];
          sumDyXhat[f + j] += dyc * (zv[zi + f + j] - mean[f + j]) * rs[f + j];
        }
      }
      // Pass 2: dz = γ·r·(dy − mean(dy) − x̂·mean(dy·x̂)) with batch statistics, else γ·r·dy.
      const { meanDy, meanDyXhat } = means(sumDy, sumDyXhat, rows);
      for (let r = 0; r < rows; r++) {
        const zi = r * c2;
        for (let c = 0; c < c2; c++) {
          const dy = dz[zi + c];
          if (batchStats) {
            const xhat = (zv[zi + c] - mean[c]) * rs[c];
            dz[zi + c] = a[c] * (dy - meanDy[c] - xhat * meanDyXhat[c]);
          } else {
            dz[zi + c] = a[c] * dy;
          }
        }
      }
      for (let c = 0; c < c2; c++) {
        dgamma[c] = sumDyXhat[c];
        dbeta[c] = sumDy[c];
      }
    },
    false,
  );
}

function edgeMessageKernel(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo[] {
  const [nodes, x, w, center, neighbor] = ['nodes', 'x', 'w', 'center', 'neighbor'].map((k) => need(args.inputs, k));
  const n = nodes.shape[0];
  const c = w.shape[1];
  const e = center.shape[0];
  const kx = x.shape[1];
  if (nodes.shape[1] !== 2 * c || x.shape[0] !== e || w.shape[0] !== kx + 1 || neighbor.shape[0] !== e) {
    throw new Error(`${EDGE_MESSAGE}: shapes do not match (nodes [${nodes.shape.join(', ')}], x [${x.shape.join(', ')}], w [${w.shape.join(', ')}], ${e} and ${neighbor.shape[0]} indices)`);
  }
  const withMoments = args.attrs?.moments !== false;
  return withArrays(
    args.backend as KernelBackend,
    [nodes, x, w, center, neighbor],
    [{ shape: [e, c], dtype: 'float32' }, ...(withMoments ? [{ shape: [2, c], dtype: 'float32' } as OutSpec] : [])],
    ([nv, xv, wv, cv, nbv], [zv, mv]) =>
      simd.edgeMessage({ nodes: nv as Float32Array, x: xv as Float32Array, w: wv as Float32Array }, cv as Int32Array, nbv as Int32Array, { z: zv as Float32Array, moments: withMoments ? (mv as Float32Array) : null }, c, n, kx),
    false,
  );
}

function edgeGateKernel(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const [nodes, x, w, center, neighbor, gamma, beta, moments] = ['nodes', 'x', 'w', 'center', 'neighbor', 'gamma', 'beta', 'moments'].map((k) => need(args.inputs, k));
  const n = nodes.shape[0];
  const c = w.shape[1];
  const e = center.shape[0];
  const kx = x.shape[1];
  if (nodes.shape[1] !== 2 * c || x.shape[0] !== e || w.shape[0] !== kx + 1 || neighbor.shape[0] !== e || gamma.shape[0] !== c || !simd.simdWidth(c / 2)) {
    throw new Error(`${EDGE_GATE}: shapes do not match (nodes [${nodes.shape.join(', ')}], x [${x.shape.join(', ')}], w [${w.shape.join(', ')}], ${e} and ${neighbor.shape[0]} indices, gamma [${gamma.shape.join(', ')}])`);
  }
  const eps = args.attrs!.eps as number;
  const [out] = withArrays(
    args.backend as KernelBackend,
    [nodes, x, w, center, neighbor, gamma, beta, moments],
    [{ shape: [e, c / 2], dtype: 'float32' }],
    ([nv, xv, wv, cv, nbv, gv, bv, mv], [ov]) =>
      simd.edgeGate({ nodes: nv as Float32Array, x: xv as Float32Array, w: wv as Float32Array }, cv as Int32Array, nbv as Int32Array, bnCoefficients(gv, bv, mv, c, eps), ov as Float32Array, c, n, kx),
    false,
  );
  return out;
}

/** The gradient of LwEdgeMessage's nodes: g [E, C] summed into rows center (columns 0..C) and neighbor (C..2C), [N, 2C]. */
function edgePairScatterKernel(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const [g, center, neighbor] = ['g', 'center', 'neighbor'].map((k) => need(args.inputs, k));
  const n = args.attrs!.numNodes as number;
  const c = g.shape[1];
  const [out] = withArrays(args.backend as KernelBackend, [g, center, neighbor], [{ shape: [n, 2 * c], dtype: 'float32' }], ([gv, dv, sv], [ov]) =>
    simd.edgePairScatter(gv as Float32Array, dv as Int32Array, sv as Int32Array, ov as Float32Array, c, n),
  false);
  return out;
}

/** xᵀ·g for x [R, K], g [R, N]: the weight gradient of a linear layer over R rows, [K, N]. */
function transposedProductKernel(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const x = need(args.inputs, 'x');
  const g = need(args.inputs, 'g');
  const [rows, k] = x.shape;
  const n = g.shape[1];
  if (x.shape.length !== 2 || g.shape.length !== 2 || g.shape[0] !== rows) throw new Error(`${TRANSPOSED_PRODUCT}: shapes [${x.shape.join(', ')}] and [${g.shape.join(', ')}] do not match`);
  if (!simd.simdWidth(n)) throw new Error(`${TRANSPOSED_PRODUCT}: ${n} columns is not a multiple of 4`);
  const columnSums = !!args.attrs?.columnSums;
  const [out] = withArrays(args.backend as KernelBackend, [x, g], [{ shape: [columnSums ? k + 1 : k, n], dtype: 'float32' }], ([xv, gv], [ov]) =>
    simd.transposedProduct(xv as Float32Array, gv as Float32Array, ov as Float32Array, rows, k, n, columnSums),
  false);
  return out;
}

/** x·w for x [R, K] whose rows are zero outside a window, w [K, N], N % 4 = 0. */
function windowedProductKernel(args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }): TensorInfo {
  const x = need(args.inputs, 'x');
  const w = need(args.inputs, 'w');
  const [rows, k] = x.shape;
  const n = w.shape[1];
  if (x.shape.length !== 2 || w.shape.length !== 2 || w.shape[0] !== k) throw new Error(`${WINDOWED_PRODUCT}: shapes [${x.shape.join(', ')}] and [${w.shape.join(', ')}] do not match`);
  if (!simd.simdWidth(n)) throw new Error(`${WINDOWED_PRODUCT}: ${n} columns is not a multiple of 4`);
  const [out] = withArrays(args.backend as KernelBackend, [x, w], [{ shape: [rows, n], dtype: 'float32' }], ([xv, wv], [ov]) =>
    simd.windowedProduct(xv as Float32Array, wv as Float32Array, ov as Float32Array, rows, k, n),
  false);
  return out;
}

/** xᵀ·g for rows of x with zeros outside a window: the SIMD kernel (it skips them) when g's width is a multiple of 4. */
function windowedWeightGradient(x: Tensor, g: Tensor): Tensor {
  if (simd.simdWidth(g.shape[1]!)) return run(TRANSPOSED_PRODUCT, { x, g });
  return tf.matMul(tf.transpose(x) as tf.Tensor2D, g as tf.Tensor2D);
}

function run(kernelName: string, inputs: Record<string, Tensor>, attrs: NamedAttrMap = {}): Tensor {
  return tf.engine().runKernel(kernelName, inputs, attrs) as Tensor;
}

function runMany(kernelName: string, inputs: Record<string, Tensor>, attrs: NamedAttrMap = {}): Tensor[] {
  return tf.engine().runKernel(kernelName, inputs, attrs) as unknown as Tensor[];
}

let registered = false;

/** Registers the kernels (for KERNEL_BACKENDS) and their gradients; idempotent. */
export function registerSegmentKernels(): void {
  if (registered) return;
  registered = true;
  const kernels: Array<[string, (a: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }) => TensorInfo | TensorInfo[]]> = [
    [GATHER_ROWS, gatherRowsKernel],
    [SCATTER_SUM, scatterSumKernel],
    [SCATTER_MAX, scatterMaxKernel],
    [SCATTER_MAX_GRAD, scatterMaxGradKernel],
    [SLICE_COLS, sliceColsKernel],
    [PAD_COLS, padColsKernel],
    [COL_MOMENTS, colMomentsKernel],
    [BN_GATE_FWD, bnGateFwdKernel],
    [BN_GATE_BWD, bnGateBwdKernel],
    [TRANSPOSED_PRODUCT, transposedProductKernel],
    [EDGE_MESSAGE, edgeMessageKernel],
    [EDGE_GATE, edgeGateKernel],
    [EDGE_PAIR_SCATTER, edgePairScatterKernel],
    [WINDOWED_PRODUCT, windowedProductKernel],
  ];
  for (const backendName of KERNEL_BACKENDS) {
    for (const [kernelName, fn] of kernels) {
      if (tf.getKernel(kernelName, backendName) == null) {
        tf.registerKernel({ kernelName, backendName, kernelFunc: fn as unknown as tf.KernelFunc });
      }
    }
  }
  tf.registerGradient({
    kernelName: GATHER_ROWS,
    inputsToSave: ['x', 'indices'],
    gradFunc: (dy, saved) => {
      const [x, indices] = saved;
      return {
        x: () => run(SCATTER_SUM, { x: dy as Tensor, indices }, { numSegments: x.shape[0] }),
        indices: () => tf.zerosLike(indices),
      };
    },
  });
  tf.registerGradient({
    kernelName: SCATTER_SUM,
    inputsToSave: ['indices'],
    gradFunc: (dy, saved) => {
      const [indices] = saved;
      return {
        x: () => run(GATHER_ROWS, { x: dy as Tensor, indices }),
        indices: () => tf.zerosLike(indices),
      };
    },
  });
  tf.registerGradient({
    kernelName: EDGE_MESSAGE,
    inputsToSave: ['nodes', 'x', 'w', 'center', 'neighbor'],
    gradFunc: (dy, saved) => {
      const [nodes, x, w, center, neighbor] = saved;
      // the moments output (absent in inference, when tfjs passes dy as one tensor) has no gradient
      const g = Array.isArray(dy) ? dy[0] : dy;
      const kx = x.shape[1]!;
      return {
        nodes: () => run(EDGE_PAIR_SCATTER, { g, center, neighbor }, { numNodes: nodes.shape[0] }),
        x: () => tf.matMul(g as tf.Tensor2D, tf.transpose(tf.slice(w, [0, 0], [kx, -1])) as tf.Tensor2D),
        // xᵀ·g with g's column sums (the bias row) appended, in one pass over g
        w: () =>
          simd.simdWidth(g.shape[1]!)
            ? run(TRANSPOSED_PRODUCT, { x, g }, { columnSums: true })
            : tf.concat([tf.matMul(tf.transpose(x) as tf.Tensor2D, g as tf.Tensor2D), tf.sum(g, 0, true)], 0),
        center: () => tf.zerosLike(center),
        neighbor: () => tf.zerosLike(neighbor),
      };
    },
  });
  tf.registerGradient({
    kernelName: WINDOWED_PRODUCT,
    inputsToSave: ['x', 'w'],
    gradFunc: (dy, saved) => {
      const [x, w] = saved;
      const g = dy as Tensor;
      return {
        x: () => tf.matMul(g as tf.Tensor2D, tf.transpose(w) as tf.Tensor2D),
        w: () => windowedWeightGradient(x, g),
      };
    },
  });
  // Second derivatives (force training differentiates weight gradients): y = xᵀ·g [| Σ_rows g]
  tf.registerGradient({
    kernelName: TRANSPOSED_PRODUCT,
    inputsToSave: ['x', 'g'],
    gradFunc: (dy, saved, attrs) => {
      const [x, g] = saved;
      const k = x.shape[1]!;
      const d = dy as tf.Tensor2D;
      const dw = attrs.columnSums ? tf.slice(d, [0, 0], [k, -1]) : d;
      return {
        x: () => tf.matMul(g as tf.Tensor2D, tf.transpose(dw) as tf.Tensor2D),
        g: () => {
          const dg = tf.matMul(x as tf.Tensor2D, dw);
          return attrs.columnSums ? tf.add(dg, tf.slice(d, [k, 0], [1, -1])) : dg;
        },
      };
    },
  });
  tf.registerGradient({
    kernelName: SCATTER_MAX,
    inputsToSave: ['x', 'indices'],
    outputsToSave: [true],
    gradFunc: (dy, saved) => {
      const [x, indices, y] = saved;
      return {
        x: () => run(SCATTER_MAX_GRAD, { dy: dy as Tensor, x, indices, y }),
        indices: () => tf.zerosLike(indices),
      };
    },
  });
  tf.registerGradient({
    kernelName: SLICE_COLS,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      return { x: () => run(PAD_COLS, { x: dy as Tensor }, { begin: attrs.begin as number, total: x.shape[1] as number }) };
    },
  });
  tf.registerGradient({
    kernelName: PAD_COLS,
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      return { x: () => run(SLICE_COLS, { x: dy as Tensor }, { begin: attrs.begin as number, size: x.shape[1] as number }) };
    },
  });
}

const SHARED_IDENTITY = Symbol('lw-shared-identity');

/**
 * tfjs's wasm Identity copies the whole buffer. tfjs calls Identity to keep a private copy of
 * every tensor a gradient will need while recording a tape (tf.clone), so a training step
 * copied every saved [E, 2F] activation. Tensors are immutable and the wasm backend counts
 * references (its Reshape shares data the same way), so Identity can share the buffer.
 * Call after the wasm backend's kernels are registered (initBackend does).
 */
export function installSharedIdentity(backendName = 'wasm'): boolean {
  const current = tf.getKernel('Identity', backendName);
  if (!current || (current.kernelFunc as unknown as Record<symbol, boolean>)[SHARED_IDENTITY]) return false;
  const original = current.kernelFunc;
  const shared = ((args: { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap }) => {
    const x = need(args.inputs, 'x');
    if (x.dtype === 'string') return original(args as never);
    (args.backend as KernelBackend).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape.slice(), dtype: x.dtype };
  }) as unknown as tf.KernelFunc;
  (shared as unknown as Record<symbol, boolean>)[SHARED_IDENTITY] = true;
  tf.unregisterKernel('Identity', backendName);
  tf.registerKernel({ kernelName: 'Identity', backendName, kernelFunc: shared });
  return true;
}

/** Low-level entry points (no backend dispatch); prefer `nn/segment`. */
export const rawKernels = {
  gatherRows: (x: Tensor, indices: Tensor) => run(GATHER_ROWS, { x, indices }),
  scatterSum: (x: Tensor, indices: Tensor, numSegments: number) => run(SCATTER_SUM, { x, indices }, { numSegments }),
  scatterMax: (x: Tensor, indices: Tensor, numSegments: number) => run(SCATTER_MAX, { x, indices }, { numSegments }),
  sliceCols: (x: Tensor, begin: number, size: number) => run(SLICE_COLS, { x }, { begin, size }),
  colMoments: (x: Tensor) => run(COL_MOMENTS, { x }),
  /** [m [R, F], deriv [R, 2F]]; [m] alone with deriv false (inference: nothing will differentiate it) */
  bnGateFwd: (z: Tensor, gamma: Tensor, beta: Tensor, moments: Tensor, eps: number, deriv = true) => runMany(BN_GATE_FWD, { z, gamma, beta, moments }, { eps, deriv }),
  /** [dz [R, 2F], dgamma [2F], dbeta [2F]] */
  bnGateBwd: (dm: Tensor, z: Tensor, deriv: Tensor, gamma: Tensor, beta: Tensor, moments: Tensor, eps: number, batchStats: boolean) =>
    runMany(BN_GATE_BWD, { dm, z, deriv, gamma, beta, moments }, { eps, batchStats }),
  /**
   * [z = self[center] + nbr[neighbor] + bias + x·w [E, C], z's column mean and variance [2, C]]; nodes [N, 2C]
   * = self | nbr, x: edge features [E, K], w [K + 1, C]: their weight block with the bias as last row;
   * [z] alone with moments false (inference)
   */
  edgeMessage: (nodes: Tensor, x: Tensor, w: Tensor, center: Tensor, neighbor: Tensor, moments = true) => runMany(EDGE_MESSAGE, { nodes, x, w, center, neighbor }, { moments }),
  /** Inference: m [E, C/2] = the gate (batch norm with `moments`, γ, β) of edgeMessage's z, in one call; C/2 a multiple of 4 */
  edgeGate: (nodes: Tensor, x: Tensor, w: Tensor, center: Tensor, neighbor: Tensor, gamma: Tensor, beta: Tensor, moments: Tensor, eps: number) =>
    run(EDGE_GATE, { nodes, x, w, center, neighbor, gamma, beta, moments }, { eps }),
  /** xᵀ·g, [K, N] (N a multiple of 4) */
  transposedProduct: (x: Tensor, g: Tensor) => run(TRANSPOSED_PRODUCT, { x, g }),
  /** x·w skipping each row's zeros outside its nonzero window, [R, N] (N a multiple of 4) */
  windowedProduct: (x: Tensor, w: Tensor) => run(WINDOWED_PRODUCT, { x, w }),
};
