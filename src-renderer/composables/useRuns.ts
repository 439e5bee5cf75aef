/**
 * Training runs as the app knows them: the runs list (kept current by `training.onStatus`),
 * metric series per run (stored points from `runs.metrics`, then live points from
 * `training.onProgress`), the latest progress of running runs, run details and test-set
 * predictions, and the table's actions (update notes/tags, archive, delete, CSV export).
 * Module-level state, shared by the Training and Runs views.
 */
import { computed, readonly, ref, shallowRef } from 'vue';
import type { PredictionPoint, RunDetail, RunRecord, TrainingProgress } from '../../src-shared/ipc/contract';
import { runName } from '../../src-shared/ipc/services/training';
import { getApi } from '../api/client';
import { whenConnected } from './whenConnected';
import { downloadFile } from '../lib/download';
import { errorMessage } from '../lib/format';
import { appendProgress, emptySeries, mergeSeries, seriesFromPoints } from '../lib/series';
import type { RunSeries } from '../lib/series';

const runs = shallowRef<RunRecord[]>([]);
const listError = ref<string | null>(null);
const includeArchived = ref(false);
const series = shallowRef<Record<number, RunSeries>>({});
const liveSeries = shallowRef<Record<number, RunSeries>>({});
const seriesErrors = ref<Record<number, string>>({});
const progress = shallowRef<Record<number, TrainingProgress>>({});
const details = shallowRef<Record<number, RunDetail>>({});
const detailErrors = ref<Record<number, string>>({});
const predictions = shallowRef<Record<number, PredictionPoint[]>>({});
const predictionErrors = ref<Record<number, string>>({});
/**
 * The last run action's refusal, named after the action ("delete run #11 “a”: …"), whichever view it
 * came from (the table's actions here, pause/resume/cancel in useTraining): one line, so the next
 * action clears it, and so does a status event of a run it depends on (`runIds`: a delete refused
 * while the run trains no longer applies once the run has ended).
 */
const actionError = shallowRef<{ runIds: number[]; message: string } | null>(null);
let started = false;

/** "#11 “name”" (the name as the list has it). */
function runLabel(id: number): string {
  const r = runs.value.find((x) => x.id === id);
  return r ? `#${id} “${r.name}”` : `#${id}`;
}

/** Runs one run action: clears the last action's error, and keeps this one's as "what: message". */
async function act(what: string, action: () => Promise<void>, runIds: number[] = []): Promise<boolean> {
  actionError.value = null;
  try {
    await action();
    return true;
  } catch (e) {
    actionError.value = { runIds, message: `${what}: ${errorMessage(e)}` };
    return false;
  }
}

/** What an update does, named for its error: rename, archive, unarchive, tag or annotate run #N. */
function updateAction(id: number, patch: { name?: string; tags?: string[]; notes?: string; archived?: boolean }): string {
  const verb = patch.name !== undefined ? 'rename' : patch.archived !== undefined ? (patch.archived ? 'archive' : 'unarchive') : patch.tags !== undefined ? 'tag' : 'save the notes of';
  return `${verb} run ${runLabel(id)}`;
}

/**
 * Status events counted, and the count at each run's last one: which runs were told a status after
 * a list request was sent (refresh keeps those over the list's possibly older records). Counted, not
 * ordered by status as useSimulations does (a simulation only moves forward: queued, running,
 * ended): a training run's status goes back — pause and resume (running ⇄ paused), resuming an
 * interrupted run (interrupted → running) — so which of two records is newer is told by when it
 * came, not by what it says.
 */
let statusEvents = 0;
const toldAt = new Map<number, number>();

async function refresh(): Promise<void> {
  const since = statusEvents;
  try {
    const listed = await getApi().runs.list({ includeArchived: includeArchived.value });
    // a run whose status was told while the list was on its way keeps the told record: the list's
    // may have been read before (a run that ended would show running, with no later event to correct it)
    const told = (id: number) => (toldAt.get(id) ?? -1) >= since;
    const kept = new Map(runs.value.filter((r) => told(r.id)).map((r) => [r.id, r]));
    runs.value = [...listed.map((r) => kept.get(r.id) ?? r), ...[...kept.values()].filter((r) => !listed.some((l) => l.id === r.id))];
    listError.value = null;
  } catch (e) {
    listError.value = errorMessage(e);
  }
}

/** Replaces (or adds) one run in the list, e.g. from `training.onStatus`. */
function upsert(r: RunRecord): void {
  const i = runs.value.findIndex((x) => x.id === r.id);
  if (i < 0) runs.value = [...runs.value, r];
  else {
    const copy = runs.value.slice();
    copy[i] = r;
    runs.value = copy;
  }
}

/**
 * Loads the stored metric points of runs and keeps newer live points. With `keys`, only those
 * series are refetched (after an epoch: the per-epoch keys, not the long per-batch series).
 */
async function loadMetrics(ids: number[], keys?: string[]): Promise<void> {
  if (ids.length === 0) return;
  try {
    const points = await getApi().runs.metrics(keys ? { ids, keys } : { ids });
    const next = { ...series.value };
    for (const id of ids) {
      const stored = seriesFromPoints(points.filter((p) => p.runId === id));
      const merged = mergeSeries(stored, liveSeries.value[id] ?? emptySeries());
      const prev = next[id] ?? emptySeries();
      // A refetch of some keys (the epoch's, after an epoch event) replaces those series only: the
      // per-batch series shown already hold the stored points and every live one since (replacing
      // them with the live points alone showed only the batches seen since the page was loaded).
      next[id] = keys ? { epoch: { ...prev.epoch, ...merged.epoch }, batch: prev.batch } : merged;
    }
    series.value = next;
    const errs = { ...seriesErrors.value };
    for (const id of ids) delete errs[id];
    seriesErrors.value = errs;
  } catch (e) {
    const errs = { ...seriesErrors.value };
    for (const id of ids) errs[id] = errorMessage(e);
    seriesErrors.value = errs;
  }
}

// Best metrics and epochs done change after each epoch without a status event: refresh the list.
let listTimer: ReturnType<typeof setTimeout> | null = null;
function scheduleListRefresh(): void {
  if (listTimer) return;
  listTimer = setTimeout(() => {
    listTimer = null;
    void refresh();
  }, 2000);
}

const refetchTimers = new Map<number, ReturnType<typeof setTimeout>>();
function scheduleMetricsRefetch(runId: number, keys: string[]): void {
  if (refetchTimers.has(runId)) return;
  refetchTimers.set(
    runId,
    setTimeout(() => {
      refetchTimers.delete(runId);
      void loadMetrics([runId], keys);
    }, 1500),
  );
}

// Live events are applied to the series in batches, at most every 200 ms, so that a fast
// backend (hundreds of batches per second) does not redraw the charts for every batch.
let pendingEvents: TrainingProgress[] = [];
let flushTimer: ReturnType<typeof setTimeout> | null = null;

function flushProgress(): void {
  flushTimer = null;
  const events = pendingEvents;
  pendingEvents = [];
  if (events.length === 0) return;
  const live = { ...liveSeries.value };
  const all = { ...series.value };
  const latest = { ...progress.value };
  for (const p of events) {
    live[p.runId] = appendProgress(live[p.runId] ?? emptySeries(), p);
    all[p.runId] = appendProgress(all[p.runId] ?? emptySeries(), p);
    latest[p.runId] = p;
    if (p.kind === 'epoch') {
      scheduleMetricsRefetch(p.runId, Object.keys(p.values));
      scheduleListRefresh();
    }
  }
  liveSeries.value = live;
  series.value = all;
  progress.value = latest;
}

function onProgress(p: TrainingProgress): void {
  pendingEvents.push(p);
  // the first event of an ensemble's next member is shown at once: a member that trains in less
  // than the batching's 200 ms (a tiny run) is still named, not skipped by the run's end
  if (p.member && progress.value[p.runId]?.member?.index !== p.member.index) {
    if (flushTimer) clearTimeout(flushTimer);
    flushProgress();
  } else if (!flushTimer) flushTimer = setTimeout(flushProgress, 200);
}

async function loadDetail(id: number): Promise<RunDetail | null> {
  try {
    const d = await getApi().runs.get({ id });
    details.value = { ...details.value, [id]: d };
    const errs = { ...detailErrors.value };
    delete errs[id];
    detailErrors.value = errs;
    return d;
  } catch (e) {
    detailErrors.value = { ...detailErrors.value, [id]: errorMessage(e) };
    return null;
  }
}

async function loadPredictions(id: number): Promise<void> {
  try {
    const p = await getApi().runs.predictions({ id });
    predictions.value = { ...predictions.value, [id]: p };
    const errs = { ...predictionErrors.value };
    delete errs[id];
    predictionErrors.value = errs;
  } catch (e) {
    predictionErrors.value = { ...predictionErrors.value, [id]: errorMessage(e) };
  }
}

async function update(id: number, patch: { name?: string; tags?: string[]; notes?: string; archived?: boolean }): Promise<void> {
  await act(updateAction(id, patch), async () => {
    // a name the core would refuse is refused here, in the contract's own words (not as an invalid argument to runs.update)
    const name = patch.name === undefined ? null : runName.safeParse(patch.name);
    if (name && !name.success) throw new Error(name.error.issues[0].message);
    upsert(await getApi().runs.update({ id, ...patch }));
    if (patch.archived && !includeArchived.value) runs.value = runs.value.filter((r) => r.id !== id);
  });
}

/** Deletes runs one by one, stopping at the first the core refuses (a running run). */
async function remove(ids: number[]): Promise<void> {
  for (const id of ids) {
    const deleted = await act(
      `delete run ${runLabel(id)}`,
      async () => {
        await getApi().runs.delete({ id });
        runs.value = runs.value.filter((r) => r.id !== id);
      },
      [id],
    );
    if (!deleted) return;
  }
}

/** Asks the core for the CSV and hands it to the browser as a download (a Blob URL). */
async function exportCsv(ids: number[], what: 'runs' | 'metrics'): Promise<void> {
  await act(`export ${what} CSV`, async () => {
    const r = await getApi().runs.exportCsv({ ids, what });
    downloadFile(r.fileName, r.csv, 'text/csv');
  });
}

function setIncludeArchived(v: boolean): void {
  includeArchived.value = v;
  void refresh();
}

export function useRuns() {
  if (!started) {
    started = true;
    getApi().training.onProgress(onProgress);
    getApi().training.onStatus((r) => {
      const before = runs.value.find((x) => x.id === r.id);
      toldAt.set(r.id, statusEvents++);
      upsert(r);
      if (actionError.value?.runIds.includes(r.id)) actionError.value = null;
      if (r.status !== 'running' && before?.status !== r.status) {
        void loadMetrics([r.id]);
        if (r.status === 'finished') void loadPredictions(r.id);
      }
    });
    whenConnected(() => void refresh());
  }
  return {
    runs: computed(() => runs.value),
    listError: readonly(listError),
    includeArchived: computed(() => includeArchived.value),
    setIncludeArchived,
    series: computed(() => series.value),
    seriesErrors: computed(() => seriesErrors.value),
    progress: computed(() => progress.value),
    details: computed(() => details.value),
    detailErrors: computed(() => detailErrors.value),
    predictions: computed(() => predictions.value),
    predictionErrors: computed(() => predictionErrors.value),
    /** The last run action's refusal ("delete run #11 “a”: …"), null once it no longer applies. */
    actionError: computed(() => actionError.value?.message ?? null),
    /** The last run action's refusal when it concerns run `id` (the Training view's run), else null. */
    actionErrorOf: (id: number) => (actionError.value?.runIds.includes(id) ? actionError.value.message : null),
    act,
    runLabel,
    refresh,
    upsert,
    loadMetrics,
    loadDetail,
    loadPredictions,
    update,
    remove,
    exportCsv,
  };
}
