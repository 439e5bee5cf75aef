/**
 * Reading a structure or trajectory file the way every entry point does (command line, drop,
 * dataset import): decompress by magic bytes, decide the format by the inner name (an ASE database
 * or an ASE trajectory, binary, by their own magic bytes), read the frames, and for a VASP 4 POSCAR or XDATCAR without species line take the species from a POTCAR
 * or OUTCAR beside it (also compressed), as ASE does.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import {
  DEFAULT_READ_OPTIONS,
  detectFormat,
  readFrames,
  readStructures,
  speciesFromPotcar,
  StructureLimitError,
  StructureParseError,
  structureWithLabels,
  type FramesResult,
  type LabelledFrame,
  type ReadOptions,
  type ReadResult,
} from '../../src-shared/chem';
import { bytesToText, CompressedFileError, decompress, notText, type Compression } from './compressed';
import { isSqlite, readAseDb } from './ase-db';
import { isAseTrajectory, readAseTrajectory } from './ase-traj';
import { checkUserFile, FileAccessError, readUserFile, type FileKind } from './path-guard';
import { structureName } from '../../src-shared/chem/naming';

/** Finds a file beside the one being read (by base name), or null. */
export type CompanionLookup = (name: string) => Promise<Uint8Array | null>;

export interface FileFrames extends FramesResult {
  /** The compression the file had (by its magic bytes), null for a plain file. */
  compression: Compression | null;
}

export interface FileStructures extends ReadResult {
  compression: Compression | null;
}

/** Names tried, in order, for the species of a VASP 4 file (as ASE: POTCAR first, then OUTCAR). */
export const SPECIES_COMPANIONS = ['POTCAR', 'OUTCAR'].flatMap((n) => [n, `${n}.gz`, `${n}.bz2`, `${n}.xz`]);

function needsSpecies(e: unknown): boolean {
  return e instanceof StructureParseError && /no species line/.test(e.reason);
}

/**
 * Decompresses `bytes` and runs `read` on the inner name and text (an ASE trajectory or database,
 * binary, goes through `fromFrames` instead); a VASP 4 file without species line is read again with the species of
 * a companion POTCAR/OUTCAR when `companions` finds one. `name` is what the user sees (the path as
 * given or the dropped file's name): errors carry it.
 */
async function readBytes<T extends { warnings: string[]; fileWarnings: string[] }>(
  name: string,
  bytes: Uint8Array,
  options: ReadOptions,
  companions: CompanionLookup | undefined,
  read: (inner: string, text: string, o: ReadOptions) => T,
  fromFrames: (r: FileFrames) => T & { compression: Compression | null },
): Promise<T & { compression: Compression | null }> {
  const maxBytes = options.maxBytes ?? DEFAULT_READ_OPTIONS.maxBytes;
  let d;
  try {
    d = await decompress(name, bytes, maxBytes);
  } catch (e) {
    if (e instanceof CompressedFileError) throw new StructureParseError(name, null, e.message);
    throw e;
  }
  if (isAseTrajectory(d.bytes)) return fromFrames(aseTrajectoryFrames(d.bytes, name, options, d.compression));
  if (isSqlite(d.bytes)) return fromFrames({ ...(await aseDbFromBytes(name, d.bytes)), compression: d.compression });
  const inner = d.name;
  // a binary file named as a text format (an executable named .cif) is said to be binary, not a CIF
  // syntax error; a damaged .db or .traj, binary formats, is said to be no database or trajectory by its reader
  const claimed = detectFormat(inner, '');
  const binary = claimed === 'ase-db' || claimed === 'ase-traj' ? null : notText(d.bytes);
  if (binary) throw new StructureParseError(name, null, binary);
  const text = bytesToText(d.bytes);
  try {
    return { ...read(inner, text, options), compression: d.compression };
  } catch (e) {
    if (!needsSpecies(e) || options.species || !companions) throw renamed(e, name, inner);
    for (const c of SPECIES_COMPANIONS) {
      const cb = await companions(c);
      if (!cb) continue;
      let species: string[];
      try {
        species = speciesFromPotcar(bytesToText((await decompress(c, cb, maxBytes)).bytes));
      } catch {
        continue;
      }
      if (species.length === 0) continue;
      try {
        const r = read(inner, text, { ...options, species });
        const note = `no species line: species ${species.join(', ')} taken from ${c} beside the file`;
        r.warnings.unshift(note);
        r.fileWarnings.unshift(note);
        return { ...r, compression: d.compression };
      } catch (e2) {
        if (!(e2 instanceof StructureParseError) || !/species were given/.test(e2.reason)) throw renamed(e2, name, inner);
      }
    }
    throw renamed(e, name, inner);
  }
}

/**
 * The frames of an ASE database or trajectory, as `readFrames` would give them. A file with no row or
 * image (a database emptied, a run that died before its first write) is an error naming it, as the text
 * readers' "the file is empty": ASE reads such a file as valid, but there is no structure in it.
 */
function aseFrames(
  format: 'ase-db' | 'ase-traj',
  shown: string,
  r: { frames: LabelledFrame[]; warnings: string[] },
  blocks: number[],
  compression: Compression | null,
): FileFrames {
  if (r.frames.length === 0) throw new StructureParseError(shown, null, `no frame in the file (${format === 'ase-db' ? 'an ASE database with no row' : 'an ASE trajectory with no image'})`);
  return {
    format,
    frames: r.frames,
    blocks,
    frameWarnings: r.frames.map(() => []),
    warnings: r.warnings,
    fileWarnings: r.warnings,
    leftOut: [],
    labelSources: [],
    compression,
  };
}

/** The frames of an ASE database on disk (blocks: the row id). */
async function aseDbFrames(path: string, shown: string): Promise<FileFrames> {
  const r = await readAseDb(path, shown);
  return aseFrames('ase-db', shown, r, r.ids, null);
}

/** An ASE trajectory's images (blocks: the image index). */
function aseTrajectoryFrames(bytes: Uint8Array, shown: string, options: ReadOptions, compression: Compression | null): FileFrames {
  const r = readAseTrajectory(bytes, shown, {
    maxAtoms: options.maxAtoms ?? DEFAULT_READ_OPTIONS.maxAtoms,
    maxStructures: options.maxStructures ?? DEFAULT_READ_OPTIONS.maxStructures,
  });
  return aseFrames('ase-traj', shown, r, r.frames.map((_, i) => i), compression);
}

function asStructures(r: FileFrames): FileStructures {
  return {
    format: r.format,
    structures: r.frames.map(structureWithLabels),
    blocks: r.blocks,
    structureWarnings: r.frameWarnings,
    warnings: r.warnings,
    fileWarnings: r.fileWarnings,
    skipped: [],
    compression: r.compression,
  };
}

/** An ASE database given as bytes (a dropped file, or a compressed one expanded): read from a private temporary copy, deleted after (also on error). */
async function aseDbFromBytes(name: string, bytes: Uint8Array): Promise<FileFrames> {
  const dir = await mkdtemp(join(tmpdir(), 'lw-asedb-'));
  try {
    const path = join(dir, 'dropped.db');
    await writeFile(path, bytes, { mode: 0o600 });
    return await aseDbFrames(path, name);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Every frame of a (possibly compressed) file with its labels; an ASE database (SQLite) too. */
export async function framesFromBytes(name: string, bytes: Uint8Array, options: ReadOptions = {}, companions?: CompanionLookup): Promise<FileFrames> {
  return readBytes(name, bytes, options, companions, readFrames, (r) => r);
}

/** Every structure of a (possibly compressed) file, as `readStructures` gives them; an ASE database too (labels embedded). */
export async function structuresFromBytes(name: string, bytes: Uint8Array, options: ReadOptions = {}, companions?: CompanionLookup): Promise<FileStructures> {
  return named(await readBytes(name, bytes, options, companions, readStructures, asStructures), name);
}

/** The structures of a file already read as text (a dataset reader's, decompressed), named as from bytes. */
export function structuresFromText(name: string, text: string, options: ReadOptions = {}): FileStructures {
  return named({ ...readStructures(name, text, options), compression: null }, name);
}

/** The structures named as naming.ts's `structureName` says: a name that says nothing (ASE's CIF block `image0`, an empty POSCAR comment) becomes the file's stem. */
function named(r: FileStructures, file: string): FileStructures {
  return { ...r, structures: r.structures.map((s) => ({ ...s, name: structureName(s.name, file) })) };
}

/** An error raised while reading the inner file, re-addressed to the file as the user named it. */
function renamed(e: unknown, shown: string, inner: string): unknown {
  if (e instanceof StructureParseError && e.file === inner && shown !== inner) {
    return new (e.constructor as typeof StructureParseError)(shown, e.line, e.reason, e.column);
  }
  return e;
}

/** Companion files beside a path on disk (read through the path guard: regular files only, within the trajectory cap). */
export function diskCompanions(path: string): CompanionLookup {
  const dir = dirname(path);
  return async (name) => {
    if (name === basename(path)) return null;
    try {
      return new Uint8Array(await readUserFile(join(dir, name), 'trajectory'));
    } catch {
      return null;
    }
  };
}

/** Companion files among a batch of dropped files (same folder inside the drop). */
export function batchCompanions(fileName: string, files: readonly { name: string; bytes: Uint8Array }[]): CompanionLookup {
  const dir = fileName.includes('/') ? fileName.slice(0, fileName.lastIndexOf('/') + 1) : '';
  return async (name) => files.find((f) => f.name === dir + name)?.bytes ?? null;
}

/** Names that hold many frames get the trajectory size cap; other structure files the structure cap. */
function fileKind(name: string): FileKind {
  return /vasprun|outcar|xdatcar|\.(ext)?xyz|\.traj|\.(gz|bz2|xz)$/i.test(name) ? 'trajectory' : 'structure';
}

/**
 * The path guard's refusal as the error the command line and the readers report. A missing or unreadable
 * file is named by the file as given; any other refusal is its reason alone ('is a folder, not a regular
 * file'), since whoever reports it names the file before it (the error data's `file`).
 */
function accessError(e: unknown, shown: string): unknown {
  if (!(e instanceof FileAccessError)) return e;
  if (e.reason.startsWith('does not exist')) return Object.assign(new Error(`no such file: ${shown}`), { name: 'FileNotFound', code: 'ENOENT' });
  if (e.reason === 'permission denied') return Object.assign(new Error(`permission denied: ${shown}`), { name: 'FileNotReadable', code: 'EACCES' });
  return Object.assign(new Error(e.reason), { name: 'FileAccessError' });
}

/**
 * A file on disk as bytes, through the path guard (regular files only, size cap per kind; a
 * compressed file is checked again once expanded, against `maxBytes`). A missing or unreadable file
 * is a `FileNotFound` / `FileNotReadable` error naming the file as the user gave it.
 */
export async function readFileBytes(path: string, shown: string, maxBytes: number): Promise<Uint8Array> {
  let bytes: Buffer;
  try {
    bytes = await readUserFile(path, fileKind(shown));
  } catch (e) {
    throw accessError(e, shown);
  }
  if (bytes.length > maxBytes) throw new StructureLimitError(shown, null, `the file is ${bytes.length} bytes, more than the limit of ${maxBytes} (option --max-bytes)`);
  return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** An ASE database on disk is opened in place (checked by the path guard, never read into memory). */
async function aseDbOnDisk(path: string, shown: string): Promise<FileFrames | null> {
  if (!/\.db$/i.test(shown)) return null;
  try {
    await checkUserFile(path, 'database');
  } catch (e) {
    throw accessError(e, shown);
  }
  return aseDbFrames(path, shown);
}

/** The frames of a file on disk (`shown` is the name errors carry). */
export async function readFramesFile(path: string, shown: string, options: ReadOptions = {}): Promise<FileFrames> {
  const db = await aseDbOnDisk(path, shown);
  if (db) return db;
  const bytes = await readFileBytes(path, shown, options.maxBytes ?? DEFAULT_READ_OPTIONS.maxBytes);
  return isSqlite(bytes) ? aseDbFrames(path, shown) : framesFromBytes(shown, bytes, options, diskCompanions(path));
}

/** The structures of a file on disk (`shown` is the name errors carry). */
export async function readStructuresFile(path: string, shown: string, options: ReadOptions = {}): Promise<FileStructures> {
  const db = await aseDbOnDisk(path, shown);
  if (db) return named(asStructures(db), shown);
  const bytes = await readFileBytes(path, shown, options.maxBytes ?? DEFAULT_READ_OPTIONS.maxBytes);
  return isSqlite(bytes) ? named(asStructures(await aseDbFrames(path, shown)), shown) : structuresFromBytes(shown, bytes, options, diskCompanions(path));
}

/**
 * Every structure of a file on disk, each in its place: a CIF data block that could not be read (while
 * the others were) is the file's error, naming the block and its line. For the commands that take a
 * structure by its place in the file (the last, `--frame K`, `--frames`): a block left out would have
 * them take another block without a word. With the read's warnings, for the commands that say them.
 */
export async function readStructuresInPlace(path: string, shown: string, options: ReadOptions = {}): Promise<FileStructures> {
  const r = await readStructuresFile(path, shown, options);
  const b = r.skipped[0];
  if (b) throw new StructureParseError(shown, b.error.line, `${b.error.reason} (the file's structures are taken by their place in it, the last unless told otherwise: every data block must be read)`, b.error.column);
  return r;
}
