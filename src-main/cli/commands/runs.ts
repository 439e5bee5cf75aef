/** `latticework runs [--db PATH] [--all] [--json]`: the training runs of a database (the app's and the command line's). */
import { databasePath } from '../../app/paths';
import { Database, DatabaseOpenError, readingDamaged } from '../../store/database';
import { runListEntries, type RunListEntry } from '../../store/runs';
import { flagOptions, parseCommandArgs, valueOptions, type Command, type CommandContext } from '../command';

const usage = `Usage: latticework runs [--db PATH] [--all] [--json]

Lists the training runs recorded in the database, newest first: those started in the
app and those of \`latticework train\`, which record into the same tables.
  --db PATH   database (default $LATTICEWORK_DB, else the data directory's)
  --all       include archived runs
  --json      print one JSON array, an entry per run: {"id", "name", "status", "dataset",
              "targetUnit" (the unit of the target it learns, e.g. eV/atom; a potential's eV;
              "" none; null: recorded before units were), "architecture", "preset", "epochs",
              "epochsPlanned", "bestEpoch", "bestMetrics", "backend", "workers", "seed", "tags",
              "startedAt", "finishedAt", "duration", "model", "error", "origin" (local, or
              external: trained with PyTorch, import-run), "external" (where an external run
              ran: framework, hosts, processes, device, …; null for a local run)}
              (epochs counted from 0, as in \`train --json\`; bestMetrics: val_<metric>,
              val_loss and test_<metric> of the best epoch; times ISO 8601, duration in s)
Exit status: 0, or 1 when the database cannot be read, 2 for bad usage.`;

function fmt(x: number | undefined): string {
  return x === undefined ? '—' : Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(3) : x.toFixed(4);
}

/** The metric a run's text line shows: validation MAE, else a potential's energy and force MAE, else ROC-AUC, else the validation loss. */
function headline(r: RunListEntry): string {
  const m = r.bestMetrics;
  if (m.val_mae !== undefined) return `val MAE ${fmt(m.val_mae)}${m.test_mae !== undefined ? `, test MAE ${fmt(m.test_mae)}` : ''}`;
  // a potential: energy (meV/atom) and force (eV/Å) MAE
  if (m.val_energy_mae !== undefined || m.val_force_mae !== undefined)
    return [['val', m.val_energy_mae, m.val_force_mae] as const, ['test', m.test_energy_mae, m.test_force_mae] as const]
      .filter(([, e, f]) => e !== undefined || f !== undefined)
      .map(([split, e, f]) => `${split} E ${fmt(e)} meV/atom, F ${fmt(f)} eV/Å`)
      .join('; ');
  if (m.val_rocAuc !== undefined) return `val AUC ${fmt(m.val_rocAuc)}${m.test_rocAuc !== undefined ? `, test AUC ${fmt(m.test_rocAuc)}` : ''}`;
  return m.val_loss !== undefined ? `val loss ${fmt(m.val_loss)}` : '';
}

export const runsCommand: Command = {
  usage,
  async run(ctx: CommandContext): Promise<number> {
    const parsed = parseCommandArgs(ctx, 'runs', usage, { options: { ...valueOptions('db'), ...flagOptions('all', 'json') } });
    if (!parsed) return 2;
    const { values } = parsed;
    const path = databasePath(values.db);
    let runs: RunListEntry[] = [];
    // only read: a read-only file is listed, a database that does not exist is not created
    let db: Database | null = null;
    try {
      db = await Database.open(path, { readOnly: true });
      const open = db;
      if (open.damage) ctx.io.err(`latticework runs: ${readingDamaged(open.damage)}`);
      runs = await open.read((tx) => runListEntries(tx, { includeArchived: !!values.all }));
    } catch (e) {
      if (!(e instanceof DatabaseOpenError && e.problem === 'missing')) {
        ctx.io.err(`latticework runs: ${(e as Error).message}`);
        return 1;
      }
      // no database yet holds no runs
      if (!values.json) {
        ctx.io.out(`no runs: there is no database at ${path} yet`);
        return 0;
      }
    } finally {
      await db?.close();
    }
    if (values.json) {
      ctx.io.out(JSON.stringify(runs));
      return 0;
    }
    if (runs.length === 0) {
      ctx.io.out(`no runs in ${path}`);
      return 0;
    }
    const rows = runs.map((r) => [
      String(r.id),
      r.status,
      r.name,
      r.architecture ?? '',
      `${r.epochs}/${r.epochsPlanned}`,
      r.bestEpoch === null ? '—' : String(r.bestEpoch + 1),
      headline(r),
    ]);
    const header = ['id', 'status', 'name', 'architecture', 'epochs', 'best', 'best metrics'];
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
    for (const r of [header, ...rows]) ctx.io.out(r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  '));
    ctx.io.out(`(${runs.length} run${runs.length === 1 ? '' : 's'} in ${path}; best epoch counted from 1 here, from 0 in --json)`);
    return 0;
  },
};
