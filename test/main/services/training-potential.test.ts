/**
 * The app's training service starts a potential's run on a frames dataset (energy, forces,
 * stress): the pipeline of `latticework train --preset painn-potential` in a compute worker,
 * streamed as progress, recorded with the same metric keys and values as the command line's run
 * on the same frames, its model a potential that predicts what the run's prediction table says;
 * cancelled, it keeps nothing (or its best epoch when asked).
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LatticeworkApi, RunRecord, TrainingProgress } from '../../../src-shared/ipc/contract';
import type { RunningHost } from '../../../src-main/host/server';
import type { SocketTransport } from '../../../src-shared/ipc/socket-transport';
import { trainCommand } from '../../../src-main/cli/commands/train';
import { Database } from '../../../src-main/store/database';
import { listRuns, runMetrics } from '../../../src-main/store/runs';
import { connect, createTestCore, startTestHost } from '../../helpers/core';
import type { TestCore } from '../../helpers/core';
import { potentialParameterBreakdown } from '../../../src-main/engine/architectures/registry';
import { parsePotentialConfig } from '../../../src-shared/model/potential';
import { emtFrames, nextProgress, waitForStatus as waitFor } from './training-fixtures';
import { decodeModelFile } from '../../../src-main/engine/models/format';
import { loadModelFile } from '../../../src-main/services/models';

/** A small PaiNN, 2 epochs: every model field below differs from painn-potential's (1 block against its 2), so the preset check lists them all. */
const TINY = { model: { features: 8, numLayers: 1, headHidden: 4 }, radial: { cutoff: 4, numBasis: 6 }, training: { batchSize: 4, epochs: 2 } };

let t: TestCore;
let host: RunningHost;
let api: LatticeworkApi;
let transport: SocketTransport;
let framesId: number;
let text: string;

beforeAll(async () => {
  t = await createTestCore();
  host = await startTestHost(t.core, t.dir);
  ({ api, transport } = await connect(host));
  text = emtFrames(10);
  framesId = (await api.datasets.import({ kind: 'frames', files: [{ name: 'emt10.extxyz', text }], name: 'emt10' })).id;
});
afterAll(async () => {
  transport.close();
  await host.close();
  await t.dispose();
});

const waitForStatus = (runId: number, statuses: RunRecord['status'][]) => waitFor(api, runId, statuses, 240_000);

async function painnConfig(overrides: Record<string, unknown> = {}): Promise<Record<string, unknown>> {
  const preset = (await api.models.presets({})).find((p) => p.id === 'painn-potential');
  expect(preset, 'models.presets lists painn-potential').toBeDefined();
  const c = JSON.parse(JSON.stringify(preset!.config)) as Record<string, Record<string, unknown>>;
  for (const [section, fields] of Object.entries({ ...TINY, ...overrides })) c[section] = { ...c[section], ...(fields as Record<string, unknown>) };
  return c;
}

describe('training a potential from the app', () => {
  it('trains painn-potential on a frames dataset in a worker, with the command line’s metric keys and values, and stores the potential', async () => {
    const progress: TrainingProgress[] = [];
    const offProgress = api.training.onProgress((p) => progress.push(p));
    const config = await painnConfig();
    expect(config.kind).toBe('potential');
    const started = await api.training.start({ datasetId: framesId, config });
    const done = await waitForStatus(started.id, ['finished', 'failed']);
    offProgress();
    expect(done.error).toBeNull();
    expect(done.status).toBe('finished');
    expect(done.epochsDone).toBe(2);
    expect(done.name).toBe('painn-potential on emt10');
    expect(done.summary).toMatchObject({ architecture: 'painn', preset: 'painn-potential', epochs: 2, layers: 1, features: 8, cutoff: 4 });
    // 10 frames: 8 train (batch 4 → 2 batches), 1 validation, 1 test
    const detail = await api.runs.get({ id: started.id });
    expect(detail.split).toEqual({ train: 8, validation: 1, test: 1 });
    const mine = progress.filter((p) => p.runId === started.id);
    expect(mine.filter((p) => p.kind === 'batch')).toHaveLength(4);
    expect(mine.filter((p) => p.kind === 'epoch').map((p) => p.epoch)).toEqual([0, 1]);
    const epochValues = mine.find((p) => p.kind === 'epoch')!.values;
    for (const key of ['train_loss', 'val_energy_mae', 'val_force_mae', 'val_stress_mae', 'val_score', 'atoms_per_second']) expect(epochValues).toHaveProperty(key);
    for (const key of ['best_epoch', 'val_energy_mae', 'val_force_mae', 'test_energy_mae', 'test_energy_rmse', 'test_force_mae', 'test_force_rmse', 'test_stress_mae'])
      expect(Number.isFinite(done.bestMetrics[key]), key).toBe(true);

    // the same run from the command line: same keys, same per-epoch validation values (same engine, seed, split)
    const dir = mkdtempSync(join(tmpdir(), 'lw-app-pot-'));
    writeFileSync(join(dir, 'emt10.extxyz'), text);
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify(TINY));
    const backend = /wasm/i.test(done.backend) ? 'wasm' : 'cpu';
    const out: string[] = [];
    const code = await trainCommand.run({
      argv: ['--data', 'emt10.extxyz', '--preset', 'painn-potential', '--config', 'tiny.json', '--backend', backend, '--no-save', '--db', 'cli.sqlite', '--json'],
      io: { out: (s) => void out.push(s), err: (s) => void out.push(s) },
      cwd: dir,
    });
    expect(code, out.join('\n')).toBe(0);
    const db = await Database.open(join(dir, 'cli.sqlite'));
    try {
      const cliRun = (await db.read((tx) => listRuns(tx)))[0];
      const cliMetrics = await db.read((tx) => runMetrics(tx, [cliRun.id]));
      const appMetrics = await api.runs.metrics({ ids: [started.id] });
      const keys = (ms: { key: string }[]) => [...new Set(ms.map((m) => m.key))].sort();
      expect(keys(appMetrics)).toEqual(keys(cliMetrics));
      expect(Object.keys(done.bestMetrics).sort()).toEqual(Object.keys(JSON.parse(cliRun.best_metrics) as object).sort());
      const valScores = (ms: { key: string; epoch: number; value: number }[]) => ms.filter((m) => m.key === 'val_score').map((m) => [m.epoch, m.value]);
      const cliScores = valScores(cliMetrics);
      expect(cliScores).toHaveLength(2);
      valScores(appMetrics).forEach(([e, v], k) => {
        expect(e).toBe(cliScores[k][0]);
        expect(v).toBeCloseTo(cliScores[k][1], 3);
      });
    } finally {
      await db.close();
    }

    // the run's model: a potential; its energy of the test frame is the prediction table's
    const model = (await api.models.list({})).find((m) => m.runId === started.id)!;
    expect(model).toMatchObject({ origin: 'trained', task: 'potential', architecture: 'painn', members: 1 });
    const preds = await api.runs.predictions({ id: started.id });
    expect(preds.map((p) => p.split).sort()).toEqual(['test', 'validation']);
    const test = preds.find((p) => p.split === 'test')!;
    expect(Math.abs(test.prediction - test.target) * 1000).toBeCloseTo(done.bestMetrics.test_energy_mae, 3);
    const p = await api.predict.potential({ modelId: model.id, structureId: test.structureId });
    expect(p.energyPerAtom).toBeCloseTo(test.prediction, 4);
    // the dashboard's parity data come from the dataset's own frames
    const parity = await api.predict.potentialParity({ runId: started.id });
    expect(parity.energies.map((e) => e.split).sort()).toEqual(['test', 'validation']);
  }, 600_000);

  it('cancels a potential run: nothing kept, or the best epoch so far when asked', async () => {
    const config = await painnConfig({ training: { batchSize: 4, epochs: 50 } });
    const first = await api.training.start({ datasetId: framesId, config, name: 'to cancel' });
    await nextProgress(api, first.id, 'batch');
    const stopping = waitForStatus(first.id, ['cancelled', 'finished', 'failed']);
    await api.training.cancel({ runId: first.id });
    const cancelled = await stopping;
    expect(cancelled.status).toBe('cancelled');
    expect((await api.models.list({})).some((m) => m.runId === first.id)).toBe(false);

    const second = await api.training.start({ datasetId: framesId, config, name: 'keep best' });
    await nextProgress(api, second.id, 'epoch');
    const kept = waitForStatus(second.id, ['cancelled', 'finished', 'failed']);
    await api.training.cancel({ runId: second.id, keepBest: true });
    const run = await kept;
    expect(run.status).toBe('cancelled');
    expect(run.epochsDone).toBeLessThan(50);
    const model = (await api.models.list({})).find((m) => m.runId === second.id);
    expect(model).toMatchObject({ task: 'potential' });
    expect(Number.isFinite(run.bestMetrics.val_energy_mae)).toBe(true);
  }, 600_000);

  it('checks a potential config in the models service: its parameter count, the differences from its preset, issues with paths', async () => {
    const config = await painnConfig();
    expect(config.model).not.toHaveProperty('filterFeatures'); // SchNet's field, not PaiNN's
    const check = await api.models.checkConfig({ config, presetId: 'painn-potential' });
    expect(check.ok).toBe(true);
    expect(check.parameterCount).toBe(potentialParameterBreakdown(parsePotentialConfig(config)).total);
    expect(check.breakdown!.total).toBe(check.parameterCount);
    expect(check.differences.map((d) => d.path)).toEqual(['model.features', 'model.headHidden', 'model.numLayers', 'radial.cutoff', 'radial.numBasis', 'training.batchSize', 'training.epochs']);
    const bad = await api.models.checkConfig({ config: { kind: 'potential', architecture: 'schnet', model: { filterFeatures: 0 }, radial: { cutoff: -1 } } });
    expect(bad.ok).toBe(false);
    expect(bad.issues.map((i) => i.path).sort()).toEqual(['model.filterFeatures', 'radial.cutoff']);
    // the form's check is the command line's schema: a million basis functions (~290 GB of filter tables) are refused with the bound
    const many = await api.models.checkConfig({ config: { ...config, radial: { ...(config.radial as Record<string, unknown>), numBasis: 1e6 } } });
    expect(many.issues).toEqual([{ path: 'radial.numBasis', message: "radial.numBasis must be at most 300 (SchNet's 300 Gaussians are the most a published potential uses; PaiNN uses 20)" }]);
    // a field PaiNN does not have (SchNet's), and one misplaced, are named rather than dropped
    const unknown = await api.models.checkConfig({ config: { ...config, seed: 7, model: { ...(config.model as Record<string, unknown>), filterFeatures: 16 } } });
    expect(unknown.ok).toBe(false);
    expect(unknown.issues.map((i) => i.path)).toEqual(['model.filterFeatures', 'seed']);
    expect(unknown.issues[0].message).toMatch(/^unknown field "filterFeatures" in model \(known: .*features/);
    const view = await api.models.architectures({});
    expect(view.potentials!.architectures.map((a) => a.id)).toEqual(['painn', 'schnet']);
  });

  it('trains a seed ensemble of two from the app: progress per member, one stored model of two members whose predictions carry their spread', async () => {
    const progress: TrainingProgress[] = [];
    const offProgress = api.training.onProgress((p) => progress.push(p));
    const config = await painnConfig({ training: { batchSize: 4, epochs: 2 } });
    const started = await api.training.start({ datasetId: framesId, config, ensemble: 2 });
    expect(started.epochsPlanned).toBe(4);
    expect(started.tags).toContain('ensemble:2');
    expect(started.name).toBe('painn-potential ensemble of 2 on emt10');
    const done = await waitForStatus(started.id, ['finished', 'failed']);
    offProgress();
    expect(done.error).toBeNull();
    expect(done.status).toBe('finished');
    expect(done.epochsDone).toBe(4);
    // epochs count over both members; each progress event names its member
    const mine = progress.filter((p) => p.runId === started.id);
    expect(mine.filter((p) => p.kind === 'epoch').map((p) => [p.epoch, p.epochs, p.member?.index, p.member?.count])).toEqual([
      [0, 4, 0, 2],
      [1, 4, 0, 2],
      [2, 4, 1, 2],
      [3, 4, 1, 2],
    ]);
    expect(new Set(mine.filter((p) => p.kind === 'batch').map((p) => p.member?.index))).toEqual(new Set([0, 1]));
    // member 1 is seeded differently: its epochs' validation scores are not member 0's
    const scores = (await api.runs.metrics({ ids: [started.id] })).filter((m) => m.key === 'val_score').sort((x, y) => x.epoch - y.epoch);
    expect(scores.map((m) => m.epoch)).toEqual([0, 1, 2, 3]);
    expect(scores[2].value).not.toBeCloseTo(scores[0].value, 6);

    // one stored model of two members: energy ± std and a spread per atom and force component
    const model = (await api.models.list({})).find((m) => m.runId === started.id)!;
    expect(model).toMatchObject({ task: 'potential', architecture: 'painn', members: 2 });
    // the frame of the dataset with the largest reference forces (a symmetric cell's forces vanish in every member)
    const predicted = await Promise.all((await api.runs.predictions({ id: started.id })).map((x) => api.predict.potential({ modelId: model.id, structureId: x.structureId })));
    const largest = (x: (typeof predicted)[number]) => Math.max(...(x.reference.forces ?? [[0]]).flat().map(Math.abs));
    const p = predicted.sort((x, y) => largest(y) - largest(x))[0];
    expect(largest(p)).toBeGreaterThan(0.01);
    expect(p.std).not.toBeNull();
    expect(p.std!.energy).toBeGreaterThan(0);
    expect(p.std!.forceNorm).toHaveLength(p.forces.length);
    expect(p.std!.forceNorm!.every((x) => Number.isFinite(x) && x >= 0)).toBe(true);
    expect(p.std!.forceNorm!.some((x) => x > 0)).toBe(true);
  }, 600_000);

  it('resumes an interrupted fine-tuning ensemble from its last checkpoint: every epoch recorded once, the numbers and the provenance of an uninterrupted run', async () => {
    // the stored potential both runs fine-tune, its first block frozen: member 2 starts from the source's weights too
    const first = await api.training.start({ datasetId: framesId, config: await painnConfig({ training: { batchSize: 4, epochs: 1 } }), name: 'source' });
    expect((await waitForStatus(first.id, ['finished', 'failed'])).status).toBe('finished');
    const source = (await api.models.list({})).find((m) => m.runId === first.id)!;
    // 2 members × 3 epochs, one structure per batch; no time budget (the schedule then depends on epochs only)
    const config = { training: { batchSize: 1, epochs: 3, maxSeconds: null } };
    const fineTune = { from: source.id, freeze: 1 };
    const reference = await api.training.start({ datasetId: framesId, config, ...fineTune, ensemble: 2, name: 'uninterrupted' });
    const refDone = await waitForStatus(reference.id, ['finished', 'failed']);
    expect(refDone.status).toBe('finished');

    // the same run, its job stopped as when the app quits (the core cancels every job) twice: in
    // member 1 (so that member 2 starts after a resume, from the source as the checkpoint keeps it),
    // then once member 2's first epoch is in (its state and member 1 restored from the checkpoint)
    const run = await api.training.start({ datasetId: framesId, config, ...fineTune, ensemble: 2, name: 'interrupted' });
    const seen: number[] = [];
    const members: number[] = [];
    for (const [stopAt, resume] of [[1, false], [3, true]] as const) {
      let stopped = false;
      const off = api.training.onProgress((p) => {
        if (p.runId !== run.id || p.kind !== 'epoch') return;
        seen.push(p.epoch);
        members.push(p.member!.index);
        if (p.epoch === stopAt && !stopped) {
          stopped = true;
          t.core.jobs.interruptAll();
        }
      });
      if (resume) await api.training.resume({ runId: run.id });
      const interrupted = await waitForStatus(run.id, ['interrupted', 'finished', 'failed']);
      off();
      expect(stopped).toBe(true);
      expect(interrupted.status).toBe('interrupted');
      // the epochs after the last checkpoint are trained again: forget what was seen after it
      seen.splice(interrupted.epochsDone);
      members.splice(interrupted.epochsDone);
      expect(seen).toEqual(Array.from({ length: interrupted.epochsDone }, (_, i) => i));
    }
    const off = api.training.onProgress((p) => {
      if (p.runId === run.id && p.kind === 'epoch') {
        seen.push(p.epoch);
        members.push(p.member!.index);
      }
    });
    const finished = waitForStatus(run.id, ['finished', 'failed']);
    await api.training.resume({ runId: run.id });
    const done = await finished;
    off();
    expect(done.error).toBeNull();
    expect(done.status).toBe('finished');
    // every epoch once after the checkpoints, each in its member
    expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    expect(members).toEqual([0, 0, 0, 1, 1, 1]);
    expect(done.epochsDone).toBe(6);
    // every epoch recorded once, with the uninterrupted run's values (same seeds, split, state restored)
    const series = async (id: number, key: string) => (await api.runs.metrics({ ids: [id], keys: [key] })).map((m) => [m.epoch, m.value]);
    for (const key of ['val_score', 'train_loss', 'val_force_mae']) {
      const resumed = await series(run.id, key);
      expect(resumed.map(([e]) => e), key).toEqual([0, 1, 2, 3, 4, 5]);
      expect(resumed, key).toEqual(await series(reference.id, key));
    }
    expect(done.bestMetrics).toEqual(refDone.bestMetrics);
    const models = await api.models.list({});
    const [a, b] = [models.find((m) => m.runId === reference.id)!, models.find((m) => m.runId === run.id)!];
    expect(b.members).toBe(2);
    // what it started from survives the interruption (the checkpoint keeps it)
    const [fa, fb] = await Promise.all([a, b].map(async (m) => decodeModelFile((await loadModelFile(t.core, m.id)).bytes).header.provenance.details!));
    expect(fb).toMatchObject({ startedFrom: source.name, freeze: 1 });
    expect(fb.seededElements).toEqual(fa.seededElements);
    expect(fb.seededElements).not.toBeNull();
    const test = (await api.runs.predictions({ id: run.id })).find((p) => p.split === 'test')!;
    const [pa, pb] = await Promise.all([a, b].map((m) => api.predict.potential({ modelId: m.id, structureId: test.structureId })));
    expect(pb.energy).toBe(pa.energy);
    expect(pb.std!.energy).toBe(pa.std!.energy);
  }, 600_000);

  it('refuses an ensemble for a property model, and an ensemble size out of range', async () => {
    const structures = (await api.datasets.list({})).find((d) => d.kind !== 'frames') ?? (await api.datasets.import({ kind: 'extxyz', files: [{ name: 'emt10.extxyz', text }], name: 'as-structures-2' }));
    const cgcnn = (await api.models.presets({})).find((x) => x.config.kind !== 'potential')!;
    await expect(api.training.start({ datasetId: structures.id, config: cgcnn.config, ensemble: 3 })).rejects.toMatchObject({ name: 'UserError', message: expect.stringContaining('applies to potentials') });
    await expect(api.training.start({ datasetId: framesId, config: await painnConfig(), ensemble: 0 })).rejects.toThrow(/ensemble/);
    await expect(api.training.start({ datasetId: framesId, config: await painnConfig(), ensemble: 17 })).rejects.toThrow(/ensemble/);
  });

  it('refuses a potential on a dataset without frames, and an invalid potential config, with the reasons', async () => {
    const structures = (await api.datasets.import({ kind: 'extxyz', files: [{ name: 'emt10.extxyz', text }], name: 'as-structures' })).id;
    await expect(api.training.start({ datasetId: structures, config: await painnConfig() })).rejects.toMatchObject({ name: 'UserError', message: expect.stringContaining("kind 'frames'") });
    await expect(api.training.start({ datasetId: framesId, config: { kind: 'potential', architecture: 'painn', model: { features: 0 } } })).rejects.toMatchObject({
      name: 'UserError',
      message: expect.stringContaining('model.features'),
    });
    await expect(api.training.start({ datasetId: framesId, config: { kind: 'potential', architecture: 'painn', training: { epochs: 1, sed: 5 } } })).rejects.toMatchObject({
      name: 'UserError',
      message: expect.stringContaining('training.sed: unknown field "sed" in training'),
    });
  });
});
