/**
 * `latticework import-run DIR`: a run exported with `latticework export --to torch` and trained with
 * PyTorch comes back into the runs table, marked external (src-main/scale-out/import-run.ts).
 */
import { resolve } from 'node:path';
import { importTorchRun, runFilesAt } from '../../scale-out/import-run';
import { databasePath } from '../../app/paths';
import { Database } from '../../store/database';
import { flagOptions, parseCommandArgs, usageError, valueOptions, type Command, type CommandContext } from '../command';

const usage = `Usage: latticework import-run DIR [--run RUN_DIR] [--name NAME] [--db PATH] [--json]

Brings back a run that \`latticework export --to torch\` wrote to DIR and PyTorch trained
there (train.py, torchrun or Slurm): its config, split, every epoch's metrics and batch losses,
status and best model join the runs table as an external run (hosts, processes, devices,
distributed backend), beside the local runs; the model predicts like any other. Model names are
unique: when the model file's name is taken (e.g. by the run it was exported from), it is stored
as "NAME (PyTorch)" ("NAME (PyTorch 2)", …) and says so ("renamedFrom": the file's name).
The run must be the export's (train.py records the export it trained from), and not imported already. A run trained with
train.py --epochs N is stored with N epochs planned; a run stopped by Ctrl-C or SIGTERM (cancelled)
keeps its best epoch's model (run/best.lwm); "notes" say so. A run whose status.json still says running
(its job killed, or still running) is stored as interrupted with its best epoch's model; importing the
folder again once it holds more epochs or the job's end updates that run in place ("updated": true). A potential's model is stored with the
range of its own energies of its training structures (predicted on DIR/data/dataset.extxyz), as one
trained here, so that they raise no energy warning; a note gives it.
  DIR            the export folder (export.json, split.json, initial.lwm; the run in DIR/run)
  --run RUN_DIR  the run folder when train.py wrote it elsewhere (--out)
  --name NAME    the run's name (default: the export's name, PyTorch and the process count)
  --db PATH      database (default $LATTICEWORK_DB, else the data directory's)
  --json         print one JSON document: {"runId", "updated", "name", "status", "epochs", "epochsPlanned", "bestEpoch",
                 "modelId", "model", "renamedFrom", "external": {"framework", "hosts", "processes", "nodes",
                 "device", "devices", "distributedBackend", "slurmJob", "importedFrom",
                 "importedAt", "exportedFrom", "exportSha256"}, "notes": [sentences]} (bestEpoch counts from 0, the text from 1;
                 importedAt ISO 8601; the run's startedAt and finishedAt, in runs --json, are PyTorch's)
Exit status: 0 imported, 1 failed (nothing stored when a file is bad), 2 bad usage.`;

export const importRunCommand: Command = {
  usage,
  async run(ctx: CommandContext): Promise<number> {
    const parsed = parseCommandArgs(ctx, 'import-run', usage, { options: { ...valueOptions('run', 'name', 'db'), ...flagOptions('json') }, allowPositionals: true });
    if (!parsed) return 2;
    const { values, positionals } = parsed;
    if (positionals.length !== 1) return usageError(ctx.io, 'import-run', 'give one export folder', usage);
    let db: Database | null = null;
    try {
      const files = await runFilesAt(resolve(ctx.cwd, positionals[0]), values.run && resolve(ctx.cwd, values.run));
      db = await Database.open(databasePath(values.db));
      const r = await importTorchRun(db, files, { name: values.name, runElsewhere: 'or give the run folder with --run DIR' });
      if (values.json) ctx.io.out(JSON.stringify(r));
      else {
        const x = r.external;
        ctx.io.out(`${r.updated ? 'updated' : 'imported'} run ${r.runId} "${r.name}": ${r.status}, ${r.epochs} epoch${r.epochs === 1 ? '' : 's'}${r.bestEpoch >= 0 ? `, best epoch ${r.bestEpoch + 1}` : ''}`);
        ctx.io.out(`  trained by ${x.framework} on ${x.hosts.join(', ') || 'an unknown host'}: ${x.processes} process${x.processes === 1 ? '' : 'es'} on ${x.device}${x.devices.length ? ` (${[...new Set(x.devices)].join(', ')})` : ''}, ${x.distributedBackend}${x.slurmJob ? `, Slurm job ${x.slurmJob}` : ''}`);
        if (r.model) ctx.io.out(`  model "${r.model}" stored (model ${r.modelId}${r.renamedFrom ? `; "${r.renamedFrom}", its file's name, is another model's` : ''}): latticework predict --model "${r.model}" FILES`);
        for (const note of r.notes) ctx.io.out(`  note: ${note}`);
      }
      return 0;
    } catch (e) {
      ctx.io.err(`latticework import-run: ${(e as Error).message}`);
      return 1;
    } finally {
      await db?.close();
    }
  },
};
