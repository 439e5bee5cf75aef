/**
 * The training loop: pure compute (tfjs), no Electron, no SQLite. The caller (the
 * compute worker, the CLI) supplies prebuilt graphs with targets, a config, callbacks
 * and a control object, and stores what the callbacks hand it.
 *
 * One epoch:
 *   1. shuffle the training indices with the run's RNG (state saved in checkpoints);
 *   2. per batch: batch the graphs, forward in training mode, loss on normalised
 *      targets, gradients, optional global-norm clipping, optimiser step with the
 *      scheduled learning rate (warm-up per batch), then the weight average (training.emaDecay
 *      > 0: an exponential moving average of the trainable weights); `onBatch`;
 *   3. evaluate on the validation split (eval mode; with the weight average when the run keeps
 *      one, which is then also what the best epoch stores), feed reduce-on-plateau, select the
 *      best epoch (regression: lowest validation MAE; binary classification: highest
 *      ROC-AUC, as CGCNN; multi-class: accuracy), early stopping; `onEpoch`, then
 *      `onCheckpoint` with the full state.
 * After the last epoch (or early stop) the best weights are restored and the test split
 * is evaluated; `onFinish` receives the result with predictions for every split.
 *
 * Determinism: initial weights, shuffles and dropout masks all come from the config's
 * seed, and the kernels are deterministic, so the same seed on the same backend gives
 * the same run; a resumed run continues the same stream (RNG state is checkpointed).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { batchGraphs } from '../../../src-shared/graph/batch';
import type { CrystalGraph } from '../../../src-shared/graph/graph';
import { headOutputs, resolvedLoss, type ModelConfig } from '../../../src-shared/model/config';
import { classificationMetrics, regressionMetrics } from '../../../src-shared/model/metrics';
import { Rng } from '../../../src-shared/model/rng';
import { initialPlateauState, learningRate, stepPlateau, type PlateauState, type ScheduleContext } from '../../../src-shared/model/schedule';
import { kFold, trainValTestSplit, type Split } from '../../../src-shared/model/split';
import { buildModel, type GraphModel } from '../layers/model';
import type { GraphBatchTensors } from '../nn/types';
import type { Checkpoint, EpochRecord, FinishedFold } from './checkpoint';
import { TrainingControl } from './control';
import { batchToTensors, disposeBatchTensors } from './data';
import { lossFunction } from './losses';
import { registerFastMatMulGradient } from './matmul-grad';
import { applyFineTuneStart, type FineTuneStart } from './finetune';
import { denormalize, fitNormalizer, identityNormalizer, normalize, type TargetNormalizer } from './normalizer';
import { WeightAverage } from './weight-average';
import { Optimizer } from './optimizers';
import { LocalExecutor, registerReplicaKind, type ExecutorFactory, type ShareProgram, type StepExecutor } from './steps';

/** One structure: its graph (built with the model's graph settings) and target(s). */
export interface TrainingSample {
  id?: string;
  graph: CrystalGraph;
  /**
   * regression: numTargets values; classification: [class index];
   * per-atom: nNodes × numTargets values (row-major).
   */
  target: ArrayLike<number>;
}

export interface BatchProgress {
  fold: number | null;
  epoch: number;
  batch: number;
  batches: number;
  /** Loss of this batch (normalised units). */
  loss: number;
  lr: number;
  seconds: number;
  structuresPerSecond: number;
}

export interface EpochProgress extends EpochRecord {
  fold: number | null;
  epochs: number;
  isBest: boolean;
  bestEpoch: number;
  bestMetric: number;
  selectionMetric: string;
}

export interface SplitEvaluation {
  indices: number[];
  loss: number;
  metrics: Record<string, number>;
  /** Predictions in target units: regression [n × T], per-atom [atoms × T], classification probabilities [n × C]. */
  predictions: Float64Array;
  targets: Float64Array;
}

export type RunStatus = 'finished' | 'cancelled' | 'early-stopped';

export interface TrainingResult {
  status: RunStatus;
  fold: number | null;
  epochsRun: number;
  bestEpoch: number;
  selectionMetric: string;
  bestMetric: number;
  normalizer: TargetNormalizer;
  split: Split;
  history: EpochRecord[];
  /** Best weights by stable name (restored into the model before testing). */
  weights: Record<string, Float32Array>;
  val: SplitEvaluation | null;
  test: SplitEvaluation | null;
  seconds: number;
}

export interface TrainingCallbacks {
  onBatch?(p: BatchProgress): void;
  onEpoch?(p: EpochProgress): void | Promise<void>;
  /** After every epoch: the full state to continue from (`isBest`: this epoch is the new best). */
  onCheckpoint?(c: Checkpoint, info: { epoch: number; isBest: boolean }): void | Promise<void>;
  onFinish?(r: TrainingResult): void | Promise<void>;
}

export interface TrainOptions {
  callbacks?: TrainingCallbacks;
  control?: TrainingControl;
  /** Continue from this checkpoint (same config and data). */
  resume?: Checkpoint;
  /** Use this split instead of the seeded one from the config (k-fold passes its folds). */
  split?: Split;
  fold?: number | null;
  /** Keep the trained model (caller disposes); by default it is disposed. */
  keepModel?: boolean;
  /** Yield to the event loop every this many batches (default 1) so control messages arrive. */
  yieldEvery?: number;
  /**
   * Data-parallel training: builds the executor that splits each batch over replicas
   * (src-main/workers/parallel `dataParallel`); without it the steps run in this thread.
   */
  parallel?: ExecutorFactory;
  /** Fine-tuning: start from a stored model's weights with layers frozen (./finetune). */
  start?: FineTuneStart;
}

export interface TrainOutcome extends TrainingResult {
  model: GraphModel | null;
}

type Task = 'regression' | 'classification' | 'per-atom';

function taskOf(c: ModelConfig): Task {
  return c.model.head.kind;
}

const now = () => performance.now() / 1000;
const tick = () => new Promise<void>((r) => setImmediate(r));

/** Target values of samples in batch order, as the loss expects them (normalised floats or int labels). */
function targetTensor(samples: TrainingSample[], idx: number[], task: Task, width: number, norm: TargetNormalizer): Tensor {
  if (task === 'classification') return tf.tensor1d(idx.map((i) => samples[i].target[0]), 'int32');
  const vals: number[] = [];
  for (const i of idx) for (let k = 0; k < samples[i].target.length; k++) vals.push(samples[i].target[k]);
  return tf.tensor2d(normalize(norm, vals), [vals.length / width, width]);
}

/** What a replica needs to train a graph model on shares of batches (kind 'graph-model'). */
export interface GraphReplicaInit {
  config: ModelConfig;
  samples: TrainingSample[];
  normalizer: TargetNormalizer;
  /** A fine-tuning run's start: the frozen parts' weights come from it, and the same parts are frozen. */
  start?: FineTuneStart;
}

/**
 * A graph model's training step on a share of a batch: forward in training mode, the loss on the
 * share's normalised targets weighted by the share's part of the batch's loss elements (every loss
 * is a mean over its elements: graphs × targets, atoms × targets, or graphs for cross-entropy), and
 * its gradients.
 */
export function graphModelProgram(model: GraphModel, samples: TrainingSample[], norm: TargetNormalizer): ShareProgram {
  const config = model.config;
  const task = taskOf(config);
  const width = headOutputs(config);
  const lossFn = lossFunction(resolvedLoss(config), config.training.huberDelta);
  const trainable = model.trainableVariables();
  const elements = (idx: readonly number[]) => idx.reduce((s, i) => s + samples[i].target.length, 0);
  return {
    trainable,
    state: model.stateVariables(),
    cost: (i) => samples[i].graph.nNodes + samples[i].graph.nEdges,
    run(batch, share, dropoutSeed) {
      const part = share as number[];
      const bt: GraphBatchTensors = batchToTensors(batchGraphs(part.map((i) => samples[i].graph)));
      const y = targetTensor(samples, part, task, width, norm);
      const weight = share === batch ? 1 : elements(share) / elements(batch);
      const kept: { out: Tensor2D | null } = { out: null };
      const { value, grads } = tf.variableGrads(() => {
        const o = model.apply(bt, true, dropoutSeed);
        kept.out = tf.keep(o);
        const loss = lossFn(o, y);
        return weight === 1 ? loss : (tf.mul(loss, weight) as Scalar);
      }, trainable);
      const loss = value.dataSync()[0];
      const outputs = (kept.out!.dataSync() as Float32Array).slice();
      tf.dispose([value, kept.out!, y]);
      disposeBatchTensors(bt);
      return { loss, grads: trainable.map((v) => grads[v.name]), outputs };
    },
  };
}

registerReplicaKind('graph-model', (init) => {
  const { config, samples, normalizer, start } = init as GraphReplicaInit;
  const model = buildModel(config, { seed: config.training.seed, freeze: start?.freeze });
  if (start) applyFineTuneStart(model, start, normalizer);
  return { ...graphModelProgram(model, samples, normalizer), dispose: () => model.dispose() };
});

function rawTargets(samples: TrainingSample[], idx: number[]): Float64Array {
  const vals: number[] = [];
  for (const i of idx) for (let k = 0; k < samples[i].target.length; k++) vals.push(samples[i].target[k]);
  return Float64Array.from(vals);
}

function chunks(idx: number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < idx.length; i += size) out.push(idx.slice(i, i + size));
  return out;
}

function validateSamples(config: ModelConfig, samples: TrainingSample[]): void {
  const task = taskOf(config);
  const width = headOutputs(config);
  samples.forEach((s, i) => {
    const name = s.id ?? `#${i}`;
    if (task === 'classification') {
      const y = s.target[0];
      if (s.target.length !== 1 || !Number.isInteger(y) || y < 0 || y >= width) throw new Error(`sample ${name}: class label must be an integer in 0..${width - 1}, got ${Array.from(s.target).join(',')}`);
    } else if (task === 'per-atom') {
      if (s.target.length !== s.graph.nNodes * width) throw new Error(`sample ${name}: expected ${s.graph.nNodes * width} per-atom targets, got ${s.target.length}`);
    } else if (s.target.length !== width) throw new Error(`sample ${name}: expected ${width} targets, got ${s.target.length}`);
    for (let k = 0; k < s.target.length; k++) if (!Number.isFinite(s.target[k])) throw new Error(`sample ${name}: target is not a finite number`);
  });
}

/** Evaluation of `model` on the samples `idx` (eval mode), in batches. */
export function evaluateSplit(model: GraphModel, samples: TrainingSample[], idx: number[], norm: TargetNormalizer, batchSize: number): SplitEvaluation {
  const config = model.config;
  const task = taskOf(config);
  const width = headOutputs(config);
  const lossFn = lossFunction(resolvedLoss(config), config.training.huberDelta);
  const preds: number[] = [];
  let lossSum = 0;
  let count = 0;
  for (const part of chunks(idx, batchSize)) {
    const bt = batchToTensors(batchGraphs(part.map((i) => samples[i].graph)));
    const y = targetTensor(samples, part, task, width, norm);
    const { out, loss } = tf.tidy(() => {
      const o = model.apply(bt, false);
      return { out: task === 'classification' ? tf.softmax(o) : o, loss: lossFn(o, y) };
    });
    const rows = out.shape[0];
    lossSum += loss.dataSync()[0] * rows;
    count += rows;
    const o = out.dataSync();
    for (let k = 0; k < o.length; k++) preds.push(o[k]);
    tf.dispose([out, loss, y]);
    disposeBatchTensors(bt);
  }
  const targets = rawTargets(samples, idx);
  const predictions = task === 'classification' ? Float64Array.from(preds) : denormalize(norm, preds);
  let metrics: Record<string, number>;
  if (task === 'classification') metrics = { ...classificationMetrics(targets, predictions, width) };
  else metrics = { ...regressionMetrics(targets, predictions) };
  return { indices: idx, loss: count ? lossSum / count : NaN, metrics, predictions, targets };
}

function selection(config: ModelConfig): { name: string; better: (a: number, b: number) => boolean; worst: number } {
  const task = taskOf(config);
  if (task === 'classification') {
    const name = headOutputs(config) === 2 ? 'rocAuc' : 'accuracy';
    return { name, better: (a, b) => a > b, worst: -Infinity };
  }
  return { name: 'mae', better: (a, b) => a < b, worst: Infinity };
}

function readWeights(model: GraphModel): Record<string, Float32Array> {
  return model.getWeights();
}

/**
 * Trains one model. Resolves when finished, early-stopped or cancelled (status in the
 * result); rejects on invalid data or a non-finite loss.
 */
export async function trainModel(config: ModelConfig, samples: TrainingSample[], opts: TrainOptions = {}): Promise<TrainOutcome> {
  const t0 = now();
  registerFastMatMulGradient();
  const cb = opts.callbacks ?? {};
  const control = opts.control ?? new TrainingControl();
  const fold = opts.fold ?? null;
  const tc = config.training;
  const task = taskOf(config);
  const width = headOutputs(config);
  validateSamples(config, samples);
  if (samples.length === 0) throw new Error('no training data');

  const resume = opts.resume;
  const split: Split = resume?.split ?? opts.split ?? trainValTestSplit(samples.length, tc.split, tc.seed);
  if (split.train.length === 0) throw new Error('the training split is empty');

  let norm: TargetNormalizer;
  if (resume) norm = resume.normalizer;
  else if (task === 'classification' || !tc.normalizeTargets) norm = identityNormalizer(task === 'classification' ? 1 : width);
  else norm = fitNormalizer(rawTargets(samples, split.train), width);

  // a fine-tuning run's start; resumed, its frozen depth comes from the checkpoint (whose weights hold the frozen parts)
  const start: FineTuneStart | undefined = opts.start ?? (resume?.freeze ? { weights: resume.weights, freeze: resume.freeze, keepHead: null } : undefined);
  const model = buildModel(config, { seed: tc.seed, freeze: start?.freeze });
  if (start && !resume) applyFineTuneStart(model, start, norm);
  const optimizer = new Optimizer(tc.optimizer, tc.weightDecay, model.trainableVariables());
  const average = tc.emaDecay > 0 ? new WeightAverage(model.trainableVariables(), tc.emaDecay) : null;
  // validation, selection and the stored weights see the average when the run keeps one
  const averaged = <T>(fn: () => T): T => (average ? average.with(fn) : fn());
  let rng = new Rng((tc.seed ^ 0x9e3779b9) >>> 0);
  let plateau: PlateauState = initialPlateauState();
  const sel = selection(config);
  let best: Checkpoint['best'] = null;
  let epochsWithoutImprovement = 0;
  const history: EpochRecord[] = [];
  let startEpoch = 0;
  if (resume) {
    model.setWeights(resume.weights);
    optimizer.setState(resume.optimizer);
    if (average) {
      if (!resume.average) throw new Error('the checkpoint has no weight average, but the run keeps one (training.emaDecay)');
      average.setValues(resume.average);
    }
    rng = Rng.fromState(resume.rng);
    plateau = resume.plateau;
    best = resume.best;
    epochsWithoutImprovement = resume.epochsWithoutImprovement;
    history.push(...resume.history);
    startEpoch = resume.epoch;
  }

  const batchesPerEpoch = Math.ceil(split.train.length / tc.batchSize);
  const sched: ScheduleContext = { lr: tc.optimizer.lr, schedule: tc.schedule, epochs: tc.epochs, warmupEpochs: tc.warmupEpochs, stepsPerEpoch: batchesPerEpoch };
  const yieldEvery = opts.yieldEvery ?? 1;
  const program = graphModelProgram(model, samples, norm);
  let executor: StepExecutor | null = null;
  const stopsEarly = () => tc.earlyStoppingPatience !== null && epochsWithoutImprovement >= tc.earlyStoppingPatience;
  // resumed from the checkpoint of the epoch that stopped the run early, it stays stopped
  let status: RunStatus = resume && stopsEarly() ? 'early-stopped' : 'finished';
  let epoch = startEpoch;

  try {
    executor = opts.parallel ? await opts.parallel({ kind: 'graph-model', init: { config, samples, normalizer: norm, start } satisfies GraphReplicaInit }, program) : new LocalExecutor(program);
    for (; status === 'finished' && epoch < tc.epochs; epoch++) {
      const te = now();
      const order = tc.shuffle ? (rng.shuffle(split.train.slice()) as number[]) : split.train.slice();
      const parts = chunks(order, tc.batchSize);
      let lossSum = 0;
      let seen = 0;
      const trainPred: number[] = [];
      const trainIdx: number[] = [];
      let lr = learningRate(sched, epoch, 0, plateau);
      for (let b = 0; b < parts.length; b++) {
        if (b % yieldEvery === 0) await tick();
        await control.waitWhilePaused();
        if (control.cancelled) break;
        const tb = now();
        const part = parts[b];
        lr = learningRate(sched, epoch, b, plateau);
        const dropoutSeed = config.model.dropout > 0 ? rng.nextUint32() : undefined;
        const { loss: lossValue, grads, outputs: o } = await executor.step(part, dropoutSeed);
        optimizer.apply(grads, lr, tc.gradClipNorm);
        average?.update(optimizer.iterations);
        executor.weightsChanged();
        tf.dispose(grads);
        if (!Number.isFinite(lossValue)) throw new Error(`training diverged: loss is ${lossValue} at epoch ${epoch}, batch ${b} (lower the learning rate or enable gradient clipping)`);
        lossSum += lossValue * part.length;
        seen += part.length;
        for (let k = 0; k < o.length; k++) trainPred.push(o[k]);
        trainIdx.push(...part);
        const dt = now() - tb;
        cb.onBatch?.({ fold, epoch, batch: b, batches: parts.length, loss: lossValue, lr, seconds: dt, structuresPerSecond: part.length / Math.max(dt, 1e-9) });
      }
      await executor.pullState();
      if (control.cancelled) {
        status = 'cancelled';
        break;
      }
      const trainSeconds = now() - te;
      // training metrics from the outputs seen during the epoch (as CGCNN's running MAE)
      const trainTargets = rawTargets(samples, trainIdx);
      const trainMetrics: Record<string, number> =
        task === 'classification'
          ? { ...classificationMetrics(trainTargets, softmaxRows(trainPred, width), width) }
          : { ...regressionMetrics(trainTargets, denormalize(norm, trainPred)) };
      const val = split.val.length ? averaged(() => evaluateSplit(model, samples, split.val, norm, tc.batchSize)) : null;
      const valLoss = val ? val.loss : null;
      plateau = stepPlateau(tc.schedule, plateau, valLoss ?? lossSum / Math.max(seen, 1));
      const metric = val ? val.metrics[sel.name] : task === 'classification' ? trainMetrics[sel.name] : trainMetrics.mae;
      const isBest = best === null || (Number.isFinite(metric) && sel.better(metric, best.metric));
      if (isBest) {
        best = { epoch, metric, weights: averaged(() => readWeights(model)) };
        epochsWithoutImprovement = 0;
      } else epochsWithoutImprovement++;
      const record: EpochRecord = {
        epoch,
        lr,
        trainLoss: lossSum / Math.max(seen, 1),
        valLoss,
        valMetrics: val ? val.metrics : {},
        trainMetrics,
        seconds: now() - te,
        structuresPerSecond: seen / Math.max(trainSeconds, 1e-9),
      };
      history.push(record);
      await cb.onEpoch?.({ ...record, fold, epochs: tc.epochs, isBest, bestEpoch: best!.epoch, bestMetric: best!.metric, selectionMetric: sel.name });
      if (cb.onCheckpoint) {
        const ckpt: Checkpoint = {
          version: 1,
          config,
          epoch: epoch + 1,
          weights: readWeights(model),
          optimizer: await optimizer.getState(),
          ...(average ? { average: average.values() } : {}),
          rng: rng.getState(),
          plateau,
          normalizer: norm,
          split,
          best,
          epochsWithoutImprovement,
          history: history.slice(),
          ...(start?.freeze ? { freeze: start.freeze } : {}),
        };
        await cb.onCheckpoint(ckpt, { epoch, isBest });
      }
      if (stopsEarly()) {
        status = 'early-stopped';
        epoch++;
        break;
      }
    }

    if (best) model.setWeights(best.weights);
    const val = split.val.length && status !== 'cancelled' ? evaluateSplit(model, samples, split.val, norm, tc.batchSize) : null;
    const test = split.test.length && status !== 'cancelled' ? evaluateSplit(model, samples, split.test, norm, tc.batchSize) : null;
    const result: TrainingResult = {
      status,
      fold,
      epochsRun: epoch - startEpoch,
      bestEpoch: best?.epoch ?? -1,
      selectionMetric: sel.name,
      bestMetric: best?.metric ?? NaN,
      normalizer: norm,
      split,
      history,
      weights: best?.weights ?? averaged(() => readWeights(model)),
      val,
      test,
      seconds: now() - t0,
    };
    await cb.onFinish?.(result);
    return { ...result, model: opts.keepModel ? model : null };
  } finally {
    await executor?.dispose();
    optimizer.dispose();
    average?.dispose();
    if (!opts.keepModel) model.dispose();
  }
}

function softmaxRows(logits: number[], width: number): Float64Array {
  const out = new Float64Array(logits.length);
  for (let r = 0; r < logits.length / width; r++) {
    let m = -Infinity;
    for (let k = 0; k < width; k++) m = Math.max(m, logits[r * width + k]);
    let s = 0;
    for (let k = 0; k < width; k++) s += Math.exp(logits[r * width + k] - m);
    for (let k = 0; k < width; k++) out[r * width + k] = Math.exp(logits[r * width + k] - m) / s;
  }
  return out;
}

export interface KFoldResult {
  folds: TrainingResult[];
  /** Held-out test indices (shared by all folds). */
  test: number[];
  /** Mean and standard deviation over folds of the validation selection metric. */
  summary: { metric: string; mean: number; std: number };
}

/**
 * The model a k-fold run saves, and what it scores: the ensemble of the fold models, each member's
 * target normaliser folded into its output layer (y = x·(W·σ) + (b·σ + μ)) so that the members share
 * one (identity) normaliser; its test evaluation is the members' mean output (probabilities for
 * classification); its validation metrics and selection metric the folds' means (each fold validates on
 * its own part). The app's training worker and `latticework train` save and report this.
 */
export function kFoldEnsemble(config: ModelConfig, folds: TrainingResult[]): {
  members: Record<string, Float32Array>[];
  normalizer: TargetNormalizer;
  test: SplitEvaluation | null;
  valMetrics: Record<string, number>;
  bestMetric: number;
} {
  const task = config.model.head.kind;
  const width = headOutputs(config);
  const first = folds[0].test;
  let test: SplitEvaluation | null = null;
  if (first) {
    const mean = new Float64Array(first.predictions.length);
    for (const f of folds) f.test!.predictions.forEach((v, i) => (mean[i] += v / folds.length));
    const metrics = task === 'classification' ? { ...classificationMetrics(first.targets, mean, width) } : { ...regressionMetrics(first.targets, mean) };
    test = { ...first, predictions: mean, metrics };
  }
  const valMetrics: Record<string, number> = {};
  for (const key of Object.keys(folds[0].val?.metrics ?? {})) {
    const vs = folds.map((f) => f.val?.metrics[key]).filter((v): v is number => typeof v === 'number' && Number.isFinite(v));
    if (vs.length) valMetrics[key] = vs.reduce((a, b) => a + b, 0) / vs.length;
  }
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
  const bestMetric = folds.reduce((s, f) => s + f.bestMetric, 0) / folds.length;
  return { members, normalizer: identityNormalizer(width), test, valMetrics, bestMetric };
}

/** A fold a resumed k-fold run finished before: its result as it ended, its best weights evaluated again on its validation part and the test split. */
function finishedFoldResult(config: ModelConfig, samples: TrainingSample[], f: FinishedFold): TrainingResult {
  const t0 = now();
  const model = buildModel(config, { seed: config.training.seed });
  try {
    model.setWeights(f.weights);
    const evaluate = (idx: number[]) => (idx.length ? evaluateSplit(model, samples, idx, f.normalizer, config.training.batchSize) : null);
    const { weights, normalizer, split, history } = f;
    return { status: f.status, fold: f.fold, epochsRun: 0, bestEpoch: f.bestEpoch, selectionMetric: selection(config).name, bestMetric: f.bestMetric, normalizer, split, history, weights, val: evaluate(split.val), test: evaluate(split.test), seconds: now() - t0 };
  } finally {
    model.dispose();
  }
}

/**
 * k-fold cross-validation: the config's test fraction is held out; train ∪ val is cut
 * into k folds; fold i trains on the others and validates on fold i. The k best
 * models form an ensemble (their weights are in `folds[i].weights`).
 *
 * Every checkpoint carries the folds finished before it (`Checkpoint.kFold`): resumed from one, the
 * run takes those folds back as they ended, continues the fold under way from the checkpoint and
 * trains the rest, so that it ends as the uninterrupted run does.
 */
export async function trainKFold(config: ModelConfig, samples: TrainingSample[], opts: Omit<TrainOptions, 'split' | 'fold' | 'keepModel'> = {}): Promise<KFoldResult> {
  const k = config.training.kFold;
  if (!k) throw new Error('config.training.kFold is not set');
  const { resume, callbacks } = opts;
  if (resume && !resume.kFold) throw new Error("the checkpoint is not a k-fold run's: it cannot continue one");
  const base = trainValTestSplit(samples.length, config.training.split, config.training.seed);
  const folds = kFold([...base.train, ...base.val], k, config.training.seed);
  // resumed, the folds after the checkpoint's start from the start it kept
  const start = resume ? resume.kFold!.start : opts.start;
  const finished: FinishedFold[] = resume ? resume.kFold!.finished.slice() : [];
  const results = finished.map((f) => finishedFoldResult(config, samples, f));
  for (const f of folds.slice(finished.length)) {
    if (opts.control?.cancelled) break;
    const kept = { fold: f.fold, finished: finished.slice(), ...(start ? { start } : {}) };
    const onCheckpoint = callbacks?.onCheckpoint && ((c: Checkpoint, info: { epoch: number; isBest: boolean }) => callbacks.onCheckpoint!({ ...c, kFold: kept }, info));
    // the fold under way continues from the checkpoint as a single run does (its start, if any, is in it)
    const resumed = resume?.kFold!.fold === f.fold ? resume : undefined;
    const r = await trainModel(config, samples, {
      ...opts,
      callbacks: { ...callbacks, onCheckpoint },
      resume: resumed,
      start: resumed ? undefined : start,
      split: { train: f.train, val: f.val, test: base.test },
      fold: f.fold,
    });
    const { model: _m, ...rest } = r;
    results.push(rest);
    if (r.status === 'cancelled') break;
    finished.push({ fold: f.fold, status: r.status, bestEpoch: r.bestEpoch, bestMetric: r.bestMetric, weights: r.weights, normalizer: r.normalizer, split: r.split, history: r.history });
  }
  const vals = results.map((r) => r.bestMetric);
  const mean = vals.reduce((s, v) => s + v, 0) / Math.max(vals.length, 1);
  const std = Math.sqrt(vals.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(vals.length - 1, 1));
  return { folds: results, test: base.test, summary: { metric: results[0]?.selectionMetric ?? '', mean, std } };
}
