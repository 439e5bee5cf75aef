/**
 * The `predict` service: predictions of a stored model on stored structures, in a compute
 * worker, with the model's own graph settings (the engine's inference); ensemble spread;
 * per-atom contributions where the readout allows; and the over-smoothing view (per-layer
 * mean pairwise cosine similarity and Dirichlet energy of the node states).
 */
import { randomUUID } from 'node:crypto';
import type { LatticeworkHandlers, PotentialParityView, PredictionRow } from '../../src-shared/ipc/contract';
import type { CoreParts } from '../app/core';
import { structureFromJSON, structureToJSON, type StructureJSON } from '../../src-shared/chem/serialize';
import { frameOfStructure, labelsOfStructure, type LabelledFrame } from '../../src-shared/chem/frames';
import { pathSource, readDataset } from '../datasets';
import { datasetFrames } from '../datasets/frames';
import { getRunRow, runSplit } from '../store/runs';
import { UserError } from '../ipc/errors';
import { loadModelFile } from './models';
import { poolIO } from './datasets';
import { quietJob } from './jobs';
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
      // parts predicted by the pool's workers at once (each keeps the model loaded), progress summed;
      // each part's rows go to the client as soon as it is done (predict.onRows)
      const names = new Map(structures.map((s) => [s.id, s.name]));
      const toRow = (r: { id: number; prediction: number; std: number | null; perAtom: number[] | null; warnings: string[] }): PredictionRow => ({
        structureId: r.id,
        name: names.get(r.id) ?? String(r.id),
        modelId,
        model: model.record.name,
        prediction: r.prediction,
        std: r.std,
        units: model.record.units,
        perAtom: r.perAtom,
        warnings: r.warnings,
      });
      const id = jobId ?? randomUUID();
      const parts: (typeof structures)[] = [];
      for (let i = 0; i < structures.length; i += PREDICT_PART) parts.push(structures.slice(i, i + PREDICT_PART));
      const results = await core.jobs.run(
        'predict',
        async (job) => {
          const done = parts.map(() => 0);
          return Promise.all(
            parts.map(async (part, k) => {
              const r = await core.pool.run(
                'predict',
                { key: model.sha256, model: model.bytes, structures: part.map((s) => ({ id: s.id, structure: s.structure })) },
                {
                  signal: job.signal,
                  onProgress: (d, _t, m) => {
                    done[k] = d;
                    job.progress(done.reduce((a, b) => a + b, 0), structures.length, m);
                  },
                },
              );
              const predicted = { rows: r.rows.map(toRow), failed: r.failed.map((f) => ({ structureId: f.id, message: f.message })) };
              if (!job.signal.aborted) core.events.emit('predict', 'onRows', { jobId: id, ...predicted });
              return predicted;
            }),
          );
        },
        id,
      );
      const rows = results.flatMap((r) => r.rows);
      failed.push(...results.flatMap((r) => r.failed));
      return { rows, failed };
    },

    async potential({ modelId, structureId }) {
      const model = await loadModelFile(core, modelId);
      if (model.record.task !== 'potential') throw new UserError(`model "${model.record.name}" is a ${model.record.task} model, not an interatomic potential`);
      const { row, structure } = await loadStructure(core, structureId);
      const [p] = await core.pool.run('predict-potential', { key: model.sha256, model: model.bytes, structures: [structure] });
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

    async potentialParity({ runId }) {
      const run = await core.db.read((tx) => getRunRow(tx, runId));
      if (!run) throw new UserError(`there is no run with id ${runId}`);
      if (run.model_id === null) throw new UserError(`run "${run.name}" has no model (it did not finish)`);
      const model = await loadModelFile(core, run.model_id);
      if (model.record.task !== 'potential') throw new UserError(`run "${run.name}" trained a ${model.record.task} model, not an interatomic potential`);
      const split = runSplit(run);
      if (!split) throw new UserError(`run "${run.name}" recorded no split`);
      const frames = await runFrames(core, run.dataset_id, run.dataset_name);
      const chosen = [
        ...split.val.map((index) => ({ split: 'validation' as const, index })),
        ...split.test.map((index) => ({ split: 'test' as const, index })),
      ].filter((c) => frames[c.index]);
      const preds = await core.pool.run('predict-potential', { key: model.sha256, model: model.bytes, structures: chosen.map((c) => structureToJSON(frames[c.index].structure)) });
      const energies: PotentialParityView['energies'] = [];
      const groups = new Map<string, PotentialParityView['forces'][number]>();
      chosen.forEach((c, k) => {
        const f = frames[c.index];
        const n = f.structure.numbers.length;
        if (f.energy !== null) energies.push({ split: c.split, index: c.index, atoms: n, target: f.energy / n, prediction: preds[k].energy / n });
        if (!f.forces) return;
        for (let i = 0; i < n; i++) {
          const element = f.structure.species[i] || String(f.structure.numbers[i]);
          const key = `${c.split} ${element}`;
          const g = groups.get(key) ?? { split: c.split, element, target: [], prediction: [] };
          groups.set(key, g);
          for (let d = 0; d < 3; d++) {
            g.target.push(f.forces[3 * i + d]);
            g.prediction.push(preds[k].forces[3 * i + d]);
          }
        }
      });
      return { runId, modelId: run.model_id, model: model.record.name, energies, forces: [...groups.values()] };
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

/**
 * The labelled frames a potential run was trained on, in the order its split indexes: a dataset's
 * items (app runs), or the data the command line read (its path as recorded), read again by the
 * same dataset reader (in the pool) so that the frames it left out (duplicates, frames without an
 * energy, labels that are not numbers) are left out again and the indices mean the same frames.
 */
async function runFrames(core: CoreParts, datasetId: number | null, datasetName: string): Promise<LabelledFrame[]> {
  if (datasetId !== null) {
    const rows = await core.db.read((tx) =>
      tx.all<{ data: string }>('SELECT s.data FROM dataset_item i JOIN structure s ON s.id = i.structure_id WHERE i.dataset_id = ? ORDER BY i.idx', [datasetId]),
    );
    return rows.map((r) => frameOfStructure(structureFromJSON(JSON.parse(r.data) as StructureJSON)));
  }
  try {
    return datasetFrames(await readDataset(await pathSource(datasetName), { kind: 'frames' }, poolIO(core, quietJob())));
  } catch (e) {
    throw new UserError(`the run's data cannot be read again for the parity plots: ${(e as Error).message}`);
  }
}
