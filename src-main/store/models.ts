/**
 * Model files in the store (table `model`): every `.lwm` file the app or the command line keeps
 * (built-in, imported, trained) is one row with the file's bytes as a BLOB and the header's
 * fields as columns.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ModelRecord } from '../../src-shared/ipc/contract';
import { isPotentialConfig } from '../../src-shared/model/potential';
import { resourcePath } from '../app/resources';
import { readModelHeader, type ModelHeader } from '../engine/models/format';
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

/** Inserts a model file; returns its id. */
export async function insertModel(tx: Tx, bytes: Uint8Array, origin: ModelRecord['origin'], opts: { runId?: number | null; parameterCount?: number; now?: number } = {}): Promise<number> {
  const h = readModelHeader(bytes);
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
      const h = readModelHeader(bytes);
      const sha = createHash('sha256').update(bytes).digest('hex');
      const existing = await tx.get<{ id: number; sha256: string }>("SELECT id, sha256 FROM model WHERE origin = 'builtin' AND name = ?", [h.name]);
      if (existing?.sha256 === sha) continue;
      if (existing) await tx.run('DELETE FROM model WHERE id = ?', [existing.id]);
      changed.push(await insertModel(tx, bytes, 'builtin'));
    }
  });
  return changed;
}

