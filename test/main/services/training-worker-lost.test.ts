/**
 * A training thread that dies (a data-parallel replica, or the compute worker itself) leaves the run
 * interrupted with the reason, resumable from its last checkpoint — not failed, not hanging.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { LatticeworkApi, RunRecord } from '../../../src-shared/ipc/contract';
import { RemoteError } from '../../../src-shared/ipc/define';
import type { RunningHost } from '../../../src-main/host/server';
import type { SocketTransport } from '../../../src-shared/ipc/socket-transport';
import { connect, createTestCore, startTestHost, type TestCore } from '../../helpers/core';
import { emtFrames, tinyConfig } from './training-fixtures';

let t: TestCore;
let host: RunningHost;
let api: LatticeworkApi;
let transport: SocketTransport;

beforeAll(async () => {
  t = await createTestCore();
  host = await startTestHost(t.core, t.dir);
  ({ api, transport } = await connect(host));
});
afterAll(async () => {
  transport.close();
  await host.close();
  await t.dispose();
});

describe('a lost training thread', () => {
  it('interrupts the run with the reason; resume trains it to the end', { timeout: 300_000 }, async () => {
    const datasetId = (await api.datasets.import({ kind: 'extxyz', files: [{ name: 'emt20.extxyz', text: emtFrames(20) }] })).id;
    const pool = t.core.pool;
    const run = pool.run.bind(pool);
    let lose = true;
    // the first training job loses a replica, as DataParallelExecutor reports it
    (pool as { run: typeof pool.run }).run = ((task, input, options) =>
      task === 'train' && lose ? ((lose = false), Promise.reject(new RemoteError({ name: 'WorkerLostError', message: 'data-parallel worker 1 exited (code 1) during training' }))) : run(task, input, options)) as typeof pool.run;
    const statuses: RunRecord[] = [];
    const off = api.training.onStatus((r) => statuses.push(r));
    const started = await api.training.start({ datasetId, config: tinyConfig(2), workers: 2 });
    await expect.poll(() => statuses.find((r) => r.id === started.id && r.status === 'interrupted'), { timeout: 60_000 }).toBeTruthy();
    const interrupted = await api.runs.get({ id: started.id });
    expect(interrupted.status).toBe('interrupted');
    expect(interrupted.error).toMatch(/data-parallel worker 1 exited/);
    await api.training.resume({ runId: started.id });
    await expect.poll(() => statuses.find((r) => r.id === started.id && r.status === 'finished'), { timeout: 240_000 }).toBeTruthy();
    off();
    const done = await api.runs.get({ id: started.id });
    expect(done.epochsDone).toBe(2);
    expect(done.workers).toBe(2);
  });
});
