/**
 * Training jobs in a compute worker: builds the graphs of a run's structures, trains one model
 * (or the k fold models of a cross-validation, as an ensemble) with the engine's trainer,
 * streams batch/epoch/checkpoint events to the main thread (which stores them) and returns the
 * best model as a model file with the predictions of every split. No Electron, no SQLite.
 */
import { structureFromJSON, type StructureJSON } from '../../src-shared/chem/serialize';
import { parseAtomInit } from '../../src-shared/graph/features';
import { buildGraph, type CrystalGraph } from '../../src-shared/graph/graph';
import { headOutputs, type ModelConfig } from '../../src-shared/model/config';
import { graphOptionsFromConfig } from '../../src-shared/model/graph-options';
import { trainingDomain } from '../../src-shared/model/domain';
import { isPotentialConfig } from '../../src-shared/model/potential';
import { trainValTestSplit } from '../../src-shared/model/split';
import { parseModelConfig } from '../engine/architectures/registry';
import { buildModel } from '../engine/layers/model';
import { encodeModelFile, MODEL_FILE_VERSION, type ModelHeader } from '../engine/models/format';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint, type EpochRecord } from '../engine/train/checkpoint';
import { TrainingControl } from '../engine/train/control';
import type { FineTuneStart } from '../engine/train/finetune';
import type { ExecutorFactory } from '../engine/train/steps';
import { evaluateSplit, kFoldEnsemble, trainKFold, trainModel, type SplitEvaluation, type TrainingSample } from '../engine/train/trainer';
import { currentBackend } from '../engine/tf/backend';
import { dataParallel } from './parallel/executor';
import { defaultTrainingWorkers } from './parallel/workers';
import { ensureBackend } from './backend';
import type { SourceElements } from '../engine/potential/finetune';
import { CancelledError, CONTROL_CANCEL, CONTROL_CANCEL_KEEP, CONTROL_PAUSE, type TaskContext } from './protocol';


export interface TrainTaskInput {
  runId: number;
  config: Record<string, unknown>;
  samples: { name: string; structure: StructureJSON; target: number }[];
  /** atom_init.json text for CGCNN atom inputs. */
  atomInitText: string | null;
  /** Encoded checkpoint to continue from. */
  resume: Uint8Array | null;
  /** Per-atom heads: the structures' site property to learn (e.g. forces). */
  perAtomKey?: string | null;
  /** Int32Array over a SharedArrayBuffer: the control word (CONTROL_* in protocol.ts). */
  control: Int32Array;
  model: { name: string; target: string; unit: string; dataset: string };
  /** Data-parallel workers (default: one per core on wasm and cpu, one on tfjs-node). */
  workers?: number | null;
  /** Potentials: members of a seed ensemble, trained one after the other (default 1). */
  members?: number;
  /** A fine-tuning run: what it starts from (engine/train/finetune), and what the model's provenance says about it. */
  fineTune?: {
    start: FineTuneStart;
    startedFrom: string;
    freeze: number;
    head: string;
    /** Property models with a learned element embedding: each new element → the trained element whose row it started from (engine/train/finetune seedEmbeddingRows). */
    seededElements?: Record<string, string> | null;
    /** Potentials: the elements the source trained (engine/potential/finetune sourceTrainedElements; null: not recorded). */
    sourceElements?: SourceElements | null;
  } | null;
}

export type TrainEvent =
  | { type: 'start'; backend: string; workers: number; batches: number; split: { train: number; validation: number; test: number }; splitIndices: { train: number[]; val: number[]; test: number[] } }
  | { type: 'batch'; epoch: number; batch: number; batches: number; loss: number; lr: number; structuresPerSecond: number }
  | ({ type: 'epoch'; epochs: number; isBest: boolean; /** Potentials: training atoms per second. */ atomsPerSecond?: number } & EpochRecord)
    /** A k-fold run's epoch counts over all folds (fold · epochs + epoch). */
  | { type: 'checkpoint'; epoch: number; isBest: boolean; metric: number | null; bytes: Uint8Array };

export interface TrainPrediction {
  index: number;
  split: 'train' | 'validation' | 'test';
  target: number;
  prediction: number;
}

export interface TrainTaskOutput {
  status: 'finished' | 'cancelled' | 'early-stopped';
  epochsDone: number;
  bestEpoch: number;
  selectionMetric: string;
  bestMetric: number;
  valMetrics: Record<string, number>;
  testMetrics: Record<string, number>;
  predictions: TrainPrediction[];
  /** The best model as a Latticework model file (null when cancelled). */
  modelFile: Uint8Array | null;
}

const clean = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).filter(([, v]) => typeof v === 'number' && Number.isFinite(v)));

/**
 * Per-structure points for the prediction table. Per-atom heads: the RMS over the structure's
 * atoms and components, sqrt(mean y²), of targets and predictions (`atoms[i]` atoms each).
 */
function splitPredictions(ev: SplitEvaluation | null, split: TrainPrediction['split'], task: ModelConfig['model']['head']['kind'], width: number, atoms?: (i: number) => number): TrainPrediction[] {
  if (!ev) return [];
  if (task === 'per-atom') {
    let offset = 0;
    return ev.indices.map((index) => {
      const n = atoms!(index) * width;
      let t = 0;
      let p = 0;
      for (let j = offset; j < offset + n; j++) {
        t += ev.targets[j] ** 2;
        p += ev.predictions[j] ** 2;
      }
      offset += n;
      return { index, split, target: Math.sqrt(t / Math.max(n, 1)), prediction: Math.sqrt(p / Math.max(n, 1)) };
    });
  }
  return ev.indices.map((index, k) => {
    if (task === 'classification') {
      const probs = Array.from(ev.predictions.subarray(k * width, (k + 1) * width));
      return { index, split, target: ev.targets[k], prediction: width === 2 ? probs[1] : probs.indexOf(Math.max(...probs)) };
    }
    return { index, split, target: ev.targets[k * width], prediction: ev.predictions[k * width] };
  });
}

/** What a fine-tuning run's model records about its start (docs/training.md "Fine-tuning"). */
interface FineTuneDetails {
  startedFrom: string;
  freeze: number;
  head: string;
  seededElements: Record<string, string> | null;
}

/** A fine-tuning run's details: from the request when it starts, from its checkpoint when it resumes (null: not fine-tuned). */
function fineTuneDetails(input: TrainTaskInput, resume: Checkpoint | undefined): FineTuneDetails | null {
  if (input.fineTune) return { startedFrom: input.fineTune.startedFrom, freeze: input.fineTune.freeze, head: input.fineTune.head, seededElements: input.fineTune.seededElements ?? null };
  return resume?.fineTune ? { startedFrom: resume.fineTune.startedFrom, freeze: resume.freeze ?? 0, head: resume.fineTune.head, seededElements: resume.fineTune.seededElements ?? null } : null;
}

/** A checkpoint as the run stores it: a fine-tuning run's carries its provenance, so that the model of the run resumed from it records it. */
function checkpointBytes(c: Checkpoint, fineTuned: FineTuneDetails | null): Uint8Array {
  return encodeCheckpoint(fineTuned ? { ...c, fineTune: { startedFrom: fineTuned.startedFrom, head: fineTuned.head, seededElements: fineTuned.seededElements } } : c);
}

/**
 * The header of a trained run's model file (one model, or the ensemble of a k-fold run): the
 * run's name, target and dataset, the task of its config and the atom table it was trained with.
 * `normalizer` is dropped for classification; `details` go to the provenance.
 */
function trainedModelHeader(
  input: TrainTaskInput,
  config: ModelConfig,
  table: ReturnType<typeof parseAtomInit> | undefined,
  model: { normalizer: NonNullable<ModelHeader['normalizer']>; members: number; details: ModelHeader['provenance']['details']; weights: ModelHeader['weights']; trainedOn: number[] },
  fineTuned: FineTuneDetails | null,
): ModelHeader {
  const task = config.model.head.kind;
  const width = headOutputs(config);
  return {
    format: 'latticework-model',
    version: MODEL_FILE_VERSION,
    name: input.model.name,
    config,
    task,
    targets: [{ name: input.model.target, unit: input.model.unit }],
    ...(task === 'classification' ? { classes: Array.from({ length: width }, (_, k) => String(k)), positiveClass: 1 } : {}),
    normalizer: task === 'classification' ? null : model.normalizer,
    atomInit: table ? (JSON.parse(input.atomInitText!) as Record<string, number[]>) : null,
    members: model.members,
    provenance: {
      source: 'training',
      dataset: input.model.dataset,
      run: String(input.runId),
      createdAt: new Date().toISOString(),
      software: 'latticework',
      details: fineTuned ? { ...fineTuned, ...model.details } : model.details,
    },
    domain: trainingDomain(
      model.trainedOn.map((i) => input.samples[i].structure),
      task === 'regression' ? model.trainedOn.map((i) => [input.samples[i].target]) : null,
    ),
    weights: model.weights,
  };
}

/** A training control steered by the main thread's control word (polled every 20 ms; clear `poll` when done). */
export function watchControl(word: Int32Array, ctx: TaskContext): { control: TrainingControl; poll: ReturnType<typeof setInterval> } {
  const control = new TrainingControl(ctx.signal);
  const poll = setInterval(() => {
    const w = Atomics.load(word, 0);
    if (w === CONTROL_CANCEL || w === CONTROL_CANCEL_KEEP) control.cancel();
    else if (w === CONTROL_PAUSE) control.pause();
    else if (control.paused) control.resume();
  }, 20);
  return { control, poll };
}

/** Trains one run: a property model (or its k-fold ensemble), or a potential (`kind: 'potential'`, ./train-potential.ts). */
export async function trainTask(input: TrainTaskInput, ctx: TaskContext): Promise<TrainTaskOutput> {
  if (isPotentialConfig(input.config)) return (await import('./train-potential')).trainPotentialTask(input, ctx);
  const backendName = await ensureBackend();
  const workers = input.workers ?? defaultTrainingWorkers(currentBackend()!.candidate).default;
  const parallel: ExecutorFactory | undefined = workers > 1 ? dataParallel({ workers }) : undefined;
  const config = parseModelConfig(input.config);
  if (config.model.head.kind === 'per-atom' && !input.perAtomKey) throw new Error('a per-atom head needs a per-atom array to learn (e.g. forces)');
  const { control, poll } = watchControl(input.control, ctx);
  try {
    const table = config.model.atomInput.kind === 'cgcnn' ? parseAtomInit(input.atomInitText ?? '') : undefined;
    const options = graphOptionsFromConfig(config, table);
    const samples: TrainingSample[] = [];
    for (const [i, s] of input.samples.entries()) {
      if (control.cancelled) throw new CancelledError();
      let graph: CrystalGraph;
      try {
        graph = buildGraph(structureFromJSON(s.structure), options);
      } catch (e) {
        throw new Error(`cannot build the graph of ${s.name}: ${(e as Error).message}`);
      }
      let target: ArrayLike<number> = [s.target];
      if (input.perAtomKey) {
        const prop = s.structure.siteProperties[input.perAtomKey];
        if (!prop || prop.kind === 'string') throw new Error(`${s.name} has no per-atom array "${input.perAtomKey}"`);
        target = prop.values;
      }
      samples.push({ id: s.name, graph, target });
      if ((i + 1) % 200 === 0 || i + 1 === input.samples.length) ctx.progress(i + 1, input.samples.length, 'building graphs');
    }
    if (config.training.kFold) return await trainFolds(input, config, samples, table, control, backendName, { workers, parallel }, ctx);
    const resume = input.resume ? decodeCheckpoint(input.resume) : undefined;
    const fineTuned = fineTuneDetails(input, resume);
    const task = config.model.head.kind;
    const atoms = (i: number) => samples[i].graph.nNodes;
    const width = headOutputs(config);
    let announced = false;
    const announce = (split: { train: number[]; val: number[]; test: number[] }) => {
      if (announced) return;
      announced = true;
      ctx.emit({
        type: 'start',
        backend: backendName,
        workers,
        batches: Math.ceil(split.train.length / config.training.batchSize),
        split: { train: split.train.length, validation: split.val.length, test: split.test.length },
        splitIndices: split,
      } satisfies TrainEvent);
    };
    // the trainer's own split (the seeded one from the config, or the checkpoint's)
    announce(resume ? resume.split : trainValTestSplit(samples.length, config.training.split, config.training.seed));
    const outcome = await trainModel(config, samples, {
      resume,
      start: input.fineTune?.start,
      control,
      parallel,
      keepModel: true,
      callbacks: {
        onBatch: (p) => {
          ctx.emit({ type: 'batch', epoch: p.epoch, batch: p.batch, batches: p.batches, loss: p.loss, lr: p.lr, structuresPerSecond: p.structuresPerSecond } satisfies TrainEvent);
        },
        onEpoch: (p) => {
          ctx.emit({
            type: 'epoch',
            epoch: p.epoch,
            epochs: p.epochs,
            lr: p.lr,
            trainLoss: p.trainLoss,
            valLoss: p.valLoss,
            trainMetrics: clean(p.trainMetrics),
            valMetrics: clean(p.valMetrics),
            seconds: p.seconds,
            structuresPerSecond: p.structuresPerSecond,
            isBest: p.isBest,
          } satisfies TrainEvent);
        },
        onCheckpoint: (c, info) => {
          announce(c.split);
          ctx.emit({ type: 'checkpoint', epoch: info.epoch, isBest: info.isBest, metric: c.best?.metric ?? null, bytes: checkpointBytes(c, fineTuned) } satisfies TrainEvent);
        },
      },
    });
    // The split is known from the first checkpoint; a run cancelled before it still reports it.
    announce(outcome.split);
    const model = outcome.model!;
    try {
      // cancelled: nothing kept, unless asked to keep the best model so far (the trainer restored its weights)
      const keep = outcome.status === 'cancelled' && Atomics.load(input.control, 0) === CONTROL_CANCEL_KEEP && outcome.bestEpoch >= 0;
      if (outcome.status === 'cancelled' && !keep) {
        return { status: 'cancelled', epochsDone: resume ? resume.epoch + outcome.epochsRun : outcome.epochsRun, bestEpoch: outcome.bestEpoch, selectionMetric: outcome.selectionMetric, bestMetric: outcome.bestMetric, valMetrics: {}, testMetrics: {}, predictions: [], modelFile: null };
      }
      const evaluate = (indices: number[]) => (indices.length ? evaluateSplit(model, samples, indices, outcome.normalizer, config.training.batchSize) : null);
      const train = evaluate(outcome.split.train);
      // the trainer evaluates validation and test only for a run that was not cancelled
      const val = keep ? evaluate(outcome.split.val) : outcome.val;
      const test = keep ? evaluate(outcome.split.test) : outcome.test;
      const predictions = [
        ...splitPredictions(train, 'train', task, width, atoms),
        ...splitPredictions(val, 'validation', task, width, atoms),
        ...splitPredictions(test, 'test', task, width, atoms),
      ];
      const shapes = new Map(model.namedVariables().map((nv) => [nv.name, nv.variable.shape.slice()]));
      const header = trainedModelHeader(input, config, table, {
        normalizer: { mean: outcome.normalizer.mean, std: outcome.normalizer.std },
        members: 1,
        details: { bestEpoch: outcome.bestEpoch, selectionMetric: outcome.selectionMetric, bestMetric: outcome.bestMetric, backend: backendName, ...(keep ? { cancelledByUser: true } : {}) },
        weights: Object.keys(outcome.weights).map((name) => ({ name, shape: shapes.get(name) ?? [outcome.weights[name].length], member: 0 })),
        trainedOn: outcome.split.train,
      }, fineTuned);
      const modelFile = encodeModelFile({ header, members: [outcome.weights] });
      return {
        status: outcome.status,
        epochsDone: resume ? resume.epoch + outcome.epochsRun : outcome.epochsRun,
        bestEpoch: outcome.bestEpoch,
        selectionMetric: outcome.selectionMetric,
        bestMetric: outcome.bestMetric,
        valMetrics: clean(val?.metrics ?? {}),
        testMetrics: clean(test?.metrics ?? {}),
        predictions,
        modelFile,
      };
    } finally {
      model.dispose();
    }
  } finally {
    clearInterval(poll);
  }
}

/**
 * k-fold cross-validation (the engine's trainKFold): the held-out test split is shared, each
 * fold trains on the other folds of train+val. The model is the ensemble of the fold models;
 * each member's target normaliser is folded into its output layer (y = x·(W·σ) + (b·σ + μ)) so
 * that the members share one (identity) normaliser. Validation predictions are out-of-fold,
 * test predictions the ensemble mean. Resumed from a checkpoint (`input.resume`), the folds finished
 * before it are kept and the fold under way continues from it (the engine's trainKFold).
 */
async function trainFolds(
  input: TrainTaskInput,
  config: ModelConfig,
  samples: TrainingSample[],
  table: ReturnType<typeof parseAtomInit> | undefined,
  control: TrainingControl,
  backendName: string,
  dp: { workers: number; parallel: ExecutorFactory | undefined },
  ctx: TaskContext,
): Promise<TrainTaskOutput> {
  const k = config.training.kFold!;
  const E = config.training.epochs;
  const resume = input.resume ? decodeCheckpoint(input.resume) : undefined;
  const fineTuned = fineTuneDetails(input, resume);
  const task = config.model.head.kind;
  const width = headOutputs(config);
  const base = trainValTestSplit(samples.length, config.training.split, config.training.seed);
  const trainVal = [...base.train, ...base.val];
  ctx.emit({
    type: 'start',
    backend: backendName,
    workers: dp.workers,
    batches: Math.ceil(((trainVal.length * (k - 1)) / k) / config.training.batchSize),
    split: { train: trainVal.length, validation: 0, test: base.test.length },
    splitIndices: { train: trainVal, val: [], test: base.test },
  } satisfies TrainEvent);
  const result = await trainKFold(config, samples, {
    resume,
    start: input.fineTune?.start,
    control,
    parallel: dp.parallel,
    callbacks: {
      onBatch: (p) => ctx.emit({ type: 'batch', epoch: (p.fold ?? 0) * E + p.epoch, batch: p.batch, batches: p.batches, loss: p.loss, lr: p.lr, structuresPerSecond: p.structuresPerSecond } satisfies TrainEvent),
      onEpoch: (p) => {
        ctx.emit({ type: 'epoch', epoch: (p.fold ?? 0) * E + p.epoch, epochs: k * E, lr: p.lr, trainLoss: p.trainLoss, valLoss: p.valLoss, trainMetrics: clean(p.trainMetrics), valMetrics: clean(p.valMetrics), seconds: p.seconds, structuresPerSecond: p.structuresPerSecond, isBest: false });
      },
      onCheckpoint: (c, info) => {
        ctx.emit({ type: 'checkpoint', epoch: c.kFold!.fold * E + info.epoch, isBest: false, metric: null, bytes: checkpointBytes(c, fineTuned) } satisfies TrainEvent);
      },
    },
  });
  const folds = result.folds;
  // each fold but the last counts its planned epochs (a fold stopped early too); the last, those it ran (before a resume too)
  const epochsDone = folds.reduce((s, f, i) => s + (i < folds.length - 1 ? E : f.history.length), 0);
  const selectionMetric = folds[0]?.selectionMetric ?? '';
  if (folds.length < k || folds.some((f) => f.status === 'cancelled')) {
    return { status: 'cancelled', epochsDone, bestEpoch: -1, selectionMetric, bestMetric: NaN, valMetrics: {}, testMetrics: {}, predictions: [], modelFile: null };
  }
  const predictions: TrainPrediction[] = [];
  const atoms = (i: number) => samples[i].graph.nNodes;
  for (const f of folds) predictions.push(...splitPredictions(f.val, 'validation', task, width, atoms));
  // test: ensemble mean of the members' outputs (probabilities for classification)
  const ensemble = kFoldEnsemble(config, folds);
  const testMetrics: Record<string, number> = {};
  if (ensemble.test) {
    predictions.push(...splitPredictions(ensemble.test, 'test', task, width, atoms));
    Object.assign(testMetrics, clean(ensemble.test.metrics));
  }
  const { valMetrics, members } = ensemble;
  const shapeModel = buildModel(config, { seed: 0 });
  const shapes = new Map(shapeModel.namedVariables().map((nv) => [nv.name, nv.variable.shape.slice()]));
  shapeModel.dispose();
  const header = trainedModelHeader(input, config, table, {
    normalizer: ensemble.normalizer,
    members: members.length,
    details: { kFold: k, bestEpochs: folds.map((f) => f.bestEpoch), selectionMetric, bestMetrics: folds.map((f) => f.bestMetric), backend: backendName },
    weights: members.flatMap((m, member) => Object.keys(m).map((name) => ({ name, shape: shapes.get(name) ?? [m[name].length], member }))),
    trainedOn: trainVal,
  }, fineTuned);
  return {
    status: 'finished',
    epochsDone,
    bestEpoch: -1,
    selectionMetric,
    bestMetric: result.summary.mean,
    valMetrics,
    testMetrics,
    predictions,
    modelFile: encodeModelFile({ header, members }),
  };
}
