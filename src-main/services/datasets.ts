/**
 * The `datasets` service: labelled structures to train on.
 *
 * Import sources (a `path` on the core's machine, or dropped `files`):
 * - `cgcnn-folder`: `id_prop.csv` (id,target; no header), `atom_init.json`, `<id>.cif`;
 * - `extxyz`: extended XYZ frames with a per-frame target key (per-atom arrays such as
 *   forces are kept with each item);
 * - `csv`: a CSV of file names and targets (header optional) next to the structure files.
 *
 * Files are parsed in the compute pool (`parse-structures`) in chunks, so that progress
 * is reported per chunk and a cancelled job stops between (and inside) chunks. Structures
 * are stored once per content hash (the structures service's `storeOne`); the dataset and
 * its items are written in one transaction at the end, with the import report.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import { basename, dirname, join } from 'node:path';
import type {
  DatasetGraphStats,
  DatasetItem,
  DatasetKind,
  DatasetRecord,
  DatasetReport,
  DatasetStatus,
  DroppedFile,
  FileFailure,
  FrameSelection,
  FramesImportReport,
  LatticeworkHandlers,
} from '../../src-shared/ipc/contract';
import type { StructureJSON } from '../../src-shared/chem/serialize';
import type { CoreParts } from '../app/core';
import type { JobHandle } from './jobs';
import { UserError } from '../ipc/dispatch';
import { FILE_SIZE_LIMITS, FileAccessError, checkUserFile, checkUserFolder, isUserFolder, listUserFolder, readUserFile } from '../files/path-guard';
import { bytesToText, compressionOf, CompressedFileError, decompress } from '../files/compressed';
import type { FileKind } from '../files/path-guard';
import type { ParsedFile, ParsedFileStructure } from '../workers/tasks';
import { RemoteError } from '../../src-shared/ipc/define';
import { analyseMissing, storeOne } from './structures';
import type { SpaceGroupSummary } from '../../src-shared/chem/spacegroup';
import { importFrames, isFrameFileName, type FramesImport } from '../datasets/frames';
import type { FramesSource } from '../files/frames-source';
import type { ReadOptions } from '../../src-shared/chem';
import { splitXyzFrames } from '../../src-shared/chem';
import { TrainingSectionSchema } from '../../src-shared/model/config';
import { groupsAcrossSplits, trainValTestSplit } from '../../src-shared/model/split';
import { parseJson } from '../store/database';
import { defaultAtomInitText, histogram } from './workbench-common';

interface DatasetRow {
  id: number;
  name: string;
  kind: DatasetKind;
  source: string;
  target_key: string;
  size: number;
  report: string;
  created_at: number;
  status: DatasetStatus;
  import_options: string | null;
  partial: number;
}

const DATASET_COLUMNS = `id, name, kind, source, target_key, size, report, created_at, status, import_options,
  (SELECT COUNT(*) FROM structure s WHERE s.import_dataset_id = dataset.id AND dataset.status != 'ready') AS partial`;

/** What an import was asked to do, kept with its dataset row so that an interrupted import can run again. */
interface ImportOptions {
  path?: string;
  target?: string;
  selection?: FrameSelection;
  energyKey?: string;
  forcesKey?: string;
  stressKey?: string;
}

/** The report of a dataset whose import has not finished. */
function emptyReport(): DatasetReport {
  return {
    parsed: 0,
    failed: [],
    partialOccupancies: [],
    missingElements: [],
    duplicates: [],
    target: { key: '', count: 0, mean: 0, std: 0, min: 0, max: 0 },
    targetHistogram: { edges: [], counts: [] },
    unlabelled: [],
    perAtomKeys: [],
  };
}

function toRecord(r: DatasetRow): DatasetRecord {
  const options = parseJson<ImportOptions>(r.import_options ?? 'null', {}) ?? {};
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    status: r.status,
    partialStructures: r.partial,
    resumable: r.status === 'interrupted' && typeof options.path === 'string',
    source: r.source,
    size: r.size,
    targetKey: r.target_key,
    createdAt: r.created_at,
    report: r.status === 'ready' ? (JSON.parse(r.report) as DatasetReport) : emptyReport(),
  };
}

export async function getDataset(core: CoreParts, id: number): Promise<DatasetRecord & { atomInit: string | null }> {
  const row = await core.db.read((tx) => tx.get<DatasetRow & { atom_init: string | null }>(`SELECT ${DATASET_COLUMNS}, atom_init FROM dataset WHERE id = ?`, [id]));
  if (!row) throw new UserError(`there is no dataset with id ${id}`);
  return { ...toRecord(row), atomInit: row.atom_init };
}

/** Imports a previous process left running are interrupted (resume or discard them). */
export async function markInterruptedImports(core: Pick<CoreParts, 'db'>): Promise<void> {
  await core.db.transaction((tx) => tx.run("UPDATE dataset SET status = 'interrupted' WHERE status = 'importing'"));
}

export interface LoadedItem {
  idx: number;
  structureId: number;
  name: string;
  target: number;
  structure: StructureJSON;
}

/** All items of a dataset in order, with their structures (for training and statistics). */
export async function loadDatasetItems(core: CoreParts, id: number): Promise<LoadedItem[]> {
  const { status, name } = await getDataset(core, id);
  if (status !== 'ready') throw new UserError(`the dataset ${name} is not completely imported (${status}): resume or discard its import first`);
  const rows = await core.db.read((tx) =>
    tx.all<{ idx: number; structure_id: number; name: string; target: number; data: string }>(
      `SELECT i.idx, i.structure_id, i.name, i.target, s.data FROM dataset_item i JOIN structure s ON s.id = i.structure_id
       WHERE i.dataset_id = ? ORDER BY i.idx`,
      [id],
    ),
  );
  return rows.map((r) => ({ idx: r.idx, structureId: r.structure_id, name: r.name, target: r.target, structure: JSON.parse(r.data) as StructureJSON }));
}

/** A labelled row waiting for its structure: the file to read (or a frame of it) and the target. */
interface Row {
  name: string;
  file: string;
  target: number | null;
}

interface Source {
  /** File name → its text, or null when there is no such file (read lazily from a folder on disk). */
  text(name: string): Promise<string | null>;
  names: string[];
}

/** The size cap that applies to a file of a dataset folder, by its name. */
function fileKind(name: string): FileKind {
  if (/\.csv$/i.test(name)) return 'table';
  if (/\.json$/i.test(name)) return 'json';
  if (/\.(ext)?xyz$/i.test(name)) return 'trajectory';
  return 'structure';
}

/** A file's text, decompressed when its bytes are gzip, bzip2 or xz data (a damaged one is that file's failure). */
async function textOf(path: string, name: string, bytes: Uint8Array): Promise<string> {
  try {
    return bytesToText((await decompress(name, bytes, FILE_SIZE_LIMITS.trajectory)).bytes);
  } catch (e) {
    if (e instanceof CompressedFileError) throw new FileAccessError(path, e.message);
    throw e;
  }
}

/** A folder on the core's machine, read through the path guard (regular files only, size caps; compressed files decompressed). */
async function folderSource(dir: string): Promise<Source> {
  const names = await listUserFolder(dir);
  const set = new Set(names);
  return {
    names,
    text: async (n) => {
      if (!set.has(n)) return null;
      const bytes = await readUserFile(join(dir, n), fileKind(n));
      if (bytes.includes(0) && !compressionOf(bytes)) throw new FileAccessError(join(dir, n), 'is a binary file, not text');
      return textOf(join(dir, n), n, bytes);
    },
  };
}

async function filesSource(files: DroppedFile[]): Promise<Source> {
  const map = new Map<string, string>();
  for (const f of files) {
    const text = 'text' in f ? f.text : await textOf(f.name, f.name, new Uint8Array(Buffer.from(f.base64, 'base64')));
    map.set(f.name, text);
    const b = f.name.split(/[\\/]/).pop()!;
    if (!map.has(b)) map.set(b, text);
  }
  return { names: files.map((f) => f.name.split(/[\\/]/).pop()!), text: async (n) => map.get(n) ?? null };
}

/** A reader's message as reported for a file read from a path: a sentence with at most a short excerpt of the line. */
function clipMessage(message: string): string {
  return message.length > 300 ? `${message.slice(0, 299)}…` : message;
}

/** Reads a structure file of a source; a file the path guard refuses is a failure of that file, not of the import. */
async function structureText(src: Source, name: string, failed: FileFailure[]): Promise<string | null> {
  try {
    return await src.text(name);
  } catch (err) {
    if (!(err instanceof FileAccessError)) throw err;
    failed.push({ file: name, error: { name: err.name, message: err.reason, line: null } });
    return null;
  }
}

/**
 * How a table row is named in the import report. A table is the user's file, but the path it
 * came from may name any file: only a name that looks like an identifier or a file name is
 * repeated back; anything else is named by its line, so that no other file's contents come back
 * through the report.
 */
export function rowLabel(name: string, line: number): string {
  return /^[\p{L}\p{N}_.+\-()[\]]{1,100}$/u.test(name) ? name : `line ${line}`;
}

/** Minimal CSV: comma separated, double quotes around fields allowed; blank lines skipped. Each row keeps its 1-based line. */
export function parseCsv(text: string): { line: number; cells: string[] }[] {
  const rows: { line: number; cells: string[] }[] = [];
  for (const [k, line] of text.split(/\r?\n/).entries()) {
    if (!line.trim()) continue;
    const out: string[] = [];
    let cur = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const c = line[i];
      if (quoted) {
        if (c === '"' && line[i + 1] === '"') {
          cur += '"';
          i++;
        } else if (c === '"') quoted = false;
        else cur += c;
      } else if (c === '"') quoted = true;
      else if (c === ',') {
        out.push(cur.trim());
        cur = '';
      } else cur += c;
    }
    out.push(cur.trim());
    rows.push({ line: k + 1, cells: out });
  }
  return rows;
}

const num = (s: string | undefined): number | null => {
  if (s === undefined || s.trim() === '') return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
};

/** Refuses a table none of whose rows has a name and a numeric target: it is not a dataset table (said without quoting it). */
function requireTable(rows: { line: number; cells: string[] }[], fileName: string): void {
  if (rows.some((r) => r.cells.length >= 2 && r.cells.slice(1).some((c) => num(c) !== null))) return;
  const first = rows[0];
  throw new UserError(
    first
      ? `${fileName} is not a dataset table: no line has a structure name followed by a numeric target (line ${first.line} has ${first.cells.length} column${first.cells.length === 1 ? '' : 's'})`
      : `${fileName} is empty`,
  );
}

/** Reads the sources of a `frames` import in the pool (two files at a time), progress in frames, cancellable. */
async function readFramesInPool(core: CoreParts, job: JobHandle, sources: FramesSource[], args: ImportArgs): Promise<FramesImport> {
  const options: ReadOptions = { energyKey: args.energyKey, forcesKey: args.forcesKey, stressKey: args.stressKey };
  const perFile = new Map<string, { done: number; total: number | null }>();
  let filesDone = 0;
  setMaxListeners(0, job.signal);
  job.progress(0, null, `reading ${sources.length} file${sources.length === 1 ? '' : 's'}`);
  const report = () => {
    const frames = [...perFile.values()].reduce((a, b) => a + b.done, 0);
    const known = perFile.size === sources.length && [...perFile.values()].every((v) => v.total !== null);
    const total = known ? [...perFile.values()].reduce((a, b) => a + (b.total ?? 0), 0) : null;
    job.progress(frames, total, `read ${frames} frames${sources.length > 1 ? ` (${filesDone} of ${sources.length} files done)` : ''}`);
  };
  return importFrames(sources, args.selection ?? { mode: 'all' }, async (src) => {
    if (job.signal.aborted) throw new RemoteError({ name: 'CancelledError', message: 'the import was cancelled' });
    const [r] = await core.pool.run('read-frames', { sources: [src], options }, {
      signal: job.signal,
      onProgress: (done, fileTotal) => {
        perFile.set(src.name, { done, total: fileTotal });
        report();
      },
    });
    filesDone++;
    const n = r.ok ? r.frames.length : 0;
    perFile.set(src.name, { done: n, total: n });
    report();
    return r;
  });
}

const CHUNK = 100;

/** Parses files in the pool in chunks (two at a time), reporting progress per chunk; honours the job's signal. */
async function parseInChunks(core: CoreParts, job: JobHandle, files: { name: string; text: string }[], label: string): Promise<ParsedFile[]> {
  const chunks: { name: string; text: string }[][] = [];
  for (let i = 0; i < files.length; i += CHUNK) chunks.push(files.slice(i, i + CHUNK));
  const out: ParsedFile[][] = new Array(chunks.length);
  let done = 0;
  let next = 0;
  setMaxListeners(0, job.signal); // one abort listener per chunk task
  job.progress(0, files.length, `reading ${label}`);
  const lane = async () => {
    while (next < chunks.length) {
      const k = next++;
      if (job.signal.aborted) throw new RemoteError({ name: 'CancelledError', message: 'the import was cancelled' });
      out[k] = await core.pool.run('parse-structures', { files: chunks[k] }, { signal: job.signal });
      done += chunks[k].length;
      job.progress(done, files.length, `read ${done} of ${files.length} ${label}`);
    }
  };
  await Promise.all([lane(), lane()]);
  return out.flat();
}

interface Gathered {
  rows: Row[];
  /** Files to parse, by name. */
  files: { name: string; text: string }[];
  /** Files that could not be read at all (refused by the path guard). */
  failed: FileFailure[];
  unlabelled: string[];
  atomInit: string | null;
  targetKey: string;
  /** extxyz: frames are parsed separately, targets come from the frames. */
  frames: boolean;
}

const STRUCTURE_EXT = ['.cif', '.vasp', '.poscar', '.xyz', '.extxyz'];

async function gatherCgcnn(src: Source): Promise<Gathered> {
  const idProp = await src.text('id_prop.csv');
  if (idProp === null) throw new UserError('this is not a CGCNN folder: there is no id_prop.csv');
  const atomInit = await src.text('atom_init.json');
  const rows: Row[] = [];
  const files: { name: string; text: string }[] = [];
  const failed: FileFailure[] = [];
  const unlabelled: string[] = [];
  const labelled = new Set<string>();
  const table = parseCsv(idProp);
  requireTable(table, 'id_prop.csv');
  for (const { line, cells } of table) {
    const id = cells[0];
    if (!id) continue;
    const target = num(cells[1]);
    if (target === null) {
      unlabelled.push(`line ${line} (${cells.length < 2 ? 'expected an id and a target' : 'no numeric target'})`);
      continue;
    }
    const label = rowLabel(id, line);
    labelled.add(`${id}.cif`);
    const text = await structureText(src, `${id}.cif`, failed);
    if (text === null) {
      unlabelled.push(`${label} (no file ${label === id ? `${id}.cif` : 'for this id'})`);
      continue;
    }
    rows.push({ name: id, file: `${id}.cif`, target });
    files.push({ name: `${id}.cif`, text });
  }
  for (const n of src.names) if (n.toLowerCase().endsWith('.cif') && !labelled.has(n)) unlabelled.push(`${n} (not in id_prop.csv)`);
  return { rows, files, failed, unlabelled, atomInit, targetKey: 'target', frames: false };
}

async function gatherCsv(src: Source, csvName: string, targetOption: string | undefined): Promise<Gathered> {
  const text = await src.text(csvName);
  if (text === null) throw new UserError(`cannot read ${csvName}`);
  const table = parseCsv(text);
  if (table.length === 0) throw new UserError(`${csvName} is empty`);
  requireTable(table, csvName);
  let col = 1;
  let targetKey = 'target';
  let body = table;
  const header = table[0].cells;
  const looksLikeHeader = header.length > 1 && header.slice(1).every((c) => num(c) === null);
  if (looksLikeHeader) {
    body = table.slice(1);
    if (targetOption) {
      col = header.indexOf(targetOption);
      if (col < 1) {
        const names = header.map((h, k) => rowLabel(h, table[0].line) === h ? h : `column ${k + 1}`);
        throw new UserError(`${csvName} has no column "${targetOption}" (columns: ${names.join(', ')})`);
      }
    }
    targetKey = rowLabel(header[col] ?? '', table[0].line) === header[col] ? header[col] : `column ${col + 1}`;
  } else if (targetOption) {
    if (!/^\d+$/.test(targetOption)) throw new UserError(`${csvName} has no header row: give the target as a column number`);
    col = Number(targetOption);
  }
  const rows: Row[] = [];
  const files: { name: string; text: string }[] = [];
  const failed: FileFailure[] = [];
  const unlabelled: string[] = [];
  const seen = new Set<string>();
  for (const { line, cells } of body) {
    const name = cells[0];
    if (!name) continue;
    const target = num(cells[col]);
    if (target === null) {
      unlabelled.push(`line ${line} (${cells.length <= col ? `no column ${col + 1}` : 'no numeric target'})`);
      continue;
    }
    const label = rowLabel(name, line);
    let file: string | null = null;
    let ftext: string | null = null;
    for (const candidate of [name, ...STRUCTURE_EXT.map((e) => name + e)]) {
      ftext = await structureText(src, candidate, failed);
      if (ftext !== null) {
        file = candidate;
        break;
      }
    }
    if (file === null || ftext === null) {
      unlabelled.push(`${label} (no file)`);
      continue;
    }
    rows.push({ name, file, target });
    if (!seen.has(file)) files.push({ name: file, text: ftext });
    seen.add(file);
  }
  return { rows, files, failed, unlabelled, atomInit: null, targetKey, frames: false };
}

async function gatherXyz(src: Source, fileNames: string[]): Promise<Gathered> {
  const files: { name: string; text: string }[] = [];
  const failed: FileFailure[] = [];
  for (const n of fileNames) {
    const text = await structureText(src, n, failed);
    if (text === null) continue;
    splitXyzFrames(text).forEach(({ text: frame }, k) => files.push({ name: `${n}#${k}`, text: frame }));
  }
  return { rows: [], files, failed, unlabelled: [], atomInit: null, targetKey: '', frames: true };
}

function pickXyzTarget(structures: ParsedFileStructure[], option: string | undefined): string {
  if (option) return option;
  const has = (k: string) => structures.some((p) => typeof p.structure.properties[k] === 'number');
  if (has('energy_per_atom')) return 'energy_per_atom';
  if (has('energy')) return 'energy';
  throw new UserError('the frames have neither energy_per_atom nor energy: give the target key');
}

interface ImportArgs {
  name?: string;
  kind: DatasetKind;
  path?: string;
  files?: DroppedFile[];
  target?: string;
  selection?: FrameSelection;
  energyKey?: string;
  forcesKey?: string;
  stressKey?: string;
}

interface ResolvedSource {
  src: Source;
  sourceLabel: string;
  xyzFiles: string[];
  csvName: string;
}

/** The files of a `frames` import: a file or a folder of frame files on the core's machine, or dropped files. */
async function framesSources({ path, files }: ImportArgs): Promise<{ sources: FramesSource[]; sourceLabel: string }> {
  if (path !== undefined) {
    if (await isUserFolder(path)) {
      const { path: dir } = await checkUserFolder(path);
      const names = (await listUserFolder(dir)).filter(isFrameFileName);
      if (names.length === 0) throw new UserError(`${path} has no file to read frames from (vasprun.xml, OUTCAR, XDATCAR, .xyz/.extxyz, .db, POSCAR/CONTCAR, .cif; compressed or not)`);
      return { sources: names.map((n) => ({ name: n, path: join(dir, n) })), sourceLabel: path };
    }
    return { sources: [{ name: basename(path), path }], sourceLabel: path };
  }
  const dropped = files!.map((f) => ({ name: f.name, data: 'text' in f ? new TextEncoder().encode(f.text) : new Uint8Array(Buffer.from(f.base64, 'base64')) }));
  const picked = dropped.filter((f) => isFrameFileName(f.name));
  if (picked.length === 0) throw new UserError('no file to read frames from among the dropped files (vasprun.xml, OUTCAR, XDATCAR, .xyz/.extxyz, .db, POSCAR/CONTCAR, .cif)');
  const first = files![0].name;
  return {
    sources: picked.map((f) => ({ ...f, companions: dropped.filter((c) => !isFrameFileName(c.name) || /POTCAR|OUTCAR/i.test(c.name)) })),
    sourceLabel: first.includes('/') ? first.split('/')[0] : picked.length === 1 ? picked[0].name : 'dropped files',
  };
}

/** Where an import reads from: a folder or file on the core's machine (through the path guard), or dropped files. */
async function resolveSource({ kind, path, files }: ImportArgs): Promise<ResolvedSource> {
  let xyzFiles: string[] = [];
  let csvName = '';
  if (path !== undefined) {
    let src: Source;
    if (kind === 'cgcnn-folder') {
      src = await folderSource((await checkUserFolder(path)).path);
    } else if (await isUserFolder(path)) {
      src = await folderSource(path);
      const ext = kind === 'extxyz' ? /\.(ext)?xyz$/i : /\.csv$/i;
      const found = src.names.filter((n) => ext.test(n));
      if (found.length === 0) throw new UserError(`${path} has no ${kind === 'extxyz' ? '.xyz/.extxyz' : '.csv'} file`);
      if (kind === 'extxyz') xyzFiles = found;
      else csvName = found[0];
    } else {
      const file = await checkUserFile(path, kind === 'extxyz' ? 'trajectory' : 'table');
      src = await folderSource(dirname(file.path));
      if (kind === 'extxyz') xyzFiles = [basename(file.path)];
      else csvName = basename(file.path);
    }
    return { src, sourceLabel: path, xyzFiles, csvName };
  }
  const src = await filesSource(files!);
  if (kind === 'extxyz') {
    xyzFiles = src.names.filter((n) => /\.(ext)?xyz$/i.test(n));
    if (xyzFiles.length === 0) throw new UserError('no .xyz/.extxyz file among the dropped files');
  } else if (kind === 'csv') {
    csvName = src.names.find((n) => /\.csv$/i.test(n)) ?? '';
    if (!csvName) throw new UserError('no .csv file among the dropped files');
  }
  const first = files![0]?.name ?? '';
  const sourceLabel = first.includes('/') ? first.split('/')[0] : kind === 'cgcnn-folder' ? 'dropped folder' : (xyzFiles[0] ?? csvName);
  return { src, sourceLabel, xyzFiles, csvName };
}

/** Removes an unfinished import: its dataset row and the structures only it had stored. Returns how many structures went. */
async function discard(core: CoreParts, id: number): Promise<number> {
  return core.db.transaction(async (tx) => {
    const { changes } = await tx.run(
      `DELETE FROM structure WHERE import_dataset_id = ?
         AND NOT EXISTS (SELECT 1 FROM dataset_item i WHERE i.structure_id = structure.id AND i.dataset_id != ?)
         AND NOT EXISTS (SELECT 1 FROM prediction p WHERE p.structure_id = structure.id)`,
      [id, id],
    );
    await tx.run("DELETE FROM dataset WHERE id = ? AND status != 'ready'", [id]);
    return changes;
  });
}

/**
 * Imports a dataset. The dataset row is written first, as 'importing', with what is needed to run
 * the import again; structures are stored in chunks, attributed to it; the items, the report and
 * the 'ready' status are written in one last transaction. A failed or cancelled import removes
 * what it stored; one the process did not survive is found 'importing' at the next start and
 * marked 'interrupted'. `resumeId`: the interrupted import to run again.
 */
async function importDataset(core: CoreParts, job: JobHandle, args: ImportArgs, resumeId: number | null): Promise<DatasetRecord> {
  const { name, kind, path, target } = args;
  const framesKind = kind === 'frames';
  const fs = framesKind ? await framesSources(args) : null;
  const { src, sourceLabel, xyzFiles, csvName } = fs ? { src: null, sourceLabel: fs.sourceLabel, xyzFiles: [], csvName: '' } : await resolveSource(args);
  const g: Gathered = !src
    ? { rows: [], files: [], failed: [], unlabelled: [], atomInit: null, targetKey: 'energy', frames: true }
    : kind === 'cgcnn-folder'
      ? await gatherCgcnn(src)
      : kind === 'csv'
        ? await gatherCsv(src, csvName, target)
        : await gatherXyz(src, xyzFiles);
  const startedAt = Date.now();
  const datasetName = name ?? (sourceLabel.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || sourceLabel);
  const options: ImportOptions = { path, target, selection: args.selection, energyKey: args.energyKey, forcesKey: args.forcesKey, stressKey: args.stressKey };
  const id =
    resumeId ??
    (await core.db.transaction(
      async (tx) =>
        (
          await tx.run(
            "INSERT INTO dataset (name, kind, source, target_key, size, report, atom_init, created_at, status, import_options) VALUES (?, ?, ?, '', 0, '{}', NULL, ?, 'importing', ?)",
            [datasetName, kind, sourceLabel, startedAt, JSON.stringify(options)],
          )
        ).lastID,
    ));
  core.events.emit('datasets', 'onChanged', { ids: [id] });
  try {
    return await store();
  } catch (err) {
    if (resumeId === null) await discard(core, id);
    else await core.db.transaction((tx) => tx.run("UPDATE dataset SET status = 'interrupted' WHERE id = ? AND status = 'importing'", [id]));
    core.events.emit('datasets', 'onChanged', { ids: [id] });
    throw err;
  }

  async function store(): Promise<DatasetRecord> {
      const parsed = fs ? [] : await parseInChunks(core, job, g.files, g.frames ? 'frames' : 'files');

      const failed: FileFailure[] = [...g.failed];
      const byFile = new Map<string, ParsedFileStructure>();
      for (const f of parsed) {
        if (!f.ok) failed.push({ file: f.file, error: { name: f.error.name, message: clipMessage(f.error.message), line: f.error.line } });
        else if (f.structures.length) byFile.set(f.file, f.structures[0]);
      }
      let targetKey = g.targetKey;
      let rows = g.rows;
      const unlabelled = g.unlabelled;
      let framesReport: FramesImportReport | undefined;
      const formats = new Map<string, string>();
      if (fs) {
        const got = await readFramesInPool(core, job, fs.sources, args);
        for (const [k, v] of got.byName) byFile.set(k, v);
        for (const [k, v] of got.formats) formats.set(k, v);
        failed.push(...got.failed.map((f) => ({ ...f, error: { ...f.error, message: clipMessage(f.error.message) } })));
        rows = got.rows;
        framesReport = got.report;
        if (got.report.withoutEnergy) unlabelled.push(`${got.report.withoutEnergy} frame${got.report.withoutEnergy === 1 ? '' : 's'} without an energy`);
      } else if (g.frames) {
        const all = [...byFile.values()];
        targetKey = pickXyzTarget(all, target);
        rows = [];
        for (const f of g.files) {
          const p = byFile.get(f.name);
          if (!p) continue;
          const [file, frame] = f.name.split('#');
          const rowName = typeof p.structure.properties.id === 'string' ? p.structure.properties.id : `${xyzFiles.length > 1 ? `${file}:` : ''}${frame}`;
          const t = p.structure.properties[targetKey];
          if (typeof t !== 'number' || !Number.isFinite(t)) unlabelled.push(`${rowName} (no ${targetKey})`);
          else rows.push({ name: rowName, file: f.name, target: t });
        }
      }
      if (job.signal.aborted) throw new RemoteError({ name: 'CancelledError', message: 'the import was cancelled' });

      // Store structures (one transaction per chunk), then the dataset with its items.
      const now = Date.now();
      const structureIds = new Map<string, number>();
      const usable = rows.filter((r) => byFile.has(r.file));
      for (let i = 0; i < usable.length; i += 500) {
        const part = usable.slice(i, i + 500);
        await core.db.transaction(async (tx) => {
          for (const r of part) {
            if (structureIds.has(r.file)) continue;
            const fileName = fs ? r.file.replace(/:[^:/\\]*$/, '') : r.file.split('#')[0];
            const format = fs ? (formats.get(fileName) ?? 'frames') : g.frames ? 'xyz' : /\.cif$/i.test(fileName) ? 'cif' : 'structure';
            // Named after its dataset id (CGCNN CIFs written by ASE are all `data_image0`), extended-XYZ frames by their index in the file.
            const p = byFile.get(r.file)!;
            const named = fs ? p : { ...p, structure: { ...p.structure, name: r.name }, block: g.frames ? Number(r.file.split('#')[1]) : p.block };
            structureIds.set(r.file, await storeOne(tx, fileName, format, named, now, id));
          }
        });
      }

      const atomInitText = g.atomInit ?? defaultAtomInitText();
      let atomKeys: Set<number>;
      try {
        atomKeys = new Set(Object.keys(JSON.parse(atomInitText) as Record<string, unknown>).map(Number));
      } catch {
        throw new UserError('atom_init.json is not valid JSON');
      }
      const missing = new Map<string, number>();
      const partial: string[] = [];
      const perAtomKeys = new Set<string>();
      const byStructure = new Map<number, string[]>();
      const targets: number[] = [];
      for (const r of usable) {
        const p = byFile.get(r.file)!;
        const s = p.structure;
        const absent = new Set<string>();
        s.numbers.forEach((z, k) => {
          if (!atomKeys.has(z)) absent.add(s.species[k] ?? String(z));
        });
        for (const e of absent) missing.set(e, (missing.get(e) ?? 0) + 1);
        if (s.occupancy.some((o) => o < 1 - 1e-6)) partial.push(r.name);
        for (const [k, v] of Object.entries(s.siteProperties)) if (v.kind !== 'string' && g.frames) perAtomKeys.add(k);
        const sid = structureIds.get(r.file)!;
        byStructure.set(sid, [...(byStructure.get(sid) ?? []), r.name]);
        targets.push(r.target!);
      }
      const n = targets.length;
      const mean = n ? targets.reduce((a, b) => a + b, 0) / n : 0;
      const std = n > 1 ? Math.sqrt(targets.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1)) : 0;
      // item i of the dataset is usable[i]: the split a run with the default settings will draw
      const { split: fractions, seed } = TrainingSectionSchema.parse({});
      const across = groupsAcrossSplits(
        usable.map((r) => structureIds.get(r.file)!),
        trainValTestSplit(n, fractions, seed),
      ).map((g) => ({ names: g.indices.map((i) => usable[i].name), sets: g.sets }));
      const report: DatasetReport = {
        parsed: n,
        failed,
        partialOccupancies: partial,
        missingElements: [...missing].map(([element, structures]) => ({ element, structures })).sort((a, b) => b.structures - a.structures),
        duplicates: [...byStructure.values()].filter((names) => names.length > 1).map((names) => ({ names })),
        duplicatesAcrossSplits: { seed, val: fractions.val, test: fractions.test, groups: across },
        target: { key: targetKey, count: n, mean, std, min: n ? Math.min(...targets) : 0, max: n ? Math.max(...targets) : 0 },
        targetHistogram: histogram(targets),
        unlabelled,
        perAtomKeys: [...perAtomKeys],
        ...(framesReport ? { frames: framesReport } : {}),
      };
      if (n === 0) throw new UserError('no labelled structure could be read', report);
      await core.db.transaction(async (tx) => {
        await tx.run('DELETE FROM dataset_item WHERE dataset_id = ?', [id]);
        await tx.run(
          "UPDATE dataset SET name = ?, target_key = ?, size = ?, report = ?, atom_init = ?, status = 'ready' WHERE id = ?",
          [datasetName, targetKey, n, JSON.stringify(report), g.atomInit, id],
        );
        for (const [idx, r] of usable.entries()) {
          const s = byFile.get(r.file)!.structure;
          const perAtom: Record<string, unknown> = {};
          for (const k of perAtomKeys) if (s.siteProperties[k]) perAtom[k] = s.siteProperties[k];
          await tx.run('INSERT INTO dataset_item (dataset_id, idx, structure_id, name, target, per_atom) VALUES (?, ?, ?, ?, ?, ?)', [
            id,
            idx,
            structureIds.get(r.file)!,
            r.name,
            r.target!,
            perAtomKeys.size ? JSON.stringify(perAtom) : null,
          ]);
        }
      });
      core.events.emit('structures', 'onChanged', { ids: [...new Set(structureIds.values())] });
      core.events.emit('datasets', 'onChanged', { ids: [id] });
      const record = await getDataset(core, id);
      const { atomInit: _a, ...out } = record;
      return out;

  }
}

export function datasetsHandlers(core: CoreParts): LatticeworkHandlers['datasets'] {
  return {
    async import({ jobId, ...args }) {
      return core.jobs.run('import-dataset', (job) => importDataset(core, job, args, null), jobId ?? randomUUID());
    },
    async resumeImport({ id, jobId }) {
      const row = await core.db.read((tx) => tx.get<DatasetRow>(`SELECT ${DATASET_COLUMNS} FROM dataset WHERE id = ?`, [id]));
      if (!row) throw new UserError(`there is no dataset with id ${id}`);
      const record = toRecord(row);
      if (record.status !== 'interrupted') throw new UserError(`the import of ${row.name} is ${record.status === 'ready' ? 'finished' : 'running'}: there is nothing to resume`);
      if (!record.resumable) throw new UserError(`the import of ${row.name} was of dropped files: drop them again to import them, or discard it`);
      const options = parseJson<ImportOptions>(row.import_options, {});
      const claimed = await core.db.transaction((tx) => tx.run("UPDATE dataset SET status = 'importing' WHERE id = ? AND status = 'interrupted'", [id]));
      if (claimed.changes === 0) throw new UserError(`the import of ${row.name} is already being resumed`);
      return core.jobs.run(
        'import-dataset',
        (job) => importDataset(core, job, { name: row.name, kind: row.kind, ...options }, id),
        jobId ?? randomUUID(),
      );
    },
    async discardImport({ id }) {
      const row = await core.db.read((tx) => tx.get<{ status: DatasetStatus; name: string }>('SELECT status, name FROM dataset WHERE id = ?', [id]));
      if (!row) return { discarded: false, structuresRemoved: 0 };
      if (row.status !== 'interrupted') throw new UserError(`the import of ${row.name} is ${row.status === 'ready' ? 'finished (delete the dataset instead)' : 'running (cancel it instead)'}`);
      const structuresRemoved = await discard(core, id);
      core.events.emit('datasets', 'onChanged', { ids: [id] });
      if (structuresRemoved) core.events.emit('structures', 'onChanged', { ids: [] });
      return { discarded: true, structuresRemoved };
    },
    async list() {
      const rows = await core.db.read((tx) => tx.all<DatasetRow>(`SELECT ${DATASET_COLUMNS} FROM dataset ORDER BY id`));
      return rows.map(toRecord);
    },
    async get({ id }) {
      const { atomInit: _a, ...record } = await getDataset(core, id);
      return record;
    },
    async spaceGroups({ id }) {
      await getDataset(core, id);
      await analyseMissing(core, id);
      const rows = await core.db.read((tx) =>
        tx.all<{ space_group: string; n: number }>(
          'SELECT s.space_group, COUNT(*) AS n FROM dataset_item i JOIN structure s ON s.id = i.structure_id WHERE i.dataset_id = ? GROUP BY s.space_group',
          [id],
        ),
      );
      return rows
        .map((r) => {
          const sg = JSON.parse(r.space_group) as SpaceGroupSummary | null;
          return sg ? { number: sg.number, symbol: sg.symbol, crystalSystem: sg.crystalSystem, count: r.n } : { number: null, symbol: 'molecule', crystalSystem: null, count: r.n };
        })
        .sort((a, b) => b.count - a.count || (a.number ?? 0) - (b.number ?? 0));
    },
    async items({ id, offset, limit }) {
      await getDataset(core, id);
      const { total, rows } = await core.db.read(async (tx) => ({
        total: (await tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM dataset_item WHERE dataset_id = ?', [id]))!.n,
        rows: await tx.all<{ structure_id: number; name: string; target: number }>(
          'SELECT structure_id, name, target FROM dataset_item WHERE dataset_id = ? ORDER BY idx LIMIT ? OFFSET ?',
          [id, limit, offset],
        ),
      }));
      const items: DatasetItem[] = rows.map((r) => ({ structureId: r.structure_id, name: r.name, target: r.target }));
      return { total, items };
    },
    async graphStats({ id, cutoff, maxNeighbors, jobId }): Promise<DatasetGraphStats> {
      const ds = await getDataset(core, id);
      const items = await loadDatasetItems(core, id);
      return core.jobs.run(
        'dataset-graph-stats',
        async (job) => {
          const s = await core.pool.run(
            'dataset-graph-stats',
            { structures: items.map((i) => i.structure), cutoff, maxNeighbors, atomInitWidth: atomInitWidth(ds.atomInit ?? defaultAtomInitText()) },
            { signal: job.signal, onProgress: (d, t, m) => job.progress(d, t, m) },
          );
          return { datasetId: id, cutoff, maxNeighbors, ...s };
        },
        jobId ?? randomUUID(),
      );
    },
    async delete({ id, withRuns }) {
      const { changes, runsDeleted } = await core.db.transaction(async (tx) => {
        const row = await tx.get<{ status: DatasetStatus; name: string }>('SELECT status, name FROM dataset WHERE id = ?', [id]);
        if (row && row.status !== 'ready') throw new UserError(`the import of ${row.name} is ${row.status === 'importing' ? 'running: cancel it' : 'interrupted: resume or discard it'} instead`);
        const runs = await tx.all<{ id: number; name: string; status: string }>('SELECT id, name, status FROM run WHERE dataset_id = ? ORDER BY id', [id]);
        const active = runs.filter((r) => r.status === 'queued' || r.status === 'running');
        if (active.length) {
          throw new UserError(`run${active.length > 1 ? 's' : ''} ${active.map((r) => `“${r.name}”`).join(', ')} ${active.length > 1 ? 'are' : 'is'} training on this dataset: cancel ${active.length > 1 ? 'them' : 'it'} first`);
        }
        if (runs.length && !withRuns) {
          const names = runs.map((r) => `“${r.name}”`).join(', ');
          throw new UserError(
            `${runs.length === 1 ? 'the run' : `${runs.length} runs`} ${names} ${runs.length === 1 ? 'was' : 'were'} trained on this dataset and could no longer be resumed or reproduced without it: delete ${runs.length === 1 ? 'it' : 'them'} with the dataset, or keep the dataset`,
            { runs: runs.map((r) => r.id) },
          );
        }
        const deletedRuns = runs.length ? (await tx.run('DELETE FROM run WHERE dataset_id = ?', [id])).changes : 0;
        return { ...(await tx.run('DELETE FROM dataset WHERE id = ?', [id])), runsDeleted: deletedRuns };
      });
      if (changes) core.events.emit('datasets', 'onChanged', { ids: [id] });
      return { deleted: changes > 0, runsDeleted };
    },
  };
}

function atomInitWidth(text: string): number {
  const t = parseJson<Record<string, number[]>>(text, {});
  return Object.values(t)[0]?.length ?? 92;
}
