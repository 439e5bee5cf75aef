/**
 * The `training` service: starts a run on a dataset with a config and trains it in a
 * compute worker (task `train`, the engine's `trainModel`), recording everything through the
 * run store's `RunRecorder` (store/runs.ts: what is written when, in which transaction), as
 * `latticework train` does. Status changes are sent as `training.onStatus`, batches and epochs
 * live as `training.onProgress`. A process killed at any moment leaves a run whose last
 * checkpoint matches epochs_done; at the next start (`markInterruptedRuns`) the run is
 * 'interrupted' and `resume` continues from that checkpoint (metrics of the epoch that was cut
 * short are dropped first).
 *
 * Pause, resume and cancel reach the worker through a control word in shared memory that the
 * training loop checks at every batch boundary.
 */
import { randomUUID } from 'node:crypto';
import type { LatticeworkHandlers, RunRecord, TrainingProgress } from '../../src-shared/ipc/contract';
import type { CoreParts } from '../app/core';
import { commandLineDatabase } from '../app/paths';
import { UserError } from '../ipc/errors';
import type { TrainEvent, TrainTaskOutput } from '../workers/train';
import { CONTROL_CANCEL, CONTROL_CANCEL_KEEP, CONTROL_PAUSE, CONTROL_RUN } from '../workers/protocol';
import { getDataset, loadDatasetItems, type LoadedItem } from './datasets';
import { stopOf, type JobStop } from './jobs';
import { checkConfig, loadModelFile } from './models';
import type { ModelFileData } from '../engine/models/format';
import type { FineTunePlan } from '../engine/train/finetune';
import { sourceTrainedElements } from '../engine/potential/finetune';
import { getRun, getRunRow } from './runs';
import { workOfAnother } from '../store/owners';
import { parseJson } from '../store/database';
import { resumeRefusal } from '../../src-shared/ipc/services/training';
import { hasLastCheckpoint, insertRun, rewindToLastCheckpoint, RunRecorder, runConfig, RunTakenOverError, type RunRow } from '../store/runs';
import { CGCNN_ATOM_INIT_TEXT } from '../datasets/atom-init';
import { groupsAcrossSplits } from '../../src-shared/model/split';
import { issueLines, unknownGivenFields } from '../../src-shared/model/config';
import { targetUnit } from '../../src-shared/model/units';
import { groupThousands, plural } from '../../src-shared/text';
import { fineTunedFrom, trainingTags, type HeadChoice } from '../../src-shared/model/run-tags';
import { fineTunedPotentialInput, isPotentialConfig, parsePotentialConfig, PotentialConfigError, type PotentialConfig } from '../../src-shared/model/potential';


interface ActiveRun {
  control: Int32Array;
  jobId: string;
  /** Seconds of training before the current segment. */
  elapsed: number;
  /** When the current running segment began (ms), null while paused. */
  segmentStart: number | null;
  /**
   * Why this process stopped training the run (services/jobs.ts `JobStop`, the first stop counts): 'cancel', the
   * user's Cancel, through training.cancel or jobs.cancel of its job (the job list); 'interrupt', the process going
   * away; null while it trains.
   */
  stop: JobStop | null;
  /** The worker has built the graphs and started training. */
  started: boolean;
  backend: string;
  workers: number;
  batches: number;
  epochs: number;
  /** Exponential average of seconds per batch (for the ETA). */
  secondsPerBatch: number | null;
  lastBatchAt: number | null;
  recorder: RunRecorder;
  /** Why this process stopped training the run: another process took it over (store/runs `RunTakenOverError`); null while it is this process's. */
  takenOver: string | null;
  /** Members of a potential's seed ensemble (1: one model); each trains `epochs / members` epochs. */
  members: number;
}

/** Values per atom of a dataset's per-atom array (forces: 3). */
async function perAtomWidth(core: CoreParts, datasetId: number, key: string): Promise<number> {
  const row = await core.db.read((tx) => tx.get<{ per_atom: string | null }>('SELECT per_atom FROM dataset_item WHERE dataset_id = ? ORDER BY idx LIMIT 1', [datasetId]));
  const p = parseJson<Record<string, { kind: string; width?: number }>>(row?.per_atom, {})[key];
  return p?.kind === 'vector' ? (p.width ?? 1) : 1;
}

const active = new WeakMap<CoreParts['db'], Map<number, ActiveRun>>();

function activeRuns(core: CoreParts): Map<number, ActiveRun> {
  let m = active.get(core.db);
  if (!m) active.set(core.db, (m = new Map()));
  return m;
}

function durationOf(a: ActiveRun): number {
  return a.elapsed + (a.segmentStart === null ? 0 : (Date.now() - a.segmentStart) / 1000);
}

export function trainingHandlers(core: CoreParts): LatticeworkHandlers['training'] {
  const runs = activeRuns(core);

  const emitStatus = async (runId: number) => {
    try {
      core.events.emit('training', 'onStatus', await getRun(core, runId));
    } catch {
      // the database is closing: nothing to report
    }
  };

  const setStatus = async (runId: number, status: RunRecord['status'], extra: { error?: string | null; finished?: boolean } = {}) => {
    const a = runs.get(runId);
    await (a?.recorder ?? new RunRecorder(core.db, runId)).status(status, { duration: a ? durationOf(a) : undefined, error: extra.error ?? undefined, finished: extra.finished });
    await emitStatus(runId);
  };

  /** A run stopped because the process is going away: interrupted, resumable from its last checkpoint, and said in the process's last words. */
  const interrupt = async (runId: number) => {
    await setStatus(runId, 'interrupted');
    const run = await getRun(core, runId);
    core.jobs.kept(`run ${runId} interrupted after ${groupThousands(run.epochsDone)} of ${plural(run.epochsPlanned, 'epoch')} (resume it in Runs)`);
  };

  /** The unit of what a run on `dataset` learns: the dataset's target's, or a per-atom head's array's (named like `forces`). */
  const runTargetUnit = (dataset: { targetUnit: string }, perAtomKey: string | null): string => (perAtomKey ? targetUnit(perAtomKey) : dataset.targetUnit);

  /** Trains (or continues) a run in the background; a fine-tuning run starts from `fineTune` (a resumed one from its checkpoint). */
  const launch = async (runId: number, resume: Uint8Array | null, elapsed: number, workers: number | null, fineTune?: FineTuneLaunch) => {
    const row = await getRunRow(core, runId);
    if (row.dataset_id === null) throw new UserError(`the dataset of run ${runId} was deleted: it cannot be trained`);
    const dataset = await getDataset(core, row.dataset_id);
    const items = await loadDatasetItems(core, row.dataset_id);
    const config = runConfig(row);
    // a potential run planned as K members' epochs is a seed ensemble of K (startPotential)
    const members = isPotentialConfig(config) ? Math.max(1, Math.round(row.epochs_planned / parsePotentialConfig(config).training.epochs)) : 1;
    // the source's atom features, checked against every element of the data
    const elements = items.flatMap((it) => it.structure.numbers);
    const sourceAtoms = fineTune?.plan ? await userErrors(async (ft) => ft.fineTuneAtomInit(fineTune.source, elements, dataset.atomInit)) : null;
    // a learned element embedding: the rows of elements the source never trained start from the nearest trained element's
    const plan = fineTune?.plan ? await userErrors(async (ft) => ft.seedEmbeddingRows(fineTune.source, fineTune.plan!, elements)) : undefined;
    const a: ActiveRun = {
      control: new Int32Array(new SharedArrayBuffer(4)),
      jobId: randomUUID(),
      elapsed,
      // the clock starts when training does (after the graphs are built)
      segmentStart: null,
      stop: null,
      started: false,
      backend: row.backend,
      workers: row.workers,
      batches: 0,
      epochs: row.epochs_planned,
      secondsPerBatch: null,
      lastBatchAt: null,
      recorder: await RunRecorder.resume(core.db, row),
      takenOver: null,
      members,
    };
    runs.set(runId, a);

    const paused = () => Atomics.load(a.control, 0) === CONTROL_PAUSE;
    const member = (epoch: number) => (a.members > 1 ? { member: { index: Math.min(a.members - 1, Math.floor(epoch / (a.epochs / a.members))), count: a.members } } : {});
    const onEvent = (payload: unknown) => {
      const ev = payload as TrainEvent;
      const now = Date.now();
      if (ev.type === 'start') {
        a.started = true;
        if (!paused()) a.segmentStart = now;
        a.backend = ev.backend;
        a.workers = ev.workers;
        a.batches = ev.batches;
        // identical structures (same content hash) in different split sets: a leak worth showing
        const overlap = groupsAcrossSplits(
          items.map((it) => it.structureId),
          ev.splitIndices,
        ).flatMap((g) => g.leaked.map((i) => items[i].name));
        void a.recorder
          .started(ev.backend, { ...ev.splitIndices, overlap }, ev.workers)
          .then(() => emitStatus(runId))
          .catch(() => undefined);
      } else if (ev.type === 'batch') {
        a.recorder.batch(ev, now);
        if (a.lastBatchAt !== null && a.segmentStart !== null) {
          const dt = (now - a.lastBatchAt) / 1000;
          a.secondsPerBatch = a.secondsPerBatch === null ? dt : 0.8 * a.secondsPerBatch + 0.2 * dt;
        }
        a.lastBatchAt = now;
        const remaining = (a.epochs - ev.epoch - 1) * ev.batches + (ev.batches - ev.batch - 1);
        const progress: TrainingProgress = {
          runId,
          kind: 'batch',
          epoch: ev.epoch,
          epochs: a.epochs,
          batch: ev.batch,
          batches: ev.batches,
          values: { batch_loss: ev.loss, lr: ev.lr },
          structuresPerSecond: ev.structuresPerSecond,
          eta: a.secondsPerBatch === null ? null : remaining * a.secondsPerBatch,
          backend: a.backend,
          workers: a.workers,
          ...member(ev.epoch),
        };
        core.events.emit('training', 'onProgress', progress);
      } else if (ev.type === 'epoch') {
        const values = a.recorder.epoch(ev, now);
        const remaining = (a.epochs - ev.epoch - 1) * Math.max(a.batches, 1);
        core.events.emit('training', 'onProgress', {
          runId,
          kind: 'epoch',
          epoch: ev.epoch,
          epochs: a.epochs,
          batch: a.batches,
          batches: a.batches,
          values,
          structuresPerSecond: ev.structuresPerSecond,
          eta: a.secondsPerBatch === null ? (a.epochs - ev.epoch - 1) * ev.seconds : remaining * a.secondsPerBatch,
          backend: a.backend,
          workers: a.workers,
          ...member(ev.epoch),
        });
      } else if (ev.type === 'checkpoint') {
        void a.recorder.checkpoint(ev, durationOf(a), now).catch((e: unknown) => {
          // another process has the run now: stop training it here, and write nothing more
          if (!(e instanceof RunTakenOverError) || a.takenOver) return;
          a.takenOver = e.message;
          console.warn(`latticework: ${e.message}`);
          Atomics.store(a.control, 0, CONTROL_CANCEL);
        });
      }
    };

    const finish = async (out: TrainTaskOutput) => {
      if (a.takenOver) return emitStatus(runId);
      if (a.segmentStart !== null) {
        a.elapsed += (Date.now() - a.segmentStart) / 1000;
        a.segmentStart = null;
      }
      // cancelled by the user (keeping the best model so far when asked: then it comes with a model file),
      // or stopped because the core is closing (then: interrupted)
      if (out.status === 'cancelled' && !(a.stop === 'cancel' && out.modelFile)) {
        if (a.stop === 'cancel') await setStatus(runId, 'cancelled', { finished: true });
        else await interrupt(runId);
        return;
      }
      const model = await a.recorder.finish(
        {
          bestEpoch: out.bestEpoch,
          epochsDone: out.epochsDone,
          valMetrics: out.valMetrics,
          testMetrics: out.testMetrics,
          predictions: out.predictions.map((p) => ({ structureId: items[p.index].structureId, name: items[p.index].name, split: p.split, target: p.target, prediction: p.prediction })),
          modelFile: out.modelFile,
        },
        a.elapsed,
      );
      if (model) core.events.emit('models', 'onChanged', { ids: [model.id] });
      if (out.status === 'cancelled') await setStatus(runId, 'cancelled', { finished: true });
      else await emitStatus(runId);
    };

    const samples = items.map((it: LoadedItem) => ({ name: it.name, structure: it.structure, target: it.target }));
    const parsedConfig = config as { model?: { atomInput?: { kind?: string } } };
    const atomInitText = parsedConfig.model?.atomInput?.kind !== 'cgcnn' ? null : sourceAtoms?.table ? JSON.stringify(fineTune!.source.header.atomInit) : (dataset.atomInit ?? CGCNN_ATOM_INIT_TEXT);
    const target = plan?.targets?.[0];
    const perAtom = (config as { model?: { head?: { kind?: string } } }).model?.head?.kind === 'per-atom';
    const perAtomKey = perAtom ? (dataset.report.perAtomKeys[0] ?? null) : null;
    const ended = core.jobs
      .run(
        'train',
        (job) => {
          job.signal.addEventListener('abort', () => (a.stop ??= stopOf(job.signal)), { once: true });
          return core.pool.run(
            'train',
            {
              runId,
              config,
              samples,
              atomInitText,
              perAtomKey,
              resume,
              control: a.control,
              model: { name: `${row.name} (best)`, target: target?.name ?? perAtomKey ?? dataset.targetKey, unit: target?.unit ?? row.target_unit ?? runTargetUnit(dataset, perAtomKey), dataset: dataset.name },
              workers,
              members,
              fineTune: fineTune
                ? {
                    start: plan?.start ?? { weights: fineTune.source.members[0], freeze: fineTune.freeze, keepHead: null },
                    startedFrom: fineTune.source.header.name,
                    freeze: fineTune.freeze,
                    head: plan?.head.reason ?? "kept (a potential's energy head)",
                    seededElements: plan?.seeding?.seededElements ?? null,
                    // a potential: the elements its source trained, so that the others' embedding rows start from the nearest of them
                    sourceElements: plan ? null : sourceTrainedElements(fineTune.source),
                  }
                : null,
            },
            { signal: job.signal, onEvent, onProgress: (d, t, m) => job.progress(d, t, m) },
          );
        },
        a.jobId,
      )
      .then(finish)
      .catch(async (err: unknown) => {
        const e = err as { name?: string; message?: string };
        if (a.takenOver || err instanceof RunTakenOverError) await emitStatus(runId);
        else if (a.stop === 'cancel') await setStatus(runId, 'cancelled', { finished: true });
        else if (e?.name === 'CancelledError') await interrupt(runId);
        // a training thread died (a data-parallel replica, or the compute worker): the last checkpoint stands, resume from it
        else if (e?.name === 'WorkerLostError' || e?.name === 'WorkerError') await setStatus(runId, 'interrupted', { error: e.message ?? String(err) });
        else await setStatus(runId, 'failed', { error: e?.message ?? String(err), finished: true });
      })
      .catch(() => undefined)
      .finally(() => runs.delete(runId));
    // the core's close waits for the run's last writes
    core.jobs.whileEnding(ended);
  };

  /** A run that cannot even be handed to a worker (e.g. its dataset was deleted) fails with the reason. */
  const launchOrFail = async (runId: number, resume: Uint8Array | null, elapsed: number, workers: number | null, fineTune?: FineTuneLaunch) => {
    try {
      await launch(runId, resume, elapsed, workers, fineTune);
    } catch (err) {
      runs.delete(runId);
      await setStatus(runId, 'failed', { error: (err as Error).message, finished: true });
      throw err;
    }
  };

  /**
   * A potential's run (config `kind: 'potential'`) on a frames dataset whose structures carry
   * energies (and forces, stresses): trained in a compute worker by the pipeline of `latticework
   * train --preset *-potential` (workers/train-potential.ts), recorded with the same metric keys.
   */
  const startPotential = async (datasetId: number, input: Record<string, unknown>, name: string | undefined, tags: string[] | undefined, members: number, fineTune?: FineTuneLaunch): Promise<RunRecord> => {
    let config: PotentialConfig;
    try {
      config = parsePotentialConfig(input);
    } catch (e) {
      if (e instanceof PotentialConfigError) throw new UserError(`invalid config: ${e.issues.join('; ')}`);
      throw e;
    }
    // a fine-tuning run's config is its source's model with this request's training section: only that section is checked
    const unknown = unknownGivenFields(input, config, fineTune !== undefined);
    if (unknown.length) throw new UserError(`invalid config: ${issueLines(unknown).join('; ')}`, unknown);
    // a depth the potential does not have is refused as a property model's is
    if (fineTune) await userErrors(async (ft) => ft.checkFreezeDepth(fineTune.source.header.name, config, fineTune.freeze));
    const dataset = await getDataset(core, datasetId);
    const labels = dataset.report.frames?.labels;
    if (dataset.kind !== 'frames' || !labels) throw new UserError(`a potential trains on frames with energies and forces: dataset ${dataset.name} is a ${dataset.kind} dataset (import the frames as kind 'frames', e.g. an extended XYZ with energies)`);
    if (labels.energy === 0 && labels.forces === 0) throw new UserError(`dataset ${dataset.name} has neither energies nor forces to train a potential on`);
    const runId = await core.db.transaction((tx) =>
      insertRun(tx, {
        name: name ?? `${fineTune ? `${fineTune.source.header.name} fine-tuned` : (config.preset ?? `${config.architecture} potential`)}${members > 1 ? ` ensemble of ${members}` : ''} on ${dataset.name}`,
        datasetId,
        datasetName: dataset.name,
        targetUnit: dataset.targetUnit,
        status: 'queued',
        config: config as unknown as Record<string, unknown>,
        seed: config.training.seed,
        // an ensemble's members train one after the other: epochs count over all of them
        epochsPlanned: config.training.epochs * members,
        tags: [...(tags ?? ['potential']), ...trainingTags({ members, fineTunedFrom: fineTune ? { model: fineTune.source.header.name, freeze: fineTune.freeze, head: fineTune.head } : null })],
      }),
    );
    await launchOrFail(runId, null, 0, 1, fineTune);
    const run = await getRun(core, runId);
    core.events.emit('training', 'onStatus', run);
    return run;
  };

  return {
    async start({ datasetId, config, name, tags, workers, from, freeze, head, ensemble }) {
      if ((freeze !== undefined || head !== undefined) && from === undefined) throw new UserError('freeze and head apply to a fine-tuning run: give the model it starts from (from)');
      if (from === undefined && isPotentialConfig(config)) return startPotential(datasetId, config, name, tags, ensemble ?? 1);
      const source = from === undefined ? null : await loadSourceModel(core, from);
      const dataset = await getDataset(core, datasetId);
      if (source?.header.task === 'potential') {
        // a potential fine-tunes as a potential run: its architecture and weights, this request's training settings
        if (head !== undefined) throw new UserError(`head applies to property models: a potential's energy head is always kept`);
        const potentialConfig = fineTunedPotentialInput(source.header.config, config.training);
        return startPotential(datasetId, potentialConfig, name, tags, ensemble ?? 1, await fineTuneStart(source, config, dataset.targetKey, freeze ?? 0, 'auto'));
      }
      if (ensemble !== undefined && ensemble > 1) throw new UserError(`an ensemble of ${ensemble} applies to potentials (a config of kind 'potential', or a stored potential to fine-tune): a property model's ensemble is a k-fold run (training.kFold)`);
      const fineTune = source ? await fineTuneStart(source, config, dataset.targetKey, freeze ?? 0, head ?? 'auto') : undefined;
      // a fine-tuning run's config is its source's with this request's training section (and head): that section is checked
      const plan = fineTune?.plan;
      const unknown = plan ? unknownGivenFields(config, plan.config, true) : [];
      const check = plan ? { ok: unknown.length === 0, config: plan.config as unknown as Record<string, unknown>, issues: unknown } : await checkConfig(config);
      if (!check.ok || !check.config) throw new UserError(`invalid config: ${issueLines(check.issues).join('; ')}`, check.issues);
      const cfg = check.config as { training: { kFold: number | null; seed: number; epochs: number }; model: { head: { kind: string } }; architecture: string };
      if (cfg.model.head.kind === 'per-atom') {
        const keys = dataset.report.perAtomKeys;
        if (keys.length === 0) throw new UserError(`a per-atom head needs per-atom arrays: dataset ${dataset.name} has none (import an extended XYZ with e.g. forces)`);
        const width = await perAtomWidth(core, datasetId, keys[0]);
        const numTargets = (cfg.model.head as { numTargets?: number }).numTargets;
        if (numTargets !== width) throw new UserError(`${keys[0]} has ${width} value${width > 1 ? 's' : ''} per atom: set model.head.numTargets to ${width}`);
      }
      const runId = await core.db.transaction((tx) =>
        insertRun(tx, {
          name: name ?? (fineTune ? `${fineTune.source.header.name} fine-tuned on ${dataset.name}` : ''),
          datasetId,
          datasetName: dataset.name,
          targetUnit: fineTune?.plan?.targets?.[0]?.unit ?? runTargetUnit(dataset, cfg.model.head.kind === 'per-atom' ? (dataset.report.perAtomKeys[0] ?? null) : null),
          status: 'queued',
          config: check.config!,
          seed: cfg.training.seed,
          epochsPlanned: cfg.training.epochs * (cfg.training.kFold ?? 1),
          tags: [...(tags ?? []), ...trainingTags({ fineTunedFrom: fineTune ? { model: fineTune.source.header.name, freeze: fineTune.freeze, head: fineTune.head } : null })],
        }),
      );
      await launchOrFail(runId, null, 0, workers ?? null, fineTune);
      const run = await getRun(core, runId);
      core.events.emit('training', 'onStatus', run);
      return run;
    },

    async pause({ runId }) {
      const row = await getRunRow(core, runId);
      const a = runs.get(runId);
      if (!a || (row.status !== 'running' && row.status !== 'queued')) throw new UserError(`run ${runId} is ${row.status}: only a running run can be paused`);
      Atomics.store(a.control, 0, CONTROL_PAUSE);
      if (a.segmentStart !== null) {
        a.elapsed += (Date.now() - a.segmentStart) / 1000;
        a.segmentStart = null;
      }
      a.lastBatchAt = null;
      await setStatus(runId, 'paused');
      return getRun(core, runId);
    },

    async resume({ runId }) {
      const row = await getRunRow(core, runId);
      const a = runs.get(runId);
      if (a && row.status === 'paused') {
        if (a.started) a.segmentStart = Date.now();
        Atomics.store(a.control, 0, CONTROL_RUN);
        await setStatus(runId, 'running');
        return getRun(core, runId);
      }
      const elsewhere = a ? null : await workOfAnother(core.db, 'run', runId, `run ${runId} is being trained`, 'resume it there');
      if (elsewhere) throw new UserError(elsewhere);
      if (row.status !== 'interrupted' && !(row.status === 'paused' && !a)) throw new UserError(`run ${runId} is ${row.status}: only paused or interrupted runs can be resumed`);
      const record = await getRun(core, runId);
      const refusal = resumeRefusal(record, commandLineDatabase(core.db.path));
      if (refusal) throw new UserError(refusal);
      // a fine-tuning run with no checkpoint starts again from its source, as it started (a checkpoint holds its start);
      // asked before the rewind (which reads the checkpoint once), so that a refused source leaves the run as it was
      const fineTune = (await core.db.read((tx) => hasLastCheckpoint(tx, runId))) ? undefined : await fineTuneStartOfRun(core, row, record.tags);
      const ckpt = await rewindToLastCheckpoint(core.db, runId);
      // the workers it trained with, so that the resumed run continues the same numbers
      await launchOrFail(runId, ckpt?.data ?? null, row.duration, ckpt ? row.workers : null, fineTune);
      const run = await getRun(core, runId);
      core.events.emit('training', 'onStatus', run);
      return run;
    },

    async cancel({ runId, keepBest }) {
      const row = await getRunRow(core, runId);
      const a = runs.get(runId);
      if (a) {
        a.stop ??= 'cancel';
        Atomics.store(a.control, 0, keepBest ? CONTROL_CANCEL_KEEP : CONTROL_CANCEL);
        if (row.status === 'paused') a.segmentStart = null;
        return getRun(core, runId);
      }
      if (row.status === 'interrupted' || row.status === 'paused' || row.status === 'queued' || row.status === 'running') {
        const elsewhere = await workOfAnother(core.db, 'run', runId, `run ${runId} is being trained`, 'cancel it there');
        if (elsewhere) throw new UserError(elsewhere);
        await setStatus(runId, 'cancelled', { finished: true });
        return getRun(core, runId);
      }
      throw new UserError(`run ${runId} is ${row.status}: there is nothing to cancel`);
    },
  };
}

/** A fine-tuning run's start: the stored model, the plan made from it (engine/train/finetune; null for a potential), the frozen depth and the head chosen. */
interface FineTuneLaunch {
  source: ModelFileData;
  plan: FineTunePlan | null;
  freeze: number;
  head: HeadChoice;
}

/** The engine's fine-tuning module, loaded when a fine-tuning run starts (it loads tfjs through the registry). */
const finetuneModule = () => import('../engine/train/finetune');

/**
 * Plans a property model's fine-tuning run from `source` on a dataset whose target is `targetKey`:
 * `overrides` (the request's config) may set `training` and `model.head`. Refusals reach the user.
 */
async function planFineTuneRun(source: ModelFileData, overrides: Record<string, unknown>, targetKey: string, freeze: number, head: HeadChoice): Promise<FineTuneLaunch> {
  return userErrors(async (ft) => ({ source, plan: ft.planFineTune(source, ft.fineTuneConfig(source, overrides), [targetKey], { freeze, head }), freeze, head }));
}

/**
 * A fine-tuning run's start from `source`, when it starts and when it is resumed with no checkpoint: a potential's
 * (its weights; `overrides` and `head` are a property model's), or a property model's plan (planFineTuneRun).
 */
async function fineTuneStart(source: ModelFileData, overrides: Record<string, unknown>, targetKey: string, freeze: number, head: HeadChoice): Promise<FineTuneLaunch> {
  return source.header.task === 'potential' ? { source, plan: null, freeze, head } : planFineTuneRun(source, overrides, targetKey, freeze, head);
}

/**
 * The start of the fine-tuning run `row` (its tags: from:<model>, freeze:<N>, head:<choice>) made again from its source,
 * stored under the name it records (model names are unique), with the run's own training settings, head config and head
 * choice; undefined for a run trained from scratch. A source deleted since is refused, saying which.
 */
async function fineTuneStartOfRun(core: CoreParts, row: RunRow, tags: readonly string[]): Promise<FineTuneLaunch | undefined> {
  const from = fineTunedFrom({ tags });
  if (!from) return undefined;
  const stored = await core.db.read((tx) => tx.get<{ id: number }>('SELECT id FROM model WHERE name = ?', [from.model]));
  if (!stored)
    throw new UserError(`run ${row.id} fine-tunes the model "${from.model}", which is no longer stored, and it stopped before its first checkpoint: it can only start again from that model. Import "${from.model}" again (Models, Import) and resume, or start a new run.`);
  // (a run whose dataset was deleted is refused when it is launched)
  if (row.dataset_id === null) return undefined;
  const dataset = await getDataset(core, row.dataset_id);
  const config = runConfig(row) as { training: Record<string, unknown>; model?: { head?: unknown } };
  // the run's config is the source's with the run's training section and head: those are given again
  const overrides = { training: config.training, model: { head: config.model?.head } };
  return fineTuneStart(await loadSourceModel(core, stored.id), overrides, dataset.targetKey, from.freeze, from.head);
}

/** The stored model a fine-tuning run starts from. */
async function loadSourceModel(core: CoreParts, id: number): Promise<ModelFileData> {
  const { decodeModelFile } = await import('../engine/models/format');
  return decodeModelFile((await loadModelFile(core, id)).bytes);
}

/** Runs `work` with the fine-tuning module; its refusals (FineTuneError) become user errors. */
async function userErrors<T>(work: (ft: Awaited<ReturnType<typeof finetuneModule>>) => Promise<T>): Promise<T> {
  const ft = await finetuneModule();
  try {
    return await work(ft);
  } catch (e) {
    if (e instanceof ft.FineTuneError) throw new UserError(e.message);
    throw e;
  }
}
