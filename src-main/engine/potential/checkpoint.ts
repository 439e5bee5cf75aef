/**
 * A potential run's checkpoint after an epoch: the member in training (of a seed ensemble), the
 * members already trained (their best weights and epochs, as the model file records them) and the
 * member's training state (./train PotentialTrainState: weights, optimiser, shuffle RNG, plateau,
 * weight average, best so far, history, seconds). Encoded with the property runs' layout
 * (engine/train/checkpoint.ts packArrays) under its own magic, so one is never read as the other.
 */
import type { Split } from '../../../src-shared/model/split';
import { packArrays, unpackArrays } from '../train/checkpoint';
import type { SourceElements } from './finetune';
import type { PotentialTrainState } from './train';

/** A member trained to its end before the checkpoint. */
export interface TrainedMember {
  weights: Record<string, Float32Array>;
  epochsRun: number;
  bestEpoch: number;
  bestScore: number;
}

/** A fine-tuning run's start: every member starts from the source's weights, and the model file records it. */
export interface PotentialStart {
  /** The source potential's weights (its first member). */
  weights: Record<string, Float32Array>;
  /** The source model's name (the provenance's `startedFrom`). */
  startedFrom: string;
  /** The elements the source trained (engine/potential/finetune sourceTrainedElements); null: it does not say, no embedding row is seeded. */
  sourceElements: SourceElements | null;
}

export interface PotentialCheckpoint {
  version: 1;
  /** The member in training (0-based) and what it has done. */
  member: number;
  state: PotentialTrainState;
  /** Members 0 … member − 1. */
  trained: TrainedMember[];
  split: Split;
  freeze: number;
  /** A fine-tuning run's start (null: trained from scratch), so that a resumed run's later members start from it and its model records it. */
  start: PotentialStart | null;
}

const MAGIC = 'LWPOTCK\0';

const named = (prefix: string, w: Record<string, Float32Array>): [string, Float32Array][] => Object.entries(w).map(([k, v]) => [`${prefix}${k}`, v]);

export function encodePotentialCheckpoint(c: PotentialCheckpoint): Uint8Array {
  const s = c.state;
  const arrays: [string, Float32Array][] = [
    ...named('w/', s.weights),
    ...(s.best ? named('b/', s.best.weights) : []),
    ...(s.ema ?? []).map((v, i): [string, Float32Array] => [`e/${i}`, v]),
    ...Object.entries(s.optimizer.slots).flatMap(([slot, vs]) => vs.map((v, i): [string, Float32Array] => [`o/${slot}/${i}`, v])),
    ...c.trained.flatMap((m, k) => named(`m/${k}/`, m.weights)),
    ...(c.start ? named('s/', c.start.weights) : []),
  ];
  return packArrays(MAGIC, {
    version: c.version,
    member: c.member,
    split: c.split,
    freeze: c.freeze,
    start: c.start ? { startedFrom: c.start.startedFrom, sourceElements: c.start.sourceElements } : null,
    trained: c.trained.map(({ epochsRun, bestEpoch, bestScore }) => ({ epochsRun, bestEpoch, bestScore })),
    state: {
      epoch: s.epoch,
      step: s.step,
      optimizer: { kind: s.optimizer.kind, step: s.optimizer.step, slots: Object.fromEntries(Object.entries(s.optimizer.slots).map(([k, v]) => [k, v.length])) },
      rng: s.rng,
      plateau: { ...s.plateau, best: Number.isFinite(s.plateau.best) ? s.plateau.best : null },
      ema: s.ema ? s.ema.length : null,
      best: s.best ? { epoch: s.best.epoch, score: s.best.score } : null,
      sinceBest: s.sinceBest,
      history: s.history,
      seconds: s.seconds,
    },
  }, arrays);
}

interface Header {
  version: 1;
  member: number;
  split: Split;
  freeze: number;
  /** Absent in checkpoints written before fine-tuning starts were kept. */
  start?: Omit<PotentialStart, 'weights'> | null;
  trained: Omit<TrainedMember, 'weights'>[];
  state: Omit<PotentialTrainState, 'weights' | 'optimizer' | 'plateau' | 'ema' | 'best'> & {
    optimizer: { kind: PotentialTrainState['optimizer']['kind']; step: number; slots: Record<string, number> };
    plateau: Omit<PotentialTrainState['plateau'], 'best'> & { best: number | null };
    ema: number | null;
    best: { epoch: number; score: number } | null;
  };
}

export function decodePotentialCheckpoint(bytes: Uint8Array): PotentialCheckpoint {
  const { header, arrays } = unpackArrays(MAGIC, bytes);
  const h = header as unknown as Header;
  if (h.version !== 1) throw new Error(`potential checkpoint version ${String(h.version)} is not readable by this version`);
  const prefixed = (prefix: string) => Object.fromEntries([...arrays].filter(([k]) => k.startsWith(prefix)).map(([k, v]) => [k.slice(prefix.length), v]));
  const list = (prefix: string, n: number) => Array.from({ length: n }, (_, i) => arrays.get(`${prefix}${i}`)!);
  const s = h.state;
  return {
    version: 1,
    member: h.member,
    split: h.split,
    freeze: h.freeze,
    start: h.start ? { ...h.start, weights: prefixed('s/') } : null,
    trained: h.trained.map((m, k) => ({ ...m, weights: prefixed(`m/${k}/`) })),
    state: {
      epoch: s.epoch,
      step: s.step,
      weights: prefixed('w/'),
      optimizer: { kind: s.optimizer.kind, step: s.optimizer.step, slots: Object.fromEntries(Object.entries(s.optimizer.slots).map(([slot, n]) => [slot, list(`o/${slot}/`, n)])) },
      rng: s.rng,
      plateau: { ...s.plateau, best: s.plateau.best ?? Infinity },
      ema: s.ema === null ? null : list('e/', s.ema),
      best: s.best ? { ...s.best, weights: prefixed('b/') } : null,
      sinceBest: s.sinceBest,
      history: s.history,
      seconds: s.seconds,
    },
  };
}
