/**
 * Scale-out: a run handed to PyTorch's distributed training (an export folder) and brought back as
 * an external run — the same code as `latticework export … --to torch DIR` and
 * `latticework import-run DIR` (docs/scale-out.md).
 */
import { z } from 'zod';
import { method } from '../define';
import { droppedFile } from '../dropped';
import { hostPath } from '../paths';
import type { ExternalRunInfo, RunRecord } from './training';

/** What an export wrote, and what to run next. */
export interface TorchExportResult {
  /** The folder written (absolute, on the core's machine). */
  folder: string;
  architecture: string;
  structures: number;
  split: { train: number; val: number; test: number };
  parameters: number;
  /** The files written, relative to the folder (`data/cgcnn/<id>.cif` stands for the CIFs). */
  files: string[];
  /** Whether data/cgcnn/ holds CGCNN's own layout. */
  cgcnnLayout: boolean;
  /** The commands to run next, one a line: train with PyTorch there, then import the run back. */
  next: string[];
}

/** A run brought back (`import-run --json`'s fields) with its row of the runs table. */
export interface ImportedRunResult {
  runId: number;
  /** True when the run was stored already (imported while its job had not ended: interrupted) and is updated in place. */
  updated: boolean;
  name: string;
  epochs: number;
  /** The epochs train.py planned (its --epochs, else the export's). */
  epochsPlanned: number;
  bestEpoch: number;
  modelId: number | null;
  model: string | null;
  external: ExternalRunInfo;
  /** What the import did that the files alone do not say (an epochs override, a stopped run's model kept or not, what it could not check). */
  notes: string[];
  run: RunRecord;
}

const jobId = z.string().min(1).max(100);

export const scaleOutService = {
  methods: {
    /**
     * Exports a stored run (its config, split and dataset) into `folder` on the core's machine (an
     * absolute path; new, or an empty folder). Progress: jobs.onProgress (kind 'export-run'); cancellable.
     */
    exportRun: method<TorchExportResult>()(
      z
        .object({
          runId: z.number().int().positive(),
          folder: hostPath,
          /** Override the number of epochs PyTorch trains. */
          epochs: z.number().int().min(1).max(100_000).optional(),
          jobId: jobId.optional(),
        })
        .strict(),
    ),
    /**
     * Brings back a run exported and trained by PyTorch: its export folder on the core's machine
     * (`path`), or the files of the folder the user dropped (`files`, names relative to the drop).
     * Bad files are named with their line and nothing is stored.
     */
    importRun: method<ImportedRunResult>()(
      z
        .object({
          path: hostPath.optional(),
          files: z.array(droppedFile).min(1).max(100).optional(),
          name: z.string().min(1).max(200).optional(),
          jobId: jobId.optional(),
        })
        .strict()
        .refine((v) => (v.path === undefined) !== (v.files === undefined), { message: 'give either path or files, not both' }),
    ),
  },
  events: {},
} as const;
