/**
 * Where models live: for now one `.lwm` file per model in `<data dir>/models/`
 * (data dir: see app/paths; LATTICEWORK_DATA_DIR overrides). Everything goes through the
 * `ModelRepository` interface so the app can later keep models in SQLite instead: call
 * `setModelRepository(...)` once at start-up.
 *
 * Names are file-name safe: letters, digits, '.', '_', '-' (others become '-').
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { platformDataDirectory } from '../app/paths';
import { decodeModelFile, encodeModelFile, isModelFile, MODEL_FILE_EXTENSION, type ModelFileData, type ModelHeader } from '../engine/models/format';

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

export interface ModelRepository {
  /** Stores a model under header.name; refuses to overwrite unless asked. Returns its location. */
  save(data: ModelFileData, opts?: { overwrite?: boolean }): Promise<string>;
  load(name: string): Promise<ModelFileData | null>;
  list(): Promise<ModelSummary[]>;
  exists(name: string): Promise<boolean>;
}

export function safeModelName(name: string): string {
  const s = name.trim().replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+/, '');
  if (!s) throw new Error(`"${name}" is not usable as a model name`);
  return s;
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

/** One `.lwm` file per model in a folder. */
export class FolderModelRepository implements ModelRepository {
  constructor(readonly dir: string) {}

  pathFor(name: string): string {
    return join(this.dir, `${safeModelName(name)}${MODEL_FILE_EXTENSION}`);
  }

  async save(data: ModelFileData, opts: { overwrite?: boolean } = {}): Promise<string> {
    const name = safeModelName(data.header.name);
    const file = this.pathFor(name);
    if (!opts.overwrite && existsSync(file)) throw new Error(`a model named "${name}" already exists (${file}); choose another --name or use --force`);
    mkdirSync(this.dir, { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    writeFileSync(tmp, encodeModelFile({ ...data, header: { ...data.header, name } }));
    renameSync(tmp, file); // atomic on the same file system
    return file;
  }

  async load(name: string): Promise<ModelFileData | null> {
    const file = this.pathFor(name);
    if (!existsSync(file)) return null;
    return decodeModelFile(new Uint8Array(readFileSync(file)));
  }

  async exists(name: string): Promise<boolean> {
    return existsSync(this.pathFor(name));
  }

  async list(): Promise<ModelSummary[]> {
    if (!existsSync(this.dir)) return [];
    const out: ModelSummary[] = [];
    for (const f of readdirSync(this.dir).sort()) {
      if (!f.endsWith(MODEL_FILE_EXTENSION)) continue;
      try {
        const p = join(this.dir, f);
        out.push(summarize(decodeModelFile(new Uint8Array(readFileSync(p))).header, p));
      } catch {
        // unreadable files are skipped (listed by name only in a later version)
      }
    }
    return out;
  }
}

/** `<data dir>/models`. */
export function defaultModelsDirectory(env: NodeJS.ProcessEnv = process.env): string {
  return join(platformDataDirectory(env), 'models');
}

let repository: ModelRepository | null = null;

/** The repository in use (default: the models folder of the data directory). */
export function modelRepository(): ModelRepository {
  repository ??= new FolderModelRepository(defaultModelsDirectory());
  return repository;
}

/** Redirects model storage (e.g. to SQLite), or back to the default with null. */
export function setModelRepository(r: ModelRepository | null): void {
  repository = r;
}

/**
 * Resolves `--model NAME_OR_FILE`: an existing file path (`.lwm`, or a CGCNN `.pth.tar`
 * imported on the fly) wins over a stored model name.
 */
export async function resolveModel(nameOrFile: string, cwd: string, importPth?: (bytes: Uint8Array, fileName: string) => ModelFileData): Promise<ModelFileData> {
  const p = resolve(cwd, nameOrFile);
  if (existsSync(p)) {
    const bytes = new Uint8Array(readFileSync(p));
    if (isModelFile(bytes)) return decodeModelFile(bytes);
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
