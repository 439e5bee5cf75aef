/**
 * One run store for the app and the command line: a run trained with `latticework train --db X`
 * is in the app's runs table (with its curves) on X, and a run started in the app is listed by
 * `latticework runs --db X --json`.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCore, type Core } from '../../../src-main/app/core';
import { main } from '../../../src-main/cli/index';
import { runsCommand } from '../../../src-main/cli/commands/runs';
import { Database } from '../../../src-main/store/database';
import { insertRun } from '../../../src-main/store/runs';
import type { RunRecord } from '../../../src-shared/ipc/contract';
import { SHARED_DATA } from '../../helpers/shared-data';
import { emtFrames, tinyConfig } from '../services/training-fixtures';

let dir: string;
let db: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lw-runs-'));
  db = join(dir, 'runs.sqlite');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function cli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => void out.push(t), err: (t) => void err.push(t) }, dir);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const call = <T>(core: Core, service: string, method: string, arg: unknown): Promise<T> =>
  core.dispatcher.dispatch(service, method, arg, { clientId: 'test' }).then((r) => {
    if (!r.ok) throw new Error(r.error.message);
    return r.value as T;
  });

describe('latticework runs and the app on one database', { timeout: 240_000 }, () => {
  it('lists nothing, without creating the database, when there is none', async () => {
    const r = await cli(['runs', '--db', join(dir, 'none.sqlite'), '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual([]);
    const t = await cli(['runs', '--db', join(dir, 'none.sqlite')]);
    expect(t.out).toMatch(/no runs: there is no database at .*none\.sqlite yet/);
    // a data folder that is a file: said, not "no runs"
    writeFileSync(join(dir, 'a-file'), 'x');
    const under = await cli(['runs', '--db', join(dir, 'a-file', 'x.sqlite')]);
    expect(under.code).toBe(1);
    expect(under.err).toMatch(/a-file\/x\.sqlite cannot be opened: it does not exist \(a part of the path is not a folder\)/);
  });

  it('lists a run whose process is gone (killed) as interrupted, not running', async () => {
    const path = join(dir, 'killed.sqlite');
    const killed = await Database.open(path, { owner: { pid: spawnSync(process.execPath, ['-e', '']).pid!, host: hostname(), label: 'latticework train' } });
    try {
      await killed.transaction((tx) => insertRun(tx, { name: 'killed', datasetId: null, datasetName: 'data', targetUnit: '', status: 'running', config: {}, seed: 1, epochsPlanned: 3, tags: ['cli'] }));
    } finally {
      await killed.close();
    }
    const r = await cli(['runs', '--db', path, '--json']);
    expect((JSON.parse(r.out) as { name: string; status: string }[]).map((x) => [x.name, x.status])).toEqual([['killed', 'interrupted']]);
  });

  it("gives each run's target unit as it was recorded: a unit, a potential's eV, none (''), or null for a run recorded before units were", async () => {
    const path = join(dir, 'units.sqlite');
    const store = await Database.open(path);
    try {
      const run = (name: string, targetUnit: string | null) => ({ name, datasetId: null, datasetName: 'data', targetUnit, status: 'running' as const, config: {}, seed: 1, epochsPlanned: 1, tags: ['cli'] });
      for (const [name, unit] of [['energy_per_atom', 'eV/atom'], ['potential', 'eV'], ['no unit', ''], ['before units', null]] as const) {
        const id = await store.transaction((tx) => insertRun(tx, run(name, unit)));
        await store.transaction((tx) => tx.run("UPDATE run SET status = 'finished' WHERE id = ?", [id]));
      }
    } finally {
      await store.close();
    }
    const r = await cli(['runs', '--db', path, '--json']);
    expect((JSON.parse(r.out) as { name: string; targetUnit: string | null }[]).map((x) => [x.name, x.targetUnit])).toEqual([
      ['before units', null],
      ['no unit', ''],
      ['potential', 'eV'],
      ['energy_per_atom', 'eV/atom'],
    ]);
  });

  it('a command-line run is in the app runs table with its curves; an app run is listed by the command line', async () => {
    const trained = await cli(['train', '--data', `${SHARED_DATA}/cgcnn-sample-regression`, '--preset', 'gcn', '--epochs', '3', '--batch-size', '4', '--backend', 'cpu', '--db', db, '--name', 'cli-gcn', '--json']);
    expect(trained.err).toBe('');
    expect(trained.code).toBe(0);
    const summary = JSON.parse(trained.out) as { bestEpoch: number; test: { mae: number } };

    const core = await createCore({ mode: 'browser', dataDirectory: dir, databasePath: db, workers: 1, builtinModels: false });
    try {
      const runs = await call<RunRecord[]>(core, 'runs', 'list', {});
      expect(runs).toHaveLength(1);
      const run = runs[0];
      expect(run).toMatchObject({ status: 'finished', epochsDone: 3, epochsPlanned: 3, tags: ['cli'], datasetId: 0 });
      expect(run.datasetName).toBe(`${SHARED_DATA}/cgcnn-sample-regression`);
      expect(run.summary).toMatchObject({ architecture: 'gcn', preset: 'gcn', epochs: 3, batchSize: 4 });
      expect(run.bestMetrics.best_epoch).toBe(summary.bestEpoch);
      expect(run.bestMetrics.test_mae).toBeCloseTo(summary.test.mae, 10);
      const metrics = await call<{ key: string; epoch: number; step: number }[]>(core, 'runs', 'metrics', { ids: [run.id] });
      const curve = (key: string) => metrics.filter((m) => m.key === key).map((m) => m.epoch);
      expect(curve('train_loss')).toEqual([0, 1, 2]);
      expect(curve('val_loss')).toEqual([0, 1, 2]);
      expect(curve('val_mae')).toEqual([0, 1, 2]);
      // per batch too: 8 training structures in batches of 4, 3 epochs
      expect(metrics.filter((m) => m.key === 'batch_loss').map((m) => m.step)).toEqual([0, 1, 2, 3, 4, 5]);
      const detail = await call<{ split: { train: number; validation: number; test: number } }>(core, 'runs', 'get', { id: run.id });
      expect(detail.split).toEqual({ train: 8, validation: 1, test: 1 });
      const models = await call<{ name: string; runId: number | null; origin: string }[]>(core, 'models', 'list', {});
      expect(models.find((m) => m.name === 'cli-gcn')).toMatchObject({ runId: run.id, origin: 'trained' });

      // a run started in the app
      const dataset = await call<{ id: number }>(core, 'datasets', 'import', { kind: 'extxyz', files: [{ name: 'emt20.extxyz', text: emtFrames(20) }] });
      const started = await call<RunRecord>(core, 'training', 'start', { datasetId: dataset.id, config: tinyConfig(2), name: 'app-cgcnn' });
      const done = await new Promise<RunRecord>((resolve) => {
        const off = core.events.connect((service, event, payload) => {
          const r = payload as RunRecord;
          if (service === 'training' && event === 'onStatus' && r.id === started.id && ['finished', 'failed'].includes(r.status)) {
            off();
            resolve(r);
          }
        });
      });
      expect(done.status).toBe('finished');
    } finally {
      await core.dispose();
    }

    const listed = await cli(['runs', '--db', db, '--json']);
    expect(listed.code).toBe(0);
    const entries = JSON.parse(listed.out) as Record<string, unknown>[];
    expect(entries.map((e) => e.name)).toEqual(['app-cgcnn', 'cli-gcn']);
    const [app, fromCli] = entries;
    for (const e of entries) {
      for (const key of ['id', 'name', 'status', 'dataset', 'architecture', 'epochs', 'bestEpoch', 'bestMetrics']) expect(e).toHaveProperty(key);
    }
    // the fields are the ones `runs --help` and README's command table list, in that order
    const usage = runsCommand.usage.slice(runsCommand.usage.indexOf('{"id"'));
    const documented = [...usage.slice(0, usage.indexOf('}')).matchAll(/"(\w+)"/g)].map((m) => m[1]);
    const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8').split('\n').find((l) => l.startsWith('| `latticework runs '))!;
    for (const e of entries) expect(Object.keys(e)).toEqual(documented);
    for (const key of documented) expect(readme).toContain(`\`${key}\``);
    expect(app).toMatchObject({ workers: expect.any(Number), origin: 'local', external: null });
    expect(app).toMatchObject({ status: 'finished', dataset: 'emt20.extxyz', architecture: 'cgcnn', epochs: 2, epochsPlanned: 2, model: 'app-cgcnn (best)' });
    expect(app.bestEpoch === 0 || app.bestEpoch === 1).toBe(true);
    expect(Object.keys(app.bestMetrics as object)).toEqual(expect.arrayContaining(['val_mae', 'val_rmse', 'val_loss', 'test_mae']));
    expect(fromCli).toMatchObject({ status: 'finished', architecture: 'gcn', preset: 'gcn', epochs: 3, bestEpoch: summary.bestEpoch, model: 'cli-gcn', tags: ['cli'] });
    // the unit of the target each learns, as the app's runs table has it: the sample's id_prop.csv states none, the EMT frames' energy_per_atom is in eV/atom
    expect([app.targetUnit, fromCli.targetUnit]).toEqual(['eV/atom', '']);
    expect((fromCli.bestMetrics as Record<string, number>).test_mae).toBeCloseTo(summary.test.mae, 10);
    expect(new Date(fromCli.startedAt as string).getTime()).toBeGreaterThan(0);

    const text = await cli(['runs', '--db', db]);
    expect(text.out).toMatch(/cli-gcn|gcn on/);
    expect(text.out.split('\n')[0]).toMatch(/^id\s+status\s+name/);
  });
});
