import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import type { JobProgress } from '../../../src-shared/ipc/contract';
import { serveTestCore } from '../../helpers/core';
import { emtFramesText, SHARED_DATA } from '../../helpers/shared-data';

const SAMPLE = `${SHARED_DATA}/cgcnn-sample-regression`;
const EMT = `${SHARED_DATA}/emt-dev`;

const served = serveTestCore();

const sampleFiles = () => readdirSync(SAMPLE).map((n) => ({ name: `sample/${n}`, text: readFileSync(join(SAMPLE, n), 'utf8') }));

/** Calls `act` as the core's store is asked to insert its `n`th structure (counted from this call on), in that insert's transaction; `restore` ends the watch. */
function atStructureInsert(core: (typeof served)['t']['core'], n: number, act: () => void): { count: () => number; restore: () => void } {
  const transaction = core.db.transaction.bind(core.db);
  let inserted = 0;
  const spy = vi.spyOn(core.db, 'transaction').mockImplementation((work) =>
    transaction((tx) =>
      work({
        ...tx,
        run: (sql, params) => {
          if (/^\s*INSERT INTO structure\b/.test(sql) && ++inserted === n) act();
          return tx.run(sql, params);
        },
      }),
    ),
  );
  return { count: () => inserted, restore: () => spy.mockRestore() };
}

describe('datasets service', () => {
  it('imports dropped CGCNN files with a report, and finds duplicates, missing labels and embedding gaps', async () => {
    const files = sampleFiles();
    const idProp = files.find((f) => f.name.endsWith('id_prop.csv'))!;
    // a duplicate row (same structure under another id), a row without its file, an id repeated with another target, a CIF without a row
    const nacl = files.find((f) => f.name.endsWith('1000041.cif'))!;
    files.push({ name: 'sample/dup.cif', text: nacl.text });
    idProp.text += 'dup,11.0\nmissing,12.0\n1000050,2.5\n';
    files.push({ name: 'sample/extra.cif', text: nacl.text });
    // an atom_init without sodium
    const atomInit = files.find((f) => f.name.endsWith('atom_init.json'))!;
    const table = JSON.parse(atomInit.text) as Record<string, number[]>;
    delete table['11'];
    atomInit.text = JSON.stringify(table);
    const progress: JobProgress[] = [];
    const off = served.api.jobs.onProgress((p) => progress.push(p));
    const ds = await served.api.datasets.import({ kind: 'cgcnn-folder', files, name: 'sample' });
    off();
    expect(ds.size).toBe(11);
    expect(ds.report.parsed).toBe(11);
    expect(ds.report.failed).toEqual([]);
    expect(ds.report.duplicates).toEqual([{ names: ['1000041', 'dup'] }]);
    expect(ds.report.unlabelled).toEqual(['missing (no file missing.cif)', '1000050 at line 13 repeats line 2 with another target (2.5; line 2: 2.0): left out, line 2 kept', 'extra.cif (not in id_prop.csv)']);
    expect(ds.report.missingElements).toEqual([{ element: 'Na', structures: 2 }]);
    expect(ds.report.target).toMatchObject({ key: 'target', count: 11, min: 1, max: 11 });
    expect(ds.report.target.mean).toBeCloseTo(6, 10);
    expect(ds.report.targetHistogram.counts.reduce((a, b) => a + b, 0)).toBe(11);
    expect(progress.some((p) => p.kind === 'import-dataset' && p.state === 'finished')).toBe(true);
    const items = await served.api.datasets.items({ id: ds.id, offset: 0, limit: 3 });
    expect(items.total).toBe(11);
    expect(items.items.map((i) => [i.name, i.target])).toEqual([
      ['1000041', 1],
      ['1000050', 2],
      ['1101051', 3],
    ]);
    const structure = await served.api.structures.get({ id: items.items[0].structureId });
    expect(structure.formula).toBe('NaCl');
  });

  it('computes graph statistics of a dataset in a worker', async () => {
    const [ds] = await served.api.datasets.list({});
    const s = await served.api.datasets.graphStats({ id: ds.id, cutoff: 8, maxNeighbors: 12 });
    expect(s.atoms).toBe(8 + 2 + 4 + 5 + 12 + 8 + 2 + 8 + 8 + 8 + 8);
    expect(s.degree.counts.reduce((a, b) => a + b, 0)).toBe(s.atoms);
    expect(s.edgesPerAtom.max).toBeLessThanOrEqual(12);
    const small = await served.api.datasets.graphStats({ id: ds.id, cutoff: 3, maxNeighbors: 12 });
    expect(small.atomsBelowMax).toBeGreaterThan(0);
    expect(small.edgesPerAtom.mean).toBeLessThan(s.edgesPerAtom.mean);
    expect(s.memoryPerBatch.map((m) => m.batchSize)).toContain(256);
  });

  it('imports an extended XYZ with its per-atom forces, and a CSV of names and targets', async () => {
    const emt40 = emtFramesText(40);
    const ds = await served.api.datasets.import({ kind: 'extxyz', files: [{ name: 'emt40.extxyz', text: emt40 }] });
    expect(ds.size).toBe(40);
    expect(ds.targetKey).toBe('energy_per_atom');
    expect(ds.report.perAtomKeys).toEqual(['forces']);
    const first = await served.api.datasets.items({ id: ds.id, offset: 0, limit: 1 });
    expect(first.items[0].name).toBe('emt-00000');
    // Each frame is a structure named by its id and numbered by its frame (not "emt40.extxyz · 0" forty times).
    const stored = await served.api.structures.get({ id: first.items[0].structureId });
    expect([stored.name, stored.block]).toEqual(['emt-00000', 0]);
    const tenth = (await served.api.datasets.items({ id: ds.id, offset: 9, limit: 1 })).items[0];
    expect((await served.api.structures.get({ id: tenth.structureId })).block).toBe(9);
    expect(first.items[0].target).toBeCloseTo(0.01567245788294014, 12);
    const byEnergy = await served.api.datasets.import({ kind: 'extxyz', target: 'energy', files: [{ name: 'emt40.extxyz', text: emt40 }] });
    expect((await served.api.datasets.items({ id: byEnergy.id, offset: 0, limit: 1 })).items[0].target).toBeCloseTo(0.2507593261270422, 12);

    const csv = 'file,band_gap,other\n1000041.cif,1.5,x\n9011998,0.7,y\nnope.cif,1,z\n';
    const files = [{ name: 'set/targets.csv', text: csv }, ...sampleFiles().filter((f) => /1000041|9011998/.test(f.name))];
    const c = await served.api.datasets.import({ kind: 'csv', files, target: 'band_gap' });
    expect(c.targetKey).toBe('band_gap');
    expect(c.size).toBe(2);
    expect(c.report.unlabelled).toEqual(['nope.cif (no file)']);
  });

  it('stores the target’s unit: as given at import, else the one the target’s name states or a known name has, else none', async () => {
    const files = (csv: string) => [{ name: 'set/targets.csv', text: csv }, ...sampleFiles().filter((f) => /1000041|9011998/.test(f.name))];
    const rows = '1000041.cif,1.5\n9011998,0.7\n';
    // stated by the file's header
    const stated = await served.api.datasets.import({ kind: 'csv', files: files(`file,band gap (eV/atom)\n${rows}`) });
    expect([stated.targetKey, stated.targetUnit]).toEqual(['band gap (eV/atom)', 'eV/atom']);
    // a known name
    const known = await served.api.datasets.import({ kind: 'csv', files: files(`file,formation_energy_per_atom\n${rows}`) });
    expect(known.targetUnit).toBe('eV/atom');
    // given at import: wins over the name
    const given = await served.api.datasets.import({ kind: 'csv', files: files(`file,formation_energy_per_atom\n${rows}`), unit: 'meV/atom' });
    expect(given.targetUnit).toBe('meV/atom');
    // neither: none (CGCNN's id_prop.csv has no header)
    const none = await served.api.datasets.import({ kind: 'cgcnn-folder', path: SAMPLE });
    expect([none.targetKey, none.targetUnit]).toEqual(['target', '']);
    const kelvin = await served.api.datasets.import({ kind: 'cgcnn-folder', path: SAMPLE, unit: 'K' });
    expect((await served.api.datasets.get({ id: kelvin.id })).targetUnit).toBe('K');
    expect((await served.api.datasets.list({})).find((d) => d.id === kelvin.id)?.targetUnit).toBe('K');
    // the contract bounds it
    await expect(served.api.datasets.import({ kind: 'cgcnn-folder', path: SAMPLE, unit: 'x'.repeat(41) })).rejects.toThrow();
  });

  it('imports the EMT CGCNN folder from a path: 2,000 structures, with the label histogram', async () => {
    const ds = await served.api.datasets.import({ kind: 'cgcnn-folder', path: join(EMT, 'cgcnn') });
    expect(ds.size).toBe(2000);
    expect(ds.report.parsed).toBe(2000);
    expect(ds.report.failed).toEqual([]);
    expect(ds.report.target.mean).toBeCloseTo(0.192, 2);
    expect(ds.report.target.std).toBeCloseTo(0.153, 2);
    expect(ds.report.targetHistogram.counts.reduce((a, b) => a + b, 0)).toBe(2000);
    expect(ds.name).toBe('cgcnn');
    // The space-group histogram: every structure counted once, as spglib finds them (mostly P1: rattled cells).
    const groups = await served.api.datasets.spaceGroups({ id: ds.id });
    expect(groups.reduce((a, g) => a + g.count, 0)).toBe(2000);
    expect(groups[0]).toMatchObject({ number: 1, symbol: 'P1', crystalSystem: 'triclinic' });
  }, 120_000);

  it('cancels an import through its job, saying so as when it is cancelled while storing', async () => {
    const jobId = 'cancel-me';
    const pending = served.api.datasets.import({ kind: 'cgcnn-folder', path: join(EMT, 'cgcnn'), name: 'cancelled', jobId });
    const off = served.api.jobs.onProgress((p) => {
      if (p.jobId === jobId && p.state === 'running' && p.done > 0) void served.api.jobs.cancel({ jobId });
    });
    // stopped while its files are read in the compute pool (whose own word is 'cancelled')
    await expect(pending).rejects.toMatchObject({ name: 'CancelledError', message: 'the import was cancelled' });
    off();
    expect((await served.api.datasets.list({})).some((d) => d.name === 'cancelled')).toBe(false);
  }, 120_000);

  it('honours a cancel that comes while the structures are stored: nothing of the import is kept, structures it reused are', async () => {
    const { core } = served.t;
    // 10 frames already in the store, then 600 (the same 10 and 590 new): stored in transactions of 500
    const kept = await served.api.datasets.import({ kind: 'extxyz', name: 'kept', files: [{ name: 'first10.extxyz', text: emtFramesText(10, 1000) }] });
    const structures = async () => (await core.db.read((tx) => tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM structure')))!.n;
    const before = await structures();
    const jobId = 'cancel-while-storing';
    const states: string[] = [];
    const off = core.events.connect((service, event, payload) => {
      const p = payload as JobProgress;
      if (service === 'jobs' && p.jobId === jobId) states.push(p.state);
    });
    // the user's cancel arrives after the files were read, when the 520th new structure is being stored (the second transaction)
    const inserts = atStructureInsert(core, 520, () => core.jobs.cancel(jobId));
    try {
      const pending = served.api.datasets.import({ kind: 'extxyz', name: 'cancelled while storing', files: [{ name: 'frames600.extxyz', text: emtFramesText(600, 1000) }], jobId });
      await expect(pending).rejects.toMatchObject({ name: 'CancelledError', message: 'the import was cancelled' });
    } finally {
      inserts.restore();
      off();
    }
    expect(inserts.count()).toBe(520);
    expect(states.at(-1)).toBe('cancelled');
    expect((await served.api.datasets.list({})).some((d) => d.name === 'cancelled while storing')).toBe(false);
    // what the first transaction stored went with it; the 10 it reused stay with their dataset
    expect(await structures()).toBe(before);
    const reused = await core.db.read((tx) => tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM dataset_item i JOIN structure s ON s.id = i.structure_id WHERE i.dataset_id = ?', [kept.id]));
    expect(reused!.n).toBe(10);
  }, 120_000);

  it('keeps an import stopped because the process is going away (Ctrl-C on the host, the app quitting) while it stores its structures: interrupted and resumable, as a crash leaves it', async () => {
    const { core } = served.t;
    // 600 frames by path (resumable): 10 already in the store, 590 new, stored in transactions of 500
    const path = join(served.t.dir, 'frames600-stopped.extxyz');
    writeFileSync(path, emtFramesText(600, 1000));
    await served.api.datasets.import({ kind: 'extxyz', name: 'first ten', files: [{ name: 'first10.extxyz', text: emtFramesText(10, 1000) }] });
    const structures = async () => (await core.db.read((tx) => tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM structure')))!.n;
    const before = await structures();
    // the process is told to stop when the 520th new structure is being stored (the second transaction)
    const inserts = atStructureInsert(core, 520, () => core.jobs.interruptAll());
    try {
      const pending = served.api.datasets.import({ kind: 'extxyz', name: 'stopped while storing', path, jobId: 'stopped-while-storing' });
      await expect(pending).rejects.toMatchObject({ name: 'CancelledError', message: expect.stringMatching(/kept as interrupted/) });
    } finally {
      inserts.restore();
    }
    expect(inserts.count()).toBe(520);
    // the first transaction's 490 new structures are kept with the import, out of the library; the second's was rolled back
    const ds = (await served.api.datasets.list({})).find((d) => d.name === 'stopped while storing')!;
    expect(ds).toMatchObject({ status: 'interrupted', resumable: true, partialStructures: 490, size: 0 });
    expect(await structures()).toBe(before + 490);
    // resumed, it reads the file again and reuses what it stored
    const resumed = await served.api.datasets.resumeImport({ id: ds.id });
    expect(resumed).toMatchObject({ status: 'ready', size: 600, partialStructures: 0 });
    expect(await structures()).toBe(before + 590);
  }, 120_000);

  it('refuses to delete a dataset that runs were trained on, unless they go with it', async () => {
    const ds = await served.api.datasets.import({ kind: 'cgcnn-folder', files: sampleFiles(), name: 'with runs' });
    const structure = await served.api.structures.get({ id: (await served.api.datasets.items({ id: ds.id, offset: 0, limit: 1 })).items[0].structureId });
    expect(structure.name).toBe('1000041'); // the CGCNN id
    await served.t.core.db.transaction((tx) =>
      tx.run(
        `INSERT INTO run (name, dataset_id, dataset_name, status, config, seed, epochs_planned, started_at) VALUES ('trained-here', ?, 'with runs', 'finished', '{}', 1, 1, 0)`,
        [ds.id],
      ),
    );
    await expect(served.api.datasets.delete({ id: ds.id })).rejects.toMatchObject({ name: 'UserError', message: expect.stringMatching(/“trained-here”.*could no longer be resumed/) });
    expect((await served.api.datasets.list({})).some((d) => d.id === ds.id)).toBe(true);
    // a paused run can be resumed: it is training on the dataset, and does not go with it
    const paused = await served.t.core.db.transaction(async (tx) =>
      (await tx.run(`INSERT INTO run (name, dataset_id, dataset_name, status, config, seed, epochs_planned, started_at, owner_id) VALUES ('paused-here', ?, 'with runs', 'paused', '{}', 1, 1, 0, ?)`, [ds.id, tx.ownerId()])).lastID,
    );
    await expect(served.api.datasets.delete({ id: ds.id, withRuns: true })).rejects.toMatchObject({ name: 'UserError', message: 'run “paused-here” is training on this dataset: cancel it first' });
    await served.t.core.db.transaction((tx) => tx.run('DELETE FROM run WHERE id = ?', [paused]));
    expect(await served.api.datasets.delete({ id: ds.id, withRuns: true })).toEqual({ deleted: true, runsDeleted: 1 });
    expect((await served.api.runs.list({ includeArchived: true })).some((r) => r.name === 'trained-here')).toBe(false);
  });

  it('deletes a dataset and rejects unknown ids', async () => {
    const [ds] = await served.api.datasets.list({});
    const [item] = (await served.api.datasets.items({ id: ds.id, offset: 0, limit: 1 })).items;
    await expect(served.api.structures.delete({ id: item.structureId })).rejects.toMatchObject({ name: 'UserError', message: expect.stringContaining('dataset') });
    expect(await served.api.datasets.delete({ id: ds.id })).toEqual({ deleted: true, runsDeleted: 0 });
    await expect(served.api.datasets.get({ id: ds.id })).rejects.toMatchObject({ name: 'UserError' });
    await expect(served.api.datasets.import({ kind: 'cgcnn-folder' })).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it("reports the loading of a CGCNN folder's CIFs, counted, before they are read", async () => {
    // 250 rows: the app showed only "starting…" while a folder's CIFs were loaded one by one (8–12 s for 3,000)
    const dir = mkdtempSync(join(tmpdir(), 'lw-cgcnn-'));
    const cif = readFileSync(join(SAMPLE, '1000041.cif'), 'utf8');
    for (let i = 0; i < 250; i++) writeFileSync(join(dir, `c${i}.cif`), cif);
    writeFileSync(join(dir, 'id_prop.csv'), Array.from({ length: 250 }, (_, i) => `c${i},${i}\n`).join(''));
    const progress: JobProgress[] = [];
    const off = served.api.jobs.onProgress((p) => progress.push(p));
    try {
      const ds = await served.api.datasets.import({ kind: 'cgcnn-folder', path: dir, name: 'many-cifs' });
      expect(ds.size).toBe(250);
    } finally {
      off();
      rmSync(dir, { recursive: true, force: true });
    }
    const seen = progress.filter((p) => p.kind === 'import-dataset' && p.state === 'running').map((p) => [p.message, p.done, p.total]);
    const reading = seen.findIndex(([m]) => m === 'reading files');
    expect(seen.slice(0, reading)).toEqual([
      ['reading id_prop.csv', 0, null],
      ['loading the files id_prop.csv names: 0 of 250', 0, 250],
      ['loading the files id_prop.csv names: 100 of 250', 100, 250],
      ['loading the files id_prop.csv names: 200 of 250', 200, 250],
    ]);
  });
});
