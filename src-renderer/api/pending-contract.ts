/**
 * TEMPORARY: the services the renderer already uses but that are not in
 * `src-shared/ipc/contract.ts` yet (structures, graphs). Declared here with the
 * shapes agreed with the lead so that the composables compile and call the core
 * by the right names. Delete this file (and its two uses in `client.ts`) as soon
 * as the real contract has these services: the real definitions take precedence
 * already, because `client.ts` spreads the real contract last.
 */
import { z } from 'zod';
import { method } from '../../src-shared/ipc/define';
import type { ContractClient } from '../../src-shared/ipc/define';
import type { Mat3 } from '../../src-shared/chem/structure';

export type StructureId = string | number;

/** One stored structure as listed in the sidebar. */
export interface StructureSummary {
  id: StructureId;
  name: string;
  formula: string;
  nSites: number;
  /** The file it came from (relative path inside a dropped folder). */
  sourceFile: string;
  format?: string;
  /** Reader warnings (partial occupancy, guessed species, ...). */
  warnings: string[];
  /** Optional extras the core may send. */
  hasLattice?: boolean;
}

export interface ImportError {
  name: string;
  message: string;
  line?: number | null;
}

export interface ImportResult {
  imported: StructureSummary[];
  failed: { file: string; error: ImportError }[];
}

/** A structure as JSON-able data (what `structures.get` returns). */
export interface StructureData {
  id: StructureId;
  name: string;
  lattice: Mat3 | null;
  pbc: [boolean, boolean, boolean];
  species: string[];
  numbers: number[];
  /** 3 per site, Å. */
  cart: number[];
  /** 3 per site; null without a lattice. */
  frac: number[] | null;
  formula?: string;
  sourceFile?: string;
  warnings?: string[];
}

export interface GraphResult {
  nNodes: number;
  nEdges: number;
  src: number[];
  dst: number[];
  distance: number[];
  /** 3 per edge. */
  image: number[];
}

export interface ReceptiveFieldResult {
  countsPerHop: number[];
  nodes: { site: number; image: [number, number, number]; hop: number }[];
  /** The first hop at which every site of the cell is reached; null when never within `layers`. */
  fullCellHop: number | null;
}

const id = z.union([z.string(), z.number()]);
const graphOptions = { structureId: id, cutoff: z.number().positive(), maxNeighbors: z.number().int().positive().nullable() };

export const pendingContract = {
  structures: {
    methods: {
      import: method<ImportResult>()(
        z.object({ files: z.array(z.object({ name: z.string(), text: z.string() })) }),
      ),
      list: method<StructureSummary[]>()(z.object({})),
      get: method<StructureData>()(z.object({ id })),
      delete: method<{ deleted: boolean }>()(z.object({ id })),
    },
    events: {},
  },
  graphs: {
    methods: {
      build: method<GraphResult>()(z.object(graphOptions)),
      receptiveField: method<ReceptiveFieldResult>()(
        z.object({ ...graphOptions, site: z.number().int().min(0), layers: z.number().int().min(0) }),
      ),
    },
    events: {},
  },
} as const;

export type PendingApi = ContractClient<typeof pendingContract>;
