/**
 * The command line and the app's database: a model repository kept in SQLite (so that
 * `latticework predict --model NAME` finds the built-in, imported and trained models of
 * the app, and `import-model` / `train` store into it), and a run recorder for
 * `latticework train --db` (the training command's `TrainHooks`).
 *
 * Wiring: src-main/cli/index.ts runs the model commands inside `withModelRepository(--db)`;
 * `latticework train` records through `sqliteTrainHooks`.
 */
import { readFileSync } from 'node:fs';
import { decodeModelFile, encodeModelFile, type ModelFileData } from '../engine/models/format';
import { safeModelName, setModelRepository, summarize, type ModelRepository, type ModelSummary } from '../models/store';
import type { Checkpoint } from '../engine/train/checkpoint';
import { encodeCheckpoint } from '../engine/train/checkpoint';
import type { EpochProgress, TrainingResult } from '../engine/train/trainer';
import type { ModelConfig } from '../../src-shared/model/config';
import { platformDataDirectory, resolveDatabasePath } from '../app/paths';
import { Database } from '../store/database';
import { insertModel, readLwmHeader, registerBuiltinModels } from '../store/models';
import { RunRecorder } from '../store/runs';

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

/** Runs `work` with the database's models as the model repository (`predict --model NAME`, `import-model`, `train`). */
export async function withModelRepository<T>(db: string | undefined, work: () => Promise<T>): Promise<T> {
  const repository = new SqliteModelRepository(cliDatabasePath(db));
  setModelRepository(repository);
  try {
    return await work();
  } finally {
    setModelRepository(null);
    await repository.close();
  }
}

/** The database the command line uses: `--db`, else LATTICEWORK_DB, else the data directory's. */
export function cliDatabasePath(db?: string): string {
  return resolveDatabasePath(platformDataDirectory(), db);
}

/** What `latticework train` tells its recorder (structurally the command's TrainRunInfo). */
export interface CliRunInfo {
  name: string;
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
 * Records a command-line training run in the database through the run store's `RunRecorder`,
 * as the app records its runs. The run has no dataset row (`dataset_id` NULL, `dataset_name` =
 * the data path); a killed `latticework train` leaves it 'running' until the next app start
 * marks it interrupted.
 */
export async function sqliteTrainHooks(opts: { db?: string }): Promise<CliTrainHooks> {
  let db: Database | null = null;
  let recorder: RunRecorder | null = null;
  let backend = '';
  let started = false;
  const t0 = Date.now();
  const seconds = () => (Date.now() - t0) / 1000;
  const close = async () => {
    await db?.close();
    db = null;
    recorder = null;
  };
  return {
    async onStart(info) {
      db = await Database.open(cliDatabasePath(info.db ?? opts.db));
      backend = info.backend;
      recorder = await RunRecorder.create(db, {
        name: info.name,
        datasetId: null,
        datasetName: info.dataset.source,
        status: 'running',
        config: info.config as unknown as Record<string, unknown>,
        seed: info.config.training.seed,
        backend,
        epochsPlanned: info.config.training.epochs * (info.config.training.kFold ?? 1),
        tags: ['cli'],
      });
    },
    async onEpoch(e) {
      recorder?.epoch(e.fold !== null ? { ...e, epoch: e.fold * e.epochs + e.epoch } : e);
    },
    async onCheckpoint(c, info) {
      if (!recorder) return;
      if (!started) await recorder.started(backend, c.split);
      started = true;
      await recorder.checkpoint({ epoch: info.epoch, isBest: info.isBest, metric: c.best?.metric ?? null, bytes: encodeCheckpoint(c) }, seconds());
    },
    async onFinish(r, model) {
      if (!recorder) return;
      if (r.status === 'cancelled') await recorder.status('cancelled', { duration: seconds(), finished: true });
      else {
        // the model went to this database (its id is in the location) or to a file (stored here too)
        const loc = model.location;
        const inStore = loc?.startsWith(LOCATION) ? Number(/#model=(\d+)$/.exec(loc)?.[1] ?? 0) || null : null;
        await recorder.finish(
          {
            bestEpoch: r.bestEpoch,
            epochsDone: r.history.length,
            valMetrics: r.val?.metrics ?? {},
            testMetrics: r.test?.metrics ?? {},
            predictions: [],
            modelFile: loc && inStore === null ? new Uint8Array(readFileSync(loc)) : null,
            modelId: inStore,
          },
          seconds(),
        );
      }
      await close();
    },
    async onError(e) {
      await recorder?.status('failed', { error: e.message, finished: true, duration: seconds() });
      await close();
    },
  };
}
