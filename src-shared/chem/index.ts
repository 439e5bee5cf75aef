/**
 * Structures: one entry point to read CIF, POSCAR/CONTCAR, XYZ and extended XYZ and VASP outputs
 * (vasprun.xml, OUTCAR, XDATCAR), as structures or as labelled frames, write them back, and
 * summarise a structure for listings and the command line.
 */
import { readCif, writeCif } from './cif';
import { detectFormat } from './detect';
import { elementSymbol } from './elements';
import { cellFormula, chemicalFormula, hillFormula } from './formula';
import { StructureInternalError, StructureLimitError, StructureParseError, StructureWriteError } from './errors';
import { cellVolume, latticeParameters, type LatticeParameters } from './lattice';
import { structureWithLabels, type LabelledFrame } from './frames';
import { describeLabelSources, labelsFromExtxyz, LabelKeyError, type LabelSources } from './labels';
import { resolveReadOptions, type ParsedStructure, type ReadOptions, type ResolvedReadOptions, type SkippedBlock, type StructureFormat } from './options';
import { readOutcar } from './outcar';
import { readPoscar, writePoscar } from './poscar';
import type { Structure } from './structure';
import { readVasprun } from './vasprun';
import { readXdatcar } from './xdatcar';
import { readXyz, writeExtxyz } from './xyz';

export type { Structure, Mat3, Vec3, SiteProperty } from './structure';
export { movementFlags, siteCount } from './structure';
export * from './errors';
export type { ReadOptions, ParsedStructure, DisorderPolicy, SkippedBlock, StructureFormat } from './options';
export { DEFAULT_READ_OPTIONS } from './options';
export {
  ELEMENTS,
  DEFAULT_ELEMENT_COLOR,
  elementInfo,
  elementSymbol,
  atomicNumber,
  parseTypeSymbol,
  parseSiteLabel,
  type ElementInfo,
  type ParsedSpecies,
} from './elements';
export {
  latticeFromParameters,
  latticeParameters,
  cellVolume,
  cartToFrac,
  fracToCart,
  invert,
  fileCell,
  addFlatCellFrame,
  FLAT_CELL_VACUUM,
  type FlatCellExtents,
  type LatticeParameters,
} from './lattice';
export { parseSymop, expandAsymmetricUnit, type SymOp } from './symmetry';
export { spaceGroupFromHM, spaceGroupFromHall, spaceGroupFromNumber, type SpaceGroupSetting } from './spacegroups';
export { parseCif, parseCifNumber, writeCif } from './cif';
export { reducedFormula, cellFormula, hillFormula, chemicalFormula, type Composition } from './formula';
export { writePoscar } from './poscar';
export { writeExtxyz, splitXyzFrames, xyzFlatCells } from './xyz';
export { writeXdatcar, xdatcarFrames } from './xdatcar';
export * from './frames';
export { checkLabels, LABEL_CANDIDATES, LabelKeyError, type LabelCheck, type LabelKeys, type LabelName } from './labels';
export { speciesFromPotcar } from './vasp-common';
export { detectFormat };

/** A file named `.db` (or taken for an ASE database) that is no SQLite file, as every reader says it. */
const NOT_AN_ASE_DATABASE = 'this is not an ASE database (an SQLite file): the file may be damaged or renamed';

/** ASE's JSON database (`ase.db.connect('x.json')`): one JSON object of rows by id, ending with `"nextid": N}`. Its start and end tell it. */
function isAseJsonDatabase(text: string): boolean {
  return /^\s*\{/.test(text) && /"nextid"\s*:\s*\d+\s*\}\s*$/.test(text.slice(-256));
}

/**
 * Why a file named as an ASE database is none read here: ASE's JSON format (with the conversion to
 * make), else not a database at all. `text`: the file's text, or its start and its end.
 */
export function notAnAseDatabase(fileName: string, text: string): string {
  return isAseJsonDatabase(text) ? aseJsonDatabaseMessage(fileName) : NOT_AN_ASE_DATABASE;
}

/**
 * What to do with an ASE database in ASE's JSON format, which is not read here: convert it to the SQLite
 * one with ASE, which tells the format by the name (a JSON database named .db is renamed first).
 */
function aseJsonDatabaseMessage(fileName: string): string {
  const base = fileName.split(/[\\/]/).pop() ?? fileName;
  const stem = base.replace(/\.(db|json)$/i, '');
  const convert = `ase db ${stem}.json --insert-into ${stem}.db`;
  return (
    "this is an ASE database in ASE's JSON format, which is not read here: ASE's SQLite databases are. Convert it with ASE " +
    `(rows, key-value pairs and constraints kept): ${/\.db$/i.test(base) ? `ASE tells the format by the name, so rename it first: mv ${base} ${stem}.json; ${convert}` : convert}`
  );
}

/**
 * Formats whose files hold frames (ionic steps, MD frames, XYZ frames): a file of several is one
 * item, a trajectory (`structure info` describes its last frame; the workspace shows a frame slider).
 */
export const MULTI_FRAME_FORMATS: ReadonlySet<StructureFormat> = new Set(['xyz', 'vasprun', 'outcar', 'xdatcar', 'ase-traj']);

export interface ReadResult {
  format: StructureFormat;
  /** Every structure in the file, in file order. */
  structures: Structure[];
  /** Per structure: data block name (CIF), frame index from 0 (XYZ, VASP outputs, as `--frames` counts), null (POSCAR). */
  blocks: (string | number | null)[];
  /** Per structure: what was noticed while reading it (parallel to `structures`). */
  structureWarnings: string[][];
  /** All warnings, each prefixed with its block when the file has several structures. */
  warnings: string[];
  /** The warnings about the file as a whole (e.g. an incomplete run), also in `warnings`. */
  fileWarnings: string[];
  /** CIF data blocks that could not be read while others were: each an error naming the block and its line (not in `warnings`). */
  skipped: SkippedBlock[];
}

/**
 * What the reader said of a file as a whole and of the structures `taken` of it (their indices), in that order: what
 * a command says of the structures it takes (a 2D cell given a vector normal to it, an incomplete run).
 */
export function readerWarnings(r: Pick<ReadResult, 'fileWarnings' | 'structureWarnings'>, taken: readonly number[]): string[] {
  return [...r.fileWarnings, ...taken.flatMap((k) => r.structureWarnings[k])];
}

/** Whether a format is one of VASP's outputs (vasprun.xml, OUTCAR, XDATCAR): its frames are ionic steps, counted from 1 in the file. */
export function isVaspOutput(format: string): format is 'vasprun' | 'outcar' | 'xdatcar' {
  return format === 'vasprun' || format === 'outcar' || format === 'xdatcar';
}

/** What `readFrames` gives: every frame of a file with its labels. */
export interface FramesResult {
  format: StructureFormat;
  frames: LabelledFrame[];
  /** Per frame: data block name (CIF), frame index (XYZ, 0-based), ionic step (VASP, 1-based, as the file counts it: a step the reader left out keeps its number), null (POSCAR). */
  blocks: (string | number | null)[];
  /** Per frame: what was noticed while reading it. */
  frameWarnings: string[][];
  /** All warnings (file-level ones first, then per frame prefixed with the block when several). */
  warnings: string[];
  /** The warnings about the file as a whole (e.g. an incomplete run, the label-key choice). */
  fileWarnings: string[];
  /** Those of `fileWarnings` that say a frame was left out by the reader (one sentence per frame; `FramesRead.leftOut`). */
  leftOut: string[];
  /** Extended XYZ: which key each label came from (one sentence per label); empty otherwise. */
  labelSources: string[];
}

/** What every reader checks first: a file with nothing in it is said to be empty (not "not a CIF: no data_ block"), one too large is refused. */
function checkSize(fileName: string, text: string, opt: ResolvedReadOptions): void {
  if (text.trim() === '') throw new StructureParseError(fileName, null, text.length === 0 ? 'the file is empty' : 'the file is empty (only white space)');
  if (text.length > opt.maxBytes) {
    throw new StructureLimitError(fileName, null, `the file is ${text.length} bytes, more than the limit of ${opt.maxBytes} (option --max-bytes)`);
  }
}

function formatOf(fileName: string, text: string, options: ReadOptions | undefined): Exclude<StructureFormat, 'ase-db' | 'ase-traj'> {
  const format = options?.format ?? detectFormat(fileName, text);
  if (!format) {
    if (isAseJsonDatabase(text)) throw new StructureParseError(fileName, null, aseJsonDatabaseMessage(fileName));
    throw new StructureParseError(
      fileName,
      null,
      'cannot tell the format of this file: name it *.cif, *.vasp (or POSCAR/CONTCAR), *.xyz or *.extxyz, vasprun.xml, OUTCAR or XDATCAR (an ASE database or trajectory is known by its own header)',
    );
  }
  if (format === 'ase-db') {
    // the file readers open every SQLite file as a database (src-main/files/structure-file.ts): here it is
    // a file named .db that is not one, or a database among the structure files of a table's rows
    throw new StructureParseError(
      fileName,
      null,
      text.startsWith('SQLite format 3')
        ? 'an ASE database holds frames, not one structure: read it as a file of frames (a dataset of labelled frames, structure frames), not as a structure file of a table'
        : notAnAseDatabase(fileName, text),
    );
  }
  if (format === 'ase-traj') throw new StructureParseError(fileName, null, 'this is not an ASE trajectory (a binary file that starts with its ULM header): the file may be damaged or renamed');
  return format;
}

/** Runs a reader, turning a bug of ours into a typed error (never a deep exception). */
function guarded<T>(fileName: string, read: () => T): T {
  try {
    return read();
  } catch (e) {
    if (e instanceof StructureParseError) throw e;
    throw new StructureInternalError(fileName, null, `internal error while reading this file: ${(e as Error)?.message ?? String(e)}`);
  }
}

/**
 * Read every frame of a file with its labels (energy, free energy, forces, stress; see
 * `frames.ts` for units and signs). VASP outputs give one frame per ionic step; extended XYZ one
 * per frame, labels taken by the key mapping of `labels.ts` (options `energyKey`, `forcesKey`,
 * `stressKey`, `freeEnergyKey`); CIF and POSCAR frames have no labels.
 */
export function readFrames(fileName: string, text: string, options?: ReadOptions): FramesResult {
  const opt = resolveReadOptions(options);
  checkSize(fileName, text, opt);
  const format = formatOf(fileName, text, options);
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  if (isVaspOutput(format)) {
    const read = guarded(fileName, () =>
      format === 'vasprun' ? readVasprun(text, fileName, opt) : format === 'outcar' ? readOutcar(text, fileName, opt) : readXdatcar(text, fileName, opt),
    );
    const many = read.frames.length > 1;
    const warnings = [...read.warnings];
    read.frames.forEach((f) => {
      for (const w of f.warnings) warnings.push(many ? `${f.frame.structure.name || `step ${f.step}`}: ${w}` : w);
    });
    return {
      format,
      frames: read.frames.map((f) => f.frame),
      blocks: read.frames.map((f) => f.step),
      frameWarnings: read.frames.map((f) => f.warnings),
      warnings,
      fileWarnings: read.warnings,
      leftOut: read.leftOut,
      labelSources: [],
    };
  }
  const r = readParsed(fileName, text, format, opt);
  const skipped = r.skipped.map((b) => `${b.error.message} (the block is not read)`);
  const frames: LabelledFrame[] = [];
  const sources: LabelSources[] = [];
  r.parsed.forEach((p, i) => {
    if (format !== 'xyz') {
      frames.push({ structure: p.structure, energy: null, freeEnergy: null, forces: null, stress: null });
      return;
    }
    try {
      const l = labelsFromExtxyz(p.structure, options ?? {});
      frames.push({ structure: l.structure, ...l.labels });
      sources.push(l.sources);
    } catch (e) {
      if (e instanceof LabelKeyError) throw new StructureParseError(fileName, r.lines[i], `frame ${i}: ${e.message}`);
      throw e;
    }
  });
  return {
    format,
    frames,
    blocks: r.parsed.map((p) => p.block),
    frameWarnings: r.parsed.map((p) => p.warnings),
    warnings: [...skipped, ...r.warnings],
    fileWarnings: skipped,
    leftOut: [],
    labelSources: describeLabelSources(sources),
  };
}

function readParsed(
  fileName: string,
  text: string,
  format: 'cif' | 'poscar' | 'xyz',
  opt: ResolvedReadOptions,
): { parsed: ParsedStructure[]; skipped: SkippedBlock[]; warnings: string[]; lines: (number | null)[] } {
  const { parsed, skipped } = guarded(fileName, () =>
    format === 'cif' ? readCif(text, fileName, opt) : { parsed: format === 'poscar' ? [readPoscar(text, fileName, opt)] : readXyz(text, fileName, opt), skipped: [] },
  );
  const many = parsed.length > 1;
  const warnings: string[] = [];
  for (const p of parsed) for (const w of p.warnings) warnings.push(many ? `${p.block}: ${w}` : w);
  return { parsed, skipped, warnings, lines: parsed.map((p) => p.line ?? null) };
}

/**
 * Read every structure in a file. Picks the format by `options.format`, else the file name, else
 * the content. Throws `StructureParseError` (or `StructureLimitError`) with file, line and a
 * readable sentence; never returns a silently wrong structure.
 */
export function readStructures(fileName: string, text: string, options?: ReadOptions): ReadResult {
  const opt = resolveReadOptions(options);
  checkSize(fileName, text, opt);
  const format = formatOf(fileName, text, options);
  if (isVaspOutput(format)) {
    // Trajectories: each frame a structure carrying its labels under ASE's canonical names.
    const r = readFrames(fileName, text, { ...options, format });
    return {
      format,
      structures: r.frames.map(structureWithLabels),
      // the frame as the command line counts it (from 0), not VASP's ionic step (from 1; the name keeps it: `step 10`)
      blocks: r.frames.map((_, i) => i),
      structureWarnings: r.frameWarnings,
      warnings: r.warnings,
      fileWarnings: r.fileWarnings,
      skipped: [],
    };
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  const r = readParsed(fileName, text, format, opt);
  return {
    format,
    structures: r.parsed.map((p) => p.structure),
    blocks: r.parsed.map((p) => p.block),
    structureWarnings: r.parsed.map((p) => p.warnings),
    warnings: r.warnings,
    fileWarnings: [],
    skipped: r.skipped,
  };
}

/** Write structures as text in one format (CIF: P1, one block each; POSCAR: exactly one structure). */
export function writeStructures(format: 'cif' | 'poscar' | 'xyz', structures: Structure[]): string {
  if (format === 'cif') return writeCif(structures);
  if (format === 'xyz') return writeExtxyz(structures);
  if (structures.length !== 1) {
    throw new StructureWriteError('', null, `a POSCAR holds exactly one structure, not ${structures.length}`);
  }
  return writePoscar(structures[0]);
}

/**
 * Frames as extended XYZ, one frame each, labels under ASE's canonical names (`energy`,
 * `free_energy`, `stress` as a 3×3 matrix, per-atom `forces`): reads back exactly (float64).
 */
export function writeFramesExtxyz(frames: readonly LabelledFrame[]): string {
  return writeExtxyz(frames.map(structureWithLabels));
}

export interface StructureSummary {
  name: string;
  /** Element → number of sites in the cell (sums of occupancies for partial sites), in order of first appearance. */
  composition: Record<string, number>;
  /** As a chemist writes it: the reduced formula by electronegativity for a crystal (KCl), the Hill formula for a molecule (C6H6). */
  formula: string;
  /** The whole cell's formula in the same order (K4Cl4); equal to `formula` for a molecule. */
  cellFormula: string;
  nSites: number;
  lattice: LatticeParameters | null;
  /** Å³; null for molecules. */
  volume: number | null;
  pbc: [boolean, boolean, boolean];
}

/** What listings and `latticework structure info` show about a structure. */
export function summarizeStructure(s: Structure): StructureSummary {
  const composition: Record<string, number> = {};
  for (let i = 0; i < s.numbers.length; i++) {
    const sym = elementSymbol(s.numbers[i]);
    composition[sym] = (composition[sym] ?? 0) + s.occupancy[i];
  }
  for (const k of Object.keys(composition)) composition[k] = Math.round(composition[k] * 1e6) / 1e6;
  const periodic = s.lattice !== null && s.pbc.some(Boolean);
  return {
    name: s.name,
    composition,
    formula: chemicalFormula(composition, periodic),
    cellFormula: periodic ? cellFormula(composition) : hillFormula(composition),
    nSites: s.numbers.length,
    lattice: s.lattice ? latticeParameters(s.lattice) : null,
    volume: s.lattice ? cellVolume(s.lattice) : null,
    pbc: [...s.pbc] as [boolean, boolean, boolean],
  };
}
