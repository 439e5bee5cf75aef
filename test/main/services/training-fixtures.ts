/** Small data and a tiny model for the training tests. */
import type { LatticeworkApi, RunRecord, TrainingProgress } from '../../../src-shared/ipc/contract';

/** The first n frames of the EMT extended XYZ. */
export { emtFramesText as emtFrames } from '../../helpers/shared-data';

/** A tiny CGCNN: 1 convolution, 8 features, 4 Å / 6 neighbours, Adam, batch 8. */
export function tinyConfig(epochs: number, overrides: { seed?: number } = {}): Record<string, unknown> {
  return {
    architecture: 'cgcnn',
    model: { atomInput: { kind: 'cgcnn', length: 92 }, atomFeatures: 8, numLayers: 1, hiddenFeatures: 8, numHidden: 1 },
    graph: { cutoff: 4, maxNeighbors: 6, cgcnnPadding: true, gaussian: { dmin: 0, step: 0.5, width: 0.5 } },
    training: { optimizer: { kind: 'adam', lr: 0.01 }, batchSize: 8, epochs, seed: overrides.seed ?? 7, split: { val: 0.2, test: 0.2 } },
  };
}

/** Resolves with the run's record when it reaches one of `statuses`. */
export function waitForStatus(a: LatticeworkApi, runId: number, statuses: RunRecord['status'][], timeoutMs = 120_000): Promise<RunRecord> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`run ${runId} did not reach ${statuses.join('/')}`));
    }, timeoutMs);
    const off = a.training.onStatus((r) => {
      if (r.id === runId && statuses.includes(r.status)) {
        clearTimeout(timer);
        off();
        resolve(r);
      }
    });
  });
}

/** Resolves at the run's next progress event of this kind (a batch or an epoch). */
export function nextProgress(a: LatticeworkApi, runId: number, kind: TrainingProgress['kind']): Promise<TrainingProgress> {
  return new Promise((resolve) => {
    const off = a.training.onProgress((p) => {
      if (p.runId === runId && p.kind === kind) {
        off();
        resolve(p);
      }
    });
  });
}
