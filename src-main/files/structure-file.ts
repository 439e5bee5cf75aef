/**
 * Reading a structure or trajectory file the way every entry point does (command line, drop,
 * dataset import): decompress by magic bytes, decide the format by the inner name, read the
 * frames, and for a VASP 4 POSCAR or XDATCAR without species line take the species from a POTCAR
 * or OUTCAR beside it (also compressed), as ASE does.
 */
import { basename, dirname, join } from 'node:path';
import {
  DEFAULT_READ_OPTIONS,
  readFrames,
  speciesFromPotcar,
  StructureParseError,
  type FramesResult,
  type ReadOptions,
} from '../../src-shared/chem';
import { bytesToText, CompressedFileError, decompress, type Compression } from './compressed';
import { readUserFile } from './path-guard';

/** Finds a file beside the one being read (by base name), or null. */
export type CompanionLookup = (name: string) => Promise<Uint8Array | null>;

export interface FileFrames extends FramesResult {
  /** The compression the file had (by its magic bytes), null for a plain file. */
  compression: Compression | null;
}

/** Names tried, in order, for the species of a VASP 4 file (as ASE: POTCAR first, then OUTCAR). */
export const SPECIES_COMPANIONS = ['POTCAR', 'OUTCAR'].flatMap((n) => [n, `${n}.gz`, `${n}.bz2`, `${n}.xz`]);

function needsSpecies(e: unknown): boolean {
  return e instanceof StructureParseError && /no species line/.test(e.reason);
}

/**
 * The frames of one file from its bytes. `name` is what the user sees (the path as given or the
 * dropped file's name); errors carry it. Compression errors become `StructureParseError`s.
 */
export async function framesFromBytes(name: string, bytes: Uint8Array, options: ReadOptions = {}, companions?: CompanionLookup): Promise<FileFrames> {
  const maxBytes = options.maxBytes ?? DEFAULT_READ_OPTIONS.maxBytes;
  let d;
  try {
    d = await decompress(name, bytes, maxBytes);
  } catch (e) {
    if (e instanceof CompressedFileError) throw new StructureParseError(name, null, e.message);
    throw e;
  }
  const text = bytesToText(d.bytes);
  // The format is decided by the inner name; errors still name the file as the user knows it.
  const read = (o: ReadOptions) => readFrames(d.name, text, o);
  try {
    return { ...read(options), compression: d.compression };
  } catch (e) {
    if (!needsSpecies(e) || options.species || !companions) throw renamed(e, name, d.name);
    for (const c of SPECIES_COMPANIONS) {
      const cb = await companions(c);
      if (!cb) continue;
      let species: string[];
      try {
        const cd = await decompress(c, cb, maxBytes);
        species = speciesFromPotcar(bytesToText(cd.bytes));
      } catch {
        continue;
      }
      if (species.length === 0) continue;
      try {
        const r = read({ ...options, species });
        r.warnings.unshift(`no species line: species ${species.join(', ')} taken from ${c} beside the file`);
        return { ...r, compression: d.compression };
      } catch (e2) {
        if (!(e2 instanceof StructureParseError) || !/species were given/.test(e2.reason)) throw renamed(e2, name, d.name);
      }
    }
    throw renamed(e, name, d.name);
  }
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
