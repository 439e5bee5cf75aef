/**
 * The runs table and run comparison as pure functions: search, filter, sort, the
 * parameter diff between configs, parallel-coordinates dimensions, and the analysis of a
 * finished run's predictions (errors, worst predictions, test-set statistics).
 */
import type { DatasetRecord, ModelRecord, PredictionPoint, RunRecord, RunStatus, TrainingProgress } from '../../src-shared/ipc/contract';
import { ACTIVE_SIMULATION_STATUSES } from '../../src-shared/ipc/services/simulations';
import { ACTIVE_RUN_STATUSES } from '../../src-shared/ipc/services/training';
import { ensembleMembers, fineTunedFrom } from '../../src-shared/model/run-tags';
import { plural } from '../../src-shared/text';
import type { ParallelDim } from './charts';
import { runDatasetText } from './datasets';
import { fmtNum } from './format';
import { potentialMetricLabel } from './potentialRuns';

export interface RunFilter {
  /** Free text: name, dataset (as the table shows it, or its id: "#4"), tags, notes, architecture, id. */
  search: string;
  status: RunStatus | 'all';
  tag: string | null;
  includeArchived: boolean;
}

export function defaultFilter(): RunFilter {
  return { search: '', status: 'all', tag: null, includeArchived: false };
}

/** The stored datasets, as the Runs table names a run's dataset with them (`runDatasetText`). */
export type RunDatasets = readonly Pick<DatasetRecord, 'id' | 'name' | 'createdAt'>[];

export function matchesRun(r: RunRecord, f: RunFilter, datasets: RunDatasets): boolean {
  if (!f.includeArchived && r.archived) return false;
  if (f.status !== 'all' && r.status !== f.status) return false;
  if (f.tag && !r.tags.includes(f.tag)) return false;
  const q = f.search.trim().toLowerCase();
  if (!q) return true;
  // the dataset as the table shows it, and its id (0: no stored dataset, a command-line run's data or a deleted one)
  const dataset = [runDatasetText(r, datasets), r.datasetId > 0 ? `#${r.datasetId}` : ''];
  const hay = [String(r.id), r.name, ...dataset, r.status, r.origin, r.notes, ...r.tags, ...Object.values(r.summary).map((v) => String(v ?? ''))]
    .join(' ')
    .toLowerCase();
  return q.split(/\s+/).every((w) => hay.includes(w));
}

/**
 * The runs the table's bulk actions (compare, export, archive, delete) act on: the selected runs it
 * shows, in its order. A run the search, a filter or the archived toggle hides is never acted on.
 */
export function visibleSelection<R extends Pick<RunRecord, 'id'>>(visible: readonly R[], selected: ReadonlySet<number>): R[] {
  return visible.filter((r) => selected.has(r.id));
}

/** A run's name cut to `max` characters (a question names several of them). */
function shortRunName(name: string, max = 60): string {
  return name.length > max ? `${name.slice(0, max - 1)}…` : name;
}

/** The question asked before deleting runs, naming them: the first `named`, then "and N more". */
export function deleteRunsQuestion(runs: readonly Pick<RunRecord, 'id' | 'name'>[], named = 3): string {
  const names = runs.slice(0, named).map((r) => `#${r.id} "${shortRunName(r.name)}"`);
  const more = runs.length - names.length;
  const list = more > 0 ? `${names.join(', ')} and ${more} more` : names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : (names[0] ?? '');
  return `Delete ${plural(runs.length, 'run')} (${list}) with their metrics, checkpoints and predictions?`;
}

/** Sort key: a RunRecord field, `summary.<key>` or `metric.<key>`; `datasetName` sorts by the dataset as shown (`runDatasetText`). */
export type SortKey = string;

function sortValue(r: RunRecord, key: SortKey, datasets: RunDatasets): string | number | null {
  if (key === 'datasetName') return runDatasetText(r, datasets);
  if (key.startsWith('summary.')) return r.summary[key.slice(8)] ?? null;
  if (key.startsWith('metric.')) return r.bestMetrics[key.slice(7)] ?? null;
  const v = (r as unknown as Record<string, unknown>)[key];
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (Array.isArray(v)) return v.join(',');
  return null;
}

/** Sorted copy; nulls last in either direction. */
export function sortRuns(runs: readonly RunRecord[], key: SortKey, dir: 'asc' | 'desc', datasets: RunDatasets): RunRecord[] {
  const sign = dir === 'asc' ? 1 : -1;
  return [...runs].sort((a, b) => {
    const va = sortValue(a, key, datasets);
    const vb = sortValue(b, key, datasets);
    if (va === null && vb === null) return b.id - a.id;
    if (va === null) return 1;
    if (vb === null) return -1;
    const c = typeof va === 'number' && typeof vb === 'number' ? va - vb : String(va).localeCompare(String(vb), undefined, { numeric: true });
    return c !== 0 ? sign * c : b.id - a.id;
  });
}

/** Keys of the summaries and best metrics present across runs (columns of the table). */
export function columnKeys(runs: readonly RunRecord[]): { summary: string[]; metrics: string[] } {
  const s = new Set<string>();
  const m = new Set<string>();
  for (const r of runs) {
    for (const k of Object.keys(r.summary)) s.add(k);
    for (const k of Object.keys(r.bestMetrics)) m.add(k);
  }
  return { summary: [...s], metrics: [...m].sort() };
}

export function allTags(runs: readonly RunRecord[]): string[] {
  return [...new Set(runs.flatMap((r) => r.tags))].sort();
}

/** Leaves of a nested config as dotted path → value (arrays kept as values). */
export function flatten(obj: unknown, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
    if (prefix) out[prefix] = obj;
    return out;
  }
  for (const [k, v] of Object.entries(obj as Record<string, unknown>)) {
    const p = prefix ? `${prefix}.${k}` : k;
    if (typeof v === 'object' && v !== null && !Array.isArray(v)) Object.assign(out, flatten(v, p));
    else out[p] = v;
  }
  return out;
}

export interface DiffRow {
  path: string;
  values: unknown[];
}

/** Parameters whose values differ between configs (one value per config, undefined when absent). */
export function parameterDiff(configs: readonly unknown[]): DiffRow[] {
  const flats = configs.map((c) => flatten(c));
  const paths = new Set(flats.flatMap((f) => Object.keys(f)));
  const rows: DiffRow[] = [];
  for (const p of [...paths].sort()) {
    const values = flats.map((f) => f[p]);
    const first = JSON.stringify(values[0] ?? null);
    if (values.some((v) => JSON.stringify(v ?? null) !== first)) rows.push({ path: p, values });
  }
  return rows;
}

export function displayValue(v: unknown): string {
  if (v === undefined) return '—';
  if (v === null) return 'null';
  if (Array.isArray(v)) return `[${v.join(', ')}]`;
  return String(v);
}

/**
 * Dimensions for parallel coordinates: the differing parameters (numeric or categorical; when
 * fewer than three differ, the runs' key parameters from their summaries are added so the plot
 * always has axes), followed by the best metrics any run has (missing values drawn as gaps). `title`
 * says which they are: "Parallel coordinates (1 differing parameter, 7 key parameters alike in every run, best metrics)".
 */
export function parallelData(
  runs: readonly { name: string; config: unknown; bestMetrics: Record<string, number>; summary?: Record<string, string | number | null> }[],
  maxParams = 8,
  maxMetrics = 6,
): { dims: ParallelDim[]; rows: { name: string; values: (number | string | null)[] }[]; title: string } {
  const params: DiffRow[] = parameterDiff(runs.map((r) => r.config)).slice(0, maxParams);
  if (params.length < 3) {
    const keys = [...new Set(runs.flatMap((r) => Object.keys(r.summary ?? {})))];
    for (const k of keys) {
      if (params.length >= Math.max(3, maxParams)) break;
      if (params.some((p) => p.path.endsWith(k))) continue;
      params.push({ path: k, values: runs.map((r) => r.summary?.[k] ?? null) });
    }
  }
  // at most `maxMetrics` metrics: validation, then test, then the rest
  const rank = (k: string) => (/^val/i.test(k) ? 0 : /^test/i.test(k) ? 1 : 2);
  const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.bestMetrics)))]
    .filter((k) => runs.some((r) => Number.isFinite(r.bestMetrics[k])))
    .sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
    .slice(0, maxMetrics);
  const dims: ParallelDim[] = [];
  for (const d of params) {
    const numeric = d.values.every((v) => typeof v === 'number' || v === null || v === undefined);
    dims.push(numeric ? { name: d.path } : { name: d.path, categories: [...new Set(d.values.map(displayValue))] });
  }
  for (const k of metricKeys) dims.push({ name: k });
  const rows = runs.map((r, i) => ({
    name: r.name,
    values: [
      ...params.map((d, j) => {
        const v = d.values[i];
        if (dims[j].categories) return displayValue(v);
        return typeof v === 'number' ? v : null;
      }),
      ...metricKeys.map((k) => (Number.isFinite(r.bestMetrics[k]) ? metricDisplayValue(k, r.bestMetrics[k])! : null)),
    ],
  }));
  const differing = params.filter((d) => new Set(d.values.map((v) => JSON.stringify(v ?? null))).size > 1).length;
  const alike = params.length - differing;
  const title = `Parallel coordinates (${plural(differing, 'differing parameter')}${alike ? `, ${plural(alike, 'key parameter')} alike in every run` : ''}${metricKeys.length ? ', best metrics' : ''})`;
  return { dims, rows, title };
}

/**
 * What a run's Results say in one line in place of empty plots: why no predictions are stored
 * (a run trained by `latticework train --db` or in PyTorch keeps its metrics and model, not its
 * predictions), or that the split they show has none (a small dataset's test share rounds down to
 * none); null when there is something to plot.
 */
export function emptyResultsNotice(run: Pick<RunRecord, 'origin' | 'external' | 'tags'>, points: readonly PredictionPoint[], allSplits: boolean): string | null {
  if (points.length === 0) {
    if (run.origin === 'external' && run.external)
      return `No predictions were stored for this run: it was trained in PyTorch and imported, which keeps its metrics and model. Its predictions are in run/predictions.jsonl of the export folder ${run.external.importedFrom}.`;
    if (run.tags.includes('cli')) return 'No predictions were stored for this run: it was trained on the command line (latticework train --db records its metrics and model, not its predictions).';
    return 'No predictions were stored for this run.';
  }
  if (allSplits || points.some((p) => p.split === 'test')) return null;
  return `No test structures: the run's test split is empty (tick "all splits" for its ${plural(points.length, 'prediction')} on the training and validation structures).`;
}

export interface PredictionAnalysis {
  n: number;
  mae: number;
  rmse: number;
  r2: number;
  errors: number[];
  worst: (PredictionPoint & { error: number })[];
}

/** Errors (prediction − target), MAE, RMSE, R² and the `worstN` largest absolute errors of the chosen points. */
export function analysePredictions(points: readonly PredictionPoint[], worstN = 10): PredictionAnalysis {
  const n = points.length;
  if (n === 0) return { n: 0, mae: NaN, rmse: NaN, r2: NaN, errors: [], worst: [] };
  const errors = points.map((p) => p.prediction - p.target);
  const mae = errors.reduce((s, e) => s + Math.abs(e), 0) / n;
  const rmse = Math.sqrt(errors.reduce((s, e) => s + e * e, 0) / n);
  const mean = points.reduce((s, p) => s + p.target, 0) / n;
  const ssTot = points.reduce((s, p) => s + (p.target - mean) ** 2, 0);
  const ssRes = errors.reduce((s, e) => s + e * e, 0);
  const r2 = ssTot > 0 ? 1 - ssRes / ssTot : NaN;
  const worst = points
    .map((p, i) => ({ ...p, error: errors[i] }))
    .sort((a, b) => Math.abs(b.error) - Math.abs(a.error))
    .slice(0, worstN);
  return { n, mae, rmse, r2, errors, worst };
}

/**
 * Whether a run page shows the run's results (parity, error histogram, worst predictions): 'finished'
 * for a run trained to its end, 'stopped early' for one cancelled with "Stop and keep the best model
 * so far" (the run then has a model of its own, evaluated on every split; a run stopped and discarded
 * has none), null for any other.
 */
export function runResults(r: Pick<RunRecord, 'id' | 'status'>, models: readonly Pick<ModelRecord, 'runId'>[]): 'finished' | 'stopped early' | null {
  if (r.status === 'finished') return 'finished';
  if (r.status === 'cancelled' && models.some((m) => m.runId === r.id)) return 'stopped early';
  return null;
}

/** The line over the results of a run stopped early that kept its best model so far. */
export function stoppedEarlyNotice(r: Pick<RunRecord, 'epochsDone' | 'epochsPlanned' | 'bestMetrics' | 'tags'>): string {
  const best = r.bestMetrics.best_epoch;
  return `Stopped early after ${r.epochsDone} of ${plural(r.epochsPlanned, 'epoch')}: these are the results of the best model so far${best === undefined ? '' : ` (${ensembleMembers(r) > 1 ? '' : 'epoch '}${epochLabel(best, r)})`}.`;
}

/**
 * Where a run trained elsewhere (PyTorch, brought back by `latticework import-run`) ran, e.g.
 * "PyTorch 2.3.1: 8 processes on 2 nodes (gpu01, gpu02), cuda (NVIDIA A100), nccl, Slurm job 42";
 * null for a run trained here.
 */
export function externalLabel(r: Pick<RunRecord, 'origin' | 'external'>): string | null {
  const x = r.external;
  if (r.origin !== 'external' || !x) return null;
  const devices = [...new Set(x.devices)];
  return `${x.framework}: ${plural(x.processes, 'process', 'processes')} on ${plural(x.nodes, 'node')}${x.hosts.length ? ` (${x.hosts.join(', ')})` : ''}, ${x.device}${devices.length ? ` (${devices.join(', ')})` : ''}, ${x.distributedBackend}${x.slurmJob ? `, Slurm job ${x.slurmJob}` : ''}`;
}

/** The line a run page shows for a fine-tuning run. */
export function fineTuneLabel(r: Pick<RunRecord, 'tags'>): string | null {
  const f = fineTunedFrom(r);
  if (!f) return null;
  return `Fine-tuned from ${f.model}${f.freeze ? `, the embedding and the first ${plural(f.freeze, 'layer')} frozen` : ', nothing frozen'}`;
}

/**
 * What a run page says when the run's split has no validation structures (a small dataset: the
 * validation share rounds down to none): its best epoch is then chosen on the training data (a
 * potential's training loss, a property model's training metric), as `latticework train` says on
 * its error stream. Null when the run has validation structures or has not recorded its split yet.
 */
export function splitNotice(r: Pick<RunRecord, 'split'>): string | null {
  const s = r.split;
  if (!s || s.validation > 0) return null;
  return `No validation structures (${s.train} training, ${s.test} test): the best epoch is chosen on the training data, and the validation curves stay empty.`;
}

/**
 * The files of a trained export folder that bringing the run back reads (scale-out/import-run.ts):
 * the export's manifest, split and initial weights, and the run's status, curves and best model;
 * and data/dataset.extxyz, a potential's frames, on which the model's own energies of its training
 * structures are measured. A dropped folder sends only these (the rest of data/ stays on disk).
 */
const RUN_FOLDER_FILES = ['export.json', 'split.json', 'initial.lwm', 'status.json', 'metrics.jsonl', 'batches.jsonl', 'best.lwm'];

export function isRunFolderFile(path: string): boolean {
  return RUN_FOLDER_FILES.includes(path.split('/').pop() ?? path) || /(^|\/)data\/dataset\.extxyz$/.test(path);
}

/** Latticework model files (binary: sent as bytes). */
export function isExportModelFile(path: string): boolean {
  return path.endsWith('.lwm');
}

/** True for a run whose training can be continued from the UI. */
export function canResume(r: Pick<RunRecord, 'status'>): boolean {
  return r.status === 'paused' || r.status === 'interrupted';
}

const WORDS: Record<string, string> = {
  mae: 'MAE',
  rmse: 'RMSE',
  r2: 'R²',
  maxError: 'max error',
  loss: 'loss',
  accuracy: 'accuracy',
  rocAuc: 'ROC AUC',
  precision: 'precision',
  recall: 'recall',
  f1: 'F1',
};
const SETS: Record<string, string> = { val: 'validation', train: 'training', test: 'test' };
const SUMMARY_LABELS: Record<string, string> = {
  architecture: 'architecture',
  preset: 'preset',
  optimizer: 'optimizer',
  lr: 'learning rate',
  batchSize: 'batch size',
  epochs: 'epochs',
  layers: 'layers',
  features: 'atom features',
  hidden: 'hidden features',
  readout: 'readout',
  cutoff: 'cutoff (Å)',
  maxNeighbors: 'max neighbours',
  duplicatesAcrossSplits: 'leaks across splits',
  seed: 'seed',
  batch_loss: 'loss per batch',
  batch_lr: 'learning rate',
};

/** A column's human label: `val_mae` → "validation MAE", `best_epoch` → "best epoch", `duplicatesAcrossSplits` → "leaks across splits". */
export function columnLabel(key: string): string {
  if (key === 'best_epoch') return 'best epoch';
  const potential = potentialMetricLabel(key);
  if (potential) return `${SETS[key.split('_')[0]]} ${potential}`;
  const m = /^(val|train|test)_(.+)$/.exec(key);
  if (m) return `${SETS[m[1]]} ${WORDS[m[2]] ?? m[2].replace(/_/g, ' ')}`;
  if (SUMMARY_LABELS[key]) return SUMMARY_LABELS[key];
  return key.replace(/_/g, ' ').replace(/([a-z])([A-Z])/g, (_s, a: string, b: string) => `${a} ${b.toLowerCase()}`);
}

/** A configuration path as a person reads it: `training.batchSize` → "training › batch size". */
export function parameterLabel(path: string): string {
  return path
    .split('.')
    .map((p) => columnLabel(p))
    .join(' › ');
}

/** A best-metric cell as shown: epochs counted from 1 as everywhere in the app (the store counts from 0). */
export function metricDisplayValue(key: string, value: number | undefined): number | undefined {
  return key === 'best_epoch' && value !== undefined ? value + 1 : value;
}

/**
 * An epoch of a run (counted from 0, as stored) as a person reads it, counted from 1: "4"; for a seed
 * ensemble, whose stored epochs run on over its members (K members of E epochs: 0 … K·E − 1),
 * "member 2, epoch 2".
 */
export function epochLabel(epoch: number, r: Pick<RunRecord, 'tags' | 'epochsPlanned'>): string {
  const members = ensembleMembers(r);
  if (members === 1) return String(epoch + 1);
  const each = r.epochsPlanned / members;
  return `member ${Math.floor(epoch / each) + 1}, epoch ${(epoch % each) + 1}`;
}

/** A best-metric cell of the runs table: the best epoch as `epochLabel` says it, any other metric as a number. */
export function bestMetricText(key: string, r: Pick<RunRecord, 'tags' | 'epochsPlanned' | 'bestMetrics'>): string {
  const v = r.bestMetrics[key];
  return key === 'best_epoch' && v !== undefined ? epochLabel(v, r) : fmtNum(v);
}

/** A run's epochs done of those planned; a seed ensemble's with its members ("4/4 epochs, 2 members × 2"). */
export function epochsText(r: Pick<RunRecord, 'tags' | 'epochsDone' | 'epochsPlanned'>): string {
  const members = ensembleMembers(r);
  return `${r.epochsDone}/${r.epochsPlanned}${members > 1 ? ` epochs, ${members} members × ${r.epochsPlanned / members}` : ''}`;
}

/**
 * What a run's progress bar says: live, where the training is ("epoch 2/3, batch 4/5"; a seed
 * ensemble's member and the epoch within it, "member 2/2 · epoch 1/2 done", its events counting epochs
 * over the members), else the epochs done ("epoch 3/3", "4/4 epochs, 2 members × 2").
 */
export function progressText(r: Pick<RunRecord, 'tags' | 'epochsDone' | 'epochsPlanned'>, p: Pick<TrainingProgress, 'kind' | 'epoch' | 'epochs' | 'batch' | 'batches' | 'member'> | null): string {
  if (!p) return ensembleMembers(r) > 1 ? epochsText(r) : `epoch ${epochsText(r)}`;
  const each = p.member ? p.epochs / p.member.count : p.epochs;
  const where = p.member ? `member ${p.member.index + 1}/${p.member.count} · epoch ${p.epoch - p.member.index * each + 1}/${each}` : `epoch ${p.epoch + 1}/${p.epochs}`;
  return `${where}${p.kind === 'batch' ? `, batch ${p.batch + 1}/${p.batches}` : ' done'}`;
}

/** Columns shown by default (the rest through the column chooser): the ones a comparison starts from. */
export function defaultColumns(keys: { summary: string[]; metrics: string[] }): string[] {
  const metrics = keys.metrics.filter((k) => /^(best_epoch|(val|test)_(mae|accuracy|energy_mae|force_mae))$/.test(k));
  const summary = keys.summary.filter((k) => ['architecture'].includes(k));
  return [...metrics.map((k) => `metric.${k}`), ...summary.map((k) => `summary.${k}`)];
}

/**
 * What a run's status badge says. A run that was going (queued, running, paused) when the
 * connection to the host dropped may have stopped since (the host killed or restarted): until the
 * connection is back its state is only the last one known, and the badge says so.
 */
export function statusLabel(status: string, connected: boolean): string {
  const going = ([...ACTIVE_RUN_STATUSES, ...ACTIVE_SIMULATION_STATUSES] as readonly string[]).includes(status);
  return going && !connected ? `connection lost — last known: ${status}` : status;
}
