import { describe, expect, it } from 'vitest';
import { shared } from '../helpers/shared-data';
import { appForFile } from './app';

const { app, api, restart } = appForFile();

describe('a run interrupted by killing the app', () => {
  it('shows as interrupted at the next start and resumes from its last checkpoint from the UI', { timeout: 600_000 }, async () => {
    // The 2,000 EMT structures, so that an epoch takes seconds and the kill lands mid-run on any machine
    // (a 30-epoch run on the 10-structure sample can end between two polls).
    const dataset = await api.datasets.import({ kind: 'cgcnn-folder', path: shared('emt-dev', 'cgcnn'), name: 'EMT alloys' });
    const [preset] = (await api.models.presets({})).filter((p) => p.id === 'cgcnn-paper');
    const config = structuredClone(preset.config) as { training: { epochs: number; batchSize: number } };
    config.training.epochs = 3;
    config.training.batchSize = 64;
    const started = await api.training.start({ datasetId: dataset.id, config, name: 'to-be-killed' });

    // Let it train past its first checkpoint, then kill the whole app process.
    await expect.poll(async () => (await api.runs.get({ id: started.id })).epochsDone, { timeout: 240_000, interval: 100 }).toBeGreaterThanOrEqual(1);
    await restart({ kill: true });

    // Started again on the same database: the run is interrupted, not running.
    const { page } = app;
    const before = await api.runs.get({ id: started.id });
    expect(before.status).toBe('interrupted');
    expect(before.epochsDone).toBeGreaterThanOrEqual(1);
    expect(before.epochsDone).toBeLessThan(3);

    await page.getByTestId('nav-runs').click();
    const row = page.locator(`[data-testid="run-row"][data-id="${started.id}"]`);
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 60_000 }).toBe('interrupted');
    await app.screenshot('run-interrupted');
    await row.getByTestId('run-resume').click();

    // It goes on from the checkpoint (epochs are not restarted) and finishes.
    await expect.poll(async () => (await api.runs.get({ id: started.id })).status, { timeout: 60_000 }).toMatch(/running|finished/);
    await expect.poll(async () => (await api.runs.get({ id: started.id })).status, { timeout: 400_000, interval: 1000 }).toBe('finished');
    const metrics = await api.runs.metrics({ ids: [started.id], keys: ['train_loss'] });
    const epochs = metrics.map((m) => m.epoch).sort((a, b) => a - b);
    // One train_loss per epoch, 3 consecutive epochs: those before the kill were kept, none was run twice.
    expect(epochs).toEqual(Array.from({ length: 3 }, (_, k) => epochs[0] + k));
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 60_000 }).toBe('finished');
    expect(app.errors).toEqual([]);
  });
});
