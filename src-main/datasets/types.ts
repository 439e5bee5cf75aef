/** What the dataset reader reads and returns (the entry point is index.ts). */
import type { DatasetKind, FileFailure, FrameSelection, FramesImportReport } from '../../src-shared/ipc/contract';
import type { FlatCellExtents } from '../../src-shared/chem';
import type { LabellingCalculator } from '../../src-shared/sim/label';
import type { FramesFile, FramesReadOptions, FramesSource } from '../files/frames-source';
import type { ParsedFile, ParsedFileStructure } from '../workers/tasks';
import type { DatasetSource } from './source';

/**
 * A structure file's text to parse; `flatCells`: an extended XYZ frame parsed on its own, its file's flat-cell
 * extents (`xyzFlatCells`), so that it makes the file's one cell.
 */
export interface StructureText {
  name: string;
  text: string;
  flatCells?: FlatCellExtents;
}

/** How the reader gets structures out of files: the caller decides where the parsing runs. */
export interface ReaderIO {
  /**
   * Reads structure files (the compute task `parse-structures`): in the compute pool with progress
   * and cancellation (the app's import), or in this process (the command line). `what` names the
   * files in progress messages.
   */
  parse(files: StructureText[], what: 'files' | 'frames'): Promise<ParsedFile[]>;
  /**
   * How the labelled frames of each of `sources` are read (the compute task `read-frames`): a
   * function reading one source, called for each (two at a time), progress in frames.
   */
  framesReader(sources: FramesSource[], options: FramesReadOptions): (source: FramesSource) => Promise<FramesFile>;
  /**
   * Progress of a reader's own work before `parse` (a CGCNN folder loading the CIFs its id_prop.csv
   * names, one by one from disk): the app's import shows it, the command line has none.
   */
  progress(done: number, total: number | null, message: string): void;
}

export interface DatasetReadOptions {
  /** Target columns of a table or target key of frames (docs/datasets.md); default per format. */
  target?: string;
  /** Read only the first N labelled rows or frames (the rest is not read at all). */
  limit?: number;
  /** Labelled frames: which frames of each file to keep (default all). */
  selection?: FrameSelection;
  /** Labelled frames: the extended-XYZ keys of the energy, forces and stress (docs/structures.md). */
  energyKey?: string;
  forcesKey?: string;
  stressKey?: string;
  /** Labelled frames: compute every frame's energy, forces and stress with this calculator (labels in the files ignored). */
  label?: LabellingCalculator;
}

/** One labelled structure, in dataset order. */
export interface LabelledItem {
  /** The row's name (CGCNN id, CSV name) or the frame's (`id` property, else its index). */
  name: string;
  /** Which structure read it is (the file, or `file#k` / `file:k` for frame k of a multi-frame file): one per structure read. */
  file: string;
  /** The file the structure came from, as it is stored (`structure.source_file`). */
  sourceFile: string;
  /** The format the structure was stored as (`cif`, `xyz`, `structure`). */
  format: string;
  /** The structure (named after the row or frame), its summary and warnings. */
  parsed: ParsedFileStructure;
  /** Per-structure target values, one per entry of `targetNames`; empty for a per-atom target. */
  targets: number[];
}

export interface DatasetRead {
  kind: DatasetKind;
  /** The folder or file as the user named it. */
  source: string;
  items: LabelledItem[];
  /** The target as stored with a dataset (`dataset.target_key`): its name, or the names joined with ", ". */
  targetKey: string;
  /** One name per value of an item's `targets`. */
  targetNames: string[];
  /** A per-atom target (e.g. extended-XYZ `forces`): each structure's site property `key`, `width` values per atom. */
  perAtomTarget: { key: string; width: number } | null;
  /** Numeric per-atom arrays the structures carry (forces, charges…), kept with each item. */
  perAtomKeys: string[];
  /** The folder's own atom_init.json (CGCNN folders), else null: CGCNN's standard table applies. */
  atomInit: string | null;
  /** Files that could not be read or parsed, with the reason (line when known). */
  failed: FileFailure[];
  /** Rows and frames left out for want of a structure or a label, with the reason. */
  unlabelled: string[];
  /** How many rows or frames `unlabelled` names: an entry may stand for several frames of a file ("FILE (8 frames without an energy)"). */
  unlabelledCount: number;
  /** Labelled frames: what was read, selected, de-duplicated; labels, units and the units check. */
  frames?: FramesImportReport;
}

/**
 * The part of a read dataset that training and the PyTorch export use: labelled structures in order
 * with their targets, and how to read those targets. A `DatasetRead` is one; so is a stored
 * dataset's items (services/scale-out.ts).
 */
export type LabelledStructures = Pick<DatasetRead, 'kind' | 'source' | 'targetKey' | 'targetNames' | 'perAtomTarget' | 'atomInit'> & {
  items: (Pick<LabelledItem, 'name' | 'targets'> & { parsed: Pick<ParsedFileStructure, 'structure'> })[];
};

/** One dataset format: a module of this folder, listed in index.ts's DATASET_FORMATS. */
export interface DatasetFormat {
  kind: DatasetKind;
  /** What it reads (for messages). */
  description: string;
  /** Whether a source is of this format, for a path given without its kind (`latticework train --data`). */
  detect(source: DatasetSource): boolean;
  read(source: DatasetSource, options: DatasetReadOptions, io: ReaderIO): Promise<DatasetRead>;
}
