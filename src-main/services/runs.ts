/**
 * The `runs` service: the table of training runs, their metrics and predictions, tags,
 * notes, archiving, deletion and CSV export. Runs are written by the training service.
 */
import type { LatticeworkHandlers, MetricPoint, PredictionPoint, RunDetail, RunRecord } from '../../src-shared/ipc/contract';
import type { CoreParts } from '../app/core';
import { UserError } from '../ipc/dispatch';
import { parseJson } from './workbench-common';

export interface RunRow {
  id: number;
  name: string;
  dataset_id: number | null;
  dataset_name: string;
  status: RunRecord['status'];
  config: string;
  split: string | null;
  seed: number;
  backend: string;
  epochs_done: number;
  epochs_planned: number;
  best_metrics: string;
  started_at: number;
  finished_at: number | null;
  duration: number;
  tags: string;
  notes: string;
  archived: number;
  error: string | null;
  model_id: number | null;
}

/** Architecture, preset and key hyper-parameters of a config, for the runs table. */
export function runSummary(config: Record<string, unknown>): RunRecord['summary'] {
  const c = config as {
    architecture?: string;
    preset?: string;
    model?: { numLayers?: number; atomFeatures?: number; hiddenFeatures?: number; readout?: string };
    graph?: { cutoff?: number; maxNeighbors?: number };
    training?: { optimizer?: { kind?: string; lr?: number }; batchSize?: number; epochs?: number; weightDecay?: number };
  };
  return {
    architecture: c.architecture ?? null,
    preset: c.preset ?? null,
    optimizer: c.training?.optimizer?.kind ?? null,
    lr: c.training?.optimizer?.lr ?? null,
    batchSize: c.training?.batchSize ?? null,
    epochs: c.training?.epochs ?? null,
    layers: c.model?.numLayers ?? null,
    features: c.model?.atomFeatures ?? null,
    hidden: c.model?.hiddenFeatures ?? null,
    readout: c.model?.readout ?? null,
    cutoff: c.graph?.cutoff ?? null,
    maxNeighbors: c.graph?.maxNeighbors ?? null,
  };
}

export function toRunRecord(r: RunRow): RunRecord {
  return {
    id: r.id,
    name: r.name,
    datasetId: r.dataset_id ?? 0,
    datasetName: r.dataset_name,
    status: r.status,
    summary: { ...runSummary(parseJson(r.config, {})), duplicatesAcrossSplits: parseJson<{ overlap?: string[] } | null>(r.split, null)?.overlap?.length ?? null },
    bestMetrics: parseJson(r.best_metrics, {}),
    backend: r.backend,
    seed: r.seed,
    epochsDone: r.epochs_done,
    epochsPlanned: r.epochs_planned,
    startedAt: r.started_at,
    finishedAt: r.finished_at,
    duration: r.duration,
    tags: parseJson(r.tags, []),
    notes: r.notes,
    archived: r.archived !== 0,
    error: r.error,
  };
}

export async function getRunRow(core: CoreParts, id: number): Promise<RunRow> {
  const row = await core.db.read((tx) => tx.get<RunRow>('SELECT * FROM run WHERE id = ?', [id]));
  if (!row) throw new UserError(`there is no run with id ${id}`);
  return row;
}

export async function getRun(core: CoreParts, id: number): Promise<RunRecord> {
  return toRunRecord(await getRunRow(core, id));
}

function toDetail(r: RunRow): RunDetail {
  const split = parseJson<{ train: number[]; val: number[]; test: number[] } | null>(r.split, null);
  return {
    ...toRunRecord(r),
    config: parseJson(r.config, {}),
    split: { train: split?.train.length ?? 0, validation: split?.val.length ?? 0, test: split?.test.length ?? 0 },
  };
}

/** RFC 4180 field. */
function csvField(v: unknown): string {
  if (v === null || v === undefined) return '';
  const s = typeof v === 'string' ? v : typeof v === 'number' ? (Number.isFinite(v) ? String(v) : '') : JSON.stringify(v);
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(header: string[], rows: unknown[][]): string {
  return [header, ...rows].map((r) => r.map(csvField).join(',')).join('\n') + '\n';
}

export function runsHandlers(core: CoreParts): LatticeworkHandlers['runs'] {
  const handlers: LatticeworkHandlers['runs'] = {
    async list({ includeArchived }) {
      const rows = await core.db.read((tx) => tx.all<RunRow>(`SELECT * FROM run ${includeArchived ? '' : 'WHERE archived = 0'} ORDER BY id DESC`));
      return rows.map(toRunRecord);
    },
    async get({ id }) {
      return toDetail(await getRunRow(core, id));
    },
    async metrics({ ids, keys }) {
      const params: (string | number)[] = [...ids];
      let sql = `SELECT run_id, key, step, epoch, value, time FROM metric WHERE run_id IN (${ids.map(() => '?').join(',')})`;
      if (keys && keys.length) {
        sql += ` AND key IN (${keys.map(() => '?').join(',')})`;
        params.push(...keys);
      }
      sql += ' ORDER BY run_id, key, step';
      const rows = await core.db.read((tx) => tx.all<{ run_id: number; key: string; step: number; epoch: number; value: number; time: number }>(sql, params));
      return rows.map((r): MetricPoint => ({ runId: r.run_id, key: r.key, step: r.step, epoch: r.epoch, value: r.value, time: r.time }));
    },
    async predictions({ id }) {
      await getRunRow(core, id);
      const rows = await core.db.read((tx) =>
        tx.all<{ structure_id: number; name: string; split: PredictionPoint['split']; target: number; prediction: number }>(
          "SELECT structure_id, name, split, target, prediction FROM prediction WHERE run_id = ? ORDER BY CASE split WHEN 'test' THEN 0 WHEN 'validation' THEN 1 ELSE 2 END, rowid",
          [id],
        ),
      );
      return rows.map((r) => ({ structureId: r.structure_id, name: r.name, split: r.split, target: r.target, prediction: r.prediction }));
    },
    async update({ id, name, tags, notes, archived }) {
      await getRunRow(core, id);
      await core.db.transaction(async (tx) => {
        if (name !== undefined) await tx.run('UPDATE run SET name = ? WHERE id = ?', [name, id]);
        if (tags !== undefined) await tx.run('UPDATE run SET tags = ? WHERE id = ?', [JSON.stringify([...new Set(tags)]), id]);
        if (notes !== undefined) await tx.run('UPDATE run SET notes = ? WHERE id = ?', [notes, id]);
        if (archived !== undefined) await tx.run('UPDATE run SET archived = ? WHERE id = ?', [archived ? 1 : 0, id]);
      });
      const run = await getRun(core, id);
      core.events.emit('training', 'onStatus', run);
      return run;
    },
    async delete({ id }) {
      const row = await core.db.read((tx) => tx.get<{ status: string }>('SELECT status FROM run WHERE id = ?', [id]));
      if (!row) return { deleted: false };
      if (row.status === 'running' || row.status === 'paused' || row.status === 'queued') throw new UserError(`run ${id} is ${row.status}: cancel it before deleting it`);
      const { changes } = await core.db.transaction((tx) => tx.run('DELETE FROM run WHERE id = ?', [id]));
      return { deleted: changes > 0 };
    },
    async exportCsv({ ids, what }, ctx) {
      if (what === 'metrics') {
        const points = await handlers.metrics({ ids }, ctx);
        const names = new Map((await Promise.all(ids.map((i) => getRunRow(core, i)))).map((r) => [r.id, r.name]));
        return {
          fileName: `latticework-metrics-${ids.join('-').slice(0, 60)}.csv`,
          csv: toCsv(
            ['run_id', 'run_name', 'key', 'step', 'epoch', 'value', 'time'],
            points.map((p) => [p.runId, names.get(p.runId), p.key, p.step, p.epoch, p.value, new Date(p.time).toISOString()]),
          ),
        };
      }
      const runs = (await Promise.all(ids.map((i) => getRunRow(core, i)))).map(toRunRecord);
      const summaryKeys = [...new Set(runs.flatMap((r) => Object.keys(r.summary)))];
      const metricKeys = [...new Set(runs.flatMap((r) => Object.keys(r.bestMetrics)))].sort();
      return {
        fileName: `latticework-runs-${ids.join('-').slice(0, 60)}.csv`,
        csv: toCsv(
          ['id', 'name', 'dataset', 'status', 'backend', 'seed', 'epochs_done', 'epochs_planned', 'started_at', 'finished_at', 'duration_s', 'tags', 'notes', 'archived', 'error', ...summaryKeys, ...metricKeys],
          runs.map((r) => [
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
            ...metricKeys.map((k) => r.bestMetrics[k]),
          ]),
        ),
      };
    },
  };
  return handlers;
}
