import { getEventListeners } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { ComputePool } from '../../../src-main/workers/pool';

const fixture = new URL('../../fixtures/workers/counting-worker.ts', import.meta.url);
const pools: ComputePool[] = [];
function pool(killAfterCancelMs = 2000): ComputePool {
  const p = new ComputePool(2, fixture, killAfterCancelMs);
  pools.push(p);
  return p;
}
afterEach(async () => {
  for (const p of pools.splice(0)) await p.dispose();
});
// The fixture's tasks are not in the product's task table: call through an untyped view.
type Untyped = { run(task: string, input: unknown, options?: object): Promise<unknown> };

describe('ComputePool', () => {
  it('runs a task in a worker and forwards its progress', async () => {
    const progress: number[] = [];
    const result = await (pool() as unknown as Untyped).run(
      'count',
      { to: 5, delayMs: 1 },
      { onProgress: (done: number) => progress.push(done) },
    );
    expect(result).toBe(5);
    expect(progress).toEqual([1, 2, 3, 4, 5]);
  });

  it('cancels a task that checks its signal', async () => {
    const controller = new AbortController();
    const p = pool() as unknown as Untyped;
    const run = p.run('count', { to: 10_000, delayMs: 5 }, {
      signal: controller.signal,
      onProgress: (done: number) => {
        if (done === 3) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'CancelledError' });
    // The worker is still usable.
    expect(await p.run('count', { to: 2, delayMs: 1 })).toBe(2);
  });

  it('terminates a worker that ignores cancellation, and recovers', async () => {
    const controller = new AbortController();
    const p = pool(200) as unknown as Untyped;
    const run = p.run('spin', { ms: 60_000 }, { signal: controller.signal });
    setTimeout(() => controller.abort(), 300);
    await expect(run).rejects.toMatchObject({ name: 'CancelledError' });
    expect(await p.run('count', { to: 1, delayMs: 1 })).toBe(1);
  });

  it('leaves no listener on the signal once its tasks have settled (one signal, many tasks: a screening)', async () => {
    const controller = new AbortController();
    const p = pool() as unknown as Untyped;
    const runs = Array.from({ length: 12 }, () => p.run('count', { to: 1, delayMs: 1 }, { signal: controller.signal }));
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(12);
    await Promise.all([...runs, p.run('fail', {}, { signal: controller.signal }).catch(() => undefined)]);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('fails a task that outgrows its worker\'s heap limit, naming it, and serves the next task in a new worker', async () => {
    const p = new ComputePool(1, fixture, 2000, 48);
    pools.push(p);
    const untyped = p as unknown as Untyped;
    await expect(untyped.run('hoard', { mb: 160 })).rejects.toMatchObject({
      name: 'WorkerError',
      message: "the task ran out of memory: a compute worker's JavaScript heap is limited to 48 MB (the worker was replaced)",
    });
    expect(await untyped.run('count', { to: 2, delayMs: 1 })).toBe(2);
    expect(await untyped.run('hoard', { mb: 8 })).toBe('kept 8 MB');
  });

  it('passes task errors as data', async () => {
    await expect((pool() as unknown as Untyped).run('fail', {})).rejects.toMatchObject({
      name: 'RangeError',
      message: 'this task always fails',
    });
  });
});
