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
import { getRunRow, rewindToLastCheckpoint, RunRecorder, toRunDetail, type NewRun } from '../store/runs';
import { thisProcess, workOfAnother } from '../store/owners';
import { commandLineResumeRefusal, TRAIN_AGAIN, type RunDetail, type TrainCommandRecord } from '../../src-shared/ipc/services/training';

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
  /** How it read its data and where its model goes, recorded with the run (`train --resume`). */
  trainCommand?: TrainCommandRecord;
}

export interface CliTrainHooks {
  onStart(info: CliRunInfo): Promise<void>;
  /** The id of the run recorded (null before `onStart` records it). */
  runId(): number | null;
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

/** A command-line run being recorded: its store, its recorder, and its clock (seconds of training before this process, `duration`). */
interface CliRecording {
  db: Database;
  recorder: RunRecorder;
  backend: string;
  epochsPerFold: number;
  /** Whether the split has been recorded (at the first checkpoint). */
  started: boolean;
  duration: number;
  t0: number;
}

/**
 * The hooks recording `run()`'s run (null until it exists: a new run is created by `onStart`), and
 * closing its store at the end. A new run's and a resumed one's (`sqliteRunToResume`) alike.
 */
function recordingHooks(run: () => CliRecording | null, onStart: (info: CliRunInfo) => Promise<void>, close: () => Promise<void>): CliTrainHooks {
  const seconds = (r: CliRecording) => r.duration + (Date.now() - r.t0) / 1000;
  return {
    onStart,
    runId: () => run()?.recorder.runId ?? null,
    onBatch(b) {
      const r = run();
      r?.recorder.batch(b.fold !== null ? { ...b, epoch: b.fold * r.epochsPerFold + b.epoch } : b);
    },
    async onEpoch(e) {
      run()?.recorder.epoch(e.fold !== null ? { ...e, epoch: e.fold * e.epochs + e.epoch } : e);
    },
    async onCheckpoint(c, info) {
      const r = run();
      if (!r) return;
      if (!r.started) await r.recorder.started(r.backend, c.split);
      r.started = true;
      // a k-fold run's epochs count over all folds, as its metrics' do
      const epoch = c.kFold ? c.kFold.fold * r.epochsPerFold + info.epoch : info.epoch;
      await r.recorder.checkpoint({ epoch, isBest: info.isBest, metric: c.best?.metric ?? null, bytes: encodeCheckpoint(c) }, seconds(r));
    },
    async onFinish(result, model) {
      const r = run();
      if (!r) return;
      if (result.status === 'cancelled') await r.recorder.status('cancelled', { duration: seconds(r), finished: true });
      else {
        await r.recorder.finish(
          {
            bestEpoch: result.bestEpoch,
            // a resumed run's history holds the epochs before it too
            epochsDone: result.history.length,
            valMetrics: result.val?.metrics ?? {},
            testMetrics: result.test?.metrics ?? {},
            predictions: [],
            ...runModel(model.location),
          },
          seconds(r),
        );
      }
      await close();
    },
    async onError(e) {
      const r = run();
      try {
        await r?.recorder.status('failed', { error: e.message, finished: true, duration: seconds(r) });
      } finally {
        await close();
      }
    },
  };
}

/** Where a property model's run stores its model (the name it reserves, store/runs.ts `reserveModelName`): in the store unless --out or --no-save. */
function storesModel(cmd: TrainCommandRecord | undefined): NewRun['storesModel'] {
  return cmd && cmd.out === null && !cmd.noSave ? { name: cmd.model, force: cmd.force } : null;
}

/**
 * Records a command-line training run in the database through the run store's `RunRecorder`,
 * as the app records its runs. The run has no dataset row (`dataset_id` NULL, `dataset_name` =
 * the data path) and records how it read its data (`train_command`). The run is this process's (store/owners.ts): a killed `latticework train` leaves it
 * 'running' until another process that opens the store sees this one gone and marks it interrupted.
 */
export async function sqliteTrainHooks(opts: { db?: string }): Promise<CliTrainHooks> {
  let db: Database | null = null;
  let run: CliRecording | null = null;
  const t0 = Date.now();
  const close = async () => {
    await db?.close();
    db = null;
    run = null;
  };
  return recordingHooks(
    () => run,
    async (info) => {
      db = await Database.open(databasePath(info.db ?? opts.db), { owner: thisProcess('latticework train') });
      const recorder = await RunRecorder.create(db, {
        name: info.name,
        datasetId: null,
        datasetName: info.dataset.source,
        targetUnit: info.dataset.unit,
        status: 'running',
        config: info.config as unknown as Record<string, unknown>,
        seed: info.config.training.seed,
        backend: info.backend,
        workers: info.workers,
        epochsPlanned: info.config.training.epochs * (info.config.training.kFold ?? 1),
        tags: ['cli', ...(info.tags ?? [])],
        trainCommand: info.trainCommand ?? null,
        storesModel: storesModel(info.trainCommand),
      });
      run = { db, recorder, backend: info.backend, epochsPerFold: info.config.training.epochs, started: false, duration: 0, t0 };
    },
    close,
  );
}

/** An interrupted run of `latticework train` this process may continue (`train --resume`): its record, until it is taken or left. */
export interface CliRunToResume {
  run: RunDetail & { trainCommand: TrainCommandRecord };
  /**
   * Takes the run for this process: rewinds it to its last checkpoint (one that `continues` the run;
   * else to its start) and records the rest of it. Returns that checkpoint (null: none) and the hooks;
   * their `onStart` records nothing (the run is there), and the end closes the store.
   */
  take(continues: (checkpoint: Uint8Array) => boolean): Promise<{ checkpoint: Uint8Array | null; hooks: CliTrainHooks }>;
  /** Leaves the run as it is (a refusal after its record was read: the data changed) and closes the store. */
  close(): Promise<void>;
}

/**
 * Opens the store (`--db`) for `latticework train --resume RUN`: the run must be an interrupted run
 * of `latticework train` that recorded how it read its data (`commandLineResumeRefusal`), and no other
 * live process's (as the app's `training.resume` checks). Refusals are errors saying why.
 */
export async function sqliteRunToResume(opts: { db?: string }, runId: number): Promise<CliRunToResume> {
  const db = await Database.open(databasePath(opts.db), { owner: thisProcess('latticework train') });
  // once taken, the hooks close the store at the run's end
  let taken = false;
  const close = async () => {
    if (!taken) await db.close();
  };
  try {
    const row = await db.read((tx) => getRunRow(tx, runId));
    if (!row) throw new Error(`there is no run ${runId} in ${db.path} (\`latticework runs\` lists its runs)`);
    const run = toRunDetail(row);
    const refusal = commandLineResumeRefusal(run);
    if (refusal) throw new Error(refusal);
    const elsewhere = await workOfAnother(db, 'run', runId, `run ${runId} is being trained`, 'it goes on there');
    if (elsewhere) throw new Error(elsewhere);
    if (row.status !== 'interrupted')
      throw new Error(`run ${runId} is ${row.status}: only an interrupted run (its process killed) can be resumed${row.status === 'cancelled' || row.status === 'failed' ? `; ${TRAIN_AGAIN}` : ''}`);
    return {
      run: run as CliRunToResume['run'],
      async take(continues) {
        taken = true;
        const ckpt = await rewindToLastCheckpoint(db, runId, continues);
        const recorder = await RunRecorder.resume(db, row);
        await recorder.status('running');
        const recording: CliRecording = { db, recorder, backend: row.backend, epochsPerFold: (run.config as { training: { epochs: number } }).training.epochs, started: false, duration: row.duration, t0: Date.now() };
        let open = true;
        const hooks = recordingHooks(
          () => (open ? recording : null),
          async (info) => {
            recording.backend = info.backend;
          },
          async () => {
            if (open) await db.close();
            open = false;
          },
        );
        return { checkpoint: ckpt?.data ?? null, hooks };
      },
      close,
    };
  } catch (e) {
    await close();
    throw e;
  }
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
  /** The name it stores its model under in the store, reserved as the run is recorded, and --force; null: --out or --no-save. */
  storesModel: NewRun['storesModel'];
}

export interface PotentialRunHooks {
  /** The id of the run recorded. */
  runId: number;
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
      storesModel: info.storesModel,
    });
    await recorder.started(info.backend, info.split);
  } catch (e) {
    await close();
    throw e;
  }
  return {
    runId: recorder.runId,
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
