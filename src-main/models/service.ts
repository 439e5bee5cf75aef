/**
 * Prediction as a service for the compute worker and the CLI: resolve a model by name or
 * file (kept loaded in a small cache, so repeated predictions pay only the forward pass),
 * predict structures, return serialisable rows.
 */
import type { Structure } from '../../src-shared/chem/structure';
import { importCgcnnCheckpoint } from '../engine/import/cgcnn';
import type { TargetInfo } from '../engine/models/format';
import { predictStructures } from '../engine/models/predict';
import { instantiateModel, type LoadedModel } from '../engine/models/runtime';
import { resolveModel } from './store';

export interface PredictionRow {
  file: string;
  name: string;
  model: string;
  /** One number per target (a plain number for single-target models). */
  prediction: number | number[];
  /** Ensemble spread, only for ensembles. */
  std?: number | number[];
  /** Per atom (same order as the structure's sites), when requested; null when the readout has none. */
  contributions?: Array<number | number[]> | null;
  /** Classification: all class probabilities. */
  probabilities?: number[];
}

export interface PredictionReport {
  model: string;
  task: string;
  targets: TargetInfo[];
  unit: string;
  predictions: PredictionRow[];
}

const one = (xs: number[]): number | number[] => (xs.length === 1 ? xs[0] : xs);

/** Loaded models by resolved key (name or absolute path), least recently used evicted. */
export class ModelCache {
  private readonly entries = new Map<string, LoadedModel>();
  constructor(readonly capacity = 4) {}

  async get(nameOrFile: string, cwd: string): Promise<LoadedModel> {
    const key = `${cwd}\u0000${nameOrFile}`;
    const hit = this.entries.get(key);
    if (hit) {
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const data = await resolveModel(nameOrFile, cwd, (bytes, fileName) => importCgcnnCheckpoint(bytes, { fileName }));
    const model = instantiateModel(data);
    this.entries.set(key, model);
    while (this.entries.size > this.capacity) {
      const [k, old] = this.entries.entries().next().value as [string, LoadedModel];
      this.entries.delete(k);
      old.dispose();
    }
    return model;
  }

  clear(): void {
    for (const m of this.entries.values()) m.dispose();
    this.entries.clear();
  }
}

/** Predicts every structure with one loaded model. */
export function predictRows(model: LoadedModel, items: Array<{ file: string; structure: Structure }>, opts: { contributions?: boolean } = {}): PredictionReport {
  const preds = items.length ? predictStructures(model, items.map((i) => i.structure), { contributions: !!opts.contributions }) : [];
  const h = model.header;
  return {
    model: model.name,
    task: h.task,
    targets: h.targets,
    unit: h.targets.map((t) => t.unit).join(', '),
    predictions: items.map((it, k) => {
      const p = preds[k];
      const row: PredictionRow = { file: it.file, name: it.structure.name, model: model.name, prediction: one(p.prediction) };
      if (p.std) row.std = one(p.std);
      if (p.probabilities) row.probabilities = p.probabilities;
      if (opts.contributions) row.contributions = p.contributions ? p.contributions.map(one) : null;
      return row;
    }),
  };
}
