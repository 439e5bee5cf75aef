/**
 * training.start with `from` (fine-tuning, docs/training.md): a built-in CGCNN model fine-tuned on
 * a CGCNN folder in a worker through the contract, with the start recorded on the run and in its
 * model, and the refusals a user can meet.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { decodeModelFile } from '../../../src-main/engine/models/format';
import { loadModelFile } from '../../../src-main/services/models';
import { serveTestCore } from '../../helpers/core';
import { SHARED_DATA } from '../../helpers/shared-data';
import { waitForStatus } from './training-fixtures';

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

    const started = await api.training.start({ datasetId: dataset.id, config: { training: { epochs: 2, batchSize: 4 } }, from: bandGap.id, freeze: 3, workers: 1 });
    expect(started.name).toBe('CGCNN band gap fine-tuned on sample');
    expect(started.tags).toEqual(['from:CGCNN band gap', 'freeze:3']);
    const done = await waitForStatus(served.api, started.id, ['finished', 'failed']);
    expect(done.error).toBeNull();
    expect(done.status).toBe('finished');
    expect(done.summary).toMatchObject({ architecture: 'cgcnn', layers: 4, epochs: 2, batchSize: 4 });
    const model = (await api.models.list({})).find((m) => m.runId === started.id)!;
    const file = decodeModelFile((await loadModelFile(served.t.core, model.id)).bytes);
    expect(file.header.provenance.details).toMatchObject({ startedFrom: 'CGCNN band gap', freeze: 3, head: "re-initialised: the source's target is band_gap, this data's target" });
    const source = decodeModelFile((await loadModelFile(served.t.core, bandGap.id)).bytes);
    for (const n of Object.keys(source.members[0]).filter((k) => /^(embedding|convs\.[012])\./.test(k))) expect(Array.from(file.members[0][n]), n).toEqual(Array.from(source.members[0][n]));
    expect(Array.from(file.members[0]['convs.3.fc_full.weight'])).not.toEqual(Array.from(source.members[0]['convs.3.fc_full.weight']));
  });
});
