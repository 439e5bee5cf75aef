/**
 * The edge vectors of a potential's graph as one tfjs op with a twice-differentiable gradient:
 *
 *   r_e = P[j] − P[i] + S_e                 i = center[e], j = neighbor[e]      (LwEdgeVectors)
 *   ∂/∂P: g_P[a] = Σ_{e: j = a} g_e − Σ_{e: i = a} g_e                          (LwEdgeVectorsGrad)
 *   ∂/∂S: g_S = g
 *
 * LwEdgeVectorsGrad is linear in g and its own gradient is LwEdgeVectors of the cotangent without a
 * shift, so forces (one gradient) and the weight gradient of a force loss (a gradient of that)
 * both stay in these two passes over the edges. They replace two row gathers, a sum and a
 * difference of [E, 3] tensors forward, and two scatters and their bookkeeping backward (the
 * gathers of 3-float rows copied each row separately). Summation order of g_P: the edges in order,
 * the neighbour term before the centre term of each edge.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, NamedAttrMap, NamedTensorInfoMap, Tensor, Tensor1D, Tensor2D, TensorInfo } from '@tensorflow/tfjs-core';
import { KERNEL_BACKENDS, need, withArrays } from '../tf/kernels';

const EDGE_VECTORS = 'LwEdgeVectors';
const EDGE_VECTORS_GRAD = 'LwEdgeVectorsGrad';

type KernelArgs = { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap };

function checkEdges(kernel: string, center: Int32Array, neighbor: Int32Array, n: number): void {
  for (let e = 0; e < center.length; e++) {
    const i = center[e];
    const j = neighbor[e];
    if (!(i >= 0 && i < n && j >= 0 && j < n)) throw new Error(`${kernel}: edge ${e} (${i} → ${j}) out of range [0, ${n})`);
  }
}

/** r [E·3] = P[j] − P[i] (+ S_e) in float32, edges' atom indices checked (errors name `kernel`). */
export function edgeVectorsInto(kernel: string, P: Float32Array, S: Float32Array | null, center: Int32Array, neighbor: Int32Array, n: number, r: Float32Array): void {
  checkEdges(kernel, center, neighbor, n);
  for (let e = 0; e < center.length; e++) {
    const i = 3 * center[e];
    const j = 3 * neighbor[e];
    const k = 3 * e;
    r[k] = P[j] - P[i];
    r[k + 1] = P[j + 1] - P[i + 1];
    r[k + 2] = P[j + 2] - P[i + 2];
  }
  if (S) for (let k = 0; k < r.length; k++) r[k] += S[k];
}

function edgeVectorsKernel(args: KernelArgs): TensorInfo {
  const p = need(args.inputs, 'positions');
  const center = need(args.inputs, 'center');
  const neighbor = need(args.inputs, 'neighbor');
  const shift = args.inputs.shift ?? null;
  const E = center.shape[0];
  const N = p.shape[0];
  const ins = [p, center, neighbor, ...(shift ? [shift] : [])];
  const [out] = withArrays(args.backend as KernelBackend, ins, [{ shape: [E, 3], dtype: 'float32' }], ([pa, ca, na, sa], [oa]) =>
    edgeVectorsInto(EDGE_VECTORS, pa as Float32Array, (sa as Float32Array | undefined) ?? null, ca as Int32Array, na as Int32Array, N, oa as Float32Array),
  false);
  return out;
}

function edgeVectorsGradKernel(args: KernelArgs): TensorInfo {
  const g = need(args.inputs, 'g');
  const center = need(args.inputs, 'center');
  const neighbor = need(args.inputs, 'neighbor');
  const N = args.attrs!.numAtoms as number;
  const [out] = withArrays(args.backend as KernelBackend, [g, center, neighbor], [{ shape: [N, 3], dtype: 'float32' }], ([ga, ca, na], [oa]) => {
    checkEdges(EDGE_VECTORS_GRAD, ca as Int32Array, na as Int32Array, N);
    addEdgeVectorsGrad(ga as Float32Array, ca as Int32Array, na as Int32Array, oa as Float32Array);
  });
  return out;
}

/** o[a] += Σ_{e: neighbor a} G_e − Σ_{e: center a} G_e (∂/∂P of Σ_e G_e·r_e; indices already checked), edge by edge. */
export function addEdgeVectorsGrad(G: Float32Array, center: Int32Array, neighbor: Int32Array, o: Float32Array | Float64Array): void {
  for (let e = 0; e < center.length; e++) {
    const i = 3 * center[e];
    const j = 3 * neighbor[e];
    const k = 3 * e;
    o[j] += G[k];
    o[j + 1] += G[k + 1];
    o[j + 2] += G[k + 2];
    o[i] -= G[k];
    o[i + 1] -= G[k + 1];
    o[i + 2] -= G[k + 2];
  }
}

function run(kernelName: string, inputs: Record<string, Tensor>, attrs: NamedAttrMap = {}): Tensor {
  return tf.engine().runKernel(kernelName, inputs, attrs) as Tensor;
}

let registered = false;

function ensureRegistered(): void {
  if (registered) return;
  registered = true;
  for (const backendName of KERNEL_BACKENDS) {
    for (const [kernelName, fn] of [
      [EDGE_VECTORS, edgeVectorsKernel],
      [EDGE_VECTORS_GRAD, edgeVectorsGradKernel],
    ] as const) {
      if (tf.getKernel(kernelName, backendName) == null) tf.registerKernel({ kernelName, backendName, kernelFunc: fn as unknown as tf.KernelFunc });
    }
  }
  tf.registerGradient({
    kernelName: EDGE_VECTORS,
    inputsToSave: ['positions', 'center', 'neighbor'],
    gradFunc: (dy, saved) => {
      const [positions, center, neighbor] = saved;
      const g = dy as Tensor;
      return {
        positions: () => run(EDGE_VECTORS_GRAD, { g, center, neighbor }, { numAtoms: positions.shape[0] }),
        shift: () => g,
        center: () => tf.zerosLike(center),
        neighbor: () => tf.zerosLike(neighbor),
      };
    },
  });
  tf.registerGradient({
    kernelName: EDGE_VECTORS_GRAD,
    inputsToSave: ['center', 'neighbor'],
    gradFunc: (dy, saved) => {
      const [center, neighbor] = saved;
      return {
        g: () => run(EDGE_VECTORS, { positions: dy as Tensor, center, neighbor }),
        center: () => tf.zerosLike(center),
        neighbor: () => tf.zerosLike(neighbor),
      };
    },
  });
}

/** r_e = P[neighbor[e]] − P[center[e]] + S_e, [E, 3]; differentiable (twice) in P and S. */
export function edgeVectors(positions: Tensor2D, shift: Tensor2D, center: Tensor1D, neighbor: Tensor1D): Tensor2D {
  ensureRegistered();
  return run(EDGE_VECTORS, { positions, shift, center, neighbor }) as Tensor2D;
}
