/**
 * The Predict view's composable against a fake API whose run answers only when the test says:
 * rows streamed by `predict.onRows` are shown while the job runs, and cancelling the job (the
 * run rejected with the service's CancelledError) keeps exactly those rows and says how many,
 * while rows of another job, or arriving after the run ended, are ignored. The cancel lands at
 * a known point: after the first part's rows, before the second's.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ref } from 'vue';
import type { PredictionRow, PredictionRowsEvent } from '../../src-shared/ipc/contract';

type Handler = (p: unknown) => void;
const handlers: Record<string, Handler[]> = {};
const emit = (name: string, p: unknown) => (handlers[name] ?? []).forEach((h) => h(p));

/** The pending predict.run: the test settles it. */
let pending: { resolve(v: unknown): void; reject(e: Error): void } | null = null;

const api = {
  predict: {
    onRows: (h: Handler) => {
      (handlers['predict.onRows'] ??= []).push(h);
      return () => undefined;
    },
    run: vi.fn(
      () =>
        new Promise((resolve, reject) => {
          pending = { resolve, reject };
        }),
    ),
  },
  structures: { get: vi.fn(async ({ id }: { id: number }) => ({ id })) },
  jobs: {
    onProgress: () => () => undefined,
    // the service aborts the job: its run rejects with a CancelledError
    cancel: vi.fn(async () => {
      pending?.reject(Object.assign(new Error('cancelled'), { name: 'CancelledError' }));
      return { cancelled: true };
    }),
  },
};

vi.mock('../../src-renderer/api/client', () => ({ getApi: () => api, connectionState: ref('connected') }));

const row = (structureId: number, prediction: number): PredictionRow => ({
  structureId,
  name: `s${structureId}`,
  modelId: 1,
  model: 'm',
  prediction,
  std: null,
  units: 'eV/atom',
  perAtom: null,
  warnings: [],
});

describe('usePredict', () => {
  beforeEach(() => {
    vi.resetModules();
    vi.clearAllMocks();
    for (const k of Object.keys(handlers)) delete handlers[k];
    pending = null;
  });

  it('keeps the rows streamed before a cancel, says how many, and takes no rows after it', async () => {
    const { usePredict } = await import('../../src-renderer/composables/usePredict');
    const p = usePredict();
    const done = p.run(1, [10, 11, 12, 13]);
    const jobId = p.jobId.value!;
    expect(api.predict.run).toHaveBeenCalledWith({ modelId: 1, structureIds: [10, 11, 12, 13], jobId });
    expect(p.running.value).toBe(true);
    // the first part finishes; a part of another job is not this view's
    emit('predict.onRows', { jobId, rows: [row(10, -1.5), row(11, -2)], failed: [{ structureId: 12, message: 'no graph' }] } satisfies PredictionRowsEvent);
    emit('predict.onRows', { jobId: 'predict-other', rows: [row(99, 0)], failed: [] } satisfies PredictionRowsEvent);
    expect(p.rows.value.map((r) => r.structureId)).toEqual([10, 11]);
    // Cancel lands here: after the first part, before the second
    await p.cancel();
    await done;
    expect(api.jobs.cancel).toHaveBeenCalledWith({ jobId });
    expect(p.running.value).toBe(false);
    expect(p.rows.value).toEqual([row(10, -1.5), row(11, -2)]);
    expect(p.failed.value).toEqual([{ structureId: 12, message: 'no graph' }]);
    expect(p.runError.value).toBe('cancelled (the 2 rows shown were predicted)');
    // a part that finished as the job was cancelled adds nothing
    emit('predict.onRows', { jobId, rows: [row(13, -3)], failed: [] } satisfies PredictionRowsEvent);
    expect(p.rows.value.map((r) => r.structureId)).toEqual([10, 11]);
  });

  it('says only the error when a run is cancelled before any part finished', async () => {
    const { usePredict } = await import('../../src-renderer/composables/usePredict');
    const p = usePredict();
    const done = p.run(1, [10]);
    await p.cancel();
    await done;
    expect(p.rows.value).toEqual([]);
    expect(p.runError.value).toBe('cancelled');
  });
});
