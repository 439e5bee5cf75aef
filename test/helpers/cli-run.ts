/** A run of `latticework train` as the store takes it (store/runs NewRun), for tests of its model name's reservation. */
import type { NewRun } from '../../src-main/store/runs';

/** A running run of a command-line train storing its model in the store as `model` (null: storing none there, --out or --no-save; `force`: --force). */
export const cliRun = (model: string | null, force = false): NewRun => ({
  name: model ?? 'kept nowhere',
  datasetId: null,
  datasetName: '/data',
  targetUnit: null,
  status: 'running',
  config: { architecture: 'gcn' },
  seed: 1,
  epochsPlanned: 2,
  tags: ['cli'],
  storesModel: model === null ? null : { name: model, force },
});
