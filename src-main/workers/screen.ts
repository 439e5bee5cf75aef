/**
 * Screening in a compute worker: one share of the files of a `latticework predict` over many
 * structures. The worker reads its files, builds the graphs and predicts them with its own copy of
 * the model, so that reading, graph building and inference of different shares run on different
 * cores at once (cli/screen.ts hands out the shares and prints the rows in order).
 *
 * The worker's backend is the one the command chose; on wasm and cpu its SIMD kernels run on
 * `kernelThreads` threads (one per worker when every core has a worker of its own).
 */
import { structureErrorData, type SkippedBlock } from '../../src-shared/chem';
import type { Structure } from '../../src-shared/chem/structure';
import type { ReadLimits } from '../../src-shared/chem/options';
import { potentialWarnings } from '../../src-shared/model/potential-domain';
import { checkOrderedAtoms } from '../../src-shared/sim/atoms';
import { configureKernelThreads } from '../engine/simd';
import { initBackend, type BackendChoice } from '../engine/tf/backend';
import { readStructuresFile } from '../files/structure-file';
import { LoadedPotential, type PotentialPrediction } from '../engine/potential/file';
import { ensureGradients } from '../engine/tf/gradients';
import { potentialEntry, type PotentialEntry } from '../engine/potential/entry';
import { predictRows, type PredictionRow } from '../models/service';
import { loadModel } from './predict';
import { CancelledError, type TaskContext } from './protocol';

export interface ScreenTaskInput {
  /** Cache key of the model (its SHA-256). */
  key: string;
  model: Uint8Array;
  /** The backend the command runs on (forced in the worker, so that every worker uses the same). */
  backend: string;
  /** SIMD kernel threads of this worker (set before its kernels first run); null: as this thread has them (the command's own thread). */
  kernelThreads: number | null;
  files: ScreeningFile[];
  contributions: boolean;
  /** The readers' limits the command line set (none: the defaults). */
  limits?: ReadLimits;
}

/**
 * A file of a screening: its absolute path and the name shown for it. `problem`: an argument that names
 * no structure file (a folder without any), which fails in its place, as a file that cannot be read does,
 * so that every output keeps the order of the command line.
 */
export interface ScreeningFile {
  path: string;
  shown: string;
  problem?: ScreenFailure['error'];
}

export interface ScreenFailure {
  file: string;
  /** A structure (frame) of a file that a potential could not predict. */
  frame?: number;
  /** A CIF data block that could not be read while the file's other blocks were (as `structure info` reports it). */
  block?: string;
  error: { name: string; message: string; line: number | null };
}

/**
 * One structure predicted by a property model (a row), by a potential (issue 13's entry, with the
 * number of frames of its file), or one file (or structure) that failed; with contributions, the
 * species of the structure's atoms too (the text output names each atom's).
 */
export type ScreenEntry =
  | { row: PredictionRow & { species?: string[] } }
  | { potential: PotentialEntry; frames: number; species?: string[] }
  | { failed: ScreenFailure }
  /** What the reader said of a file as a whole (an incomplete run, species taken from a POTCAR beside it), before the file's rows. */
  | { fileWarnings: { file: string; warnings: string[] } };

export interface ScreenTaskOutput {
  /** In the order of the files, and of the structures within a file. */
  entries: ScreenEntry[];
}

let backendReady: Promise<BackendChoice> | null = null;

/**
 * Loads this thread's backend: `backend` forced (null: the best available), the kernels on
 * `kernelThreads` threads (null: as they are; set before the thread's kernels first run). Once per
 * thread, and again only when the backend chosen is not the one asked for (the command's own thread
 * screens for every command run in its process, each on its own backend).
 */
export async function prepareBackend(backend: string | null, kernelThreads: number | null): Promise<BackendChoice> {
  if (backendReady === null) {
    if (kernelThreads !== null) configureKernelThreads(kernelThreads);
    backendReady = initBackend({ ...(backend === null ? {} : { force: backend }), gradients: false });
  }
  const choice = await backendReady;
  if (backend === null || choice.candidate === backend) return choice;
  backendReady = initBackend({ force: backend, gradients: false });
  return backendReady;
}

/** A structure to predict, with what the reader said of it. */
type Item = { file: string; structure: Structure; read: string[] };

/**
 * A file read: what the reader said of the file as a whole (an entry before its rows, when it said
 * anything), its structures with what it said of each (a 2D cell given a vector normal to it: first
 * among the structure's warnings), and, after them, the failures of its CIF data blocks that could not
 * be read; or the file's failure.
 */
type FileRead = { said: ScreenEntry[]; structures: Structure[]; structureWarnings: string[][]; skipped: ScreenEntry[] } | { failed: ScreenFailure };

/** The share's files, all asked for at once (the thread waits for the disk once per share, not once per file), in order. */
function readShare(files: ScreenTaskInput['files'], limits: ReadLimits = {}): Promise<FileRead>[] {
  return files.map((f) =>
    f.problem ? Promise.resolve({ failed: { file: f.shown, error: f.problem } }) : readStructuresFile(f.path, f.shown, limits).then(
          (r) => ({
            said: r.fileWarnings.length ? [{ fileWarnings: { file: f.shown, warnings: r.fileWarnings } }] : [],
            structures: r.structures,
            structureWarnings: r.structureWarnings,
            skipped: skippedBlockFailures(r.skipped, f.shown),
          }),
          (error: unknown) => ({ failed: failure(error, f.shown, '') }),
        ),
  );
}

export async function screenTask(input: ScreenTaskInput, ctx: TaskContext): Promise<ScreenTaskOutput> {
  const reads = readShare(input.files, input.limits);
  // a worker started ahead chose its backend itself: prepareBackend loads the command's when it differs
  await prepareBackend(input.backend, input.kernelThreads);
  const model = loadModel(input.key, input.model);
  if (model instanceof LoadedPotential) return potentialShare(model, input, reads, ctx);
  const entries: (ScreenEntry | null)[] = [];
  const items: { item: Item; slot: number }[] = [];
  for (const [i, f] of input.files.entries()) {
    if (ctx.signal.aborted) throw new CancelledError();
    const r = await reads[i];
    if ('failed' in r) {
      entries.push({ failed: r.failed });
      continue;
    }
    entries.push(...r.said);
    for (const [k, structure] of r.structures.entries()) {
      items.push({ item: { file: f.shown, structure, read: r.structureWarnings[k] }, slot: entries.length });
      entries.push(null);
    }
    entries.push(...r.skipped);
  }
  const put = (slots: number[], chunk: Item[]) => {
    const rows = predictRows(model, chunk, { contributions: input.contributions }).predictions;
    // the atoms' elements for the text and CSV that list atoms (contributions, a per-atom model's values)
    rows.forEach((row, k) => {
      const read = { ...row, warnings: [...chunk[k].read, ...row.warnings] };
      entries[slots[k]] = { row: input.contributions || row.perAtom ? { ...read, species: chunk[k].structure.species } : read };
    });
  };
  const CHUNK = 64;
  for (let start = 0; start < items.length; start += CHUNK) {
    if (ctx.signal.aborted) throw new CancelledError();
    const part = items.slice(start, start + CHUNK);
    try {
      put(part.map((p) => p.slot), part.map((p) => p.item));
    } catch {
      // a structure whose graph cannot be built fails alone, not its chunk
      for (const p of part) {
        try {
          put([p.slot], [p.item]);
        } catch (e) {
          entries[p.slot] = { failed: failure(e, p.item.file, `${p.item.structure.name}: `) };
        }
      }
    }
  }
  return { entries: entries.filter((e): e is ScreenEntry => e !== null) };
}

/**
 * A share predicted by a potential: energy, forces and stress of every structure (every frame),
 * each file's frames predicted together (as one batch), a frame that fails alone failing alone.
 */
async function potentialShare(model: LoadedPotential, input: ScreenTaskInput, reads: Promise<FileRead>[], ctx: TaskContext): Promise<ScreenTaskOutput> {
  // forces and stress are gradients of the energy: tfjs's gradients (screening threads start without)
  const problem = await ensureGradients();
  if (problem) throw new Error(`forces and stress need tfjs's gradients, which failed to register: ${problem}`);
  const entries: ScreenEntry[] = [];
  for (const [i, f] of input.files.entries()) {
    if (ctx.signal.aborted) throw new CancelledError();
    const r = await reads[i];
    if ('failed' in r) {
      entries.push({ failed: r.failed });
      continue;
    }
    const { structures } = r;
    entries.push(...r.said);
    // what a simulation takes, as relax and md check it (a disordered CIF's sites are not atoms): the others fail alone
    const problems = structures.map((s) => {
      try {
        checkOrderedAtoms(s);
        return null;
      } catch (e) {
        return e;
      }
    });
    const ordered = structures.filter((_, k) => problems[k] === null);
    let together: PotentialPrediction[] | null = null;
    try {
      together = model.predict(ordered);
    } catch {
      // predicted one by one below: the frame that fails is named
    }
    let next = 0;
    structures.forEach((s, k) => {
      const problem = problems[k];
      if (problem !== null) {
        entries.push({ failed: { ...failure(problem, f.shown, ''), frame: k } });
        return;
      }
      try {
        const p = together ? together[next++] : model.predict([s])[0];
        const entry = potentialEntry(f.shown, k, model.name, s, p, [...r.structureWarnings[k], ...potentialWarnings(model.file.header.domain, s, p.energy)], input.contributions);
        entries.push({ potential: entry, frames: structures.length, ...(input.contributions ? { species: s.species } : {}) });
      } catch (e) {
        entries.push({ failed: { ...failure(e, f.shown, ''), frame: k } });
      }
    });
    entries.push(...r.skipped);
  }
  return { entries };
}

/** The CIF data blocks a file's read skipped (its other blocks were read), each a failure naming the block, its line and problem. */
function skippedBlockFailures(skipped: readonly SkippedBlock[], file: string): { failed: ScreenFailure }[] {
  return skipped.map((b) => ({ failed: { ...failure(b.error, file, ''), block: b.block } }));
}

function failure(e: unknown, file: string, prefix: string): ScreenFailure {
  const data = structureErrorData(e, file);
  return { file, error: { name: data.name, message: prefix + data.message, line: data.line } };
}
