/**
 * What an exploratory tester found around the Models form and the Datasets view, as a user meets
 * it in the browser: switching from a potential's preset to a property model's, an emptied number
 * field (a problem, not the last value), checking while typing, messages in the fields' words, the
 * potential form's labels, the drop overlay over the dataset drop zone, the EMT labelling report
 * and the items' numbers.
 */
import { describe, expect, it } from 'vitest';
import { shared } from '../helpers/shared-data';
import { appForFile } from './app';

const { app, api } = appForFile();

describe('the Models form and the Datasets view as the tester met them', () => {
  it('switches presets without errors; an emptied number is a problem that blocks Train…, checked while typing, in the fields’ words', { timeout: 120_000 }, async () => {
    const { page } = app;
    await page.getByTestId('nav-models').click();
    await page.getByTestId('config-valid').waitFor({ timeout: 60_000 });
    const preset = page.getByTestId('config-preset');
    await preset.selectOption('painn-potential');
    await page.getByTestId('config-valid').waitFor({ timeout: 60_000 });
    // the potential's form: the property form's words; no estimate says why
    const form = page.getByTestId('config-form');
    await expect.poll(async () => (await form.textContent()) ?? '').toContain('Learning rate');
    for (const raw of ['Lr', 'Beta1', 'Grad clip norm', 'Early stopping patience', 'Val']) expect(await form.textContent()).not.toMatch(new RegExp(`\\b${raw}\\b`));
    expect(await page.getByTestId('config-estimate-missing').textContent()).toMatch(/No time or memory estimate for interatomic potentials/);
    await preset.selectOption('cgcnn-paper');
    await page.getByTestId('config-valid').waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('config-time-estimate').textContent(), { timeout: 60_000 }).toMatch(/~/);
    expect(app.errors).toEqual([]);

    // an emptied learning rate: a problem under the field, Train… off, not the preset's 0.01
    const lr = page.getByTestId('config-field-training.optimizer.lr');
    await lr.click();
    await lr.press('Control+a');
    await lr.press('Backspace');
    await page.getByTestId('config-field-training.optimizer.lr-issue').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('config-field-training.optimizer.lr-issue').textContent()).toBe('Learning rate: enter a number');
    expect(await page.getByTestId('config-train').isDisabled()).toBe(true);
    expect(await page.getByTestId('config-valid').count()).toBe(0);
    // typed as the user types it: "0.010" stays as typed, and the check passes
    await lr.pressSequentially('0.010');
    await page.getByTestId('config-valid').waitFor({ timeout: 15_000 });
    expect(await lr.inputValue()).toBe('0.010');
    expect(await page.getByTestId('config-train').isDisabled()).toBe(false);

    // checked while typing (no blur), in the fields' words
    const layers = page.getByTestId('config-field-model.numLayers');
    await layers.fill('0');
    await page.getByTestId('config-field-model.numLayers-issue').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('config-field-model.numLayers-issue').textContent()).toBe('Layers must be at least 1');
    await layers.fill('3');
    const cutoff = page.getByTestId('config-field-graph.cutoff');
    await cutoff.fill('-1');
    await page.getByTestId('config-field-graph.cutoff-issue').waitFor({ timeout: 15_000 });
    expect(await page.getByTestId('config-issues').textContent()).toBe('Cutoff must be greater than 0 Å');
    expect(await page.getByTestId('config-field-graph.gaussian.dmax-issue').count()).toBe(0);
    await page.getByTestId('config-reset').click();
    await page.getByTestId('config-valid').waitFor({ timeout: 15_000 });
    // 100,000 layers: more memory than the machine has
    await layers.fill('100000');
    await page.getByTestId('config-memory-warning').waitFor({ timeout: 60_000 });
    expect(await page.getByTestId('config-train').isDisabled()).toBe(true);
    await page.getByTestId('config-reset').click();
    expect(app.errors).toEqual([]);
  });

  it('the dataset drop zone shows no window overlay; the EMT report counts what it read; items in the UI’s number format', { timeout: 300_000 }, async () => {
    const { page } = app;
    const ds = await api.datasets.import({ kind: 'frames', path: shared('cgcnn-sample-regression'), name: 'emt-cifs', label: 'emt' });
    await page.getByTestId('nav-datasets').click();
    await page.locator(`[data-testid="dataset-item"][data-id="${ds.id}"]`).click();
    const report = page.getByTestId('dataset-frames-report');
    await report.waitFor({ timeout: 60_000 });
    expect(await report.textContent()).toMatch(/10 frames read from 10 files;\s*2 labelled with EMT, 8 not \(see Failed\)/);
    const cells = page.getByTestId('dataset-items').locator('tbody td:nth-child(3)');
    await expect.poll(() => cells.count(), { timeout: 60_000 }).toBe(2);
    const targets = await cells.allTextContents();
    for (const t of targets) expect(t.replace(/^-/, '').length).toBeLessThanOrEqual(9);

    // a file dragged over the dataset drop zone: the zone takes it, the window's overlay stays away
    const files = await page.evaluateHandle(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['data_x'], 'x.cif'));
      return dt;
    });
    await page.getByTestId('dataset-drop').dispatchEvent('dragenter', { dataTransfer: files });
    await page.getByTestId('dataset-drop').dispatchEvent('dragover', { dataTransfer: files });
    expect(await page.getByTestId('drop-overlay').count()).toBe(0);
    await page.getByTestId('dataset-report-name').dispatchEvent('dragover', { dataTransfer: files });
    await page.getByTestId('drop-overlay').waitFor();
    await page.evaluate(() => window.dispatchEvent(new DragEvent('drop')));
    expect(app.errors).toEqual([]);
  });
});
