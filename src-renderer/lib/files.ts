/**
 * Reading what the user drops or picks: files and whole folders, as text.
 * DOM-only bits (FileSystemEntry traversal) sit next to pure helpers (filtering,
 * batching) that tests import directly.
 */

export interface TextFile {
  /** Name as shown to the user: the path inside a dropped folder, else the file name. */
  name: string;
  text: string;
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
export function batchFiles<T extends { text: string }>(files: readonly T[], maxFiles = 200, maxChars = 16_000_000): T[][] {
  const batches: T[][] = [];
  let current: T[] = [];
  let size = 0;
  for (const f of files) {
    if (current.length > 0 && (current.length >= maxFiles || size + f.text.length > maxChars)) {
      batches.push(current);
      current = [];
      size = 0;
    }
    current.push(f);
    size += f.text.length;
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

async function walk(entry: FileSystemEntry, prefix: string, out: PendingFile[]): Promise<void> {
  const path = prefix ? `${prefix}/${entry.name}` : entry.name;
  if (isIgnoredName(path)) return;
  if (entry.isFile) {
    out.push({ path, file: entryFile(entry as FileSystemFileEntry) });
  } else if (entry.isDirectory) {
    const children = await readAllEntries(entry as FileSystemDirectoryEntry);
    for (const child of children) await walk(child, path, out);
  }
}

/**
 * Collects the files of a drop, descending into folders. Must be called
 * synchronously inside the drop handler: the DataTransferItemList is emptied
 * once the event returns, so entries and files are taken before the first await.
 */
export function collectDropped(dt: DataTransfer): Promise<{ path: string; file: File }[]> {
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
    for (const e of entries) await walk(e, '', pending);
    const out: { path: string; file: File }[] = plain.map((file) => ({ path: file.webkitRelativePath || file.name, file }));
    for (const p of pending) out.push({ path: p.path, file: await p.file });
    return out;
  })();
}

/** Reads files as text; too large or unreadable ones are reported, not thrown. */
export async function readAsText(files: { path: string; file: File }[]): Promise<{ files: TextFile[]; skipped: SkippedFile[] }> {
  const ok: TextFile[] = [];
  const skipped: SkippedFile[] = [];
  for (const { path, file } of files) {
    if (isIgnoredName(path)) continue;
    if (file.size > MAX_FILE_BYTES) {
      skipped.push({ file: path, reason: `the file is ${(file.size / 1e6).toFixed(0)} MB; the limit is ${MAX_FILE_BYTES / 1e6} MB` });
      continue;
    }
    try {
      ok.push({ name: path, text: await file.text() });
    } catch (e) {
      skipped.push({ file: path, reason: e instanceof Error ? e.message : String(e) });
    }
  }
  return { files: ok, skipped };
}
