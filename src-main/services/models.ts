/**
 * The `models` service: model configurations (presets, validation with paths, parameter
 * count, differences from a preset, saved configs) and model files stored in SQLite as
 * BLOBs of the portable `.lwm` format: built-in (CGCNN's published models, shipped in
 * `resources/models/` and registered at startup), imported (`.pth.tar` or `.lwm`) and
 * trained (a run's best model).
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { ConfigCheck, LatticeworkHandlers, ModelRecord, SavedConfig } from '../../src-shared/ipc/contract';
import { ModelConfigSchema, type ModelConfig } from '../../src-shared/model/config';
import { parameterCount } from '../../src-shared/model/params';
import { PRESETS, presetConfig, presetInfo } from '../../src-shared/model/presets';
import type { CoreParts } from '../app/core';
import { UserError } from '../ipc/dispatch';
import { readUserFile } from '../files/path-guard';
import type { Tx } from './structures';
import { parseJson, resourcesDirectory } from './workbench-common';

interface ModelRow {
  id: number;
  name: string;
  origin: ModelRecord['origin'];
  task: ModelRecord['task'];
  architecture: string;
  target: string;
  units: string;
  parameter_count: number;
  members: number;
  run_id: number | null;
  description: string;
  created_at: number;
}

const MODEL_COLUMNS = 'id, name, origin, task, architecture, target, units, parameter_count, members, run_id, description, created_at';

function toRecord(r: ModelRow): ModelRecord {
  return {
    id: r.id,
    name: r.name,
    origin: r.origin,
    task: r.task,
    architecture: r.architecture,
    target: r.target,
    units: r.units,
    parameterCount: r.parameter_count,
    members: r.members,
    runId: r.run_id,
    createdAt: r.created_at,
    description: r.description,
  };
}

/** The JSON header of a `.lwm` file (without decoding the weights). */
export interface LwmHeader {
  name: string;
  config: ModelConfig;
  task: ModelRecord['task'];
  targets: { name: string; unit: string; description?: string }[];
  members: number;
  provenance: { source: string; file?: string; dataset?: string; run?: string; details?: Record<string, unknown>; references?: string[] };
}

export function readLwmHeader(bytes: Uint8Array): LwmHeader {
  if (bytes.length < 12 || new TextDecoder('latin1').decode(bytes.subarray(0, 8)) !== 'LWMODEL\0') throw new UserError('not a Latticework model file');
  const h = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(8, true);
  return JSON.parse(new TextDecoder().decode(bytes.subarray(12, 12 + h))) as LwmHeader;
}

function describe(h: LwmHeader): string {
  const t = h.targets[0];
  const parts = [t?.description ?? t?.name ?? ''];
  if (h.provenance.file) parts.push(`from ${h.provenance.file}`);
  if (h.provenance.references?.length) parts.push(`cite: ${h.provenance.references.join('; ')}`);
  return parts.filter(Boolean).join(' — ');
}

/** Inserts a model file; returns its id. */
export async function insertModel(tx: Tx, bytes: Uint8Array, origin: ModelRecord['origin'], opts: { runId?: number | null; parameterCount?: number; now?: number } = {}): Promise<number> {
  const h = readLwmHeader(bytes);
  const t = h.targets[0] ?? { name: '', unit: '' };
  const { lastID } = await tx.run(
    `INSERT INTO model (name, origin, task, architecture, target, units, parameter_count, members, run_id, description, sha256, data, created_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      h.name,
      origin,
      h.task,
      h.config.architecture,
      t.description ?? t.name,
      t.unit,
      opts.parameterCount ?? parameterCount(h.config),
      h.members,
      opts.runId ?? null,
      describe(h),
      createHash('sha256').update(bytes).digest('hex'),
      bytes,
      opts.now ?? Date.now(),
    ],
  );
  return lastID;
}

export interface StoredModel {
  record: ModelRecord;
  bytes: Uint8Array;
  sha256: string;
}

export async function loadModelFile(core: CoreParts, id: number): Promise<StoredModel> {
  const row = await core.db.read((tx) => tx.get<ModelRow & { data: Uint8Array; sha256: string }>(`SELECT ${MODEL_COLUMNS}, data, sha256 FROM model WHERE id = ?`, [id]));
  if (!row) throw new UserError(`there is no model with id ${id}`);
  return { record: toRecord(row), bytes: new Uint8Array(row.data), sha256: row.sha256 };
}

/**
 * Registers the shipped models (`resources/models/*.lwm`) with origin 'builtin': new ones are
 * inserted, changed ones (other SHA-256) replaced, unchanged ones left alone. Returns the ids
 * inserted.
 */
export async function registerBuiltinModels(db: Pick<CoreParts['db'], 'transaction'>, dir = join(resourcesDirectory(), 'models')): Promise<number[]> {
  if (!existsSync(dir)) return [];
  const files = readdirSync(dir).filter((f) => f.endsWith('.lwm')).sort();
  const changed: number[] = [];
  await db.transaction(async (tx) => {
    for (const f of files) {
      const bytes = new Uint8Array(readFileSync(join(dir, f)));
      const h = readLwmHeader(bytes);
      const sha = createHash('sha256').update(bytes).digest('hex');
      const existing = await tx.get<{ id: number; sha256: string }>("SELECT id, sha256 FROM model WHERE origin = 'builtin' AND name = ?", [h.name]);
      if (existing?.sha256 === sha) continue;
      if (existing) await tx.run('DELETE FROM model WHERE id = ?', [existing.id]);
      changed.push(await insertModel(tx, bytes, 'builtin'));
    }
  });
  return changed;
}

/** Leaf values of a plain JSON object by dotted path (arrays are leaves). */
function flatten(v: unknown, prefix = '', out: Record<string, unknown> = {}): Record<string, unknown> {
  if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) flatten(x, prefix ? `${prefix}.${k}` : k, out);
  } else if (prefix) out[prefix] = v;
  return out;
}

export function configDifferences(preset: unknown, value: unknown): ConfigCheck['differences'] {
  const a = flatten(preset);
  const b = flatten(value);
  const out: ConfigCheck['differences'] = [];
  for (const path of [...new Set([...Object.keys(a), ...Object.keys(b)])].sort()) {
    if (path === 'preset') continue;
    if (JSON.stringify(a[path]) !== JSON.stringify(b[path])) out.push({ path, preset: a[path] ?? null, value: b[path] ?? null });
  }
  return out;
}

export function checkConfig(config: Record<string, unknown>, presetId?: string): ConfigCheck {
  const r = ModelConfigSchema.safeParse(config);
  const pid = presetId ?? (typeof config.preset === 'string' ? config.preset : undefined);
  if (pid !== undefined && !presetInfo(pid)) {
    return { ok: false, issues: [{ path: 'preset', message: `unknown preset "${pid}" (known: ${PRESETS.map((p) => p.id).join(', ')})` }], config: null, parameterCount: null, differences: [] };
  }
  const base = pid ? presetConfig(pid) : null;
  if (!r.success) {
    return {
      ok: false,
      issues: r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
      config: null,
      parameterCount: null,
      differences: base ? configDifferences(base, config) : [],
    };
  }
  return {
    ok: true,
    issues: [],
    config: r.data as unknown as Record<string, unknown>,
    parameterCount: parameterCount(r.data),
    differences: base ? configDifferences(base, r.data) : [],
  };
}

interface ConfigRow {
  id: number;
  name: string;
  preset_id: string | null;
  config: string;
  created_at: number;
}

const toSaved = (r: ConfigRow): SavedConfig => ({ id: r.id, name: r.name, presetId: r.preset_id, config: parseJson(r.config, {}), createdAt: r.created_at });

export function modelsHandlers(core: CoreParts): LatticeworkHandlers['models'] {
  return {
    presets() {
      return PRESETS.map((p) => ({ id: p.id, name: p.title, description: p.description, config: presetConfig(p.id) as unknown as Record<string, unknown> }));
    },
    checkConfig({ config, presetId }) {
      return checkConfig(config, presetId);
    },
    async saveConfig({ name, presetId, config }) {
      if (presetId !== null && !presetInfo(presetId)) throw new UserError(`unknown preset "${presetId}"`);
      const now = Date.now();
      const id = await core.db.transaction(async (tx) => (await tx.run('INSERT INTO saved_config (name, preset_id, config, created_at) VALUES (?, ?, ?, ?)', [name, presetId, JSON.stringify(config), now])).lastID);
      return { id, name, presetId, config, createdAt: now };
    },
    async listConfigs() {
      const rows = await core.db.read((tx) => tx.all<ConfigRow>('SELECT * FROM saved_config ORDER BY id'));
      return rows.map(toSaved);
    },
    async list() {
      const rows = await core.db.read((tx) => tx.all<ModelRow>(`SELECT ${MODEL_COLUMNS} FROM model ORDER BY origin = 'builtin' DESC, id`));
      return rows.map(toRecord);
    },
    async import({ path, name }) {
      const bytes = new Uint8Array(await readUserFile(path, 'model'));
      const read = await core.pool.run('read-model-file', { bytes, fileName: basename(path), name });
      const id = await core.db.transaction((tx) => insertModel(tx, read.bytes, 'imported', { parameterCount: read.parameterCount }));
      core.events.emit('models', 'onChanged', { ids: [id] });
      return (await loadModelFile(core, id)).record;
    },
    async delete({ id }) {
      const row = await core.db.read((tx) => tx.get<{ origin: string }>('SELECT origin FROM model WHERE id = ?', [id]));
      if (!row) return { deleted: false };
      if (row.origin === 'builtin') throw new UserError('built-in models cannot be deleted');
      const { changes } = await core.db.transaction((tx) => tx.run('DELETE FROM model WHERE id = ?', [id]));
      if (changes) core.events.emit('models', 'onChanged', { ids: [id] });
      return { deleted: changes > 0 };
    },
  };
}
