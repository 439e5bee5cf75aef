/**
 * Issue 16 in the app: `scaleOut.exportRun` writes the same folder as `latticework export RUN`
 * (one code path), and `scaleOut.importRun` brings a trained export back from a path or from the
 * files of a dropped folder, refusing bad files by file and line without storing anything.
 * No PyTorch here: the "trained" run folder is written by the test (status, metrics, batches, and
 * the initial weights as best.lwm); test/e2e/scale-out.e2e.ts trains one with torchrun.
 */
import { createHash } from 'node:crypto';
import { cpSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { DroppedFile } from '../../../src-shared/ipc/contract';
import { main } from '../../../src-main/cli/index';
import { presetConfig } from '../../../src-main/engine/architectures/registry';
import { RunRecorder } from '../../../src-main/store/runs';
import { SHARED_DATA } from '../../helpers/shared-data';
import { serveTestCore } from '../../helpers/core';
import { fakeTraining } from '../../helpers/torch';
import { isExportModelFile, isRunFolderFile } from '../../../src-renderer/lib/runs';
import { emtFrames, exportNotes, io } from '../cli/commands/helpers';

const served = serveTestCore();
const DATA = `${SHARED_DATA}/cgcnn-sample-regression`;

/** A stored run on an imported dataset, with a split: what a finished app run has (no training needed to export it). */
async function storedRun(): Promise<{ runId: number; split: { train: number[]; val: number[]; test: number[] }; names: string[] }> {
  const ds = await served.api.datasets.import({ kind: 'cgcnn-folder', path: DATA, name: 'sample' });
  const config = presetConfig('cgcnn-paper', { model: { atomFeatures: 8, hiddenFeatures: 8, numLayers: 1 }, training: { epochs: 3, batchSize: 4, seed: 5 } });
  const recorder = await RunRecorder.create(served.t.core.db, {
    name: 'small cgcnn',
    datasetId: ds.id,
    datasetName: ds.name,
    targetUnit: ds.targetUnit,
    status: 'running',
    config: config as unknown as Record<string, unknown>,
    seed: 5,
    epochsPlanned: 3,
    tags: [],
  });
  const split = { train: [0, 2, 3, 5, 6, 7, 9], val: [1, 8], test: [4] };
  await recorder.started('cpu', split);
  const items = await served.api.datasets.items({ id: ds.id, limit: 100 });
  return { runId: recorder.runId, split, names: items.items.map((i) => i.name) };
}

/** The files of a folder as the renderer sends a dropped folder: those the import reads (its filter), names under the folder's own name, model files as base64. */
function dropped(folder: string, top: string): DroppedFile[] {
  const out: DroppedFile[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const p = join(dir, name);
      const rel = `${top}/${relative(folder, p)}`;
      if (statSync(p).isDirectory()) walk(p);
      else if (isRunFolderFile(rel)) out.push(isExportModelFile(rel) ? { name: rel, base64: readFileSync(p).toString('base64') } : { name: rel, text: readFileSync(p, 'utf8') });
    }
  };
  walk(folder);
  return out;
}

describe('scaleOut service', { timeout: 300_000 }, () => {
  it('exports a stored run to a folder: the same graphs, split and config as `latticework export RUN`, with what to run next', async () => {
    const { runId, split, names } = await storedRun();
    const folder = join(served.t.dir, 'app-export');
    const jobId = 'export-1';
    const seen: string[] = [];
    const off = served.api.jobs.onProgress((p) => {
      if (p.jobId === jobId) seen.push(`${p.state}:${p.message}`);
    });
    const r = await served.api.scaleOut.exportRun({ runId, folder, jobId });
    off();
    expect(r).toMatchObject({ folder, architecture: 'cgcnn', structures: names.length, split: { train: 7, val: 2, test: 1 }, cgcnnLayout: true });
    expect(r.next.some((l) => l.includes(`latticework import-run ${folder}`))).toBe(true);
    expect(r.next.some((l) => l.startsWith('torchrun --nproc_per_node'))).toBe(true);
    expect(seen.some((s) => s.startsWith('running:building the graphs'))).toBe(true);
    expect(seen.at(-1)).toBe('finished:writing the folder');
    const splitFile = JSON.parse(readFileSync(join(folder, 'split.json'), 'utf8'));
    expect(splitFile.test).toEqual(split.test);
    expect(splitFile.ids.test).toEqual(split.test.map((i) => names[i]));

    // the command line on the same run and the same data writes the same graphs, split and config
    const o = io();
    const code = await main(['export', String(runId), '--data', DATA, '--to', 'torch', join(served.t.dir, 'cli-export'), '--db', served.t.core.options.databasePath, '--json'], o.io, served.t.dir);
    // this run (recorded without training) keeps neither model nor checkpoint: the command line says what it could not check
    expect(exportNotes(o.err).join('\n')).toMatch(/^latticework export: run \d+ records no statistics of its training targets .*: --data is checked against its split's size only$/);
    expect(code).toBe(0);
    for (const f of ['config.json', 'split.json', 'data/graphs.bin', 'data/dataset.extxyz', 'data/cgcnn/id_prop.csv'])
      expect(readFileSync(join(folder, f)).equals(readFileSync(join(served.t.dir, 'cli-export', f))), f).toBe(true);
  });

  it("the app's Cancel while the graphs are built stops the export between two structures: cancelled, no folder (it was heard only once the folder was written)", async () => {
    const { runId } = await storedRun();
    const folder = join(served.t.dir, 'cancelled-export');
    const jobId = 'export-cancelled';
    const seen: string[] = [];
    // the Cancel comes as a message does, a turn of the event loop after the building began
    const off = served.t.core.events.connect((service, event, payload) => {
      const p = payload as { jobId?: string; message?: string; state?: string };
      if (service !== 'jobs' || event !== 'onProgress' || p.jobId !== jobId) return;
      seen.push(`${p.state}:${p.message}`);
      if (p.message?.startsWith('building the graphs') && p.state === 'running') setImmediate(() => served.t.core.jobs.cancel(jobId));
    });
    try {
      await expect(served.api.scaleOut.exportRun({ runId, folder, jobId })).rejects.toThrow('the export was cancelled');
    } finally {
      off();
    }
    // stopped while building: the folder was never written
    expect(seen.at(-1)).toBe('cancelled:building the graphs of 10 structures');
    expect(readdirSync(served.t.dir).filter((f) => f.includes('cancelled-export'))).toEqual([]);
  });

  it('refuses a relative folder, a folder that is not empty and a system folder, with the reason', async () => {
    const { runId } = await storedRun();
    await expect(served.api.scaleOut.exportRun({ runId, folder: 'relative/out' })).rejects.toThrow(/relative\/out is not an absolute path: give the whole path/);
    await expect(served.api.scaleOut.exportRun({ runId, folder: join(served.t.dir, 'app-export') })).rejects.toThrow(/is not empty: export into a new folder/);
    await expect(served.api.scaleOut.exportRun({ runId, folder: '/proc/self/lw' })).rejects.toThrow(/system folder/);
    await expect(served.api.scaleOut.exportRun({ runId: 9999, folder: join(served.t.dir, 'x') })).rejects.toThrow(/no run with id 9999/);
  });

  it('imports a trained export from its path and from a dropped folder: an external run with every epoch and its curves', async () => {
    const folder = join(served.t.dir, 'app-export');
    fakeTraining(folder, 3);
    const before = (await served.api.runs.list({ includeArchived: true })).length;
    const a = await served.api.scaleOut.importRun({ path: folder });
    expect(a.run).toMatchObject({ origin: 'external', status: 'finished', epochsDone: 3, external: { processes: 2, distributedBackend: 'gloo', importedFrom: folder } });
    expect(a.modelId).not.toBeNull();
    // exported from a run of this database: it joins that run's dataset (the split indexes its items)
    expect(a.run.datasetName).toBe('sample');
    const points = await served.api.runs.metrics({ ids: [a.runId], keys: ['train_loss', 'val_mae', 'batch_loss'] });
    expect(points.filter((p) => p.key === 'train_loss').map((p) => p.value)).toEqual([1, 1 / 2, 1 / 3]);
    expect(points.filter((p) => p.key === 'val_mae').map((p) => p.value)).toEqual([0.5, 0.5 / 2, 0.5 / 3]);
    expect(points.filter((p) => p.key === 'batch_loss')).toHaveLength(6);

    const b = await served.api.scaleOut.importRun({ files: dropped(folder, 'app-export'), name: 'dropped copy' });
    expect(b.run).toMatchObject({ name: 'dropped copy', origin: 'external', epochsDone: 3, external: { importedFrom: 'app-export' } });
    // a stand-in for an older train.py's run (its status.json names no export): the import says what it could not check
    expect(b.notes).toEqual([
      "app-export/run/status.json does not name the export it trained from (a train.py older than that record): that it is the run of app-export is checked by its model's config and training domain only",
    ]);
    const pointsB = await served.api.runs.metrics({ ids: [b.runId], keys: ['train_loss'] });
    expect(pointsB.map((p) => p.value)).toEqual([1, 1 / 2, 1 / 3]);
    expect((await served.api.runs.list({ includeArchived: true })).length).toBe(before + 2);
  });

  it("a dropped potential's export sends its frames: the model is stored with the range of its own energies of its training structures (without them, a note says it is not)", async () => {
    const tiny = join(served.t.dir, 'tiny-potential.json');
    writeFileSync(tiny, JSON.stringify({ kind: 'potential', architecture: 'schnet', model: { features: 8, filterFeatures: 8, numLayers: 1, headHidden: 8 }, radial: { cutoff: 4, basis: 'gaussian', numBasis: 8 }, training: { batchSize: 8, seed: 4 } }));
    const folder = join(served.t.dir, 'potential-export');
    const o = io();
    expect(await main(['export', tiny, '--data', emtFrames(served.t.dir, 20), '--to', 'torch', folder], o.io, served.t.dir), o.err.join('\n')).toBe(0);
    fakeTraining(folder, 2);
    const files = dropped(folder, 'potential-export');
    expect(files.map((f) => f.name)).toContain('potential-export/data/dataset.extxyz');
    const withFrames = await served.api.scaleOut.importRun({ files, name: 'dropped potential' });
    expect(withFrames.notes).toContainEqual(expect.stringMatching(/^the model is stored with the range of its own energies of its 16 training structures \(potential-export\/data\/dataset\.extxyz\): /));
    const without = await served.api.scaleOut.importRun({ files: files.filter((f) => !f.name.endsWith('.extxyz')), name: 'without frames' });
    expect(without.notes).toContain(
      "potential-export/data/dataset.extxyz is missing: the model is stored without the range of its own energies of its training structures: the energy check compares its predictions with the training labels' range alone, and can flag training structures",
    );
  });

  it('the same run is not imported twice (by path, then dropped): the refusal names the run it was imported as', async () => {
    const folder = join(served.t.dir, 'app-twice');
    cpSync(join(served.t.dir, 'app-export'), folder, { recursive: true });
    rmSync(join(folder, 'run'), { recursive: true, force: true });
    fakeTraining(folder, 3);
    // as train.py records it: the export the run trained from, by the SHA-256 of its files
    const file = join(folder, 'run', 'status.json');
    const sha256 = Object.fromEntries(['export.json', 'split.json', 'initial.lwm'].map((f) => [f, createHash('sha256').update(readFileSync(join(folder, f))).digest('hex')]));
    const status = JSON.parse(readFileSync(file, 'utf8'));
    writeFileSync(file, JSON.stringify({ ...status, export: { folder, createdAt: null, dataset: null, structures: null, sha256 } }));
    const a = await served.api.scaleOut.importRun({ path: folder });
    expect(a.run.external).toMatchObject({ exportSha256: sha256['export.json'] });
    const before = (await served.api.runs.list({ includeArchived: true })).length;
    await expect(served.api.scaleOut.importRun({ files: dropped(folder, 'app-twice') })).rejects.toThrow(
      `app-twice/run/status.json: this run (started ${status.startedAt}) was already imported as run ${a.runId} ("${a.run.name}", finished): it is not stored twice (to import it again, delete run ${a.runId} in the app's Runs view first: the command line does not delete runs)`,
    );
    expect((await served.api.runs.list({ includeArchived: true })).length).toBe(before);
  });

  it('a bad file is named with its line and nothing is stored (path and dropped folder)', async () => {
    const folder = join(served.t.dir, 'app-export');
    const metrics = join(folder, 'run', 'metrics.jsonl');
    const rows = readFileSync(metrics, 'utf8').split('\n');
    rows[1] = '{"epoch": 1, "train_loss": "x", "is_best": false}';
    writeFileSync(metrics, rows.join('\n'));
    const before = (await served.api.runs.list({ includeArchived: true })).length;
    await expect(served.api.scaleOut.importRun({ path: folder })).rejects.toThrow(`${join(folder, 'run', 'metrics.jsonl')} line 2: "train_loss" is missing or not a number`);
    await expect(served.api.scaleOut.importRun({ files: dropped(folder, 'app-export') })).rejects.toThrow('app-export/run/metrics.jsonl line 2: "train_loss" is missing or not a number');
    await expect(served.api.scaleOut.importRun({ files: [{ name: 'notes/readme.txt', text: 'hello' }] })).rejects.toThrow(/no export\.json/);
    // the partial folder a killed export left (export-folder.ts), dropped: no export, whatever it holds
    await expect(served.api.scaleOut.importRun({ files: [{ name: '.cluster-run.partial-4242/split.json', text: '{}' }] })).rejects.toThrow(
      '.cluster-run.partial-4242 is the partial folder of an export into cluster-run (an export writes there and renames it to cluster-run once complete; this one was not completed: its process was killed, or it is still writing): it is no export; export again into cluster-run',
    );
    await expect(served.api.scaleOut.importRun({ path: join(served.t.dir, 'nowhere') })).rejects.toThrow(/nowhere: does not exist/);
    // a folder that is not an export; an export PyTorch has not trained yet (no command-line --run in the app's words)
    mkdirSync(join(served.t.dir, 'other'));
    await expect(served.api.scaleOut.importRun({ path: join(served.t.dir, 'other') })).rejects.toThrow(`${join(served.t.dir, 'other', 'export.json')}: missing: this is not an export folder`);
    rmSync(join(folder, 'run', 'status.json'));
    await expect(served.api.scaleOut.importRun({ path: folder })).rejects.toThrow(new RegExp(`status\\.json: missing: train\\.py has not run here yet$`));
    expect((await served.api.runs.list({ includeArchived: true })).length).toBe(before);
  });
});
