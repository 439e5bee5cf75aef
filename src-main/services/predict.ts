/**
 * The `predict` service: predictions of a stored model on stored structures, in a compute
 * worker, with the model's own graph settings (the engine's inference); ensemble spread;
 * per-atom contributions where the readout allows; and the over-smoothing view (per-layer
 * mean pairwise cosine similarity and Dirichlet energy of the node states).
 */
import { randomUUID } from 'node:crypto';
import type { LatticeworkHandlers, PredictionRow } from '../../src-shared/ipc/contract';
import type { CoreParts } from '../app/core';
import { structureFromJSON, type StructureJSON } from '../../src-shared/chem/serialize';
import { labelsOfStructure } from '../../src-shared/chem/frames';
import { UserError } from '../ipc/errors';
import { loadModelFile } from './models';
import { loadStructure } from './structures';

/** Structures per compute-worker task of a prediction (the pool spreads the parts over its workers). */
const PREDICT_PART = 256;

export function predictHandlers(core: CoreParts): LatticeworkHandlers['predict'] {
  return {
    async run({ modelId, structureIds, jobId }) {
      const model = await loadModelFile(core, modelId);
      const failed: { structureId: number; message: string }[] = [];
      const structures: { id: number; name: string; structure: StructureJSON }[] = [];
      const unique = [...new Set(structureIds)];
      for (let i = 0; i < unique.length; i += 500) {
        const part = unique.slice(i, i + 500);
        const rows = await core.db.read((tx) => tx.all<{ id: number; name: string; data: string }>(`SELECT id, name, data FROM structure WHERE id IN (${part.map(() => '?').join(',')})`, part));
        const byId = new Map(rows.map((r) => [r.id, r]));
        for (const id of part) {
          const r = byId.get(id);
          if (r) structures.push({ id, name: r.name, structure: JSON.parse(r.data) as StructureJSON });
          else failed.push({ structureId: id, message: `there is no structure with id ${id}` });
        }
      }
      if (structures.length === 0) return { rows: [], failed };
      // parts predicted by the pool's workers at once (each keeps the model loaded), progress summed
      const parts: (typeof structures)[] = [];
      for (let i = 0; i < structures.length; i += PREDICT_PART) parts.push(structures.slice(i, i + PREDICT_PART));
      const out = await core.jobs.run(
        'predict',
        async (job) => {
          const done = parts.map(() => 0);
          const results = await Promise.all(
            parts.map((part, k) =>
              core.pool.run(
                'predict',
                { key: model.sha256, model: model.bytes, structures: part.map((s) => ({ id: s.id, structure: s.structure })) },
                {
                  signal: job.signal,
                  onProgress: (d, _t, m) => {
                    done[k] = d;
                    job.progress(done.reduce((a, b) => a + b, 0), structures.length, m);
                  },
                },
              ),
            ),
          );
          return { rows: results.flatMap((r) => r.rows), failed: results.flatMap((r) => r.failed) };
        },
        jobId ?? randomUUID(),
      );
      const names = new Map(structures.map((s) => [s.id, s.name]));
      const rows: PredictionRow[] = out.rows.map((r) => ({
        structureId: r.id,
        name: names.get(r.id) ?? String(r.id),
        modelId,
        model: model.record.name,
        prediction: r.prediction,
        std: r.std,
        units: model.record.units,
        perAtom: r.perAtom,
      }));
      for (const f of out.failed) failed.push({ structureId: f.id, message: f.message });
      return { rows, failed };
    },

    async potential({ modelId, structureId }) {
      const model = await loadModelFile(core, modelId);
      if (model.record.task !== 'potential') throw new UserError(`model "${model.record.name}" is a ${model.record.task} model, not an interatomic potential`);
      const { row, structure } = await loadStructure(core, structureId);
      const p = await core.pool.run('predict-potential', { key: model.sha256, model: model.bytes, structure });
      const labels = labelsOfStructure(structureFromJSON(structure));
      const n = structure.numbers.length;
      return {
        modelId,
        model: model.record.name,
        structureId,
        name: row.name,
        energy: p.energy,
        energyPerAtom: p.energy / n,
        atomEnergies: p.atomEnergies,
        forces: rows3(p.forces),
        stress: p.stress,
        std: p.std ? { energy: p.std.energy, forces: p.std.forces ? rows3(p.std.forces) : null, forceNorm: p.std.forceNorm, stress: p.std.stress } : null,
        reference: { energy: labels.energy, forces: labels.forces ? rows3(labels.forces) : null, stress: labels.stress ? [...labels.stress] : null },
      };
    },

    async oversmoothing({ modelId, structureId }) {
      const model = await loadModelFile(core, modelId);
      const { structure } = await loadStructure(core, structureId);
      const r = await core.pool.run('oversmoothing', { key: model.sha256, model: model.bytes, structure });
      return { modelId, structureId, layers: r.layers };
    },
  };
}

/** A flat 3N array as N rows of (x, y, z). */
function rows3(flat: ArrayLike<number>): number[][] {
  return Array.from({ length: flat.length / 3 }, (_, i) => [flat[3 * i], flat[3 * i + 1], flat[3 * i + 2]]);
}
