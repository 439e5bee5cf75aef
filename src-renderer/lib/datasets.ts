/**
 * What tells datasets of the same name apart where they are listed (the Datasets list, the Training,
 * fine-tuning and estimate drop-downs, the Runs table's dataset column). Names are not unique: the
 * same file imported twice as "ASE 300" gave two identical lines. Decided (session 44): names stay free (an import or rename is not refused),
 * and a dataset whose name another one has is shown with its id and import time.
 */
import type { DatasetRecord, RunRecord } from '../../src-shared/ipc/contract';
import { fmtDate } from './format';

/** "#4, imported 2026-12-07 17:10" when another of `all` has `d`'s name; null when its name is its own. */
export function sameNameNote(d: Pick<DatasetRecord, 'id' | 'name' | 'createdAt'>, all: readonly Pick<DatasetRecord, 'id' | 'name'>[]): string | null {
  return all.some((o) => o.id !== d.id && o.name === d.name) ? `#${d.id}, imported ${fmtDate(d.createdAt)}` : null;
}

/** A dataset's option in a drop-down: "ASE 300 (300)", or "ASE 300 (300) · #4, imported 2026-12-07 17:10" beside a namesake. */
export function datasetOption(d: Pick<DatasetRecord, 'id' | 'name' | 'createdAt' | 'size'>, all: readonly Pick<DatasetRecord, 'id' | 'name'>[]): string {
  const note = sameNameNote(d, all);
  return `${d.name} (${d.size})${note ? ` · ${note}` : ''}`;
}

/**
 * The note under a run's dataset in the Runs table: its stored dataset's `sameNameNote`; null when that name is
 * its own, or when the run has no stored dataset (a command-line run's data, a deleted dataset).
 */
export function runDatasetNote(run: Pick<RunRecord, 'datasetId'>, all: readonly Pick<DatasetRecord, 'id' | 'name' | 'createdAt'>[]): string | null {
  const d = all.find((x) => x.id === run.datasetId);
  return d ? sameNameNote(d, all) : null;
}

/**
 * What the Runs table's dataset cell says: the run's dataset name, with its `runDatasetNote` when a
 * namesake needs one ("ASE 300 · #4, imported 2026-12-07 17:11"). The table sorts its dataset column
 * by it, so a namesake's runs sort together, in the order of its id; the search finds a run by it.
 */
export function runDatasetText(run: Pick<RunRecord, 'datasetId' | 'datasetName'>, all: readonly Pick<DatasetRecord, 'id' | 'name' | 'createdAt'>[]): string {
  const note = runDatasetNote(run, all);
  return note ? `${run.datasetName} · ${note}` : run.datasetName;
}
