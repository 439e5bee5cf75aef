/**
 * Shared memory of a data-parallel session: the data every replica reads (moved once into one
 * SharedArrayBuffer, so W replicas do not hold W copies of the graphs), the weights the
 * coordinator writes after each optimiser step, the replicas' gradient slots, and the barrier of
 * the batch-statistics reduction (./sync).
 */

type Typed = Float32Array | Float64Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array | Uint8ClampedArray;

function isTyped(v: unknown): v is Typed {
  return ArrayBuffer.isView(v) && !(v instanceof DataView) && !(typeof BigInt64Array !== 'undefined' && (v instanceof BigInt64Array || v instanceof BigUint64Array));
}

function visit(value: unknown, seen: Set<object>, onTyped: (t: Typed, set: (shared: Typed) => void) => void): void {
  if (value === null || typeof value !== 'object' || seen.has(value)) return;
  seen.add(value);
  const entries: [string | number, unknown][] = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  for (const [k, v] of entries) {
    if (isTyped(v)) {
      if (v.buffer instanceof SharedArrayBuffer) continue;
      onTyped(v, (shared) => ((value as Record<string | number, unknown>)[k] = shared));
    } else visit(v, seen, onTyped);
  }
}

/**
 * Moves every typed array reachable from `value` (plain objects and arrays) into one
 * SharedArrayBuffer, in place: afterwards posting `value` to a worker shares the arrays instead of
 * copying them. Returns the bytes moved. Arrays already in shared memory are left as they are.
 */
export function moveToSharedMemory(value: unknown): number {
  let bytes = 0;
  visit(value, new Set(), (t) => (bytes += Math.ceil(t.byteLength / 8) * 8));
  if (bytes === 0) return 0;
  const arena = new SharedArrayBuffer(bytes);
  let at = 0;
  visit(value, new Set(), (t, set) => {
    const Ctor = t.constructor as new (buffer: SharedArrayBuffer, offset: number, length: number) => Typed;
    const copy = new Ctor(arena, at, t.length);
    copy.set(t as never);
    set(copy);
    at += Math.ceil(t.byteLength / 8) * 8;
  });
  return bytes;
}

/** Float32 sizes of a list of variables, and the offset of each in a flat buffer. */
export function layoutOf(sizes: readonly number[]): { offsets: number[]; total: number } {
  const offsets: number[] = [];
  let total = 0;
  for (const s of sizes) {
    offsets.push(total);
    total += s;
  }
  return { offsets, total };
}

/** The session's buffers (posted to every replica at start). */
export interface SessionMemory {
  /** Int32 control words (./sync). */
  control: SharedArrayBuffer;
  /** Float64 reduction slots: 2 banks × workers × capacity. */
  reduce: SharedArrayBuffer;
  /** Float32 trainable weights, the coordinator's (concatenated in the program's order). */
  weights: SharedArrayBuffer;
  /** Float32 non-trainable state (running statistics): coordinator → replicas at start and resume, replica 0 → coordinator on request. */
  state: SharedArrayBuffer;
  /** Float32 gradient slots: workers × trainable size. */
  grads: SharedArrayBuffer;
  workers: number;
  /** Doubles per reduction slot. */
  capacity: number;
  trainableSizes: number[];
  stateSizes: number[];
}

export const CONTROL_WORDS = 8;

export function allocateSession(workers: number, trainableSizes: number[], stateSizes: number[], capacity: number): SessionMemory {
  const t = layoutOf(trainableSizes).total;
  const s = layoutOf(stateSizes).total;
  return {
    control: new SharedArrayBuffer(CONTROL_WORDS * 4),
    reduce: new SharedArrayBuffer(2 * workers * capacity * 8),
    weights: new SharedArrayBuffer(Math.max(1, t) * 4),
    state: new SharedArrayBuffer(Math.max(1, s) * 4),
    grads: new SharedArrayBuffer(Math.max(1, workers * t) * 4),
    workers,
    capacity,
    trainableSizes,
    stateSizes,
  };
}

/** Copies arrays into a flat Float32 buffer at the layout's offsets. */
export function writeFlat(buffer: Float32Array, arrays: readonly Float32Array[]): void {
  let at = 0;
  for (const a of arrays) {
    buffer.set(a, at);
    at += a.length;
  }
}

/** Views of a flat Float32 buffer cut by sizes (no copy). */
export function readFlat(buffer: Float32Array, sizes: readonly number[], base = 0): Float32Array[] {
  const out: Float32Array[] = [];
  let at = base;
  for (const s of sizes) {
    out.push(buffer.subarray(at, at + s));
    at += s;
  }
  return out;
}
