/**
 * One run store: a run trained with `latticework train --db X` shows in the app's runs table on X,
 * with its best metrics and its curves; one killed mid-run shows interrupted, and says why it cannot be resumed.
 */
import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SHARED_DATA } from '../helpers/shared-data';
import { appForFile, ROOT } from './app';
import { chartPoints } from './charts';

let summary: { epochs: number; bestEpoch: number; test: { mae: number } };
/** The store the app serves (not the data directory's own: the Resume hint names it with --db). */
let store = '';

const { app } = appForFile({
  before({ databasePath }) {
    store = databasePath;
    const out = execFileSync(
      process.execPath,
      [join(ROOT, 'bin', 'latticework.mjs'), 'train', '--data', `${SHARED_DATA}/cgcnn-sample-regression`, '--preset', 'gcn', '--epochs', '4', '--batch-size', '4', '--backend', 'cpu', '--db', databasePath, '--name', 'cli-trained', '--json'],
      { cwd: ROOT, encoding: 'utf8' },
    );
    summary = JSON.parse(out.trim().split('\n').pop()!) as typeof summary;
    return killedAfterAnEpoch(databasePath);
  },
});

/** A `latticework train` killed (SIGKILL) once its first epoch is done: the app, opening the store, finds it interrupted. */
async function killedAfterAnEpoch(databasePath: string): Promise<void> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'latticework.mjs'), 'train', '--data', `${SHARED_DATA}/cgcnn-sample-regression`, '--preset', 'gcn', '--epochs', '500', '--batch-size', '4', '--backend', 'cpu', '--db', databasePath, '--name', 'cli-killed'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (/^epoch 2\//m.test(out)) resolve();
    });
    child.on('exit', (code) => reject(new Error(`latticework train ended (${code}) before its second epoch:\n${out}`)));
  });
  child.kill('SIGKILL');
  await once(child, 'exit');
}

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

  it('killed mid-run, is interrupted; Resume is disabled and says why (the command line read its data from a path) and how to resume it (`latticework train --resume`)', async () => {
    const { page } = app;
    await page.getByTestId('nav-runs').click();
    const row = page.getByTestId('run-row').filter({ hasText: 'cli-killed' });
    await expect.poll(() => row.getAttribute('data-status'), { timeout: 60_000 }).toBe('interrupted');
    const resume = row.getByTestId('run-resume');
    expect(await resume.isDisabled()).toBe(true);
    const id = Number(await row.getAttribute('data-id'));
    const why = `run ${id} cannot be resumed here: \`latticework train\` trained it from ${SHARED_DATA}/cgcnn-sample-regression, a path, not a dataset of this store; resume it on the command line with \`latticework train --resume ${id} --db ${store}\``;
    expect(await resume.getAttribute('title')).toContain(why);
    await row.getByTestId('run-open').click();
    await expect.poll(() => page.getByTestId('run-resume-refusal').innerText(), { timeout: 30_000 }).toContain(why);
    expect(await page.getByTestId('training-dashboard').getByTestId('run-resume').isDisabled()).toBe(true);
    expect(app.errors).toEqual([]);
  });
});
