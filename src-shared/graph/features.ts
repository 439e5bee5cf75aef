/**
 * Node and edge features of crystal graphs.
 *
 * Node features (N atoms):
 *  - `oneHotZ`: one-hot of the atomic number, width 119 (Z = 0..118; 0 is a dummy).
 *  - `atomInitFeatures`: CGCNN's atom_init.json embedding (92 wide in CGCNN's file).
 *  - `embeddingIndex`: the atomic number as an integer index into a learned embedding.
 *
 * Edge features (E edges):
 *  - `gaussianExpand`: CGCNN's GaussianDistance: centres μ_k = numpy.arange(dmin, dmax + step, step),
 *    feature exp(−(d − μ_k)² / var²), var defaulting to step (CGCNN: 0..8 by 0.2 → 41 centres).
 *  - optional smooth cutoff envelope multiplied into every feature of an edge.
 */

export const ONE_HOT_WIDTH = 119;

/** One-hot of Z, row-major N × 119 Float32Array. */
export function oneHotZ(numbers: ArrayLike<number>, width = ONE_HOT_WIDTH): Float32Array {
  const n = numbers.length;
  const out = new Float32Array(n * width);
  for (let i = 0; i < n; i++) {
    const z = numbers[i];
    if (!Number.isInteger(z) || z < 0 || z >= width) throw new Error(`one-hot: atomic number ${z} outside 0..${width - 1}`);
    out[i * width + z] = 1;
  }
  return out;
}

/** Atomic numbers as indices for a learned embedding table (validated 0..maxZ). */
export function embeddingIndex(numbers: ArrayLike<number>, maxZ = ONE_HOT_WIDTH - 1): Int32Array {
  const out = new Int32Array(numbers.length);
  for (let i = 0; i < numbers.length; i++) {
    const z = numbers[i];
    if (!Number.isInteger(z) || z < 0 || z > maxZ) throw new Error(`embedding index: atomic number ${z} outside 0..${maxZ}`);
    out[i] = z;
  }
  return out;
}

/** A parsed atom_init.json: Z → feature vector, all of one width. */
export interface AtomInitTable {
  width: number;
  /** Row for Z at [Z * width, (Z + 1) * width); rows of absent elements are zero. */
  rows: Float32Array;
  /** has[Z] = 1 when the file defines Z. */
  has: Uint8Array;
  maxZ: number;
}

/**
 * Parses CGCNN's atom_init.json text: an object whose keys are atomic numbers (as
 * strings) and values equal-length arrays of numbers.
 */
export function parseAtomInit(text: string): AtomInitTable {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch (e) {
    throw new Error(`atom_init: not valid JSON (${(e as Error).message})`);
  }
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) throw new Error('atom_init: expected a JSON object {"Z": [features...]}');
  const entries = Object.entries(obj as Record<string, unknown>);
  if (entries.length === 0) throw new Error('atom_init: no elements');
  let width = -1;
  let maxZ = 0;
  for (const [k, v] of entries) {
    if (!/^\d+$/.test(k.trim())) throw new Error(`atom_init: key "${k}" is not an atomic number`);
    const z = Number(k);
    if (z > 200) throw new Error(`atom_init: atomic number ${z} too large`);
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new Error(`atom_init: value for Z=${k} must be an array of numbers`);
    }
    if (width < 0) width = v.length;
    else if (v.length !== width) throw new Error(`atom_init: Z=${k} has ${v.length} features, expected ${width}`);
    maxZ = Math.max(maxZ, z);
  }
  if (width === 0) throw new Error('atom_init: empty feature vectors');
  const rows = new Float32Array((maxZ + 1) * width);
  const has = new Uint8Array(maxZ + 1);
  for (const [k, v] of entries) {
    const z = Number(k);
    rows.set(v as number[], z * width);
    has[z] = 1;
  }
  return { width, rows, has, maxZ };
}

/** CGCNN's atom_init.json object (keys: atomic numbers as strings) of a table: what a model file or an export carries. */
export function atomInitRecord(t: AtomInitTable): Record<string, number[]> {
  const out: Record<string, number[]> = {};
  for (let z = 0; z <= t.maxZ; z++) if (t.has[z]) out[String(z)] = Array.from(t.rows.subarray(z * t.width, (z + 1) * t.width));
  return out;
}

/** Node features from an atom_init table, row-major N × width. Unknown elements are an error (as in CGCNN). */
export function atomInitFeatures(numbers: ArrayLike<number>, table: AtomInitTable): Float32Array {
  const { width } = table;
  const out = new Float32Array(numbers.length * width);
  for (let i = 0; i < numbers.length; i++) {
    const z = numbers[i];
    if (!(z >= 0 && z <= table.maxZ && table.has[z])) throw new Error(`atom_init: no embedding for atomic number ${z}`);
    out.set(table.rows.subarray(z * width, (z + 1) * width), i * width);
  }
  return out;
}

export interface GaussianOptions {
  /** First centre (Å). CGCNN: 0. */
  dmin: number;
  /** Last centre is the largest dmin + k·step below dmax + step (numpy.arange). CGCNN: radius = 8. */
  dmax: number;
  /** Spacing of centres (Å). CGCNN: 0.2. */
  step: number;
  /** Width: feature exp(−(d − μ)² / var²). Defaults to step (CGCNN). */
  variance?: number;
}

export const CGCNN_GAUSSIAN: Readonly<GaussianOptions> = Object.freeze({ dmin: 0, dmax: 8, step: 0.2, variance: 0.2 });

/**
 * Centres exactly as numpy.arange(dmin, dmax + step, step) computes them:
 * length ceil((stop − start) / step) with stop = dmax + step rounded to double,
 * values start + i·delta, delta = (start + step) − start. For CGCNN (0, 8, 0.2): (8.2 − 0) / 0.2 = 40.99999999999999 → 41 centres, last 8.0.
 */
export function gaussianCentres(o: GaussianOptions): Float64Array {
  if (!(o.dmin < o.dmax) || !(o.step > 0) || !(o.dmax - o.dmin > o.step)) {
    throw new Error('gaussian: need dmin < dmax and dmax − dmin > step > 0 (as CGCNN asserts)');
  }
  const stop = o.dmax + o.step;
  const len = Math.ceil((stop - o.dmin) / o.step);
  // numpy fills start + i·delta with delta = (start + step) − start
  const delta = o.dmin + o.step - o.dmin;
  const out = new Float64Array(len);
  for (let i = 0; i < len; i++) out[i] = o.dmin + i * delta;
  return out;
}

export type EnvelopeOptions =
  | { kind: 'none' }
  /** 0.5 (cos(π d / rc) + 1) for d < rc, else 0 (Behler). */
  | { kind: 'cosine'; cutoff: number }
  /** 1 − (p+1)(p+2)/2 x^p + p(p+2) x^(p+1) − p(p+1)/2 x^(p+2), x = d / rc, 0 beyond (DimeNet; p default 6). */
  | { kind: 'polynomial'; cutoff: number; p?: number };

/** Value of a smooth cutoff envelope at distance d. */
export function envelope(d: number, env: EnvelopeOptions): number {
  if (env.kind === 'none') return 1;
  if (!(d < env.cutoff)) return 0;
  if (env.kind === 'cosine') return 0.5 * (Math.cos((Math.PI * d) / env.cutoff) + 1);
  const p = env.p ?? 6;
  const x = d / env.cutoff;
  const xp = x ** p;
  return 1 - ((p + 1) * (p + 2) / 2) * xp + p * (p + 2) * xp * x - (p * (p + 1) / 2) * xp * x * x;
}

/**
 * Features below this are stored as 0. Each feature enters float32 sums of O(1) terms through
 * weights of O(1) or less, so a term under 1e-20 is some 13 orders of magnitude below float32's
 * resolution there and changes no result; but such tiny features (and their products with weights
 * and gradients) are float32 subnormals or make them, which x86 processors multiply ~100× slower
 * (WebAssembly cannot set flush-to-zero). At CGCNN's settings two thirds of the features are
 * below it (|d − μ| > 1.36 Å; 67 % over 500 EMT structures' 12-neighbour graphs); keeping them made one CGCNN training step on 256 structures 1.6× slower
 * (1.9 s against 1.13 s, bench/training/profile-step.ts).
 */
const NEGLIGIBLE_FEATURE = 1e-20;

/**
 * exp(−q) < NEGLIGIBLE_FEATURE for q above this (ln 1e20 ≈ 46.05): a feature whose exponent is past it
 * is 0 without computing the exponential, whatever the envelope (at most 1). Two thirds of CGCNN's
 * features: the exponentials skipped were most of a screening's graph time.
 */
const NEGLIGIBLE_EXPONENT = 47;

/**
 * Gaussian expansion of distances, row-major E × K Float32Array (K = number of centres).
 * Computed in double precision then rounded to float32, like CGCNN (numpy float64 → torch.Tensor),
 * with values below NEGLIGIBLE_FEATURE stored as 0.
 */
export function gaussianExpand(distance: ArrayLike<number>, o: GaussianOptions = CGCNN_GAUSSIAN, env: EnvelopeOptions = { kind: 'none' }): Float32Array {
  const mu = gaussianCentres(o);
  const k = mu.length;
  const v = o.variance ?? o.step;
  if (!(v > 0)) throw new Error('gaussian: variance must be positive');
  const v2 = v * v;
  const out = new Float32Array(distance.length * k);
  for (let e = 0; e < distance.length; e++) {
    const d = distance[e];
    const w = env.kind === 'none' ? 1 : envelope(d, env);
    const skip = w >= 0 && w <= 1;
    const base = e * k;
    for (let t = 0; t < k; t++) {
      const x = d - mu[t];
      const q = (x * x) / v2;
      // out is zero-filled: a negligible feature is left as it is (same values as computing it)
      if (skip && q > NEGLIGIBLE_EXPONENT) continue;
      const g = w * Math.exp(-q);
      out[base + t] = g < NEGLIGIBLE_FEATURE ? 0 : g;
    }
  }
  return out;
}
