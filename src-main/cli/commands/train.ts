/**
 * `latticework train --data DIR_OR_FILE (--preset NAME | --config FILE) [--epochs N] [--seed S] [--db PATH]`
 *
 * Trains a model on a dataset read by the one dataset reader (src-main/datasets: a CGCNN folder,
 * an extended XYZ file, a CSV or labelled frames, its DATASET_FORMATS, which --help lists), printing
 * one line per epoch (or one JSON summary with --json), then stores the best model in the database
 * (or writes it to --out FILE.lwm only). The run is recorded in the database through `TrainHooks`
 * (`trainCommand`: services/cli-store's recorder on the run store).
 */
import { existsSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { atomInitRecord } from '../../../src-shared/graph/features';
import { trainingTags, type HeadChoice } from '../../../src-shared/model/run-tags';
import type { TrainCommandRecord } from '../../../src-shared/ipc/services/training';
import { issueLines, mergeConfig, ModelConfigError, unknownGivenFields, type ModelConfig } from '../../../src-shared/model/config';
import { groupThousands, plural } from '../../../src-shared/text';
import { trainingDomain } from '../../../src-shared/model/domain';
import { parsePotentialConfig } from '../../../src-shared/model/potential';
import { targetUnit } from '../../../src-shared/model/units';
import { allPresetIds, parameterCount, parseModelConfig, potentialPresets, presetConfig, presetIds } from '../../engine/architectures/registry';
import { encodeModelFile, type ModelFileData } from '../../engine/models/format';
import { isPotentialFile } from '../../engine/potential/file';
import { checkFreezeDepth, FineTuneError, fineTuneAtomInit, fineTuneConfig, planFineTune, seedEmbeddingRows, type FineTunePlan } from '../../engine/train/finetune';
import { modelRepository, resolveModel } from '../../models/store';
import { parseModelName } from '../../../src-shared/model/names';
import { describeBackend, initBackend, parseBackendName } from '../../engine/tf/backend';
import { ensureGradients } from '../../engine/tf/gradients';
import { buildModel } from '../../engine/layers/model';
import { decodeCheckpoint, type Checkpoint } from '../../engine/train/checkpoint';
import { TrainingControl } from '../../engine/train/control';
import { kFoldEnsemble, trainKFold, trainModel, type BatchProgress, type EpochProgress, type TrainingResult } from '../../engine/train/trainer';
import { dataParallel } from '../../workers/parallel/executor';
import { defaultTrainingWorkers } from '../../workers/parallel/workers';
import { runPotentialTraining, wantsPotential, type PotentialRunRecorderFactory } from './train-potential';
import { DATASET_FORMATS, nothingUsableMessage } from '../../datasets';
import { datasetAtomInit, datasetFingerprint, fitConfigToData, leftOutMessage, readDatasetAt, readerNotes, trainingSamples } from '../../datasets/in-process';
import { sqlitePotentialRunHooks, sqliteRunToResume, sqliteTrainHooks, type CliRunToResume } from '../../services/cli-store';
import { ModelNameTakenError } from '../../store/runs';
import { reportTrainSummary, type PropertyTrainSummary } from '../train-summary';
import { flagOptions, LABEL_KEY_OPTIONS, labelKeys, labelKeysUsage, outputFileProblem, parseCommandArgs, readJsonObjectFile, usageDescription, usageError, valueOptions, type Command, type CommandContext } from '../command';
import { leaveStopSignalsUnheard, onStopSignal, stoppedStatus } from '../signals';
import { FileAccessError } from '../../files/path-guard';

const usage = `Usage: latticework train --data DIR_OR_FILE (--preset NAME | --config FILE | --from MODEL) [options]
       latticework train --resume RUN [--out FILE.lwm] [--force] [--db PATH] [--json]

Trains a graph neural network and stores the best model (lowest validation MAE;
classification: highest ROC-AUC) in the database. With a potential preset
(${potentialPresets().map((p) => p.id).join(', ')}) it trains an interatomic potential on the energies,
forces and stresses of labelled frames, the last kind below (best epoch: lowest validation
energy MAE in meV/atom + force MAE in meV/Å + stress MAE in meV/Å³).
  --data PATH        a file or a folder, read as the first of these it is (the dataset
                     rules: docs/datasets.md):
${DATASET_FORMATS.map((f) => `                     - ${usageDescription(f.description, 23)}`).join('\n')}
  --preset NAME      one of ${allPresetIds().join(', ')}
  --config FILE      a model config (JSON; missing fields take their defaults); with
                     --preset, the file's fields override the preset's
  --target T         tables: target column(s) by header name or number (2 = the first
                     after the structure; several: 2,3); default column 2. Extended
                     XYZ: a per-frame property or per-atom array (default
                     energy_per_atom, else energy)
  --unit U           the target's unit, recorded in the model file and the run and shown
                     with its predictions (default: the unit the target's name states, as
                     in a header "band_gap (eV)", or a known name's, e.g. eV/atom for
                     energy_per_atom; else none)
  --epochs N         override training.epochs
  --seed S           override training.seed (split, initial weights, shuffling)
  --batch-size N     override training.batchSize
  --lr X             override the optimiser's learning rate
  --limit N          use only the first N structures
  --backend NAME     tfjs backend: auto (default), tfjs-node-gpu, tfjs-node, wasm, cpu
  --workers N        data-parallel worker threads, each computing the gradient of a share of
                     every batch (default: one per core on wasm and cpu, 1 on tfjs-node)
  --name NAME        name of the stored model, kept as given in any script, up to 200
                     characters (default: <preset or architecture>-<data>); not a name a
                     built-in model answers to (CGCNN band gap, band-gap, ...: exit 2)
  --out FILE.lwm     write the model file there instead of the database (the run is
                     still recorded, without a model)
  --no-save          keep no model: neither stored nor written (the run is still recorded;
                     refused with --out, exit 2)
  --force            replace the stored model of the same name (without it a taken name is
                     refused before training, exit 2)
  --db PATH          run database (default $LATTICEWORK_DB, else the data directory)
  --json             print one JSON summary at the end instead of progress lines (its
                     "runId": the run's id, for export RUN and --resume RUN)
  --resume RUN       continue an interrupted run (its process killed; RUN: its id in
                     \`latticework runs\`) from its last checkpoint: its data read again as
                     it recorded (refused if it changed), its settings, epochs appended to
                     the same run, its model saved as its command would (or to a new --out).
                     Runs of property models recorded since session 42; a k-fold run keeps
                     the folds it finished and continues the fold under way
Fine-tuning (docs/training.md "Fine-tuning"):
  --from MODEL       start from a model: a stored model's name (\`latticework runs\` gives
                     each run's model), a built-in one's (e.g. formation-energy-per-atom),
                     a .lwm file or a CGCNN .pth.tar;
                     its architecture and weights, this run's training settings; the
                     target normaliser (potentials: the reference energies) refitted
  --freeze N         with --from: keep the atom embedding and the first N message-passing
                     layers (potentials: blocks) fixed; 0 (default) trains everything
  --head H           with --from, property models: auto (default: keep the head when the
                     target is the same — task, outputs and names — else re-initialise
                     it), keep, or new
Potentials only (they refuse --target and --unit, and train in one thread: --workers 1):
${labelKeysUsage(21)}
                     (which key each label came from is said on stderr)
  --no-forces        do not train on forces (the file's forces are still evaluated)
  --no-stress        do not train on stress
  --ensemble K       train K members (seeds seed..seed+K-1, one split) into one model:
                     predictions give the spread of the energy and of each atom's force
Exit status: 0 finished, 1 failed, 2 bad usage, 130 cancelled (Ctrl+C), 143 cancelled by SIGTERM
(a signal once the last epoch is trained is too late: the model is saved, exit 0).`;

/** What a recorder learns about a run before it starts. */
export interface TrainRunInfo {
  /** The run's name (--name, else `<preset or architecture> on <data>`). */
  name: string;
  config: ModelConfig;
  dataset: { source: string; structures: number; target: string; perAtom: boolean; unit: string };
  backend: string;
  /** Data-parallel training workers. */
  workers: number;
  db?: string;
  split: { train: number[]; val: number[]; test: number[] } | null;
  /** Tags beside 'cli': a fine-tuning run's from:<model> and freeze:<N>. */
  tags: string[];
  /** How it read its data and where its model goes, recorded with the run (`--resume`). */
  trainCommand: TrainCommandRecord;
}

/** Callbacks for run recording (SQLite). All optional; awaited in order. */
export interface TrainHooks {
  onStart?(info: TrainRunInfo): void | Promise<void>;
  /** The id of the run recorded, once `onStart` has recorded it (else null). */
  runId?(): number | null;
  /** Each batch (synchronous: called inside the training loop). */
  onBatch?(b: BatchProgress): void;
  onEpoch?(e: EpochProgress): void | Promise<void>;
  onCheckpoint?(c: Checkpoint, info: { epoch: number; isBest: boolean }): void | Promise<void>;
  onFinish?(r: TrainingResult, model: { location: string | null }): void | Promise<void>;
  onError?(e: Error): void | Promise<void>;
}

export type TrainHooksFactory = (opts: { db?: string }) => TrainHooks | Promise<TrainHooks>;

function fmt(x: number | undefined, d = 4): string {
  return x === undefined || Number.isNaN(x) ? '—' : x.toFixed(d);
}

/** The model a fine-tuning run starts from (--from): a stored model's name, a .lwm file or CGCNN's .pth.tar, found from `cwd`. */
async function fineTuningSource(from: string, cwd: string): Promise<ModelFileData> {
  const { importCgcnnCheckpoint } = await import('../../engine/import/cgcnn');
  return resolveModel(from, cwd, (bytes, fileName) => importCgcnnCheckpoint(bytes, { fileName }), '--from');
}

function dataName(path: string): string {
  const parts = path.replace(/[\\/]+$/, '').split(/[\\/]/);
  const last = parts[parts.length - 1] ?? 'data';
  return last === 'cgcnn' && parts.length > 1 ? parts[parts.length - 2] : last.replace(/\.[^.]+$/, '');
}

/**
 * Where a resumed run continues: after its checkpoint's epoch (a k-fold run's: in its fold, numbered from 0 as
 * the epoch lines number them, the folds before it kept), or from its start (`foldless`: its checkpoint was a
 * k-fold run's from before they kept their finished folds).
 */
function resumedAt(checkpoint: Checkpoint | undefined, config: ModelConfig, foldless: boolean): string {
  const { epochs, kFold } = config.training;
  if (!checkpoint) return `from its start (${foldless ? 'its checkpoint is from before k-fold runs kept their finished folds' : 'it had no checkpoint'})`;
  if (!checkpoint.kFold) return `after epoch ${checkpoint.epoch} of ${epochs}`;
  const { fold, finished } = checkpoint.kFold;
  const kept = finished.length === 0 ? '' : finished.length === 1 ? ', fold 0 before it kept as it finished' : `, folds 0–${finished.length - 1} before it kept as they finished`;
  return `in fold ${fold} (of folds 0–${kFold! - 1}) after its epoch ${checkpoint.epoch} of ${epochs}${kept}`;
}

/** Opens the interrupted run `--resume RUN` continues (services/cli-store `sqliteRunToResume`): refusals are errors saying why. */
export type RunResumer = (opts: { db?: string }, runId: number) => Promise<CliRunToResume>;

/**
 * `potentialRecorder`: where a potential's run is recorded (the command: the database; tests may leave both out);
 * `resumer`: where `--resume` finds its run (without it, --resume is refused).
 */
export function makeTrainCommand(hooksFactory?: TrainHooksFactory, potentialRecorder?: PotentialRunRecorderFactory, resumer?: RunResumer): Command {
  return {
    usage,
    async run(ctx: CommandContext): Promise<number> {
      const parsed = parseCommandArgs(ctx, 'train', usage, {
        options: {
          ...valueOptions('data', 'preset', 'config', 'target', 'unit', 'epochs', 'seed', 'batch-size', 'lr', 'limit', 'backend', 'workers', 'name', 'out', 'db', 'from', 'freeze', 'head', 'ensemble', 'resume'),
          ...LABEL_KEY_OPTIONS,
          ...flagOptions('no-save', 'force', 'json', 'no-forces', 'no-stress'),
        },
      });
      if (!parsed) return 2;
      const { values } = parsed;
      const bad = (msg: string) => usageError(ctx.io, 'train', msg, usage);
      if (values.resume !== undefined) {
        const runId = Number(values.resume);
        if (!Number.isInteger(runId) || runId < 1) return bad(`--resume expects a run id (\`latticework runs\` lists them), got "${values.resume}"`);
        // the run's own data and settings: only where its model goes, and the output, may be given
        const given = Object.keys(values).filter((k) => !['resume', 'out', 'force', 'db', 'json'].includes(k) && values[k as keyof typeof values] !== undefined);
        if (given.length) return bad(`--resume ${runId} continues the run with the data and settings it recorded: leave out ${given.map((k) => `--${k}`).join(', ')} (it takes only --out, --force, --db and --json)`);
        if (!resumer) return bad('--resume needs a run database, and this command records its runs in none');
        return resumeRun(ctx, runId, { out: values.out, force: !!values.force, db: values.db, json: !!values.json }, resumer);
      }
      if (!values.data) return bad('--data is required');
      if (!values.preset && !values.config && !values.from) return bad('give --preset NAME, --config FILE or --from MODEL');
      if (values.from && values.preset) return bad('--from MODEL takes that model\'s architecture: leave out --preset (a --config may set "training" and "model.head")');
      if (values.out !== undefined && values['no-save']) return bad('--out FILE.lwm writes the model and --no-save keeps none: give one');
      if (values.freeze !== undefined && !values.from) return bad('--freeze N needs --from MODEL');
      if (values.head !== undefined && !values.from) return bad('--head needs --from MODEL');
      const head = (values.head ?? 'auto') as HeadChoice;
      if (!['auto', 'keep', 'new'].includes(head)) return bad(`--head expects auto, keep or new, got "${values.head}"`);
      const num = (name: string, v: string | undefined, int = true): number | undefined => {
        if (v === undefined) return undefined;
        const n = Number(v);
        if (!Number.isFinite(n) || (int && !Number.isInteger(n))) throw new Error(`--${name} expects ${int ? 'a whole number' : 'a number'}, got "${v}"`);
        return n;
      };

      // the model file is written after the whole run: checked now
      const unwritable = values.out === undefined ? null : outputFileProblem(ctx.cwd, 'out', values.out);
      if (unwritable) return usageError(ctx.io, 'train', unwritable);
      // the model a fine-tuning run starts from
      let source: ModelFileData | null = null;
      if (values.from) {
        try {
          source = await fineTuningSource(values.from, ctx.cwd);
        } catch (e) {
          ctx.io.err(`latticework train: ${e instanceof FileAccessError ? e.message : `--from ${values.from}: ${(e as Error).message}`}`);
          return 1;
        }
      }
      let freeze: number | undefined;
      let workers: number | undefined;
      let limit: number | undefined;

      // 1. config
      let config: ModelConfig;
      let overrides: Record<string, unknown>;
      try {
        freeze = num('freeze', values.freeze);
        const training: Record<string, unknown> = {};
        const epochs = num('epochs', values.epochs);
        const seed = num('seed', values.seed);
        const batch = num('batch-size', values['batch-size']);
        const lr = num('lr', values.lr, false);
        if (epochs !== undefined) training.epochs = epochs;
        if (seed !== undefined) training.seed = seed;
        if (batch !== undefined) training.batchSize = batch;
        if (lr !== undefined) training.optimizer = { lr };
        overrides = { training };
        // counts and the backend's name are usage: refused before any work, as predict refuses them
        workers = num('workers', values.workers);
        if (workers !== undefined && workers < 1) return bad(`--workers expects at least 1, got ${workers}`);
        limit = num('limit', values.limit);
        if (limit !== undefined && limit < 1) return bad(`--limit expects at least 1 structure, got ${limit}`);
        parseBackendName(values.backend);
        let fileConfig: Record<string, unknown> = {};
        if (values.config) fileConfig = await readJsonObjectFile(resolve(ctx.cwd, values.config), 'a config', `--config ${values.config}`);
        if (wantsPotential(values.preset, fileConfig) || (source && isPotentialFile(source))) {
          if (values.head) return bad('--head applies to property models (a potential\'s energy head is always kept)');
          // a potential learns the frames' energies, forces and stresses (eV, eV/Å, eV/Å³): the labels' keys choose them, not a target
          if (values.target !== undefined || values.unit !== undefined)
            return bad('--target and --unit apply to property models: a potential trains on the frames\' energies, forces and stresses in eV, eV/Å and eV/Å³ (choose their keys in an extended XYZ with --energy-key, --forces-key, --stress-key)');
          if (workers !== undefined && workers > 1) return bad(`--workers ${workers}: a potential trains in one thread (data-parallel workers split property models' batches); leave --workers out`);
          // a depth the potential does not have is refused as a property model's is (below)
          if (source && isPotentialFile(source)) checkFreezeDepth(source.header.name, parsePotentialConfig(source.header.config), freeze ?? 0);
          const ensemble = num('ensemble', values.ensemble);
          if (ensemble !== undefined && ensemble < 1) return bad('--ensemble K needs K ≥ 1');
          const args = {
            data: values.data,
            preset: values.preset,
            fileConfig,
            overrides,
            noForces: !!values['no-forces'],
            noStress: !!values['no-stress'],
            from: source ?? undefined,
            freeze,
            ensemble,
            limit,
            labelKeys: labelKeys(values),
            backend: values.backend,
            name: values.name,
            out: values.out,
            noSave: !!values['no-save'],
            force: !!values.force,
            json: !!values.json,
            db: values.db === undefined ? undefined : resolve(ctx.cwd, values.db),
          };
          try {
            return await runPotentialTraining(ctx, args, potentialRecorder);
          } catch (e) {
            ctx.io.err(`latticework train: ${(e as Error).message}`);
            // a name another run took since it was checked: refused as a taken name is, before training (no run recorded)
            return e instanceof ModelNameTakenError ? 2 : 1;
          }
        }
        if (values['no-forces'] || values['no-stress'] || values.ensemble) return bad('--no-forces, --no-stress and --ensemble apply to potentials (a potential preset, or --from a potential)');
        if (values['energy-key'] !== undefined || values['forces-key'] !== undefined || values['stress-key'] !== undefined)
          return bad('--energy-key, --forces-key and --stress-key choose a potential\'s labels (a potential preset, or --from a potential); a property model\'s target is --target');
        if (source) {
          config = fineTuneConfig(source, mergeConfig(fileConfig, overrides));
          checkFreezeDepth(source.header.name, config, freeze ?? 0);
        }
        else if (values.preset) {
          if (!presetIds().includes(values.preset)) return bad(`unknown preset "${values.preset}" (known: ${allPresetIds().join(', ')})`);
          config = presetConfig(values.preset, mergeConfig(fileConfig, overrides));
        } else {
          config = parseModelConfig(mergeConfig(fileConfig, overrides));
        }
        // a field the schema drops from the given config is an error, not ignored (a fine-tuning run's config is its source's with the given training section)
        const unknown = unknownGivenFields(mergeConfig(fileConfig, overrides), config, source !== null);
        if (unknown.length) throw new ModelConfigError(issueLines(unknown));
      } catch (e) {
        if (e instanceof ModelConfigError || e instanceof FineTuneError) return usageError(ctx.io, 'train', e.message);
        return bad((e as Error).message);
      }
      // the model is stored under its name after the whole run: checked now, as the output file is
      let modelName: string;
      try {
        modelName = parseModelName(values.name ?? `${source ? `${source.header.name} fine-tuned` : (config.preset ?? config.architecture)}-${dataName(resolve(ctx.cwd, values.data))}`);
      } catch (e) {
        return usageError(ctx.io, 'train', `--name: ${(e as Error).message}`);
      }
      const taken = values.out || values['no-save'] ? null : await modelRepository().saveProblem(modelName, { overwrite: !!values.force });
      if (taken) return usageError(ctx.io, 'train', taken);

      const command: TrainCommand = {
        cwd: ctx.cwd,
        data: resolve(ctx.cwd, values.data),
        target: values.target ?? null,
        limit: limit ?? null,
        unit: values.unit ?? null,
        backend: values.backend ?? null,
        name: values.name ?? null,
        model: modelName,
        out: values.out === undefined ? null : resolve(ctx.cwd, values.out),
        noSave: !!values['no-save'],
        force: !!values.force,
        from: values.from ?? null,
        freeze: freeze ?? null,
        head,
      };
      return trainProperty(ctx, { config, source, command, workers, json: !!values.json, db: values.db }, { hooksFactory });
    },
  };
}

/** What a run of a property model trains and where its model goes: from the command line, or from the record of the run it resumes. */
interface PropertyTraining {
  config: ModelConfig;
  /** A fine-tuning run's start (--from). */
  source: ModelFileData | null;
  command: TrainCommand;
  /** Data-parallel workers (default: the backend's). */
  workers: number | undefined;
  json: boolean;
  db: string | undefined;
}

/** What a run records of its command (TrainCommandRecord) before its data is read. */
type TrainCommand = Omit<TrainCommandRecord, 'structures' | 'sha256'>;

/**
 * Trains a property model (its data read, graphs built, trained, the model stored or written) and
 * records the run: a new one through `hooksFactory`, or the interrupted run `resume` continues from its
 * last checkpoint, once its data reads as it did (same structures, same SHA-256).
 */
async function trainProperty(ctx: CommandContext, t: PropertyTraining, recordBy: { hooksFactory?: TrainHooksFactory; resume?: CliRunToResume }): Promise<number> {
  const { source, command } = t;
  const { resume } = recordBy;
  let { config, workers } = t;
  // a resumed run's recording starts once its data is found unchanged (`resume.take`)
  let hooks: TrainHooks = {};
  try {
    if (!resume) hooks = (await recordBy.hooksFactory?.({ db: t.db })) ?? {};
    // 2. backend and data (a backend that cannot load is refused as predict refuses it: usage, exit 2)
    let choice: Awaited<ReturnType<typeof initBackend>>;
    try {
      choice = await initBackend({ force: command.backend ?? undefined });
    } catch (e) {
      return usageError(ctx.io, 'train', (e as Error).message);
    }
    const gradientProblem = await ensureGradients();
    if (gradientProblem) throw new Error(`training is unavailable: ${gradientProblem}`);
    const log = (s: string) => {
      if (!t.json) ctx.io.out(s);
    };
    workers ??= defaultTrainingWorkers(choice.candidate).default;
    const parallel = workers > 1 ? dataParallel({ workers }) : undefined;
    log(`backend: ${describeBackend(choice)}; ${workers} data-parallel worker${workers === 1 ? '' : 's'}`);
    const t0 = performance.now();
    // --resume reads the data where the run did (it takes no --data)
    if (resume && !existsSync(command.data))
      throw new Error(`run ${resume.run.id} read its data at ${command.data}, which does not exist now: put it back there (--resume reads it where the run did), or train it again`);
    const data = await readDatasetAt(command.data, { target: command.target ?? undefined, limit: command.limit ?? undefined });
    const leftOut = leftOutMessage(data);
    if (leftOut) ctx.io.err(`latticework train: ${leftOut}`);
    const said = readerNotes(data);
    if (said) ctx.io.err(`latticework train: ${said}`);
    // every failed file with its line and problem (also in --json's error), as the app's import says it
    if (data.items.length === 0) throw new Error(nothingUsableMessage(data, 'structure', data.source));
    const read = { structures: data.items.length, sha256: datasetFingerprint(data) };
    let checkpoint: Checkpoint | undefined;
    if (resume) {
      const { run } = resume;
      const was = run.trainCommand;
      if (read.structures !== was.structures || read.sha256 !== was.sha256) {
        const what = read.structures !== was.structures ? `${plural(read.structures, 'structure')} now, ${was.structures} when the run started` : `the same ${plural(read.structures, 'structure')}, but what was read differs: their names, targets, structures or the atom table, atom_init.json (SHA-256 ${read.sha256.slice(0, 12)}…, recorded ${was.sha256.slice(0, 12)}…)`;
        throw new Error(`run ${run.id} cannot be resumed: its data ${command.data} changed since it started (${what}); resuming would train on other data than its checkpoint's: train it again instead`);
      }
      // a k-fold run recorded before its checkpoints kept its finished folds starts again
      let foldless = false;
      const taken = await resume.take((bytes) => {
        foldless = !!config.training.kFold && !decodeCheckpoint(bytes).kFold;
        return !foldless;
      });
      hooks = taken.hooks;
      checkpoint = taken.checkpoint ? decodeCheckpoint(taken.checkpoint) : undefined;
      log(`resuming run ${run.id} “${run.name}” ${resumedAt(checkpoint, config, foldless)}`);
    }
    const fitted = fitConfigToData(config, data);
    const { perAtom, targetNames } = fitted;
    config = fitted.config;
    let atomInit = datasetAtomInit(data);
    let plan: FineTunePlan | null = null;
    if (source) {
      const elements = data.items.flatMap((it) => it.parsed.structure.numbers);
      const own = fineTuneAtomInit(source, elements, data.atomInit ?? null);
      if (own.note) ctx.io.err(`latticework train: ${own.note}`);
      if (own.table) atomInit = own.table;
      plan = seedEmbeddingRows(source, planFineTune(source, config, targetNames, { freeze: command.freeze ?? 0, head: command.head }), elements);
      if (plan.seeding) ctx.io.err(`latticework train: ${plan.seeding.message}`);
    }
    const unitOf = (name: string) => command.unit?.trim() ?? targetUnit(name);
    const samples = trainingSamples(config, data, atomInit);
    log(`data: ${samples.length} structures from ${data.source} (target ${data.targetKey}${perAtom ? ', per atom' : ''}); graphs built in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    log(`model: ${config.architecture}${config.preset ? ` (preset ${config.preset})` : ''}, ${groupThousands(parameterCount(config))} parameters; ${plural(config.training.epochs, 'epoch')}, batch ${config.training.batchSize}, seed ${config.training.seed}`);
    if (plan) log(`fine-tuning from ${plan.startedFrom}: ${plan.start.freeze ? `embedding and ${plan.start.freeze} of ${config.model.numLayers} layers frozen` : 'nothing frozen'}; head ${plan.head.reason}`);
    const base = plan ? `${plan.startedFrom} fine-tuned` : (config.preset ?? config.architecture);
    await hooks.onStart?.({
      name: command.name ?? `${base} on ${dataName(data.source)}`,
      config,
      dataset: { source: data.source, structures: samples.length, target: data.targetKey, perAtom, unit: config.model.head.kind === 'classification' ? '' : (plan?.targets?.[0]?.unit ?? unitOf(targetNames[0] ?? data.targetKey)) },
      backend: choice.candidate,
      workers,
      db: t.db,
      split: null,
      tags: trainingTags({ fineTunedFrom: plan ? { model: plan.startedFrom, freeze: plan.start.freeze, head: command.head } : null }),
      trainCommand: { ...command, ...read },
    });
    // (the hooks forget it once the run's end is recorded)
    const runId = hooks.runId?.() ?? null;

    // 3. train (Ctrl+C cancels at the next batch)
    const control = new TrainingControl();
    const offStop = onStopSignal(() => control.cancel());
    const classifies = config.model.head.kind === 'classification';
    let told = false;
    const callbacks = {
      onEpoch: async (e: EpochProgress) => {
        // a split too small to hold out any structure: the trainer selects on the training structures' metric
        if (e.valLoss === null && !told) {
          told = true;
          ctx.io.err(`latticework train: no validation structures (split.val ${config.training.split.val} of ${samples.length} structure${samples.length === 1 ? '' : 's'} rounds down to 0): the best epoch is the one with the best training ${e.selectionMetric}`);
        }
        const m = e.valMetrics;
        const val = classifies ? `val acc ${fmt(m.accuracy, 3)} AUC ${fmt(m.rocAuc, 3)}` : `val MAE ${fmt(m.mae)} RMSE ${fmt(m.rmse)}`;
        const tr = classifies ? `train acc ${fmt(e.trainMetrics.accuracy, 3)}` : `train MAE ${fmt(e.trainMetrics.mae)}`;
        log(`${e.fold !== null ? `fold ${e.fold} ` : ''}epoch ${e.epoch + 1}/${e.epochs}  loss ${fmt(e.trainLoss)}  ${tr}  ${val}  lr ${e.lr.toPrecision(3)}  ${e.seconds.toFixed(1)} s  ${e.structuresPerSecond.toFixed(0)} structures/s${e.isBest ? '  *' : ''}`);
        await hooks.onEpoch?.(e);
      },
      onBatch: hooks.onBatch,
      onCheckpoint: hooks.onCheckpoint,
    };
    let results: TrainingResult[];
    try {
      // resumed, a fine-tuning run's weights and frozen depth come from its checkpoint
      const start = checkpoint ? undefined : plan?.start;
      if (config.training.kFold) results = (await trainKFold(config, samples, { callbacks, control, parallel, start, resume: checkpoint })).folds;
      else results = [await trainModel(config, samples, { callbacks, control, parallel, start, resume: checkpoint })];
      // trained to its end: a signal now is too late to stop it, and is left unheard while the model is saved and
      // the summary printed (the command ends 0, not 130 or 143)
      if (!results.some((r) => r.status === 'cancelled')) leaveStopSignalsUnheard();
    } finally {
      offStop();
    }
    const last = results[results.length - 1];
    // (a k-fold run stopped between two folds ends with fewer, none of them cancelled)
    const cancelled = results.some((r) => r.status === 'cancelled') || results.length < (config.training.kFold ?? 1);
    // k-fold: the model saved is the ensemble of the fold models, and its numbers are the ensemble's (as the app's)
    const ensemble = config.training.kFold && !cancelled ? kFoldEnsemble(config, results) : null;
    const val = ensemble ? ensemble.valMetrics : (last.val?.metrics ?? null);
    const test = ensemble ? (ensemble.test?.metrics ?? null) : (last.test?.metrics ?? null);

    // 4. store the model (k-fold: an ensemble of the fold models)
    let location: string | null = null;
    if (!cancelled && !command.noSave) {
      const shapes = buildModel(config, { seed: 0 });
      const weights = shapes.namedVariables().map((v) => ({ name: v.name, shape: v.variable.shape.slice(), member: 0 }));
      shapes.dispose();
      const task = config.model.head.kind;
      const trainedOn = [...new Set(results.flatMap((r) => r.split.train))];
      const file: ModelFileData = {
        header: {
          format: 'latticework-model',
          version: 1,
          name: command.model,
          config,
          task,
          targets: plan?.targets ?? (task === 'classification' ? [{ name: data.targetKey, unit: '' }] : targetNames.map((name) => ({ name, unit: unitOf(name) }))),
          ...(task === 'classification' ? { classes: Array.from({ length: config.model.head.kind === 'classification' ? config.model.head.numClasses : 2 }, (_, k) => String(k)), positiveClass: 1 } : {}),
          normalizer: task === 'classification' ? null : (ensemble?.normalizer ?? last.normalizer),
          atomInit: config.model.atomInput.kind === 'cgcnn' ? atomInitRecord(atomInit) : null,
          members: results.length,
          provenance: {
            source: 'training',
            dataset: data.source,
            createdAt: new Date().toISOString(),
            software: 'latticework',
            details: {
              ...(plan ? { startedFrom: plan.startedFrom, freeze: plan.start.freeze, head: plan.head.reason, seededElements: plan.seeding?.seededElements ?? null } : {}),
              epochs: results.map((r) => r.history.length), bestEpoch: results.map((r) => r.bestEpoch), selectionMetric: last.selectionMetric, bestMetric: results.map((r) => r.bestMetric), testMetrics: test },
          },
          domain: trainingDomain(
            trainedOn.map((i) => data.items[i].parsed.structure),
            task === 'regression' ? trainedOn.map((i) => data.items[i].targets) : null,
          ),
          weights: results.flatMap((_, member) => weights.map((w) => ({ ...w, member }))),
        },
        members: ensemble?.members ?? results.map((r) => r.weights),
      };
      if (command.out) {
        location = command.out;
        writeFileSync(location, encodeModelFile(file));
      } else location = await modelRepository().save(file, { overwrite: command.force });
    }
    // one run: a k-fold run records the ensemble (no single best epoch, every fold's epochs), as the app does
    const outcome: TrainingResult = ensemble
      ? { ...last, bestEpoch: -1, bestMetric: ensemble.bestMetric, history: results.flatMap((r) => r.history), val: last.val && { ...last.val, metrics: ensemble.valMetrics }, test: ensemble.test }
      : { ...last, status: cancelled ? 'cancelled' : last.status };
    await hooks.onFinish?.(outcome, { location });

    const summary: PropertyTrainSummary = {
      status: cancelled ? 'cancelled' : last.status,
      backend: choice.candidate,
      workers,
      architecture: config.architecture,
      preset: config.preset ?? null,
      parameters: parameterCount(config),
      startedFrom: plan?.startedFrom ?? null,
      freeze: plan?.start.freeze ?? 0,
      seededElements: plan?.seeding?.seededElements ?? null,
      head: plan ? (plan.head.kept ? 'kept' : 'new') : null,
      structures: samples.length,
      split: { train: last.split.train.length, val: last.split.val.length, test: last.split.test.length },
      folds: config.training.kFold ? results.map((r) => ({ fold: r.fold, epochs: r.history.length, bestEpoch: r.bestEpoch, bestMetric: r.bestMetric })) : undefined,
      // a resumed run's epochs count those before it too
      epochs: last.history.length,
      // a k-fold run's model is the ensemble: no single best epoch (each fold's is in `folds`)
      bestEpoch: config.training.kFold ? null : last.bestEpoch,
      selectionMetric: last.selectionMetric,
      bestValMetric: outcome.bestMetric,
      val,
      test,
      seconds: results.reduce((s, r) => s + r.seconds, 0),
      model: location,
      runId,
    };
    const tested = test ? `; test ${'mae' in test ? `MAE ${fmt(test.mae)} RMSE ${fmt(test.rmse)} R² ${fmt(test.r2, 3)}` : `accuracy ${fmt(test.accuracy, 3)} AUC ${fmt(test.rocAuc, 3)}`}` : '';
    const chosen = `${ensemble ? 'mean ' : ''}${last.split.val.length ? 'val' : 'train'} ${last.selectionMetric} ${fmt(outcome.bestMetric)}`;
    reportTrainSummary(ctx.io, summary, { json: t.json, cancelled, recorded: !!hooks.onStart, detail: ` (${chosen})${tested}` });
    return cancelled ? stoppedStatus() : 0;
  } catch (e) {
    ctx.io.err(`latticework train: ${(e as Error).message}`);
    // recording the failure may fail for the same reason (a full disk, a lock): said once
    try {
      await hooks.onError?.(e as Error);
    } catch (recording) {
      if ((recording as Error).message !== (e as Error).message) ctx.io.err(`latticework train: the run's failure could not be recorded: ${(recording as Error).message}`);
    }
    // a name another run took since it was checked: refused as a taken name is, before training (no run recorded)
    return e instanceof ModelNameTakenError ? 2 : 1;
  }
}

/**
 * `latticework train --resume RUN`: the interrupted run's record (how it read its data, where its model
 * goes: `train_command`), its stored config and workers, and its last checkpoint, trained on by the
 * same code as a new run (`trainProperty`). `out` replaces the recorded --out, `force` allows replacing
 * a stored model of the run's model name.
 */
async function resumeRun(ctx: CommandContext, runId: number, opts: { out?: string; force: boolean; db?: string; json: boolean }, resumer: RunResumer): Promise<number> {
  // --db as a new run takes it (and as the model repository has it)
  const { db } = opts;
  let resume: CliRunToResume;
  try {
    resume = await resumer({ db }, runId);
  } catch (e) {
    ctx.io.err(`latticework train: ${(e as Error).message}`);
    return 1;
  }
  try {
    const { run } = resume;
    const recorded = run.trainCommand;
    // a new --out is where the model goes (also for a run that kept none: --no-save)
    const out = opts.out === undefined ? null : resolve(ctx.cwd, opts.out);
    const command: TrainCommand = { ...recorded, out: out ?? recorded.out, noSave: !out && recorded.noSave, force: recorded.force || opts.force };
    // the model is written or stored after the whole run: checked now, as a new run checks it
    if (command.out) {
      const unwritable = outputFileProblem(ctx.cwd, 'out', command.out);
      if (unwritable) return usageError(ctx.io, 'train', `${unwritable}${opts.out === undefined ? ` (the run's --out, recorded: give another with --out)` : ''}`);
    }
    // --resume takes no --name: only --force or --out
    const stores = `run ${runId} stores its model under that name`;
    const advice = { builtin: `${stores}: --out FILE.lwm writes a file instead`, taken: `${stores}: --force replaces it, --out FILE.lwm writes a file instead` };
    const taken = command.out || command.noSave ? null : await modelRepository().saveProblem(command.model, { overwrite: command.force, advice });
    if (taken) return usageError(ctx.io, 'train', taken);
    let source: ModelFileData | null = null;
    if (command.from) {
      try {
        source = await fineTuningSource(command.from, command.cwd);
      } catch (e) {
        // a file (a path) is put back where it was; a stored model's name is imported again
        const file = /[\\/]|\.\w+$/.test(command.from);
        const back = file ? `put the file back at ${resolve(command.cwd, command.from)}` : `store a model named "${command.from}" again (latticework import-model FILE --name ${command.from})`;
        ctx.io.err(`latticework train: run ${runId} was fine-tuned from ${command.from}, which cannot be loaded now (${(e as Error).message}): ${back}, and --resume fine-tunes from it again; or train it again`);
        return 1;
      }
    }
    const config = parseModelConfig(run.config);
    return await trainProperty(ctx, { config, source, command, workers: run.workers, json: opts.json, db }, { resume });
  } finally {
    await resume.close();
  }
}

/** The command, recording its run in the database (`--db`, else $LATTICEWORK_DB, else the data directory's). */
export const trainCommand: Command = makeTrainCommand(sqliteTrainHooks, sqlitePotentialRunHooks, sqliteRunToResume);
