/**
 * Model files in the store (table `model`): every `.lwm` file the app or the command line keeps
 * (built-in, imported, trained) is one row with the file's bytes as a BLOB and the header's
 * fields as columns.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelRecord } from '../../src-shared/ipc/contract';
import { modelNameKey } from '../../src-shared/model/names';
import { isPotentialConfig } from '../../src-shared/model/potential';
import { resourcePath } from '../app/resources';
import { decodeModelFile, encodeModelFile, readModelHeader, type ModelHeader } from '../engine/models/format';
import { UserError } from '../ipc/errors';
import type { Database, Tx } from './database';

function describe(h: ModelHeader): string {
  const t = h.targets[0];
  const parts = [t?.description ?? t?.name ?? ''];
  if (h.provenance.file) parts.push(`from ${h.provenance.file}`);
  if (h.provenance.references?.length) parts.push(`cite: ${h.provenance.references.join('; ')}`);
  return parts.filter(Boolean).join(' — ');
}

/**
 * Trainable parameters of a model file: property models from the engine's architecture registry
 * (loaded on first use: it brings tfjs-core along); potentials, which keep no non-trainable
 * state, from the sizes of the first member's weights.
 */
async function parameterCountOf(h: ModelHeader): Promise<number> {
  if (isPotentialConfig(h.config)) return h.weights.filter((w) => w.member === 0).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  const { parameterCount, parseModelConfig } = await import('../engine/architectures/registry');
  return parameterCount(parseModelConfig(h.config));
}

/** A model's name already stored: names are unique in the store. */
export class ModelNameTakenError extends UserError {
  override name = 'ModelNameTakenError';
}

/**
 * The built-in models' names and short names by their {@link modelNameKey}: the display name
 * ("CGCNN band gap") and the stem of the file it was made from ("band-gap"), each the key of the
 * built-in's display name. `builtins`: the built-ins' headers (default: those stored).
 */
async function builtinNameKeys(tx: Tx, builtins?: ModelHeader[]): Promise<Map<string, string>> {
  const headers = builtins ?? (await tx.all<{ data: Uint8Array }>("SELECT data FROM model WHERE origin = 'builtin'")).map((r) => readModelHeader(new Uint8Array(r.data)));
  const keys = new Map<string, string>();
  for (const h of headers) {
    keys.set(modelNameKey(h.name), h.name);
    if (h.provenance.file) keys.set(modelNameKey(h.provenance.file), h.name);
  }
  return keys;
}

/**
 * The built-in model that `name` would name on the command line (`--model` / `--from` find a model by its
 * name, slug or file stem: models/store.ts), or null: its display name, its short name ("band-gap") or a
 * spelling of either the lookup takes for it ("Band Gap", "cgcnn-band-gap"). The one check of every path
 * that stores a model under a name (insertModel, the command line's ModelRepository, a run's name
 * reservation): a model of the user's under such a name would answer in the built-in's place.
 */
export async function builtinAnsweringTo(tx: Tx, name: string): Promise<string | null> {
  return (await builtinNameKeys(tx)).get(modelNameKey(name)) ?? null;
}

/** Why `name` cannot be a new model's name for being a built-in's (`advice`: what to do instead), or null. */
export async function builtinNameProblem(tx: Tx, name: string, advice: string): Promise<string | null> {
  const builtin = await builtinAnsweringTo(tx, name);
  if (builtin === null) return null;
  return builtin === name ? `"${name}" is the name of a built-in model; ${advice}` : `"${name}" already names the built-in model "${builtin}" (the command line's --model and --from take it for the built-in); ${advice}`;
}

/** The first of `wanted`, `wanted (suffix)`, `wanted (suffix 2)`, … that no stored model has and no built-in answers to. */
async function freeModelName(tx: Tx, wanted: string, suffix: string): Promise<string> {
  const taken = new Set((await tx.all<{ name: string }>('SELECT name FROM model WHERE name = ? OR name LIKE ?', [wanted, `${wanted} (%`])).map((r) => r.name));
  if (!taken.has(wanted) && (await builtinAnsweringTo(tx, wanted)) === null) return wanted;
  for (let k = 1; ; k++) {
    const name = `${wanted} (${suffix}${k === 1 ? '' : ` ${k}`})`;
    if (!taken.has(name)) return name;
  }
}

/**
 * Inserts a model file; returns its id and the name it is stored under. Every model is stored
 * here, and names are unique (index model_name, migration 17): a name already stored, or one a
 * built-in answers to (builtinAnsweringTo), is refused (ModelNameTakenError) unless `ifTaken` is given, when the model is stored under the first free
 * `NAME (ifTaken)`, `NAME (ifTaken 2)`, … (its file's header renamed to match): a run's model is
 * never lost to a name.
 */
export async function insertModel(
  tx: Tx,
  file: Uint8Array,
  origin: ModelRecord['origin'],
  opts: { runId?: number | null; parameterCount?: number; now?: number; ifTaken?: string } = {},
): Promise<{ id: number; name: string }> {
  const h = readModelHeader(file);
  const name = opts.ifTaken === undefined ? h.name : await freeModelName(tx, h.name, opts.ifTaken);
  if (name === h.name && (await tx.get('SELECT 1 FROM model WHERE name = ?', [name]))) throw new ModelNameTakenError(`a model named "${name}" is already stored: give it another name`);
  const builtin = origin === 'builtin' ? null : await builtinNameProblem(tx, name, 'give it another name');
  if (builtin) throw new ModelNameTakenError(builtin);
  const bytes = modelFileNamed(file, name);
  const t = h.targets[0] ?? { name: '', unit: '' };
  const { lastID } = await tx.run(
    `INSERT INTO model (name, origin, task, architecture, target, units, parameter_count, members, run_id, description, sha256, data, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      name,
      origin,
      h.task,
      h.config.architecture,
      t.description ?? t.name,
      t.unit,
      opts.parameterCount ?? (await parameterCountOf(h)),
      h.members,
      opts.runId ?? null,
      describe(h),
      createHash('sha256').update(bytes).digest('hex'),
      bytes,
      opts.now ?? Date.now(),
    ],
  );
  return { id: lastID, name };
}

/**
 * Replaces a stored model's file (its id and name kept): a run brought back again with a later best
 * epoch (scale-out/import-run.ts) keeps the model its first import stored, so predictions by its name go on.
 */
export async function replaceModelFile(tx: Tx, id: number, file: Uint8Array, now = Date.now()): Promise<{ id: number; name: string }> {
  const row = await tx.get<{ name: string }>('SELECT name FROM model WHERE id = ?', [id]);
  if (!row) throw new Error(`there is no model ${id} to replace`);
  const bytes = modelFileNamed(file, row.name);
  const h = readModelHeader(bytes);
  await tx.run('UPDATE model SET task = ?, architecture = ?, parameter_count = ?, members = ?, description = ?, sha256 = ?, data = ?, created_at = ? WHERE id = ?', [
    h.task,
    h.config.architecture,
    await parameterCountOf(h),
    h.members,
    describe(h),
    createHash('sha256').update(bytes).digest('hex'),
    bytes,
    now,
    id,
  ]);
  return { id, name: row.name };
}

/**
 * The model file with `name` in its header, as its row names it. A file keeps the name it was
 * stored under first where migration 17 renamed its row (a name another model had); everything
 * read out of the store reads the row's name.
 */
export function modelFileNamed(bytes: Uint8Array, name: string): Uint8Array {
  if (readModelHeader(bytes).name === name) return bytes;
  const data = decodeModelFile(bytes);
  data.header.name = name;
  return encodeModelFile(data);
}

/** A model of the user's renamed by registerBuiltinModels: `from` named the built-in `builtin`. */
export interface ModelRenamed {
  id: number;
  from: string;
  to: string;
  builtin: string;
}

/** What a renamed model's owner is told, once: its new name and why. */
export function modelRenamedNote(r: ModelRenamed): string {
  return `the model "${r.from}" is renamed "${r.to}": "${r.from}" names the built-in model "${r.builtin}" (--model ${JSON.stringify(r.from)} finds the built-in)`;
}

/**
 * Registers the shipped models (`resources/models/*.lwm`) with origin 'builtin': new ones are
 * inserted, changed ones (other SHA-256) replaced, unchanged ones left alone. A model of the user's
 * under a name a built-in answers to (its name or short name, builtinAnsweringTo: stored before that
 * built-in was shipped, or before session 46 refused its short names) is renamed "NAME (model ID)",
 * its file too, so that a name finds one model. Returns the ids inserted and the models renamed.
 */
export async function registerBuiltinModels(db: Pick<Database, 'transaction'>, dir = resourcePath('models')): Promise<{ inserted: number[]; renamed: ModelRenamed[] }> {
  if (!existsSync(dir)) return { inserted: [], renamed: [] };
  const files = readdirSync(dir).filter((f) => f.endsWith('.lwm')).sort();
  return db.transaction(async (tx) => {
    const shipped = files.map((f) => new Uint8Array(readFileSync(join(dir, f))));
    const keys = await builtinNameKeys(tx, shipped.map((bytes) => readModelHeader(bytes)));
    const renamed: ModelRenamed[] = [];
    for (const user of await tx.all<{ id: number; name: string }>("SELECT id, name FROM model WHERE origin <> 'builtin'")) {
      const builtin = keys.get(modelNameKey(user.name));
      if (builtin === undefined) continue;
      const to = `${user.name} (model ${user.id})`;
      const row = (await tx.get<{ data: Uint8Array }>('SELECT data FROM model WHERE id = ?', [user.id]))!;
      const bytes = modelFileNamed(new Uint8Array(row.data), to);
      await tx.run('UPDATE model SET name = ?, data = ?, sha256 = ? WHERE id = ?', [to, bytes, createHash('sha256').update(bytes).digest('hex'), user.id]);
      renamed.push({ id: user.id, from: user.name, to, builtin });
    }
    const inserted: number[] = [];
    for (const bytes of shipped) {
      const h = readModelHeader(bytes);
      const sha = createHash('sha256').update(bytes).digest('hex');
      const existing = await tx.get<{ id: number; sha256: string }>("SELECT id, sha256 FROM model WHERE origin = 'builtin' AND name = ?", [h.name]);
      if (existing?.sha256 === sha) continue;
      if (existing) await tx.run('DELETE FROM model WHERE id = ?', [existing.id]);
      inserted.push((await insertModel(tx, bytes, 'builtin')).id);
    }
    return { inserted, renamed };
  });
}
