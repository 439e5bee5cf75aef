/**
 * Training checkpoints: everything needed to continue a run exactly where it stopped
 * (weights incl. batch-norm statistics, optimiser slots and step, shuffle RNG, plateau
 * state, best-so-far weights, history), and a compact binary encoding for storage
 * (SQLite blob or file).
 *
 * Encoding (little-endian): "LWCKPT\0\0", uint32 header length H, UTF-8 JSON header,
 * zero padding to a multiple of 4, then float32 arrays in the order listed in the
 * header's `arrays` index.
 */
import type { ModelConfig } from '../../../src-shared/model/config';
import type { RngState } from '../../../src-shared/model/rng';
import type { PlateauState } from '../../../src-shared/model/schedule';
import type { Split } from '../../../src-shared/model/split';
import type { TargetNormalizer } from './normalizer';
import type { OptimizerState } from './optimizers';

export interface EpochRecord {
  epoch: number;
  lr: number;
  trainLoss: number;
  valLoss: number | null;
  /** Validation metrics in target units (MAE, RMSE, ... or accuracy, AUC, ...). */
  valMetrics: Record<string, number>;
  trainMetrics: Record<string, number>;
  seconds: number;
  structuresPerSecond: number;
}

export interface Checkpoint {
  version: 1;
  config: ModelConfig;
  /** Epochs completed (the next epoch to run). */
  epoch: number;
  weights: Record<string, Float32Array>;
  optimizer: OptimizerState;
  rng: { words: RngState; spare: number | null };
  plateau: PlateauState;
  normalizer: TargetNormalizer;
  split: Split;
  /** Best epoch so far by the selection metric, its value and weights. */
  best: { epoch: number; metric: number; weights: Record<string, Float32Array> } | null;
  /** Epochs since the best one (early stopping). */
  epochsWithoutImprovement: number;
  history: EpochRecord[];
  /** A fine-tuning run's frozen depth (GraphModel.frozenDepth); absent: 0. A resumed run keeps it. */
  freeze?: number;
}

const MAGIC = 'LWCKPT\0\0';

interface ArrayRef {
  key: string;
  length: number;
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const arrays: Float32Array[] = [];
  const index: ArrayRef[] = [];
  const put = (key: string, a: Float32Array) => {
    index.push({ key, length: a.length });
    arrays.push(a);
  };
  for (const [k, v] of Object.entries(c.weights)) put(`w/${k}`, v);
  for (const [slot, vs] of Object.entries(c.optimizer.slots)) vs.forEach((v, i) => put(`o/${slot}/${i}`, v));
  if (c.best) for (const [k, v] of Object.entries(c.best.weights)) put(`b/${k}`, v);
  const header = {
    version: c.version,
    config: c.config,
    epoch: c.epoch,
    optimizer: { kind: c.optimizer.kind, step: c.optimizer.step, slots: Object.fromEntries(Object.entries(c.optimizer.slots).map(([k, v]) => [k, v.length])) },
    rng: c.rng,
    plateau: { ...c.plateau, best: Number.isFinite(c.plateau.best) ? c.plateau.best : null },
    normalizer: c.normalizer,
    split: c.split,
    best: c.best ? { epoch: c.best.epoch, metric: c.best.metric } : null,
    epochsWithoutImprovement: c.epochsWithoutImprovement,
    history: c.history,
    ...(c.freeze ? { freeze: c.freeze } : {}),
    arrays: index,
  };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const headerEnd = 12 + json.length;
  const pad = (4 - (headerEnd % 4)) % 4;
  const total = headerEnd + pad + arrays.reduce((s, a) => s + 4 * a.length, 0);
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(MAGIC), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, json.length, true);
  out.set(json, 12);
  let p = headerEnd + pad;
  for (const a of arrays) {
    for (let i = 0; i < a.length; i++) dv.setFloat32(p + 4 * i, a[i], true);
    p += 4 * a.length;
  }
  return out;
}

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== MAGIC) throw new Error('not a Latticework checkpoint');
  const h = dv.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + h)));
  let p = 12 + h + ((4 - ((12 + h) % 4)) % 4);
  const weights: Record<string, Float32Array> = {};
  const bestWeights: Record<string, Float32Array> = {};
  const slots: Record<string, Float32Array[]> = {};
  for (const [k, n] of Object.entries(header.optimizer.slots as Record<string, number>)) slots[k] = new Array(n);
  for (const ref of header.arrays as ArrayRef[]) {
    if (p + 4 * ref.length > bytes.length) throw new Error(`checkpoint truncated in ${ref.key}`);
    const a = new Float32Array(ref.length);
    for (let i = 0; i < ref.length; i++) a[i] = dv.getFloat32(p + 4 * i, true);
    p += 4 * ref.length;
    const [kind, ...rest] = ref.key.split('/');
    if (kind === 'w') weights[rest.join('/')] = a;
    else if (kind === 'b') bestWeights[rest.join('/')] = a;
    else if (kind === 'o') slots[rest[0]][Number(rest[1])] = a;
  }
  return {
    version: 1,
    config: header.config,
    epoch: header.epoch,
    weights,
    optimizer: { kind: header.optimizer.kind, step: header.optimizer.step, slots },
    rng: header.rng,
    plateau: { ...header.plateau, best: header.plateau.best ?? Infinity },
    normalizer: header.normalizer,
    split: header.split,
    best: header.best ? { ...header.best, weights: bestWeights } : null,
    epochsWithoutImprovement: header.epochsWithoutImprovement,
    history: header.history,
    ...(header.freeze ? { freeze: header.freeze as number } : {}),
  };
}
