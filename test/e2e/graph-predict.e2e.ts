import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { appForFile, cli } from './app';
import { SHARED_DATA } from '../helpers/shared-data';
import { atomColors } from '../../src-renderer/viewer/elementStyle';

const SAMPLE = `${SHARED_DATA}/cgcnn-sample-regression`;

const { app, api } = appForFile();

beforeAll(async () => {
  const { page } = app;
  await page.getByTestId('file-input').setInputFiles([
    { name: '7206075.cif', mimeType: 'chemical/x-cif', buffer: readFileSync(`${SAMPLE}/7206075.cif`) },
    { name: '1000041.cif', mimeType: 'chemical/x-cif', buffer: readFileSync(`${SAMPLE}/1000041.cif`) },
  ]);
  await page.getByTestId('structure-item').nth(1).waitFor({ timeout: 60_000 });
});

describe('crystal graph and receptive field', () => {
  it('shows per-hop counts equal to what GraphService returns for the picked atom', async () => {
    const { page } = app;
    await page.getByTestId('structure-item').filter({ hasText: /TiO2/ }).first().click();
    await page.getByTestId('nav-graph').click();
    const canvas = page.getByTestId('graph-canvas');
    await expect.poll(async () => Number(await page.getByTestId('graph-edges').textContent().then((t) => t?.replace(/\D/g, '') || '0')), { timeout: 60_000 }).toBeGreaterThan(0);

    // Pick the atom drawn first: the scene projects it to the canvas, the test clicks there.
    const point = await canvas.evaluate((el) => {
      const scene = (el as HTMLCanvasElement & { crystalScene?: { project(i: number): { x: number; y: number } | null } }).crystalScene;
      return scene?.project(0) ?? null;
    });
    expect(point).not.toBeNull();
    await canvas.click({ position: point! });
    await expect.poll(() => canvas.getAttribute('data-rf-site')).not.toBe('');
    const site = Number(await canvas.getAttribute('data-rf-site'));

    const layers = page.getByTestId('rf-layers');
    await layers.fill('3');
    await expect.poll(() => page.getByTestId('rf-layers-value').textContent()).toBe('3');
    await expect.poll(() => page.getByTestId('rf-count-3').count(), { timeout: 60_000 }).toBe(1);

    // the settings the view shows (each control must be there: a missing one fails the test)
    const cutoff = Number(await page.getByTestId('graph-cutoff').inputValue());
    expect(cutoff).toBeGreaterThan(0);
    const noCap = await page.getByTestId('graph-no-cap').isChecked();
    const maxNeighbors = noCap ? null : Number(await page.getByTestId('graph-max-neighbors').inputValue());
    const [record] = (await api.structures.list({})).filter((r) => r.nSites === 12);
    const expected = await api.graphs.receptiveField({ structureId: record.id, cutoff, maxNeighbors, site, layers: 3 });
    const shown: number[] = [];
    for (let t = 0; t <= 3; t++) shown.push(Number((await page.getByTestId(`rf-count-${t}`).textContent())?.replace(/[^\d]/g, '')));
    expect(shown).toEqual(expected.countsPerHop);
    expect(shown[0]).toBe(1);
    await app.screenshot('receptive-field');

    // at T = 6 the view refits to the whole field (its nodes first in the scene: all inside the canvas)
    const fieldInView = () =>
      canvas.evaluate((el) => {
        const c = el as HTMLCanvasElement & { crystalScene?: { project(i: number): { x: number; y: number } | null } };
        const n = Number(c.getAttribute('data-atom-count'));
        for (let i = 0; i < n; i++) {
          const p = c.crystalScene!.project(i);
          if (!p || p.x < 0 || p.y < 0 || p.x > c.clientWidth || p.y > c.clientHeight) return false;
        }
        return n > 0;
      });
    await layers.fill('6');
    await expect.poll(() => page.getByTestId('rf-count-6').count(), { timeout: 60_000 }).toBe(1);
    await expect.poll(fieldInView, { timeout: 60_000 }).toBe(true);
    // ... and every atom of the field keeps its element's colour (Ti or O), not a hop colour or the faded grey
    const fieldColors = await canvas.evaluate((el) => {
      const c = el as HTMLCanvasElement & { crystalScene?: { atomColor(i: number): [number, number, number] | null } };
      const n = Number(c.getAttribute('data-atom-count'));
      return Array.from({ length: n }, (_, i) => c.crystalScene!.atomColor(i));
    });
    const element = (z: number) => Array.from(atomColors([z]));
    const named = fieldColors.map((c) => (['Ti', 'O'] as const).find((_, k) => c && c.every((v, d) => Math.abs(v - element([22, 8][k])[d]) < 1e-6)) ?? 'other');
    expect(named.length).toBeGreaterThan(100);
    expect(named.filter((x) => x === 'other')).toEqual([]);
    expect(named.filter((x) => x === 'Ti').length).toBeGreaterThan(0);
    expect(named.filter((x) => x === 'O').length).toBeGreaterThan(named.filter((x) => x === 'Ti').length);
    await app.screenshot('receptive-field-t6');
  });

  it('says where the graph is not the structure, as `latticework graph` does (a perovskite shell the 12-neighbour cap splits)', async () => {
    const { page } = app;
    const cif = ['data_SrTiO3', ...['a', 'b', 'c'].map((x) => `_cell_length_${x} 3.905`), ...['alpha', 'beta', 'gamma'].map((x) => `_cell_angle_${x} 90`)]
      .concat(["_symmetry_space_group_name_H-M 'P 1'", 'loop_', '_atom_site_label', '_atom_site_fract_x', '_atom_site_fract_y', '_atom_site_fract_z'])
      .concat(['Sr1 0 0 0', 'Ti1 0.5 0.5 0.5', 'O1 0.5 0 0.5', 'O2 0 0.5 0.5', 'O3 0.5 0.5 0', ''])
      .join('\n');
    const dir = mkdtempSync(join(tmpdir(), 'lw-e2e-graph-'));
    writeFileSync(join(dir, 'SrTiO3.cif'), cif);
    await page.getByTestId('nav-structures').click();
    await page.getByTestId('file-input').setInputFiles([{ name: 'SrTiO3.cif', mimeType: 'chemical/x-cif', buffer: Buffer.from(cif) }]);
    await page.getByTestId('structure-item').filter({ hasText: /SrTiO3/ }).first().click();
    await page.getByTestId('nav-graph').click();
    const [expected] = cli(['graph', join(dir, 'SrTiO3.cif')]) as { warnings: string[] }[];
    expect(expected.warnings).toHaveLength(1);
    const shown = page.getByTestId('graph-warnings').locator('li');
    await expect.poll(() => shown.allInnerTexts(), { timeout: 60_000 }).toEqual(expected.warnings.map((w) => `⚠ ${w}`));
    await app.screenshot('graph-warnings');
    // no cap, no cut, no warning
    await page.getByTestId('graph-no-cap').check();
    await expect.poll(() => page.getByTestId('graph-warnings').count(), { timeout: 60_000 }).toBe(0);
    await page.getByTestId('graph-no-cap').uncheck();
  });

  it('keeps a max neighbours value typed while the graph updates, and commits it on Enter; a cap the service does not take says why', async () => {
    const { page } = app;
    const ethanol = ['9', 'Properties=species:S:1:pos:R:3 pbc="F F F"']
      .concat(['C 1.168181 -0.400382 0', 'C 0 0.559462 0', 'O -1.190083 -0.227669 0', 'H -1.946623 0.381525 0', 'H 0.042557 1.207508 0.886933'])
      .concat(['H 0.042557 1.207508 -0.886933', 'H 2.115891 0.1448 0', 'H 1.128599 -1.037234 0.885881', 'H 1.128599 -1.037234 -0.885881', ''])
      .join('\n');
    await page.getByTestId('nav-structures').click();
    await page.getByTestId('file-input').setInputFiles([{ name: 'ethanol.xyz', mimeType: 'chemical/x-xyz', buffer: Buffer.from(ethanol) }]);
    await page.locator('[data-testid="structure-item"][data-file="ethanol.xyz"]').first().click({ timeout: 60_000 });
    await page.getByTestId('nav-graph').click();
    const edges = () => page.getByTestId('graph-edges').textContent();
    await expect.poll(edges, { timeout: 60_000 }).toMatch(/\d/);
    const id = (await api.structures.list({})).find((r) => r.file === 'ethanol.xyz')!.id;
    const [uncapped, capped] = await Promise.all([12, 4].map((k) => api.graphs.build({ structureId: id, cutoff: 3, maxNeighbors: k })));
    expect([uncapped.nEdges, capped.nEdges]).toEqual([58, 36]); // ASE's neighbor_list at 3 Å, all and the 4 nearest

    // 4 typed (not yet committed: the field keeps the focus), then the cutoff moves, as just after a slider move:
    // the panel renders again and the graph updates under the typing
    const field = page.getByTestId('graph-max-neighbors');
    await field.fill('4');
    await page.getByTestId('graph-cutoff').evaluate((el) => {
      (el as HTMLInputElement).value = '3';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await expect.poll(edges, { timeout: 60_000 }).toBe('58');
    expect(await field.inputValue()).toBe('4');
    await field.press('Enter');
    await expect.poll(edges, { timeout: 60_000 }).toBe('36');

    await field.fill('1001');
    await field.press('Enter');
    await expect
      .poll(() => page.getByTestId('graph-max-neighbors-error').textContent())
      .toBe('max neighbours: at most 1000 here (the largest cap the graph service takes; for every neighbour within the cutoff, tick No cap)');
    expect(await field.inputValue()).toBe('1001');
    expect(await edges()).toBe('36');
  });

  it('refuses, in the Graph panel, a graph with more edges than it draws (no cap, 4,000 atoms within 12 Å)', async () => {
    const { page } = app;
    const a = 3.61;
    const rows: string[] = [];
    for (let i = 0; i < 10; i++) for (let j = 0; j < 10; j++) for (let k = 0; k < 10; k++) {
      for (const [x, y, z] of [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]]) rows.push(`Cu ${(i + x) * a} ${(j + y) * a} ${(k + z) * a}`);
    }
    const text = `4000\nLattice="${10 * a} 0 0 0 ${10 * a} 0 0 0 ${10 * a}" Properties=species:S:1:pos:R:3 pbc="T T T"\n${rows.join('\n')}\n`;
    await page.getByTestId('nav-structures').click();
    await page.getByTestId('file-input').setInputFiles([{ name: 'cu4000.extxyz', mimeType: 'chemical/x-xyz', buffer: Buffer.from(text) }]);
    await page.locator('[data-testid="structure-item"][data-file="cu4000.extxyz"]').first().click({ timeout: 60_000 });
    await page.getByTestId('nav-graph').click();
    await page.getByTestId('graph-no-cap').check();
    await page.getByTestId('graph-cutoff').fill('12');
    await expect
      .poll(() => page.getByTestId('graph-error').textContent(), { timeout: 60_000 })
      .toBe('4,000 atoms within 12 Å make about 2,500,000 edges, more than the Graph view draws (2,000,000): lower the cutoff or cap the neighbours');
    await page.getByTestId('graph-no-cap').uncheck();
    await expect.poll(() => page.getByTestId('graph-error').count(), { timeout: 60_000 }).toBe(0);
  });
});

describe('prediction', () => {
  it('shows the same formation energy as `latticework predict` for the same file and model', async () => {
    const { page } = app;
    await page.getByTestId('nav-predict').click();
    const models = await api.models.list({});
    const model = models.find((m) => m.origin === 'builtin' && /formation/i.test(m.name));
    expect(model, 'the built-in CGCNN formation-energy model').toBeDefined();
    await page.getByTestId('predict-model').selectOption(String(model!.id));
    const nacl = (await api.structures.list({})).find((r) => r.nSites === 8)!;
    await page.locator(`[data-testid="predict-structure"][data-id="${nacl.id}"] input[type="checkbox"]`).check();
    await page.getByTestId('predict-run').click();
    const value = page.locator(`[data-testid="predict-row"][data-structure-id="${nacl.id}"] [data-testid="predict-value"]`);
    await value.waitFor({ timeout: 60_000 }).catch(async (err: Error) => {
      throw new Error(`${err.message}\n--- the Predict view showed:\n${await page.getByTestId('view-predict').innerText()}`);
    });
    const shown = Number(await value.textContent());

    // The command line, on the app's own database, with the same built-in model by name.
    const rows = cli(['predict', '--db', app.databasePath, '--model', 'formation-energy-per-atom', `${SAMPLE}/1000041.cif`]) as { prediction: number; model: string }[];
    expect(rows[0].model).toBe(model!.name);
    expect(rows).toHaveLength(1);
    expect(Math.abs(shown - rows[0].prediction)).toBeLessThan(5e-6);
    // the per-atom heading keeps the formula's and the file's case (uppercase would say NACL · 1000041.CIF)
    await page.locator(`[data-testid="predict-row"][data-structure-id="${nacl.id}"]`).click();
    const heading = page.getByTestId('predict-per-atom').locator('h3').first();
    await expect.poll(() => heading.innerText()).toMatch(/ — NaCl · 1000041\.cif$/);
    await app.screenshot('prediction');
    expect(app.errors).toEqual([]);
  });

  it('names each file it could not read, with its problem, in the Predict view where it was opened', async () => {
    const { page } = app;
    await page.getByTestId('nav-predict').click();
    const malformed = readFileSync(`${SAMPLE}/1000041.cif`, 'utf8').replace(/^_cell_length_b\s.*$/m, '_cell_length_b abc');
    await page.getByTestId('predict-files').setInputFiles([
      { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('not a structure\n') },
      { name: 'malformed.cif', mimeType: 'chemical/x-cif', buffer: Buffer.from(malformed) },
    ]);
    const view = page.getByTestId('view-predict');
    await expect.poll(() => view.getByTestId('structure-error').count(), { timeout: 60_000 }).toBe(2);
    expect(await view.getByTestId('structure-failures').textContent()).toMatch(/^2 files could not be read/);
    const problem = async (file: string) => (await view.locator(`[data-testid="structure-error"][data-file="${file}"]`).innerText()).replace(/\s+/g, ' ').trim();
    expect(await problem('notes.txt')).toMatch(/^notes\.txt cannot tell the format of this file/);
    expect(await problem('malformed.cif')).toMatch(/^malformed\.cif line \d+: .*_cell_length_b/);
    // in words, without the readers' class names
    expect(await view.getByTestId('structure-failures').textContent()).not.toMatch(/StructureParseError|Error:/);
    await view.getByTestId('structure-failures-dismiss').click();
    expect(await view.getByTestId('structure-failures').count()).toBe(0);
  });

  it('names a structure the model cannot predict by its formula and file, not by its database id alone', async () => {
    const { page } = app;
    await page.getByTestId('nav-predict').click();
    const models = await api.models.list({});
    await page.getByTestId('predict-model').selectOption(String(models.find((m) => m.origin === 'builtin' && /formation/i.test(m.name))!.id));
    // oganesson (Z = 118) has no row in CGCNN's atom_init table
    const cif = ['data_og', '_cell_length_a 4', '_cell_length_b 4', '_cell_length_c 4', '_cell_angle_alpha 90', '_cell_angle_beta 90', '_cell_angle_gamma 90', 'loop_', '_atom_site_type_symbol', '_atom_site_fract_x', '_atom_site_fract_y', '_atom_site_fract_z', 'Og 0 0 0', 'Na 0.5 0.5 0.5', ''].join('\n');
    await page.getByTestId('predict-files').setInputFiles([{ name: 'og.cif', mimeType: 'chemical/x-cif', buffer: Buffer.from(cif) }]);
    const stored = async () => (await api.structures.list({})).find((r) => r.file.endsWith('og.cif'));
    await expect.poll(stored, { timeout: 60_000 }).toBeDefined();
    const og = (await stored())!;
    await expect.poll(() => page.locator(`[data-testid="predict-structure"][data-id="${og.id}"] input[type="checkbox"]`).isChecked()).toBe(true);
    await page.getByTestId('predict-run').click();
    const failed = page.getByTestId('predict-failed');
    await failed.waitFor({ timeout: 60_000 });
    expect((await failed.innerText()).trim()).toBe(`${og.formula} · og.cif (#${og.id}): atom_init: no embedding for atomic number 118`);
  });
});
