/**
 * Prediction jobs in a compute worker: reading a model file (a CGCNN `.pth.tar` converted, a
 * `.lwm` checked by loading it), predicting structures with per-atom contributions (the
 * engine's one contribution path, models/predict.ts), and the over-smoothing view (the engine's
 * per-layer hook, models/oversmoothing.ts). A failure is an error with its cause; a structure
 * whose graph cannot be built is reported with its message and the others are predicted.
 */
import { structureFromJSON, type StructureJSON } from '../../src-shared/chem/serialize';
import type { Structure } from '../../src-shared/chem/structure';
import { buildGraph, type CrystalGraph } from '../../src-shared/graph/graph';
import { domainWarnings } from '../../src-shared/model/domain';
import { graphWarnings } from '../../src-shared/model/graph-warnings';
import { potentialWarnings } from '../../src-shared/model/potential-domain';
import type { ModelConfig } from '../../src-shared/model/config';
import { importCgcnnCheckpoint } from '../engine/import/cgcnn';
import { buildModel } from '../engine/layers/model';
import { decodeModelFile, encodeModelFile, isModelFile, type ModelFileData, type ModelHeader } from '../engine/models/format';
import { oversmoothing } from '../engine/models/oversmoothing';
import { predictGraphs } from '../engine/models/predict';
import { instantiateModel, type LoadedModel } from '../engine/models/runtime';
import { isPotentialFile, LoadedPotential } from '../engine/potential/file';
import { ModelCache } from '../models/cache';
import { ensureBackend } from './backend';
import { CancelledError, type TaskContext } from './protocol';

// ---------------------------------------------------------------- model files

export interface ModelFileSummary {
  header: Omit<ModelHeader, 'weights' | 'atomInit'>;
  bytes: Uint8Array;
  parameterCount: number;
}

function summarize(data: ModelFileData, bytes: Uint8Array): ModelFileSummary {
  const { weights: _w, atomInit: _a, ...header } = data.header;
  // a potential keeps no non-trainable state: its parameters are the first member's arrays (as the store counts them)
  if (isPotentialFile(data)) return { header, bytes, parameterCount: Object.values(data.members[0]).reduce((n, w) => n + w.length, 0) };
  const m = buildModel(data.header.config as ModelConfig, { seed: 0 });
  try {
    return { header, bytes, parameterCount: m.countParameters() };
  } finally {
    m.dispose();
  }
}

/** Reads a CGCNN `.pth.tar` (converted) or a Latticework `.lwm` (checked by loading it). */
export async function readModelFile(input: { bytes: Uint8Array; fileName: string; name?: string }): Promise<ModelFileSummary> {
  await ensureBackend();
  if (!isModelFile(input.bytes)) {
    // a file that is neither is named with what it should have been by the importer
    const data = importCgcnnCheckpoint(input.bytes, { fileName: input.fileName, name: input.name });
    return checked(data, encodeModelFile(data));
  }
  try {
    const data = decodeModelFile(input.bytes);
    if (input.name) data.header.name = input.name;
    return checked(data, input.name ? encodeModelFile(data) : input.bytes);
  } catch (e) {
    throw new Error(`${input.fileName}: ${(e as Error).message}`);
  }
}

/** The model file's summary once its bytes have loaded as a model. */
function checked(data: ModelFileData, bytes: Uint8Array): ModelFileSummary {
  const check = decodeModelFile(bytes);
  (isPotentialFile(check) ? new LoadedPotential(check) : instantiateModel(check)).dispose();
  return summarize(data, bytes);
}

// ---------------------------------------------------------------- prediction

/** Models this worker keeps loaded (property models and potentials), by the SHA-256 of their file. */
const models = new ModelCache<CachedModel>(4);

type CachedModel = LoadedModel | LoadedPotential;

/** A model file (property model or potential) loaded once per worker, by the SHA-256 `key` of its bytes. */
export function loadModel(key: string, bytes: Uint8Array): CachedModel {
  return models.get(key, () => {
    const file = decodeModelFile(bytes);
    return isPotentialFile(file) ? new LoadedPotential(file) : instantiateModel(file);
  });
}

export function loadPropertyModel(key: string, bytes: Uint8Array, what: string): LoadedModel {
  const m = loadModel(key, bytes);
  if (m instanceof LoadedPotential) throw new Error(`model "${m.name}" is an interatomic potential: ${what} is for property models`);
  return m;
}

export interface PredictTaskInput {
  /** Cache key of the model (its SHA-256). */
  key: string;
  model: Uint8Array;
  structures: { id: number; structure: StructureJSON }[];
}

export interface PredictTaskRow {
  id: number;
  prediction: number;
  std: number | null;
  /** Per atom: the per-atom head's values, or the contributions (mean/sum readouts); null when the readout has none. */
  perAtom: number[] | null;
  /** Why the structure or the prediction lies outside the model's training domain, and where the model's graph is not the structure (model/graph-warnings); empty when neither. */
  warnings: string[];
}

export async function predictTask(input: PredictTaskInput, ctx: TaskContext): Promise<{ rows: PredictTaskRow[]; failed: { id: number; message: string }[] }> {
  await ensureBackend();
  const model = loadModel(input.key, input.model);
  if (model instanceof LoadedPotential) return predictEnergies(model, input, ctx);
  const rows: PredictTaskRow[] = [];
  const failed: { id: number; message: string }[] = [];
  const n = input.structures.length;
  const CH = 64;
  for (let start = 0; start < n; start += CH) {
    if (ctx.signal.aborted) throw new CancelledError();
    const graphs: CrystalGraph[] = [];
    const ids: number[] = [];
    const structures: Structure[] = [];
    for (const s of input.structures.slice(start, start + CH)) {
      try {
        const structure = structureFromJSON(s.structure);
        graphs.push(buildGraph(structure, model.graphOptions));
        ids.push(s.id);
        structures.push(structure);
      } catch (e) {
        failed.push({ id: s.id, message: (e as Error).message });
      }
    }
    const preds = graphs.length ? predictGraphs(model, graphs, { contributions: true }) : [];
    preds.forEach((p, k) => {
      const perAtom = p.perAtom ? p.perAtom.map((r) => r[0]) : p.contributions ? p.contributions.map((r) => r[0]) : null;
      const h = model.header;
      const warnings = [...domainWarnings(h.domain, structures[k], h.task === 'regression' ? p.prediction : null, h.targets), ...graphWarnings(structures[k], graphs[k])];
      rows.push({ id: ids[k], prediction: p.prediction[0], std: p.std ? p.std[0] : null, perAtom, warnings });
    });
    ctx.progress(Math.min(n, start + CH), n, 'predicting');
  }
  return { rows, failed };
}

/**
 * A potential's rows: the energy of each structure (eV, member spread for ensembles) with the
 * per-atom energies as the per-atom values (they sum to the energy); forces and stress come per
 * structure from `potentialTask`.
 */
function predictEnergies(model: LoadedPotential, input: PredictTaskInput, ctx: TaskContext): { rows: PredictTaskRow[]; failed: { id: number; message: string }[] } {
  const rows: PredictTaskRow[] = [];
  const failed: { id: number; message: string }[] = [];
  const n = input.structures.length;
  input.structures.forEach((s, k) => {
    if (ctx.signal.aborted) throw new CancelledError();
    try {
      const structure = structureFromJSON(s.structure);
      const [p] = model.predict([structure], { forces: false, stress: false });
      rows.push({ id: s.id, prediction: p.energy, std: p.std ? p.std.energy : null, perAtom: Array.from(p.atomEnergies), warnings: potentialWarnings(model.file.header.domain, structure, p.energy) });
    } catch (e) {
      failed.push({ id: s.id, message: (e as Error).message });
    }
    ctx.progress(k + 1, n, 'predicting');
  });
  return { rows, failed };
}

export interface PotentialTaskInput {
  key: string;
  model: Uint8Array;
  structures: StructureJSON[];
}

export interface PotentialTaskOutput {
  energy: number;
  atomEnergies: number[];
  /** 3N, eV/Å. */
  forces: number[];
  stress: number[] | null;
  std: { energy: number; forces: number[] | null; forceNorm: number[] | null; stress: number[] | null } | null;
}

/** Energy, per-atom energies, forces and stress (3D-periodic cells) of each structure by a potential. */
export async function potentialTask(input: PotentialTaskInput, ctx: TaskContext): Promise<PotentialTaskOutput[]> {
  await ensureBackend();
  const model = loadModel(input.key, input.model);
  if (!(model instanceof LoadedPotential)) throw new Error(`model "${model.header.name}" is a ${model.header.task} model, not an interatomic potential`);
  return input.structures.map((json, k) => {
    if (ctx.signal.aborted) throw new CancelledError();
    const out = predictOne(model, json);
    ctx.progress(k + 1, input.structures.length, 'predicting');
    return out;
  });
}

function predictOne(model: LoadedPotential, json: StructureJSON): PotentialTaskOutput {
  const s = structureFromJSON(json);
  const periodic = s.lattice !== null && s.pbc.every(Boolean);
  const [p] = model.predict([s], { forces: true, stress: periodic });
  const list = (a: ArrayLike<number> | null) => (a ? Array.from(a) : null);
  return {
    energy: p.energy,
    atomEnergies: Array.from(p.atomEnergies),
    forces: Array.from(p.forces!),
    stress: list(p.stress),
    std: p.std ? { energy: p.std.energy, forces: list(p.std.forces), forceNorm: list(p.std.forceNorm), stress: list(p.std.stress) } : null,
  };
}

// ---------------------------------------------------------------- over-smoothing

/** Per-layer cosine similarity and Dirichlet energy of a model's node states on one structure (member 0 of an ensemble). */
export async function oversmoothingTask(input: { key: string; model: Uint8Array; structure: StructureJSON }) {
  await ensureBackend();
  const model = loadPropertyModel(input.key, input.model, 'the over-smoothing view');
  return { layers: oversmoothing(model, buildGraph(structureFromJSON(input.structure), model.graphOptions)) };
}
