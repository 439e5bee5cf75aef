/**
 * A run of `latticework train` reserves the name it will store its model under as it is recorded:
 * a second run of that name started while it trains is refused in its insert's transaction (the
 * command's exit 2, before training), and a run that ends failed or cancelled leaves the name free.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainCommandRecord } from '../../../src-shared/ipc/services/training';
import { Database } from '../../../src-main/store/database';
import { ModelNameTakenError, RunRecorder, type NewRun } from '../../../src-main/store/runs';

const dir = mkdtempSync(join(tmpdir(), 'latticework-model-name-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const command = (model: string, more: Partial<TrainCommandRecord> = {}) => ({ model, out: null, noSave: false, force: false, ...more }) as TrainCommandRecord;
const run = (trainCommand: TrainCommandRecord): NewRun => ({
  name: trainCommand.model,
  datasetId: null,
  datasetName: '/data',
  targetUnit: null,
  status: 'running',
  config: { architecture: 'gcn' },
  seed: 1,
  epochsPlanned: 2,
  tags: ['cli'],
  trainCommand,
});

describe('a run of latticework train and its model name', () => {
  it('reserves the name while it trains; another run of it is refused, one that writes --out or keeps none is not', async () => {
    const a = await Database.open(join(dir, 'reserve.sqlite'));
    const b = await Database.open(join(dir, 'reserve.sqlite'));
    try {
      const first = await RunRecorder.create(a, run(command('SAME')));
      const refused = await RunRecorder.create(b, run(command('SAME', { force: true }))).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ModelNameTakenError);
      expect((refused as Error).message).toBe(`run ${first.runId}, training now, will store its model as "SAME"; choose another --name`);
      expect(await b.read((tx) => tx.all('SELECT id FROM run'))).toEqual([{ id: first.runId }]);
      await RunRecorder.create(b, run(command('SAME', { out: '/tmp/m.lwm' })));
      await RunRecorder.create(b, run(command('SAME', { noSave: true })));
      // ended without a model: the name is free again
      await first.status('failed', { error: 'x', finished: true, duration: 1 });
      const again = await RunRecorder.create(b, run(command('SAME')));
      expect(again.runId).toBeGreaterThan(first.runId);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });
});
