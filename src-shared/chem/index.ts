/**
 * Structures: one entry point to read CIF, POSCAR/CONTCAR, XYZ and extended XYZ, write them back,
 * and summarise a structure for listings and the command line.
 */
import { readCif, writeCif } from './cif';
import { elementSymbol } from './elements';
import { StructureInternalError, StructureLimitError, StructureParseError, StructureWriteError } from './errors';
import { cellVolume, latticeParameters, type LatticeParameters } from './lattice';
import { resolveReadOptions, type ParsedStructure, type ReadOptions } from './options';
import { readPoscar, writePoscar } from './poscar';
import type { Structure } from './structure';
import { readXyz, writeExtxyz } from './xyz';

export type { Structure, Mat3, Vec3, SiteProperty } from './structure';
export { siteCount } from './structure';
export * from './errors';
export type { ReadOptions, ParsedStructure, DisorderPolicy } from './options';
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
  type LatticeParameters,
} from './lattice';
export {
  parseSymop,
  spaceGroupFromHM,
  spaceGroupFromHall,
  spaceGroupFromNumber,
  expandAsymmetricUnit,
  type SymOp,
  type SpaceGroupSetting,
} from './symmetry';
export { parseCif, parseCifNumber, writeCif } from './cif';
export { writePoscar } from './poscar';
export { writeExtxyz } from './xyz';

export type StructureFormat = 'cif' | 'poscar' | 'xyz';

export interface ReadResult {
  format: StructureFormat;
  /** Every structure in the file, in file order. */
  structures: Structure[];
  /** Per structure: data block name (CIF), frame index (XYZ), null (POSCAR). */
  blocks: (string | number | null)[];
  /** Per structure: what was noticed while reading it (parallel to `structures`). */
  structureWarnings: string[][];
  /** All warnings, each prefixed with its block when the file has several structures. */
  warnings: string[];
}

function baseName(fileName: string): string {
  const i = Math.max(fileName.lastIndexOf('/'), fileName.lastIndexOf('\\'));
  return fileName.slice(i + 1);
}

/**
 * The format of a file from its name (`*.cif`, `*.mcif`; `POSCAR*`, `CONTCAR*`, `*.vasp`, `*.poscar`;
 * `*.xyz`, `*.extxyz`), else from its content; null when neither tells.
 */
export function detectFormat(fileName: string, text: string): StructureFormat | null {
  const base = baseName(fileName).toLowerCase();
  const dot = base.lastIndexOf('.');
  const ext = dot >= 0 ? base.slice(dot + 1) : '';
  if (ext === 'cif' || ext === 'mcif' || ext === 'mmcif') return 'cif';
  if (ext === 'xyz' || ext === 'extxyz') return 'xyz';
  if (ext === 'vasp' || ext === 'poscar' || ext === 'contcar' || base.startsWith('poscar') || base.startsWith('contcar') || base.includes('poscar')) {
    return 'poscar';
  }
  // Content sniffing on the first lines.
  const head = text.slice(0, 4096);
  if (/^\s*data_/im.test(head) || head.startsWith('#\\#CIF')) return 'cif';
  const lines = head.split('\n', 8).map((l) => l.trim());
  if (/^\d+$/.test(lines[0] ?? '') && lines.length >= 2) return 'xyz';
  const isNums = (l: string | undefined, k: number) => {
    const w = (l ?? '').split(/\s+/);
    return w.length >= k && w.slice(0, k).every((x) => x !== '' && Number.isFinite(Number(x)));
  };
  if (isNums(lines[1], 1) && isNums(lines[2], 3) && isNums(lines[3], 3) && isNums(lines[4], 3)) return 'poscar';
  return null;
}

/**
 * Read every structure in a file. Picks the format by `options.format`, else the file name, else
 * the content. Throws `StructureParseError` (or `StructureLimitError`) with file, line and a
 * readable sentence; never returns a silently wrong structure.
 */
export function readStructures(fileName: string, text: string, options?: ReadOptions): ReadResult {
  const opt = resolveReadOptions(options);
  if (text.length > opt.maxBytes) {
    throw new StructureLimitError(
      fileName,
      null,
      `the file is ${text.length} bytes, more than the limit of ${opt.maxBytes} (option maxBytes)`,
    );
  }
  const format = options?.format ?? detectFormat(fileName, text);
  if (!format) {
    throw new StructureParseError(
      fileName,
      null,
      'cannot tell the format of this file: name it *.cif, *.vasp (or POSCAR/CONTCAR), *.xyz or *.extxyz',
    );
  }
  if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
  let parsed: ParsedStructure[];
  try {
    if (format === 'cif') parsed = readCif(text, fileName, opt);
    else if (format === 'poscar') parsed = [readPoscar(text, fileName, opt)];
    else parsed = readXyz(text, fileName, opt);
  } catch (e) {
    if (e instanceof StructureParseError) throw e;
    // A bug of ours: still report it as data, never as a deep exception.
    throw new StructureInternalError(fileName, null, `internal error while reading this file: ${(e as Error)?.message ?? String(e)}`);
  }
  const many = parsed.length > 1;
  const warnings: string[] = [];
  for (const p of parsed) for (const w of p.warnings) warnings.push(many ? `${p.block}: ${w}` : w);
  return {
    format,
    structures: parsed.map((p) => p.structure),
    blocks: parsed.map((p) => p.block),
    structureWarnings: parsed.map((p) => p.warnings),
    warnings,
  };
}

/** Write structures as text in one format (CIF: P1, one block each; POSCAR: exactly one structure). */
export function writeStructures(format: StructureFormat, structures: Structure[]): string {
  if (format === 'cif') return writeCif(structures);
  if (format === 'xyz') return writeExtxyz(structures);
  if (structures.length !== 1) {
    throw new StructureWriteError('', null, `a POSCAR holds exactly one structure, not ${structures.length}`);
  }
  return writePoscar(structures[0]);
}

export interface StructureSummary {
  name: string;
  /** Element → number of sites in the cell (sums of occupancies for partial sites). */
  composition: Record<string, number>;
  /** Reduced-free formula in Hill-like order (alphabetical, C and H first when carbon is present). */
  formula: string;
  nSites: number;
  lattice: LatticeParameters | null;
  /** Å³; null for molecules. */
  volume: number | null;
  pbc: [boolean, boolean, boolean];
}

/** What listings and `latticework structure info` show about a structure. */
export function summarizeStructure(s: Structure): StructureSummary {
  const comp = new Map<string, number>();
  for (let i = 0; i < s.numbers.length; i++) {
    const sym = elementSymbol(s.numbers[i]);
    comp.set(sym, (comp.get(sym) ?? 0) + s.occupancy[i]);
  }
  const keys = [...comp.keys()].sort((a, b) => {
    if (comp.has('C')) {
      const rank = (x: string) => (x === 'C' ? 0 : x === 'H' ? 1 : 2);
      if (rank(a) !== rank(b)) return rank(a) - rank(b);
    }
    return a < b ? -1 : a > b ? 1 : 0;
  });
  const composition: Record<string, number> = {};
  for (const k of keys) composition[k] = Math.round(comp.get(k)! * 1e6) / 1e6;
  const formula = keys.map((k) => (composition[k] === 1 ? k : `${k}${composition[k]}`)).join('');
  return {
    name: s.name,
    composition,
    formula,
    nSites: s.numbers.length,
    lattice: s.lattice ? latticeParameters(s.lattice) : null,
    volume: s.lattice ? cellVolume(s.lattice) : null,
    pbc: [...s.pbc] as [boolean, boolean, boolean],
  };
}
