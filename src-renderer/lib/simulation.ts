/**
 * The Simulate panel's pure helpers (tested without a DOM): the form's state and its defaults (the
 * simulation defaults of src-shared/sim/job.ts), the request it makes, the charts of a run's
 * per-step series, and a recorded frame as a structure for the viewer.
 */
import type { CalculatorSpec, ModelRecord, NebRequest, SimulationDetail, SimulationFrameView, SimulationRecord, SimulationRequest, SimulationTask, StructureRecord } from '../../src-shared/ipc/contract';
import { ACTIVE_SIMULATION_STATUSES, type SimulationStatusName } from '../../src-shared/ipc/services/simulations';
import type { LennardJonesParameters, MorseParameters } from '../../src-shared/sim/pair-potentials';
import { simulationStartSchema } from '../../src-shared/ipc/services/simulations';
import { EOS_CONTROLS } from '../../src-shared/sim/eos';
import { formMessage } from './configSchema';
import { constraintsOf, driftText, gpaText, nebNotes, nebText, phononsText, SERIES, stabilityText, SIMULATION_DEFAULTS, storedForceConstants, type ElasticParameters, type StepValues, type EosParameters, type MdParameters, type RelaxParameters, type VibrationsParameters } from '../../src-shared/sim/job';
import { heldSiteProperty } from '../../src-shared/sim/constraints';
import { birchMurnaghanEnergy } from '../../src-shared/sim/eos';
import { EV_TO_KJ_PER_MOL, fromGPa } from '../../src-shared/sim/units';
import { commensurateOnPath, defaultBandPath, frequenciesAt, parseTriple, thzText, type ForceConstants, type PathPoint } from '../../src-shared/sim/phonons';
import { modeText } from '../../src-shared/sim/vibrations';
import { NEB_DEFAULTS } from '../../src-shared/sim/neb';
import { VOIGT_COMPONENTS } from '../../src-shared/chem/frames';
import { spaceGroupChangeText } from '../../src-shared/chem/spacegroup';
import { diffusionText } from '../../src-shared/sim/msd';
import { groupThousands, plural } from '../../src-shared/text';
import { lineOption, PALETTE, type ChartOption, type LineSeries } from './charts';
import { errorMessage, fmtDate, fmtFixed, fmtNum, frameLabel } from './format';
import { rdfChart } from './rdf';
import { DEFAULT_LONGEST_ARROW, sequentialColors } from './potential';
import type { SiteArrows } from '../viewer/arrows';
import type { ViewerStructure } from '../viewer/model';

export type CalculatorName = CalculatorSpec['kind'];

export interface SimulationForm {
  task: SimulationTask;
  /** A built-in, or 'model': the trained potential `modelId`. */
  calculator: CalculatorName;
  modelId: number | null;
  lj: LennardJonesParameters;
  morse: MorseParameters;
  relax: RelaxParameters;
  md: MdParameters;
  eos: EosParameters;
  vibrations: VibrationsParameters;
  elastic: ElasticParameters;
  /** The supercell and mesh as typed: empty for the default, `5` or `5,5,3` (phonons.ts `parseTriple`). */
  phonons: { supercell: string; mesh: string; delta: number; symmetry: boolean };
  /** A band: its end state is a stored structure (null until one is chosen). */
  neb: Omit<NebRequest, 'endStructureId'> & { endStructureId: number | null };
  name: string;
}

/** A fresh form: EMT, relaxation, the defaults of every task (copies: the form is edited in place). */
export function defaultForm(): SimulationForm {
  const { end: _end, endName: _endName, startImages: _given, path: _path, ...band } = SIMULATION_DEFAULTS.neb;
  return {
    task: 'relax',
    calculator: 'emt',
    modelId: null,
    lj: {},
    morse: {},
    relax: { ...SIMULATION_DEFAULTS.relax, fixed: [], axisConstraints: [] },
    md: { ...SIMULATION_DEFAULTS.md, fixed: [], axisConstraints: [] },
    eos: { ...SIMULATION_DEFAULTS.eos },
    vibrations: { ...SIMULATION_DEFAULTS.vibrations, fixed: [] },
    elastic: { ...SIMULATION_DEFAULTS.elastic },
    phonons: { supercell: '', mesh: '', delta: SIMULATION_DEFAULTS.phonons.delta, symmetry: SIMULATION_DEFAULTS.phonons.symmetry === true },
    neb: { ...band, path: NEB_DEFAULTS.path, fixed: [], endStructureId: null },
    name: '',
  };
}

/** The fields given: an emptied one ('' from its input, NaN) means "the default"; any number typed is sent (0 is refused, said by `formProblem`). */
function given<T extends Record<string, unknown>>(p: T): T {
  return Object.fromEntries(Object.entries(p).filter(([, v]) => v !== undefined && v !== '' && !Number.isNaN(v))) as T;
}

/**
 * The captions of the Simulate panel's fields (SimulationSetup.vue shows them), by calculator and task:
 * its problems name the fields so ("time step must be positive", `fieldProblems`).
 */
export const FIELD_CAPTIONS = {
  lj: { epsilon: 'ε / eV', sigma: 'σ / Å', cutoff: 'cutoff / Å' },
  morse: { epsilon: 'D / eV', r0: 'r₀ / Å', rho0: 'ρ₀ = a·r₀', cutoff: 'cutoff / Å' },
  relax: { fmax: 'fmax / eV/Å', maxSteps: 'max steps', cell: EOS_CONTROLS.panel.relaxCell, pressure: 'pressure / GPa', smax: 'stress tol. / GPa', every: 'frame every' },
  md: { temperature: 'T / K', timestep: 'time step / fs', steps: 'steps', every: 'frame every', seed: 'seed', friction: 'friction / fs⁻¹', tau: 'τ / fs', pressure: 'pressure / GPa', barostatTau: 'barostat τ / fs' },
  eos: { points: 'volumes', range: EOS_CONTROLS.panel.range },
  vibrations: { delta: 'displacement / Å' },
  phonons: { delta: 'displacement / Å' },
  neb: { images: 'images', spring: 'spring / eV/Å²', fmax: 'fmax / eV/Å', maxSteps: 'max steps', every: 'band every' },
  elastic: { strain: 'largest strain', fmax: 'fmax / eV/Å' },
} as const satisfies Record<'lj' | 'morse' | SimulationTask, Record<string, string>>;

/** The captions of the form's fields by the path of their value in what `simulations.start` takes ("parameters.timestep"). */
function captionsByPath(form: Pick<SimulationForm, 'task' | 'calculator'>): Record<string, string> {
  const captions: Record<string, string> = { name: 'name' };
  if (form.calculator === 'lj' || form.calculator === 'morse') for (const [k, c] of Object.entries(FIELD_CAPTIONS[form.calculator])) captions[`calculator.parameters.${k}`] = c;
  for (const [k, c] of Object.entries(FIELD_CAPTIONS[form.task])) captions[`parameters.${k}`] = c;
  return captions;
}

/** A refusal of the contract's (`path`: the value's, in what `simulations.start` takes) in a sentence naming the panel's field, as the model configuration form says its check's (configSchema `formMessage`). */
function issueText(issue: { path: readonly PropertyKey[]; message: string }, captions: Readonly<Record<string, string>>): string {
  const path = issue.path.map(String).join('.');
  return path in captions ? formMessage({ path, message: `${path} ${issue.message}` }, captions) : `${path}: ${issue.message}`;
}

/**
 * What of the form `simulations.start` would refuse (a field emptied, 0 where it must be positive, a value out of
 * its range), each in a sentence naming the field as the panel shows it ("T must be a number", "time step must be
 * positive"): the contract's own check (simulationStartSchema), run before sending.
 */
export function fieldProblems(form: SimulationForm): string[] {
  const checked = simulationStartSchema.omit({ structureId: true }).safeParse(requestOf(form));
  return checked.success ? [] : checked.error.issues.map((i) => issueText(i, captionsByPath(form)));
}

/**
 * Why `simulations.start` refused the form: the contract's refusal of its values (a ValidationError, "invalid
 * argument to simulations.start: parameters.timestep: must be positive") in the panel's words, as `fieldProblems`
 * says them ("time step must be positive"); any other failure as it came.
 */
export function startRefusalText(e: unknown, form: SimulationForm): string {
  // the error as it crossed the boundary ({name, message, details}: the issues' paths and messages)
  const { name, details } = e !== null && typeof e === 'object' ? (e as { name?: unknown; details?: unknown }) : {};
  const issues = name === 'ValidationError' && Array.isArray(details) ? (details as { path: string[]; message: string }[]) : null;
  return issues?.length ? issues.map((i) => issueText(i, captionsByPath(form))).join('; ') : errorMessage(e);
}

/** The run a page opened (or reloaded) while simulations go shows: the newest of them that is queued or running, else null. */
export function newestActive<T extends { status: SimulationStatusName; startedAt: number }>(list: readonly T[]): T | null {
  return list.filter((r) => ACTIVE_SIMULATION_STATUSES.includes(r.status)).reduce<T | null>((a, r) => (a === null || r.startedAt > a.startedAt ? r : a), null);
}

/** The stored models a simulation can run with: the interatomic potentials. */
export function potentialModels(models: readonly ModelRecord[]): ModelRecord[] {
  return models.filter((m) => m.task === 'potential');
}

/** The trained potential the form names that is no longer among the stored `potentials` (deleted), or null. */
export function missingPotential(form: SimulationForm, potentials: readonly Pick<ModelRecord, 'id'>[]): number | null {
  return form.calculator === 'model' && form.modelId !== null && !potentials.some((m) => m.id === form.modelId) ? form.modelId : null;
}

/**
 * Why the form cannot be run yet (a trained potential not chosen, or no longer among the stored
 * `potentials` when they are given, a phonon supercell or mesh typed wrong, a band without its end, a
 * value `simulations.start` would refuse: `fieldProblems`), or null.
 */
export function formProblem(form: SimulationForm, potentials?: readonly Pick<ModelRecord, 'id'>[]): string | null {
  if (form.calculator === 'model' && form.modelId === null) return 'choose a trained potential (train one, or import a .lwm potential in Models)';
  const missing = potentials ? missingPotential(form, potentials) : null;
  if (missing !== null) return `trained potential #${missing} is no longer stored (deleted): choose another one`;
  if (form.task === 'phonons') {
    if (parseTriple(form.phonons.supercell, 50) === undefined) return 'the supercell is three whole numbers from 1 to 50 (5,5,3), one for all three, or empty for the smallest at least 10 Å wide';
    if (parseTriple(form.phonons.mesh, 200) === undefined) return 'the mesh is three whole numbers from 1 to 200 (19,19,19), one for all three, or empty for the default';
  }
  if (form.task === 'neb' && form.neb.endStructureId === null) return 'choose the end state: a stored structure of the same atoms, in the same order and cell';
  return fieldProblems(form)[0] ?? null;
}

type StartRequest = { calculator: CalculatorSpec; parameters: SimulationRequest; name?: string };

/** What `simulations.start` is asked for; refused when the form cannot be run (`formProblem`). */
export function formRequest(form: SimulationForm): StartRequest {
  const problem = formProblem(form);
  if (problem) throw new Error(problem);
  return requestOf(form);
}

/** The request the form makes, unchecked (a phonon supercell and mesh read, a band's end chosen: `formProblem` checks those first). */
function requestOf(form: SimulationForm): StartRequest {
  const calculator: CalculatorSpec =
    form.calculator === 'model'
      ? { kind: 'model', modelId: form.modelId! }
      : form.calculator === 'lj'
        ? { kind: 'lj', parameters: given(form.lj as Record<string, unknown>) }
        : form.calculator === 'morse'
          ? { kind: 'morse', parameters: given(form.morse as Record<string, unknown>) }
          : { kind: 'emt' };
  // only a trained potential has training structures to stop outside of
  const stopWhenExtrapolating = form.calculator === 'model';
  const parameters: SimulationRequest =
    form.task === 'relax'
      ? { ...form.relax, stopWhenExtrapolating: stopWhenExtrapolating && form.relax.stopWhenExtrapolating === true }
      : form.task === 'md'
        ? { ...form.md, stopWhenExtrapolating: stopWhenExtrapolating && form.md.stopWhenExtrapolating === true }
        : form.task === 'eos'
          ? { ...form.eos }
          : form.task === 'vibrations'
            ? { ...form.vibrations }
            : form.task === 'elastic'
              ? { ...form.elastic }
              : form.task === 'neb'
                ? { ...form.neb, endStructureId: form.neb.endStructureId! }
                : { task: 'phonons', supercell: parseTriple(form.phonons.supercell, 50)!, mesh: parseTriple(form.phonons.mesh, 200)!, delta: form.phonons.delta, symmetry: form.phonons.symmetry };
  return { calculator, parameters, ...(form.name.trim() ? { name: form.name.trim() } : {}) };
}

/**
 * The form a run was started with (the inverse of `formRequest`): its task, calculator and parameters,
 * the fields it did not store at their defaults (a run stored before a field was kept: what its absence
 * meant), its fixed atoms in the one fixed-atoms field of every task, its name when the user gave one
 * (not the automatic "relax of … #id": the next run makes its own). A band's end state was stored as
 * positions with the end structure's name: it is the one structure of `ends` (those it can end at) of
 * that name, else none (the form asks for it); a band continued from given images starts again on the
 * default path.
 */
export function formFromRun(
  run: Pick<SimulationRecord, 'id' | 'name' | 'nameGiven' | 'calculator' | 'calculatorSpec' | 'parameters'>,
  ends: readonly Pick<StructureRecord, 'id' | 'name'>[] = [],
): SimulationForm {
  const form = defaultForm();
  const p = run.parameters;
  const spec = run.calculatorSpec;
  form.task = p.task;
  form.calculator = spec.kind;
  if (spec.kind === 'model') form.modelId = spec.modelId;
  if (spec.kind === 'lj') form.lj = { ...spec.parameters };
  if (spec.kind === 'morse') form.morse = { ...spec.parameters };
  const { fixed, axisConstraints } = constraintsOf(p);
  const held = () => ({ fixed: [...fixed], axisConstraints: axisConstraints.map((c) => ({ ...c, held: [...c.held] as typeof c.held })) });
  form.relax = { ...form.relax, ...held() };
  form.md = { ...form.md, ...held() };
  form.vibrations.fixed = [...fixed];
  form.neb.fixed = [...fixed];
  if (p.task === 'relax') form.relax = { ...form.relax, ...p, ...held() };
  else if (p.task === 'md') form.md = { ...form.md, ...p, ...held() };
  else if (p.task === 'eos') form.eos = { ...p };
  else if (p.task === 'vibrations') form.vibrations = { ...p, fixed: [...fixed] };
  else if (p.task === 'elastic') form.elastic = { ...p };
  else if (p.task === 'phonons') form.phonons = { supercell: p.supercell?.join(',') ?? '', mesh: p.mesh?.join(',') ?? '', delta: p.delta, symmetry: p.symmetry === true };
  else {
    const { end: _end, endName, startImages: _given, path, ...band } = p;
    const named = ends.filter((s) => s.name === endName);
    form.neb = { ...band, path: path === 'given' ? NEB_DEFAULTS.path : path, fixed: [...fixed], endStructureId: named.length === 1 ? named[0].id : null };
  }
  // whether the name was given, as the run recorded it: a pattern would take a given name that reads as an
  // automatic one for automatic, and has to follow every change of the automatic names. A run stored before
  // schema version 20 did not record it: its name is taken for automatic by its ending, the one part every
  // automatic name has had ("relax of Cu4 with emt #12", a band's "neb of …", later "neb from … to …";
  // store/simulations.ts insertSimulation)
  const given = run.nameGiven ?? !run.name.endsWith(` with ${run.calculator} #${run.id}`);
  form.name = given ? run.name : '';
  return form;
}

export interface SimulationChart {
  id: string;
  title: string;
  option: ChartOption;
  points: number;
}

type Series = SimulationDetail['series'];

/** Points drawn per line at most: a long run's series is thinned evenly (the last point kept). */
export const MAX_CHART_POINTS = 2000;

function xy(series: Series, key: string, x: readonly number[]): [number, number][] {
  const v = series.values[key] ?? [];
  const stride = Math.max(1, Math.ceil(x.length / MAX_CHART_POINTS));
  const out: [number, number][] = [];
  for (let i = 0; i < x.length; i++) {
    if (i % stride !== 0 && i !== x.length - 1) continue;
    const y = v[i];
    if (y !== null && y !== undefined && Number.isFinite(y)) out.push([x[i], y]);
  }
  return out;
}

function unit(task: SimulationTask, key: string): string {
  return SERIES[task].find((s) => s.key === key)?.unit ?? '';
}

interface ChartSpec {
  id: string;
  title: string;
  lines: LineSeries[];
  xName: string;
  yName: string;
  logY: boolean;
  xFractional?: boolean;
  y2Name?: string;
  xTicks?: { at: number; label: string }[];
}

/** The charts of one run, as lines (see simulationCharts). */
function chartSpecs(run: Pick<SimulationDetail, 'task' | 'parameters' | 'summary'>, series: Series, streamed: StreamedBand | null): ChartSpec[] {
  const specs: ChartSpec[] = [];
  const add = (id: string, title: string, lines: LineSeries[], xName: string, yName: string, logY = false) => specs.push({ id, title, lines, xName, yName, logY });
  // an ensemble of potentials: how far its members disagree on the forces, step by step
  const spread = (x: readonly number[], xName: string) => {
    const d = xy(series, 'forceSpread', x);
    if (d.length) add('forceSpread', 'Ensemble force spread', [{ name: 'force spread', data: d, color: PALETTE[3] }], xName, 'eV/Å');
  };
  if (run.task === 'relax') {
    add('energy', 'Energy', [{ name: 'energy', data: xy(series, 'energy', series.step), color: PALETTE[0] }], 'step', 'eV');
    add('fmax', 'Largest force', [{ name: 'fmax', data: xy(series, 'fmax', series.step).filter(([, y]) => y > 0), color: PALETTE[1] }], 'step', 'eV/Å', true);
    const smax = xy(series, 'smax', series.step);
    if (smax.length) add('smax', 'Stress residual', [{ name: 'stress residual', data: smax.filter(([, y]) => y > 0), color: PALETTE[2] }], 'step', 'GPa', true);
    spread(series.step, 'step');
  } else if (run.task === 'md') {
    const dt = run.parameters.task === 'md' ? run.parameters.timestep : 1;
    const t = series.step.map((s) => s * dt);
    add('energy', 'Energy', ['total', 'potential'].map((k, i) => ({ name: k, data: xy(series, k, t), color: PALETTE[i] })), 'time / fs', 'eV');
    add('temperature', 'Temperature', [{ name: 'temperature', data: xy(series, 'temperature', t), color: PALETTE[1] }], 'time / fs', unit('md', 'temperature'));
    const p = xy(series, 'pressure', t);
    if (p.length) add('pressure', 'Pressure', [{ name: 'pressure', data: p, color: PALETTE[2] }], 'time / fs', unit('md', 'pressure'));
    // at constant pressure the cell is part of the trajectory
    if (run.parameters.task === 'md' && run.parameters.ensemble === 'npt') add('volume', 'Volume', [{ name: 'volume', data: xy(series, 'volume', t), color: PALETTE[3] }], 'time / fs', unit('md', 'volume'));
    // mean squared displacement from the start: all mobile atoms, and each element when there are several
    const msd = ['msd', ...Object.keys(series.values).filter((k) => k.startsWith('msd:')).sort()]
      .map((k, i) => ({ name: k === 'msd' ? 'all atoms' : k.slice(4), data: xy(series, k, t), color: PALETTE[(5 + i) % PALETTE.length] }))
      .filter((l) => l.data.length);
    if (msd.length) add('msd', 'Mean squared displacement', msd, 'time / fs', unit('md', 'msd'));
    spread(t, 'time / fs');
  } else if (run.task === 'eos') {
    const points = xy(series, 'energy', (series.values.volume ?? []).map((v) => v ?? NaN));
    const lines: LineSeries[] = [{ name: 'energy', data: points, color: PALETTE[0] }];
    const s = run.summary;
    if (s?.task === 'eos' && points.length > 1) {
      const lo = Math.min(...points.map((p) => p[0]));
      const hi = Math.max(...points.map((p) => p[0]));
      const fit = { v0: s.v0, e0: s.e0, b0: fromGPa(s.b0GPa), b0prime: s.b0prime };
      lines.push({ name: 'Birch–Murnaghan', data: Array.from({ length: 61 }, (_, i) => lo + ((hi - lo) * i) / 60).map((v) => [v, birchMurnaghanEnergy(fit, v)] as [number, number]), color: PALETTE[1], dashed: true });
    }
    add('eos', 'Energy against volume', lines, 'volume / Å³', 'eV');
  } else if (run.task === 'elastic') {
    // each component's stress against its own strain: the diagonal constants' slopes
    const component = series.values.component ?? [];
    const strain = series.values.strain ?? [];
    const stress = series.values.stress ?? [];
    const lines = VOIGT_COMPONENTS.map((name, j) => ({
      name,
      data: component.flatMap((c, k) => (c === j + 1 && strain[k] != null && stress[k] != null ? [[strain[k]!, stress[k]!] as [number, number]] : [])),
      color: PALETTE[j % PALETTE.length],
    }));
    specs.push({ id: 'elastic', title: 'Stress against strain', lines, xName: 'strain', yName: unit('elastic', 'stress'), logY: false, xFractional: true });
  } else if (run.summary?.task === 'phonons') {
    // the bands (one line per branch and run of the path, all named alike), the density of states, the thermal properties
    const s = run.summary;
    const breaks = s.bands.ticks.filter((t) => t.label.includes('|')).map((t) => t.distance);
    const runs: number[][] = [[]];
    s.bands.distances.forEach((d, k) => {
      const last = runs.at(-1)!;
      // a run ends where a tick says X|Y: the next point (at the same distance) starts the next run
      if (last.length && breaks.some((b) => Math.abs(b - d) < 1e-9) && Math.abs(s.bands.distances[last.at(-1)!] - d) < 1e-9) runs.push([k]);
      else last.push(k);
    });
    const branches = s.bands.frequencies[0]?.length ?? 0;
    const bandLines = runs.flatMap((ks) => Array.from({ length: branches }, (_, b) => ({ name: 'bands', data: ks.map((k) => [s.bands.distances[k], s.bands.frequencies[k][b]] as [number, number]), color: PALETTE[0] })));
    specs.push({ id: 'bands', title: s.lattice ? `Phonon bands (the ${s.lattice} path)` : 'Phonon bands', lines: bandLines, xName: '', yName: 'THz', logY: false, xFractional: true, xTicks: s.bands.ticks.map((t) => ({ at: t.distance, label: t.label })) });
    // the total, and with two elements or more each element's share
    const dosLine = (name: string, states: number[], color: string) => ({ name, data: s.dos.frequencies.map((f, k) => [f, states[k]] as [number, number]), color });
    const dosLines = [dosLine('states', s.dos.states, PALETTE[1]), ...(s.dos.elements ?? []).map((e, k) => dosLine(e.element, e.states, PALETTE[(k + 2) % PALETTE.length]))];
    specs.push({ id: 'dos', title: 'Phonon density of states', lines: dosLines, xName: 'THz', yName: 'states / THz / cell', logY: false, xFractional: true });
    const t = s.thermal.temperature;
    specs.push({
      id: 'thermal',
      title: 'Thermal properties (per mole of cells)',
      lines: [
        { name: 'free energy / kJ/mol', data: t.map((x, k) => [x, s.thermal.freeEnergy[k]] as [number, number]), color: PALETTE[0] },
        { name: 'entropy / J/K/mol', data: t.map((x, k) => [x, s.thermal.entropy[k]] as [number, number]), color: PALETTE[1], axis: 1 },
        { name: 'heat capacity / J/K/mol', data: t.map((x, k) => [x, s.thermal.heatCapacity[k]] as [number, number]), color: PALETTE[2], axis: 1 },
      ],
      xName: 'temperature / K',
      yName: 'kJ/mol',
      y2Name: 'J/K/mol',
      logY: false,
    });
  } else if (run.task === 'neb') {
    // the band's energy profile (from the start's energy) along the path, then how the band converged
    const b = bandProfile(run, streamed);
    if (b) {
      // the images, and (at the end) the curve through them that their forces along the path shape (NEBTools')
      const lines: LineSeries[] = [{ name: 'image', data: b.distances.map((d, k) => [d, b.energies[k]] as [number, number]), color: PALETTE[0] }];
      if (b.fit) lines.push({ name: 'fit', data: b.fit.distances.map((d, k) => [d, b.fit!.energies[k]] as [number, number]), color: PALETTE[1], dashed: true });
      add('band', b.step === null ? 'Energy along the band' : `Energy along the band (step ${b.step})`, lines, 'distance along the path / Å', 'eV');
    }
    add('barrier', 'Highest image above the start', [{ name: 'barrier', data: xy(series, 'barrier', series.step), color: PALETTE[2] }], 'step', unit('neb', 'barrier'));
    add('fmax', 'Largest force on the band', [{ name: 'fmax', data: xy(series, 'fmax', series.step).filter(([, y]) => y > 0), color: PALETTE[1] }], 'step', 'eV/Å', true);
  } else if (run.summary?.task === 'vibrations') {
    // the modes' energies in order, imaginary ones below zero
    add('modes', 'Mode energies', [{ name: 'ħω', data: run.summary.energies.map((e, k) => [k, e] as [number, number]), color: PALETTE[0] }], 'mode', 'meV');
  }
  return specs;
}

/**
 * A run in the Simulations list, told apart from the other runs of its structure: what it ran on (the
 * formula, "Ag2Ni2", not the POSCAR comment "Ni Ag Ni Ag …"; the structure's name when there is no
 * formula), how (MD: the ensemble and temperature, NPT with its pressure; NEB: to its end) and
 * `title`, what the hover says: the run's name, the structure's name and when it started.
 */
export function simulationListLabel(r: Pick<SimulationRecord, 'name' | 'formula' | 'structureName' | 'parameters' | 'startedAt'>): { label: string; title: string } {
  const p = r.parameters;
  const how = p.task === 'md' ? `${p.ensemble.toUpperCase()} ${p.temperature} K${p.ensemble === 'npt' ? ` ${p.pressure} GPa` : ''}` : p.task === 'neb' && p.endName ? `→ ${p.endName}` : '';
  return { label: [r.formula || r.structureName, how].filter(Boolean).join(' · '), title: `${r.name} — ${r.structureName}, started ${fmtDate(r.startedAt)}` };
}

/** The label of a run drawn over another: "#3 emt". */
export function comparedLabel(r: Pick<SimulationDetail, 'id' | 'calculator'>): string {
  return `#${r.id} ${r.calculator}`;
}

/** A second run drawn over the first (its lines named "… — label", in other colours). */
export interface ComparedRun {
  label: string;
  run: Pick<SimulationDetail, 'task' | 'parameters' | 'summary'>;
  series: Series;
}

/**
 * The charts of a run's series: relaxation — energy and the largest force (log) per step; MD —
 * energies, temperature, pressure (and, at constant pressure, volume) against time; EOS — energy against volume with the fitted
 * Birch–Murnaghan curve. With `compared`, a run of the same task is drawn over it, chart by chart
 * (the EOS of a trained potential over EMT's, say).
 */
export function simulationCharts(run: Pick<SimulationDetail, 'task' | 'parameters' | 'summary'>, series: Series, compared: ComparedRun | null = null, streamed: StreamedBand | null = null): SimulationChart[] {
  const specs = chartSpecs(run, series, streamed);
  if (compared && compared.run.task === run.task) {
    const other = chartSpecs(compared.run, compared.series, null);
    for (const spec of specs) {
      const o = other.find((x) => x.id === spec.id);
      // a colour per name: the lines of one name (a band structure's branches) stay one colour
      const names = o ? [...new Set(o.lines.map((l) => l.name))] : [];
      if (o) spec.lines.push(...o.lines.map((l) => ({ ...l, name: `${l.name} — ${compared.label}`, color: PALETTE[(6 + names.indexOf(l.name)) % PALETTE.length] })));
    }
  }
  return specs.map(({ id, title, lines, xName, yName, logY, xFractional, y2Name, xTicks }) => ({ id, title, option: lineOption(lines, { xName, yName, logY, xFractional, y2Name, xTicks }), points: lines.reduce((n, l) => n + l.data.length, 0) }));
}

/** How a run's result differs from a compared run's (EOS: V₀, B₀, E₀ per atom; relaxation: energy per atom, volume; elastic constants: the Hill moduli and the largest difference of a constant; a band: its barrier and reaction energy); null for MD. */
export function comparisonSummary(run: Pick<SimulationDetail, 'summary' | 'nAtoms'>, other: Pick<SimulationDetail, 'summary' | 'nAtoms'>, label: string): string | null {
  const a = run.summary;
  const b = other.summary;
  if (!a || !b || a.task !== b.task) return null;
  const signed = (x: number, digits: number) => `${x >= 0 ? '+' : '−'}${Math.abs(x).toFixed(digits)}`;
  const pct = (x: number, y: number) => `${signed((100 * (x - y)) / y, 2)} %`;
  const meV = (x: number, y: number) => `${signed(1000 * (x - y), 1)} meV/atom`;
  if (a.task === 'eos' && b.task === 'eos') {
    return `against ${label}: V₀ ${pct(a.v0, b.v0)}, B₀ ${pct(a.b0GPa, b.b0GPa)}, E₀ ${meV(a.e0 / run.nAtoms, b.e0 / other.nAtoms)}`;
  }
  if (a.task === 'elastic' && b.task === 'elastic') {
    const hill = (x: { hill: number | null }, y: { hill: number | null }) => (x.hill === null || y.hill === null ? '—' : pct(x.hill, y.hill));
    const largest = Math.max(...a.cGPa.flatMap((row, i) => row.map((c, j) => Math.abs(c - b.cGPa[i][j]))));
    return `against ${label}: bulk modulus ${hill(a.bulkModulusGPa, b.bulkModulusGPa)}, shear modulus ${hill(a.shearModulusGPa, b.shearModulusGPa)} (Hill), largest |ΔC_ij| ${largest.toFixed(1)} GPa`;
  }
  if (a.task === 'phonons' && b.task === 'phonons') {
    // free energies per mole of cells, compared per atom
    const at300 = (s: typeof a) => s.thermal.freeEnergy[s.thermal.temperature.indexOf(300)];
    const perAtom = (s: typeof a, n: number) => at300(s) / EV_TO_KJ_PER_MOL / n;
    return `against ${label}: highest frequency ${pct(a.highest, b.highest)}, free energy at 300 K ${meV(perAtom(a, run.nAtoms), perAtom(b, other.nAtoms))}`;
  }
  if (a.task === 'neb' && b.task === 'neb') {
    const meVs = (x: number, y: number) => `${signed(1000 * (x - y), 1)} meV`;
    return `against ${label}: barrier ${meVs(a.barrier, b.barrier)}, reaction energy ${meVs(a.reactionEnergy, b.reactionEnergy)}`;
  }
  if (a.task === 'relax' && b.task === 'relax') {
    const volume = a.volume !== null && b.volume !== null ? `, volume ${pct(a.volume, b.volume)}` : '';
    return `against ${label}: energy ${meV(a.energy / run.nAtoms, b.energy / other.nAtoms)}${volume}`;
  }
  return null;
}

/**
 * The frame a click on a chart at `x` stands for: MD — time in fs; relaxation — the optimiser step;
 * EOS — the volume (the nearest fitted point). Frames are written every `every` steps from step 0,
 * plus the last step (of a run that stopped early too, which need not be a multiple of `every`), so
 * the nearest is `x / every` rounded, within the frames recorded, or the last when it is nearer.
 */
export function frameAt(run: Pick<SimulationDetail, 'parameters' | 'summary' | 'frames'>, x: number): number | null {
  if (run.frames === 0 || !Number.isFinite(x)) return null;
  const p = run.parameters;
  const clamp = (i: number) => Math.max(0, Math.min(run.frames - 1, Math.round(i)));
  const lastStep = run.summary?.task === 'md' || run.summary?.task === 'relax' ? run.summary.steps : null;
  const nearest = (step: number, every: number) => {
    const i = clamp(step / every);
    return lastStep !== null && Math.abs(step - lastStep) < Math.abs(step - i * every) ? run.frames - 1 : i;
  };
  if (p.task === 'md') return nearest(x / p.timestep, p.every);
  if (p.task === 'relax') return nearest(x, p.every);
  // a band's frames are its images, found on the band's own chart (`bandImageAt`), not at a step
  if (p.task === 'neb') return null;
  const points = run.summary?.task === 'eos' ? run.summary.points : [];
  if (points.length === 0) return null;
  let best = 0;
  points.forEach(([v], i) => {
    if (Math.abs(v - x) < Math.abs(points[best][0] - x)) best = i;
  });
  return clamp(best);
}

/**
 * A running band's images as streamed (frames by image, start to end): a band writes them again every
 * few steps, and a slot stays empty until its image has been written once. The viewer shows an image
 * from here, the profile is drawn from here: both from the same write.
 */
export type StreamedBand = readonly (SimulationFrameView | undefined)[];

/** The streamed band of `count` images with `images` written over it, each at its index. */
export function streamBand(band: StreamedBand | null, images: readonly SimulationFrameView[], count: number): StreamedBand {
  const out: (SimulationFrameView | undefined)[] = band?.length === count ? [...band] : new Array(count).fill(undefined);
  for (const f of images) if (f.index >= 0 && f.index < count) out[f.index] = f;
  return out;
}

/**
 * A band along its path: each image's distance (Å) and energy above the start's (eV), the curve through
 * them (its result only), and the step it stood at when streamed (null: the result).
 */
export interface BandProfile {
  distances: number[];
  energies: number[];
  fit: { distances: number[]; energies: number[] } | null;
  step: number | null;
}

/** The band's result when it has one, else the band as streamed while it runs; null until every image has been written. */
export function bandProfile(run: Pick<SimulationDetail, 'summary'>, streamed: StreamedBand | null): BandProfile | null {
  const s = run.summary;
  if (s?.task === 'neb') return { distances: s.distances, energies: s.energies.map((e) => e - s.energies[0]), fit: s.fit, step: null };
  const images = streamed?.map((p) => (p && typeof p.values.energy === 'number' && typeof p.values.distance === 'number' ? { step: p.step, energy: p.values.energy, distance: p.values.distance } : null));
  if (!images?.length || images.some((p) => p === null)) return null;
  const known = images as { step: number; energy: number; distance: number }[];
  return { distances: known.map((p) => p.distance), energies: known.map((p) => p.energy - known[0].energy), fit: null, step: Math.max(...known.map((p) => p.step)) };
}

/** The highest image between the ends of a band (the climbing one). */
export function highestImage(b: BandProfile): number {
  let best = 1;
  for (let k = 2; k < b.energies.length - 1; k++) if (b.energies[k] > b.energies[best]) best = k;
  return best;
}

/** The image of a band (its frame) nearest `distance` Å along the path, or null when the band has none yet. */
export function bandImageAt(run: Pick<SimulationDetail, 'summary' | 'frames'>, distance: number, streamed: StreamedBand | null = null): number | null {
  const b = bandProfile(run, streamed);
  if (!b || run.frames !== b.distances.length || !Number.isFinite(distance)) return null;
  let best = 0;
  b.distances.forEach((d, k) => {
    if (Math.abs(d - distance) < Math.abs(b.distances[best] - distance)) best = k;
  });
  return best;
}

/**
 * A recorded frame as the viewer's structure: the run's atoms at the frame's positions and cell,
 * flagged with what the run held (the viewer's "movement flags" labels show them).
 */
export function frameStructure(run: Pick<SimulationDetail, 'numbers' | 'pbc'> & Partial<Pick<SimulationDetail, 'parameters'>>, frame: SimulationFrameView): ViewerStructure {
  const held = run.parameters ? constraintsOf(run.parameters) : null;
  const siteProperties = (held && heldSiteProperty(run.numbers.length, held.fixed, held.axisConstraints)) ?? undefined;
  return { lattice: frame.lattice, pbc: run.pbc, numbers: run.numbers, cart: frame.cart, frac: null, siteProperties };
}

/**
 * A frame's forces as arrows, at one scale for the whole run: the largest force of any frame written
 * (`largestForce`; the frame's own when larger, as a frame streamed in before the run's detail
 * caught up) is drawn DEFAULT_LONGEST_ARROW Å long, so a relaxation's arrows shrink as it converges
 * and an MD run's show where the forces peak. Coloured by |F| on the same range. `scale`: Å of arrow
 * per eV/Å; null when every force is zero.
 */
export function frameForceArrows(run: Pick<SimulationDetail, 'largestForce'>, frame: Pick<SimulationFrameView, 'forces'>): { arrows: SiteArrows; scale: number; largest: number } | null {
  const n = frame.forces.length / 3;
  const norms = Array.from({ length: n }, (_, i) => Math.hypot(frame.forces[3 * i], frame.forces[3 * i + 1], frame.forces[3 * i + 2]));
  let largest = run.largestForce ?? 0;
  for (const x of norms) if (x > largest) largest = x;
  if (!(largest > 0)) return null;
  const arrows = siteArrows(frame.forces, norms, largest);
  return { arrows, scale: arrows.scale, largest };
}

/** The largest force of a run once `points` (frames' values) are written too: the run's own or the largest of theirs. */
export function largestForceWith(largestForce: number | null, points: readonly { values: StepValues }[]): number | null {
  let largest = largestForce;
  for (const p of points) {
    const f = p.values.fmax;
    if (typeof f === 'number' && (largest === null || f > largest)) largest = f;
  }
  return largest;
}

/** Per-atom vectors as arrows: `largest` drawn DEFAULT_LONGEST_ARROW Å long, coloured by length up to it. */
function siteArrows(vectors: ArrayLike<number>, norms: readonly number[], largest: number): SiteArrows {
  return { vectors: Float64Array.from(vectors), colors: sequentialColors(norms, largest), scale: DEFAULT_LONGEST_ARROW / largest, radius: 0.07 };
}

/**
 * A relaxation's lowest-curvature mode (`--minimum`, "at the end") as arrows on its last frame, the
 * atom moving most DEFAULT_LONGEST_ARROW Å long, coloured by how far each atom moves; null when the
 * run has no mode (not asked for, not converged, recorded before session 26) or nothing moves in it.
 */
export function modeArrows(run: Pick<SimulationDetail, 'summary' | 'frames'>, frame: Pick<SimulationFrameView, 'index'>): { arrows: SiteArrows; lowest: number; saddle: boolean; strain: boolean } | null {
  const m = run.summary?.task === 'relax' ? run.summary.minimum : null;
  if (!m?.mode || frame.index !== run.frames - 1) return null;
  const arrows = displacementArrows(m.mode);
  return arrows && { arrows, lowest: m.lowest, saddle: m.saddle, strain: m.strain !== null };
}

/** Displacements of the atoms (3 per atom) as arrows, the atom moving most DEFAULT_LONGEST_ARROW Å long, coloured by how far each moves; null when none moves. */
export function displacementArrows(vectors: readonly number[]): SiteArrows | null {
  const norms = Array.from({ length: vectors.length / 3 }, (_, i) => Math.hypot(vectors[3 * i], vectors[3 * i + 1], vectors[3 * i + 2]));
  const largest = Math.max(0, ...norms);
  return largest > 0 ? siteArrows(vectors, norms, largest) : null;
}

/** An elastic-constants run's C as table cells (`gpaText`). */
export function elasticTable(cGPa: readonly (readonly number[])[]): string[][] {
  return cGPa.map((row) => row.map(gpaText));
}

/** A vibrations run's mode as a table row: its energy (meV) and wavenumber (cm⁻¹), an imaginary one with an i. */
export function vibrationRow(energy: number, frequency: number): { meV: string; wavenumber: string; imaginary: boolean } {
  return { meV: modeText(energy, 2), wavenumber: modeText(frequency, 1), imaginary: energy < 0 };
}

/** The mode a vibrations run shows first: its most imaginary one beyond 1 meV (what is wrong), else its highest. */
export function firstVibrationMode(energies: readonly number[]): number {
  return energies.length && energies[0] < -1 ? 0 : energies.length - 1;
}

/** The radial distribution function of a frame, as a chart; null for a molecule (no density). */
export function frameRdfChart(run: Pick<SimulationDetail, 'numbers' | 'pbc'>, frame: SimulationFrameView): SimulationChart | null {
  const chart = rdfChart(frameStructure(run, frame), `Radial distribution, ${frameLabel(frame.index)}`);
  return chart && { id: 'rdf', ...chart };
}

/** A new series with the streamed frames' values added (steps in order: frames at or before the last step are skipped). */
export function appendFramesToSeries(series: Series, frames: readonly Pick<SimulationFrameView, 'step' | 'values'>[]): Series {
  let last = series.step.length ? series.step[series.step.length - 1] : -1;
  const added = frames.filter((f) => {
    if (f.step <= last) return false;
    last = f.step;
    return true;
  });
  if (added.length === 0) return series;
  const n = series.step.length;
  const keys = new Set([...Object.keys(series.values), ...added.flatMap((f) => Object.keys(f.values))]);
  const values: Record<string, (number | null)[]> = {};
  for (const k of keys) values[k] = [...(series.values[k] ?? new Array<number | null>(n).fill(null)), ...added.map((f) => f.values[k] ?? null)];
  return { step: [...series.step, ...added.map((f) => f.step)], values };
}

/**
 * A phonon run's modes as the Simulate panel offers them: its force constants on its cell (the run's
 * one frame), the labelled points of its band path, and where a click on the bands chart lands.
 * Null for a run that kept no force constants (too many, or stored before they were kept).
 */
export interface PhononModesView {
  fc: ForceConstants;
  points: PathPoint[];
  /** The wave vector at a distance along the bands (their chart's x): the nearest whose wave repeats in at most 8 cells along each axis. */
  pick: (distance: number) => [number, number, number];
}

export function phononModesView(run: Pick<SimulationDetail, 'summary' | 'numbers'>, frame: Pick<SimulationFrameView, 'lattice' | 'cart'>): PhononModesView | null {
  const s = run.summary?.task === 'phonons' ? run.summary : null;
  const lattice = frame.lattice;
  if (!s || !lattice) return null;
  const fc = storedForceConstants({ lattice, numbers: run.numbers, cart: frame.cart }, s);
  if (!fc) return null;
  const path = defaultBandPath(lattice);
  const seen = new Set<string>();
  const points = path.runs.flat().filter((p) => !seen.has(p.label) && !!seen.add(p.label));
  return { fc, points, pick: (distance) => commensurateOnPath(lattice, path, distance) };
}

/** The bands at q as rows: index, frequency in THz to 0.01 (an imaginary one with an i, as phonopy's users write it). */
export function phononRows(fc: ForceConstants, q: readonly number[]): { band: number; thz: string; imaginary: boolean }[] {
  return Array.from(frequenciesAt(fc, q), (f, band) => ({ band, thz: thzText(f), imaginary: f < -0.005 }));
}

/**
 * A finished run's result in a line, as the view shows it above the trajectory. Energies, pressures,
 * volumes, temperatures and moduli to fixed decimals, as the command line prints them (a mean temperature
 * of 1442.3 K, never rounded to "1000").
 */
export function summaryText(run: Pick<SimulationDetail, 'summary' | 'parameters'>): string {
  const s = run.summary;
  if (!s) return '';
  if (s.task === 'relax') {
    const symmetry = s.spaceGroups ? ` · ${spaceGroupChangeText(s.spaceGroups)}` : '';
    const m = s.minimum;
    const minimum = m ? ` · ${m.saddle ? 'a saddle point' : 'a minimum'} (lowest curvature ${fmtNum(m.lowest, 3)} eV/Å²${m.escapes ? `; ${m.escapes} left on the way` : ''})` : '';
    return `E ${fmtFixed(s.energy, 6)} eV · fmax ${fmtNum(s.fmax, 3)} eV/Å${s.pressure === null ? '' : ` · P ${fmtFixed(s.pressure, 4)} GPa`}${s.volume === null ? '' : ` · V ${fmtFixed(s.volume, 4)} Å³`}${symmetry}${minimum}`;
  }
  if (s.task === 'md') {
    const diffusion = diffusionText(s);
    return `drift ${driftText(s.drift, 2)} · second half: T ${fmtFixed(s.meanTemperature, 1)} K${s.meanPressure === null ? '' : ` · P ${fmtFixed(s.meanPressure, 3)} GPa`}${diffusion && ` · ${diffusion}`}`;
  }
  if (s.task === 'vibrations') {
    const imaginary = s.energies.filter((e) => e < 0).length;
    const top = vibrationRow(s.energies.at(-1)!, s.frequencies.at(-1)!);
    return `${plural(s.energies.length, 'mode')} of ${plural(s.atoms.length, 'atom')} · highest ${top.meV} meV (${top.wavenumber} cm⁻¹) · zero-point energy ${fmtFixed(s.zpe, 4)} eV${imaginary ? ` · ${imaginary} imaginary, down to ${vibrationRow(s.energies[0], s.frequencies[0]).wavenumber} cm⁻¹` : ''}`;
  }
  if (s.task === 'elastic') {
    return `bulk modulus ${gpaText(s.bulkModulusGPa.hill)} GPa · shear modulus ${gpaText(s.shearModulusGPa.hill)} GPa (Hill) · Young's ${gpaText(s.youngGPa)} GPa · Poisson ${fmtFixed(s.poisson, 3)} · ${stabilityText(s)}`;
  }
  if (s.task === 'phonons') return `${phononsText(s)} · ${s.supercell.join('×')} supercell, ${s.mesh.join('×')} mesh`;
  if (s.task === 'neb') return [nebText(s), ...nebNotes(s, run.parameters.task === 'neb' ? run.parameters.fmax : Infinity)].join(' · ');
  return `V₀ ${fmtFixed(s.v0, 4)} Å³ · E₀ ${fmtFixed(s.e0, 6)} eV · B₀ ${fmtFixed(s.b0GPa, 2)} GPa · B₀′ ${fmtFixed(s.b0prime, 3)}`;
}

/** Where a frame of a run in time is: its step and, for MD, its simulated time ("step 135 · 270 fs" at 2 fs). */
export function frameStepText(frame: { step: number; time: number | null }): string {
  return `step ${frame.step}${frame.time === null ? '' : ` · ${Number(frame.time.toFixed(3))} fs`}`;
}

type ExportProgress = { format: 'extxyz' | 'xdatcar' | 'traj'; written: number; frames: number };

const exportedFormat = (e: ExportProgress) => (e.format === 'xdatcar' ? 'XDATCAR' : `.${e.format}`);

/** How far a trajectory export has come: "exporting .traj: 1,200 of 10,000 frames written" ("exporting .traj…" before its first part). */
export function exportingText(e: ExportProgress): string {
  return e.frames === 0 ? `exporting ${exportedFormat(e)}…` : `exporting ${exportedFormat(e)}: ${groupThousands(e.written)} of ${plural(e.frames, 'frame')} written`;
}

/** A trajectory export cancelled: ".traj export cancelled at 1,200 of 10,000 frames: nothing saved". */
export function exportCancelledText(e: ExportProgress): string {
  return `${exportedFormat(e)} export cancelled${e.frames === 0 ? '' : ` at ${groupThousands(e.written)} of ${plural(e.frames, 'frame')}`}: nothing saved`;
}
