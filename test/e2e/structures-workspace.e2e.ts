/**
 * Issue 17 in the Structures and Datasets sections: space groups and chemists' formulas where a
 * crystallographer looks, other cells as actions, structures named by their dataset id and grouped,
 * links that open on a fresh load, and deletions that say what happened.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { emtFramesText, shared, SHARED_DATA } from '../helpers/shared-data';
import { appForFile, waitUntilConnected } from './app';
import { chartPoints } from './charts';

const SAMPLE = `${SHARED_DATA}/cgcnn-sample-regression`;
const cif = (id: string) => ({ name: `${id}.cif`, mimeType: 'chemical/x-cif', buffer: readFileSync(`${SAMPLE}/${id}.cif`) });

const { app, api } = appForFile();

describe('structures as a crystallographer reads them', () => {
  it('shows the chemist’s formula, the cell formula and the space group in the list and the header', async () => {
    const { page } = app;
    await page.getByTestId('file-input').setInputFiles([cif('1000050'), cif('1507756')]);
    const kcl = page.getByTestId('structure-item').filter({ hasText: 'KCl' });
    await kcl.waitFor({ timeout: 60_000 });
    expect(await kcl.getByTestId('structure-item-spacegroup').textContent()).toBe('Pm-3m');
    expect(await kcl.textContent()).toMatch(/2 sites/);
    await page.getByTestId('structure-item').filter({ hasText: 'BaTiO3' }).click();
    const header = page.getByTestId('structure-header');
    await expect.poll(() => header.getByTestId('structure-formula').textContent()).toBe('BaTiO3');
    expect(await header.getByTestId('structure-spacegroup').getAttribute('data-number')).toBe('99');
    expect(await header.getByTestId('structure-spacegroup').textContent()).toMatch(/P4mm \(99\) · tetragonal/);
    expect(await header.textContent()).toMatch(/5 sites/);
    // A looser tolerance: the tetragonal distortion is within 0.2 Å, the cell reads as cubic.
    await header.getByTestId('structure-symprec').fill('0.2');
    await header.getByTestId('structure-symprec').dispatchEvent('change');
    await expect.poll(() => header.getByTestId('structure-spacegroup').getAttribute('data-number')).toBe('221');

    // the keyboard moves through the list as drawn: ↑/↓ (Home, End) choose and focus the next option
    const items = page.getByTestId('structure-item');
    const formulas = (await items.allTextContents()).map((t) => (t.includes('KCl') ? 'KCl' : 'BaTiO3'));
    const selectedFormula = () => header.getByTestId('structure-formula').textContent();
    await items.nth(0).focus();
    await page.keyboard.press('ArrowDown');
    await expect.poll(selectedFormula).toBe(formulas[1]);
    expect(await items.nth(1).evaluate((el) => el === document.activeElement)).toBe(true);
    await page.keyboard.press('Home');
    await expect.poll(selectedFormula).toBe(formulas[0]);
    await page.keyboard.press('ArrowUp'); // the first already: stays
    await page.keyboard.press('End');
    await expect.poll(selectedFormula).toBe(formulas[1]);
    expect(await items.nth(1).getAttribute('aria-selected')).toBe('true');
  });

  it('adds the primitive cell as a new structure and keeps the original', async () => {
    const { page } = app;
    await page.getByTestId('file-input').setInputFiles([cif('1000041')]);
    const nacl = page.getByTestId('structure-item').filter({ hasText: 'NaCl' });
    await nacl.first().waitFor({ timeout: 60_000 });
    await nacl.first().click();
    const header = page.getByTestId('structure-header');
    await expect.poll(() => header.getByTestId('structure-cell-formula').textContent()).toMatch(/Na4Cl4/);
    const before = await page.getByTestId('structure-item').count();
    await header.getByTestId('structure-primitive').click();
    await expect.poll(() => page.getByTestId('structure-item').count()).toBe(before + 1);
    await expect.poll(() => header.textContent()).toMatch(/primitive cell/);
    expect(await header.textContent()).toMatch(/2 sites/);
    expect(await header.getByTestId('structure-spacegroup').getAttribute('data-number')).toBe('225');
    expect(await page.getByTestId('structure-item').filter({ hasText: '8 sites' }).filter({ hasText: 'NaCl' }).count()).toBe(1);
    expect(app.errors).toEqual([]);
  });
});

describe('a new cell under way', () => {
  it('says what it does with a Cancel, and a cancel stops it in the core and says it was cancelled, nothing added', async () => {
    const { page } = app;
    // fcc Cu 8×8×8 less one atom: no pure translation, so every search of its group is moyo's own on 2,047 sites (seconds)
    const a = 3.615;
    const lines: string[] = [];
    for (let i = 0; i < 8; i++)
      for (let j = 0; j < 8; j++)
        for (let k = 0; k < 8; k++)
          for (const [x, y, z] of [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]]) lines.push(`Cu ${((i + x) * a).toFixed(5)} ${((j + y) * a).toFixed(5)} ${((k + z) * a).toFixed(5)}`);
    const text = `2047\nLattice="${8 * a} 0 0 0 ${8 * a} 0 0 0 ${8 * a}" Properties=species:S:1:pos:R:3 pbc="T T T"\n${lines.slice(1).join('\n')}\n`;
    await page.getByTestId('file-input').setInputFiles([{ name: 'cu-vacancy.xyz', mimeType: 'chemical/x-xyz', buffer: Buffer.from(text) }]);
    const item = page.getByTestId('structure-item').filter({ hasText: '2,047 sites' });
    await item.waitFor({ timeout: 120_000 });
    await item.click();
    const header = page.getByTestId('structure-header');
    await expect.poll(() => header.getByTestId('structure-spacegroup').getAttribute('data-number'), { timeout: 30_000 }).toBe('221');
    const before = await page.getByTestId('structure-item').count();
    await header.getByTestId('structure-primitive').click();
    await expect.poll(() => header.getByTestId('structure-working').textContent()).toMatch(/making the primitive cell/);
    expect(await header.getByTestId('structure-conventional').isDisabled()).toBe(true);
    await header.getByTestId('structure-work-cancel').click();
    await expect.poll(() => header.getByTestId('structure-action-error').textContent(), { timeout: 15_000 }).toMatch(/^the primitive cell of structure \d+ was cancelled: nothing stored$/);
    expect(await header.getByTestId('structure-working').count()).toBe(0);
    expect(await header.getByTestId('structure-conventional').isDisabled()).toBe(false);
    expect(await page.getByTestId('structure-item').count()).toBe(before);
  }, 240_000);
});

/** Every displayed atom's projected centre lies inside the canvas, with a margin of `margin` pixels. */
/** Moves the viewer's radius slider as a drag does (an input event): the view redraws and its panel renders again. */
async function setRadius(value: string): Promise<void> {
  await app.page.getByTestId('viewer-radius').evaluate((el, v) => {
    (el as HTMLInputElement).value = v;
    el.dispatchEvent(new Event('input', { bubbles: true }));
  }, value);
  await expect.poll(() => app.page.getByTestId('viewer-radius-value').textContent()).toBe(Number(value).toFixed(2));
}

async function allAtomsInView(margin: number): Promise<boolean> {
  return app.page.getByTestId('structure-canvas').evaluate((el, m) => {
    const canvas = el as HTMLCanvasElement & { crystalScene?: { project(i: number): { x: number; y: number } | null } };
    const n = Number(canvas.getAttribute('data-atom-count'));
    const w = canvas.clientWidth;
    const h = canvas.clientHeight;
    for (let i = 0; i < n; i++) {
      const p = canvas.crystalScene!.project(i);
      if (!p || p.x < m || p.y < m || p.x > w - m || p.y > h - m) return false;
    }
    return n > 0;
  }, margin);
}

describe('a viewer that looks right by default', () => {
  it('draws BaTiO3 as TiO6 octahedra: no Ba–O or metal–metal bonds, no bonds leaving the cell; rules editable', async () => {
    const { page } = app;
    await page.getByTestId('nav-structures').click();
    await page.getByTestId('structure-item').filter({ hasText: 'BaTiO3' }).first().click();
    const canvas = page.getByTestId('structure-canvas');
    await expect.poll(() => canvas.getAttribute('data-bond-count'), { timeout: 60_000 }).toBe('6');
    expect(await page.getByTestId('viewer-stubs').isChecked()).toBe(false);
    await page.getByTestId('viewer-bond-rules').locator('summary').click();
    await page.getByTestId('viewer-bond-on-O-Ba').check();
    await expect.poll(() => canvas.getAttribute('data-bond-count')).toBe('18');
    await page.getByTestId('viewer-bond-on-O-Ba').uncheck();
    await expect.poll(() => canvas.getAttribute('data-bond-count')).toBe('6');
    // a Ti–O length typed is kept while the view redraws, and Enter applies it (no Ti–O bond is 1 Å or shorter); empty is automatic again
    const tiO = page.getByTestId('viewer-bond-max-O-Ti');
    await tiO.fill('1');
    await setRadius('0.6');
    expect(await tiO.inputValue()).toBe('1');
    await tiO.press('Enter');
    await expect.poll(() => canvas.getAttribute('data-bond-count')).toBe('0');
    await tiO.fill('');
    await tiO.press('Enter');
    await expect.poll(() => canvas.getAttribute('data-bond-count')).toBe('6');
    await setRadius('0.5');
    expect(await allAtomsInView(4)).toBe(true);
  });

  it('draws TiO6 coordination polyhedra in BaTiO3 on request, following the bond rules', async () => {
    const { page } = app;
    const canvas = page.getByTestId('structure-canvas');
    const drawn = () =>
      canvas.evaluate((el) => (el as HTMLCanvasElement & { crystalScene?: { polyhedronCounts(): { triangles: number; edges: number } } }).crystalScene!.polyhedronCounts());
    expect(await canvas.getAttribute('data-polyhedron-count')).toBe('');
    expect(await drawn()).toEqual({ triangles: 0, edges: 0 });
    await page.getByTestId('viewer-polyhedra').check();
    await expect.poll(() => canvas.getAttribute('data-polyhedron-count')).toBe('1');
    // One octahedron: 8 triangular faces, 12 edges.
    expect(await drawn()).toEqual({ triangles: 8, edges: 12 });
    expect((await page.getByTestId('viewer-polyhedron-count').textContent())?.trim()).toBe('1 polyhedron');
    await app.screenshot('viewer-batio3-polyhedra');
    if (!(await page.getByTestId('viewer-bond-on-O-Ti').isVisible())) await page.getByTestId('viewer-bond-rules').locator('summary').click();
    await page.getByTestId('viewer-bond-on-O-Ti').uncheck();
    await expect.poll(() => canvas.getAttribute('data-polyhedron-count')).toBe('0');
    expect(await drawn()).toEqual({ triangles: 0, edges: 0 });
    expect(await page.getByTestId('viewer-polyhedron-count').textContent()).toMatch(/no polyhedra/);
    await page.getByTestId('viewer-bond-on-O-Ti').check();
    await expect.poll(() => canvas.getAttribute('data-polyhedron-count')).toBe('1');
    await page.getByTestId('viewer-polyhedra').uncheck();
    await expect.poll(() => canvas.getAttribute('data-polyhedron-count')).toBe('');
    expect(await drawn()).toEqual({ triangles: 0, edges: 0 });
  });

  it('labels atoms by element, or by element and site index, on request', async () => {
    const { page } = app;
    const canvas = page.getByTestId('structure-canvas');
    const texts = () => canvas.evaluate((el) => (el as HTMLCanvasElement & { crystalScene?: { labelTexts(): string[] } }).crystalScene!.labelTexts());
    const atoms = Number(await canvas.getAttribute('data-atom-count'));
    expect(await texts()).toEqual([]);
    await page.getByTestId('viewer-labels').selectOption('element');
    await expect.poll(() => canvas.getAttribute('data-label-count')).toBe(String(atoms));
    const elements = await texts();
    expect(elements).toHaveLength(atoms);
    expect(new Set(elements)).toEqual(new Set(['Ba', 'Ti', 'O']));
    expect(elements.filter((t) => t === 'Ti')).toHaveLength(1);
    await app.screenshot('viewer-batio3-labels');
    await page.getByTestId('viewer-labels').selectOption('site');
    await expect.poll(async () => new Set(await texts())).toEqual(new Set(['Ba0', 'Ti1', 'O2', 'O3', 'O4']));
    await page.getByTestId('viewer-labels').selectOption('none');
    await expect.poll(() => canvas.getAttribute('data-label-count')).toBe('0');
    expect(await texts()).toEqual([]);
  });

  it('refuses a supercell it cannot draw with a message, and refits the camera to a new supercell', async () => {
    const { page } = app;
    const canvas = page.getByTestId('structure-canvas');
    const atoms = await canvas.getAttribute('data-atom-count');
    const a = page.getByTestId('viewer-supercell-a');
    await a.fill('2.5');
    await a.dispatchEvent('change');
    await expect.poll(() => page.getByTestId('viewer-supercell-error').textContent()).toMatch(/2\.5 is not a whole number/);
    expect(await canvas.getAttribute('data-atom-count')).toBe(atoms);
    await a.fill('4');
    await a.dispatchEvent('change');
    await expect.poll(() => canvas.getAttribute('data-atom-count')).not.toBe(atoms);
    expect(await page.getByTestId('viewer-supercell-error').count()).toBe(0);
    // 4 typed along b (not yet committed: the field keeps the focus) while the view redraws (the radius slider moved):
    // the panel renders again under the typing, and Enter applies what was typed (it went back to 1)
    const b = page.getByTestId('viewer-supercell-b');
    const fourAlongA = await canvas.getAttribute('data-atom-count');
    await b.fill('4');
    await setRadius('0.7');
    expect(await b.inputValue()).toBe('4');
    await b.press('Enter');
    await expect.poll(() => canvas.getAttribute('data-atom-count')).not.toBe(fourAlongA);
    await setRadius('0.5');
    await page.getByTestId('viewer-supercell-c').fill('4');
    await page.getByTestId('viewer-supercell-c').dispatchEvent('change');
    await expect.poll(() => allAtomsInView(4), { timeout: 60_000 }).toBe(true);
    await app.screenshot('viewer-batio3-supercell');
    for (const k of ['a', 'b', 'c']) {
      await page.getByTestId(`viewer-supercell-${k}`).fill('1');
      await page.getByTestId(`viewer-supercell-${k}`).dispatchEvent('change');
    }
  });
});

/** Width and height of a PNG (its IHDR chunk). */
function pngSize(bytes: Buffer): { width: number; height: number } {
  expect(bytes.subarray(1, 4).toString('latin1')).toBe('PNG');
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

describe('images for a paper', () => {
  it('exports the view as PNG at 2× and 4× the screen resolution, with the element legend drawn in', async () => {
    const { page } = app;
    await page.getByTestId('nav-structures').click();
    await page.getByTestId('file-input').setInputFiles([cif('1507756')]); // stored once: a no-op when already there
    await page.getByTestId('structure-item').filter({ hasText: 'BaTiO3' }).first().click();
    const canvas = page.getByTestId('structure-canvas');
    await expect.poll(() => canvas.getAttribute('data-bond-count'), { timeout: 60_000 }).toBe('6');
    const css = await canvas.evaluate((c) => ({ w: c.clientWidth, h: c.clientHeight }));
    const colours = await page.getByTestId('viewer-legend').locator('.dot').evaluateAll((dots) => dots.map((d) => getComputedStyle(d).backgroundColor));
    expect(colours).toHaveLength(3);
    for (const scale of [2, 4]) {
      await page.getByTestId('viewer-export-scale').selectOption(String(scale));
      const download = page.waitForEvent('download');
      await page.getByTestId('viewer-export').click();
      const file = await download;
      expect(file.suggestedFilename()).toMatch(new RegExp(`@${scale}x\\.png$`));
      const bytes = readFileSync((await file.path())!);
      expect(pngSize(bytes)).toEqual({ width: css.w * scale, height: css.h * scale });
      // the legend's dots: flat discs of each element colour in a band at the top right
      const counts = await page.evaluate(
        async ({ b64, scale, colours }) => {
          const raw = Uint8Array.from(atob(b64), (ch) => ch.charCodeAt(0));
          const img = await createImageBitmap(new Blob([raw], { type: 'image/png' }));
          const c = new OffscreenCanvas(img.width, img.height);
          const ctx = c.getContext('2d')!;
          ctx.drawImage(img, 0, 0);
          const x0 = Math.floor(img.width * 0.5);
          const band = ctx.getImageData(x0, 0, img.width - x0, 40 * scale).data;
          const rgb = colours.map((s) => s.match(/\d+/g)!.map(Number));
          return rgb.map(([r, g, b]) => {
            let n = 0;
            for (let i = 0; i < band.length; i += 4) if (Math.abs(band[i] - r) <= 2 && Math.abs(band[i + 1] - g) <= 2 && Math.abs(band[i + 2] - b) <= 2) n++;
            return n;
          });
        },
        { b64: bytes.toString('base64'), scale, colours },
      );
      // a dot of radius 5 px × scale covers about 78·scale² pixels
      for (const n of counts) expect(n).toBeGreaterThan(40 * scale * scale);
    }
    // 1×, without the legend: the size of the view on screen
    await page.getByTestId('viewer-export-legend').uncheck();
    await page.getByTestId('viewer-export-scale').selectOption('1');
    const download = page.waitForEvent('download');
    await page.getByTestId('viewer-export').click();
    expect(pngSize(readFileSync((await (await download).path())!))).toEqual({ width: css.w, height: css.h });
    await page.getByTestId('viewer-export-legend').check();
    expect(app.errors).toEqual([]);
  });
});

describe('bugs a new user hit', () => {
  it('bug 4: #/structures?id=N opens that structure on a fresh load', async () => {
    const { page } = app;
    const kcl = (await api.structures.list({})).find((r) => r.formula === 'KCl')!;
    await page.goto(`${app.url.replace(/[?#].*$/, '')}#/structures?id=${kcl.id}`);
    await waitUntilConnected(page);
    await expect.poll(() => page.getByTestId('structure-header').getByTestId('structure-formula').textContent(), { timeout: 60_000 }).toBe('KCl');
    const canvas = page.getByTestId('structure-canvas');
    await expect.poll(() => canvas.getAttribute('data-atom-count'), { timeout: 60_000 }).not.toBe('0');
    expect(Number(await canvas.getAttribute('data-atom-count'))).toBeGreaterThanOrEqual(2);
    // And a click in the list writes the id back, so the address can be bookmarked.
    await page.getByTestId('structure-item').filter({ hasText: 'BaTiO3' }).click();
    const batio3 = (await api.structures.list({})).find((r) => r.formula === 'BaTiO3')!;
    await expect.poll(() => page.url()).toMatch(new RegExp(`id=${batio3.id}$`));
  });

  it('bug 7: extended-XYZ frames and CGCNN CIFs are named by their ids, grouped by dataset, searchable', async () => {
    const { page } = app;
    await api.datasets.import({ kind: 'extxyz', name: 'EMT frames', files: [{ name: 'emt_dataset.extxyz', text: emtFramesText(30) }] });
    const emtCifs = ['emt-00000', 'emt-00001', 'emt-00002'].map((id) => ({ name: `cg/${id}.cif`, text: readFileSync(shared('emt-dev', 'cgcnn', `${id}.cif`), 'utf8') }));
    const idProp = readFileSync(shared('emt-dev', 'cgcnn', 'id_prop.csv'), 'utf8').split('\n').slice(0, 3).join('\n');
    await api.datasets.import({ kind: 'cgcnn-folder', name: 'EMT CIFs', files: [...emtCifs, { name: 'cg/id_prop.csv', text: idProp }] });
    await page.getByTestId('nav-structures').click();
    const group = page.locator('[data-testid="structure-group"]').filter({ hasText: 'Dataset: EMT frames' });
    await group.waitFor({ timeout: 60_000 });
    // Dataset groups start closed: the opened files stay in view.
    expect(await group.getByTestId('structure-item').count()).toBe(0);
    expect(await group.textContent()).toMatch(/30 structures/);
    await group.getByTestId('structure-group-toggle').click();
    const labels = await group.getByTestId('structure-item-label').allTextContents();
    expect(labels).toHaveLength(30);
    expect(new Set(labels).size).toBe(30);
    expect(labels[0]).toMatch(/emt-00000 · emt_dataset\.extxyz · frame 0/);
    expect(labels[29]).toMatch(/frame 29/);
    const cifGroup = page.locator('[data-testid="structure-group"]').filter({ hasText: 'Dataset: EMT CIFs' });
    await cifGroup.getByTestId('structure-group-toggle').click();
    const cifLabels = await cifGroup.getByTestId('structure-item-label').allTextContents();
    expect(cifLabels.join(' ')).not.toMatch(/image0/);
    expect(cifLabels.some((l) => /^emt-00001\.cif$/.test(l.trim()))).toBe(true);
    // Search across every group.
    await page.getByTestId('structure-search').fill('emt-00002');
    await expect.poll(() => page.getByTestId('structure-item').count()).toBeGreaterThanOrEqual(1);
    for (const l of await page.getByTestId('structure-item-label').allTextContents()) expect(l).toMatch(/emt-00002/);
    await page.getByTestId('structure-search').fill('');
  });

  it('bug 2: deleting a structure of a dataset says why it was not deleted', async () => {
    const { page } = app;
    const member = (await api.structures.list({})).find((r) => r.datasets.some((d) => d.name === 'EMT CIFs'))!;
    await page.goto(`${app.url.replace(/[?#].*$/, '')}#/structures?id=${member.id}`);
    await waitUntilConnected(page);
    const header = page.getByTestId('structure-header');
    await expect.poll(() => header.textContent(), { timeout: 60_000 }).toMatch(/emt-0000/);
    await header.getByTestId('structure-delete').click();
    await header.getByTestId('structure-delete').click();
    const error = header.getByTestId('structure-action-error');
    await error.waitFor({ timeout: 60_000 });
    expect(await error.textContent()).toMatch(/Not deleted: .*belongs to the dataset EMT CIFs.*delete it first/);
    expect((await api.structures.list({})).some((r) => r.id === member.id)).toBe(true);
    expect(app.errors.filter((e) => !/UserError|belongs to the dataset/.test(e))).toEqual([]);
  });

  it('bug 3: deleting a dataset names the runs trained on it and deletes them with it, or keeps both', async () => {
    const { page } = app;
    const ds = (await api.datasets.list({})).find((d) => d.name === 'EMT CIFs')!;
    const preset = (await api.models.presets({})).find((p) => p.id === 'cgcnn-paper')!;
    const config = { ...preset.config, training: { ...(preset.config.training as object), epochs: 1, batchSize: 2 } };
    const run = await api.training.start({ datasetId: ds.id, config, name: 'on-emt-cifs' });
    await expect.poll(async () => (await api.runs.list({ includeArchived: true })).find((r) => r.id === run.id)?.status, { timeout: 120_000 }).toMatch(/finished|failed/);
    await page.getByTestId('nav-datasets').click();
    await page.getByTestId('dataset-item').filter({ hasText: 'EMT CIFs' }).click();
    let question = '';
    page.once('dialog', (d) => {
      question = d.message();
      void d.dismiss();
    });
    await page.getByTestId('dataset-delete').click();
    await expect.poll(() => question).toMatch(/and the run trained on it \(“on-emt-cifs”\).*could no longer be resumed or reproduced/);
    expect((await api.datasets.list({})).some((d) => d.id === ds.id)).toBe(true);
    page.once('dialog', (d) => void d.accept());
    await page.getByTestId('dataset-delete').click();
    await expect.poll(async () => (await api.datasets.list({})).some((d) => d.id === ds.id)).toBe(false);
    expect((await api.runs.list({ includeArchived: true })).some((r) => r.id === run.id)).toBe(false);
  });

  it('shows the space-group histogram in the dataset report', async () => {
    const { page } = app;
    await page.getByTestId('dataset-item').filter({ hasText: 'EMT frames' }).click();
    await expect.poll(() => chartPoints(page, 'dataset-spacegroups'), { timeout: 60_000 }).toBe(30);
    await app.screenshot('dataset-spacegroups');
  });
});
