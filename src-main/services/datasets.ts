/**
 * The `datasets` service: labelled structures to train on.
 *
 * An import reads its source (a `path` on the core's machine, or dropped `files`) with the one
 * dataset reader (src-main/datasets/: CGCNN folders, extended XYZ, CSV tables, labelled frames;
 * the rules are in docs/datasets.md), which `latticework train` uses too. Structure files are
 * parsed and frames read in the compute pool (`parse-structures` in chunks, `read-frames` per
 * file), so that progress is reported and a cancelled job stops between (and inside) chunks.
 * Structures are stored once per content hash (the structures service's `storeOne`); the dataset
 * and its items are written in one transaction at the end, with the import report. A dataset
 * holds one target per structure. The user's Cancel of a new import removes what it stored; an
 * import stopped because the process is going away keeps it, 'interrupted' and resumable
 * (`JobStop`, services/jobs.ts), as one the process did not survive.
 */
import { randomUUID } from 'node:crypto';
import { setMaxListeners } from 'node:events';
import type { LabellingCalculator } from '../../src-shared/sim/label';
import type { DatasetGraphStats, DatasetItem, DatasetKind, DatasetRecord, DatasetReport, DatasetStatus, DroppedFile, FrameSelection, LatticeworkHandlers } from '../../src-shared/ipc/contract';
import type { StructureJSON } from '../../src-shared/chem/serialize';
import type { CoreParts } from '../app/core';
import { stopOf, type JobHandle } from './jobs';
import { UserError } from '../ipc/errors';
import type { ParsedFile } from '../workers/tasks';
import { RemoteError } from '../../src-shared/ipc/define';
import { analyseMissing, storeOne } from './structures';
import type { SpaceGroupSummary } from '../../src-shared/chem/spacegroup';
import { CGCNN_ATOM_INIT_TEXT } from '../datasets/atom-init';
import { datasetFormat, droppedLabel, droppedSource, nothingUsableMessage, pathSource, readAs, type ReaderIO, type StructureText } from '../datasets';
import { TrainingSectionSchema } from '../../src-shared/model/config';
import { groupsAcrossSplits, trainValTestSplit } from '../../src-shared/model/split';
import { workOfAnother } from '../store/owners';
import { ACTIVE_RUN_STATUSES } from '../../src-shared/ipc/services/training';
import { parseJson } from '../store/database';
import { targetUnit } from '../../src-shared/model/units';
import { groupThousands, plural } from '../../src-shared/text';

interface DatasetRow {
  id: number;
  name: string;
  kind: DatasetKind;
  source: string;
  target_key: string;
  target_unit: string | null;
  size: number;
  report: string;
  created_at: number;
  status: DatasetStatus;
  import_options: string | null;
  partial: number;
}

const DATASET_COLUMNS = `id, name, kind, source, target_key, target_unit, size, report, created_at, status, import_options,
  (SELECT COUNT(*) FROM structure s WHERE s.import_dataset_id = dataset.id AND dataset.status != 'ready') AS partial`;

/** What an import was asked to do, kept with its dataset row so that an interrupted import can run again. */
type ImportOptions = Omit<ImportArgs, 'name' | 'kind' | 'files'>;

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
    unlabelledCount: 0,
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
    targetUnit: r.target_unit ?? targetUnit(r.target_key),
    createdAt: r.created_at,
    report: r.status === 'ready' ? (JSON.parse(r.report) as DatasetReport) : emptyReport(),
  };
}

export async function getDataset(core: CoreParts, id: number): Promise<DatasetRecord & { atomInit: string | null }> {
  const row = await core.db.read((tx) => tx.get<DatasetRow & { atom_init: string | null }>(`SELECT ${DATASET_COLUMNS}, atom_init FROM dataset WHERE id = ?`, [id]));
  if (!row) throw new UserError(`there is no dataset with id ${id}`);
  return { ...toRecord(row), atomInit: row.atom_init };
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

const CHUNK = 100;
/** Structures stored per transaction by an import. */
const STORE_CHUNK = 500;

/** Ends a stopped import where it is (its caller removes what it stored after a Cancel, and keeps it when the process is going away). */
function stopIfCancelled(job: JobHandle): void {
  const stop = stopOf(job.signal);
  if (stop === 'cancel') throw cancelledError();
  if (stop === 'interrupt') throw interruptedError();
}

/** What the caller of an import the user cancelled is told, in whichever phase it stopped (the compute pool's own is 'cancelled'). */
function cancelledError(): RemoteError {
  return new RemoteError({ name: 'CancelledError', message: 'the import was cancelled' });
}

/** What the caller of an import stopped because the process is going away is told (in whichever phase it stopped). */
function interruptedError(): RemoteError {
  return new RemoteError({ name: 'CancelledError', message: 'Latticework stopped during the import: it is kept as interrupted, with the structures stored so far (resume it in Datasets)' });
}

/** Parses files in the pool in chunks (two at a time), reporting progress per chunk; honours the job's signal. */
async function parseInChunks(core: CoreParts, job: JobHandle, files: StructureText[], label: string): Promise<ParsedFile[]> {
  const chunks: StructureText[][] = [];
  for (let i = 0; i < files.length; i += CHUNK) chunks.push(files.slice(i, i + CHUNK));
  const out: ParsedFile[][] = new Array(chunks.length);
  let done = 0;
  let next = 0;
  setMaxListeners(0, job.signal); // one abort listener per chunk task
  job.progress(0, files.length, `reading ${label}`);
  const lane = async () => {
    while (next < chunks.length) {
      const k = next++;
      stopIfCancelled(job);
      out[k] = await core.pool.run('parse-structures', { files: chunks[k] }, { signal: job.signal });
      done += chunks[k].length;
      job.progress(done, files.length, `read ${done} of ${files.length} ${label}`);
    }
  };
  await Promise.all([lane(), lane()]);
  return out.flat();
}

/**
 * The app's side of the dataset reader: structure files parsed in the pool in chunks, labelled
 * frames read in the pool file by file (two at a time), progress in files or frames, cancelled with
 * the job (a request that is not a job, such as a run's parity plots, passes `quietJob()`).
 */
export function poolIO(core: CoreParts, job: JobHandle): ReaderIO {
  return {
    parse: (files, what) => parseInChunks(core, job, files, what),
    progress: (done, total, message) => {
      stopIfCancelled(job);
      job.progress(done, total, message);
    },
    framesReader(sources, options) {
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
      return async (src) => {
        stopIfCancelled(job);
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
      };
    },
  };
}

interface ImportArgs {
  name?: string;
  kind: DatasetKind;
  path?: string;
  files?: DroppedFile[];
  target?: string;
  unit?: string;
  selection?: FrameSelection;
  energyKey?: string;
  forcesKey?: string;
  stressKey?: string;
  label?: LabellingCalculator;
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
 * the 'ready' status are written in one last transaction. A new import that fails or that the user
 * cancels removes what it stored; one stopped because the process is going away is marked
 * 'interrupted', and one the process did not survive is found 'importing' at the next start and
 * marked so: both keep what they stored, to be resumed or discarded. A resumed import that fails or
 * is cancelled goes back to 'interrupted'. `resumeId`: the interrupted import to run again.
 */
async function importDataset(core: CoreParts, job: JobHandle, args: ImportArgs, resumeId: number | null): Promise<DatasetRecord> {
  const { name, kind, path, target, unit } = args;
  const source = path !== undefined ? await pathSource(path) : droppedSource(args.files!);
  const format = datasetFormat(source, kind);
  const sourceLabel = source.label;
  const startedAt = Date.now();
  const datasetName = name ?? (sourceLabel.replace(/[\\/]+$/, '').split(/[\\/]/).pop() || sourceLabel);
  if (args.label && kind !== 'frames') throw new UserError(`labelling with ${args.label.toUpperCase()} is for a dataset of frames (kind 'frames': structure files of any format, labelled as they are read), not ${kind}`);
  const options: ImportOptions = { path, target, unit, selection: args.selection, energyKey: args.energyKey, forcesKey: args.forcesKey, stressKey: args.stressKey, ...(args.label ? { label: args.label } : {}) };
  const id =
    resumeId ??
    (await core.db.transaction(
      async (tx) =>
        (
          await tx.run(
            "INSERT INTO dataset (name, kind, source, target_key, size, report, atom_init, created_at, status, import_options, owner_id) VALUES (?, ?, ?, '', 0, '{}', NULL, ?, 'importing', ?, ?)",
            [datasetName, kind, sourceLabel, startedAt, JSON.stringify(options), tx.ownerId()],
          )
        ).lastID,
    ));
  core.events.emit('datasets', 'onChanged', { ids: [id] });
  // how far the storing got: structures stored in transactions that were committed, of how many (total null while the files are read)
  const storing: { stored: number; total: number | null } = { stored: 0, total: null };
  try {
    return await store();
  } catch (err) {
    const interrupted = stopOf(job.signal) === 'interrupt';
    if (resumeId === null && !interrupted) await discard(core, id);
    else await core.db.transaction((tx) => tx.run("UPDATE dataset SET status = 'interrupted', owner_id = NULL WHERE id = ? AND status = 'importing'", [id]));
    core.events.emit('datasets', 'onChanged', { ids: [id] });
    if (interrupted) {
      const where = storing.total !== null ? `after ${groupThousands(storing.stored)} of ${plural(storing.total, 'structure')}` : `while reading its files${resumeId === null ? ', nothing stored yet' : ''}`;
      core.jobs.kept(`import '${datasetName}' interrupted ${where} (${path !== undefined ? 'resume it in Datasets' : 'discard it in Datasets, and drop its files again to import them'})`);
      throw interruptedError();
    }
    throw stopOf(job.signal) === 'cancel' ? cancelledError() : err;
  }

  async function store(): Promise<DatasetRecord> {
    const read = await readAs(format, source, { target, selection: args.selection, energyKey: args.energyKey, forcesKey: args.forcesKey, stressKey: args.stressKey, label: args.label }, poolIO(core, job));
    stopIfCancelled(job);
    if (read.perAtomTarget) {
      throw new UserError(`"${read.perAtomTarget.key}" is a per-atom array: a dataset's target is one number per structure (e.g. energy or energy_per_atom); per-atom arrays are kept with every item for per-atom heads`);
    }
    if (read.targetNames.length !== 1) {
      throw new UserError(`${read.targetNames.length} targets were asked for (${read.targetKey}): a dataset holds one target per structure, so choose one (several at once train from the command line: latticework train --target)`);
    }
    const { targetKey, failed, unlabelled, perAtomKeys, items: usable } = read;

    // Store structures (one transaction per chunk), then the dataset with its items. A stop is
    // honoured inside a chunk (rolled back) as between them: after a Cancel the caller then discards
    // the chunks stored; when the process is going away it keeps them.
    const now = Date.now();
    const structureIds = new Map<string, number>();
    storing.total = usable.length;
    for (let i = 0; i < usable.length; i += STORE_CHUNK) {
      const part = usable.slice(i, i + STORE_CHUNK);
      job.progress(i, usable.length, `storing ${i} of ${usable.length} structures`);
      await core.db.transaction(async (tx) => {
        for (const r of part) {
          stopIfCancelled(job);
          if (structureIds.has(r.file)) continue;
          structureIds.set(r.file, await storeOne(tx, r.sourceFile, r.format, r.parsed, now, id));
        }
      });
      storing.stored = Math.min(i + STORE_CHUNK, usable.length);
    }

    const atomInitText = read.atomInit ?? CGCNN_ATOM_INIT_TEXT;
    let atomKeys: Set<number>;
    try {
      atomKeys = new Set(Object.keys(JSON.parse(atomInitText) as Record<string, unknown>).map(Number));
    } catch {
      throw new UserError('atom_init.json is not valid JSON');
    }
    const missing = new Map<string, number>();
    const partial: string[] = [];
    const byStructure = new Map<number, string[]>();
    const targets: number[] = [];
    for (const r of usable) {
      const s = r.parsed.structure;
      const absent = new Set<string>();
      s.numbers.forEach((z, k) => {
        if (!atomKeys.has(z)) absent.add(s.species[k] ?? String(z));
      });
      for (const e of absent) missing.set(e, (missing.get(e) ?? 0) + 1);
      if (s.occupancy.some((o) => o < 1 - 1e-6)) partial.push(r.name);
      const sid = structureIds.get(r.file)!;
      byStructure.set(sid, [...(byStructure.get(sid) ?? []), r.name]);
      targets.push(r.targets[0]);
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
      unlabelledCount: read.unlabelledCount,
      perAtomKeys,
      ...(read.frames ? { frames: read.frames } : {}),
    };
    if (n === 0) {
      // every failed file with its line and problem; the left-out rows and frames up to a point (a table may have thousands)
      throw new UserError(nothingUsableMessage(read), report);
    }
    // dropped files without a name are called after those that were read, not after a failed one
    const gaveNothing = new Set(failed.map((f) => f.file));
    const finalName = name ?? (args.files ? droppedLabel(args.files.map((f) => f.name).filter((f) => !gaveNothing.has(f))) : datasetName);
    job.progress(usable.length, usable.length, `storing the dataset (${usable.length} items)`);
    await core.db.transaction(async (tx) => {
      stopIfCancelled(job);
      await tx.run('DELETE FROM dataset_item WHERE dataset_id = ?', [id]);
      await tx.run("UPDATE dataset SET name = ?, target_key = ?, target_unit = ?, size = ?, report = ?, atom_init = ?, status = 'ready', owner_id = NULL WHERE id = ?", [
        finalName,
        targetKey,
        (unit ?? targetUnit(targetKey)).trim(),
        n,
        JSON.stringify(report),
        read.atomInit,
        id,
      ]);
      for (const [idx, r] of usable.entries()) {
        stopIfCancelled(job);
        const s = r.parsed.structure;
        const perAtom: Record<string, unknown> = {};
        for (const k of perAtomKeys) if (s.siteProperties[k]) perAtom[k] = s.siteProperties[k];
        await tx.run('INSERT INTO dataset_item (dataset_id, idx, structure_id, name, target, per_atom) VALUES (?, ?, ?, ?, ?, ?)', [
          id,
          idx,
          structureIds.get(r.file)!,
          r.name,
          r.targets[0],
          perAtomKeys.length ? JSON.stringify(perAtom) : null,
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
      const claimed = await core.db.transaction((tx) => tx.run("UPDATE dataset SET status = 'importing', owner_id = ? WHERE id = ? AND status = 'interrupted'", [tx.ownerId(), id]));
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
      if (row.status === 'importing') {
        const elsewhere = await workOfAnother(core.db, 'dataset', id, `the import of ${row.name} is being run`, 'cancel it there');
        if (elsewhere) throw new UserError(elsewhere);
      }
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
            { structures: items.map((i) => i.structure), cutoff, maxNeighbors, atomInitWidth: atomInitWidth(ds.atomInit ?? CGCNN_ATOM_INIT_TEXT) },
            { signal: job.signal, onProgress: (d, t, m) => job.progress(d, t, m) },
          );
          return { datasetId: id, cutoff, maxNeighbors, ...s };
        },
        jobId ?? randomUUID(),
      );
    },
    async delete({ id, withRuns }) {
      const importing = await core.db.read((tx) => tx.get<{ name: string }>("SELECT name FROM dataset WHERE id = ? AND status = 'importing'", [id]));
      const elsewhere = importing && (await workOfAnother(core.db, 'dataset', id, `the import of ${importing.name} is being run`, 'cancel it there first'));
      if (elsewhere) throw new UserError(elsewhere);
      const { changes, runsDeleted } = await core.db.transaction(async (tx) => {
        const row = await tx.get<{ status: DatasetStatus; name: string }>('SELECT status, name FROM dataset WHERE id = ?', [id]);
        if (row && row.status !== 'ready') throw new UserError(`the import of ${row.name} is ${row.status === 'importing' ? 'running: cancel it' : 'interrupted: resume or discard it'} instead`);
        const runs = await tx.all<{ id: number; name: string; status: string }>('SELECT id, name, status FROM run WHERE dataset_id = ? ORDER BY id', [id]);
        const active = runs.filter((r) => (ACTIVE_RUN_STATUSES as readonly string[]).includes(r.status));
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

/** Evenly spaced histogram of finite values (10–50 bins, √n rule). */
export function histogram(values: number[], bins?: number): { edges: number[]; counts: number[] } {
  const xs = values.filter(Number.isFinite);
  if (xs.length === 0) return { edges: [], counts: [] };
  let min = Infinity;
  let max = -Infinity;
  for (const x of xs) {
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const n = bins ?? Math.min(50, Math.max(10, Math.ceil(Math.sqrt(xs.length))));
  if (max === min) return { edges: [min - 0.5, max + 0.5], counts: [xs.length] };
  const width = (max - min) / n;
  const edges = Array.from({ length: n + 1 }, (_, i) => (i === n ? max : min + i * width));
  const counts = new Array<number>(n).fill(0);
  for (const x of xs) counts[Math.min(n - 1, Math.floor((x - min) / width))]++;
  return { edges, counts };
}
