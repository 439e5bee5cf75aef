/**
 * Scale-out in the app: a run exported for PyTorch into a folder (`scaleOut.exportRun`, from the
 * run's page) and a run PyTorch trained brought back (`scaleOut.importRun`, the Runs view: a path,
 * or a dropped or chosen export folder). Progress comes from `jobs.onProgress`; every error is kept
 * for the UI. Module-level state: an export started on a run's page is still shown after a detour.
 */
import { computed, ref, shallowRef } from 'vue';
import type { ImportedRunResult, TorchExportResult } from '../../src-shared/ipc/contract';
import { getApi } from '../api/client';
import { collectDropped, readDropped } from '../lib/files';
import { errorMessage } from '../lib/format';
import { isExportModelFile, isRunFolderFile } from '../lib/runs';
import { useJobs } from './useJobs';
import { useRuns } from './useRuns';

interface ExportState {
  jobId: string | null;
  running: boolean;
  result: TorchExportResult | null;
  error: string | null;
}

const exports = shallowRef<Record<number, ExportState>>({});
const importJob = ref<string | null>(null);
const importing = ref(false);
const imported = shallowRef<ImportedRunResult | null>(null);
const importError = ref<string | null>(null);

function setExport(runId: number, patch: Partial<ExportState>): void {
  const cur = exports.value[runId] ?? { jobId: null, running: false, result: null, error: null };
  exports.value = { ...exports.value, [runId]: { ...cur, ...patch } };
}

/** Exports run `runId` into `folder` (an absolute path on the machine the app runs on). */
async function exportRun(runId: number, folder: string, epochs?: number): Promise<TorchExportResult | null> {
  const jobs = useJobs();
  const jobId = jobs.newJob('export-run');
  setExport(runId, { jobId, running: true, result: null, error: null });
  try {
    const result = await getApi().scaleOut.exportRun({ runId, folder, jobId, ...(epochs ? { epochs } : {}) });
    setExport(runId, { running: false, result });
    return result;
  } catch (e) {
    setExport(runId, { running: false, error: `Export for PyTorch failed: ${errorMessage(e)}` });
    return null;
  }
}

/** Forgets the error of run `runId`'s last export (its form changed: the message spoke of another attempt). */
function clearExportError(runId: number): void {
  if (exports.value[runId]?.error) setExport(runId, { error: null });
}

async function importRun(req: { path: string } | { files: { path: string; file: File }[] }): Promise<ImportedRunResult | null> {
  const jobs = useJobs();
  importJob.value = jobs.newJob('import-run');
  importing.value = true;
  importError.value = null;
  imported.value = null;
  try {
    let arg: Parameters<ReturnType<typeof getApi>['scaleOut']['importRun']>[0];
    if ('path' in req) arg = { path: req.path, jobId: importJob.value };
    else {
      // only the files import reads (not the exported data), model files as bytes
      const read = await readDropped(
        req.files.filter((f) => isRunFolderFile(f.path)),
        isExportModelFile,
      );
      if (read.skipped.length) throw new Error(read.skipped.map((s) => `${s.file}: ${s.reason}`).join('\n'));
      if (read.files.length === 0) throw new Error('the dropped files hold no export.json: drop the folder that "Export for PyTorch" (or latticework export --to torch) wrote, after PyTorch trained it');
      arg = { files: read.files, jobId: importJob.value };
    }
    const r = await getApi().scaleOut.importRun(arg);
    imported.value = r;
    // the runs table shows it at once (training.onStatus also announces it)
    await useRuns().refresh();
    return r;
  } catch (e) {
    importError.value = `Import run failed: ${errorMessage(e)}`;
    return null;
  } finally {
    importing.value = false;
  }
}

export function useScaleOut() {
  const jobs = useJobs();
  return {
    exportState: (runId: number) => computed(() => exports.value[runId] ?? null),
    exportProgress: (runId: number) => computed(() => jobs.get(exports.value[runId]?.jobId ?? null)),
    exportRun,
    clearExportError,
    cancelExport: (runId: number) => {
      const id = exports.value[runId]?.jobId;
      if (id) void jobs.cancel(id);
    },
    importing,
    imported,
    importError,
    importProgress: computed(() => jobs.get(importJob.value)),
    importPath: (path: string) => importRun({ path }),
    /** A dropped folder: its files are collected at once (the DataTransfer empties after the event). */
    importDropped: (dt: DataTransfer) => {
      const collected = collectDropped(dt);
      return collected.then((files) => importRun({ files }));
    },
    importChosen: (files: FileList) => importRun({ files: Array.from(files).map((file) => ({ path: file.webkitRelativePath || file.name, file })) }),
  };
}
