/**
 * The SIMD kernels (WebAssembly, 128-bit SIMD; source in ./assembly/kernels.ts) behind typed-array
 * functions, run by a team of threads: the calling thread and helper threads (one per further
 * core, at most 7) share the module's memory. A call lays its operands out in that memory, copies
 * the inputs in, gives each thread a contiguous block of rows, waits for the helpers, adds up
 * per-thread partial sums in thread order, and copies the outputs back. Synchronous (the caller
 * blocks in Atomics.wait while helpers work); one team per thread that uses it (each compute
 * worker has its own).
 *
 * Determinism: the blocks depend only on the row count and the team size, and partial sums are
 * added in thread order, so the same inputs on the same machine give the same bits.
 * Shapes follow the kernels in tf/kernels.ts; bnGate* need F % 4 = 0, transposedProduct and
 * windowedProduct N % 4 = 0 (callers check `simdWidth`), the others take any width.
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { KERNELS_WASM_BASE64 } from './kernels-wasm';

type Ptr = number;

// The WebAssembly API is in Node's globals but not in this project's type libraries (no DOM lib).
interface WasmMemory {
  readonly buffer: ArrayBufferLike;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
  Memory: new (descriptor: { initial: number; maximum: number; shared: boolean }) => WasmMemory;
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** Pages of 64 KiB the module's memory may grow to (the build's --maximumMemory: 4 GiB). */
const MAX_PAGES = 65536;
/** Rows below which a call stays on the calling thread (a helper's wake-up costs more). */
const MIN_ROWS_PER_THREAD = 1024;

interface KernelExports {
  gatherRows(x: Ptr, idx: Ptr, out: Ptr, k0: number, k1: number, f: number, n: number): number;
  scatterSum(x: Ptr, idx: Ptr, out: Ptr, k0: number, k1: number, f: number, n: number): number;
  addInto(dst: Ptr, src: Ptr, i0: number, i1: number): void;
  edgeMessage(nodes: Ptr, x: Ptr, w: Ptr, center: Ptr, neighbor: Ptr, out: Ptr, k0: number, k1: number, c: number, n: number, kx: number, sums: Ptr): number;
  edgePairScatter(g: Ptr, center: Ptr, neighbor: Ptr, out: Ptr, k0: number, k1: number, c: number, n: number): number;
  colSums(x: Ptr, r0: number, r1: number, cols: number, sums: Ptr): void;
  bnGateForward(z: Ptr, a: Ptr, b: Ptr, r0: number, r1: number, f: number, m: Ptr, deriv: Ptr): void;
  bnGateBackwardSums(dm: Ptr, z: Ptr, deriv: Ptr, mean: Ptr, rstd: Ptr, r0: number, r1: number, f: number, dz: Ptr, sums: Ptr): void;
  bnGateBackwardApply(z: Ptr, mean: Ptr, rstd: Ptr, a: Ptr, meanDy: Ptr, meanDyXhat: Ptr, r0: number, r1: number, f: number, batchStats: number, dz: Ptr): void;
  transposedProduct(x: Ptr, g: Ptr, r0: number, r1: number, k: number, n: number, out64: Ptr, acc: Ptr, sumsRow: number): void;
  windowedProduct(x: Ptr, w: Ptr, r0: number, r1: number, k: number, n: number, out: Ptr): void;
  radialMessage(...args: number[]): number;
  radialMessageGrad(...args: number[]): number;
  radialMessageTableGrad(...args: number[]): number;
  radialMessageGradGrad(...args: number[]): number;
  biasActivate(a: Ptr, b: Ptr, h: Ptr, sg: Ptr, r0: number, r1: number, cols: number, kind: number): void;
  activateBackward(g: Ptr, a: Ptr, sg: Ptr, r0: number, r1: number, cols: number, kind: number): void;
  addBias(y: Ptr, b: Ptr, r0: number, r1: number, cols: number): void;
  painnNorms(uv: Ptr, s: Ptr, vn: Ptr, ip: Ptr, cin: Ptr, r0: number, r1: number, f: number, epsilonBits: number): void;
  painnUpdate(s: Ptr, v: Ptr, a: Ptr, ip: Ptr, uv: Ptr, sOut: Ptr, vOut: Ptr, r0: number, r1: number, f: number): void;
  painnUpdateBackward(gs: Ptr, gv: Ptr, a: Ptr, ip: Ptr, uv: Ptr, ga: Ptr, guv: Ptr, r0: number, r1: number, f: number): void;
  painnNormBackward(gs: Ptr, gcin: Ptr, vn: Ptr, uv: Ptr, gsOut: Ptr, guv: Ptr, r0: number, r1: number, f: number): void;
}
export type KernelName = keyof KernelExports;
const KERNEL_NAMES: KernelName[] = ['gatherRows', 'scatterSum', 'addInto', 'edgeMessage', 'edgePairScatter', 'colSums', 'bnGateForward', 'bnGateBackwardSums', 'bnGateBackwardApply', 'transposedProduct', 'windowedProduct', 'radialMessage', 'radialMessageGrad', 'radialMessageTableGrad', 'radialMessageGradGrad', 'biasActivate', 'activateBackward', 'addBias', 'painnNorms', 'painnUpdate', 'painnUpdateBackward', 'painnNormBackward'];

// Control block of a helper (Int32Array on a SharedArrayBuffer): the caller writes the kernel
// and its arguments, bumps SEQ and notifies; the helper runs it, writes RESULT (-2: it threw)
// and sets DONE to SEQ.
const SEQ = 0;
const DONE = 1;
const KERNEL = 2;
const NARGS = 3;
const RESULT = 4;
const ARGS = 5;
const CONTROL_INTS = 40;

const HELPER_SOURCE = `
const { workerData } = require('node:worker_threads');
const { module, memory, control, names } = workerData;
const kernels = new WebAssembly.Instance(module, { env: { memory } }).exports;
const ctrl = new Int32Array(control);
let seen = 0;
for (;;) {
  Atomics.wait(ctrl, ${SEQ}, seen);
  seen = Atomics.load(ctrl, ${SEQ});
  const args = Array.from(ctrl.subarray(${ARGS}, ${ARGS} + ctrl[${NARGS}]));
  let result;
  try {
    const r = kernels[names[ctrl[${KERNEL}]]](...args);
    result = typeof r === 'number' ? r : -1;
  } catch {
    result = -2;
  }
  ctrl[${RESULT}] = result;
  Atomics.store(ctrl, ${DONE}, seen);
  Atomics.notify(ctrl, ${DONE});
}
`;

interface Helper {
  control: Int32Array;
  seq: number;
}

export class Team {
  readonly memory: WasmMemory;
  readonly kernels: KernelExports;
  readonly helpers: Helper[] = [];
  /** Why the team has no helpers, if it has none on a machine with more than one core. */
  readonly helperError: string | null = null;

  constructor(helperCount: number) {
    const module = new WebAssemblyApi.Module(Uint8Array.from(Buffer.from(KERNELS_WASM_BASE64, 'base64')));
    this.memory = new WebAssemblyApi.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
    this.kernels = new WebAssemblyApi.Instance(module, { env: { memory: this.memory } }).exports as KernelExports;
    try {
      for (let i = 0; i < helperCount; i++) {
        const control = new Int32Array(new SharedArrayBuffer(CONTROL_INTS * 4));
        const worker = new Worker(HELPER_SOURCE, { eval: true, workerData: { module, memory: this.memory, control: control.buffer, names: KERNEL_NAMES } });
        worker.unref();
        this.helpers.push({ control, seq: 0 });
      }
    } catch (err) {
      this.helpers.length = 0;
      this.helperError = `SIMD kernels run on one thread: helper threads could not start (${(err as Error).message})`;
    }
  }

  get threads(): number {
    return 1 + this.helpers.length;
  }

  /**
   * Runs `kernel` over `rows` rows split into contiguous blocks, block t on thread t (0: this
   * thread); `args(r0, r1, t)` gives its arguments. Returns each block's result. A thread gets at
   * least `minRowsPerThread` rows (kernels with much work per row may ask for fewer than the default).
   */
  run(kernel: KernelName, rows: number, args: (r0: number, r1: number, t: number) => number[], minRowsPerThread = MIN_ROWS_PER_THREAD): number[] {
    const parts = Math.max(1, Math.min(this.threads, Math.floor(rows / minRowsPerThread)));
    const bounds = (t: number) => Math.round((rows * t) / parts);
    const started: Helper[] = [];
    for (let t = 1; t < parts; t++) {
      const h = this.helpers[t - 1];
      const a = args(bounds(t), bounds(t + 1), t);
      h.control[KERNEL] = KERNEL_NAMES.indexOf(kernel);
      h.control[NARGS] = a.length;
      for (let i = 0; i < a.length; i++) h.control[ARGS + i] = a[i];
      h.seq = (h.seq + 1) | 0;
      Atomics.store(h.control, SEQ, h.seq);
      Atomics.notify(h.control, SEQ);
      started.push(h);
    }
    const fn = this.kernels[kernel] as (...a: number[]) => number | undefined;
    const results = [fn(...args(0, bounds(1), 0)) ?? -1];
    for (const h of started) {
      let done = Atomics.load(h.control, DONE);
      while (done !== h.seq) {
        Atomics.wait(h.control, DONE, done);
        done = Atomics.load(h.control, DONE);
      }
      if (h.control[RESULT] === -2) throw new Error(`SIMD kernel ${kernel} failed in a helper thread`);
      results.push(h.control[RESULT]);
    }
    return results;
  }
}

let teamCache: Team | null = null;
let requestedThreads: number | null = null;

export function team(): Team {
  teamCache ??= new Team(Math.max(0, (requestedThreads ?? Math.min(availableParallelism(), 8)) - 1));
  return teamCache;
}

/**
 * Sets this thread's kernel threads (calling thread included) before the kernels first run: a
 * data-parallel replica takes its share of the cores. Too late once the team exists.
 */
export function configureKernelThreads(threads: number): void {
  if (teamCache) throw new Error(`the SIMD kernels already run on ${teamCache.threads} thread(s) in this thread`);
  requestedThreads = Math.max(1, Math.min(8, Math.floor(threads)));
}

/** True once this thread's kernels have run (their threads are fixed from then on). */
export function kernelThreadsFixed(): boolean {
  return teamCache !== null;
}

/** Threads the kernels use in this thread's team, and why it is one on a multi-core machine. */
export function simdThreads(): { threads: number; note: string | null } {
  const t = team();
  return { threads: t.threads, note: t.helperError };
}

/** True when rows of `f` floats take the vector loops of the bnGate and xᵀ·g kernels. */
export function simdWidth(f: number): boolean {
  return f > 0 && f % 4 === 0;
}

export type Operand = { bytes: number; input?: Float32Array | Int32Array };

/** Lays the operands out (16-byte aligned) after a guard area, grows the memory to fit, copies the inputs in. */
export function layout(ops: Operand[]): { t: Team; at: number[] } {
  const t = team();
  const at: number[] = [];
  let end = 1024;
  for (const op of ops) {
    at.push(end);
    end += Math.ceil(op.bytes / 16) * 16;
  }
  const have = t.memory.buffer.byteLength;
  if (end > have) {
    const pages = Math.ceil((end - have) / 65536);
    if (have / 65536 + pages > MAX_PAGES) throw new Error(`SIMD kernels: operands of ${(end / 2 ** 30).toFixed(1)} GiB exceed the 4 GiB the kernels can address (use smaller batches)`);
    t.memory.grow(pages);
  }
  const buf = t.memory.buffer;
  ops.forEach((op, i) => {
    if (!op.input) return;
    if (op.input instanceof Int32Array) new Int32Array(buf, at[i], op.input.length).set(op.input);
    else new Float32Array(buf, at[i], op.input.length).set(op.input);
  });
  return { t, at };
}

export function f32(input: Float32Array): Operand {
  return { bytes: input.length * 4, input };
}

export function i32(input: Int32Array): Operand {
  return { bytes: input.length * 4, input };
}

/** A float32 as the i32 of its bits: a kernel's float argument (the thread team passes integers; the kernel reinterprets). */
export function f32Bits(x: number): number {
  return new Int32Array(Float32Array.of(x).buffer)[0];
}

export function space(values: number, bytesPer = 4): Operand {
  return { bytes: values * bytesPer };
}

function readOut(t: Team, at: number, out: Float32Array | Int32Array): void {
  if (out instanceof Int32Array) out.set(new Int32Array(t.memory.buffer, at, out.length));
  else out.set(new Float32Array(t.memory.buffer, at, out.length));
}

/** Sums float64 partials [threads × len] at `at` in thread order. */
function addPartials(t: Team, at: number, len: number, parts: number): Float64Array {
  const all = new Float64Array(t.memory.buffer, at, len * parts);
  const sum = all.slice(0, len);
  for (let p = 1; p < parts; p++) for (let i = 0; i < len; i++) sum[i] += all[p * len + i];
  return sum;
}

export function checkIndices(kernel: string, results: number[], describe: (bad: number) => string): void {
  const bad = results.find((r) => r >= 0);
  if (bad !== undefined) throw new Error(`${kernel}: ${describe(bad)}`);
}

/** out[k] = x[idx[k]] (rows of f values, 4-byte dtype), x has n rows. */
export function gatherRows(x: Float32Array | Int32Array, idx: Int32Array, out: Float32Array | Int32Array, f: number, n: number): void {
  const { t, at } = layout([x instanceof Int32Array ? i32(x) : f32(x), i32(idx), space(out.length)]);
  const results = t.run('gatherRows', idx.length, (k0, k1) => [at[0], at[1], at[2], k0, k1, f, n]);
  checkIndices('LwGatherRows', results, (bad) => `index ${idx[bad]} out of range [0, ${n})`);
  readOut(t, at[2], out);
}

/** out[idx[k]] += x[k] (rows of f floats) into n zeroed rows. */
export function scatterSum(x: Float32Array, idx: Int32Array, out: Float32Array, f: number, n: number): void {
  const { threads } = team();
  const size = n * f;
  const { t, at } = layout([f32(x), i32(idx), ...Array.from({ length: threads }, () => space(size))]);
  const results = t.run('scatterSum', idx.length, (k0, k1, p) => [at[0], at[1], at[2 + p], k0, k1, f, n]);
  checkIndices('LwScatterSum', results, (bad) => `index ${idx[bad]} out of range [0, ${n})`);
  for (let p = 1; p < results.length; p++) t.kernels.addInto(at[2], at[2 + p], 0, size);
  readOut(t, at[2], out);
}

/**
 * out.z[k] = self[center[k]] + nbr[neighbor[k]] + bias + x[k]·w, rows of c floats; nodes [n, 2c] holds
 * self | nbr, x [E, kx] are edge features summed over each row's nonzero window, w [kx + 1, c] with
 * the bias as last row; out.moments [2, c]: column mean and biased variance of z (as colMoments), or
 * null when not wanted (inference: the kernel skips the sums).
 */
export function edgeMessage(
  parts: { nodes: Float32Array; x: Float32Array; w: Float32Array },
  center: Int32Array,
  neighbor: Int32Array,
  out: { z: Float32Array; moments: Float32Array | null },
  c: number,
  n: number,
  kx: number,
): void {
  const { threads } = team();
  const moments = out.moments;
  const { t, at } = layout([f32(parts.nodes), f32(parts.x), f32(parts.w), i32(center), i32(neighbor), space(center.length * c), space(moments ? 2 * c * threads : 0, 8)]);
  const sums = (p: number) => (moments ? at[6] + p * 2 * c * 8 : 0);
  const results = t.run('edgeMessage', center.length, (k0, k1, p) => [...at.slice(0, 6), k0, k1, c, n, kx, sums(p)]);
  checkIndices('LwEdgeMessage', results, (bad) => `edge ${bad} (${neighbor[bad]} → ${center[bad]}) out of range [0, ${n})`);
  readOut(t, at[5], out.z);
  if (!moments) return;
  const both = addPartials(t, at[6], 2 * c, results.length);
  momentsFromSums(both.subarray(0, c), both.subarray(c), center.length, moments);
}

/**
 * Inference's CGCNN message in one call: z as edgeMessage (no moments) kept in the kernels' memory, then
 * m [E, c/2] = the gate of z with batch norm folded into a, b [c] (as bnGateForward without deriv); the same
 * bits as the two calls, without z's [E, c] copy out and back in. c/2 % 4 = 0.
 */
export function edgeGate(
  parts: { nodes: Float32Array; x: Float32Array; w: Float32Array },
  center: Int32Array,
  neighbor: Int32Array,
  gate: { a: Float32Array; b: Float32Array },
  m: Float32Array,
  c: number,
  n: number,
  kx: number,
): void {
  const e = center.length;
  const f = c / 2;
  const { t, at } = layout([f32(parts.nodes), f32(parts.x), f32(parts.w), i32(center), i32(neighbor), space(e * c), f32(gate.a), f32(gate.b), space(e * f)]);
  const results = t.run('edgeMessage', e, (k0, k1) => [...at.slice(0, 6), k0, k1, c, n, kx, 0]);
  checkIndices('LwEdgeGate', results, (bad) => `edge ${bad} (${neighbor[bad]} → ${center[bad]}) out of range [0, ${n})`);
  t.run('bnGateForward', e, (r0, r1) => [at[5], at[6], at[7], r0, r1, f, at[8], 0]);
  readOut(t, at[8], m);
}

/** out [n, 2c] = the gradient of edgeMessage's nodes: rows of g [E, c] summed into center's first half and neighbor's second. */
export function edgePairScatter(g: Float32Array, center: Int32Array, neighbor: Int32Array, out: Float32Array, c: number, n: number): void {
  const { threads } = team();
  const size = n * 2 * c;
  const { t, at } = layout([f32(g), i32(center), i32(neighbor), ...Array.from({ length: threads }, () => space(size))]);
  const results = t.run('edgePairScatter', center.length, (k0, k1, p) => [at[0], at[1], at[2], at[3 + p], k0, k1, c, n]);
  checkIndices('LwEdgePairScatter', results, (bad) => `edge ${bad} (${neighbor[bad]} → ${center[bad]}) out of range [0, ${n})`);
  for (let p = 1; p < results.length; p++) t.kernels.addInto(at[3], at[3 + p], 0, size);
  readOut(t, at[3], out);
}

/** Column mean (row 0) and biased variance (row 1) of x [rows, cols] into out [2, cols], from float64 sums. */
export function colMoments(x: Float32Array, out: Float32Array, rows: number, cols: number): void {
  const { threads } = team();
  const { t, at } = layout([f32(x), space(2 * cols * threads, 8)]);
  const sums = (p: number) => at[1] + p * 2 * cols * 8;
  const parts = t.run('colSums', rows, (r0, r1, p) => [at[0], r0, r1, cols, sums(p)]).length;
  const both = addPartials(t, at[1], 2 * cols, parts);
  momentsFromSums(both.subarray(0, cols), both.subarray(cols), rows, out);
}

/** Mean (row 0) and biased variance (row 1) into out [2, cols] from float64 column sums and sums of squares. */
function momentsFromSums(sum: Float64Array, squares: Float64Array, rows: number, out: Float32Array): void {
  const cols = sum.length;
  const inv = 1 / Math.max(1, rows);
  for (let c = 0; c < cols; c++) {
    const mean = sum[c] * inv;
    out[c] = mean;
    out[cols + c] = Math.max(0, squares[c] * inv - mean * mean);
  }
}

/** CGCNN gate forward: z [rows, 2F], folded batch norm a, b [2F] → m [rows, F], deriv [rows, 2F] (null: m alone, for inference); F % 4 = 0. */
export function bnGateForward(z: Float32Array, a: Float32Array, b: Float32Array, out: { m: Float32Array; deriv: Float32Array | null }, rows: number, f: number): void {
  const deriv = out.deriv;
  const { t, at } = layout([f32(z), f32(a), f32(b), space(rows * f), space(deriv ? rows * 2 * f : 0)]);
  t.run('bnGateForward', rows, (r0, r1) => [at[0], at[1], at[2], r0, r1, f, at[3], deriv ? at[4] : 0]);
  readOut(t, at[3], out.m);
  if (deriv) readOut(t, at[4], deriv);
}

/** Column means of ∂L/∂y and ∂L/∂y·x̂ from their sums over `rows` rows (a data-parallel step divides the batch's sums by its rows). */
export type BackwardMeans = (sumDy: Float64Array, sumDyXhat: Float64Array, rows: number) => { meanDy: ArrayLike<number>; meanDyXhat: ArrayLike<number> };

/**
 * CGCNN gate backward (see the kernels): writes dz [rows, 2F], dgamma and dbeta [2F] (this call's rows'
 * sums); F % 4 = 0. `means` turns the sums into the means the batch-statistics term uses.
 */
export function bnGateBackward(
  dm: Float32Array,
  z: Float32Array,
  deriv: Float32Array,
  stats: { mean: Float32Array; rstd: Float32Array; a: Float32Array },
  rows: number,
  f: number,
  batchStats: boolean,
  out: { dz: Float32Array; dgamma: Float32Array; dbeta: Float32Array },
  means: BackwardMeans,
): void {
  const { threads } = team();
  const c2 = 2 * f;
  const { t, at } = layout([f32(dm), f32(z), f32(deriv), f32(stats.mean), f32(stats.rstd), f32(stats.a), space(rows * c2), space(2 * c2), space(2 * c2 * threads, 8)]);
  const [dmAt, zAt, derivAt, meanAt, rstdAt, aAt, dzAt, meansAt, sumsAt] = at;
  const sums = (p: number) => sumsAt + p * 2 * c2 * 8;
  const parts = t.run('bnGateBackwardSums', rows, (r0, r1, p) => [dmAt, zAt, derivAt, meanAt, rstdAt, r0, r1, f, dzAt, sums(p)]).length;
  const total = addPartials(t, sumsAt, 2 * c2, parts); // Σdy | Σdy·x̂
  const { meanDy, meanDyXhat } = means(total.subarray(0, c2), total.subarray(c2), rows);
  const meansOut = new Float32Array(t.memory.buffer, meansAt, 2 * c2);
  for (let c = 0; c < c2; c++) {
    out.dbeta[c] = total[c];
    out.dgamma[c] = total[c2 + c];
    meansOut[c] = meanDy[c];
    meansOut[c2 + c] = meanDyXhat[c];
  }
  t.run('bnGateBackwardApply', rows, (r0, r1) => [zAt, meanAt, rstdAt, aAt, meansAt, meansAt + c2 * 4, r0, r1, f, batchStats ? 1 : 0, dzAt]);
  readOut(t, dzAt, out.dz);
}

/** out [K, N] = xᵀ·g for x [rows, K], g [rows, N]; N % 4 = 0. With columnSums, out is [K + 1, N] and its last row g's column sums. */
export function transposedProduct(x: Float32Array, g: Float32Array, out: Float32Array, rows: number, kk: number, n: number, columnSums = false): void {
  const { threads } = team();
  const kn = (columnSums ? kk + 1 : kk) * n;
  // per thread: float64 partial sums and a float32 block, [K (+ 1), N] each
  const { t, at } = layout([f32(x), f32(g), space(kn * threads, 8), space(kn * threads)]);
  const parts = t.run('transposedProduct', rows, (r0, r1, p) => [at[0], at[1], r0, r1, kk, n, at[2] + p * kn * 8, at[3] + p * kn * 4, columnSums ? 1 : 0]).length;
  out.set(addPartials(t, at[2], kn, parts));
}

/**
 * out [R, N] = x·w for x [R, K], w [K, N] (N % 4 = 0), each row summed only over its nonzero window
 * (the columns from its first to its last nonzero): Gaussian-expanded distances are ~2/3 zeros.
 */
export function windowedProduct(x: Float32Array, w: Float32Array, out: Float32Array, rows: number, k: number, n: number, minRowsPerThread?: number): void {
  const { t, at } = layout([f32(x), f32(w), space(rows * n)]);
  t.run('windowedProduct', rows, (r0, r1) => [at[0], at[1], r0, r1, k, n, at[2]], minRowsPerThread);
  readOut(t, at[2], out);
}
