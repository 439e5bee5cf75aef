/**
 * `latticework export RUN_OR_CONFIG --data D --to torch DIR`: a run of the database (its id), a
 * config file or a preset, with its data, as a folder that trains with PyTorch alone
 * (src-main/scale-out/torch-export.ts; docs/scale-out.md).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { issueLines, ModelConfigError, unknownFields } from '../../../src-shared/model/config';
import { PotentialConfigError } from '../../../src-shared/model/potential';
import { allPresetIds, isPotentialPreset, potentialPresetConfig, presetConfig, presetIds } from '../../engine/architectures/registry';
import { exportConfig, exportForTorch, nextSteps, runExportRequest, type ExportRequest } from '../../scale-out/export-run';
import type { TorchExportSummary } from '../../scale-out/torch-export';
import { databasePath } from '../../app/paths';
import { labelledFrames } from '../../datasets/frames';
import { Database } from '../../store/database';
import { getRunRow } from '../../store/runs';
import { hearStopSignals, leaveStopSignalsUnheard, signalName, stepStopSignal, stoppedStatus } from '../signals';
import { flagOptions, parseCommandArgs, readJsonObjectFile, usageDescription, usageError, valueOptions, type Command, type CommandContext } from '../command';

const usage = `Usage: latticework export RUN_OR_CONFIG --data PATH --to torch DIR [options]

Writes a folder that trains the model with PyTorch alone: \`python train.py\` on one CPU or
GPU, \`torchrun --nproc_per_node G train.py\` on a node, \`sbatch train.sbatch\` under Slurm.
It holds the data (extended XYZ, CGCNN's layout for CGCNN models, and Latticework's graphs),
the split, the config, the initial weights, the model and training loop in plain PyTorch and
a README. Bring the trained run back with \`latticework import-run DIR\`.
  RUN_OR_CONFIG   a run id of the database (its config and split), a config file (JSON),
                  or a preset name (the config's seeded split)
  --data PATH     the dataset (for a run: the one it was trained on, read the same way)
  --to torch DIR  the target framework (torch) and a new or empty folder
  --target T      as for \`latticework train\`
  --limit N       as for \`latticework train\` (a run from the command line: the same N)
  --epochs N      override training.epochs
  --name NAME     name of the model PyTorch will write (default: the run's or the preset's)
  --db PATH       database of the run (default $LATTICEWORK_DB, else the data directory's)
  --json          print one JSON summary: {"folder", "architecture", "structures",
                  "split": {"train", "val", "test"}, "parameters", "files", "cgcnnLayout"}
${usageDescription(
  `Exportable: CGCNN, SchNet, GCN, GAT and MPNN-edge (mean, sum or max readout; regression or per-atom targets;
single split) and the SchNet and PaiNN interatomic potentials (schnet-potential, painn-potential: --data
${labelledFrames.description}, as for \`latticework train\`).`,
  0,
)}
Progress on stderr. DIR appears only when complete: it is written as .DIR.partial-PID beside it and renamed
at the end (a failure removes that folder and says so; one a killed export left is removed by the next
export into DIR, and import-run refuses it). Ctrl-C or SIGTERM stops it at its next step, between two
structures' graphs, or once the folder is written but before it is renamed: nothing is written (a folder
that was there, empty, stays).
Exit status: 0 written, 1 failed, 2 bad usage, 130 stopped by Ctrl-C (143 by SIGTERM).`;

export const exportCommand: Command = {
  usage,
  async run(ctx: CommandContext): Promise<number> {
    const parsed = parseCommandArgs(ctx, 'export', usage, {
      options: { ...valueOptions('data', 'to', 'target', 'limit', 'epochs', 'name', 'db'), ...flagOptions('json') },
      allowPositionals: true,
    });
    if (!parsed) return 2;
    const { values, positionals } = parsed;
    const bad = (m: string) => usageError(ctx.io, 'export', m, usage);
    if (positionals.length < 1) return bad('give a run id, a config file or a preset name');
    // --to torch DIR: the folder is the positional after --to's value
    if (values.to !== 'torch') return bad(values.to === undefined ? '--to torch DIR is required' : `unknown target "${values.to}" (known: torch)`);
    if (positionals.length !== 2) return bad('give the folder after --to torch (e.g. --to torch ./cluster-run)');
    const [what, dir] = positionals;
    if (!values.data) return bad('--data is required');
    const int = (name: string, v: string | undefined) => {
      if (v === undefined) return undefined;
      if (!/^\d+$/.test(v) || Number(v) < 1) throw new Error(`--${name} expects a whole number ≥ 1, got "${v}"`);
      return Number(v);
    };
    let limit: number | undefined;
    let epochs: number | undefined;
    try {
      limit = int('limit', values.limit);
      epochs = int('epochs', values.epochs);
    } catch (e) {
      return bad((e as Error).message);
    }
    const report = (summary: TorchExportSummary) => {
      if (values.json) ctx.io.out(JSON.stringify(summary));
      else {
        ctx.io.out(`exported ${summary.architecture} (${summary.parameters.toLocaleString('en-US')} parameters) with ${summary.structures} structures (${summary.split.train} train / ${summary.split.val} val / ${summary.split.test} test) to ${summary.folder}`);
        ctx.io.out('next:');
        for (const line of nextSteps(summary.folder)) ctx.io.out(`  ${line}`);
      }
    };
    // a stop signal (Ctrl-C, SIGTERM) is heard at the export's next step, between two structures' graphs, or once the
    // folder is written under its partial name, before it is named: nothing is written
    let writing = false;
    const { signal, off } = stepStopSignal((sig) =>
      ctx.io.err(`latticework export: stopped by ${signalName(sig)} ${writing ? 'while the folder was written; its partial folder removed,' : 'before the folder was written;'} nothing written`),
    );
    const stopped = new Error('stopped');
    const check = async () => {
      // a signal that came while the thread was busy (a graph built, the folder written) is heard here
      await hearStopSignals();
      if (signal.aborted) throw stopped;
    };
    const step = async (message: string) => {
      await check();
      writing = message.startsWith('writing');
      ctx.io.err(`latticework export: ${message}`);
    };
    try {
      // 1. the config (and split) to export
      let request: ExportRequest;
      const overrides = epochs === undefined ? {} : { training: { epochs } };
      try {
        if (/^\d+$/.test(what)) {
          const database = databasePath(values.db);
          if (!existsSync(database)) throw new Error(`no database at ${database} (give --db PATH)`);
          const db = await Database.open(database);
          try {
            request = await db.read(async (tx) => {
              const row = await getRunRow(tx, Number(what));
              if (!row) throw new Error(`there is no run ${what} in ${database}`);
              return runExportRequest(tx, row, database, { epochs });
            });
            // what the run records of its data to check --data against: its split's size, and its targets' normaliser when it keeps one
            if (!request.trainedNormalizer)
              ctx.io.err(`latticework export: run ${what} records no statistics of its training targets (a potential, targets not normalised, or neither model nor checkpoint kept): --data is checked against its split's size only`);
          } finally {
            await db.close();
          }
        } else if (what.toLowerCase().endsWith('.json') || existsSync(resolve(ctx.cwd, what))) {
          const file = await readJsonObjectFile(resolve(ctx.cwd, what), 'a config', what);
          const config = exportConfig(file, overrides);
          // the overrides set known fields only: what the parse dropped came from the file
          const unknown = unknownFields(file, config);
          if (unknown.length) throw new Error(`${what}: ${issueLines(unknown).join('; ')}`);
          request = { config, split: null, exportedFrom: null, trainedNormalizer: null, units: null, name: config.preset ?? config.architecture };
        } else if (isPotentialPreset(what)) {
          request = { config: potentialPresetConfig(what, overrides), split: null, exportedFrom: null, trainedNormalizer: null, units: null, name: what };
        } else if (presetIds().includes(what)) {
          request = { config: presetConfig(what, overrides), split: null, exportedFrom: null, trainedNormalizer: null, units: null, name: what };
        } else return bad(`"${what}" is neither a run id, a config file nor a preset (presets: ${allPresetIds().join(', ')})`);
      } catch (e) {
        if (e instanceof ModelConfigError || e instanceof PotentialConfigError) return usageError(ctx.io, 'export', e.message);
        throw e;
      }
      if (values.name) request.name = values.name;
      // 2. the data, its graphs with the model's settings, the initial weights
      // what the data's reading left out, on stderr as `latticework train` says it
      const notice = (message: string) => ctx.io.err(`latticework export: ${message}`);
      const summary = await exportForTorch(request, { path: resolve(ctx.cwd, values.data), target: values.target, limit }, resolve(ctx.cwd, dir), { step, check, notice });
      // written whole and named: a signal from now on is too late to stop anything
      leaveStopSignalsUnheard();
      report(summary);
      return 0;
    } catch (e) {
      if (e === stopped) return stoppedStatus();
      ctx.io.err(`latticework export: ${(e as Error).message}`);
      return 1;
    } finally {
      off();
    }
  },
};
