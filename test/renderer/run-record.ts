/** A run record for the renderer's tests (every field of the contract's RunRecord): a finished 3-epoch CGCNN run, with `over` applied. */
import type { RunRecord } from '../../src-shared/ipc/contract';

export function runRecord(id: number, over: Partial<RunRecord> = {}): RunRecord {
  return {
    id,
    name: `run ${id}`,
    datasetId: 1,
    datasetName: 'emt',
    targetUnit: 'eV/atom',
    status: 'finished',
    summary: { architecture: 'cgcnn', lr: 0.01 },
    bestMetrics: { val_mae: 0.1 * id },
    backend: 'cpu',
    workers: 1,
    seed: 1,
    epochsDone: 3,
    epochsPlanned: 3,
    startedAt: 1000 * id,
    finishedAt: null,
    duration: 10 * id,
    split: { train: 8, validation: 1, test: 1 },
    tags: [],
    notes: '',
    archived: false,
    error: null,
    origin: 'local',
    external: null,
    trainCommand: null,
    ...over,
  };
}
