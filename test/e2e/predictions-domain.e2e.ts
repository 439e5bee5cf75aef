/**
 * Issue 17, honest predictions in the app: a crystal model's prediction for a molecule is flagged
 * with the reason (Predict view), and the property card runs every built-in model on one structure
 * with units, conversions and the same warnings.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../helpers/shared-data';
import { appForFile } from './app';

const WATER = '3\nwater\nO 0 0 0.1173\nH 0 0.7572 -0.4692\nH 0 -0.7572 -0.4692\n';

const { app, api } = appForFile();

beforeAll(async () => {
  await app.page.getByTestId('file-input').setInputFiles([
    { name: 'water.xyz', mimeType: 'chemical/x-xyz', buffer: Buffer.from(WATER) },
    { name: '1000050.cif', mimeType: 'chemical/x-cif', buffer: readFileSync(`${SHARED_DATA}/cgcnn-sample-regression/1000050.cif`) },
  ]);
  await app.page.getByTestId('structure-item').nth(1).waitFor({ timeout: 60_000 });
});

describe('predictions outside the training domain', () => {
  it('flags a crystal model’s prediction for a molecule with the reason, and not the crystal’s', async () => {
    const { page } = app;
    const list = await api.structures.list({});
    const water = list.find((r) => r.nSites === 3)!;
    const kcl = list.find((r) => r.nSites === 2)!;
    await page.getByTestId('nav-predict').click();
    const model = (await api.models.list({})).find((m) => m.origin === 'builtin' && /band gap/i.test(m.name))!;
    await page.getByTestId('predict-model').selectOption(String(model.id));
    for (const id of [water.id, kcl.id]) await page.locator(`[data-testid="predict-structure"][data-id="${id}"] input[type="checkbox"]`).check();
    await page.getByTestId('predict-run').click();
    const waterRow = page.locator(`[data-testid="predict-row"][data-structure-id="${water.id}"]`);
    await waterRow.waitFor({ timeout: 60_000 });
    expect(await waterRow.getByTestId('predict-warning').getAttribute('title')).toMatch(/molecule \(no periodic cell\), but the model was trained on periodic crystals only/);
    expect(await page.locator(`[data-testid="predict-row"][data-structure-id="${kcl.id}"] [data-testid="predict-warning"]`).count()).toBe(0);
    const rows = page.getByTestId('predict-domain-row');
    expect(await rows.count()).toBe(1);
    expect(await rows.first().textContent()).toMatch(/periodic crystals only/);
    expect(app.errors).toEqual([]);
  });

  it('the property card runs every built-in model on one structure, with units, GPa beside log₁₀ GPa and the class named', async () => {
    const { page } = app;
    const builtins = (await api.models.list({})).filter((m) => m.origin === 'builtin');
    expect(builtins.length).toBe(8);
    await page.getByTestId('nav-structures').click();
    await page.getByTestId('structure-item').filter({ hasText: 'KCl' }).click();
    await page.getByTestId('property-card-run').click();
    const rows = page.getByTestId('property-card-row');
    await expect.poll(() => rows.count(), { timeout: 120_000 }).toBe(8);
    await page.getByTestId('property-card-running').waitFor({ state: 'detached', timeout: 60_000 });
    const bulk = rows.filter({ hasText: /bulk modulus/i });
    const value = Number(await bulk.getByTestId('property-card-value').getAttribute('data-value'));
    const bulkText = await bulk.textContent();
    expect(bulkText).toMatch(/log₁₀ GPa/);
    const gpa = Number(/= ([\d.]+) GPa/.exec(bulkText!)![1]);
    expect(Math.abs(gpa - 10 ** value) / 10 ** value).toBeLessThan(1e-3);
    expect(await rows.filter({ hasText: /metal/i }).textContent()).toMatch(/P\(metal\)/);
    // the same numbers as predict.run on each model
    const kcl = (await api.structures.list({})).find((r) => r.nSites === 2)!;
    const gap = builtins.find((m) => /band gap/i.test(m.name))!;
    const direct = (await api.predict.run({ modelId: gap.id, structureIds: [kcl.id] })).rows[0].prediction;
    expect(Number(await rows.filter({ hasText: /band gap/i }).getByTestId('property-card-value').getAttribute('data-value'))).toBeCloseTo(direct, 6);
    expect(await page.getByTestId('property-card-warnings').filter({ hasText: '⚠' }).count()).toBe(0);
    // for a molecule every model says why it should not be trusted
    await page.getByTestId('property-card-close').click();
    await page.getByTestId('structure-item').filter({ hasText: 'H2O' }).click();
    await page.getByTestId('property-card-run').click();
    await expect.poll(() => rows.count(), { timeout: 120_000 }).toBe(8);
    await page.getByTestId('property-card-running').waitFor({ state: 'detached', timeout: 60_000 });
    expect(await page.getByTestId('property-card-warnings').filter({ hasText: /periodic crystals only/ }).count()).toBe(8);
    await app.screenshot('property-card');
    expect(app.errors).toEqual([]);
  });
});
