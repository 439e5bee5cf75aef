/**
 * The one contract between the renderer (Electron IPC or browser-mode WebSocket)
 * and the core. Every argument is validated against these schemas at the core's
 * edge; clients, preload bridge and handlers are all derived from this object.
 */
import { z } from 'zod';
import { event, method } from './define';
import type { ContractClient, ContractHandlers } from './define';
import type { LatticeParameters } from '../chem/lattice';
import type { StructureJSON } from '../chem/serialize';
import type { DoctorReport } from './services/doctor';
import type { SpaceGroupSummary } from '../chem/spacegroup';
import { datasetsService } from './services/datasets';
import { droppedFile } from './dropped';
import { MAX_NEIGHBOR_CAP } from './limits';
export type { DroppedFile } from './dropped';
import { modelsService } from './services/models';
import { predictService } from './services/predict';
import { runsService, trainingService } from './services/training';
import { simulationsService } from './services/simulations';
import { scaleOutService } from './services/scale-out';

export type * from './services/datasets';
export type * from './services/doctor';
export type * from './services/models';
export type * from './services/predict';
export type * from './services/training';
export type * from './services/simulations';
export type * from './services/scale-out';

/** How the compute layer runs tensors, and why better backends were not used. */
export interface BackendInfo {
  /** 'tensorflow-gpu' | 'tensorflow' | 'wasm' | 'cpu' */
  name: string;
  /** For each better backend not chosen: the reason. */
  unavailable: Record<string, string>;
  /**
   * Threads Latticework's own SIMD kernels (gather/scatter, CGCNN gate and message, weight
   * gradients) run on with this backend; null where the backend's native kernels are used instead
   * (tensorflow, tensorflow-gpu).
   */
  kernelThreads: number | null;
  /** Why the kernels run on fewer threads than the machine has cores, when that happened. */
  kernelThreadsNote?: string;
}

export interface SystemInfo {
  name: 'Latticework';
  version: string;
  /** 'desktop' (Electron), 'browser' (local host process) */
  mode: 'desktop' | 'browser';
  backend: BackendInfo;
  databasePath: string;
  /** The `--db PATH` a command (`latticework train --resume`) needs to open this store; null: the data directory's own, which it opens without one. */
  commandLineDb: string | null;
  dataDirectory: string;
  platform: string;
  nodeVersion: string;
  /** The core's machine's memory, bytes (what a training's memory estimate is compared with). */
  memoryBytes: number;
}

export interface JobProgress {
  jobId: string;
  /** What the job does, e.g. 'import-structures', 'train'. */
  kind: string;
  done: number;
  /** null when the total is unknown. */
  total: number | null;
  message: string;
  state: 'running' | 'finished' | 'failed' | 'cancelled';
}

/** A structure stored in the database, as listed. */
export interface StructureRecord {
  id: number;
  name: string;
  /** The file it was read from, as given. */
  file: string;
  /** CIF data block, XYZ frame index, or null. */
  block: string | number | null;
  format: string;
  /** As a chemist writes it: reduced formula by electronegativity for a crystal (KCl), Hill formula for a molecule. */
  formula: string;
  /** The whole cell's formula (K4Cl4); equal to `formula` for a molecule. */
  cellFormula: string;
  composition: Record<string, number>;
  nSites: number;
  lattice: LatticeParameters | null;
  volume: number | null;
  /** At spglib's default tolerance, 0.01 Å (`structures.symmetry` for another); null for a molecule. */
  spaceGroup: SpaceGroupSummary | null;
  /** The datasets this structure belongs to (it cannot be deleted while it does). */
  datasets: { id: number; name: string }[];
  warnings: string[];
  createdAt: number;
}

/** A new cell of a stored structure: standard primitive or conventional (spglib's conventions), or Niggli-reduced. */
export type DerivedCell = 'primitive' | 'conventional' | 'niggli' | 'supercell';

export interface StructureDetail extends StructureRecord {
  structure: StructureJSON;
}

/** A file that could not be read: which file, and why (line when known). */
export interface FileFailure {
  file: string;
  error: { name: string; message: string; line: number | null };
}

export interface StructureImportResult {
  jobId: string;
  /** Structures stored (or already stored: same content hash), in file order. */
  imported: StructureRecord[];
  /** Multi-frame files, each one item (its frames are among `imported` too). */
  trajectories: TrajectoryRecord[];
  failed: FileFailure[];
  /** Files read whose every structure was stored already (they add nothing to the list), with how many structures each holds. */
  alreadyStored: { file: string; structures: number }[];
}

/** A multi-frame file (a VASP run, an XDATCAR, a multi-frame XYZ) kept as one item. */
export interface TrajectoryRecord {
  id: number;
  name: string;
  file: string;
  format: string;
  frames: number;
  /** The structure of each frame, in order (identical frames share one). */
  structureIds: number[];
  /** How many frames carry each label. */
  labels: { energy: number; forces: number; stress: number };
  createdAt: number;
}

/** One frame of a trajectory: its structure and the per-frame values the chart shows. */
export interface TrajectoryFrameSummary {
  structureId: number;
  /** eV (σ→0 for VASP). */
  energy: number | null;
  freeEnergy: number | null;
  /** Largest force on an atom, eV/Å. */
  maxForce: number | null;
  nSites: number;
}

export interface TrajectoryDetail extends TrajectoryRecord {
  frameSummaries: TrajectoryFrameSummary[];
}

/** The crystal graph of a structure as the model sees it: parallel arrays, one entry per directed edge. */
export interface GraphView {
  structureId: number;
  nNodes: number;
  nEdges: number;
  cutoff: number;
  maxNeighbors: number | null;
  /** Center atom of each edge (src-shared/graph/neighbors.ts defines the ends: messages flow neighbor → center). */
  center: number[];
  /** Neighbor atom of each edge. */
  neighbor: number[];
  distance: number[];
  /** Image offset of the neighbor, 3 integers per edge. */
  image: number[];
  /** Per atom: neighbours within the cutoff before the cap. */
  nWithinCutoff: number[];
  /** Where the graph is not the structure (partially occupied sites, shells the cap splits: model/graph-warnings), one sentence each. */
  warnings: string[];
}

export interface ReceptiveFieldView {
  structureId: number;
  site: number;
  layers: number;
  /** Nodes first reached at hop t, t = 0..layers. */
  countsPerHop: number[];
  nodes: { site: number; image: [number, number, number]; hop: number }[];
  /** First hop at which every site of the cell is reached; null if not within `layers`. */
  fullCellHop: number | null;
}

const jobId = z.string().min(1).max(100);

const structureId = z.number().int().positive();
const graphOptions = {
  structureId,
  cutoff: z.number().positive().max(30),
  maxNeighbors: z.number().int().positive().max(MAX_NEIGHBOR_CAP).nullable().optional(),
};

/** How many times a supercell repeats its cell along one vector. */
const repeatCount = z.number().int().min(1).max(50);

export const contract = {
  system: {
    methods: {
      info: method<SystemInfo>()(z.object({}).strict()),
      /** What this machine can run and why not the rest (the same report as `latticework doctor --json`). */
      doctor: method<DoctorReport>()(z.object({}).strict()),
      ping: method<{ message: string; receivedAt: number }>()(
        z.object({ message: z.string().max(10_000) }).strict(),
      ),
    },
    events: {},
  },
  structures: {
    methods: {
      /** Parses dropped files in a worker and stores every structure read. Progress: jobs.onProgress. */
      import: method<StructureImportResult>()(
        z
          .object({
            files: z.array(droppedFile).min(1).max(100_000),
            disorder: z.enum(['keep', 'most-probable', 'reject']).optional(),
            jobId: jobId.optional(),
          })
          .strict(),
      ),
      list: method<StructureRecord[]>()(z.object({}).strict()),
      get: method<StructureDetail>()(z.object({ id: structureId }).strict()),
      delete: method<{ deleted: boolean }>()(z.object({ id: structureId }).strict()),
      /**
       * The space group at a chosen distance tolerance (Å). Like `derive` and `vacancyHop`, a job: progress in
       * jobs.onProgress, and `jobs.cancel({ jobId })` stops it (a CancelledError to the caller).
       */
      symmetry: method<SpaceGroupSummary | null>()(z.object({ id: structureId, symprec: z.number().positive().max(1), jobId: jobId.optional() }).strict()),
      /**
       * Stores a new structure in another cell of this one (the original is kept) and returns it: its
       * standard primitive or conventional cell, its Niggli cell, or its `repeat` supercell. A cancelled one stores nothing.
       */
      derive: method<StructureRecord>()(
        z
          .object({
            id: structureId,
            cell: z.enum(['primitive', 'conventional', 'niggli', 'supercell']),
            symprec: z.number().positive().max(1).optional(),
            repeat: z.tuple([repeatCount, repeatCount, repeatCount]).optional(),
            jobId: jobId.optional(),
          })
          .strict(),
      ),
      /**
       * Stores the two ends of a vacancy hop in this structure (chem/build.ts `vacancyHop`): site `vacancy`
       * removed, and the same atoms with site `hopper` moved into its place (0-based sites of this one).
       * A cancelled one stores neither.
       */
      vacancyHop: method<{ start: StructureRecord; end: StructureRecord; distance: number }>()(
        z.object({ id: structureId, vacancy: z.number().int().nonnegative(), hopper: z.number().int().nonnegative(), jobId: jobId.optional() }).strict(),
      ),
      /** The example files shipped with the app (to import with `import`). */
      examples: method<{ files: { name: string; text: string }[] }>()(z.object({}).strict()),
      /** Multi-frame files imported as one item each. */
      trajectories: method<TrajectoryRecord[]>()(z.object({}).strict()),
      /** A trajectory with each frame's structure id, energy and largest force. */
      trajectory: method<TrajectoryDetail>()(z.object({ id: z.number().int().positive() }).strict()),
      /** Deletes a trajectory and the frames no dataset, prediction or other trajectory uses. */
      deleteTrajectory: method<{ deleted: boolean }>()(z.object({ id: z.number().int().positive() }).strict()),
    },
    events: {
      /** The list of stored structures changed (import or delete). */
      onChanged: event<{ ids: number[] }>(),
    },
  },
  graphs: {
    methods: {
      build: method<GraphView>()(z.object(graphOptions).strict()),
      receptiveField: method<ReceptiveFieldView>()(
        z
          .object({
            ...graphOptions,
            site: z.number().int().nonnegative(),
            layers: z.number().int().min(0).max(12),
          })
          .strict(),
      ),
    },
    events: {},
  },
  datasets: datasetsService,
  models: modelsService,
  training: trainingService,
  runs: runsService,
  predict: predictService,
  simulations: simulationsService,
  scaleOut: scaleOutService,
  jobs: {
    methods: {
      cancel: method<{ cancelled: boolean }>()(z.object({ jobId }).strict()),
    },
    events: {
      onProgress: event<JobProgress>(),
    },
  },
} as const;

export type Contract = typeof contract;
export type LatticeworkApi = ContractClient<Contract>;
export type LatticeworkHandlers = ContractHandlers<Contract>;
