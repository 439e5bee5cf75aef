/**
 * The SIMD kernels (WebAssembly, 128-bit SIMD; source in ./assembly/kernels.ts) behind typed-array
 * functions. The module has its own linear memory: each call lays its operands out there, copies
 * the inputs in, runs, and copies the outputs back (a memcpy per operand, small next to the
 * kernels it feeds). Synchronous; one instance per thread (each compute worker has its own).
 *
 * Shapes follow the kernels in tf/kernels.ts. Row widths must be multiples of 4 for the vector
 * loops; callers check `simdWidth` and use their scalar loops otherwise.
 */
import { KERNELS_WASM_BASE64 } from './kernels-wasm';

type Ptr = number;

// The WebAssembly API is in Node's globals but not in this project's type libraries (no DOM lib).
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}
interface WasmApi {
  Module: new (bytes: Uint8Array) => object;
  Instance: new (module: object, imports: object) => { exports: unknown };
}
const WebAssemblyApi = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

interface KernelExports {
  memory: WasmMemory;
  softplus(x: Ptr, out: Ptr, n: number): void;
  sigmoid(x: Ptr, out: Ptr, n: number): void;
  gatherRows(x: Ptr, idx: Ptr, out: Ptr, e: number, f: number, n: number): number;
  scatterSum(x: Ptr, idx: Ptr, out: Ptr, e: number, f: number, n: number): number;
  edgeMessage(self: Ptr, nbr: Ptr, edge: Ptr, bias: Ptr, dst: Ptr, src: Ptr, out: Ptr, e: number, c: number, n: number): number;
  colSum(x: Ptr, rows: number, cols: number, out: Ptr, scratch: Ptr): void;
  colMoments(x: Ptr, rows: number, cols: number, out: Ptr, scratch: Ptr): void;
  bnGateForward(z: Ptr, a: Ptr, b: Ptr, rows: number, f: number, m: Ptr, deriv: Ptr): void;
  bnGateBackward(dm: Ptr, z: Ptr, deriv: Ptr, mean: Ptr, rstd: Ptr, a: Ptr, rows: number, f: number, batchStats: number, dz: Ptr, dgamma: Ptr, dbeta: Ptr, scratch: Ptr): void;
  transposedProduct(x: Ptr, g: Ptr, rows: number, k: number, n: number, out: Ptr, scratch: Ptr): void;
}

let exportsCache: KernelExports | null = null;

function kernels(): KernelExports {
  if (exportsCache) return exportsCache;
  const bytes = Uint8Array.from(Buffer.from(KERNELS_WASM_BASE64, 'base64'));
  const instance = new WebAssemblyApi.Instance(new WebAssemblyApi.Module(bytes), {});
  exportsCache = instance.exports as unknown as KernelExports;
  return exportsCache;
}

/** True when rows of `f` floats take the vector loops. */
export function simdWidth(f: number): boolean {
  return f > 0 && f % 4 === 0;
}

type Operand = { bytes: number; input?: Float32Array | Int32Array };

/**
 * Lays the operands out (16-byte aligned) after a guard page, grows the memory to fit, copies the
 * inputs in and returns the byte offsets.
 */
function layout(ops: Operand[]): { k: KernelExports; at: number[] } {
  const k = kernels();
  const at: number[] = [];
  let end = 1024;
  for (const op of ops) {
    at.push(end);
    end += Math.ceil(op.bytes / 16) * 16;
  }
  const have = k.memory.buffer.byteLength;
  if (end > have) k.memory.grow(Math.ceil((end - have) / 65536));
  const buf = k.memory.buffer;
  ops.forEach((op, i) => {
    if (!op.input) return;
    if (op.input instanceof Int32Array) new Int32Array(buf, at[i], op.input.length).set(op.input);
    else new Float32Array(buf, at[i], op.input.length).set(op.input);
  });
  return { k, at };
}

function f32(input: Float32Array): Operand {
  return { bytes: input.length * 4, input };
}

function i32(input: Int32Array): Operand {
  return { bytes: input.length * 4, input };
}

function space(floats: number, bytesPer = 4): Operand {
  return { bytes: floats * bytesPer };
}

function readOut(k: KernelExports, at: number, out: Float32Array | Int32Array): void {
  if (out instanceof Int32Array) out.set(new Int32Array(k.memory.buffer, at, out.length));
  else out.set(new Float32Array(k.memory.buffer, at, out.length));
}

function indexError(kernel: string, bad: number, idx: Int32Array, n: number): Error {
  return new Error(`${kernel}: index ${idx[bad]} out of range [0, ${n})`);
}

/** out[k] = x[idx[k]] (rows of f values, 4-byte dtype), x has n rows. */
export function gatherRows(x: Float32Array | Int32Array, idx: Int32Array, out: Float32Array | Int32Array, f: number, n: number): void {
  const { k, at } = layout([x instanceof Int32Array ? i32(x) : f32(x), i32(idx), space(out.length)]);
  const bad = k.gatherRows(at[0], at[1], at[2], idx.length, f, n);
  if (bad >= 0) throw indexError('LwGatherRows', bad, idx, n);
  readOut(k, at[2], out);
}

/** out[idx[k]] += x[k] (rows of f floats) into n zeroed rows. */
export function scatterSum(x: Float32Array, idx: Int32Array, out: Float32Array, f: number, n: number): void {
  const { k, at } = layout([f32(x), i32(idx), space(n * f)]);
  const bad = k.scatterSum(at[0], at[1], at[2], idx.length, f, n);
  if (bad >= 0) throw indexError('LwScatterSum', bad, idx, n);
  readOut(k, at[2], out);
}

/** out[k] = self[dst[k]] + nbr[src[k]] + edge[k] + bias, rows of c floats; self and nbr have n rows. */
export function edgeMessage(
  parts: { self: Float32Array; nbr: Float32Array; edge: Float32Array; bias: Float32Array },
  dst: Int32Array,
  src: Int32Array,
  out: Float32Array,
  c: number,
  n: number,
): void {
  const { k, at } = layout([f32(parts.self), f32(parts.nbr), f32(parts.edge), f32(parts.bias), i32(dst), i32(src), space(dst.length * c)]);
  const bad = k.edgeMessage(at[0], at[1], at[2], at[3], at[4], at[5], at[6], dst.length, c, n);
  if (bad >= 0) throw new Error(`LwEdgeMessage: edge ${bad} (${src[bad]} → ${dst[bad]}) out of range [0, ${n})`);
  readOut(k, at[6], out);
}

/** Column sums of x [rows, cols] into out [cols]. */
export function colSum(x: Float32Array, out: Float32Array, rows: number, cols: number): void {
  const { k, at } = layout([f32(x), space(cols), space(cols, 8)]);
  k.colSum(at[0], rows, cols, at[1], at[2]);
  readOut(k, at[1], out);
}

/** Column mean (row 0) and biased variance (row 1) of x [rows, cols] into out [2, cols]; cols % 4 = 0. */
export function colMoments(x: Float32Array, out: Float32Array, rows: number, cols: number): void {
  const { k, at } = layout([f32(x), space(2 * cols), space(cols, 8)]);
  k.colMoments(at[0], rows, cols, at[1], at[2]);
  readOut(k, at[1], out);
}

/** softplus, elementwise (any length). */
export function softplus(x: Float32Array, out: Float32Array): void {
  const n4 = Math.ceil(x.length / 4) * 4;
  const { k, at } = layout([f32(x), space(n4)]);
  k.softplus(at[0], at[1], n4);
  readOut(k, at[1], out);
}

/** CGCNN gate forward: z [rows, 2F], folded batch norm a, b [2F] → m [rows, F], deriv [rows, 2F]; F % 4 = 0. */
export function bnGateForward(z: Float32Array, a: Float32Array, b: Float32Array, out: { m: Float32Array; deriv: Float32Array }, rows: number, f: number): void {
  const { k, at } = layout([f32(z), f32(a), f32(b), space(rows * f), space(rows * 2 * f)]);
  k.bnGateForward(at[0], at[1], at[2], rows, f, at[3], at[4]);
  readOut(k, at[3], out.m);
  readOut(k, at[4], out.deriv);
}

/** CGCNN gate backward (see the kernel): writes dz [rows, 2F], dgamma and dbeta [2F]. */
export function bnGateBackward(
  dm: Float32Array,
  z: Float32Array,
  deriv: Float32Array,
  stats: { mean: Float32Array; rstd: Float32Array; a: Float32Array },
  rows: number,
  f: number,
  batchStats: boolean,
  out: { dz: Float32Array; dgamma: Float32Array; dbeta: Float32Array },
): void {
  const c2 = 2 * f;
  const { k, at } = layout([f32(dm), f32(z), f32(deriv), f32(stats.mean), f32(stats.rstd), f32(stats.a), space(rows * c2), space(c2), space(c2), space(2 * c2, 8)]);
  k.bnGateBackward(at[0], at[1], at[2], at[3], at[4], at[5], rows, f, batchStats ? 1 : 0, at[6], at[7], at[8], at[9]);
  readOut(k, at[6], out.dz);
  readOut(k, at[7], out.dgamma);
  readOut(k, at[8], out.dbeta);
}

/** out [K, N] = xᵀ·g for x [rows, K], g [rows, N]; N % 4 = 0. */
export function transposedProduct(x: Float32Array, g: Float32Array, out: Float32Array, rows: number, kk: number, n: number): void {
  // scratch: a float32 block [K, N], 16-byte aligned, then float64 sums [K, N]
  const { k, at } = layout([f32(x), f32(g), space(kk * n), space(3 * kk * n + 4)]);
  k.transposedProduct(at[0], at[1], rows, kk, n, at[2], at[3]);
  readOut(k, at[2], out);
}
