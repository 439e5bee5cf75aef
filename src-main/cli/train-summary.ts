/**
 * What `latticework train --json` prints at the end of a run: one JSON object, for a property
 * model or for an interatomic potential. Defined here once; the two branches of the command
 * (commands/train.ts, commands/train-potential.ts) fill it, and `reportTrainSummary` prints it
 * (JSON with --json, else the closing lines).
 */
import type { PotentialMetrics } from '../engine/potential/metrics';
import type { CliIo } from './command';
import { plural } from '../../src-shared/text';

/** What every summary says about its run. */
interface TrainSummaryBase<Metrics> {
  /** finished | cancelled | early-stopped (potentials also time-budget). */
  status: string;
  /** The tfjs backend trained on (cpu, wasm, tensorflow…). */
  backend: string;
  architecture: string;
  preset: string | null;
  /** The stored model it was fine-tuned from (--from), else null. */
  startedFrom: string | null;
  /** Layers (property models) or blocks (potentials) kept fixed (--freeze). */
  freeze: number;
  /**
   * Fine-tuning: each new element's symbol → the trained element whose embedding row it started from;
   * null without --from, when the source does not say what it trained, or when the model has no learned
   * element embedding (CGCNN and one-hot atom inputs).
   */
  seededElements: Record<string, string> | null;
  /** Structures (frames for a potential) read from the data. */
  structures: number;
  /** Structures in each split. */
  split: { train: number; val: number; test: number };
  /** Epochs run (the last fold's or member's). */
  epochs: number;
  /** 0-based; null for a k-fold run, whose model is the ensemble of its folds' (each fold's in `folds`). */
  bestEpoch: number | null;
  /** The best epoch's metrics on the validation and test splits; null for an empty split. */
  val: Metrics | null;
  test: Metrics | null;
  /** Training time, all folds or members. */
  seconds: number;
  /** Where the model was stored (file), null with --no-save or when cancelled. */
  model: string | null;
  /** The run's id in the database (`latticework runs`, `export RUN`, `train --resume RUN`); null where no run is recorded. */
  runId: number | null;
}

/** A property model's run (CGCNN, SchNet, …; k-fold runs list their folds). */
export interface PropertyTrainSummary extends TrainSummaryBase<Record<string, number>> {
  /** Data-parallel training workers. */
  workers: number;
  parameters: number;
  /** Fine-tuning (--from): whether the source's head was kept or a new one trained; null otherwise. */
  head: 'kept' | 'new' | null;
  /** k-fold cross-validation only (left out otherwise): each fold trained (from 0), its epochs run and its best epoch (0-based) and metric. */
  folds?: { fold: number | null; epochs: number; bestEpoch: number; bestMetric: number }[];
  /** The validation metric that chose the best epoch (mae, rocAuc…) and its best value. */
  selectionMetric: string;
  bestValMetric: number;
}

/** An interatomic potential's run (metrics: energy meV/atom, forces eV/Å, stress GPa and eV/Å³). */
export interface PotentialTrainSummary extends TrainSummaryBase<PotentialMetrics> {
  kind: 'potential';
  /** Ensemble members (--ensemble), 1 for a single model. */
  members: number;
  /** What the loss included. */
  trained: { energy: boolean; forces: boolean; stress: boolean };
  /** The best epoch's selection score (lower is better; docs/potentials.md). */
  bestValScore: number;
}

export type TrainSummary = PropertyTrainSummary | PotentialTrainSummary;

/** The order of the fields in the printed JSON (every field of either kind, each once: the compiler checks). */
const FIELD_ORDER: { [K in keyof PropertyTrainSummary | keyof PotentialTrainSummary]: null } = {
  status: null,
  backend: null,
  workers: null,
  architecture: null,
  preset: null,
  parameters: null,
  kind: null,
  startedFrom: null,
  freeze: null,
  seededElements: null,
  head: null,
  members: null,
  trained: null,
  structures: null,
  split: null,
  folds: null,
  epochs: null,
  bestEpoch: null,
  selectionMetric: null,
  bestValMetric: null,
  bestValScore: null,
  val: null,
  test: null,
  seconds: null,
  model: null,
  runId: null,
};

/** The summary as `train --json` prints it: one line, fields in FIELD_ORDER. */
export function trainSummaryJson(summary: TrainSummary): string {
  const fields = summary as unknown as Record<string, unknown>;
  return JSON.stringify(Object.fromEntries(Object.keys(FIELD_ORDER).filter((k) => k in fields).map((k) => [k, fields[k]])));
}

/**
 * Prints the end of a run: the JSON summary with --json; else, cancelled, what was kept (`recorded`:
 * the run is in the database), or the best epoch (1-based) with `detail` (validation/test metrics in
 * the kind's words) and where the model went.
 */
export function reportTrainSummary(io: CliIo, summary: TrainSummary, o: { json: boolean; cancelled: boolean; detail: string; recorded: boolean }): void {
  // k-fold: the model is the ensemble of the fold models, each with its own best epoch
  const folds = 'folds' in summary ? summary.folds : undefined;
  if (o.json) io.out(trainSummaryJson(summary));
  else if (o.cancelled) {
    // a k-fold run: the fold it was cancelled in, its epochs and best epoch
    const fold = folds?.[folds.length - 1];
    const bestEpoch = fold ? fold.bestEpoch : summary.bestEpoch;
    const best = summary.epochs && bestEpoch !== null ? ` (best so far${fold ? ' in it' : ''}: epoch ${bestEpoch + 1})` : '';
    io.out(`cancelled${fold ? ` in fold ${fold.fold}` : ''} after ${plural(summary.epochs, 'epoch')}${best}: ${o.recorded ? 'the run is recorded as cancelled in the database; ' : ''}no model was saved (a cancelled run saves none)`);
  }
  else {
    // (only a k-fold run's bestEpoch is null)
    io.out(`${folds ? `ensemble of ${folds.length} fold models (best epochs ${folds.map((f) => f.bestEpoch + 1).join(', ')})` : `best epoch ${summary.bestEpoch! + 1}`}${o.detail}`);
    if (summary.model) io.out(`model saved: ${summary.model}`);
  }
}
