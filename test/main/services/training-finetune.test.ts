/**
 * training.start with `from` (fine-tuning, docs/training.md): a built-in CGCNN model fine-tuned on
 * a CGCNN folder in a worker through the contract, with the start recorded on the run and in its
 * model, and the refusals a user can meet.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { atomicNumber, readFrames } from '../../../src-shared/chem';
import { decodeModelFile } from '../../../src-main/engine/models/format';
import { elementSeeds, seedsBySymbol, sourceTrainedElements } from '../../../src-main/engine/potential/finetune';
import { elementsOf } from '../../../src-shared/model/domain';
import { loadModelFile } from '../../../src-main/services/models';
import { serveTestCore } from '../../helpers/core';
import { SHARED_DATA } from '../../helpers/shared-data';
import { emtFrames, waitForStatus } from './training-fixtures';

const SAMPLE = `${SHARED_DATA}/cgcnn-sample-regression`;
const served = serveTestCore();

describe('training service: fine-tuning', () => {
  it('fine-tunes a built-in CGCNN model on a dataset, recording what it started from', { timeout: 300_000 }, async () => {
    const { api } = served;
    const files = readdirSync(SAMPLE).map((n) => ({ name: `sample/${n}`, text: readFileSync(join(SAMPLE, n), 'utf8') }));
    const dataset = await api.datasets.import({ kind: 'cgcnn-folder', files, name: 'sample' });
    const bandGap = (await api.models.list({})).find((m) => m.name === 'CGCNN band gap')!;
    expect(bandGap.origin).toBe('builtin');

    await expect(api.training.start({ datasetId: dataset.id, config: {}, freeze: 1 })).rejects.toThrow(/freeze and head apply to a fine-tuning run/);
    await expect(api.training.start({ datasetId: dataset.id, config: {}, from: bandGap.id, freeze: 7 })).rejects.toThrow(/"CGCNN band gap" has 4 message-passing layers, so the depth is 0 to 4/);
    await expect(api.training.start({ datasetId: dataset.id, config: { graph: { cutoff: 5 } }, from: bandGap.id })).rejects.toThrow(/may set only "training" and "model.head"/);
    await expect(api.training.start({ datasetId: dataset.id, config: { training: { epoch: 2 } }, from: bandGap.id })).rejects.toThrow(/training\.epoch: unknown field "epoch" in training/);

    const started = await api.training.start({ datasetId: dataset.id, config: { training: { epochs: 2, batchSize: 4 } }, from: bandGap.id, freeze: 3, workers: 1 });
    expect(started.name).toBe('CGCNN band gap fine-tuned on sample');
    expect(started.tags).toEqual(['from:CGCNN band gap', 'freeze:3']);
    const done = await waitForStatus(served.api, started.id, ['finished', 'failed']);
    expect(done.error).toBeNull();
    expect(done.status).toBe('finished');
    expect(done.summary).toMatchObject({ architecture: 'cgcnn', layers: 4, epochs: 2, batchSize: 4 });
    const model = (await api.models.list({})).find((m) => m.runId === started.id)!;
    const file = decodeModelFile((await loadModelFile(served.t.core, model.id)).bytes);
    expect(file.header.provenance.details).toMatchObject({ startedFrom: 'CGCNN band gap', freeze: 3, head: "re-initialised: the source's target is band_gap, this data's target", seededElements: null });
    const source = decodeModelFile((await loadModelFile(served.t.core, bandGap.id)).bytes);
    for (const n of Object.keys(source.members[0]).filter((k) => /^(embedding|convs\.[012])\./.test(k))) expect(Array.from(file.members[0][n]), n).toEqual(Array.from(source.members[0][n]));
    expect(Array.from(file.members[0]['convs.3.fc_full.weight'])).not.toEqual(Array.from(source.members[0]['convs.3.fc_full.weight']));
  });

  it('fine-tunes a model with a learned element embedding: new elements start from the nearest trained element, recorded in its model', { timeout: 300_000 }, async () => {
    const { api } = served;
    const files = readdirSync(SAMPLE).map((n) => ({ name: `sample/${n}`, text: readFileSync(join(SAMPLE, n), 'utf8') }));
    const dataset = await api.datasets.import({ kind: 'cgcnn-folder', files, name: 'sample-embedding' });
    const tiny = { architecture: 'schnet', model: { atomInput: { kind: 'embedding', numSpecies: 119 }, atomFeatures: 8, filterFeatures: 8, numLayers: 1, hiddenFeatures: 8 }, training: { epochs: 1, batchSize: 4 } };
    const first = await api.training.start({ datasetId: dataset.id, config: tiny, workers: 1 });
    expect((await waitForStatus(served.api, first.id, ['finished', 'failed'])).status).toBe('finished');
    const sourceEntry = (await api.models.list({})).find((m) => m.runId === first.id)!;
    const source = decodeModelFile((await loadModelFile(served.t.core, sourceEntry.id)).bytes);
    const trained = source.header.domain!.elements!;

    const tuned = await api.training.start({ datasetId: dataset.id, config: { training: { epochs: 1, batchSize: 4 } }, from: sourceEntry.id, freeze: 1, workers: 1 });
    expect((await waitForStatus(served.api, tuned.id, ['finished', 'failed'])).status).toBe('finished');
    const entry = (await api.models.list({})).find((m) => m.runId === tuned.id)!;
    const file = decodeModelFile((await loadModelFile(served.t.core, entry.id)).bytes);
    // the sample's elements outside the source's training split (in its validation and test structures only)
    const seeded = file.header.provenance.details!.seededElements as Record<string, string>;
    expect(Object.keys(seeded).length).toBeGreaterThan(0);
    const row = (w: Float32Array, symbol: string) => Array.from(w.subarray(atomicNumber(symbol) * 8, (atomicNumber(symbol) + 1) * 8));
    for (const [element, from] of Object.entries(seeded)) {
      expect(trained).not.toContain(element);
      expect(trained).toContain(from);
      // the embedding is frozen: the row stays the trained element's
      expect(row(file.members[0]['embedding.weight'], element), element).toEqual(row(source.members[0]['embedding.weight'], from));
    }
  });

  it('a resumed fine-tuning run still records what it started from', { timeout: 300_000 }, async () => {
    const { api } = served;
    const files = readdirSync(SAMPLE).map((n) => ({ name: `sample/${n}`, text: readFileSync(join(SAMPLE, n), 'utf8') }));
    const dataset = await api.datasets.import({ kind: 'cgcnn-folder', files, name: 'sample-resume' });
    const bandGap = (await api.models.list({})).find((m) => m.name === 'CGCNN band gap')!;
    // stopped as when the app quits (the core cancels every job) once its first epoch is in
    let stopped = false;
    const off = api.training.onProgress((p) => {
      if (p.kind === 'epoch' && !stopped) {
        stopped = true;
        served.t.core.jobs.interruptAll();
      }
    });
    const run = await api.training.start({ datasetId: dataset.id, config: { training: { epochs: 3, batchSize: 4 } }, from: bandGap.id, freeze: 2, workers: 1 });
    expect((await waitForStatus(api, run.id, ['interrupted', 'finished', 'failed'])).status).toBe('interrupted');
    off();
    const finished = waitForStatus(api, run.id, ['finished', 'failed']);
    await api.training.resume({ runId: run.id });
    const done = await finished;
    expect(done.error).toBeNull();
    expect(done.status).toBe('finished');
    const model = (await api.models.list({})).find((m) => m.runId === run.id)!;
    const file = decodeModelFile((await loadModelFile(served.t.core, model.id)).bytes);
    expect(file.header.provenance.details).toMatchObject({ startedFrom: 'CGCNN band gap', freeze: 2, head: "re-initialised: the source's target is band_gap, this data's target" });
    // and it stayed frozen after the resume
    const source = decodeModelFile((await loadModelFile(served.t.core, bandGap.id)).bytes);
    for (const n of Object.keys(source.members[0]).filter((k) => /^(embedding|convs\.[01])\./.test(k))) expect(Array.from(file.members[0][n]), n).toEqual(Array.from(source.members[0][n]));
  });

  it('a resumed fine-tuning k-fold run: the folds after the interruption start from the source too (its checkpoint keeps the start), the ensemble the uninterrupted run\'s', { timeout: 300_000 }, async () => {
    const { api } = served;
    const files = readdirSync(SAMPLE).map((n) => ({ name: `sample/${n}`, text: readFileSync(join(SAMPLE, n), 'utf8') }));
    const dataset = await api.datasets.import({ kind: 'cgcnn-folder', files, name: 'sample-kfold' });
    const bandGap = (await api.models.list({})).find((m) => m.name === 'CGCNN band gap')!;
    const request = { datasetId: dataset.id, config: { training: { epochs: 2, batchSize: 4, kFold: 2 } }, from: bandGap.id, freeze: 2, workers: 1 };
    const reference = await api.training.start({ ...request, name: 'uninterrupted' });
    expect((await waitForStatus(api, reference.id, ['finished', 'failed'])).status).toBe('finished');
    // stopped as when the app quits once fold 0's second epoch is in: resumed, fold 1 starts after the resume
    let stopped = false;
    const run = await api.training.start({ ...request, name: 'interrupted' });
    const off = api.training.onProgress((p) => {
      if (p.runId === run.id && p.kind === 'epoch' && p.epoch === 1 && !stopped) {
        stopped = true;
        served.t.core.jobs.interruptAll();
      }
    });
    const interrupted = await waitForStatus(api, run.id, ['interrupted', 'finished', 'failed']);
    off();
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.epochsDone).toBeGreaterThanOrEqual(1);
    const finished = waitForStatus(api, run.id, ['finished', 'failed']);
    await api.training.resume({ runId: run.id });
    const done = await finished;
    expect(done.error).toBeNull();
    expect(done.status).toBe('finished');
    const models = await api.models.list({});
    const [a, b] = await Promise.all([reference.id, run.id].map(async (id) => decodeModelFile((await loadModelFile(served.t.core, models.find((m) => m.runId === id)!.id)).bytes)));
    expect(b.header.provenance.details).toMatchObject({ startedFrom: 'CGCNN band gap', freeze: 2, kFold: 2 });
    expect(b.members).toHaveLength(2);
    b.members.forEach((m, k) => {
      for (const [name, w] of Object.entries(a.members[k])) expect(Array.from(m[name]), `member ${k} ${name}`).toEqual(Array.from(w));
    });
    const predictions = async (id: number) => (await api.runs.predictions({ id })).map((p) => [p.structureId, p.split, p.prediction]);
    expect(await predictions(run.id)).toEqual(await predictions(reference.id));
  });

  it.each([
    ['one model', { epochs: 2, batchSize: 4 }],
    ['a k-fold run', { epochs: 1, batchSize: 4, kFold: 2 }],
  ])('a fine-tuning run (%s) interrupted before its first checkpoint is resumed from its source again: the numbers of a new fine-tuning run, its start recorded', { timeout: 300_000 }, async (what, training) => {
    const { api } = served;
    const files = readdirSync(SAMPLE).map((n) => ({ name: `sample/${n}`, text: readFileSync(join(SAMPLE, n), 'utf8') }));
    const dataset = await api.datasets.import({ kind: 'cgcnn-folder', files, name: `sample-early ${what}` });
    const bandGap = (await api.models.list({})).find((m) => m.name === 'CGCNN band gap')!;
    // the default workers: a run interrupted before it started records none, and resumes with the default
    const request = { datasetId: dataset.id, config: { training }, from: bandGap.id, freeze: 2 };
    const reference = await api.training.start({ ...request, name: `uninterrupted ${what}` });
    expect((await waitForStatus(api, reference.id, ['finished', 'failed'])).status).toBe('finished');
    // the same config trained from random weights
    const scratch = await api.training.start({ datasetId: dataset.id, config: (await api.runs.get({ id: reference.id })).config, name: `from scratch ${what}` });
    expect((await waitForStatus(api, scratch.id, ['finished', 'failed'])).status).toBe('finished');
    // stopped as when the app quits (the core cancels every job) while its graphs are built: no checkpoint yet
    const run = await api.training.start({ ...request, name: `interrupted ${what}` });
    served.t.core.jobs.interruptAll();
    const interrupted = await waitForStatus(api, run.id, ['interrupted', 'finished', 'failed']);
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.epochsDone).toBe(0);
    const finished = waitForStatus(api, run.id, ['finished', 'failed']);
    await api.training.resume({ runId: run.id });
    const done = await finished;
    expect(done.error).toBeNull();
    expect(done.status).toBe('finished');
    expect(done.tags).toEqual(['from:CGCNN band gap', 'freeze:2']);
    const series = async (id: number) => (await api.runs.metrics({ ids: [id], keys: ['train_loss', 'val_loss'] })).map((m) => [m.key, m.epoch, m.value]);
    const first = async (id: number) => (await series(id)).filter(([, epoch]) => epoch === 0);
    expect(await first(run.id)).toEqual(await first(reference.id));
    expect(await first(run.id)).not.toEqual(await first(scratch.id));
    expect(await series(run.id)).toEqual(await series(reference.id));
    const model = (await api.models.list({})).find((m) => m.runId === run.id)!;
    const file = decodeModelFile((await loadModelFile(served.t.core, model.id)).bytes);
    expect(file.header.provenance.details).toMatchObject({ startedFrom: 'CGCNN band gap', freeze: 2, head: "re-initialised: the source's target is band_gap, this data's target" });
  });

  it('a fine-tuning run whose head was chosen (keep), interrupted before its first checkpoint, is resumed with that choice, not the automatic one', { timeout: 300_000 }, async () => {
    const { api } = served;
    const files = readdirSync(SAMPLE).map((n) => ({ name: `sample/${n}`, text: readFileSync(join(SAMPLE, n), 'utf8') }));
    const dataset = await api.datasets.import({ kind: 'cgcnn-folder', files, name: 'sample-early head' });
    const bandGap = (await api.models.list({})).find((m) => m.name === 'CGCNN band gap')!;
    // the automatic choice on this data is a new head (its target is named "target", the source's band_gap)
    const run = await api.training.start({ datasetId: dataset.id, config: { training: { epochs: 1, batchSize: 4 } }, from: bandGap.id, freeze: 2, head: 'keep', workers: 1 });
    expect(run.tags).toEqual(['from:CGCNN band gap', 'freeze:2', 'head:keep']);
    served.t.core.jobs.interruptAll();
    const interrupted = await waitForStatus(api, run.id, ['interrupted', 'finished', 'failed']);
    expect([interrupted.status, interrupted.epochsDone]).toEqual(['interrupted', 0]);
    const finished = waitForStatus(api, run.id, ['finished', 'failed']);
    await api.training.resume({ runId: run.id });
    const done = await finished;
    expect([done.status, done.error]).toEqual(['finished', null]);
    const model = (await api.models.list({})).find((m) => m.runId === run.id)!;
    const file = decodeModelFile((await loadModelFile(served.t.core, model.id)).bytes);
    expect(file.header.provenance.details).toMatchObject({ startedFrom: 'CGCNN band gap', freeze: 2, head: 'kept (asked for)' });
    // a kept head's model keeps the source's target
    expect(file.header.targets.map((t) => t.name)).toEqual(['band_gap']);
  });

  it('refuses to resume a fine-tuning run interrupted before its first checkpoint whose source model was deleted, naming it', { timeout: 300_000 }, async () => {
    const { api } = served;
    const files = readdirSync(SAMPLE).map((n) => ({ name: `sample/${n}`, text: readFileSync(join(SAMPLE, n), 'utf8') }));
    const dataset = await api.datasets.import({ kind: 'cgcnn-folder', files, name: 'sample-source-gone' });
    const tiny = { architecture: 'schnet', model: { atomInput: { kind: 'embedding', numSpecies: 119 }, atomFeatures: 8, filterFeatures: 8, numLayers: 1, hiddenFeatures: 8 }, training: { epochs: 1, batchSize: 4 } };
    const first = await api.training.start({ datasetId: dataset.id, config: tiny, name: 'tiny source', workers: 1 });
    expect((await waitForStatus(api, first.id, ['finished', 'failed'])).status).toBe('finished');
    const source = (await api.models.list({})).find((m) => m.runId === first.id)!;
    const run = await api.training.start({ datasetId: dataset.id, config: { training: { epochs: 1, batchSize: 4 } }, from: source.id, workers: 1 });
    served.t.core.jobs.interruptAll();
    expect((await waitForStatus(api, run.id, ['interrupted', 'finished', 'failed'])).status).toBe('interrupted');
    await api.models.delete({ id: source.id });
    await expect(api.training.resume({ runId: run.id })).rejects.toThrow(`run ${run.id} fine-tunes the model "${source.name}", which is no longer stored`);
    expect((await api.runs.get({ id: run.id })).status).toBe('interrupted');
  });

  it('fine-tunes a stored potential on a frames dataset with its first block frozen', { timeout: 300_000 }, async () => {
    const { api } = served;
    const frames = await api.datasets.import({ kind: 'frames', files: [{ name: 'emt10.extxyz', text: emtFrames(10) }], name: 'emt10' });
    const preset = (await api.models.presets({})).find((p) => p.id === 'painn-potential')!;
    const tiny = { ...preset.config, model: { ...(preset.config.model as object), features: 8, numLayers: 2, headHidden: 4 }, radial: { ...(preset.config.radial as object), cutoff: 4, numBasis: 6 }, training: { ...(preset.config.training as object), batchSize: 4, epochs: 1 } };
    const first = await api.training.start({ datasetId: frames.id, config: tiny, name: 'tiny painn' });
    expect((await waitForStatus(api, first.id, ['finished', 'failed'], 240_000)).status).toBe('finished');
    const potential = (await api.models.list({})).find((m) => m.runId === first.id)!;
    expect(potential.task).toBe('potential');

    await expect(api.training.start({ datasetId: frames.id, config: {}, from: potential.id, head: 'new' })).rejects.toThrow(/head applies to property models/);
    // a depth the potential does not have is refused as a property model's is, before a run is made
    const before = (await api.runs.list({})).length;
    await expect(api.training.start({ datasetId: frames.id, config: {}, from: potential.id, freeze: 3 })).rejects.toThrow(`freeze depth 3: "${potential.name}" has 2 message-passing layers, so the depth is 0 to 2`);
    expect((await api.runs.list({})).length).toBe(before);
    const tuned = await api.training.start({ datasetId: frames.id, config: { training: { epochs: 1 } }, from: potential.id, freeze: 1 });
    expect(tuned.tags).toEqual(['potential', `from:${potential.name}`, 'freeze:1']);
    const done = await waitForStatus(api, tuned.id, ['finished', 'failed'], 240_000);
    expect(done.error).toBeNull();
    expect(done.status).toBe('finished');
    // the run starts from trained weights: it names no preset (the source's was painn-potential)
    expect(done.summary.preset).toBeNull();
    const model = (await api.models.list({})).find((m) => m.runId === tuned.id)!;
    const file = decodeModelFile((await loadModelFile(served.t.core, model.id)).bytes);
    const source = decodeModelFile((await loadModelFile(served.t.core, potential.id)).bytes);
    expect(file.header.provenance.details).toMatchObject({ startedFrom: potential.name, freeze: 1 });
    // the elements of the data the source did not train (here: any only in its validation or test
    // frames) started from the nearest trained element's row; the rest of the frozen embedding is the source's
    const trained = sourceTrainedElements(source)!.elements;
    const seeded = file.header.provenance.details!.seededElements as Record<string, string>;
    const present = elementsOf(readFrames('emt10.extxyz', emtFrames(10)).frames.map((f) => f.structure));
    expect(seeded).toEqual(seedsBySymbol(elementSeeds(present, trained)));
    const from = new Map(Object.entries(seeded).map(([z, f]) => [atomicNumber(z), atomicNumber(f)]));
    const F = 8;
    const row = (w: Float32Array, z: number) => Array.from(w.subarray(z * F, (z + 1) * F));
    for (let z = 0; z < source.members[0]['embedding.weight'].length / F; z++) expect(row(file.members[0]['embedding.weight'], z), `row ${z}`).toEqual(row(source.members[0]['embedding.weight'], from.get(z) ?? z));
  });
});
