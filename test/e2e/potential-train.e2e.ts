/**
 * Training an interatomic potential from the workbench, start to end: EMT frames (energy, forces,
 * stress) imported from the dataset dialog, painn-potential configured in the Models form (its own
 * fields, the parameter count the core computes), two small runs started from the Training view
 * (live energy/force/stress curves), a third whose split has no validation structures (the
 * dashboard says so), then the two compared in the Runs view on the potential metrics — every
 * number checked against what the contract returns.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src-shared/ipc/contract';
import { fmtNum } from '../../src-renderer/lib/format';
import { appForFile } from './app';
import { chartPoints } from './charts';
import { startRun } from './training-view';
import { emtFramesText as frames } from '../helpers/shared-data';

/** The small PaiNN typed into the form. */
const SMALL = { 'model.features': 8, 'model.numLayers': 1, 'model.headHidden': 4, 'radial.cutoff': 4, 'radial.numBasis': 6 } as const;

const { app, api, dir } = appForFile({ before: ({ dir }) => writeFileSync(join(dir, 'emt12.extxyz'), frames(12)), timeout: 300_000 });

async function finished(name: string): Promise<RunRecord> {
  let run: RunRecord | undefined;
  await expect
    .poll(
      async () => {
        run = (await api.runs.list({})).find((r) => r.name === name);
        return run?.status;
      },
      { timeout: 400_000, interval: 1000 },
    )
    .toMatch(/finished|failed|cancelled/);
  expect(run!.error).toBeNull();
  expect(run!.status).toBe('finished');
  return run!;
}

describe('training a potential from the workbench', () => {
  it('imports EMT frames, configures painn-potential, trains two runs from the Training view with their curves, and compares them on the potential metrics', { timeout: 1_200_000 }, async () => {
    const { page } = app;
    // 1. the frames, with energies, forces and stresses, from the import dialog
    await page.getByTestId('nav-datasets').click();
    await page.getByTestId('dataset-kind').selectOption('frames');
    await page.getByTestId('dataset-path').fill(dir);
    await page.getByTestId('dataset-name').fill('EMT frames');
    await page.getByTestId('dataset-import').click();
    let dataset = (await api.datasets.list({})).find((d) => d.name === 'EMT frames');
    await expect.poll(async () => (dataset = (await api.datasets.list({})).find((d) => d.name === 'EMT frames'))?.status, { timeout: 120_000 }).toBe('ready');
    expect(dataset!.kind).toBe('frames');
    expect(dataset!.report.frames!.labels).toMatchObject({ energy: 12, forces: 12, stress: 12 });

    // 2. painn-potential in the Models form: the potential's own fields and the core's parameter count
    await page.getByTestId('nav-models').click();
    await page.getByTestId('config-preset').selectOption('painn-potential');
    const architecture = page.getByTestId('config-field-architecture');
    await expect.poll(() => architecture.inputValue(), { timeout: 60_000 }).toBe('painn');
    expect(await page.getByTestId('config-field-radial.cutoff').count()).toBe(1);
    expect(await page.getByTestId('config-field-model.filterFeatures').count()).toBe(0);
    expect(await page.getByTestId('config-field-graph.cutoff').count()).toBe(0);
    // one field at a time, each in the core's list of differences from the preset before the next
    // (a re-render of the form between typing and the change event puts the draft's value back)
    const differences = page.getByTestId('config-differences');
    for (const [path, value] of Object.entries(SMALL)) {
      const field = page.getByTestId(`config-field-${path}`);
      for (let attempt = 0; ; attempt++) {
        await field.fill(String(value));
        await field.dispatchEvent('change');
        const applied = await expect
          .poll(async () => ((await differences.count()) ? await differences.textContent() : ''), { timeout: 5_000 })
          .toContain(path)
          .then(() => true)
          .catch(() => false);
        if (applied) break;
        if (attempt === 2) throw new Error(`the form did not take ${path} = ${value}`);
      }
    }
    const preset = (await api.models.presets({})).find((p) => p.id === 'painn-potential')!;
    const small = JSON.parse(JSON.stringify(preset.config)) as Record<string, Record<string, unknown>>;
    for (const [path, value] of Object.entries(SMALL)) {
      const [section, key] = path.split('.');
      small[section][key] = value;
    }
    const check = await api.models.checkConfig({ config: small, presetId: 'painn-potential' });
    expect(check.ok).toBe(true);
    const count = page.getByTestId('config-param-count');
    await expect.poll(() => count.getAttribute('data-value'), { timeout: 60_000 }).toBe(String(check.parameterCount));
    await page.getByTestId('config-valid').waitFor({ timeout: 60_000 });
    // SchNet has its own filter width; switching shows it (and another count), switching back keeps the small sizes
    await architecture.selectOption('schnet');
    await page.getByTestId('config-field-model.filterFeatures').waitFor({ timeout: 60_000 });
    await expect.poll(() => count.getAttribute('data-value'), { timeout: 60_000 }).not.toBe(String(check.parameterCount));
    await architecture.selectOption('painn');
    await expect.poll(() => count.getAttribute('data-value'), { timeout: 60_000 }).toBe(String(check.parameterCount));

    // 3. two runs from the Training view: the form's draft, 2 epochs, batch 4 and batch 2
    await page.getByTestId('config-train').click();
    await page.getByTestId('view-training').waitFor();
    const names = ['small PaiNN, batch 4', 'small PaiNN, batch 2'];
    const runs: RunRecord[] = [];
    for (const [k, name] of names.entries()) {
      await startRun(page, { dataset: dataset!.id, config: 'draft', epochs: 2, batchSize: 4 / (k + 1), name });
      const run = await finished(name);
      expect(run.summary).toMatchObject({ architecture: 'painn', preset: 'painn-potential', features: 8, layers: 1, cutoff: 4, batchSize: 4 / (k + 1), epochs: 2 });
      runs.push(run);
      // its curves on the dashboard: as many points as the run recorded
      const points = await api.runs.metrics({ ids: [run.id] });
      const countOf = (re: RegExp) => points.filter((p) => re.test(p.key)).length;
      expect(countOf(/^val_energy_mae$/)).toBe(2);
      await page.getByTestId('training-runs').getByText(name).first().click();
      const curves = page.getByTestId('potential-curves');
      await curves.waitFor({ timeout: 60_000 });
      await expect.poll(() => curves.getByTestId('potential-energy-curve').getAttribute('data-points'), { timeout: 60_000 }).toBe(String(countOf(/^(val|train)_energy_(mae|rmse)$/)));
      expect(await curves.getByTestId('potential-force-curve').getAttribute('data-points')).toBe(String(countOf(/^(val|train)_force_(mae|rmse)$/)));
      expect(await curves.getByTestId('potential-stress-curve').getAttribute('data-points')).toBe(String(countOf(/^(val|train)_stress_mae$/)));
      expect(run.split).toEqual({ train: 10, validation: 1, test: 1 });
      expect(await page.getByTestId('run-split-notice').count()).toBe(0);
    }
    await app.screenshot('potential-train-dashboard');
    // a split without validation structures (10 % of 12 frames rounded down): the dashboard says how the best epoch is chosen
    const none = 'small PaiNN, no validation';
    await api.training.start({ datasetId: dataset!.id, config: { ...small, training: { ...small.training, epochs: 1, split: { val: 0.05, test: 0.05 } } }, name: none });
    expect((await finished(none)).split).toEqual({ train: 12, validation: 0, test: 0 });
    await page.getByTestId('training-runs').getByText(none).first().click();
    await expect.poll(() => page.getByTestId('run-split-notice').textContent(), { timeout: 60_000 }).toContain('No validation structures (12 training, 0 test): the best epoch is chosen on the training data');

    // 4. the runs table and the comparison, on the potential metrics
    await page.getByTestId('nav-runs').click();
    const table = page.getByTestId('runs-table');
    for (const run of runs) {
      const row = table.locator(`[data-testid="run-row"][data-id="${run.id}"]`);
      await row.waitFor({ timeout: 60_000 });
      for (const key of ['val_energy_mae', 'test_energy_mae', 'test_force_mae']) expect((await row.getByTestId(`run-metric-${key}`).textContent())?.trim(), key).toBe(fmtNum(run.bestMetrics[key]));
      await row.getByTestId('run-select').check();
    }
    await page.getByTestId('runs-compare').click();
    const panel = page.getByTestId('runs-compare-panel');
    await panel.waitFor({ timeout: 60_000 });
    // the metric chosen first, once the runs' series are in: the validation energy MAE
    await expect.poll(() => panel.getByTestId('compare-metric').inputValue(), { timeout: 60_000 }).toBe('val_energy_mae');
    const both = await api.runs.metrics({ ids: runs.map((r) => r.id), keys: ['val_energy_mae', 'val_force_mae'] });
    await expect.poll(() => chartPoints(panel, 'compare-curves'), { timeout: 60_000 }).toBe(both.filter((p) => p.key === 'val_energy_mae').length);
    await panel.getByTestId('compare-metric').selectOption('val_force_mae');
    await expect.poll(() => chartPoints(panel, 'compare-curves'), { timeout: 60_000 }).toBe(both.filter((p) => p.key === 'val_force_mae').length);
    // the only parameter that differs is the batch size
    const diff = panel.locator('[data-testid="compare-diff-row"]');
    await expect.poll(() => diff.evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path')))).toEqual(['training.batchSize']);
    await app.screenshot('potential-train-compare');
    expect(app.errors).toEqual([]);
  });
});
