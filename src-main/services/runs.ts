/**
 * The `runs` service: the table of training runs, their metrics and predictions, tags,
 * notes, archiving, deletion and CSV export, read and written through the run store
 * (store/runs.ts), which the training service and `latticework train` record through.
 */
import type { LatticeworkHandlers, RunRecord } from '../../src-shared/ipc/contract';
import type { CoreParts } from '../app/core';
import { UserError } from '../ipc/errors';
import { workOfAnother } from '../store/owners';
import { ACTIVE_RUN_STATUSES } from '../../src-shared/ipc/services/training';
import { csvText } from '../../src-shared/text';
import {
  deleteRun,
  getRunRow as readRunRow,
  listRuns,
  runMetrics,
  runPredictions,
  toRunDetail,
  toRunRecord,
  updateRunInfo,
  type RunRow,
} from '../store/runs';

export async function getRunRow(core: CoreParts, id: number): Promise<RunRow> {
  const row = await core.db.read((tx) => readRunRow(tx, id));
  if (!row) throw new UserError(`there is no run with id ${id}`);
  return row;
}

export async function getRun(core: CoreParts, id: number): Promise<RunRecord> {
  return toRunRecord(await getRunRow(core, id));
}

/** RFC 4180 field. */
export function runsHandlers(core: CoreParts): LatticeworkHandlers['runs'] {
  const handlers: LatticeworkHandlers['runs'] = {
    async list({ includeArchived }) {
      return (await core.db.read((tx) => listRuns(tx, { includeArchived }))).map(toRunRecord);
    },
    async get({ id }) {
      return toRunDetail(await getRunRow(core, id));
    },
    async metrics({ ids, keys }) {
      return core.db.read((tx) => runMetrics(tx, ids, keys));
    },
    async predictions({ id }) {
      await getRunRow(core, id);
      return core.db.read((tx) => runPredictions(tx, id));
    },
    async update({ id, name, tags, notes, archived }) {
      await getRunRow(core, id);
      await core.db.transaction((tx) => updateRunInfo(tx, id, { name, tags, notes, archived }));
      const run = await getRun(core, id);
      core.events.emit('training', 'onStatus', run);
      return run;
    },
    async delete({ id }) {
      const row = await core.db.read((tx) => readRunRow(tx, id));
      if (!row) return { deleted: false };
      if (ACTIVE_RUN_STATUSES.includes(row.status)) {
        throw new UserError((await workOfAnother(core.db, 'run', id, `run ${id} is being trained`, 'cancel it there before deleting it')) ?? `run ${id} is ${row.status}: cancel it before deleting it`);
      }
      return { deleted: await core.db.transaction((tx) => deleteRun(tx, id)) };
    },
    async exportCsv({ ids, what }, ctx) {
      if (what === 'metrics') {
        const points = await handlers.metrics({ ids }, ctx);
        const names = new Map((await Promise.all(ids.map((i) => getRunRow(core, i)))).map((r) => [r.id, r.name]));
        return {
          fileName: `latticework-metrics-${ids.join('-').slice(0, 60)}.csv`,
          csv: csvText([
            ['run_id', 'run_name', 'key', 'step', 'epoch', 'value', 'time'],
            ...points.map((p) => [p.runId, names.get(p.runId), p.key, p.step, p.epoch, p.value, new Date(p.time).toISOString()]),
          ]),
        };
      }
      const runs = (await Promise.all(ids.map((i) => getRunRow(core, i)))).map(toRunRecord);
      const summaryKeys = [...new Set(runs.flatMap((r) => Object.keys(r.summary)))];
      const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.bestMetrics)))].sort();
      return {
        fileName: `latticework-runs-${ids.join('-').slice(0, 60)}.csv`,
        csv: csvText([
          ['id', 'name', 'dataset', 'status', 'backend', 'seed', 'epochs_done', 'epochs_planned', 'started_at', 'finished_at', 'duration_s', 'tags', 'notes', 'archived', 'error', ...summaryKeys, ...metricKeys],
          ...runs.map((r) => [
            r.id,
            r.name,
            r.datasetName,
            r.status,
            r.backend,
            r.seed,
            r.epochsDone,
            r.epochsPlanned,
            new Date(r.startedAt).toISOString(),
            r.finishedAt === null ? null : new Date(r.finishedAt).toISOString(),
            r.duration,
            r.tags.join(' '),
            r.notes,
            r.archived ? 1 : 0,
            r.error,
            ...summaryKeys.map((k) => r.summary[k]),
            // best_epoch counted from 1, as the runs table and the training charts' epoch axis show it
            // (the store and every JSON document count from 0)
            ...metricKeys.map((k) => (k === 'best_epoch' && r.bestMetrics[k] !== undefined ? r.bestMetrics[k] + 1 : r.bestMetrics[k])),
          ]),
        ]),
      };
    },
  };
  return handlers;
}
