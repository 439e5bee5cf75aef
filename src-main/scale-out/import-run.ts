/**
 * `latticework import-run DIR`: a run exported with `latticework export --to torch` and trained by
 * PyTorch (train.py: one process, torchrun or Slurm) comes back into the runs table, marked
 * external (where it ran: hosts, processes, devices, distributed backend), with its split, its
 * curves (every epoch's metrics and every batch's loss and rate, Latticework's keys), its best and
 * test metrics, its status and its best model (stored in the model table: it predicts like any other).
 *
 * What it reads (./torch-export.ts writes the first three; train.py the run folder):
 *   export.json, split.json, initial.lwm     the export
 *   run/status.json                          how it ended and where it ran (required)
 *   run/metrics.jsonl, run/batches.jsonl     the curves
 *   run/best.lwm                             the best model (required when the run finished)
 * Every file is checked before anything is stored: a bad line is reported with its file and line
 * number, and nothing is written to the database. The files come from a folder on this machine
 * (`runFilesAt`: the command line, the app's "Import run…" with a path, through the path guard) or
 * from a dropped folder (`runFilesOfDropped`: the Runs view's drop target); `importTorchRun` reads
 * either the same way.
 */
import { Buffer } from 'node:buffer';
import { join, resolve } from 'node:path';
import type { DroppedFile, ExternalRunInfo, RunStatus } from '../../src-shared/ipc/contract';
import { decodeModelFile, type ModelFileData } from '../engine/models/format';
import { FileAccessError, isUserFolder, readUserFile, type FileKind } from '../files/path-guard';
import { UserError } from '../ipc/errors';
import type { Database } from '../store/database';
import { getRunRow, RunRecorder } from '../store/runs';
import { TORCH_EXPORT_FORMAT } from './torch-export';

/** The files of an export folder that import reads (the export's, then the run's). */
const EXPORT_FILES = ['export.json', 'split.json', 'initial.lwm'] as const;
const RUN_FILES = ['status.json', 'metrics.jsonl', 'batches.jsonl', 'best.lwm'] as const;
type RunFileName = (typeof EXPORT_FILES)[number] | (typeof RUN_FILES)[number];

/**
 * An exported-and-trained run's files, read into memory: `folder` holds the export's files,
 * `runFolder` the run's (as shown in messages); a file absent from `files` is missing.
 */
export interface RunFiles {
  folder: string;
  runFolder: string;
  files: Map<RunFileName, Uint8Array>;
}

const KIND: Record<RunFileName, FileKind> = {
  'export.json': 'json',
  'split.json': 'json',
  'initial.lwm': 'model',
  'status.json': 'json',
  'metrics.jsonl': 'trajectory',
  'batches.jsonl': 'trajectory',
  'best.lwm': 'model',
};

/**
 * The run files of the export folder `exportFolder` on this machine (through the path guard), the
 * run in `runDir` (default: `run/`, or the folder itself when it holds status.json).
 */
export async function runFilesAt(exportFolder: string, runDir?: string): Promise<RunFiles> {
  const folder = resolve(exportFolder);
  if (!(await isUserFolder(folder))) throw new FileAccessError(exportFolder, 'is a file: give the export folder (the one holding export.json)');
  const read = async (path: string, name: RunFileName): Promise<Uint8Array | null> => {
    try {
      return new Uint8Array(await readUserFile(path, KIND[name]));
    } catch (e) {
      if (e instanceof FileAccessError && e.reason.startsWith('does not exist')) return null;
      throw e;
    }
  };
  const files = new Map<RunFileName, Uint8Array>();
  const put = async (dir: string, name: RunFileName) => {
    const bytes = await read(join(dir, name), name);
    if (bytes) files.set(name, bytes);
  };
  for (const name of EXPORT_FILES) await put(folder, name);
  let run = runDir === undefined ? join(folder, 'run') : resolve(runDir);
  if (runDir === undefined && !(await read(join(run, 'status.json'), 'status.json')) && (await read(join(folder, 'status.json'), 'status.json'))) run = folder;
  for (const name of RUN_FILES) await put(run, name);
  return { folder, runFolder: run, files };
}

/**
 * The run files of a dropped export folder: names relative to the drop (`folder/export.json`,
 * `folder/run/status.json`). The export is the shallowest folder holding export.json; its run is
 * its `run/` (or the folder itself when status.json sits beside export.json). Model files come as
 * base64, the rest as text.
 */
export function runFilesOfDropped(dropped: readonly DroppedFile[]): RunFiles {
  const byName = new Map(dropped.map((f) => [f.name.replace(/\\/g, '/').replace(/^\/+/, ''), f]));
  const exports = [...byName.keys()].filter((n) => n === 'export.json' || n.endsWith('/export.json')).sort((a, b) => a.split('/').length - b.split('/').length);
  if (exports.length === 0) throw new ImportRunError('the dropped files hold no export.json: drop the folder that `latticework export --to torch` wrote (after PyTorch trained it)');
  const root = exports[0].slice(0, -'export.json'.length);
  const shown = root.replace(/\/$/, '') || '(dropped files)';
  const runRoot = byName.has(`${root}run/status.json`) || !byName.has(`${root}status.json`) ? `${root}run/` : root;
  const bytes = (f: DroppedFile) => ('text' in f ? new TextEncoder().encode(f.text) : new Uint8Array(Buffer.from(f.base64, 'base64')));
  const files = new Map<RunFileName, Uint8Array>();
  for (const name of EXPORT_FILES) {
    const f = byName.get(root + name);
    if (f) files.set(name, bytes(f));
  }
  for (const name of RUN_FILES) {
    const f = byName.get(runRoot + name);
    if (f) files.set(name, bytes(f));
  }
  return { folder: shown, runFolder: runRoot === root ? shown : `${shown}/run`, files };
}

/** One epoch line of metrics.jsonl (train.py). */
interface EpochLine {
  epoch: number;
  is_best: boolean;
  [key: string]: number | boolean;
}

interface BatchLine {
  epoch: number;
  batch: number;
  batches: number;
  batch_loss: number;
  batch_lr: number;
}

/** run/status.json (train.py): how the run ended, and where and how it ran. */
interface StatusFile extends Omit<ExternalRunInfo, 'importedFrom' | 'importedAt' | 'exportedFrom'> {
  status: 'running' | 'finished' | 'early-stopped' | 'cancelled' | 'failed';
  startedAt: string;
  finishedAt: string | null;
  epochsDone: number;
  epochsPlanned: number;
  bestEpoch: number;
  error: string | null;
  duration?: number;
  valMetrics?: Record<string, number>;
  testMetrics?: Record<string, number>;
}

/** What `latticework import-run --json` prints. */
export interface ImportedRun {
  runId: number;
  name: string;
  status: RunStatus;
  epochs: number;
  bestEpoch: number;
  modelId: number | null;
  /** The name the model is stored under. */
  model: string | null;
  /** The model file's own name when a stored model already had it (the model is then stored as `model`, "NAME (PyTorch)"); else null. */
  renamedFrom: string | null;
  external: ExternalRunInfo;
}

export class ImportRunError extends UserError {
  override name = 'ImportRunError';
}

function fail(file: string, message: string, line?: number): never {
  throw new ImportRunError(`${file}${line !== undefined ? ` line ${line}` : ''}: ${message}`);
}

/** Where a run file is, as messages show it. */
function shownPath(run: RunFiles, name: RunFileName): string {
  return join((RUN_FILES as readonly string[]).includes(name) ? run.runFolder : run.folder, name);
}

function text(run: RunFiles, name: RunFileName): string | null {
  const bytes = run.files.get(name);
  return bytes ? new TextDecoder().decode(bytes) : null;
}

function readJson<T>(run: RunFiles, name: RunFileName, missing = 'missing'): T {
  const content = text(run, name);
  if (content === null) fail(shownPath(run, name), missing);
  try {
    return JSON.parse(content) as T;
  } catch (e) {
    fail(shownPath(run, name), `not valid JSON (${(e as Error).message})`);
  }
}

function readLines<T>(run: RunFiles, name: RunFileName, check: (row: Record<string, unknown>) => string | null): T[] {
  const file = shownPath(run, name);
  const rows: T[] = [];
  (text(run, name) ?? '').split('\n').forEach((line, i) => {
    if (!line.trim()) return;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (e) {
      fail(file, `not valid JSON (${(e as Error).message})`, i + 1);
    }
    if (typeof row !== 'object' || row === null || Array.isArray(row)) fail(file, 'expected a JSON object', i + 1);
    const problem = check(row as Record<string, unknown>);
    if (problem) fail(file, problem, i + 1);
    rows.push(row as T);
  });
  return rows;
}

const isNum = (v: unknown) => typeof v === 'number';
const isIndex = (v: unknown) => Number.isInteger(v) && (v as number) >= 0;

/**
 * Checks an exported-and-trained run (its files read by `runFilesAt` or `runFilesOfDropped`), then
 * records it in `db` as an external run. `runElsewhere`: how the caller is told to name a run folder
 * that is not the export's `run/` (the command line's `--run DIR`), said when status.json is missing.
 */
export async function importTorchRun(db: Database, run: RunFiles, opts: { name?: string; runElsewhere?: string } = {}): Promise<ImportedRun> {
  const manifestFile = shownPath(run, 'export.json');
  const manifest = readJson<{ format: string; version: number; name: string; exportedFrom: ExternalRunInfo['exportedFrom']; dataset: { source: string; structures: number } }>(
    run,
    'export.json',
    'missing: this is not an export folder (give the folder `latticework export --to torch` or "Export for PyTorch…" wrote, after PyTorch trained it)',
  );
  if (manifest.format !== TORCH_EXPORT_FORMAT) fail(manifestFile, `not a Latticework export (format "${String(manifest.format)}")`);
  const statusFile = shownPath(run, 'status.json');
  const status = readJson<StatusFile>(run, 'status.json', `missing: train.py has not run here yet${opts.runElsewhere ? ` (${opts.runElsewhere})` : ''}`);
  for (const k of ['status', 'framework', 'device', 'distributedBackend'] as const) if (typeof status[k] !== 'string') fail(statusFile, `"${k}" is missing`);
  if (!Number.isInteger(status.processes) || status.processes < 1) fail(statusFile, '"processes" must be a whole number ≥ 1');
  const split = readJson<{ train: number[]; val: number[]; test: number[] }>(run, 'split.json');
  for (const k of ['train', 'val', 'test'] as const)
    if (!Array.isArray(split[k]) || !split[k].every((i) => isIndex(i) && i < manifest.dataset.structures)) fail(shownPath(run, 'split.json'), `"${k}" must list structure indices below ${manifest.dataset.structures}`);
  const initial = decodeLwm(run, 'initial.lwm');
  const config = initial.header.config as unknown as Record<string, unknown> & { training: { seed: number; epochs: number } };

  const epochs = readLines<EpochLine>(run, 'metrics.jsonl', (r) => {
    if (!isIndex(r.epoch)) return '"epoch" must be a whole number ≥ 0';
    if (!isNum(r.train_loss)) return '"train_loss" is missing or not a number';
    if (typeof r.is_best !== 'boolean') return '"is_best" is missing';
    for (const [k, v] of Object.entries(r)) if (k !== 'is_best' && !isNum(v)) return `"${k}" is not a number`;
    return null;
  });
  epochs.forEach((e, i) => {
    if (e.epoch !== i) fail(shownPath(run, 'metrics.jsonl'), `epoch ${e.epoch} where ${i} was expected (epochs are counted from 0, one line each)`, i + 1);
  });
  const batches = readLines<BatchLine>(run, 'batches.jsonl', (r) =>
    isIndex(r.epoch) && isIndex(r.batch) && isIndex(r.batches) && isNum(r.batch_loss) && isNum(r.batch_lr) ? null : 'expected {"epoch", "batch", "batches", "batch_loss", "batch_lr"}',
  );
  const ended = status.status === 'finished' || status.status === 'early-stopped';
  const bestFile = shownPath(run, 'best.lwm');
  const best = run.files.has('best.lwm') ? decodeLwm(run, 'best.lwm') : null;
  if (ended && !best) fail(bestFile, 'missing: the run finished but its model is not there');
  if (best && JSON.stringify(best.header.config) !== JSON.stringify(initial.header.config)) fail(bestFile, "its config differs from the export's (initial.lwm): not this export's run");

  const external: ExternalRunInfo = {
    framework: status.framework,
    hosts: Array.isArray(status.hosts) ? status.hosts.map(String) : [],
    processes: status.processes,
    nodes: Number.isInteger(status.nodes) ? status.nodes : 1,
    device: status.device,
    devices: Array.isArray(status.devices) ? status.devices.map(String) : [],
    distributedBackend: status.distributedBackend,
    slurmJob: status.slurmJob ?? null,
    importedFrom: run.folder,
    importedAt: Date.now(),
    exportedFrom: manifest.exportedFrom ?? null,
  };
  const name = opts.name ?? `${manifest.name} (PyTorch, ${status.processes} process${status.processes === 1 ? '' : 'es'})`;
  const startedAt = Date.parse(status.startedAt);
  const duration = typeof status.duration === 'number' ? status.duration : 0;
  // exported from a run of this database: the same dataset (its split indexes that dataset's items)
  const from = manifest.exportedFrom;
  const origin = from && resolve(from.database) === resolve(db.path) ? await db.read((tx) => getRunRow(tx, from.runId)) : undefined;
  const recorder = await RunRecorder.create(db, {
    name,
    datasetId: origin?.dataset_id ?? null,
    datasetName: origin?.dataset_name ?? manifest.dataset.source,
    targetUnit: origin?.target_unit ?? null,
    status: 'running',
    config,
    seed: config.training.seed,
    backend: `${status.framework} ${status.device}`,
    workers: status.processes,
    epochsPlanned: Number.isInteger(status.epochsPlanned) ? status.epochsPlanned : config.training.epochs,
    tags: ['external', 'pytorch'],
    startedAt: Number.isFinite(startedAt) ? startedAt : Date.now(),
    origin: 'external',
    external,
  });
  try {
    await recorder.started(`${status.framework} ${status.device}`, split);
    const time = Number.isFinite(startedAt) ? startedAt : Date.now();
    for (const e of epochs) {
      for (const b of batches.filter((x) => x.epoch === e.epoch)) recorder.batch({ epoch: b.epoch, batch: b.batch, batches: b.batches, loss: b.batch_loss, lr: b.batch_lr }, time);
      const prefixed = (p: string) => Object.fromEntries(Object.entries(e).filter(([k]) => k.startsWith(p) && k !== 'train_loss' && k !== 'val_loss').map(([k, v]) => [k.slice(p.length), v as number]));
      recorder.epoch(
        {
          epoch: e.epoch,
          lr: e.lr as number,
          trainLoss: e.train_loss as number,
          valLoss: isNum(e.val_loss) ? (e.val_loss as number) : null,
          trainMetrics: prefixed('train_'),
          valMetrics: prefixed('val_'),
          seconds: (e.epoch_seconds as number) ?? 0,
          structuresPerSecond: (e.structures_per_second as number) ?? 0,
          atomsPerSecond: isNum(e.atoms_per_second) ? (e.atoms_per_second as number) : undefined,
          isBest: e.is_best,
        },
        time,
      );
      // the best-epoch criterion: a property model's validation MAE, a potential's selection score
      const metric = isNum(e.val_score) ? (e.val_score as number) : isNum(e.val_mae) ? (e.val_mae as number) : null;
      await recorder.checkpoint({ epoch: e.epoch, isBest: e.is_best, metric, bytes: null }, duration, time);
    }
    let model: { id: number; name: string } | null = null;
    let runStatus: RunStatus;
    if (ended) {
      // a model of the same name already stored (say the run it was exported from): this one is stored as "NAME (PyTorch)"
      model = await recorder.finish(
        {
          bestEpoch: status.bestEpoch,
          epochsDone: epochs.length,
          valMetrics: status.valMetrics ?? {},
          testMetrics: status.testMetrics ?? {},
          predictions: [],
          modelFile: run.files.get('best.lwm')!,
          modelNameIfTaken: 'PyTorch',
        },
        duration,
      );
      runStatus = 'finished';
    } else {
      runStatus = status.status === 'cancelled' ? 'cancelled' : 'failed';
      const error = status.status === 'failed' ? (status.error ?? 'failed in PyTorch') : status.status === 'running' ? 'stopped before its end in PyTorch (status.json still says running: the job was killed, or is still running)' : undefined;
      await recorder.status(runStatus, { duration, error, finished: true });
    }
    const renamedFrom = model && best && model.name !== best.header.name ? best.header.name : null;
    return { runId: recorder.runId, name, status: runStatus, epochs: epochs.length, bestEpoch: status.bestEpoch, modelId: model?.id ?? null, model: model?.name ?? null, renamedFrom, external };
  } catch (e) {
    await recorder.status('failed', { error: `import failed: ${(e as Error).message}`, finished: true });
    throw e;
  }
}

function decodeLwm(run: RunFiles, name: RunFileName): ModelFileData {
  const bytes = run.files.get(name);
  if (!bytes) fail(shownPath(run, name), 'missing');
  try {
    return decodeModelFile(bytes);
  } catch (e) {
    fail(shownPath(run, name), (e as Error).message);
  }
}
