/** Reading the structure files of a dataset source: refusals and parse failures become report entries. */
import type { FileFailure } from '../../src-shared/ipc/contract';
import { FileAccessError } from '../files/path-guard';
import type { ParsedFile, ParsedFileStructure } from '../workers/tasks';
import type { DatasetSource } from './source';

/** A reader's message as reported: a sentence with at most a short excerpt of the line. */
export function clipMessage(message: string): string {
  return message.length > 300 ? `${message.slice(0, 299)}…` : message;
}

/**
 * A structure file's text; null when there is no such file; false when the file is there but the
 * path guard refuses it (over its size cap, binary, damaged compression): a failure of that file,
 * put in `failed`, not of the import, and not to be reported a second time as a missing file.
 */
export async function structureText(src: DatasetSource, name: string, failed: FileFailure[]): Promise<string | null | false> {
  try {
    return await src.text(name);
  } catch (err) {
    if (!(err instanceof FileAccessError)) throw err;
    failed.push({ file: name, error: { name: err.name, message: err.reason, line: null } });
    return false;
  }
}

/** The first structure of each parsed file, by file name; failures go to `failed`. */
export function firstStructures(parsed: ParsedFile[], failed: FileFailure[]): Map<string, ParsedFileStructure> {
  const byFile = new Map<string, ParsedFileStructure>();
  for (const f of parsed) {
    if (!f.ok) failed.push({ file: f.file, error: { name: f.error.name, message: clipMessage(f.error.message), line: f.error.line } });
    else if (f.structures.length) byFile.set(f.file, f.structures[0]);
  }
  return byFile;
}

/** A parsed structure stored under the name of its dataset row or frame (CIFs written by ASE are all `data_image0`), and the frame's index as its block. */
export function named(p: ParsedFileStructure, name: string, block?: number): ParsedFileStructure {
  return { ...p, structure: { ...p.structure, name }, block: block ?? p.block };
}

/** Numeric per-atom arrays (site properties) of the structures. */
export function numericSiteKeys(structures: Iterable<ParsedFileStructure>): string[] {
  const keys = new Set<string>();
  for (const p of structures) for (const [k, v] of Object.entries(p.structure.siteProperties)) if (v.kind !== 'string') keys.add(k);
  return [...keys];
}
