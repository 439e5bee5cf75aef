/**
 * A trained interatomic potential in the workspace: trained by the command line (an ensemble of
 * two, a few EMT structures, one epoch), imported, used on a dropped structure that carries
 * reference energy, forces and stress. The Predict view shows the same energy as `latticework
 * predict --json`, draws predicted and reference force arrows on every displayed atom, colours
 * atoms by per-atom energy, force error and ensemble spread with legends in units.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelRecord } from '../../src-shared/ipc/contract';
import { appForFile, cli } from './app';
import { emtFramesText as frames } from '../helpers/shared-data';

const { app, api, dir } = appForFile({
  before({ dir }) {
    writeFileSync(join(dir, 'train.extxyz'), frames(16));
    cli(['train', '--preset', 'schnet-potential', '--data', join(dir, 'train.extxyz'), '--epochs', '1', '--ensemble', '2', '--out', modelPath, '--db', join(dir, 'cli.sqlite')]);
  },
  timeout: 600_000,
});
const modelPath = join(dir, 'tiny-potential.lwm');
let model: ModelRecord;

beforeAll(async () => {
  model = await api.models.import({ path: modelPath, name: 'tiny EMT potential' });
});

describe('a potential in the workspace', () => {
  it('shows energy, force arrows (predicted and reference), atom colourings and legends for a dropped structure', async () => {
    expect(model).toMatchObject({ task: 'potential', members: 2 });
    const { page } = app;
    const file = join(dir, 'held-out.extxyz');
    writeFileSync(file, frames(1, 40));
    await page.getByTestId('file-input').setInputFiles([{ name: 'held-out.extxyz', mimeType: 'chemical/x-xyz', buffer: readFileSync(file) }]);
    await page.getByTestId('structure-item').first().waitFor({ timeout: 60_000 });
    const [record] = await api.structures.list({});

    await page.getByTestId('nav-predict').click();
    await page.getByTestId('predict-model').selectOption(String(model.id));
    await page.locator(`[data-testid="predict-structure"][data-id="${record.id}"] input[type="checkbox"]`).check();
    await page.getByTestId('predict-run').click();
    await page.getByTestId('predict-row').first().click();
    const panel = page.getByTestId('potential-panel');
    await panel.getByTestId('potential-energy').waitFor({ timeout: 120_000 });

    // the same numbers as the command line on the same file and model
    const [entry] = cli(['predict', '--model', modelPath, file]) as { energy: number; energyPerAtom: number; forces: number[][]; std: { energy: number } }[];
    const shown = Number(await panel.getByTestId('potential-energy').textContent());
    expect(Math.abs(shown - entry.energy)).toBeLessThan(1e-4 * Math.max(1, Math.abs(entry.energy)));
    const maxForce = Math.max(...entry.forces.map((f) => Math.hypot(f[0], f[1], f[2])));
    expect(Number(await panel.getByTestId('potential-max-force').textContent())).toBeCloseTo(maxForce, 3);
    await expect.poll(async () => Number(await panel.getByTestId('potential-energy-std').textContent())).toBeCloseTo(entry.std.energy, 3);
    // the file's forces are there: the error against them is shown
    expect(Number(await panel.getByTestId('potential-force-mae').textContent())).toBeGreaterThan(0);
    expect(await panel.getByTestId('potential-atom-row').count()).toBe(entry.forces.length);
    await expect.poll(() => panel.getByTestId('potential-stress').locator('tr').count()).toBe(3);

    // arrows on every displayed atom, predicted and reference; the reference ones can be hidden
    const canvas = panel.getByTestId('structure-canvas');
    const counts = () =>
      canvas.evaluate((el) => (el as HTMLCanvasElement & { crystalScene?: { arrowCounts(): Record<string, number> } }).crystalScene?.arrowCounts() ?? {});
    const atoms = Number(await canvas.getAttribute('data-atom-count'));
    expect(atoms).toBeGreaterThanOrEqual(entry.forces.length);
    await expect.poll(counts).toEqual({ predicted: atoms, reference: atoms });
    await panel.getByTestId('potential-show-reference').uncheck();
    await expect.poll(counts).toEqual({ predicted: atoms });
    await panel.getByTestId('potential-show-reference').check();
    await expect(panel.getByTestId('potential-arrow-legend').textContent()).resolves.toMatch(/coloured by \|F − F_ref\|.*eV\/Å/);

    // colourings with their legends and units
    const legend = panel.getByTestId('potential-legend');
    await expect(legend.textContent()).resolves.toMatch(/atom energy − mean.*eV/);
    await panel.getByTestId('potential-coloring').selectOption('error');
    await expect.poll(() => legend.textContent()).toMatch(/force error.*eV\/Å/);
    await panel.getByTestId('potential-coloring').selectOption('spread');
    await expect.poll(() => legend.textContent()).toMatch(/ensemble spread.*eV\/Å/);
    const spread = Number(await panel.getByTestId('potential-max-spread').textContent());
    expect(Number((await panel.getByTestId('potential-legend-high').textContent())?.split(' ')[0])).toBeCloseTo(spread, 3);
    await app.screenshot('potential-forces');
    expect(app.errors).toEqual([]);
  });
});
