/**
 * The `models` service: model configurations (presets, validation with paths, parameter
 * count, differences from a preset, saved configs) and model files stored in SQLite as
 * BLOBs of the portable `.lwm` format: built-in (CGCNN's published models, shipped in
 * `resources/models/` and registered at startup), imported (`.pth.tar` or `.lwm`) and
 * trained (a run's best model).
 */
import { basename } from 'node:path';
import type { ConfigCheck, LatticeworkHandlers, ModelRecord, SavedConfig } from '../../src-shared/ipc/contract';
import { issueLines, unknownFields, type ModelConfig } from '../../src-shared/model/config';
import { isPotentialConfig, parsePotentialConfig } from '../../src-shared/model/potential';
import type { CoreParts } from '../app/core';
import { UserError } from '../ipc/errors';
import { readUserFile } from '../files/path-guard';
import { insertModel, modelFileNamed } from '../store/models';
import { parseJson } from '../store/database';

/**
 * The engine's architecture registry (config schema, presets, parameter counts, form), loaded on
 * first use: it brings tfjs-core into the main process, which start-up does not need.
 */
const registry = () => import('../engine/architectures/registry');

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

export interface StoredModel {
  record: ModelRecord;
  bytes: Uint8Array;
  sha256: string;
}

export async function loadModelFile(core: CoreParts, id: number): Promise<StoredModel> {
  const row = await core.db.read((tx) => tx.get<ModelRow & { data: Uint8Array; sha256: string }>(`SELECT ${MODEL_COLUMNS}, data, sha256 FROM model WHERE id = ?`, [id]));
  if (!row) throw new UserError(`there is no model with id ${id}`);
  return { record: toRecord(row), bytes: modelFileNamed(new Uint8Array(row.data), row.name), sha256: row.sha256 };
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

/** Validates a config against the registry: messages with paths, parameter count, differences from the preset. */
export async function checkConfig(config: Record<string, unknown>, presetId?: string): Promise<ConfigCheck> {
  if (isPotentialConfig(config)) return checkPotentialConfig(config, presetId);
  const { configSchema, parameterBreakdown, presetConfig, presetIds, presetInfo } = await registry();
  const r = configSchema().safeParse(config);
  const pid = presetId ?? (typeof config.preset === 'string' ? config.preset : undefined);
  if (pid !== undefined && !presetInfo(pid)) {
    return { ok: false, issues: [{ path: 'preset', message: `unknown preset "${pid}" (known: ${presetIds().join(', ')})` }], config: null, parameterCount: null, breakdown: null, differences: [] };
  }
  const base = pid ? presetConfig(pid) : null;
  if (!r.success) {
    return {
      ok: false,
      issues: r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
      config: null,
      parameterCount: null,
      breakdown: null,
      differences: base ? configDifferences(base, config) : [],
    };
  }
  const unknown = unknownFields(config, r.data);
  if (unknown.length) return { ok: false, issues: unknown, config: null, parameterCount: null, breakdown: null, differences: base ? configDifferences(base, r.data) : [] };
  const breakdown = parameterBreakdown(r.data as ModelConfig);
  return {
    ok: true,
    issues: [],
    config: r.data as unknown as Record<string, unknown>,
    parameterCount: breakdown.total,
    breakdown,
    differences: base ? configDifferences(base, r.data) : [],
  };
}

/** A potential's config (`kind: 'potential'`): messages with paths and differences from its preset. */
async function checkPotentialConfig(config: Record<string, unknown>, presetId?: string): Promise<ConfigCheck> {
  const { potentialConfigSchema, potentialParameterBreakdown, potentialPresets, potentialPresetConfig } = await registry();
  const pid = presetId ?? (typeof config.preset === 'string' ? config.preset : undefined);
  if (pid !== undefined && !potentialPresets().some((p) => p.id === pid)) {
    return { ok: false, issues: [{ path: 'preset', message: `unknown potential preset "${pid}" (known: ${potentialPresets().map((p) => p.id).join(', ')})` }], config: null, parameterCount: null, breakdown: null, differences: [] };
  }
  // the architecture's own fields only (the form's view of a config)
  const base = pid ? potentialConfigSchema().parse(potentialPresetConfig(pid)) : null;
  const r = potentialConfigSchema().safeParse(config);
  if (!r.success) {
    return { ok: false, issues: r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })), config: null, parameterCount: null, breakdown: null, differences: base ? configDifferences(base, config) : [] };
  }
  const unknown = unknownFields(config, r.data);
  if (unknown.length) return { ok: false, issues: unknown, config: null, parameterCount: null, breakdown: null, differences: base ? configDifferences(base, r.data) : [] };
  const breakdown = potentialParameterBreakdown(parsePotentialConfig(r.data));
  return { ok: true, issues: [], config: r.data as Record<string, unknown>, parameterCount: breakdown.total, breakdown, differences: base ? configDifferences(base, r.data) : [] };
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
    async presets() {
      const { presets, presetConfig, potentialPresets, potentialPresetConfig, potentialConfigSchema } = await registry();
      // property models' presets first (the form opens on the first), then the potentials'
      return [
        ...presets().map((p) => ({ id: p.id, name: p.title, description: p.description, architecture: p.architecture, config: presetConfig(p.id) as unknown as Record<string, unknown> })),
        ...potentialPresets().map((p) => ({ id: p.id, name: p.title, description: p.description, architecture: p.architecture, config: potentialConfigSchema().parse(potentialPresetConfig(p.id)) as Record<string, unknown> })),
      ];
    },
    async architectures() {
      return (await registry()).architecturesView();
    },
    checkConfig({ config, presetId }) {
      return checkConfig(config, presetId);
    },
    async saveConfig({ name, presetId, config }) {
      const known = await registry();
      if (presetId !== null && !known.presetInfo(presetId) && !known.isPotentialPreset(presetId)) throw new UserError(`unknown preset "${presetId}"`);
      const check = await checkConfig(config, presetId ?? undefined);
      if (!check.ok) throw new UserError(`config "${name}" is not saved: it has problems (${issueLines(check.issues).join('; ')})`);
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
      // named after its file (the Models view asks no name): a name taken, or a built-in's (band-gap.pth.tar), gives "NAME (imported)"
      const { id } = await core.db.transaction((tx) => insertModel(tx, read.bytes, 'imported', { parameterCount: read.parameterCount, ...(name === undefined ? { ifTaken: 'imported' } : {}) }));
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
