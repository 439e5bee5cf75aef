/**
 * Fine-tuning from the Models view: a built-in CGCNN model's "Fine-tune…" starts a run on an
 * imported dataset with layers frozen; the Training page says what the run started from, and its
 * model records it.
 */
import { describe, expect, it } from 'vitest';
import { shared } from '../helpers/shared-data';
import { appForFile } from './app';

const { app, api } = appForFile();

describe('fine-tuning a built-in model from the Models view', () => {
  it('brings the form into view below the model list and focuses its first field (1400×900)', { timeout: 120_000 }, async () => {
    const { page } = app;
    await page.getByTestId('nav-models').click();
    const rows = page.getByTestId('model-row');
    await expect.poll(() => rows.count(), { timeout: 60_000 }).toBeGreaterThan(0);
    await rows.last().getByTestId('model-finetune').click();
    const form = page.getByTestId('finetune-form');
    await form.waitFor();
    // read before any other action (Playwright scrolls what it acts on into view itself)
    await expect.poll(() => form.evaluate((el) => { const r = el.getBoundingClientRect(); return r.top >= 0 && r.bottom <= window.innerHeight; })).toBe(true);
    expect(await page.evaluate(() => (document.activeElement as HTMLElement | null)?.dataset.testid)).toBe('finetune-dataset');
    await form.getByTestId('finetune-close').click();
  });

  it('starts a run from CGCNN band gap with two layers frozen and shows what it started from', { timeout: 600_000 }, async () => {
    const { page } = app;
    const dataset = await api.datasets.import({ kind: 'cgcnn-folder', path: shared('cgcnn-sample-regression'), name: 'sample' });
    const bandGap = (await api.models.list({})).find((m) => m.name === 'CGCNN band gap')!;

    await page.getByTestId('nav-models').click();
    const row = page.locator(`[data-testid="model-row"][data-id="${bandGap.id}"]`);
    await row.getByTestId('model-finetune').click();
    const form = page.getByTestId('finetune-form');
    await expect.poll(() => form.isVisible(), { timeout: 60_000 }).toBe(true);
    await form.getByTestId('finetune-dataset').selectOption(String(dataset.id));
    await form.getByTestId('finetune-freeze').fill('2');
    await form.getByTestId('finetune-epochs').fill('2');
    await app.screenshot('finetune-form');
    await form.getByTestId('finetune-start').click();

    // the Training page shows the new run and what it started from
    const dashboard = page.getByTestId('training-dashboard');
    await expect.poll(() => page.getByTestId('run-started-from').textContent(), { timeout: 60_000 }).toBe('Fine-tuned from CGCNN band gap, the embedding and the first 2 layers frozen');
    const runId = Number(await dashboard.getAttribute('data-run-id'));
    const run = await api.runs.get({ id: runId });
    expect(run.tags).toEqual(['from:CGCNN band gap', 'freeze:2']);
    expect(run.datasetId).toBe(dataset.id);
    await expect.poll(async () => (await api.runs.get({ id: runId })).status, { timeout: 400_000, interval: 1000 }).toBe('finished');
    const model = (await api.models.list({})).find((m) => m.runId === runId);
    expect(model).toBeDefined();
    expect(model!.architecture).toBe('cgcnn');
    await app.screenshot('finetune-run');
    expect(app.errors).toEqual([]);
  });
});
