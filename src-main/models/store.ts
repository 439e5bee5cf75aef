/**
 * Where models live for the command line: the `model` table of the database, the app's own
 * (built-in, imported and trained models; `store/models.ts` holds the table's SQL). Commands that
 * work with models run inside `withModelRepository(--db)`; `resolveModel` finds a model by file or
 * by name.
 *
 * Names follow the app's rule (src-shared/model/names.ts): stored as given, in any script.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { databasePath } from '../app/paths';
import { readNamedFile } from '../files/path-guard';
import { decodeModelFile, encodeModelFile, isModelFile, readModelHeader, type ModelFileData, type ModelHeader } from '../engine/models/format';
import type { Database, Tx } from '../store/database';
import { modelFileStem, modelNameSlug } from '../../src-shared/model/names';

export interface ModelSummary {
  name: string;
  task: ModelHeader['task'];
  architecture: string;
  targets: ModelHeader['targets'];
  members: number;
  source: string;
  createdAt: string;
  /** Where it is stored (file path or repository-specific id). */
  location: string;
}

export function summarize(h: ModelHeader, location: string): ModelSummary {
  return {
    name: h.name,
    task: h.task,
    architecture: h.config.architecture,
    targets: h.targets,
    members: h.members,
    source: h.provenance.source,
    createdAt: h.provenance.createdAt,
    location,
  };
}

const LOCATION = 'sqlite:';

/** The id of a model in the database from the location `save` returned (`sqlite:PATH#model=ID`); null for a file. */
export function storedModelId(location: string): number | null {
  return location.startsWith(LOCATION) ? Number(/#model=(\d+)$/.exec(location)?.[1] ?? 0) || null : null;
}

interface Row {
  id: number;
  name: string;
  origin: string;
  data: Uint8Array;
}

/** The models of a database (the built-in ones registered on first use). */
/** What to do when a model's name is a built-in's, or a stored model's (`saveProblem`). */
export interface SaveAdvice {
  builtin: string;
  taken: string;
}

/** A command that takes --name: choose another (or --force over a stored model). */
const NAME_ADVICE: SaveAdvice = { builtin: 'choose another --name', taken: 'choose another --name or use --force' };

export class ModelRepository {
  private opened: Promise<Database> | null = null;

  constructor(readonly databasePath: string) {}

  // SQLite is loaded when the database is first used, not with this module: a model command's start-up
  // (screening starts its workers first) does not wait for it
  private db(): Promise<Database> {
    this.opened ??= Promise.all([import('../store/database'), import('../store/models')]).then(async ([{ Database }, { modelRenamedNote, registerBuiltinModels }]) => {
      const db = await Database.open(this.databasePath);
      try {
        for (const r of (await registerBuiltinModels(db)).renamed) console.warn(`latticework: ${modelRenamedNote(r)}`);
      } catch {
        // no resources folder (e.g. a bare build): the stored models still resolve
      }
      return db;
    });
    return this.opened;
  }

  async close(): Promise<void> {
    // a database that could not be opened has nothing to close: its refusal was the command's to say
    const db = await this.opened?.catch(() => null);
    this.opened = null;
    await db?.close();
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
      rows.find((r) => modelNameSlug(r.name) === modelNameSlug(name)) ??
      rows.find((r) => {
        const file = readModelHeader(new Uint8Array(r.data)).provenance.file;
        return file !== undefined && modelFileStem(file) === modelFileStem(name);
      }) ??
      null
    );
  }

  /**
   * Why `save` would refuse a model named `name` (one a built-in answers to: store/models.ts builtinAnsweringTo;
   * a stored one's without `overwrite`), or null; `advice`: what to do instead, for each (a command that takes
   * --name: choose another).
   */
  private async nameProblem(tx: Tx, name: string, overwrite: boolean, advice: SaveAdvice = NAME_ADVICE): Promise<string | null> {
    const { builtinNameProblem } = await import('../store/models');
    const builtin = await builtinNameProblem(tx, name, advice.builtin);
    if (builtin) return builtin;
    if (!overwrite && (await tx.get('SELECT 1 FROM model WHERE name = ?', [name]))) return `a model named "${name}" already exists in ${this.databasePath}; ${advice.taken}`;
    return null;
  }

  /** Why a model named `name` cannot be saved, or null: a command that stores what it trains checks it before any work. */
  async saveProblem(name: string, opts: { overwrite?: boolean; advice?: SaveAdvice } = {}): Promise<string | null> {
    const db = await this.db();
    return db.read((tx) => this.nameProblem(tx, name, !!opts.overwrite, opts.advice));
  }

  async save(data: ModelFileData, opts: { overwrite?: boolean } = {}): Promise<string> {
    const db = await this.db();
    const { insertModel } = await import('../store/models');
    const bytes = encodeModelFile(data);
    const origin = data.header.provenance.source === 'training' ? 'trained' : 'imported';
    const id = await db.transaction(async (tx) => {
      const problem = await this.nameProblem(tx, data.header.name, !!opts.overwrite);
      if (problem) throw new Error(problem);
      await tx.run('DELETE FROM model WHERE name = ?', [data.header.name]);
      return (await insertModel(tx, bytes, origin)).id;
    });
    return `${LOCATION}${this.databasePath}#model=${id}`;
  }

  // a model is named by its row, as the app reads it (store/models.ts modelFileNamed: migration 17 renamed duplicates in the table only)
  async load(name: string): Promise<ModelFileData | null> {
    const r = await this.find(name);
    if (!r) return null;
    const data = decodeModelFile(new Uint8Array(r.data));
    data.header.name = r.name;
    return data;
  }

  async exists(name: string): Promise<boolean> {
    return (await this.find(name)) !== null;
  }

  async list(): Promise<ModelSummary[]> {
    return (await this.rows()).map((r) => summarize({ ...readModelHeader(new Uint8Array(r.data)), name: r.name }, `${LOCATION}${this.databasePath}#model=${r.id}`));
  }
}

let repository: ModelRepository | null = null;

/** The model repository in use: the one `withModelRepository` opened, else the default database's. */
export function modelRepository(): ModelRepository {
  repository ??= new ModelRepository(databasePath());
  return repository;
}

/** Runs `work` with the models of a database (`--db`, else $LATTICEWORK_DB, else the data directory's) as the repository. */
export async function withModelRepository<T>(db: string | undefined, work: () => Promise<T>): Promise<T> {
  const previous = repository;
  const opened = new ModelRepository(databasePath(db));
  repository = opened;
  try {
    return await work();
  } finally {
    repository = previous;
    await opened.close();
  }
}

/**
 * Resolves `--model NAME_OR_FILE` (`option`: `--from` for train): an existing file path (`.lwm`, or a CGCNN
 * `.pth.tar` imported on the fly) wins over a stored model name. A path that cannot be read (a folder) is
 * refused naming the option and the path (readNamedFile).
 */
export async function resolveModel(nameOrFile: string, cwd: string, importPth?: (bytes: Uint8Array, fileName: string) => ModelFileData, option = '--model'): Promise<ModelFileData> {
  const p = resolve(cwd, nameOrFile);
  if (existsSync(p)) {
    const bytes = new Uint8Array(await readNamedFile(p, `${option} ${nameOrFile}`, 'model'));
    if (isModelFile(bytes)) {
      try {
        return decodeModelFile(bytes);
      } catch (e) {
        throw new Error(`${nameOrFile}: ${(e as Error).message}`);
      }
    }
    if (importPth) return importPth(bytes, p);
    throw new Error(`${nameOrFile} is not a Latticework model file`);
  }
  const m = await modelRepository().load(nameOrFile);
  if (!m) {
    const known = (await modelRepository().list()).map((s) => s.name);
    throw new Error(`no model "${nameOrFile}": not a file, and not among the stored models${known.length ? ` (${known.join(', ')})` : ' (none imported yet: latticework import-model FILE.pth.tar)'}`);
  }
  return m;
}
