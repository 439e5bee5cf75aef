/**
 * The run recorder of `latticework train --db` (the training command's `TrainHooks`): the run,
 * its metrics, checkpoints and model go into the database through the run store, as the app's
 * runs do (a model written to a `--out` file is not stored); a potential's run (`sqlitePotentialRunHooks`) likewise.
 */
import type { Checkpoint } from '../engine/train/checkpoint';
import { encodeCheckpoint } from '../engine/train/checkpoint';
import type { BatchProgress, EpochProgress, TrainingResult } from '../engine/train/trainer';
import type { ModelConfig } from '../../src-shared/model/config';
import type { PotentialConfig } from '../../src-shared/model/potential';
import { databasePath } from '../app/paths';
import { storedModelId } from '../models/store';
import { Database } from '../store/database';
import { RunRecorder } from '../store/runs';
import { thisProcess } from '../store/owners';

/** What `latticework train` tells its recorder (structurally the command's TrainRunInfo). */
export interface CliRunInfo {
  name: string;
  config: ModelConfig;
  dataset: { source: string; structures: number; target: string; perAtom: boolean; unit: string };
  backend: string;
  /** Data-parallel training workers (default 1). */
  workers?: number;
  db?: string;
  /** Tags beside 'cli' (a fine-tuning run: from:<model>, freeze:<N>). */
  tags?: string[];
}

export interface CliTrainHooks {
  onStart(info: CliRunInfo): Promise<void>;
  onBatch(b: BatchProgress): void;
  onEpoch(e: EpochProgress): Promise<void>;
  onCheckpoint(c: Checkpoint, info: { epoch: number; isBest: boolean }): Promise<void>;
  onFinish(r: TrainingResult, model: { location: string | null }): Promise<void>;
  onError(e: Error): Promise<void>;
}

/**
 * The run's model: the stored model the command saved (its id is in the location), or none — a
 * model written to a `--out` file goes there only, not into the database too (docs/training.md
 * "CLI data"), and `--no-save` or a cancelled run keeps none.
 */
function runModel(location: string | null): { modelFile: null; modelId: number | null } {
  return { modelFile: null, modelId: location ? storedModelId(location) : null };
}

/**
 * Records a command-line training run in the database through the run store's `RunRecorder`,
 * as the app records its runs. The run has no dataset row (`dataset_id` NULL, `dataset_name` =
 * the data path). The run is this process's (store/owners.ts): a killed `latticework train` leaves it
 * 'running' until another process that opens the store sees this one gone and marks it interrupted.
 */
export async function sqliteTrainHooks(opts: { db?: string }): Promise<CliTrainHooks> {
  let db: Database | null = null;
  let recorder: RunRecorder | null = null;
  let backend = '';
  let epochsPerFold = 0;
  let started = false;
  const t0 = Date.now();
  const seconds = () => (Date.now() - t0) / 1000;
  const close = async () => {
    await db?.close();
    db = null;
    recorder = null;
  };
  return {
    async onStart(info) {
      db = await Database.open(databasePath(info.db ?? opts.db), { owner: thisProcess('latticework train') });
      backend = info.backend;
      epochsPerFold = info.config.training.epochs;
      recorder = await RunRecorder.create(db, {
        name: info.name,
        datasetId: null,
        datasetName: info.dataset.source,
        targetUnit: info.dataset.unit,
        status: 'running',
        config: info.config as unknown as Record<string, unknown>,
        seed: info.config.training.seed,
        backend,
        workers: info.workers,
        epochsPlanned: info.config.training.epochs * (info.config.training.kFold ?? 1),
        tags: ['cli', ...(info.tags ?? [])],
      });
    },
    onBatch(b) {
      recorder?.batch(b.fold !== null ? { ...b, epoch: b.fold * epochsPerFold + b.epoch } : b);
    },
    async onEpoch(e) {
      recorder?.epoch(e.fold !== null ? { ...e, epoch: e.fold * e.epochs + e.epoch } : e);
    },
    async onCheckpoint(c, info) {
      if (!recorder) return;
      if (!started) await recorder.started(backend, c.split);
      started = true;
      await recorder.checkpoint({ epoch: info.epoch, isBest: info.isBest, metric: c.best?.metric ?? null, bytes: encodeCheckpoint(c) }, seconds());
    },
    async onFinish(r, model) {
      if (!recorder) return;
      if (r.status === 'cancelled') await recorder.status('cancelled', { duration: seconds(), finished: true });
      else {
        await recorder.finish(
          {
            bestEpoch: r.bestEpoch,
            epochsDone: r.history.length,
            valMetrics: r.val?.metrics ?? {},
            testMetrics: r.test?.metrics ?? {},
            predictions: [],
            ...runModel(model.location),
          },
          seconds(),
        );
      }
      await close();
    },
    async onError(e) {
      try {
        await recorder?.status('failed', { error: e.message, finished: true, duration: seconds() });
      } finally {
        await close();
      }
    },
  };
}

/** What `latticework train` with a potential tells its recorder (src-main/cli/commands/train-potential.ts). */
export interface PotentialRunInfo {
  name: string;
  config: PotentialConfig;
  /** The data file, as given. */
  datasetName: string;
  backend: string;
  /** Planned epochs over all ensemble members. */
  epochsPlanned: number;
  split: { train: number[]; val: number[]; test: number[] };
  tags: string[];
}

export interface PotentialRunHooks {
  /** `epoch` counts over all ensemble members (member k's epoch e is k · epochs + e), as k-fold runs do. */
  onBatch(b: { epoch: number; batch: number; batches: number; loss: number; lr: number }): void;
  onEpoch(e: { epoch: number; lr: number; trainLoss: number; seconds: number; structuresPerSecond: number; atomsPerSecond: number; isBest: boolean; score: number; val: Record<string, number>; train: Record<string, number> }): Promise<void>;
  onFinish(out: { cancelled: boolean; bestEpoch: number; epochsDone: number; val: Record<string, number>; test: Record<string, number>; location: string | null }): Promise<void>;
  onError(e: Error): Promise<void>;
}

/**
 * Records a potential's training run in the database through the same `RunRecorder` (so it is
 * listed by `latticework runs` and the app's runs table), with the metric keys of
 * docs/potentials.md ("Runs"). No checkpoints are kept (a potential run does not resume); the
 * trained model goes into the model table as the run's model (unless it was written to a `--out` file).
 */
export async function sqlitePotentialRunHooks(db: string | undefined, info: PotentialRunInfo): Promise<PotentialRunHooks> {
  const database = await Database.open(databasePath(db), { owner: thisProcess('latticework train') });
  const t0 = Date.now();
  const seconds = () => (Date.now() - t0) / 1000;
  let open = true;
  const close = async () => {
    if (open) await database.close();
    open = false;
  };
  let recorder: RunRecorder;
  try {
    recorder = await RunRecorder.create(database, {
      name: info.name,
      datasetId: null,
      datasetName: info.datasetName,
      // a potential learns energies (and forces, stresses) in eV (eV/Å, eV/Å³)
      targetUnit: 'eV',
      status: 'running',
      config: info.config as unknown as Record<string, unknown>,
      seed: info.config.training.seed,
      backend: info.backend,
      epochsPlanned: info.epochsPlanned,
      tags: info.tags,
    });
    await recorder.started(info.backend, info.split);
  } catch (e) {
    await close();
    throw e;
  }
  return {
    onBatch: (b) => recorder.batch(b),
    async onEpoch(e) {
      recorder.epoch({ epoch: e.epoch, lr: e.lr, trainLoss: e.trainLoss, valLoss: null, trainMetrics: e.train, valMetrics: e.val, seconds: e.seconds, structuresPerSecond: e.structuresPerSecond, atomsPerSecond: e.atomsPerSecond, isBest: e.isBest });
      await recorder.checkpoint({ epoch: e.epoch, isBest: e.isBest, metric: e.score, bytes: null }, seconds());
    },
    async onFinish(out) {
      try {
        if (out.cancelled) await recorder.status('cancelled', { duration: seconds(), finished: true });
        else {
          await recorder.finish(
            {
              bestEpoch: out.bestEpoch,
              epochsDone: out.epochsDone,
              valMetrics: out.val,
              testMetrics: out.test,
              predictions: [],
              ...runModel(out.location),
            },
            seconds(),
          );
        }
      } finally {
        await close();
      }
    },
    async onError(e) {
      if (!open) return; // the error came from recording the end itself
      try {
        await recorder.status('failed', { error: e.message, finished: true, duration: seconds() });
      } finally {
        await close();
      }
    },
  };
}
