/**
 * A potential's training run, the one pipeline of `latticework train --preset *-potential`
 * (cli/commands/train-potential.ts) and of the app's training service (task `train` with a config
 * of `kind: 'potential'`): the members of a (seed) ensemble trained one after the other with the
 * engine's `trainPotential` on one split, epochs reported over all members with the metric keys of
 * docs/potentials.md ("Runs"), and the best weights as a potential model file with its provenance
 * and training domain. The callers record what is reported (the command line through its run
 * hooks, the app through the run store when the worker's events reach the main thread).
 */
import type { LabelledFrame } from '../../src-shared/chem/frames';
import { structureFromJSON, type StructureJSON } from '../../src-shared/chem/serialize';
import { frameOfStructure } from '../../src-shared/chem/frames';
import { mergeConfig } from '../../src-shared/model/config';
import { elementsOf } from '../../src-shared/model/domain';
import { potentialTrainingDomain } from '../../src-shared/model/potential-domain';
import { parsePotentialConfig, type PotentialConfig } from '../../src-shared/model/potential';
import { trainValTestSplit, type Split } from '../../src-shared/model/split';
import { encodeModelFile, type ModelFileData } from '../engine/models/format';
import { ownEnergies, potentialModelFile, splitErrors, withLoadedPotential, type PotentialFileInput } from '../engine/potential/file';
import { metricValues, selectionScore, type PotentialMetrics } from '../engine/potential/metrics';
import { trainPotential, type PotentialEpoch, type PotentialSplitResult } from '../engine/potential/train';
import { decodePotentialCheckpoint, encodePotentialCheckpoint, type PotentialCheckpoint, type PotentialStart, type TrainedMember } from '../engine/potential/checkpoint';
import { TrainingControl } from '../engine/train/control';
import { elementSeeds, seedElementRows, seedingMessage, seedsBySymbol } from '../engine/potential/finetune';
import { ensureBackend } from './backend';
import { CONTROL_CANCEL_KEEP, type TaskContext } from './protocol';
import { watchControl, type TrainEvent, type TrainPrediction, type TrainTaskInput, type TrainTaskOutput } from './train';

/** One epoch as a run records it; `epoch` counts over all members (member k's epoch e is k · epochs + e). */
export interface PotentialEpochReport {
  epoch: number;
  lr: number;
  trainLoss: number;
  seconds: number;
  structuresPerSecond: number;
  atomsPerSecond: number;
  isBest: boolean;
  /** The best-epoch criterion (metrics.ts selectionScore). */
  score: number;
  /** Validation metrics by key without the `val_` prefix (metricValues). */
  val: Record<string, number>;
  /** Training metrics by key without the `train_` prefix: the gradient norm's median and largest value over the epoch's batches (before clipping). */
  train: { grad_norm_median: number; grad_norm_max: number };
}

export interface PotentialRunOptions {
  /** Indices into the frames; every member trains on this split. */
  split: Split;
  /** Members of a seed ensemble (seeds seed, seed + 1, …); default 1. */
  members?: number;
  /** Continue from a checkpoint (its member, its training state; the members before it as trained). */
  resume?: PotentialCheckpoint;
  /** Fine-tuning: the source's weights, name and trained elements (a resumed run takes them from its checkpoint). */
  start?: PotentialStart;
  /** Fine-tuning: the number of frozen blocks. */
  freeze?: number;
  /** What the user should read even when the log is off (the command line: stderr): a fine-tuning run's seeded element rows (or why none), a split without validation structures. */
  announce?(line: string): void;
  control: TrainingControl;
  /** The frames' names (file:frame) for messages, in the order of the frames. */
  names?: readonly string[];
  /** The model file's name and the dataset its provenance names. */
  model: { name: string; dataset: string; run?: string };
  /** When the run is cancelled: keep the best epoch's weights as the model (every member must have one). */
  keepBestOnCancel?(): boolean;
  log?(line: string): void;
  onBatch?(b: { epoch: number; batch: number; batches: number; loss: number; lr: number; gradNorm: number; atomsPerSecond: number }): void;
  /** After each epoch; `checkpoint` gives what continues the run from here. */
  onEpoch?(e: PotentialEpochReport, checkpoint: () => Promise<PotentialCheckpoint>): void | Promise<void>;
}

export interface PotentialRunResult {
  /** The result of every member trained by this call, in order (fewer than asked for when cancelled; a resumed run's first is the resumed member). */
  members: Awaited<ReturnType<typeof trainPotential>>[];
  cancelled: boolean;
  /** The best epoch of the last member, counted over all members (-1: none). */
  bestEpoch: number;
  epochsDone: number;
  /**
   * The validation and test metrics (metricValues keys, with `score`) of the stored model, `evaluated`'s: an
   * ensemble's are those of its members' mean prediction (what `predict` gives), each member's own are its
   * `members[k].val` and `.test`.
   */
  val: Record<string, number>;
  test: Record<string, number>;
  /** The stored model's predictions and errors on the validation and test splits (an ensemble's: its members' mean; a single model's: its member's). */
  evaluated: { val: PotentialSplitResult | null; test: PotentialSplitResult | null };
  /** The trained potential (null when cancelled without keeping the best epoch). */
  file: ModelFileData | null;
  /** Fine-tuning: new element → the trained element whose embedding row it started from, by symbol; null when not fine-tuned or the source did not say what it trained. */
  seededElements: Record<string, string> | null;
}

const f = (x: number | null | undefined, d: number) => (x === null || x === undefined ? '—' : x.toFixed(d));

/** Energy, force and stress errors in one line (the command line's log). */
export function potentialMetricsLine(m: PotentialMetrics): string {
  return `E ${f(m.energyMaeMeVPerAtom, 2)} meV/atom  F ${f(m.forceMae, 4)} eV/Å  σ ${f(m.stressMaeGPa, 3)} GPa`;
}

/** Trains a potential run (one model or a seed ensemble) on labelled frames: see the module comment. */
export async function trainPotentialRun(config: PotentialConfig, frames: readonly LabelledFrame[], o: PotentialRunOptions): Promise<PotentialRunResult> {
  const count = o.members ?? 1;
  const members: PotentialRunResult['members'] = [];
  // every member trained so far (those before a checkpoint's member, then this call's), as the model file records them
  const trained: TrainedMember[] = [...(o.resume?.trained ?? [])];
  const first = o.resume?.member ?? 0;
  const freeze = o.resume?.freeze ?? o.freeze;
  const start = o.start ?? o.resume?.start ?? null;
  // fine-tuning: each element of the data the source did not train, with the trained element its embedding row starts from
  const trainedElements = start?.sourceElements?.elements;
  const seeds = trainedElements ? elementSeeds(elementsOf(frames.map((x) => x.structure)), trainedElements) : null;
  if (o.start) o.announce?.(seedingMessage(o.start.startedFrom, o.start.sourceElements, seeds ?? [], freeze ?? 0));
  // the source's weights with each new element's embedding row copied from its seed (before any block is frozen)
  const initialWeights = start ? seedElementRows(start.weights, seeds ?? [], config.model.maxZ) : undefined;
  if (o.split.val.length === 0) o.announce?.(`no validation structures (split.val ${config.training.split.val} of ${frames.length} frames rounds down to 0): the best epoch is the one with the lowest training loss`);
  for (let k = first; k < count && !o.control.cancelled; k++) {
    const seeded = k === 0 ? config : parsePotentialConfig(mergeConfig(config, { training: { seed: config.training.seed + k } }));
    if (count > 1) o.log?.(`ensemble member ${k + 1}/${count} (seed ${seeded.training.seed})`);
    const offset = k * config.training.epochs;
    const result = await trainPotential(seeded, frames, {
        control: o.control,
        initialWeights,
        freeze,
        split: o.split,
        names: o.names,
        resume: k === first ? o.resume?.state : undefined,
        onBatch: (b) => o.onBatch?.({ ...b, epoch: offset + b.epoch }),
        onEpoch: async (e: PotentialEpoch, state) => {
          o.log?.(`epoch ${e.epoch + 1}/${e.epochs}  loss ${e.trainLoss.toExponential(3)}  ${e.val ? `val ${potentialMetricsLine(e.val)}` : ''}  lr ${e.lr.toPrecision(3)}  |∇L| ${e.gradNorm.median.toPrecision(3)} (max ${e.gradNorm.max.toPrecision(3)})  ${e.seconds.toFixed(1)} s  ${e.atomsPerSecond.toFixed(0)} atoms/s${e.isBest ? '  *' : ''}`);
          await o.onEpoch?.({
            epoch: offset + e.epoch,
            lr: e.lr,
            trainLoss: e.trainLoss,
            seconds: e.seconds,
            structuresPerSecond: e.structuresPerSecond,
            atomsPerSecond: e.atomsPerSecond,
            isBest: e.isBest,
            score: e.score,
            val: e.val ? metricValues(e.val, e.score) : {},
            train: { grad_norm_median: e.gradNorm.median, grad_norm_max: e.gradNorm.max },
          }, async () => ({ version: 1, member: k, state: await state(), trained: trained.slice(0, k), split: o.split, freeze: freeze ?? 0, start }));
        },
      });
    members.push(result);
    trained.push({ weights: result.weights, epochsRun: result.epochsRun, bestEpoch: result.bestEpoch, bestScore: result.bestScore });
  }
  const last = members[members.length - 1];
  const cancelled = trained.length < count || members.some((x) => x.status === 'cancelled');
  const keep = cancelled && (o.keepBestOnCancel?.() ?? false) && trained.length === count && trained.every((x) => x.bestEpoch >= 0);
  const scored = (x: PotentialSplitResult | null) => (x ? metricValues(x.metrics, selectionScore(x.metrics, last.trained)) : {});
  const seededElements = seeds && last ? seedsBySymbol(seeds) : null;
  let file: ModelFileData | null = null;
  let evaluated: PotentialRunResult['evaluated'] = { val: last?.val ?? null, test: last?.test ?? null };
  if (last && (!cancelled || keep)) {
    const input: PotentialFileInput = {
      name: o.model.name,
      config,
      members: trained.map((x) => x.weights),
      provenance: {
        source: 'training',
        dataset: o.model.dataset,
        ...(o.model.run ? { run: o.model.run } : {}),
        createdAt: new Date().toISOString(),
        software: 'latticework',
        details: {
          startedFrom: start?.startedFrom ?? null,
          freeze: freeze ?? 0,
          // fine-tuning: new element → the trained element whose embedding row it started from (null: not fine-tuned, or the source did not say what it trained)
          seededElements,
          trained: last.trained,
          epochs: trained.map((x) => x.epochsRun),
          bestEpoch: trained.map((x) => x.bestEpoch),
          seeds: trained.map((_, k) => config.training.seed + k),
          selection: 'energy MAE [meV/atom] + force MAE [meV/Å] + stress MAE [meV/Å³] (validation)',
          bestScore: trained.map((x) => x.bestScore),
          referenceEnergies: Object.fromEntries(last.statistics.elements.map((z) => [z, last.statistics.reference[z]])),
          scale: last.statistics.scale,
          shift: last.statistics.shift,
          ...(keep ? { cancelledByUser: true } : {}),
        },
      },
    };
    const train = last.split.train.map((i) => frames[i]);
    // the stored model, loaded once for its final evaluation
    const predicted = withLoadedPotential(potentialModelFile(input), (model) => {
      // an ensemble's errors are the stored model's, its members' mean prediction as `predict` gives it (they were its
      // last member's until session 44); a single model's are its member's, already computed
      if (!cancelled && input.members.length > 1) evaluated = { val: last.val && splitErrors(model, frames, last.split.val), test: last.test && splitErrors(model, frames, last.split.test) };
      // the potential's own energies of its training structures (as `predict` gives them): the energy check's
      // range includes them, so that no training structure is flagged (src-shared/model/potential-domain.ts)
      return ownEnergies(model, train.map((x) => x.structure));
    });
    const details = { ...input.provenance.details, testMetrics: evaluated.test?.metrics ?? null };
    file = potentialModelFile({ ...input, provenance: { ...input.provenance, details }, domain: potentialTrainingDomain(train, last.statistics.reference, config.radial.cutoff, predicted) });
  }
  // a run cancelled and kept has no final evaluation: its validation metrics are those of its best epoch
  const bestVal = last?.history.find((h) => h.epoch === last.bestEpoch);
  const val = keep ? (bestVal?.val ? metricValues(bestVal.val, bestVal.score) : {}) : scored(evaluated.val);
  return {
    members,
    cancelled,
    bestEpoch: !last || last.bestEpoch < 0 ? -1 : (trained.length - 1) * config.training.epochs + last.bestEpoch,
    epochsDone: trained.reduce((t, x) => t + x.epochsRun, 0),
    val,
    test: scored(evaluated.test),
    evaluated,
    file,
    seededElements,
  };
}

/** Per-structure energy per atom (eV/atom), target and prediction, of an evaluated split: the run's prediction table. */
function energyPredictions(r: PotentialSplitResult | null, split: TrainPrediction['split'], frames: readonly LabelledFrame[]): TrainPrediction[] {
  if (!r) return [];
  return r.indices.flatMap((index, k) => {
    const target = frames[index].energy;
    const n = frames[index].structure.numbers.length;
    return target === null ? [] : [{ index, split, target: target / n, prediction: r.predictions[k].energy / n }];
  });
}

/**
 * The compute worker's side of an app run on a frames dataset: the items' structures carry their
 * labels (energy, forces, stress under ASE's names), the control word steers the run, and the
 * events are those of a property run (task `train`), with `atomsPerSecond`; every epoch's
 * checkpoint (engine/potential/checkpoint) goes with its `checkpoint` event, and `resume` continues
 * from one (the same member, epoch, optimiser, RNG, schedule, weight average and best so far).
 */
export async function trainPotentialTask(input: TrainTaskInput, ctx: TaskContext): Promise<TrainTaskOutput> {
  const backend = await ensureBackend();
  const config = parsePotentialConfig(input.config);
  const { control, poll } = watchControl(input.control, ctx);
  try {
    const frames = input.samples.map((s) => frameOfStructure(structureFromJSON(s.structure as StructureJSON)));
    const resume = input.resume ? decodePotentialCheckpoint(input.resume) : undefined;
    const split = resume?.split ?? trainValTestSplit(frames.length, config.training.split, config.training.seed);
    const batches = Math.ceil(split.train.length / config.training.batchSize);
    ctx.emit({
      type: 'start',
      backend,
      workers: 1,
      batches,
      split: { train: split.train.length, validation: split.val.length, test: split.test.length },
      splitIndices: split,
    } satisfies TrainEvent);
    const atomsPerStructure = split.train.reduce((t, i) => t + frames[i].structure.numbers.length, 0) / Math.max(split.train.length, 1);
    const members = input.members ?? 1;
    const r = await trainPotentialRun(config, frames, {
      split,
      members,
      resume,
      control,
      names: input.samples.map((s) => s.name),
      model: { name: input.model.name, dataset: input.model.dataset, run: String(input.runId) },
      // a fine-tuning run (training.start from a stored potential): its weights, name and trained elements, the frozen blocks
      start: input.fineTune ? { weights: input.fineTune.start.weights, startedFrom: input.fineTune.startedFrom, sourceElements: input.fineTune.sourceElements ?? null } : undefined,
      freeze: input.fineTune?.freeze,
      keepBestOnCancel: () => Atomics.load(input.control, 0) === CONTROL_CANCEL_KEEP,
      onBatch: (b) => ctx.emit({ type: 'batch', epoch: b.epoch, batch: b.batch, batches: b.batches, loss: b.loss, lr: b.lr, structuresPerSecond: b.atomsPerSecond / atomsPerStructure } satisfies TrainEvent),
      onEpoch: async (e, checkpoint) => {
        ctx.emit({ type: 'epoch', epoch: e.epoch, epochs: config.training.epochs * members, lr: e.lr, trainLoss: e.trainLoss, valLoss: null, trainMetrics: e.train, valMetrics: e.val, seconds: e.seconds, structuresPerSecond: e.structuresPerSecond, atomsPerSecond: e.atomsPerSecond, isBest: e.isBest } satisfies TrainEvent);
        ctx.emit({ type: 'checkpoint', epoch: e.epoch, isBest: e.isBest, metric: e.score, bytes: encodePotentialCheckpoint(await checkpoint()) } satisfies TrainEvent);
      },
    });
    const last = r.members[r.members.length - 1];
    return {
      status: r.cancelled ? 'cancelled' : last.status === 'early-stopped' ? 'early-stopped' : 'finished',
      epochsDone: r.epochsDone,
      bestEpoch: r.bestEpoch,
      selectionMetric: 'score',
      bestMetric: last?.bestScore ?? NaN,
      valMetrics: r.val,
      testMetrics: r.test,
      predictions: r.cancelled ? [] : [...energyPredictions(r.evaluated.val, 'validation', frames), ...energyPredictions(r.evaluated.test, 'test', frames)],
      modelFile: r.file ? encodeModelFile(r.file) : null,
    };
  } finally {
    clearInterval(poll);
  }
}
