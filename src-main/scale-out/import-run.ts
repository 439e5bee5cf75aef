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
 *   run/metrics.jsonl, run/batches.jsonl     the curves (required)
 *   run/best.lwm                             the best model (required when the run finished)
 *   run/predictions.jsonl                    read only for a run whose status.json does not name its export
 *   data/dataset.extxyz                      a potential's frames: its model's own energies of the training split are
 *                                            measured on them and stored with it (withOwnEnergyRange)
 * Every file is checked before anything is stored: a bad line is reported with its file and line
 * number, and nothing is written to the database. A run comes back only with the export it trained
 * from: train.py records in status.json the SHA-256 of the export's export.json, split.json and
 * initial.lwm, which must be this folder's (a run of an older train.py, which records none, is checked
 * by its model's config and training domain and its predictions' structures, and the import says so). The files come from a folder on this machine
 * (`runFilesAt`: the command line, the app's "Import run…" with a path, through the path guard) or
 * from a dropped folder (`runFilesOfDropped`: the Runs view's drop target); `importTorchRun` reads
 * either the same way.
 */
import { Buffer } from 'node:buffer';
import { createHash } from 'node:crypto';
import { join, resolve } from 'node:path';
import type { DroppedFile, ExternalRunInfo, RunStatus } from '../../src-shared/ipc/contract';
import { plural } from '../../src-shared/text';
import { readFrames } from '../../src-shared/chem';
import type { LabelledFrame } from '../../src-shared/chem/frames';
import { PREDICTED_RANGE_MARGIN, withPredictedEnergies } from '../../src-shared/model/potential-domain';
import { targetUnit } from '../../src-shared/model/units';
import { decodeModelFile, encodeModelFile, type ModelFileData, type TargetInfo } from '../engine/models/format';
import { isPotentialFile, ownEnergies, withLoadedPotential } from '../engine/potential/file';
import { currentBackend, initBackend } from '../engine/tf/backend';
import { FileAccessError, isUserFolder, readUserFile, type FileKind } from '../files/path-guard';
import { UserError } from '../ipc/errors';
import type { Database } from '../store/database';
import { externalRunFrom, getRunRow, insertRun, reopenExternalRun, RunRecorder, type NewRun } from '../store/runs';
import { partialExportProblem } from './export-folder';
import { TORCH_EXPORT_FORMAT } from './torch-export';

/** The files of an export folder that import reads (the export's, then the run's). */
const EXPORT_FILES = ['export.json', 'split.json', 'initial.lwm'] as const;
const RUN_FILES = ['status.json', 'metrics.jsonl', 'batches.jsonl', 'best.lwm'] as const;
/** PyTorch's predictions: read only when status.json does not name the export (an older train.py), whose structures they then show. */
const PREDICTIONS = 'predictions.jsonl';
/** A potential's exported frames (export.json's kind "potential"): its training split is predicted by the model brought back. */
const FRAMES = 'data/dataset.extxyz';
type RunFileName = (typeof EXPORT_FILES)[number] | (typeof RUN_FILES)[number] | typeof PREDICTIONS | typeof FRAMES;

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
  'predictions.jsonl': 'trajectory',
  'data/dataset.extxyz': 'trajectory',
};

/**
 * The run files of the export folder `exportFolder` on this machine (through the path guard), the
 * run in `runDir` (default: `run/`, or the folder itself when it holds status.json).
 */
export async function runFilesAt(exportFolder: string, runDir?: string): Promise<RunFiles> {
  const folder = resolve(exportFolder);
  const partial = partialExportProblem(exportFolder);
  if (partial) throw new ImportRunError(partial);
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
  if (isPotentialExport(files.get('export.json'))) await put(folder, FRAMES);
  let run = runDir === undefined ? join(folder, 'run') : resolve(runDir);
  if (runDir === undefined && !(await read(join(run, 'status.json'), 'status.json')) && (await read(join(folder, 'status.json'), 'status.json'))) run = folder;
  for (const name of RUN_FILES) await put(run, name);
  if (!namesItsExport(files.get('status.json'))) await put(run, PREDICTIONS);
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
  // the partial folder of an export (export-folder.ts), dropped: a killed export left it
  const partial = [...new Set([...byName.keys()].map((n) => n.split('/')[0]))].map(partialExportProblem).find((p) => p !== null);
  if (partial) throw new ImportRunError(partial);
  const exports = [...byName.keys()].filter((n) => n === 'export.json' || n.endsWith('/export.json')).sort((a, b) => a.split('/').length - b.split('/').length);
  if (exports.length === 0) throw new ImportRunError('the dropped files hold no export.json: drop the folder that `latticework export --to torch` wrote (after PyTorch trained it)');
  const root = exports[0].slice(0, -'export.json'.length);
  const shown = root.replace(/\/$/, '') || '(dropped files)';
  const runRoot = byName.has(`${root}run/status.json`) || !byName.has(`${root}status.json`) ? `${root}run/` : root;
  const bytes = (f: DroppedFile) => ('text' in f ? new TextEncoder().encode(f.text) : new Uint8Array(Buffer.from(f.base64, 'base64')));
  const files = new Map<RunFileName, Uint8Array>();
  for (const name of [...EXPORT_FILES, FRAMES] as const) {
    const f = byName.get(root + name);
    if (f) files.set(name, bytes(f));
  }
  for (const name of RUN_FILES) {
    const f = byName.get(runRoot + name);
    if (f) files.set(name, bytes(f));
  }
  return { folder: shown, runFolder: runRoot === root ? shown : `${shown}/run`, files };
}

/** Whether export.json (its bytes) is an interatomic potential's export. */
function isPotentialExport(manifest: Uint8Array | undefined): boolean {
  try {
    return (JSON.parse(new TextDecoder().decode(manifest)) as { kind?: unknown }).kind === 'potential';
  } catch {
    return false;
  }
}

/** Whether status.json (its bytes) records the export the run trained from (train.py since that record exists). */
function namesItsExport(status: Uint8Array | undefined): boolean {
  try {
    return typeof (JSON.parse(new TextDecoder().decode(status)) as { export?: unknown }).export === 'object';
  } catch {
    return false;
  }
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
  /** The signal that stopped a cancelled run (SIGINT: Ctrl-C; SIGTERM: Slurm, scancel, torchrun). */
  stoppedBy?: string | null;
  /** The export the run trained from: its folder there, creation time, data, and the SHA-256 of EXPORT_FILES (absent: an older train.py). */
  export?: { folder: string; createdAt: string | null; dataset: string | null; structures: number | null; sha256: Record<string, string> };
  duration?: number;
  valMetrics?: Record<string, number>;
  /** best.lwm's SHA-256, written with it (absent: a train.py before session 42, or no epoch finished). */
  bestSha256?: string;
  testMetrics?: Record<string, number>;
}

/** What `latticework import-run --json` prints. */
export interface ImportedRun {
  runId: number;
  /** True when the run was stored already, imported while its job had not ended (interrupted), and is updated in place. */
  updated: boolean;
  name: string;
  status: RunStatus;
  epochs: number;
  /** The epochs train.py planned: its `--epochs`, else the export's config's (the run's config is stored with them). */
  epochsPlanned: number;
  bestEpoch: number;
  modelId: number | null;
  /** The name the model is stored under. */
  model: string | null;
  /** The model file's own name when a stored model already had it (the model is then stored as `model`, "NAME (PyTorch)"); else null. */
  renamedFrom: string | null;
  external: ExternalRunInfo;
  /** Sentences on what the import did that the files alone do not say (an epochs override, a stopped run's model kept or not, what it could not check). */
  notes: string[];
}

export class ImportRunError extends UserError {
  override name = 'ImportRunError';
}

function fail(file: string, message: string, line?: number): never {
  throw new ImportRunError(`${file}${line !== undefined ? ` line ${line}` : ''}: ${message}`);
}

/** Where a run file is, as messages show it. */
function shownPath(run: RunFiles, name: RunFileName): string {
  return join((EXPORT_FILES as readonly string[]).includes(name) || name === FRAMES ? run.folder : run.runFolder, name);
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
const isIndex = (v: unknown): v is number => Number.isInteger(v) && (v as number) >= 0;

/**
 * Checks an exported-and-trained run (its files read by `runFilesAt` or `runFilesOfDropped`), then
 * records it in `db` as an external run. `runElsewhere`: how the caller is told to name a run folder
 * that is not the export's `run/` (the command line's `--run DIR`), said when status.json is missing.
 */
export async function importTorchRun(db: Database, run: RunFiles, opts: { name?: string; runElsewhere?: string } = {}): Promise<ImportedRun> {
  const manifestFile = shownPath(run, 'export.json');
  const manifest = readJson<{ format: string; version: number; name: string; createdAt?: string; exportedFrom: ExternalRunInfo['exportedFrom']; dataset: { source: string; structures: number }; targets?: TargetInfo[] }>(
    run,
    'export.json',
    'missing: this is not an export folder (give the folder `latticework export --to torch` or "Export for PyTorch…" wrote, after PyTorch trained it)',
  );
  if (manifest.format !== TORCH_EXPORT_FORMAT) fail(manifestFile, `not a Latticework export (format "${String(manifest.format)}")`);
  const statusFile = shownPath(run, 'status.json');
  const status = readJson<StatusFile>(run, 'status.json', `missing: train.py has not run here yet${opts.runElsewhere ? ` (${opts.runElsewhere})` : ''}`);
  for (const k of ['status', 'framework', 'device', 'distributedBackend'] as const) if (typeof status[k] !== 'string') fail(statusFile, `"${k}" is missing`);
  if (!Number.isInteger(status.processes) || status.processes < 1) fail(statusFile, '"processes" must be a whole number ≥ 1');
  const split = readSplit(run, manifest.dataset.structures);
  const initial = decodeLwm(run, 'initial.lwm');
  const config = initial.header.config as unknown as Record<string, unknown> & { training: { seed: number; epochs: number } };
  const notes: string[] = [];
  const exported = `${run.folder} (${describeExport(manifest.dataset.structures, manifest.dataset.source, manifest.createdAt ?? null)})`;
  if (status.export) {
    // the run proves its export: the SHA-256 of the files that define it, as train.py read them
    const from = status.export;
    const changed = EXPORT_FILES.filter((name) => from.sha256?.[name] !== sha256(run.files.get(name)!));
    if (changed.includes('export.json'))
      fail(statusFile, `this run was trained from the export in ${from.folder} (${describeExport(from.structures, from.dataset, from.createdAt)}), not from ${exported}: import it with its own export folder`);
    if (changed.length) fail(statusFile, `${changed.join(' and ')} of ${run.folder} ${changed.length === 1 ? 'is' : 'are'} not what this run trained with (changed since train.py ran): export again, or import with the files it trained with`);
  } else
    notes.push(`${statusFile} does not name the export it trained from (a train.py older than that record): that it is the run of ${run.folder} is checked by its model's config and training domain${run.files.has(PREDICTIONS) ? " and its predictions' structures" : ''} only`);

  const metricsFile = shownPath(run, 'metrics.jsonl');
  if (!run.files.has('metrics.jsonl')) fail(metricsFile, "missing: train.py writes every epoch's metrics there (the run cannot come back without its epochs)");
  if (!run.files.has('batches.jsonl')) fail(shownPath(run, 'batches.jsonl'), "missing: train.py writes every batch's loss and rate there");
  const epochs = readLines<EpochLine>(run, 'metrics.jsonl', (r) => {
    if (!isIndex(r.epoch)) return '"epoch" must be a whole number ≥ 0';
    if (!isNum(r.train_loss)) return '"train_loss" is missing or not a number';
    if (typeof r.is_best !== 'boolean') return '"is_best" is missing';
    for (const [k, v] of Object.entries(r)) if (k !== 'is_best' && !isNum(v)) return `"${k}" is not a number`;
    return null;
  });
  epochs.forEach((e, i) => {
    if (e.epoch !== i) fail(metricsFile, `epoch ${e.epoch} where ${i} was expected (epochs are counted from 0, one line each)`, i + 1);
  });
  if (Number.isInteger(status.epochsDone) && epochs.length < status.epochsDone) fail(metricsFile, `${plural(epochs.length, 'epoch line')}, but status.json says ${status.epochsDone} epochs were done: the file is cut short`);
  if (Number.isInteger(status.bestEpoch) && status.bestEpoch >= epochs.length) fail(metricsFile, `${plural(epochs.length, 'epoch line')}, but status.json's best epoch is epoch ${status.bestEpoch} (counted from 0): the file is cut short`);
  // more lines than epochs done: another run's lines (two jobs writing into one run/). A killed job (status.json still
  // "running") may have written its last epoch's line and died before status.json said so: one more line is its own
  const lines = Number.isInteger(status.epochsDone) ? status.epochsDone + (status.status === 'running' ? 1 : 0) : epochs.length;
  if (epochs.length > lines)
    fail(metricsFile, `${plural(epochs.length, 'epoch line')}, but status.json says ${status.epochsDone} epochs were done: the lines from epoch ${lines} on are not this run's (two runs written into one folder?)`, lines + 1);
  // the best epoch's validation metrics are status.json's (train.py writes both from the same numbers, valMetrics when the run ends)
  if (status.status !== 'running' && Number.isInteger(status.bestEpoch) && status.bestEpoch >= 0 && status.valMetrics && typeof status.valMetrics === 'object')
    for (const [k, v] of Object.entries(status.valMetrics)) {
      const line = epochs[status.bestEpoch][`val_${k}`];
      if (line !== v) fail(metricsFile, `the best epoch's (epoch ${status.bestEpoch}, counted from 0) "val_${k}" is ${String(line)}, but status.json's valMetrics say ${v}: the file was changed since train.py wrote it`, status.bestEpoch + 1);
    }
  const batches = readLines<BatchLine>(run, 'batches.jsonl', (r) =>
    isIndex(r.epoch) && isIndex(r.batch) && isIndex(r.batches) && isNum(r.batch_loss) && isNum(r.batch_lr) ? null : 'expected {"epoch", "batch", "batches", "batch_loss", "batch_lr"}',
  );
  const ended = status.status === 'finished' || status.status === 'early-stopped';
  const bestFile = shownPath(run, 'best.lwm');
  const best = run.files.has('best.lwm') ? decodeLwm(run, 'best.lwm') : null;
  if (ended && !best) fail(bestFile, 'missing: the run finished but its model is not there');
  // train.py's --epochs is the one change of the config train.py makes: the run is stored with the epochs it planned
  const planned = Number.isInteger(status.epochsPlanned) && status.epochsPlanned > 0 ? status.epochsPlanned : config.training.epochs;
  if (best) {
    const trained = best.header.config as unknown as typeof config;
    if (JSON.stringify(trained) !== JSON.stringify(withEpochs(config, trained.training?.epochs)))
      fail(bestFile, "its config differs from the export's (initial.lwm) in more than training.epochs (train.py's --epochs): not this export's run");
    if (trained.training.epochs !== planned) fail(bestFile, `its config trains ${plural(trained.training.epochs, 'epoch')}, but status.json plans ${planned}: not this run's model`);
    // train.py copies the training split's domain from initial.lwm into the models it writes
    if (JSON.stringify(best.header.domain ?? null) !== JSON.stringify(initial.header.domain ?? null))
      fail(bestFile, `its training structures (the domain in its header) are not those of ${exported}: not this export's run`);
  }
  if (planned !== config.training.epochs) notes.push(`trained for ${planned} epochs (train.py --epochs) where the export's config has ${config.training.epochs}: the run is stored with ${planned}`);
  if (run.files.has(PREDICTIONS)) checkPredictions(run, split, manifest.dataset.structures, exported);
  // a stopped run (cancelled by a signal, or interrupted: status.json still "running", the job killed or still running) keeps its
  // best epoch's model, as a run cancelled here with "keep the best model" or interrupted here keeps its checkpoints; a failed run keeps none, as here
  const runStatus: RunStatus = ended ? 'finished' : status.status === 'cancelled' ? 'cancelled' : status.status === 'running' ? 'interrupted' : 'failed';
  const linesBest = epochs.reduce((b, e) => (e.is_best ? e.epoch : b), -1);
  const bestEpoch = best ? bestOfThisRun(run, best, status, linesBest) : status.status === 'running' ? linesBest : status.bestEpoch;
  const stopped = status.status === 'cancelled' || status.status === 'running';
  const keep = ended || (stopped && best !== null && bestEpoch >= 0);
  // export.json records the targets with their units since session 46: an export without them may have recorded no unit
  const unitsUnsure = !Array.isArray(manifest.targets);
  if (unitsUnsure) unitNotes(run, initial, notes);
  // checked against the export above with the domain train.py copied; stored with its own energies' range of its training split
  const modelFile = keep && best && isPotentialFile(best) ? await withOwnEnergyRange(run, best, split.train, manifest.dataset.structures, notes) : unitsUnsure ? withUnits(run, best) : run.files.get('best.lwm')!;
  const trainedConfig = withEpochs(config, planned);
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
    importedAt: new Date().toISOString(),
    exportedFrom: manifest.exportedFrom ?? null,
    exportSha256: status.export?.sha256?.['export.json'] ?? null,
  };
  const startedAt = Date.parse(status.startedAt);
  const duration = typeof status.duration === 'number' ? status.duration : 0;
  // when the run ended in PyTorch (the import's own time is external.importedAt): status.json's finishedAt; a killed
  // job's (still "running", finishedAt null) is its last status.json, written at the end of its last epoch (startedAt + duration)
  const recordedEnd = Date.parse(status.finishedAt ?? '');
  const finishedAt = Number.isFinite(recordedEnd) ? recordedEnd : Number.isFinite(startedAt) ? startedAt + duration * 1000 : Date.now();
  // everything from here on is one transaction: an import cut short (killed, the disk full, an error) stores nothing, and
  // a second import of the same run waits for the first and finds it (docs/scale-out.md, "What comes back")
  return db.transaction(async (tx) => {
    // exported from a run of this database: the same dataset (its split indexes that dataset's items)
    const from = manifest.exportedFrom;
    const origin = from && resolve(from.database) === resolve(db.path) ? await getRunRow(tx, from.runId) : undefined;
    // the same run imported again (its export and its start, as status.json records them) is stored once: refused, naming the run
    // it is, unless it was imported while its job had not ended (interrupted) and the folder now holds more epochs or the job's end,
    // which update that run in place (same id)
    const stored = external.exportSha256 && Number.isFinite(startedAt) ? await externalRunFrom(tx, external.exportSha256, startedAt) : undefined;
    const update = stored?.status === 'interrupted' && (epochs.length > stored.epochsDone || status.status !== 'running') ? stored : null;
    if (stored && !update)
      fail(
        statusFile,
        stored.status === 'interrupted'
          ? `this run (started ${status.startedAt}) was already imported as run ${stored.id} ("${stored.name}") with ${plural(stored.epochsDone, 'epoch')}, while its job had not ended, and status.json still says running with no epoch since: import it again once the job has written more epochs or ended (run ${stored.id} is then updated)`
          : `this run (started ${status.startedAt}) was already imported as run ${stored.id} ("${stored.name}", ${stored.status}): it is not stored twice (to import it again, delete run ${stored.id} in the app's Runs view first: the command line does not delete runs)`,
      );
    const name = opts.name ?? update?.name ?? `${manifest.name} (PyTorch, ${status.processes} process${status.processes === 1 ? '' : 'es'})`;
    const row: NewRun = {
      name,
      datasetId: origin?.dataset_id ?? null,
      datasetName: origin?.dataset_name ?? manifest.dataset.source,
      // the run it was exported from, else the unit the export recorded in the model file (an export before session 45: its name's)
      targetUnit: origin?.target_unit ?? (unitsUnsure ? withKnownUnits(initial) : initial.header.targets)[0]?.unit ?? null,
      status: 'running',
      config: trainedConfig,
      seed: config.training.seed,
      backend: `${status.framework} ${status.device}`,
      workers: status.processes,
      epochsPlanned: planned,
      tags: ['external', 'pytorch'],
      startedAt: Number.isFinite(startedAt) ? startedAt : Date.now(),
      origin: 'external',
      external,
    };
    // the recorder writes in this transaction
    const recorder = new RunRecorder({ transaction: (work) => work(tx) }, update ? update.id : await insertRun(tx, row));
    if (update) await reopenExternalRun(tx, update.id, row, { rename: opts.name !== undefined, keepModel: keep });
    if (update)
      notes.push(
        `run ${update.id} was imported before, while its job had not ended (interrupted, ${plural(update.epochsDone, 'epoch')}): it is updated in place with this folder's ${plural(epochs.length, 'epoch')} and its status (${runStatus})` +
          (update.modelId !== null && !keep ? `; the model its earlier import stored (model ${update.modelId}) is deleted, as this import stores none` : ''),
      );
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
    if (keep)
      // a model of the same name already stored (say the run it was exported from): this one is stored as "NAME (PyTorch)"
      model = await recorder.finish(
        {
          bestEpoch,
          epochsDone: epochs.length,
          valMetrics: status.valMetrics ?? {},
          testMetrics: status.testMetrics ?? {},
          predictions: [],
          modelFile,
          // a run updated in place keeps the model its earlier import stored (its id and name), with this best.lwm
          modelId: update?.modelId ?? null,
          modelNameIfTaken: 'PyTorch',
        },
        duration,
        finishedAt,
      );
    if (!ended) {
      const stillRunning = 'status.json still says running: the job was killed, or is still running';
      const error = status.status === 'failed' ? (status.error ?? 'failed in PyTorch') : status.status === 'running' ? `interrupted in PyTorch (${stillRunning})` : undefined;
      await recorder.status(runStatus, { duration, error, finished: true, finishedAt });
      const how = status.status === 'cancelled' ? `was cancelled${status.stoppedBy ? ` (${status.stoppedBy})` : ''}` : status.status === 'running' ? `was interrupted (${stillRunning})` : 'failed';
      if (keep) notes.push(`the run ${how} after ${plural(epochs.length, 'epoch')}: its best epoch's model (epoch ${bestEpoch + 1}, best.lwm) is stored`);
      else if (best && bestEpoch >= 0) notes.push(`the run failed: its best.lwm (epoch ${bestEpoch + 1}) is not stored, as a run that fails here keeps no model (predict with the file itself: latticework predict --model ${bestFile})`);
      else if (bestEpoch >= 0) notes.push(`the run ${how} after ${plural(epochs.length, 'epoch')}, but its best.lwm is missing: no model is stored`);
      else notes.push(`the run ${how} before its first epoch ended: there is no model to store`);
      if (status.status === 'running') notes.push(`once the job has ended (or written more epochs), import the folder again: run ${recorder.runId} is then updated with them, its end and its best model`);
    }
    const renamedFrom = model && best && model.name !== best.header.name ? best.header.name : null;
    return { runId: recorder.runId, updated: update !== null, name, status: runStatus, epochs: epochs.length, epochsPlanned: planned, bestEpoch, modelId: model?.id ?? null, model: model?.name ?? null, renamedFrom, external, notes };
  });
}

/**
 * best.lwm of a potential as it is stored: its header's training domain (the export's, which train.py copies)
 * with the range of the model's own energies of its training structures (`train`: their indices in FRAMES,
 * which holds the export's `structures` frames), measured as a potential trained here measures it at the end
 * of training (`ownEnergies`, `withPredictedEnergies`), so that the energy check flags none of them. Without
 * the frames or the export's potential domain the file is stored as it is, and `notes` say so.
 */
async function withOwnEnergyRange(run: RunFiles, best: ModelFileData, train: readonly number[], structures: number, notes: string[]): Promise<Uint8Array> {
  const domain = best.header.domain;
  const framesFile = shownPath(run, FRAMES);
  const without = "the model is stored without the range of its own energies of its training structures: the energy check compares its predictions with the training labels' range alone, and can flag training structures";
  if (!domain?.potential) {
    notes.push(`${shownPath(run, 'best.lwm')} records no energy range of its training structures (an export made before session 18): ${without}`);
    return run.files.get('best.lwm')!;
  }
  const content = text(run, FRAMES);
  if (content === null) {
    notes.push(`${framesFile} is missing: ${without}`);
    return run.files.get('best.lwm')!;
  }
  let frames: LabelledFrame[];
  try {
    frames = readFrames(framesFile, content, { format: 'xyz' }).frames;
  } catch (e) {
    fail(framesFile, (e as Error).message);
  }
  if (frames.length !== structures) fail(framesFile, `${plural(frames.length, 'frame')}, but export.json says ${structures}: not this export's data`);
  if (!currentBackend()) await initBackend({ force: 'cpu' });
  const trained = train.map((i) => frames[i].structure);
  const potential = withPredictedEnergies(domain.potential, trained, withLoadedPotential(best, (model) => ownEnergies(model, trained)));
  const range = potential.predictedEnergyAboveReference;
  if (range)
    notes.push(
      `the model is stored with the range of its own energies of its ${plural(trained.length, 'training structure')} (${framesFile}): ${range.min.toFixed(3)} to ${range.max.toFixed(3)} eV/atom above the reference energies (widened by ${PREDICTED_RANGE_MARGIN} eV/atom), as a potential trained in Latticework records it, so that the energy check flags none of them`,
    );
  return encodeModelFile({ ...best, header: { ...best.header, domain: { ...domain, potential } } });
}

/**
 * A model's targets with their units, from an export that does not list them in export.json (made before session 46).
 * One made before session 45 recorded none (unit '' in initial.lwm, which train.py copies into best.lwm): a target whose
 * name has a known unit (`targetUnit`: energy_per_atom → eV/atom) takes it, any other stays without. A classifier's
 * classes have no unit; a potential's model always recorded its own.
 */
function withKnownUnits(model: ModelFileData): TargetInfo[] {
  const { targets, task } = model.header;
  return task === 'classification' ? targets : targets.map((t) => (t.unit === '' ? { ...t, unit: targetUnit(t.name) } : t));
}

/** What `notes` say of the export's targets recorded without a unit (withKnownUnits): the unit each takes, or that the folder carries none. */
function unitNotes(run: RunFiles, initial: ModelFileData, notes: string[]): void {
  const given = withKnownUnits(initial);
  const unitless = initial.header.targets.flatMap((t, k) => (t.unit === '' ? [{ name: t.name, unit: given[k].unit }] : []));
  const known = unitless.filter((t) => t.unit !== '');
  const unknown = unitless.filter((t) => t.unit === '');
  const recorded = `${shownPath(run, 'initial.lwm')} records no unit for`;
  const names = (ts: { name: string }[]) => `${ts.length === 1 ? 'its target' : 'its targets'} ${ts.map((t) => `"${t.name}"`).join(', ')}`;
  if (known.length) notes.push(`${recorded} ${names(known)} (exports made before session 45 recorded none): the run and its model take ${known.map((t) => `${t.unit}, the unit of ${t.name}`).join('; ')}`);
  if (unknown.length) notes.push(`${recorded} ${names(unknown)} (exports made before session 45 recorded none), and no unit is known for ${unknown.length === 1 ? 'that name' : 'those names'}: the folder carries none, and the run and its model are stored without a unit`);
}

/** best.lwm of a property model as it is stored: its targets with their units (withKnownUnits), re-encoded only when one was given. */
function withUnits(run: RunFiles, best: ModelFileData | null): Uint8Array {
  const bytes = run.files.get('best.lwm')!;
  if (!best) return bytes;
  const targets = withKnownUnits(best);
  return JSON.stringify(targets) === JSON.stringify(best.header.targets) ? bytes : encodeModelFile({ ...best, header: { ...best.header, targets } });
}

/** What train.py writes into a model file's provenance (`details`): the best epoch (counted from 0) and where the run ran. */
interface TrainPyDetails {
  bestEpoch?: unknown;
  external?: Record<string, unknown>;
}
/** The fields of where a run ran that train.py writes both into status.json and into its models' provenance. */
const WHERE = ['processes', 'nodes', 'hosts', 'framework', 'device', 'devices', 'distributedBackend', 'slurmJob'] as const;

/**
 * best.lwm is this run's own, not another run's of the same export (two jobs' run folders copied together; the config, the
 * epochs and the domain are the same): its header's provenance, which train.py writes (the best epoch, where the run ran, when
 * it was written), must be status.json's run, each value that differs named with both; and status.json's `bestSha256` (train.py
 * since session 42) must be the file's. Returns the best epoch of the model (counted from 0): status.json's, or for a killed job
 * (still "running") the one of its epoch lines (`linesBest`: the job died after writing that line and best.lwm, before
 * status.json), or status.json's when best.lwm was not written yet.
 */
function bestOfThisRun(run: RunFiles, best: ModelFileData, status: StatusFile, linesBest: number): number {
  const file = shownPath(run, 'best.lwm');
  const running = status.status === 'running';
  const expected = running ? linesBest : status.bestEpoch;
  const provenance = best.header.provenance;
  const details = (provenance?.details ?? {}) as TrainPyDetails;
  const recorded = Array.isArray(details.bestEpoch) && Number.isInteger(details.bestEpoch[0]) ? (details.bestEpoch[0] as number) : null;
  const epoch = recorded !== null && running && recorded === status.bestEpoch ? recorded : expected;
  const differ: string[] = [];
  if (recorded !== null && recorded !== epoch) differ.push(`best epoch ${recorded} in its header, ${expected} in status.json (counted from 0)`);
  const where = details.external;
  if (where) {
    for (const k of WHERE) {
      if (!(k in where)) continue;
      const [mine, its] = [JSON.stringify(where[k] ?? null), JSON.stringify(status[k] ?? null)];
      if (mine !== its) differ.push(`${k} ${mine} in its header, ${its} in status.json`);
    }
    // written by train.py during the run: after its start, before its end
    const [written, started, ended] = [provenance.createdAt, status.startedAt, status.finishedAt ?? ''].map((t) => Date.parse(t));
    if (written < started) differ.push(`written ${provenance.createdAt} (its header), before the run started (${status.startedAt}, status.json)`);
    if (written > ended) differ.push(`written ${provenance.createdAt} (its header), after the run ended (${String(status.finishedAt)}, status.json)`);
  }
  const another = 'not this run\'s model (another run\'s best.lwm copied here?)';
  if (differ.length) fail(file, `its provenance is not status.json's run: ${differ.join('; ')}: ${another}`);
  // the SHA-256 is of status.json's best epoch's file (a killed job's newer best.lwm, written before status.json, has none yet)
  const digest = sha256(run.files.get('best.lwm')!);
  if (typeof status.bestSha256 === 'string' && digest !== status.bestSha256 && !(running && epoch !== status.bestEpoch))
    fail(file, `its SHA-256 is ${digest}, but status.json records ${status.bestSha256} for this run's best.lwm: ${another}`);
  return epoch;
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

/** A config with `training.epochs` set to `epochs` (its keys in their order). */
function withEpochs<C extends { training: { epochs: number } }>(config: C, epochs: number): C {
  return { ...config, training: { ...config.training, epochs } };
}

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** An export as messages describe it: its structures, its data and when it was made. */
function describeExport(structures: number | null, dataset: string | null, createdAt: string | null): string {
  return [structures === null ? null : plural(structures, 'structure'), dataset && `of ${dataset}`, createdAt && `exported ${createdAt}`].filter(Boolean).join(' ');
}

/**
 * split.json: "train", "val" and "test", each a list of structure indices below `structures`, no
 * structure in two of them (the export writes them so; a list edited by hand is named with its problem).
 */
function readSplit(run: RunFiles, structures: number): { train: number[]; val: number[]; test: number[] } {
  const file = shownPath(run, 'split.json');
  const split = readJson<Record<string, unknown>>(run, 'split.json');
  const seen = new Map<number, string>();
  for (const k of ['train', 'val', 'test'] as const) {
    const list = split[k];
    if (!Array.isArray(list)) fail(file, `"${k}" is missing or not a list of structure indices`);
    for (const i of list) {
      if (!isIndex(i) || i >= structures) fail(file, `"${k}" must list structure indices below ${structures} (the export's structures), not ${JSON.stringify(i)}`);
      const other = seen.get(i);
      if (other !== undefined) fail(file, other === k ? `structure ${i} is listed twice in "${k}"` : `structure ${i} is in both "${other}" and "${k}": a structure belongs to one split`);
      seen.set(i, k);
    }
  }
  return split as { train: number[]; val: number[]; test: number[] };
}

/**
 * predictions.jsonl of a run whose status.json does not name its export: every row's structure is
 * one of this export's, in the split split.json puts it in (else the run was trained on other data).
 */
function checkPredictions(run: RunFiles, split: { train: number[]; val: number[]; test: number[] }, structures: number, exported: string): void {
  const splitOf = new Map<number, string>();
  for (const k of ['train', 'val', 'test'] as const) for (const i of split[k]) splitOf.set(i, k);
  readLines<{ index: number; split: string }>(run, PREDICTIONS, (r) => {
    const index = r.index;
    if (!isIndex(index)) return '"index" must be a whole number ≥ 0';
    if (index >= structures) return `structure ${index} is not one of the structures of the export ${exported}: this run was trained from another export (import it with its own export folder)`;
    const k = splitOf.get(index);
    if (r.split !== k) return `structure ${index} is in "${String(r.split)}" here, in "${k}" in the split.json of ${exported}: this run was trained from another export (import it with its own export folder)`;
    return null;
  });
}
