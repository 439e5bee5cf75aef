import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LatticeworkApi, TrainingProgress } from '../../../src-shared/ipc/contract';
import type { RunningHost } from '../../../src-main/host/server';
import type { SocketTransport } from '../../../src-shared/ipc/socket-transport';
import { createCore } from '../../../src-main/app/core';
import { Database } from '../../../src-main/store/database';
import { connect, createTestCore, startTestHost } from '../../helpers/core';
import type { TestCore } from '../../helpers/core';
import { emtFrames, nextProgress, tinyConfig, waitForStatus } from './training-fixtures';
import { defaultTrainingWorkers } from '../../../src-main/workers/parallel/workers';
import { parseCsv } from '../../../src-main/datasets/table';
import { resumeRefusal } from '../../../src-shared/ipc/services/training';
import { commandLineDatabase, DATABASE_FILE, platformDataDirectory } from '../../../src-main/app/paths';

let t: TestCore;
let host: RunningHost;
let api: LatticeworkApi;
let transport: SocketTransport;
let datasetId: number;

beforeAll(async () => {
  t = await createTestCore();
  host = await startTestHost(t.core, t.dir);
  ({ api, transport } = await connect(host));
  datasetId = (await api.datasets.import({ kind: 'extxyz', files: [{ name: 'emt30.extxyz', text: emtFrames(30) }] })).id;
});
afterAll(async () => {
  transport.close();
  await host.close();
  await t.dispose();
});

describe('training service and runs', () => {
  it('trains a run in a worker, streaming progress, and records metrics, checkpoints, the model and predictions', async () => {
    const progress: TrainingProgress[] = [];
    const offProgress = api.training.onProgress((p) => progress.push(p));
    const started = await api.training.start({ datasetId, config: tinyConfig(3), tags: ['tiny'] });
    expect(['queued', 'running']).toContain(started.status);
    const done = await waitForStatus(api, started.id, ['finished', 'failed']);
    offProgress();
    expect(done.error).toBeNull();
    expect(done.status).toBe('finished');
    expect(done.epochsDone).toBe(3);
    expect(done.backend).not.toBe('');
    expect(done.bestMetrics.test_mae).toBeGreaterThan(0);
    expect(done.bestMetrics.val_mae).toBeGreaterThan(0);
    expect(done.tags).toEqual(['tiny']);
    expect(done.summary).toMatchObject({ architecture: 'cgcnn', batchSize: 8, epochs: 3, layers: 1, duplicatesAcrossSplits: 0 });

    // the dashboard's data-parallel workers: one per core by default on wasm and cpu
    expect(done.workers).toBe(defaultTrainingWorkers(done.backend).default);
    const mine = progress.filter((p) => p.runId === started.id);
    expect(new Set(mine.map((p) => p.workers))).toEqual(new Set([done.workers]));
    // 30 items: 18 train (batch 8 → 3 batches), 6 validation, 6 test
    expect(mine.filter((p) => p.kind === 'batch')).toHaveLength(9);
    expect(mine.filter((p) => p.kind === 'epoch').map((p) => p.epoch)).toEqual([0, 1, 2]);
    expect(mine.find((p) => p.kind === 'epoch')!.values).toHaveProperty('val_mae');

    const detail = await api.runs.get({ id: started.id });
    expect(detail.split).toEqual({ train: 18, validation: 6, test: 6 });
    expect((detail.config as { training: { epochs: number } }).training.epochs).toBe(3);

    const metrics = await api.runs.metrics({ ids: [started.id] });
    expect(metrics.filter((m) => m.key === 'batch_loss').map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(metrics.filter((m) => m.key === 'train_loss').map((m) => m.epoch)).toEqual([0, 1, 2]);
    expect(metrics.some((m) => m.key === 'test_mae')).toBe(true);
    const onlyVal = await api.runs.metrics({ ids: [started.id], keys: ['val_mae'] });
    expect(onlyVal).toHaveLength(3);

    const preds = await api.runs.predictions({ id: started.id });
    expect(preds).toHaveLength(30);
    expect(preds.filter((p) => p.split === 'test')).toHaveLength(6);
    const test = preds.filter((p) => p.split === 'test');
    const mae = test.reduce((s, p) => s + Math.abs(p.prediction - p.target), 0) / test.length;
    expect(mae).toBeCloseTo(done.bestMetrics.test_mae, 6);

    const ckpts = await t.core.db.read((tx) => tx.all<{ kind: string; epoch: number }>('SELECT kind, epoch FROM checkpoint WHERE run_id = ? ORDER BY kind', [started.id]));
    expect(ckpts.map((c) => c.kind)).toEqual(['best', 'last']);
    expect(ckpts.find((c) => c.kind === 'last')!.epoch).toBe(2);

    // the best model is a model, and predicts the test structures as the run did
    const model = (await api.models.list({})).find((m) => m.runId === started.id)!;
    expect(model).toMatchObject({ origin: 'trained', architecture: 'cgcnn', members: 1 });
    const again = await api.predict.run({ modelId: model.id, structureIds: test.map((p) => p.structureId) });
    again.rows.forEach((r, i) => expect(r.prediction).toBeCloseTo(test[i].prediction, 4));

    const csv = await api.runs.exportCsv({ ids: [started.id], what: 'runs' });
    expect(csv.csv.split('\n')[0]).toContain('test_mae');
    expect(csv.csv.split('\n')[1]).toContain(done.name);
    // the best epoch counted from 1, as the runs table shows it
    const [header, line] = parseCsv(csv.csv).map((r) => r.cells);
    expect(Number(line[header.indexOf('best_epoch')])).toBe(done.bestMetrics.best_epoch + 1);
    const mcsv = await api.runs.exportCsv({ ids: [started.id], what: 'metrics' });
    expect(mcsv.csv.trim().split('\n')).toHaveLength(metrics.length + 1);
  }, 180_000);

  it('pauses, resumes and cancels a run; updates, archives and deletes runs', async () => {
    const t0 = Date.now();
    const started = await api.training.start({ datasetId, config: tinyConfig(100), name: 'long one' });
    const firstBatch = new Promise<void>((resolve) => {
      const off = api.training.onProgress((p) => {
        if (p.runId === started.id) {
          off();
          resolve();
        }
      });
    });
    await firstBatch;
    const paused = await api.training.pause({ runId: started.id });
    expect(paused.status).toBe('paused');
    // the loop stops at the next batch boundary (an epoch's validation may finish first): then nothing comes
    let during = 0;
    const off = api.training.onProgress((p) => {
      if (p.runId === started.id) during++;
    });
    let quietWindows = 0;
    for (let i = 0; i < 20 && quietWindows < 2; i++) {
      during = 0;
      await new Promise((r) => setTimeout(r, 500));
      quietWindows = during === 0 ? quietWindows + 1 : 0;
    }
    off();
    expect(quietWindows).toBe(2);
    expect((await api.runs.get({ id: started.id })).status).toBe('paused');
    const resumed = await api.training.resume({ runId: started.id });
    expect(resumed.status).toBe('running');
    const cancelled = waitForStatus(api, started.id, ['cancelled', 'finished', 'failed']);
    await api.training.cancel({ runId: started.id });
    const final = await cancelled;
    expect(final.status).toBe('cancelled');
    // cancelled without keeping: no model
    expect((await api.models.list({})).some((m) => m.runId === started.id)).toBe(false);
    // the second of pause does not count as training time
    expect(final.duration).toBeGreaterThan(0);
    expect(final.duration).toBeLessThan((Date.now() - t0) / 1000 - 0.95);
    await expect(api.training.resume({ runId: started.id })).rejects.toMatchObject({ name: 'UserError' });

    const updated = await api.runs.update({ id: started.id, notes: 'stopped early', tags: ['a', 'b'], archived: true });
    expect(updated).toMatchObject({ notes: 'stopped early', tags: ['a', 'b'], archived: true });
    expect((await api.runs.list({})).some((r) => r.id === started.id)).toBe(false);
    expect((await api.runs.list({ includeArchived: true })).some((r) => r.id === started.id)).toBe(true);
    expect(await api.runs.delete({ id: started.id })).toEqual({ deleted: true });
    await expect(api.runs.get({ id: started.id })).rejects.toMatchObject({ name: 'UserError' });
  }, 180_000);

  it('a run cancelled through the job list (jobs.cancel) is cancelled, as through training.cancel: the user stopped it, not the process going away', async () => {
    // the job's id comes with its progress ('building graphs'), as the job list sees it
    const job = new Promise<string>((resolve) => {
      const off = api.jobs.onProgress((p) => {
        if (p.kind === 'train' && p.state === 'running') {
          off();
          resolve(p.jobId);
        }
      });
    });
    const started = await api.training.start({ datasetId, config: tinyConfig(100), name: 'cancelled from the job list' });
    await nextProgress(api, started.id, 'batch');
    const cancelled = waitForStatus(api, started.id, ['cancelled', 'interrupted', 'finished', 'failed']);
    expect(await api.jobs.cancel({ jobId: await job })).toEqual({ cancelled: true });
    expect((await cancelled).status).toBe('cancelled');
    expect((await api.runs.get({ id: started.id })).status).toBe('cancelled');
    await t.core.jobs.settled(5_000);
    // nothing said in the process's last words: only interrupted work is
    expect(t.core.jobs.keptSoFar().some((line) => line.startsWith(`run ${started.id} `))).toBe(false);

    // the process going away still leaves a run interrupted, resumable, and says so
    const other = await api.training.start({ datasetId, config: tinyConfig(100), name: 'interrupted' });
    await nextProgress(api, other.id, 'batch');
    const interrupted = waitForStatus(api, other.id, ['cancelled', 'interrupted', 'finished', 'failed']);
    t.core.jobs.interruptAll();
    expect((await interrupted).status).toBe('interrupted');
    await t.core.jobs.settled(5_000);
    expect(t.core.jobs.keptSoFar().some((line) => line.startsWith(`run ${other.id} interrupted after `))).toBe(true);
  }, 180_000);

  it('cancels a run keeping the best model so far: the best epoch’s weights, evaluated on validation and test', async () => {
    const started = await api.training.start({ datasetId, config: tinyConfig(200) });
    // after two finished epochs
    await new Promise<void>((resolve) => {
      const off = api.training.onProgress((p) => {
        if (p.runId === started.id && p.kind === 'epoch' && p.epoch >= 1) {
          off();
          resolve();
        }
      });
    });
    const cancelled = waitForStatus(api, started.id, ['cancelled', 'finished', 'failed']);
    await api.training.cancel({ runId: started.id, keepBest: true });
    const final = await cancelled;
    expect(final.status).toBe('cancelled');
    expect(final.epochsDone).toBeGreaterThanOrEqual(2);
    expect(final.epochsDone).toBeLessThan(200);
    expect(final.bestMetrics.best_epoch).toBeGreaterThanOrEqual(0);
    expect(final.bestMetrics.test_mae).toBeGreaterThan(0);
    const model = (await api.models.list({})).find((m) => m.runId === started.id);
    expect(model, 'the best model so far is kept').toBeDefined();
    const preds = await api.runs.predictions({ id: started.id });
    expect(new Set(preds.map((p) => p.split))).toEqual(new Set(['train', 'validation', 'test']));
    // the kept model predicts what the run recorded for its test structures
    const test = preds.filter((p) => p.split === 'test');
    const again = await api.predict.run({ modelId: model!.id, structureIds: test.map((p) => p.structureId) });
    for (const p of test) expect(again.rows.find((r) => r.structureId === p.structureId)!.prediction).toBeCloseTo(p.prediction, 4);
  }, 180_000);

  it('trains k-fold runs into an ensemble whose predictions carry a spread', async () => {
    const config = tinyConfig(1);
    (config.training as Record<string, unknown>).kFold = 3;
    const started = await api.training.start({ datasetId, config });
    expect(started.epochsPlanned).toBe(3);
    const done = await waitForStatus(api, started.id, ['finished', 'failed']);
    expect(done.error).toBeNull();
    expect(done.epochsDone).toBe(3);
    expect(done.bestMetrics.test_mae).toBeGreaterThan(0);
    // no single split: each fold validates on its own part (so no "no validation structures" notice)
    expect(done.split).toBeNull();
    const model = (await api.models.list({})).find((m) => m.runId === started.id)!;
    expect(model.members).toBe(3);
    const preds = await api.runs.predictions({ id: started.id });
    // out-of-fold validation predictions for the 24 train+val items, ensemble means for the 6 test items
    expect(preds.filter((p) => p.split === 'validation')).toHaveLength(24);
    const test = preds.filter((p) => p.split === 'test');
    expect(test).toHaveLength(6);
    const again = await api.predict.run({ modelId: model.id, structureIds: test.map((p) => p.structureId) });
    again.rows.forEach((r, i) => {
      expect(r.prediction).toBeCloseTo(test[i].prediction, 4);
      expect(r.std).toBeGreaterThan(0);
    });
  }, 180_000);

  it('resumes an interrupted k-fold run in the fold under way, the folds finished before kept: every epoch once, the numbers and predictions of an uninterrupted run', async () => {
    const config = tinyConfig(2);
    (config.training as Record<string, unknown>).kFold = 3;
    const reference = await api.training.start({ datasetId, config, name: 'k-fold uninterrupted', workers: 1 });
    const refDone = await waitForStatus(api, reference.id, ['finished', 'failed']);
    expect(refDone.status).toBe('finished');
    const run = await api.training.start({ datasetId, config, name: 'k-fold interrupted', workers: 1 });
    // its job stopped as when the app quits (the core cancels every job) once fold 1's first epoch (the run's 3rd) is in
    const seen: number[] = [];
    let stopped = false;
    const off = api.training.onProgress((p) => {
      if (p.runId !== run.id || p.kind !== 'epoch') return;
      seen.push(p.epoch);
      if (p.epoch === 2 && !stopped) {
        stopped = true;
        t.core.jobs.interruptAll();
      }
    });
    const interrupted = await waitForStatus(api, run.id, ['interrupted', 'finished', 'failed']);
    expect(interrupted.status).toBe('interrupted');
    // past fold 0 (its two epochs); the epochs after the last checkpoint are trained again
    expect(interrupted.epochsDone).toBeGreaterThanOrEqual(2);
    seen.splice(interrupted.epochsDone);
    const finished = waitForStatus(api, run.id, ['finished', 'failed']);
    await api.training.resume({ runId: run.id });
    const done = await finished;
    off();
    expect(done.error).toBeNull();
    expect(done.status).toBe('finished');
    // every epoch once: fold 0's are not trained again
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(done.epochsDone).toBe(6);
    const series = async (id: number, key: string) => (await api.runs.metrics({ ids: [id], keys: [key] })).map((m) => [m.epoch, m.value]);
    for (const key of ['train_loss', 'val_mae']) expect(await series(run.id, key), key).toEqual(await series(reference.id, key));
    expect(done.bestMetrics).toEqual(refDone.bestMetrics);
    // out-of-fold validation predictions of each fold model, the ensemble's on the test structures
    const predictions = async (id: number) => (await api.runs.predictions({ id })).map((p) => [p.structureId, p.split, p.prediction]);
    expect(await predictions(run.id)).toEqual(await predictions(reference.id));
  }, 300_000);
  it('trains a per-atom head on the forces of an extended XYZ dataset', async () => {
    const config = tinyConfig(1) as { model: Record<string, unknown> };
    config.model.head = { kind: 'per-atom', numTargets: 1 };
    await expect(api.training.start({ datasetId, config })).rejects.toMatchObject({ name: 'UserError', message: expect.stringContaining('numTargets to 3') });
    config.model.head = { kind: 'per-atom', numTargets: 3 };
    const started = await api.training.start({ datasetId, config });
    const done = await waitForStatus(api, started.id, ['finished', 'failed']);
    expect(done.error).toBeNull();
    expect(done.bestMetrics.test_mae).toBeGreaterThan(0);
    // per structure: RMS of the per-atom values (force components)
    const preds = await api.runs.predictions({ id: started.id });
    expect(preds).toHaveLength(30);
    const item = preds.find((p) => p.split === 'test')!;
    const s = await api.structures.get({ id: item.structureId });
    const f = s.structure.siteProperties.forces;
    expect(f.kind).toBe('vector');
    const values = (f as { values: number[] }).values;
    expect(item.target).toBeCloseTo(Math.sqrt(values.reduce((a, v) => a + v * v, 0) / values.length), 9);
    const model = (await api.models.list({})).find((m) => m.runId === started.id)!;
    expect(model.task).toBe('per-atom');
    const p = await api.predict.run({ modelId: model.id, structureIds: [item.structureId] });
    expect(p.rows[0].perAtom).toHaveLength(s.nSites);
  }, 180_000);

  it('counts identical structures that fall in different split sets', async () => {
    const twice = `${emtFrames(12)}\n${emtFrames(12)}`;
    const dup = await api.datasets.import({ kind: 'extxyz', files: [{ name: 'twice.extxyz', text: twice }] });
    expect(dup.report.duplicates).toHaveLength(12);
    // the import report predicts the leaks of a run with the default split (fractions and seed)
    const across = dup.report.duplicatesAcrossSplits!;
    expect(across).toMatchObject({ seed: 123, val: 0.1, test: 0.1 });
    const base = tinyConfig(1) as { training: Record<string, unknown> };
    const config = { ...base, training: { ...base.training, seed: across.seed, split: { val: across.val, test: across.test } } };
    const started = await api.training.start({ datasetId: dup.id, config });
    const done = await waitForStatus(api, started.id, ['finished', 'failed']);
    const preds = await api.runs.predictions({ id: started.id });
    const bySplit = (split: string) => new Set(preds.filter((p) => p.split === split).map((p) => p.structureId));
    const train = bySplit('train');
    const val = bySplit('validation');
    const leaked = preds.filter((p) => (p.split === 'validation' && train.has(p.structureId)) || (p.split === 'test' && (train.has(p.structureId) || val.has(p.structureId)))).length;
    expect(leaked).toBeGreaterThan(0);
    expect(done.summary.duplicatesAcrossSplits).toBe(leaked);
    // pairs of copies: each pair split across two sets leaks exactly one row
    expect(across.groups).toHaveLength(leaked);
    for (const g of across.groups) expect(g.sets).toHaveLength(2);
  }, 180_000);

  it('refuses to resume an interrupted run whose dataset is gone', async () => {
    const id = await t.core.db.transaction(
      async (tx) =>
        (await tx.run("INSERT INTO run (name, dataset_id, dataset_name, status, config, seed, epochs_planned, started_at) VALUES ('orphan', NULL, 'gone', 'interrupted', '{}', 1, 3, 0)")).lastID,
    );
    await expect(api.training.resume({ runId: id })).rejects.toMatchObject({ name: 'UserError', message: `run ${id} cannot be resumed: its dataset “gone” was deleted` });
    expect((await api.runs.get({ id })).status).toBe('interrupted');
  });

  it('refuses to resume an interrupted run of `latticework train` here, saying why: it read its data from a path, so the command line resumes it (the runs table disables Resume with the same words)', async () => {
    const insert = (trainCommand: string | null) =>
      t.core.db.transaction(
        async (tx) =>
          (await tx.run(`INSERT INTO run (name, dataset_id, dataset_name, status, config, seed, epochs_planned, started_at, tags, train_command) VALUES ('killme', NULL, '/data/emt/cgcnn', 'interrupted', '{}', 1, 40, 0, '["cli"]', ?)`, [trainCommand])).lastID,
      );
    // recorded with how it read its data (schema version 19): `latticework train --resume` continues it
    const id = await insert(JSON.stringify({ cwd: '/data', data: '/data/emt/cgcnn', target: null, limit: null, unit: null, structures: 10, sha256: 'ab', backend: null, name: null, model: 'cgcnn-emt', out: null, noSave: false, force: false, from: null, freeze: null, head: 'auto' }));
    // this store is not the data directory's own: the command names it, or it would open another store (and no run, or another run, of that id)
    const db = t.core.db.path;
    const hint = (command: string) => `run ${id} cannot be resumed here: \`latticework train\` trained it from /data/emt/cgcnn, a path, not a dataset of this store; resume it on the command line with \`${command}\` (the same data and settings, its model saved as that command would)`;
    const message = hint(`latticework train --resume ${id} --db ${db}`);
    await expect(api.training.resume({ runId: id })).rejects.toMatchObject({ name: 'UserError', message });
    const run = await api.runs.get({ id });
    expect([run.status, run.datasetId, run.trainCommand?.model]).toEqual(['interrupted', 0, 'cgcnn-emt']);
    const { commandLineDb } = await api.system.info({});
    expect(commandLineDb).toBe(db);
    expect(resumeRefusal(run, commandLineDb)).toBe(message);
    expect(resumeRefusal(run, '/my data/it\'s.sqlite')).toBe(hint(`latticework train --resume ${id} --db '/my data/it'\\''s.sqlite'`));
    // the data directory's own store: the command opens it without --db
    expect(commandLineDatabase(join(platformDataDirectory(), DATABASE_FILE))).toBeNull();
    expect(resumeRefusal(run, null)).toBe(hint(`latticework train --resume ${id}`));
    // recorded before: neither resumes it, and the sentence says why and what to do
    const old = await insert(null);
    const before = `run ${old} cannot be resumed: it was recorded before \`latticework train\` recorded how it read its data (/data/emt/cgcnn: its --target, --limit, what it read) and where its model goes, so it cannot be read again the same way; its curves and metrics are kept: train it again with the same command (the same seed retraces the same epochs)`;
    await expect(api.training.resume({ runId: old })).rejects.toMatchObject({ name: 'UserError', message: before });
    expect(resumeRefusal(await api.runs.get({ id: old }), db)).toBe(before);
  });

  it('refuses to resume an interrupted run PyTorch trained (imported while its job had not ended), even with a stored dataset: import its folder again instead', async () => {
    const id = await t.core.db.transaction(
      async (tx) =>
        (
          await tx.run(
            `INSERT INTO run (name, dataset_id, dataset_name, status, config, seed, epochs_planned, started_at, tags, origin) VALUES ('cluster', ?, 'data', 'interrupted', '{}', 1, 40, 0, '["external","pytorch"]', 'external')`,
            [datasetId],
          )
        ).lastID,
    );
    const message = `run ${id} cannot be resumed here: PyTorch trained it elsewhere (its status.json still said running when it was imported: the job was killed, or is still running); once the job has ended, import its folder again (Import run…, or latticework import-run DIR) and run ${id} is updated`;
    await expect(api.training.resume({ runId: id })).rejects.toMatchObject({ name: 'UserError', message });
    const run = await api.runs.get({ id });
    expect([run.status, run.datasetId > 0]).toEqual(['interrupted', true]);
    expect(resumeRefusal(run, null)).toBe(message);
  });

  it('rejects an invalid config with the issues', async () => {
    await expect(api.training.start({ datasetId, config: { architecture: 'cgcnn', model: { numLayers: 0 } } })).rejects.toMatchObject({
      name: 'UserError',
      message: expect.stringContaining('model.numLayers'),
    });
  });

  it('survives a killed process: the run is interrupted at the next start and resumes from its last checkpoint', async () => {
    const dir = join(t.dir, 'killed');
    const dbPath = join(dir, 'kill.sqlite');
    const child = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./training-child.ts', import.meta.url)), dbPath, dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()));
    const runId = await new Promise<number>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /run (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      child.on('exit', (code) => reject(new Error(`child exited (${code}): ${stderr}`)));
    });
    // wait until the child has stored at least two epochs' checkpoints, then kill it mid-training
    const db = await Database.open(dbPath);
    let epochsDone = 0;
    try {
      for (let i = 0; i < 1500 && epochsDone < 2; i++) {
        await new Promise((r) => setTimeout(r, 100));
        epochsDone = (await db.read((tx) => tx.get<{ epochs_done: number }>('SELECT epochs_done FROM run WHERE id = ?', [runId])))?.epochs_done ?? 0;
      }
    } finally {
      child.kill('SIGKILL');
      await exited;
      await db.close();
    }
    expect(epochsDone).toBeGreaterThanOrEqual(2);

    const core = await createCore({ mode: 'browser', databasePath: dbPath, dataDirectory: dir, workers: 1, builtinModels: false });
    try {
      const h2 = await startTestHost(core, dir);
      const { api: api2, transport: tr2 } = await connect(h2);
      try {
        const run = await api2.runs.get({ id: runId });
        expect(run.status).toBe('interrupted');
        const ckpt = await core.db.read((tx) => tx.get<{ epoch: number }>("SELECT epoch FROM checkpoint WHERE run_id = ? AND kind = 'last'", [runId]));
        expect(ckpt!.epoch + 1).toBe(run.epochsDone);
        const resumedFrom = run.epochsDone;
        // shorten the rest of the run: the planned epochs are part of the stored config
        await core.db.transaction(async (tx) => {
          const row = await tx.get<{ config: string }>('SELECT config FROM run WHERE id = ?', [runId]);
          const config = JSON.parse(row!.config) as { training: { epochs: number } };
          config.training.epochs = resumedFrom + 2;
          await tx.run('UPDATE run SET config = ?, epochs_planned = ? WHERE id = ?', [JSON.stringify(config), resumedFrom + 2, runId]);
        });
        const epochsSeen: number[] = [];
        const off = api2.training.onProgress((p) => {
          if (p.runId === runId && p.kind === 'epoch') epochsSeen.push(p.epoch);
        });
        const finished = waitForStatus(api2, runId, ['finished', 'failed']);
        expect((await api2.training.resume({ runId })).status).toMatch(/queued|running/);
        const done = await finished;
        off();
        expect(done.error).toBeNull();
        expect(done.status).toBe('finished');
        expect(epochsSeen).toEqual([resumedFrom, resumedFrom + 1]);
        expect(done.epochsDone).toBe(resumedFrom + 2);
        const trainLoss = (await api2.runs.metrics({ ids: [runId], keys: ['train_loss'] })).map((m) => m.epoch);
        expect(trainLoss).toEqual(Array.from({ length: resumedFrom + 2 }, (_, i) => i));
      } finally {
        tr2.close();
        await h2.close();
      }
    } finally {
      await core.dispose();
    }
  }, 360_000);
});
