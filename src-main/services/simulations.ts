/**
 * The `simulations` service: a relaxation, molecular dynamics run or equation of state of a stored
 * structure, run as a job in a compute worker (task `simulate`) and recorded in SQLite as it goes
 * (src-main/store/simulations.ts): the run row first ('queued'), then each batch of frames and
 * step values in one transaction ('running'), then the outcome. The renderer follows along through
 * `simulations.onFrames` (at most twice a second: the new frames' values and the latest frame
 * in full, however fast the run writes them) and `simulations.onStatus` (at most once a second
 * while it runs, and at the end).
 *
 * A run stopped by the user is 'cancelled'; one cut short because the app closed, or whose process
 * was killed, is 'interrupted' (once that process is seen gone: store/owners.ts), with every frame written until then.
 */
import { randomUUID } from 'node:crypto';
import { structureFromJSON, type StructureJSON } from '../../src-shared/chem/serialize';
import type { Structure } from '../../src-shared/chem/structure';
import { writeCif, writePoscar, writeExtxyz, writeFramesExtxyz } from '../../src-shared/chem';
import { modeFrames } from '../../src-shared/sim/vibrations';
import { writeAseTrajectory } from '../files/ase-traj';
import type { LatticeworkHandlers } from '../../src-shared/ipc/contract';
import { EXPORT_PART_BYTES, type CalculatorSpec, type NebParameters, type SimulationExportFile, type SimulationFramePoint, type SimulationFramesEvent, type SimulationFrameView, type SimulationParameters, type SimulationRecord, type SimulationRequest } from '../../src-shared/ipc/services/simulations';
import { bandEnd } from '../../src-shared/sim/neb';
import { groupThousands, plural } from '../../src-shared/text';
import { checkSimulationInput, constraintsOf, labelledFrame, phononModeStructures, plannedSteps, SIMULATION_DEFAULTS, SimulationInputError, storedForceConstants, type SimulationFrame, type TrajectoryAtoms, type TrajectoryFrame } from '../../src-shared/sim';
import { phonopyForceConstants } from '../../src-shared/sim/phonons';
import { frameOfStructure, type LabelledFrame } from '../../src-shared/chem/frames';
import type { CoreParts } from '../app/core';
import { stopOf, type JobStop } from './jobs';
import { UserError } from '../ipc/errors';
import { workOfAnother } from '../store/owners';
import {
  appendProgress,
  deleteSimulation,
  finishSimulation,
  getSimulation,
  getSimulationDetail,
  insertSimulation,
  readFrames,
  readStructures,
  readSummary,
  listSimulations,
  type ProgressBatch,
} from '../store/simulations';
import type { SimulateEvent } from '../workers/simulate';
import { loadModelFile } from './models';
import { loadStructure, storeMadeStructure } from './structures';
import { heldNotWritten } from '../files/trajectory-file';
import { trajectoryExports, type TrajectoryExportStart } from './trajectory-exports';

interface Active {
  jobId: string;
  /** Why its job was stopped: the user's Cancel or the process going away (services/jobs.ts `JobStop`); null while it runs. */
  stop(): JobStop | null;
}

/** The message of a run stopped because the process went away. */
const INTERRUPTED = 'the app stopped while this simulation ran: the frames written until then are kept';

const EMIT_MS = 500;
const STATUS_MS = 1000;

const active = new WeakMap<CoreParts['db'], Map<number, Active>>();

function activeRuns(core: CoreParts): Map<number, Active> {
  let m = active.get(core.db);
  if (!m) active.set(core.db, (m = new Map()));
  return m;
}

function frameView(f: SimulationFrame): SimulationFrameView {
  return {
    index: f.index,
    step: f.step,
    time: f.time,
    energy: f.energy,
    values: f.values,
    lattice: f.lattice,
    cart: Array.from(f.cart),
    forces: Array.from(f.forces),
    stress: f.stress ? Array.from(f.stress) : null,
    velocities: f.velocities ? Array.from(f.velocities) : null,
  };
}

/** A frame of run `r` as a structure, flagging the atoms the run held (sim/trajectory.ts labelledFrame: a POSCAR written from it keeps them). */
function runGeometry(r: SimulationRecord, initial: StructureJSON, frame: TrajectoryFrame): Structure {
  return labelledFrame(trajectoryAtoms(r, initial), frame).structure;
}

/** A run's atoms as its frames need them, with what it held. */
function trajectoryAtoms(r: SimulationRecord, initial: StructureJSON): TrajectoryAtoms {
  return { numbers: initial.numbers, pbc: initial.pbc, name: r.name, held: constraintsOf(r.parameters) };
}

function safeName(s: string): string {
  return s.replace(/[^\w.-]+/g, '_').replace(/^_+|_+$/g, '') || 'simulation';
}

/** A mode's animation as a file to save: extended XYZ as text, ASE's `.traj` as base64. */
function animationFile(fileName: string, format: 'extxyz' | 'traj', frames: LabelledFrame[]): SimulationExportFile {
  return format === 'extxyz' ? { fileName, text: writeFramesExtxyz(frames) } : { fileName, base64: Buffer.from(writeAseTrajectory(frames)).toString('base64') };
}

export function simulationsHandlers(core: CoreParts): LatticeworkHandlers['simulations'] {
  const runs = activeRuns(core);
  const exports = trajectoryExports(core.db);

  const record = async (id: number): Promise<SimulationRecord> => {
    const r = await getSimulation(core.db, id);
    if (!r) throw new UserError(`there is no simulation with id ${id}`);
    return r;
  };

  /** A finished phonon run's force constants on its cell; a user error when the run has none. */
  const phononRun = async (id: number) => {
    const r = await record(id);
    const summary = await readSummary(core.db, id);
    const s = summary?.task === 'phonons' ? summary : null;
    if (!s) throw new UserError(`simulation ${id} is not a finished phonon run: it has no force constants`);
    const final = (await readStructures(core.db, id))?.final;
    const fc = final ? storedForceConstants(structureFromJSON(final), s) : null;
    if (!fc) throw new UserError(`simulation ${id} did not keep its force constants (too many to store, or run before they were kept): run it again, or use \`latticework phonons --mode K --out FILE\``);
    return { r, fc };
  };

  /** Band `band` at q of a phonon run, `count` frames over a period (1: displaced at phase 0). */
  const phononMode = async (id: number, band: number, q: readonly number[], amplitude: number | undefined, count: number) => {
    const { r, fc } = await phononRun(id);
    try {
      return phononModeStructures(fc, q, band, { amplitude, count, name: r.name });
    } catch (e) {
      if (e instanceof SimulationInputError) throw new UserError(`simulation ${id}: ${e.message}`);
      throw e;
    }
  };

  /** What a trajectory export of run `id` as `format` starts from: its name, its atoms, its frames as they are now. */
  const trajectoryExport = async (id: number, format: string): Promise<Omit<TrajectoryExportStart, 'maxBytes'>> => {
    if (format !== 'extxyz' && format !== 'xdatcar' && format !== 'traj') throw new UserError(`a trajectory is written as extxyz, xdatcar or traj, not ${format}`);
    const r = await record(id);
    if (r.frames === 0) throw new UserError(`simulation ${id} has no frames yet`);
    const atoms = trajectoryAtoms(r, (await readStructures(core.db, id))!.initial);
    const base = safeName(r.name);
    const fileName = format === 'extxyz' ? `${base}.extxyz` : format === 'traj' ? `${base}.traj` : `${base}.XDATCAR`;
    const left = heldNotWritten(format, atoms);
    return { id, format, fileName, note: left ? `${fileName}: ${left.note}` : null, atoms, frames: r.frames };
  };

  /** The run's parameters from the request: a band's end state is a stored structure, taken as its positions. */
  const runParameters = async (start: Structure, request: SimulationRequest): Promise<SimulationParameters> => {
    if (request.task !== 'neb') return request;
    const { endStructureId, ...band } = request;
    const { row, structure: end } = await loadStructure(core, endStructureId);
    return { ...band, end: bandEnd(start, structureFromJSON(end)), endName: row.name };
  };

  const emitStatus = async (id: number) => {
    try {
      core.events.emit('simulations', 'onStatus', await record(id));
    } catch {
      // the database is closing: nothing to report
    }
  };

  /**
   * Runs `parameters` on the structure `json` (stored as `structureId`, named `structureName`) in a
   * compute worker, recording it as it goes; returns the new run's record.
   */
  const launch = async (
    run: { structureId: number | null; structureName: string; json: StructureJSON; calculator: CalculatorSpec; parameters: SimulationParameters; name?: string },
  ): Promise<SimulationRecord> => {
    const { structureId, structureName, json, calculator, parameters, name } = run;
    const structure = structureFromJSON(json);
    try {
      checkSimulationInput(structure, calculator, parameters);
    } catch (e) {
      if (e instanceof SimulationInputError) throw new UserError(`${structureName}: ${e.message}`);
      throw e;
    }
    // a trained potential: its file goes to the worker with the job
    let model: { name: string; bytes: Uint8Array } | null = null;
    if (calculator.kind === 'model') {
      const stored = await loadModelFile(core, calculator.modelId);
      if (stored.record.task !== 'potential') {
        throw new UserError(`model "${stored.record.name}" predicts ${stored.record.target || 'a property'}, not energies and forces: simulations need an interatomic potential (or EMT, Lennard-Jones, Morse)`);
      }
      model = { name: stored.record.name, bytes: stored.bytes };
    }
    const id = await insertSimulation(core.db, {
      name: name ?? '',
      task: parameters.task,
      structureId,
      structureName,
      initial: json,
      calculator: model ? model.name : calculator.kind,
      calculatorSpec: calculator,
      parameters,
    });
    let signal: AbortSignal | null = null;
    const a: Active = { jobId: randomUUID(), stop: () => (signal ? stopOf(signal) : null) };
    runs.set(id, a);
    const started = Date.now();
    const seconds = () => (Date.now() - started) / 1000;
    const planned = plannedSteps(parameters, structure.numbers.length);
    let writes: Promise<void> = Promise.resolve();
    let steps = 0;
    // what is written but not yet told: sent at most every EMIT_MS (and at the end)
    let points: SimulationFramePoint[] = [];
    // a band's step values (its frames are its images, not steps)
    let bandSteps: NonNullable<SimulationFramesEvent['bandSteps']> = [];
    let latest: SimulationFrame | null = null;
    // a band's images as last written, by index
    const images = new Map<number, SimulationFrame>();
    let written = 0;
    let emitTimer: ReturnType<typeof setTimeout> | null = null;
    let lastEmit = 0;
    let lastStatus = 0;
    const tell = () => {
      if (emitTimer) clearTimeout(emitTimer);
      emitTimer = null;
      if (!latest) return;
      lastEmit = Date.now();
      core.events.emit('simulations', 'onFrames', { simulationId: id, points, latest: frameView(latest), frames: written, steps, plannedSteps: planned, ...(parameters.task === 'neb' ? { bandSteps, images: [...images.keys()].sort((a, b) => a - b).map((k) => frameView(images.get(k)!)) } : {}) });
      points = [];
      bandSteps = [];
      latest = null;
      if (lastEmit - lastStatus >= STATUS_MS) {
        lastStatus = lastEmit;
        void emitStatus(id);
      }
    };
    /** What the run kept, as the process stops. */
    const kept = () => core.jobs.kept(`simulation ${id} interrupted at step ${groupThousands(steps)}, ${plural(written, 'frame')} kept`);
    const onEvent = (payload: unknown) => {
      const ev = payload as SimulateEvent;
      // where a run is that records no step (a band relaxing its ends); a running run's message is '' once its steps come
      const message = ev.work ?? (ev.steps.length ? '' : undefined);
      const batch: ProgressBatch = { frames: ev.frames, steps: ev.steps, duration: seconds(), ...(ev.warnings ? { warnings: ev.warnings } : {}), ...(message !== undefined ? { message } : {}) };
      if (ev.steps.length) steps = ev.steps[ev.steps.length - 1].step;
      if (parameters.task === 'neb') bandSteps.push(...ev.steps);
      writes = writes
        .then(() => appendProgress(core.db, id, batch))
        .then(() => {
          if (ev.frames.length === 0) {
            // a task that writes no frames on the way (vibrations, phonons) or between a band's writes: its steps, told at most once a second
            if ((ev.steps.length || ev.work !== undefined) && Date.now() - lastStatus >= STATUS_MS) {
              lastStatus = Date.now();
              void emitStatus(id);
            }
            return;
          }
          // a band writes its images again in place: the count is the highest index
          written = Math.max(written, ...ev.frames.map((f) => f.index + 1));
          points.push(...ev.frames.map((f) => ({ index: f.index, step: f.step, time: f.time, values: f.values })));
          latest = ev.frames[ev.frames.length - 1];
          if (parameters.task === 'neb') for (const f of ev.frames) images.set(f.index, f);
          emitTimer ??= setTimeout(tell, Math.max(0, EMIT_MS - (Date.now() - lastEmit)));
        })
        .catch(() => undefined);
    };
    const ended = core.jobs
      .run(
        'simulate',
        (job) => {
          signal = job.signal;
          return core.pool.run('simulate', { structure: json, calculator, parameters, ...(model ? { model: model.bytes } : {}) }, { signal: job.signal, onEvent, onProgress: (d, t, m) => job.progress(d, t, m) });
        },
        a.jobId,
      )
      .then(async (out) => {
        await writes;
        tell();
        // stopped at a step: by the user's Cancel ('cancelled'), or because the process is going away
        const interrupted = out.status === 'cancelled' && a.stop() === 'interrupt';
        await finishSimulation(core.db, id, { status: interrupted ? 'interrupted' : out.status, message: interrupted ? INTERRUPTED : out.message, summary: out.summary, final: out.final, warnings: out.warnings, duration: seconds() });
        if (interrupted) kept();
      })
      .catch(async (err: unknown) => {
        await writes;
        tell();
        const e = err as { name?: string; message?: string };
        const stop = a.stop();
        if (stop === 'cancel') await finishSimulation(core.db, id, { status: 'cancelled', message: 'cancelled', duration: seconds() });
        // the worker ended without a step's answer: the process is going away (the pool closing)
        else if (stop === 'interrupt' || e?.name === 'CancelledError') {
          await finishSimulation(core.db, id, { status: 'interrupted', message: INTERRUPTED, duration: seconds() });
          kept();
        }
        else await finishSimulation(core.db, id, { status: 'failed', message: e?.message ?? String(err), duration: seconds() });
      })
      .then(() => emitStatus(id))
      .catch(() => undefined)
      .finally(() => runs.delete(id));
    // the core's close waits for the run's last writes
    core.jobs.whileEnding(ended);
    const r = await record(id);
    core.events.emit('simulations', 'onStatus', r);
    return r;
  };

  return {
    async start({ structureId, calculator, parameters: request, name }) {
      const { row, structure: json } = await loadStructure(core, structureId);
      let parameters: SimulationParameters;
      try {
        parameters = await runParameters(structureFromJSON(json), request);
      } catch (e) {
        if (e instanceof SimulationInputError) throw new UserError(`${row.name}: ${e.message}`);
        throw e;
      }
      return launch({ structureId, structureName: row.name, json, calculator, parameters, ...(name !== undefined ? { name } : {}) });
    },

    async continueBand({ id }) {
      const r = await record(id);
      if (r.parameters.task !== 'neb') throw new UserError(`simulation ${id} is ${r.task === 'eos' ? 'an' : 'a'} ${r.task} run, not a band: only a band goes on from its images`);
      if (runs.has(id)) throw new UserError(`simulation ${id} is still running: a band goes on from where it stopped`);
      const images = await readFrames(core.db, id);
      const count = r.parameters.images + 2;
      if (images.length !== count) throw new UserError(`simulation ${id} wrote no band (it stopped before its first was written): run it again`);
      const initial = (await readStructures(core.db, id))!.initial;
      const parameters: NebParameters = {
        ...SIMULATION_DEFAULTS.neb,
        ...r.parameters,
        path: 'given',
        startImages: images.slice(1, -1).map((f) => f.cart),
      };
      return launch({ structureId: r.structureId, structureName: r.structureName, json: initial, calculator: r.calculatorSpec, parameters, name: `${r.name}, continued` });
    },

    list() {
      return listSimulations(core.db);
    },

    async get({ id, maxPoints }) {
      const d = await getSimulationDetail(core.db, id, maxPoints);
      if (!d) throw new UserError(`there is no simulation with id ${id}`);
      return d;
    },

    async frames({ id, from, to }) {
      await record(id);
      return readFrames(core.db, id, from, to);
    },

    async keepFrame({ id, index }) {
      const r = await record(id);
      const [frame] = await readFrames(core.db, id, index, index + 1);
      if (!frame) throw new UserError(`simulation ${id} has ${r.frames} frame${r.frames === 1 ? '' : 's'}: there is no frame ${index} to keep`);
      const structure = runGeometry(r, (await readStructures(core.db, id))!.initial, frame);
      // a band's frames are its images, all written at the step it ended at
      const which = r.task === 'neb' ? `image ${index} of the band` : `step ${frame.step}`;
      return storeMadeStructure(core, { file: `simulation ${id}`, format: 'simulation', block: index + 1 }, { ...structure, name: `${r.name}, ${which}` });
    },

    async keepPhononMode({ id, band, q, amplitude }) {
      const [displaced] = (await phononMode(id, band, q, amplitude, 1)).structures;
      return storeMadeStructure(core, { file: `simulation ${id}`, format: 'simulation', block: 1 }, displaced);
    },

    async cancel({ id }) {
      const r = await record(id);
      const a = runs.get(id);
      if (!a) throw new UserError((await workOfAnother(core.db, 'simulation', id, `simulation ${id} is being run`, 'cancel it there')) ?? `simulation ${id} is ${r.status}: there is nothing to cancel`);
      core.jobs.cancel(a.jobId);
      return r;
    },

    async delete({ id }) {
      if (runs.has(id)) throw new UserError(`simulation ${id} is running: cancel it first`);
      const elsewhere = await workOfAnother(core.db, 'simulation', id, `simulation ${id} is being run`, 'cancel it there before deleting it');
      if (elsewhere) throw new UserError(elsewhere);
      return { deleted: await deleteSimulation(core.db, id) };
    },

    async exportTrajectory({ id, format, exportId, maxBytes }) {
      if (exportId) return exports.next(exportId, id);
      return exports.start({ ...(await trajectoryExport(id, format)), maxBytes: maxBytes ?? EXPORT_PART_BYTES });
    },

    cancelExport({ exportId }) {
      return Promise.resolve({ cancelled: exports.cancel(exportId) });
    },

    async export({ id, what, format, mode, q, amplitude }) {
      const r = await record(id);
      const structures = await readStructures(core.db, id);
      const base = safeName(r.name);
      if (what === 'mode') {
        const summary = await readSummary(core.db, id);
        const s = summary?.task === 'vibrations' ? summary : null;
        if (!s) throw new UserError(`simulation ${id} is not a finished vibrations run: it has no modes`);
        if (!s.modes) throw new UserError(`simulation ${id} kept its modes' energies only (too many to store): write a mode with \`latticework vibrations --mode K --out FILE\``);
        if (mode === undefined || mode >= s.modes.length) throw new UserError(`mode ${String(mode)}: simulation ${id} has modes 0 to ${s.modes.length - 1}`);
        if (format !== 'extxyz' && format !== 'traj') throw new UserError(`a mode is written as extxyz or traj, not ${format}`);
        const frames = modeFrames(structureFromJSON(structures!.initial), s.modes[mode], s.energies[mode] / 1000, mode);
        return animationFile(`${base}-mode-${mode}.${format}`, format, frames);
      }
      if (what === 'force-constants') {
        if (format !== 'phonopy') throw new UserError(`force constants are written as phonopy's FORCE_CONSTANTS (format phonopy), not ${format}`);
        // the name phonopy reads (`--readfc` takes no other)
        return { fileName: 'FORCE_CONSTANTS', text: phonopyForceConstants((await phononRun(id)).fc) };
      }
      if (what === 'phonon-mode') {
        if (mode === undefined || !q) throw new UserError('a phonon mode needs its band (mode) and its wave vector (q)');
        if (format !== 'extxyz' && format !== 'traj' && format !== 'cif' && format !== 'poscar') throw new UserError(`a phonon mode is written as extxyz or traj (an animation), cif or poscar (displaced), not ${format}`);
        const still = format === 'cif' || format === 'poscar';
        const m = await phononMode(id, mode, q, amplitude, still ? 1 : 30);
        const fileName = `${base}-band-${mode}-q-${q.map((x) => +x.toFixed(4)).join('_')}.${format === 'poscar' ? 'vasp' : format}`;
        if (format === 'cif') return { fileName, text: writeCif(m.structures[0]) };
        if (format === 'poscar') return { fileName, text: writePoscar(m.structures[0]) };
        return animationFile(fileName, format, m.structures.map(frameOfStructure));
      }
      if (what === 'trajectory') {
        return exports.whole(await trajectoryExport(id, format));
      }
      // a run cut short (interrupted, failed) ends at its last frame written
      let final = structures?.final ? structureFromJSON(structures.final) : null;
      if (!final) {
        const last = (await readFrames(core.db, id, Math.max(0, r.frames - 1))).at(-1);
        if (!last) throw new UserError(`simulation ${id} has no frames yet: there is no structure to export`);
        final = runGeometry(r, structures!.initial, last);
      }
      if (format === 'cif') return { fileName: `${base}.cif`, text: writeCif(final) };
      if (format === 'poscar') return { fileName: `${base}.vasp`, text: writePoscar(final) };
      if (format === 'extxyz') return { fileName: `${base}.extxyz`, text: writeExtxyz(final) };
      throw new UserError(`the final structure is written as cif, poscar or extxyz, not ${format}`);
    },
  };
}
