/**
 * Reading what the user drops or picks: files and whole folders, as text, or as base64 when they
 * are binary (gzip, bzip2 or xz compressed, an ASE database or trajectory: the core decompresses and reads them).
 * DOM-only bits (FileSystemEntry traversal) sit next to pure helpers (filtering,
 * batching) that tests import directly.
 */
import { errorMessage } from './format';

/**
 * A file as sent to the core: `name` as shown to the user (the path inside a dropped folder, else
 * the file name) and its `text`, or its bytes as `base64` when it is binary.
 */
export type DroppedFile = { name: string; text: string } | { name: string; base64: string };

/** The size a file takes in a call (characters of text or of base64). */
export function droppedSize(f: DroppedFile): number {
  return 'text' in f ? f.text.length : f.base64.length;
}

/**
 * Whether bytes are compressed (gzip, bzip2, xz), an SQLite database, or any other binary file (a NUL
 * byte in the first 4 KiB, which no text structure file has: an ASE trajectory's header): sent as
 * base64, never decoded as text.
 */
export function isBinaryData(b: Uint8Array): boolean {
  if (b.length >= 2 && b[0] === 0x1f && b[1] === 0x8b) return true;
  if (b.length >= 4 && b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68 && b[3] >= 0x31 && b[3] <= 0x39) return true;
  if (b.length >= 6 && b[0] === 0xfd && b[1] === 0x37 && b[2] === 0x7a && b[3] === 0x58 && b[4] === 0x5a && b[5] === 0x00) return true;
  const sqlite = 'SQLite format 3\0';
  if (b.length >= 16 && [...sqlite].every((c, i) => b[i] === c.charCodeAt(0))) return true;
  return b.subarray(0, 4096).includes(0);
}

/** Bytes as base64 (in chunks: no call stack limit on large files). */
export function toBase64(b: Uint8Array): string {
  let s = '';
  for (let i = 0; i < b.length; i += 0x8000) s += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return btoa(s);
}

export interface SkippedFile {
  file: string;
  reason: string;
}

/** Files larger than this are not read (the core would refuse them anyway). */
export const MAX_FILE_BYTES = 200 * 1024 * 1024;

/** Hidden files and OS clutter inside dropped folders are skipped silently. */
export function isIgnoredName(path: string): boolean {
  const base = path.split('/').pop() ?? path;
  return base.startsWith('.') || base === 'Thumbs.db' || base === 'desktop.ini' || path.includes('__MACOSX/');
}

/**
 * Splits files into batches for import calls: at most `maxFiles` files and about
 * `maxChars` characters per batch (a single larger file gets a batch of its own).
 */
export function batchFiles<T extends DroppedFile>(files: readonly T[], maxFiles = 200, maxChars = 16_000_000): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const f of files) {
    if (current.length > 0 && (current.length >= maxFiles || size + droppedSize(f) > maxChars)) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(f);
    size += droppedSize(f);
  }
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Natural sort key order for file names (file2 before file10). */
export function compareNames(a: string, b: string): number {
  return a.localeCompare(b, undefined, { numeric: true, sensitivity: 'base' });
}

// ---- DOM helpers ---------------------------------------------------------

interface PendingFile {
  path: string;
  file: Promise<File>;
}

function entryFile(entry: FileSystemFileEntry): Promise<File> {
  return new Promise((resolve, reject) => entry.file(resolve, reject));
}

function readAllEntries(dir: FileSystemDirectoryEntry): Promise<FileSystemEntry[]> {
  const reader = dir.createReader();
  const all: FileSystemEntry[] = [];
  return new Promise((resolve, reject) => {
    // readEntries returns at most ~100 entries per call: call until it returns none.
    const next = () =>
      reader.readEntries((batch) => {
        if (batch.length === 0) resolve(all);
        else {
          all.push(...batch);
          next();
        }
      }, reject);
    next();
  });
}

/** How a drop's listing reports the files found so far, and is stopped (a cancel while folders are listed). */
export interface ListingWatch {
  onFound?: (files: number) => void;
  stopped?: () => boolean;
}

async function walk(entry: FileSystemEntry, prefix: string, out: PendingFile[], watch: ListingWatch): Promise<void> {
  if (watch.stopped?.()) return;
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (isIgnoredName(path)) return;
  if (entry.isFile) {
    out.push({ path, file: entryFile(entry as FileSystemFileEntry) });
    watch.onFound?.(out.length);
  } else if (entry.isDirectory) {
    const children = await readAllEntries(entry as FileSystemDirectoryEntry);
    for (const child of children) await walk(child, path, out, watch);
  }
}

/**
 * Collects the files of a drop, descending into folders. Must be called
 * synchronously inside the drop handler: the DataTransferItemList is emptied
 * once the event returns, so entries and files are taken before the first await. Listing a folder
 * of thousands of files in subfolders takes a while: `watch.onFound` hears the count as it grows,
 * and `watch.stopped` ends the listing early (what was found so far is returned).
 */
export function collectDropped(dt: DataTransfer, watch: ListingWatch = {}): Promise<{ path: string; file: File }[]> {
  const entries: FileSystemEntry[] = [];
  const plain: File[] = [];
  const items = dt.items ? Array.from(dt.items) : [];
  for (const item of items) {
    if (item.kind !== 'file') continue;
    const entry = typeof item.webkitGetAsEntry === 'function' ? item.webkitGetAsEntry() : null;
    if (entry) entries.push(entry);
    else {
      const f = item.getAsFile();
      if (f) plain.push(f);
    }
  }
  if (items.length === 0 && dt.files) plain.push(...Array.from(dt.files));
  return (async () => {
    const pending: PendingFile[] = [];
    for (const e of entries) await walk(e, '', pending, watch);
    const out: { path: string; file: File }[] = plain.map((file) => ({ path: file.webkitRelativePath || file.name, file }));
    for (const p of pending) out.push({ path: p.path, file: await p.file });
    return out;
  })();
}

/**
 * Reads files as text (binary ones as base64: compressed files and databases by their bytes, and
 * those `binary` names); too large or unreadable ones are reported, not thrown. `onRead(done)` after
 * each file (a folder of thousands takes a while).
 */
export async function readDropped(
  files: { path: string; file: File }[],
  binary: (path: string) => boolean = () => false,
  onRead: (done: number) => void = () => undefined,
): Promise<{ files: DroppedFile[]; skipped: SkippedFile[] }> {
  const ok: DroppedFile[] = [];
  const skipped: SkippedFile[] = [];
  for (const [i, { path, file }] of files.entries()) {
    onRead(i);
    if (isIgnoredName(path)) continue;
    if (file.size > MAX_FILE_BYTES) {
      skipped.push({ file: path, reason: `the file is ${(file.size / 1e6).toFixed(0)} MB; the limit is ${MAX_FILE_BYTES / 1e6} MB` });
      continue;
    }
    try {
      const bytes = new Uint8Array(await file.arrayBuffer());
      ok.push(binary(path) || isBinaryData(bytes) ? { name: path, base64: toBase64(bytes) } : { name: path, text: new TextDecoder().decode(bytes) });
    } catch (e) {
      skipped.push({ file: path, reason: errorMessage(e) });
    }
  }
  return { files: ok, skipped };
}
