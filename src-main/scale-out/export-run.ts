/**
 * The one way a run (or a config) is exported for PyTorch, behind `latticework export … --to torch
 * DIR` and the app's "Export for PyTorch…" on a run's page (services/scale-out.ts): what to export
 * (a run's config and split, a config file, a preset), the data read the way the run read it, then
 * the folder written by ./torch-export.ts.
 */
import { resolve } from 'node:path';
import { mergeConfig, type ModelConfig } from '../../src-shared/model/config';
import { isPotentialConfig, parsePotentialConfig, type PotentialConfig } from '../../src-shared/model/potential';
import { ensembleMembers, fineTunedFrom } from '../../src-shared/model/run-tags';
import { targetUnit } from '../../src-shared/model/units';
import type { Split } from '../../src-shared/model/split';
import { shellWord } from '../../src-shared/text';
import { parseModelConfig } from '../engine/architectures/registry';
import { readModelHeader, type TargetInfo } from '../engine/models/format';
import { decodeCheckpoint } from '../engine/train/checkpoint';
import type { TargetNormalizer } from '../engine/train/normalizer';
import type { TrainingSample } from '../engine/train/trainer';
import { currentBackend, initBackend } from '../engine/tf/backend';
import { datasetFrames } from '../datasets/frames';
import { nothingUsableMessage } from '../datasets';
import { datasetAtomInit, fitConfigToData, leftOutMessage, readDatasetAt, trainingSampleOf } from '../datasets/in-process';
import type { DatasetRead, LabelledStructures } from '../datasets/types';
import { parseJson, type Tx } from '../store/database';
import { runConfig, runSplit, type RunRow } from '../store/runs';
import { checkExportFolderEmpty, writeExportFolder } from './export-folder';
import { exportProblem, exportTorchPotential, exportTorchRun, type ExportFileWriter, type TorchExportSummary } from './torch-export';

/** What is exported: the config (a property model's or a potential's), its split and where it came from. */
export interface ExportRequest {
  config: ModelConfig | PotentialConfig;
  /** The run's split (indices into the data); null: the config's seeded split. */
  split: Split | null;
  exportedFrom: { runId: number; database: string } | null;
  /**
   * The target normaliser the run fitted on its training structures (its model file's, else its
   * last checkpoint's), which the data's must equal; null: a config, a potential, a run that does not
   * normalise its targets or keeps neither model nor checkpoint (its data is checked by its split's size only).
   */
  trainedNormalizer: TargetNormalizer | null;
  /**
   * The units of the run's targets, which the exported model records (so that the model PyTorch trains predicts with
   * them): its model file's targets (by name), else the unit the run records for its target; null for a config, and
   * for what a run records nothing of: each target's name states its unit (`targetUnit`), as `latticework train` without --unit.
   */
  units: { targets: TargetInfo[]; unit: string | null } | null;
  /** Name of the model PyTorch will write. */
  name: string;
}

/** The data to export with: a dataset on disk read as `latticework train --data` reads it, or structures already read (a stored dataset). */
export type ExportData = { path: string; target?: string; limit?: number } | { read: LabelledStructures };

/** A property model's config, or an interatomic potential's (`kind: 'potential'`), with `overrides` merged in. */
export function exportConfig(input: unknown, overrides: Record<string, unknown> = {}): ModelConfig | PotentialConfig {
  const merged = mergeConfig(input as Record<string, unknown>, overrides);
  return isPotentialConfig(merged) ? parsePotentialConfig(merged) : parseModelConfig(merged);
}

/** A stored run as an export request: its config (epochs overridable), its own split and target normaliser, its name. */
export async function runExportRequest(tx: Tx, row: RunRow, database: string, opts: { epochs?: number } = {}): Promise<ExportRequest> {
  const problem = await runExportProblem(tx, row);
  if (problem) throw new Error(`cannot export run ${row.id}: ${problem}`);
  const config = exportConfig(runConfig(row), opts.epochs === undefined ? {} : { training: { epochs: opts.epochs } });
  const model = row.model_id === null ? undefined : await tx.get<{ data: Uint8Array }>('SELECT data FROM model WHERE id = ?', [row.model_id]);
  const header = model ? readModelHeader(new Uint8Array(model.data)) : null;
  return {
    config,
    split: runSplit(row),
    exportedFrom: { runId: row.id, database },
    trainedNormalizer: isPotentialConfig(config) || !config.training.normalizeTargets ? null : (header?.normalizer ?? (await lastCheckpointNormalizer(tx, row))),
    units: { targets: header?.targets ?? [], unit: row.target_unit },
    name: row.name,
  };
}

/**
 * Why a run cannot be exported for PyTorch as it trained (docs/scale-out.md, Limits), or null: a
 * fine-tuning run starts from another model's weights, and a seed ensemble trains several members,
 * neither of which the export's `train.py` does (it would train one fresh model and say nothing).
 * Read from the tags the run was created with (`from:NAME`, `ensemble:K`) and its model file.
 */
async function runExportProblem(tx: Tx, row: RunRow): Promise<string | null> {
  const run = { tags: parseJson<string[]>(row.tags, []) };
  const from = fineTunedFrom(run);
  if (from) return `it fine-tunes ${from.model} (the export trains from fresh weights; fine-tuning is not exported: train it here, or export the config to train from scratch)`;
  const model = row.model_id === null ? undefined : await tx.get<{ members: number }>('SELECT members FROM model WHERE id = ?', [row.model_id]);
  const members = Math.max(model?.members ?? 1, ensembleMembers(run));
  if (members > 1) return `it trains an ensemble of ${members} members (the export trains one model; ensembles are not exported: export the config for one member)`;
  return null;
}

/** The target normaliser a run without a model fitted on its training structures: its last checkpoint's; null when it keeps none. */
async function lastCheckpointNormalizer(tx: Tx, row: RunRow): Promise<TargetNormalizer | null> {
  const last = await tx.get<{ data: Uint8Array }>("SELECT data FROM checkpoint WHERE run_id = ? AND kind = 'last'", [row.id]);
  return last ? decodeCheckpoint(new Uint8Array(last.data)).normalizer : null;
}

/** What an export tells and asks as it goes (every one optional). */
export interface ExportHooks {
  /** Told what is being done (a progress line), and awaited: it stops the export by throwing (the app's Cancel, the command line's Ctrl-C). */
  step?: (message: string) => void | Promise<void>;
  /**
   * Awaited between the structures whose graphs are built, and once the folder is written before it is named (a stop
   * that came while it was written): it stops the export by throwing, as `step` does, and says nothing else.
   */
  check?: () => Promise<void>;
  /** What a dataset read from its path left out (as `latticework train` says it), and the partial folders of killed exports removed; `step` unless given. */
  notice?: (message: string) => void;
  /** Writes each file of the folder (`writeFileSync`; a test gives one that fails, as a full disk does). */
  writeFile?: ExportFileWriter;
}

/**
 * Writes the export folder `out` (new or empty): reads the data, builds the graphs with the
 * model's settings and draws the initial weights (tfjs: the cpu backend unless one is set). The folder appears
 * whole or not at all: it is written beside `out` as `.NAME.partial-PID` and renamed once complete
 * (export-folder.ts `writeExportFolder`); a failure or a stop removes it.
 */
export async function exportForTorch(req: ExportRequest, data: ExportData, out: string, hooks: ExportHooks = {}): Promise<TorchExportSummary> {
  const { config } = req;
  const step = hooks.step ?? (() => undefined);
  const check = hooks.check ?? (async () => undefined);
  const notice = hooks.notice ?? step;
  const write = (exportTo: (partial: string) => TorchExportSummary) => writeExportFolder(out, exportTo, check, notice).then((summary) => ({ ...summary, folder: resolve(out) }));
  if (!isPotentialConfig(config)) {
    const problem = exportProblem(config);
    if (problem) throw new Error(`cannot export: ${problem}`);
  }
  // before the data is read and the graphs built (a large dataset's take minutes)
  checkExportFolderEmpty(out);
  if (!currentBackend()) await initBackend({ force: 'cpu' });
  await step('reading the data');
  if (isPotentialConfig(config)) {
    // an interatomic potential: the labelled frames (energies, forces, stresses), read as `latticework train` reads them
    const read = 'read' in data ? data.read : await readForExport(data.path, { kind: 'frames', limit: data.limit }, 'frame', notice);
    const frames = datasetFrames(read);
    if (frames.length === 0) throw new Error(`no labelled frame could be read from ${read.source}`);
    await step(`writing ${frames.length} frames and their neighbour lists`);
    return write((partial) => exportTorchPotential({ config, frames, source: read.source, split: req.split, exportedFrom: req.exportedFrom, name: req.name }, partial, hooks.writeFile));
  }
  const read = 'read' in data ? data.read : await readForExport(data.path, { target: data.target, limit: data.limit }, 'structure', notice);
  if (read.items.length === 0) throw new Error(`no labelled structure could be read from ${read.source}`);
  const fitted = fitConfigToData(config, read);
  const atomInit = datasetAtomInit(read);
  await step(`building the graphs of ${read.items.length} structures`);
  // one structure at a time, a stop heard between them (seconds for thousands of structures)
  const sample = trainingSampleOf(fitted.config, read, atomInit);
  const samples: TrainingSample[] = [];
  for (const item of read.items) {
    await check();
    samples.push(sample(item));
  }
  await step('writing the folder');
  const targets = fitted.targetNames.map((name) => ({ name, unit: req.units?.targets.find((t) => t.name === name)?.unit ?? req.units?.unit ?? targetUnit(name) }));
  return write((partial) => exportTorchRun({ config: fitted.config, data: read, samples, atomInit, targets, split: req.split, exportedFrom: req.exportedFrom, trainedNormalizer: req.trainedNormalizer, name: req.name }, partial, hooks.writeFile));
}

/**
 * A dataset read from its path for an export, as `latticework train` reads it: nothing usable is an
 * error giving every reason; what it left out of a usable rest is told to `notice`.
 */
async function readForExport(path: string, options: Parameters<typeof readDatasetAt>[1], noun: 'structure' | 'frame', notice: (message: string) => void): Promise<DatasetRead> {
  const read = await readDatasetAt(path, options);
  if (read.items.length === 0) throw new Error(nothingUsableMessage(read, noun, read.source));
  const leftOut = leftOutMessage(read);
  if (leftOut) notice(leftOut);
  return read;
}

/** What to do with an export folder next, one command a line (the CLI prints them; the app shows them). */
export function nextSteps(folder: string): string[] {
  const q = shellWord(folder);
  return [
    `cd ${q}`,
    'python train.py                        # one process (CPU or the first GPU)',
    'torchrun --nproc_per_node G train.py   # G processes (GPUs: NCCL; CPUs: gloo; Debian 12 torch 1.13: add --redirects 1 --tee 1)',
    'sbatch train.sbatch                    # Slurm (edit its #SBATCH lines first)',
    `latticework import-run ${q}            # then bring the run back (or drop the folder on the Runs view)`,
  ];
}
