import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src-main/cli/index';
import { importCgcnnCheckpoint } from '../../../src-main/engine/import/cgcnn';
import type { Checkpoint } from '../../../src-main/engine/train/checkpoint';
import type { EpochProgress, TrainingResult } from '../../../src-main/engine/train/trainer';
import { ModelRepository } from '../../../src-main/models/store';
import { sqliteTrainHooks } from '../../../src-main/services/cli-store';
import { Database } from '../../../src-main/store/database';
import { presetConfig } from '../../../src-main/engine/architectures/registry';
import { SHARED_DATA } from '../../helpers/shared-data';

const PRETRAINED = `${SHARED_DATA}/cgcnn-pretrained`;
const SAMPLE = `${SHARED_DATA}/cgcnn-sample-regression`;
let dir: string;
let repo: ModelRepository;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'latticework-cli-store-'));
  repo = new ModelRepository(join(dir, 'cli.sqlite'));
});
afterAll(async () => {
  await repo.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the command line on the app database', () => {
  it('resolves built-in models by name, slug or original file name, and stores imported ones', async () => {
    const list = await repo.list();
    expect(list.filter((m) => m.source === 'cgcnn-import')).toHaveLength(8);
    expect((await repo.load('CGCNN band gap'))?.header.targets[0].unit).toBe('eV');
    expect((await repo.load('cgcnn-band-gap'))?.header.name).toBe('CGCNN band gap');
    expect((await repo.load('formation-energy-per-atom'))?.header.name).toBe('CGCNN formation energy per atom');
    expect(await repo.load('no such model')).toBeNull();
    const data = importCgcnnCheckpoint(new Uint8Array(readFileSync(join(PRETRAINED, 'efermi.pth.tar'))), { fileName: 'efermi.pth.tar', name: 'my-efermi' });
    const where = await repo.save(data);
    expect(where).toMatch(/#model=\d+$/);
    expect(await repo.exists('my-efermi')).toBe(true);
    await expect(repo.save(data)).rejects.toThrow(/already exists/);
    await expect(repo.save({ ...data, header: { ...data.header, name: 'CGCNN band gap' } }, { overwrite: true })).rejects.toThrow(/built-in/);
  });

  it('latticework predict --model NAME finds a built-in model in the database', async () => {
    const out: string[] = [];
    const before = process.env.LATTICEWORK_DB;
    process.env.LATTICEWORK_DB = repo.databasePath;
    let code: number;
    try {
      code = await main(['predict', '--model', 'formation-energy-per-atom', join(SAMPLE, '1000041.cif'), '--json'], { out: (s) => out.push(s), err: (s) => out.push(s) });
    } finally {
      if (before === undefined) delete process.env.LATTICEWORK_DB;
      else process.env.LATTICEWORK_DB = before;
    }
    expect(code).toBe(0);
    const json = JSON.parse(out.join('')) as { prediction: number }[];
    const ref = readFileSync(join(PRETRAINED, 'reference-predictions-sample.csv'), 'utf8')
      .split('\n')
      .find((l) => l.startsWith('formation-energy-per-atom,1000041,'))!;
    expect(Math.abs(json[0].prediction - Number(ref.split(',')[2]))).toBeLessThan(1e-4);
  }, 120_000);

  it('records a command-line training run: run, metrics, checkpoints and the final state', async () => {
    const dbPath = join(dir, 'runs.sqlite');
    const hooks = await sqliteTrainHooks({ db: dbPath });
    const config = presetConfig('cgcnn-paper', { training: { epochs: 2 } });
    await hooks.onStart({ name: 'emt run', config, dataset: { source: '/data/emt', structures: 10, target: 'energy_per_atom', perAtom: false, unit: 'eV/atom' }, backend: 'wasm', workers: 2 });
    const split = { train: [0, 1, 2, 3, 4, 5], val: [6, 7], test: [8, 9] };
    const history: EpochProgress[] = [];
    for (let epoch = 0; epoch < 2; epoch++) {
      const e: EpochProgress = { epoch, lr: 0.01, trainLoss: 1 - epoch / 2, valLoss: 0.9 - epoch / 2, valMetrics: { mae: [0.3, 0.2][epoch] }, trainMetrics: { mae: 0.4 }, seconds: 1, structuresPerSecond: 6, fold: null, epochs: 2, isBest: true, bestEpoch: epoch, bestMetric: [0.3, 0.2][epoch], selectionMetric: 'mae' };
      history.push(e);
      await hooks.onEpoch(e);
      const ckpt: Checkpoint = {
        version: 1,
        config,
        epoch: epoch + 1,
        weights: { w: new Float32Array([1, 2]) },
        optimizer: { kind: 'sgd', step: epoch + 1, slots: {} },
        rng: { words: [1, 2, 3, 4], spare: null },
        plateau: { best: Infinity, badEpochs: 0, reductions: 0 },
        normalizer: { mean: [0], std: [1] },
        split,
        best: { epoch, metric: 0.3 - epoch / 10, weights: { w: new Float32Array([1, 2]) } },
        epochsWithoutImprovement: 0,
        history,
      };
      await hooks.onCheckpoint(ckpt, { epoch, isBest: true });
    }
    const result = { status: 'finished', fold: null, epochsRun: 2, bestEpoch: 1, selectionMetric: 'mae', bestMetric: 0.2, normalizer: { mean: [0], std: [1] }, split, history, weights: {}, val: null, test: { indices: [8, 9], loss: 0.1, metrics: { mae: 0.25 }, predictions: new Float64Array(2), targets: new Float64Array(2) }, seconds: 2 } as TrainingResult;
    await hooks.onFinish(result, { location: null });

    const db = await Database.open(dbPath);
    try {
      const run = await db.read((tx) => tx.get<{ status: string; epochs_done: number; best_metrics: string; dataset_name: string; target_unit: string; split: string; workers: number }>('SELECT * FROM run'));
      // the data-parallel workers it trained with, as `train` printed them (not reset when training starts)
      expect(run).toMatchObject({ status: 'finished', epochs_done: 2, dataset_name: '/data/emt', target_unit: 'eV/atom', workers: 2 });
      expect(JSON.parse(run!.best_metrics)).toMatchObject({ best_epoch: 1, val_mae: 0.2, test_mae: 0.25 });
      expect(JSON.parse(run!.split)).toEqual(split);
      const keys = await db.read((tx) => tx.all<{ key: string; n: number }>('SELECT key, COUNT(*) AS n FROM metric GROUP BY key ORDER BY key'));
      expect(keys.find((k) => k.key === 'val_mae')?.n).toBe(2);
      expect(keys.find((k) => k.key === 'test_mae')?.n).toBe(1);
      const ckpts = await db.read((tx) => tx.all<{ kind: string; epoch: number }>('SELECT kind, epoch FROM checkpoint ORDER BY kind'));
      expect(ckpts).toEqual([
        { kind: 'best', epoch: 1 },
        { kind: 'last', epoch: 1 },
      ]);
    } finally {
      await db.close();
    }
  });
});
