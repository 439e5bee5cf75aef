/**
 * Training checkpoints: everything needed to continue a run exactly where it stopped
 * (weights incl. batch-norm statistics, optimiser slots and step, shuffle RNG, plateau
 * state, best-so-far weights, history, the weight average), and a compact binary encoding for storage
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
import type { FineTuneStart } from './finetune';
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
  /** The weight average (training.emaDecay > 0), by trainable variable in order; absent without one. */
  average?: Float32Array[];
  /** A fine-tuning run's provenance (the model it started from, what became of the head), written by the worker so that a resumed run's model records it. */
  fineTune?: { startedFrom: string; head: string; seededElements?: Record<string, string> | null };
  /**
   * A k-fold run's: the fold this checkpoint's state trains (the rest of the checkpoint is its), the folds
   * finished before it, and a fine-tuning run's start, which the folds after it start from.
   */
  kFold?: { fold: number; finished: FinishedFold[]; start?: FineTuneStart };
}

/** A finished fold of a k-fold run, as its checkpoints keep it: its best weights and what the ensemble needs besides. */
export interface FinishedFold {
  fold: number;
  status: 'finished' | 'early-stopped';
  bestEpoch: number;
  bestMetric: number;
  /** The best epoch's weights (the fold's ensemble member). */
  weights: Record<string, Float32Array>;
  normalizer: TargetNormalizer;
  split: Split;
  history: EpochRecord[];
}

const MAGIC = 'LWCKPT\0\0';

interface ArrayRef {
  key: string;
  length: number;
}

/**
 * The binary layout of a checkpoint (the module comment's): `magic` (8 bytes), a JSON header and
 * named float32 arrays listed in the header's `arrays` index. Property runs' checkpoints and
 * potential runs' (engine/potential/checkpoint.ts) are both written with it.
 */
export function packArrays(magic: string, header: Record<string, unknown>, arrays: [key: string, values: Float32Array][]): Uint8Array {
  const index: ArrayRef[] = arrays.map(([key, a]) => ({ key, length: a.length }));
  const json = new TextEncoder().encode(JSON.stringify({ ...header, arrays: index }));
  const headerEnd = 12 + json.length;
  const pad = (4 - (headerEnd % 4)) % 4;
  const total = headerEnd + pad + arrays.reduce((s, [, a]) => s + 4 * a.length, 0);
  const out = new Uint8Array(total);
  out.set(new TextEncoder().encode(magic), 0);
  const dv = new DataView(out.buffer);
  dv.setUint32(8, json.length, true);
  out.set(json, 12);
  let p = headerEnd + pad;
  for (const [, a] of arrays) {
    for (let i = 0; i < a.length; i++) dv.setFloat32(p + 4 * i, a[i], true);
    p += 4 * a.length;
  }
  return out;
}

/** Reads what packArrays wrote: the JSON header and the arrays by key (in the order written). */
export function unpackArrays(magic: string, bytes: Uint8Array): { header: Record<string, unknown>; arrays: Map<string, Float32Array> } {
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 8)) !== magic) throw new Error('not a Latticework checkpoint');
  const h = dv.getUint32(8, true);
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + h))) as Record<string, unknown>;
  let p = 12 + h + ((4 - ((12 + h) % 4)) % 4);
  const arrays = new Map<string, Float32Array>();
  for (const ref of header.arrays as ArrayRef[]) {
    if (p + 4 * ref.length > bytes.length) throw new Error(`checkpoint truncated in ${ref.key}`);
    const a = new Float32Array(ref.length);
    for (let i = 0; i < ref.length; i++) a[i] = dv.getFloat32(p + 4 * i, true);
    p += 4 * ref.length;
    arrays.set(ref.key, a);
  }
  return { header, arrays };
}

export function encodeCheckpoint(c: Checkpoint): Uint8Array {
  const arrays: [string, Float32Array][] = [];
  for (const [k, v] of Object.entries(c.weights)) arrays.push([`w/${k}`, v]);
  for (const [slot, vs] of Object.entries(c.optimizer.slots)) vs.forEach((v, i) => arrays.push([`o/${slot}/${i}`, v]));
  if (c.best) for (const [k, v] of Object.entries(c.best.weights)) arrays.push([`b/${k}`, v]);
  c.average?.forEach((v, i) => arrays.push([`a/${i}`, v]));
  c.kFold?.finished.forEach((f, i) => {
    for (const [k, v] of Object.entries(f.weights)) arrays.push([`f/${i}/${k}`, v]);
  });
  for (const [k, v] of Object.entries(c.kFold?.start?.weights ?? {})) arrays.push([`s/${k}`, v]);
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
    ...(c.fineTune ? { fineTune: c.fineTune } : {}),
    ...(c.kFold
      ? {
          kFold: {
            fold: c.kFold.fold,
            finished: c.kFold.finished.map(({ weights: _w, ...f }) => f),
            ...(c.kFold.start ? { start: { freeze: c.kFold.start.freeze, keepHead: c.kFold.start.keepHead } } : {}),
          },
        }
      : {}),
  };
  return packArrays(MAGIC, header, arrays);
}

export function decodeCheckpoint(bytes: Uint8Array): Checkpoint {
  const { header: h, arrays } = unpackArrays(MAGIC, bytes);
  // the header encodeCheckpoint wrote
  const header = h as unknown as Omit<Checkpoint, 'weights' | 'optimizer' | 'best' | 'plateau'> & {
    optimizer: { kind: OptimizerState['kind']; step: number; slots: Record<string, number> };
    plateau: Omit<PlateauState, 'best'> & { best: number | null };
    best: { epoch: number; metric: number } | null;
    kFold?: { fold: number; finished: Omit<FinishedFold, 'weights'>[]; start?: Omit<FineTuneStart, 'weights'> };
  };
  const weights: Record<string, Float32Array> = {};
  const bestWeights: Record<string, Float32Array> = {};
  const slots: Record<string, Float32Array[]> = {};
  const average: Float32Array[] = [];
  const foldWeights: Record<string, Float32Array>[] = (header.kFold?.finished ?? []).map(() => ({}));
  const startWeights: Record<string, Float32Array> = {};
  for (const [k, n] of Object.entries(header.optimizer.slots as Record<string, number>)) slots[k] = new Array(n);
  for (const [key, a] of arrays) {
    const [kind, ...rest] = key.split('/');
    if (kind === 'w') weights[rest.join('/')] = a;
    else if (kind === 'b') bestWeights[rest.join('/')] = a;
    else if (kind === 'o') slots[rest[0]][Number(rest[1])] = a;
    else if (kind === 'a') average[Number(rest[0])] = a;
    else if (kind === 'f') foldWeights[Number(rest[0])][rest.slice(1).join('/')] = a;
    else if (kind === 's') startWeights[rest.join('/')] = a;
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
    ...(average.length ? { average } : {}),
    ...(header.fineTune ? { fineTune: header.fineTune } : {}),
    ...(header.kFold
      ? {
          kFold: {
            fold: header.kFold.fold,
            finished: header.kFold.finished.map((f, i) => ({ ...f, weights: foldWeights[i] })),
            ...(header.kFold.start ? { start: { ...header.kFold.start, weights: startWeights } } : {}),
          },
        }
      : {}),
  };
}
