/**
 * Issue 17, axis units: a dataset's target unit is set at import (prefilled from a known target
 * name), stored, recorded with the run and the trained model, and shown on every chart axis that
 * uses the target and with the model's predictions.
 */
import { describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../helpers/shared-data';
import { appForFile } from './app';
import { chartAxes, chartPoints } from './charts';
import { shownRunStatus, startRun } from './training-view';

const NACL = 'NaCl\n1.0\n0 2.82 2.82\n2.82 0 2.82\n2.82 2.82 0\nNa Cl\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n';

const { app, api } = appForFile();

describe('a dataset target’s unit', () => {
  it('is set at import, recorded with the run and its model, and shown on the axes and with a prediction', { timeout: 480_000 }, async () => {
    const { page } = app;
    await page.getByTestId('nav-datasets').click();
    await page.getByTestId('dataset-kind').selectOption('cgcnn-folder');
    await page.getByTestId('dataset-path').fill(`${SHARED_DATA}/cgcnn-sample-regression`);
    await page.getByTestId('dataset-name').fill('COD with unit');
    // prefilled from a known target name, cleared with it; a unit the user writes is sent
    await page.getByTestId('dataset-target').fill('energy_per_atom');
    expect(await page.getByTestId('dataset-unit').inputValue()).toBe('eV/atom');
    // the key is shown whole (the field grows with it), not cut to "energy_per_ator"
    expect(await page.getByTestId('dataset-target').evaluate((el) => el.scrollWidth <= el.clientWidth)).toBe(true);
    await page.getByTestId('dataset-target').fill('');
    expect(await page.getByTestId('dataset-unit').inputValue()).toBe('');
    await page.getByTestId('dataset-unit').fill('kJ/mol');
    await page.getByTestId('dataset-import').click();
    await expect.poll(async () => (await page.getByTestId('dataset-report-count').textContent())?.replace(/\D/g, ''), { timeout: 60_000 }).toBe('10');
    expect((await page.getByTestId('dataset-unit-shown').textContent())?.trim()).toBe('kJ/mol');
    expect(await chartAxes(page, 'dataset-histogram')).toMatch(/^target \(kJ\/mol\) \|/);
    const dataset = (await api.datasets.list({})).find((d) => d.name === 'COD with unit')!;
    expect(dataset.targetUnit).toBe('kJ/mol');

    await startRun(page, { dataset: dataset.id, epochs: 3, batchSize: 4, name: 'unit-run' });
    await expect.poll(() => shownRunStatus(page), { timeout: 300_000 }).toBe('finished');
    await expect.poll(() => chartPoints(page, 'parity-plot'), { timeout: 60_000 }).toBeGreaterThan(0);
    expect(await chartAxes(page, 'training-metrics-curve')).toMatch(/^epoch \| error \(kJ\/mol\)/);
    expect(await chartAxes(page, 'parity-plot')).toBe('true target (kJ/mol) | predicted target (kJ/mol)');
    expect(await chartAxes(page, 'error-histogram')).toMatch(/^error, predicted − true \(kJ\/mol\) \|/);
    await app.screenshot('unit-training-finished');

    const run = (await api.runs.list({ includeArchived: false })).find((r) => r.name === 'unit-run')!;
    expect(run.targetUnit).toBe('kJ/mol');
    const model = (await api.models.list({})).find((m) => m.runId === run.id)!;
    expect(model.units).toBe('kJ/mol');

    // a structure that is not in the dataset
    await page.getByTestId('file-input').setInputFiles([{ name: 'POSCAR', mimeType: 'text/plain', buffer: Buffer.from(NACL) }]);
    await expect.poll(async () => (await api.structures.list({})).filter((s) => s.formula === 'NaCl' && s.datasets.length === 0).length, { timeout: 60_000 }).toBeGreaterThan(0);
    const structure = (await api.structures.list({})).find((s) => s.formula === 'NaCl' && s.datasets.length === 0)!;
    await page.getByTestId('nav-predict').click();
    await page.getByTestId('predict-model').selectOption(String(model.id));
    await page.locator(`[data-testid="predict-structure"][data-id="${structure.id}"] input[type="checkbox"]`).check();
    await page.getByTestId('predict-run').click();
    const row = page.locator(`[data-testid="predict-row"][data-structure-id="${structure.id}"]`);
    await row.waitFor({ timeout: 60_000 });
    expect((await row.getByTestId('predict-unit').textContent())?.trim()).toBe('kJ/mol');
    expect(app.errors).toEqual([]);
  });
});
