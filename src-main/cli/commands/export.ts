/**
 * `latticework export RUN_OR_CONFIG --data D --to torch DIR`: a run of the database (its id), a
 * config file or a preset, with its data, as a folder that trains with PyTorch alone
 * (src-main/scale-out/torch-export.ts; docs/scale-out.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { mergeConfig, ModelConfigError, type ModelConfig } from '../../../src-shared/model/config';
import { readFrames } from '../../../src-shared/chem';
import { isPotentialConfig, parsePotentialConfig, PotentialConfigError, type PotentialConfig } from '../../../src-shared/model/potential';
import type { Split } from '../../../src-shared/model/split';
import { isPotentialPreset, parseModelConfig, potentialPresetConfig, potentialPresets, presetConfig, presetIds } from '../../engine/architectures/registry';
import { initBackend } from '../../engine/tf/backend';
import { datasetAtomInit, fitConfigToData, readDatasetAt, trainingSamples } from '../../datasets/in-process';
import { exportProblem, exportTorchPotential, exportTorchRun, type TorchExportSummary } from '../../scale-out/torch-export';
import { databasePath } from '../../app/paths';
import { Database } from '../../store/database';
import { getRunRow, runConfig, runSplit } from '../../store/runs';
import { flagOptions, parseCommandArgs, usageError, valueOptions, type Command, type CommandContext } from '../command';

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
Exportable: CGCNN and SchNet (mean, sum or max readout; regression or per-atom targets;
single split) and SchNet interatomic potentials (schnet-potential: --data an extended XYZ or VASP file
of labelled frames, as for \`latticework train\`).
Exit status: 0 written, 1 failed, 2 bad usage.`;

/** A property model's config, or an interatomic potential's (`kind: 'potential'`). */
function anyConfig(input: unknown): ModelConfig | PotentialConfig {
  return isPotentialConfig(input) ? parsePotentialConfig(input) : parseModelConfig(input);
}

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
        ctx.io.out(`train it with PyTorch there: python train.py, or torchrun --nproc_per_node G train.py, or sbatch train.sbatch; then latticework import-run ${summary.folder}`);
      }
    };
    try {
      // 1. the config (and split) to export
      let config: ModelConfig | PotentialConfig;
      let split: Split | null = null;
      let exportedFrom: { runId: number; database: string } | null = null;
      let name: string;
      const overrides = epochs === undefined ? {} : { training: { epochs } };
      try {
        if (/^\d+$/.test(what)) {
          const database = databasePath(values.db);
          if (!existsSync(database)) throw new Error(`no database at ${database} (give --db PATH)`);
          const db = await Database.open(database);
          try {
            const row = await db.read((tx) => getRunRow(tx, Number(what)));
            if (!row) throw new Error(`there is no run ${what} in ${database}`);
            config = anyConfig(mergeConfig(runConfig(row), overrides));
            split = runSplit(row);
            exportedFrom = { runId: row.id, database };
            name = row.name;
          } finally {
            await db.close();
          }
        } else if (what.toLowerCase().endsWith('.json') || existsSync(resolve(ctx.cwd, what))) {
          config = anyConfig(mergeConfig(JSON.parse(readFileSync(resolve(ctx.cwd, what), 'utf8')), overrides));
          name = config.preset ?? config.architecture;
        } else if (isPotentialPreset(what)) {
          config = potentialPresetConfig(what, overrides);
          name = what;
        } else if (presetIds().includes(what)) {
          config = presetConfig(what, overrides);
          name = what;
        } else return bad(`"${what}" is neither a run id, a config file nor a preset (presets: ${[...presetIds(), ...potentialPresets().map((p) => p.id)].join(', ')})`);
      } catch (e) {
        if (e instanceof ModelConfigError || e instanceof PotentialConfigError) return usageError(ctx.io, 'export', e.message);
        throw e;
      }
      await initBackend({ force: 'cpu' });
      const out = resolve(ctx.cwd, dir);
      let summary: TorchExportSummary;
      if (isPotentialConfig(config)) {
        // an interatomic potential: the labelled frames of the file (energies, forces, stresses), as `latticework train` reads them
        const path = resolve(ctx.cwd, values.data);
        let frames = readFrames(values.data, readFileSync(path, 'utf8')).frames;
        if (limit) frames = frames.slice(0, limit);
        summary = exportTorchPotential({ config, frames, source: path, split, exportedFrom, name: values.name ?? name }, out);
        report(summary);
        return 0;
      }
      const problem = exportProblem(config);
      if (problem) throw new Error(`cannot export: ${problem}`);

      // 2. the data, its graphs with the model's settings, the initial weights (tfjs on the cpu)
      const data = await readDatasetAt(resolve(ctx.cwd, values.data), { target: values.target, limit });
      if (data.items.length === 0) throw new Error(`no labelled structure could be read from ${data.source}`);
      const fitted = fitConfigToData(config, data);
      const atomInit = datasetAtomInit(data);
      const samples = trainingSamples(fitted.config, data, atomInit);
      summary = exportTorchRun({ config: fitted.config, data, samples, atomInit, targetNames: fitted.targetNames, split, exportedFrom, name: values.name ?? name }, out);
      report(summary);
      return 0;
    } catch (e) {
      ctx.io.err(`latticework export: ${(e as Error).message}`);
      return 1;
    }
  },
};
