/**
 * One run store: a run trained with `latticework train --db X` shows in the app's runs table on X,
 * with its best metrics and its curves.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../helpers/shared-data';
import { launchApp, ROOT, waitUntilConnected } from './app';
import type { LaunchedApp } from './app';

let dir: string;
let app: LaunchedApp | undefined;
let summary: { epochs: number; bestEpoch: number; test: { mae: number } };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'lw-e2e-cli-run-'));
  const out = execFileSync(
    process.execPath,
    [join(ROOT, 'bin', 'latticework.mjs'), 'train', '--data', `${SHARED_DATA}/cgcnn-sample-regression`, '--preset', 'gcn', '--epochs', '4', '--batch-size', '4', '--backend', 'cpu', '--db', join(dir, 'runs.sqlite'), '--name', 'cli-trained', '--json'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  summary = JSON.parse(out.trim().split('\n').pop()!) as typeof summary;
});
afterAll(async () => {
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a command-line run in the app', () => {
  it('is in the runs table with its metrics, and opens with its curves', async () => {
    app = await launchApp({ databasePath: join(dir, 'runs.sqlite') });
    const { page } = app;
    await waitUntilConnected(page);
    await page.getByTestId('nav-runs').click();
    const row = page.getByTestId('run-row').filter({ hasText: 'cli-trained' });
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 30_000 }).toBe('finished');
    expect(Number(await row.getByTestId('run-metric-test_mae').textContent())).toBeCloseTo(summary.test.mae, 3);
    await app.screenshot('cli-run-in-runs-table');

    await row.getByTestId('run-open').click();
    const curve = page.locator('[data-testid="training-curve"][data-points], [data-testid="training-curve"] [data-points]').first();
    // train_loss and val_loss (and the validation metrics) per epoch: at least 2 series × 4 epochs
    await expect.poll(async () => Number((await curve.getAttribute('data-points')) ?? 0), { timeout: 30_000 }).toBeGreaterThanOrEqual(2 * summary.epochs);
    await app.screenshot('cli-run-curves');
    expect(app.errors).toEqual([]);
  });
});
