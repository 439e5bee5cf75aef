/**
 * The potential branch of `latticework train`: `--preset schnet-potential|painn-potential` (or a
 * `--config` with `"kind": "potential"`) on labelled frames read by the one dataset reader (kind
 * 'frames': extended XYZ, vasprun.xml, OUTCAR, ASE databases…, compressed or not). Trains on
 * energy, forces and stress when the file has them (`--no-forces`, `--no-stress` leave them out);
 * `--from MODEL [--freeze N]` fine-tunes a stored potential (its architecture and weights, the
 * reference energies refitted on the new data, the embedding rows of elements it never trained
 * copied from the nearest element it did — announced on stderr —, the first N blocks fixed).
 * Stores the model with task 'potential'. The run is recorded in the database (`--db`) through the
 * run store's RunRecorder, with the metric keys of docs/potentials.md ("Runs").
 */
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { plural } from '../../../src-shared/text';
import type { LabelKeys } from '../../../src-shared/chem/labels';
import { issueLines, mergeConfig, unknownGivenFields } from '../../../src-shared/model/config';
import { fineTunedPotentialInput, parsePotentialConfig, type PotentialConfig } from '../../../src-shared/model/potential';
import { trainingTags } from '../../../src-shared/model/run-tags';
import { isPotentialPreset, potentialPresetConfig } from '../../engine/architectures/registry';
import { encodeModelFile, type ModelFileData } from '../../engine/models/format';
import { modelRepository } from '../../models/store';
import { parseModelName } from '../../../src-shared/model/names';
import { isPotentialFile } from '../../engine/potential/file';
import { sourceTrainedElements } from '../../engine/potential/finetune';
import type { PotentialStart } from '../../engine/potential/checkpoint';
import { describeBackend, initBackend } from '../../engine/tf/backend';
import { ensureGradients } from '../../engine/tf/gradients';
import { TrainingControl } from '../../engine/train/control';
import { trainValTestSplit } from '../../../src-shared/model/split';
import type { PotentialRunHooks, PotentialRunInfo } from '../../services/cli-store';
import { nothingUsableMessage } from '../../datasets';
import { datasetFrames } from '../../datasets/frames';
import { leftOutMessage, readDatasetAt } from '../../datasets/in-process';
import { potentialMetricsLine, trainPotentialRun } from '../../workers/train-potential';
import { usageError, type CommandContext } from '../command';
import { reportTrainSummary, type PotentialTrainSummary } from '../train-summary';
import { leaveStopSignalsUnheard, onStopSignal, stoppedStatus } from '../signals';

export interface PotentialTrainArgs {
  data: string;
  preset?: string;
  /** The --config file's fields (already read), overriding the preset's. */
  fileConfig: Record<string, unknown>;
  /** --epochs, --seed, --batch-size, --lr as config overrides. */
  overrides: Record<string, unknown>;
  noForces: boolean;
  noStress: boolean;
  /** The potential to fine-tune (resolved by the command: a stored model's name or a file). */
  from?: ModelFileData;
  freeze?: number;
  /** Train this many members (seeds seed, seed + 1, …; the same split) and store them as one ensemble. */
  ensemble?: number;
  limit?: number;
  /** --energy-key, --forces-key, --stress-key: the extended XYZ keys of the labels (default: the key mapping's candidates). */
  labelKeys: LabelKeys;
  backend?: string;
  name?: string;
  out?: string;
  noSave: boolean;
  force: boolean;
  json: boolean;
  /** The run database (--db). */
  db?: string;
}

/** Opens the run's record (the command: the database's run store; tests may leave it out). */
export type PotentialRunRecorderFactory = (db: string | undefined, info: PotentialRunInfo) => Promise<PotentialRunHooks>;

/** Whether `train` should take the potential branch. */
export function wantsPotential(preset: string | undefined, fileConfig: Record<string, unknown>): boolean {
  return (preset !== undefined && isPotentialPreset(preset)) || fileConfig.kind === 'potential';
}

export async function runPotentialTraining(ctx: CommandContext, a: PotentialTrainArgs, record?: PotentialRunRecorderFactory): Promise<number> {
  const log = (s: string) => {
    if (!a.json) ctx.io.out(s);
  };
  const training: Record<string, unknown> = {};
  if (a.noForces) training.forces = false;
  if (a.noStress) training.stress = false;
  const overrides = mergeConfig(mergeConfig(a.fileConfig, a.overrides), { training });
  let config: PotentialConfig;
  let start: PotentialStart | undefined;
  let modelName: string;
  const dataName = a.data.replace(/^.*[\\/]/, '').replace(/\.[^.]+$/, '');
  // the config, the source and the name are the user's to correct: refused as bad usage (exit 2), as a property model's are
  try {
    if (a.from) {
      const src = a.from;
      if (!isPotentialFile(src)) throw new Error(`--from ${src.header.name}: a ${src.header.task} model; a potential run fine-tunes a potential (a property model's layers do not map onto a potential's)`);
      // the source's architecture, sizes and cutoff; this run's training overrides
      config = parsePotentialConfig(fineTunedPotentialInput(src.header.config, (overrides as { training?: unknown }).training));
      start = { weights: src.members[0], startedFrom: src.header.name, sourceElements: sourceTrainedElements(src) };
    } else config = a.preset && isPotentialPreset(a.preset) ? potentialPresetConfig(a.preset, overrides) : parsePotentialConfig(overrides);
    // a fine-tuning run takes only the training section from the config; a field the schema drops is an error, not ignored
    const given = overrides as { model?: unknown; radial?: unknown; training?: unknown };
    if (a.from && (given.model !== undefined || given.radial !== undefined)) throw new Error(`--from ${a.from.header.name}: a fine-tuning run keeps the source's model and radial settings; the config may set only "training"`);
    const unknown = unknownGivenFields(overrides, config, a.from !== undefined);
    if (unknown.length) throw new Error(`invalid config: ${issueLines(unknown).join('; ')}`);
    // the model is stored under its name after the whole run: checked now, as the output file is
    modelName = parseModelName(a.name ?? `${config.preset ?? `${config.architecture}-potential`}-${dataName}`);
  } catch (e) {
    return usageError(ctx.io, 'train', (e as Error).message);
  }
  const startedFrom = start?.startedFrom ?? null;
  const taken = a.out || a.noSave ? null : await modelRepository().saveProblem(modelName, { overwrite: a.force });
  if (taken) return usageError(ctx.io, 'train', taken);

  let choice: Awaited<ReturnType<typeof initBackend>>;
  try {
    choice = await initBackend({ force: a.backend });
  } catch (e) {
    // a backend that cannot load is refused as predict refuses it
    return usageError(ctx.io, 'train', (e as Error).message);
  }
  const gradientProblem = await ensureGradients();
  if (gradientProblem) throw new Error(`training is unavailable: ${gradientProblem}`);
  log(`backend: ${describeBackend(choice)}`);
  const path = resolve(ctx.cwd, a.data);
  // the one dataset reader (src-main/datasets, kind 'frames'): any frame file or a folder of them, compressed or not
  const read = await readDatasetAt(path, { kind: 'frames', limit: a.limit, ...a.labelKeys });
  const leftOut = leftOutMessage(read);
  if (leftOut) ctx.io.err(`latticework train: ${leftOut}`);
  // which key each label came from (and the other candidates a MACE-style file has), as structure frames says
  for (const n of read.frames?.notes ?? []) ctx.io.err(`latticework train: ${n}`);
  // the labels check's warnings (stress in kB, forces not summing to zero, duplicates with other labels), as the app's dataset report shows them
  for (const w of read.frames?.warnings ?? []) ctx.io.err(`latticework train: warning: ${w}`);
  const frames = datasetFrames(read);
  if (frames.length === 0) throw new Error(nothingUsableMessage(read, 'frame', read.source));
  const has = { energy: frames.some((x) => x.energy !== null), forces: frames.some((x) => x.forces !== null), stress: frames.some((x) => x.stress !== null) };
  log(`data: ${plural(frames.length, 'frame')} from ${a.data} (energy ${has.energy ? 'yes' : 'no'}, forces ${has.forces ? 'yes' : 'no'}, stress ${has.stress ? 'yes' : 'no'})`);
  log(`model: ${config.architecture} potential${config.preset ? ` (preset ${config.preset})` : ''}${startedFrom ? `, fine-tuned from ${startedFrom}${a.freeze ? ` with ${plural(a.freeze, 'block')} frozen` : ''}` : ''}; ${plural(config.training.epochs, 'epoch')}, batch ${config.training.batchSize}, cutoff ${config.radial.cutoff} Å`);

  const members = a.ensemble ?? 1;
  // members differ by seed (initial weights, shuffling); they share one split
  const split = trainValTestSplit(frames.length, config.training.split, config.training.seed);
  const hooks = await record?.(a.db, {
    name: a.name ?? `${config.preset ?? `${config.architecture} potential`} on ${dataName}`,
    config,
    datasetName: path,
    backend: choice.candidate,
    epochsPlanned: config.training.epochs * members,
    split,
    tags: ['cli', 'potential', ...trainingTags({ members, fineTunedFrom: startedFrom ? { model: startedFrom, freeze: a.freeze ?? 0, head: 'auto' } : null })],
    // the name is reserved as the run is recorded: another run training now under it refuses this one here, before training
    storesModel: a.out || a.noSave ? null : { name: modelName, force: a.force },
  });
  try {
    const control = new TrainingControl();
    const offStop = onStopSignal(() => control.cancel());
    let run: Awaited<ReturnType<typeof trainPotentialRun>>;
    try {
      run = await trainPotentialRun(config, frames, {
        split,
        members,
        start,
        freeze: a.freeze,
        // which element rows were seeded (or why none): on stderr, with or without --json
        announce: (line) => ctx.io.err(`latticework train: ${line}`),
        control,
        names: read.items.map((it) => it.name),
        model: { name: modelName, dataset: path },
        log,
        onBatch: (b) => hooks?.onBatch(b),
        onEpoch: (e) => hooks?.onEpoch(e),
      });
      // trained to its end: a signal now is too late to stop it, and is left unheard while the model is saved and
      // the summary printed (the command ends 0, not 130 or 143)
      if (!run.cancelled) leaveStopSignalsUnheard();
    } finally {
      offStop();
    }
    const runs = run.members;
    const r = runs[runs.length - 1];
    const cancelled = run.cancelled;
    let location: string | null = null;
    if (run.file && !a.noSave) {
      if (a.out) {
        location = resolve(ctx.cwd, a.out);
        writeFileSync(location, encodeModelFile(run.file));
      } else location = await modelRepository().save(run.file, { overwrite: a.force });
    }
    // an ensemble's metrics are the stored model's (its members' mean prediction), as in the summary below
    await hooks?.onFinish({ cancelled, bestEpoch: run.bestEpoch, epochsDone: run.epochsDone, val: run.val, test: run.test, location });
    const summary: PotentialTrainSummary = {
      status: r.status,
      backend: choice.candidate,
      architecture: config.architecture,
      preset: config.preset ?? null,
      kind: 'potential',
      startedFrom,
      freeze: a.freeze ?? 0,
      seededElements: run.seededElements,
      members: runs.length,
      trained: r.trained,
      structures: frames.length,
      split: { train: r.split.train.length, val: r.split.val.length, test: r.split.test.length },
      epochs: r.epochsRun,
      bestEpoch: r.bestEpoch,
      bestValScore: r.bestScore,
      val: run.evaluated.val?.metrics ?? null,
      test: run.evaluated.test?.metrics ?? null,
      seconds: runs.reduce((t, x) => t + x.seconds, 0),
      model: location,
      runId: hooks?.runId ?? null,
    };
    reportTrainSummary(ctx.io, summary, { json: a.json, cancelled, recorded: !!hooks, detail: run.evaluated.test ? `; test ${potentialMetricsLine(run.evaluated.test.metrics)}` : '' });
    return cancelled ? stoppedStatus() : 0;
  } catch (e) {
    await hooks?.onError(e as Error);
    throw e;
  }
}
