/** Training runs: start, watch live, pause/resume/cancel; the runs table, comparison and export. */
import { z } from 'zod';
import { event, method } from '../define';
import { storedJsonObject } from '../limits';
import { shellWord } from '../../text';

export type RunStatus = 'queued' | 'running' | 'paused' | 'finished' | 'failed' | 'cancelled' | 'interrupted';

/** Statuses of a run that is (or was, when its process died) being trained. */
export const ACTIVE_RUN_STATUSES: readonly RunStatus[] = ['queued', 'running', 'paused'];

/**
 * Why a paused or interrupted run cannot be resumed here, in the app (null: it can). Resuming trains on
 * the run's stored dataset again from its last checkpoint: a run of `latticework train` read its data
 * from a path and has no stored dataset (the command line resumes it: `commandLineResumeRefusal`), a
 * deleted dataset is gone, and an external run (PyTorch's) trains where it was exported to. The core's
 * refusal and the Resume button's reason alike. `db`: the `--db PATH` the command line needs to open
 * this store (SystemInfo.commandLineDb; null: the default one).
 */
export function resumeRefusal(run: Pick<RunRecord, 'id' | 'datasetId' | 'datasetName' | 'tags' | 'origin' | 'trainCommand'>, db: string | null): string | null {
  // an interrupted external run: imported while its PyTorch job had not ended (killed, or still running)
  if (run.origin === 'external')
    return `run ${run.id} cannot be resumed here: PyTorch trained it elsewhere (its status.json still said running when it was imported: the job was killed, or is still running); once the job has ended, import its folder again (Import run…, or latticework import-run DIR) and run ${run.id} is updated`;
  if (run.datasetId > 0) return null;
  if (!run.tags.includes('cli')) return `run ${run.id} cannot be resumed: its dataset “${run.datasetName}” was deleted`;
  return (
    commandLineResumeRefusal(run) ??
    `run ${run.id} cannot be resumed here: \`latticework train\` trained it from ${run.datasetName}, a path, not a dataset of this store; resume it on the command line with \`latticework train --resume ${run.id}${db === null ? '' : ` --db ${shellWord(db)}`}\` (the same data and settings, its model saved as that command would)`
  );
}

/** What to do with a run of `latticework train` that `--resume` cannot continue. */
export const TRAIN_AGAIN = 'its curves and metrics are kept: train it again with the same command (the same seed retraces the same epochs)';

/**
 * Why `latticework train --resume` cannot continue this run of `latticework train` (null: it can, as far
 * as its record tells). It reads the data again as the run recorded it (`trainCommand`, since schema
 * version 19); a run recorded before, or a potential's (it keeps no checkpoint), is trained again instead.
 */
export function commandLineResumeRefusal(run: Pick<RunRecord, 'id' | 'datasetName' | 'tags' | 'trainCommand'>): string | null {
  const again = TRAIN_AGAIN;
  if (!run.tags.includes('cli')) return `run ${run.id} was not trained by \`latticework train\`: resume it in the app (Runs, Resume)`;
  if (run.tags.includes('potential')) return `run ${run.id} cannot be resumed: it trained a potential, and a potential's run keeps no checkpoint to continue from; ${again}`;
  if (!run.trainCommand)
    return `run ${run.id} cannot be resumed: it was recorded before \`latticework train\` recorded how it read its data (${run.datasetName}: its --target, --limit, what it read) and where its model goes, so it cannot be read again the same way; ${again}`;
  return null;
}

/**
 * How a run of `latticework train` read its data and where its model goes, recorded when it starts
 * (schema version 19), so that `latticework train --resume RUN` continues it on the same data.
 */
export interface TrainCommandRecord {
  /** The folder the command ran in (a relative --from is found from there). */
  cwd: string;
  /** The data folder or file, absolute. */
  data: string;
  /** --target and --limit as given (null: not given). */
  target: string | null;
  limit: number | null;
  /** --unit as given (null: the unit the target's name states). */
  unit: string | null;
  /** What was read: the structures trained on, and the SHA-256 of their names, targets and structures as read (`--resume` refuses data that changed). */
  structures: number;
  sha256: string;
  /** --backend as given (null: auto). */
  backend: string | null;
  /** --name as given (null: the default). */
  name: string | null;
  /** The model's name in the store; `out`: written to that file (absolute) instead; `noSave`: neither; `force`: replaces a stored model of that name. */
  model: string;
  out: string | null;
  noSave: boolean;
  force: boolean;
  /** Fine-tuning: --from, --freeze and --head as given (from null: not a fine-tuning run). */
  from: string | null;
  freeze: number | null;
  head: 'auto' | 'keep' | 'new';
}

export interface RunRecord {
  id: number;
  name: string;
  /** The stored dataset it trained on; 0 when it has none: recorded by `latticework train` (tag `cli`), or its dataset was deleted. */
  datasetId: number;
  /** The dataset's name (kept when it is deleted); a command-line run's data folder or file, as given. */
  datasetName: string;
  /** The unit of the target the run learns, as recorded when it started ('' none); null for runs recorded before units were. */
  targetUnit: string | null;
  status: RunStatus;
  /** Architecture, preset and the key hyper-parameters (lr, batch size, epochs, layers, features). */
  summary: Record<string, string | number | null>;
  /** Best validation metrics and the test metrics of the best checkpoint. */
  bestMetrics: Record<string, number>;
  backend: string;
  /** Data-parallel training workers (threads the batch is split over; 1: one thread). */
  workers: number;
  seed: number;
  epochsDone: number;
  epochsPlanned: number;
  startedAt: number;
  finishedAt: number | null;
  /** Seconds of training (excludes pauses). */
  duration: number;
  /**
   * How many structures each split holds; null until the run has started, for a k-fold run (each
   * fold validates on its own part of the training data) and for runs recorded without a split. A
   * run without validation structures chooses its best epoch on the training data.
   */
  split: { train: number; validation: number; test: number } | null;
  tags: string[];
  notes: string;
  archived: boolean;
  error: string | null;
  /** 'local': trained by Latticework; 'external': trained elsewhere (PyTorch) and imported. */
  origin: RunOrigin;
  /** A run of `latticework train` recorded since schema version 19: how it read its data and where its model goes (`train --resume`); else null. */
  trainCommand: TrainCommandRecord | null;
  /** Where and how an external run ran; null for local runs. */
  external: ExternalRunInfo | null;
}

export type RunOrigin = 'local' | 'external';

/**
 * A run trained outside Latticework (`latticework export --to torch`, then PyTorch's `train.py` on
 * one CPU, under `torchrun` or Slurm) and brought back with `latticework import-run`.
 */
export interface ExternalRunInfo {
  /** The framework that trained it, with its version, e.g. `PyTorch 2.3.1`. */
  framework: string;
  /** Host name of each node it ran on. */
  hosts: string[];
  /** Processes (data-parallel ranks: torchrun's world size). */
  processes: number;
  nodes: number;
  /** `cuda` or `cpu`. */
  device: string;
  /** Names of the devices (GPU models), one per process on GPUs; empty on CPUs. */
  devices: string[];
  /** torch.distributed backend: `nccl` (GPUs), `gloo` (CPUs) or `none` (one process). */
  distributedBackend: string;
  /** The Slurm job id when it ran under Slurm, else null. */
  slurmJob: string | null;
  /** The folder it was imported from (as given), and when (ISO 8601; the run's own end is its finishedAt). */
  importedFrom: string;
  importedAt: string;
  /** The run (of the exporting database) the export was made from, null for an export of a config. */
  exportedFrom: { runId: number; database: string } | null;
  /**
   * The SHA-256 of the export.json it trained from (status.json's `export`; with the run's startedAt it names the
   * run: the same run is not imported twice); null for a train.py older than that record or a run imported before session 40.
   */
  exportSha256?: string | null;
}

export interface RunDetail extends RunRecord {
  config: Record<string, unknown>;
}

export interface MetricPoint {
  runId: number;
  key: string;
  /** Global batch step (per-batch keys) or epoch (per-epoch keys). */
  step: number;
  epoch: number;
  value: number;
  time: number;
}

export interface TrainingProgress {
  runId: number;
  kind: 'batch' | 'epoch';
  epoch: number;
  epochs: number;
  batch: number;
  batches: number;
  /** Metric values of this step, e.g. train_loss, val_mae, lr. */
  values: Record<string, number>;
  structuresPerSecond: number;
  /** Seconds until the planned end at the current speed. */
  eta: number | null;
  backend: string;
  /** Data-parallel training workers. */
  workers: number;
  /** A potential's seed ensemble: the member training now (0-based) of `count`; `epoch` counts over all members. */
  member?: { index: number; count: number };
}

export interface PredictionPoint {
  structureId: number;
  name: string;
  split: 'train' | 'validation' | 'test';
  target: number;
  prediction: number;
}

const runId = z.number().int().positive();

/** A run's name, as given when it starts or is renamed. */
export const runName = z
  .string()
  .min(1, { error: 'Name must not be empty' })
  .max(200, { error: (issue) => `Name must be at most 200 characters (this one has ${String(issue.input).length})` });

export const trainingService = {
  methods: {
    start: method<RunRecord>()(
      z
        .object({
          datasetId: z.number().int().positive(),
          config: storedJsonObject(),
          name: runName.optional(),
          tags: z.array(z.string().min(1).max(50)).max(20).optional(),
          /** Data-parallel training workers (default: one per core on wasm and cpu, one on tfjs-node). */
          workers: z.number().int().min(1).max(64).optional(),
          /**
           * Fine-tuning: start from this stored model (a property model: its architecture, atom features and
           * weights; `config` then gives only `training` and, optionally, `model.head`). docs/training.md "Fine-tuning".
           */
          from: z.number().int().positive().optional(),
          /** With `from`: keep the atom embedding and the first N message-passing layers fixed (0, the default: none). */
          freeze: z.number().int().min(0).max(64).optional(),
          /** With `from`: keep the model's head ('auto', the default: when the target is the same) or re-initialise it. */
          head: z.enum(['auto', 'keep', 'new']).optional(),
          /**
           * Potentials: train a seed ensemble of this many members (seeds seed, seed + 1, …; one split), stored as one
           * model whose predictions carry the members' spread (`latticework train --ensemble K`). Default 1.
           */
          ensemble: z.number().int().min(1).max(16).optional(),
        })
        .strict(),
    ),
    pause: method<RunRecord>()(z.object({ runId }).strict()),
    /** Resumes a paused run, or an interrupted one from its last checkpoint. */
    resume: method<RunRecord>()(z.object({ runId }).strict()),
    /** Stops a run; `keepBest` keeps the best model so far (its best epoch's weights, evaluated on validation and test) as the run's model. */
    cancel: method<RunRecord>()(z.object({ runId, keepBest: z.boolean().optional() }).strict()),
  },
  events: {
    onProgress: event<TrainingProgress>(),
    onStatus: event<RunRecord>(),
  },
} as const;

export const runsService = {
  methods: {
    list: method<RunRecord[]>()(z.object({ includeArchived: z.boolean().default(false) }).strict()),
    get: method<RunDetail>()(z.object({ id: runId }).strict()),
    metrics: method<MetricPoint[]>()(
      z.object({ ids: z.array(runId).min(1).max(50), keys: z.array(z.string().max(100)).max(100).optional() }).strict(),
    ),
    predictions: method<PredictionPoint[]>()(z.object({ id: runId }).strict()),
    update: method<RunRecord>()(
      z
        .object({
          id: runId,
          name: runName.optional(),
          tags: z.array(z.string().min(1).max(50)).max(20).optional(),
          notes: z.string().max(100_000).optional(),
          archived: z.boolean().optional(),
        })
        .strict(),
    ),
    delete: method<{ deleted: boolean }>()(z.object({ id: runId }).strict()),
    /** Runs (one row each, with parameters and best metrics) or metrics (one row per point) as CSV. */
    exportCsv: method<{ fileName: string; csv: string }>()(
      z.object({ ids: z.array(runId).min(1).max(10_000), what: z.enum(['runs', 'metrics']) }).strict(),
    ),
  },
  events: {},
} as const;
