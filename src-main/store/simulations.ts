/**
 * Simulation runs in SQLite (tables `simulation`, `simulation_frame`, `simulation_step`; see
 * docs/database.md): every statement about them is here. Frames and per-step values arrive in
 * batches while a run goes and each batch is one transaction, so a process killed at any moment
 * leaves every batch already written; once the process is seen gone such a run is marked 'interrupted' (store/owners.ts).
 *
 * Frames keep positions, forces and (MD) velocities as little-endian float64 BLOBs (3 per atom); the atoms' elements
 * and periodicity are the run's initial structure's (`initial`, StructureJSON).
 */
import { structureFromJSON, type StructureJSON } from '../../src-shared/chem/serialize';
import { summarizeStructure } from '../../src-shared/chem';
import type {
  CalculatorSpec,
  SimulationDetail,
  SimulationFrameView,
  SimulationParameters,
  SimulationRecord,
  SimulationStatusName,
  SimulationSummary,
  SimulationTask,
  StepValues,
} from '../../src-shared/ipc/services/simulations';
import type { Mat3 } from '../../src-shared/chem/structure';
import type { SimulationFrame } from '../../src-shared/sim/job';
import type { Database, Tx } from './database';

interface SimulationRow {
  id: number;
  name: string;
  task: SimulationTask;
  status: SimulationStatusName;
  structure_id: number | null;
  structure_name: string;
  initial: string;
  calculator: string;
  calculator_spec: string;
  parameters: string;
  message: string;
  warnings: string | null;
  name_given: 0 | 1 | null;
  steps_done: number;
  frames: number;
  started_at: number;
  finished_at: number | null;
  duration: number;
}

const RECORD_COLUMNS =
  'id, name, name_given, task, status, structure_id, structure_name, initial, calculator, calculator_spec, parameters, message, warnings, steps_done, frames, started_at, finished_at, duration';

function toRecord(row: SimulationRow): SimulationRecord {
  const initial = JSON.parse(row.initial) as StructureJSON;
  return {
    id: row.id,
    name: row.name,
    nameGiven: row.name_given === null ? null : row.name_given === 1,
    task: row.task,
    status: row.status,
    structureId: row.structure_id,
    structureName: row.structure_name,
    formula: summarizeStructure(structureFromJSON(initial)).formula,
    nAtoms: initial.numbers.length,
    calculator: row.calculator,
    calculatorSpec: JSON.parse(row.calculator_spec) as CalculatorSpec,
    parameters: JSON.parse(row.parameters) as SimulationParameters,
    message: row.message,
    warnings: row.warnings === null ? null : (JSON.parse(row.warnings) as string[]),
    steps: row.steps_done,
    frames: row.frames,
    startedAt: row.started_at,
    finishedAt: row.finished_at,
    duration: row.duration,
  };
}

/** A typed array's bytes as a BLOB (native byte order: little-endian on every platform Node runs on). */
function blob(a: Float64Array): Uint8Array {
  return new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
}

function floats(b: Uint8Array): number[] {
  // copy: a BLOB's Buffer need not be 8-byte aligned
  const copy = new Uint8Array(b.byteLength);
  copy.set(b);
  return Array.from(new Float64Array(copy.buffer));
}

export interface NewSimulation {
  name: string;
  task: SimulationTask;
  structureId: number | null;
  structureName: string;
  initial: StructureJSON;
  calculator: string;
  calculatorSpec: CalculatorSpec;
  parameters: SimulationParameters;
}

/**
 * Records a new run ('queued'); returns its id. An empty name becomes "<task> of <structure> with <calculator> #id"
 * ("neb from <start> to <end> with …" for a band), and the run records that its name was not given.
 */
export async function insertSimulation(db: Database, s: NewSimulation, now = Date.now()): Promise<number> {
  return db.transaction(async (tx) => {
    const { lastID } = await tx.run(
      `INSERT INTO simulation (name, name_given, task, status, structure_id, structure_name, initial, calculator, calculator_spec, parameters, started_at, owner_id)
       VALUES (?, ?, ?, 'queued', ?, ?, ?, ?, ?, ?, ?, ?)`,
      [s.name, s.name ? 1 : 0, s.task, s.structureId, s.structureName, JSON.stringify(s.initial), s.calculator, JSON.stringify(s.calculatorSpec), JSON.stringify(s.parameters), now, tx.ownerId()],
    );
    const what = s.parameters.task === 'neb' ? `neb from ${s.structureName} to ${s.parameters.endName}` : `${s.task} of ${s.structureName}`;
    if (!s.name) await tx.run('UPDATE simulation SET name = ? WHERE id = ?', [`${what} with ${s.calculator} #${lastID}`, lastID]);
    return lastID;
  });
}

export interface ProgressBatch {
  frames: SimulationFrame[];
  steps: { step: number; values: StepValues }[];
  duration: number;
  /** A trained potential's warnings so far, when they changed (kept by a run that is killed). */
  warnings?: string[];
  /** Where a running run is when it records no step (a band relaxing its ends); '' once its steps begin. */
  message?: string;
}

/** How many frames a run holds once `frames` are written: frames are numbered from 0, and a band writes its images again in place. */
function framesAfter(frames: readonly SimulationFrame[]): number {
  return frames.reduce((most, f) => Math.max(most, f.index + 1), 0);
}

/**
 * One batch of frames, step values and warnings, in one transaction; the run becomes 'running'. A frame
 * replaces the one of its index (a band writes its images again as it moves).
 */
export async function appendProgress(db: Database, id: number, batch: ProgressBatch): Promise<void> {
  await db.transaction(async (tx) => {
    for (let i = 0; i < batch.steps.length; i += 300) {
      const part = batch.steps.slice(i, i + 300);
      await tx.run(
        `INSERT OR REPLACE INTO simulation_step (simulation_id, step, step_values) VALUES ${part.map(() => '(?, ?, ?)').join(', ')}`,
        part.flatMap((s) => [id, s.step, JSON.stringify(s.values)]),
      );
    }
    for (const f of batch.frames) {
      await tx.run(
        'INSERT OR REPLACE INTO simulation_frame (simulation_id, idx, step, time, energy, step_values, lattice, positions, forces, stress, velocities) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        [
          id,
          f.index,
          f.step,
          f.time,
          f.energy,
          JSON.stringify(f.values),
          f.lattice ? JSON.stringify(f.lattice) : null,
          blob(f.cart),
          blob(f.forces),
          f.stress ? JSON.stringify(Array.from(f.stress)) : null,
          f.velocities ? blob(f.velocities) : null,
        ],
      );
    }
    await tx.run(
      `UPDATE simulation SET status = CASE WHEN status = 'queued' THEN 'running' ELSE status END,
         steps_done = MAX(steps_done, ?), frames = MAX(frames, ?), duration = ?, warnings = COALESCE(?, warnings), message = COALESCE(?, message) WHERE id = ?`,
      [batch.steps.length ? batch.steps[batch.steps.length - 1].step : 0, framesAfter(batch.frames), batch.duration, batch.warnings ? JSON.stringify(batch.warnings) : null, batch.message ?? null, id],
    );
  });
}

/** The end of a run: its status, why, the summary, the final structure and a trained potential's warnings; it has no owner from then on. */
export async function finishSimulation(
  db: Database,
  id: number,
  end: { status: SimulationStatusName; message: string; summary?: SimulationSummary | null; final?: StructureJSON | null; duration?: number; warnings?: string[] | null },
  now = Date.now(),
): Promise<void> {
  await db.transaction((tx) =>
    tx.run('UPDATE simulation SET status = ?, owner_id = NULL, message = ?, summary = COALESCE(?, summary), warnings = COALESCE(?, warnings), final = COALESCE(?, final), duration = COALESCE(?, duration), finished_at = ? WHERE id = ?', [
      end.status,
      end.message,
      end.summary ? JSON.stringify(end.summary) : null,
      end.warnings ? JSON.stringify(end.warnings) : null,
      end.final ? JSON.stringify(end.final) : null,
      end.duration ?? null,
      end.status === 'interrupted' ? null : now,
      id,
    ]),
  );
}

export async function listSimulations(db: Database): Promise<SimulationRecord[]> {
  const rows = await db.read((tx) => tx.all<SimulationRow>(`SELECT ${RECORD_COLUMNS} FROM simulation ORDER BY id DESC`));
  return rows.map(toRecord);
}

async function row(tx: Tx, id: number): Promise<SimulationRow | undefined> {
  return tx.get<SimulationRow>(`SELECT ${RECORD_COLUMNS} FROM simulation WHERE id = ?`, [id]);
}

/** The run, or null when there is none with this id. */
export async function getSimulation(db: Database, id: number): Promise<SimulationRecord | null> {
  const r = await db.read((tx) => row(tx, id));
  return r ? toRecord(r) : null;
}

async function summaryOf(tx: Tx, id: number): Promise<SimulationSummary | null> {
  const r = await tx.get<{ summary: string | null }>('SELECT summary FROM simulation WHERE id = ?', [id]);
  return r?.summary ? (JSON.parse(r.summary) as SimulationSummary) : null;
}

/** What run `id` found (null: no such run, or none yet). */
export async function readSummary(db: Database, id: number): Promise<SimulationSummary | null> {
  return db.read((tx) => summaryOf(tx, id));
}

/** The run with its summary, its atoms, its per-step series, evenly thinned to at most `maxPoints` steps (the last always kept), and the largest force of its frames. */
export async function getSimulationDetail(db: Database, id: number, maxPoints = 5000): Promise<SimulationDetail | null> {
  return db.read(async (tx) => {
    const r = await row(tx, id);
    if (!r) return null;
    const { n } = (await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM simulation_step WHERE simulation_id = ?', [id]))!;
    const stride = Math.max(1, Math.ceil(n / maxPoints));
    const steps = await tx.all<{ step: number; step_values: string; k: number }>(
      `SELECT step, step_values FROM (SELECT step, step_values, ROW_NUMBER() OVER (ORDER BY step) - 1 AS k FROM simulation_step WHERE simulation_id = ?)
       WHERE k % ? = 0 OR k = ? ORDER BY step`,
      [id, stride, n - 1],
    );
    const values: Record<string, (number | null)[]> = {};
    steps.forEach((s, i) => {
      const v = JSON.parse(s.step_values) as StepValues;
      for (const [key, x] of Object.entries(v)) (values[key] ??= new Array<number | null>(steps.length).fill(null))[i] = x;
    });
    const { largest } = (await tx.get<{ largest: number | null }>("SELECT MAX(json_extract(step_values, '$.fmax')) AS largest FROM simulation_frame WHERE simulation_id = ?", [id]))!;
    const initial = JSON.parse(r.initial) as StructureJSON;
    return { ...toRecord(r), summary: await summaryOf(tx, id), numbers: initial.numbers, pbc: initial.pbc, series: { step: steps.map((s) => s.step), values }, largestForce: largest };
  });
}

interface FrameRow {
  idx: number;
  step: number;
  time: number | null;
  energy: number;
  step_values: string;
  lattice: string | null;
  positions: Uint8Array;
  forces: Uint8Array;
  stress: string | null;
  velocities: Uint8Array | null;
}

function toFrameView(f: FrameRow): SimulationFrameView {
  return {
    index: f.idx,
    step: f.step,
    time: f.time,
    energy: f.energy,
    values: JSON.parse(f.step_values) as StepValues,
    lattice: f.lattice === null ? null : (JSON.parse(f.lattice) as Mat3),
    cart: floats(f.positions),
    forces: floats(f.forces),
    stress: f.stress === null ? null : (JSON.parse(f.stress) as number[]),
    velocities: f.velocities === null ? null : floats(f.velocities),
  };
}

/** Frames with index in [from, to) (all by default), in order. */
export async function readFrames(db: Database, id: number, from = 0, to = Number.MAX_SAFE_INTEGER): Promise<SimulationFrameView[]> {
  const rows = await db.read((tx) =>
    tx.all<FrameRow>('SELECT idx, step, time, energy, step_values, lattice, positions, forces, stress, velocities FROM simulation_frame WHERE simulation_id = ? AND idx >= ? AND idx < ? ORDER BY idx', [
      id,
      from,
      to,
    ]),
  );
  return rows.map(toFrameView);
}

/** The run's initial and final structures (the final one is null until the run ends well). */
export async function readStructures(db: Database, id: number): Promise<{ initial: StructureJSON; final: StructureJSON | null } | null> {
  const r = await db.read((tx) => tx.get<{ initial: string; final: string | null }>('SELECT initial, final FROM simulation WHERE id = ?', [id]));
  if (!r) return null;
  return { initial: JSON.parse(r.initial) as StructureJSON, final: r.final === null ? null : (JSON.parse(r.final) as StructureJSON) };
}

export async function deleteSimulation(db: Database, id: number): Promise<boolean> {
  const { changes } = await db.transaction((tx) => tx.run('DELETE FROM simulation WHERE id = ?', [id]));
  return changes > 0;
}
