/**
 * The Simulate view's composable against a fake API whose answers arrive when the test says: a
 * run that ends while the view is still loading it (its detail, then its last frame) is shown as
 * ended, not as the 'running' snapshot the load read before the end was told (the relaxation
 * that stayed "running" in a loaded CI run: `simulations.onStatus` said 'finished' while the
 * detail was still on its way, and no later event came to correct it). A stale record (the
 * answer to cancel, read before the run stopped) never takes a run back from an end it reached.
 */
import { beforeEach, describe, expect, it, vi } from 'vitest';
import { ref, watch } from 'vue';
import type { SimulationDetail, SimulationFrameView, SimulationRecord } from '../../src-shared/ipc/contract';
import type { SimulationExportPart } from '../../src-shared/ipc/services/simulations';
import { defaultForm } from '../../src-renderer/lib/simulation';
import { SIMULATION_DEFAULTS } from '../../src-shared/sim/job';

type Handler = (p: unknown) => void;
const handlers: Record<string, Handler[]> = {};
const emit = (name: string, p: unknown) => (handlers[name] ?? []).forEach((h) => h(p));

/** An answer the test gives when it wants: calls wait in `held` until then. */
interface Held<T> {
  args: unknown;
  resolve(v: T): void;
}
const held: Record<string, Held<unknown>[]> = {};
function hold<T>(name: string) {
  return vi.fn(
    (args: unknown) =>
      new Promise<T>((resolve) => {
        (held[name] ??= []).push({ args, resolve: resolve as (v: unknown) => void });
      }),
  );
}
/** Gives the oldest waiting `name` call its answer. */
async function answer(name: string, value: unknown): Promise<void> {
  const call = held[name]?.shift();
  if (!call) throw new Error(`no ${name} call waits for an answer`);
  call.resolve(value);
  await flush();
}
const flush = () => new Promise((r) => setTimeout(r, 0));

const record = (status: SimulationRecord['status'], frames: number): SimulationRecord => ({
  id: 7,
  name: 'relax Cu',
  nameGiven: true,
  task: 'relax',
  status,
  structureId: 1,
  structureName: 'Cu108',
  formula: 'Cu',
  nAtoms: 1,
  calculator: 'emt',
  calculatorSpec: { kind: 'emt' },
  parameters: { ...defaultForm().relax },
  message: status === 'finished' ? 'converged in 12 steps' : '',
  warnings: null,
  steps: frames,
  frames,
  startedAt: 0,
  finishedAt: status === 'finished' ? 1 : null,
  duration: 1,
});
const detailOf = (r: SimulationRecord): SimulationDetail => ({ ...r, summary: null, numbers: [29], pbc: [true, true, true], series: { step: [], time: [], values: {} } }) as unknown as SimulationDetail;
const frameView = (index: number): SimulationFrameView => ({ index, step: index, time: null, energy: -1, values: {}, lattice: null, cart: [0, 0, 0], forces: [0, 0, 0], stress: null, velocities: null });

const api = {
  simulations: {
    onStatus: (h: Handler) => {
      (handlers['simulations.onStatus'] ??= []).push(h);
      return () => undefined;
    },
    onFrames: (h: Handler) => {
      (handlers['simulations.onFrames'] ??= []).push(h);
      return () => undefined;
    },
    list: vi.fn(async (): Promise<SimulationRecord[]> => []),
    start: hold<SimulationRecord>('start'),
    get: hold<SimulationDetail>('get'),
    frames: hold<SimulationFrameView[]>('frames'),
    cancel: hold<SimulationRecord>('cancel'),
    continueBand: hold<SimulationRecord>('continueBand'),
    export: hold<{ fileName: string; text: string; note?: string }>('export'),
    exportTrajectory: hold<SimulationExportPart>('exportTrajectory'),
    cancelExport: vi.fn(async () => ({ cancelled: true })),
  },
};
const downloaded: string[] = [];
const downloadedContent: unknown[] = [];

vi.mock('../../src-renderer/api/client', () => ({ getApi: () => api, connectionState: ref('connected') }));
vi.mock('../../src-renderer/lib/download', async (original) => ({
  ...(await original<typeof import('../../src-renderer/lib/download')>()),
  downloadFile: (name: string, content: unknown) => {
    downloaded.push(name);
    downloadedContent.push(content);
  },
}));

describe('useSimulations', () => {
  beforeEach(() => {
    vi.resetModules();
    vi.clearAllMocks();
    for (const k of Object.keys(handlers)) delete handlers[k];
    for (const k of Object.keys(held)) delete held[k];
  });

  async function started() {
    const { useSimulations } = await import('../../src-renderer/composables/useSimulations');
    const sims = useSimulations();
    const done = sims.start(1, defaultForm());
    // the core emits the queued record, then answers start with it
    emit('simulations.onStatus', record('queued', 0));
    await answer('start', record('queued', 0));
    await done;
    expect(sims.selectedId.value).toBe(7);
    return sims;
  }

  it('shows a run that finished while its detail was being read as finished', async () => {
    const sims = await started();
    // the detail is read while the run goes (a snapshot: running, 3 frames)...
    const snapshot = detailOf(record('running', 3));
    // ...and the run ends before that answer arrives: the end is told while nothing is shown yet
    emit('simulations.onStatus', record('finished', 12));
    await answer('get', snapshot);
    await answer('frames', [frameView(2)]);
    // the end told earlier is newer than the snapshot: the run is loaded again, as it ended
    await answer('get', detailOf(record('finished', 12)));
    await answer('frames', [frameView(11)]);
    expect(sims.detail.value?.status).toBe('finished');
    expect(sims.detail.value?.frames).toBe(12);
    expect(sims.frame.value?.index).toBe(11);
  });

  it('shows a run that finished while its last frame was being read as finished', async () => {
    const sims = await started();
    await answer('get', detailOf(record('running', 3)));
    emit('simulations.onStatus', record('finished', 12));
    await answer('frames', [frameView(2)]);
    await answer('get', detailOf(record('finished', 12)));
    await answer('frames', [frameView(11)]);
    expect(sims.detail.value?.status).toBe('finished');
    expect(sims.list.value.find((r) => r.id === 7)?.status).toBe('finished');
  });

  it('shows the newest running run when the page (re)loads with none chosen, and streams on', async () => {
    vi.stubGlobal('requestAnimationFrame', (f: () => void) => setTimeout(f, 0));
    const older = { ...record('running', 3), id: 5, startedAt: 10 };
    const newest = { ...record('running', 4), id: 8, startedAt: 20 };
    const ended = { ...record('finished', 9), id: 9, startedAt: 30 };
    api.simulations.list.mockResolvedValueOnce([ended, newest, older]);
    const { useSimulations } = await import('../../src-renderer/composables/useSimulations');
    const sims = useSimulations();
    await flush();
    expect(sims.selectedId.value).toBe(8);
    await answer('get', detailOf(newest));
    await answer('frames', [frameView(3)]);
    emit('simulations.onFrames', { simulationId: 8, points: [{ index: 4, step: 4, time: null, values: {} }], latest: frameView(4), frames: 5, steps: 4, plannedSteps: 100 });
    await flush();
    await flush();
    expect([sims.detail.value?.frames, sims.frame.value?.index]).toEqual([5, 4]);
    vi.unstubAllGlobals();
  });

  it('keeps a run chosen (the address ?sim=) over the newest running one', async () => {
    api.simulations.list.mockResolvedValueOnce([{ ...record('running', 3), id: 8, startedAt: 20 }]);
    const { useSimulations } = await import('../../src-renderer/composables/useSimulations');
    const sims = useSimulations();
    sims.select(7);
    await flush();
    expect(sims.selectedId.value).toBe(7);
  });

  it('keeps a run finished when the list read before its end comes after', async () => {
    api.simulations.list.mockImplementationOnce(() => new Promise((resolve) => (held.list ??= []).push({ args: {}, resolve: resolve as (v: unknown) => void })));
    const sims = await started();
    emit('simulations.onStatus', record('finished', 12));
    await answer('list', [record('running', 3)]);
    expect(sims.list.value.map((r) => r.status)).toEqual(['finished']);
  });

  it('keeps the summary of the run shown when a record of it (which carries none) comes', async () => {
    const sims = await started();
    emit('simulations.onStatus', record('finished', 12));
    const summary = { task: 'relax', converged: true, steps: 11, energy: -3.5, fmax: 0.004, smax: null, pressure: null, volume: null } as const;
    await answer('get', { ...detailOf(record('finished', 12)), summary });
    await answer('frames', [frameView(11)]);
    emit('simulations.onStatus', { ...record('finished', 12), message: 'converged in 11 steps' });
    expect(sims.detail.value?.message).toBe('converged in 11 steps');
    expect(sims.detail.value?.summary).toEqual(summary);
  });

  it('follows a running band: each band written over the one before, its profile and steps, its highest image shown; goes on from a band out of steps', async () => {
    // the view takes progress in after the window has drawn: a frame here is a task
    vi.stubGlobal('requestAnimationFrame', (f: () => void) => setTimeout(f, 0));
    const { useSimulations } = await import('../../src-renderer/composables/useSimulations');
    const sims = useSimulations();
    const band = (status: SimulationRecord['status'], frames: number): SimulationRecord => ({ ...record(status, frames), id: 9, task: 'neb', name: 'neb from A to B with emt #9', parameters: { ...SIMULATION_DEFAULTS.neb, images: 3 } });
    sims.select(9);
    await answer('get', detailOf(band('running', 0)));
    const images = (step: number, energies: number[]) => energies.map((energy, index) => ({ ...frameView(index), step, energy, values: { energy, distance: 0.6 * index, fmax: 0.1 }, cart: [0.1 * step, 0, index] }));
    const written = (step: number, energies: number[]) => ({
      simulationId: 9,
      points: energies.map((energy, index) => ({ index, step, time: null, values: { energy, distance: 0.6 * index, fmax: 0.1 } })),
      latest: frameView(4),
      frames: 5,
      steps: step,
      plannedSteps: 500,
      bandSteps: [{ step, values: { barrier: Math.max(...energies.slice(1, -1)) - energies[0], fmax: 1 / (step + 1) } }],
      images: images(step, energies),
    });
    /** A band written: the image shown is its highest (not the last one written, the end), from the same write as the profile, not read from the store. */
    const receive = async (step: number, energies: number[], highest: number) => {
      emit('simulations.onFrames', written(step, energies));
      // taken in after a draw, and after the window has rested as long as the update before kept it busy
      await vi.waitFor(() => expect(sims.frame.value).toEqual(images(step, energies)[highest]));
      expect(held.frames).toBeUndefined();
    };
    await receive(0, [-10, -9.9, -9.5, -9.9, -10], 2);
    expect(sims.streamedBand.value?.map((p) => p?.values.energy)).toEqual([-10, -9.9, -9.5, -9.9, -10]);
    // the band at step 10 over it: the same 5 frames, a new profile, the steps' values for the charts
    await receive(10, [-10, -9.4, -9.8, -9.9, -10], 1);
    expect(sims.detail.value?.frames).toBe(5);
    expect(sims.detail.value?.series.step).toEqual([0, 10]);
    expect(sims.streamedBand.value?.map((p) => p?.step)).toEqual([10, 10, 10, 10, 10]);
    // an image picked while it runs: as streamed, the same write as the profile
    await sims.pick(3);
    expect([held.frames, sims.frame.value]).toEqual([undefined, images(10, [-10, -9.4, -9.8, -9.9, -10])[3]]);
    await sims.pick(null);
    // out of steps: its result replaces the streamed band; then it goes on as a new run
    emit('simulations.onStatus', band('finished', 5));
    await answer('get', { ...detailOf(band('finished', 5)), summary: { task: 'neb', converged: false, energies: [-10, -9.4, -9.8, -9.9, -10], distances: [0, 0.6, 1.2, 1.8, 2.4] } });
    await answer('frames', [frameView(1)]);
    expect(sims.streamedBand.value).toBeNull();
    const goingOn = sims.continueBand(9);
    await answer('continueBand', { ...band('queued', 0), id: 10, name: 'neb from A to B with emt #9, continued' });
    expect((await goingOn)?.id).toBe(10);
    expect(sims.selectedId.value).toBe(10);
    vi.unstubAllGlobals();
  });

  it('reads the frames picked one at a time: the one on its way is shown, then only the latest picked (a held arrow key), never an older over a newer', async () => {
    const sims = await started();
    await answer('get', detailOf(record('finished', 12)));
    await answer('frames', [frameView(11)]);
    const picks = [1, 2, 3, 4].map((i) => sims.pick(i));
    // frame 1 is on its way; 2 and 3 are skipped, 4 waits for it
    expect(held.frames.map((c) => c.args)).toEqual([{ id: 7, from: 1, to: 2 }]);
    await answer('frames', [frameView(1)]);
    expect(sims.frame.value?.index).toBe(1);
    expect(held.frames.map((c) => c.args)).toEqual([{ id: 7, from: 4, to: 5 }]);
    await answer('frames', [frameView(4)]);
    await Promise.all(picks);
    expect(sims.frame.value?.index).toBe(4);
    expect(api.simulations.frames).toHaveBeenCalledTimes(3);
    // back to following while a picked frame is on its way: that frame is not shown over the latest
    void sims.pick(6);
    const following = sims.pick(null);
    await answer('frames', [frameView(6)]);
    expect(sims.frame.value?.index).toBe(4);
    await answer('frames', [frameView(11)]);
    await following;
    expect(sims.frame.value?.index).toBe(11);
  });

  it('leaves the window to itself between two updates of a streaming run for as long again as taking the first in kept it busy (Cancel answered on a slow machine)', async () => {
    const sims = await started();
    await answer('get', detailOf(record('running', 3)));
    await answer('frames', [frameView(2)]);
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    vi.stubGlobal('requestAnimationFrame', (f: () => void) => setTimeout(f, 16));
    // taking an update in (its charts and frame drawn) costs 800 ms of the window's time
    let busy = 0;
    vi.spyOn(performance, 'now').mockImplementation(() => Date.now() + busy);
    const stop = watch(sims.detail, () => (busy += 800), { flush: 'sync' });
    const progress = (frames: number) => ({ simulationId: 7, points: [{ index: frames - 1, step: frames - 1, time: null, values: { energy: -frames } }], latest: frameView(frames - 1), frames, steps: frames - 1, plannedSteps: 1000 });
    try {
      emit('simulations.onFrames', progress(5));
      await vi.advanceTimersByTimeAsync(50);
      expect(sims.detail.value?.frames).toBe(5);
      emit('simulations.onFrames', progress(9));
      emit('simulations.onFrames', progress(12));
      // the window rests ~800 ms after the update before: nothing taken in yet
      await vi.advanceTimersByTimeAsync(500);
      expect(sims.detail.value?.frames).toBe(5);
      // then both, merged, in one update
      await vi.advanceTimersByTimeAsync(1000);
      expect(sims.detail.value?.frames).toBe(12);
      expect(sims.detail.value?.series.step).toEqual([4, 8, 11]);
      expect(sims.frame.value?.index).toBe(11);
    } finally {
      stop();
      vi.useRealTimers();
      vi.unstubAllGlobals();
      vi.restoreAllMocks();
    }
  });

  it('keeps what the charts and viewer draw (the same object) when a status of the running run comes, and gives the new one with its frames', async () => {
    vi.stubGlobal('requestAnimationFrame', (f: () => void) => setTimeout(f, 0));
    const sims = await started();
    await answer('get', detailOf(record('running', 3)));
    await answer('frames', [frameView(2)]);
    const drawn = sims.drawn.value;
    emit('simulations.onStatus', { ...record('running', 3), steps: 40, duration: 2 });
    expect(sims.detail.value?.steps).toBe(40);
    expect(sims.drawn.value).toBe(drawn);
    emit('simulations.onFrames', { simulationId: 7, points: [{ index: 3, step: 45, time: null, values: { energy: -1 } }], latest: frameView(3), frames: 4, steps: 45, plannedSteps: 100 });
    await flush();
    await flush();
    expect(sims.drawn.value).not.toBe(drawn);
    expect([sims.drawn.value?.frames, sims.drawn.value?.series.step]).toEqual([4, [45]]);
    vi.unstubAllGlobals();
  });

  it('keeps a run cancelled when the answer to cancel (read before it stopped) comes after', async () => {
    const sims = await started();
    await answer('get', detailOf(record('running', 3)));
    await answer('frames', [frameView(2)]);
    expect(sims.detail.value?.status).toBe('running');
    const cancelling = sims.cancel(7);
    emit('simulations.onStatus', record('cancelled', 4));
    await answer('get', detailOf(record('cancelled', 4)));
    await answer('frames', [frameView(3)]);
    await answer('cancel', record('running', 3));
    await cancelling;
    expect(sims.detail.value?.status).toBe('cancelled');
    expect(sims.list.value.find((r) => r.id === 7)?.status).toBe('cancelled');
    expect(sims.actionError.value).toBeNull();
  });

  it("says beside the download what an exported file leaves out of the run (an XDATCAR's held atoms), until another export or run", async () => {
    const sims = await started();
    const note = 'relax_Cu.XDATCAR: an XDATCAR has no place for held atoms: the atom this run held (0) is not marked in it; .extxyz and .traj keep them';
    const part = { exportId: 'e', written: 1, frames: 1, done: true };
    const xdatcar = sims.exportFile(7, 'trajectory', 'xdatcar');
    await answer('exportTrajectory', { ...part, fileName: 'relax_Cu.XDATCAR', text: 'Cu\n', note });
    await xdatcar;
    expect(downloaded.at(-1)).toBe('relax_Cu.XDATCAR');
    expect(sims.exportNote.value).toBe(note);
    const extxyz = sims.exportFile(7, 'trajectory', 'extxyz');
    expect(sims.exportNote.value).toBeNull();
    await answer('exportTrajectory', { ...part, fileName: 'relax_Cu.extxyz', text: '1\n' });
    await extxyz;
    expect(sims.exportNote.value).toBeNull();
    const again = sims.exportFile(7, 'trajectory', 'xdatcar');
    await answer('exportTrajectory', { ...part, fileName: 'relax_Cu.XDATCAR', text: 'Cu\n', note });
    await again;
    sims.select(8);
    expect(sims.exportNote.value).toBeNull();
  });

  it('asks for a long trajectory in parts, saying how far it has come, patches the parts before as a part says, and downloads them as one file; Cancel stops it after the part on its way, saves nothing (even when that part was the last) and says so', async () => {
    const sims = await started();
    const b64 = (bytes: number[]) => btoa(String.fromCharCode(...bytes));
    const traj = sims.exportFile(7, 'trajectory', 'traj');
    expect(sims.exporting.value).toEqual({ id: 7, format: 'traj', written: 0, frames: 0 });
    const part = { exportId: 'e1', fileName: 'md.traj', frames: 3 };
    await answer('exportTrajectory', { ...part, base64: b64([1, 2, 3, 4]), written: 1, done: false });
    expect(sims.exporting.value).toEqual({ id: 7, format: 'traj', written: 1, frames: 3 });
    expect(held.exportTrajectory[0].args).toEqual({ id: 7, format: 'traj', exportId: 'e1' });
    await answer('exportTrajectory', { ...part, base64: b64([5, 6]), patches: [{ at: 1, base64: b64([9, 9]) }], written: 2, done: false });
    await answer('exportTrajectory', { ...part, base64: b64([7]), patches: [{ at: 3, base64: b64([8, 8]) }], written: 3, done: true });
    await traj;
    expect(sims.exporting.value).toBeNull();
    expect(downloaded.at(-1)).toBe('md.traj');
    const file = downloadedContent.at(-1) as Blob;
    expect([...new Uint8Array(await file.arrayBuffer())]).toEqual([1, 9, 9, 8, 8, 6, 7]);
    expect(file.type).toBe('application/octet-stream');

    const cancelled = sims.exportFile(7, 'trajectory', 'extxyz');
    await answer('exportTrajectory', { exportId: 'e2', fileName: 'md.extxyz', frames: 3, text: '1\n', written: 1, done: false });
    sims.cancelExport();
    await answer('exportTrajectory', { exportId: 'e2', fileName: 'md.extxyz', frames: 3, text: '2\n', written: 2, done: false });
    await cancelled;
    expect(api.simulations.cancelExport).toHaveBeenCalledWith({ exportId: 'e2' });
    expect(held.exportTrajectory ?? []).toEqual([]);
    expect(downloaded.at(-1)).toBe('md.traj');
    expect(sims.exporting.value).toBeNull();
    expect(sims.actionError.value).toBeNull();
    // the view says it was cancelled and how far it had come, until the next export
    expect(sims.exportCancelled.value).toEqual({ id: 7, format: 'extxyz', written: 2, frames: 3 });
    const next = sims.exportFile(7, 'trajectory', 'extxyz');
    expect(sims.exportCancelled.value).toBeNull();
    // a Cancel while the last part is on its way saves nothing either (there is no export left to cancel)
    await answer('exportTrajectory', { exportId: 'e3', fileName: 'md.extxyz', frames: 2, text: '1\n', written: 1, done: false });
    sims.cancelExport();
    await answer('exportTrajectory', { exportId: 'e3', fileName: 'md.extxyz', frames: 2, text: '2\n', written: 2, done: true });
    await next;
    expect(downloaded.at(-1)).toBe('md.traj');
    expect(api.simulations.cancelExport).toHaveBeenCalledTimes(1);
    expect(sims.exportCancelled.value).toEqual({ id: 7, format: 'extxyz', written: 2, frames: 2 });
    sims.select(8);
    expect(sims.exportCancelled.value).toBeNull();
  });
});
