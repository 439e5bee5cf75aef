/**
 * Upgrading a database that already holds data: a store written by every earlier schema version
 * (migrations applied one by one, as an older Latticework left it) opens with the current one,
 * keeps every row, passes SQLite's integrity and foreign-key checks, and is readable by the run
 * store.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import sqlite3 from 'sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { Database } from '../../../src-main/store/database';
import { migrations } from '../../../src-main/store/migrations';
import { insertModel, modelFileNamed, registerBuiltinModels } from '../../../src-main/store/models';
import { readModelHeader } from '../../../src-main/engine/models/format';
import { resourcePath } from '../../../src-main/app/resources';
import { RunRecorder, runListEntries, type NewRun } from '../../../src-main/store/runs';
import { getSimulation, insertSimulation } from '../../../src-main/store/simulations';
import { readStructures } from '../../../src-shared/chem';
import { structureToJSON } from '../../../src-shared/chem/serialize';
import { SIMULATION_DEFAULTS } from '../../../src-shared/sim';
import { copperPoscar } from '../services/simulation-fixtures';

const dir = mkdtempSync(join(tmpdir(), 'latticework-migrate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function exec(db: sqlite3.Database, sql: string, params: unknown[] = []): Promise<void> {
  return new Promise((resolve, reject) => (params.length ? db.run(sql, params, (e) => (e ? reject(e) : resolve())) : db.exec(sql, (e) => (e ? reject(e) : resolve()))));
}

/** A database at schema version `version` (the first `version` migrations), holding data in every table that version has. */
async function oldDatabase(version: number, name = `v${version}`): Promise<string> {
  const path = join(dir, `${name}.sqlite`);
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const d = new sqlite3.Database(path, (e) => (e ? reject(e) : resolve(d)));
  });
  for (let v = 0; v < version; v++) await exec(db, `BEGIN; ${migrations[v]}; PRAGMA user_version = ${v + 1}; COMMIT;`);
  const structure = 'INSERT INTO structure (hash, name, source_file, formula, n_sites, format, data, summary, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)';
  await exec(db, structure, ['h1', 'NaCl', 'nacl.cif', 'NaCl', 2, 'cif', '{"name":"NaCl"}', '{"composition":{}}', 1]);
  await exec(db, structure, ['h2', 'Cu', 'cu.cif', 'Cu', 1, 'cif', '{"name":"Cu"}', '{"composition":{}}', 2]);
  if (version >= 2) {
    await exec(db, "INSERT INTO dataset (id, name, kind, source, target_key, size, report, atom_init, created_at) VALUES (1, 'd', 'csv', 'd.csv', 'gap', 2, '{}', NULL, 3)");
    await exec(db, "INSERT INTO dataset_item (dataset_id, idx, structure_id, name, target, per_atom) VALUES (1, 0, 1, 'NaCl', 1.5, NULL), (1, 1, 2, 'Cu', 0, NULL)");
    await exec(db, "INSERT INTO saved_config (name, preset_id, config, created_at) VALUES ('c', 'gcn', '{}', 4)");
    await exec(db, `INSERT INTO run (id, name, dataset_id, dataset_name, status, config, split, seed, backend, epochs_done, epochs_planned, best_metrics, started_at, finished_at, duration, tags)
      VALUES (1, 'old run', 1, 'd', 'finished', '{"architecture":"cgcnn"}', '{"train":[0],"val":[1],"test":[]}', 7, 'wasm', 2, 2, '{"best_epoch":1,"val_mae":0.25}', 5, 6, 1.5, '["x"]')`);
    await exec(db, "INSERT INTO model (id, name, origin, task, architecture, target, units, parameter_count, members, run_id, sha256, data, created_at) VALUES (1, 'old model', 'trained', 'regression', 'cgcnn', 'gap', 'eV', 10, 1, 1, 'abc', X'00', 7)");
    await exec(db, 'UPDATE run SET model_id = 1 WHERE id = 1');
    await exec(db, "INSERT INTO metric (run_id, key, step, epoch, value, time) VALUES (1, 'train_loss', 0, 0, 1.0, 8), (1, 'train_loss', 1, 1, 0.5, 9)");
    await exec(db, "INSERT INTO checkpoint (run_id, kind, epoch, metric, data, created_at) VALUES (1, 'last', 1, 0.25, X'0102', 10)");
    await exec(db, "INSERT INTO prediction (run_id, structure_id, name, split, target, prediction) VALUES (1, 2, 'Cu', 'validation', 0, 0.1)");
  }
  await new Promise<void>((resolve, reject) => db.close((e) => (e ? reject(e) : resolve())));
  return path;
}

const TABLES_V2 = ['dataset', 'dataset_item', 'saved_config', 'run', 'model', 'metric', 'checkpoint', 'prediction'];

describe('schema migrations on a database that holds data', () => {
  for (let version = 1; version < migrations.length; version++) {
    it(`upgrades a version ${version} database to version ${migrations.length}, keeping every row`, async () => {
      const path = await oldDatabase(version);
      const db = await Database.open(path);
      try {
        expect(await db.schemaVersion()).toBe(migrations.length);
        const count = (table: string) => db.read(async (tx) => (await tx.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n);
        expect(await count('structure')).toBe(2);
        expect(await db.read((tx) => tx.all('SELECT hash, name, data FROM structure ORDER BY id'))).toEqual([
          { hash: 'h1', name: 'NaCl', data: '{"name":"NaCl"}' },
          { hash: 'h2', name: 'Cu', data: '{"name":"Cu"}' },
        ]);
        for (const table of TABLES_V2) expect(await count(table), table).toBe(version >= 2 ? ({ dataset: 1, dataset_item: 2, metric: 2 } as Record<string, number>)[table] ?? 1 : 0);
        expect(await db.read((tx) => tx.all('PRAGMA integrity_check'))).toEqual([{ integrity_check: 'ok' }]);
        expect(await db.read((tx) => tx.all('PRAGMA foreign_key_check'))).toEqual([]);
        const runs = await db.read((tx) => runListEntries(tx));
        if (version >= 2) expect(runs).toMatchObject([{ id: 1, name: 'old run', status: 'finished', dataset: 'd', architecture: 'cgcnn', epochs: 2, bestEpoch: 1, bestMetrics: { val_mae: 0.25 }, model: 'old model' }]);
        else expect(runs).toEqual([]);
      } finally {
        await db.close();
      }
    });
  }

  it('keeps upgraded runs local, takes external runs and stores interatomic potentials (version 8)', async () => {
    const db = await Database.open(await oldDatabase(7, 'external'));
    try {
      expect(await db.read((tx) => runListEntries(tx))).toMatchObject([{ id: 1, origin: 'local', external: null }]);
      const external = { framework: 'PyTorch 1.13', hosts: ['node1'], processes: 2, nodes: 1, device: 'cpu', devices: [], distributedBackend: 'gloo', slurmJob: null, importedFrom: '/x', importedAt: 1, exportedFrom: null };
      await db.transaction((tx) =>
        tx.run("INSERT INTO run (name, dataset_name, status, config, seed, epochs_planned, started_at, origin, external) VALUES ('far', 'd', 'finished', '{}', 1, 2, 3, 'external', ?)", [JSON.stringify(external)]),
      );
      // importedAt stored in epoch ms (before session 40) is given as ISO 8601, as every other time
      expect((await db.read((tx) => runListEntries(tx)))[0]).toMatchObject({ name: 'far', origin: 'external', external: { ...external, importedAt: '1970-01-01T00:00:00.001Z' } });
      await expect(db.transaction((tx) => tx.run("UPDATE run SET origin = 'elsewhere'"))).rejects.toThrow(/CHECK/);
      await db.transaction((tx) =>
        tx.run("INSERT INTO model (name, origin, task, architecture, target, units, parameter_count, members, sha256, data, created_at) VALUES ('p', 'trained', 'potential', 'painn', 'energy', 'eV', 1, 1, 'x', X'00', 1)"),
      );
      await expect(db.transaction((tx) => tx.run("UPDATE model SET task = 'other'"))).rejects.toThrow(/CHECK/);
    } finally {
      await db.close();
    }
  });

  /** A simulation of this task, as a row. */
  const simulationRow = (id: number, task: string) =>
    `INSERT INTO simulation (id, name, task, status, structure_name, initial, calculator, calculator_spec, parameters, started_at) VALUES (${id}, '${task[0]}', '${task}', 'finished', 'Cu', '{}', 'emt', '{}', '{}', ${id})`;

  // each of versions 13–16 widens the simulation table's task CHECK for one new task, in place
  it.each([
    [13, 'relax', 'vibrations'],
    [14, 'vibrations', 'elastic'],
    [15, 'elastic', 'phonons'],
    [16, 'phonons', 'neb'],
  ])('version %i keeps the %s runs before and takes %s runs (and no task it does not know)', async (version, before, added) => {
    const path = await oldDatabase(version - 1, added);
    const old = await new Promise<sqlite3.Database>((resolve, reject) => {
      const d = new sqlite3.Database(path, (e) => (e ? reject(e) : resolve(d)));
    });
    await exec(old, simulationRow(1, before));
    await exec(old, "INSERT INTO simulation_frame (simulation_id, idx, step, energy, step_values, positions, forces) VALUES (1, 0, 0, -1.5, '{}', X'00', X'00')");
    await expect(exec(old, simulationRow(2, added))).rejects.toThrow(/CHECK/);
    await new Promise<void>((resolve, reject) => old.close((e) => (e ? reject(e) : resolve())));
    const db = await Database.open(path);
    try {
      expect(await db.read((tx) => tx.all('SELECT simulation_id, idx, energy FROM simulation_frame'))).toEqual([{ simulation_id: 1, idx: 0, energy: -1.5 }]);
      await db.transaction((tx) => tx.run(simulationRow(2, added)));
      expect(await db.read((tx) => tx.all('SELECT task FROM simulation ORDER BY id'))).toEqual([{ task: before }, { task: added }]);
      await expect(db.transaction((tx) => tx.run("UPDATE simulation SET task = 'dimer'"))).rejects.toThrow(/CHECK/);
      expect(await db.read((tx) => tx.all('PRAGMA integrity_check'))).toEqual([{ integrity_check: 'ok' }]);
    } finally {
      await db.close();
    }
  });

  it('version 17 makes model names unique, renaming the duplicates stored before and keeping every model', async () => {
    const path = await oldDatabase(16, 'model-names');
    const old = await new Promise<sqlite3.Database>((resolve, reject) => {
      const d = new sqlite3.Database(path, (e) => (e ? reject(e) : resolve(d)));
    });
    const model = (id: number, name: string, origin: string) =>
      `INSERT INTO model (id, name, origin, task, architecture, target, units, parameter_count, members, sha256, data, created_at) VALUES (${id}, '${name}', '${origin}', 'regression', 'cgcnn', 'gap', 'eV', 1, 1, 'x', X'00', ${id})`;
    // 'old model' (1) is the run's; two more of its name, a built-in's name taken by a trained model stored before it
    for (const sql of [model(2, 'old model', 'imported'), model(3, 'old model', 'trained'), model(4, 'gap', 'trained'), model(5, 'gap', 'builtin'), model(6, 'alone', 'trained')]) await exec(old, sql);
    await new Promise<void>((resolve, reject) => old.close((e) => (e ? reject(e) : resolve())));
    const db = await Database.open(path);
    try {
      // the name stays with what it resolved to (the built-in, else the newest); the others are named by their id
      expect(await db.read((tx) => tx.all('SELECT id, name FROM model ORDER BY id'))).toEqual([
        { id: 1, name: 'old model (model 1)' },
        { id: 2, name: 'old model (model 2)' },
        { id: 3, name: 'old model' },
        { id: 4, name: 'gap (model 4)' },
        { id: 5, name: 'gap' },
        { id: 6, name: 'alone' },
      ]);
      expect(await db.read((tx) => tx.get('SELECT model_id FROM run WHERE id = 1'))).toEqual({ model_id: 1 });
      await expect(db.transaction((tx) => tx.run(model(7, 'alone', 'trained')))).rejects.toThrow(/UNIQUE/);
      expect(await db.read((tx) => tx.all('PRAGMA integrity_check'))).toEqual([{ integrity_check: 'ok' }]);
    } finally {
      await db.close();
    }
  });

  it("version 20 records whether a new simulation's name was given, and leaves NULL (unknown) in those stored before", async () => {
    const path = await oldDatabase(19, 'name-given');
    const old = await new Promise<sqlite3.Database>((resolve, reject) => {
      const d = new sqlite3.Database(path, (e) => (e ? reject(e) : resolve(d)));
    });
    const initial = JSON.stringify(structureToJSON(readStructures('Cu.vasp', copperPoscar(1)).structures[0]));
    await exec(old, "INSERT INTO simulation (id, name, task, status, structure_name, initial, calculator, calculator_spec, parameters, started_at) VALUES (1, 'relax of Cu with emt #1', 'relax', 'finished', 'Cu', ?, 'emt', ?, ?, 1)", [
      initial,
      JSON.stringify({ kind: 'emt' }),
      JSON.stringify(SIMULATION_DEFAULTS.relax),
    ]);
    await new Promise<void>((resolve, reject) => old.close((e) => (e ? reject(e) : resolve())));
    const db = await Database.open(path);
    try {
      expect(await getSimulation(db, 1)).toMatchObject({ name: 'relax of Cu with emt #1', nameGiven: null });
      const id = await insertSimulation(db, { name: 'mine', task: 'relax', structureId: null, structureName: 'Cu', initial: JSON.parse(initial), calculator: 'emt', calculatorSpec: { kind: 'emt' }, parameters: SIMULATION_DEFAULTS.relax });
      expect(await db.read((tx) => tx.all('SELECT id, name_given FROM simulation ORDER BY id'))).toEqual([
        { id: 1, name_given: null },
        { id, name_given: 1 },
      ]);
    } finally {
      await db.close();
    }
  });

  it("version 21 takes the model name a property model's run of latticework train reserves from its train_command; a run training under it still refuses another", async () => {
    const path = await oldDatabase(20, 'reserved-model-name');
    const old = await new Promise<sqlite3.Database>((resolve, reject) => {
      const d = new sqlite3.Database(path, (e) => (e ? reject(e) : resolve(d)));
    });
    // a run training now in a live process (this one), and two that store their model elsewhere or nowhere
    await exec(old, "INSERT INTO owner (id, pid, host, label, started_at, lease_at) VALUES (1, ?, ?, 'latticework train', 1, ?)", [process.pid, hostname(), Date.now()]);
    const command = (more: Record<string, unknown>) => JSON.stringify({ model: 'SAME', out: null, noSave: false, force: false, ...more });
    const cliRun = (id: number, status: string, owner: number | null, more: Record<string, unknown>) =>
      exec(old, `INSERT INTO run (id, name, dataset_name, status, config, seed, epochs_planned, started_at, tags, owner_id, train_command) VALUES (${id}, 'r${id}', '/data', '${status}', '{}', 1, 2, ${id}, '["cli"]', ?, ?)`, [owner, command(more)]);
    await cliRun(2, 'running', 1, {});
    await cliRun(3, 'finished', null, { out: '/tmp/m.lwm' });
    await cliRun(4, 'finished', null, { noSave: true });
    await new Promise<void>((resolve, reject) => old.close((e) => (e ? reject(e) : resolve())));
    const db = await Database.open(path);
    try {
      expect(await db.read((tx) => tx.all('SELECT id, status, reserved_model_name FROM run ORDER BY id'))).toEqual([
        { id: 1, status: 'finished', reserved_model_name: null },
        { id: 2, status: 'running', reserved_model_name: 'SAME' },
        { id: 3, status: 'finished', reserved_model_name: null },
        { id: 4, status: 'finished', reserved_model_name: null },
      ]);
      const run: NewRun = { name: 'p', datasetId: null, datasetName: '/f.xyz', targetUnit: 'eV', status: 'running', config: {}, seed: 1, epochsPlanned: 1, tags: ['cli', 'potential'], storesModel: { name: 'SAME', force: false } };
      await expect(RunRecorder.create(db, run)).rejects.toThrow('run 2, training now, will store its model as "SAME"; choose another --name');
    } finally {
      await db.close();
    }
  });

  it('has at least one earlier version to upgrade from', () => {
    expect(migrations.length).toBeGreaterThan(1);
  });
});

describe('a model file read under its row name', () => {
  it('carries the row name in its header, and is the same bytes when they agree', () => {
    const file = readdirSync(resourcePath('models')).find((f) => f.endsWith('.lwm'))!;
    const bytes = new Uint8Array(readFileSync(join(resourcePath('models'), file)));
    const h = readModelHeader(bytes);
    expect(modelFileNamed(bytes, h.name)).toBe(bytes);
    const renamed = readModelHeader(modelFileNamed(bytes, `${h.name} (model 7)`));
    expect(renamed).toEqual({ ...h, name: `${h.name} (model 7)` });
  });
});

describe('built-in models', () => {
  it("take their names back from a model of the user's stored under one before (renamed, kept)", async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lw-builtin-names-')), 'db.sqlite');
    const db = await Database.open(path);
    try {
      const file = readdirSync(resourcePath('models')).find((f) => f.endsWith('.lwm'))!;
      const bytes = new Uint8Array(readFileSync(join(resourcePath('models'), file)));
      const name = readModelHeader(bytes).name;
      // a trained model stored under a built-in's name before that built-in was shipped
      const mine = await db.transaction((tx) => insertModel(tx, bytes, 'trained'));
      await registerBuiltinModels(db);
      expect(await db.read((tx) => tx.all('SELECT origin FROM model WHERE name = ?', [name]))).toEqual([{ origin: 'builtin' }]);
      expect(await db.read((tx) => tx.get('SELECT name, origin FROM model WHERE id = ?', [mine.id]))).toEqual({ name: `${name} (model ${mine.id})`, origin: 'trained' });
      // its file says so too: a run fine-tuned from it records the name that finds it
      const row = (await db.read((tx) => tx.get<{ data: Uint8Array; sha256: string }>('SELECT data, sha256 FROM model WHERE id = ?', [mine.id])))!;
      expect(readModelHeader(new Uint8Array(row.data)).name).toBe(`${name} (model ${mine.id})`);
      expect(row.sha256).toBe(createHash('sha256').update(row.data).digest('hex'));
    } finally {
      await db.close();
    }
  });
});
