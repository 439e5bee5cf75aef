/**
 * Training runs in the store: every statement that writes or reads the `run`, `metric`,
 * `checkpoint` and `prediction` tables. The app's training service and `latticework train`
 * record through one {@link RunRecorder}; the runs service (the app's runs table) and
 * `latticework runs` read through {@link listRuns} and {@link toRunRecord}. A run recorded
 * from the command line therefore looks in the app exactly like one started there (same
 * metric keys, checkpoints, best metrics), and the other way round.
 *
 * What a run writes, as the training job reports it:
 * - the run row (name, config, seed, planned epochs, status) when it is created;
 * - per batch `batch_loss`, `batch_lr` (step = epoch · batches + batch), per epoch
 *   `train_loss`, `val_loss`, `lr`, `epoch_seconds`, `structures_per_second` (potentials also
 *   `atoms_per_second`), `train_<metric>`, `val_<metric>` (step = epoch), kept in memory until the
 *   epoch's checkpoint;
 * - after every epoch, in ONE transaction: those metrics, the last checkpoint (and the best one
 *   when the epoch is the new best), `epochs_done`, the duration and the best metrics. A process
 *   killed at any moment therefore leaves a run whose last checkpoint matches `epochs_done`;
 * - when it ends: `test_<metric>` at the best epoch, the predictions of every split (when the
 *   structures are in the store), the best model (table `model`, origin 'trained') and the final
 *   status, duration and best metrics.
 *
 * Epochs are counted from 0 here and in every JSON document (`best_epoch`, `bestEpoch`), as the
 * engine counts them; the text the command line prints counts from 1.
 */
import type { ExternalRunInfo, MetricPoint, PredictionPoint, RunOrigin, RunDetail, RunRecord, RunStatus, TrainCommandRecord } from '../../src-shared/ipc/contract';
import { ACTIVE_RUN_STATUSES } from '../../src-shared/ipc/services/training';
import type { EpochRecord } from '../engine/train/checkpoint';
import { parseJson, type Database, type SqlValue, type Tx } from './database';
import { builtinNameProblem, insertModel, replaceModelFile } from './models';
import { LEASE_TIMEOUT_MS, ownerFor, takenOverBy } from './owners';

export interface RunRow {
  id: number;
  name: string;
  dataset_id: number | null;
  dataset_name: string;
  target_unit: string | null;
  status: RunStatus;
  config: string;
  split: string | null;
  seed: number;
  backend: string;
  workers: number;
  epochs_done: number;
  epochs_planned: number;
  best_metrics: string;
  started_at: number;
  finished_at: number | null;
  duration: number;
  tags: string;
  notes: string;
  archived: number;
  error: string | null;
  model_id: number | null;
  origin: RunOrigin;
  /** JSON ExternalRunInfo of an external run, else null. */
  external: string | null;
  /** JSON TrainCommandRecord of a run of `latticework train` (schema version 19), else null. */
  train_command: string | null;
  /** The name a run of `latticework train` stores its model under in the store, reserved while the run is active (schema version 21), else null. */
  reserved_model_name: string | null;
}


// ---------------------------------------------------------------- reading

/** Architecture, preset and key hyper-parameters of a config, for the runs table (a potential's: features = model.features, cutoff = radial.cutoff). */
export function runSummary(config: Record<string, unknown>): RunRecord['summary'] {
  const c = config as {
    architecture?: string;
    preset?: string;
    model?: { numLayers?: number; atomFeatures?: number; features?: number; hiddenFeatures?: number; readout?: string };
    graph?: { cutoff?: number; maxNeighbors?: number };
    radial?: { cutoff?: number };
    training?: { optimizer?: { kind?: string; lr?: number }; batchSize?: number; epochs?: number; weightDecay?: number };
  };
  return {
    architecture: c.architecture ?? null,
    preset: c.preset ?? null,
    optimizer: c.training?.optimizer?.kind ?? null,
    lr: c.training?.optimizer?.lr ?? null,
    batchSize: c.training?.batchSize ?? null,
    epochs: c.training?.epochs ?? null,
    layers: c.model?.numLayers ?? null,
    features: c.model?.atomFeatures ?? c.model?.features ?? null,
    hidden: c.model?.hiddenFeatures ?? null,
    readout: c.model?.readout ?? null,
    cutoff: c.graph?.cutoff ?? c.radial?.cutoff ?? null,
    maxNeighbors: c.graph?.maxNeighbors ?? null,
  };
}

export function toRunRecord(r: RunRow): RunRecord {
  return runRecord(r, runConfig(r));
}

/** The run's record and its config, the config parsed once. */
export function toRunDetail(r: RunRow): RunDetail {
  const config = runConfig(r);
  return { ...runRecord(r, config), config };
}

function runRecord(r: RunRow, config: { training?: { kFold?: number | null } }): RunRecord {
  const split = parseJson<{ train: number[]; val: number[]; test: number[]; overlap?: string[] } | null>(r.split, null);
  // a k-fold run records its folds' data as one training set: each fold validates on its own part of it
  const sizes = split && !config.training?.kFold ? { train: split.train.length, validation: split.val.length, test: split.test.length } : null;
  return {
    id: r.id,
    name: r.name,
    datasetId: r.dataset_id ?? 0,
    datasetName: r.dataset_name,
    targetUnit: r.target_unit,
    status: r.status,
    summary: { ...runSummary(config), duplicatesAcrossSplits: split?.overlap?.length ?? null },
    split: sizes,
    bestMetrics: parseJson(r.best_metrics, {}),
    backend: r.backend,
    workers: r.workers,
    seed: r.seed,
    epochsDone: r.epochs_done,
    epochsPlanned: r.epochs_planned,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    duration: r.duration,
    tags: parseJson(r.tags, []),
    notes: r.notes,
    archived: r.archived !== 0,
    error: r.error,
    origin: r.origin,
    external: externalInfo(r.external),
    trainCommand: parseJson<TrainCommandRecord | null>(r.train_command, null),
  };
}

/**
 * The external run trained from the export whose export.json has SHA-256 `exportSha256` and started at `startedAt` (ms), if one
 * is stored: its status, epochs and model (an `interrupted` one was imported while its job had not ended, and can be updated).
 */
export async function externalRunFrom(
  tx: Tx,
  exportSha256: string,
  startedAt: number,
): Promise<{ id: number; name: string; status: RunStatus; epochsDone: number; modelId: number | null } | undefined> {
  const rows = await tx.all<{ id: number; name: string; status: RunStatus; epochs_done: number; model_id: number | null; external: string }>(
    "SELECT id, name, status, epochs_done, model_id, external FROM run WHERE origin = 'external' AND started_at = ? ORDER BY id",
    [startedAt],
  );
  const r = rows.find((x) => externalInfo(x.external)?.exportSha256 === exportSha256);
  return r && { id: r.id, name: r.name, status: r.status, epochsDone: r.epochs_done, modelId: r.model_id };
}

/** An external run's JSON as stored: runs imported before session 40 hold `importedAt` in epoch ms, given as ISO 8601 like every other time. */
function externalInfo(json: string | null): ExternalRunInfo | null {
  const info = parseJson<(Omit<ExternalRunInfo, 'importedAt'> & { importedAt: string | number }) | null>(json, null);
  return info && { ...info, importedAt: typeof info.importedAt === 'number' ? new Date(info.importedAt).toISOString() : info.importedAt };
}

/** Indices of the dataset's items in each split, as the run stored them (null before training started). */
export function runSplit(r: RunRow): { train: number[]; val: number[]; test: number[] } | null {
  return parseJson(r.split, null);
}

export function runConfig(r: RunRow): Record<string, unknown> {
  return parseJson(r.config, {});
}

export async function getRunRow(tx: Tx, id: number): Promise<RunRow | undefined> {
  return tx.get<RunRow>('SELECT * FROM run WHERE id = ?', [id]);
}

/** Runs, newest first. */
export async function listRuns(tx: Tx, opts: { includeArchived?: boolean } = {}): Promise<RunRow[]> {
  return tx.all<RunRow>(`SELECT * FROM run ${opts.includeArchived ? '' : 'WHERE archived = 0'} ORDER BY id DESC`);
}

export async function runMetrics(tx: Tx, ids: number[], keys?: string[]): Promise<MetricPoint[]> {
  const params: (string | number)[] = [...ids];
  let sql = `SELECT run_id, key, step, epoch, value, time FROM metric WHERE run_id IN (${ids.map(() => '?').join(',')})`;
  if (keys && keys.length) {
    sql += ` AND key IN (${keys.map(() => '?').join(',')})`;
    params.push(...keys);
  }
  sql += ' ORDER BY run_id, key, step';
  const rows = await tx.all<{ run_id: number; key: string; step: number; epoch: number; value: number; time: number }>(sql, params);
  return rows.map((r) => ({ runId: r.run_id, key: r.key, step: r.step, epoch: r.epoch, value: r.value, time: r.time }));
}

export async function runPredictions(tx: Tx, id: number): Promise<PredictionPoint[]> {
  const rows = await tx.all<{ structure_id: number; name: string; split: PredictionPoint['split']; target: number; prediction: number }>(
    "SELECT structure_id, name, split, target, prediction FROM prediction WHERE run_id = ? ORDER BY CASE split WHEN 'test' THEN 0 WHEN 'validation' THEN 1 ELSE 2 END, rowid",
    [id],
  );
  return rows.map((r) => ({ structureId: r.structure_id, name: r.name, split: r.split, target: r.target, prediction: r.prediction }));
}

/** Whether a run has a last checkpoint, without reading it (it holds the model's weights). */
export async function hasLastCheckpoint(tx: Tx, runId: number): Promise<boolean> {
  return (await tx.get("SELECT 1 FROM checkpoint WHERE run_id = ? AND kind = 'last'", [runId])) !== undefined;
}

/** The last checkpoint of a run (what `resume` continues from). */
export async function lastCheckpoint(tx: Tx, runId: number): Promise<{ epoch: number; data: Uint8Array } | undefined> {
  const row = await tx.get<{ epoch: number; data: Uint8Array }>("SELECT epoch, data FROM checkpoint WHERE run_id = ? AND kind = 'last'", [runId]);
  return row && { epoch: row.epoch, data: new Uint8Array(row.data) };
}

// ---------------------------------------------------------------- `latticework runs --json`

/** One entry of `latticework runs --json` (a product surface: the names stay). */
export interface RunListEntry {
  id: number;
  name: string;
  status: RunStatus;
  /** The dataset's name in the store, or the folder or file a command-line run read. */
  dataset: string;
  /** The unit of the target the run learns, as recorded when it started ('eV/atom'; a potential's 'eV'; '' none; null: recorded before units were). */
  targetUnit: string | null;
  architecture: string | null;
  preset: string | null;
  /** Epochs trained so far (all folds of a k-fold run). */
  epochs: number;
  epochsPlanned: number;
  /** Epoch of the best validation metric, counted from 0; null before the first epoch. */
  bestEpoch: number | null;
  /** Best validation metrics (`val_mae`, `val_rmse`, …, `val_loss`) and the test metrics of the best model (`test_mae`, …). */
  bestMetrics: Record<string, number>;
  backend: string;
  /** Data-parallel training workers (1: one thread). */
  workers: number;
  seed: number;
  tags: string[];
  /** ISO 8601. */
  startedAt: string;
  finishedAt: string | null;
  /** Seconds of training (pauses excluded). */
  duration: number;
  /** Name of the run's trained model in the store, when it has one. */
  model: string | null;
  error: string | null;
  /** 'local', or 'external': trained elsewhere (PyTorch) and imported with `latticework import-run`. */
  origin: RunOrigin;
  /** Where and how an external run ran (hosts, processes, device, …); null for local runs. */
  external: ExternalRunInfo | null;
}

export async function runListEntries(tx: Tx, opts: { includeArchived?: boolean } = {}): Promise<RunListEntry[]> {
  const rows = await tx.all<RunRow & { model_name: string | null }>(
    `SELECT run.*, model.name AS model_name FROM run LEFT JOIN model ON model.id = run.model_id ${opts.includeArchived ? '' : 'WHERE run.archived = 0'} ORDER BY run.id DESC`,
  );
  return rows.map((r) => {
    const rec = toRunRecord(r);
    const { best_epoch: bestEpoch, ...bestMetrics } = rec.bestMetrics;
    return {
      id: r.id,
      name: r.name,
      status: r.status,
      dataset: r.dataset_name,
      targetUnit: r.target_unit,
      architecture: (rec.summary.architecture as string | null) ?? null,
      preset: (rec.summary.preset as string | null) ?? null,
      epochs: r.epochs_done,
      epochsPlanned: r.epochs_planned,
      bestEpoch: bestEpoch ?? null,
      bestMetrics,
      backend: r.backend,
      workers: r.workers,
      seed: r.seed,
      tags: rec.tags,
      startedAt: new Date(r.started_at).toISOString(),
      finishedAt: r.finished_at === null ? null : new Date(r.finished_at).toISOString(),
      duration: r.duration,
      model: r.model_name,
      error: r.error,
      origin: rec.origin,
      external: rec.external,
    };
  });
}

// ---------------------------------------------------------------- writing

export interface NewRun {
  name: string;
  /** The dataset in the store; null for a command-line run on files. */
  datasetId: number | null;
  datasetName: string;
  /** The unit of the target it learns ('' none, null not known). */
  targetUnit: string | null;
  status: 'queued' | 'running';
  config: Record<string, unknown>;
  seed: number;
  backend?: string;
  /** Data-parallel training workers. */
  workers?: number;
  epochsPlanned: number;
  tags: string[];
  startedAt?: number;
  /** 'external' for a run trained elsewhere and imported (default 'local'), with where and how it ran. */
  origin?: RunOrigin;
  external?: ExternalRunInfo | null;
  /** A run of `latticework train`: how it read its data and where its model goes (to resume it). */
  trainCommand?: TrainCommandRecord | null;
  /**
   * A run of `latticework train` (a property model's or a potential's) that stores its model in the store:
   * the model's name, reserved as the run is inserted (`reserveModelName`), and whether it replaces a
   * stored model of that name (--force). Null: it stores none there (--out, --no-save; the app's runs
   * store under a free name).
   */
  storesModel?: { name: string; force: boolean } | null;
}

/** A run's columns as `run` stores them (JSON encoded, defaults filled, the owner while it is active): its insert and an external run's reopening. */
function runColumns(tx: Tx, run: NewRun) {
  return {
    name: run.name,
    dataset_id: run.datasetId,
    dataset_name: run.datasetName,
    target_unit: run.targetUnit,
    status: run.status,
    config: JSON.stringify(run.config),
    seed: run.seed,
    backend: run.backend ?? '',
    workers: run.workers ?? 1,
    epochs_planned: run.epochsPlanned,
    started_at: run.startedAt ?? Date.now(),
    tags: JSON.stringify([...new Set(run.tags)]),
    origin: run.origin ?? 'local',
    external: run.external ? JSON.stringify(run.external) : null,
    train_command: run.trainCommand ? JSON.stringify(run.trainCommand) : null,
    reserved_model_name: run.storesModel?.name ?? null,
    owner_id: ownerFor(tx, 'run', run.status),
  } satisfies Record<string, SqlValue>;
}

/** Inserts a run; an empty name becomes `<architecture> on <dataset> #<id>`. Returns its id. */
export async function insertRun(tx: Tx, run: NewRun): Promise<number> {
  if (run.storesModel) await reserveModelName(tx, run.storesModel);
  const columns = runColumns(tx, run);
  const names = Object.keys(columns);
  const { lastID } = await tx.run(`INSERT INTO run (${names.join(', ')}) VALUES (${names.map(() => '?').join(', ')})`, Object.values(columns));
  if (!run.name) await tx.run('UPDATE run SET name = ? WHERE id = ?', [`${(run.config as { architecture?: string }).architecture ?? 'model'} on ${run.datasetName} #${lastID}`, lastID]);
  return lastID;
}

/** Why a run of `latticework train` may not start: the name it would store its model under is taken (usage, exit 2). */
export class ModelNameTakenError extends Error {
  override name = 'ModelNameTakenError';
}

/**
 * A run of `latticework train` that stores its model in the store, a property model's or a potential's,
 * reserves the model's name as it is inserted (`run.reserved_model_name`), in that transaction: refused
 * (ModelNameTakenError) when another run that is training now will store its model under the name, a
 * built-in answers to the name (store/models.ts builtinAnsweringTo), or a model of the name is stored
 * (without --force). The name is the run's while it is queued, running or paused; a run that ends
 * failed, cancelled or interrupted leaves it free, a finished one has stored its model under it
 * (docs/database.md "run").
 */
async function reserveModelName(tx: Tx, model: { name: string; force: boolean }): Promise<void> {
  const other = await tx.get<{ id: number }>(
    `SELECT id FROM run WHERE status IN (${ACTIVE_RUN_STATUSES.map(() => '?').join(', ')}) AND reserved_model_name = ? ORDER BY id LIMIT 1`,
    [...ACTIVE_RUN_STATUSES, model.name],
  );
  if (other) throw new ModelNameTakenError(`run ${other.id}, training now, will store its model as "${model.name}"; choose another --name`);
  const builtin = await builtinNameProblem(tx, model.name, 'choose another --name');
  if (builtin) throw new ModelNameTakenError(builtin);
  if (!model.force && (await tx.get('SELECT 1 FROM model WHERE name = ?', [model.name]))) throw new ModelNameTakenError(`a model named "${model.name}" was stored since the name was checked; choose another --name or use --force`);
}

/**
 * Takes an interrupted run for this process to train on from its last checkpoint (one that `continues`
 * the run; else from its start): the app's `training.resume` and `latticework train --resume` alike.
 * Returns that checkpoint (undefined: none).
 */
export async function rewindToLastCheckpoint(db: Database, runId: number, continues: (data: Uint8Array) => boolean = () => true): Promise<{ epoch: number; data: Uint8Array } | undefined> {
  const last = await db.read((tx) => lastCheckpoint(tx, runId));
  const ckpt = last && continues(last.data) ? last : undefined;
  // metrics of the epoch that was cut short (and anything after the checkpoint) are redone
  await db.transaction((tx) => rewindRun(tx, runId, ckpt ? ckpt.epoch + 1 : 0, !!ckpt));
  return ckpt;
}

/**
 * An external run brought back again (imported `interrupted` while its job had not ended; its folder now holds more): its
 * curves, checkpoints and predictions are dropped and its row takes `run`'s fields (its name only when `rename`), to be
 * recorded again under the same id. Its model stays when `keepModel` (the import then replaces its file), else it is deleted
 * (the run now ended as a failure, which keeps no model).
 */
export async function reopenExternalRun(tx: Tx, runId: number, run: NewRun, opts: { rename: boolean; keepModel: boolean }): Promise<void> {
  for (const table of ['metric', 'checkpoint', 'prediction']) await tx.run(`DELETE FROM ${table} WHERE run_id = ?`, [runId]);
  // (the run's model_id is then set to NULL by its foreign key)
  if (!opts.keepModel) await tx.run('DELETE FROM model WHERE id = (SELECT model_id FROM run WHERE id = ?) AND run_id = ?', [runId, runId]);
  const columns = runColumns(tx, run);
  const replaced: (keyof typeof columns)[] = ['status', 'config', 'seed', 'backend', 'workers', 'epochs_planned', 'started_at', 'external', 'owner_id', ...(opts.rename ? (['name'] as const) : [])];
  await tx.run(
    `UPDATE run SET ${replaced.map((c) => `${c} = ?`).join(', ')}, epochs_done = 0, duration = 0, best_metrics = '{}', error = NULL, finished_at = NULL WHERE id = ?`,
    [...replaced.map((c) => columns[c]), runId],
  );
}

/** Prepares an interrupted run for `resume` by this process (its owner from now on): metrics from epoch `from` on and the predictions are dropped. */
export async function rewindRun(tx: Tx, runId: number, from: number, hasCheckpoint: boolean): Promise<void> {
  await tx.run('DELETE FROM metric WHERE run_id = ? AND epoch >= ?', [runId, from]);
  await tx.run('DELETE FROM prediction WHERE run_id = ?', [runId]);
  if (!hasCheckpoint) await tx.run('DELETE FROM checkpoint WHERE run_id = ?', [runId]);
  await tx.run("UPDATE run SET status = 'queued', epochs_done = ?, error = NULL, finished_at = NULL, owner_id = ? WHERE id = ?", [from, tx.ownerId(), runId]);
}

export async function updateRunInfo(tx: Tx, id: number, change: { name?: string; tags?: string[]; notes?: string; archived?: boolean }): Promise<void> {
  if (change.name !== undefined) await tx.run('UPDATE run SET name = ? WHERE id = ?', [change.name, id]);
  if (change.tags !== undefined) await tx.run('UPDATE run SET tags = ? WHERE id = ?', [JSON.stringify([...new Set(change.tags)]), id]);
  if (change.notes !== undefined) await tx.run('UPDATE run SET notes = ? WHERE id = ?', [change.notes, id]);
  if (change.archived !== undefined) await tx.run('UPDATE run SET archived = ? WHERE id = ?', [change.archived ? 1 : 0, id]);
}

export async function deleteRun(tx: Tx, id: number): Promise<boolean> {
  return (await tx.run('DELETE FROM run WHERE id = ?', [id])).changes > 0;
}

/** What the training job reports after each epoch: the engine's epoch record, whether its validation metric is the best so far (and a potential's atoms per second). */
export type EpochReport = EpochRecord & {
  isBest: boolean;
  /** Potentials: training atoms per second (`atoms_per_second`). */
  atomsPerSecond?: number;
};

/** The metric values of an epoch, by key (non-finite values are left out). */
export function epochValues(e: EpochReport): Record<string, number> {
  const values: Record<string, number> = { train_loss: e.trainLoss, lr: e.lr, epoch_seconds: e.seconds, structures_per_second: e.structuresPerSecond };
  if (e.valLoss !== null) values.val_loss = e.valLoss;
  if (e.atomsPerSecond !== undefined) values.atoms_per_second = e.atomsPerSecond;
  for (const [k, v] of Object.entries(e.trainMetrics)) values[`train_${k}`] = v;
  for (const [k, v] of Object.entries(e.valMetrics)) values[`val_${k}`] = v;
  for (const k of Object.keys(values)) if (!Number.isFinite(values[k])) delete values[k];
  return values;
}

/** What the training job returns when it has run to its end. */
export interface RunOutcome {
  /** -1 when no epoch was validated. */
  bestEpoch: number;
  epochsDone: number;
  valMetrics: Record<string, number>;
  testMetrics: Record<string, number>;
  /** Per item of the run's data: split, target and prediction (stored when the item has a structure in the store). */
  predictions: { structureId: number | null; name: string; split: PredictionPoint['split']; target: number; prediction: number }[];
  /** The best model as a `.lwm` file, stored as a trained model of the run; null: no model (or `modelId`). */
  modelFile: Uint8Array | null;
  /** The best model when it is already in the store (it becomes the run's model); with `modelFile`, that stored model's file is replaced by it (its id and name kept). */
  modelId?: number | null;
  /** Where `modelFile`'s name is already stored: it is stored as `NAME (modelNameIfTaken)` (default `run ID`, this run's id). */
  modelNameIfTaken?: string;
}

/** A run this process was training that another live process took over (store/owners.ts `takenOverBy`): nothing more is written to it here. */
export class RunTakenOverError extends Error {
  override name = 'RunTakenOverError';
  constructor(runId: number, by: string) {
    super(
      `run ${runId} was taken over by ${by}: this process did not renew its lease of the store for ${LEASE_TIMEOUT_MS / 1000} s, so the run was ` +
        'marked interrupted and resumed there; this process writes nothing more to it (what it had written until then is kept)',
    );
  }
}

interface PendingMetric {
  key: string;
  step: number;
  epoch: number;
  value: number;
  time: number;
}

/**
 * Records one run as its training job reports it (see the module comment). Metrics are held
 * until the epoch's checkpoint and written with it; `status` and `finish` write whatever is
 * still held first.
 */
export class RunRecorder {
  private pending: PendingMetric[] = [];
  /** `best_epoch`, `val_loss` and `val_<metric>` of the best epoch so far. */
  bestMetrics: Record<string, number>;

  /** `db`: the store, or one transaction of it that every write goes into (`{ transaction: (work) => work(tx) }`: an import-run stores a run whole or not at all). */
  constructor(
    private readonly db: Pick<Database, 'transaction'>,
    readonly runId: number,
    bestMetrics: Record<string, number> = {},
  ) {
    this.bestMetrics = { ...bestMetrics };
  }

  /** Creates the run row and its recorder. */
  static async create(db: Database, run: NewRun): Promise<RunRecorder> {
    return new RunRecorder(db, await db.transaction((tx) => insertRun(tx, run)));
  }

  /** Continues recording a run already in the store (a resumed run). */
  static async resume(db: Database, row: RunRow): Promise<RunRecorder> {
    return new RunRecorder(db, row.id, parseJson(row.best_metrics, {}));
  }

  /**
   * Training has started: the backend, the split (indices into the run's data, with the names that
   * leak across sets) and, when the training job tells them, its data-parallel workers (else those
   * the run was created with stay).
   */
  async started(backend: string, split: { train: number[]; val: number[]; test: number[]; overlap?: string[] }, workers?: number): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.mine(tx);
      await tx.run("UPDATE run SET status = CASE WHEN status = 'queued' THEN 'running' ELSE status END, backend = ?, workers = COALESCE(?, workers), split = ? WHERE id = ?", [
        backend,
        workers ?? null,
        JSON.stringify(split),
        this.runId,
      ]);
    });
  }

  batch(b: { epoch: number; batch: number; batches: number; loss: number; lr: number }, time = Date.now()): void {
    const step = b.epoch * b.batches + b.batch;
    this.pending.push({ key: 'batch_loss', step, epoch: b.epoch, value: b.loss, time }, { key: 'batch_lr', step, epoch: b.epoch, value: b.lr, time });
  }

  /** Holds the epoch's metrics and updates the best metrics; returns the values by key. */
  epoch(e: EpochReport, time = Date.now()): Record<string, number> {
    const values = epochValues(e);
    for (const [key, value] of Object.entries(values)) this.pending.push({ key, step: e.epoch, epoch: e.epoch, value, time });
    if (e.isBest) {
      this.bestMetrics = { best_epoch: e.epoch };
      for (const [k, v] of Object.entries(e.valMetrics)) if (Number.isFinite(v)) this.bestMetrics[`val_${k}`] = v;
      if (e.valLoss !== null && Number.isFinite(e.valLoss)) this.bestMetrics.val_loss = e.valLoss;
    }
    return values;
  }

  /**
   * The end of an epoch, in one transaction: the held metrics, the last checkpoint (`bytes`; null
   * for runs that cannot resume, such as k-fold) and the best one when `isBest`, `epochs_done`,
   * the duration and the best metrics.
   */
  async checkpoint(c: { epoch: number; isBest: boolean; metric: number | null; bytes: Uint8Array | null }, duration: number, time = Date.now()): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.mine(tx);
      await this.flush(tx);
      const put = (kind: 'last' | 'best') =>
        tx.run('INSERT OR REPLACE INTO checkpoint (run_id, kind, epoch, metric, data, created_at) VALUES (?, ?, ?, ?, ?, ?)', [this.runId, kind, c.epoch, c.metric, c.bytes, time]);
      if (c.bytes) await put('last');
      if (c.bytes && c.isBest) await put('best');
      await tx.run('UPDATE run SET epochs_done = ?, duration = ?, best_metrics = ? WHERE id = ?', [c.epoch + 1, duration, JSON.stringify(this.bestMetrics), this.runId]);
    });
  }

  /** A status change (pause, resume, cancel, interruption, failure), with what is held. */
  async status(status: RunStatus, opts: { duration?: number; error?: string; finished?: boolean; finishedAt?: number } = {}): Promise<void> {
    await this.db.transaction(async (tx) => {
      await this.mine(tx);
      await this.flush(tx);
      await tx.run(
        `UPDATE run SET status = ?, owner_id = ?, duration = COALESCE(?, duration), error = COALESCE(?, error)${opts.finished ? ', finished_at = ?' : ''} WHERE id = ?`,
        [status, ownerFor(tx, 'run', status), opts.duration ?? null, opts.error ?? null, ...(opts.finished ? [opts.finishedAt ?? Date.now()] : []), this.runId],
      );
    });
  }

  /**
   * The run has trained to its end: test metrics at the best epoch, predictions, the best model
   * (named in its file's header, else a free name: `modelNameIfTaken`) and status 'finished', in one
   * transaction. Returns the model's id and the name it is stored under. `finishedAt`: when the run ended
   * (ms; now, unless it ended elsewhere: an external run's end as its status.json records it).
   */
  async finish(out: RunOutcome, duration: number, finishedAt = Date.now()): Promise<{ id: number; name: string } | null> {
    const best: Record<string, number> = { ...this.bestMetrics };
    if (out.bestEpoch >= 0) best.best_epoch = out.bestEpoch;
    else delete best.best_epoch;
    for (const [k, v] of Object.entries(out.valMetrics)) if (Number.isFinite(v)) best[`val_${k}`] = v;
    for (const [k, v] of Object.entries(out.testMetrics)) if (Number.isFinite(v)) best[`test_${k}`] = v;
    const now = Date.now();
    return this.db.transaction(async (tx) => {
      await this.mine(tx);
      for (const [k, v] of Object.entries(out.testMetrics)) if (Number.isFinite(v)) this.pending.push({ key: `test_${k}`, step: out.bestEpoch, epoch: out.bestEpoch, value: v, time: now });
      await this.flush(tx);
      await tx.run('DELETE FROM prediction WHERE run_id = ?', [this.runId]);
      const stored = out.predictions.filter((p) => p.structureId !== null);
      for (let i = 0; i < stored.length; i += 150) {
        const part = stored.slice(i, i + 150);
        await tx.run(
          `INSERT INTO prediction (run_id, structure_id, name, split, target, prediction) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
          part.flatMap((p) => [this.runId, p.structureId, p.name, p.split, p.target, p.prediction]),
        );
      }
      let model: { id: number; name: string } | null = null;
      if (out.modelFile && out.modelId != null) model = await replaceModelFile(tx, out.modelId, out.modelFile, now);
      else if (out.modelFile) model = await insertModel(tx, out.modelFile, 'trained', { runId: this.runId, now, ifTaken: out.modelNameIfTaken ?? `run ${this.runId}` });
      else if (out.modelId != null) {
        await tx.run('UPDATE model SET run_id = ? WHERE id = ?', [this.runId, out.modelId]);
        model = (await tx.get<{ id: number; name: string }>('SELECT id, name FROM model WHERE id = ?', [out.modelId])) ?? null;
      }
      const modelId = model?.id ?? null;
      await tx.run("UPDATE run SET status = 'finished', owner_id = NULL, finished_at = ?, duration = ?, epochs_done = ?, best_metrics = ?, model_id = ? WHERE id = ?", [
        finishedAt,
        duration,
        out.epochsDone,
        JSON.stringify(best),
        modelId,
        this.runId,
      ]);
      this.bestMetrics = best;
      return model;
    });
  }

  /** Refuses to write (RunTakenOverError) when another live process has taken the run over. */
  private async mine(tx: Tx): Promise<void> {
    const by = await takenOverBy(tx, 'run', this.runId);
    if (by) throw new RunTakenOverError(this.runId, by);
  }

  private async flush(tx: Tx): Promise<void> {
    const rows = this.pending.splice(0);
    for (let i = 0; i < rows.length; i += 150) {
      const part = rows.slice(i, i + 150);
      await tx.run(
        `INSERT INTO metric (run_id, key, step, epoch, value, time) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
        part.flatMap((m) => [this.runId, m.key, m.step, m.epoch, m.value, m.time]),
      );
    }
  }
}
