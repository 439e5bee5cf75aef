import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { atomicNumber, readFrames, writeExtxyz, writePoscar } from '../../src-shared/chem';
import type { Mat3 } from '../../src-shared/chem/structure';
import { Atoms } from '../../src-shared/sim';
import { readAseTrajectory } from '../../src-main/files/ase-traj';
import { elementColorHex } from '../../src-renderer/viewer/elementStyle';
import { atomCentres, countColour, turnView, type Point } from './canvas';
import { appForFile, waitUntilConnected } from './app';
import { copperPoscar, tinyPotentialFile } from '../main/services/simulation-fixtures';
import type { SimulationDetail } from '../../src-shared/ipc/contract';

// The viewer's default colour scheme (VESTA's).
const copper = elementColorHex(atomicNumber('Cu'));
const copperRgb = [1, 3, 5].map((i) => parseInt(copper.slice(i, i + 2), 16)) as [number, number, number];

const { app, api, dir, restart } = appForFile();

/** The named arrow sets the viewer draws, with how many arrows each. */
function arrowCounts(canvas: Locator): Promise<Record<string, number>> {
  return canvas.evaluate((el) => (el as HTMLCanvasElement & { crystalScene?: { arrowCounts(): Record<string, number> } }).crystalScene?.arrowCounts() ?? {});
}

/** Starts the panel's run, waits until the view shows it finished, and gives its detail (the summary comes with it alone). */
async function runToEnd(page: Page): Promise<SimulationDetail> {
  const earlier = new Set((await api.simulations.list({})).map((r) => r.id));
  await page.getByTestId('simulation-start').click();
  const run = page.getByTestId('simulation-run');
  await expect.poll(async () => !earlier.has(Number(await run.getAttribute('data-id'))), { timeout: 60_000 }).toBe(true);
  await expect.poll(async () => run.getAttribute('data-status'), { timeout: 120_000 }).toBe('finished');
  const id = Number(await run.getAttribute('data-id'));
  return api.simulations.get({ id });
}

/**
 * A vacancy hop in fcc Cu, its two ends relaxed (test/fixtures/sim/neb.json), stored, and a band of 3
 * images between them with EMT set up in the Simulate panel.
 */
async function chooseHop(page: Page): Promise<void> {
  const band = JSON.parse(readFileSync(new URL('../fixtures/sim/neb.json', import.meta.url), 'utf8')) as { numbers: number[]; cell: Mat3; start: number[]; end: number[] };
  const poscar = (cart: number[], name: string) => writePoscar(new Atoms({ numbers: Int32Array.from(band.numbers), cart: Float64Array.from(cart), lattice: band.cell, pbc: [true, true, true] }).toStructure(name));
  const { imported } = await api.structures.import({ files: [{ name: 'hop-start.vasp', text: poscar(band.start, 'vacancy') }, { name: 'hop-end.vasp', text: poscar(band.end, 'hopped') }] });
  await page.getByTestId('nav-simulate').click();
  await page.getByTestId('simulation-structure').selectOption(String(imported[0].id));
  await page.getByTestId('simulation-task-neb').click();
  await page.getByTestId('simulation-calculator').selectOption('emt');
  // the one other structure of these atoms is offered, and chosen, as the end state
  await expect.poll(() => page.getByTestId('simulation-neb-end').inputValue()).toBe(String(imported[1].id));
  await page.getByTestId('simulation-neb-images').fill('3');
}

/** The Au₈ cell where FIRE stops at a saddle point (test/fixtures/sim/saddles.extxyz, its first frame), stored and chosen in the Simulate panel. */
async function chooseAu8(page: Page): Promise<number> {
  const cell = readFrames('saddles.extxyz', readFileSync(new URL('../fixtures/sim/saddles.extxyz', import.meta.url), 'utf8')).frames[0].structure;
  // stored once: a second import of the same cell gives the same record
  const { imported } = await api.structures.import({ files: [{ name: 'Au8.extxyz', text: writeExtxyz(cell) }] });
  await page.getByTestId('nav-simulate').click();
  await page.getByTestId('simulation-structure').selectOption(String(imported[0].id));
  return imported[0].id;
}

describe('Simulate', () => {
  it('runs MD on an open structure, streams its frames into the viewer and charts, cancels; relaxes and exports', { timeout: 600_000 }, async () => {
    const { page } = app;
    await page.getByTestId('file-input').setInputFiles([{ name: 'Cu108.vasp', mimeType: 'text/plain', buffer: Buffer.from(copperPoscar(3, 0.324)) }]);
    await expect.poll(() => page.getByTestId('structure-item').count(), { timeout: 60_000 }).toBe(1);
    await page.getByTestId('structure-item').first().click();
    await page.getByTestId('structure-simulate').click();
    await page.getByTestId('view-simulate').waitFor();
    await expect.poll(async () => page.getByTestId('simulation-start').textContent()).toMatch(/Run on Cu/);

    // molecular dynamics, long enough to be watched and cancelled
    await page.getByTestId('simulation-task-md').click();
    await page.getByTestId('simulation-steps').fill('200000');
    await page.getByTestId('simulation-every').fill('5');
    await page.getByTestId('simulation-start').click();
    const run = page.getByTestId('simulation-run');
    await run.waitFor({ timeout: 60_000 });
    // frames arrive while it runs: the frame count, the chart and the viewer follow
    await expect.poll(async () => Number(await run.getAttribute('data-frames')), { timeout: 120_000 }).toBeGreaterThan(3);
    const first = Number(await run.getAttribute('data-frames'));
    await expect.poll(async () => Number(await run.getAttribute('data-frames')), { timeout: 60_000 }).toBeGreaterThan(first);
    await expect.poll(async () => Number(await page.getByTestId('simulation-chart-temperature').getAttribute('data-points')), { timeout: 60_000 }).toBeGreaterThan(3);
    expect(Number(await page.getByTestId('simulation-chart-msd').getAttribute('data-points'))).toBeGreaterThan(3);
    // the viewer follows the latest frame, in the app's one trajectory player
    const player = run.getByTestId('trajectory-player');
    const shownFrame = async () => {
      const frame = Number(await player.getByTestId('trajectory-frame').getAttribute('data-frame'));
      const m = /step (\d+)/.exec((await player.getByTestId('trajectory-readout').textContent()) ?? '');
      return { frame, step: m ? Number(m[1]) : null };
    };
    const seen = await shownFrame();
    await expect.poll(async () => (await shownFrame()).frame, { timeout: 60_000 }).toBeGreaterThan(seen.frame);
    // each frame moves the atoms and compiles nothing: the viewer's shader programs stay the ones it
    // made first (three.js numbers each program it compiles; one a frame froze the window)
    const programIds = () =>
      run.getByTestId('structure-canvas').evaluate((el) => {
        const scene = (el as HTMLCanvasElement & { crystalScene?: { renderer: { info: { programs: { id: number }[] | null } } } }).crystalScene!;
        return scene.renderer.info.programs!.map((p) => p.id).sort((a, b) => a - b);
      });
    const compiled = { ids: await programIds(), frame: (await shownFrame()).frame };
    await expect.poll(async () => (await shownFrame()).frame, { timeout: 60_000 }).toBeGreaterThan(compiled.frame + 3);
    expect(await programIds()).toEqual(compiled.ids);
    expect((await shownFrame()).step).toBeGreaterThan(0);
    expect(await player.getByTestId('trajectory-frame').textContent()).toMatch(/^frame \d+ of 0–\d+$/);
    expect(await run.getAttribute('data-status')).toBe('running');
    // a running run's chart takes each update in as it stands: none of its elements (its tooltip's)
    // is made anew (rebuilt at every update, the charts of a fast run left the window almost no time for clicks)
    const energyChart = page.getByTestId('simulation-chart-energy');
    type Kept = HTMLElement & { kept?: boolean };
    await energyChart.evaluate((el) => el.querySelectorAll('div').forEach((d) => ((d as Kept).kept = true)));
    const drawnPoints = Number(await energyChart.getAttribute('data-points'));
    await expect.poll(async () => Number(await energyChart.getAttribute('data-points')), { timeout: 60_000 }).toBeGreaterThan(drawnPoints + 10);
    expect(await energyChart.evaluate((el) => [...el.querySelectorAll('div')].filter((d) => !(d as Kept).kept).length)).toBe(0);
    // on a loaded machine the window can take long to take the click while frames stream in
    await page.getByTestId('simulation-cancel').click({ timeout: 120_000 });
    await expect.poll(() => run.getAttribute('data-status'), { timeout: 60_000 }).toBe('cancelled');
    // the copper atoms are drawn
    await expect.poll(async () => (await countColour(page, 'structure-canvas', copperRgb)).matches, { timeout: 60_000 }).toBeGreaterThan(200);
    await app.screenshot('simulate-md-cancelled');
    // the crystal does not diffuse: its fitted D is not shown as one (too short a run, or the MSD's wander about its plateau)
    await expect
      .poll(async () => (await page.getByTestId('simulation-summary').textContent()) ?? '', { timeout: 60_000 })
      .toMatch(/ · D not resolved \(fitted -?\d\.\d\de[-+]\d+ cm²\/s; (the MSD rose less than the atoms vibrate|the fitted half is under 1 ps)\)$/);
    // the frame slider shows an earlier frame
    await player.getByTestId('trajectory-slider').evaluate((el: HTMLInputElement) => {
      el.value = '0';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await expect.poll(shownFrame).toEqual({ frame: 0, step: 0 });
    // the radial distribution of the frame shown: its title follows the slider
    const rdfCard = page.getByTestId('simulation-chart-rdf');
    expect(await rdfCard.getAttribute('data-points')).toBe('120');
    expect(await page.locator('.card', { has: rdfCard }).locator('h3').textContent()).toBe('Radial distribution, frame 0');
    // an arrow key moves one frame a press, also pressed faster than frames are read (a held key)
    const presses = Math.min(8, Number(await run.getAttribute('data-frames')) - 1);
    await player.focus();
    for (let i = 0; i < presses; i++) {
      await page.keyboard.press('ArrowRight');
      await page.waitForTimeout(30);
    }
    await expect.poll(async () => (await shownFrame()).frame).toBe(presses);
    expect(Number(await player.getByTestId('trajectory-slider').inputValue())).toBe(presses);
    // play shows the recorded frames one after another (forward only, stopping at the last: a
    // state that stays, where matching the label's text caught frames 3–9 for about a second)
    await player.getByTestId('trajectory-play').click();
    await expect.poll(async () => (await shownFrame()).frame >= 2, { timeout: 60_000 }).toBe(true);
    expect((await shownFrame()).step).toBeGreaterThan(0);
    await player.getByTestId('trajectory-play').click();
    // the picked frame stays while "follow latest" is offered
    expect(await run.getByTestId('simulation-follow').count()).toBe(1);

    // a relaxation finishes and says so
    await page.getByTestId('simulation-task-relax').click();
    await page.getByTestId('simulation-fmax').fill('0.01');
    await page.getByTestId('simulation-start').click();
    await expect.poll(() => page.getByTestId('simulation-run').getAttribute('data-status'), { timeout: 120_000 }).toBe('finished');
    await expect.poll(async () => page.getByTestId('simulation-message').textContent()).toMatch(/^converged in \d+ steps/);
    // whether the crystal kept its symmetry: the atom moved off its site made it P4mm, and relaxed back it is fcc again
    await expect.poll(async () => page.getByTestId('simulation-summary').textContent()).toMatch(/ · space group P4mm → Fm-3m$/);
    await expect.poll(async () => Number(await page.getByTestId('simulation-chart-fmax').getAttribute('data-points'))).toBeGreaterThan(2);
    expect(await page.getByTestId('simulation-item').count()).toBe(2);
    // the relaxed frame kept as a structure becomes the next run's start
    const relaxedRun = page.getByTestId('simulation-run');
    await expect.poll(async () => Number(await relaxedRun.getByTestId('trajectory-frame').getAttribute('data-frame')) + 1).toBe(Number(await relaxedRun.getAttribute('data-frames')));
    await relaxedRun.getByTestId('simulation-keep-frame').click();
    await expect.poll(async () => page.getByTestId('simulation-kept').textContent()).toMatch(/^frame \d+ kept as structure #(\d+) \(Cu\), the start of the next run$/);
    const keptId = /#(\d+)/.exec((await page.getByTestId('simulation-kept').textContent())!)![1];
    await expect.poll(() => page.getByTestId('simulation-structure').inputValue()).toBe(keptId);
    await expect.poll(async () => page.getByTestId('simulation-start').textContent()).toMatch(new RegExp(`#${keptId}`));
    const keptRecord = (await api.structures.list({})).find((r) => r.id === Number(keptId))!;
    expect(keptRecord.nSites).toBe(108);
    expect(keptRecord.file).toMatch(/^simulation \d+$/);
    // the frame's forces as arrows on every displayed atom, at the run's scale (its largest force 1.6 Å long)
    const canvas = relaxedRun.getByTestId('structure-canvas');
    const arrows = () => arrowCounts(canvas);
    expect(await arrows()).toEqual({});
    await relaxedRun.getByTestId('simulation-forces').check();
    const shownAtoms = Number(await canvas.getAttribute('data-atom-count'));
    expect(shownAtoms).toBeGreaterThanOrEqual(108);
    await expect.poll(arrows).toEqual({ forces: shownAtoms });
    const runFmax = Math.max(...(await api.simulations.frames({ id: Number(await relaxedRun.getAttribute('data-id')) })).map((f) => f.values.fmax!));
    await expect.poll(() => relaxedRun.getByTestId('simulation-force-scale').textContent()).toContain(`largest, ${Number(runFmax.toPrecision(3))} eV/Å`);
    await canvas.scrollIntoViewIfNeeded();
    await app.screenshot('simulate-force-arrows');
    await relaxedRun.getByTestId('simulation-forces').uncheck();
    await expect.poll(arrows).toEqual({});

    const download = page.waitForEvent('download');
    await page.getByTestId('simulation-export-extxyz').click();
    const file = await download;
    const path = await file.path();
    const frames = readFrames('t.extxyz', readFileSync(path!, 'utf8')).frames;
    expect(frames.length).toBeGreaterThan(2);
    expect(frames.at(-1)!.energy!).toBeLessThan(frames[0].energy!);
    // the same frames as ASE's binary trajectory: its bytes come through the download intact
    const trajDownload = page.waitForEvent('download');
    await page.getByTestId('simulation-export-traj').click();
    const traj = await trajDownload;
    expect(traj.suggestedFilename()).toMatch(/\.traj$/);
    const images = readAseTrajectory(readFileSync((await traj.path())!), traj.suggestedFilename(), { maxAtoms: 1000, maxStructures: 10_000 }).frames;
    expect(images.map((f) => f.energy)).toEqual(frames.map((f) => f.energy));
    expect(Array.from(images.at(-1)!.structure.cart)).toEqual(Array.from(frames.at(-1)!.structure.cart));
    await app.screenshot('simulate-relaxed');

    // a kept MD frame carries its velocities, and the next run can go on from them; the relaxed frame has none
    await page.getByTestId('simulation-task-md').click();
    const ownVelocities = page.getByTestId('simulation-velocities').locator('option[value="structure"]');
    expect(await ownVelocities.isDisabled()).toBe(true);
    await page.locator('[data-testid="simulation-item"][data-status="cancelled"]').click();
    const mdRun = page.getByTestId('simulation-run');
    await expect.poll(() => mdRun.getAttribute('data-status')).toBe('cancelled');
    const mdId = Number(await mdRun.getAttribute('data-id'));
    await mdRun.getByTestId('simulation-keep-frame').click();
    await expect.poll(async () => (await page.getByTestId('simulation-kept').textContent()) ?? '').toMatch(/^frame \d+ kept as structure #\d+ \(Cu\)/);
    // the frame's index as the command line takes it (from 0)
    const keptIndex = Number(/^frame (\d+)/.exec((await page.getByTestId('simulation-kept').textContent())!)![1]);
    await expect.poll(() => ownVelocities.isDisabled()).toBe(false);
    await page.getByTestId('simulation-velocities').selectOption('structure');
    await page.getByTestId('simulation-ensemble').selectOption('nve');
    expect(await page.getByTestId('simulation-temperature').count()).toBe(0); // NVE from given velocities sets no temperature
    // nor draws anything from a seed; Langevin's noise does, Nosé–Hoover nothing (the command line refuses --seed there)
    expect(await page.getByTestId('simulation-seed').count()).toBe(0);
    await page.getByTestId('simulation-ensemble').selectOption('nvt');
    await expect.poll(() => page.getByTestId('simulation-seed').count()).toBe(1);
    await page.getByTestId('simulation-thermostat').selectOption('nose-hoover');
    await expect.poll(() => page.getByTestId('simulation-seed').count()).toBe(0);
    await page.getByTestId('simulation-ensemble').selectOption('nve');
    await page.getByTestId('simulation-steps').fill('10');
    await page.getByTestId('simulation-start').click();
    await expect.poll(async () => Number(await page.getByTestId('simulation-run').getAttribute('data-id')), { timeout: 60_000 }).not.toBe(mdId);
    await expect.poll(() => page.getByTestId('simulation-run').getAttribute('data-status'), { timeout: 120_000 }).toBe('finished');
    const continued = Number(await page.getByTestId('simulation-run').getAttribute('data-id'));
    const [keptFrame] = await api.simulations.frames({ id: mdId, from: keptIndex, to: keptIndex + 1 });
    const [start] = await api.simulations.frames({ id: continued, from: 0, to: 1 });
    expect(start.values.temperature).toBeCloseTo(keptFrame.values.temperature!, 6);
    expect(start.values.total).toBeCloseTo(keptFrame.values.total!, 6);
    expect(app.errors).toEqual([]);
  });

  it('keeps every frame of a simulation whose app was killed, and shows it interrupted', { timeout: 600_000 }, async () => {
    await restart();
    const [structure] = await api.structures.list({});
    const started = await api.simulations.start({
      structureId: structure.id,
      calculator: { kind: 'emt' },
      parameters: { task: 'md', ensemble: 'nvt', thermostat: 'langevin', temperature: 300, timestep: 1, steps: 1_000_000, every: 5, seed: 1, friction: 0.01, tau: 100, pressure: 0, barostatTau: 1000, compressibility: 0.01, fixed: [] },
    });
    await expect.poll(async () => (await api.simulations.list({})).find((r) => r.id === started.id)!.frames, { timeout: 120_000, interval: 100 }).toBeGreaterThanOrEqual(5);
    await restart({ kill: true });

    const { page } = app;
    const record = (await api.simulations.list({})).find((r) => r.id === started.id)!;
    expect(record.status).toBe('interrupted');
    expect(record.frames).toBeGreaterThanOrEqual(5);
    expect((await api.simulations.frames({ id: started.id })).length).toBe(record.frames);
    await page.getByTestId('nav-simulate').click();
    const item = page.locator(`[data-testid="simulation-item"][data-id="${started.id}"]`);
    await expect.poll(() => item.getAttribute('data-status'), { timeout: 60_000 }).toBe('interrupted');
    await item.click();
    const run = page.getByTestId('simulation-run');
    await expect.poll(async () => Number(await run.getAttribute('data-frames')), { timeout: 60_000 }).toBe(record.frames);
    await expect.poll(async () => page.getByTestId('simulation-message').textContent()).toMatch(/frames written until then are kept/);
    await app.screenshot('simulate-interrupted');
    expect(app.errors).toEqual([]);
  });

  it('draws one equation of state over another and says how V₀, B₀ and E₀ differ', { timeout: 600_000 }, async () => {
    const { page } = app;
    await page.getByTestId('nav-simulate').click();
    await page.getByTestId('simulation-task-eos').click();
    const run = page.getByTestId('simulation-run');
    const eos = async (calculator: string) => {
      await page.getByTestId('simulation-calculator').selectOption(calculator);
      const before = await run.getAttribute('data-id');
      await page.getByTestId('simulation-start').click();
      await expect.poll(async () => run.getAttribute('data-id'), { timeout: 60_000 }).not.toBe(before);
      await expect.poll(async () => run.getAttribute('data-status'), { timeout: 120_000 }).toBe('finished');
      return Number(await run.getAttribute('data-id'));
    };
    const emt = await eos('emt');
    // a Morse pair potential with its minimum at copper's nearest-neighbour distance
    await page.getByTestId('simulation-calculator').selectOption('morse');
    await page.getByLabel('r₀ / Å').fill('2.55');
    await eos('morse');
    // the chart takes the finished run's points and fit a moment after its status (the detail is fetched then)
    const chartPoints = async () => Number(await page.getByTestId('simulation-chart-eos').getAttribute('data-points'));
    await expect.poll(async () => (await page.getByTestId('simulation-summary').textContent()) ?? '', { timeout: 60_000 }).toMatch(/^V₀ /);
    await expect.poll(chartPoints, { timeout: 60_000 }).toBeGreaterThan(0);
    const points = await chartPoints();
    // only runs of the same task are offered
    const offered = await page.getByTestId('simulation-compare').locator('option').allTextContents();
    expect(offered.filter((o) => o.startsWith('#'))).toEqual([expect.stringMatching(new RegExp(`^#${emt} .*\\(emt\\)$`))]);
    await page.getByTestId('simulation-compare').selectOption(String(emt));
    await expect.poll(async () => page.getByTestId('simulation-compare-summary').textContent()).toMatch(new RegExp(`^against #${emt} emt: V₀ [+−]\\d+\\.\\d\\d %, B₀ [+−]\\d+\\.\\d\\d %, E₀ [+−]\\d+\\.\\d meV/atom$`));
    await expect.poll(chartPoints).toBe(2 * points);
    await app.screenshot('simulate-eos-compared');
    expect(app.errors).toEqual([]);
  });

  it('says what is wrong with a number field before sending, naming it as the panel does (not the contract validator\'s text)', { timeout: 600_000 }, async () => {
    const { page } = app;
    await page.getByTestId('nav-simulate').click();
    await page.getByTestId('simulation-task-md').click();
    const problem = page.getByTestId('simulation-form-problem');
    const start = page.getByTestId('simulation-start');
    await expect.poll(() => problem.count()).toBe(0);
    // tester A: an emptied T gave "invalid argument to simulations.start: parameters.temperature: Invalid input: expected number, received string"
    await page.getByTestId('simulation-temperature').fill('');
    await expect.poll(() => problem.textContent()).toBe('T must be a number');
    expect([await start.isDisabled(), await start.getAttribute('title')]).toEqual([true, 'T must be a number']);
    await page.getByTestId('simulation-temperature').fill('300');
    // a time step of 0 (the field's min=0 lets it through the browser's own check)
    await page.getByTestId('simulation-timestep').fill('0');
    await expect.poll(() => problem.textContent()).toBe('time step must be positive');
    await page.getByTestId('simulation-timestep').fill('1e9');
    await expect.poll(() => problem.textContent()).toBe('time step must be at most 50 fs');
    await page.getByTestId('simulation-timestep').fill('1');
    await expect.poll(() => problem.count()).toBe(0);
    expect(app.errors).toEqual([]);
  });

  it('relaxes with a trained potential chosen in the panel', { timeout: 600_000 }, async () => {
    const { page } = app;
    const path = join(dir, 'tiny-schnet.lwm');
    // its file says it was trained on Cu cells whose Cu–Cu pairs came no closer than 2.5 Å
    const potential = { cutoff: 3.6, shortestDistances: { 'Cu-Cu': 2.5 }, referenceEnergies: { Cu: -3.5 }, energyAboveReference: null };
    writeFileSync(path, await tinyPotentialFile('tiny-schnet', { basis: 'training-split', elements: ['Cu'], structures: 'periodic', atoms: { min: 1, max: 128 }, targets: null, potential }));
    const model = await api.models.import({ path });
    await page.getByTestId('nav-simulate').click();
    await page.getByTestId('simulation-task-relax').click();
    await page.getByTestId('simulation-calculator').selectOption('model');
    await expect.poll(async () => page.getByTestId('simulation-model').inputValue()).toBe(String(model.id));
    await page.getByTestId('simulation-max-steps').fill('5');
    await page.getByTestId('simulation-start').click();
    const run = page.getByTestId('simulation-run');
    await expect.poll(async () => page.getByTestId('simulation-run').getAttribute('data-status'), { timeout: 120_000 }).toBe('finished');
    await expect.poll(async () => (await run.locator('h3').first().textContent()) ?? '').toMatch(/with tiny-schnet/);
    await expect.poll(async () => page.getByTestId('simulation-message').textContent()).toMatch(/did not converge in 5 steps|converged in \d+ steps/);
    expect(Number(await run.getAttribute('data-frames'))).toBeGreaterThan(1);
    // Cu108's atom 0, moved 0.324 Å, starts 2.328 Å from its nearest neighbours: the run says the potential extrapolates there
    await expect.poll(async () => (await page.getByTestId('simulation-warnings').textContent()) ?? '').toMatch(/Outside the potential's training structures.*step 0: Cu–Cu at 2\.328 Å \(atoms 0 and \d+\) is closer than any Cu–Cu pair in the training structures \(2\.500 Å\)/s);
    await app.screenshot('simulate-potential');
    // asked to stop where the potential extrapolates, the same relaxation ends at its first frame
    await page.getByTestId('simulation-stop-extrapolating').check();
    await page.getByTestId('simulation-start').click();
    await expect.poll(async () => page.getByTestId('simulation-message').textContent(), { timeout: 120_000 }).toMatch(/^stopped at step 0, outside the potential's training structures: Cu–Cu at 2\.328 Å/);
    expect(await run.getAttribute('data-status')).toBe('finished');
    expect(await run.getAttribute('data-frames')).toBe('1');
    expect(app.errors).toEqual([]);
  });

  it("starts the fixed atoms from the file's selective dynamics, and the run holds them, some along their flagged axes", { timeout: 600_000 }, async () => {
    const { page } = app;
    // Cu32 with atom 0 moved 0.3 Å off its site and flagged F F F, atom 1 F F T, the rest free
    const lines = copperPoscar(2, 0.3).trimEnd().split('\n');
    const at = lines.indexOf('Direct');
    const poscar = [...lines.slice(0, at), 'Selective dynamics', 'Direct', ...lines.slice(at + 1).map((l, i) => `${l} ${i === 0 ? 'F F F' : i === 1 ? 'F F T' : 'T T T'}`)].join('\n');
    const before = new Set((await api.structures.list({})).map((r) => r.id));
    await page.getByTestId('file-input').setInputFiles([{ name: 'CONTCAR', mimeType: 'text/plain', buffer: Buffer.from(poscar + '\n') }]);
    await expect.poll(async () => (await api.structures.list({})).filter((r) => !before.has(r.id)).length, { timeout: 60_000 }).toBe(1);
    const slab = (await api.structures.list({})).find((r) => !before.has(r.id))!;
    await page.getByTestId('nav-simulate').click();
    await page.getByTestId('simulation-structure').selectOption(String(slab.id));
    await expect.poll(() => page.getByTestId('simulation-fixed').inputValue()).toBe('0');
    expect(await page.getByTestId('simulation-file-constraints').textContent()).toBe(
      'the file holds 1 atom fixed (0); it holds 1 atom along some axes only (1 along lattice vectors a, b). The fixed-atoms field starts with the atoms it holds fixed; edit it to change that.',
    );
    expect(await page.getByTestId('simulation-hold-axes').locator('input').isChecked()).toBe(true);
    await app.screenshot('simulate-file-constraints');
    await page.getByTestId('simulation-task-relax').click();
    await page.getByTestId('simulation-calculator').selectOption('emt');
    const earlier = new Set((await api.simulations.list({})).map((r) => r.id));
    // keeping the symmetry and holding atoms do not go together: the start says so, and nothing runs
    await page.getByTestId('simulation-symmetry').check();
    await page.getByTestId('simulation-start').click();
    await expect.poll(async () => (await page.getByTestId('simulation-start-error').textContent()) ?? '').toMatch(/keeps the symmetry or holds atoms, not both/);
    expect(await page.getByTestId('simulation-start-error').textContent()).not.toMatch(/^\w*Error:/);
    expect((await api.simulations.list({})).every((r) => earlier.has(r.id))).toBe(true);
    // the refusal goes with the form it spoke of
    await page.getByTestId('simulation-symmetry').uncheck();
    await expect.poll(() => page.getByTestId('simulation-start-error').count()).toBe(0);
    // the new run is shown, and finishes
    const record = await runToEnd(page);
    const id = record.id;
    expect(record.structureId).toBe(slab.id);
    expect(record.parameters.task === 'relax' && record.parameters.fixed).toEqual([0]);
    expect(record.parameters.task === 'relax' && record.parameters.axisConstraints).toEqual([{ atom: 1, held: [true, true, false], frame: 'lattice' }]);
    // the fixed atom ends where it started, atom 1 kept its a and b (x and y in this cubic cell), the others moved
    const frames = await api.simulations.frames({ id });
    expect(frames.length).toBeGreaterThan(1);
    const [first, last] = [frames[0], frames[frames.length - 1]];
    expect(last.cart.slice(0, 3)).toEqual(first.cart.slice(0, 3));
    expect(last.cart.slice(3, 5).map((x, k) => Math.abs(x - first.cart[3 + k]))).toEqual([expect.closeTo(0, 12), expect.closeTo(0, 12)]);
    expect(Math.max(...last.cart.slice(6).map((x, k) => Math.abs(x - first.cart[6 + k])))).toBeGreaterThan(1e-3);
    // the viewer labels what the run held with VASP's flags, on those atoms only
    const canvas = page.getByTestId('structure-canvas');
    const texts = () => canvas.evaluate((el) => (el as HTMLCanvasElement & { crystalScene?: { labelTexts(): string[] } }).crystalScene!.labelTexts());
    await page.getByTestId('viewer-labels').selectOption('held');
    await expect.poll(async () => new Set(await texts())).toEqual(new Set(['F F F', 'F F T']));
    expect(Number(await canvas.getAttribute('data-label-count'))).toBeLessThan(Number(await canvas.getAttribute('data-atom-count')) / 4);
    await app.screenshot('simulate-held-labels');
    await page.getByTestId('viewer-labels').selectOption('none');
    // the field also takes the atoms below a plane, says which they are, and the next run holds them
    const bottom = Array.from({ length: 32 }, (_, i) => i).filter((i) => first.cart[3 * i + 2] < 1);
    expect(bottom).toHaveLength(8);
    await page.getByTestId('simulation-fixed').fill('z<1');
    await page.getByTestId('simulation-fixed').dispatchEvent('change');
    await expect.poll(() => page.getByTestId('simulation-fixed-resolved').textContent()).toMatch(/^The fixed-atoms field holds 8 atoms: /);
    const planeRun = await runToEnd(page);
    expect(planeRun.parameters.task === 'relax' && planeRun.parameters.fixed).toEqual(bottom);
    // another structure without flags empties the field
    await page.getByTestId('simulation-structure').selectOption(String([...before][0]));
    await expect.poll(() => page.getByTestId('simulation-fixed').inputValue()).toBe('');
    expect(await page.getByTestId('simulation-file-constraints').count()).toBe(0);
    expect(app.errors).toEqual([]);
  });

  it('says when a relaxation ended at a saddle point, and leaves it when asked', { timeout: 600_000 }, async () => {
    const { page } = app;
    await chooseAu8(page);
    await page.getByTestId('simulation-task-relax').click();
    await page.getByTestId('simulation-calculator').selectOption('emt');
    await page.getByTestId('simulation-fmax').fill('0.01');
    await page.getByTestId('simulation-max-steps').fill('1000');
    const run = page.getByTestId('simulation-run');
    const summaries: string[] = [];
    for (const minimum of ['check', 'escape']) {
      await page.getByTestId('simulation-minimum').selectOption(minimum);
      expect((await runToEnd(page)).parameters).toMatchObject({ task: 'relax', minimum });
      summaries.push((await page.getByTestId('simulation-summary').textContent()) ?? '');
      // on the last frame, the mode of the lowest curvature as arrows on every displayed atom: at the saddle point its way down
      const canvas = run.getByTestId('structure-canvas');
      const arrows = () => arrowCounts(canvas);
      const shownAtoms = Number(await canvas.getAttribute('data-atom-count'));
      await expect.poll(arrows).toEqual({ mode: shownAtoms });
      await expect.poll(() => run.getByTestId('simulation-mode').locator('..').textContent()).toBe(minimum === 'check' ? ' saddle mode' : ' softest mode');
      expect(await run.getByTestId('simulation-mode-note').textContent()).toMatch(minimum === 'check' ? /^\s*lowest curvature -0\.\d+ eV\/Å²; the atom moving most drawn 1\.6 Å\s*$/ : /^\s*lowest curvature 0\.\d+ eV\/Å²/);
      if (minimum === 'check') {
        await canvas.scrollIntoViewIfNeeded();
        await app.screenshot('simulate-saddle-mode');
      }
      await run.getByTestId('simulation-mode').uncheck();
      await expect.poll(arrows).toEqual({});
      await run.getByTestId('simulation-mode').check();
    }
    expect(summaries[0]).toMatch(/ · a saddle point \(lowest curvature -0\.\d+ eV\/Å²\)$/);
    expect(summaries[1]).toMatch(/ · a minimum \(lowest curvature 0\.\d+ eV\/Å²; 1 left on the way\)$/);
    expect(await page.getByTestId('simulation-message').textContent()).toMatch(/left a saddle point along its mode; lowest curvature 0\.\d+ eV\/Å²: a minimum/);
    await app.screenshot('simulate-saddle-left');
    expect(app.errors).toEqual([]);
  });

  it("runs NPT with the MTK barostat and a flexible cell, its Nosé–Hoover thermostat chosen with it, and measures its drift; Berendsen's has none", { timeout: 600_000 }, async () => {
    const { page } = app;
    await chooseAu8(page);
    await page.getByTestId('simulation-task-md').click();
    await page.getByTestId('simulation-calculator').selectOption('emt');
    await page.getByTestId('simulation-ensemble').selectOption('npt');
    await page.getByTestId('simulation-barostat').selectOption('mtk');
    const thermostat = page.getByTestId('simulation-thermostat');
    await expect.poll(() => thermostat.inputValue()).toBe('nose-hoover');
    expect(await thermostat.locator('option[value="langevin"]').isDisabled()).toBe(true);
    await page.getByTestId('simulation-steps').fill('300');
    await page.getByTestId('simulation-barostat-tau').fill('100');
    await page.getByTestId('simulation-cell-motion').selectOption('flexible');
    await app.screenshot('simulate-npt-mtk');
    expect((await runToEnd(page)).parameters).toMatchObject({ task: 'md', ensemble: 'npt', barostat: 'mtk', cellMotion: 'flexible', thermostat: 'nose-hoover', barostatTau: 100, steps: 300 });
    expect(await page.getByTestId('simulation-summary').textContent()).toMatch(/^drift -?\d\.\d\de[-+]\d+ eV\/atom · second half: T \d+/);
    // the cell breathes: its volume is charted, every step
    await expect.poll(async () => Number(await page.getByTestId('simulation-chart-volume').getAttribute('data-points'))).toBe(301);
    await page.getByTestId('simulation-barostat').selectOption('berendsen');
    expect(await thermostat.locator('option[value="langevin"]').isDisabled()).toBe(false);
    expect(await page.getByTestId('simulation-cell-motion').count()).toBe(0);
    expect((await runToEnd(page)).parameters).toMatchObject({ task: 'md', ensemble: 'npt', barostat: 'berendsen', cellMotion: 'isotropic' });
    expect(await page.getByTestId('simulation-summary').textContent()).toMatch(/^drift — \(Berendsen's barostat\)/);
    expect(app.errors).toEqual([]);
  });

  it("computes a crystal's phonons: bands along its path with the points named, density of states, thermal properties; two supercells compared", { timeout: 600_000 }, async () => {
    const { page } = app;
    // fcc Cu's primitive cell, EMT's lattice constant
    const poscar = 'Cu\n1.0\n0 1.79495 1.79495\n1.79495 0 1.79495\n1.79495 1.79495 0\nCu\n1\nCartesian\n0 0 0\n';
    const { imported } = await api.structures.import({ files: [{ name: 'Cu-primitive.vasp', text: poscar }] });
    await page.getByTestId('nav-simulate').click();
    await page.getByTestId('simulation-structure').selectOption(String(imported[0].id));
    await page.getByTestId('simulation-task-phonons').click();
    await page.getByTestId('simulation-calculator').selectOption('emt');
    expect(await page.getByTestId('simulation-fixed').count()).toBe(0); // every atom moves
    // a supercell typed wrong stops the run before it starts
    await page.getByTestId('simulation-supercell').fill('4,4');
    await expect.poll(() => page.getByTestId('simulation-start').isDisabled()).toBe(true);
    expect(await page.getByTestId('simulation-start').getAttribute('title')).toMatch(/the supercell is three whole numbers/);
    await page.getByTestId('simulation-supercell').fill('4');
    await page.getByTestId('simulation-mesh').fill('8');
    const small = await runToEnd(page);
    expect(small.parameters).toEqual({ task: 'phonons', supercell: [4, 4, 4], mesh: [8, 8, 8], delta: 0.01, symmetry: true });
    expect(await page.getByTestId('simulation-summary').textContent()).toMatch(/^highest 8\.1\d THz; no imaginary modes; free energy at 300 K -1\.\d{3} kJ\/mol · 4×4×4 supercell, 8×8×8 mesh$/);
    // 10 segments of 51 points, 3 branches each; 301 points of the density of states; 101 temperatures, 3 properties
    await expect.poll(async () => Number(await page.getByTestId('simulation-chart-bands').getAttribute('data-points'))).toBe(10 * 51 * 3);
    expect(Number(await page.getByTestId('simulation-chart-dos').getAttribute('data-points'))).toBe(301);
    expect(Number(await page.getByTestId('simulation-chart-thermal').getAttribute('data-points'))).toBe(303);
    // the default supercell (5×5×5) against the 4×4×4 one
    await page.getByTestId('simulation-supercell').fill('');
    const large = await runToEnd(page);
    expect(large.parameters).toMatchObject({ supercell: null });
    await page.getByTestId('simulation-compare').selectOption(String(small.id));
    await expect.poll(async () => page.getByTestId('simulation-compare-summary').textContent()).toMatch(new RegExp(`^against #${small.id} emt: highest frequency [+−]\\d\\.\\d\\d %, free energy at 300 K [+−]\\d+\\.\\d meV/atom$`));
    await page.getByTestId('simulation-chart-bands').scrollIntoViewIfNeeded();
    await app.screenshot('simulate-phonons');
    expect(app.errors).toEqual([]);
  });

  it("plays a phonon mode at a wave vector in the supercell it repeats in, keeps it displaced, and writes the force constants for phonopy", { timeout: 600_000 }, async () => {
    const { page } = app;
    // fcc Cu's primitive cell, EMT's lattice constant, its atom inside the cell (off its faces, so that the moving atoms
    // are drawn once each, none wrapped to the far face); a small supercell and mesh for speed
    const poscar = 'Cu\n1.0\n0 1.79495 1.79495\n1.79495 0 1.79495\n1.79495 1.79495 0\nCu\n1\nDirect\n0.25 0.25 0.25\n';
    const { imported } = await api.structures.import({ files: [{ name: 'Cu-modes.vasp', text: poscar }] });
    await page.getByTestId('nav-simulate').click();
    await page.getByTestId('simulation-structure').selectOption(String(imported[0].id));
    await page.getByTestId('simulation-task-phonons').click();
    await page.getByTestId('simulation-calculator').selectOption('emt');
    await page.getByTestId('simulation-supercell').fill('3');
    await page.getByTestId('simulation-mesh').fill('2');
    const record = await runToEnd(page);
    if (record.summary?.task !== 'phonons') throw new Error('no phonons summary');
    const card = page.getByTestId('simulation-phonon-modes');
    const bands = card.getByTestId('simulation-phonon-band');
    // Γ first: three acoustic bands at zero
    await expect.poll(() => bands.count()).toBe(3);
    expect(await bands.locator('td:nth-child(2)').allTextContents()).toEqual(['0.00', '0.00', '0.00']);
    // X: the frequencies the bands chart has at X
    await card.getByTestId('simulation-phonon-q').selectOption({ label: 'X (0.5, 0, 0.5)' });
    const s = record.summary;
    const atX = s.bands.distances.findIndex((d) => Math.abs(d - s.bands.ticks[1].distance) < 1e-9);
    expect(s.bands.ticks[1].label).toBe('X');
    await expect.poll(() => bands.locator('td:nth-child(2)').allTextContents()).toEqual(s.bands.frequencies[atX].map((f) => f.toFixed(2)));
    // band 2 plays in the viewer in the 2×1×2 supercell X repeats in: four atoms, moving; the camera stays where it was turned
    const canvas = page.getByTestId('simulation-run').getByTestId('structure-canvas');
    const cellAtoms = Number(await canvas.getAttribute('data-atom-count'));
    await bands.nth(2).click();
    await expect.poll(() => card.getByTestId('simulation-phonon-chosen').textContent()).toMatch(/^band 2, \d\.\d\d THz, in a 2×1×2 supercell/);
    expect(cellAtoms).toBe(1);
    await expect.poll(async () => Number(await canvas.getAttribute('data-atom-count'))).toBe(4);
    // the four atoms' centres on the canvas; how far the farthest moved between two looks, px
    const project = () => atomCentres(canvas, 4);
    const moved = (a: Point[], b: Point[]) => Math.max(...a.map((p, i) => Math.hypot(p.x - b[i].x, p.y - b[i].y)));
    await canvas.scrollIntoViewIfNeeded();
    const before = await project();
    await turnView(page, canvas);
    const turned = await project();
    expect(moved(turned, before)).toBeGreaterThan(15);
    // half a second of the animation later (ten frames): the atoms have moved a little (0.1 Å, some 2 px), the camera not at all
    await page.waitForTimeout(500);
    expect(moved(await project(), turned)).toBeLessThan(6);
    await app.screenshot('simulate-phonon-mode-playing');
    expect(await page.getByTestId('simulation-phonon-playing').textContent()).toMatch(/playing band 2 at q = \(0\.5, 0, 0\.5\) in its 2×1×2 supercell/);
    // an amplitude out of range says so, and the motion comes back with a good one
    await card.getByTestId('simulation-phonon-amplitude').fill('5');
    await expect.poll(() => card.getByTestId('simulation-phonon-error').textContent()).toMatch(/the amplitude is how far the atom moving most moves: a number of Å above 0, up to 2/);
    await card.getByTestId('simulation-phonon-amplitude').fill('0.1');
    await expect.poll(() => card.getByTestId('simulation-phonon-error').count()).toBe(0);
    // kept displaced: a structure of 4 atoms, the next run's start
    await card.getByTestId('simulation-phonon-keep').click();
    await expect.poll(() => page.getByTestId('simulation-kept').textContent()).toMatch(/^band 2 at q = \(0\.5, 0, 0\.5\) kept displaced as structure #\d+ \(Cu\), the start of the next run$/);
    const keptId = Number((await page.getByTestId('simulation-kept').textContent())!.match(/#(\d+)/)![1]);
    expect((await api.structures.list({})).find((r) => r.id === keptId)).toMatchObject({ nSites: 4 });
    await expect.poll(() => page.getByTestId('simulation-structure').inputValue()).toBe(String(keptId));
    // the force constants as phonopy's file: 1 atom, 27 in the 3×3×3 supercell
    const download = page.waitForEvent('download');
    await card.getByTestId('simulation-export-force-constants').click();
    const fcFile = await download;
    expect(fcFile.suggestedFilename()).toBe('FORCE_CONSTANTS'); // the name phonopy reads
    const fc = readFileSync((await fcFile.path())!, 'utf8').split('\n');
    expect(fc[0]).toBe('   1   27');
    expect(fc[1]).toBe('1 1');
    // the animation as 30 frames
    const mode = page.waitForEvent('download');
    await card.getByTestId('simulation-export-phonon-mode').click();
    const file = await mode;
    expect(file.suggestedFilename()).toMatch(/-band-2-q-0\.5_0_0\.5\.extxyz$/);
    expect(readFrames('m.extxyz', readFileSync((await file.path())!, 'utf8')).frames).toHaveLength(30);
    // a click on the bands chart between Γ and X: the modes at the nearest wave vector there that repeats in a small supercell
    await page.getByTestId('simulation-chart-bands').click({ position: { x: 160, y: 100 } });
    await expect.poll(async () => (await card.getByTestId('simulation-phonon-q').locator('option:checked').textContent()) ?? '').toMatch(/^\((0\.\d+), 0, \1\) \(clicked on the bands\)$/);
    await expect.poll(() => card.getByTestId('simulation-phonon-chosen').textContent()).toMatch(/in a (\d)×1×\1 supercell/);
    expect(await card.getByTestId('simulation-phonon-error').count()).toBe(0);
    await card.scrollIntoViewIfNeeded();
    await app.screenshot('simulate-phonon-mode');
    // back to the cell
    await page.getByTestId('simulation-phonon-stop').click();
    await expect.poll(async () => Number(await canvas.getAttribute('data-atom-count'))).toBe(1);
    expect(app.errors).toEqual([]);
  });

  it('runs a band between two stored structures: its energy profile charted, its images in the viewer, a click on the profile shows that image', { timeout: 600_000 }, async () => {
    const { page } = app;
    await chooseHop(page);
    const record = await runToEnd(page);
    expect(record.parameters).toMatchObject({ task: 'neb', images: 3, climb: true });
    expect(record.frames).toBe(5);
    await expect.poll(async () => page.getByTestId('simulation-summary').textContent()).toMatch(/^barrier 0\.777 eV \(image 2 of 3, climbing\), reverse 0\.777 eV, reaction energy -?0\.000 eV$/);
    // the 5 images and the curve through them (20 points between neighbours, and the end)
    await expect.poll(async () => Number(await page.getByTestId('simulation-chart-band').getAttribute('data-points'))).toBe(5 + 4 * 20 + 1);
    expect(Number(await page.getByTestId('simulation-chart-fmax').getAttribute('data-points'))).toBe(record.series.step.length);
    // the band is shown at its highest image, the climbing one: the saddle point
    const player = page.getByTestId('simulation-run').getByTestId('trajectory-player');
    await expect.poll(() => player.getByTestId('trajectory-frame').textContent()).toBe('frame 2 of 0–4');
    expect((await player.getByTestId('trajectory-readout').textContent())!.replace(/\s+/g, ' ').trim()).toMatch(/^image 2 of the band · 1\.\d+ Å along it · E 1\.806\d* eV keep as structure$/);
    // a click near the end of the profile shows the last image; the band's highest comes back with a click
    const profile = page.getByTestId('simulation-chart-band');
    await profile.scrollIntoViewIfNeeded();
    const box = (await profile.boundingBox())!;
    await profile.click({ position: { x: box.width * 0.9, y: box.height / 2 } });
    await expect.poll(async () => player.getByTestId('trajectory-frame').getAttribute('data-frame')).toBe('4');
    await player.getByTestId('simulation-follow').click();
    await expect.poll(async () => player.getByTestId('trajectory-frame').getAttribute('data-frame')).toBe('2');
    await app.screenshot('simulate-band');
    expect(app.errors).toEqual([]);
  });

  it('a band is watched as it moves (its images written every few steps), cancelled keeps its band, and goes on from it with a click', { timeout: 600_000 }, async () => {
    const { page } = app;
    await chooseHop(page);
    // a tolerance far below the forces' rounding (~1e-14 eV/Å here): it runs until cancelled (its ends, minima
    // already, taken as they are: relaxed to that tolerance they would take all the steps)
    await page.getByTestId('simulation-neb-relax-ends').uncheck();
    await page.getByTestId('simulation-neb-options').locator('input[type=number]').nth(2).fill('1e-300');
    await page.getByTestId('simulation-neb-steps').fill('1000000');
    await page.getByTestId('simulation-neb-every').fill('5');
    const earlier = new Set((await api.simulations.list({})).map((r) => r.id));
    await page.getByTestId('simulation-start').click();
    const run = page.getByTestId('simulation-run');
    await expect.poll(async () => !earlier.has(Number(await run.getAttribute('data-id'))), { timeout: 60_000 }).toBe(true);
    const id = Number(await run.getAttribute('data-id'));
    // while it runs: the band's profile at a step, and its highest image in the viewer at that step
    const profileTitle = page.locator('.charts h3', { hasText: /^Energy along the band \(step \d+\)$/ });
    await expect.poll(() => profileTitle.count(), { timeout: 60_000 }).toBe(1);
    const player = run.getByTestId('trajectory-player');
    await expect.poll(async () => ((await player.getByTestId('trajectory-readout').textContent()) ?? '').replace(/\s+/g, ' ')).toMatch(/^ ?image 2 of the band · 1\.\d+ Å along it · step \d+ /);
    expect(await run.getAttribute('data-status')).toBe('running');
    await player.scrollIntoViewIfNeeded();
    await page.waitForTimeout(1500);
    await app.screenshot('simulate-band-live');
    const firstStep = Number(/step (\d+)/.exec((await profileTitle.textContent())!)![1]);
    await expect.poll(async () => Number(/step (\d+)/.exec((await profileTitle.textContent()) ?? '')?.[1] ?? -1)).toBeGreaterThan(firstStep);
    await page.getByTestId('simulation-cancel').click();
    await expect.poll(async () => run.getAttribute('data-status'), { timeout: 60_000 }).toBe('cancelled');
    const stopped = await api.simulations.get({ id });
    expect(stopped.frames).toBe(5);
    // cancelled: its band as it stood, to go on from
    await page.getByTestId('simulation-continue-band').click();
    await expect.poll(async () => Number(await run.getAttribute('data-id'))).not.toBe(id);
    const next = Number(await run.getAttribute('data-id'));
    await expect.poll(() => profileTitle.count(), { timeout: 60_000 }).toBe(1);
    await page.getByTestId('simulation-cancel').click();
    await expect.poll(async () => run.getAttribute('data-status'), { timeout: 60_000 }).toBe('cancelled');
    const on = await api.simulations.get({ id: next });
    expect(on.name).toBe(`${stopped.name}, continued`);
    expect(on.parameters).toMatchObject({ task: 'neb', path: 'given', images: 3, every: 5, relaxEnds: false });
    // it started where the band stood: its first step is the band the cancelled run kept
    const kept = await api.simulations.frames({ id });
    expect(on.series.values.barrier[0]).toBeCloseTo(Math.max(...kept.slice(1, -1).map((f) => f.energy)) - kept[0].energy, 9);
    expect(app.errors).toEqual([]);
  });

  it('builds a vacancy hop in Structures (a supercell, two atoms picked in the viewer) and runs the band between its ends', { timeout: 600_000 }, async () => {
    const { page } = app;
    const { imported } = await api.structures.import({ files: [{ name: 'Cu-conventional.vasp', text: copperPoscar(1) }] });
    await page.getByTestId('nav-structures').click();
    await page.locator(`[data-testid="structure-item"][data-id="${imported[0].id}"]`).click();
    const header = page.getByTestId('structure-header');
    await expect.poll(() => header.textContent()).toMatch(/4 sites/);
    // a 2×1×1 supercell: 8 atoms, fcc's space group kept
    await header.getByTestId('structure-repeat-b').fill('1');
    await header.getByTestId('structure-repeat-c').fill('1');
    await header.getByTestId('structure-supercell').click();
    await expect.poll(() => header.textContent()).toMatch(/\(2×1×1 supercell\)/);
    expect(await header.textContent()).toMatch(/8 sites/);
    expect(await header.getByTestId('structure-spacegroup').getAttribute('data-number')).toBe('225');
    // two atoms picked in the viewer: the first becomes the vacancy, the second hops into it
    const canvas = page.getByTestId('structure-canvas');
    // the cell's own atoms only (no images on its faces): one drawn atom per site
    await page.getByTestId('viewer-boundary').uncheck();
    await canvas.scrollIntoViewIfNeeded();
    await expect.poll(async () => Number(await canvas.getAttribute('data-atom-count'))).toBe(8);
    const centres = await atomCentres(canvas);
    const box = (await canvas.boundingBox())!;
    const [first] = centres;
    await canvas.click({ position: first });
    await expect.poll(async () => (await canvas.getAttribute('data-picks'))!.split(',').filter(Boolean).length).toBe(1);
    const second = centres.find((c) => Math.hypot(c.x - first.x, c.y - first.y) > 40 && c.x > 10 && c.y > 10 && c.x < box.width - 10 && c.y < box.height - 10)!;
    await canvas.click({ position: second });
    const bar = page.getByTestId('structure-hop');
    await expect.poll(() => bar.count()).toBe(1);
    const [, vacancy, hopper] = /remove site (\d+), and site (\d+) hops into its place/.exec((await bar.textContent())!)!.map(Number);
    expect(vacancy).not.toBe(hopper);
    await app.screenshot('structures-vacancy-hop');
    await bar.getByTestId('structure-vacancy-hop').click();
    const made = page.getByTestId('structure-hop-made');
    await expect.poll(() => made.count()).toBe(1);
    expect(await header.textContent()).toMatch(new RegExp(`vacancy at site ${vacancy}`));
    expect(await header.textContent()).toMatch(/7 sites/);
    const [, startId, endId] = /start #(\d+) and end #(\d+) stored/.exec((await made.textContent())!)!.map(Number);
    expect((await api.structures.get({ id: endId })).name).toMatch(new RegExp(`site ${hopper} hopped into the vacancy at site ${vacancy}$`));
    // on to Simulate: the band from the start to the end, chosen
    await made.getByTestId('structure-hop-simulate').click();
    await expect.poll(() => page.getByTestId('simulation-neb-end').inputValue()).toBe(String(endId));
    expect(await page.getByTestId('simulation-structure').inputValue()).toBe(String(startId));
    await page.getByTestId('simulation-calculator').selectOption('emt');
    await page.getByTestId('simulation-neb-images').fill('1');
    await page.getByTestId('simulation-neb-steps').fill('20');
    const band = await runToEnd(page);
    expect(band.parameters).toMatchObject({ task: 'neb', images: 1, relaxEnds: true, endName: expect.stringMatching(/hopped into the vacancy/) });
    expect(band.frames).toBe(3);
    // the ends, cut from the perfect lattice, were relaxed before the band
    expect(band.summary?.task === 'neb' && band.summary.relaxedEnds!.steps.every((k) => k > 0)).toBe(true);
    expect(app.errors).toEqual([]);
  });

  it("computes a crystal's elastic constants, shows them as a table with its moduli, and compares two calculators'", { timeout: 600_000 }, async () => {
    const { page } = app;
    // fcc Cu at EMT's lattice constant: no stress to start from
    const { imported } = await api.structures.import({ files: [{ name: 'Cu-eq.vasp', text: copperPoscar(1).replace(/3\.600000/g, '3.589900') }] });
    await page.getByTestId('nav-simulate').click();
    await page.getByTestId('simulation-structure').selectOption(String(imported[0].id));
    await page.getByTestId('simulation-task-elastic').click();
    await page.getByTestId('simulation-calculator').selectOption('emt');
    expect(await page.getByTestId('simulation-fixed').count()).toBe(0); // every atom follows the strain
    await page.getByTestId('simulation-strain').fill('0.005');
    const emt = await runToEnd(page);
    expect(emt.parameters).toMatchObject({ task: 'elastic', strain: 0.005, relax: true });
    const card = page.getByTestId('simulation-elastic');
    await expect.poll(() => card.getByTestId('simulation-elastic-row').count()).toBe(6);
    expect(await card.getByTestId('simulation-elastic-row').first().locator('td').allTextContents()).toEqual(['172.5', '115.4', '115.4', '0.0', '0.0', '0.0']);
    expect(await card.getByTestId('simulation-elastic-moduli').textContent()).toMatch(/bulk modulus 134\.\d \/ 134\.\d \/ 134\.\d GPa/);
    expect(await card.getByTestId('simulation-elastic-notes').count()).toBe(0);
    expect(await page.getByTestId('simulation-summary').textContent()).toMatch(/^bulk modulus 134\.\d GPa · shear modulus \d+\.\d GPa \(Hill\) · Young's \d+\.\d GPa · Poisson 0\.3\d\d · mechanically stable$/);
    await expect.poll(async () => Number(await page.getByTestId('simulation-chart-elastic').getAttribute('data-points'))).toBe(24);
    // a Lennard-Jones crystal off its own minimum: under stress, and the card says so; its constants against EMT's
    await page.getByTestId('simulation-calculator').selectOption('lj');
    await runToEnd(page);
    await expect.poll(async () => (await card.getByTestId('simulation-elastic-notes').textContent()) ?? '').toMatch(/the start is under stress \(up to \d+\.\d\d GPa\): relax it with its cell first/);
    await page.getByTestId('simulation-compare').selectOption(String(emt.id));
    await expect.poll(async () => page.getByTestId('simulation-compare-summary').textContent()).toMatch(new RegExp(`^against #${emt.id} emt: bulk modulus [+−]\\d+\\.\\d\\d %, shear modulus [+−]\\d+\\.\\d\\d % \\(Hill\\), largest \\|ΔC_ij\\| \\d+\\.\\d GPa$`));
    await card.scrollIntoViewIfNeeded();
    await app.screenshot('simulate-elastic');
    expect(app.errors).toEqual([]);
  });

  it('computes the vibrations of a structure, lists its modes and draws the one chosen', { timeout: 600_000 }, async () => {
    const { page } = app;
    // the Au₈ cell as it starts (not relaxed: some modes imaginary)
    await chooseAu8(page);
    await page.getByTestId('simulation-task-vibrations').click();
    await page.getByTestId('simulation-calculator').selectOption('emt');
    expect(await page.getByTestId('simulation-delta').inputValue()).toBe('0.01');
    await page.getByTestId('simulation-fixed').fill('7');
    await page.getByTestId('simulation-fixed').dispatchEvent('change');
    const record = await runToEnd(page);
    const run = page.getByTestId('simulation-run');
    expect(record.parameters).toEqual({ task: 'vibrations', delta: 0.01, fixed: [7] });
    if (record.summary?.task !== 'vibrations') throw new Error('no vibrations summary');
    expect(record.summary.atoms).toEqual([0, 1, 2, 3, 4, 5, 6]);
    // the summary line and one row per mode, the first shown being the most imaginary one
    const imaginary = record.summary.energies.filter((e) => e < 0).length;
    const summary = (await page.getByTestId('simulation-summary').textContent())!;
    expect(summary).toMatch(/^21 modes of 7 atoms · highest \d+\.\d\d meV \(\d+\.\d cm⁻¹\) · zero-point energy \d\.\d{4} eV/);
    if (imaginary) expect(summary).toMatch(new RegExp(` · ${imaginary} imaginary, down to \\d+\\.\\di cm⁻¹$`));
    const rows = page.getByTestId('simulation-vibration-mode');
    await expect.poll(() => rows.count()).toBe(21);
    const canvas = run.getByTestId('structure-canvas');
    const arrows = () => arrowCounts(canvas);
    // an arrow on every displayed atom but the held one, which does not move
    const shownAtoms = Number(await canvas.getAttribute('data-atom-count'));
    await expect.poll(async () => Object.keys(await arrows())).toEqual(['vibration']);
    const drawn = (await arrows()).vibration;
    expect(drawn).toBeGreaterThanOrEqual(7);
    expect(drawn).toBeLessThan(shownAtoms);
    // choosing another mode draws that one; its row is marked
    await rows.nth(20).click();
    await expect.poll(() => rows.nth(20).getAttribute('class')).toMatch(/chosen/);
    expect((await rows.nth(20).locator('td').nth(2).textContent())!).toBe(record.summary.frequencies[20].toFixed(1));
    // the chosen mode as ASE's animation: 30 frames, the held atom still
    const download = page.waitForEvent('download');
    await page.getByTestId('simulation-export-mode').click();
    const file = await download;
    expect(file.suggestedFilename()).toMatch(/-mode-20\.extxyz$/);
    const frames = readFrames('m.extxyz', readFileSync((await file.path())!, 'utf8')).frames;
    expect(frames).toHaveLength(30);
    expect(frames.every((f) => [21, 22, 23].every((k) => Math.abs(f.structure.cart[k] - frames[0].structure.cart[k]) < 1e-9))).toBe(true);
    await canvas.scrollIntoViewIfNeeded();
    await app.screenshot('simulate-vibrations');
    expect(app.errors).toEqual([]);
  });

  it("a reload while a run goes shows its settings in the form; one changed, the next run is the same but for it; a finished run's settings come back with a click", { timeout: 600_000 }, async () => {
    const { page } = app;
    // Cu32 whose file holds atom 5 fixed, and another structure before it: the one a page load chooses,
    // until the run's settings choose the run's
    const lines = copperPoscar(2, 0.1).trimEnd().split('\n');
    const at = lines.indexOf('Direct');
    const flagged = [...lines.slice(0, at), 'Selective dynamics', 'Direct', ...lines.slice(at + 1).map((l, i) => `${l} ${i === 5 ? 'F F F' : 'T T T'}`)].join('\n');
    const { imported } = await api.structures.import({ files: [{ name: 'Ag32.vasp', text: copperPoscar(2, 0, 'Ag') }, { name: 'Cu32-warm.vasp', text: flagged + '\n' }] });
    const [ag32, cu32] = imported.map((r) => r.id);
    await page.getByTestId('nav-simulate').click();
    await page.getByTestId('simulation-structure').selectOption(String(cu32));
    await page.getByTestId('simulation-task-md').click();
    await page.getByTestId('simulation-calculator').selectOption('emt');
    await expect.poll(() => page.getByTestId('simulation-fixed').inputValue()).toBe('5');
    const fields = { 'simulation-temperature': '450', 'simulation-timestep': '2', 'simulation-steps': '1000000', 'simulation-every': '7', 'simulation-seed': '11', 'simulation-name': 'warm copper' };
    for (const [id, value] of Object.entries(fields)) await page.getByTestId(id).fill(value);
    await page.getByTestId('simulation-fixed').fill('0-2');
    await page.getByTestId('simulation-fixed').dispatchEvent('change');
    const earlier = new Set((await api.simulations.list({})).map((r) => r.id));
    await page.getByTestId('simulation-start').click();
    await expect.poll(async () => (await api.simulations.list({})).filter((r) => !earlier.has(r.id)).length, { timeout: 60_000 }).toBe(1);
    const first = (await api.simulations.list({})).find((r) => !earlier.has(r.id))!;
    expect(first.parameters).toMatchObject({ task: 'md', temperature: 450, timestep: 2, steps: 1_000_000, every: 7, seed: 11, fixed: [0, 1, 2] });

    // reloaded while it runs: the view shows it, and the form holds its settings (its fixed atoms, not
    // the file's, once the file has been read)
    await page.reload();
    await waitUntilConnected(page);
    const run = page.getByTestId('simulation-run');
    await expect.poll(() => run.getAttribute('data-id'), { timeout: 60_000 }).toBe(String(first.id));
    await page.getByTestId('simulation-file-constraints').waitFor();
    await expect.poll(() => page.getByTestId('simulation-task-md').getAttribute('aria-selected')).toBe('true');
    for (const [id, value] of Object.entries(fields)) await expect.poll(() => page.getByTestId(id).inputValue(), { message: id }).toBe(value);
    expect(await page.getByTestId('simulation-structure').inputValue()).toBe(String(cu32));
    expect(await page.getByTestId('simulation-calculator').inputValue()).toBe('emt');
    expect(await page.getByTestId('simulation-fixed').inputValue()).toBe('0-2');
    expect(await page.getByTestId('simulation-file-constraints').textContent()).toBe("the file holds 1 atom fixed (5). The form took a run's settings: the fixed-atoms field holds its fixed atoms.");
    await page.getByTestId('simulation-cancel').click();
    await expect.poll(() => run.getAttribute('data-status'), { timeout: 60_000 }).toBe('cancelled');
    expect(await page.getByTestId('simulation-fixed').inputValue()).toBe('0-2');

    // one field changed: the second run is the first but for it
    await page.getByTestId('simulation-temperature').fill('500');
    await page.getByTestId('simulation-start').click();
    await expect.poll(() => run.getAttribute('data-id'), { timeout: 60_000 }).not.toBe(String(first.id));
    const second = await api.simulations.get({ id: Number(await run.getAttribute('data-id')) });
    expect(second.structureId).toBe(cu32);
    expect(second.calculatorSpec).toEqual(first.calculatorSpec);
    expect(second.parameters).toEqual({ ...first.parameters, temperature: 500 });
    expect(second.name).toBe('warm copper');
    await page.getByTestId('simulation-cancel').click();
    await expect.poll(() => run.getAttribute('data-status'), { timeout: 60_000 }).toBe('cancelled');

    // a finished run's settings, from the list, with another structure chosen: the form takes them again, and its structure
    await page.locator(`[data-testid="simulation-item"][data-id="${first.id}"]`).click();
    await expect.poll(() => run.getAttribute('data-id')).toBe(String(first.id));
    await page.getByTestId('simulation-structure').selectOption(String(ag32));
    await expect.poll(() => page.getByTestId('simulation-fixed').inputValue()).toBe('');
    expect(await page.getByTestId('simulation-temperature').inputValue()).toBe('500');
    await page.getByTestId('simulation-use-settings').click();
    await expect.poll(() => page.getByTestId('simulation-temperature').inputValue()).toBe('450');
    expect(await page.getByTestId('simulation-structure').inputValue()).toBe(String(cu32));
    await page.getByTestId('simulation-file-constraints').waitFor();
    expect(await page.getByTestId('simulation-fixed').inputValue()).toBe('0-2');
    await app.screenshot('simulate-use-settings');
    expect(app.errors).toEqual([]);
  });
});
