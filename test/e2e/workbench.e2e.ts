import { describe, expect, it } from 'vitest';
import { shared } from '../helpers/shared-data';
import { appForFile } from './app';
import { chartAxes, chartPoints } from './charts';
import { shownRunStatus, startRun } from './training-view';

const { app, api } = appForFile();

async function importDataset(path: string, name: string): Promise<void> {
  const { page } = app;
  await page.getByTestId('nav-datasets').click();
  await page.getByTestId('dataset-kind').selectOption('cgcnn-folder');
  await page.getByTestId('dataset-path').fill(path);
  await page.getByTestId('dataset-name').fill(name);
  await page.getByTestId('dataset-import').click();
}

describe('experiment workbench', () => {
  it('imports the EMT dataset as a CGCNN folder: report with 2,000 structures and the label histogram', async () => {
    const { page } = app;
    await importDataset(shared('emt-dev', 'cgcnn'), 'EMT alloys');
    const count = page.getByTestId('dataset-report-count');
    await expect.poll(async () => (await count.textContent())?.replace(/\D/g, ''), { timeout: 240_000, interval: 1000 }).toBe('2000');
    expect(await page.getByTestId('dataset-report-failed').textContent()).toMatch(/^\s*0\s*$/);
    await expect.poll(() => chartPoints(page, 'dataset-histogram'), { timeout: 60_000 }).toBeGreaterThan(5);
    await app.screenshot('dataset-emt');
  });

  it('trains a CGCNN run from the UI with a live curve, then lists it with metrics and a parity plot', { timeout: 480_000 }, async () => {
    const { page } = app;
    // The 2,000 EMT structures (imported above): an epoch takes seconds, so the curve is seen growing
    // while the run is running. (On the 10-structure COD sample a whole 20-epoch run can finish between
    // two polls, and the first point seen is then the last.)
    await startRun(page, { dataset: /EMT alloys/, epochs: 3, batchSize: 64, name: 'emt-a' });
    await expect.poll(() => chartPoints(page, 'training-curve'), { timeout: 240_000 }).toBeGreaterThan(0);
    expect(await shownRunStatus(page)).toBe('running');
    // the dashboard shows the data-parallel workers the batches are split over (one per core by default)
    await expect.poll(async () => (await page.getByTestId('training-workers').textContent()) ?? '').toMatch(/^\d+ workers?$/);
    // the curve grows while the run runs: more points drawn than when it was seen running
    const pointsThen = await chartPoints(page, 'training-curve');
    await expect.poll(() => chartPoints(page, 'training-curve'), { timeout: 120_000 }).toBeGreaterThan(pointsThen);

    await expect.poll(() => shownRunStatus(page), { timeout: 300_000 }).toBe('finished');
    await expect.poll(() => chartPoints(page, 'parity-plot'), { timeout: 60_000 }).toBeGreaterThan(0);
    // charts that read at a glance: the loss says what it is measured on, every axis has a title with
    // units, and the parity plot is square
    expect(await chartAxes(page, 'training-curve')).toBe('epoch | loss (normalised targets)');
    expect(await chartAxes(page, 'training-metrics-curve')).toMatch(/^epoch \| error \(.+\)/);
    expect(await chartAxes(page, 'parity-plot')).toMatch(/^true .*\(.+\) \| predicted .*\(.+\)$/);
    const box = (await page.locator('[data-testid="parity-plot"]').boundingBox())!;
    expect(Math.abs(box.width - box.height)).toBeLessThanOrEqual(1);
    await app.screenshot('training-finished');

    await page.getByTestId('nav-runs').click();
    const row = page.getByTestId('run-row').filter({ hasText: 'emt-a' });
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 60_000 }).toBe('finished');
    const [record] = (await api.runs.list({ includeArchived: false })).filter((r) => r.name === 'emt-a');
    expect(Object.keys(record.bestMetrics).length).toBeGreaterThan(0);
    expect(record.workers).toBe((await api.system.doctor({})).trainingWorkers.default);
    const someMetric = Object.values(record.bestMetrics)[0];
    expect(Number.isFinite(someMetric)).toBe(true);
    expect(await row.textContent()).toMatch(/\d\.\d/);
  });

  it('compares two runs: both curves and the parameters that differ', { timeout: 480_000 }, async () => {
    const { page } = app;
    await importDataset(shared('cgcnn-sample-regression'), 'COD sample');
    await expect.poll(async () => (await page.getByTestId('dataset-report-count').textContent())?.replace(/\D/g, ''), { timeout: 60_000 }).toBe('10');
    await startRun(page, { dataset: /COD sample/, epochs: 6, batchSize: 4, name: 'small-b' });
    await expect.poll(() => shownRunStatus(page), { timeout: 300_000 }).toBe('finished');
    await page.getByTestId('nav-runs').click();
    for (const name of ['emt-a', 'small-b']) {
      await page.getByTestId('run-row').filter({ hasText: name }).getByTestId('run-select').check();
    }
    await page.getByTestId('runs-compare').click();
    const curves = page.getByTestId('compare-curves');
    await curves.waitFor({ timeout: 60_000 });
    const diff = page.getByTestId('compare-diff');
    await expect.poll(async () => (await diff.textContent()) ?? '').toMatch(/epochs/i);
    const epochsRow = page.locator('[data-testid="compare-diff-row"][data-path="training.epochs"] td');
    expect((await epochsRow.allTextContents()).map((t) => t.trim()).slice(1).sort()).toEqual(['3', '6']);
    // One line per run and metric: at least the two runs' training losses.
    await expect.poll(() => chartPoints(page, 'compare-curves'), { timeout: 60_000 }).toBeGreaterThan(0);
    expect(Number(await curves.getAttribute('data-series'))).toBeGreaterThanOrEqual(2);
    await app.screenshot('runs-compare');
    expect(app.errors).toEqual([]);
  });
});
