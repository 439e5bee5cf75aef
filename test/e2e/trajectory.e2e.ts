/**
 * Trajectories in the real UI: drop an XDATCAR and a gzipped vasprun.xml, each becomes one item;
 * scrubbing the frame slider moves the viewer and the energy chart's current-frame marker with it,
 * a click on the chart jumps to a frame, and the frames export as extended XYZ and POSCAR. A folder
 * of labelled frames imports as a dataset from the import dialog, with the label keys and the frame
 * selection chosen there; a truncated file in it is reported and the others kept. An ASE MD run's
 * .traj, dropped, goes on in Simulate from the frame shown, from that frame's velocities.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { readFrames, readStructures, writeFramesExtxyz } from '../../src-shared/chem';
import { KB } from '../../src-shared/sim/units';
import { shared } from '../helpers/shared-data';
import { aseMdTrajectory } from '../helpers/ase-md';
import { appForFile, ROOT } from './app';
import { atomCentres, turnView, type Point } from './canvas';

const VASP = `${ROOT}test/fixtures/vasp/`;
const golden = JSON.parse(readFileSync(`${VASP}golden.json`, 'utf8')) as { files: { file: string; frames: number; energy: number[] }[] };
const RELAX = 'materialsproject+custodian/postprocess/vasprun.xml.xz';

const { app, api, dir: fileDir } = appForFile();

/** The x position (canvas pixels) of the chart's current-frame marker: the column with most marker-coloured pixels. */
async function markerX(page: Page): Promise<number> {
  return page
    .getByTestId('trajectory-chart')
    .locator('canvas')
    .first()
    .evaluate((canvas) => {
      const c = canvas as HTMLCanvasElement;
      const ctx = document.createElement('canvas').getContext('2d')!;
      ctx.canvas.width = c.width;
      ctx.canvas.height = c.height;
      ctx.drawImage(c, 0, 0);
      const { data, width, height } = ctx.getImageData(0, 0, c.width, c.height);
      const counts = new Array(width).fill(0);
      for (let y = 0; y < height; y++)
        for (let x = 0; x < width; x++) {
          const i = 4 * (y * width + x);
          // #d6336c, the marker's colour
          if (Math.abs(data[i] - 0xd6) < 24 && Math.abs(data[i + 1] - 0x33) < 24 && Math.abs(data[i + 2] - 0x6c) < 24) counts[x]++;
        }
      let best = -1;
      for (let x = 0; x < width; x++) if (best < 0 || counts[x] > counts[best]) best = x;
      return counts[best] > 10 ? best : -1;
    });
}

async function scrub(page: Page, frame: number): Promise<void> {
  await page.getByTestId('trajectory-slider').evaluate((el, f) => {
    const input = el as HTMLInputElement;
    input.value = String(f);
    input.dispatchEvent(new Event('input', { bubbles: true }));
  }, frame);
}

describe('trajectories in the workspace', () => {
  it('drops an XDATCAR and a gzipped vasprun.xml, scrubs the frame slider and the energy chart follows', async () => {
    const { page } = app;
    const xdatcar = readFileSync(`${VASP}phonopy+phonopy/spectrum/XDATCAR`);
    // the fixture is xz-compressed: dropped here as gzip, as VASP users keep their runs
    const vasprunGz = gzipSync(spawnSync('xz', ['-dc', `${VASP}${RELAX}`], { maxBuffer: 1 << 28 }).stdout);
    await page.evaluate(
      ({ xdatcar, gz }) => {
        const bytes = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
        const dt = new DataTransfer();
        dt.items.add(new File([bytes(xdatcar)], 'XDATCAR'));
        dt.items.add(new File([bytes(gz)], 'vasprun.xml.gz'));
        window.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true }));
        window.dispatchEvent(new DragEvent('drop', { dataTransfer: dt, bubbles: true, cancelable: true }));
      },
      { xdatcar: xdatcar.toString('base64'), gz: vasprunGz.toString('base64') },
    );
    const items = page.getByTestId('trajectory-item');
    await expect.poll(() => items.count(), { timeout: 60_000 }).toBe(2);
    expect((await items.allTextContents()).join(' ')).toMatch(/XDATCAR\s*11 frames/);

    const g = golden.files.find((f) => f.file === RELAX)!;
    await items.filter({ hasText: 'vasprun.xml.gz' }).click();
    const frame = page.getByTestId('trajectory-frame');
    // opens on the last frame, marked on the chart
    await expect.poll(() => frame.getAttribute('data-frame'), { timeout: 60_000 }).toBe(String(g.frames - 1));
    await expect.poll(() => page.getByTestId('trajectory-chart').locator('[data-points]').getAttribute('data-points')).toBe(String(g.frames));
    await expect.poll(() => markerX(page), { timeout: 60_000 }).toBeGreaterThan(0);
    const atEnd = await markerX(page);

    // turn the view: from one frame to the next the camera stays where it was turned (the atoms' centres on the canvas, as
    // sets: the median distance from each to the nearest of the other, so that an atom crossing a face changes little)
    const canvas = page.getByTestId('structure-canvas');
    const centres = () => atomCentres(canvas);
    const apart = (a: Point[], b: Point[]) => {
      const d = a.map((p) => Math.min(...b.map((q) => Math.hypot(p.x - q.x, p.y - q.y)))).sort((x, y) => x - y);
      return d[Math.floor(d.length / 2)];
    };
    await canvas.scrollIntoViewIfNeeded();
    const upright = await centres();
    await turnView(page, canvas);
    const turned = await centres();
    expect(apart(turned, upright)).toBeGreaterThan(10);

    // scrub to frame 5: the viewer's frame, the readout's energy and the chart's marker follow
    await scrub(page, 5);
    await expect.poll(() => frame.getAttribute('data-frame')).toBe('5');
    expect(apart(await centres(), turned)).toBeLessThan(apart(turned, upright) / 4);
    await expect.poll(() => page.getByTestId('trajectory-readout').textContent()).toContain(`energy ${Number(g.energy[5].toPrecision(6))} eV`);
    await expect.poll(() => markerX(page)).toBeLessThan(atEnd - 20);
    const atFive = await markerX(page);
    await scrub(page, 15);
    await expect.poll(() => markerX(page)).toBeGreaterThan(atFive + 10);
    await expect.poll(() => markerX(page)).toBeLessThan(atEnd - 5);

    // a click on the chart jumps to the frame under the pointer (left part of the plot: an early frame)
    const box = (await page.getByTestId('trajectory-chart').boundingBox())!;
    await page.mouse.click(box.x + 60 + 10, box.y + box.height / 2);
    await expect.poll(async () => Number(await frame.getAttribute('data-frame'))).toBeLessThan(5);

    // export: every frame as extended XYZ (labels under ASE's names), the current frame as POSCAR
    await scrub(page, 5);
    await expect.poll(() => frame.getAttribute('data-frame')).toBe('5');
    const [xyzDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('trajectory-export-extxyz').click()]);
    const exported = readFrames(xyzDownload.suggestedFilename(), readFileSync((await xyzDownload.path())!, 'utf8'));
    expect(exported.frames.length).toBe(g.frames);
    exported.frames.forEach((f, i) => expect(Math.abs(f.energy! - g.energy[i])).toBeLessThan(1e-9));
    expect(exported.frames.every((f) => f.forces !== null && f.stress !== null)).toBe(true);
    const [poscarDownload] = await Promise.all([page.waitForEvent('download'), page.getByTestId('trajectory-export-poscar').click()]);
    expect(poscarDownload.suggestedFilename()).toMatch(/frame5\.vasp$/);
    const poscar = readStructures('POSCAR', readFileSync((await poscarDownload.path())!, 'utf8')).structures[0];
    const fifth = exported.frames[5].structure;
    expect(poscar.species).toEqual(fifth.species);
    poscar.cart.forEach((x, k) => expect(Math.abs(x - fifth.cart[k])).toBeLessThan(1e-6));

    // play runs through the frames
    await scrub(page, 0);
    await page.getByTestId('trajectory-play').click();
    await expect.poll(async () => Number(await frame.getAttribute('data-frame')), { timeout: 60_000 }).toBeGreaterThan(3);
    await page.getByTestId('trajectory-play').click();

    // the XDATCAR has no energies: frames only
    await items.filter({ hasText: 'XDATCAR' }).click();
    await expect.poll(() => frame.textContent()).toMatch(/frame 10 of 0–10/);
    // its radial distribution, on request, follows the frame shown
    const rdf = page.getByTestId('structure-rdf');
    await rdf.locator('summary').click();
    await expect.poll(() => page.getByTestId('structure-rdf-chart').getAttribute('data-points')).toBe('120');
    expect(await rdf.locator('summary').textContent()).toMatch(/Radial distribution g\(r\)\s*· frame 10/);
    await scrub(page, 2);
    await expect.poll(() => rdf.locator('summary').textContent()).toMatch(/· frame 2$/);
    await app.screenshot('trajectory-rdf');
  });

  it("drops an ASE MD run's .traj and continues the run in Simulate from the frame shown, from its velocities", { timeout: 300_000 }, async () => {
    const { page } = app;
    // ASE 3.22: 32 Cu atoms at 600 K, a frame every 5 steps
    const kinetic = aseMdTrajectory(fileDir, { temperature: 600, seed: 7, steps: 20, every: 5 }).kinetic[3];
    await page.getByTestId('nav-structures').click();
    await page.getByTestId('file-input').setInputFiles([{ name: 'md.traj', mimeType: 'application/octet-stream', buffer: readFileSync(join(fileDir, 'md.traj')) }]);
    const item = page.getByTestId('trajectory-item').filter({ hasText: 'md.traj' });
    await expect.poll(() => item.count(), { timeout: 60_000 }).toBe(1);
    expect(await item.textContent()).toMatch(/5 frames/);
    await item.click();
    const frame = page.getByTestId('trajectory-frame');
    await expect.poll(() => frame.getAttribute('data-frame'), { timeout: 60_000 }).toBe('4');
    await scrub(page, 3);
    await expect.poll(() => frame.getAttribute('data-frame')).toBe('3');

    await page.getByTestId('trajectory-simulate').click();
    await page.getByTestId('view-simulate').waitFor();
    // the frame shown is the one chosen, named with its file; the trajectory's other frames are not listed
    const options = page.getByTestId('simulation-structure').locator('option');
    await expect.poll(async () => (await options.allTextContents()).filter((o) => o.includes('md.traj'))).toEqual([expect.stringMatching(/^Cu — #\d+ image 3 of md\.traj \(32 sites\)$/)]);
    expect((await options.allTextContents()).some((o) => /image [0124] /.test(o))).toBe(false);
    await page.getByTestId('simulation-task-md').click();
    await expect.poll(() => page.getByTestId('simulation-velocities').locator('option[value="structure"]').isDisabled(), { timeout: 60_000 }).toBe(false);
    await page.getByTestId('simulation-velocities').selectOption('structure');
    await page.getByTestId('simulation-ensemble').selectOption('nve');
    await page.getByTestId('simulation-steps').fill('10');
    await page.getByTestId('simulation-start').click();
    const run = page.getByTestId('simulation-run');
    await expect.poll(() => run.getAttribute('data-status'), { timeout: 120_000 }).toBe('finished');
    // it starts at the frame's temperature: ASE's kinetic energy over 3N − 3 degrees of freedom
    const [start] = await api.simulations.frames({ id: Number(await run.getAttribute('data-id')), from: 0, to: 1 });
    expect(start.values.temperature).toBeCloseTo((2 * kinetic) / (3 * 31 * KB), 6);
    expect(app.errors).toEqual([]);
  });

  it('imports a folder of labelled frames from the dialog: keys and selection as chosen, a truncated file reported, the others kept', async () => {
    const { page } = app;
    // a folder of its own: the app's database lives in the file's folder
    const dir = join(fileDir, 'frames');
    mkdirSync(dir);
    // six EMT frames whose reference labels sit under REF_ keys, beside a model's 'energy' of 0
    const emt = readFrames('emt.extxyz', readFileSync(shared('emt-dev', 'emt_dataset.extxyz'), 'utf8')).frames.slice(0, 6);
    const text = writeFramesExtxyz(emt).replace(/forces:R:3/g, 'REF_forces:R:3').replace(/ energy=/g, ' energy=0.0 REF_energy=');
    writeFileSync(join(dir, 'train.extxyz'), text);
    // a vasprun.xml cut before its list of atoms (a copy that broke)
    const vasprun = spawnSync('xz', ['-dc', `${VASP}${RELAX}`], { maxBuffer: 1 << 28 }).stdout;
    writeFileSync(join(dir, 'vasprun.xml'), vasprun.subarray(0, 1500));

    await page.getByTestId('nav-datasets').click();
    await page.getByTestId('dataset-kind').selectOption('frames');
    await page.getByTestId('dataset-path').fill(dir);
    await page.getByTestId('dataset-name').fill('REF frames');
    await page.getByTestId('dataset-selection').selectOption('every');
    await page.getByTestId('dataset-every').fill('2');
    await page.getByTestId('dataset-energy-key').fill('REF_energy');
    await page.getByTestId('dataset-forces-key').fill('REF_forces');
    await page.getByTestId('dataset-import').click();

    // frames 1, 3 and 5 of the six: three structures stored, the broken file reported
    const count = page.getByTestId('dataset-report-count');
    await expect.poll(() => count.getAttribute('data-count'), { timeout: 120_000, interval: 1000 }).toBe('3');
    await expect.poll(() => page.getByTestId('dataset-report-failed').getAttribute('data-count')).toBe('1');
    // the reason in words, not the reader's class name
    expect(await page.getByTestId('dataset-failed').textContent()).toMatch(/vasprun\.xml.* — \w/s);
    expect(await page.getByTestId('dataset-failed').textContent()).not.toMatch(/StructureParseError/);
    const report = (await page.getByTestId('dataset-frames-report').textContent())!.replace(/\s+/g, ' ');
    expect(report).toMatch(/6 frames read from 2 files; every 2nd frame of each file: 3 selected/);
    expect(await page.getByTestId('dataset-frames-labels').textContent()).toMatch(/energy 3, free energy 0, forces 3, stress 3\..*Units: energy eV/s);
    expect(report).toMatch(/energy from 'REF_energy'/);
    expect(report).toMatch(/forces from 'REF_forces'/);
  });
});
