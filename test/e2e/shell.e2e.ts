import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { appForFile, cli } from './app';

const { app, api } = appForFile();

describe('the app shell', () => {
  it('loads and shows the backend in use, the database and the connection in the status bar', async () => {
    const { page } = app;
    const backend = page.getByTestId('status-backend');
    await expect.poll(async () => (await backend.textContent()) ?? '', { timeout: 60_000 }).toMatch(/wasm|cpu|tensorflow/);
    // wasm and cpu run our SIMD kernels, on as many threads as the host has cores (up to 8)
    if (/wasm|cpu/.test((await backend.textContent()) ?? '')) {
      expect(await page.getByTestId('status-kernel-threads').textContent()).toMatch(/^\d+ threads?$/);
    }
    await expect.poll(async () => (await page.getByTestId('status-database').textContent()) ?? '').toContain('e2e.sqlite');
    await expect.poll(async () => (await page.getByTestId('status-connection').textContent()) ?? '').toMatch(/connected/i);
    const version = (await page.getByTestId('status-version').textContent()) ?? '';
    expect(version).toMatch(/\d+\.\d+\.\d+/);
    const shot = await app.screenshot('shell');
    expect(existsSync(shot)).toBe(true);
    expect(app.errors).toEqual([]);
  });

  it('links the status bar to the doctor report: backends, why not the others, database integrity', async () => {
    const { page } = app;
    await page.getByTestId('status-doctor').click();
    const panel = page.getByTestId('doctor-panel');
    await expect.poll(async () => (await panel.getByTestId('doctor-database').textContent()) ?? '', { timeout: 120_000 }).toMatch(/integrity_check: ok/);
    expect(await panel.getByTestId('doctor-database').textContent()).toContain('e2e.sqlite');
    // every candidate backend has a row; the GPU build says why it is not used here
    for (const name of ['tfjs-node-gpu', 'tfjs-node', 'wasm', 'cpu']) expect(await panel.getByTestId(`doctor-backend-${name}`).count()).toBe(1);
    expect(await panel.getByTestId('doctor-backend-tfjs-node-gpu').textContent()).toMatch(/not installed|missing|no GPU/);
    expect(await panel.getByTestId('doctor-threads').textContent()).toMatch(/SIMD kernel threads \d+ · data-parallel training workers \d+/);
    // the same report as the command line's JSON
    const report = await api.system.doctor({});
    expect(report.database.integrity).toEqual(['ok']);
    expect(report.backends.find((b) => b.chosen)?.name).toBe(report.chosen);
    const fromCli = cli(['doctor', '--db', app.databasePath]) as typeof report;
    expect(Object.keys(fromCli).sort()).toEqual(Object.keys(report).sort());
    expect(fromCli.backends.map((b) => [b.name, b.usable])).toEqual(report.backends.map((b) => [b.name, b.usable]));
    await app.screenshot('doctor');
    await page.getByTestId('doctor-close').click();
    expect(await panel.count()).toBe(0);
    expect(app.errors).toEqual([]);
  });

  it('names the same readable files in the empty viewer and in the drop overlay', async () => {
    const { page } = app;
    await page.getByTestId('nav-structures').click();
    const empty = (await page.getByTestId('structures-empty-formats').textContent())!;
    expect(empty).toMatch(/vasprun\.xml, OUTCAR, XDATCAR, ASE \.db and \.traj/);
    await page.evaluate(() => {
      const dt = new DataTransfer();
      dt.items.add(new File(['x'], 'POSCAR'));
      window.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true }));
    });
    const overlay = (await page.getByTestId('drop-overlay-formats').textContent())!.replace(/^Files or whole folders: /, '');
    expect(empty.startsWith(`${overlay} — `)).toBe(true);
    await page.evaluate(() => window.dispatchEvent(new DragEvent('drop', { bubbles: true })));
    await expect.poll(() => page.getByTestId('drop-overlay').count()).toBe(0);
  });

  it('offers the shipped example structures on an empty install', async () => {
    const { page } = app;
    await page.getByTestId('nav-structures').click();
    await page.getByTestId('structures-examples').click();
    await expect.poll(() => page.getByTestId('structure-item').count(), { timeout: 60_000 }).toBe(8);
    expect(await page.getByTestId('structure-error').count()).toBe(0);
  });

  it('keeps the file inputs behind the open buttons out of the tab order; the buttons open the file chooser from the keyboard', async () => {
    const { page } = app;
    await page.getByTestId('nav-structures').click();
    await page.getByTestId('open-files').focus();
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('open-folder');
    // tabbing on leaves the hidden inputs (1×1 px) behind
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.type)).not.toBe('file');
    for (const section of ['structures', 'datasets', 'predict']) {
      await page.getByTestId(`nav-${section}`).click();
      await page.getByTestId(`view-${section}`).waitFor();
      const inputs = await page.locator('input[type="file"]').evaluateAll((els) => els.map((e) => (e as HTMLInputElement).tabIndex));
      expect(inputs.length).toBeGreaterThan(0);
      expect(inputs.every((t) => t === -1)).toBe(true);
    }
    // Enter on the focused button reaches the input that opens the chooser (the dialog itself is not
    // opened: headless Chromium's file chooser comes late or not at all while a view is still loading)
    await page.getByTestId('file-input').evaluate((input) =>
      input.addEventListener('click', (e) => {
        e.preventDefault();
        input.setAttribute('data-opened', 'yes');
      }, { once: true }),
    );
    await page.getByTestId('open-files').focus();
    await page.keyboard.press('Enter');
    await expect.poll(() => page.getByTestId('file-input').getAttribute('data-opened')).toBe('yes');
    expect(await page.getByTestId('file-input').evaluate((input) => (input as HTMLInputElement).multiple)).toBe(true);
  });

  it('has a section for each part of the product', async () => {
    const nav = app.page.locator('nav');
    for (const section of ['Structures', 'Graph', 'Datasets', 'Models', 'Training', 'Runs', 'Predict']) {
      await expect.poll(() => nav.getByText(section, { exact: true }).count()).toBeGreaterThan(0);
    }
  });
});
