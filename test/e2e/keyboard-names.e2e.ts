/**
 * Tester B's findings 2–6 in the real UI (session 44): the Runs table sorts from the keyboard and its
 * controls, the filters and the Predict model picker have accessible names; Escape goes on training from
 * the "Stop this run?" question; 100,000,000,000 epochs and a 10⁶ Å cutoff are refused naming the field;
 * two datasets of the same name are told apart; the memory warning names the edges when they fill it.
 * Session 45: a Gaussian step below 0.01 Å is refused naming the field and the bound; the Runs table's
 * dataset column tells the namesakes apart too.
 * Tester C's findings 2–6 and 8 (session 46): errors are announced (role="alert", one ErrorMessage
 * component), a run's status is a status region and gets the focus after "Stop and discard", charts are
 * images named in words, the Graph view's atom is chosen from the keyboard, its canvas is a Tab stop with
 * a ring, and Max neighbours, Predict's filter and the Runs search have names; Predict has a heading.
 */
import { describe, expect, it } from 'vitest';
import { shared } from '../helpers/shared-data';
import { appForFile, waitUntilConnected } from './app';
import { fillRunForm, startRun } from './training-view';

const { app, api } = appForFile();

const focusedTestId = () => app.page.evaluate(() => (document.activeElement as HTMLElement | null)?.closest('[data-testid]')?.getAttribute('data-testid') ?? null);

describe('keyboard, names and bounds', () => {
  it('refuses huge epochs naming the field, tells namesake datasets apart, and Escape goes on training from “Stop this run?”', { timeout: 600_000 }, async () => {
    const { page } = app;
    const first = await api.datasets.import({ kind: 'cgcnn-folder', path: shared('cgcnn-sample-regression'), name: 'ten CIFs' });
    const second = await api.datasets.import({ kind: 'cgcnn-folder', path: shared('cgcnn-sample-regression'), name: 'ten CIFs' });
    await page.reload();
    await waitUntilConnected(page);

    // the same name twice: the drop-down and the Datasets list show the id and the import time
    await fillRunForm(page, { dataset: second.id, epochs: 100_000_000_000, batchSize: 4, name: 'huge-epochs' });
    const options = await page.getByTestId('training-dataset').locator('option').allTextContents();
    expect(options).toEqual([expect.stringMatching(new RegExp(`^ten CIFs \\(10\\) · #${first.id}, imported \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d$`)), expect.stringMatching(new RegExp(`^ten CIFs \\(10\\) · #${second.id}, imported `))]);
    // 100,000,000,000 epochs: refused, the field named, no run
    await page.getByTestId('run-start').click();
    await expect.poll(() => page.getByTestId('run-start-error').textContent(), { timeout: 60_000 }).toMatch(/training\.epochs: epochs must be at most 1,000,000/);
    expect(await page.getByTestId('run-start-error').getAttribute('role')).toBe('alert');
    expect((await api.runs.list({ includeArchived: true })).filter((r) => r.name === 'huge-epochs')).toEqual([]);
    await page.getByTestId('nav-datasets').click();
    await expect.poll(() => page.getByTestId('dataset-same-name').count()).toBe(2);
    expect((await page.getByTestId('dataset-same-name').allTextContents()).sort()).toEqual([`#${first.id}, imported `, `#${second.id}, imported `].map((t) => expect.stringMatching(new RegExp(`^${t}\\d{4}-`))));

    // Cancel… asks; focus is on "Go on training"; Escape goes on (the run keeps running) and focus is back on Cancel…
    await startRun(page, { dataset: first.id, epochs: 2000, batchSize: 4, name: 'long' });
    const run = () => api.runs.list({ includeArchived: false }).then((l) => l.find((r) => r.name === 'long'));
    await expect.poll(async () => (await run())?.status, { timeout: 240_000 }).toBe('running');
    // a chart is an image to a screen reader, named and said in words
    await page.getByRole('img', { name: /^Loss per epoch: (waiting for the first epoch…|.+ against epoch)/ }).waitFor();
    await page.getByTestId('run-cancel').click();
    await page.getByTestId('run-cancel-confirm').waitFor();
    expect(await focusedTestId()).toBe('run-cancel-back');
    await page.keyboard.press('Escape');
    expect(await page.getByTestId('run-cancel-confirm').count()).toBe(0);
    expect(await focusedTestId()).toBe('run-cancel');
    expect((await run())!.status).toBe('running');
    await page.getByTestId('run-cancel').click();
    await page.getByTestId('run-cancel-discard').focus();
    await page.keyboard.press('Enter');
    // the buttons are gone: focus is on the run's status (a status region), not on the page's start
    await expect.poll(focusedTestId).toBe('run-state');
    expect(await page.getByTestId('run-state').getAttribute('role')).toBe('status');
    await expect.poll(async () => (await run())!.status, { timeout: 120_000 }).toBe('cancelled');
    expect(app.errors).toEqual([]);
  });

  it('sorts the Runs table from the keyboard (aria-sort), tells a namesake dataset apart in its dataset column, names its filters, checkboxes and rename buttons and the Predict model picker; a 10⁶ Å cutoff and a 0.00001 Å Gaussian step are refused, the finest step at a 30 Å cutoff names the edges', { timeout: 300_000 }, async () => {
    const { page } = app;
    const long = (await api.runs.list({ includeArchived: false })).find((r) => r.name === 'long')!;
    await page.getByTestId('nav-runs').click();
    await page.getByTestId('run-row').first().waitFor({ timeout: 60_000 });
    // "long" trained on one of the two datasets named "ten CIFs": the dataset column says which, as the Datasets list does
    const longRow = page.locator(`[data-testid="run-row"][data-id="${long.id}"]`);
    await expect.poll(() => longRow.getByTestId('run-dataset-same-name').textContent(), { timeout: 60_000 }).toMatch(new RegExp(`^#${long.datasetId}, imported \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d$`));
    // Tab from the tag filter reaches the first sort header's button; Enter sorts by it
    await page.getByTestId('runs-tag-filter').focus();
    for (let i = 0; i < 40 && (await focusedTestId()) !== 'runs-sort-id'; i++) await page.keyboard.press('Tab');
    expect(await focusedTestId()).toBe('runs-sort-id');
    expect(await page.getByTestId('runs-sort-id').getAttribute('aria-sort')).toBeNull();
    expect(await page.getByTestId('runs-sort-started').getAttribute('aria-sort')).toBe('descending');
    await page.keyboard.press('Enter');
    expect(await page.getByTestId('runs-sort-id').getAttribute('aria-sort')).toBe('descending');
    await page.keyboard.press('Enter');
    expect(await page.getByTestId('runs-sort-id').getAttribute('aria-sort')).toBe('ascending');
    expect(await page.getByTestId('runs-sort-started').getAttribute('aria-sort')).toBeNull();
    // accessible names, as a screen reader reads them (Playwright's role queries compute them)
    await page.getByRole('combobox', { name: 'Filter runs by status' }).waitFor();
    await page.getByRole('combobox', { name: 'Filter runs by tag' }).waitFor();
    await page.getByRole('checkbox', { name: 'Select all runs' }).waitFor();
    await page.getByRole('checkbox', { name: `Select run #${long.id} “long”` }).waitFor();
    await page.getByRole('button', { name: `Rename run #${long.id} “long”` }).waitFor();
    await page.getByTestId('nav-predict').click();
    await page.getByRole('combobox', { name: 'Model to predict with' }).waitFor();

    // Models form: a 10⁶ Å cutoff is a problem of graph.cutoff, a 0.00001 Å Gaussian step one of gaussian.step (at least 0.01 Å);
    // at that step, a 30 Å cutoff without a neighbour cap makes 3,001 features for each of thousands of edges per atom: the warning names the edges
    await page.getByTestId('nav-models').click();
    await page.getByTestId('config-valid').waitFor({ timeout: 60_000 });
    const cutoff = page.getByTestId('config-field-graph.cutoff');
    await cutoff.fill('1000000');
    await cutoff.dispatchEvent('change');
    await expect.poll(() => page.getByTestId('config-issues').textContent(), { timeout: 60_000 }).toMatch(/Cutoff must be at most 30 Å \(a model's neighbours lie within a few Å/);
    await cutoff.fill('30');
    await cutoff.dispatchEvent('change');
    await page.getByTestId('config-valid').waitFor({ timeout: 60_000 });
    const step = page.getByTestId('config-field-graph.gaussian.step');
    await step.fill('0.00001');
    await step.dispatchEvent('change');
    await expect.poll(() => page.getByTestId('config-issues').textContent(), { timeout: 60_000 }).toMatch(/Step must be at least 0\.01 Å \(CGCNN spaces its Gaussian centres 0\.2 Å apart, SchNet 0\.1 Å\)/);
    await step.fill('0.01');
    await step.dispatchEvent('change');
    const neighbours = page.getByTestId('config-field-graph.maxNeighbors');
    await neighbours.fill('0');
    await neighbours.dispatchEvent('change');
    await page.getByTestId('config-valid').waitFor({ timeout: 60_000 });
    await page.getByTestId('config-estimate-dataset').selectOption(String(long.datasetId));
    await expect.poll(() => page.getByTestId('config-memory-warning').textContent(), { timeout: 120_000 }).toMatch(/most of it for the edges: [\d.,]+ per atom, each with 3,001 Gaussian features \(centres every 0\.01 Å up to 30 Å, the cutoff\): a smaller cutoff/);
    await page.getByTestId('config-reset').click();
    expect(app.errors).toEqual([]);
  });

  it("announces a refused import, names the Graph view's fields, chooses its atom by index and rings its canvas reached with Tab; Predict has a heading, its filter and the Runs search names", { timeout: 300_000 }, async () => {
    const { page } = app;
    await page.getByTestId('nav-datasets').click();
    await page.getByTestId('dataset-path').fill('/nonexistent/latticework-e2e');
    await page.getByTestId('dataset-path').press('Enter');
    await expect.poll(() => page.getByTestId('dataset-error').textContent(), { timeout: 60_000 }).toMatch(/does not exist/);
    expect(await page.getByTestId('dataset-error').getAttribute('role')).toBe('alert');

    const ethanol = ['9', 'Properties=species:S:1:pos:R:3 pbc="F F F"', 'C 1.168181 -0.400382 0', 'C 0 0.559462 0', 'O -1.190083 -0.227669 0', 'H -1.946623 0.381525 0']
      .concat(['H 0.042557 1.207508 0.886933', 'H 0.042557 1.207508 -0.886933', 'H 2.115891 0.1448 0', 'H 1.128599 -1.037234 0.885881', 'H 1.128599 -1.037234 -0.885881', ''])
      .join('\n');
    await page.getByTestId('nav-structures').click();
    await page.getByTestId('file-input').setInputFiles([{ name: 'ethanol.xyz', mimeType: 'chemical/x-xyz', buffer: Buffer.from(ethanol) }]);
    await page.locator('[data-testid="structure-item"][data-file="ethanol.xyz"]').first().click();
    await page.getByTestId('nav-graph').click();
    const canvas = page.getByTestId('graph-canvas');
    await page.getByRole('spinbutton', { name: 'Max neighbours', exact: true }).waitFor();
    // the receptive field's atom from the keyboard, in step with a click on the canvas
    const atom = page.getByRole('spinbutton', { name: 'Atom', exact: true });
    await atom.fill('2');
    await atom.press('Enter');
    await expect.poll(() => canvas.getAttribute('data-rf-site'), { timeout: 60_000 }).toBe('2');
    expect(await page.getByTestId('rf-site').textContent()).toBe('O2');
    // the canvas is a Tab stop with a name, shows a ring, and Escape on it clears the atom
    await page.getByTestId('viewer-reset').focus();
    await page.keyboard.press('Shift+Tab');
    expect(await focusedTestId()).toBe('graph-canvas');
    expect(await canvas.getAttribute('aria-label')).toMatch(/^3D view of the graph: .*receptive field/);
    expect(await canvas.evaluate((e) => getComputedStyle(e).outlineStyle)).toBe('solid');
    await page.keyboard.press('Escape');
    await expect.poll(() => canvas.getAttribute('data-rf-site')).toBe('');
    expect(await atom.inputValue()).toBe('');

    await page.getByTestId('nav-predict').click();
    await page.getByRole('heading', { name: 'Predict', exact: true }).waitFor();
    await page.getByRole('searchbox', { name: 'Filter structures by name or formula', exact: true }).waitFor();
    await page.getByTestId('nav-runs').click();
    await page.getByRole('searchbox', { name: 'Search runs by name, dataset (name or id: #4), tag, notes or parameter', exact: true }).waitFor();
    expect(app.errors).toEqual([]);
  });
});
