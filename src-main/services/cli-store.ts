/**
 * The run recorder of `latticework train --db` (the training command's `TrainHooks`): the run,
 * its metrics, checkpoints and model go into the database through the run store, as the app's
 * runs do.
 */
import { readFileSync } from 'node:fs';
import type { Checkpoint } from '../engine/train/checkpoint';
import { encodeCheckpoint } from '../engine/train/checkpoint';
import type { BatchProgress, EpochProgress, TrainingResult } from '../engine/train/trainer';
import type { ModelConfig } from '../../src-shared/model/config';
import { databasePath } from '../app/paths';
import { storedModelId } from '../models/store';
import { Database } from '../store/database';
import { RunRecorder } from '../store/runs';

/** What `latticework train` tells its recorder (structurally the command's TrainRunInfo). */
export interface CliRunInfo {
  name: string;
  config: ModelConfig;
  dataset: { source: string; structures: number; target: string; perAtom: boolean };
  backend: string;
  /** Data-parallel training workers (default 1). */
  workers?: number;
  db?: string;
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
 * Records a command-line training run in the database through the run store's `RunRecorder`,
 * as the app records its runs. The run has no dataset row (`dataset_id` NULL, `dataset_name` =
 * the data path); a killed `latticework train` leaves it 'running' until the next app start
 * marks it interrupted.
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
      db = await Database.open(databasePath(info.db ?? opts.db));
      backend = info.backend;
      epochsPerFold = info.config.training.epochs;
      recorder = await RunRecorder.create(db, {
        name: info.name,
        datasetId: null,
        datasetName: info.dataset.source,
        status: 'running',
        config: info.config as unknown as Record<string, unknown>,
        seed: info.config.training.seed,
        backend,
        workers: info.workers,
        epochsPlanned: info.config.training.epochs * (info.config.training.kFold ?? 1),
        tags: ['cli'],
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
        // the model went to this database (its id is in the location) or to a file (stored here too)
        const loc = model.location;
        const inStore = loc ? storedModelId(loc) : null;
        await recorder.finish(
          {
            bestEpoch: r.bestEpoch,
            epochsDone: r.history.length,
            valMetrics: r.val?.metrics ?? {},
            testMetrics: r.test?.metrics ?? {},
            predictions: [],
            modelFile: loc && inStore === null ? new Uint8Array(readFileSync(loc)) : null,
            modelId: inStore,
          },
          seconds(),
        );
      }
      await close();
    },
    async onError(e) {
      await recorder?.status('failed', { error: e.message, finished: true, duration: seconds() });
      await close();
    },
  };
}
