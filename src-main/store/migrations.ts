/**
 * Schema migrations, in order. Migration i brings the schema from version i to
 * i + 1 (PRAGMA user_version). Never edit a released migration: append a new one.
 * The schema is documented for users in docs/database.md.
 */
export const migrations: string[] = [
  // 1: structures read from files, stored once per content hash.
  `
  CREATE TABLE structure (
    id INTEGER PRIMARY KEY,
    hash TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    source_file TEXT NOT NULL,
    block TEXT,
    formula TEXT NOT NULL,
    n_sites INTEGER NOT NULL,
    format TEXT NOT NULL,
    data TEXT NOT NULL,
    summary TEXT NOT NULL,
    warnings TEXT NOT NULL DEFAULT '[]',
    created_at INTEGER NOT NULL
  );
  CREATE INDEX structure_created ON structure(created_at);
  `,
  // 2: datasets, models, saved configs, training runs with metrics, checkpoints and predictions.
  `
  CREATE TABLE dataset (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('cgcnn-folder', 'extxyz', 'csv')),
    source TEXT NOT NULL,
    target_key TEXT NOT NULL,
    size INTEGER NOT NULL,
    report TEXT NOT NULL,
    atom_init TEXT,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE dataset_item (
    dataset_id INTEGER NOT NULL REFERENCES dataset(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    structure_id INTEGER NOT NULL REFERENCES structure(id),
    name TEXT NOT NULL,
    target REAL NOT NULL,
    per_atom TEXT,
    PRIMARY KEY (dataset_id, idx)
  );
  CREATE INDEX dataset_item_structure ON dataset_item(structure_id);
  CREATE TABLE saved_config (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    preset_id TEXT,
    config TEXT NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE TABLE run (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    dataset_id INTEGER REFERENCES dataset(id) ON DELETE SET NULL,
    dataset_name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'paused', 'finished', 'failed', 'cancelled', 'interrupted')),
    config TEXT NOT NULL,
    split TEXT,
    seed INTEGER NOT NULL,
    backend TEXT NOT NULL DEFAULT '',
    epochs_done INTEGER NOT NULL DEFAULT 0,
    epochs_planned INTEGER NOT NULL,
    best_metrics TEXT NOT NULL DEFAULT '{}',
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    duration REAL NOT NULL DEFAULT 0,
    tags TEXT NOT NULL DEFAULT '[]',
    notes TEXT NOT NULL DEFAULT '',
    archived INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    model_id INTEGER REFERENCES model(id) ON DELETE SET NULL
  );
  CREATE INDEX run_status ON run(status);
  CREATE TABLE model (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    origin TEXT NOT NULL CHECK (origin IN ('builtin', 'imported', 'trained')),
    task TEXT NOT NULL CHECK (task IN ('regression', 'classification', 'per-atom')),
    architecture TEXT NOT NULL,
    target TEXT NOT NULL,
    units TEXT NOT NULL,
    parameter_count INTEGER NOT NULL,
    members INTEGER NOT NULL,
    run_id INTEGER REFERENCES run(id) ON DELETE SET NULL,
    description TEXT NOT NULL DEFAULT '',
    sha256 TEXT NOT NULL,
    data BLOB NOT NULL,
    created_at INTEGER NOT NULL
  );
  CREATE UNIQUE INDEX model_builtin_name ON model(name) WHERE origin = 'builtin';
  CREATE TABLE metric (
    run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
    key TEXT NOT NULL,
    step INTEGER NOT NULL,
    epoch INTEGER NOT NULL,
    value REAL NOT NULL,
    time INTEGER NOT NULL
  );
  CREATE INDEX metric_run_key_step ON metric(run_id, key, step);
  CREATE TABLE checkpoint (
    run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('last', 'best')),
    epoch INTEGER NOT NULL,
    metric REAL,
    data BLOB NOT NULL,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (run_id, kind)
  );
  CREATE TABLE prediction (
    run_id INTEGER NOT NULL REFERENCES run(id) ON DELETE CASCADE,
    structure_id INTEGER NOT NULL REFERENCES structure(id) ON DELETE CASCADE,
    name TEXT NOT NULL,
    split TEXT NOT NULL CHECK (split IN ('train', 'validation', 'test')),
    target REAL NOT NULL,
    prediction REAL NOT NULL
  );
  CREATE INDEX prediction_run ON prediction(run_id, split);
  `,
  // 3: a dataset import records itself while it runs ('importing'); one a previous process left
  // running is 'interrupted' (resume or discard). The structures an import stored first are
  // attributed to it, so that an unfinished import's structures never show in the library.
  `
  ALTER TABLE dataset ADD COLUMN status TEXT NOT NULL DEFAULT 'ready' CHECK (status IN ('importing', 'interrupted', 'ready'));
  ALTER TABLE dataset ADD COLUMN import_options TEXT;
  ALTER TABLE structure ADD COLUMN import_dataset_id INTEGER REFERENCES dataset(id) ON DELETE SET NULL;
  CREATE INDEX structure_import ON structure(import_dataset_id) WHERE import_dataset_id IS NOT NULL;
  `,
  // 4: simulation runs (relaxation, molecular dynamics, equation of state) with their frames and
  // per-step values, written as they come so that a killed process keeps every frame written.
  `
  CREATE TABLE simulation (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    task TEXT NOT NULL CHECK (task IN ('relax', 'md', 'eos')),
    status TEXT NOT NULL CHECK (status IN ('queued', 'running', 'finished', 'failed', 'cancelled', 'interrupted')),
    structure_id INTEGER REFERENCES structure(id) ON DELETE SET NULL,
    structure_name TEXT NOT NULL,
    initial TEXT NOT NULL,
    calculator TEXT NOT NULL,
    calculator_spec TEXT NOT NULL,
    parameters TEXT NOT NULL,
    message TEXT NOT NULL DEFAULT '',
    summary TEXT,
    final TEXT,
    steps_done INTEGER NOT NULL DEFAULT 0,
    frames INTEGER NOT NULL DEFAULT 0,
    started_at INTEGER NOT NULL,
    finished_at INTEGER,
    duration REAL NOT NULL DEFAULT 0
  );
  CREATE INDEX simulation_status ON simulation(status);
  CREATE TABLE simulation_frame (
    simulation_id INTEGER NOT NULL REFERENCES simulation(id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    step INTEGER NOT NULL,
    time REAL,
    energy REAL NOT NULL,
    step_values TEXT NOT NULL,
    lattice TEXT,
    positions BLOB NOT NULL,
    forces BLOB NOT NULL,
    stress TEXT,
    PRIMARY KEY (simulation_id, idx)
  );
  CREATE TABLE simulation_step (
    simulation_id INTEGER NOT NULL REFERENCES simulation(id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    step_values TEXT NOT NULL,
    PRIMARY KEY (simulation_id, step)
  );
  `,
  // 5: datasets of labelled frames (kind 'frames': VASP outputs, trajectories, extended XYZ, ASE
  // databases). SQLite cannot alter a CHECK constraint, and rebuilding the dataset table would
  // cascade into its items and runs: the constraint's text is edited in place (writable_schema, as
  // SQLite documents for CHECK changes, which leave the stored rows as they are) and the schema
  // reloaded.
  `
  PRAGMA writable_schema = ON;
  UPDATE sqlite_master SET sql = replace(sql, 'CHECK (kind IN (''cgcnn-folder'', ''extxyz'', ''csv''))', 'CHECK (kind IN (''cgcnn-folder'', ''extxyz'', ''csv'', ''frames''))')
    WHERE type = 'table' AND name = 'dataset';
  PRAGMA writable_schema = RESET;
  `,
  // 6: the space group of each structure (JSON SpaceGroupSummary, 'null' for a molecule; NULL = not analysed yet).
  `
  ALTER TABLE structure ADD COLUMN space_group TEXT;
  `,
  // 7: trajectories: a multi-frame file (VASP run, XDATCAR, multi-frame XYZ) imported as one item,
  // its frames stored as structures (once per content) and listed in order.
  `
  CREATE TABLE trajectory (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    source_file TEXT NOT NULL,
    format TEXT NOT NULL,
    structure_ids TEXT NOT NULL,
    frames INTEGER NOT NULL,
    created_at INTEGER NOT NULL
  );
  `,
  // 8: runs trained elsewhere and brought back (`latticework import-run`: a PyTorch run exported by
  // `latticework export`): `origin` 'external' and where and how it ran (JSON: hosts, processes,
  // devices, distributed backend, framework, the folder it came from). Models may be interatomic
  // potentials (task 'potential'): the model table's CHECK is widened in place as in migration 5.
  `
  ALTER TABLE run ADD COLUMN origin TEXT NOT NULL DEFAULT 'local' CHECK (origin IN ('local', 'external'));
  ALTER TABLE run ADD COLUMN external TEXT;
  PRAGMA writable_schema = ON;
  UPDATE sqlite_master SET sql = replace(sql, 'CHECK (task IN (''regression'', ''classification'', ''per-atom''))', 'CHECK (task IN (''regression'', ''classification'', ''per-atom'', ''potential''))')
    WHERE type = 'table' AND name = 'model';
  PRAGMA writable_schema = RESET;
  `,
  // 9: the data-parallel workers a run trained with (1: one thread).
  `
  ALTER TABLE run ADD COLUMN workers INTEGER NOT NULL DEFAULT 1;
  `,
  // 10: the unit of a dataset's target (set at import; '' none) and of the target a run learns
  // (recorded when it starts). NULL: stored before units were (a dataset's is then read from its
  // target's name).
  `
  ALTER TABLE dataset ADD COLUMN target_unit TEXT;
  ALTER TABLE run ADD COLUMN target_unit TEXT;
  `,
  // 11: where a simulation with a trained potential left its training structures (JSON array of
  // sentences, src-shared/model/potential-domain); NULL: a built-in calculator, or stored before.
  `
  ALTER TABLE simulation ADD COLUMN warnings TEXT;
  `,
  // 12: an MD frame's velocities (Å/fs, little-endian float64, 3 per atom), so that a run can continue
  // from it; NULL for relaxation and equation-of-state frames, and for frames stored before.
  `
  ALTER TABLE simulation_frame ADD COLUMN velocities BLOB;
  `,
  // 13: vibrations runs (harmonic modes at the Γ point, src-shared/sim/vibrations.ts): the
  // simulation table's task CHECK is widened in place, as in migration 5.
  `
  PRAGMA writable_schema = ON;
  UPDATE sqlite_master SET sql = replace(sql, 'CHECK (task IN (''relax'', ''md'', ''eos''))', 'CHECK (task IN (''relax'', ''md'', ''eos'', ''vibrations''))')
    WHERE type = 'table' AND name = 'simulation';
  PRAGMA writable_schema = RESET;
  `,
  // 14: elastic-constants runs (src-shared/sim/elastic.ts): the task CHECK widened again, as in 13.
  `
  PRAGMA writable_schema = ON;
  UPDATE sqlite_master SET sql = replace(sql, 'CHECK (task IN (''relax'', ''md'', ''eos'', ''vibrations''))', 'CHECK (task IN (''relax'', ''md'', ''eos'', ''vibrations'', ''elastic''))')
    WHERE type = 'table' AND name = 'simulation';
  PRAGMA writable_schema = RESET;
  `,
  // 15: phonon runs (src-shared/sim/phonons.ts): the task CHECK widened again, as in 13.
  `
  PRAGMA writable_schema = ON;
  UPDATE sqlite_master SET sql = replace(sql, 'CHECK (task IN (''relax'', ''md'', ''eos'', ''vibrations'', ''elastic''))', 'CHECK (task IN (''relax'', ''md'', ''eos'', ''vibrations'', ''elastic'', ''phonons''))')
    WHERE type = 'table' AND name = 'simulation';
  PRAGMA writable_schema = RESET;
  `,
  // 16: nudged elastic bands (src-shared/sim/neb.ts): the task CHECK widened again, as in 13.
  `
  PRAGMA writable_schema = ON;
  UPDATE sqlite_master SET sql = replace(sql, 'CHECK (task IN (''relax'', ''md'', ''eos'', ''vibrations'', ''elastic'', ''phonons''))', 'CHECK (task IN (''relax'', ''md'', ''eos'', ''vibrations'', ''elastic'', ''phonons'', ''neb''))')
    WHERE type = 'table' AND name = 'simulation';
  PRAGMA writable_schema = RESET;
  `,
  // 17: model names are unique (a name names one model: predict, train --from, train --force). Models
  // stored before under a name another model has are renamed "NAME (model ID)", every one kept: the
  // one a name resolved to stays (the built-in, else the newest); the file in the row keeps its header
  // name, and is read with the row's (store/models.ts modelFileNamed).
  `
  UPDATE model SET name = name || ' (model ' || id || ')'
    WHERE EXISTS (SELECT 1 FROM model AS other WHERE other.name = model.name AND other.id <> model.id AND (other.origin = 'builtin' OR (model.origin <> 'builtin' AND other.id > model.id)));
  DROP INDEX model_builtin_name;
  CREATE UNIQUE INDEX model_name ON model(name);
  `,
  // 18: active work belongs to a live process (store/owners.ts): one owner row per process that has
  // the store open (pid, host, what it is, a lease it renews), and the owner of each run, simulation
  // and import while it is active. Only work whose owner is gone is marked 'interrupted'. AUTOINCREMENT:
  // an owner's id is never given to a later process (its work would look that process's).
  `
  CREATE TABLE owner (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    label TEXT NOT NULL,
    started_at INTEGER NOT NULL,
    lease_at INTEGER NOT NULL
  );
  ALTER TABLE run ADD COLUMN owner_id INTEGER;
  ALTER TABLE simulation ADD COLUMN owner_id INTEGER;
  ALTER TABLE dataset ADD COLUMN owner_id INTEGER;
  `,
  // 19: how a run of \`latticework train\` read its data (path, --target, --limit, what it read) and
  // where its model goes (JSON TrainCommandRecord), so that \`train --resume\` continues it; NULL for the
  // app's runs and for command-line runs recorded before.
  `
  ALTER TABLE run ADD COLUMN train_command TEXT;
  `,
  // 20: whether a simulation's name was given (1) or made when it was stored ("relax of Cu4 with emt #12",
  // store/simulations.ts insertSimulation; 0), so that a run's form takes a given name back and leaves an
  // automatic one; NULL: stored before (the automatic names have changed over time).
  `
  ALTER TABLE simulation ADD COLUMN name_given INTEGER;
  `,
  // 21: the name under which a run of \`latticework train\` stores its model in the store, a property model's
  // or a potential's (NULL: it stores none there, --out or --no-save, or it is the app's run, which stores
  // under a free name), so that one query reserves it for both (store/runs.ts reserveModelName);
  // a property model's run recorded before takes it from its train_command.
  `
  ALTER TABLE run ADD COLUMN reserved_model_name TEXT;
  UPDATE run SET reserved_model_name = json_extract(train_command, '$.model')
    WHERE train_command IS NOT NULL AND json_extract(train_command, '$.out') IS NULL AND NOT json_extract(train_command, '$.noSave');
  `,
];
