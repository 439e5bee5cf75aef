/**
 * Where a dataset is read from: a folder or file on the core's machine (every read through the
 * path guard: regular files only, a size cap per kind, never blocking), or files a client dropped
 * (text, or bytes as base64). Compressed files (gzip, bzip2, xz: by their magic bytes) are
 * decompressed when their text is read.
 */
import { basename, dirname, join } from 'node:path';
import type { DroppedFile } from '../../src-shared/ipc/contract';
import { bytesToText, compressionOf, CompressedFileError, decompress, notText } from '../files/compressed';
import { FILE_SIZE_LIMITS, FileAccessError, checkUserFile, isUserFolder, listUserFolder, readUserFile, type FileKind } from '../files/path-guard';
import { UserError } from '../ipc/errors';
import { plural } from '../../src-shared/text';

export interface DatasetSource {
  /** What the user named: the path as given, the dropped folder's name, or the dropped file's. */
  label: string;
  /** The files beside each other (base names: sorted for a folder, in drop order for dropped files). */
  names: string[];
  /** The same files as the user knows them: dropped files with their folder (`run/vasprun.xml`), else the base names. */
  shownNames: string[];
  /** The file the user named, when it is a file rather than a folder. */
  file: string | null;
  /** The folder on the core's machine (checked, symlink-free); null for dropped files. */
  dir: string | null;
  /** The folder's entries that are no regular files (FIFOs, devices, links to them), not read: each with what it is. */
  notFiles: { name: string; what: string }[];
  /** A file's text (decompressed), or null when there is no such file; a refused or damaged file throws its FileAccessError. */
  text(name: string): Promise<string | null>;
  /** A file's bytes as they are (compressed or not), or null when there is no such file. */
  bytes(name: string): Promise<Uint8Array | null>;
}

/** The size cap that applies to a dataset file, by its name. */
export function fileKind(name: string): FileKind {
  if (/\.csv$/i.test(name)) return 'table';
  if (/\.json$/i.test(name)) return 'json';
  if (/\.(ext)?xyz$/i.test(name)) return 'trajectory';
  return 'structure';
}

/**
 * What a folder holds under names a format reads that is no regular file, to follow "has no … file":
 * `; not read, not regular files: f.xyz (a FIFO (named pipe))`; empty when there is none.
 */
export function notFilesNote(src: DatasetSource, read: (name: string) => boolean): string {
  const named = src.notFiles.filter((e) => read(e.name));
  return named.length ? `; not read, not regular files: ${named.map((e) => `${e.name} (${e.what})`).join(', ')}` : '';
}

/** A source without the file its kind reads: the dataset reader (`readDataset`) adds the kind the source looks like. */
export class NoDatasetFileError extends UserError {}

/**
 * A source without a file its kind reads: "/data/x has no .csv file", "the 12 dropped files
 * (id_prop.csv, atom_init.json, 10 .cif) have no .xyz/.extxyz file", what dropped files were said by
 * their names, or their number per extension.
 */
export function noDatasetFile(src: DatasetSource, what: string, read: (name: string) => boolean): NoDatasetFileError {
  const byExtension = new Map<string, string[]>();
  for (const n of src.shownNames) {
    const ext = /(\.[^./\\]+)?$/.exec(n)![0].toLowerCase() || n;
    byExtension.set(ext, [...(byExtension.get(ext) ?? []), n]);
  }
  const held = [...byExtension].map(([ext, names]) => (names.length === 1 ? names[0] : `${names.length} ${ext}`));
  const subject = src.label === DROPPED_FILES ? `the ${plural(src.shownNames.length, 'dropped file')} (${held.join(', ')}) have` : `${src.label} has`;
  return new NoDatasetFileError(`${subject} no ${what}${notFilesNote(src, read)}`);
}

/** A file's text, decompressed when its bytes are gzip, bzip2 or xz data (a damaged one is that file's failure). */
async function textOf(path: string, name: string, bytes: Uint8Array): Promise<string> {
  const binary = compressionOf(bytes) ? null : notText(bytes);
  if (binary) throw new FileAccessError(path, binary);
  try {
    return bytesToText((await decompress(name, bytes, FILE_SIZE_LIMITS.trajectory)).bytes);
  } catch (e) {
    if (e instanceof CompressedFileError) throw new FileAccessError(path, e.message);
    throw e;
  }
}

/** A folder on the core's machine, or the folder of a file named by its path (that file then `file`). */
export async function pathSource(path: string): Promise<DatasetSource> {
  let dir = path;
  let file: string | null = null;
  if (!(await isUserFolder(path))) {
    const checked = await checkUserFile(path, fileKind(path));
    dir = dirname(checked.path);
    file = basename(checked.path);
  }
  const { names, notFiles } = await listUserFolder(dir);
  const set = new Set(names);
  const bytes = async (n: string) => (set.has(n) ? new Uint8Array(await readUserFile(join(dir, n), fileKind(n))) : null);
  return {
    label: path,
    names,
    shownNames: names,
    file,
    dir,
    notFiles: file === null ? notFiles : [],
    bytes,
    text: async (n) => {
      const b = await bytes(n);
      return b === null ? null : textOf(join(dir, n), n, b);
    },
  };
}

const DROPPED_FILES = 'dropped files';

/**
 * What dropped files are called (`folder/` in a folder's file names): the dropped folder's name, else
 * the table or frames file among them (not a CGCNN folder's id_prop.csv, a fixed name that tells no
 * dataset from another: a browser's file picker gives no folder), else the one file, else "dropped files".
 */
export function droppedLabel(files: string[]): string {
  const first = files[0] ?? '';
  const names = files.map((f) => f.split(/[\\/]/).pop()!);
  if (first.includes('/')) return first.split('/')[0];
  return names.find((n) => /\.(csv|xyz|extxyz)$/i.test(n) && n.toLowerCase() !== 'id_prop.csv') ?? (files.length === 1 ? names[0] : DROPPED_FILES);
}

/** Files a client dropped (a folder's files carry `folder/` in their names). */
export function droppedSource(files: DroppedFile[]): DatasetSource {
  const map = new Map<string, DroppedFile>();
  for (const f of files) {
    map.set(f.name, f);
    const b = f.name.split(/[\\/]/).pop()!;
    if (!map.has(b)) map.set(b, f);
  }
  const names = files.map((f) => f.name.split(/[\\/]/).pop()!);
  const first = files[0]?.name ?? '';
  const bytes = async (n: string) => {
    const f = map.get(n);
    if (!f) return null;
    return 'text' in f ? new TextEncoder().encode(f.text) : new Uint8Array(Buffer.from(f.base64, 'base64'));
  };
  return {
    label: droppedLabel(files.map((f) => f.name)),
    names,
    shownNames: files.map((f) => f.name),
    file: files.length === 1 && !first.includes('/') ? names[0] : null,
    dir: null,
    notFiles: [],
    bytes,
    text: async (n) => {
      const f = map.get(n);
      if (!f) return null;
      return 'text' in f ? f.text : textOf(n, n, (await bytes(n))!);
    },
  };
}
