import { describe, expect, it } from 'vitest';
import { calculatorSpecSchema, simulationRequestSchema } from '../../../src-shared/ipc/services/simulations';
import type { SimulationFrameView } from '../../../src-shared/ipc/contract';
import {
  exportingText,
  exportCancelledText,
  appendFramesToSeries,
  bandImageAt,
  bandProfile,
  highestImage,
  streamBand,
  comparedLabel,
  comparisonSummary,
  defaultForm,
  elasticTable,
  fieldProblems,
  formProblem,
  frameStepText,
  missingPotential,
  summaryText,
  frameAt,
  frameForceArrows,
  largestForceWith,
  frameRdfChart,
  frameStructure,
  firstVibrationMode,
  formFromRun,
  formRequest,
  modeArrows,
  phononModesView,
  phononRows,
  potentialModels,
  vibrationRow,
  simulationCharts,
  simulationListLabel,
  startRefusalText,
  type SimulationForm,
} from '../../../src-renderer/lib/simulation';
import { readStructures } from '../../../src-shared/chem';
import { EmtCalculator, runSimulation } from '../../../src-shared/sim';
import type { ModelRecord, SimulationParameters, SimulationRecord } from '../../../src-shared/ipc/contract';
import type { Mat3 } from '../../../src-shared/chem/structure';
import { plannedSteps, SIMULATION_DEFAULTS } from '../../../src-shared/sim/job';
import { NEB_DEFAULTS } from '../../../src-shared/sim/neb';

function frame(index: number, step: number, values: Record<string, number | null>): SimulationFrameView {
  return { index, step, time: null, energy: values.energy ?? 0, values, lattice: null, cart: [0, 0, 0], forces: [0, 0, 0], stress: null, velocities: null };
}

describe('Simulate panel helpers', () => {
  it('names runs of one structure apart in the list: formula (not the POSCAR comment), MD ensemble and temperature, start time in the hover', () => {
    const base = { name: 'md of Ni Ag Ni Ag Ni Ag Ni Ag with emt #2', formula: 'AgNi', structureName: 'Ni Ag Ni Ag Ni Ag Ni Ag', startedAt: new Date(2026, 11, 7, 2, 41).getTime() };
    const md = (ensemble: 'nvt' | 'npt', temperature: number) => ({ ...SIMULATION_DEFAULTS.md, ensemble, temperature, pressure: 1.5 });
    expect(simulationListLabel({ ...base, parameters: md('nvt', 300) }).label).toBe('AgNi · NVT 300 K');
    expect(simulationListLabel({ ...base, parameters: md('npt', 600) }).label).toBe('AgNi · NPT 600 K 1.5 GPa');
    expect(simulationListLabel({ ...base, parameters: SIMULATION_DEFAULTS.relax }).label).toBe('AgNi');
    expect(simulationListLabel({ ...base, formula: '', parameters: SIMULATION_DEFAULTS.relax }).label).toBe('Ni Ag Ni Ag Ni Ag Ni Ag');
    expect(simulationListLabel({ ...base, parameters: md('nvt', 300) }).title).toBe('md of Ni Ag Ni Ag Ni Ag Ni Ag with emt #2 — Ni Ag Ni Ag Ni Ag Ni Ag, started 2026-12-07 02:41');
  });

  it("the default form's requests pass the contract's validation for every task and calculator", () => {
    for (const task of ['relax', 'md', 'eos', 'vibrations', 'elastic', 'phonons', 'neb'] as const) {
      for (const calculator of ['emt', 'lj', 'morse'] as const) {
        const form = defaultForm();
        form.task = task;
        // a band ends at a stored structure
        form.neb.endStructureId = 12;
        form.calculator = calculator;
        const req = formRequest(form);
        expect(simulationRequestSchema.safeParse(req.parameters).success).toBe(true);
        expect(calculatorSpecSchema.safeParse(req.calculator).success).toBe(true);
        expect(req.parameters.task).toBe(task);
        expect(req.calculator.kind).toBe(calculator);
      }
    }
    // a pressure in pascals typed for GPa is refused with its unit (it crushes any cell)
    const relax = { ...SIMULATION_DEFAULTS.relax, cell: true };
    expect(simulationRequestSchema.safeParse({ ...relax, pressure: 10_000 }).success).toBe(true);
    const pascals = simulationRequestSchema.safeParse({ ...relax, pressure: 1e6 });
    expect(pascals.success).toBe(false);
    expect(pascals.error?.issues[0]).toMatchObject({ path: ['pressure'], message: 'must be a pressure in GPa from −10,000 to 10,000 (1 bar is 0.0001 GPa)' });
    expect(simulationRequestSchema.safeParse({ ...SIMULATION_DEFAULTS.md, ensemble: 'npt', pressure: -1e5 }).success).toBe(false);
  });

  it('a band: needs its end state, asks for it by id, charts its energy profile, finds an image by its distance along the path, and compares barriers', () => {
    const form = defaultForm();
    form.task = 'neb';
    expect(formProblem(form)).toMatch(/^choose the end state/);
    expect(() => formRequest(form)).toThrow(/choose the end state/);
    form.neb.endStructureId = 4;
    form.neb.images = 3;
    expect(formProblem(form)).toBeNull();
    expect(formRequest(form).parameters).toEqual({ task: 'neb', endStructureId: 4, images: 3, spring: 0.1, climb: true, path: 'linear', optimizer: 'fire', fmax: 0.05, maxSteps: 500, every: 10, relaxEnds: true, fixed: [] });
    expect(simulationRequestSchema.safeParse({ ...formRequest(form).parameters, images: 0 }).success).toBe(false);
    const summary = {
      task: 'neb' as const,
      converged: true,
      steps: 30,
      fmax: 0.04,
      climb: true,
      energies: [-10, -9.8, -9.2, -9.7, -10.1],
      distances: [0, 0.6, 1.3, 1.9, 2.5],
      highest: 2,
      barrier: 0.8,
      reverseBarrier: 0.9,
      reactionEnergy: -0.1,
      endForces: [0.001, 0.002] as [number, number],
      path: 'linear' as const,
      fit: { distances: [0, 1.3, 2.5], energies: [0, 0.85, -0.1] },
      fittedBarrier: 0.85,
    };
    const parameters = { ...SIMULATION_DEFAULTS.neb, images: 3 };
    const run = { task: 'neb' as const, parameters, summary };
    const charts = simulationCharts(run, { step: [0, 1, 2], values: { barrier: [1.2, 0.9, 0.8], fmax: [1, 0.3, 0.04] } });
    expect(charts.map((c) => c.id)).toEqual(['band', 'barrier', 'fmax']);
    const profile = charts[0].option.series as { data: [number, number][] }[];
    expect(profile[0].data.map(([d, e]) => [d, Number(e.toFixed(6))])).toEqual([[0, 0], [0.6, 0.2], [1.3, 0.8], [1.9, 0.3], [2.5, -0.1]]);
    expect(profile[1]).toMatchObject({ name: 'fit', data: [[0, 0], [1.3, 0.85], [2.5, -0.1]] });
    expect(bandImageAt({ summary, frames: 5 }, 1.5)).toBe(2);
    expect(bandImageAt({ summary, frames: 5 }, 9)).toBe(4);
    // before the band's first images are written: no image
    expect(bandImageAt({ summary, frames: 0 }, 1.5)).toBeNull();
    // the step charts do not stand for frames
    expect(frameAt({ parameters, summary, frames: 5 }, 1)).toBeNull();
    const other = { ...summary, barrier: 0.75, reactionEnergy: -0.05 };
    expect(comparisonSummary({ summary, nAtoms: 31 }, { summary: other, nAtoms: 31 }, '#3 emt')).toBe('against #3 emt: barrier +50.0 meV, reaction energy −50.0 meV');
  });

  it('a running band: its images as streamed, each written over the one before; its profile once every image has come, the highest image, an image by its distance', () => {
    const point = (index: number, step: number, energy: number, distance: number) => ({ index, step, time: null, energy, values: { energy, distance, fmax: 0.1 }, lattice: null, cart: [0, 0, 0], forces: [0, 0, 0], stress: null, velocities: null });
    const parameters = { ...SIMULATION_DEFAULTS.neb, images: 3 };
    const run = { task: 'neb' as const, parameters, summary: null };
    // the first write cut between two events: no profile until its last image has come
    let band = streamBand(null, [point(0, 0, -10, 0), point(1, 0, -9.9, 0.6), point(2, 0, -9.5, 1.2)], 5);
    expect(bandProfile(run, band)).toBeNull();
    expect(simulationCharts(run, { step: [], values: {} }, null, band).map((c) => c.id)).toEqual(['barrier', 'fmax']);
    band = streamBand(band, [point(3, 0, -9.9, 1.8), point(4, 0, -10.1, 2.4)], 5);
    expect(bandProfile(run, band)).toEqual({ distances: [0, 0.6, 1.2, 1.8, 2.4], energies: [0, 0.1, 0.5, 0.1, -0.1].map((e) => expect.closeTo(e, 12)), fit: null, step: 0 });
    // the band at step 10, written over it: the images move, the highest with them
    band = streamBand(band, [0, 1, 2, 3, 4].map((k) => point(k, 10, [-10, -9.6, -9.8, -9.9, -10.1][k], 0.55 * k)), 5);
    const profile = bandProfile(run, band)!;
    expect([profile.step, highestImage(profile)]).toEqual([10, 1]);
    const charts = simulationCharts(run, { step: [0, 10], values: { barrier: [0.5, 0.4], fmax: [1, 0.5] } }, null, band);
    expect(charts.map((c) => [c.id, c.title])).toEqual([
      ['band', 'Energy along the band (step 10)'],
      ['barrier', 'Highest image above the start'],
      ['fmax', 'Largest force on the band'],
    ]);
    // the images only: the curve through them comes with the result
    expect((charts[0].option.series as unknown[]).length).toBe(1);
    expect(bandImageAt({ summary: null, frames: 5 }, 1.2, band)).toBe(2);
    expect(bandImageAt({ summary: null, frames: 5 }, 1.2, null)).toBeNull();
    // points of another band size start afresh
    expect(streamBand(band, [point(0, 0, -10, 0)], 7)).toHaveLength(7);
  });

  it("says before sending what of the form the run would be refused, each field named as the panel shows it: emptied, 0 where it must be positive, out of range (tester A: the contract's validator text reached the panel)", () => {
    const md = defaultForm();
    md.task = 'md';
    expect(fieldProblems(md)).toEqual([]);
    // an emptied number field gives '' (v-model.number): until session 46 "invalid argument to simulations.start: parameters.temperature: Invalid input: expected number, received string"
    md.md.temperature = '' as unknown as number;
    md.md.timestep = 0;
    md.md.steps = 2.5;
    md.md.every = 0;
    md.md.seed = '' as unknown as number;
    expect(fieldProblems(md)).toEqual(['T must be a number', 'time step must be positive', 'steps must be a whole number', 'frame every must be at least 1', 'seed must be a number']);
    expect(formProblem(md)).toBe('T must be a number');
    expect(() => formRequest(md)).toThrow('T must be a number');
    md.md = { ...defaultForm().md, timestep: 1e9, temperature: -1 };
    expect(fieldProblems(md)).toEqual(['T must be zero or positive', 'time step must be at most 50 fs']);
    // every task's numbers
    const cases: [SimulationForm['task'], (f: SimulationForm) => void, string][] = [
      ['relax', (f) => (f.relax.fmax = 0), 'fmax must be positive'],
      ['relax', (f) => (f.relax.maxSteps = 2_000_000), 'max steps must be at most 1,000,000'],
      ['relax', (f) => (f.relax.smax = '' as unknown as number), 'stress tol. must be a number'],
      ['relax', (f) => (f.relax.pressure = 20_000), 'pressure must be a pressure in GPa from −10,000 to 10,000 (1 bar is 0.0001 GPa)'],
      ['eos', (f) => (f.eos.points = 4), 'volumes must be at least 5'],
      ['eos', (f) => (f.eos.range = 0.5), 'range ± must be below 0.5'],
      ['vibrations', (f) => (f.vibrations.delta = 0.2), 'displacement must be at most 0.1 Å'],
      ['phonons', (f) => (f.phonons.delta = 0), 'displacement must be positive'],
      ['elastic', (f) => (f.elastic.strain = 0.1), 'largest strain must be at most 0.05'],
      ['neb', (f) => ((f.neb.endStructureId = 2), (f.neb.images = 0)), 'images must be at least 1'],
      ['neb', (f) => ((f.neb.endStructureId = 2), (f.neb.every = '' as unknown as number)), 'band every must be a number'],
    ];
    for (const [task, edit, said] of cases) {
      const form = defaultForm();
      form.task = task;
      edit(form);
      expect(fieldProblems(form), task).toEqual([said]);
    }
    const named = defaultForm();
    named.name = 'x'.repeat(201);
    expect(formProblem(named)).toBe('name must be at most 200 characters');
  });

  it("says the contract's refusal of a start, if it comes, in the panel's words: no \"invalid argument to simulations.start:\" and no value paths where the panel names the field", () => {
    const form = defaultForm();
    form.task = 'md';
    // the error as it crosses the boundary (src-main/ipc/dispatch.ts)
    const refusal = { name: 'ValidationError', message: 'invalid argument to simulations.start: parameters.timestep: must be positive', details: [{ path: ['parameters', 'timestep'], message: 'must be positive' }] };
    expect(startRefusalText(refusal, form)).toBe('time step must be positive');
    expect(startRefusalText({ ...refusal, details: [{ path: ['structureId'], message: 'must be positive' }] }, form)).toBe('structureId: must be positive');
    expect(startRefusalText(new Error('structure 3 not found'), form)).toBe('structure 3 not found');
  });

  it('emptied parameter fields mean the defaults; typed ones are sent; the form is not shared between calls', () => {
    const form = defaultForm();
    form.calculator = 'lj';
    // an emptied number field gives '' (v-model.number)
    form.lj = { sigma: 3.4, epsilon: Number.NaN, cutoff: '' as unknown as number };
    expect(formRequest(form).calculator).toEqual({ kind: 'lj', parameters: { sigma: 3.4 } });
    // 0 is no default: refused, naming the field (until session 46 it was the default, as a negative ε was, without a word)
    form.lj.cutoff = 0;
    expect(formProblem(form)).toBe('cutoff must be positive');
    form.lj = { sigma: 3.4, epsilon: -1 };
    expect(formProblem(form)).toBe('ε must be positive');
    form.lj = { sigma: 3.4 };
    form.md.steps = 50;
    expect(defaultForm().md.steps).toBe(1000);
    form.name = '  heat it  ';
    expect(formRequest(form).name).toBe('heat it');
    expect(formRequest(defaultForm())).not.toHaveProperty('name');
  });

  it('a trained potential is asked for by its model id, and must be chosen', () => {
    const record = (id: number, task: ModelRecord['task']) => ({ id, task, name: `m${id}` }) as ModelRecord;
    expect(potentialModels([record(1, 'regression'), record(2, 'potential'), record(3, 'classification')]).map((m) => m.id)).toEqual([2]);
    const form = defaultForm();
    form.calculator = 'model';
    expect(formProblem(form)).toMatch(/choose a trained potential/);
    expect(() => formRequest(form)).toThrow(/choose a trained potential/);
    form.modelId = 2;
    expect(formProblem(form)).toBeNull();
    const req = formRequest(form);
    expect(req.calculator).toEqual({ kind: 'model', modelId: 2 });
    expect(calculatorSpecSchema.safeParse(req.calculator).success).toBe(true);
    expect(calculatorSpecSchema.safeParse({ kind: 'model', modelId: 0 }).success).toBe(false);
    expect(calculatorSpecSchema.safeParse({ kind: 'model' }).success).toBe(false);
  });

  it('"stop where the potential extrapolates" is asked for with a trained potential only', () => {
    const form = defaultForm();
    form.relax.stopWhenExtrapolating = true;
    form.md.stopWhenExtrapolating = true;
    // ticked, then the calculator changed to a built-in: the hidden box asks for nothing
    for (const task of ['relax', 'md'] as const) {
      form.task = task;
      form.calculator = 'emt';
      expect(formRequest(form).parameters).toMatchObject({ stopWhenExtrapolating: false });
      form.calculator = 'model';
      form.modelId = 2;
      const req = formRequest(form);
      expect(req.parameters).toMatchObject({ task, stopWhenExtrapolating: true });
      expect(simulationRequestSchema.safeParse(req.parameters).success).toBe(true);
    }
    expect(defaultForm().md.stopWhenExtrapolating).toBe(false);
  });

  it("charts the radial distribution of the frame shown; a molecule's frame has none", () => {
    const run = { numbers: [29, 29, 29, 29], pbc: [true, true, true] as [boolean, boolean, boolean] };
    const lattice: Mat3 = [
      [3.61, 0, 0],
      [0, 3.61, 0],
      [0, 0, 3.61],
    ];
    const cart = [0, 0, 0, 0, 1.805, 1.805, 1.805, 0, 1.805, 1.805, 1.805, 0];
    const chart = frameRdfChart(run, { index: 4, step: 40, time: null, energy: 0, values: {}, lattice, cart, forces: [], stress: null, velocities: null })!;
    // frame index 4, as `structure rdf --frames 4:5` takes it (the README numbers frames from 0)
    expect(chart.title).toBe('Radial distribution, frame 4');
    expect(chart.points).toBe(120);
    const data = (chart.option.series as { data: [number, number][] }[])[0].data;
    // fcc: the first shell, 12 neighbours at a/√2 = 2.553 Å, in the bin (2.55, 2.60]
    const peak = data.reduce((best, p) => (p[1] > best[1] ? p : best));
    expect(peak[0]).toBeCloseTo(2.575, 6);
    expect(peak[1]).toBeCloseTo(12 / (4 * Math.PI * 0.05 * (2.575 ** 2 + 0.05 ** 2 / 12) * (4 / 3.61 ** 3)), 9);
    expect(frameRdfChart(run, { index: 0, step: 0, time: null, energy: 0, values: {}, lattice: null, cart, forces: [], stress: null, velocities: null })).toBeNull();
  });

  it("flags a frame's atoms with what the run held, for the viewer's movement-flag labels", () => {
    const run = { numbers: [29, 29, 29], pbc: [true, true, true] as [boolean, boolean, boolean] };
    const frame = { index: 0, step: 0, time: null, energy: 0, values: {}, lattice: null, cart: new Array(9).fill(0), forces: [], stress: null, velocities: null };
    const flags = (s: ReturnType<typeof frameStructure>) =>
      Object.fromEntries(Object.entries(s.siteProperties ?? {}).map(([k, p]) => [k, Array.from(p.values as ArrayLike<number>)]));
    expect(frameStructure(run, frame).siteProperties).toBeUndefined();
    const relax = { ...SIMULATION_DEFAULTS.relax, fixed: [0], axisConstraints: [{ atom: 2, held: [false, false, true] as [boolean, boolean, boolean], frame: 'lattice' as const }] };
    expect(flags(frameStructure({ ...run, parameters: relax }, frame))).toEqual({ selectiveDynamics: [0, 0, 0, 1, 1, 1, 1, 1, 0] });
    const cartesian = { ...relax, axisConstraints: [{ ...relax.axisConstraints[0], frame: 'cartesian' as const }] };
    expect(flags(frameStructure({ ...run, parameters: cartesian }, frame))).toEqual({ move_mask: [0, 0, 0, 1, 1, 1, 1, 1, 0] });
    expect(frameStructure({ ...run, parameters: { ...SIMULATION_DEFAULTS.relax } }, frame).siteProperties).toBeUndefined();
    // the contract takes such parameters, and refuses a frame it does not know or a mask of two axes
    expect(simulationRequestSchema.safeParse(relax).success).toBe(true);
    expect(simulationRequestSchema.safeParse({ ...relax, axisConstraints: [{ atom: 2, held: [true, false, false], frame: 'fractional' }] }).success).toBe(false);
    expect(simulationRequestSchema.safeParse({ ...relax, axisConstraints: [{ atom: 2, held: [true, false], frame: 'lattice' }] }).success).toBe(false);
  });

  it("draws a frame's forces at one scale for the whole run: the largest force of any frame is 1.6 Å long", () => {
    const frame = { forces: [0.3, 0, -0.4, 0, 0, 0, 0, 0.1, 0] };
    // a relaxation whose first frame had 2 eV/Å: this frame's 0.5 eV/Å arrow is a quarter as long
    const early = frameForceArrows({ largestForce: 2 }, frame)!;
    expect(early.largest).toBe(2);
    expect(early.scale).toBeCloseTo(0.8, 12);
    expect(Array.from(early.arrows.vectors)).toEqual(frame.forces);
    // coloured by |F| over the run's range: the zero force at the low end, the 0.5 eV/Å one a quarter up
    expect(Array.from(early.arrows.colors.slice(3, 6))).toEqual(Array.from(frameForceArrows({ largestForce: 1 }, { forces: [0, 0, 0, 1, 0, 0] })!.arrows.colors.slice(0, 3)));
    expect(early.arrows.colors.slice(0, 3)).not.toEqual(early.arrows.colors.slice(3, 6));
    // a frame with a force beyond the run's (streamed in before the detail caught up) sets the scale itself
    expect(frameForceArrows({ largestForce: 0.2 }, frame)!.largest).toBe(0.5);
    expect(frameForceArrows({ largestForce: null }, frame)!.largest).toBe(0.5);
    expect(frameForceArrows({ largestForce: null }, { forces: [0, 0, 0] })).toBeNull();
  });

  it("keeps the run's largest force as frames stream in: the largest of the run's and of the new frames' fmax", () => {
    expect(largestForceWith(null, [])).toBeNull();
    expect(largestForceWith(0.4, [{ values: { fmax: 0.2 } }, { values: { fmax: null } }])).toBe(0.4);
    expect(largestForceWith(0.4, [{ values: { fmax: 0.2 } }, { values: { fmax: 1.5 } }, { values: {} }])).toBe(1.5);
    expect(largestForceWith(null, [{ values: { energy: 1 } }])).toBeNull();
  });

  it("draws a relaxation's lowest-curvature mode on its last frame only, the atom moving most 1.6 Å long", () => {
    const minimum = { lowest: -0.2, saddle: true, escapes: 0, forceCalls: 40, mode: [0, 0, 1, 0.5, 0, 0], strain: null };
    const summary = { task: 'relax' as const, converged: true, steps: 9, energy: 1, fmax: 0.01, smax: null, pressure: null, volume: null, minimum };
    const m = modeArrows({ summary, frames: 10 }, { index: 9 })!;
    expect(m).toMatchObject({ lowest: -0.2, saddle: true, strain: false });
    expect(m.arrows.scale).toBeCloseTo(1.6, 12);
    expect(Array.from(m.arrows.vectors)).toEqual(minimum.mode);
    expect(modeArrows({ summary, frames: 10 }, { index: 8 })).toBeNull();
    // a run recorded before modes were (session 26), one without the check, one that did not converge
    const { mode: _, ...old } = minimum;
    expect(modeArrows({ summary: { ...summary, minimum: old as typeof minimum }, frames: 10 }, { index: 9 })).toBeNull();
    expect(modeArrows({ summary: { ...summary, minimum: undefined }, frames: 10 }, { index: 9 })).toBeNull();
    expect(modeArrows({ summary: { ...summary, minimum: null }, frames: 10 }, { index: 9 })).toBeNull();
    expect(modeArrows({ summary: { ...summary, minimum: { ...minimum, mode: [0, 0, 0] } }, frames: 10 }, { index: 9 })).toBeNull();
  });

  it("a vibrations run: its modes as rows (imaginary ones with an i), the first shown, its energies as a chart", () => {
    expect(vibrationRow(-12.345, -99.56)).toEqual({ meV: '12.35i', wavenumber: '99.6i', imaginary: true });
    expect(vibrationRow(3.2, 25.81)).toEqual({ meV: '3.20', wavenumber: '25.8', imaginary: false });
    // the most imaginary mode beyond 1 meV, else the highest (near-zero rigid motions are not what is wrong)
    expect(firstVibrationMode([-12, -0.5, 0.1, 30])).toBe(0);
    expect(firstVibrationMode([-0.5, 0.1, 30])).toBe(2);
    const summary = { task: 'vibrations' as const, atoms: [0], energies: [-1.5, 2, 30], frequencies: [-12, 16, 242], zpe: 0.016, modes: null };
    const [chart] = simulationCharts({ task: 'vibrations', parameters: defaultForm().vibrations, summary }, { step: [], values: {} });
    expect(chart.id).toBe('modes');
    expect((chart.option.series as { data: [number, number][] }[])[0].data).toEqual([
      [0, -1.5],
      [1, 2],
      [2, 30],
    ]);
  });

  it('draws a compared run of the same task over the run shown, and says how their results differ', () => {
    const eosRun = (v0: number, b0GPa: number, e0: number) => ({ task: 'eos' as const, parameters: defaultForm().eos, summary: { task: 'eos' as const, points: [], v0, e0, b0GPa, b0prime: 4.5, rms: 0, unconverged: [] }, nAtoms: 4 });
    const own = eosRun(47.0, 134.4, -0.02);
    const other = { ...eosRun(47.47, 130.4, 0.02), id: 3, calculator: 'cu-painn' };
    const series = { step: [0, 1, 2], values: { volume: [45, 47, 49], energy: [0.1, 0, 0.05] } };
    const otherSeries = { step: [0, 1, 2], values: { volume: [45.5, 47.5, 49.5], energy: [0.2, 0.04, 0.09] } };
    const [chart] = simulationCharts(own, series, { label: comparedLabel(other), run: other, series: otherSeries });
    const lines = chart.option.series as { name: string; data: [number, number][]; lineStyle?: { type?: string } }[];
    expect(lines.map((l) => l.name)).toEqual(['energy', 'Birch–Murnaghan', 'energy — #3 cu-painn', 'Birch–Murnaghan — #3 cu-painn']);
    expect(lines[2].data[1]).toEqual([47.5, 0.04]);
    expect(chart.points).toBe(3 + 61 + 3 + 61);
    expect(comparisonSummary(own, other, comparedLabel(other))).toBe('against #3 cu-painn: V₀ −0.99 %, B₀ +3.07 %, E₀ −10.0 meV/atom');
    // relaxations: energy per atom and volume; MD, or another task: nothing to compare
    const relaxed = (energy: number, volume: number) => ({ nAtoms: 2, summary: { task: 'relax' as const, converged: true, steps: 3, energy, fmax: 0.01, smax: null, pressure: null, volume } });
    expect(comparisonSummary(relaxed(-7.2, 23.6), relaxed(-7.21, 23.5), '#1 emt')).toBe('against #1 emt: energy +5.0 meV/atom, volume +0.43 %');
    expect(comparisonSummary(relaxed(-7.2, 23.6), own, '#1 emt')).toBeNull();
    // a run of another task is not drawn over
    const relaxCharts = simulationCharts({ task: 'relax', parameters: defaultForm().relax, summary: null }, { step: [0, 1], values: { energy: [1, 0.5], fmax: [1, 0.1] } }, { label: '#3', run: other, series: otherSeries });
    expect((relaxCharts[0].option.series as unknown[]).length).toBe(1);
  });

  it('MD charts: energies, temperature and pressure against time, and the volume at constant pressure', () => {
    const series = { step: [0, 1, 2], values: { total: [1, 1, 1], potential: [0, 0.1, 0.2], temperature: [300, 290, 310], pressure: [0.1, -0.1, 0], volume: [370, 371, 369.5] } };
    const ids = (ensemble: 'nvt' | 'npt') => simulationCharts({ task: 'md', parameters: { ...defaultForm().md, ensemble, timestep: 2 }, summary: null }, series).map((c) => c.id);
    expect(ids('nvt')).toEqual(['energy', 'temperature', 'pressure']);
    const npt = simulationCharts({ task: 'md', parameters: { ...defaultForm().md, ensemble: 'npt', timestep: 2 }, summary: null }, series);
    expect(npt.map((c) => c.id)).toEqual(['energy', 'temperature', 'pressure', 'volume']);
    expect((npt[3].option.series as { data: [number, number][] }[])[0].data).toEqual([
      [0, 370],
      [2, 371],
      [4, 369.5],
    ]);
  });

  it("elastic constants: each component's stress against its strain, C as a table, and how two runs' constants differ", () => {
    // components 1 (xx) and 4 (yz), two strains each
    const series = { step: [0, 1, 2, 3], values: { component: [1, 1, 4, 4], strain: [-0.01, 0.01, -0.01, 0.01], stress: [-1.7, 1.7, -0.9, 0.9], energy: [0, 0, 0, 0] } };
    const [chart] = simulationCharts({ task: 'elastic', parameters: defaultForm().elastic, summary: null }, series);
    expect(chart.id).toBe('elastic');
    expect(chart.option.xAxis).not.toHaveProperty('minInterval'); // strains, not steps
    const lines = chart.option.series as { name: string; data: [number, number][] }[];
    expect(lines.map((l) => l.name)).toEqual(['xx', 'yy', 'zz', 'yz', 'xz', 'xy']);
    expect(lines[0].data).toEqual([
      [-0.01, -1.7],
      [0.01, 1.7],
    ]);
    expect(lines[3].data).toEqual([
      [-0.01, -0.9],
      [0.01, 0.9],
    ]);
    expect(lines[1].data).toEqual([]);
    expect(elasticTable([[172.51, -1e-12, 115.46]])).toEqual([['172.5', '0.0', '115.5']]);
    const summary = (k: number, g: number, c11: number) => ({
      nAtoms: 4,
      summary: {
        task: 'elastic' as const,
        cGPa: [[c11, 0, 0, 0, 0, 0], ...Array.from({ length: 5 }, () => [0, 0, 0, 0, 0, 0])],
        bulkModulusGPa: { voigt: k, reuss: k, hill: k },
        shearModulusGPa: { voigt: g, reuss: g, hill: g },
        youngGPa: 1,
        poisson: 0.3,
        eigenvaluesGPa: [1, 1, 1, 1, 1, 1],
        stable: true,
        residualStressGPa: [0, 0, 0, 0, 0, 0],
        asymmetryGPa: 0,
        unconverged: 0,
      },
    });
    expect(comparisonSummary(summary(130, 55, 170), summary(134.5, 56.8, 172.5), '#1 emt')).toBe('against #1 emt: bulk modulus −3.35 %, shear modulus −3.17 % (Hill), largest |ΔC_ij| 2.5 GPa');
  });

  it('phonons: the supercell and mesh as typed, the bands broken where the path jumps and labelled at its points, the density of states, the thermal properties, and how two runs differ', () => {
    const form = defaultForm();
    form.task = 'phonons';
    expect(formRequest(form).parameters).toEqual({ task: 'phonons', supercell: null, mesh: null, delta: 0.01, symmetry: true });
    form.phonons.symmetry = false;
    expect(formRequest(form).parameters).toMatchObject({ symmetry: false });
    form.phonons.supercell = '4,4, 3';
    form.phonons.mesh = '12';
    expect(formRequest(form).parameters).toMatchObject({ supercell: [4, 4, 3], mesh: [12, 12, 12] });
    expect(simulationRequestSchema.safeParse(formRequest(form).parameters).success).toBe(true);
    form.phonons.supercell = '4,4';
    expect(formProblem(form)).toMatch(/the supercell is three whole numbers from 1 to 50/);
    expect(() => formRequest(form)).toThrow(/supercell/);
    form.phonons.supercell = '';
    form.phonons.mesh = '0';
    expect(formProblem(form)).toMatch(/the mesh is three whole numbers/);
    // a path Γ–X|Y–Γ of 3 points per segment, two branches
    const summary = {
      task: 'phonons' as const,
      supercell: [3, 3, 3] as [number, number, number],
      mesh: [2, 2, 2] as [number, number, number],
      lattice: 'simple cubic',
      bands: {
        distances: [0, 0.1, 0.2, 0.2, 0.3, 0.4],
        frequencies: [[0, 0], [1, 2], [2, 3], [2.5, 3.5], [1, 2], [0, 0]],
        ticks: [{ distance: 0, label: 'Γ' }, { distance: 0.2, label: 'X|Y' }, { distance: 0.4, label: 'Γ' }],
      },
      dos: { frequencies: [0, 1, 2], states: [0, 0.5, 0.2] },
      thermal: { temperature: [0, 300], freeEnergy: [1, -2], entropy: [0, 30], heatCapacity: [0, 24] },
      lowest: 1,
      highest: 3.5,
      linearity: { delta: 0.01, stiffness: 4, halfStiffness: 4 },
    };
    const charts = simulationCharts({ task: 'phonons', parameters: SIMULATION_DEFAULTS.relax, summary }, { step: [], values: {} });
    expect(charts.map((c) => c.id)).toEqual(['bands', 'dos', 'thermal']);
    const bands = charts[0].option.series as { name: string; data: [number, number][]; markLine?: { data: { xAxis: number; label: { formatter: string } }[] } }[];
    expect(bands.map((b) => b.name)).toEqual(['bands', 'bands', 'bands', 'bands']); // 2 runs × 2 branches, one legend entry
    expect(bands[0].data).toEqual([[0, 0], [0.1, 1], [0.2, 2]]);
    expect(bands[3].data).toEqual([[0.2, 3.5], [0.3, 2], [0.4, 0]]);
    expect(bands[0].markLine!.data.map((d) => [d.xAxis, d.label.formatter])).toEqual([[0, 'Γ'], [0.2, 'X|Y'], [0.4, 'Γ']]);
    expect((bands as unknown as { showSymbol: boolean }[]).every((b) => !b.showSymbol)).toBe(true); // curves, however few their points
    // another run's bands drawn over these: one colour for all its branches, another than these
    const over = simulationCharts({ task: 'phonons', parameters: SIMULATION_DEFAULTS.relax, summary }, { step: [], values: {} }, { label: '#1 emt', run: { task: 'phonons', parameters: SIMULATION_DEFAULTS.relax, summary }, series: { step: [], values: {} } });
    const drawn = over[0].option.series as { name: string; color: string }[];
    expect(new Set(drawn.map((b) => `${b.name} ${b.color}`)).size).toBe(2);
    expect(drawn.at(-1)!.name).toBe('bands — #1 emt');
    expect(charts[0].option.xAxis).toMatchObject({ min: 0, max: 0.4, axisLabel: { show: false } });
    // the density of states: the total, then each element's share when the run has them
    expect((charts[1].option.series as { name: string }[]).map((l) => l.name)).toEqual(['states']);
    const alloy = { ...summary, dos: { ...summary.dos, elements: [{ element: 'Au', states: [0, 0.3, 0] }, { element: 'Cu', states: [0, 0.2, 0.2] }] } };
    const shares = simulationCharts({ task: 'phonons', parameters: SIMULATION_DEFAULTS.relax, summary: alloy }, { step: [], values: {} })[1].option.series as { name: string; data: [number, number][] }[];
    expect(shares.map((l) => l.name)).toEqual(['states', 'Au', 'Cu']);
    expect(shares[1].data).toEqual([[0, 0], [1, 0.3], [2, 0]]);
    expect((charts[2].option.series as { name: string; yAxisIndex: number }[]).map((l) => [l.name, l.yAxisIndex])).toEqual([
      ['free energy / kJ/mol', 0],
      ['entropy / J/K/mol', 1],
      ['heat capacity / J/K/mol', 1],
    ]);
    const other = { ...summary, highest: 3.5 * 1.1, thermal: { ...summary.thermal, freeEnergy: [1, -2 - 0.0964853 * 4] } };
    expect(comparisonSummary({ summary, nAtoms: 4 }, { summary: other, nAtoms: 4 }, '#1 emt')).toBe('against #1 emt: highest frequency −9.09 %, free energy at 300 K +1.0 meV/atom');
  });

  it("a run's result line and a frame's time to the command line's decimals, not rounded to one significant figure", () => {
    const md = { parameters: defaultForm().md, summary: { task: 'md' as const, steps: 1000, drift: 2.5e-5, meanTemperature: 1442.26, meanPressure: 1.23456 } };
    // it read "T 1000 K" for a 1450 K run
    expect(summaryText(md)).toBe('drift 2.50e-5 eV/atom · second half: T 1442.3 K · P 1.235 GPa');
    const eos = { parameters: defaultForm().eos, summary: { task: 'eos' as const, points: [], v0: 11.5678, e0: -1234.5678912, b0GPa: 134.27, b0prime: 4.9876, rms: 0, unconverged: [] } };
    // B₀ read "130 GPa", E₀ "-1234.6 eV"
    expect(summaryText(eos)).toBe('V₀ 11.5678 Å³ · E₀ -1234.567891 eV · B₀ 134.27 GPa · B₀′ 4.988');
    expect(summaryText({ ...md, summary: null })).toBe('');
    // 135 steps of 2 fs; it read "300 fs"
    expect(frameStepText({ step: 135, time: 135 * 2.0000000000000004 })).toBe('step 135 · 270 fs');
    expect(frameStepText({ step: 3, time: 0.75 })).toBe('step 3 · 0.75 fs');
    expect(frameStepText({ step: 7, time: null })).toBe('step 7');
  });

  it('a click on a chart picks the frame at that time, step or volume', () => {
    const md = { parameters: { ...defaultForm().md, timestep: 2, every: 5 }, summary: null, frames: 11 };
    expect(frameAt(md, 0)).toBe(0);
    expect(frameAt(md, 31)).toBe(3); // 31 fs = step 15.5 → frame 3 (step 15)
    expect(frameAt(md, 1e6)).toBe(10);
    expect(frameAt(md, -5)).toBe(0);
    expect(frameAt({ ...md, frames: 0 }, 3)).toBeNull();
    // a run stopped at step 13, its frames at steps 0, 5, 10 and 13: step 12 is nearest the last
    const stopped = { ...md, summary: { task: 'md' as const, steps: 13, drift: null, meanTemperature: 300, meanPressure: null }, frames: 4 };
    expect([frameAt(stopped, 20), frameAt(stopped, 22), frameAt(stopped, 24), frameAt(stopped, 26)]).toEqual([2, 2, 3, 3]);
    const relax = { parameters: { ...defaultForm().relax, every: 2 }, summary: null, frames: 6 };
    expect(frameAt(relax, 7)).toBe(4);
    const eos = {
      parameters: defaultForm().eos,
      summary: { task: 'eos' as const, points: [[10, -1], [11, -1.2], [12, -1.1]] as [number, number][], v0: 11, e0: -1.2, b0GPa: 100, b0prime: 4, rms: 0, unconverged: [] },
      frames: 3,
    };
    expect(frameAt(eos, 11.4)).toBe(1);
    expect(frameAt(eos, 13)).toBe(2);
    expect(frameAt({ ...eos, summary: null }, 11)).toBeNull();
  });

  it('appends streamed frames to a series in step order, once each', () => {
    const s0 = { step: [0, 10], values: { energy: [1, 0.5] } };
    const s1 = appendFramesToSeries(s0, [frame(1, 10, { energy: 0.5 }), frame(2, 20, { energy: 0.4, fmax: 0.1 }), frame(3, 30, { energy: 0.3, fmax: 0.05 })]);
    expect(s1.step).toEqual([0, 10, 20, 30]);
    expect(s1.values.energy).toEqual([1, 0.5, 0.4, 0.3]);
    expect(s1.values.fmax).toEqual([null, null, 0.1, 0.05]);
    expect(appendFramesToSeries(s1, [frame(3, 30, { energy: 9 })])).toBe(s1);
    expect(s0.step).toEqual([0, 10]);
  });

  it('charts each task: relaxation energy and log fmax, MD against time, EOS with the fitted curve through (V₀, E₀)', () => {
    const relax = simulationCharts({ task: 'relax', parameters: defaultForm().relax, summary: null }, { step: [0, 1, 2], values: { energy: [1, 0.5, 0.4], fmax: [1, 0.1, 0] } });
    expect(relax.map((c) => c.id)).toEqual(['energy', 'fmax']);
    expect(relax[1].points).toBe(2); // fmax = 0 has no place on a log axis
    const md = simulationCharts({ task: 'md', parameters: { ...defaultForm().md, timestep: 2 }, summary: null }, { step: [0, 5], values: { total: [1, 1], potential: [0, 0.1], temperature: [300, 290], pressure: [null, null] } });
    expect(md.map((c) => c.id)).toEqual(['energy', 'temperature']);
    const series = (md[1].option.series as { data: [number, number][] }[])[0].data;
    expect(series).toEqual([
      [0, 300],
      [10, 290],
    ]);
    // an ensemble of potentials: its force spread gets a chart of its own, against the same axis
    const mdSpread = simulationCharts({ task: 'md', parameters: { ...defaultForm().md, timestep: 2 }, summary: null }, { step: [0, 5], values: { total: [1, 1], potential: [0, 0.1], temperature: [300, 290], forceSpread: [0.01, 0.03] } });
    expect(mdSpread.map((c) => c.id)).toEqual(['energy', 'temperature', 'forceSpread']);
    // the MSD: all atoms and, in an alloy, each element
    const mdMsd = simulationCharts({ task: 'md', parameters: { ...defaultForm().md, timestep: 2 }, summary: null }, { step: [0, 5], values: { msd: [0, 0.2], 'msd:Pt': [0, 0.1], 'msd:Cu': [0, 0.3] } });
    const msdChart = mdMsd.find((c) => c.id === 'msd')!;
    expect((msdChart.option.series as { name: string; data: [number, number][] }[]).map((l) => [l.name, l.data[1]])).toEqual([
      ['all atoms', [10, 0.2]],
      ['Cu', [10, 0.3]],
      ['Pt', [10, 0.1]],
    ]);
    expect((mdSpread[2].option.series as { data: [number, number][] }[])[0].data).toEqual([
      [0, 0.01],
      [10, 0.03],
    ]);
    const relaxSpread = simulationCharts({ task: 'relax', parameters: defaultForm().relax, summary: null }, { step: [0, 1], values: { energy: [1, 0.5], fmax: [1, 0.1], forceSpread: [0.2, 0.1] } });
    expect(relaxSpread.map((c) => c.id)).toEqual(['energy', 'fmax', 'forceSpread']);
    const eos = simulationCharts(
      { task: 'eos', parameters: defaultForm().eos, summary: { task: 'eos', points: [], v0: 12, e0: -1, b0GPa: 100, b0prime: 4.5, rms: 0, unconverged: [] } },
      { step: [0, 1, 2], values: { volume: [11, 12, 13], energy: [-0.9, -1, -0.95] } },
    );
    const lines = eos[0].option.series as { name: string; data: [number, number][] }[];
    expect(lines.map((l) => l.name)).toEqual(['energy', 'Birch–Murnaghan']);
    const atV0 = lines[1].data.find(([v]) => Math.abs(v - 12) < 1e-9)!;
    expect(atV0[1]).toBeCloseTo(-1, 12);
    expect(plannedSteps(defaultForm().eos, 8)).toBe(11);
    // vibrations: 6 force calls per vibrating atom, the fixed ones (given twice here) not
    expect(plannedSteps({ ...defaultForm().vibrations, fixed: [0, 1, 1] }, 8)).toBe(36);
  });

  it("a phonon run's modes: from its kept force constants on its frame, the path's points once each, a click landing on a wave vector", async () => {
    const a = 3.6;
    const lattice: Mat3 = [
      [0, a / 2, a / 2],
      [a / 2, 0, a / 2],
      [a / 2, a / 2, 0],
    ];
    const r = await runSimulation({ ...readStructures('Cu.vasp', `Cu\n1.0\n${lattice.map((v) => v.join(' ')).join('\n')}\nCu\n1\nCartesian\n0 0 0\n`).structures[0] }, new EmtCalculator(), { task: 'phonons', supercell: [3, 3, 3], mesh: [2, 2, 2], delta: 0.01 });
    const summary = r.summary!;
    const frame = { lattice, cart: [0, 0, 0] };
    const view = phononModesView({ summary, numbers: [29] }, frame)!;
    expect(view.points.map((p) => p.label)).toEqual(['Γ', 'X', 'W', 'K', 'L', 'U']);
    expect(view.pick(0)).toEqual([0, 0, 0]);
    // the rows at X: the path's frequencies there, to 0.01 THz
    if (summary.task !== 'phonons') throw new Error('no phonons summary');
    const atX = summary.bands.distances.findIndex((d) => Math.abs(d - summary.bands.ticks[1].distance) < 1e-9);
    expect(phononRows(view.fc, [0.5, 0, 0.5])).toEqual(summary.bands.frequencies[atX].map((f, band) => ({ band, thz: f.toFixed(2), imaginary: false })));
    // a run without its force constants (stored before they were kept) offers no modes
    expect(phononModesView({ summary: { ...summary, forceConstants: undefined }, numbers: [29] }, frame)).toBeNull();
    expect(phononModesView({ summary: r.summary, numbers: [29] }, { ...frame, lattice: null })).toBeNull();
  });
});

describe('long series', () => {
  it('are thinned to at most MAX_CHART_POINTS points per line, keeping the first and the last', async () => {
    const { MAX_CHART_POINTS } = await import('../../../src-renderer/lib/simulation');
    const n = 10_001;
    const steps = Array.from({ length: n }, (_, i) => i);
    const [chart] = simulationCharts({ task: 'relax', parameters: defaultForm().relax, summary: null }, { step: steps, values: { energy: steps.map((s) => -s), fmax: steps.map(() => 1) } });
    const data = (chart.option.series as { data: [number, number][] }[])[0].data;
    expect(data.length).toBeLessThanOrEqual(MAX_CHART_POINTS + 1);
    expect(data[0]).toEqual([0, -0]);
    expect(data.at(-1)).toEqual([10_000, -10_000]);
  });
});

describe("a run's settings back in the form (formFromRun)", () => {
  const ends = [
    { id: 21, name: 'hop end' },
    { id: 22, name: 'other' },
  ];
  /** A form with every field of its task (and its calculator's) away from the defaults. */
  function changedForm(task: SimulationRecord['task'], calculator: SimulationForm['calculator']): SimulationForm {
    const f = defaultForm();
    f.task = task;
    f.calculator = calculator;
    if (calculator === 'model') f.modelId = 7;
    f.lj = { epsilon: 0.0104, sigma: 3.4, cutoff: 8.5 };
    f.morse = { epsilon: 0.34, r0: 2.6, rho0: 4.5, cutoff: 6 };
    const fixed = [0, 1, 5];
    const axisConstraints = [{ atom: 3, held: [true, false, true] as [boolean, boolean, boolean], frame: 'cartesian' as const }];
    f.relax = { ...f.relax, optimizer: 'lbfgs', fmax: 0.02, maxSteps: 77, cell: true, pressure: 1.5, smax: 0.05, hydrostatic: true, fixed, axisConstraints, every: 3, stopWhenExtrapolating: true, symmetry: true, minimum: 'escape' };
    f.md = { ...f.md, ensemble: 'npt', thermostat: 'nose-hoover', barostat: 'mtk', cellMotion: 'flexible', temperature: 450, timestep: 2, steps: 33, every: 4, seed: 9, friction: 0.02, tau: 50, pressure: 2, barostatTau: 500, compressibility: 0.02, velocities: 'structure', fixed, axisConstraints, stopWhenExtrapolating: true };
    f.eos = { task: 'eos', points: 9, range: 0.08, relax: true, fmax: 0.03 };
    f.vibrations = { task: 'vibrations', delta: 0.02, fixed };
    f.elastic = { task: 'elastic', strain: 0.02, relax: false, fmax: 0.005 };
    f.phonons = { supercell: '4,4,2', mesh: '11,11,11', delta: 0.02, symmetry: false };
    f.neb = { ...f.neb, images: 5, spring: 0.2, climb: false, path: 'idpp', optimizer: 'lbfgs', fmax: 0.08, maxSteps: 123, every: 5, relaxEnds: false, fixed, endStructureId: 21 };
    f.name = 'my run';
    return f;
  }
  /** The run `simulations.start` records from a request: a band's end state by its positions and its structure's name; stored as JSON. */
  function recorded(req: ReturnType<typeof formRequest>, id = 40): Pick<SimulationRecord, 'id' | 'name' | 'nameGiven' | 'calculator' | 'calculatorSpec' | 'parameters'> {
    const p = req.parameters;
    let parameters: SimulationParameters;
    if (p.task === 'neb') {
      const { endStructureId: _end, ...band } = p;
      parameters = { ...band, end: [0, 0, 1], endName: 'hop end' };
    } else parameters = p;
    const calculator = req.calculator.kind === 'model' ? 'my potential' : req.calculator.kind;
    return JSON.parse(JSON.stringify({ id, name: req.name ?? `${p.task} of Cu4 with ${calculator} #${id}`, nameGiven: req.name !== undefined, calculator, calculatorSpec: req.calculator, parameters }));
  }

  it('gives back the request a run was started with, for every task and calculator', () => {
    for (const task of ['relax', 'md', 'eos', 'vibrations', 'elastic', 'phonons', 'neb'] as const) {
      for (const calculator of ['emt', 'lj', 'morse', 'model'] as const) {
        const req = formRequest(changedForm(task, calculator));
        const form = formFromRun(recorded(req), ends);
        expect(form.task).toBe(task);
        expect(form.calculator).toBe(calculator);
        expect(formRequest(form), `${task} with ${calculator}`).toEqual(req);
      }
    }
  });

  it("keeps the defaults for what the run did not store, and takes what an absence meant; other tasks' fields stay at their defaults", () => {
    const d = defaultForm();
    // a relaxation and an MD run stored before axis constraints, symmetry, barostats and velocities were kept
    const { axisConstraints: _a, symmetry: _s, stopWhenExtrapolating: _x, ...oldRelax } = { ...SIMULATION_DEFAULTS.relax, fmax: 0.01 };
    const relax = formFromRun({ id: 1, name: 'r', nameGiven: true, calculator: 'emt', calculatorSpec: { kind: 'emt' }, parameters: oldRelax as SimulationParameters });
    expect(relax.relax).toEqual({ ...d.relax, fmax: 0.01 });
    expect(relax.md).toEqual(d.md);
    expect(relax.eos).toEqual(d.eos);
    expect(relax.phonons).toEqual(d.phonons);
    expect(relax.neb).toEqual(d.neb);
    const { barostat: _b, cellMotion: _c, velocities: _v, axisConstraints: _m, ...oldMd } = { ...SIMULATION_DEFAULTS.md, temperature: 900 };
    const md = formFromRun({ id: 2, name: 'm', nameGiven: true, calculator: 'emt', calculatorSpec: { kind: 'emt' }, parameters: oldMd as SimulationParameters });
    expect(md.md).toEqual({ ...d.md, temperature: 900 });
    expect(md.relax).toEqual(d.relax);
    // phonons stored before session 33 did not use the symmetry: rerun as they ran
    const { symmetry: _p, ...oldPhonons } = SIMULATION_DEFAULTS.phonons;
    expect(formFromRun({ id: 3, name: 'p', nameGiven: true, calculator: 'emt', calculatorSpec: { kind: 'emt' }, parameters: oldPhonons }).phonons).toEqual({ ...d.phonons, symmetry: false });
    // Lennard-Jones without parameters: the potential's defaults
    expect(formFromRun({ id: 4, name: 'l', nameGiven: true, calculator: 'lj', calculatorSpec: { kind: 'lj' }, parameters: SIMULATION_DEFAULTS.eos }).lj).toEqual({});
  });

  it("puts the run's fixed atoms in every task's field, as copies the form can edit", () => {
    const run = recorded(formRequest(changedForm('md', 'emt')), 40);
    const form = formFromRun(run);
    for (const fixed of [form.relax.fixed, form.md.fixed, form.vibrations.fixed, form.neb.fixed]) expect(fixed).toEqual([0, 1, 5]);
    expect(form.relax.axisConstraints).toEqual([{ atom: 3, held: [true, false, true], frame: 'cartesian' }]);
    form.md.fixed.push(9);
    form.md.axisConstraints![0].held[0] = false;
    expect(run.parameters).toMatchObject({ fixed: [0, 1, 5], axisConstraints: [{ atom: 3, held: [true, false, true] }] });
  });

  it("takes back the name the user gave and leaves an automatic one for the next run's own, as the run recorded; a run stored before that, by the name's ending", () => {
    const named = formFromRun(recorded(formRequest(changedForm('md', 'emt')), 40));
    expect(named.name).toBe('my run');
    const unnamed = recorded(formRequest({ ...changedForm('md', 'emt'), name: '' }), 40);
    expect(unnamed.name).toBe('md of Cu4 with emt #40');
    expect(formFromRun(unnamed).name).toBe('');
    // a name the user gave that reads as an automatic one is still theirs
    expect(formFromRun({ ...unnamed, nameGiven: true }).name).toBe('md of Cu4 with emt #40');
    // stored before schema version 20: a name ending as this run's automatic one was made (a band's "neb of …" before "neb from … to …"), another run's is the user's
    const old = { ...unnamed, nameGiven: null };
    expect(formFromRun(old).name).toBe('');
    expect(formFromRun({ ...old, name: 'neb of Cu4 with emt #40' }).name).toBe('');
    expect(formFromRun({ ...old, name: 'md of Cu4 with emt #39' }).name).toBe('md of Cu4 with emt #39');
  });

  it("a band's end is the one structure it can end at of the end's name; none when two are so named or none is; a continued band starts on the default path", () => {
    const run = recorded(formRequest(changedForm('neb', 'emt')));
    expect(formFromRun(run, ends).neb.endStructureId).toBe(21);
    const ambiguous = formFromRun(run, [...ends, { id: 23, name: 'hop end' }]);
    expect(ambiguous.neb.endStructureId).toBeNull();
    expect(formProblem(ambiguous)).toMatch(/^choose the end state/);
    expect(formFromRun(run).neb.endStructureId).toBeNull();
    const continued = { ...run, parameters: { ...run.parameters, path: 'given', startImages: [[0, 0, 0.5]] } as SimulationParameters };
    expect(formFromRun(continued, ends).neb.path).toBe(NEB_DEFAULTS.path);
  });

  it('a trained potential deleted since the run: the form says so instead of running something else', () => {
    const form = formFromRun(recorded(formRequest(changedForm('relax', 'model'))));
    expect(form.calculator).toBe('model');
    expect(form.modelId).toBe(7);
    expect(formProblem(form, [{ id: 8 }])).toBe('trained potential #7 is no longer stored (deleted): choose another one');
    expect(formProblem(form, [{ id: 7 }, { id: 8 }])).toBeNull();
    // the setup lists the missing one, disabled, as the chosen potential
    expect(missingPotential(form, [{ id: 8 }])).toBe(7);
    expect(missingPotential(form, [{ id: 7 }])).toBeNull();
    expect(missingPotential({ ...form, calculator: 'emt' }, [])).toBeNull();
  });
});

describe('exportingText', () => {
  it('says how far a trajectory export has come, in frames', () => {
    expect(exportingText({ format: 'traj', written: 0, frames: 0 })).toBe('exporting .traj…');
    expect(exportingText({ format: 'extxyz', written: 1200, frames: 10000 })).toBe('exporting .extxyz: 1,200 of 10,000 frames written');
    expect(exportingText({ format: 'xdatcar', written: 1, frames: 1 })).toBe('exporting XDATCAR: 1 of 1 frame written');
  });

  it('says a cancelled export saved nothing, and how far it had come', () => {
    expect(exportCancelledText({ format: 'traj', written: 1200, frames: 10000 })).toBe('.traj export cancelled at 1,200 of 10,000 frames: nothing saved');
    expect(exportCancelledText({ format: 'xdatcar', written: 0, frames: 0 })).toBe('XDATCAR export cancelled: nothing saved');
  });
});
