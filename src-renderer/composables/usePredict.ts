/**
 * Prediction with a stored model over stored structures (`predict.run`, with job progress
 * and cancellation; rows stream in as the service's parts finish, `predict.onRows`, and a
 * cancelled run keeps the rows shown), the row chosen for per-atom contributions (and its structure, loaded
 * for the viewer), and the over-smoothing view of a model on one structure
 * (`predict.oversmoothing`). Module-level state so that the last predictions survive
 * switching views.
 */
import { computed, readonly, ref, shallowRef } from 'vue';
import { plural } from '../../src-shared/text';
import type { OversmoothingView, PredictionRow, PredictionRowsEvent, StructureDetail } from '../../src-shared/ipc/contract';
import { getApi } from '../api/client';
import { errorMessage, newJobId } from '../lib/format';
import { useJobs } from './useJobs';

const rows = shallowRef<PredictionRow[]>([]);
const failed = shallowRef<{ structureId: number; message: string }[]>([]);
const running = ref(false);
const runError = ref<string | null>(null);
const jobId = ref<string | null>(null);
const selectedRow = ref<number | null>(null);
const structure = shallowRef<StructureDetail | null>(null);
const structureError = ref<string | null>(null);
const oversmoothing = shallowRef<OversmoothingView | null>(null);
const oversmoothingError = ref<string | null>(null);
const oversmoothingLoading = ref(false);

let listening = false;
/** The rows of the running job's finished parts, appended as they come. */
function onRows(e: PredictionRowsEvent): void {
  if (e.jobId !== jobId.value || !running.value) return;
  rows.value = [...rows.value, ...e.rows];
  failed.value = [...failed.value, ...e.failed];
  if (selectedRow.value === null && rows.value.length > 0) selectRow(0);
}

async function run(modelId: number, structureIds: number[]): Promise<void> {
  if (structureIds.length === 0) return;
  if (!listening) {
    listening = true;
    getApi().predict.onRows(onRows);
  }
  const id = newJobId('predict');
  jobId.value = id;
  running.value = true;
  runError.value = null;
  rows.value = [];
  failed.value = [];
  selectRow(null);
  try {
    const r = await getApi().predict.run({ modelId, structureIds, jobId: id });
    // the whole result, in the order asked (the streamed rows came part by part)
    const selected = selectedRow.value !== null ? rows.value[selectedRow.value]?.structureId : undefined;
    rows.value = r.rows;
    failed.value = r.failed;
    const at = r.rows.findIndex((x) => x.structureId === selected);
    selectRow(at >= 0 ? at : r.rows.length > 0 ? 0 : null);
  } catch (e) {
    // a cancelled or failed run keeps the rows already shown
    runError.value = rows.value.length > 0 ? `${errorMessage(e)} (the ${plural(rows.value.length, 'row')} shown were predicted)` : errorMessage(e);
  } finally {
    running.value = false;
  }
}

async function cancel(): Promise<void> {
  if (jobId.value) await useJobs().cancel(jobId.value);
}

let structureToken = 0;
function selectRow(index: number | null): void {
  selectedRow.value = index;
  const row = index !== null ? rows.value[index] : null;
  const token = ++structureToken;
  structureError.value = null;
  if (!row) {
    structure.value = null;
    return;
  }
  if (structure.value?.id === row.structureId) return;
  getApi()
    .structures.get({ id: row.structureId })
    .then((s) => {
      if (token === structureToken) structure.value = s;
    })
    .catch((e) => {
      if (token === structureToken) {
        structure.value = null;
        structureError.value = errorMessage(e);
      }
    });
}

let osToken = 0;
async function loadOversmoothing(modelId: number, structureId: number): Promise<void> {
  const token = ++osToken;
  oversmoothingLoading.value = true;
  oversmoothingError.value = null;
  try {
    const v = await getApi().predict.oversmoothing({ modelId, structureId });
    if (token === osToken) oversmoothing.value = v;
  } catch (e) {
    if (token === osToken) {
      oversmoothing.value = null;
      oversmoothingError.value = errorMessage(e);
    }
  } finally {
    if (token === osToken) oversmoothingLoading.value = false;
  }
}

export function usePredict() {
  return {
    rows: computed(() => rows.value),
    failed: computed(() => failed.value),
    running: readonly(running),
    runError: readonly(runError),
    jobId: readonly(jobId),
    selectedRow: readonly(selectedRow),
    selected: computed(() => (selectedRow.value !== null ? (rows.value[selectedRow.value] ?? null) : null)),
    structure: computed(() => structure.value),
    structureError: readonly(structureError),
    oversmoothing: computed(() => oversmoothing.value),
    oversmoothingError: readonly(oversmoothingError),
    oversmoothingLoading: readonly(oversmoothingLoading),
    run,
    cancel,
    selectRow,
    loadOversmoothing,
  };
}
