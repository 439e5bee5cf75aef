/**
 * Issue 16 in the app, end to end: a small run trained in the app is exported from its page
 * ("Export for PyTorch…"), trained to completion by `torchrun --nproc_per_node 2` (gloo, CPU) in
 * that folder, and brought back through the Runs view ("Import run…", the export folder chosen as a
 * dropped folder is read): the runs table shows it external, finished, with all its epochs and best
 * metrics, and its page shows its curves — the same numbers as PyTorch wrote and the contract returns.
 * train.py's own --epochs overrides the export's, which the import says in a note. A damaged copy is
 * refused by file and line and stores nothing.
 * Needs Debian's python3-torch (test/helpers/torch.ts: fails without it, never skips).
 */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src-shared/ipc/contract';
import { SHARED_DATA } from '../helpers/shared-data';
import { python } from '../helpers/python';
import { freePort, requireTorch } from '../helpers/torch';
import { appForFile } from './app';

const EPOCHS = 3;

const { app, api, dir } = appForFile({ before: () => requireTorch() });

/** The first `n` structures of the EMT set in CGCNN's layout. */
function smallCgcnnFolder(out: string, n: number): string {
  const src = `${SHARED_DATA}/emt-dev/cgcnn`;
  mkdirSync(out, { recursive: true });
  const rows = readFileSync(join(src, 'id_prop.csv'), 'utf8').split('\n').filter((l) => l.trim()).slice(0, n);
  for (const row of rows) cpSync(join(src, `${row.split(',')[0]}.cif`), join(out, `${row.split(',')[0]}.cif`));
  cpSync(join(src, 'atom_init.json'), join(out, 'atom_init.json'));
  writeFileSync(join(out, 'id_prop.csv'), rows.join('\n') + '\n');
  return out;
}

const jsonLines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, number | boolean>);

describe('a run handed to PyTorch and brought back, in the app', () => {
  it('exports from the run page, trains with torchrun (2 processes, gloo), imports through the Runs view: external, all epochs, its curves', { timeout: 900_000 }, async () => {
    const { page } = app;

    // a small run trained here
    const dataset = await api.datasets.import({ kind: 'cgcnn-folder', path: smallCgcnnFolder(join(dir, 'emt30'), 30), name: 'EMT 30' });
    const preset = (await api.models.presets({})).find((p) => p.id === 'cgcnn-paper')!;
    const config = structuredClone(preset.config) as { model: Record<string, unknown>; training: Record<string, unknown> };
    Object.assign(config.model, { atomFeatures: 12, hiddenFeatures: 16, numLayers: 2 });
    Object.assign(config.training, { epochs: 1, batchSize: 10, seed: 3 });
    const local = await api.training.start({ datasetId: dataset.id, config, name: 'small local run' });
    await expect.poll(async () => (await api.runs.get({ id: local.id })).status, { timeout: 300_000, interval: 500 }).toBe('finished');

    // 1. Export for PyTorch… on its page
    await page.getByTestId('nav-training').click();
    await page.getByTestId('training-run-item').filter({ hasText: 'small local run' }).click();
    await page.getByTestId('run-export-torch-open').click();
    const folder = join(dir, 'cluster');
    await page.getByTestId('run-export-folder').fill(folder);
    await page.getByTestId('run-export-epochs').fill(String(EPOCHS - 1));
    await page.getByTestId('run-export-submit').click();
    const result = page.getByTestId('run-export-result');
    await result.waitFor({ timeout: 120_000 });
    expect(await result.getAttribute('data-folder')).toBe(folder);
    const { split: sizes } = await api.runs.get({ id: local.id });
    expect(sizes).not.toBeNull();
    expect(await result.textContent()).toContain(`30 structures (${sizes!.train} train / ${sizes!.validation} val / ${sizes!.test} test)`);
    expect(await page.getByTestId('run-export-next').textContent()).toContain(`latticework import-run ${folder}`);
    await app.screenshot('scale-out-exported');
    // the run's own split went with it
    const split = JSON.parse(readFileSync(join(folder, 'split.json'), 'utf8')) as { test: number[] };
    expect(split.test).toHaveLength(sizes!.test);

    // 2. PyTorch: two processes on this machine's CPUs (gloo); `--redirects 1 --tee 1` works around
    // Debian's torch 1.13 on Python 3.11 (docs/scale-out.md); train.py's --epochs overrides the export's
    const port = await freePort();
    python(['-m', 'torch.distributed.run', '--nnodes', '1', '--nproc_per_node', '2', '--master_addr', '127.0.0.1', '--master_port', String(port), '--redirects', '1', '--tee', '1', 'train.py', '--device', 'cpu', '--epochs', String(EPOCHS)], folder);
    const status = JSON.parse(readFileSync(join(folder, 'run', 'status.json'), 'utf8')) as { status: string; processes: number; distributedBackend: string; epochsDone: number; testMetrics: Record<string, number> };
    expect(status).toMatchObject({ status: 'finished', processes: 2, distributedBackend: 'gloo', epochsDone: EPOCHS });
    const torchEpochs = jsonLines(join(folder, 'run', 'metrics.jsonl'));
    expect(torchEpochs).toHaveLength(EPOCHS);

    // 3. a damaged copy, by path: named by file and line, nothing stored
    const damaged = join(dir, 'damaged');
    cpSync(folder, damaged, { recursive: true });
    const rows = readFileSync(join(damaged, 'run', 'metrics.jsonl'), 'utf8').split('\n');
    rows[1] = rows[1].replace('"train_loss": ', '"train_loss": "x", "was": ');
    writeFileSync(join(damaged, 'run', 'metrics.jsonl'), rows.join('\n'));
    const runsBefore = (await api.runs.list({ includeArchived: true })).length;
    await page.getByTestId('nav-runs').click();
    await page.getByTestId('runs-import').click();
    await page.getByTestId('run-import-path').fill(damaged);
    await page.getByTestId('run-import-submit').click();
    const error = page.getByTestId('run-import-error');
    await error.waitFor({ timeout: 60_000 });
    expect(await error.textContent()).toContain(`${join(damaged, 'run', 'metrics.jsonl')} line 2: "train_loss" is missing or not a number`);
    expect((await api.runs.list({ includeArchived: true })).length).toBe(runsBefore);
    await app.screenshot('scale-out-import-refused');

    // 4. the trained folder, chosen in the Runs view (read as a dropped folder is)
    await page.getByTestId('run-import-files').setInputFiles(folder);
    const imported = page.getByTestId('run-import-result');
    await imported.waitFor({ timeout: 120_000 });
    const runId = Number(await imported.getAttribute('data-run-id'));
    expect(await page.getByTestId('run-import-notes').textContent()).toContain(`trained for ${EPOCHS} epochs (train.py --epochs) where the export's config has ${EPOCHS - 1}`);
    const run = (await api.runs.list({})).find((r) => r.id === runId) as RunRecord;
    expect(run).toMatchObject({ origin: 'external', status: 'finished', epochsDone: EPOCHS, epochsPlanned: EPOCHS, external: { processes: 2, distributedBackend: 'gloo', device: 'cpu' } });
    expect(run.bestMetrics.test_mae).toBeCloseTo(status.testMetrics.mae, 12);

    // the runs table: external chip, finished, every epoch, its best metrics as the contract gives them
    const row = page.getByTestId('run-row').and(page.locator(`[data-id="${runId}"]`));
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 60_000 }).toBe('finished');
    await row.getByTestId('run-external').waitFor();
    expect(await row.textContent()).toContain(`${EPOCHS}/${EPOCHS}`);
    expect(run.datasetId).toBe(dataset.id);
    expect(await row.textContent()).toContain('EMT 30');
    expect(Number(await row.getByTestId('run-metric-test_mae').textContent())).toBeCloseTo(run.bestMetrics.test_mae, 3);
    // beside the local run it came from (comparable in the same table)
    const localRow = page.getByTestId('run-row').and(page.locator(`[data-id="${local.id}"]`));
    expect(await localRow.getAttribute('data-status')).toBe('finished');
    expect(await localRow.getByTestId('run-external').count()).toBe(0);
    await app.screenshot('scale-out-imported-in-runs-table');

    // its curves: every epoch's train/val loss and every batch, the numbers PyTorch wrote
    const points = await api.runs.metrics({ ids: [runId] });
    const values = (key: string) => points.filter((p) => p.key === key).map((p) => p.value);
    expect(values('train_loss')).toEqual(torchEpochs.map((e) => e.train_loss));
    expect(values('val_loss')).toEqual(torchEpochs.map((e) => e.val_loss));
    const batches = jsonLines(join(folder, 'run', 'batches.jsonl'));
    expect(values('batch_loss')).toEqual(batches.map((b) => b.batch_loss));
    await row.getByTestId('run-open').click();
    const curve = page.getByTestId('training-curve');
    await expect.poll(async () => Number((await curve.getAttribute('data-points')) || 0), { timeout: 60_000 }).toBe(values('train_loss').length + values('val_loss').length);
    await expect.poll(async () => Number((await page.getByTestId('training-batch-curve').getAttribute('data-points')) || 0), { timeout: 60_000 }).toBe(batches.length);
    await app.screenshot('scale-out-imported-curves');
    expect(app.errors.filter((e) => !/UserError|ImportRunError|metrics\.jsonl line 2/.test(e))).toEqual([]);
  });
});
