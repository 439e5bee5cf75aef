/**
 * The command line and the app's database: a model repository kept in SQLite (so that
 * `latticework predict --model NAME` finds the built-in, imported and trained models of
 * the app, and `import-model` / `train` store into it), and a run recorder for
 * `latticework train --db` (the training command's `TrainHooks`).
 *
 * Wiring (src-main/cli/index.ts): `setModelRepository(new SqliteModelRepository(dbPath))`
 * before running a command, and `makeTrainCommand(sqliteTrainHooks)` instead of `trainCommand`.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { decodeModelFile, encodeModelFile, type ModelFileData } from '../engine/models/format';
import { safeModelName, summarize, type ModelRepository, type ModelSummary } from '../models/store';
import type { Checkpoint } from '../engine/train/checkpoint';
import { encodeCheckpoint } from '../engine/train/checkpoint';
import type { EpochProgress, TrainingResult } from '../engine/train/trainer';
import type { ModelConfig } from '../../src-shared/model/config';
import { platformDataDirectory, resolveDatabasePath } from '../app/paths';
import { Database } from '../store/database';
import { insertModel, readLwmHeader, registerBuiltinModels } from './models';

const LOCATION = 'sqlite:';

interface Row {
  id: number;
  name: string;
  origin: string;
  data: Uint8Array;
}

/** Lower-case slug for loose name matching ("CGCNN band gap" ~ "cgcnn-band-gap"). */
function slug(name: string): string {
  try {
    return safeModelName(name).toLowerCase();
  } catch {
    return name.toLowerCase();
  }
}

function stem(file: string | undefined): string | null {
  if (!file) return null;
  return file.replace(/\.pth\.tar$/i, '').replace(/\.lwm$/i, '').toLowerCase();
}

/** Models in the app's SQLite database (the built-in ones registered on first use). */
export class SqliteModelRepository implements ModelRepository {
  private opened: Promise<Database> | null = null;

  constructor(readonly databasePath: string) {}

  private db(): Promise<Database> {
    this.opened ??= Database.open(this.databasePath).then(async (db) => {
      try {
        await registerBuiltinModels(db);
      } catch {
        // no resources folder (e.g. a bare build): the stored models still resolve
      }
      return db;
    });
    return this.opened;
  }

  async close(): Promise<void> {
    if (this.opened) await (await this.opened).close();
    this.opened = null;
  }

  private async rows(): Promise<Row[]> {
    const db = await this.db();
    return db.read((tx) => tx.all<Row>("SELECT id, name, origin, data FROM model ORDER BY origin = 'builtin' DESC, id DESC"));
  }

  /** Exact name, then case-insensitive slug, then the original file's stem (e.g. `formation-energy-per-atom`). */
  private async find(name: string): Promise<Row | null> {
    const rows = await this.rows();
    return (
      rows.find((r) => r.name === name) ??
      rows.find((r) => slug(r.name) === slug(name)) ??
      rows.find((r) => stem(readLwmHeader(new Uint8Array(r.data)).provenance.file) === stem(name)) ??
      null
    );
  }

  async save(data: ModelFileData, opts: { overwrite?: boolean } = {}): Promise<string> {
    const db = await this.db();
    const bytes = encodeModelFile(data);
    const origin = data.header.provenance.source === 'training' ? 'trained' : 'imported';
    const id = await db.transaction(async (tx) => {
      const same = await tx.all<{ id: number; origin: string }>('SELECT id, origin FROM model WHERE name = ?', [data.header.name]);
      if (same.some((r) => r.origin === 'builtin')) throw new Error(`"${data.header.name}" is the name of a built-in model; choose another --name`);
      if (same.length && !opts.overwrite) throw new Error(`a model named "${data.header.name}" already exists in ${this.databasePath}; choose another --name or use --force`);
      for (const r of same) await tx.run('DELETE FROM model WHERE id = ?', [r.id]);
      return insertModel(tx, bytes, origin);
    });
    return `${LOCATION}${this.databasePath}#model=${id}`;
  }

  async load(name: string): Promise<ModelFileData | null> {
    const r = await this.find(name);
    return r ? decodeModelFile(new Uint8Array(r.data)) : null;
  }

  async exists(name: string): Promise<boolean> {
    return (await this.find(name)) !== null;
  }

  async list(): Promise<ModelSummary[]> {
    return (await this.rows()).map((r) => {
      const h = decodeModelFile(new Uint8Array(r.data)).header;
      return summarize(h, `${LOCATION}${this.databasePath}#model=${r.id}`);
    });
  }
}

/** The database the command line uses: `--db`, else LATTICEWORK_DB, else the data directory's. */
export function cliDatabasePath(db?: string): string {
  return resolveDatabasePath(platformDataDirectory(), db);
}

/** What `latticework train` tells its recorder (structurally the command's TrainRunInfo). */
export interface CliRunInfo {
  config: ModelConfig;
  dataset: { source: string; structures: number; target: string; perAtom: boolean };
  backend: string;
  db?: string;
}

export interface CliTrainHooks {
  onStart(info: CliRunInfo): Promise<void>;
  onEpoch(e: EpochProgress): Promise<void>;
  onCheckpoint(c: Checkpoint, info: { epoch: number; isBest: boolean }): Promise<void>;
  onFinish(r: TrainingResult, model: { location: string | null }): Promise<void>;
  onError(e: Error): Promise<void>;
}

/**
 * Records a command-line training run in the database (`run`, `metric`, `checkpoint`, and the
 * model in `model` when it was written to a file or to this database). The run has no dataset
 * row (`dataset_id` NULL, `dataset_name` = the data path); a killed `latticework train` leaves
 * it 'running' until the next app start marks it interrupted.
 */
export async function sqliteTrainHooks(opts: { db?: string }): Promise<CliTrainHooks> {
  let db: Database | null = null;
  let runId = 0;
  let bestMetrics: Record<string, number> = {};
  const t0 = Date.now();
  const write = async (work: Parameters<Database['transaction']>[0]) => {
    if (db && runId) await db.transaction(work);
  };
  return {
    async onStart(info) {
      db = await Database.open(cliDatabasePath(info.db ?? opts.db));
      const now = Date.now();
      runId = await db.transaction(async (tx) => {
        const { lastID } = await tx.run(
          `INSERT INTO run (name, dataset_id, dataset_name, status, config, seed, backend, epochs_planned, started_at, tags)
           VALUES (?, NULL, ?, 'running', ?, ?, ?, ?, ?, '["cli"]')`,
          [`${info.config.preset ?? info.config.architecture} on ${info.dataset.source}`, info.dataset.source, JSON.stringify(info.config), info.config.training.seed, info.backend, info.config.training.epochs, now],
        );
        return lastID;
      });
    },
    async onEpoch(e) {
      const now = Date.now();
      const prefix = e.fold !== null ? `fold${e.fold}_` : '';
      const values: Record<string, number> = { train_loss: e.trainLoss, lr: e.lr, epoch_seconds: e.seconds, structures_per_second: e.structuresPerSecond };
      if (e.valLoss !== null) values.val_loss = e.valLoss;
      for (const [k, v] of Object.entries(e.trainMetrics)) values[`train_${k}`] = v;
      for (const [k, v] of Object.entries(e.valMetrics)) values[`val_${k}`] = v;
      if (e.isBest) {
        bestMetrics = { best_epoch: e.epoch };
        for (const [k, v] of Object.entries(e.valMetrics)) if (Number.isFinite(v)) bestMetrics[`val_${k}`] = v;
      }
      await write(async (tx) => {
        for (const [k, v] of Object.entries(values)) {
          if (Number.isFinite(v)) await tx.run('INSERT INTO metric (run_id, key, step, epoch, value, time) VALUES (?, ?, ?, ?, ?, ?)', [runId, prefix + k, e.epoch, e.epoch, v, now]);
        }
      });
    },
    async onCheckpoint(c, info) {
      const bytes = encodeCheckpoint(c);
      const now = Date.now();
      await write(async (tx) => {
        await tx.run("INSERT OR REPLACE INTO checkpoint (run_id, kind, epoch, metric, data, created_at) VALUES (?, 'last', ?, ?, ?, ?)", [runId, info.epoch, c.best?.metric ?? null, bytes, now]);
        if (info.isBest) await tx.run("INSERT OR REPLACE INTO checkpoint (run_id, kind, epoch, metric, data, created_at) VALUES (?, 'best', ?, ?, ?, ?)", [runId, info.epoch, c.best?.metric ?? null, bytes, now]);
        await tx.run('UPDATE run SET epochs_done = ?, split = ?, best_metrics = ?, duration = ? WHERE id = ?', [c.epoch, JSON.stringify(c.split), JSON.stringify(bestMetrics), (Date.now() - t0) / 1000, runId]);
      });
    },
    async onFinish(r, model) {
      const now = Date.now();
      const best = { ...bestMetrics };
      for (const [k, v] of Object.entries(r.test?.metrics ?? {})) if (Number.isFinite(v)) best[`test_${k}`] = v;
      await write(async (tx) => {
        for (const [k, v] of Object.entries(r.test?.metrics ?? {})) {
          if (Number.isFinite(v)) await tx.run('INSERT INTO metric (run_id, key, step, epoch, value, time) VALUES (?, ?, ?, ?, ?, ?)', [runId, `test_${k}`, r.bestEpoch, r.bestEpoch, v, now]);
        }
        let modelId: number | null = null;
        const loc = model.location;
        if (loc?.startsWith(LOCATION)) modelId = Number(/#model=(\d+)$/.exec(loc)?.[1] ?? 0) || null;
        else if (loc) {
          const bytes = new Uint8Array(readFileSync(loc));
          const sha = createHash('sha256').update(bytes).digest('hex');
          const existing = await tx.get<{ id: number }>('SELECT id FROM model WHERE sha256 = ?', [sha]);
          modelId = existing?.id ?? (await insertModel(tx, bytes, 'trained', { runId, now }));
        }
        if (modelId !== null) await tx.run('UPDATE model SET run_id = ? WHERE id = ?', [runId, modelId]);
        await tx.run('UPDATE run SET status = ?, finished_at = ?, duration = ?, epochs_done = ?, best_metrics = ?, model_id = ? WHERE id = ?', [
          r.status === 'cancelled' ? 'cancelled' : 'finished',
          now,
          (now - t0) / 1000,
          r.history.length,
          JSON.stringify(best),
          modelId,
          runId,
        ]);
      });
      await db?.close();
      db = null;
    },
    async onError(e) {
      await write((tx) => tx.run("UPDATE run SET status = 'failed', error = ?, finished_at = ? WHERE id = ?", [e.message, Date.now(), runId]));
      await db?.close();
      db = null;
    },
  };
}
