/**
 * Latticework's portable model file (`.lwm`): everything needed to predict with a model
 * on another machine, and nothing that depends on where it was made.
 *
 * Byte layout (little-endian):
 *
 *   bytes 0..7    magic "LWMODEL\0"
 *   bytes 8..11   uint32 header length H
 *   bytes 12..    header: UTF-8 JSON (ModelHeader), H bytes, then zero padding to a multiple of 4
 *   then          float32 weights, concatenated in the order of `header.weights`
 *
 * The header holds the full model config (architecture, sizes, head, AND graph settings:
 * cutoff, max neighbours, CGCNN padding, Gaussian expansion), the atom_init table when the
 * atom inputs are CGCNN embeddings, the target normaliser, target names and units, the
 * task, provenance, and the weight index. Weights use the engine's layout (Dense kernels
 * [in, out]) and stable names (`convs.0.fc_full.weight`). An ensemble (e.g. k-fold models)
 * stores several members with identical configs: weight entries carry their member index.
 */
import type { ModelConfig } from '../../../src-shared/model/config';
import type { TrainingDomain } from '../../../src-shared/model/domain';
import type { PotentialConfig } from '../../../src-shared/model/potential';

export const MODEL_FILE_MAGIC = 'LWMODEL\0';
export const MODEL_FILE_VERSION = 1;

export interface TargetInfo {
  /** Property name, e.g. `band_gap`. */
  name: string;
  /** Units of the de-normalised prediction, e.g. `eV`, `log10(GPa)`, or '' for dimensionless. */
  unit: string;
  /** Free text shown to users. */
  description?: string;
}

export interface Normalizer {
  /** Per output: prediction = raw · std + mean. */
  mean: number[];
  std: number[];
}

export interface Provenance {
  /** How the model came to be. */
  source: 'cgcnn-import' | 'training' | 'other';
  /** Original file name (imports) and its SHA-256. */
  file?: string;
  sha256?: string;
  /** Dataset name or path and run id (training). */
  dataset?: string;
  run?: string;
  createdAt: string;
  software: string;
  /** Extra facts (epochs, best validation metric, original args). */
  details?: Record<string, unknown>;
  /** References to cite. */
  references?: string[];
}

export interface WeightEntry {
  name: string;
  shape: number[];
  /** Ensemble member (0 for single models). */
  member: number;
}

export interface ModelHeader {
  format: 'latticework-model';
  version: number;
  /** Display name / identifier (unique among the stored models). */
  name: string;
  /** A property model's config, or an interatomic potential's (task 'potential'). */
  config: ModelConfig | PotentialConfig;
  /** What the outputs mean. Classification: class labels in order, P(class) reported for `positiveClass`. */
  task: 'regression' | 'classification' | 'per-atom' | 'potential';
  targets: TargetInfo[];
  classes?: string[];
  /** Index of the class whose probability `predict` reports (CGCNN: 1). */
  positiveClass?: number;
  /** Null when outputs are not normalised (classification). */
  normalizer: Normalizer | null;
  /** CGCNN atom_init table (keys: atomic numbers as strings) when config.model.atomInput.kind is 'cgcnn'. */
  atomInit: Record<string, number[]> | null;
  members: number;
  provenance: Provenance;
  /** What the model was trained on (elements, periodic or molecular, sizes, target ranges); absent in files made before it was recorded. */
  domain?: TrainingDomain;
  weights: WeightEntry[];
}

/** A model file in memory: header plus weights per member (by name). */
export interface ModelFileData {
  header: ModelHeader;
  members: Array<Record<string, Float32Array>>;
}

const enc = new TextEncoder();
const dec = new TextDecoder('utf-8', { fatal: true });

/** Serialises a model file. The header's `weights` index is (re)built from `members`. */
export function encodeModelFile(data: ModelFileData): Uint8Array {
  const weights: WeightEntry[] = [];
  const arrays: Float32Array[] = [];
  const shapes = data.header.weights.length ? new Map(data.header.weights.map((w) => [`${w.member}/${w.name}`, w.shape])) : null;
  data.members.forEach((m, member) => {
    for (const [name, values] of Object.entries(m)) {
      const shape = shapes?.get(`${member}/${name}`) ?? [values.length];
      if (shape.reduce((a, b) => a * b, 1) !== values.length) throw new Error(`model file: ${name} has ${values.length} values for shape [${shape.join(', ')}]`);
      weights.push({ name, shape, member });
      arrays.push(values);
    }
  });
  const header: ModelHeader = { ...data.header, members: data.members.length, weights };
  const json = enc.encode(JSON.stringify(header));
  const headerEnd = 12 + json.length;
  const pad = (4 - (headerEnd % 4)) % 4;
  const total = headerEnd + pad + arrays.reduce((s, a) => s + a.byteLength, 0);
  const out = new Uint8Array(total);
  out.set(enc.encode(MODEL_FILE_MAGIC), 0);
  new DataView(out.buffer).setUint32(8, json.length, true);
  out.set(json, 12);
  let p = headerEnd + pad;
  const dv = new DataView(out.buffer);
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) dv.setFloat32(p + 4 * i, a[i], true);
    p += a.byteLength;
  }
  return out;
}

export function isModelFile(bytes: Uint8Array): boolean {
  return bytes.length >= 12 && new TextDecoder('latin1').decode(bytes.subarray(0, 8)) === MODEL_FILE_MAGIC;
}

/** The JSON header of a model file, without reading the weights (listing, storing, finding models); its weight index checked against the bytes present (checkWeightIndex). */
export function readModelHeader(bytes: Uint8Array): ModelHeader {
  if (!isModelFile(bytes)) throw new Error('not a Latticework model file (bad magic)');
  const h = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  if (12 + h > bytes.length) throw new Error('model file truncated in header');
  const header = JSON.parse(dec.decode(bytes.subarray(12, 12 + h))) as ModelHeader;
  if (header === null || typeof header !== 'object' || header.format !== 'latticework-model') throw new Error('model file: wrong format tag');
  if (header.version > MODEL_FILE_VERSION) throw new Error(`model file version ${header.version} is newer than this program supports (${MODEL_FILE_VERSION})`);
  checkWeightIndex(header, bytes.length - weightsStart(h));
  return header;
}

/** Where the weights start after a header of `h` bytes (padded to a multiple of 4). */
function weightsStart(h: number): number {
  return 12 + h + ((4 - ((12 + h) % 4)) % 4);
}

const isCount = (v: unknown): v is number => typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;

/**
 * The header's counts against each other and against the `weightBytes` that follow it, before
 * anything is allocated from them: `members` is a positive integer and every member 0..members−1
 * owns at least one weight (so it is bounded by the index the header itself spells out), every
 * shape is a list of non-negative integers, and the weights' float32 values fill exactly the
 * bytes present. A crafted count fails here in one line instead of allocating what it claims.
 */
function checkWeightIndex(header: ModelHeader, weightBytes: number): void {
  const { members, weights } = header;
  if (!Number.isSafeInteger(members) || members < 1) throw new Error(`model file: "members" is ${JSON.stringify(members)}, not a positive integer`);
  if (!Array.isArray(weights)) throw new Error('model file: the header has no weight index ("weights")');
  const owned = new Set<number>();
  let floats = 0;
  for (const [i, w] of weights.entries()) {
    const what = `weight ${i}${typeof w?.name === 'string' ? ` (${w.name})` : ''}`;
    if (typeof w?.name !== 'string') throw new Error(`model file: ${what} has no name`);
    if (!isCount(w.member) || w.member >= members) throw new Error(`model file: ${what} belongs to member ${JSON.stringify(w.member)}, but the file has members 0..${members - 1}`);
    if (!Array.isArray(w.shape) || !w.shape.every(isCount)) throw new Error(`model file: ${what} has shape ${JSON.stringify(w.shape)}, not a list of non-negative integers`);
    floats += w.shape.reduce((a, b) => a * b, 1);
    // past the bytes present (a product can pass 2⁵³ only after passing them)
    if (4 * floats > weightBytes) throw new Error(`model file truncated: the weights up to ${what} need ${4 * floats} bytes, but ${Math.max(0, weightBytes)} follow the header`);
    owned.add(w.member);
  }
  if (owned.size !== members) throw new Error(`model file: "members" is ${members}, but the weights belong to ${owned.size} member${owned.size === 1 ? '' : 's'}`);
  if (4 * floats !== weightBytes) throw new Error(`model file: its weights fill ${4 * floats} bytes, but ${weightBytes} follow the header`);
}

/** Parses a model file; validates the layout (not the config, see loadModel). */
export function decodeModelFile(bytes: Uint8Array): ModelFileData {
  const header = readModelHeader(bytes);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let p = weightsStart(dv.getUint32(8, true));
  const members: Array<Record<string, Float32Array>> = Array.from({ length: header.members }, () => ({}));
  for (const w of header.weights) {
    const n = w.shape.reduce((a, b) => a * b, 1);
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = dv.getFloat32(p + 4 * i, true);
    p += 4 * n;
    members[w.member][w.name] = a;
  }
  return { header, members };
}
