import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelRecord, PredictionRowsEvent } from '../../../src-shared/ipc/contract';
import { parameterCount, presetConfig } from '../../../src-main/engine/architectures/registry';
import { serveTestCore } from '../../helpers/core';
import { SHARED_DATA } from '../../helpers/shared-data';

const SAMPLE = `${SHARED_DATA}/cgcnn-sample-regression`;
const PRETRAINED = `${SHARED_DATA}/cgcnn-pretrained`;

const served = serveTestCore();

/** The emt-dev CIFs from..to (in name order) as dropped files. */
function emtCifs(from: number, to: number): { name: string; text: string }[] {
  const emt = `${SHARED_DATA}/emt-dev/cgcnn`;
  return readdirSync(emt)
    .filter((n) => n.endsWith('.cif'))
    .sort()
    .slice(from, to)
    .map((n) => ({ name: n, text: readFileSync(join(emt, n), 'utf8') }));
}

const reference = readFileSync(join(PRETRAINED, 'reference-predictions-sample.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(','))
  .map(([model, id, p]) => ({ model, id, prediction: Number(p) }));

describe('models service', () => {
  it('lists the eight built-in CGCNN models with readable names and units', async () => {
    const models = await served.api.models.list({});
    const builtin = models.filter((m) => m.origin === 'builtin');
    expect(builtin).toHaveLength(8);
    const fe = builtin.find((m) => m.name === 'CGCNN formation energy per atom')!;
    expect(fe).toMatchObject({ task: 'regression', architecture: 'cgcnn', units: 'eV/atom', members: 1, parameterCount: 96641 });
    expect(fe.target).toMatch(/formation energy/i);
    expect(builtin.find((m) => m.task === 'classification')?.parameterCount).toBe(96674);
    expect(builtin.find((m) => m.name === 'CGCNN band gap')?.units).toBe('eV');
    await expect(served.api.models.delete({ id: fe.id })).rejects.toMatchObject({ name: 'UserError' });
  });

  it('gives presets, checks configs with paths, parameter count and differences, and saves configs', async () => {
    const presets = await served.api.models.presets({});
    expect(presets.map((p) => p.id)).toContain('cgcnn-paper');
    const paper = presets.find((p) => p.id === 'cgcnn-paper')!;
    const changed = JSON.parse(JSON.stringify(paper.config)) as { model: { numLayers: number }; training: { optimizer: { lr: number } } };
    changed.model.numLayers = 4;
    changed.training.optimizer.lr = 0.02;
    const ok = await served.api.models.checkConfig({ config: changed, presetId: 'cgcnn-paper' });
    expect(ok.ok).toBe(true);
    expect(ok.parameterCount).toBe(parameterCount(presetConfig('cgcnn-paper', { model: { numLayers: 4 } })));
    expect(ok.differences).toEqual([
      { path: 'model.numLayers', preset: 3, value: 4 },
      { path: 'training.optimizer.lr', preset: 0.01, value: 0.02 },
    ]);
    const bad = await served.api.models.checkConfig({ config: { architecture: 'cgcnn', model: { numLayers: 0 }, training: { batchSize: 'x' } } });
    expect(bad.ok).toBe(false);
    expect(bad.issues.map((i) => i.path).sort()).toEqual(['model.numLayers', 'training.batchSize']);
    // the form's check is the command line's schema: a Gaussian step below 0.01 Å is refused with its bound
    const fine = await served.api.models.checkConfig({ config: { ...paper.config, graph: { ...(paper.config.graph as object), gaussian: { step: 1e-9 } } }, presetId: 'cgcnn-paper' });
    expect(fine.issues).toEqual([{ path: 'graph.gaussian.step', message: 'gaussian.step must be at least 0.01 Å (CGCNN spaces its Gaussian centres 0.2 Å apart, SchNet 0.1 Å)' }]);
    const wide = await served.api.models.checkConfig({ config: { ...paper.config, graph: { ...(paper.config.graph as object), gaussian: { width: 1e6 } } }, presetId: 'cgcnn-paper' });
    expect(wide.issues).toEqual([{ path: 'graph.gaussian.width', message: "gaussian.width must be at most 30 Å (the largest cutoff: a wider Gaussian is flat over every distance a model sees; CGCNN's is 0.2 Å, its step)" }]);
    const saved = await served.api.models.saveConfig({ name: 'four layers', presetId: 'cgcnn-paper', config: changed });
    expect((await served.api.models.listConfigs({})).find((c) => c.id === saved.id)?.config).toEqual(changed);
    // a config with problems is not saved: loading it later could not train
    await expect(served.api.models.saveConfig({ name: 'no layers', presetId: null, config: { architecture: 'cgcnn', model: { numLayers: 0 } } })).rejects.toThrow(/config "no layers" is not saved: it has problems \(model\.numLayers: /);
    expect((await served.api.models.listConfigs({})).map((c) => c.name)).not.toContain('no layers');
  });

  it('imports a CGCNN .pth.tar and deletes it', async () => {
    const m = await served.api.models.import({ path: join(PRETRAINED, 'band-gap.pth.tar'), name: 'my band gap' });
    expect(m).toMatchObject({ origin: 'imported', name: 'my band gap', units: 'eV', parameterCount: 96641 });
    expect(await served.api.models.delete({ id: m.id })).toEqual({ deleted: true });
    // a Latticework model file imports as is (checked by loading it)
    const lwm = await served.api.models.import({ path: join(process.cwd(), 'resources', 'models', 'poisson-ratio.lwm'), name: 'poisson copy' });
    expect(lwm).toMatchObject({ origin: 'imported', name: 'poisson copy', task: 'regression', parameterCount: 96641 });
    expect((await served.api.models.list({})).filter((x) => x.name === 'poisson copy')).toHaveLength(1);
    // names are unique: a taken one is refused, with what to do
    await expect(served.api.models.import({ path: join(PRETRAINED, 'band-gap.pth.tar'), name: 'poisson copy' })).rejects.toThrow('a model named "poisson copy" is already stored: give it another name');
    // the command line's rule (src-shared/model/names.ts): any script, trimmed; no line breaks
    expect(await served.api.models.import({ path: join(PRETRAINED, 'band-gap.pth.tar'), name: ' 名前モデル ' })).toMatchObject({ name: '名前モデル' });
    // a built-in's short name (the published file's own) would answer in the built-in's place on the command line
    await expect(served.api.models.import({ path: join(PRETRAINED, 'band-gap.pth.tar'), name: 'band-gap' })).rejects.toThrow(
      '"band-gap" already names the built-in model "CGCNN band gap" (the command line\'s --model and --from take it for the built-in); give it another name',
    );
    // named after its file, as the Models view imports it (it asks no name): stored under a free name
    expect(await served.api.models.import({ path: join(PRETRAINED, 'band-gap.pth.tar') })).toMatchObject({ name: 'band-gap (imported)' });
    await expect(served.api.models.import({ path: join(PRETRAINED, 'band-gap.pth.tar'), name: 'two\nlines' })).rejects.toThrow(/control characters/);
    expect((await served.api.models.list({})).filter((x) => x.name === 'poisson copy')).toHaveLength(1);
    await expect(served.api.models.import({ path: join(SAMPLE, 'id_prop.csv') })).rejects.toThrow();
  });
});

describe('predict service', () => {
  let models: ModelRecord[];
  let ids: Map<string, number>;

  beforeAll(async () => {
    models = await served.api.models.list({});
    const files = readdirSync(SAMPLE)
      .filter((n) => n.endsWith('.cif'))
      .map((n) => ({ name: n, text: readFileSync(join(SAMPLE, n), 'utf8') }));
    const imported = await served.api.structures.import({ files });
    ids = new Map(imported.imported.map((r) => [r.file.replace(/\.cif$/, ''), r.id]));
  });

  it('predicts with the built-in formation-energy model as CGCNN does (1e-4), with per-atom contributions', async () => {
    const fe = models.find((m) => m.name === 'CGCNN formation energy per atom')!;
    const res = await served.api.predict.run({ modelId: fe.id, structureIds: [...ids.values()] });
    expect(res.failed).toEqual([]);
    const refs = reference.filter((r) => r.model === 'formation-energy-per-atom');
    expect(refs).toHaveLength(10);
    for (const r of refs) {
      const row = res.rows.find((x) => x.structureId === ids.get(r.id))!;
      expect(Math.abs(row.prediction - r.prediction)).toBeLessThan(1e-4);
      expect(row.units).toBe('eV/atom');
      expect(row.std).toBeNull();
      expect(row.perAtom).not.toBeNull();
      const sum = row.perAtom!.reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(row.prediction, 4);
    }
  });

  it('predicts more structures than one worker task takes, in parts over the pool, rows in the order asked', async () => {
    const imported = await served.api.structures.import({ files: emtCifs(0, 300) });
    expect(imported.failed).toEqual([]);
    const asked = imported.imported.map((r) => r.id).reverse();
    const fe = models.find((m) => m.name === 'CGCNN formation energy per atom')!;
    const res = await served.api.predict.run({ modelId: fe.id, structureIds: asked });
    expect(res.failed).toEqual([]);
    expect(res.rows.map((r) => r.structureId)).toEqual(asked);
    // the same numbers as predicting each alone (first and last of each part)
    for (const k of [0, 255, 256, 299]) {
      const alone = await served.api.predict.run({ modelId: fe.id, structureIds: [asked[k]] });
      expect(Math.abs(res.rows[k].prediction - alone.rows[0].prediction)).toBeLessThan(1e-6);
    }
  });

  it('streams each part\'s rows as it finishes (predict.onRows), before the run answers', async () => {
    const imported = await served.api.structures.import({ files: emtCifs(300, 900) });
    const asked = imported.imported.map((r) => r.id);
    const fe = models.find((m) => m.name === 'CGCNN formation energy per atom')!;
    const events: PredictionRowsEvent[] = [];
    const off = served.api.predict.onRows((e) => events.push(e));
    try {
      // three parts (256, 256, 88) on the test core's one worker: three events before the result
      const first = asked.slice(0, 600);
      let resolved = false;
      const seenBeforeResult: number[] = [];
      const run = served.api.predict.run({ modelId: fe.id, structureIds: first, jobId: 'stream-all' }).then((r) => {
        resolved = true;
        return r;
      });
      const offSeen = served.api.predict.onRows((e) => {
        if (e.jobId === 'stream-all' && !resolved) seenBeforeResult.push(e.rows.length);
      });
      const res = await run;
      offSeen();
      const mine = events.filter((e) => e.jobId === 'stream-all');
      expect(mine.map((e) => e.rows.length).sort((a, b) => a - b)).toEqual([88, 256, 256]);
      expect(seenBeforeResult).toHaveLength(3);
      // the streamed rows are the result's rows, the same numbers
      const streamed = new Map(mine.flatMap((e) => e.rows).map((r) => [r.structureId, r]));
      expect(streamed.size).toBe(600);
      for (const r of res.rows) expect(streamed.get(r.structureId)).toEqual(r);

    } finally {
      off();
    }
  });

  it('keeps the rows streamed before a cancel: the cancel lands after the first part, no rows after it', async () => {
    const imported = await served.api.structures.import({ files: emtCifs(900, 1200) });
    const asked = imported.imported.map((r) => r.id);
    const fe = models.find((m) => m.name === 'CGCNN formation energy per atom')!;
    const pool = served.t.core.pool;
    const realRun = pool.run.bind(pool);
    // the pool of this test: the first part is predicted, the second waits until the job is
    // cancelled (as a part still running in a worker would) and then fails as cancelled
    let parts = 0;
    pool.run = ((task, input, options) => {
      if (task !== 'predict' || parts++ === 0) return realRun(task, input, options);
      return new Promise((_resolve, reject) => {
        const signal = options?.signal;
        const stop = () => reject(Object.assign(new Error('cancelled'), { name: 'CancelledError' }));
        if (signal?.aborted) stop();
        else signal?.addEventListener('abort', stop, { once: true });
      });
    }) as typeof pool.run;
    const events: PredictionRowsEvent[] = [];
    const off = served.api.predict.onRows((e) => {
      if (e.jobId !== 'cancel-mid') return;
      events.push(e);
      // Cancel pressed as the first part's rows arrive
      void served.api.jobs.cancel({ jobId: 'cancel-mid' });
    });
    try {
      const run = served.api.predict.run({ modelId: fe.id, structureIds: asked, jobId: 'cancel-mid' });
      await expect(run).rejects.toMatchObject({ name: 'CancelledError' });
      pool.run = realRun;
      expect(parts).toBe(2);
      expect(events).toHaveLength(1);
      expect(events[0].rows.map((r) => r.structureId)).toEqual(asked.slice(0, 256));
      // the rows kept are the engine's: the same as predicting them again
      const again = await served.api.predict.run({ modelId: fe.id, structureIds: asked.slice(0, 3) });
      for (const [k, r] of again.rows.entries()) expect(Math.abs(events[0].rows[k].prediction - r.prediction)).toBeLessThan(1e-6);
      // nothing came after the cancel (the answer above went through the same socket after any late event)
      expect(events).toHaveLength(1);
    } finally {
      off();
      pool.run = realRun;
    }
  });

  it('predicts P(metal) with the classification model', async () => {
    const cls = models.find((m) => m.task === 'classification')!;
    const id = '9011998';
    const res = await served.api.predict.run({ modelId: cls.id, structureIds: [ids.get(id)!] });
    const ref = reference.find((r) => r.model === 'semi-metal-classification' && r.id === id)!;
    expect(Math.abs(res.rows[0].prediction - ref.prediction)).toBeLessThan(1e-4);
  });

  it('reports unknown structures as failed and keeps the others', async () => {
    const fe = models.find((m) => m.name === 'CGCNN formation energy per atom')!;
    const res = await served.api.predict.run({ modelId: fe.id, structureIds: [ids.get('1000041')!, 999_999] });
    expect(res.rows).toHaveLength(1);
    expect(res.failed).toEqual([{ structureId: 999_999, message: expect.stringMatching(/no structure/) }]);
  });

  it('shows over-smoothing: per-layer cosine similarity and Dirichlet energy', async () => {
    const fe = models.find((m) => m.name === 'CGCNN formation energy per atom')!;
    const v = await served.api.predict.oversmoothing({ modelId: fe.id, structureId: ids.get('7206075')! });
    expect(v.layers.map((l) => l.layer)).toEqual([0, 1, 2, 3, 4]);
    for (const l of v.layers) {
      expect(l.meanCosine).toBeGreaterThan(-1 - 1e-9);
      expect(l.meanCosine).toBeLessThan(1 + 1e-9);
      expect(l.dirichletEnergy).toBeGreaterThanOrEqual(0);
    }
    // TiO2: Ti and O embed differently, so layer 0 is not fully smooth
    expect(v.layers[0].meanCosine).toBeLessThan(0.999);
    expect(v.layers[0].dirichletEnergy).toBeGreaterThan(0);
    // a cell of one kind of atom in equivalent sites (diamond Si) is perfectly smooth
    const si = await served.api.predict.oversmoothing({ modelId: fe.id, structureId: ids.get('9011998')! });
    for (const l of si.layers) {
      expect(l.meanCosine).toBeCloseTo(1, 5);
      expect(l.dirichletEnergy).toBeLessThan(1e-6);
    }
  });
});
