/**
 * The `structures` service: reads dropped files in a compute worker, stores each
 * structure once (by content hash) in SQLite, lists, gets and deletes them. A
 * file that fails is reported with its error; nothing already stored is lost.
 */
import { createHash, randomUUID } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import type { LatticeworkHandlers, StructureImportResult, StructureRecord, TrajectoryFrameSummary, TrajectoryRecord } from '../../src-shared/ipc/contract';
import { labelsOfStructure, maxForce, MULTI_FRAME_FORMATS, type Structure, type StructureFormat } from '../../src-shared/chem';
import { structureFromJSON, structureToJSON } from '../../src-shared/chem/serialize';
import type { StructureJSON } from '../../src-shared/chem/serialize';
import { cellFormula, chemicalFormula, hillFormula } from '../../src-shared/chem';
import type { SpaceGroupSummary } from '../../src-shared/chem/spacegroup';
import type { CoreParts } from '../app/core';
import { UserError } from '../ipc/errors';
import { RemoteError } from '../../src-shared/ipc/define';
import { resourcePath } from '../app/resources';
import type { MadeStructure, ParsedFileStructure } from '../workers/tasks';

interface StructureRow {
  id: number;
  name: string;
  source_file: string;
  block: string | null;
  format: string;
  formula: string;
  n_sites: number;
  summary: string;
  warnings: string;
  created_at: number;
  space_group: string | null;
}

const LIST_COLUMNS = 'id, name, source_file, block, format, formula, n_sites, summary, warnings, created_at, space_group';

/** The content hash: what the structure is, not what its file was called. */
export function structureHash(s: StructureJSON): string {
  const { name: _name, ...content } = s;
  return createHash('sha256').update(JSON.stringify(content)).digest('hex');
}

function toRecord(row: StructureRow, datasets: StructureRecord['datasets'] = []): StructureRecord {
  const summary = JSON.parse(row.summary) as Pick<StructureRecord, 'composition' | 'lattice' | 'volume'>;
  const block = row.block === null ? null : (JSON.parse(row.block) as string | number);
  // Formulas from the composition, so that rows stored before the chemist's formulas read the same.
  const periodic = summary.lattice !== null;
  return {
    id: row.id,
    name: row.name,
    file: row.source_file,
    block,
    format: row.format,
    formula: chemicalFormula(summary.composition, periodic),
    cellFormula: periodic ? cellFormula(summary.composition) : hillFormula(summary.composition),
    composition: summary.composition,
    nSites: row.n_sites,
    lattice: summary.lattice,
    volume: summary.volume,
    spaceGroup: row.space_group === null ? null : (JSON.parse(row.space_group) as SpaceGroupSummary | null),
    datasets,
    warnings: JSON.parse(row.warnings) as string[],
    createdAt: row.created_at,
  };
}

/** Dataset membership of every structure that has one. */
async function membership(core: CoreParts, id?: number): Promise<Map<number, StructureRecord['datasets']>> {
  const rows = await core.db.read((tx) =>
    tx.all<{ structure_id: number; id: number; name: string }>(
      `SELECT DISTINCT i.structure_id, d.id, d.name FROM dataset_item i JOIN dataset d ON d.id = i.dataset_id${id === undefined ? '' : ' WHERE i.structure_id = ?'} ORDER BY d.id`,
      id === undefined ? [] : [id],
    ),
  );
  const out = new Map<number, StructureRecord['datasets']>();
  for (const r of rows) out.set(r.structure_id, [...(out.get(r.structure_id) ?? []), { id: r.id, name: r.name }]);
  return out;
}

/**
 * Finds the space group of structures stored without one (before it was recorded, or frames read
 * in bulk), in the compute pool a few hundred at a time; only a dataset's when `datasetId` is given.
 */
export async function analyseMissing(core: CoreParts, datasetId?: number): Promise<number> {
  let done = 0;
  for (;;) {
    const rows = await core.db.read((tx) =>
      datasetId === undefined
        ? tx.all<{ id: number; data: string }>('SELECT id, data FROM structure WHERE space_group IS NULL LIMIT 200')
        : tx.all<{ id: number; data: string }>(
            'SELECT s.id, s.data FROM structure s WHERE s.space_group IS NULL AND s.id IN (SELECT structure_id FROM dataset_item WHERE dataset_id = ?) LIMIT 200',
            [datasetId],
          ),
    );
    if (rows.length === 0) return done;
    const found = await core.pool.run('space-groups', { structures: rows.map((r) => JSON.parse(r.data) as StructureJSON) });
    await core.db.transaction(async (tx) => {
      for (const [k, r] of rows.entries()) await tx.run('UPDATE structure SET space_group = ? WHERE id = ?', [JSON.stringify(found[k]), r.id]);
    });
    done += rows.length;
    core.events.emit('structures', 'onChanged', { ids: rows.map((r) => r.id) });
  }
}

/** At most one background analysis per core: listing starts it, and the list refreshes as it goes (structures.onChanged). */
const analysing = new WeakSet<CoreParts>();
function analyseInBackground(core: CoreParts): void {
  if (analysing.has(core)) return;
  analysing.add(core);
  analyseMissing(core)
    .catch(() => undefined) // a structure the finder refuses is stored as null by the task: a failure here is the pool closing
    .finally(() => analysing.delete(core));
}

export async function loadStructure(core: CoreParts, id: number): Promise<{ row: StructureRecord; structure: StructureJSON }> {
  const row = await core.db.read((tx) =>
    tx.get<StructureRow & { data: string }>(`SELECT ${LIST_COLUMNS}, data FROM structure WHERE id = ?`, [id]),
  );
  if (!row) throw new UserError(`there is no structure with id ${id}`);
  return { row: toRecord(row, (await membership(core, id)).get(id)), structure: JSON.parse(row.data) as StructureJSON };
}

/** A stored structure's record, its atoms left unread (a supercell's are megabytes of JSON). */
async function structureRecord(core: CoreParts, id: number): Promise<StructureRecord> {
  const row = await core.db.read((tx) => tx.get<StructureRow>(`SELECT ${LIST_COLUMNS} FROM structure WHERE id = ?`, [id]));
  if (!row) throw new UserError(`there is no structure with id ${id}`);
  return toRecord(row, (await membership(core, id)).get(id));
}

export function structuresHandlers(core: CoreParts): LatticeworkHandlers['structures'] {
  return {
    async import({ files, disorder, jobId }) {
      return core.jobs.run(
        'import-structures',
        async (job) => {
          const parsed = await core.pool.run(
            'parse-structures',
            { files: files.map((f) => ('base64' in f ? { name: f.name, data: new Uint8Array(Buffer.from(f.base64, 'base64')) } : f)), disorder },
            { signal: job.signal, onProgress: (done, total, message) => job.progress(done, total, message) },
          );
          const imported: StructureRecord[] = [];
          const trajectories: TrajectoryRecord[] = [];
          const failed = [];
          const alreadyStored: StructureImportResult['alreadyStored'] = [];
          const now = Date.now();
          for (const file of parsed) {
            if (!file.ok) {
              failed.push({ file: file.file, error: { name: file.error.name, message: file.error.message, line: file.error.line } });
              continue;
            }
            const multi = MULTI_FRAME_FORMATS.has(file.format as StructureFormat) && file.structures.length > 1;
            const { ids, trajectoryId } = await core.db.transaction(async (tx) => {
              // a structure stored now has an id above every id stored before
              const before = (await tx.get<{ top: number | null }>('SELECT MAX(id) AS top FROM structure'))?.top ?? 0;
              const out: number[] = [];
              for (const p of file.structures) out.push(await storeOne(tx, file.file, file.format, p, now));
              if (out.length > 0 && out.every((id) => id <= before)) alreadyStored.push({ file: file.file, structures: new Set(out).size });
              if (!multi) return { ids: out, trajectoryId: null };
              const name = file.file.split(/[\\/]/).pop() ?? file.file;
              const { lastID } = await tx.run('INSERT INTO trajectory (name, source_file, format, structure_ids, frames, created_at) VALUES (?, ?, ?, ?, ?, ?)', [
                name,
                file.file,
                file.format,
                JSON.stringify(out),
                out.length,
                now,
              ]);
              return { ids: out, trajectoryId: lastID };
            });
            for (const id of new Set(ids)) imported.push(await structureRecord(core, id));
            if (trajectoryId !== null) trajectories.push((await loadTrajectory(core, trajectoryId)).record);
          }
          if (imported.length) core.events.emit('structures', 'onChanged', { ids: imported.map((r) => r.id) });
          return { jobId: job.id, imported, trajectories, failed, alreadyStored };
        },
        jobId ?? randomUUID(),
      );
    },
    async trajectories() {
      const rows = await core.db.read((tx) => tx.all<{ id: number }>('SELECT id FROM trajectory ORDER BY id'));
      return Promise.all(rows.map(async (r) => (await loadTrajectory(core, r.id)).record));
    },
    async trajectory({ id }) {
      const { record, frameSummaries } = await loadTrajectory(core, id);
      return { ...record, frameSummaries };
    },
    async deleteTrajectory({ id }) {
      const removed = await core.db.transaction(async (tx) => {
        const row = await tx.get<{ structure_ids: string }>('SELECT structure_ids FROM trajectory WHERE id = ?', [id]);
        if (!row) return null;
        await tx.run('DELETE FROM trajectory WHERE id = ?', [id]);
        const others = new Set<number>();
        for (const o of await tx.all<{ structure_ids: string }>('SELECT structure_ids FROM trajectory')) for (const sid of JSON.parse(o.structure_ids) as number[]) others.add(sid);
        const gone: number[] = [];
        for (const sid of new Set(JSON.parse(row.structure_ids) as number[])) {
          if (others.has(sid)) continue;
          const { changes } = await tx.run(
            `DELETE FROM structure WHERE id = ? AND NOT EXISTS (SELECT 1 FROM dataset_item WHERE structure_id = ?)
               AND NOT EXISTS (SELECT 1 FROM prediction WHERE structure_id = ?)`,
            [sid, sid, sid],
          );
          if (changes) gone.push(sid);
        }
        return gone;
      });
      if (removed === null) return { deleted: false };
      core.events.emit('structures', 'onChanged', { ids: removed });
      return { deleted: true };
    },
    async list() {
      const rows = await core.db.read((tx) => tx.all<StructureRow>(`SELECT ${LIST_COLUMNS} FROM structure WHERE ${IN_LIBRARY} ORDER BY id`));
      if (rows.some((r) => r.space_group === null)) analyseInBackground(core);
      const datasets = await membership(core);
      return rows.map((r) => toRecord(r, datasets.get(r.id)));
    },
    async get({ id }) {
      const { row, structure } = await loadStructure(core, id);
      return { ...row, structure };
    },
    async examples() {
      const dir = resourcePath('examples');
      const names = (await readdir(dir)).filter((n) => n !== 'README.md').sort();
      return { files: await Promise.all(names.map(async (name) => ({ name, text: await readFile(`${dir}/${name}`, 'utf8') }))) };
    },
    async symmetry({ id, symprec, jobId }) {
      const { structure } = await loadStructure(core, id);
      return asJob(
        core,
        { kind: 'space-group', jobId, cancelled: `the space-group search of structure ${id} at ${symprec} Å was cancelled` },
        async (run) => {
          try {
            // asked for: no bound on the sites searched (an import skips the search over SPACE_GROUP_SEARCH_MAX_SITES and says so)
            return await core.pool.run('space-group', { structure, symprec }, run);
          } catch (e) {
            if (run.signal.aborted) throw e;
            throw new UserError((e as Error).message);
          }
        },
        (group) => group,
      );
    },
    async derive({ id, cell, symprec, repeat, jobId }) {
      const { row, structure } = await loadStructure(core, id);
      if (cell === 'supercell' && !repeat) throw new UserError('a supercell needs how many times to repeat the cell along a, b and c');
      return asJob(
        core,
        { kind: 'derive-cell', jobId, cancelled: `the ${cell} cell of structure ${id} was cancelled: nothing stored` },
        (run) => core.pool.run('derive-cell', { structure, cell, symprec, repeat }, run),
        (derived) => {
          if ('refused' in derived) throw new UserError(`cannot make the ${cell} cell of structure ${id}: ${derived.refused}`);
          return storeMade(core, { file: row.file, format: row.format, block: row.block }, derived.made);
        },
      );
    },
    async vacancyHop({ id, vacancy, hopper, jobId }) {
      const { row, structure } = await loadStructure(core, id);
      return asJob(
        core,
        { kind: 'vacancy-hop', jobId, cancelled: `the vacancy hop in structure ${id} was cancelled: neither end stored` },
        (run) => core.pool.run('vacancy-hop', { structure, vacancy, hopper }, run),
        async (ends) => {
          if ('refused' in ends) throw new UserError(`${row.name}: ${ends.refused}`);
          const origin = { file: row.file, format: row.format, block: row.block };
          return { start: await storeMade(core, origin, ends.start), end: await storeMade(core, origin, ends.end), distance: ends.distance };
        },
      );
    },
    async delete({ id }) {
      const { changes } = await core.db.transaction(async (tx) => {
        const used = await tx.all<{ name: string }>('SELECT DISTINCT d.name FROM dataset_item i JOIN dataset d ON d.id = i.dataset_id WHERE i.structure_id = ?', [id]);
        if (used.length) throw new UserError(`structure ${id} belongs to the dataset${used.length > 1 ? 's' : ''} ${used.map((u) => u.name).join(', ')}: delete ${used.length > 1 ? 'them' : 'it'} first`);
        return tx.run('DELETE FROM structure WHERE id = ?', [id]);
      });
      if (changes) core.events.emit('structures', 'onChanged', { ids: [id] });
      return { deleted: changes > 0 };
    },
  };
}

/**
 * A space-group search, another cell or a vacancy hop of a stored structure, run as a job (`jobId` the caller's,
 * to cancel it with jobs.cancel): `compute` runs its pool task with the job's signal and progress (`run`), `keep`
 * stores what it made. A cancel stops the task (pool.ts ends a worker whose search cannot look at the signal) and
 * the caller gets a CancelledError saying `cancelled`, nothing stored.
 */
async function asJob<C, T>(
  core: CoreParts,
  job: { kind: string; jobId: string | undefined; cancelled: string },
  compute: (run: { signal: AbortSignal; onProgress: (done: number, total: number | null, message: string) => void }) => Promise<C>,
  keep: (computed: C) => T | Promise<T>,
): Promise<T> {
  return core.jobs.run(
    job.kind,
    async ({ signal, progress }) => {
      let computed: C;
      try {
        computed = await compute({ signal, onProgress: progress });
      } catch (e) {
        if (signal.aborted) throw new RemoteError({ name: 'CancelledError', message: job.cancelled });
        throw e;
      }
      if (signal.aborted) throw new RemoteError({ name: 'CancelledError', message: job.cancelled });
      return keep(computed);
    },
    job.jobId ?? randomUUID(),
  );
}

/** A trajectory's record and, per frame, its structure id, energies and largest force. */
export async function loadTrajectory(core: CoreParts, id: number): Promise<{ record: TrajectoryRecord; frameSummaries: TrajectoryFrameSummary[] }> {
  return core.db.read(async (tx) => {
    const row = await tx.get<{ id: number; name: string; source_file: string; format: string; structure_ids: string; frames: number; created_at: number }>(
      'SELECT id, name, source_file, format, structure_ids, frames, created_at FROM trajectory WHERE id = ?',
      [id],
    );
    if (!row) throw new UserError(`there is no trajectory with id ${id}`);
    const ids = JSON.parse(row.structure_ids) as number[];
    const data = new Map<number, StructureJSON>();
    for (const s of await tx.all<{ id: number; data: string }>(`SELECT id, data FROM structure WHERE id IN (${[...new Set(ids)].join(',') || 'NULL'})`)) {
      data.set(s.id, JSON.parse(s.data) as StructureJSON);
    }
    const frameSummaries: TrajectoryFrameSummary[] = ids.map((sid) => {
      const s = data.get(sid);
      if (!s) return { structureId: sid, energy: null, freeEnergy: null, maxForce: null, nSites: 0 };
      const l = labelsOfStructure(structureFromJSON(s));
      return { structureId: sid, energy: l.energy, freeEnergy: l.freeEnergy, maxForce: maxForce(l.forces), nSites: s.numbers.length };
    });
    const count = (f: (x: TrajectoryFrameSummary, s: StructureJSON | undefined) => boolean) => frameSummaries.filter((x) => f(x, data.get(x.structureId))).length;
    return {
      record: {
        id: row.id,
        name: row.name,
        file: row.source_file,
        format: row.format,
        frames: row.frames,
        structureIds: ids,
        labels: {
          energy: count((x) => x.energy !== null),
          forces: count((x) => x.maxForce !== null),
          stress: count((_, s) => Array.isArray(s?.properties.stress)),
        },
        createdAt: row.created_at,
      },
      frameSummaries,
    };
  });
}

/** Where a structure the app made comes from: the stored structure's file, format and block, or a simulation's. */
type Origin = { file: string; format: string; block: string | number | null };

/**
 * Stores a structure the app made (another cell of a stored one, a simulation's frame) as a new
 * structure of the library (or finds the same one stored), says so to the windows and returns it.
 * Its space group is searched in the compute pool ('made-structure'), never on the main thread.
 */
export async function storeMadeStructure(core: CoreParts, origin: Origin, structure: Structure): Promise<StructureRecord> {
  return storeMade(core, origin, await core.pool.run('made-structure', { structure: structureToJSON(structure) }));
}

/** Stores what a compute worker made of a structure (`MadeStructure`), as `storeMadeStructure` says. */
async function storeMade(core: CoreParts, origin: Origin, made: MadeStructure): Promise<StructureRecord> {
  const id = await core.db.transaction((tx) => storeOne(tx, origin.file, origin.format, { ...made, block: origin.block }, Date.now()));
  core.events.emit('structures', 'onChanged', { ids: [id] });
  return structureRecord(core, id);
}

export type Tx = Parameters<Parameters<CoreParts['db']['transaction']>[0]>[0];

/** Structures of the library: all but those only an unfinished dataset import has stored so far. */
export const IN_LIBRARY = "(import_dataset_id IS NULL OR import_dataset_id IN (SELECT id FROM dataset WHERE status = 'ready'))";

/**
 * Stores one parsed structure unless a structure with the same content hash exists; returns its id.
 * `importId`: the dataset import storing it (its structures stay out of the library until it
 * finishes). An existing structure that only an unfinished import had stored passes to this caller.
 */
export async function storeOne(tx: Tx, file: string, format: string, p: ParsedFileStructure, now: number, importId: number | null = null): Promise<number> {
  const hash = structureHash(p.structure);
  const existing = await tx.get<{ id: number }>('SELECT id FROM structure WHERE hash = ?', [hash]);
  if (existing) {
    await tx.run(`UPDATE structure SET import_dataset_id = ? WHERE id = ? AND NOT ${IN_LIBRARY} AND import_dataset_id IS NOT ?`, [importId, existing.id, importId]);
    return existing.id;
  }
  const summary = { composition: p.summary.composition, lattice: p.summary.lattice, volume: p.summary.volume };
  const { lastID } = await tx.run(
    `INSERT INTO structure (hash, name, source_file, block, formula, n_sites, format, data, summary, warnings, created_at, import_dataset_id, space_group)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      hash,
      p.structure.name || file,
      file,
      p.block === null ? null : JSON.stringify(p.block),
      p.summary.formula,
      p.summary.nSites,
      format,
      JSON.stringify(p.structure),
      JSON.stringify(summary),
      JSON.stringify(p.warnings),
      now,
      importId,
      p.spaceGroup === undefined ? null : JSON.stringify(p.spaceGroup),
    ],
  );
  return lastID;
}
