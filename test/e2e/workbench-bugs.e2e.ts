/**
 * Issue 17, bugs 1, 5, 6 and 8 as a new user hit them: the configuration check after leaving the
 * Models section, the per-batch curve after a reload, the time-per-epoch estimate, and the best
 * epoch counted from 1 like the dashboard; with the runs table's human labels and column chooser.
 */
import { describe, expect, it } from 'vitest';
import { shared } from '../helpers/shared-data';
import { appForFile, waitUntilConnected } from './app';
import { chartPoints } from './charts';
import { startRun } from './training-view';

const { app, api } = appForFile();

/** "~4.2 s", "~1 min 05 s" → seconds. */
function seconds(text: string): number {
  const m = /(?:(\d+) h )?(?:(\d+) min )?(?:([\d.]+) s)?/.exec(text.replace('~', '').trim())!;
  return Number(m[1] ?? 0) * 3600 + Number(m[2] ?? 0) * 60 + Number(m[3] ?? 0);
}

describe('workbench bugs', () => {
  it('bug 1: the configuration is still checked after leaving Models and coming back', async () => {
    const { page } = app;
    await page.getByTestId('nav-models').click();
    await page.getByTestId('config-valid').waitFor({ timeout: 60_000 });
    const count = page.getByTestId('config-param-count');
    await expect.poll(() => count.getAttribute('data-value')).not.toBe('');
    const before = await count.getAttribute('data-value');
    await page.getByTestId('nav-structures').click();
    await page.getByTestId('view-structures').waitFor();
    await page.getByTestId('nav-models').click();
    const layers = page.getByTestId('config-field-model.numLayers');
    await layers.fill('5');
    await layers.dispatchEvent('change');
    await expect.poll(() => count.getAttribute('data-value'), { timeout: 60_000 }).not.toBe(before);
    const cutoff = page.getByTestId('config-field-graph.cutoff');
    await cutoff.fill('-1');
    await cutoff.dispatchEvent('change');
    await page.getByTestId('config-issues').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('config-issues').textContent()).toMatch(/cutoff/i);
    expect(await page.getByTestId('config-valid').count()).toBe(0);
    await page.getByTestId('config-reset').click();
    await page.getByTestId('config-valid').waitFor({ timeout: 60_000 });
  });

  it('bug 6: the time-per-epoch estimate uses the dataset’s graph statistics and is near the measured time', { timeout: 600_000 }, async () => {
    const { page } = app;
    const ds = await api.datasets.import({ kind: 'cgcnn-folder', path: shared('emt-dev', 'cgcnn'), name: 'EMT alloys' });
    await page.reload();
    await waitUntilConnected(page);
    await page.getByTestId('nav-models').click();
    await page.getByTestId('config-estimate-dataset').selectOption(String(ds.id));
    await page.getByTestId('config-estimates').locator('summary').click();
    await expect.poll(() => page.getByTestId('config-estimates').textContent(), { timeout: 120_000 }).toMatch(/from its graph statistics/);
    expect(await page.getByTestId('config-estimates').textContent()).not.toMatch(/per atom assumed/);
    const estimated = seconds((await page.getByTestId('config-time-estimate').textContent()) ?? '');
    expect(estimated).toBeGreaterThan(0);

    // Train two epochs from the Training view (bug 5: reload while it runs).
    await startRun(page, { dataset: ds.id, epochs: 3, batchSize: 64, name: 'emt-timed' });
    await expect.poll(() => chartPoints(page, 'training-batch-curve'), { timeout: 240_000 }).toBeGreaterThan(0);
    await expect
      .poll(async () => (await api.runs.list({ includeArchived: false })).find((r) => r.name === 'emt-timed')?.epochsDone ?? 0, { timeout: 240_000 })
      .toBeGreaterThanOrEqual(1);
    await page.reload();
    await waitUntilConnected(page);
    const run = () => api.runs.list({ includeArchived: false }).then((l) => l.find((r) => r.name === 'emt-timed')!);
    await expect.poll(async () => (await run()).status, { timeout: 300_000 }).toBe('finished');
    const stored = (await api.runs.metrics({ ids: [(await run()).id], keys: ['batch_loss'] })).length;
    expect(stored).toBeGreaterThan(40);
    // bug 5: every stored batch is drawn, not only those seen since the reload (the epoch refetch used to drop them).
    await page.waitForTimeout(2500);
    await expect.poll(() => chartPoints(page, 'training-batch-curve'), { timeout: 60_000 }).toBe(stored);
    await app.screenshot('training-after-reload');

    // Bug 6's accuracy (~20× too high). The estimate's speed is calibrated by the run just measured on this
    // machine (its steady-state structures/s, so under the same load as the next run); the estimate shown
    // before a second run is compared with that run's measured time per epoch after its first epoch
    // (warm-up), within a factor 4 either way — the bug was 20×.
    await page.getByTestId('nav-models').click();
    await page.getByTestId('config-preset').selectOption('cgcnn-paper');
    await page.getByTestId('config-estimate-dataset').selectOption(String(ds.id));
    await expect.poll(() => page.getByTestId('config-estimates').textContent()).toMatch(/run “emt-timed” \(cgcnn\) took [\d.]+ s per epoch here/);
    await expect.poll(() => page.getByTestId('config-estimates').textContent(), { timeout: 60_000 }).toMatch(/speed calibrated by run “emt-timed”: [\d.]+ GFLOP\/s/);
    const before = seconds((await page.getByTestId('config-time-estimate').textContent()) ?? '');
    expect(before).toBeGreaterThan(0);
    await startRun(page, { dataset: ds.id, epochs: 3, batchSize: 64, name: 'estimated-run' });
    const second = () => api.runs.list({ includeArchived: false }).then((l) => l.find((r) => r.name === 'estimated-run'));
    await expect.poll(async () => (await second())?.status, { timeout: 300_000 }).toBe('finished');
    const epochSeconds = (await api.runs.metrics({ ids: [(await second())!.id], keys: ['epoch_seconds'] })).sort((a, b) => a.step - b.step).map((p) => p.value);
    expect(epochSeconds.length).toBe(3);
    const steady = epochSeconds.slice(1).reduce((a, b) => a + b, 0) / (epochSeconds.length - 1);
    expect(before / steady).toBeGreaterThan(1 / 4);
    expect(before / steady).toBeLessThan(4);
  });

  it('bug 8: the runs table counts the best epoch from 1, as the dashboard, under human column names', async () => {
    const { page } = app;
    const r = (await api.runs.list({ includeArchived: false })).find((x) => x.name === 'emt-timed')!;
    await page.getByTestId('nav-runs').click();
    const row = page.getByTestId('run-row').filter({ hasText: 'emt-timed' });
    await row.waitFor({ timeout: 60_000 });
    expect(Number(await row.getByTestId('run-metric-best_epoch').textContent())).toBe(r.bestMetrics.best_epoch + 1);
    const head = (await page.getByTestId('runs-table').locator('thead').textContent()) ?? '';
    expect(head).toMatch(/best epoch/);
    expect(head).toMatch(/validation MAE/);
    expect(head).not.toMatch(/duplicatesAcrossSplits|test_maxError|val_mae/);
    // The column chooser adds a column, and the edit controls are visible without hovering.
    await page.getByTestId('runs-columns').locator('summary').click();
    await page.getByTestId('runs-column-metric.test_maxError').check();
    await expect.poll(async () => (await page.getByTestId('runs-table').locator('thead').textContent()) ?? '').toMatch(/test max error/);
    expect(await row.getByTestId('run-edit-tags').isVisible()).toBe(true);
    await page.getByTestId('runs-column-metric.test_maxError').uncheck();
    await expect.poll(async () => (await page.getByTestId('runs-table').locator('thead').textContent()) ?? '').not.toMatch(/test max error/);
    const table = await page.getByTestId('runs-table').boundingBox();
    const view = page.viewportSize()!;
    await app.screenshot('runs-table');
    expect(table!.x + table!.width).toBeLessThanOrEqual(view.width + 1);
    expect(app.errors).toEqual([]);
  });
});

describe('messages that say what to do', () => {
  it('cancel asks first, and “stop and keep the best model so far” keeps the run’s best model', { timeout: 300_000 }, async () => {
    const { page } = app;
    const ds = await api.datasets.import({ kind: 'cgcnn-folder', path: shared('cgcnn-sample-regression'), name: 'ten CIFs' });
    await page.reload();
    await waitUntilConnected(page);
    await startRun(page, { dataset: ds.id, epochs: 2000, batchSize: 4, name: 'stopped-early' });
    const run = () => api.runs.list({ includeArchived: false }).then((l) => l.find((r) => r.name === 'stopped-early'));
    await expect.poll(async () => (await run())?.epochsDone ?? 0, { timeout: 240_000 }).toBeGreaterThanOrEqual(2);
    await page.getByTestId('run-cancel').click();
    const confirm = page.getByTestId('run-cancel-confirm');
    expect(await confirm.textContent()).toMatch(/Stop this run\?/);
    // going on leaves it running
    await page.getByTestId('run-cancel-back').click();
    expect(await confirm.count()).toBe(0);
    expect((await run())!.status).toBe('running');
    await page.getByTestId('run-cancel').click();
    await page.getByTestId('run-cancel-keep').click();
    await expect.poll(async () => (await run())!.status, { timeout: 120_000 }).toBe('cancelled');
    const r = (await run())!;
    expect(r.epochsDone).toBeLessThan(2000);
    const model = (await api.models.list({})).find((m) => m.runId === r.id);
    expect(model, 'the best model so far was kept').toBeDefined();
    expect(r.bestMetrics.best_epoch).toBeGreaterThanOrEqual(0);
    // its results are shown, as a finished run's, saying it was stopped early
    await page.getByTestId('run-results').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('run-stopped-early').textContent()).toMatch(/^Stopped early after \d+ of 2,000 epochs: these are the results of the best model so far \(epoch \d+\)\.$/);
    await expect.poll(() => chartPoints(page, 'parity-plot'), { timeout: 30_000 }).toBeGreaterThan(0);
    expect(app.errors).toEqual([]);
  });

  it('the runs table cuts a long name to fit, and its bulk actions never act on runs a filter hides', async () => {
    const { page } = app;
    const r = (await api.runs.list({ includeArchived: false })).find((x) => x.name === 'stopped-early')!;
    const long = `A very long run name ${'that keeps going '.repeat(7)}— CGCNN on the sample`.slice(0, 140);
    await api.runs.update({ id: r.id, name: long });
    await page.getByTestId('nav-runs').click();
    const row = page.getByTestId('run-row').filter({ hasText: 'A very long run name' });
    await row.waitFor({ timeout: 60_000 });
    // the name is cut with an ellipsis (whole on hover): the table fits its container
    expect(await row.getByTestId('run-open').getAttribute('title')).toBe(long);
    const table = (await page.getByTestId('runs-table').boundingBox())!;
    const wrap = (await page.getByTestId('runs-table').locator('..').boundingBox())!;
    expect(table.width).toBeLessThanOrEqual(wrap.width + 1);
    // select every run, then show the failed ones (none): nothing stays selected, nothing can be archived or deleted
    const shown = await page.getByTestId('run-row').count();
    await page.getByTestId('runs-select-all').check();
    await expect.poll(() => page.getByTestId('runs-selected').textContent()).toBe(`${shown} selected`);
    await page.getByTestId('runs-status-filter').selectOption('failed');
    await expect.poll(() => page.getByTestId('runs-selected').textContent()).toBe('0 selected');
    expect(await page.getByTestId('runs-archive').isDisabled()).toBe(true);
    expect(await page.getByTestId('runs-delete').isDisabled()).toBe(true);
    await page.getByTestId('runs-status-filter').selectOption('all');
    expect(await page.getByTestId('runs-selected').textContent()).toBe('0 selected');
    expect((await api.runs.list({ includeArchived: false })).length).toBe(shown);
    expect(app.errors).toEqual([]);
  });
});
