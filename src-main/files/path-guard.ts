/**
 * The one way the core reads a file or folder that a client named by its path (datasets,
 * model files, and every reader added later: VASP outputs, ASE databases, trajectories).
 *
 * A path from the contract is untrusted input. Only regular files and folders are opened;
 * FIFOs, sockets and devices are refused before anything opens them (opening a FIFO blocks,
 * opening some devices has side effects), and so is anything in /proc, /sys or /dev, whose
 * "regular" files report size 0 and are not data. Each kind of file has a size cap, checked
 * on the open descriptor and again while reading (a file that grows is cut off, not followed).
 * Reads go through `fs/promises` (libuv's thread pool), never blocking the event loop.
 *
 * Errors name the path and say what is wrong; they never contain the file's contents.
 */
import { constants } from 'node:fs';
import type { Stats } from 'node:fs';
import { open, readdir, readlink, realpath, stat } from 'node:fs/promises';
import { join, resolve, sep } from 'node:path';
import { UserError } from '../ipc/errors';
import { notText } from './compressed';

const MiB = 1024 * 1024;

/** The largest file accepted for each kind, in bytes. */
export const FILE_SIZE_LIMITS = {
  /** One structure file (CIF, POSCAR, XYZ) of a dataset folder. */
  structure: 64 * MiB,
  /** A dataset table: id_prop.csv, a CSV of file names and targets. */
  table: 64 * MiB,
  /** Small JSON side files (CGCNN's atom_init.json). */
  json: 16 * MiB,
  /** Many frames in one file: extended XYZ, trajectories, VASP OUTCAR/vasprun.xml. */
  trajectory: 512 * MiB,
  /** A model file: CGCNN .pth.tar or Latticework .lwm. */
  model: 512 * MiB,
  /** A database opened in place (an ASE database): checked, not read into memory. */
  database: 64 * 1024 * MiB,
} as const;

export type FileKind = keyof typeof FILE_SIZE_LIMITS;

/** At most this many entries of a folder are looked at. */
export const MAX_FOLDER_ENTRIES = 1_000_000;

const KIND_LABEL: Record<FileKind, string> = {
  structure: 'structure files',
  table: 'dataset tables',
  json: 'JSON files',
  trajectory: 'trajectory files',
  model: 'model files',
  database: 'database files',
};

/** A path that cannot be used: the path, and why (never the file's contents). */
export class FileAccessError extends UserError {
  override name = 'FileAccessError';
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`, { path, reason });
  }
}

/** Human-readable byte count (binary units). */
export function formatBytes(n: number): string {
  if (n < 1024) return `${n} bytes`;
  const units = ['KiB', 'MiB', 'GiB', 'TiB'];
  let v = n / 1024;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}

const SYSTEM_FOLDERS = ['/proc', '/sys', '/dev'];
let systemDevices: Promise<Set<number>> | null = null;

/** Device numbers of the kernel's pseudo file systems (procfs, sysfs), wherever they are mounted. */
function pseudoFileSystems(): Promise<Set<number>> {
  systemDevices ??= Promise.all(
    ['/proc', '/sys'].map((p) =>
      stat(p).then(
        (s) => s.dev,
        () => null,
      ),
    ),
  ).then((devs) => new Set(devs.filter((d): d is number => d !== null)));
  return systemDevices;
}

function typeName(st: Pick<Stats, 'isFIFO' | 'isCharacterDevice' | 'isBlockDevice' | 'isSocket' | 'isDirectory'>): string {
  if (st.isFIFO()) return 'a FIFO (named pipe)';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  if (st.isSocket()) return 'a socket';
  if (st.isDirectory()) return 'a folder';
  return 'not a regular file';
}

/** An operating-system error on `path` as what it means (permission denied, does not exist, …). */
export function describeOsError(path: string, err: unknown): FileAccessError {
  const code = (err as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new FileAccessError(path, 'does not exist');
  if (code === 'ENOTDIR') return new FileAccessError(path, 'does not exist (a part of the path is not a folder)');
  if (code === 'EACCES' || code === 'EPERM') return new FileAccessError(path, 'permission denied');
  if (code === 'ELOOP') return new FileAccessError(path, 'has too many levels of symbolic links');
  if (code === 'ENAMETOOLONG') return new FileAccessError(path, 'the path is too long');
  if (code === 'EISDIR') return new FileAccessError(path, 'is a folder, not a file');
  return new FileAccessError(path, `cannot be read (${code ?? 'unknown error'})`);
}

/** The absolute, symlink-free path, refused when it lies in a system folder. */
async function resolveChecked(path: string): Promise<string> {
  if (typeof path !== 'string' || path.length === 0) throw new FileAccessError(String(path), 'no path given');
  if (path.includes('\0')) throw new FileAccessError(path.replaceAll('\0', '\\0'), 'the path contains a NUL character');
  let real: string;
  try {
    real = await realpath(resolve(path));
  } catch (err) {
    throw describeOsError(path, err);
  }
  const folder = systemFolderOf(real, SYSTEM_FOLDERS);
  if (folder) throw new FileAccessError(path, `is in ${folder}, a system folder, not a data file or folder`);
  return real;
}

/** The system folder (of `folders`: /proc, /sys, /dev) an absolute, symlink-free path lies in, or null. */
export function systemFolderOf(real: string, folders: readonly string[] = SYSTEM_FOLDERS): string | null {
  return folders.find((folder) => real === folder || real.startsWith(folder + sep)) ?? null;
}

async function refusePseudo(path: string, st: Stats): Promise<void> {
  if ((await pseudoFileSystems()).has(st.dev)) throw new FileAccessError(path, 'is on a kernel pseudo file system (procfs/sysfs), not a data file');
}

function refuseOversize(path: string, size: number, kind: FileKind): void {
  const limit = FILE_SIZE_LIMITS[kind];
  if (size > limit) {
    throw new FileAccessError(path, `is ${formatBytes(size)}, more than the limit of ${formatBytes(limit)} for ${KIND_LABEL[kind]}`);
  }
}

/** The real path and its `stat`, refused in the system folders or on a pseudo file system. */
async function statChecked(path: string): Promise<{ real: string; st: Stats }> {
  const real = await resolveChecked(path);
  let st: Stats;
  try {
    st = await stat(real);
  } catch (err) {
    throw describeOsError(path, err);
  }
  await refusePseudo(path, st);
  return { real, st };
}

/** Checks a file a client named: a regular file outside the system folders, within the kind's cap. Nothing is opened. */
export async function checkUserFile(path: string, kind: FileKind): Promise<{ path: string; size: number }> {
  const { real, st } = await statChecked(path);
  if (!st.isFile()) throw new FileAccessError(path, `is ${typeName(st)}, not a regular file`);
  refuseOversize(path, st.size, kind);
  return { path: real, size: st.size };
}

/** Checks a folder a client named (outside the system folders). */
export async function checkUserFolder(path: string): Promise<{ path: string }> {
  const { real, st } = await statChecked(path);
  if (!st.isDirectory()) throw new FileAccessError(path, st.isFile() ? 'is a file, not a folder' : `is ${typeName(st)}, not a folder`);
  return { path: real };
}

/** Whether a path names a folder (after the same checks); false for a regular file. */
export async function isUserFolder(path: string): Promise<boolean> {
  return (await statChecked(path)).st.isDirectory();
}

/**
 * Reads a file a client named, as bytes. The path is checked first (nothing but a regular file
 * is opened), then opened non-blocking and checked again on the descriptor (the same file, still
 * regular, still within the cap); at most the cap is read.
 */
export async function readUserFile(path: string, kind: FileKind): Promise<Buffer> {
  const checked = await checkUserFile(path, kind);
  let fh;
  try {
    fh = await open(checked.path, constants.O_RDONLY | constants.O_NONBLOCK | (constants.O_NOCTTY ?? 0));
  } catch (err) {
    throw describeOsError(path, err);
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) throw new FileAccessError(path, `is ${typeName(st)}, not a regular file`);
    await refusePseudo(path, st);
    refuseOversize(path, st.size, kind);
    const limit = FILE_SIZE_LIMITS[kind];
    const chunks: Buffer[] = [];
    let total = 0;
    for (;;) {
      const want = Math.min(Math.max(st.size - total, 0) + 64 * 1024, limit + 1 - total);
      if (want <= 0) break;
      const buf = Buffer.allocUnsafe(want);
      const { bytesRead } = await fh.read(buf, 0, want, null);
      if (bytesRead === 0) break;
      chunks.push(bytesRead === want ? buf : buf.subarray(0, bytesRead));
      total += bytesRead;
    }
    refuseOversize(path, total, kind);
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total);
  } catch (err) {
    if (err instanceof FileAccessError) throw err;
    throw describeOsError(path, err);
  } finally {
    await fh.close().catch(() => undefined);
  }
}

/**
 * Reads a file the command line names (`--config FILE`, `--model FILE`, a checkpoint) as readUserFile does, its
 * refusal in the structure readers' words after the name the user gave (`shown`): "c.json: no such file",
 * "m.lwm: is a folder, not a regular file", where Node's own errors named neither ("EISDIR: illegal operation
 * on a directory, read").
 */
export async function readNamedFile(path: string, shown: string, kind: FileKind): Promise<Buffer> {
  try {
    return await readUserFile(path, kind);
  } catch (e) {
    if (!(e instanceof FileAccessError)) throw e;
    throw new FileAccessError(shown, e.reason.startsWith('does not exist') ? 'no such file' : e.reason);
  }
}

/** Reads a text file a client named (UTF-8). A file with NUL bytes is refused as binary, without echoing it. */
export async function readUserText(path: string, kind: FileKind): Promise<string> {
  const bytes = await readUserFile(path, kind);
  const binary = notText(bytes);
  if (binary) throw new FileAccessError(path, binary);
  return bytes.toString('utf8');
}

/**
 * The one order of a folder's files, wherever one is listed (a dataset's folder for train, export and the
 * app's import; predict's folders): by name, UTF-16 code unit by code unit as JavaScript compares strings (code
 * point order for names without characters beyond U+FFFF): uppercase before lowercase ("NaCl" before
 * "fermi"), "emt-10" before "emt-2". A run stores its split as indices into its data's frames, in this order,
 * so the order of a folder is part of what a stored split means: it is the one datasets had from the start
 * (predict's case-insensitive, numeric order until session 44 is the one that changed).
 */
export function folderOrder(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What a folder holds, as a dataset reads it. */
export interface FolderListing {
  /** The regular files and links to them (in `folderOrder`). */
  names: string[];
  /** The entries that are neither files nor folders (FIFOs, sockets, devices, links to them or to nothing), left out: each with what it is. */
  notFiles: { name: string; what: string }[];
}

/** The regular files in a folder a client named (in `folderOrder`); folders left out, the entries that are no files left out and named. */
export async function listUserFolder(path: string): Promise<FolderListing> {
  const { path: real } = await checkUserFolder(path);
  let entries;
  try {
    entries = await readdir(real, { withFileTypes: true });
  } catch (err) {
    throw describeOsError(path, err);
  }
  if (entries.length > MAX_FOLDER_ENTRIES) {
    throw new FileAccessError(path, `has ${entries.length} entries, more than the limit of ${MAX_FOLDER_ENTRIES}`);
  }
  const names: string[] = [];
  const notFiles: FolderListing['notFiles'] = [];
  for (const e of entries) {
    if (e.isFile()) names.push(e.name);
    else if (e.isSymbolicLink()) {
      const link = join(real, e.name);
      const target = await stat(link).catch(() => null);
      if (target?.isFile()) names.push(e.name);
      else if (!target?.isDirectory()) {
        const to = await readlink(link).catch(() => '?');
        notFiles.push({ name: e.name, what: target ? `a link to ${to}, ${typeName(target)}` : `a link to ${to}, which does not exist` });
      }
    } else if (!e.isDirectory()) notFiles.push({ name: e.name, what: typeName(e) });
  }
  return { names: names.sort(folderOrder), notFiles: notFiles.sort((a, b) => folderOrder(a.name, b.name)) };
}
