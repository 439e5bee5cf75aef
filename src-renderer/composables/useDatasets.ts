/**
 * Datasets: the list, the selected dataset with its import report, import from a path on
 * the core's machine or from dropped files (with progress and cancellation through jobs),
 * items, and graph statistics for chosen graph options. Module-level state.
 *
 * Core methods: datasets.import / list / get / items / graphStats / delete / resumeImport /
 * discardImport, datasets.onChanged.
 */
import { computed, readonly, ref, shallowRef } from 'vue';
import type { DatasetGraphStats, DatasetItem, DatasetKind, DatasetRecord, DatasetSpaceGroupCount, FrameSelection } from '../../src-shared/ipc/contract';
import { ACTIVE_RUN_STATUSES } from '../../src-shared/ipc/services/training';
import { plural } from '../../src-shared/text';
import { getApi } from '../api/client';
import { whenConnected } from './whenConnected';
import { collectDropped, readDropped } from '../lib/files';
import type { SkippedFile, DroppedFile } from '../lib/files';
import { errorMessage, newJobId } from '../lib/format';
import { useJobs } from './useJobs';
import { whileBusy } from './whileBusy';

const list = ref<DatasetRecord[]>([]);
const listError = ref<string | null>(null);
/**
 * The last refused delete or discard, named after it ("delete dataset “a”: run “r” is training on
 * it…"), shown where it was asked for: the next one clears it, so does selecting another dataset,
 * and so does the end of a run on that dataset (what refused it).
 */
const actionError = shallowRef<{ datasetId: number; message: string } | null>(null);
const selectedId = ref<number | null>(null);
const importJob = ref<string | null>(null);
const importing = ref(false);
const importError = ref<string | null>(null);
const readingFiles = ref(false);
const skipped = ref<SkippedFile[]>([]);
const items = shallowRef<{ total: number; items: DatasetItem[] } | null>(null);
const itemsError = ref<string | null>(null);
/** The selected dataset's space-group histogram (datasets.spaceGroups). */
const spaceGroups = shallowRef<DatasetSpaceGroupCount[] | null>(null);
const stats = shallowRef<DatasetGraphStats | null>(null);
const statsJob = ref<string | null>(null);
const statsError = ref<string | null>(null);
const statsLoading = ref(false);
let started = false;

async function refresh(): Promise<void> {
  try {
    list.value = await getApi().datasets.list({});
    listError.value = null;
    if (selectedId.value === null && list.value.length > 0) select(list.value[list.value.length - 1].id);
  } catch (e) {
    listError.value = errorMessage(e);
  }
}

let itemsToken = 0;
function select(id: number | null): void {
  if (selectedId.value !== id) {
    actionError.value = null;
    stats.value = null;
    statsError.value = null;
    spaceGroups.value = null;
  }
  selectedId.value = id;
  items.value = null;
  itemsError.value = null;
  if (id === null) return;
  const token = ++itemsToken;
  getApi()
    .datasets.spaceGroups({ id })
    .then((r) => {
      if (token === itemsToken) spaceGroups.value = r;
    })
    .catch((e) => {
      if (token === itemsToken) itemsError.value = errorMessage(e);
    });
  getApi()
    .datasets.items({ id, offset: 0, limit: 200 })
    .then((r) => {
      if (token === itemsToken) items.value = r;
    })
    .catch((e) => {
      if (token === itemsToken) itemsError.value = errorMessage(e);
    });
}

export interface ImportRequest {
  kind: DatasetKind;
  name?: string;
  target?: string;
  /** The target's unit (default: the core's, from the target's name). */
  unit?: string;
  path?: string;
  files?: DroppedFile[];
  /** frames: which frames of each file, and the label keys of extended XYZ files. */
  selection?: FrameSelection;
  energyKey?: string;
  forcesKey?: string;
  stressKey?: string;
  /** frames: compute the labels with EMT instead of reading them. */
  label?: 'emt';
}

async function importDataset(req: ImportRequest): Promise<DatasetRecord | null> {
  const jobId = newJobId('dataset-import');
  importJob.value = jobId;
  return whileBusy(importing, importError, async () => {
    const rec = await getApi().datasets.import({
      kind: req.kind,
      ...(req.name ? { name: req.name } : {}),
      ...(req.target ? { target: req.target } : {}),
      ...(req.unit ? { unit: req.unit } : {}),
      ...(req.selection ? { selection: req.selection } : {}),
      ...(req.energyKey ? { energyKey: req.energyKey } : {}),
      ...(req.forcesKey ? { forcesKey: req.forcesKey } : {}),
      ...(req.stressKey ? { stressKey: req.stressKey } : {}),
      ...(req.label ? { label: req.label } : {}),
      ...(req.path !== undefined ? { path: req.path } : { files: req.files ?? [] }),
      jobId,
    });
    list.value = [...list.value.filter((d) => d.id !== rec.id), rec];
    select(rec.id);
    return rec;
  });
}

/** Reads a dropped folder or files (names relative to the dropped folder) and imports them; busy from the drop on, while its folders are listed. */
function importDropped(dt: DataTransfer, req: Omit<ImportRequest, 'files' | 'path'>): Promise<DatasetRecord | null> {
  const collected = collectDropped(dt); // before any await: the DataTransfer empties after the event
  return whileBusy(readingFiles, importError, async () => importEntries(await collected, req));
}

function importFileList(files: FileList | File[], req: Omit<ImportRequest, 'files' | 'path'>): Promise<DatasetRecord | null> {
  const entries = Array.from(files).map((file) => ({ path: file.webkitRelativePath || file.name, file }));
  return whileBusy(readingFiles, importError, () => importEntries(entries, req));
}

async function importEntries(entries: { path: string; file: File }[], req: Omit<ImportRequest, 'files' | 'path'>): Promise<DatasetRecord | null> {
  const read = await readDropped(entries);
  skipped.value = read.skipped;
  if (read.files.length === 0) {
    importError.value = 'no readable files were dropped';
    return null;
  }
  const folder = read.files[0].name.includes('/') ? read.files[0].name.split('/')[0] : '';
  const name = req.name ?? (folder && read.files.every((f) => f.name.startsWith(`${folder}/`)) ? folder : undefined);
  return await importDataset({ ...req, ...(name ? { name } : {}), files: stripCommonFolder(read.files) });
}

/**
 * The dataset list's line for an import not (yet) ready: the import's own progress while this app
 * runs it, as its bar says it ("importing · read 300 of 2,000 frames": the structures are stored
 * after they are read, so the count stored says 0 meanwhile), else the structures stored so far.
 */
export function importLine(status: 'importing' | 'interrupted', partialStructures: number, progressMessage: string | null): string {
  if (status === 'importing' && progressMessage) return `importing · ${progressMessage}`;
  return `${status === 'importing' ? 'importing' : 'import interrupted'} · ${plural(partialStructures, 'structure')} stored so far`;
}

/** "emt-dev/cgcnn/id_prop.csv" → "id_prop.csv" when every file shares the folder prefix. */
export function stripCommonFolder(files: DroppedFile[]): DroppedFile[] {
  if (files.length === 0) return files;
  const first = files[0].name.split('/');
  let depth = first.length - 1;
  for (const f of files) {
    const parts = f.name.split('/');
    let d = 0;
    while (d < depth && d < parts.length - 1 && parts[d] === first[d]) d++;
    depth = d;
  }
  if (depth === 0) return files;
  return files.map((f) => ({ ...f, name: f.name.split('/').slice(depth).join('/') }));
}

async function cancelImport(): Promise<void> {
  if (importJob.value) await useJobs().cancel(importJob.value);
}

/** Graph statistics by dataset and graph options, computed this session (Datasets view, or for the Models view's estimates). */
const statsCache = shallowRef<Record<string, DatasetGraphStats | 'computing' | { error: string }>>({});
const statsKey = (id: number, cutoff: number, maxNeighbors: number | null) => `${id}|${cutoff}|${maxNeighbors ?? 'all'}`;

/** The graph statistics of a dataset for these graph options: cached, else computed (once) in the core. */
function statsFor(id: number, cutoff: number, maxNeighbors: number | null): DatasetGraphStats | 'computing' | { error: string } {
  const key = statsKey(id, cutoff, maxNeighbors);
  const hit = statsCache.value[key];
  if (hit) return hit;
  statsCache.value = { ...statsCache.value, [key]: 'computing' };
  getApi()
    .datasets.graphStats({ id, cutoff, maxNeighbors, jobId: newJobId('graph-stats') })
    .then((r) => (statsCache.value = { ...statsCache.value, [key]: r }))
    .catch((e) => (statsCache.value = { ...statsCache.value, [key]: { error: errorMessage(e) } }));
  return 'computing';
}

async function loadStats(cutoff: number, maxNeighbors: number | null): Promise<void> {
  const id = selectedId.value;
  if (id === null) return;
  const jobId = newJobId('graph-stats');
  statsJob.value = jobId;
  await whileBusy(statsLoading, statsError, async () => {
    const r = await getApi().datasets.graphStats({ id, cutoff, maxNeighbors, jobId });
    if (selectedId.value === id) stats.value = r;
    statsCache.value = { ...statsCache.value, [statsKey(id, cutoff, maxNeighbors)]: r };
  });
}

/** Runs an interrupted import again (progress as for an import). */
async function resumeImport(id: number): Promise<void> {
  const jobId = newJobId('dataset-import');
  importJob.value = jobId;
  await whileBusy(importing, importError, async () => {
    const rec = await getApi().datasets.resumeImport({ id, jobId });
    list.value = list.value.map((d) => (d.id === rec.id ? rec : d));
    select(rec.id);
  });
}

/** Runs a delete or discard of a dataset: clears the last one's error, keeps this one's as "what “name”: message"; false when refused. */
async function act(what: string, id: number, action: () => Promise<void>): Promise<boolean> {
  actionError.value = null;
  const name = list.value.find((d) => d.id === id)?.name;
  try {
    await action();
    list.value = list.value.filter((d) => d.id !== id);
    if (selectedId.value === id) select(list.value.length ? list.value[list.value.length - 1].id : null);
    return true;
  } catch (e) {
    actionError.value = { datasetId: id, message: `${what}${name === undefined ? ` #${id}` : ` “${name}”`}: ${errorMessage(e)}` };
    return false;
  }
}

/** Drops an interrupted import and the structures only it had stored. */
async function discardImport(id: number): Promise<void> {
  await act('discard the import', id, () => getApi().datasets.discardImport({ id }).then(() => undefined));
}

/** Deletes a dataset (with the runs trained on it when `withRuns`); false when the core refused, with the reason in actionError. */
function remove(id: number, withRuns = false): Promise<boolean> {
  return act('delete dataset', id, () => getApi().datasets.delete({ id, withRuns }).then(() => undefined));
}

export function useDatasets() {
  if (!started) {
    started = true;
    getApi().datasets.onChanged(() => void refresh());
    // a run on the dataset ended: a delete it refused may now go through
    getApi().training.onStatus((r) => {
      if (r.datasetId === actionError.value?.datasetId && !ACTIVE_RUN_STATUSES.includes(r.status)) actionError.value = null;
    });
    whenConnected(() => void refresh());
  }
  return {
    list: computed(() => list.value),
    /** Datasets whose import finished (what training can use). */
    ready: computed(() => list.value.filter((d) => d.status === 'ready')),
    listError: readonly(listError),
    /** The last refused delete or discard ("delete dataset “a”: …"), null once it no longer applies. */
    actionError: computed(() => actionError.value?.message ?? null),
    selectedId: readonly(selectedId),
    selected: computed(() => list.value.find((d) => d.id === selectedId.value) ?? null),
    importing: computed(() => importing.value || readingFiles.value),
    readingFiles: readonly(readingFiles),
    importJob: readonly(importJob),
    importError: readonly(importError),
    skipped: computed(() => skipped.value),
    items: computed(() => items.value),
    spaceGroups: computed(() => spaceGroups.value),
    itemsError: readonly(itemsError),
    stats: computed(() => stats.value),
    statsJob: readonly(statsJob),
    statsError: readonly(statsError),
    statsLoading: readonly(statsLoading),
    refresh,
    select,
    resumeImport,
    discardImport,
    importDataset,
    importDropped,
    importFileList,
    cancelImport,
    loadStats,
    statsFor,
    remove,
  };
}
