/**
 * Model files in the store (table `model`): every `.lwm` file the app or the command line keeps
 * (built-in, imported, trained) is one row with the file's bytes as a BLOB and the header's
 * fields as columns.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelRecord } from '../../src-shared/ipc/contract';
import type { ModelConfig } from '../../src-shared/model/config';
import { isPotentialConfig } from '../../src-shared/model/potential';
import { resourcePath } from '../app/resources';
import type { Database, Tx } from './database';

/** The JSON header of a `.lwm` file (without decoding the weights). */
export interface LwmHeader {
  name: string;
  config: ModelConfig;
  task: ModelRecord['task'];
  targets: { name: string; unit: string; description?: string }[];
  members: number;
  provenance: { source: string; file?: string; dataset?: string; run?: string; details?: Record<string, unknown>; references?: string[] };
  /** The weight index: name, shape and ensemble member of every stored array. */
  weights: { name: string; shape: number[]; member: number }[];
}

export function readLwmHeader(bytes: Uint8Array): LwmHeader {
  if (bytes.length < 12 || new TextDecoder('latin1').decode(bytes.subarray(0, 8)) !== 'LWMODEL\0') throw new Error('not a Latticework model file');
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

/**
 * Trainable parameters of a model file: property models from the engine's architecture registry
 * (loaded on first use: it brings tfjs-core along); potentials, which keep no non-trainable
 * state, from the sizes of the first member's weights.
 */
async function parameterCountOf(h: LwmHeader): Promise<number> {
  if (isPotentialConfig(h.config)) return h.weights.filter((w) => w.member === 0).reduce((n, w) => n + w.shape.reduce((a, b) => a * b, 1), 0);
  const { parameterCount, parseModelConfig } = await import('../engine/architectures/registry');
  return parameterCount(parseModelConfig(h.config));
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
      opts.parameterCount ?? (await parameterCountOf(h)),
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

/**
 * Registers the shipped models (`resources/models/*.lwm`) with origin 'builtin': new ones are
 * inserted, changed ones (other SHA-256) replaced, unchanged ones left alone. Returns the ids
 * inserted.
 */
export async function registerBuiltinModels(db: Pick<Database, 'transaction'>, dir = resourcePath('models')): Promise<number[]> {
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

