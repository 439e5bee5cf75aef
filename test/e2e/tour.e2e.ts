/**
 * Issue 17's newcomer's tour: every section of the app on a fresh database, driven as a new
 * materials researcher would, at a laptop's 1280×800 and again at 1920×1080. Each section and
 * state is saved as a screenshot in test-results/e2e/tour/ (looked at by a person, see
 * docs/tour.md), and the checkable parts of the "Why" list are asserted: no console errors,
 * no horizontal overflow of the page or the runs table, chemists' formulas and plurals, the space
 * group, structures named by their ids, bonds and framing, axis titles with units, messages.
 * Checks are soft (`expect.soft`): the tour goes on after a failure and reports every problem.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { emtFramesText, shared, SHARED_DATA } from '../helpers/shared-data';
import { appForFile, ARTEFACTS } from './app';
import { chartAxes, chartSeriesNames } from './charts';
import { fillRunForm, shownRunStatus, startRun } from './training-view';

const TOUR = join(ARTEFACTS, 'tour');
const SAMPLE = `${SHARED_DATA}/cgcnn-sample-regression`;
const SAMPLE_IDS = ['1000041', '1000050', '1101051', '1507756', '7206075', '9000046', '9009743', '9011050', '9011998', '9012304'];
const SECTIONS = ['structures', 'graph', 'datasets', 'models', 'training', 'runs', 'simulate', 'predict'];

const { app, api, dir } = appForFile();

let size = '1280x800';
async function shot(name: string): Promise<void> {
  mkdirSync(TOUR, { recursive: true });
  await app.page.screenshot({ path: join(TOUR, `${size}-${name}.png`) });
}

/** How far the page is wider than the window (0 = no horizontal scrolling). */
function pageOverflow(page: Page): Promise<number> {
  return page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
}

/** Elements with visible text cut off horizontally (text wider than its box, clipped, no tooltip). */
function clippedText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const out: string[] = [];
    for (const el of Array.from(document.querySelectorAll<HTMLElement>('body *'))) {
      if (el.children.length > 0 || !el.textContent?.trim()) continue;
      const style = getComputedStyle(el);
      if (style.overflowX === 'visible' || el.scrollWidth <= el.clientWidth + 1) continue;
      if (el.closest('[title]')) continue;
      const r = el.getBoundingClientRect();
      if (r.width === 0 || r.height === 0) continue;
      out.push(`${el.tagName.toLowerCase()}.${el.className}: ${el.textContent.trim().slice(0, 60)}`);
    }
    // placeholders wider than their empty field
    const ctx = document.createElement('canvas').getContext('2d')!;
    for (const input of Array.from(document.querySelectorAll<HTMLInputElement>('input[placeholder]'))) {
      if (input.value || input.offsetWidth === 0) continue;
      const style = getComputedStyle(input);
      ctx.font = `${style.fontSize} ${style.fontFamily}`;
      const room = input.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - (input.type === 'search' ? 16 : 0);
      if (ctx.measureText(input.placeholder).width > room + 1) out.push(`placeholder cut: ${input.placeholder}`);
    }
    // the chosen option of a drop-down wider than the closed drop-down (its arrow takes ~20 px)
    for (const select of Array.from(document.querySelectorAll<HTMLSelectElement>('select'))) {
      const chosen = select.selectedOptions[0]?.textContent?.trim();
      if (!chosen || select.offsetWidth === 0) continue;
      const style = getComputedStyle(select);
      ctx.font = `${style.fontSize} ${style.fontFamily}`;
      const room = select.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight) - 20;
      if (ctx.measureText(chosen).width > room + 1) out.push(`drop-down cut: ${chosen}`);
    }
    return out;
  });
}

async function visit(section: string): Promise<void> {
  await app.page.getByTestId(`nav-${section}`).click();
  await app.page.getByTestId(`view-${section}`).waitFor();
}


/** A raw programme key (camelCase or snake_case) where a person expects words. */
const RAW_KEY = /\b[a-z]+[A-Z]\w*|\b[a-z]+_[a-z]\w*/;

describe('a newcomer’s tour of every section', () => {
  it('fresh install: the first screen says what to do, the status bar is connected', async () => {
    const { page } = app;
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.getByTestId('structures-empty').waitFor();
    await shot('01-structures-empty');
    expect.soft(await page.getByTestId('status-connection').textContent()).toMatch(/connected/i);
    expect.soft(await pageOverflow(page)).toBe(0);
    for (const s of SECTIONS) {
      await visit(s);
      await page.waitForTimeout(300);
      await shot(`02-empty-${s}`);
      expect.soft(await pageOverflow(page), `${s} (empty) overflows`).toBe(0);
    }
    expect.soft(app.errors).toEqual([]);
  });

  it('Structures: the ten COD CIFs read with chemists’ formulas, space groups and ids; the viewer draws BaTiO₃ right', async () => {
    const { page } = app;
    await visit('structures');
    await page.getByTestId('file-input').setInputFiles(SAMPLE_IDS.map((id) => ({ name: `${id}.cif`, mimeType: 'chemical/x-cif', buffer: readFileSync(`${SAMPLE}/${id}.cif`) })));
    await expect.poll(() => page.getByTestId('structure-item').count(), { timeout: 60_000 }).toBe(10);
    await shot('03-structures-list');
    const texts = await page.getByTestId('structure-item').allTextContents();
    const all = texts.join('\n');
    for (const formula of ['KCl', 'NaCl', 'BaTiO3', 'TiO2', 'CsCl', 'ZnS', 'Si', 'Ge', 'C']) expect.soft(all).toContain(formula);
    for (const wrong of ['ClK', 'BaO3Ti', 'Cl4Na4', 'image0', '1 sites']) expect.soft(all).not.toContain(wrong);
    // every structure shows its space group in the list
    const groups = await page.getByTestId('structure-item-spacegroup').allTextContents();
    expect.soft(groups.filter((g) => /\S/.test(g)).length).toBe(10);
    // the formula has real subscripts
    const batio3 = page.getByTestId('structure-item').filter({ hasText: 'BaTiO3' });
    expect.soft(await batio3.innerHTML()).toMatch(/<sub[^>]*>3<\/sub>/);
    await batio3.click();
    const header = page.getByTestId('structure-header');
    await expect.poll(() => header.getByTestId('structure-spacegroup').textContent(), { timeout: 30_000 }).toMatch(/P4mm \(99\)/);
    expect.soft(await header.textContent()).toMatch(/1507756/);
    const canvas = page.getByTestId('structure-canvas');
    // TiO₆: 6 Ti–O bonds, none Ba–O, none leaving the cell
    await expect.poll(() => canvas.getAttribute('data-bond-count'), { timeout: 30_000 }).toBe('6');
    expect.soft(await page.getByTestId('viewer-stubs').isChecked()).toBe(false);
    expect.soft(await allAtomsInView(page, 4), 'first view clips atoms').toBe(true);
    expect.soft(await viewerToolbarClear(page), 'the viewer’s toolbar runs under its legend').toBe(true);
    // the lattice parameters read on one line, not broken between a symbol and its value
    const lattice = (await header.getByTestId('structure-lattice').boundingBox())!;
    expect.soft(lattice.height, 'lattice parameters wrap').toBeLessThan(22);
    await shot('04-viewer-batio3');
    // KCl: no K–K bonds, no hedgehog
    await page.getByTestId('structure-item').filter({ hasText: 'KCl' }).click();
    await expect.poll(() => header.getByTestId('structure-formula').textContent()).toBe('KCl');
    await shot('05-viewer-kcl');
    // a supercell refits the camera; a too-large one is refused with a message, not clamped
    await page.getByTestId('structure-item').filter({ hasText: 'TiO2' }).click();
    await expect.poll(() => header.getByTestId('structure-formula').textContent()).toBe('TiO2');
    expect.soft((await header.getByTestId('structure-lattice').boundingBox())!.height, 'lattice parameters wrap').toBeLessThan(22);
    for (const k of ['a', 'b', 'c']) await page.getByTestId(`viewer-supercell-${k}`).fill('2');
    await page.getByTestId('viewer-supercell-c').dispatchEvent('change');
    await expect.poll(() => allAtomsInView(page, 2), { timeout: 30_000 }).toBe(true);
    await shot('06-viewer-tio2-222');
    await page.getByTestId('viewer-supercell-a').fill('20');
    await page.getByTestId('viewer-supercell-a').dispatchEvent('change');
    await page.getByTestId('viewer-supercell-error').waitFor({ timeout: 10_000 });
    expect.soft(await page.getByTestId('viewer-supercell-error').textContent()).toMatch(/\d/);
    await shot('07-viewer-supercell-refused');
    await page.getByTestId('viewer-supercell-a').fill('1');
    await page.getByTestId('viewer-supercell-a').dispatchEvent('change');
    expect.soft(await pageOverflow(page)).toBe(0);
    expect.soft(app.errors).toEqual([]);
  });

  it('Graph: the crystal graph and a receptive field at T = 6 read, and the camera follows', async () => {
    const { page } = app;
    await visit('graph');
    await page.getByTestId('graph-canvas').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1000);
    await shot('08-graph');
    // pick the first atom drawn, then a receptive field of 6 message-passing layers
    const canvas = page.getByTestId('graph-canvas');
    const point = await canvas.evaluate((el) => (el as HTMLCanvasElement & { crystalScene?: { project(i: number): { x: number; y: number } | null } }).crystalScene?.project(0) ?? null);
    await canvas.click({ position: point! });
    await expect.poll(() => canvas.getAttribute('data-rf-site')).not.toBe('');
    await page.getByTestId('rf-layers').fill('6');
    await expect.poll(() => page.getByTestId('rf-count-6').count(), { timeout: 30_000 }).toBe(1);
    // the camera refits to the whole field: every atom drawn lies inside the canvas
    await expect.poll(() => allAtomsInView(page, 0, 'graph-canvas'), { timeout: 15_000 }).toBe(true);
    await shot('09-graph-receptive-field');
    expect.soft(await pageOverflow(page)).toBe(0);
    expect.soft(app.errors).toEqual([]);
  });

  it('Datasets: a CGCNN folder and extended-XYZ frames import with reports; a wrong target key lists the keys', { timeout: 300_000 }, async () => {
    const { page } = app;
    await visit('datasets');
    await page.getByTestId('dataset-kind').selectOption('cgcnn-folder');
    await page.getByTestId('dataset-path').fill(shared('cgcnn-sample-regression'));
    await page.getByTestId('dataset-name').fill('COD sample');
    await page.getByTestId('dataset-import').click();
    await expect.poll(async () => (await page.getByTestId('dataset-report-count').textContent())?.replace(/\D/g, ''), { timeout: 120_000 }).toBe('10');
    await page.waitForTimeout(500);
    await shot('10-dataset-cod-report');
    expect.soft(await chartAxes(page, 'dataset-histogram')).toMatch(/\(.+\)|no unit/);
    // extended XYZ named like the shared file: a wrong key first, then energy_per_atom
    const xyz = join(dir, 'emt_dataset.extxyz');
    writeFileSync(xyz, emtFramesText(40));
    await page.getByTestId('dataset-kind').selectOption('extxyz');
    await page.getByTestId('dataset-path').fill(xyz);
    await page.getByTestId('dataset-target').fill('band_gap');
    await page.getByTestId('dataset-name').fill('EMT 40');
    await page.getByTestId('dataset-import').click();
    const error = page.getByTestId('dataset-error');
    await error.waitFor({ timeout: 60_000 });
    expect.soft(await error.textContent()).toMatch(/energy_per_atom/);
    await shot('11-dataset-wrong-key');
    await page.getByTestId('dataset-target').fill('energy_per_atom');
    expect.soft(await page.getByTestId('dataset-unit').inputValue()).toBe('eV/atom');
    await page.getByTestId('dataset-import').click();
    await expect.poll(async () => (await page.getByTestId('dataset-report-count').textContent())?.replace(/\D/g, ''), { timeout: 120_000 }).toBe('40');
    await page.waitForTimeout(500);
    await shot('12-dataset-emt-report');
    expect.soft(await chartAxes(page, 'dataset-histogram')).toMatch(/eV\/atom/);
    // dataset structures are named by their ids and grouped, not "emt_dataset.extxyz · 0"
    await visit('structures');
    const emtGroup = page.getByTestId('structure-group-toggle').filter({ hasText: 'EMT 40' });
    if ((await page.getByTestId('structure-item').filter({ hasText: 'emt_dataset' }).count()) === 0) await emtGroup.click();
    await page.getByTestId('structure-item').filter({ hasText: 'emt_dataset' }).first().waitFor();
    await shot('13-structures-grouped');
    const emtLabels = await page.getByTestId('structure-item-label').filter({ hasText: 'emt_dataset' }).allTextContents();
    expect.soft(new Set(emtLabels).size, 'EMT frames told apart').toBe(emtLabels.length);
    const names = (await page.getByTestId('structure-list').textContent()) ?? '';
    expect.soft(names).not.toMatch(/· 0\b|image0/);
    expect.soft(await pageOverflow(page)).toBe(0);
    expect.soft(app.errors).toEqual([]);
  });

  it('Models: a valid configuration with its size and estimate; an invalid one says why, also after leaving and coming back', async () => {
    const { page } = app;
    await visit('models');
    await page.getByTestId('config-valid').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(500);
    await shot('14-models');
    expect.soft(await page.getByTestId('config-param-count').textContent()).toMatch(/\d/);
    await modelsTableFits('1280×800');
    const formText = (await page.getByTestId('config-form').textContent()) ?? '';
    for (const raw of ['Num targets', 'Lr', 'Dmin']) expect.soft(formText).not.toMatch(new RegExp(`\\b${raw}\\b`));
    // the built-in models' lines: no empty parts ("· ·"), moduli in log₁₀ GPa
    const modelLines = (await page.getByTestId('models-list').textContent()) ?? '';
    expect.soft(modelLines).not.toMatch(/·\s*·/);
    expect.soft(modelLines).not.toContain('log(GPa)');
    // an invalid configuration after leaving Models and coming back: still checked, says why
    await visit('runs');
    await visit('models');
    const cutoff = page.getByTestId('config-field-graph.cutoff');
    await cutoff.fill('-1');
    await cutoff.dispatchEvent('change');
    await page.getByTestId('config-issues').waitFor({ timeout: 15_000 });
    expect.soft(await page.getByTestId('config-issues').textContent()).toMatch(/cutoff/i);
    expect.soft(await page.getByTestId('config-valid').count()).toBe(0);
    await shot('15-models-invalid');
    await page.getByTestId('config-reset').click();
    await page.getByTestId('config-valid').waitFor({ timeout: 15_000 });
    expect.soft(await pageOverflow(page)).toBe(0);
    expect.soft(app.errors).toEqual([]);
  });

  it('Training: a short run with curves titled with units, a square parity plot; cancel asks first', { timeout: 480_000 }, async () => {
    const { page } = app;
    await fillRunForm(page, { dataset: /COD sample/, epochs: 4, batchSize: 4, name: 'first run' });
    await shot('16-training-setup');
    await page.getByTestId('run-start').click();
    await expect.poll(() => shownRunStatus(page), { timeout: 300_000 }).toBe('finished');
    await page.getByTestId('parity-plot').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1000);
    await shot('17-training-finished');
    expect.soft(await chartAxes(page, 'training-curve')).toBe('epoch | loss (normalised targets)');
    expect.soft(await chartAxes(page, 'training-metrics-curve')).toMatch(/^epoch \| .+\(.+\)/);
    expect.soft(await chartAxes(page, 'parity-plot')).toMatch(/^true .*\(.+\) \| predicted .*\(.+\)$/);
    const box = (await page.getByTestId('parity-plot').boundingBox())!;
    expect.soft(Math.abs(box.width - box.height)).toBeLessThanOrEqual(1);
    for (const chart of ['training-curve', 'training-metrics-curve', 'training-batch-curve', 'training-lr-curve']) expect.soft(await chartSeriesNames(page, chart), `${chart} legend`).not.toMatch(RAW_KEY);
    expect.soft(await page.getByTestId('training-summary').textContent()).not.toMatch(RAW_KEY);
    // a second, longer run on the EMT frames: cancel asks first
    await startRun(page, { dataset: /EMT 40/, epochs: 200, batchSize: 8, name: 'long run' });
    await expect.poll(() => shownRunStatus(page), { timeout: 120_000 }).toBe('running');
    await page.getByTestId('run-cancel').click();
    await page.getByTestId('run-cancel-keep').waitFor();
    await shot('18-training-cancel-confirm');
    await page.getByTestId('run-cancel-keep').click();
    await expect.poll(() => shownRunStatus(page), { timeout: 120_000 }).toMatch(/cancelled|finished/);
    await page.waitForTimeout(1000);
    await shot('19-training-cancelled');
    expect.soft(await pageOverflow(page)).toBe(0);
    expect.soft(app.errors).toEqual([]);
  });

  it('Runs: the table fits the window with human labels and visible edit controls; two runs compare', { timeout: 120_000 }, async () => {
    const { page } = app;
    await visit('runs');
    await page.getByTestId('run-row').nth(1).waitFor({ timeout: 30_000 });
    await shot('20-runs');
    const table = await page.getByTestId('runs-table').boundingBox();
    expect.soft(table!.x + table!.width, 'runs table wider than the window').toBeLessThanOrEqual(1280);
    const headers = await page.locator('[data-testid="runs-table"] th').allTextContents();
    for (const h of headers) expect.soft(h, 'raw key as a column label').not.toMatch(/[a-z][A-Z]|_/);
    expect.soft(await page.getByTestId('run-edit-name').first().isVisible()).toBe(true);
    for (const row of await page.getByTestId('run-select').all()) await row.check();
    await page.getByTestId('runs-compare').click();
    await page.getByTestId('compare-curves').waitFor({ timeout: 30_000 });
    await page.waitForTimeout(1000);
    await shot('21-runs-compare');
    for (const cell of await page.locator('[data-testid="compare-diff-row"] td:first-child').allTextContents()) expect.soft(cell, 'raw parameter path').not.toMatch(RAW_KEY);
    expect.soft(await chartSeriesNames(page, 'compare-curves')).not.toMatch(RAW_KEY);
    await page.getByTestId('compare-parallel').scrollIntoViewIfNeeded();
    await shot('22-runs-compare-parallel');
    expect.soft(await pageOverflow(page)).toBe(0);
    expect.soft(app.errors).toEqual([]);
  });

  it('Predict: a built-in model names its unit and class; a file that is not a model is named as such', { timeout: 180_000 }, async () => {
    const { page } = app;
    await visit('predict');
    const model = (await api.models.list({})).find((m) => m.origin === 'builtin' && /bulk/i.test(m.name))!;
    await page.getByTestId('predict-model').selectOption(String(model.id));
    await page.getByTestId('predict-select-all').check();
    await page.getByTestId('predict-run').click();
    await page.getByTestId('predict-row').first().waitFor({ timeout: 120_000 });
    await page.waitForTimeout(1000);
    await expect.poll(() => page.getByTestId('predict-row').count(), { timeout: 120_000 }).toBe(50);
    await shot('23-predict-bulk');
    expect.soft((await page.getByTestId('predict-table').textContent()) ?? '').toMatch(/log₁₀ GPa = [\d.]+ GPa/);
    // every structure told apart (the EMT frames by their ids, not all "emt_dataset.extxyz")
    const structureCells = await page.locator('[data-testid="predict-row"] td:nth-child(2)').allTextContents();
    expect.soft(new Set(structureCells.map((t) => t.trim())).size, 'predicted structures told apart').toBe(50);
    expect.soft(await page.getByTestId('predict-model-info').textContent()).not.toContain('log(GPa)');
    const perAtom = page.getByTestId('predict-per-atom');
    await perAtom.waitFor({ timeout: 30_000 });
    expect.soft(await perAtom.textContent()).not.toContain('log(GPa)');
    expect.soft(await chartAxes(page, 'predict-per-atom-chart')).toMatch(/log₁₀ GPa/);
    await perAtom.scrollIntoViewIfNeeded();
    await shot('23b-predict-per-atom');
    // a text file named like a checkpoint
    const bogus = join(dir, 'model.pth.tar');
    writeFileSync(bogus, 'not a model\n');
    await visit('models');
    await page.getByTestId('model-import-path').fill(bogus);
    await page.getByTestId('model-import').click();
    const error = page.getByTestId('model-import-error');
    await error.waitFor({ timeout: 30_000 });
    expect.soft(await error.textContent()).toMatch(/model\.pth\.tar/);
    expect.soft(await error.textContent()).not.toMatch(/PickleError|truncated pickle/);
    await shot('24-models-bad-file');
    await modelsTableFits('1280×800, with trained models');
    expect.soft(app.errors).toEqual([]);
  });

  it('Simulate: an EMT relaxation of an alloy frame, with charts in units; the doctor report', { timeout: 240_000 }, async () => {
    const { page } = app;
    await visit('simulate');
    const alloy = (await api.structures.list({})).find((r) => r.nSites >= 4 && /Al|Cu|Ag|Au|Ni|Pd|Pt/.test(r.formula) && !/[OCNH](?![a-z])/.test(r.formula))!;
    await page.getByTestId('simulation-structure').selectOption(String(alloy.id));
    await page.getByTestId('simulation-task-relax').click();
    await shot('25-simulate');
    await page.getByTestId('simulation-start').click();
    await expect.poll(() => page.getByTestId('simulation-run').getAttribute('data-status'), { timeout: 120_000 }).toBe('finished');
    await expect.poll(async () => Number(await page.getByTestId('simulation-chart-fmax').getAttribute('data-points'))).toBeGreaterThan(1);
    expect.soft(await chartAxes(page, 'simulation-chart-fmax')).toMatch(/eV\/Å/);
    await page.waitForTimeout(500);
    await shot('25b-simulate-relaxed');
    expect.soft(await viewerToolbarClear(page), 'the viewer’s toolbar runs under its legend').toBe(true);
    await page.getByTestId('status-doctor').click();
    await page.getByTestId('doctor-panel').waitFor({ timeout: 30_000 });
    await page.getByTestId('doctor-database').waitFor({ timeout: 60_000 });
    await page.waitForTimeout(500);
    await shot('26-doctor');
    await page.getByTestId('doctor-close').click();
    expect.soft(app.errors).toEqual([]);
  });

  it('every section at 1920×1080: nothing overflows', async () => {
    const { page } = app;
    size = '1920x1080';
    await page.setViewportSize({ width: 1920, height: 1080 });
    for (const s of SECTIONS) {
      await visit(s);
      await page.waitForTimeout(500);
      await shot(`30-${s}`);
      expect.soft(await pageOverflow(page), `${s} overflows`).toBe(0);
      expect.soft(await clippedText(page), `${s}: cut-off text`).toEqual([]);
      if (s === 'models') await modelsTableFits('1920×1080');
    }
    size = '1280x800';
    await page.setViewportSize({ width: 1280, height: 800 });
    for (const s of SECTIONS) {
      await visit(s);
      await page.waitForTimeout(300);
      expect.soft(await clippedText(page), `${s}: cut-off text`).toEqual([]);
    }
    expect.soft(app.errors).toEqual([]);
  });
});

/** Every button of the models table lies inside the models panel (none cut off at its right edge). */
async function modelsTableFits(where: string): Promise<void> {
  const panel = (await app.page.getByTestId('models-list').locator('xpath=..').boundingBox())!;
  for (const button of await app.page.getByTestId('models-list').locator('button').all()) {
    const b = (await button.boundingBox())!;
    expect.soft(b.x + b.width, `${where}: “${await button.textContent()}” cut off`).toBeLessThanOrEqual(panel.x + panel.width + 0.5);
  }
}

/** The viewer's view buttons (Reset a b c) and its element legend do not overlap. */
async function viewerToolbarClear(page: Page): Promise<boolean> {
  const last = await page.getByTestId('viewer-view-c').first().boundingBox();
  const legend = await page.getByTestId('viewer-legend').first().boundingBox();
  if (!last || !legend) return true;
  return last.x + last.width <= legend.x || last.y + last.height <= legend.y || legend.y + legend.height <= last.y;
}

/** Every displayed atom's projected centre lies inside the canvas, with a margin of `margin` pixels. */
function allAtomsInView(page: Page, margin: number, testId = 'structure-canvas'): Promise<boolean> {
  return page.getByTestId(testId).evaluate((el, m) => {
    const canvas = el as HTMLCanvasElement & { crystalScene?: { project(i: number): { x: number; y: number } | null } };
    const n = Number(canvas.getAttribute('data-atom-count'));
    for (let i = 0; i < n; i++) {
      const p = canvas.crystalScene!.project(i);
      if (!p || p.x < m || p.y < m || p.x > canvas.clientWidth - m || p.y > canvas.clientHeight - m) return false;
    }
    return n > 0;
  }, margin);
}
