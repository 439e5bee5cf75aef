/**
 * The structures the user has imported: the sidebar list, files that failed,
 * the selected structure (loaded in full for the viewer), import of dropped or
 * picked files. Module-level refs: one shared state for the whole app.
 *
 * Core methods used: structures.import({ files }), structures.list({}),
 * structures.get({ id }) (the selected one, and `detail` for a view's own), structures.delete({ id }),
 * structures.derive / vacancyHop / symmetry as jobs (`working`, `cancelWork`: useJobs' progress and cancel).
 */
import { computed, readonly, ref, shallowRef } from 'vue';
import { useRouter } from 'vue-router';
import { getApi } from '../api/client';
import { whenConnected } from './whenConnected';
import { useJobs } from './useJobs';
import { StructureDetails } from './structureDetails';
import type { DerivedCell, FileFailure, StructureDetail, StructureRecord } from '../../src-shared/ipc/contract';
import type { SpaceGroupSummary } from '../../src-shared/chem/spacegroup';
import { batchFiles, collectDropped, readDropped } from '../lib/files';
import { errorMessage } from '../lib/format';
import { alreadyStoredNote } from '../lib/structures';
import type { SkippedFile, DroppedFile } from '../lib/files';

export type FailedFile = FileFailure;
type StructureId = number;
type ImportError = FileFailure['error'];

/** What one import gave: the structures stored, and the files that could not be read (also kept in `failures`, for the Structures list). */
export interface ImportOutcome {
  imported: StructureRecord[];
  failed: FailedFile[];
}

export interface ImportProgress {
  /** Listing a dropped folder's files (`done` found so far, `total` not known yet), reading them in the page, then importing them in the core. */
  phase: 'listing' | 'reading' | 'importing';
  done: number;
  total: number;
}

/**
 * A structure's new cell, vacancy hop or space-group search under way in the core (one at a time): what it
 * makes, its last progress message, and whether a cancel was asked (the core then ends its worker).
 */
export interface StructureWork {
  jobId: string;
  what: string;
  progress: string | null;
  cancelling: boolean;
}

/** The work under way as the structure's header says it. */
export function structureWorkText(w: StructureWork): string {
  return w.cancelling ? `${w.what}: cancelling…` : `${w.what}${w.progress ? `: ${w.progress}` : '…'}`;
}

/** An import's progress as the Structures list and the status bar say it. */
export function importProgressText(p: ImportProgress): string {
  if (p.phase === 'listing') return `listing folders · ${p.done} ${p.done === 1 ? 'file' : 'files'} found`;
  return `${p.phase === 'reading' ? 'reading files' : 'importing'} ${p.done}/${p.total}`;
}

const items = ref<StructureRecord[]>([]);
const failures = ref<FailedFile[]>([]);
/** What the last import said of files that added nothing (every structure stored already). */
const importNotes = ref<string[]>([]);
const selectedId = ref<StructureId | null>(null);
const current = shallowRef<StructureDetail | null>(null);
const loadingCurrent = ref(false);
const currentError = ref<string | null>(null);
const importing = ref(false);
const progress = ref<ImportProgress>({ phase: 'importing', done: 0, total: 0 });
const listError = ref<string | null>(null);
/** The last failed action on the selected structure (delete, new cell), shown in its header. */
const actionError = ref<string | null>(null);
const working = ref<Omit<StructureWork, 'progress'> | null>(null);
// the last few structures shown
const details = new StructureDetails(8);
let started = false;
let cancelled = false;
let currentJob: string | null = null;
let refreshTimer: ReturnType<typeof setTimeout> | null = null;

/** Stops an import: the running batch is cancelled in the core, later batches are not sent. */
async function cancelImport(): Promise<void> {
  cancelled = true;
  if (currentJob) await getApi().jobs.cancel({ jobId: currentJob }).catch(() => undefined);
}

function scheduleRefresh(): void {
  if (refreshTimer) return;
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    void refresh();
  }, 150);
}

/** Merges imported summaries into the list, replacing entries with the same id. */
export function mergeSummaries(list: readonly StructureRecord[], added: readonly StructureRecord[]): StructureRecord[] {
  const ids = new Set(added.map((s) => s.id));
  return [...list.filter((s) => !ids.has(s.id)), ...added];
}

async function refresh(): Promise<void> {
  try {
    const list = await getApi().structures.list({});
    items.value = list;
    listError.value = null;
    if (selectedId.value !== null && !list.some((s) => s.id === selectedId.value)) select(null);
  } catch (e) {
    listError.value = errorMessage(e);
  }
}

/**
 * Reads the chosen files, shown at once as an import under way ("reading files N/M"), then imports
 * them; cancelled while reading, nothing is sent.
 */
async function readAndImport(chosen: { path: string; file: File }[]): Promise<ImportOutcome> {
  importing.value = true;
  cancelled = false;
  progress.value = { phase: 'reading', done: 0, total: chosen.length };
  try {
    const { files, skipped } = await readDropped(chosen, undefined, (done) => (progress.value = { phase: 'reading', done, total: chosen.length }));
    return await importDroppedFiles(files, skipped);
  } finally {
    importing.value = false;
  }
}

/** Imports files read in batches; a cancel (since the import started: `cancelled` is reset where it starts) stops the batches not sent yet. */
async function importDroppedFiles(files: DroppedFile[], skipped: SkippedFile[] = []): Promise<ImportOutcome> {
  const newFailures: FailedFile[] = skipped.map((s) => ({ file: s.file, error: { name: 'FileSkipped', message: s.reason, line: null } }));
  const imported: StructureRecord[] = [];
  const notes: string[] = [];
  importing.value = true;
  progress.value = { phase: 'importing', done: 0, total: files.length };
  try {
    let base = 0;
    for (const batch of batchFiles(files)) {
      if (cancelled) {
        for (const f of batch) newFailures.push({ file: f.name, error: { name: 'Cancelled', message: 'import cancelled', line: null } });
        continue;
      }
      const jobId = `import-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
      currentJob = jobId;
      const offset = base;
      const off = getApi().jobs.onProgress((p) => {
        if (p.jobId === jobId) progress.value = { phase: 'importing', done: Math.min(files.length, offset + p.done), total: files.length };
      });
      try {
        const result = await getApi().structures.import({ files: batch, jobId });
        imported.push(...result.imported);
        newFailures.push(...result.failed);
        notes.push(...result.alreadyStored.map(alreadyStoredNote));
        items.value = mergeSummaries(items.value, result.imported);
      } catch (e) {
        // The whole call failed (connection, validation): every file of the batch failed, the others go on.
        const err: ImportError = { name: e instanceof Error ? e.name : 'Error', message: errorMessage(e), line: null };
        for (const f of batch) newFailures.push({ file: f.name, error: err });
      } finally {
        off();
        currentJob = null;
      }
      base += batch.length;
      progress.value = { phase: 'importing', done: base, total: files.length };
    }
  } finally {
    importing.value = false;
  }
  const failedNames = new Set(newFailures.map((f) => f.file));
  const importedNames = new Set(imported.map((s) => s.file));
  failures.value = [
    ...failures.value.filter((f) => !failedNames.has(f.file) && !importedNames.has(f.file)),
    ...newFailures,
  ];
  importNotes.value = notes;
  if (imported.length > 0) select(imported[0].id);
  return { imported, failed: newFailures };
}

/** A drop: its folders listed first, shown as an import under way at once; cancelled while listing, nothing is read or sent. */
async function importDropped(dt: DataTransfer): Promise<ImportOutcome> {
  importing.value = true;
  cancelled = false;
  progress.value = { phase: 'listing', done: 0, total: 0 };
  // synchronous part first: the DataTransfer empties after the event
  const collected = collectDropped(dt, { onFound: (done) => (progress.value = { phase: 'listing', done, total: 0 }), stopped: () => cancelled });
  const chosen = await collected.catch((e: unknown) => {
    importing.value = false;
    throw e;
  });
  if (cancelled) {
    importing.value = false;
    return { imported: [], failed: [] };
  }
  return readAndImport(chosen);
}

async function importFileList(list: FileList | File[]): Promise<ImportOutcome> {
  return readAndImport(Array.from(list).map((file) => ({ path: file.webkitRelativePath || file.name, file })));
}

/** Imports the example structures shipped with the app (for an empty install). */
async function loadExamples(): Promise<ImportOutcome> {
  cancelled = false;
  const { files } = await getApi().structures.examples({});
  return importDroppedFiles(files, []);
}

let loadToken = 0;
function select(id: StructureId | null): void {
  if (id !== selectedId.value) actionError.value = null;
  selectedId.value = id;
  currentError.value = null;
  const token = ++loadToken;
  if (id === null) {
    current.value = null;
    return;
  }
  const cached = details.peek(id);
  if (cached) {
    current.value = cached;
    return;
  }
  loadingCurrent.value = true;
  details
    .get(id)
    .then((data) => {
      if (token === loadToken) current.value = data;
    })
    .catch((e) => {
      if (token === loadToken) {
        current.value = null;
        currentError.value = errorMessage(e);
      }
    })
    .finally(() => {
      if (token === loadToken) loadingCurrent.value = false;
    });
}

/** A stored structure in full (from the cache or the core) without selecting it: a view that works on one of its own (Simulate). */
function detail(id: StructureId): Promise<StructureDetail> {
  return details.get(id);
}

/** Deletes a structure; a refusal (it belongs to a dataset) is shown in the header, not lost. */
async function remove(id: StructureId): Promise<boolean> {
  actionError.value = null;
  try {
    await getApi().structures.delete({ id });
  } catch (e) {
    actionError.value = `Not deleted: ${errorMessage(e)}`;
    return false;
  }
  details.forget(id);
  items.value = items.value.filter((s) => s.id !== id);
  if (selectedId.value === id) select(null);
  return true;
}

/**
 * Runs `call` as the structure work under way (`working`), with a job id of its own: its progress shown as
 * it comes (jobs.onProgress), cancelled with `cancelWork` (the core then says it was cancelled).
 */
async function asWork<T>(what: string, call: (jobId: string) => Promise<T>): Promise<T> {
  const jobId = useJobs().newJob('structure');
  working.value = { jobId, what, cancelling: false };
  try {
    return await call(jobId);
  } finally {
    if (working.value?.jobId === jobId) working.value = null;
  }
}

/** Cancels the structure work under way: the core stops it and its call fails saying it was cancelled. */
async function cancelWork(): Promise<void> {
  const w = working.value;
  if (!w || w.cancelling) return;
  working.value = { ...w, cancelling: true };
  await useJobs().cancel(w.jobId);
}

/** Stores another cell of a structure (primitive, conventional, Niggli, a `repeat` supercell) as a new structure and selects it. */
async function derive(id: StructureId, cell: DerivedCell, repeat?: [number, number, number]): Promise<StructureRecord | null> {
  actionError.value = null;
  try {
    const what = cell === 'supercell' && repeat ? `making the ${repeat.join('×')} supercell` : `making the ${cell} cell`;
    const record = await asWork(what, (jobId) => getApi().structures.derive({ id, cell, ...(repeat ? { repeat } : {}), jobId }));
    items.value = mergeSummaries(items.value, [record]);
    select(record.id);
    return record;
  } catch (e) {
    actionError.value = errorMessage(e);
    return null;
  }
}

/**
 * Stores the two ends of a vacancy hop in a structure (site `vacancy` removed, site `hopper` moved into
 * its place) and selects the start; null when refused (actionError says why).
 */
async function vacancyHop(id: StructureId, vacancy: number, hopper: number): Promise<{ start: StructureRecord; end: StructureRecord; distance: number } | null> {
  actionError.value = null;
  try {
    const hop = await asWork('making the vacancy hop', (jobId) => getApi().structures.vacancyHop({ id, vacancy, hopper, jobId }));
    items.value = mergeSummaries(items.value, [hop.start, hop.end]);
    select(hop.start.id);
    return hop;
  } catch (e) {
    actionError.value = errorMessage(e);
    return null;
  }
}

/** The space group of a stored structure at another tolerance. */
async function symmetryAt(id: StructureId, symprec: number): Promise<SpaceGroupSummary | null> {
  return asWork(`searching the space group at ${symprec} Å`, (jobId) => getApi().structures.symmetry({ id, symprec, jobId }));
}

function dismissFailures(): void {
  failures.value = [];
}

export function useStructures() {
  const jobs = useJobs();
  if (!started) {
    started = true;
    getApi().structures.onChanged(() => scheduleRefresh());
    whenConnected(() => void refresh());
  }
  return {
    items: computed(() => items.value),
    failures: computed(() => failures.value),
    importNotes: computed(() => importNotes.value),
    selectedId: readonly(selectedId),
    // From the list, or from the loaded structure while the list is still on its way (a bookmark, a link).
    selected: computed<StructureRecord | null>(
      () => items.value.find((s) => s.id === selectedId.value) ?? (current.value?.id === selectedId.value ? current.value : null),
    ),
    current,
    loadingCurrent: readonly(loadingCurrent),
    currentError: readonly(currentError),
    importing: readonly(importing),
    progress: readonly(progress),
    listError: readonly(listError),
    actionError: readonly(actionError),
    /** A new cell, vacancy hop or space-group search under way (StructureWork), null when none. */
    working: computed<StructureWork | null>(() => {
      const w = working.value;
      return w && { ...w, progress: jobs.get(w.jobId)?.message || null };
    }),
    cancelWork,
    refresh,
    importDroppedFiles,
    importDropped,
    importFileList,
    loadExamples,
    cancelImport,
    select,
    detail,
    remove,
    derive,
    vacancyHop,
    symmetryAt,
    dismissFailures,
  };
}

/**
 * Shows a structure in the viewer: selects it in the Structures list, then goes there (?id= kept
 * in the URL). Call it in a component's setup (it uses the router).
 */
export function useOpenStructure(): (id: number) => void {
  const structures = useStructures();
  const router = useRouter();
  return (id) => {
    structures.select(id);
    void router.push({ path: '/structures', query: { id } });
  };
}
