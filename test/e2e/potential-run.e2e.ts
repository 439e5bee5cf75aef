/**
 * A potential's training run on the dashboard: trained by the command line into the app's
 * database (`latticework train --preset schnet-potential --db`), then opened in the app. The
 * Training view shows its energy, force and stress error curves (as many points as the run
 * recorded) and the per-element force MAE; the Runs view lists it with energy and force MAE
 * columns in their units. Its parity plots reproduce the trainer's test errors from the same frames.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src-shared/ipc/contract';
import { appForFile, cli } from './app';
import { emtFramesText as frames } from '../helpers/shared-data';

const { app, api } = appForFile({
  before({ dir, databasePath }) {
    const data = join(dir, 'emt20.extxyz');
    // frame 0 written twice: training leaves the copy out, and the parity plots must read the frames
    // as training did (the split's indices count the frames kept), not the file's frames one by one
    const lines = frames(20).trimEnd().split('\n');
    const first = lines.slice(0, Number(lines[0]) + 2);
    writeFileSync(data, [...first, ...lines].join('\n') + '\n');
    cli(['train', '--preset', 'schnet-potential', '--data', data, '--epochs', '2', '--db', databasePath, '--name', 'tiny EMT potential run']);
  },
  timeout: 600_000,
});
let run: RunRecord;

beforeAll(async () => {
  run = (await api.runs.list({})).find((r) => r.name === 'tiny EMT potential run')!;
});

describe('a potential run on the dashboard', () => {
  it('shows energy, force and stress error curves and per-element force errors, and compares on them', async () => {
    expect(run, 'the CLI run is in the app database').toBeDefined();
    expect(run.status).toBe('finished');
    const points = await api.runs.metrics({ ids: [run.id] });
    const count = (re: RegExp) => points.filter((p) => re.test(p.key)).length;
    // elements with a force MAE: validation per epoch, test at the best epoch
    const elements = new Set([...points.map((p) => p.key), ...Object.keys(run.bestMetrics)].flatMap((k) => /^(val|test)_force_mae_([A-Z][a-z]?)$/.exec(k)?.[2] ?? []));
    expect(count(/^val_energy_(mae|rmse)$/)).toBe(4);

    const { page } = app;
    await page.getByTestId('nav-training').click();
    await page.getByTestId('training-runs').getByText('tiny EMT potential run').first().click();
    const curves = page.getByTestId('potential-curves');
    await curves.waitFor({ timeout: 60_000 });
    await expect.poll(() => curves.getByTestId('potential-energy-curve').getAttribute('data-points')).toBe(String(count(/^(val|train)_energy_(mae|rmse)$/)));
    expect(await curves.getByTestId('potential-force-curve').getAttribute('data-points')).toBe(String(count(/^(val|train)_force_(mae|rmse)$/)));
    expect(await curves.getByTestId('potential-stress-curve').getAttribute('data-points')).toBe(String(count(/^(val|train)_stress_mae$/)));
    expect(Number(await curves.getByTestId('potential-element-errors').getAttribute('data-points'))).toBe(elements.size);
    expect(elements.size).toBeGreaterThan(0);

    // parity on the run's held-out structures: as many points as the contract gives for the test set
    const parity = await api.predict.potentialParity({ runId: run.id });
    const testEnergies = parity.energies.filter((e) => e.split === 'test').length;
    const testComponents = parity.forces.filter((g) => g.split === 'test').reduce((n, g) => n + g.target.length, 0);
    expect(testComponents).toBeGreaterThan(0);
    // the parity data reproduces the trainer's own test errors (the same model on the same split)
    const test = parity.energies.filter((e) => e.split === 'test');
    const energyMae = (1000 * test.reduce((s, e) => s + Math.abs(e.prediction - e.target), 0)) / test.length;
    expect(energyMae).toBeCloseTo(run.bestMetrics.test_energy_mae, 1);
    const testForces = parity.forces.filter((g) => g.split === 'test');
    const forceMae = testForces.reduce((s, g) => s + g.prediction.reduce((t, p, k) => t + Math.abs(p - g.target[k]), 0), 0) / testComponents;
    expect(forceMae).toBeCloseTo(run.bestMetrics.test_force_mae, 3);
    const results = page.getByTestId('potential-parity');
    await expect.poll(() => results.getByTestId('potential-energy-parity').getAttribute('data-points'), { timeout: 60_000 }).toBe(String(testEnergies));
    expect(await results.getByTestId('potential-force-parity').getAttribute('data-points')).toBe(String(testComponents));
    expect(await results.getByTestId('potential-force-histogram').getAttribute('data-points')).toBe(String(testComponents));
    await results.getByTestId('potential-parity-both').check();
    const allComponents = parity.forces.reduce((n, g) => n + g.target.length, 0);
    await expect.poll(() => results.getByTestId('potential-force-parity').getAttribute('data-points')).toBe(String(allComponents));
    // per-element force MAE over validation and test equals the one computed from the contract's numbers
    const rows = results.getByTestId('potential-parity-element');
    const first = parity.forces.map((g) => g.element).sort()[0];
    const mine = parity.forces.filter((g) => g.element === first);
    const mae = mine.reduce((s, g) => s + g.prediction.reduce((t, p, k) => t + Math.abs(p - g.target[k]), 0), 0) / mine.reduce((n, g) => n + g.target.length, 0);
    expect(Number(await rows.first().locator('[data-value]').getAttribute('data-value'))).toBeCloseTo(mae, 9);
    await app.screenshot('potential-run-dashboard');

    await page.getByTestId('nav-runs').click();
    const table = page.getByTestId('runs-table');
    await expect.poll(() => table.textContent()).toMatch(/validation energy MAE \(meV\/atom\)/);
    await expect(table.textContent()).resolves.toMatch(/validation force MAE \(eV\/Å\)/);
    expect(app.errors).toEqual([]);
  });
});
