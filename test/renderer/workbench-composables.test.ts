/**
 * Composables of the workbench against a fake API client: live training events become curves,
 * service errors end up in the state the views show (never swallowed). The composables keep
 * module-level state: every test imports them afresh (and clears the fake's subscribers), so
 * the tests hold in any order; time is faked (the 200 ms batching of live events).
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { nextTick, ref } from 'vue';
import type { RunRecord, TrainingProgress } from '../../src-shared/ipc/contract';
import { runRecord } from './run-record';

type Handler = (p: unknown) => void;
const handlers: Record<string, Handler[]> = {};
const on = (name: string) => (h: Handler) => {
  (handlers[name] ??= []).push(h);
  return () => undefined;
};
const emit = (name: string, p: unknown) => (handlers[name] ?? []).forEach((h) => h(p));

const run = runRecord(7, { name: 'r', datasetName: 'd', targetUnit: '', status: 'running', summary: {}, bestMetrics: {}, epochsDone: 0, epochsPlanned: 2, startedAt: 1, duration: 0 });

const api = {
  training: {
    onProgress: on('training.onProgress'),
    onStatus: on('training.onStatus'),
    start: vi.fn(async () => run),
    pause: vi.fn(async () => {
      throw Object.assign(new Error('run 7 is finished: only a running run can be paused'), { name: 'UserError' });
    }),
    resume: vi.fn(async () => ({ ...run, status: 'queued' })),
    cancel: vi.fn(async () => run),
  },
  runs: {
    list: vi.fn(async () => [run]),
    metrics: vi.fn(async () => [{ runId: 7, key: 'train_loss', step: 0, epoch: 0, value: 2, time: 0 }]),
    predictions: vi.fn(async () => {
      throw new Error('no predictions');
    }),
    get: vi.fn(),
    update: vi.fn(),
    delete: vi.fn(),
    exportCsv: vi.fn(),
  },
  datasets: {
    onChanged: on('datasets.onChanged'),
    list: vi.fn(async () => {
      throw new Error('datasets.list is not implemented yet');
    }),
    import: vi.fn(),
    items: vi.fn(async () => ({ total: 0, items: [] })),
    spaceGroups: vi.fn(async () => []),
    graphStats: vi.fn(),
    delete: vi.fn(),
  },
  jobs: { onProgress: on('jobs.onProgress'), cancel: vi.fn(async () => ({ cancelled: true })) },
  scaleOut: {
    exportRun: vi.fn(async () => {
      throw Object.assign(new Error('folder /tmp/nonempty is not empty: choose a new folder'), { name: 'UserError' });
    }),
  },
  models: {
    onChanged: on('models.onChanged'),
    presets: vi.fn(async () => [{ id: 'cgcnn', name: 'CGCNN', description: '', architecture: 'cgcnn', config: { architecture: 'cgcnn', training: { optimizer: { kind: 'sgd', lr: 0.01 } } } }]),
    architectures: vi.fn(async () => null),
    listConfigs: vi.fn(async () => []),
    list: vi.fn(async () => []),
    checkConfig: vi.fn(async () => ({ ok: true, issues: [], config: null, parameterCount: 1, breakdown: null, differences: [] })),
  },
};

vi.mock('../../src-renderer/api/client', () => ({
  getApi: () => api,
  connectionState: ref('connected'),
}));

type Composables = {
  useRuns: typeof import('../../src-renderer/composables/useRuns').useRuns;
  useTraining: typeof import('../../src-renderer/composables/useTraining').useTraining;
  useDatasets: typeof import('../../src-renderer/composables/useDatasets').useDatasets;
  useScaleOut: typeof import('../../src-renderer/composables/useScaleOut').useScaleOut;
  useModels: typeof import('../../src-renderer/composables/useModels').useModels;
};
let useRuns: Composables['useRuns'];
let useTraining: Composables['useTraining'];
let useDatasets: Composables['useDatasets'];
let useScaleOut: Composables['useScaleOut'];
let useModels: Composables['useModels'];

/** Lets pending promise callbacks run (and timers due now fire) under fake timers. */
const flush = () => vi.advanceTimersByTimeAsync(0);

describe('workbench composables', () => {
  beforeEach(async () => {
    vi.useFakeTimers();
    vi.resetModules();
    vi.clearAllMocks();
    for (const k of Object.keys(handlers)) delete handlers[k];
    ({ useRuns } = await import('../../src-renderer/composables/useRuns'));
    ({ useTraining } = await import('../../src-renderer/composables/useTraining'));
    ({ useDatasets } = await import('../../src-renderer/composables/useDatasets'));
    ({ useScaleOut } = await import('../../src-renderer/composables/useScaleOut'));
    ({ useModels } = await import('../../src-renderer/composables/useModels'));
  });
  afterEach(() => vi.useRealTimers());

  it('turns live progress events into curves and keeps the latest progress', async () => {
    const runs = useRuns();
    await flush();
    expect(runs.runs.value.map((r) => r.id)).toEqual([7]);
    const ev = (kind: 'batch' | 'epoch', batch: number, values: Record<string, number>): TrainingProgress => ({
      runId: 7,
      kind,
      epoch: 0,
      epochs: 2,
      batch,
      batches: 2,
      values,
      structuresPerSecond: 5,
      eta: 3,
      backend: 'cpu', workers: 1,
    });
    emit('training.onProgress', ev('batch', 0, { batch_loss: 1, lr: 0.1 }));
    emit('training.onProgress', ev('batch', 1, { batch_loss: 0.5, lr: 0.1 }));
    emit('training.onProgress', ev('epoch', 2, { train_loss: 0.7 }));
    // live events are applied in batches, at most every 200 ms
    await vi.advanceTimersByTimeAsync(199);
    expect(runs.series.value[7]?.batch.batch_loss ?? []).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    const s = runs.series.value[7];
    expect(s.batch.batch_loss).toEqual([
      [0, 1],
      [1, 0.5],
    ]);
    expect(s.batch.batch_lr.length).toBe(2);
    expect(s.epoch.train_loss).toEqual([[1, 0.7]]);
    expect(runs.progress.value[7].kind).toBe('epoch');
  });

  it("shows an ensemble's next member at once, however soon the run ends after it", async () => {
    const runs = useRuns();
    await flush();
    const ev = (epoch: number, batch: number): TrainingProgress => ({
      runId: 7,
      kind: 'batch',
      epoch,
      epochs: 4,
      batch,
      batches: 2,
      values: { batch_loss: 1, lr: 0.1 },
      structuresPerSecond: 5,
      eta: 3,
      backend: 'cpu',
      workers: 1,
      member: { index: epoch < 2 ? 0 : 1, count: 2 },
    });
    // what the progress showed after each event, as the view would draw it
    const shown: (number | undefined)[] = [];
    const take = () => shown.push(runs.progress.value[7]?.member?.index);
    for (const [epoch, batch] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [2, 0],
      [2, 1],
      [3, 0],
    ]) {
      emit('training.onProgress', ev(epoch, batch));
      take();
    }
    // the second member's batches all came within one batching window: it is named all the same
    expect(shown).toEqual([0, 0, 0, 1, 1, 1]);
    expect(runs.progress.value[7]).toMatchObject({ epoch: 2, batch: 0 });
    // its later batches come in the next batch of events
    await vi.advanceTimersByTimeAsync(200);
    expect(runs.progress.value[7]).toMatchObject({ epoch: 3, batch: 0 });
    expect(runs.series.value[7].batch.batch_loss.length).toBe(6);
  });

  it('keeps service errors for the views', async () => {
    const t = useTraining();
    await t.pause(7);
    expect(useRuns().actionError.value).toBe('pause run #7: run 7 is finished: only a running run can be paused');
    const r = await t.resume(7);
    expect(r?.status).toBe('queued');
    expect(useRuns().runs.value.find((x) => x.id === 7)?.status).toBe('queued');
    await useRuns().loadPredictions(7);
    expect(useRuns().predictionErrors.value[7]).toBe('no predictions');
    const d = useDatasets();
    await flush();
    await nextTick();
    expect(d.listError.value).toContain('not implemented');
  });

  it('shows a folder dropped on the dataset import as busy at once, while its subfolders are listed', async () => {
    const d = useDatasets();
    let answer: (batch: FileSystemEntry[]) => void = () => undefined;
    const folder = { name: 'set', isFile: false, isDirectory: true, createReader: () => ({ readEntries: (ok: (batch: FileSystemEntry[]) => void) => (answer = ok) }) };
    const dt = { items: [{ kind: 'file', webkitGetAsEntry: () => folder }] } as unknown as DataTransfer;
    const done = d.importDropped(dt, { kind: 'cgcnn-folder' });
    expect([d.importing.value, d.readingFiles.value]).toEqual([true, true]);
    answer([]);
    expect(await done).toBeNull();
    expect(d.importError.value).toBe('no readable files were dropped');
    expect(d.importing.value).toBe(false);
  });

  it('keeps a status told while the runs list was on its way over the older list', async () => {
    const runs = useRuns();
    await flush();
    // the list is asked for (the refresh after an epoch) and read while the run still runs...
    let answer: (l: RunRecord[]) => void = () => undefined;
    api.runs.list.mockImplementationOnce(() => new Promise<RunRecord[]>((resolve) => (answer = resolve)));
    const refreshed = runs.refresh();
    // ...the run ends, and its status event comes before the list's answer
    emit('training.onStatus', { ...run, status: 'finished', epochsDone: 2 });
    const other = { ...run, id: 8, name: 'other' };
    answer([{ ...run, status: 'running', epochsDone: 1 }, other]);
    await refreshed;
    expect(runs.runs.value.map((r) => [r.id, r.status, r.epochsDone])).toEqual([
      [7, 'finished', 2],
      [8, 'running', 0],
    ]);
    // a later list is taken as it is
    api.runs.list.mockImplementationOnce(async () => [{ ...run, status: 'finished', epochsDone: 2, notes: 'read later' }]);
    await runs.refresh();
    expect(runs.runs.value.map((r) => [r.id, r.notes])).toEqual([[7, 'read later']]);
  });

  it('an export’s error is kept until its form changes', async () => {
    const scale = useScaleOut();
    await scale.exportRun(7, '/tmp/nonempty');
    expect(scale.exportState(7).value?.error).toBe('Export for PyTorch failed: folder /tmp/nonempty is not empty: choose a new folder');
    // the form changed (epochs −2, which the browser's own check then blocks): the last attempt's message goes
    scale.clearExportError(7);
    expect(scale.exportState(7).value?.error).toBeNull();
  });

  it('a refused run delete is named after it, and goes once the run ends or at the next action', async () => {
    const runs = useRuns();
    await flush();
    api.runs.delete.mockImplementationOnce(async () => {
      throw Object.assign(new Error('run 7 is running: cancel it before deleting it'), { name: 'UserError' });
    });
    await runs.remove([7]);
    expect(runs.actionError.value).toBe('delete run #7 “r”: run 7 is running: cancel it before deleting it');
    // a status event of another run leaves it; the run's own end clears it
    emit('training.onStatus', { ...run, id: 8, status: 'finished' });
    expect(runs.actionError.value).not.toBeNull();
    emit('training.onStatus', { ...run, status: 'finished' });
    expect(runs.actionError.value).toBeNull();
    // the next action clears a refused one
    api.runs.update.mockImplementationOnce(async () => {
      throw new Error('invalid name');
    });
    await runs.update(7, { name: 'x' });
    expect(runs.actionError.value).toBe('rename run #7 “r”: invalid name');
    // a name the contract refuses is refused in its words, not sent
    api.runs.update.mockClear();
    await runs.update(7, { name: 'x'.repeat(3000) });
    expect(runs.actionError.value).toBe('rename run #7 “r”: Name must be at most 200 characters (this one has 3000)');
    expect(api.runs.update).not.toHaveBeenCalled();
    api.runs.update.mockImplementationOnce(async () => ({ ...run, archived: true }));
    await runs.update(7, { archived: true });
    expect(runs.actionError.value).toBeNull();
  });

  it('the Runs view shows one action error: a refused delete goes when Resume is clicked, and a refused resume replaces it', async () => {
    const runs = useRuns();
    const t = useTraining();
    await flush();
    api.runs.delete.mockImplementationOnce(async () => {
      throw Object.assign(new Error('run 7 is being trained by another Latticework process (pid 12): cancel it there'), { name: 'UserError' });
    });
    await runs.remove([7]);
    expect(runs.actionError.value).toBe('delete run #7 “r”: run 7 is being trained by another Latticework process (pid 12): cancel it there');
    let during: string | null = 'not called';
    api.training.resume.mockImplementationOnce(async () => {
      during = runs.actionError.value;
      throw Object.assign(new Error('run 7 cannot be resumed'), { name: 'UserError' });
    });
    expect(await t.resume(7)).toBeNull();
    // cleared when the resume started, then this resume's refusal alone
    expect(during).toBeNull();
    expect(runs.actionError.value).toBe('resume run #7 “r”: run 7 cannot be resumed');
    // the Training view shows it under run 7, not under another run
    expect([runs.actionErrorOf(7), runs.actionErrorOf(8)]).toEqual(['resume run #7 “r”: run 7 cannot be resumed', null]);
    // and the next table action clears it
    api.runs.update.mockImplementationOnce(async () => ({ ...run, tags: ['a'] }));
    await runs.update(7, { tags: ['a'] });
    expect(runs.actionError.value).toBeNull();
  });

  it('a refused dataset delete is its own error, not the list’s, and goes once the run on the dataset ends', async () => {
    api.datasets.list.mockImplementationOnce(async () => [{ id: 1, name: 'cg20', status: 'ready' }] as never);
    const d = useDatasets();
    await flush();
    expect(d.listError.value).toBeNull();
    const refuse = async () => {
      throw Object.assign(new Error('run “r” is training on this dataset: cancel it first'), { name: 'UserError' });
    };
    api.datasets.delete.mockImplementationOnce(refuse);
    expect(await d.remove(1)).toBe(false);
    expect(d.actionError.value).toBe('delete dataset “cg20”: run “r” is training on this dataset: cancel it first');
    expect(d.listError.value).toBeNull();
    // a run of another dataset, or one on it that starts, changes nothing; its end clears the error
    emit('training.onStatus', { ...run, datasetId: 2, status: 'cancelled' });
    emit('training.onStatus', { ...run, datasetId: 1, status: 'running' });
    expect(d.actionError.value).not.toBeNull();
    emit('training.onStatus', { ...run, datasetId: 1, status: 'cancelled' });
    expect(d.actionError.value).toBeNull();
    // the next delete clears it too
    api.datasets.delete.mockImplementationOnce(refuse);
    await d.remove(1);
    api.datasets.delete.mockImplementationOnce(async () => ({ deleted: true }) as never);
    expect(await d.remove(1)).toBe(true);
    expect(d.actionError.value).toBeNull();
    expect(d.list.value).toEqual([]);
  });

  it('a status event updates the run in the list', async () => {
    const runs = useRuns();
    await flush();
    expect(runs.runs.value.find((x) => x.id === 7)?.status).toBe('running');
    emit('training.onStatus', { ...run, status: 'interrupted' });
    expect(runs.runs.value.find((x) => x.id === 7)?.status).toBe('interrupted');
  });

  it('an emptied number field is a problem of the check, 200 ms after the last keystroke, and not the last value', async () => {
    const m = useModels();
    await flush();
    expect(m.draft.value).toMatchObject({ training: { optimizer: { lr: 0.01 } } });
    m.setInputProblem(['training', 'optimizer', 'lr'], 'Learning rate: enter a number');
    await vi.advanceTimersByTimeAsync(199);
    expect(m.check.value?.issues ?? []).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    await flush();
    expect(m.check.value).toMatchObject({ ok: false, issues: [{ path: 'training.optimizer.lr', message: 'Learning rate: enter a number' }] });
    // typing a number clears it
    m.setField(['training', 'optimizer', 'lr'], 0.02);
    expect(m.inputProblems.value).toEqual({});
    await vi.advanceTimersByTimeAsync(200);
    await flush();
    expect(m.check.value?.ok).toBe(true);
  });
});
