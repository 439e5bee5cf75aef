/**
 * Simulations as the app knows them: the list (kept current by `simulations.onStatus`), the run
 * shown (its detail with per-step series, and one frame: the latest, followed while the run goes,
 * or one the user picked, fetched on demand — a long run's frames stay in the database), starting,
 * cancelling, deleting and exporting (with none chosen, the newest run going is shown: a reload keeps
 * watching it; `?sim=ID` in the Simulate view's address chooses one), and a finished run of the same task drawn over the one shown. A running run's progress arrives through
 * `simulations.onFrames` (at most twice a second: the new frames' values for the charts, the
 * latest frame for the viewer), taken in only once the window has drawn the previous one and rested
 * as long again as that one kept it busy: a slow machine shows fewer updates instead of falling
 * behind and ignoring clicks. Module-level state,
 * so that leaving the Simulate view and coming back keeps it.
 */
import { computed, readonly, ref, shallowRef } from 'vue';
import type { SimulationDetail, SimulationFramesEvent, SimulationFrameView, SimulationRecord, StructureRecord } from '../../src-shared/ipc/contract';
import { getApi } from '../api/client';
import { errorMessage, frameLabel } from '../lib/format';
import { appendFramesToSeries, bandProfile, formRequest, newestActive, startRefusalText, highestImage, largestForceWith, streamBand, type SimulationForm, type StreamedBand } from '../lib/simulation';
import { downloadFile, fileType, fromBase64 } from '../lib/download';
import { FileParts } from '../lib/file-parts';
import { whenConnected } from './whenConnected';
import { whileBusy } from './whileBusy';

const list = shallowRef<SimulationRecord[]>([]);
const listError = ref<string | null>(null);
const selectedId = ref<number | null>(null);
const detail = shallowRef<SimulationDetail | null>(null);
/** The frame shown, and the one the user picked (null: follow the latest). */
const frame = shallowRef<SimulationFrameView | null>(null);
const picked = ref<number | null>(null);
const detailError = ref<string | null>(null);
/** A running band's images as last streamed (the run shown's), or null. */
const streamed = shallowRef<{ id: number; band: StreamedBand } | null>(null);
/** A finished run of the same task drawn over the run shown (its detail), or null. */
const compared = shallowRef<SimulationDetail | null>(null);
let compareToken = 0;
const starting = ref(false);
const startError = ref<string | null>(null);
const actionError = ref<string | null>(null);
/** What the last file exported leaves out of its run (the atoms an XDATCAR cannot mark), or null. */
const exportNote = ref<string | null>(null);
/** A trajectory export under way: the run, its format, frames written of its frames; null when none. */
const exporting = ref<{ id: number; format: TrajectoryFormat; written: number; frames: number } | null>(null);
/** The run's trajectory export last cancelled and how far it had come (said beside the buttons until the next export or run shown); null when none. */
const exportCancelled = ref<{ id: number; format: TrajectoryFormat; written: number; frames: number } | null>(null);
/** Set by Cancel: the export under way asks for no further part. */
let cancelAsked = false;
let started = false;
let loadToken = 0;
/**
 * Frames asked for (pick, a band's image) are read one at a time: a held arrow key asks faster than
 * frames are read, and queueing every one would leave the view ever further behind the key. The read
 * on its way finishes; of the frames asked for meanwhile only the latest is read next. `requested`
 * numbers the requests, `shownRequest` is the one whose frame is shown: an older answer never
 * replaces a newer frame.
 */
let requested = 0;
let shownRequest = 0;
let reading: Promise<void> | null = null;
let next: { id: number; index: number; request: number } | null = null;

/** Progress received and not yet shown (merged), and whether taking it in is scheduled or the window rests after the last. */
let unseen: SimulationFramesEvent | null = null;
let applyScheduled = false;

/** Runs `f` after the window has drawn its next frame (requestAnimationFrame, then a task). */
const afterDrawn = (f: () => void) => requestAnimationFrame(() => setTimeout(f, 0));

function receive(e: SimulationFramesEvent): void {
  if (detail.value?.id !== e.simulationId) return;
  unseen = unseen && unseen.simulationId === e.simulationId ? { ...e, points: [...unseen.points, ...e.points] } : e;
  if (applyScheduled) return;
  applyScheduled = true;
  afterDrawn(apply);
}

/**
 * Takes the progress received in (`takeIn`), then leaves the window to itself for as long again as
 * taking it in and drawing it kept it busy before the next: however slow the machine (charts redrawn,
 * the viewer's frame), at least half of the window's time stays free for clicks (Cancel), and a slow
 * machine shows fewer updates.
 */
function apply(): void {
  const began = performance.now();
  const e = unseen;
  unseen = null;
  if (e) takeIn(e);
  afterDrawn(() =>
    setTimeout(
      () => {
        applyScheduled = unseen !== null;
        if (applyScheduled) afterDrawn(apply);
      },
      performance.now() - began,
    ),
  );
}

/** Takes progress into the shown run: chart points, frame count, and the latest frame when following. */
function takeIn(e: SimulationFramesEvent): void {
  const d = detail.value;
  if (!d || d.id !== e.simulationId) return;
  if (d.parameters.task === 'neb') {
    applyBand(d, e, d.parameters.images + 2);
    return;
  }
  if (e.frames <= d.frames) return;
  detail.value = { ...d, frames: e.frames, steps: Math.max(d.steps, e.steps), series: appendFramesToSeries(d.series, e.points), largestForce: largestForceWith(d.largestForce, e.points) };
  if (picked.value === null) {
    // a frame still being read (asked for before) is older than this one
    shownRequest = ++requested;
    frame.value = e.latest;
  }
}

/** A band's progress: its images written again over the ones before, its steps' values for the charts, and the image shown from the same write. */
function applyBand(d: SimulationDetail, e: SimulationFramesEvent, count: number): void {
  const band = streamBand(streamed.value?.id === d.id ? streamed.value.band : null, e.images ?? [], count);
  streamed.value = { id: d.id, band };
  const bandSteps = e.bandSteps ?? [];
  detail.value = { ...d, frames: Math.max(d.frames, e.frames), steps: Math.max(d.steps, e.steps), series: appendFramesToSeries(d.series, bandSteps), largestForce: largestForceWith(d.largestForce, bandSteps) };
  void showImage(d.id, picked.value ?? bandIndex(detail.value));
}

/** The frame to show of a run when none is picked: a band's highest image (its saddle point when it climbed), else the latest. */
function bandIndex(d: SimulationDetail): number {
  const b = d.parameters.task === 'neb' ? bandProfile(d, streamed.value?.id === d.id ? streamed.value.band : null) : null;
  return b && d.frames === b.energies.length ? highestImage(b) : d.frames - 1;
}

/** Shows frame `index` of run `id`: a running band's image as streamed, else read from the store (one read at a time, the latest asked for next). */
function showImage(id: number, index: number): Promise<void> {
  const request = ++requested;
  const image = streamed.value?.id === id ? streamed.value.band[index] : undefined;
  if (image) {
    next = null;
    shownRequest = request;
    frame.value = image;
    return Promise.resolve();
  }
  next = { id, index, request };
  return (reading ??= readNext().finally(() => (reading = null)));
}

async function readNext(): Promise<void> {
  for (let asked = next; asked; asked = next) {
    next = null;
    try {
      const f = await fetchFrame(asked.id, asked.index);
      // while the user goes through the frames (a held key, a dragged slider) each frame read on the
      // way is shown; following the latest, only the frame asked for last
      const wanted = picked.value !== null || asked.request === requested;
      if (wanted && asked.request > shownRequest && detail.value?.id === asked.id) {
        shownRequest = asked.request;
        frame.value = f;
      }
    } catch (e) {
      if (asked.request === requested) detailError.value = errorMessage(e);
    }
  }
}

/** How far a run has come: queued, running, ended. A run's status only moves forward (store/simulations.ts). */
function stage(status: SimulationRecord['status']): number {
  return status === 'queued' ? 0 : status === 'running' ? 1 : 2;
}

/**
 * The list's record of the run when the list knows it further on than `r`, else null. A record read
 * before the run moved on (the answer to cancel, to a load, a listing on its way) can arrive after
 * the status event that told the end, and would otherwise show the run as still going for good.
 */
function knownFurther(r: Pick<SimulationRecord, 'id' | 'status'>): SimulationRecord | null {
  const known = list.value.find((x) => x.id === r.id);
  return known && stage(known.status) > stage(r.status) ? known : null;
}

/** Takes a record into the list (and the run shown), unless the list knows the run further on. */
function upsert(r: SimulationRecord): void {
  if (knownFurther(r)) return;
  list.value = list.value.some((x) => x.id === r.id) ? list.value.map((x) => (x.id === r.id ? r : x)) : [r, ...list.value];
  const d = detail.value;
  // the streamed frames may be ahead of the record's count
  if (d?.id === r.id && stage(d.status) <= stage(r.status)) detail.value = { ...d, ...r, frames: Math.max(d.frames, r.frames), steps: Math.max(d.steps, r.steps) };
}

async function refresh(): Promise<void> {
  try {
    const listed = await getApi().simulations.list({});
    // a run told further on while the list was on its way keeps what was told
    list.value = listed.map((r) => knownFurther(r) ?? r);
    listError.value = null;
    // a page opened or reloaded while a run goes watches it (as the Training view does): the newest going, unless one is chosen
    const going = selectedId.value === null ? newestActive(list.value) : null;
    if (going) select(going.id);
  } catch (e) {
    listError.value = errorMessage(e);
  }
}

async function fetchFrame(id: number, index: number): Promise<SimulationFrameView | null> {
  const [f] = await getApi().simulations.frames({ id, from: index, to: index + 1 });
  return f ?? null;
}

/** Loads the run's detail (series) and the frame to show (the picked one, else the last). */
async function load(id: number): Promise<void> {
  const token = ++loadToken;
  try {
    const d = await getApi().simulations.get({ id });
    // a running band: the images written so far (a few frames), for its profile
    const band = d.task === 'neb' && !d.summary && d.frames > 0 && d.parameters.task === 'neb' ? streamBand(null, await getApi().simulations.frames({ id }), d.parameters.images + 2) : null;
    if (token !== loadToken) return;
    streamed.value = band ? { id, band } : null;
    const f = d.frames > 0 ? await fetchFrame(id, picked.value ?? bandIndex(d)) : null;
    if (token !== loadToken) return;
    detail.value = d;
    frame.value = f;
    detailError.value = null;
    // the run moved on while this was read (it ended: its status event came while nothing of it
    // was shown yet, and no later one will come): read it again, as it is now
    if (knownFurther(d)) void load(id);
  } catch (e) {
    if (token === loadToken) detailError.value = errorMessage(e);
  }
}

/** Draws run `id` over the run shown (null: none). */
async function compareWith(id: number | null): Promise<void> {
  const token = ++compareToken;
  if (id === null) {
    compared.value = null;
    return;
  }
  try {
    const d = await getApi().simulations.get({ id });
    if (token === compareToken) compared.value = d;
  } catch (e) {
    if (token === compareToken) detailError.value = errorMessage(e);
  }
}

function select(id: number | null): void {
  selectedId.value = id;
  void compareWith(null);
  exportNote.value = null;
  exportCancelled.value = null;
  detail.value = null;
  streamed.value = null;
  frame.value = null;
  picked.value = null;
  next = null;
  detailError.value = null;
  if (id !== null) void load(id);
}

/** Shows frame `index` of the run shown (null: follow the latest; a band's highest image). */
async function pick(index: number | null): Promise<void> {
  const d = detail.value;
  picked.value = index;
  if (d) await showImage(d.id, index ?? bandIndex(d));
}

function subscribe(): void {
  if (started) return;
  started = true;
  const api = getApi();
  api.simulations.onStatus((r) => {
    const wasRunning = detail.value?.id === r.id && (detail.value.status === 'running' || detail.value.status === 'queued');
    upsert(r);
    // at the end, the stored per-step series replaces the frames' points
    if (wasRunning && r.status !== 'running' && r.status !== 'queued') void load(r.id);
  });
  api.simulations.onFrames(receive);
  whenConnected(() => {
    void refresh();
    if (selectedId.value !== null) void load(selectedId.value);
  });
}

function start(structureId: number, form: SimulationForm): Promise<SimulationRecord | null> {
  return whileBusy(starting, startError, async () => {
    const request = formRequest(form);
    // a refusal of the form's values says so in the panel's words (not "invalid argument to simulations.start: parameters.…")
    const r = await getApi()
      .simulations.start({ structureId, ...request })
      .catch((e: unknown) => {
        throw new Error(startRefusalText(e, form));
      });
    upsert(r);
    select(r.id);
    return r;
  });
}

/** `work`'s result, or null when it fails (actionError then says what failed and why). */
async function act<T>(what: string, work: () => Promise<T>): Promise<T | null> {
  try {
    const result = await work();
    actionError.value = null;
    return result;
  } catch (e) {
    actionError.value = `${what}: ${errorMessage(e)}`;
    return null;
  }
}

/** A new band from where band run `id` stands (its images as last written), shown once started. */
const continueBand = (id: number) =>
  act(`continue band ${id}`, async () => {
    const r = await getApi().simulations.continueBand({ id });
    upsert(r);
    select(r.id);
    return r;
  });

const cancel = (id: number) => act(`cancel simulation ${id}`, async () => upsert(await getApi().simulations.cancel({ id })));

const remove = (id: number) =>
  act(`delete simulation ${id}`, async () => {
    await getApi().simulations.delete({ id });
    list.value = list.value.filter((r) => r.id !== id);
    if (selectedId.value === id) select(null);
    else if (compared.value?.id === id) void compareWith(null);
  });

/** What a phonon mode export or keep names: the band, its wave vector and how far the atom moving most moves (Å). */
export interface PhononModeChoice {
  band: number;
  q: [number, number, number];
  amplitude: number;
}

type TrajectoryFormat = 'extxyz' | 'xdatcar' | 'traj';

/**
 * Run `id`'s trajectory as a download, asked for in parts (`simulations.exportTrajectory`: at most 8 MiB
 * each, whatever the run's length) and assembled as bytes (`FileParts`), never as one string; `exporting`
 * says how far it has come, `cancelExport` stops it. The file is the one `export` gives whole.
 */
async function exportTrajectory(id: number, format: TrajectoryFormat): Promise<void> {
  if (exporting.value) throw new Error(`the trajectory of simulation ${exporting.value.id} is being exported: wait for it, or cancel it`);
  cancelAsked = false;
  const api = getApi().simulations;
  const file = new FileParts();
  exporting.value = { id, format, written: 0, frames: 0 };
  try {
    for (let exportId: string | undefined; ; ) {
      const part = await api.exportTrajectory({ id, format, ...(exportId ? { exportId } : {}) });
      exportId = part.exportId;
      file.append('base64' in part ? fromBase64(part.base64) : part.text);
      for (const p of part.patches ?? []) file.writeAt(p.at, fromBase64(p.base64));
      exporting.value = { id, format, written: part.written, frames: part.frames };
      // cancelled: nothing saved, even when the part on its way was the last (the export then ended by itself)
      if (cancelAsked) {
        if (!part.done) await api.cancelExport({ exportId });
        exportCancelled.value = { id, format, written: part.written, frames: part.frames };
        return;
      }
      if (part.done) {
        downloadFile(part.fileName, file.blob(fileType(part.fileName, !('base64' in part))));
        exportNote.value = part.note ?? null;
        return;
      }
    }
  } finally {
    exporting.value = null;
  }
}

/** Stops the trajectory export under way after the part on its way (nothing is downloaded; `exportCancelled` says so). */
function cancelExport(): void {
  if (exporting.value) cancelAsked = true;
}

/**
 * The trajectory (extxyz, XDATCAR, ASE's .traj: `exportTrajectory`), the final structure (CIF, POSCAR), a vibration mode
 * (`mode`), a phonon mode (`phonon`: animated as extxyz or .traj, displaced as CIF or POSCAR) or a phonon
 * run's force constants (phonopy's FORCE_CONSTANTS) as a download.
 */
const exportFile = (
  id: number,
  what: 'trajectory' | 'final' | 'mode' | 'phonon-mode' | 'force-constants',
  format: 'extxyz' | 'xdatcar' | 'traj' | 'cif' | 'poscar' | 'phonopy',
  choice: { mode?: number; phonon?: PhononModeChoice } = {},
) =>
  act(`export ${what}`, async () => {
    const p = choice.phonon;
    exportNote.value = null;
    exportCancelled.value = null;
    if (what === 'trajectory' && (format === 'extxyz' || format === 'xdatcar' || format === 'traj')) return exportTrajectory(id, format);
    const r = await getApi().simulations.export({ id, what, format, ...(choice.mode === undefined ? {} : { mode: choice.mode }), ...(p ? { mode: p.band, q: p.q, amplitude: p.amplitude } : {}) });
    downloadFile(r.fileName, 'base64' in r ? fromBase64(r.base64) : r.text);
    exportNote.value = r.note ?? null;
  });

/** A phonon run's mode displaced at phase 0 in its supercell, stored as a new structure of the library (null when refused: actionError says why). */
const keepPhononMode = (id: number, choice: PhononModeChoice): Promise<StructureRecord | null> =>
  act(`keep band ${choice.band} as a structure`, () => getApi().simulations.keepPhononMode({ id, ...choice }));

/** Frame `index` of a run stored as a new structure of the library (null when refused: actionError says why). */
const keepFrame = (id: number, index: number): Promise<StructureRecord | null> =>
  act(`keep ${frameLabel(index)} as a structure`, () => getApi().simulations.keepFrame({ id, index }));

export function useSimulations() {
  subscribe();
  return {
    list: readonly(list),
    listError: readonly(listError),
    selectedId: readonly(selectedId),
    detail: computed(() => detail.value),
    /**
     * The run shown as its charts, viewer and radial distribution draw it: the same object until what
     * they draw changes (its series, frames, result, largest force), not at each status told while it
     * runs (once a second: its steps, duration, message), which would draw them all again.
     */
    drawn: computed<SimulationDetail | null>((before) => {
      const d = detail.value;
      const same = before && d && before.id === d.id && before.series === d.series && before.frames === d.frames && before.summary === d.summary && before.largestForce === d.largestForce;
      return same ? before : d;
    }),
    /** The run shown's band as streamed while it runs (null for other runs, and once it has its result). */
    streamedBand: computed(() => (streamed.value && streamed.value.id === detail.value?.id && !detail.value.summary ? streamed.value.band : null)),
    frame: computed(() => frame.value),
    picked: readonly(picked),
    detailError: readonly(detailError),
    compared: computed(() => compared.value),
    compareWith,
    starting: readonly(starting),
    startError,
    actionError,
    exportNote: readonly(exportNote),
    exporting: readonly(exporting),
    exportCancelled: readonly(exportCancelled),
    cancelExport,
    select,
    pick,
    start,
    cancel,
    continueBand,
    remove,
    exportFile,
    keepFrame,
    keepPhononMode,
  };
}
