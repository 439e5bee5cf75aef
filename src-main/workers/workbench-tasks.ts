/**
 * Worker-side tasks of the experiment workbench: dataset graph statistics, training a
 * run, reading model files, prediction and the over-smoothing view. Loaded lazily by
 * the task table (`tasks.ts`), in the compute worker only; no Electron, no SQLite: the
 * main thread stores what these tasks emit and return.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor2D } from '@tensorflow/tfjs-core';
import { structureFromJSON } from '../../src-shared/chem/serialize';
import type { StructureJSON } from '../../src-shared/chem/serialize';
import { batchGraphs } from '../../src-shared/graph/batch';
import { parseAtomInit } from '../../src-shared/graph/features';
import { buildGraph, type CrystalGraph } from '../../src-shared/graph/graph';
import { structureNeighbors } from '../../src-shared/graph';
import { GraphStatsAccumulator } from '../../src-shared/graph/stats';
import { headOutputs, type ModelConfig } from '../../src-shared/model/config';
import { parseModelConfig } from '../engine/architectures/registry';
import { classificationMetrics, regressionMetrics } from '../../src-shared/model/metrics';
import { graphOptionsFromConfig } from '../../src-shared/model/graph-options';
import { trainValTestSplit } from '../../src-shared/model/split';
import { importCgcnnCheckpoint } from '../engine/import/cgcnn';
import { buildModel } from '../engine/layers/model';
import { decodeModelFile, encodeModelFile, isModelFile, MODEL_FILE_VERSION, type ModelFileData, type ModelHeader } from '../engine/models/format';
import { predictGraphs } from '../engine/models/predict';
import { instantiateModel, type LoadedModel } from '../engine/models/runtime';
import { gatherRows, segmentCounts } from '../engine/nn/segment';
import type { GraphState } from '../engine/nn/types';
import { CancelledError, type TaskContext } from './protocol';
import { initBackend } from '../engine/tf/backend';
import { decodeCheckpoint, encodeCheckpoint } from '../engine/train/checkpoint';
import { TrainingControl } from '../engine/train/control';
import { batchToTensors, disposeBatchTensors } from '../engine/train/data';
import { evaluateSplit, trainKFold, trainModel, type SplitEvaluation, type TrainingSample } from '../engine/train/trainer';

const DISPLAY_NAMES: Record<string, string> = { 'tfjs-node-gpu': 'tensorflow-gpu', 'tfjs-node': 'tensorflow', wasm: 'wasm', cpu: 'cpu' };

let backend: Promise<string> | null = null;
/** Initialises tfjs once per worker; returns the backend's display name. */
export function ensureBackend(): Promise<string> {
  backend ??= initBackend().then((c) => DISPLAY_NAMES[c.candidate] ?? c.candidate);
  return backend;
}

// ---------------------------------------------------------------- graph statistics

export interface DatasetGraphStatsInput {
  structures: StructureJSON[];
  cutoff: number;
  maxNeighbors: number | null;
  /** Node feature width for the memory estimate (CGCNN atom_init: 92). */
  atomInitWidth: number;
}

export async function datasetGraphStats(input: DatasetGraphStatsInput, ctx: TaskContext) {
  const acc = new GraphStatsAccumulator();
  const n = input.structures.length;
  for (let i = 0; i < n; i++) {
    if (ctx.signal.aborted) throw new CancelledError();
    acc.add(structureNeighbors(structureFromJSON(input.structures[i]), { cutoff: input.cutoff, maxNeighbors: input.maxNeighbors }));
    if ((i + 1) % 100 === 0 || i + 1 === n) ctx.progress(i + 1, n, `graphs of ${i + 1} of ${n} structures`);
  }
  const edgeWidth = Math.ceil((input.cutoff + 0.2) / 0.2);
  const s = acc.result({ nodeFeatureWidth: input.atomInitWidth, edgeFeatureWidth: edgeWidth });
  const counts = s.degreeHistogram;
  return {
    degree: { edges: Array.from({ length: counts.length + 1 }, (_, d) => d - 0.5), counts },
    edgesPerAtom: s.edgesPerAtom,
    atomsBelowMax: s.atomsBelowMax,
    atoms: s.nNodes,
    memoryPerBatch: s.memoryPerBatch.map((m) => ({ batchSize: m.batchSize, bytes: m.meanBytes })),
  };
}

// ---------------------------------------------------------------- training

/** Control word shared with the main thread: 0 run, 1 pause, 2 cancel. */
export const CONTROL_RUN = 0;
export const CONTROL_PAUSE = 1;
export const CONTROL_CANCEL = 2;

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
  /** Int32Array over a SharedArrayBuffer: the control word (see CONTROL_*). */
  control: Int32Array;
  model: { name: string; target: string; unit: string; dataset: string };
}

export type TrainEvent =
  | { type: 'start'; backend: string; batches: number; split: { train: number; validation: number; test: number }; splitIndices: { train: number[]; val: number[]; test: number[] } }
  | { type: 'batch'; epoch: number; batch: number; batches: number; loss: number; lr: number; structuresPerSecond: number }
  | {
      type: 'epoch';
      epoch: number;
      epochs: number;
      lr: number;
      trainLoss: number;
      valLoss: number | null;
      trainMetrics: Record<string, number>;
      valMetrics: Record<string, number>;
      seconds: number;
      structuresPerSecond: number;
      isBest: boolean;
    }
    /** bytes null: progress of a k-fold run (no resumable checkpoint; epoch counts over all folds). */
  | { type: 'checkpoint'; epoch: number; isBest: boolean; metric: number | null; bytes: Uint8Array | null };

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

/**
 * The header of a trained run's model file (one model, or the ensemble of a k-fold run): the
 * run's name, target and dataset, the task of its config and the atom table it was trained with.
 * `normalizer` is dropped for classification; `details` go to the provenance.
 */
function trainedModelHeader(
  input: TrainTaskInput,
  config: ModelConfig,
  table: ReturnType<typeof parseAtomInit> | undefined,
  model: { normalizer: NonNullable<ModelHeader['normalizer']>; members: number; details: ModelHeader['provenance']['details']; weights: ModelHeader['weights'] },
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
      details: model.details,
    },
    weights: model.weights,
  };
}

export async function trainTask(input: TrainTaskInput, ctx: TaskContext): Promise<TrainTaskOutput> {
  const backendName = await ensureBackend();
  const config = parseModelConfig(input.config);
  if (config.model.head.kind === 'per-atom' && !input.perAtomKey) throw new Error('a per-atom head needs a per-atom array to learn (e.g. forces)');
  const control = new TrainingControl(ctx.signal);
  const poll = setInterval(() => {
    const w = Atomics.load(input.control, 0);
    if (w === CONTROL_CANCEL) control.cancel();
    else if (w === CONTROL_PAUSE) control.pause();
    else if (control.paused) control.resume();
  }, 20);
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
    if (config.training.kFold) return await trainFolds(input, config, samples, table, control, backendName, ctx);
    const resume = input.resume ? decodeCheckpoint(input.resume) : undefined;
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
        batches: Math.ceil(split.train.length / config.training.batchSize),
        split: { train: split.train.length, validation: split.val.length, test: split.test.length },
        splitIndices: split,
      } satisfies TrainEvent);
    };
    // the trainer's own split (the seeded one from the config, or the checkpoint's)
    announce(resume ? resume.split : trainValTestSplit(samples.length, config.training.split, config.training.seed));
    const outcome = await trainModel(config, samples, {
      resume,
      control,
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
          ctx.emit({ type: 'checkpoint', epoch: info.epoch, isBest: info.isBest, metric: c.best?.metric ?? null, bytes: encodeCheckpoint(c) } satisfies TrainEvent);
        },
      },
    });
    // The split is known from the first checkpoint; a run cancelled before it still reports it.
    announce(outcome.split);
    const model = outcome.model!;
    try {
      if (outcome.status === 'cancelled') {
        return { status: 'cancelled', epochsDone: resume ? resume.epoch + outcome.epochsRun : outcome.epochsRun, bestEpoch: outcome.bestEpoch, selectionMetric: outcome.selectionMetric, bestMetric: outcome.bestMetric, valMetrics: {}, testMetrics: {}, predictions: [], modelFile: null };
      }
      const train = outcome.split.train.length ? evaluateSplit(model, samples, outcome.split.train, outcome.normalizer, config.training.batchSize) : null;
      const predictions = [
        ...splitPredictions(train, 'train', task, width, atoms),
        ...splitPredictions(outcome.val, 'validation', task, width, atoms),
        ...splitPredictions(outcome.test, 'test', task, width, atoms),
      ];
      const shapes = new Map(model.namedVariables().map((nv) => [nv.name, nv.variable.shape.slice()]));
      const header = trainedModelHeader(input, config, table, {
        normalizer: { mean: outcome.normalizer.mean, std: outcome.normalizer.std },
        members: 1,
        details: { bestEpoch: outcome.bestEpoch, selectionMetric: outcome.selectionMetric, bestMetric: outcome.bestMetric, backend: backendName },
        weights: Object.keys(outcome.weights).map((name) => ({ name, shape: shapes.get(name) ?? [outcome.weights[name].length], member: 0 })),
      });
      const modelFile = encodeModelFile({ header, members: [outcome.weights] });
      return {
        status: outcome.status,
        epochsDone: resume ? resume.epoch + outcome.epochsRun : outcome.epochsRun,
        bestEpoch: outcome.bestEpoch,
        selectionMetric: outcome.selectionMetric,
        bestMetric: outcome.bestMetric,
        valMetrics: clean(outcome.val?.metrics ?? {}),
        testMetrics: clean(outcome.test?.metrics ?? {}),
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
 * test predictions the ensemble mean. Not resumable: an interrupted k-fold run restarts.
 */
async function trainFolds(
  input: TrainTaskInput,
  config: ModelConfig,
  samples: TrainingSample[],
  table: ReturnType<typeof parseAtomInit> | undefined,
  control: TrainingControl,
  backendName: string,
  ctx: TaskContext,
): Promise<TrainTaskOutput> {
  const k = config.training.kFold!;
  const E = config.training.epochs;
  const task = config.model.head.kind;
  const width = headOutputs(config);
  const base = trainValTestSplit(samples.length, config.training.split, config.training.seed);
  const trainVal = [...base.train, ...base.val];
  ctx.emit({
    type: 'start',
    backend: backendName,
    batches: Math.ceil(((trainVal.length * (k - 1)) / k) / config.training.batchSize),
    split: { train: trainVal.length, validation: 0, test: base.test.length },
    splitIndices: { train: trainVal, val: [], test: base.test },
  } satisfies TrainEvent);
  const result = await trainKFold(config, samples, {
    control,
    callbacks: {
      onBatch: (p) => ctx.emit({ type: 'batch', epoch: (p.fold ?? 0) * E + p.epoch, batch: p.batch, batches: p.batches, loss: p.loss, lr: p.lr, structuresPerSecond: p.structuresPerSecond } satisfies TrainEvent),
      onEpoch: (p) => {
        const epoch = (p.fold ?? 0) * E + p.epoch;
        ctx.emit({ type: 'epoch', epoch, epochs: k * E, lr: p.lr, trainLoss: p.trainLoss, valLoss: p.valLoss, trainMetrics: clean(p.trainMetrics), valMetrics: clean(p.valMetrics), seconds: p.seconds, structuresPerSecond: p.structuresPerSecond, isBest: false });
        ctx.emit({ type: 'checkpoint', epoch, isBest: false, metric: null, bytes: null } satisfies TrainEvent);
      },
    },
  });
  const folds = result.folds;
  const epochsDone = folds.reduce((s, f, i) => s + (i < folds.length - 1 ? E : f.epochsRun), 0);
  const selectionMetric = folds[0]?.selectionMetric ?? '';
  if (folds.length < k || folds.some((f) => f.status === 'cancelled')) {
    return { status: 'cancelled', epochsDone, bestEpoch: -1, selectionMetric, bestMetric: NaN, valMetrics: {}, testMetrics: {}, predictions: [], modelFile: null };
  }
  const predictions: TrainPrediction[] = [];
  const atoms = (i: number) => samples[i].graph.nNodes;
  for (const f of folds) predictions.push(...splitPredictions(f.val, 'validation', task, width, atoms));
  // test: ensemble mean of the members' outputs (probabilities for classification)
  const test = folds[0].test;
  const testMetrics: Record<string, number> = {};
  if (test) {
    const mean = new Float64Array(test.predictions.length);
    for (const f of folds) f.test!.predictions.forEach((v, i) => (mean[i] += v / folds.length));
    const ens: SplitEvaluation = { ...test, predictions: mean };
    predictions.push(...splitPredictions(ens, 'test', task, width, atoms));
    Object.assign(testMetrics, clean(task === 'classification' ? { ...classificationMetrics(test.targets, mean, width) } : { ...regressionMetrics(test.targets, mean) }));
  }
  const valMetrics: Record<string, number> = {};
  for (const key of Object.keys(folds[0].val?.metrics ?? {})) {
    const vs = folds.map((f) => f.val?.metrics[key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (vs.length) valMetrics[key] = vs.reduce((a, b) => a + b, 0) / vs.length;
  }
  const shapeModel = buildModel(config, { seed: 0 });
  const shapes = new Map(shapeModel.namedVariables().map((nv) => [nv.name, nv.variable.shape.slice()]));
  shapeModel.dispose();
  const members = folds.map((f) => {
    const w = { ...f.weights };
    if (task !== 'classification') {
      const W = Float32Array.from(w['head.out.weight']);
      const b = Float32Array.from(w['head.out.bias']);
      const out = b.length;
      for (let i = 0; i < W.length; i++) W[i] *= f.normalizer.std[i % out];
      for (let j = 0; j < out; j++) b[j] = b[j] * f.normalizer.std[j] + f.normalizer.mean[j];
      w['head.out.weight'] = W;
      w['head.out.bias'] = b;
    }
    return w;
  });
  const header = trainedModelHeader(input, config, table, {
    normalizer: { mean: new Array<number>(width).fill(0), std: new Array<number>(width).fill(1) },
    members: members.length,
    details: { kFold: k, bestEpochs: folds.map((f) => f.bestEpoch), selectionMetric, bestMetrics: folds.map((f) => f.bestMetric), backend: backendName },
    weights: members.flatMap((m, member) => Object.keys(m).map((name) => ({ name, shape: shapes.get(name) ?? [m[name].length], member }))),
  });
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

// ---------------------------------------------------------------- model files

export interface ModelFileSummary {
  header: Omit<ModelHeader, 'weights' | 'atomInit'>;
  bytes: Uint8Array;
  parameterCount: number;
}

function summarize(data: ModelFileData, bytes: Uint8Array): ModelFileSummary {
  const { weights: _w, atomInit: _a, ...header } = data.header;
  const m = buildModel(data.header.config as ModelConfig, { seed: 0 });
  try {
    return { header, bytes, parameterCount: m.countParameters() };
  } finally {
    m.dispose();
  }
}

/** Reads a CGCNN `.pth.tar` (converted) or a Latticework `.lwm` (checked by loading it). */
export async function readModelFile(input: { bytes: Uint8Array; fileName: string; name?: string }): Promise<ModelFileSummary> {
  await ensureBackend();
  let data: ModelFileData;
  let bytes: Uint8Array;
  if (isModelFile(input.bytes)) {
    data = decodeModelFile(input.bytes);
    if (input.name) data.header.name = input.name;
    bytes = input.name ? encodeModelFile(data) : input.bytes;
  } else {
    data = importCgcnnCheckpoint(input.bytes, { fileName: input.fileName, name: input.name });
    bytes = encodeModelFile(data);
  }
  const loaded = instantiateModel(decodeModelFile(bytes));
  loaded.dispose();
  return summarize(data, bytes);
}

// ---------------------------------------------------------------- prediction

const loadedModels = new Map<string, LoadedModel>();
/** False once the engine's per-atom split failed on this worker's backend (then ours is used). */
let engineContributions = true;

function loadModel(key: string, bytes: Uint8Array): LoadedModel {
  const hit = loadedModels.get(key);
  if (hit) return hit;
  const m = instantiateModel(decodeModelFile(bytes));
  if (loadedModels.size >= 4) {
    const [oldKey, old] = loadedModels.entries().next().value as [string, LoadedModel];
    old.dispose();
    loadedModels.delete(oldKey);
  }
  loadedModels.set(key, m);
  return m;
}

export interface PredictTaskInput {
  /** Cache key of the model (its SHA-256). */
  key: string;
  model: Uint8Array;
  structures: { id: number; structure: StructureJSON }[];
}

export interface PredictTaskRow {
  id: number;
  prediction: number;
  std: number | null;
  perAtom: number[] | null;
}

export async function predictTask(input: PredictTaskInput, ctx: TaskContext): Promise<{ rows: PredictTaskRow[]; failed: { id: number; message: string }[] }> {
  await ensureBackend();
  const model = loadModel(input.key, input.model);
  const rows: PredictTaskRow[] = [];
  const failed: { id: number; message: string }[] = [];
  const n = input.structures.length;
  const CH = 64;
  for (let start = 0; start < n; start += CH) {
    if (ctx.signal.aborted) throw new CancelledError();
    const graphs: CrystalGraph[] = [];
    const ids: number[] = [];
    for (const s of input.structures.slice(start, start + CH)) {
      try {
        graphs.push(buildGraph(structureFromJSON(s.structure), model.graphOptions));
        ids.push(s.id);
      } catch (e) {
        failed.push({ id: s.id, message: (e as Error).message });
      }
    }
    let preds: ReturnType<typeof predictGraphs> = [];
    let contrib: (number[] | null)[] = [];
    if (graphs.length) {
      try {
        if (!engineContributions) throw new Error('use the fallback');
        preds = predictGraphs(model, graphs, { contributions: true });
        contrib = preds.map((p) => (p.contributions ? p.contributions.map((r) => r[0]) : null));
      } catch {
        // the engine's contribution split failed on this backend: the same split computed here
        engineContributions = false;
        preds = predictGraphs(model, graphs, { contributions: false });
        contrib = contributions(model, graphs);
      }
    }
    preds.forEach((p, k) => {
      const perAtom = p.perAtom ? p.perAtom.map((r) => r[0]) : contrib[k];
      rows.push({ id: ids[k], prediction: p.prediction[0], std: p.std ? p.std[0] : null, perAtom });
    });
    ctx.progress(Math.min(n, start + CH), n, 'predicting');
  }
  return { rows, failed };
}

/**
 * Per-atom contributions of the first output for mean/sum readouts, c_i = (y + J_f(p)·(h_i − h̄)) / n
 * (see models/predict.ts for the derivation), averaged over ensemble members; null for other
 * readouts. A fallback for backends where the engine's version lacks a kernel (it uses
 * tf.unsortedSegmentSum directly, which the wasm backend does not register).
 */
function contributions(model: LoadedModel, graphs: CrystalGraph[]): (number[] | null)[] {
  const kind = model.config.model.readout;
  if ((kind !== 'mean' && kind !== 'sum') || model.header.task === 'per-atom') return graphs.map(() => null);
  const batch = batchGraphs(graphs);
  const bt = batchToTensors(batch);
  const h = model.header;
  const transform = (raw: Tensor2D): Tensor2D => {
    if (h.task === 'classification') return tf.slice(tf.softmax(raw), [0, h.positiveClass ?? 1], [-1, 1]) as Tensor2D;
    if (!h.normalizer) return tf.slice(raw, [0, 0], [-1, 1]) as Tensor2D;
    return tf.add(tf.mul(tf.slice(raw, [0, 0], [-1, 1]), h.normalizer.std[0]), h.normalizer.mean[0]) as Tensor2D;
  };
  try {
    const sum = new Float64Array(batch.nodeOffsets[graphs.length]);
    for (const m of model.members) {
      const c = tf.tidy(() => {
        const gi = bt.graphIndex;
        const states = m.nodeStates(bt, false);
        const pooled = m.readout!.call(states, bt, false);
        const headOut = (p: Tensor2D) => transform(m.head.apply(p, false));
        const y = headOut(pooled);
        const counts = tf.maximum(segmentCounts(gi, bt.numGraphs), 1);
        const mean = kind === 'mean' ? pooled : (tf.div(pooled, tf.reshape(counts, [-1, 1])) as Tensor2D);
        const dev = tf.sub(states, gatherRows(mean, gi));
        const J = tf.grad((p: tf.Tensor) => tf.sum(headOut(p as Tensor2D)))(pooled) as Tensor2D;
        const lin = tf.sum(tf.mul(gatherRows(J, gi), dev), 1);
        return tf.div(tf.add(tf.reshape(gatherRows(y, gi), [-1]), lin), gatherRows(counts, gi));
      });
      const v = c.dataSync();
      c.dispose();
      for (let i = 0; i < v.length; i++) sum[i] += v[i] / model.members.length;
    }
    return graphs.map((_, g) => Array.from(sum.subarray(batch.nodeOffsets[g], batch.nodeOffsets[g + 1])));
  } finally {
    disposeBatchTensors(bt);
  }
}

// ---------------------------------------------------------------- over-smoothing

/**
 * Per layer ℓ (0 = embedded input), for the node states H of one structure (N atoms):
 * - mean pairwise cosine similarity over the N(N−1)/2 pairs of atoms of the cell (1 for N = 1);
 * - Dirichlet energy E = 1/(2N) Σ_(i→j) ‖h_i − h_j‖² over the real directed edges of the
 *   model's own graph (CGCNN padding edges excluded; an edge to a periodic image of the
 *   same atom contributes 0).
 * The engine's forward pass has no per-layer hook, so the loop over the layers is
 * repeated here with the model's own modules (member 0 of an ensemble).
 */
export async function oversmoothingTask(input: { key: string; model: Uint8Array; structure: StructureJSON }) {
  await ensureBackend();
  const model = loadModel(input.key, input.model);
  const graph = buildGraph(structureFromJSON(input.structure), model.graphOptions);
  const m = model.members[0];
  const bt = batchToTensors(batchGraphs([graph]));
  const states: Float32Array[] = [];
  let F = 0;
  try {
    tf.tidy(() => {
      let state: GraphState = { h: m.embed(bt), e: m.edgeEmbedding ? m.edgeEmbedding.apply(bt.edgeFeatures) : (bt.edgeFeatures as Tensor2D) };
      F = state.h.shape[1];
      states.push((state.h.dataSync() as Float32Array).slice());
      for (const layer of m.layers) {
        state = layer.call(state, bt, false);
        states.push((state.h.dataSync() as Float32Array).slice());
      }
    });
  } finally {
    disposeBatchTensors(bt);
  }
  const N = graph.nNodes;
  const layers = states.map((h, layer) => {
    const norms = Array.from({ length: N }, (_, i) => {
      let s = 0;
      for (let f = 0; f < F; f++) s += h[i * F + f] ** 2;
      return Math.sqrt(s);
    });
    let cos = 0;
    let pairs = 0;
    for (let i = 0; i < N; i++)
      for (let j = i + 1; j < N; j++) {
        let d = 0;
        for (let f = 0; f < F; f++) d += h[i * F + f] * h[j * F + f];
        cos += norms[i] > 0 && norms[j] > 0 ? d / (norms[i] * norms[j]) : 0;
        pairs++;
      }
    let energy = 0;
    for (let e = 0; e < graph.nEdges; e++) {
      if (graph.padded && graph.padded[e]) continue;
      const i = graph.src[e];
      const j = graph.dst[e];
      for (let f = 0; f < F; f++) energy += (h[i * F + f] - h[j * F + f]) ** 2;
    }
    return { layer, meanCosine: pairs ? cos / pairs : 1, dirichletEnergy: energy / (2 * N) };
  });
  return { layers };
}
