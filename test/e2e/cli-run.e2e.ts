/**
 * One run store: a run trained with `latticework train --db X` shows in the app's runs table on X,
 * with its best metrics and its curves.
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../helpers/shared-data';
import { appForFile, ROOT } from './app';
import { chartPoints } from './charts';

let summary: { epochs: number; bestEpoch: number; test: { mae: number } };

const { app } = appForFile({
  before({ databasePath }) {
    const out = execFileSync(
      process.execPath,
      [join(ROOT, 'bin', 'latticework.mjs'), 'train', '--data', `${SHARED_DATA}/cgcnn-sample-regression`, '--preset', 'gcn', '--epochs', '4', '--batch-size', '4', '--backend', 'cpu', '--db', databasePath, '--name', 'cli-trained', '--json'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    summary = JSON.parse(out.trim().split('\n').pop()!) as typeof summary;
  },
});

describe('a command-line run in the app', () => {
  it('is in the runs table with its metrics, and opens with its curves', async () => {
    const { page } = app;
    await page.getByTestId('nav-runs').click();
    const row = page.getByTestId('run-row').filter({ hasText: 'cli-trained' });
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 60_000 }).toBe('finished');
    expect(Number(await row.getByTestId('run-metric-test_mae').textContent())).toBeCloseTo(summary.test.mae, 3);
    await app.screenshot('cli-run-in-runs-table');

    await row.getByTestId('run-open').click();
    // train_loss and val_loss (and the validation metrics) per epoch: at least 2 series × 4 epochs
    await expect.poll(() => chartPoints(page, 'training-curve'), { timeout: 60_000 }).toBeGreaterThanOrEqual(2 * summary.epochs);
    await app.screenshot('cli-run-curves');
    expect(app.errors).toEqual([]);
  });
});
