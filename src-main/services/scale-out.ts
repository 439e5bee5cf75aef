/**
 * The `scaleOut` service: a stored run exported for PyTorch into a folder, and a run PyTorch
 * trained brought back — the same code as `latticework export … --to torch DIR`
 * (scale-out/export-run.ts) and `latticework import-run DIR` (scale-out/import-run.ts).
 */
import { dirname } from 'node:path';
import type { LatticeworkHandlers } from '../../src-shared/ipc/contract';
import { isPotentialConfig } from '../../src-shared/model/potential';
import type { CoreParts } from '../app/core';
import type { LabelledStructures } from '../datasets/types';
import { checkUserFolder, FileAccessError, isUserFolder } from '../files/path-guard';
import { UserError } from '../ipc/errors';
import { checkExportFolderEmpty } from '../scale-out/export-folder';
import type { ExportData, ExportRequest } from '../scale-out/export-run';
import { getDataset, loadDatasetItems } from './datasets';
import type { JobHandle } from './jobs';
import { getRun, getRunRow } from './runs';

/** A folder the user named for an export (absolute: the contract's hostPath): outside the system folders, its parent an existing folder, empty (checked before the run's data is read). */
async function exportFolder(folder: string): Promise<string> {
  const exists = await isUserFolder(folder).catch((e: unknown) => {
    if (e instanceof FileAccessError && e.reason.startsWith('does not exist')) return null;
    throw e;
  });
  if (exists === false) throw new FileAccessError(folder, 'is a file, not a folder');
  if (exists === null) await checkUserFolder(dirname(folder));
  else checkExportFolderEmpty(folder);
  return folder;
}

/** A stored dataset's items as the export reads them (the run's targets: the item's value, or a per-atom array). */
async function storedData(core: CoreParts, datasetId: number, req: ExportRequest): Promise<LabelledStructures> {
  const dataset = await getDataset(core, datasetId);
  const items = await loadDatasetItems(core, datasetId);
  const head = isPotentialConfig(req.config) ? null : req.config.model.head;
  const perAtomKey = head?.kind === 'per-atom' ? (dataset.report.perAtomKeys[0] ?? null) : null;
  if (head?.kind === 'per-atom' && !perAtomKey) throw new UserError(`a per-atom head needs per-atom arrays: dataset ${dataset.name} has none`);
  return {
    kind: dataset.kind,
    source: dataset.source,
    targetKey: perAtomKey ?? dataset.targetKey,
    targetNames: [dataset.targetKey],
    perAtomTarget: perAtomKey ? { key: perAtomKey, width: (head as { numTargets?: number }).numTargets ?? 1 } : null,
    atomInit: dataset.atomInit,
    items: items.map((it) => ({ name: it.name, targets: perAtomKey ? [] : [it.target], parsed: { structure: it.structure } })),
  };
}

/**
 * A job's progress steps, each of which stops the work when the job was cancelled (`step`), and the check alone
 * (`check`: the export's between two structures' graphs and before its folder is named), which first lets the
 * event loop turn: a Cancel that came while the thread was busy (graphs built, files written) is heard.
 */
function cancellable(job: JobHandle, what: string): { step: (message: string) => void; check: () => Promise<void> } {
  let k = 0;
  const stop = () => {
    if (job.signal.aborted) throw new UserError(`the ${what} was cancelled`);
  };
  return {
    step: (message) => {
      stop();
      job.progress(++k, null, message);
    },
    check: async () => {
      await new Promise((turned) => setImmediate(turned));
      stop();
    },
  };
}

export function scaleOutHandlers(core: CoreParts): LatticeworkHandlers['scaleOut'] {
  return {
    async exportRun({ runId, folder, epochs, jobId }) {
      const row = await getRunRow(core, runId);
      const out = await exportFolder(folder);
      return core.jobs.run(
        'export-run',
        async (job) => {
          const { step, check } = cancellable(job, 'export');
          step('reading the run');
          // the engine (tfjs) and the readers load only when an export is made
          const { exportForTorch, nextSteps, runExportRequest } = await import('../scale-out/export-run');
          const request = await core.db.read((tx) => runExportRequest(tx, row, core.options.databasePath, { epochs }));
          // the run's dataset as stored; a command-line run (no dataset row) re-reads its data path as `latticework train` did
          const data: ExportData = row.dataset_id !== null ? { read: await storedData(core, row.dataset_id, request) } : { path: row.dataset_name };
          const summary = await exportForTorch(request, data, out, { step, check });
          return { ...summary, next: nextSteps(summary.folder) };
        },
        jobId,
      );
    },

    async importRun({ path, files, name, jobId }) {
      return core.jobs.run(
        'import-run',
        async (job) => {
          const { step } = cancellable(job, 'import');
          step('reading the run folder');
          const { importTorchRun, runFilesAt, runFilesOfDropped } = await import('../scale-out/import-run');
          const run = path !== undefined ? await runFilesAt(path) : runFilesOfDropped(files ?? []);
          step('checking and storing the run');
          const r = await importTorchRun(core.db, run, { name });
          const record = await getRun(core, r.runId);
          core.events.emit('training', 'onStatus', record);
          if (r.modelId !== null) core.events.emit('models', 'onChanged', { ids: [r.modelId] });
          return { runId: r.runId, updated: r.updated, name: r.name, epochs: r.epochs, epochsPlanned: r.epochsPlanned, bestEpoch: r.bestEpoch, modelId: r.modelId, model: r.model, external: r.external, notes: r.notes, run: record };
        },
        jobId,
      );
    },
  };
}
