/**
 * The table of tasks a compute worker runs. Main-thread code names a task and
 * gets its input and output types from here (type-only imports: the heavy
 * modules load in the worker alone).
 */
import type { ReceptiveFieldView, BackendInfo } from '../../src-shared/ipc/contract';
import { structureErrorData, summarizeStructure } from '../../src-shared/chem';
import type { DisorderPolicy, FlatCellExtents, StructureErrorData, StructureSummary } from '../../src-shared/chem';
import type { FramesFile, FramesReadOptions, FramesSource } from '../files/frames-source';
import { structureFromJSON, structureToJSON } from '../../src-shared/chem/serialize';
import type { StructureJSON } from '../../src-shared/chem/serialize';
import { receptiveField, structureNeighbors } from '../../src-shared/graph';
import type { NeighborList } from '../../src-shared/graph';
import { graphWarnings } from '../../src-shared/model/graph-warnings';
import { findSpaceGroup, SpaceGroupSearchSkipped, standardCell } from '../chem/spacegroup';
import { supercell, vacancyHop } from '../../src-shared/chem/build';
import { groupThousands } from '../../src-shared/text';
import { niggliStructure } from '../../src-shared/chem/niggli';
import type { SpaceGroupSummary } from '../../src-shared/chem/spacegroup';
import type { Structure } from '../../src-shared/chem';
import { CancelledError } from './protocol';
import type { TaskContext } from './protocol';
import type { TaskHandler } from './runtime';
import type { SimulateTaskInput } from './simulate';
import type { PotentialTaskInput, PredictTaskInput } from './predict';
import type { ScreenTaskInput } from './screen';
import type { DatasetGraphStatsInput } from './statistics';
import type { TrainTaskInput } from './train';

export interface ParsedFileStructure {
  structure: StructureJSON;
  block: string | number | null;
  warnings: string[];
  summary: StructureSummary;
  /**
   * Found at spglib's default tolerance (0.01 Å); null for a molecule or when the search failed (see
   * warnings); absent where the reader left it for later (frames of trajectories: found when listed).
   */
  spaceGroup?: SpaceGroupSummary | null;
}

/**
 * A structure the app made (another cell of a stored one, a vacancy hop's end, a simulation's frame), as it is
 * stored; its space group at 0.01 Å, null with the reason among the warnings when the search was skipped.
 */
export type MadeStructure = Omit<ParsedFileStructure, 'block'>;

export type ParsedFile =
  | { file: string; ok: true; format: string; structures: ParsedFileStructure[] }
  | { file: string; ok: false; error: StructureErrorData };

export interface GraphRequest {
  structure: StructureJSON;
  cutoff: number;
  maxNeighbors: number | null;
}

/** The space group of a structure read from a file, its warnings with the reason when the search failed. */
async function symmetryOf(s: Structure, warnings: string[]): Promise<{ spaceGroup: SpaceGroupSummary | null; warnings: string[] }> {
  try {
    return { spaceGroup: await findSpaceGroup(s), warnings };
  } catch (e) {
    return { spaceGroup: null, warnings: [...warnings, (e as Error).message] };
  }
}

/**
 * `s` as the app stores a structure it made, with the space group of `crystal`: `s` itself, or the structure
 * `s` repeats (a supercell holds the same atoms, and has their group: docs/structures.md, "Supercells").
 */
async function made(s: Structure, crystal: Structure = s): Promise<MadeStructure> {
  const warnings: string[] = [];
  let spaceGroup = null;
  try {
    spaceGroup = await findSpaceGroup(crystal);
  } catch (e) {
    if (!(e instanceof SpaceGroupSearchSkipped)) throw e;
    warnings.push(e.message);
  }
  return { structure: structureToJSON(s), summary: summarizeStructure(s), spaceGroup, warnings };
}

function neighbours(structure: Structure, input: GraphRequest): NeighborList {
  return structureNeighbors(structure, { cutoff: input.cutoff, maxNeighbors: input.maxNeighbors });
}

export const taskHandlers = {
  /** Loads tfjs with the best backend this machine has and reports it. */
  async 'backend-info'(_input: Record<string, never>, _ctx: TaskContext): Promise<BackendInfo> {
    const { backendDisplayName, initBackend } = await import('../engine/tf/backend');
    const choice = await initBackend();
    const unavailable: Record<string, string> = {};
    for (const [candidate, reason] of Object.entries(choice.reasons)) {
      unavailable[backendDisplayName(candidate)] = reason;
    }
    const { kernelThreads, kernelThreadsNote } = choice.details;
    return {
      name: backendDisplayName(choice.candidate),
      unavailable,
      kernelThreads: typeof kernelThreads === 'number' ? kernelThreads : null,
      ...(typeof kernelThreadsNote === 'string' ? { kernelThreadsNote } : {}),
    };
  },

  /**
   * The compute half of `latticework doctor` (backends, GPU, CUDA, threads). It loads every backend in
   * turn, so the app runs it in a worker of its own, never beside a training run.
   */
  async 'doctor-compute'(_input: Record<string, never>, _ctx: TaskContext) {
    const { engineProbe, nodeHost, probeCompute } = await import('../app/doctor');
    return probeCompute(nodeHost, engineProbe());
  },

  /** Reads structure files; a file that fails is reported with its error and the others still count. */
  /**
   * Reads dropped or listed files: text, or bytes (`data`) that may be compressed (gzip, bzip2, xz)
   * or an ASE database; a VASP 4 file takes its species from a POTCAR/OUTCAR among the same files.
   */
  async 'parse-structures'(
    input: {
      /** `flatCells`: an extended XYZ frame parsed on its own, its file's flat-cell extents (`xyzFlatCells`). */
      files: ({ name: string; text: string; flatCells?: FlatCellExtents } | { name: string; data: Uint8Array })[];
      disorder?: DisorderPolicy;
      /** false: no space-group search (null) — for readers that never show it, such as `latticework train`. */
      symmetry?: boolean;
    },
    ctx: TaskContext,
  ): Promise<ParsedFile[]> {
    const out: ParsedFile[] = [];
    const { structuresFromBytes, structuresFromText, batchCompanions } = await import('../files/structure-file');
    const asBytes = input.files.map((f) => ({ name: f.name, bytes: 'data' in f ? f.data : new TextEncoder().encode(f.text) }));
    for (const [i, file] of input.files.entries()) {
      if (ctx.signal.aborted) throw new CancelledError();
      try {
        const read =
          'data' in file
            ? await structuresFromBytes(file.name, file.data, { disorder: input.disorder }, batchCompanions(file.name, asBytes))
            : structuresFromText(file.name, file.text, { disorder: input.disorder, flatCells: file.flatCells });
        out.push({
          file: file.name,
          ok: true,
          format: read.format,
          structures: await Promise.all(
            read.structures.map(async (s, k) => ({
              structure: structureToJSON(s),
              block: read.blocks[k],
              summary: summarizeStructure(s),
              ...(input.symmetry === false ? { spaceGroup: null, warnings: read.structureWarnings[k] } : await symmetryOf(s, read.structureWarnings[k])),
            })),
          ),
        });
        // A CIF data block that could not be read, the others were: it fails as a file does.
        for (const b of read.skipped) out.push({ file: file.name, ok: false, error: structureErrorData(b.error, file.name) });
      } catch (err) {
        out.push({ file: file.name, ok: false, error: structureErrorData(err, file.name) });
      }
      ctx.progress(i + 1, input.files.length, `read ${file.name}`);
    }
    return out;
  },

  /** Every frame of each source with its labels (an import of labelled frames); progress in frames. */
  async 'read-frames'(input: { sources: FramesSource[]; options: FramesReadOptions }, ctx: TaskContext): Promise<FramesFile[]> {
    const { readFramesSource } = await import('../files/frames-source');
    const out: FramesFile[] = [];
    for (const src of input.sources) {
      if (ctx.signal.aborted) throw new CancelledError();
      const r = await readFramesSource(src, input.options, {
        signal: ctx.signal,
        progress: (done, total) => ctx.progress(done, total, `read ${done}${total === null ? '' : ` of ${total}`} frames of ${src.name}`),
      });
      if (ctx.signal.aborted) throw new CancelledError();
      out.push(r);
    }
    return out;
  },

  /** Space groups (0.01 Å) of stored structures; null for a molecule or where the search fails. */
  async 'space-groups'(input: { structures: StructureJSON[] }): Promise<(SpaceGroupSummary | null)[]> {
    return Promise.all(input.structures.map(async (j) => (await symmetryOf(structureFromJSON(j), [])).spaceGroup));
  },

  /** The space group of one structure at `symprec`, searched whatever its size (asked for: `structures.symmetry`); a failed search throws. */
  async 'space-group'(input: { structure: StructureJSON; symprec: number }, ctx: TaskContext): Promise<SpaceGroupSummary | null> {
    const s = structureFromJSON(input.structure);
    ctx.progress(0, 1, `searching the space group of ${groupThousands(s.numbers.length)} sites`);
    return findSpaceGroup(s, input.symprec, Infinity);
  },

  /** A structure the app made, as it is stored (`storeMadeStructure`): its space group searched here, never on the main thread. */
  async 'made-structure'(input: { structure: StructureJSON }): Promise<MadeStructure> {
    return made(structureFromJSON(input.structure));
  },

  /**
   * Another cell of a structure (`structures.derive`) as it is stored: its standard primitive or conventional
   * cell, its Niggli cell or its `repeat` supercell; a cell that cannot be made gives the reason (`refused`).
   */
  async 'derive-cell'(input: {
    structure: StructureJSON;
    cell: 'primitive' | 'conventional' | 'niggli' | 'supercell';
    symprec?: number;
    repeat?: [number, number, number];
  }, ctx: TaskContext): Promise<{ made: MadeStructure } | { refused: string }> {
    const s = structureFromJSON(input.structure);
    let cell: Structure;
    const sites = (x: Structure) => groupThousands(x.numbers.length);
    ctx.progress(0, 2, input.cell === 'supercell' ? `repeating ${sites(s)} sites ${input.repeat!.join('×')}` : input.cell === 'niggli' ? 'reducing the cell' : `searching the space group of ${sites(s)} sites`);
    try {
      cell = input.cell === 'supercell' ? supercell(s, input.repeat!) : input.cell === 'niggli' ? niggliStructure(s) : await standardCell(s, input.cell, input.symprec);
    } catch (e) {
      return { refused: (e as Error).message };
    }
    // a search under way cannot look at the signal: the pool ends its worker (pool.ts)
    if (ctx.signal.aborted) throw new CancelledError();
    const crystal = input.cell === 'supercell' ? s : cell;
    ctx.progress(1, 2, `searching the space group of the ${input.cell === 'supercell' ? 'cell repeated' : 'new cell'} (${sites(crystal)} sites)`);
    return { made: await made(cell, crystal) };
  },

  /**
   * The two ends of a vacancy hop in a structure (`structures.vacancyHop`, chem/build.ts `vacancyHop`) as they are
   * stored, each with its space group (progress: one end done of two); sites that make no hop give the reason (`refused`).
   */
  async 'vacancy-hop'(
    input: { structure: StructureJSON; vacancy: number; hopper: number },
    ctx: TaskContext,
  ): Promise<{ start: MadeStructure; end: MadeStructure; distance: number } | { refused: string }> {
    let ends;
    try {
      ends = vacancyHop(structureFromJSON(input.structure), input.vacancy, input.hopper);
    } catch (e) {
      return { refused: (e as Error).message };
    }
    const sites = groupThousands(ends.start.numbers.length);
    ctx.progress(0, 2, `searching the space group of the start (${sites} sites)`);
    const start = await made(ends.start);
    if (ctx.signal.aborted) throw new CancelledError();
    ctx.progress(1, 2, `searching the space group of the end (${sites} sites)`);
    const end = await made(ends.end);
    return { start, end, distance: ends.distance };
  },

  /** The neighbour list of one structure as parallel arrays. */
  async 'build-graph'(input: GraphRequest) {
    const structure = structureFromJSON(input.structure);
    const nl = neighbours(structure, input);
    return {
      warnings: graphWarnings(structure, nl),
      nNodes: nl.nNodes,
      nEdges: nl.nEdges,
      center: Array.from(nl.center),
      neighbor: Array.from(nl.neighbor),
      distance: Array.from(nl.distance),
      image: Array.from(nl.image),
      nWithinCutoff: Array.from(nl.nWithinCutoff),
    };
  },

  /** Atoms within `layers` hops of `site` on the unrolled periodic graph. */
  async 'receptive-field'(
    input: GraphRequest & { site: number; layers: number },
  ): Promise<Omit<ReceptiveFieldView, 'structureId'>> {
    const nl = neighbours(structureFromJSON(input.structure), input);
    if (input.site >= nl.nNodes) throw new RangeError(`site ${input.site} does not exist: the structure has ${nl.nNodes} sites`);
    const rf = receptiveField(nl, input.site, input.layers);
    const nodes: ReceptiveFieldView['nodes'] = [];
    for (let k = 0; k < rf.site.length; k++) {
      nodes.push({ site: rf.site[k], image: [rf.image[3 * k], rf.image[3 * k + 1], rf.image[3 * k + 2]], hop: rf.hop[k] });
    }
    return {
      site: input.site,
      layers: input.layers,
      countsPerHop: Array.from(rf.countPerHop),
      nodes,
      fullCellHop: rf.allSitesReachedAt,
    };
  },

  /** Degree distribution, atoms below the cap and batch memory over a dataset's graphs. */
  async 'dataset-graph-stats'(input: DatasetGraphStatsInput, ctx: TaskContext) {
    return (await import('./statistics')).datasetGraphStats(input, ctx);
  },

  /** Trains one run; batch/epoch/checkpoint events go to the caller (ctx.emit), which stores them. */
  async train(input: TrainTaskInput, ctx: TaskContext) {
    return (await import('./train')).trainTask(input, ctx);
  },

  /** A CGCNN .pth.tar converted to, or a .lwm checked as, a Latticework model file. */
  async 'read-model-file'(input: { bytes: Uint8Array; fileName: string; name?: string }) {
    return (await import('./predict')).readModelFile(input);
  },

  /** Predictions (with ensemble spread and per-atom contributions) of a model file on structures. */
  async predict(input: PredictTaskInput, ctx: TaskContext) {
    return (await import('./predict')).predictTask(input, ctx);
  },

  /** One share of a screening: its files read, their graphs built and predicted (cli/screen.ts). */
  async screen(input: ScreenTaskInput, ctx: TaskContext) {
    return (await import('./screen')).screenTask(input, ctx);
  },

  /** A screening worker started ahead loads its backend while the command loads the model (cli/screen.ts). */
  async 'screen-prepare'(input: { backend: string | null; kernelThreads: number }, _ctx: TaskContext) {
    await (await import('./screen')).prepareBackend(input.backend, input.kernelThreads);
    return null;
  },

  /** A relaxation, MD run or equation of state; frames and step values go to the caller in batches (ctx.emit). */
  async simulate(input: SimulateTaskInput, ctx: TaskContext) {
    return (await import('./simulate')).simulateTask(input, ctx);
  },

  /** Per-layer cosine similarity and Dirichlet energy of a model's node states on one structure. */
  /** A potential's energy, per-atom energies, forces and stress on structures. */
  async 'predict-potential'(input: PotentialTaskInput, ctx: TaskContext) {
    return (await import('./predict')).potentialTask(input, ctx);
  },

  async oversmoothing(input: { key: string; model: Uint8Array; structure: StructureJSON }) {
    return (await import('./predict')).oversmoothingTask(input);
  },
} satisfies Record<string, TaskHandler>;

type Handlers = typeof taskHandlers;
export type TaskName = keyof Handlers;
export type TaskInput<T extends TaskName> = Parameters<Handlers[T]>[0];
export type TaskOutput<T extends TaskName> = Awaited<ReturnType<Handlers[T]>>;
