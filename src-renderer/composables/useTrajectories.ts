/**
 * Trajectories in the workspace: multi-frame files imported as one item each, the selected one's
 * per-frame energies and largest forces, the current frame (loaded on demand, the last few kept),
 * and export of every frame (extended XYZ) or of the current one (POSCAR). Module-level refs: one
 * shared state for the whole app.
 *
 * Core methods used: structures.trajectories({}), structures.trajectory({ id }),
 * structures.get({ id }), structures.deleteTrajectory({ id }).
 */
import { computed, readonly, ref, shallowRef } from 'vue';
import { getApi } from '../api/client';
import { whenConnected } from './whenConnected';
import { StructureDetails } from './structureDetails';
import type { StructureDetail, TrajectoryDetail, TrajectoryRecord } from '../../src-shared/ipc/contract';
import { frameOfStructure, writeFramesExtxyz, writePoscar } from '../../src-shared/chem';
import { structureFromJSON } from '../../src-shared/chem/serialize';
import type { FrameSeries } from '../lib/charts';
import { errorMessage } from '../lib/format';

const list = ref<TrajectoryRecord[]>([]);
const selectedId = ref<number | null>(null);
const detail = shallowRef<TrajectoryDetail | null>(null);
const frame = ref(0);
const frameStructure = shallowRef<StructureDetail | null>(null);
const error = ref<string | null>(null);
const exporting = ref(false);
// a trajectory's frames as they are shown
const frameDetails = new StructureDetails(64);
let started = false;
let token = 0;

async function refresh(): Promise<void> {
  try {
    list.value = await getApi().structures.trajectories({});
    if (selectedId.value !== null && !list.value.some((t) => t.id === selectedId.value)) select(null);
  } catch (e) {
    error.value = errorMessage(e);
  }
}

function structureOf(id: number): Promise<StructureDetail> {
  return frameDetails.get(id);
}

/** Shows frame `i` of the selected trajectory (the latest request wins while scrubbing). */
function setFrame(i: number): void {
  const d = detail.value;
  if (!d || d.frameSummaries.length === 0) return;
  const f = Math.max(0, Math.min(d.frameSummaries.length - 1, i));
  frame.value = f;
  const t = ++token;
  void structureOf(d.frameSummaries[f].structureId)
    .then((s) => {
      if (t === token) frameStructure.value = s;
    })
    .catch((e) => {
      if (t === token) error.value = errorMessage(e);
    });
}

function select(id: number | null): void {
  selectedId.value = id;
  error.value = null;
  detail.value = null;
  frameStructure.value = null;
  if (id === null) return;
  void getApi()
    .structures.trajectory({ id })
    .then((d) => {
      if (selectedId.value !== id) return;
      detail.value = d;
      setFrame(d.frameSummaries.length - 1);
    })
    .catch((e) => (error.value = errorMessage(e)));
}

function download(name: string, text: string): void {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = name.replace(/[^\w.-]+/g, '_');
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 1000);
}

/** Every frame as one extended XYZ file (labels under ASE's names). */
async function exportExtxyz(): Promise<void> {
  const d = detail.value;
  if (!d) return;
  exporting.value = true;
  try {
    const frames = [];
    for (const f of d.frameSummaries) frames.push(frameOfStructure(structureFromJSON((await structureOf(f.structureId)).structure)));
    download(`${d.name}.extxyz`, writeFramesExtxyz(frames));
  } catch (e) {
    error.value = errorMessage(e);
  } finally {
    exporting.value = false;
  }
}

/** The current frame as a VASP 5 POSCAR. */
async function exportPoscar(): Promise<void> {
  const d = detail.value;
  if (!d) return;
  try {
    const s = await structureOf(d.frameSummaries[frame.value].structureId);
    download(`${d.name}-frame${frame.value}.vasp`, writePoscar(structureFromJSON(s.structure)));
  } catch (e) {
    error.value = errorMessage(e);
  }
}

async function remove(id: number): Promise<void> {
  await getApi().structures.deleteTrajectory({ id });
  list.value = list.value.filter((t) => t.id !== id);
  if (selectedId.value === id) select(null);
}

/** Energy (and free energy) and the largest force per frame, for the chart. */
const series = computed<FrameSeries[]>(() => {
  const d = detail.value;
  if (!d) return [];
  return [
    { name: 'energy', unit: 'eV', values: d.frameSummaries.map((f) => f.energy) },
    { name: 'max force', unit: 'eV/Å', values: d.frameSummaries.map((f) => f.maxForce) },
  ];
});

export function useTrajectories() {
  if (!started) {
    started = true;
    getApi().structures.onChanged(() => void refresh());
    whenConnected(() => void refresh());
  }
  return {
    list: computed(() => list.value),
    /** Structure ids that are frames of a trajectory (the structure list shows the trajectory instead). */
    frameIds: computed(() => new Set(list.value.flatMap((t) => t.structureIds))),
    selectedId: readonly(selectedId),
    detail,
    frame: readonly(frame),
    frameStructure,
    /** The stored structure of the frame shown (a run can start from it), null with none. */
    frameStructureId: computed(() => detail.value?.frameSummaries[frame.value]?.structureId ?? null),
    series,
    error: readonly(error),
    exporting: readonly(exporting),
    refresh,
    select,
    setFrame,
    exportExtxyz,
    exportPoscar,
    remove,
  };
}
