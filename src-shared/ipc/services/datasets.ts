/** Datasets: labelled structures to train on, with an import report. */
import { z } from 'zod';
import { event, method } from '../define';
import type { FileFailure } from '../contract';
import { droppedFile } from '../dropped';
import { MAX_NEIGHBOR_CAP } from '../limits';
import { hostPath } from '../paths';
import { LABELLING_CALCULATORS } from '../../sim/label';
import { MAX_UNIT_LENGTH } from '../../model/units';

/**
 * `frames`: labelled frames (energy, forces, stress) from VASP outputs (vasprun.xml, OUTCAR),
 * extended XYZ, ASE databases, trajectories, or a folder of them, compressed or not.
 */
export type DatasetKind = 'cgcnn-folder' | 'extxyz' | 'csv' | 'frames';

/** Which frames of each file a `frames` import keeps. */
export type FrameSelection = { mode: 'all' } | { mode: 'last' } | { mode: 'every'; every: number };

/** What a `frames` import saw and assumed (the import report's frames section). */
export interface FramesImportReport {
  files: number;
  /** Frames read from the files, before selection (with those a calculator could not label). */
  read: number;
  /** Labels computed instead of read (`label: 'emt'`): the frames it labelled and those it could not (their files are among the failed, with the reason). */
  labelling?: { calculator: string; labelled: number; unlabelled: number };
  selection: FrameSelection;
  /** Frames kept by the selection. */
  selected: number;
  /** Selected frames identical to an earlier one (same species, cell and positions), left out. */
  duplicates: number;
  /** Selected frames without an energy, left out. */
  withoutEnergy: number;
  /** Selected frames whose forces or stress hold values that are not numbers (VASP's `****`), or whose energy is beyond ±1e150 (since session 46), left out (absent in reports stored before session 36). */
  labelsNotNumbers?: number;
  /** Selected frames with two atoms at the same position (a calculator refuses them; trained on, the loss would be NaN), left out (absent in reports stored before session 44). */
  atomsAtSamePosition?: number;
  /** Frames the reader left out of their files, not counted in `read` (an OUTCAR step with a force VASP could not print); each is among the dataset's left out with its reason (absent in reports stored before session 42). */
  leftOutByReader?: number;
  /** How many stored frames carry each label. */
  labels: { energy: number; freeEnergy: number; forces: number; stress: number };
  /** The units and sign conventions the labels are taken in. */
  units: { energy: string; forces: string; stress: string };
  /** Per file: which key each label came from (extended XYZ), and what was noticed (incomplete runs, ...). */
  notes: string[];
  /** The units and sign check: what it saw and assumed. */
  findings: string[];
  /** The subset of findings that look wrong (kbar-like stress, forces not summing to zero, per-atom energies). */
  warnings: string[];
}

export interface Histogram {
  /** Bin edges, length counts.length + 1. */
  edges: number[];
  counts: number[];
}

export interface DatasetReport {
  /** Structures read and stored with a label. */
  parsed: number;
  failed: FileFailure[];
  /** Structures with partially occupied sites (name). */
  partialOccupancies: string[];
  /** Elements present in the data but absent from the atom embedding, with how many structures have them. */
  missingElements: { element: string; structures: number }[];
  /** Groups of rows whose structures are identical (same content hash). */
  duplicates: { names: string[] }[];
  /**
   * The duplicate groups that the default seeded split (the presets' fractions and seed) puts in
   * more than one set, i.e. test or validation data leaking into training. Absent in reports of
   * datasets imported before it existed.
   */
  duplicatesAcrossSplits?: { seed: number; val: number; test: number; groups: { names: string[]; sets: ('train' | 'val' | 'test')[] }[] };
  /** Target statistics over labelled structures. */
  target: { key: string; count: number; mean: number; std: number; min: number; max: number };
  targetHistogram: Histogram;
  /**
   * What was left out, with the reason: rows of id_prop.csv / the CSV without a numeric target or a
   * structure file, rows repeating an earlier row's name (with both targets when they differ), files
   * and frames without a label (docs/datasets.md).
   */
  unlabelled: string[];
  /** How many rows or frames `unlabelled` names, an entry of a file's frames counting them all ("FILE (8 frames without an energy)": 8); absent in reports stored before session 44, whose count is `unlabelled.length`. */
  unlabelledCount?: number;
  /** Per-atom arrays found (e.g. forces in extended XYZ). */
  perAtomKeys: string[];
  /** A `frames` import: frames read, selected, de-duplicated; labels and units. */
  frames?: FramesImportReport;
}

/**
 * 'ready': imported. 'importing': an import is running. 'interrupted': the app stopped during its
 * import; the structures stored so far are attributed to it and kept out of the library until it
 * is resumed (`resumeImport`) or discarded (`discardImport`).
 */
export type DatasetStatus = 'importing' | 'interrupted' | 'ready';

export interface DatasetRecord {
  id: number;
  name: string;
  kind: DatasetKind;
  status: DatasetStatus;
  /** Structures stored so far by an unfinished import (0 when ready). */
  partialStructures: number;
  /** Whether an interrupted import can be resumed (it was read from a path; dropped files must be dropped again). */
  resumable: boolean;
  /** The folder or file it was imported from, as given. */
  source: string;
  size: number;
  targetKey: string;
  /** The target's unit (set at import; by default the one its name states or a known name has); '' when unknown. */
  targetUnit: string;
  createdAt: number;
  report: DatasetReport;
}

export interface DatasetItem {
  structureId: number;
  /** The row's id (CGCNN id, frame index, CSV name). */
  name: string;
  target: number;
}

/** How many structures of a dataset have each space group (found at 0.01 Å); number null = molecules. */
export interface DatasetSpaceGroupCount {
  number: number | null;
  symbol: string;
  crystalSystem: string | null;
  count: number;
}

export interface DatasetGraphStats {
  datasetId: number;
  cutoff: number;
  maxNeighbors: number | null;
  degree: Histogram;
  edgesPerAtom: { min: number; mean: number; max: number };
  /** Atoms with fewer neighbours than maxNeighbors (within the cutoff). */
  atomsBelowMax: number;
  atoms: number;
  /** Estimated bytes of one batch's tensors (features, edges, indices), by batch size. */
  memoryPerBatch: { batchSize: number; bytes: number }[];
}

const datasetId = z.number().int().positive();

export const datasetsService = {
  methods: {
    /**
     * Imports a dataset from a folder or file on the core's machine (`path`), or from files the user
     * dropped (`files`, names relative to the dropped folder). Progress: jobs.onProgress; cancellable.
     */
    import: method<DatasetRecord>()(
      z
        .object({
          name: z.string().min(1).max(200).optional(),
          kind: z.enum(['cgcnn-folder', 'extxyz', 'csv', 'frames']),
          path: hostPath.optional(),
          files: z.array(droppedFile).max(1_000_000).optional(),
          /** frames: which frames of each file to keep (default all). */
          selection: z
            .union([
              z.object({ mode: z.literal('all') }).strict(),
              z.object({ mode: z.literal('last') }).strict(),
              z.object({ mode: z.literal('every'), every: z.number().int().positive().max(1_000_000) }).strict(),
            ])
            .optional(),
          /** frames (extended XYZ): the keys holding the labels (default: the documented candidate order). */
          energyKey: z.string().min(1).max(200).optional(),
          forcesKey: z.string().min(1).max(200).optional(),
          stressKey: z.string().min(1).max(200).optional(),
          /** frames: compute every frame's energy, forces and stress with EMT (no DFT at hand); labels in the files are ignored. */
          label: z.enum(LABELLING_CALCULATORS).optional(),
          /** extxyz: the per-frame key to learn (default energy_per_atom, else energy); csv: the column. */
          target: z.string().min(1).max(200).optional(),
          /** The target's unit, e.g. eV/atom (default: the unit the target's name states or a known name has, else none). */
          unit: z.string().max(MAX_UNIT_LENGTH).optional(),
          jobId: z.string().min(1).max(100).optional(),
        })
        .strict()
        .refine((v) => (v.path === undefined) !== (v.files === undefined), {
          message: 'give either path or files, not both',
        }),
    ),
    list: method<DatasetRecord[]>()(z.object({}).strict()),
    get: method<DatasetRecord>()(z.object({ id: datasetId }).strict()),
    items: method<{ total: number; items: DatasetItem[] }>()(
      z
        .object({
          id: datasetId,
          offset: z.number().int().nonnegative().default(0),
          limit: z.number().int().positive().max(10_000).default(100),
        })
        .strict(),
    ),
    graphStats: method<DatasetGraphStats>()(
      z
        .object({
          id: datasetId,
          cutoff: z.number().positive().max(30),
          maxNeighbors: z.number().int().positive().max(MAX_NEIGHBOR_CAP).nullable(),
          jobId: z.string().min(1).max(100).optional(),
        })
        .strict(),
    ),
    /** The space-group histogram of a dataset's structures, most frequent first. */
    spaceGroups: method<DatasetSpaceGroupCount[]>()(z.object({ id: datasetId }).strict()),
    /**
     * Deletes a dataset (its structures stay in the structure store). Runs trained on it could no
     * longer be resumed or reproduced: it is refused while any exists, unless `withRuns` deletes them
     * too (their metrics, checkpoints and predictions; models they made stay).
     */
    delete: method<{ deleted: boolean; runsDeleted: number }>()(z.object({ id: datasetId, withRuns: z.boolean().optional() }).strict()),
    /** Runs an interrupted import again from its path; structures already stored are kept. Progress: jobs.onProgress. */
    resumeImport: method<DatasetRecord>()(z.object({ id: datasetId, jobId: z.string().min(1).max(100).optional() }).strict()),
    /** Drops an interrupted import and the structures only it had stored. */
    discardImport: method<{ discarded: boolean; structuresRemoved: number }>()(z.object({ id: datasetId }).strict()),
  },
  events: {
    onChanged: event<{ ids: number[] }>(),
  },
} as const;
