/**
 * A long simulation's trajectory exported in the real UI, in parts (simulations.exportTrajectory, at
 * most 8 MiB each): an EMT MD run of 864 Cu atoms with a frame every step (about 18 MB of ASE .traj,
 * three parts). Cancelled after its first part (its second on its way), it saves nothing, the view
 * says so and the core has dropped the export; exported again, the download is the file the whole export (simulations.export)
 * gives, byte for byte, and the view said how far it had come on the way.
 *
 * The cancel lands between two parts on any machine: the page's WebSocket (its `send`, wrapped by the
 * test) holds the page's call for the second part until Cancel has been clicked.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EXPORT_PART_BYTES } from '../../src-shared/ipc/services/simulations';
import { SIMULATION_DEFAULTS } from '../../src-shared/sim';
import { copperPoscar } from '../main/services/simulation-fixtures';
import { appForFile } from './app';
import { observeElement } from './observe';

const { app, api } = appForFile();

/** What the page's WebSocket is given in this test: its calls about trajectory exports, and a hold on the calls for a next part. */
interface ExportCalls {
  exportCalls: { method: string; exportId?: string }[];
  hold: boolean;
  release(): void;
}

describe('trajectory export in parts', () => {
  it('cancels a long trajectory export between two parts (nothing saved, the view says so), then exports it again: the download is the whole file, byte for byte', { timeout: 300_000 }, async () => {
    const page = app.page;
    // the page's calls about exports, seen as it sends them; while `hold` is set, a call for a next part waits until `release()`
    await page.evaluate(() => {
      const w = window as unknown as ExportCalls;
      const held: (() => void)[] = [];
      w.exportCalls = [];
      w.hold = false;
      w.release = () => {
        w.hold = false;
        for (const send of held.splice(0)) send();
      };
      const send = WebSocket.prototype.send;
      WebSocket.prototype.send = function (this: WebSocket, data: string | ArrayBufferLike | Blob | ArrayBufferView) {
        const m = typeof data === 'string' ? (JSON.parse(data) as { kind: string; service?: string; method?: string; arg?: { exportId?: string } }) : null;
        if (m?.kind === 'call' && m.service === 'simulations' && (m.method === 'exportTrajectory' || m.method === 'cancelExport')) {
          w.exportCalls.push({ method: m.method, ...(m.arg?.exportId ? { exportId: m.arg.exportId } : {}) });
          if (w.hold && m.method === 'exportTrajectory' && m.arg?.exportId) {
            held.push(() => send.call(this, data));
            return;
          }
        }
        send.call(this, data);
      };
    });
    const exportCalls = () => page.evaluate(() => (window as unknown as ExportCalls).exportCalls);

    // 261 frames of 864 atoms, each with its forces, stress and velocities
    const { imported } = await api.structures.import({ files: [{ name: 'Cu864.vasp', text: copperPoscar(6) }] });
    const started = await api.simulations.start({ structureId: imported[0].id, calculator: { kind: 'emt' }, parameters: { ...SIMULATION_DEFAULTS.md, steps: 260, every: 1 } });
    await expect.poll(async () => (await api.simulations.list({})).find((r) => r.id === started.id)?.status, { timeout: 180_000 }).toBe('finished');
    const whole = await api.simulations.export({ id: started.id, what: 'trajectory', format: 'traj' });
    const wholeBytes = Buffer.from('base64' in whole ? whole.base64 : '', 'base64');
    // more than two parts' worth: the part after the one cancelled at is not the last
    expect(wholeBytes.length).toBeGreaterThan(2 * EXPORT_PART_BYTES);

    await page.getByTestId('nav-simulate').click();
    await page.locator(`[data-testid="simulation-item"][data-id="${started.id}"]`).click();
    const run = page.getByTestId('simulation-run');
    await expect.poll(async () => [await run.getAttribute('data-id'), await run.getAttribute('data-status'), await run.getAttribute('data-frames')]).toEqual([String(started.id), 'finished', '261']);

    // cancelled once its first part has come (its call for the second held until Cancel is clicked)
    let downloads = 0;
    const downloaded = () => downloads++;
    page.on('download', downloaded);
    await page.evaluate(() => ((window as unknown as ExportCalls).hold = true));
    await page.getByTestId('simulation-export-traj').click();
    await expect.poll(() => page.getByTestId('simulation-exporting').textContent()).toMatch(/^exporting \.traj: [\d,]+ of 261 frames written$/);
    await expect.poll(async () => (await exportCalls()).length).toBe(2);
    await expect(page.getByTestId('simulation-export-traj').isDisabled()).resolves.toBe(true);
    await page.getByTestId('simulation-export-cancel').click();
    await page.evaluate(() => (window as unknown as ExportCalls).release());
    await expect.poll(() => page.getByTestId('simulation-export-cancelled').textContent()).toMatch(/^\.traj export cancelled at [\d,]+ of 261 frames: nothing saved$/);
    const cancelledText = await page.getByTestId('simulation-export-cancelled').textContent();
    const cancelledAt = Number(/at ([\d,]+) of/.exec(cancelledText!)![1].replace(/,/g, ''));
    // two parts came, then the export was cancelled in the core
    expect(cancelledAt).toBeGreaterThan(0);
    expect(cancelledAt).toBeLessThan(261);
    const calls = await exportCalls();
    const exportId = calls[1]?.exportId;
    expect(calls).toEqual([{ method: 'exportTrajectory' }, { method: 'exportTrajectory', exportId }, { method: 'cancelExport', exportId }]);
    await expect(api.simulations.exportTrajectory({ id: started.id, format: 'traj', exportId: exportId! })).rejects.toThrow(/there is no trajectory export .* under way/);
    await expect(page.getByTestId('simulation-exporting').count()).resolves.toBe(0);
    expect(downloads).toBe(0);
    page.off('download', downloaded);

    // exported again, to its end: one part after another, the view saying how far, then the download
    await page.evaluate(() => ((window as unknown as ExportCalls).exportCalls = []));
    const progress = await observeElement(page, 'simulation-exporting', []);
    const download = page.waitForEvent('download');
    await expect(page.getByTestId('simulation-export-traj').isEnabled()).resolves.toBe(true);
    await page.getByTestId('simulation-export-traj').click();
    const file = await download;
    expect(file.suggestedFilename()).toBe(whole.fileName);
    const bytes = readFileSync((await file.path())!);
    expect(bytes.length).toBe(wholeBytes.length);
    expect(bytes.equals(wholeBytes), 'the download is the whole export, byte for byte').toBe(true);
    // one call a part (of whole frames, each within the bound), none cancelled
    const again = await exportCalls();
    expect(again.every((c) => c.method === 'exportTrajectory')).toBe(true);
    expect(again.length).toBeGreaterThanOrEqual(Math.ceil(wholeBytes.length / EXPORT_PART_BYTES));
    const texts = (await progress()).texts.filter((t): t is string => t !== null);
    expect(texts[0]).toBe('exporting .traj…');
    expect(texts.some((t) => /^exporting \.traj: [\d,]+ of 261 frames written$/.test(t) && !t.startsWith('exporting .traj: 261 '))).toBe(true);
    await expect.poll(() => page.getByTestId('simulation-exporting').count()).toBe(0);
    await expect(page.getByTestId('simulation-export-cancelled').count()).resolves.toBe(0);
    expect(app.errors).toEqual([]);
  });
});
