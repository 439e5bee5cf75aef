/**
 * A run of `latticework train` reserves the name it will store its model under as it is recorded,
 * a property model's and a potential's alike (`run.reserved_model_name`): a second run of that name
 * started while it trains is refused in its insert's transaction (the command's exit 2, before
 * training), and a run that ends failed or cancelled leaves the name free. Until session 46 a
 * potential's run reserved nothing: two potentials trained under one name were told only at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { TrainCommandRecord } from '../../../src-shared/ipc/services/training';
import { potentialPresetConfig, presetConfig } from '../../../src-main/engine/architectures/registry';
import { sqlitePotentialRunHooks, sqliteTrainHooks, type PotentialRunInfo } from '../../../src-main/services/cli-store';
import { Database } from '../../../src-main/store/database';
import { ModelNameTakenError, RunRecorder } from '../../../src-main/store/runs';
import { cliRun as run } from '../../helpers/cli-run';

const dir = mkdtempSync(join(tmpdir(), 'latticework-model-name-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A property model's run as `latticework train` records it (services/cli-store's recorder), storing its model as `model`. */
async function propertyRun(db: string, model: string, more: Partial<TrainCommandRecord> = {}) {
  const hooks = await sqliteTrainHooks({ db });
  const trainCommand = { model, out: null, noSave: false, force: false, ...more } as TrainCommandRecord;
  try {
    await hooks.onStart({ name: model, config: presetConfig('gcn'), dataset: { source: '/data', structures: 4, target: 'gap', perAtom: false, unit: 'eV' }, backend: 'cpu', trainCommand });
  } catch (e) {
    // as the command does: the failure closes the store
    await hooks.onError(e as Error);
    throw e;
  }
  return hooks;
}

/** A potential's run as `latticework train --preset schnet-potential` records it, storing its model as `model` (null: --out or --no-save). */
const potentialRun = (db: string, model: string | null, force = false) => {
  const info: PotentialRunInfo = {
    name: model ?? 'kept nowhere',
    config: potentialPresetConfig('schnet-potential'),
    datasetName: '/data/frames.xyz',
    backend: 'cpu',
    epochsPlanned: 1,
    split: { train: [0, 1], val: [2], test: [] },
    tags: ['cli', 'potential'],
    storesModel: model === null ? null : { name: model, force },
  };
  return sqlitePotentialRunHooks(db, info);
};

const runIds = async (path: string) => {
  const db = await Database.open(path, { readOnly: true });
  try {
    return await db.read((tx) => tx.all<{ id: number; reserved_model_name: string | null }>('SELECT id, reserved_model_name FROM run ORDER BY id'));
  } finally {
    await db.close();
  }
};

describe('a run of latticework train and its model name', () => {
  it('reserves the name while it trains; another run of it is refused, one that writes --out or keeps none is not', async () => {
    const a = await Database.open(join(dir, 'reserve.sqlite'));
    const b = await Database.open(join(dir, 'reserve.sqlite'));
    try {
      const first = await RunRecorder.create(a, run('SAME'));
      const refused = await RunRecorder.create(b, run('SAME', true)).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(ModelNameTakenError);
      expect((refused as Error).message).toBe(`run ${first.runId}, training now, will store its model as "SAME"; choose another --name`);
      expect(await b.read((tx) => tx.all('SELECT id FROM run'))).toEqual([{ id: first.runId }]);
      await RunRecorder.create(b, run(null));
      // ended without a model: the name is free again
      await first.status('failed', { error: 'x', finished: true, duration: 1 });
      const again = await RunRecorder.create(b, run('SAME'));
      expect(again.runId).toBeGreaterThan(first.runId);
    } finally {
      await Promise.all([a.close(), b.close()]);
    }
  });

  it("a potential's run reserves its name as a property model's does: either refuses the other before it trains", async () => {
    const db = join(dir, 'potential.sqlite');
    // a property model's run training under SAME refuses a potential's of that name, even with --force
    const property = await propertyRun(db, 'SAME');
    const propertyId = property.runId();
    const refused = await potentialRun(db, 'SAME', true).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ModelNameTakenError);
    expect((refused as Error).message).toBe(`run ${propertyId}, training now, will store its model as "SAME"; choose another --name`);
    // one written to --out (or kept nowhere) reserves nothing
    const elsewhere = await potentialRun(db, null);
    await elsewhere.onFinish({ cancelled: true, bestEpoch: -1, epochsDone: 0, val: {}, test: {}, location: null });
    await property.onError(new Error('stopped'));

    // a potential's run training under POT refuses another potential's, and a property model's, of that name
    const potential = await potentialRun(db, 'POT');
    const second = await potentialRun(db, 'POT').catch((e: unknown) => e);
    expect((second as Error).message).toBe(`run ${potential.runId}, training now, will store its model as "POT"; choose another --name`);
    const third = await propertyRun(db, 'POT').catch((e: unknown) => e);
    expect(third).toBeInstanceOf(ModelNameTakenError);
    expect(await runIds(db)).toEqual([
      { id: propertyId, reserved_model_name: 'SAME' },
      { id: elsewhere.runId, reserved_model_name: null },
      { id: potential.runId, reserved_model_name: 'POT' },
    ]);
    // cancelled, it leaves the name free
    await potential.onFinish({ cancelled: true, bestEpoch: -1, epochsDone: 0, val: {}, test: {}, location: null });
    const next = await potentialRun(db, 'POT');
    expect(next.runId).toBeGreaterThan(potential.runId);
    await next.onError(new Error('stopped'));
  });
});
