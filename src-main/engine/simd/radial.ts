/**
 * The potentials' radial message kernels (./assembly/radial.ts) behind typed-array functions, on
 * the SIMD thread team of ./index.ts: each thread takes a contiguous block of edges, writes its own
 * atom (and table) sums, and the caller adds them up in thread order (deterministic).
 *
 * Shapes (unpadded, as tfjs holds them), F the feature width, fv = 0 (SchNet) or F (PaiNN):
 *   x [N, F·nx] with nx = 1 (SchNet: x) or 3 (PaiNN: x^s | x^r | x^v), v [N, 3F] (PaiNN only),
 *   r [E, 3], center/neighbor [E], the filter table [G, 3·F·nx] (per node: W, W′ and the difference to
 *   the next node's W),
 *   gs [N, F], gv [N, 3F]; outputs as the kernels' doc comments say.
 * The kernels need feature blocks of a multiple of 4 floats: other widths are padded with zero
 * columns on the way in (they add nothing to any sum) and dropped on the way out.
 */
import { checkIndices, f32Bits, layout, space, team, type Team } from './index';

export interface RadialShape {
  /** Feature width F of each block. */
  features: number;
  /** true: PaiNN (scalar and vector messages), false: SchNet (scalar only). */
  vectors: boolean;
  atoms: number;
  edges: number;
  /** Table nodes G (distances 0, h, …, (G − 1)·h). */
  nodes: number;
  /** Node spacing h, Å. */
  spacing: number;
}

/** A [rows, blocks·F] operand, laid out as [rows, blocks·F4]. */
interface Blocks {
  rows: number;
  blocks: number;
  input?: Float32Array;
}

/** Pairs per thread at least in pair mode (a pair is two edges' work: half the edges' default of 1,024 rows). */
export const MIN_PAIRS_PER_THREAD = 512;

function padded(s: RadialShape): number {
  return Math.ceil(s.features / 4) * 4;
}

function blockBytes(s: RadialShape, b: Blocks): number {
  return b.rows * b.blocks * padded(s) * 4;
}

function copyIn(t: Team, at: number, s: RadialShape, b: Blocks): void {
  if (!b.input) return;
  const F = s.features;
  const F4 = padded(s);
  const width = b.blocks * F;
  if (b.input.length !== b.rows * width) throw new Error(`radial kernels: an operand has ${b.input.length} values, expected ${b.rows} × ${width}`);
  const dst = new Float32Array(t.memory.buffer, at, b.rows * b.blocks * F4);
  if (F === F4) {
    dst.set(b.input);
    return;
  }
  dst.fill(0);
  for (let r = 0; r < b.rows; r++) for (let k = 0; k < b.blocks; k++) dst.set(b.input.subarray(r * width + k * F, r * width + (k + 1) * F), (r * b.blocks + k) * F4);
}

function copyOut(t: Team, at: number, s: RadialShape, rows: number, blocks: number, out: Float32Array): void {
  const F = s.features;
  const F4 = padded(s);
  const src = new Float32Array(t.memory.buffer, at, rows * blocks * F4);
  if (F === F4) {
    out.set(src.subarray(0, out.length));
    return;
  }
  for (let r = 0; r < rows; r++) for (let k = 0; k < blocks; k++) out.set(src.subarray((r * blocks + k) * F4, (r * blocks + k) * F4 + F), (r * blocks + k) * F);
}

/** Lays out the operands (blocks of features, raw int32/float32 arrays, scratch) and copies inputs in. */
function prepare(s: RadialShape, ops: Array<Blocks | Int32Array | Float32Array | number>): { t: Team; at: number[] } {
  const { t, at } = layout(ops.map((op) => (typeof op === 'number' ? space(op) : op instanceof Int32Array || op instanceof Float32Array ? { bytes: op.length * 4, input: op } : { bytes: blockBytes(s, op) })));
  ops.forEach((op, k) => {
    if (typeof op === 'object' && !(op instanceof Int32Array) && !(op instanceof Float32Array)) copyIn(t, at[k], s, op);
  });
  return { t, at };
}

/** Adds thread p's copy (p ≥ 1) of a per-thread sum of `values` floats at base, stride `values`, into copy 0. */
function addThreadSums(t: Team, base: number, values: number, parts: number): void {
  for (let p = 1; p < parts; p++) t.kernels.addInto(base, base + p * values * 4, 0, values);
}

function dims(s: RadialShape): { fs: number; fv: number; nx: number; hBits: number } {
  const F4 = padded(s);
  return { fs: F4, fv: s.vectors ? F4 : 0, nx: s.vectors ? 3 : 1, hBits: f32Bits(s.spacing) };
}

function describeEdge(center: Int32Array, neighbor: Int32Array, n: number) {
  return (bad: number) => `edge ${bad} (${center[bad]} → ${neighbor[bad]}) out of range [0, ${n})`;
}

/**
 * Pair mode's precondition on the indices (see ./assembly/radial.ts; the kernel checks that the
 * two edges of a pair have the same length): `pairs` [2P] lists every edge exactly once. Checked
 * once per pairs array (the kernels of one evaluation share it).
 */
export function checkPairs(pairs: Int32Array, E: number): void {
  if (pairs.length !== E) throw new Error(`radial kernels: ${pairs.length / 2} edge pairs for ${E} edges (every edge must be in one pair)`);
  const seen = new Uint8Array(E);
  for (let k = 0; k < pairs.length; k++) {
    const e = pairs[k];
    if (!(e >= 0 && e < E) || seen[e] !== 0) throw new Error(`radial kernels: edge pair ${k >> 1} lists edge ${e}, ${e >= 0 && e < E ? 'listed before' : `out of range [0, ${E})`} (every edge must be in one pair)`);
    seen[e] = 1;
  }
}

/** Rows of the message's call: the edges, or in pair mode the pairs (their indices checked unless `pairsChecked`). */
function rowsOf(s: RadialShape, pairs: Int32Array | null, center: Int32Array, pairsChecked: boolean): number {
  if (!pairs) return s.edges;
  if (!pairsChecked) checkPairs(pairs, center.length);
  return pairs.length / 2;
}

function describeEdgeOrPair(center: Int32Array, neighbor: Int32Array, n: number, paired: boolean) {
  return (bad: number) => (paired ? `edge ${bad} (${center[bad]} → ${neighbor[bad]}): an atom index out of range [0, ${n}), or the other edge of its pair is not of the same length` : describeEdge(center, neighbor, n)(bad));
}

/**
 * Δs [N, F] and Δv [N, 3F] (PaiNN; empty for SchNet) of the radial message. `vZero`: v is all zeros (its term is skipped).
 * `pairs` (optional, [2P]: every edge once, paired with an edge of the same length, e.g. its reverse): pair mode,
 * each pair's filters evaluated once for both edges (`pairsChecked`: the caller has checked these pairs' indices
 * against these edges).
 */
export function radialMessage(
  inp: { x: Float32Array; v: Float32Array | null; r: Float32Array; center: Int32Array; neighbor: Int32Array; table: Float32Array; pairs?: Int32Array | null; pairsChecked?: boolean },
  s: RadialShape,
  out: { ds: Float32Array; dv: Float32Array | null },
  vZero = false,
): void {
  const { fs, fv, nx, hBits } = dims(s);
  const threads = team().threads;
  const N = s.atoms;
  const F4 = padded(s);
  const vBlocks = s.vectors ? 3 : 0;
  const { t, at } = prepare(s, [
    { rows: N, blocks: nx, input: inp.x },
    { rows: N, blocks: vZero ? 0 : vBlocks, input: vZero ? undefined : (inp.v ?? undefined) },
    inp.r,
    inp.center,
    inp.neighbor,
    { rows: s.nodes, blocks: 3 * nx, input: inp.table },
    N * F4 * threads,
    N * vBlocks * F4 * threads,
    inp.pairs ?? 0,
  ]);
  const [xAt, vAt, rAt, cAt, nAt, tAt, dsAt, dvAt, pAt] = at;
  const rows = rowsOf(s, inp.pairs ?? null, inp.center, inp.pairsChecked ?? false);
  const pairsAt = inp.pairs ? pAt : 0;
  const results = t.run('radialMessage', rows, (k0, k1, p) => [xAt, vAt, rAt, cAt, nAt, tAt, k0, k1, fs, fv, N, s.nodes, hBits, dsAt + p * N * F4 * 4, dvAt + p * N * vBlocks * F4 * 4, vZero ? 1 : 0, pairsAt], rows === s.edges ? undefined : MIN_PAIRS_PER_THREAD);
  checkIndices('LwRadialMessage', results, describeEdgeOrPair(inp.center, inp.neighbor, N, !!inp.pairs));
  addThreadSums(t, dsAt, N * F4, results.length);
  copyOut(t, dsAt, s, N, 1, out.ds);
  if (out.dv) {
    addThreadSums(t, dvAt, N * 3 * F4, results.length);
    copyOut(t, dvAt, s, N, 3, out.dv);
  }
}

/**
 * The message's gradient for cotangents gs, gv: gx [N, F·nx], gvo [N, 3F] (PaiNN), gr [E, 3].
 * Without gx (`out.gx` null: energy and forces when x and v are constants of the positions, as in
 * PaiNN's first block) gr alone, the same values; `vZero` there: v is all zeros (its terms skipped).
 */
export function radialMessageGrad(
  inp: { gs: Float32Array; gv: Float32Array | null; x: Float32Array; v: Float32Array | null; r: Float32Array; center: Int32Array; neighbor: Int32Array; table: Float32Array },
  s: RadialShape,
  out: { gx: Float32Array | null; gv: Float32Array | null; gr: Float32Array },
  vZero = false,
): void {
  const { fs, fv, nx, hBits } = dims(s);
  const threads = team().threads;
  const N = s.atoms;
  const F4 = padded(s);
  const vBlocks = s.vectors ? 3 : 0;
  const full = out.gx !== null;
  const skipV = !full && vZero;
  const outBlocks = full ? 1 : 0;
  const { t, at } = prepare(s, [
    { rows: N, blocks: 1, input: inp.gs },
    { rows: N, blocks: vBlocks, input: inp.gv ?? undefined },
    { rows: N, blocks: nx, input: inp.x },
    { rows: N, blocks: skipV ? 0 : vBlocks, input: skipV ? undefined : (inp.v ?? undefined) },
    inp.r,
    inp.center,
    inp.neighbor,
    { rows: s.nodes, blocks: 3 * nx, input: inp.table },
    outBlocks * N * nx * F4 * threads,
    outBlocks * N * vBlocks * F4 * threads,
    s.edges * 3,
  ]);
  const [gsAt, gvAt, xAt, vAt, rAt, cAt, nAt, tAt, gxAt, gvoAt, grAt] = at;
  const mode = full ? 0 : skipV ? 3 : 1;
  const results = t.run('radialMessageGrad', s.edges, (k0, k1, p) => [gsAt, gvAt, xAt, vAt, rAt, cAt, nAt, tAt, k0, k1, fs, fv, N, s.nodes, hBits, gxAt + outBlocks * p * N * nx * F4 * 4, gvoAt + outBlocks * p * N * vBlocks * F4 * 4, grAt, mode]);
  checkIndices('LwRadialMessageGrad', results, describeEdge(inp.center, inp.neighbor, N));
  if (out.gx) {
    addThreadSums(t, gxAt, N * nx * F4, results.length);
    copyOut(t, gxAt, s, N, nx, out.gx);
  }
  if (out.gx && out.gv) {
    addThreadSums(t, gvoAt, N * 3 * F4, results.length);
    copyOut(t, gvoAt, s, N, 3, out.gv);
  }
  out.gr.set(new Float32Array(t.memory.buffer, grAt, s.edges * 3));
}

/** The message's gradient with respect to the filter table, [G, 3·F·nx]. */
export function radialMessageTableGrad(
  inp: { gs: Float32Array; gv: Float32Array | null; x: Float32Array; v: Float32Array | null; r: Float32Array; center: Int32Array; neighbor: Int32Array },
  s: RadialShape,
  out: Float32Array,
): void {
  const { fs, fv, nx, hBits } = dims(s);
  const threads = team().threads;
  const N = s.atoms;
  const F4 = padded(s);
  const vBlocks = s.vectors ? 3 : 0;
  const tableFloats = s.nodes * 3 * nx * F4;
  const { t, at } = prepare(s, [
    { rows: N, blocks: 1, input: inp.gs },
    { rows: N, blocks: vBlocks, input: inp.gv ?? undefined },
    { rows: N, blocks: nx, input: inp.x },
    { rows: N, blocks: vBlocks, input: inp.v ?? undefined },
    inp.r,
    inp.center,
    inp.neighbor,
    tableFloats * threads,
  ]);
  const [gsAt, gvAt, xAt, vAt, rAt, cAt, nAt, gtAt] = at;
  const results = t.run('radialMessageTableGrad', s.edges, (k0, k1, p) => [gsAt, gvAt, xAt, vAt, rAt, cAt, nAt, k0, k1, fs, fv, N, s.nodes, hBits, gtAt + p * tableFloats * 4]);
  checkIndices('LwRadialMessageTableGrad', results, describeEdge(inp.center, inp.neighbor, N));
  addThreadSums(t, gtAt, tableFloats, results.length);
  copyOut(t, gtAt, s, s.nodes, 3 * nx, out);
}

/**
 * The gradient of radialMessageGrad for cotangents ca (on gx), cb (on gv, PaiNN) and cc (on gr):
 * with respect to gs, gv, x, v and the filter table.
 */
export function radialMessageGradGrad(
  inp: {
    ca: Float32Array;
    cb: Float32Array | null;
    cc: Float32Array;
    gs: Float32Array;
    gv: Float32Array | null;
    x: Float32Array;
    v: Float32Array | null;
    r: Float32Array;
    center: Int32Array;
    neighbor: Int32Array;
    table: Float32Array;
  },
  s: RadialShape,
  out: { gs: Float32Array; gv: Float32Array | null; x: Float32Array; v: Float32Array | null; table: Float32Array },
): void {
  const { fs, fv, nx, hBits } = dims(s);
  const threads = team().threads;
  const N = s.atoms;
  const F4 = padded(s);
  const vBlocks = s.vectors ? 3 : 0;
  const tableFloats = s.nodes * 3 * nx * F4;
  
  const { t, at } = prepare(s, [
    { rows: N, blocks: nx, input: inp.ca },
    { rows: N, blocks: vBlocks, input: inp.cb ?? undefined },
    inp.cc,
    { rows: N, blocks: 1, input: inp.gs },
    { rows: N, blocks: vBlocks, input: inp.gv ?? undefined },
    { rows: N, blocks: nx, input: inp.x },
    { rows: N, blocks: vBlocks, input: inp.v ?? undefined },
    inp.r,
    inp.center,
    inp.neighbor,
    { rows: s.nodes, blocks: 3 * nx, input: inp.table },
    N * F4 * threads,
    N * vBlocks * F4 * threads,
    N * nx * F4 * threads,
    N * vBlocks * F4 * threads,
    tableFloats * threads,
  ]);
  const [caAt, cbAt, ccAt, gsAt, gvAt, xAt, vAt, rAt, cAt, nAt, tAt, oGs, oGv, oX, oV, oT] = at;
  const results = t.run('radialMessageGradGrad', s.edges, (k0, k1, p) => [
    caAt, cbAt, ccAt, gsAt, gvAt, xAt, vAt, rAt, cAt, nAt, tAt, k0, k1, fs, fv, N, s.nodes, hBits,
    oGs + p * N * F4 * 4, oGv + p * N * vBlocks * F4 * 4, oX + p * N * nx * F4 * 4, oV + p * N * vBlocks * F4 * 4, oT + p * tableFloats * 4,
  ]);
  checkIndices('LwRadialMessageGradGrad', results, describeEdge(inp.center, inp.neighbor, N));
  addThreadSums(t, oGs, N * F4, results.length);
  addThreadSums(t, oX, N * nx * F4, results.length);
  addThreadSums(t, oT, tableFloats, results.length);
  copyOut(t, oGs, s, N, 1, out.gs);
  copyOut(t, oX, s, N, nx, out.x);
  copyOut(t, oT, s, s.nodes, 3 * nx, out.table);
  if (out.gv && out.v) {
    addThreadSums(t, oGv, N * 3 * F4, results.length);
    addThreadSums(t, oV, N * 3 * F4, results.length);
    copyOut(t, oGv, s, N, 3, out.gv);
    copyOut(t, oV, s, N, 3, out.v);
  }
}
