/**
 * The edge work of a potential's interaction block as one tfjs kernel with hand-written gradients
 * that are themselves kernels, on the SIMD thread team (../simd/radial.ts):
 *
 *   SchNet  m_i    = Σ_{e: center(e) = i} x_j ∘ W(d_e)                                  x [N, F]
 *   PaiNN   Δs_i   = Σ_e x^s_j ∘ W^s(d_e)                                               x [N, 3F], v [N, 3F]
 *           Δv_i[c] = Σ_e (x^r_j ∘ W^r(d_e)) u_e[c] + (x^v_j ∘ W^v(d_e)) ∘ v_j[c]
 *
 * with j = neighbor(e), d_e = |r_e|, u_e = r_e/d_e, and the filters W(d) read from a table of
 * values, derivatives and differences at the nodes n·h (cubic Hermite interpolation:
 * ./filter-table.ts builds it from the layer's filter network). Nothing of size [E, F] is ever
 * stored.
 *
 * Gradients (every one is a kernel):
 *   message        → MessageGrad (x, v, r: forces and stress) and MessageTableGrad (the table:
 *                    the filter network's weights)
 *   MessageGrad    → MessageGradGrad (its cotangent inputs, x, v and the table: the weight
 *                    gradient of a force/stress loss). Its gradient with respect to r (second
 *                    derivatives of the energy by positions, e.g. a Hessian) is not provided and
 *                    throws when asked for.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { KernelBackend, NamedAttrMap, NamedTensorInfoMap, Tensor, Tensor1D, Tensor2D, TensorInfo } from '@tensorflow/tfjs-core';
import { radialMessage as simdMessage, radialMessageGrad as simdGrad, radialMessageGradGrad as simdGradGrad, radialMessageTableGrad as simdTableGrad, type RadialShape } from '../simd/radial';
import { KERNEL_BACKENDS, need, recordingGradients, withArrays } from '../tf/kernels';

type KernelArgs = { inputs: NamedTensorInfoMap; backend: unknown; attrs?: NamedAttrMap };

interface Family {
  vectors: boolean;
  message: string;
  grad: string;
  edgeGrad: string;
  tableGrad: string;
  gradGrad: string;
}

const FAMILIES: Record<'schnet' | 'painn', Family> = {
  schnet: { vectors: false, message: 'LwSchNetMessage', grad: 'LwSchNetMessageGrad', edgeGrad: 'LwSchNetMessageEdgeGrad', tableGrad: 'LwSchNetMessageTableGrad', gradGrad: 'LwSchNetMessageGradGrad' },
  painn: { vectors: true, message: 'LwPaiNNMessage', grad: 'LwPaiNNMessageGrad', edgeGrad: 'LwPaiNNMessageEdgeGrad', tableGrad: 'LwPaiNNMessageTableGrad', gradGrad: 'LwPaiNNMessageGradGrad' },
};

function shapeOf(fam: Family, x: TensorInfo, r: TensorInfo, table: TensorInfo, spacing: number): RadialShape {
  const nx = fam.vectors ? 3 : 1;
  const features = x.shape[1] / nx;
  if (!Number.isInteger(features) || table.shape[1] !== 3 * x.shape[1] || r.shape[1] !== 3) {
    throw new Error(`${fam.message}: shapes do not match (x [${x.shape.join(', ')}], r [${r.shape.join(', ')}], table [${table.shape.join(', ')}])`);
  }
  return { features, vectors: fam.vectors, atoms: x.shape[0], edges: r.shape[0], nodes: table.shape[0], spacing };
}

const f32 = (a: unknown) => a as Float32Array;
const i32 = (a: unknown) => a as Int32Array;

function register(fam: Family): void {
  const V = fam.vectors;
  const node = (s: RadialShape) => [s.atoms, s.features];
  const vec = (s: RadialShape) => [s.atoms, 3 * s.features];
  const xShape = (s: RadialShape) => [s.atoms, (V ? 3 : 1) * s.features];

  const message = (args: KernelArgs): TensorInfo[] => {
    const get = (k: string) => need(args.inputs, k);
    const [x, r, center, neighbor, table] = ['x', 'r', 'center', 'neighbor', 'table'].map(get);
    const v = V ? get('v') : null;
    const pairs = pairsOf(args);
    const s = shapeOf(fam, x, r, table, args.attrs!.spacing as number);
    const ins = [x, r, center, neighbor, table, v ?? x, ...(pairs ? [pairs] : [])]; // (SchNet: x again in v's place)
    const outs = [{ shape: node(s), dtype: 'float32' as const }, ...(V ? [{ shape: vec(s), dtype: 'float32' as const }] : [])];
    const checked = pairsChecked(pairs, center);
    const out = withArrays(args.backend as KernelBackend, ins, outs, (a, o) =>
      simdMessage({ x: f32(a[0]), r: f32(a[1]), center: i32(a[2]), neighbor: i32(a[3]), table: f32(a[4]), v: V ? f32(a[5]) : null, pairs: pairs ? i32(a[6]) : null, pairsChecked: checked }, s, { ds: f32(o[0]), dv: V ? f32(o[1]) : null }, vZero(args)),
    false);
    notePairsChecked(pairs, center);
    return out;
  };

  // MessageGrad (outputs gx, gr and, PaiNN, gv) and MessageEdgeGrad (gr alone: `edgesOnly`)
  const gradKernel =
    (edgesOnly: boolean) =>
    (args: KernelArgs): TensorInfo[] => {
      const get = (k: string) => need(args.inputs, k);
      const [gs, x, r, center, neighbor, table] = ['gs', 'x', 'r', 'center', 'neighbor', 'table'].map(get);
      const [gv, v] = V ? [get('gv'), get('v')] : [null, null];
      const s = shapeOf(fam, x, r, table, args.attrs!.spacing as number);
      const ins = [gs, x, r, center, neighbor, table, ...(V ? [gv!, v!] : [])];
      const grShape = { shape: [s.edges, 3], dtype: 'float32' as const };
      const outs = edgesOnly ? [grShape] : [{ shape: xShape(s), dtype: 'float32' as const }, grShape, ...(V ? [{ shape: vec(s), dtype: 'float32' as const }] : [])];
      return withArrays(args.backend as KernelBackend, ins, outs, (a, o) =>
        simdGrad(
          { gs: f32(a[0]), x: f32(a[1]), r: f32(a[2]), center: i32(a[3]), neighbor: i32(a[4]), table: f32(a[5]), gv: V ? f32(a[6]) : null, v: V ? f32(a[7]) : null },
          s,
          edgesOnly ? { gx: null, gv: null, gr: f32(o[0]) } : { gx: f32(o[0]), gr: f32(o[1]), gv: V ? f32(o[2]) : null },
          vZero(args),
        ),
      false);
    };

  const tableGrad = (args: KernelArgs): TensorInfo[] => {
    const get = (k: string) => need(args.inputs, k);
    const [gs, x, r, center, neighbor, table] = ['gs', 'x', 'r', 'center', 'neighbor', 'table'].map(get);
    const [gv, v] = V ? [get('gv'), get('v')] : [null, null];
    const s = shapeOf(fam, x, r, table, args.attrs!.spacing as number);
    const ins = [gs, x, r, center, neighbor, ...(V ? [gv!, v!] : [])];
    return withArrays(args.backend as KernelBackend, ins, [{ shape: table.shape.slice(), dtype: 'float32' }], (a, o) =>
      simdTableGrad({ gs: f32(a[0]), x: f32(a[1]), r: f32(a[2]), center: i32(a[3]), neighbor: i32(a[4]), gv: V ? f32(a[5]) : null, v: V ? f32(a[6]) : null }, s, f32(o[0])),
    false);
  };

  const gradGrad = (args: KernelArgs): TensorInfo[] => {
    const get = (k: string) => need(args.inputs, k);
    const [ca, cc, gs, x, r, center, neighbor, table] = ['ca', 'cc', 'gs', 'x', 'r', 'center', 'neighbor', 'table'].map(get);
    const [cb, gv, v] = V ? [get('cb'), get('gv'), get('v')] : [null, null, null];
    const s = shapeOf(fam, x, r, table, args.attrs!.spacing as number);
    const ins = [ca, cc, gs, x, r, center, neighbor, table, ...(V ? [cb!, gv!, v!] : [])];
    const outs = [
      { shape: node(s), dtype: 'float32' as const },
      { shape: xShape(s), dtype: 'float32' as const },
      { shape: table.shape.slice(), dtype: 'float32' as const },
      ...(V ? [{ shape: vec(s), dtype: 'float32' as const }, { shape: vec(s), dtype: 'float32' as const }] : []),
    ];
    return withArrays(args.backend as KernelBackend, ins, outs, (a, o) =>
      simdGradGrad(
        {
          ca: f32(a[0]),
          cc: f32(a[1]),
          gs: f32(a[2]),
          x: f32(a[3]),
          r: f32(a[4]),
          center: i32(a[5]),
          neighbor: i32(a[6]),
          table: f32(a[7]),
          cb: V ? f32(a[8]) : null,
          gv: V ? f32(a[9]) : null,
          v: V ? f32(a[10]) : null,
        },
        s,
        { gs: f32(o[0]), x: f32(o[1]), table: f32(o[2]), gv: V ? f32(o[3]) : null, v: V ? f32(o[4]) : null },
      ),
    false);
  };

  for (const backendName of KERNEL_BACKENDS) {
    for (const [kernelName, fn] of [
      [fam.message, message],
      [fam.grad, gradKernel(false)],
      [fam.edgeGrad, gradKernel(true)],
      [fam.tableGrad, tableGrad],
      [fam.gradGrad, gradGrad],
    ] as const) {
      if (tf.getKernel(kernelName, backendName) == null) tf.registerKernel({ kernelName, backendName, kernelFunc: fn as unknown as tf.KernelFunc });
    }
  }

  const zerosIfNull = (t: Tensor | null, shape: number[]) => t ?? tf.zeros(shape);
  const noIndexGradient = (t: Tensor) => () => tf.zerosLike(t);

  // message → (x, v, r) by MessageGrad, computed at once (one pass over the edges); the table by
  // MessageTableGrad when asked. In the first block (`firstBlock`: x comes from the element
  // embedding and v = 0, constants of the positions) energy and forces ask for r alone: then,
  // when no outer gradient records this one (MessageEdgeGrad has no gradient), r comes from
  // MessageEdgeGrad, and x or v, if asked for after all, from MessageGrad in their own pass.
  tf.registerGradient({
    kernelName: fam.message,
    inputsToSave: ['x', 'r', 'center', 'neighbor', 'table', 'pairs', ...(V ? ['v'] : [])],
    gradFunc: (dy, saved, attrs) => {
      const [x, r, center, neighbor, table, pairs, v] = saved;
      const dys = (Array.isArray(dy) ? dy : [dy]) as (Tensor | null)[];
      const N = x.shape[0];
      const F = x.shape[1]! / (V ? 3 : 1);
      const gs = zerosIfNull(dys[0], [N, F]);
      const gv = V ? zerosIfNull(dys[1], [N, 3 * F]) : null;
      const inputs: Record<string, Tensor> = { gs, x, r, center, neighbor, table, ...(V ? { gv: gv!, v } : {}) };
      const edgeOnly = (attrs as { firstBlock?: boolean }).firstBlock === true && !recordingGradients();
      const out = edgeOnly ? null : runMany(fam.grad, inputs, attrs);
      const grad = (k: number) => () => (out ?? runMany(fam.grad, inputs, attrs))[k];
      return {
        x: grad(0),
        r: edgeOnly ? () => runMany(fam.edgeGrad, inputs, attrs)[0] : grad(1),
        table: () => runMany(fam.tableGrad, inputs, attrs)[0],
        center: noIndexGradient(center),
        neighbor: noIndexGradient(neighbor),
        pairs: noIndexGradient(pairs),
        ...(V ? { v: grad(2) } : {}),
      };
    },
  });

  // MessageGrad → (gs, gv, x, v, table) by MessageGradGrad in one pass
  tf.registerGradient({
    kernelName: fam.grad,
    inputsToSave: ['gs', 'x', 'r', 'center', 'neighbor', 'table', ...(V ? ['gv', 'v'] : [])],
    gradFunc: (dy, saved, attrs) => {
      const [gs, x, r, center, neighbor, table, gv, v] = saved;
      const dys = dy as (Tensor | null)[];
      const ca = zerosIfNull(dys[0], x.shape);
      const cc = zerosIfNull(dys[1], r.shape);
      const cb = V ? zerosIfNull(dys[2], v.shape) : null;
      const out = runMany(fam.gradGrad, { ca, cc, gs, x, r, center, neighbor, table, ...(V ? { cb: cb!, gv, v } : {}) }, attrs);
      return {
        gs: () => out[0],
        x: () => out[1],
        table: () => out[2],
        r: () => {
          throw new Error(`${fam.grad}: second derivatives of the energy with respect to positions are not implemented`);
        },
        center: noIndexGradient(center),
        neighbor: noIndexGradient(neighbor),
        ...(V ? { gv: () => out[3], v: () => out[4] } : {}),
      };
    },
  });
}

/** The `pairs` input of a message kernel (pair mode), or null: [0, 2] (edge mode). */
function pairsOf(args: KernelArgs): TensorInfo | null {
  const p = need(args.inputs, 'pairs');
  if (p.shape.length !== 2 || p.shape[1] !== 2 || p.dtype !== 'int32') throw new Error(`radial message kernels: pairs must be [P, 2] int32, got [${p.shape.join(', ')}] ${p.dtype}`);
  return p.shape[0] === 0 ? null : p;
}

/**
 * Edge pairs whose indices were checked (../simd/radial.ts checkPairs: every edge once) for their
 * number of edges, by the tensor's data: the blocks of one evaluation share them.
 */
const checkedPairs = new WeakMap<object, number>();

function pairsChecked(pairs: TensorInfo | null, edges: TensorInfo): boolean {
  return pairs !== null && checkedPairs.get(pairs.dataId) === edges.shape[0];
}

function notePairsChecked(pairs: TensorInfo | null, edges: TensorInfo): void {
  if (pairs) checkedPairs.set(pairs.dataId, edges.shape[0]);
}

/** The message's `firstBlock` attribute (see FirstBlock): PaiNN's v is all zeros, so its terms are skipped. */
function vZero(args: KernelArgs): boolean {
  return args.attrs?.firstBlock === true;
}

/**
 * `firstBlock`: the message is the first interaction block's, so x comes from the element
 * embedding alone and (PaiNN) v = 0 — constants of the positions. The kernels skip v's terms, and
 * energy and forces differentiate the edge vectors alone (MessageEdgeGrad).
 */
export interface FirstBlock {
  firstBlock?: boolean;
}

function runMany(kernelName: string, inputs: Record<string, Tensor>, attrs: NamedAttrMap): Tensor[] {
  const out = tf.engine().runKernel(kernelName, inputs, attrs) as unknown as Tensor | Tensor[];
  return Array.isArray(out) ? out : [out];
}

let registered = false;

function ensureRegistered(): void {
  if (registered) return;
  registered = true;
  register(FAMILIES.schnet);
  register(FAMILIES.painn);
}

export interface EdgeList {
  /** r_e [E, 3] (differentiable: forces and stress flow back through it). */
  vectors: Tensor2D;
  center: Tensor1D;
  neighbor: Tensor1D;
  /**
   * Optional [P, 2] int32: every edge once, paired with an edge of the same length (bit for bit;
   * the kernels check) — in a full neighbour list, its reverse (i → j + S and j → i − S). The
   * message then evaluates each pair's filters once for both edges (pair mode of ../simd/radial.ts):
   * the same terms, summed in another order. Its gradients take the edges one by one.
   */
  pairs?: Tensor2D | null;
}

/** Runs a message kernel with its `pairs` input: the edge list's pairs, or [0, 2] (edge mode). */
function runWithPairs(kernelName: string, inputs: Record<string, Tensor>, edges: EdgeList, attrs: NamedAttrMap): Tensor[] {
  const none = edges.pairs ? null : tf.zeros([0, 2], 'int32');
  try {
    return runMany(kernelName, { ...inputs, pairs: edges.pairs ?? none! }, attrs);
  } finally {
    none?.dispose();
  }
}

/** SchNet's continuous-filter convolution m [N, F] of x [N, F] with the table [G, 3F] (node spacing h). */
export function schnetMessage(x: Tensor2D, edges: EdgeList, table: Tensor2D, spacing: number, opts: FirstBlock = {}): Tensor2D {
  ensureRegistered();
  return runWithPairs(FAMILIES.schnet.message, { x, r: edges.vectors, center: edges.center, neighbor: edges.neighbor, table }, edges, { spacing, firstBlock: opts.firstBlock ?? false })[0] as Tensor2D;
}

/** PaiNN's message (Δs [N, F], Δv [N, 3F]) of x [N, 3F] and v [N, 3F] with the table [G, 9F]. */
export function painnMessage(x: Tensor2D, v: Tensor2D, edges: EdgeList, table: Tensor2D, spacing: number, opts: FirstBlock = {}): [Tensor2D, Tensor2D] {
  ensureRegistered();
  const [ds, dv] = runWithPairs(FAMILIES.painn.message, { x, v, r: edges.vectors, center: edges.center, neighbor: edges.neighbor, table }, edges, { spacing, firstBlock: opts.firstBlock ?? false });
  return [ds as Tensor2D, dv as Tensor2D];
}

/** The kernel names (for tests and profiles). */
export const MESSAGE_KERNELS = FAMILIES;
