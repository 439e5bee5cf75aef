/**
 * Training a potential on energies, forces and stresses (pure compute: tfjs, no store).
 *
 * Before the first epoch: a seeded split by structure, per-element reference energies, shift
 * and scale fitted on the training split (./statistics), neighbour graphs built once.
 * One step: energies, forces and stress of a batch (forces and stress by differentiation), the
 * weighted loss (./loss), its gradient with respect to the weights (a gradient of gradients),
 * global-norm clipping, Adam/AdamW/SGD with the scheduled rate, then the exponential moving
 * average of the weights. The run's progress is the fraction of its epochs done or of
 * `training.maxSeconds` used, whichever is larger: the cosine schedule anneals per step over it, and
 * `training.finalDecay` = d lowers any schedule's rate linearly to 1 % of it over the last d of it —
 * a time-budgeted run anneals when its budget ends, not at an epoch count it never reaches. After each epoch: the validation metrics with the averaged weights,
 * reduce-on-plateau on the validation score, the best epoch by the lowest score
 * (./metrics selectionScore), early stopping and a wall-clock budget. At the end the best
 * weights are restored and the validation and test splits evaluated with them.
 */
import * as tf from '@tensorflow/tfjs-core';
import { WeightAverage } from '../train/weight-average';
import type { PotentialConfig, PotentialLoss } from '../../../src-shared/model/potential';
import { Rng, type RngState } from '../../../src-shared/model/rng';
import { initialPlateauState, learningRate, stepPlateau, type PlateauState, type ScheduleContext } from '../../../src-shared/model/schedule';
import { trainValTestSplit, type Split } from '../../../src-shared/model/split';
import { TrainingControl } from '../train/control';
import { registerFastMatMulGradient } from '../train/matmul-grad';
import { globalNorm, Optimizer, type OptimizerState } from '../train/optimizers';
import type { LabelledFrame } from '../../../src-shared/chem/frames';
import { batchPotentialGraphs, potentialGraph, type PotentialBatch, type PotentialGraph } from './frames';
import { simdBackend } from './linear';
import { potentialLoss, batchTargets, disposeTargets } from './loss';
import { potentialMetrics, selectionScore, type FramePrediction, type PotentialMetrics } from './metrics';
import { disposePotentialBatch, PotentialModel, potentialBatchTensors } from './model';
import { painnInference, painnOf, type InferenceOutput } from './painn-inference';
import { recordingGradients } from '../tf/kernels';
import { describeEnergyOutliers, energyOutliers, fitEnergyStatistics, median, type EnergyStatistics } from './statistics';

export interface PotentialEpoch {
  epoch: number;
  epochs: number;
  lr: number;
  trainLoss: number;
  /** Validation metrics (averaged weights); null without a validation split. */
  val: PotentialMetrics | null;
  score: number;
  isBest: boolean;
  bestEpoch: number;
  seconds: number;
  /**
   * The global norm of the loss gradient over the epoch's batches, before clipping (median, largest):
   * what `training.gradClipNorm` is compared with.
   */
  gradNorm: { median: number; max: number };
  /** Training throughput of the epoch (without validation). */
  atomsPerSecond: number;
  structuresPerSecond: number;
}

export interface PotentialSplitResult {
  indices: number[];
  metrics: PotentialMetrics;
  predictions: FramePrediction[];
}

export interface PotentialTrainResult {
  status: 'finished' | 'cancelled' | 'early-stopped' | 'time-budget';
  epochsRun: number;
  bestEpoch: number;
  bestScore: number;
  split: Split;
  statistics: EnergyStatistics;
  history: PotentialEpoch[];
  weights: Record<string, Float32Array>;
  val: PotentialSplitResult | null;
  test: PotentialSplitResult | null;
  seconds: number;
  /** What the loss included (forces/stress only when asked for and present in the data). */
  trained: { energy: boolean; forces: boolean; stress: boolean };
}

/**
 * Everything a member's training needs to continue after an epoch exactly as if it had not
 * stopped (./checkpoint encodes it): weights, optimiser state, the shuffle RNG, the plateau
 * schedule, the weight average, the best epoch so far and the training seconds used.
 */
export interface PotentialTrainState {
  /** Epochs completed (the next epoch to run). */
  epoch: number;
  step: number;
  weights: Record<string, Float32Array>;
  optimizer: OptimizerState;
  rng: { words: RngState; spare: number | null };
  plateau: PlateauState;
  /** The weight average (by trainable variable, in order); null without one. */
  ema: Float32Array[] | null;
  best: { epoch: number; score: number; weights: Record<string, Float32Array> } | null;
  sinceBest: number;
  history: PotentialEpoch[];
  /** Seconds of training so far (the time budget and the schedule's progress count them). */
  seconds: number;
}

export interface PotentialTrainOptions {
  /** After each epoch; `state` gives what continues the run from here (for a checkpoint). */
  onEpoch?(e: PotentialEpoch, state: () => Promise<PotentialTrainState>): void | Promise<void>;
  /** Continue from this state (same config, frames, split and freeze). */
  resume?: PotentialTrainState;
  onBatch?(b: { epoch: number; batch: number; batches: number; loss: number; lr: number; gradNorm: number; atomsPerSecond: number }): void;
  control?: TrainingControl;
  /** Use this split (indices into frames) instead of the seeded one. */
  split?: Split;
  /**
   * Start from these weights (fine-tuning; the caller has seeded the rows of new elements,
   * ./finetune seedElementRows); the energy statistics are refitted on this data.
   */
  initialWeights?: Record<string, Float32Array>;
  /** Fine-tuning: keep the embedding and the first N interaction blocks fixed (see PotentialModel.trainableAfterFreezing). */
  freeze?: number;
  /** Keep the model (the caller disposes it). */
  keepModel?: boolean;
  /** The frames' names (file:frame), for messages; default "frame i". */
  names?: readonly string[];
}

const now = () => performance.now() / 1000;
/** Where the final decay ends, as a fraction of the schedule's rate. */
const FINAL_DECAY_TO = 0.01;
const tick = () => new Promise<void>((r) => setImmediate(r));

function chunks(idx: number[], size: number): number[][] {
  const out: number[][] = [];
  for (let i = 0; i < idx.length; i += size) out.push(idx.slice(i, i + size));
  return out;
}

function medianAndMax(xs: number[]): { median: number; max: number } {
  return { median: median(xs), max: xs.reduce((a, b) => (b > a ? b : a), xs[0]) };
}


/** Energies, forces, stress and atom energies of frames (no gradients kept), in batches. */
export function predictGraphs(model: PotentialModel, graphs: readonly PotentialGraph[], opts: { forces?: boolean; stress?: boolean; batchSize?: number } = {}): FramePrediction[] {
  const out: FramePrediction[] = [];
  const size = opts.batchSize ?? 32;
  const want = { forces: opts.forces ?? true, stress: opts.stress ?? true };
  // PaiNN on the SIMD kernels' backends, nothing recording: the hand-written pass (./painn-inference.ts)
  const handWritten = painnOf(model) !== null && simdBackend() && !recordingGradients();
  for (let k = 0; k < graphs.length; k += size) {
    const part = graphs.slice(k, k + size);
    const batch = batchPotentialGraphs(part);
    const o = handWritten ? painnInference(model, batch, want) : evaluateOnDevice(model, batch, want);
    let a0 = 0;
    part.forEach((g, i) => {
      const n = g.numbers.length;
      out.push({
        energy: o.energy[i],
        atomEnergies: Float64Array.from(o.atomEnergies.subarray(a0, a0 + n)),
        forces: o.forces ? Float64Array.from(o.forces.subarray(3 * a0, 3 * (a0 + n))) : null,
        stress: o.stress && g.volume !== null ? Float64Array.from(o.stress.subarray(6 * i, 6 * i + 6)) : null,
      });
      a0 += n;
    });
  }
  return out;
}

const LOSS_TERMS = [
  ['energy', 'energyWeight'],
  ['forces', 'forcesWeight'],
  ['stress', 'stressWeight'],
] as const;

/** How one term of the loss on the frames `part` is not finite ("is NaN", "has a NaN gradient"), or null when it is (or they have no such label). */
function termProblem(c: DivergenceContext, part: readonly number[], term: (typeof LOSS_TERMS)[number]): string | null {
  const [label, weight] = term;
  const batch = batchPotentialGraphs(part.map((i) => c.graphs[i]));
  const use = { energy: label === 'energy', forces: label === 'forces', stress: label === 'stress' };
  const targets = batchTargets(part.map((i) => c.frames[i]), batch, use);
  if (!targets.energyRows && !targets.forceRows && !targets.stressRows) {
    disposeTargets(targets);
    return null;
  }
  const t = potentialBatchTensors(batch);
  const only: PotentialLoss = { ...c.loss, energyWeight: 0, forcesWeight: 0, stressWeight: 0, [weight]: c.loss[weight] };
  const { value, grads } = tf.variableGrads(() => potentialLoss(c.model.evaluate(t, { forces: use.forces, stress: use.stress, training: true }), targets, only), c.vars);
  const norm = globalNorm(c.vars.map((v) => grads[v.name]));
  const v = value.dataSync()[0];
  const n = norm.dataSync()[0];
  tf.dispose([value, norm, ...Object.values(grads)]);
  disposeTargets(targets);
  disposePotentialBatch(t);
  return !Number.isFinite(v) ? `is ${v}` : !Number.isFinite(n) ? `has a ${n} gradient` : null;
}

interface DivergenceContext {
  model: PotentialModel;
  vars: tf.Variable[];
  graphs: readonly PotentialGraph[];
  frames: readonly LabelledFrame[];
  /** The batch and the training split: indices into frames. */
  part: readonly number[];
  train: readonly number[];
  trained: PotentialTrainResult['trained'];
  loss: PotentialLoss;
  names?: readonly string[];
}

/**
 * Why a batch's loss or gradient is not finite, one sentence per term of the loss that is not
 * (each evaluated again with the same weights): the frames that make it so on their own, with the
 * energy label for the energy term, or that it takes the frames together.
 */
function nonFiniteTerms(c: DivergenceContext): string[] {
  const out: string[] = [];
  for (const term of LOSS_TERMS) {
    if (!c.trained[term[0]] || c.loss[term[1]] <= 0) continue;
    const problem = termProblem(c, c.part, term);
    if (problem === null) continue;
    const name = (i: number) => c.names?.[i] ?? `frame ${i}`;
    // energies far out of line with the others' set the reference energies every frame's energy starts from
    const outliers = term[0] === 'energy' ? energyOutliers(c.train.map((i) => c.frames[i])) : null;
    if (outliers?.frames.length) {
      const atTrain = { ...outliers, frames: outliers.frames.map((o) => ({ ...o, index: c.train[o.index] })) };
      out.push(`the energy term ${problem}: the energy of ${describeEnergyOutliers(atTrain, c.frames, name)} is far out of line with the other training frames', and the reference energies are fitted to it`);
      continue;
    }
    const alone = c.part.filter((i) => termProblem(c, [i], term) !== null);
    const shown = alone.slice(0, 5).map(name).join(', ') + (alone.length > 5 ? ` and ${alone.length - 5} more` : '');
    out.push(`the ${term[0]} term ${problem}${alone.length ? `, from ${shown}` : " with the batch's frames together (no frame alone)"}`);
  }
  return out;
}

/** PotentialModel.evaluate on a batch, read back to host arrays (tensors disposed). */
function evaluateOnDevice(model: PotentialModel, batch: PotentialBatch, want: { forces: boolean; stress: boolean }): InferenceOutput {
  const t = potentialBatchTensors(batch);
  const o = model.evaluate(t, want);
  const host: InferenceOutput = {
    energy: Float64Array.from(o.energy.dataSync()),
    atomEnergies: o.atomEnergies.dataSync() as Float32Array,
    forces: (o.forces?.dataSync() as Float32Array | undefined) ?? null,
    stress: o.stress ? Float64Array.from(o.stress.dataSync()) : null,
  };
  tf.dispose([o.energy, o.atomEnergies, o.forces ?? [], o.stress ?? []]);
  disposePotentialBatch(t);
  return host;
}

export async function trainPotential(config: PotentialConfig, frames: readonly LabelledFrame[], opts: PotentialTrainOptions = {}): Promise<PotentialTrainResult & { model: PotentialModel | null }> {
  const resume = opts.resume;
  // a resumed run's clock starts with the seconds it trained before
  const t0 = now() - (resume?.seconds ?? 0);
  registerFastMatMulGradient();
  const tc = config.training;
  const control = opts.control ?? new TrainingControl();
  if (frames.length === 0) throw new Error('no training data');
  const split = opts.split ?? trainValTestSplit(frames.length, tc.split, tc.seed);
  if (split.train.length === 0) throw new Error('the training split is empty');
  // labels are trained in float32: one beyond its range (±3.4e38) is not finite there
  const float32 = (x: number) => Number.isFinite(Math.fround(x));
  const beyond = frames.flatMap((f, i) => (!float32(f.energy ?? 0) || !(f.forces ?? []).every(float32) || !(f.stress ?? []).every(float32) ? [opts.names?.[i] ?? `frame ${i}`] : []));
  if (beyond.length) throw new Error(`${beyond.slice(0, 5).join(', ')}${beyond.length > 5 ? ` and ${beyond.length - 5} more` : ''}: a label beyond float32's range (±3.4e38), which training computes in, so not finite there; fix or remove ${beyond.length === 1 ? 'that frame' : 'those frames'}`);
  const trainFrames = split.train.map((i) => frames[i]);
  const trained = {
    energy: trainFrames.some((f) => f.energy !== null),
    forces: tc.forces && trainFrames.some((f) => f.forces !== null),
    stress: tc.stress && trainFrames.some((f) => f.stress !== null),
  };
  if (!trained.energy && !trained.forces) throw new Error('the training split has neither energies nor forces');
  const statistics = fitEnergyStatistics(trainFrames, config.model.maxZ);
  const graphs = frames.map((f) => potentialGraph(f.structure, config.radial.cutoff));

  const model = new PotentialModel(config, tc.seed);
  // fine-tuning: the source's weights (before freezing)
  if (opts.initialWeights) model.setWeights(opts.initialWeights);
  model.setEnergyStatistics(statistics.reference, statistics.scale, statistics.shift);
  const vars = model.trainableAfterFreezing(opts.freeze ?? 0);
  if (vars.length === 0) throw new Error(`--freeze ${opts.freeze} leaves nothing to train`);
  const optimizer = new Optimizer(tc.optimizer, tc.weightDecay, vars);
  const ema = tc.emaDecay > 0 ? new WeightAverage(vars, tc.emaDecay) : null;
  const rng = resume ? Rng.fromState(resume.rng) : new Rng((tc.seed ^ 0x9e3779b9) >>> 0);
  let plateau: PlateauState = resume?.plateau ?? initialPlateauState();
  if (resume) {
    model.setWeights(resume.weights);
    optimizer.setState(resume.optimizer);
    if (ema && resume.ema) ema.setValues(resume.ema);
  }
  const batches = Math.ceil(split.train.length / tc.batchSize);
  const sched: ScheduleContext = { lr: tc.optimizer.lr, schedule: tc.schedule, epochs: tc.epochs, warmupEpochs: 0, stepsPerEpoch: batches };
  // the share of the run done: of its epochs, or of its time budget when that ends it sooner
  const progressOf = (e: number, b: number) => Math.min(1, Math.max((e + b / batches) / tc.epochs, tc.maxSeconds !== null ? (now() - t0) / tc.maxSeconds : 0));
  const rateOf = (e: number, b: number): number => {
    const s = tc.schedule;
    const progress = progressOf(e, b);
    const rate = s.kind === 'cosine' ? s.minLr + ((tc.optimizer.lr - s.minLr) * (1 + Math.cos(Math.PI * progress))) / 2 : learningRate(sched, e, b, plateau);
    // the final decay: linearly to FINAL_DECAY_TO of the schedule's rate over the last `finalDecay` of the run
    const d = tc.finalDecay;
    return d > 0 && progress > 1 - d ? rate * (1 - ((1 - FINAL_DECAY_TO) * (progress - (1 - d))) / d) : rate;
  };
  const history: PotentialEpoch[] = resume ? [...resume.history] : [];
  let best: PotentialTrainState['best'] = resume?.best ?? null;
  let sinceBest = resume?.sinceBest ?? 0;
  let status: PotentialTrainResult['status'] = 'finished';
  let epoch = resume?.epoch ?? 0;
  let step = resume?.step ?? 0;
  const evalWith = <T>(fn: () => T): T => (ema ? ema.with(fn) : fn());
  const evaluate = (idx: number[]): PotentialSplitResult => {
    const predictions = predictGraphs(model, idx.map((i) => graphs[i]), { forces: true, stress: true, batchSize: tc.batchSize * 2 });
    return { indices: idx, predictions, metrics: potentialMetrics(idx.map((i) => frames[i]), predictions) };
  };

  try {
    for (; epoch < tc.epochs; epoch++) {
      const te = now();
      const order = rng.shuffle(split.train.slice()) as number[];
      let lossSum = 0;
      let atoms = 0;
      const norms: number[] = [];
      let lr = tc.optimizer.lr;
      for (const [b, part] of chunks(order, tc.batchSize).entries()) {
        await tick();
        await control.waitWhilePaused();
        if (control.cancelled) break;
        const tb = now();
        lr = rateOf(epoch, b);
        const batch = batchPotentialGraphs(part.map((i) => graphs[i]));
        const t = potentialBatchTensors(batch);
        const targets = batchTargets(part.map((i) => frames[i]), batch, trained);
        const { value, grads } = tf.variableGrads(() => potentialLoss(model.evaluate(t, { forces: trained.forces, stress: trained.stress, training: true }), targets, tc.loss), vars);
        const g = vars.map((v) => grads[v.name]);
        const norm = globalNorm(g);
        const loss = (await value.data())[0];
        const gradNorm = (await norm.data())[0];
        // a step with a loss or gradient that is not finite is not taken: the weights stay those that gave it
        const finite = Number.isFinite(loss) && Number.isFinite(gradNorm);
        if (finite) {
          optimizer.apply(g, lr, tc.gradClipNorm, norm);
          step++;
          ema?.update(step);
        }
        tf.dispose([value, norm, ...Object.values(grads)]);
        disposeTargets(targets);
        disposePotentialBatch(t);
        if (!finite) {
          const what = Number.isFinite(loss) ? `the loss's gradient is ${gradNorm}` : `loss is ${loss}`;
          const terms = nonFiniteTerms({ model, vars, graphs, frames, part, train: split.train, trained, loss: tc.loss, names: opts.names });
          const where = terms.length ? `: ${terms.join('; ')}` : '';
          // before the first update the weights are the initial ones: the data (or their labels) did it, not the rate
          const advice = step === 0 ? ' — before any update, so not the learning rate' : ' (lower the learning rate)';
          throw new Error(`training diverged: ${what} at epoch ${epoch}, batch ${b}${where}${advice}`);
        }
        lossSum += loss * part.length;
        atoms += batch.numAtoms;
        norms.push(gradNorm);
        opts.onBatch?.({ epoch, batch: b, batches, loss, lr, gradNorm, atomsPerSecond: batch.numAtoms / Math.max(now() - tb, 1e-9) });
      }
      if (control.cancelled) {
        status = 'cancelled';
        break;
      }
      const trainSeconds = now() - te;
      const val = split.val.length ? evalWith(() => evaluate(split.val)).metrics : null;
      const score = val ? selectionScore(val, trained) : lossSum / split.train.length;
      plateau = stepPlateau(tc.schedule, plateau, score);
      const isBest = best === null || score < best.score;
      if (isBest) {
        best = { epoch, score, weights: evalWith(() => model.getWeights()) };
        sinceBest = 0;
      } else sinceBest++;
      const record: PotentialEpoch = { epoch, epochs: tc.epochs, lr, trainLoss: lossSum / split.train.length, val, score, isBest, bestEpoch: best!.epoch, seconds: now() - te, gradNorm: medianAndMax(norms), atomsPerSecond: atoms / Math.max(trainSeconds, 1e-9), structuresPerSecond: split.train.length / Math.max(trainSeconds, 1e-9) };
      history.push(record);
      const next = { epoch: epoch + 1, step, plateau, sinceBest };
      await opts.onEpoch?.(record, async () => ({
        ...next,
        weights: model.getWeights(),
        optimizer: await optimizer.getState(),
        rng: rng.getState(),
        ema: ema?.values() ?? null,
        best,
        history: [...history],
        seconds: now() - t0,
      }));
      if (tc.earlyStoppingPatience !== null && sinceBest >= tc.earlyStoppingPatience) {
        status = 'early-stopped';
        epoch++;
        break;
      }
      if (tc.maxSeconds !== null && now() - t0 >= tc.maxSeconds) {
        status = 'time-budget';
        epoch++;
        break;
      }
    }
    if (best) model.setWeights(best.weights);
    const done = status !== 'cancelled';
    const valResult = done && split.val.length ? evaluate(split.val) : null;
    const testResult = done && split.test.length ? evaluate(split.test) : null;
    return {
      status,
      epochsRun: epoch,
      bestEpoch: best?.epoch ?? -1,
      bestScore: best?.score ?? NaN,
      split,
      statistics,
      history,
      weights: best?.weights ?? model.getWeights(),
      val: valResult,
      test: testResult,
      seconds: now() - t0,
      trained,
      model: opts.keepModel ? model : null,
    };
  } finally {
    optimizer.dispose();
    ema?.dispose();
    if (!opts.keepModel) model.dispose();
  }
}
