/**
 * A potential's seed ensemble trained from the workbench: a tiny SchNet potential (a saved
 * configuration) started from the Training view as an ensemble of two members on a few EMT frames,
 * its progress naming the member in training, stored as one model of two members; a dropped
 * structure it has not seen is predicted with energy ± the members' spread and a force spread per
 * atom — the numbers the contract gives for the same model and structure.
 */
import { describe, expect, it } from 'vitest';
import type { RunRecord } from '../../src-shared/ipc/contract';
import { fmtNum } from '../../src-renderer/lib/format';
import { appForFile, waitUntilConnected } from './app';
import { observeElement } from './observe';
import { fillRunForm, shownRunStatus } from './training-view';
import { emtFramesText as frames } from '../helpers/shared-data';

const { app, api } = appForFile();

describe('a potential ensemble from the workbench', () => {
  it('trains a seed ensemble of two from the Training view and shows its energy spread and per-atom force spread on a dropped structure', { timeout: 900_000 }, async () => {
    const { page } = app;
    // the frames (energy, forces, stress) and a tiny SchNet potential, saved as a configuration
    let dataset = await api.datasets.import({ kind: 'frames', files: [{ name: 'emt12.extxyz', text: frames(12) }], name: 'EMT twelve' });
    await expect.poll(async () => (dataset = (await api.datasets.list({})).find((d) => d.id === dataset.id)!).status, { timeout: 120_000 }).toBe('ready');
    const preset = (await api.models.presets({})).find((p) => p.id === 'schnet-potential')!;
    const tiny = JSON.parse(JSON.stringify(preset.config)) as Record<string, Record<string, unknown>>;
    Object.assign(tiny.model, { features: 8, numLayers: 2, filterFeatures: 8, headHidden: 4 });
    Object.assign(tiny.radial, { cutoff: 4, numBasis: 6 });
    Object.assign(tiny.training, { epochs: 2, batchSize: 2 });
    expect((await api.models.checkConfig({ config: tiny, presetId: 'schnet-potential' })).ok).toBe(true);
    const saved = await api.models.saveConfig({ name: 'tiny SchNet potential', presetId: 'schnet-potential', config: tiny });
    await page.reload();
    await waitUntilConnected(page);

    // the Training view offers the ensemble size for a potential's configuration only
    const property = (await api.models.presets({})).find((p) => p.config.kind !== 'potential')!;
    await fillRunForm(page, { dataset: dataset.id, config: `preset:${property.id}`, name: 'tiny SchNet ensemble' });
    expect(await page.getByTestId('config-ensemble').count()).toBe(0);
    await fillRunForm(page, { dataset: dataset.id, config: `saved:${saved.id}`, ensemble: 2, name: 'tiny SchNet ensemble' });
    // what the progress shows while the run goes, recorded in the page: the second member of a
    // run this tiny trains for well under a second, too short for a poll to be sure to see it
    const shown = await observeElement(page, 'training-progress', ['data-member']);
    await page.getByTestId('run-start').click();
    let run: RunRecord | undefined;
    await expect
      .poll(async () => (run = (await api.runs.list({})).find((r) => r.name === 'tiny SchNet ensemble'))?.status, { timeout: 400_000, interval: 1000 })
      .toMatch(/finished|failed|cancelled/);
    expect(run!.error).toBeNull();
    // the page has taken in the whole run (it shows it finished): its progress named the member in
    // training, the first, then the second one after the first one's epochs
    await expect.poll(() => shownRunStatus(page), { timeout: 60_000 }).toBe('finished');
    const progress = await shown();
    expect([...new Set(progress.attributes['data-member'].filter((m) => m !== null))]).toEqual(['1', '2']);
    // each member's epochs counted on their own (2 members × 2 epochs: not "epoch 3/4")
    expect(progress.texts.some((t) => /member 1\/2 · epoch [12]\/2/.test(t ?? ''))).toBe(true);
    expect(progress.texts.some((t) => /member 2\/2 · epoch [12]\/2/.test(t ?? ''))).toBe(true);
    expect(run!).toMatchObject({ status: 'finished', epochsDone: 4, epochsPlanned: 4 });
    expect(run!.tags).toContain('ensemble:2');
    const model = (await api.models.list({})).find((m) => m.runId === run!.id)!;
    expect(model).toMatchObject({ task: 'potential', architecture: 'schnet', members: 2 });

    // a structure it has not seen (a 40th frame, with its reference forces), dropped and predicted
    await page.getByTestId('file-input').setInputFiles([{ name: 'held-out.extxyz', mimeType: 'chemical/x-xyz', buffer: Buffer.from(frames(1, 40)) }]);
    let record: { id: number } | undefined;
    await expect.poll(async () => (record = (await api.structures.list({})).find((s) => s.file.includes('held-out'))), { timeout: 60_000 }).toBeDefined();
    const expected = await api.predict.potential({ modelId: model.id, structureId: record!.id });
    expect(expected.std).not.toBeNull();
    await page.getByTestId('nav-predict').click();
    await page.getByTestId('predict-model').selectOption(String(model.id));
    await page.locator(`[data-testid="predict-structure"][data-id="${record!.id}"] input[type="checkbox"]`).check();
    await page.getByTestId('predict-run').click();
    await page.getByTestId('predict-row').first().click();
    const panel = page.getByTestId('potential-panel');
    await panel.getByTestId('potential-energy').waitFor({ timeout: 120_000 });
    // as the panel formats them (6 and 3 significant digits)
    expect((await panel.getByTestId('potential-energy').textContent())?.trim()).toBe(fmtNum(expected.energy, 6));
    await expect.poll(async () => (await panel.getByTestId('potential-energy-std').textContent())?.trim()).toBe(fmtNum(expected.std!.energy, 3));
    expect(expected.std!.energy).toBeGreaterThan(0);
    // the spread of each atom's force: one row per atom, the largest shown, the colouring's legend in eV/Å
    const spreads = expected.std!.forceNorm!;
    expect(spreads).toHaveLength(expected.forces.length);
    expect(Math.max(...spreads)).toBeGreaterThan(0);
    expect(await panel.getByTestId('potential-atom-row').count()).toBe(expected.forces.length);
    expect((await panel.getByTestId('potential-max-spread').textContent())?.trim()).toBe(fmtNum(Math.max(...spreads), 4));
    await panel.getByTestId('potential-coloring').selectOption('spread');
    await expect.poll(() => panel.getByTestId('potential-legend').textContent()).toMatch(/ensemble spread.*eV\/Å/);
    expect((await panel.getByTestId('potential-legend-high').textContent())?.split(' ')[0]).toBe(fmtNum(Math.max(...spreads), 3));
    await app.screenshot('potential-ensemble');
    expect(app.errors).toEqual([]);
  });
});
