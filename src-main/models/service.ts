/**
 * Prediction rows for the command line: one loaded model's predictions of structures as
 * serialisable rows (the app's are made by the compute worker, workers/predict.ts).
 */
import type { Structure } from '../../src-shared/chem/structure';
import { domainWarnings } from '../../src-shared/model/domain';
import { graphWarnings } from '../../src-shared/model/graph-warnings';
import type { TargetInfo } from '../engine/models/format';
import { graphForModel, predictGraphs } from '../engine/models/predict';
import type { LoadedModel } from '../engine/models/runtime';

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
  /** A per-atom model: each atom's value (one number per target; same order as the structure's sites), of which `prediction` is the mean. */
  perAtom?: Array<number | number[]>;
  /** Why the structure or the prediction lies outside the model's training domain, and where the model's graph is not the structure (model/graph-warnings); empty when neither. */
  warnings: string[];
}

export interface PredictionReport {
  model: string;
  task: string;
  targets: TargetInfo[];
  unit: string;
  predictions: PredictionRow[];
}

const one = (xs: number[]): number | number[] => (xs.length === 1 ? xs[0] : xs);

/** Predicts every structure with one loaded model. */
export function predictRows(model: LoadedModel, items: Array<{ file: string; structure: Structure }>, opts: { contributions?: boolean } = {}): PredictionReport {
  const graphs = items.map((i) => graphForModel(model, i.structure));
  const preds = items.length ? predictGraphs(model, graphs, { contributions: !!opts.contributions }) : [];
  const h = model.header;
  return {
    model: model.name,
    task: h.task,
    targets: h.targets,
    unit: h.targets.map((t) => t.unit).join(', '),
    predictions: items.map((it, k) => {
      const p = preds[k];
      const row: PredictionRow = { file: it.file, name: it.structure.name, model: model.name, prediction: one(p.prediction), warnings: [...domainWarnings(h.domain, it.structure, h.task === 'regression' ? p.prediction : null, h.targets), ...graphWarnings(it.structure, graphs[k])] };
      if (p.std) row.std = one(p.std);
      if (p.probabilities) row.probabilities = p.probabilities;
      if (p.perAtom) row.perAtom = p.perAtom.map(one);
      if (opts.contributions) row.contributions = p.contributions ? p.contributions.map(one) : null;
      return row;
    }),
  };
}
