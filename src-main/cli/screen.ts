/**
 * Screening for `latticework predict`: the structure files (folders expanded) are cut into shares
 * that compute workers read, turn into graphs and predict at once, one share per worker at a time
 * (workers/screen.ts), so reading, graph building and inference overlap across cores. Rows come
 * back to the caller in the order of the files as soon as every share before theirs is done;
 * progress goes to stderr; an abort (Ctrl-C) stops the workers and keeps the rows already given.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { detectFormat, READABLE_FILES } from '../../src-shared/chem/detect';
import type { ReadLimits } from '../../src-shared/chem/options';
import { withoutCompression } from '../../src-shared/chem/naming';
import { shownUnit } from '../../src-shared/model/units';
import { csvRow } from '../../src-shared/text';
import { folderOrder } from '../files/path-guard';
import type { ModelHeader } from '../engine/models/format';
import { ComputePool } from '../workers/pool';
import { CancelledError, type TaskContext } from '../workers/protocol';
import type { ScreenFailure, ScreeningFile, ScreenTaskInput, ScreenTaskOutput } from '../workers/screen';
import type { CommandContext } from './command';
import { leaveStopSignalsUnheard, onStopSignal, stoppedStatus } from './signals';

/** Files of a share: small enough that progress moves and the workers stay balanced. */
const SHARE_FILES = 32;

/** True for a file name that names a structure format (compressed or not). */
function isStructureFileName(name: string): boolean {
  const inner = withoutCompression(name);
  return detectFormat(inner, '') !== null;
}

async function walk(dir: string, shown: string, out: { path: string; shown: string }[]): Promise<void> {
  // the order train and export list a folder in, so that a run's split (indices into its folder's frames) maps onto these rows
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => folderOrder(a.name, b.name));
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const path = join(dir, e.name);
    const name = join(shown, e.name);
    if (e.isDirectory()) await walk(path, name, out);
    else if (e.isFile() && isStructureFileName(e.name)) out.push({ path, shown: name });
  }
}

/**
 * The files to predict: each argument as given, a folder replaced by the structure files under it
 * (CIF, POSCAR/CONTCAR, XYZ, VASP outputs; compressed too), in `folderOrder`. A folder without
 * any is an entry with its problem, which fails in its place.
 */
export async function screeningFiles(args: readonly string[], cwd: string): Promise<ScreeningFile[]> {
  const files: ScreeningFile[] = [];
  for (const a of args) {
    const path = resolve(cwd, a);
    const info = await stat(path).catch(() => null);
    if (info?.isDirectory()) {
      const before = files.length;
      await walk(path, a, files);
      if (files.length === before) files.push({ path, shown: a, problem: { name: 'NoStructureFiles', message: `${a}: no structure files in this folder (${READABLE_FILES})`, line: null } });
    } else files.push({ path, shown: a });
  }
  return files;
}

/** How a screening of `files` files over at most `workers` threads runs. */
export interface ScreeningPlan {
  /** Threads that predict, this one included (the others are compute workers). */
  threads: number;
  /** SIMD kernel threads of each of them (the cores shared out). */
  kernelThreads: number;
}

/** Every thread takes shares of the files: no more threads than shares, the cores shared out among them. */
export function screeningPlan(files: number, workers: number): ScreeningPlan {
  const threads = Math.max(1, Math.min(workers, Math.ceil(files / SHARE_FILES)));
  return { threads, kernelThreads: Math.max(1, Math.floor(Math.min(availableParallelism(), 8) / threads)) };
}

/**
 * Starts the compute workers of a plan (threads − 1: this thread screens too) and has them load
 * their backend at once, so that their start-up overlaps this thread's loading of the model.
 * `backend` is the one asked for (null: the best available); a worker that cannot load it fails
 * its first share with the reason.
 */
export function startScreeningWorkers(plan: ScreeningPlan, backend: string | null): ComputePool | null {
  const count = plan.threads - 1;
  if (count < 1) return null;
  const pool = new ComputePool(count);
  for (let i = 0; i < count; i++) pool.run('screen-prepare', { backend, kernelThreads: plan.kernelThreads }).catch(() => undefined);
  return pool;
}

export interface ScreeningOptions {
  modelBytes: Uint8Array;
  backend: string;
  plan: ScreeningPlan;
  /** The plan's workers, started ahead (startScreeningWorkers); started here when absent. */
  pool?: ComputePool | null;
  contributions: boolean;
  /** The readers' limits the command line set (none: the defaults). */
  limits?: ReadLimits;
  signal: AbortSignal;
  /** Rows and failures of the next share, in file order. */
  onShare(share: ScreenTaskOutput): void;
  onProgress(done: ScreeningProgress): void;
}

/** Shares queued at each compute worker: it starts the next while this thread takes the last one's rows. */
const QUEUED_PER_WORKER = 2;

/**
 * Predicts every file; resolves when all are done, rejects with a CancelledError on abort. This
 * thread screens shares too (its kernels configured by the caller for `plan.kernelThreads`), the
 * plan's other threads are compute workers; the pool is disposed at the end.
 */
export async function screen(files: readonly ScreeningFile[], opts: ScreeningOptions): Promise<void> {
  const shares: ScreeningFile[][] = [];
  for (let i = 0; i < files.length; i += SHARE_FILES) shares.push(files.slice(i, i + SHARE_FILES));
  const { threads, kernelThreads } = opts.plan;
  const pool = opts.pool ?? (threads > 1 && shares.length > 1 ? new ComputePool(threads - 1) : null);
  try {
    if (shares.length === 0) return;
    // this module stays light (the command lists the files and starts the workers before loading the engine)
    const { screenTask } = await import('../workers/screen');
    const key = createHash('sha256').update(opts.modelBytes).digest('hex');
    // the model's bytes in shared memory: a share names them without a copy (a copy of 0.4 MB per share kept the workers' garbage collector busy)
    const model = new Uint8Array(new SharedArrayBuffer(opts.modelBytes.byteLength));
    model.set(opts.modelBytes);
    const results = new Map<number, ScreenTaskOutput>();
    let next = 0;
    let emitted = 0;
    const done = { files: 0, structures: 0, failedFiles: 0 };
    const input = (share: ScreeningFile[], threadsOfKernels: number | null): ScreenTaskInput => ({
      key,
      model,
      backend: opts.backend,
      kernelThreads: threadsOfKernels,
      files: share,
      contributions: opts.contributions,
      limits: opts.limits,
    });
    const ctx: TaskContext = { signal: opts.signal, progress: () => undefined, emit: () => undefined };
    const runShares = async (predict: (share: ScreeningFile[]) => Promise<ScreenTaskOutput>): Promise<void> => {
      while (next < shares.length) {
        if (opts.signal.aborted) return;
        const index = next++;
        const share = shares[index];
        const out = await predict(share);
        if (opts.signal.aborted) return;
        results.set(index, out);
        done.files += share.length;
        for (const e of out.entries) {
          if (!('failed' in e)) done.structures++;
        }
        done.failedFiles += new Set(out.entries.flatMap((e) => ('failed' in e ? [e.failed.file] : []))).size;
        while (results.has(emitted)) {
          const r = results.get(emitted)!;
          results.delete(emitted);
          emitted++;
          opts.onShare(r);
        }
        opts.onProgress(done);
      }
    };
    // this thread (its kernels as the command configured them) and the workers' queues
    const runners = [runShares((share) => screenTask(input(share, null), ctx))];
    if (pool) {
      for (let i = 0; i < (threads - 1) * QUEUED_PER_WORKER; i++) {
        runners.push(runShares((share) => pool.run('screen', input(share, kernelThreads), { signal: opts.signal })));
      }
    }
    const settled = await Promise.allSettled(runners);
    const failure = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failure) throw failure.reason;
    if (opts.signal.aborted) throw new CancelledError();
  } finally {
    await pool?.dispose();
  }
}

export type ScreenOutput = 'text' | 'csv' | 'json';

/** What a screening runs on: the model, the files and the threads (cli/commands/predict.ts). */
export interface ScreeningRun {
  header: Pick<ModelHeader, 'name' | 'task' | 'targets' | 'members' | 'config'>;
  modelBytes: Uint8Array;
  /** The files (screeningFiles; an argument that named none among them, in its place). */
  files: ScreeningFile[];
  output: ScreenOutput;
  contributions: boolean;
  /** --max-atoms, --max-bytes. */
  limits: ReadLimits;
  plan: ScreeningPlan;
  /** The plan's workers, started ahead (startScreeningWorkers). */
  pool: ComputePool | null;
  backend: string;
  backendText: string;
}

/** What a screening has done so far: files finished, structures predicted, files that failed. */
export interface ScreeningProgress {
  files: number;
  structures: number;
  failedFiles: number;
}

/**
 * Runs a screening of `files` files (`work`: it stops when `signal` aborts and calls `onProgress`
 * after each file or share) with progress on stderr when there are more files than one share, its
 * summary at the end, and Ctrl-C or SIGTERM stopping it with the line that says what was kept.
 * Returns 0, 1 when the screening failed, 130 (143) when interrupted before its last file (the entries handed over
 * are complete). Trained models' screening and the built-in calculators (predict-builtin.ts) report alike.
 */
export async function reportScreening(ctx: CommandContext, files: number, threads: number, work: (signal: AbortSignal, onProgress: (done: ScreeningProgress) => void) => Promise<void>): Promise<number> {
  const { io } = ctx;
  const many = files > SHARE_FILES;
  const started = performance.now();
  let lastReport = started;
  let progress: ScreeningProgress = { files: 0, structures: 0, failedFiles: 0 };
  const rate = () => `${(progress.structures / Math.max(1e-3, (performance.now() - started) / 1000)).toFixed(1)} structures/s`;
  const controller = new AbortController();
  const offStop = onStopSignal(() => controller.abort());
  try {
    if (many) io.err(`screening ${files} files with ${threads} worker(s)`);
    await work(controller.signal, (done) => {
      progress = { ...done };
      const now = performance.now();
      if (many && now - lastReport >= 1000) {
        lastReport = now;
        io.err(`predicted ${done.files}/${files} files, ${done.structures} structures (${rate()})`);
      }
    });
    // every file screened: a signal that came after the last is too late to stop anything, and is left unheard while
    // the summary is printed (the command ends with its result's status, not 130 or 143)
    if (progress.files < files && controller.signal.aborted) throw new CancelledError();
    leaveStopSignalsUnheard();
    if (many) io.err(`done: ${progress.structures} structures from ${files} files in ${((performance.now() - started) / 1000).toFixed(1)} s (${rate()})${progress.failedFiles ? `; ${progress.failedFiles} file(s) failed` : ''}`);
    return 0;
  } catch (e) {
    if (!controller.signal.aborted) {
      io.err(`latticework predict: ${(e as Error).message}`);
      return 1;
    }
    io.err(`latticework predict: interrupted after ${progress.files} of ${files} files (${progress.structures} structures); the rows printed are complete`);
    return stoppedStatus();
  } finally {
    offStop();
  }
}

/**
 * Screens the files of a run, handing each share's entries (in file order) to `onShare`, with
 * progress on stderr when there is more than one share and Ctrl-C stopping the threads
 * (reportScreening).
 */
export function screenWithProgress(ctx: CommandContext, run: ScreeningRun, onShare: (share: ScreenTaskOutput) => void): Promise<number> {
  return reportScreening(ctx, run.files.length, run.plan.threads, (signal, onProgress) =>
    screen(run.files, {
      modelBytes: run.modelBytes,
      backend: run.backend,
      plan: run.plan,
      pool: run.pool,
      contributions: run.contributions,
      limits: run.limits,
      signal,
      onShare,
      onProgress,
    }),
  );
}

/**
 * What the reader said of a file as a whole (`incomplete file: … 3 complete ionic steps read`): in the
 * text output once on stderr, before the file's rows; in the JSON and the CSV among the warnings of each
 * of the file's rows (first), so that a row read alone still says it.
 */
export function fileWarnings(io: CommandContext['io'], output: ScreenOutput) {
  const byFile = new Map<string, string[]>();
  return {
    file(file: string, warnings: readonly string[]) {
      if (output === 'text') for (const w of warnings) io.err(`latticework predict: warning: ${file}: ${w}`);
      else byFile.set(file, [...warnings]);
    },
    /** A row's warnings with its file's before them. */
    with(file: string, warnings: readonly string[]): string[] {
      return [...(byFile.get(file) ?? []), ...warnings];
    },
  };
}

/** A target's CSV column: its name and unit in brackets, the unit once when the name states it ("band gap (eV)"). */
function targetColumn(t: { name: string; unit: string }): string {
  return t.unit && !t.name.endsWith(`(${t.unit})`) ? `${t.name} (${t.unit})` : t.name;
}

function fmt(x: number): string {
  return Math.abs(x) >= 1e4 || (Math.abs(x) < 1e-3 && x !== 0) ? x.toExponential(4) : x.toFixed(4);
}


const values = (x: number | number[] | undefined): number[] => (x === undefined ? [] : Array.isArray(x) ? x : [x]);

/**
 * `latticework predict` with a property model: prints the rows as they come (text, CSV) or one
 * JSON array at the end, progress on stderr when there is more than one share, and returns the
 * exit status (130 when interrupted: the rows printed are complete).
 */
export async function runScreening(ctx: CommandContext, run: ScreeningRun): Promise<number> {
  const { io } = ctx;
  const h = run.header;
  const unit = h.targets.map((t) => t.unit).join(', ');
  const { files } = run;
  // rows and failures in the order of the files, as the text and the CSV print them
  const json: unknown[] = [];
  let status = 0;
  // a per-atom model's CSV: a row per atom (its index and element), without the spread (given for the atoms' mean, in the JSON)
  const perAtom = h.task === 'per-atom';
  const stdColumns = h.members > 1 && !perAtom;
  const fail = (f: ScreenFailure) => {
    status = 1;
    if (run.output === 'json') json.push(f);
    else io.err(`latticework predict: ${f.error.message.startsWith(f.file) ? '' : `${f.file}: `}${f.error.message}`);
    if (run.output === 'csv') io.out(csvRow([f.file, f.block ?? '', h.name, ...(perAtom ? ['', ''] : []), ...h.targets.map(() => ''), ...(stdColumns ? h.targets.map(() => '') : []), f.error.message, '']));
  };
  const wFile = Math.max(4, ...files.map((f) => f.shown.length));
  if (run.output === 'text') io.err(`model ${h.name} (${h.config.architecture} ${h.task}: ${h.targets.map((t) => t.name).join(', ')}); backend ${run.backendText}`);
  if (run.output === 'csv') {
    const cols = ['file', 'name', 'model', ...(perAtom ? ['atom', 'element'] : []), ...h.targets.map(targetColumn), ...(stdColumns ? h.targets.map((t) => `${t.name} std`) : []), 'error', 'warnings'];
    io.out(csvRow(cols));
  }
  const said = fileWarnings(io, run.output);
  const onShare = (share: ScreenTaskOutput) => {
    for (const e of share.entries) {
      if ('failed' in e) {
        fail(e.failed);
        continue;
      }
      if ('fileWarnings' in e) {
        said.file(e.fileWarnings.file, e.fileWarnings.warnings);
        continue;
      }
      if (!('row' in e)) throw new Error('a screening worker gave a potential\'s entry for a property model');
      // named as read (files/structure-file: ASE's CIFs, all data_image0, by their file; docs/training.md)
      const r = { ...e.row, warnings: said.with(e.row.file, e.row.warnings) };
      if (run.output === 'json') {
        const { species: _s, ...row } = r;
        json.push({ ...row, unit, task: h.task, backend: run.backend });
      } else if (run.output === 'csv') {
        const warnings = r.warnings.join('; ');
        if (r.perAtom) r.perAtom.forEach((v, i) => io.out(csvRow([r.file, r.name, r.model, i, r.species?.[i] ?? '', ...values(v), '', warnings])));
        else io.out(csvRow([r.file, r.name, r.model, ...values(r.prediction), ...(stdColumns ? values(r.std) : []), '', warnings]));
      } else {
        const stds = r.std === undefined ? null : values(r.std);
        // units as the app shows them (P(metal), log₁₀ GPa = … GPa); --json keeps the stored unit
        const shownValues = (vals: number[], spreads: number[] | null) =>
          vals
            .map((v, t) => {
              const shown = shownUnit(v, h.targets[t]?.unit ?? '', r.model);
              const plain = shown.converted ? ` (= ${fmt(shown.converted.value)} ${shown.converted.unit})` : '';
              return `${fmt(v)}${spreads ? ` ± ${fmt(spreads[t])}` : ''}${shown.unit ? ` ${shown.unit}` : ''}${plain}`;
            })
            .join(', ');
        io.out(`${r.file.padEnd(wFile)}  ${r.model}  ${shownValues(values(r.prediction), stds)}${r.perAtom ? ` (mean of ${r.perAtom.length} atoms)` : ''}`);
        for (const w of r.warnings) io.out(`    warning: ${w}`);
        r.contributions?.forEach((c, i) => io.out(`    atom ${i} ${r.species?.[i] ?? ''}: ${values(c).map(fmt).join(', ')}`));
        r.perAtom?.forEach((v, i) => io.out(`    atom ${i} ${r.species?.[i] ?? ''}: ${shownValues(values(v), null)}`));
      }
    }
  };
  const code = await screenWithProgress(ctx, run, onShare);
  if (run.output === 'json') io.out(JSON.stringify(json));
  return code || status;
}
