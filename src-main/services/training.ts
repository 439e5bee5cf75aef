/**
 * The `training` service: starts a run on a dataset with a config and trains it in a
 * compute worker (task `train`, the engine's `trainModel`), recording everything in SQLite:
 *
 * - the run row (status, config, split, seed, backend, timings) — created before the worker
 *   starts, updated on every status change (`training.onStatus`);
 * - metrics per batch and per epoch (`metric`), also sent live as `training.onProgress`;
 * - after every epoch, in ONE transaction: the last checkpoint (full state), the best one
 *   when the epoch is the new best, epochs_done, duration and best metrics, and the metrics
 *   received so far. A process killed at any moment therefore leaves a consistent database
 *   whose last checkpoint matches epochs_done; at the next start (`markInterruptedRuns`) the
 *   run is 'interrupted' and `resume` continues from that checkpoint (metrics of the epoch
 *   that was cut short are dropped first);
 * - when it ends, the best model as a model (origin 'trained') and the predictions of every
 *   split (`prediction`), with the test metrics.
 *
 * Pause, resume and cancel reach the worker through a control word in shared memory that the
 * training loop checks at every batch boundary.
 */
import { randomUUID } from 'node:crypto';
import type { LatticeworkHandlers, RunRecord, TrainingProgress } from '../../src-shared/ipc/contract';
import type { CoreParts } from '../app/core';
import { UserError } from '../ipc/dispatch';
import type { TrainEvent, TrainTaskOutput } from '../workers/workbench-tasks';
import { getDataset, loadDatasetItems, type LoadedItem } from './datasets';
import { checkConfig, insertModel } from './models';
import { getRun, getRunRow } from './runs';
import type { Tx } from './structures';
import { defaultAtomInitText, parseJson } from './workbench-common';
import { groupsAcrossSplits } from '../../src-shared/model/split';

/** Control word values (see workers/workbench-tasks.ts). */
const RUN = 0;
const PAUSE = 1;
const CANCEL = 2;

interface ActiveRun {
  control: Int32Array;
  jobId: string;
  /** Seconds of training before the current segment. */
  elapsed: number;
  /** When the current running segment began (ms), null while paused. */
  segmentStart: number | null;
  userCancelled: boolean;
  /** The worker has built the graphs and started training. */
  started: boolean;
  backend: string;
  batches: number;
  epochs: number;
  /** Exponential average of seconds per batch (for the ETA). */
  secondsPerBatch: number | null;
  lastBatchAt: number | null;
  pendingMetrics: { key: string; step: number; epoch: number; value: number; time: number }[];
  bestMetrics: Record<string, number>;
}

/** Values per atom of a dataset's per-atom array (forces: 3). */
async function perAtomWidth(core: CoreParts, datasetId: number, key: string): Promise<number> {
  const row = await core.db.read((tx) => tx.get<{ per_atom: string | null }>('SELECT per_atom FROM dataset_item WHERE dataset_id = ? ORDER BY idx LIMIT 1', [datasetId]));
  const p = parseJson<Record<string, { kind: string; width?: number }>>(row?.per_atom, {})[key];
  return p?.kind === 'vector' ? (p.width ?? 1) : 1;
}

/** Runs a previous process left queued/running/paused: they are interrupted (resume continues them). */
export async function markInterruptedRuns(core: CoreParts): Promise<number> {
  const { changes } = await core.db.transaction((tx) => tx.run("UPDATE run SET status = 'interrupted' WHERE status IN ('queued', 'running', 'paused')"));
  return changes;
}

const active = new WeakMap<CoreParts['db'], Map<number, ActiveRun>>();

function activeRuns(core: CoreParts): Map<number, ActiveRun> {
  let m = active.get(core.db);
  if (!m) active.set(core.db, (m = new Map()));
  return m;
}

function durationOf(a: ActiveRun): number {
  return a.elapsed + (a.segmentStart === null ? 0 : (Date.now() - a.segmentStart) / 1000);
}

async function flushMetrics(tx: Tx, runId: number, a: ActiveRun): Promise<void> {
  const rows = a.pendingMetrics.splice(0);
  for (let i = 0; i < rows.length; i += 150) {
    const part = rows.slice(i, i + 150);
    await tx.run(
      `INSERT INTO metric (run_id, key, step, epoch, value, time) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
      part.flatMap((m) => [runId, m.key, m.step, m.epoch, m.value, m.time]),
    );
  }
}

export function trainingHandlers(core: CoreParts): LatticeworkHandlers['training'] {
  const runs = activeRuns(core);

  const emitStatus = async (runId: number) => {
    try {
      core.events.emit('training', 'onStatus', await getRun(core, runId));
    } catch {
      // the database is closing: nothing to report
    }
  };

  const setStatus = async (runId: number, status: RunRecord['status'], extra: { error?: string | null; finished?: boolean } = {}) => {
    const a = runs.get(runId);
    await core.db.transaction(async (tx) => {
      if (a) await flushMetrics(tx, runId, a);
      await tx.run(
        `UPDATE run SET status = ?, duration = COALESCE(?, duration), error = COALESCE(?, error)${extra.finished ? ', finished_at = ?' : ''} WHERE id = ?`,
        [status, a ? durationOf(a) : null, extra.error ?? null, ...(extra.finished ? [Date.now()] : []), runId],
      );
    });
    await emitStatus(runId);
  };

  /** Trains (or continues) a run in the background. */
  const launch = async (runId: number, resume: Uint8Array | null, elapsed: number) => {
    const row = await getRunRow(core, runId);
    if (row.dataset_id === null) throw new UserError(`the dataset of run ${runId} was deleted: it cannot be trained`);
    const dataset = await getDataset(core, row.dataset_id);
    const items = await loadDatasetItems(core, row.dataset_id);
    const config = parseJson<Record<string, unknown>>(row.config, {});
    const a: ActiveRun = {
      control: new Int32Array(new SharedArrayBuffer(4)),
      jobId: randomUUID(),
      elapsed,
      // the clock starts when training does (after the graphs are built)
      segmentStart: null,
      userCancelled: false,
      started: false,
      backend: row.backend,
      batches: 0,
      epochs: row.epochs_planned,
      secondsPerBatch: null,
      lastBatchAt: null,
      pendingMetrics: [],
      bestMetrics: parseJson(row.best_metrics, {}),
    };
    runs.set(runId, a);

    const paused = () => Atomics.load(a.control, 0) === PAUSE;
    const onEvent = (payload: unknown) => {
      const ev = payload as TrainEvent;
      const now = Date.now();
      if (ev.type === 'start') {
        a.started = true;
        if (!paused()) a.segmentStart = now;
        a.backend = ev.backend;
        a.batches = ev.batches;
        // identical structures (same content hash) in different split sets: a leak worth showing
        const overlap = groupsAcrossSplits(
          items.map((it) => it.structureId),
          ev.splitIndices,
        ).flatMap((g) => g.leaked.map((i) => items[i].name));
        const split = { ...ev.splitIndices, overlap };
        void core.db
          .transaction((tx) => tx.run("UPDATE run SET status = CASE WHEN status = 'queued' THEN 'running' ELSE status END, backend = ?, split = ? WHERE id = ?", [ev.backend, JSON.stringify(split), runId]))
          .then(() => emitStatus(runId))
          .catch(() => undefined);
      } else if (ev.type === 'batch') {
        const step = ev.epoch * ev.batches + ev.batch;
        a.pendingMetrics.push({ key: 'batch_loss', step, epoch: ev.epoch, value: ev.loss, time: now }, { key: 'batch_lr', step, epoch: ev.epoch, value: ev.lr, time: now });
        if (a.lastBatchAt !== null && a.segmentStart !== null) {
          const dt = (now - a.lastBatchAt) / 1000;
          a.secondsPerBatch = a.secondsPerBatch === null ? dt : 0.8 * a.secondsPerBatch + 0.2 * dt;
        }
        a.lastBatchAt = now;
        const remaining = (a.epochs - ev.epoch - 1) * ev.batches + (ev.batches - ev.batch - 1);
        const progress: TrainingProgress = {
          runId,
          kind: 'batch',
          epoch: ev.epoch,
          epochs: a.epochs,
          batch: ev.batch,
          batches: ev.batches,
          values: { batch_loss: ev.loss, lr: ev.lr },
          structuresPerSecond: ev.structuresPerSecond,
          eta: a.secondsPerBatch === null ? null : remaining * a.secondsPerBatch,
          backend: a.backend,
        };
        core.events.emit('training', 'onProgress', progress);
      } else if (ev.type === 'epoch') {
        const values: Record<string, number> = { train_loss: ev.trainLoss, lr: ev.lr, epoch_seconds: ev.seconds, structures_per_second: ev.structuresPerSecond };
        if (ev.valLoss !== null) values.val_loss = ev.valLoss;
        for (const [k, v] of Object.entries(ev.trainMetrics)) values[`train_${k}`] = v;
        for (const [k, v] of Object.entries(ev.valMetrics)) values[`val_${k}`] = v;
        for (const [key, value] of Object.entries(values)) if (Number.isFinite(value)) a.pendingMetrics.push({ key, step: ev.epoch, epoch: ev.epoch, value, time: now });
        if (ev.isBest) {
          a.bestMetrics = { best_epoch: ev.epoch };
          for (const [k, v] of Object.entries(ev.valMetrics)) a.bestMetrics[`val_${k}`] = v;
          if (ev.valLoss !== null) a.bestMetrics.val_loss = ev.valLoss;
        }
        const remaining = (a.epochs - ev.epoch - 1) * Math.max(a.batches, 1);
        core.events.emit('training', 'onProgress', {
          runId,
          kind: 'epoch',
          epoch: ev.epoch,
          epochs: a.epochs,
          batch: a.batches,
          batches: a.batches,
          values,
          structuresPerSecond: ev.structuresPerSecond,
          eta: a.secondsPerBatch === null ? (a.epochs - ev.epoch - 1) * ev.seconds : remaining * a.secondsPerBatch,
          backend: a.backend,
        });
      } else if (ev.type === 'checkpoint') {
        const bytes = ev.bytes;
        void core.db
          .transaction(async (tx) => {
            await flushMetrics(tx, runId, a);
            const put = (kind: 'last' | 'best') =>
              tx.run('INSERT OR REPLACE INTO checkpoint (run_id, kind, epoch, metric, data, created_at) VALUES (?, ?, ?, ?, ?, ?)', [runId, kind, ev.epoch, ev.metric, bytes, now]);
            if (bytes) await put('last');
            if (bytes && ev.isBest) await put('best');
            await tx.run('UPDATE run SET epochs_done = ?, duration = ?, best_metrics = ? WHERE id = ?', [ev.epoch + 1, durationOf(a), JSON.stringify(a.bestMetrics), runId]);
          })
          .catch(() => undefined);
      }
    };

    const finish = async (out: TrainTaskOutput) => {
      if (a.segmentStart !== null) {
        a.elapsed += (Date.now() - a.segmentStart) / 1000;
        a.segmentStart = null;
      }
      if (out.status === 'cancelled') {
        // cancelled by the user, or stopped because the core is closing (then: interrupted)
        await setStatus(runId, a.userCancelled ? 'cancelled' : 'interrupted', { finished: a.userCancelled });
        return;
      }
      const best: Record<string, number> = { ...a.bestMetrics };
      if (out.bestEpoch >= 0) best.best_epoch = out.bestEpoch;
      else delete best.best_epoch;
      for (const [k, v] of Object.entries(out.valMetrics)) best[`val_${k}`] = v;
      for (const [k, v] of Object.entries(out.testMetrics)) best[`test_${k}`] = v;
      const now = Date.now();
      const modelId = await core.db.transaction(async (tx) => {
        await flushMetrics(tx, runId, a);
        for (const [k, v] of Object.entries(out.testMetrics)) {
          await tx.run('INSERT INTO metric (run_id, key, step, epoch, value, time) VALUES (?, ?, ?, ?, ?, ?)', [runId, `test_${k}`, out.bestEpoch, out.bestEpoch, v, now]);
        }
        await tx.run('DELETE FROM prediction WHERE run_id = ?', [runId]);
        for (let i = 0; i < out.predictions.length; i += 150) {
          const part = out.predictions.slice(i, i + 150);
          await tx.run(
            `INSERT INTO prediction (run_id, structure_id, name, split, target, prediction) VALUES ${part.map(() => '(?, ?, ?, ?, ?, ?)').join(', ')}`,
            part.flatMap((p) => [runId, items[p.index].structureId, items[p.index].name, p.split, p.target, p.prediction]),
          );
        }
        const id = out.modelFile ? await insertModel(tx, out.modelFile, 'trained', { runId, now }) : null;
        await tx.run("UPDATE run SET status = 'finished', finished_at = ?, duration = ?, epochs_done = ?, best_metrics = ?, model_id = ? WHERE id = ?", [
          now,
          a.elapsed,
          out.epochsDone,
          JSON.stringify(best),
          id,
          runId,
        ]);
        return id;
      });
      if (modelId !== null) core.events.emit('models', 'onChanged', { ids: [modelId] });
      await emitStatus(runId);
    };

    const samples = items.map((it: LoadedItem) => ({ name: it.name, structure: it.structure, target: it.target }));
    const parsedConfig = config as { model?: { atomInput?: { kind?: string } } };
    const atomInitText = parsedConfig.model?.atomInput?.kind === 'cgcnn' ? (dataset.atomInit ?? defaultAtomInitText()) : null;
    const perAtom = (config as { model?: { head?: { kind?: string } } }).model?.head?.kind === 'per-atom';
    const perAtomKey = perAtom ? (dataset.report.perAtomKeys[0] ?? null) : null;
    void core.jobs
      .run(
        'train',
        (job) =>
          core.pool.run(
            'train',
            {
              runId,
              config,
              samples,
              atomInitText,
              perAtomKey,
              resume,
              control: a.control,
              model: { name: `${row.name} (best)`, target: perAtomKey ?? dataset.targetKey, unit: '', dataset: dataset.name },
            },
            { signal: job.signal, onEvent, onProgress: (d, t, m) => job.progress(d, t, m) },
          ),
        a.jobId,
      )
      .then(finish)
      .catch(async (err: unknown) => {
        const e = err as { name?: string; message?: string };
        if (a.userCancelled) await setStatus(runId, 'cancelled', { finished: true });
        else if (e?.name === 'CancelledError') await setStatus(runId, 'interrupted');
        else await setStatus(runId, 'failed', { error: e?.message ?? String(err), finished: true });
      })
      .catch(() => undefined)
      .finally(() => runs.delete(runId));
  };

  /** A run that cannot even be handed to a worker (e.g. its dataset was deleted) fails with the reason. */
  const launchOrFail = async (runId: number, resume: Uint8Array | null, elapsed: number) => {
    try {
      await launch(runId, resume, elapsed);
    } catch (err) {
      runs.delete(runId);
      await setStatus(runId, 'failed', { error: (err as Error).message, finished: true });
      throw err;
    }
  };

  return {
    async start({ datasetId, config, name, tags }) {
      const check = checkConfig(config);
      if (!check.ok || !check.config) throw new UserError(`invalid config: ${check.issues.map((i) => `${i.path || '(root)'}: ${i.message}`).join('; ')}`, check.issues);
      const cfg = check.config as { training: { kFold: number | null; seed: number; epochs: number }; model: { head: { kind: string } }; architecture: string };
      const dataset = await getDataset(core, datasetId);
      if (cfg.model.head.kind === 'per-atom') {
        const keys = dataset.report.perAtomKeys;
        if (keys.length === 0) throw new UserError(`a per-atom head needs per-atom arrays: dataset ${dataset.name} has none (import an extended XYZ with e.g. forces)`);
        const width = await perAtomWidth(core, datasetId, keys[0]);
        const numTargets = (cfg.model.head as { numTargets?: number }).numTargets;
        if (numTargets !== width) throw new UserError(`${keys[0]} has ${width} value${width > 1 ? 's' : ''} per atom: set model.head.numTargets to ${width}`);
      }
      const now = Date.now();
      const runId = await core.db.transaction(async (tx) => {
        const { lastID } = await tx.run(
          `INSERT INTO run (name, dataset_id, dataset_name, status, config, seed, epochs_planned, started_at, tags)
           VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?)`,
          [name ?? '', datasetId, dataset.name, JSON.stringify(check.config), cfg.training.seed, cfg.training.epochs * (cfg.training.kFold ?? 1), now, JSON.stringify(tags ?? [])],
        );
        if (!name) await tx.run('UPDATE run SET name = ? WHERE id = ?', [`${cfg.architecture} on ${dataset.name} #${lastID}`, lastID]);
        return lastID;
      });
      await launchOrFail(runId, null, 0);
      const run = await getRun(core, runId);
      core.events.emit('training', 'onStatus', run);
      return run;
    },

    async pause({ runId }) {
      const row = await getRunRow(core, runId);
      const a = runs.get(runId);
      if (!a || (row.status !== 'running' && row.status !== 'queued')) throw new UserError(`run ${runId} is ${row.status}: only a running run can be paused`);
      Atomics.store(a.control, 0, PAUSE);
      if (a.segmentStart !== null) {
        a.elapsed += (Date.now() - a.segmentStart) / 1000;
        a.segmentStart = null;
      }
      a.lastBatchAt = null;
      await setStatus(runId, 'paused');
      return getRun(core, runId);
    },

    async resume({ runId }) {
      const row = await getRunRow(core, runId);
      const a = runs.get(runId);
      if (a && row.status === 'paused') {
        if (a.started) a.segmentStart = Date.now();
        Atomics.store(a.control, 0, RUN);
        await setStatus(runId, 'running');
        return getRun(core, runId);
      }
      if (row.status !== 'interrupted' && !(row.status === 'paused' && !a)) throw new UserError(`run ${runId} is ${row.status}: only paused or interrupted runs can be resumed`);
      if (row.dataset_id === null) throw new UserError(`the dataset of run ${runId} was deleted (or it was recorded by the command line): it cannot be resumed here`);
      const ckpt = await core.db.read((tx) => tx.get<{ epoch: number; data: Uint8Array }>("SELECT epoch, data FROM checkpoint WHERE run_id = ? AND kind = 'last'", [runId]));
      const from = ckpt ? ckpt.epoch + 1 : 0;
      await core.db.transaction(async (tx) => {
        // metrics of the epoch that was cut short (and anything after the checkpoint) are redone
        await tx.run('DELETE FROM metric WHERE run_id = ? AND epoch >= ?', [runId, from]);
        await tx.run('DELETE FROM prediction WHERE run_id = ?', [runId]);
        if (!ckpt) await tx.run("DELETE FROM checkpoint WHERE run_id = ?", [runId]);
        await tx.run("UPDATE run SET status = 'queued', epochs_done = ?, error = NULL, finished_at = NULL WHERE id = ?", [from, runId]);
      });
      await launchOrFail(runId, ckpt ? new Uint8Array(ckpt.data) : null, row.duration);
      const run = await getRun(core, runId);
      core.events.emit('training', 'onStatus', run);
      return run;
    },

    async cancel({ runId }) {
      const row = await getRunRow(core, runId);
      const a = runs.get(runId);
      if (a) {
        a.userCancelled = true;
        Atomics.store(a.control, 0, CANCEL);
        if (row.status === 'paused') a.segmentStart = null;
        return getRun(core, runId);
      }
      if (row.status === 'interrupted' || row.status === 'paused' || row.status === 'queued' || row.status === 'running') {
        await setStatus(runId, 'cancelled', { finished: true });
        return getRun(core, runId);
      }
      throw new UserError(`run ${runId} is ${row.status}: there is nothing to cancel`);
    },
  };
}
