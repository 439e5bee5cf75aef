/**
 * Starting a run from the Training view as a user does, written once for every e2e file: open the
 * view, choose the dataset and the configuration, set what the run changes, name it, start it.
 */
import type { Page } from 'playwright-core';

export interface RunForm {
  /** The dataset: its id, or a pattern the text of its option matches (the first that does). */
  dataset: number | RegExp;
  /** The configuration's option: `preset:<id>` (default `preset:cgcnn-paper`), `draft` (the Models view's), `saved:<id>`. */
  config?: string;
  /** Left as the configuration says when not given. */
  epochs?: number;
  batchSize?: number;
  /** Members of a potential's seed ensemble (the field is there for potentials only). */
  ensemble?: number;
  name: string;
}

/** Opens the Training view and fills its form for a run, without starting it (a test may look at the form, or start observing, first). */
export async function fillRunForm(page: Page, run: RunForm): Promise<void> {
  await page.getByTestId('nav-training').click();
  await page.getByTestId('view-training').waitFor();
  const datasets = page.getByTestId('training-dataset');
  const dataset = typeof run.dataset === 'number' ? String(run.dataset) : await datasets.locator('option').filter({ hasText: run.dataset }).first().getAttribute('value');
  if (dataset === null) throw new Error(`no dataset option matches ${String(run.dataset)}`);
  await datasets.selectOption(dataset);
  await page.getByTestId('training-config').selectOption(run.config ?? 'preset:cgcnn-paper');
  if (run.epochs !== undefined) await page.getByTestId('config-epochs').fill(String(run.epochs));
  if (run.batchSize !== undefined) await page.getByTestId('config-batch-size').fill(String(run.batchSize));
  if (run.ensemble !== undefined) await page.getByTestId('config-ensemble').fill(String(run.ensemble));
  await page.getByTestId('run-name').fill(run.name);
}

/** Starts a run from the Training view (`fillRunForm`, then Start). */
export async function startRun(page: Page, run: RunForm): Promise<void> {
  await fillRunForm(page, run);
  await page.getByTestId('run-start').click();
}

/** The status the Training view's dashboard shows for its run (`data-status`: running, finished, cancelled…). */
export function shownRunStatus(page: Page): Promise<string | null> {
  return page.getByTestId('training-status').getByTestId('run-status').getAttribute('data-status');
}
