import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchApp } from './app';
import type { LaunchedApp } from './app';

let app: LaunchedApp;

beforeAll(async () => {
  app = await launchApp();
});
afterAll(async () => {
  await app?.close();
});

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

  it('offers the shipped example structures on an empty install', async () => {
    const { page } = app;
    await page.getByTestId('nav-structures').click();
    await page.getByTestId('structures-examples').click();
    await expect.poll(() => page.getByTestId('structure-item').count(), { timeout: 30_000 }).toBe(8);
    expect(await page.getByTestId('structure-error').count()).toBe(0);
  });

  it('has a section for each part of the product', async () => {
    const nav = app.page.locator('nav');
    for (const section of ['Structures', 'Graph', 'Datasets', 'Models', 'Training', 'Runs', 'Predict']) {
      await expect.poll(() => nav.getByText(section, { exact: true }).count()).toBeGreaterThan(0);
    }
  });
});
