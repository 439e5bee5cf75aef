/**
 * The export folder must be new or empty (an export never writes over files). Checked before any work
 * (the command line's `latticework export`, the app's "Export for PyTorch…" before reading the data and
 * building the graphs) and again by the writer itself. Light on purpose: the app's service imports it
 * without the engine.
 *
 * An export is written into a folder beside it, `.NAME.partial-PID` (`partialExportFolder`), and renamed to NAME when
 * it is complete, so that NAME is an export whole or is not there (a full disk, a stop, a SIGKILL in the middle). The
 * partial folder a killed export left is no export (import-run refuses it: `partialExportProblem`), and the next
 * export into NAME removes it (`removeStalePartialExports`).
 */
import { mkdirSync, readdirSync, rmdirSync, rmSync, renameSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { pidAlive } from '../store/owners';

export function checkExportFolderEmpty(out: string): void {
  const folder = resolve(out);
  const st = statSync(folder, { throwIfNoEntry: false });
  if (!st) return;
  if (!st.isDirectory()) throw new Error(`${folder} is ${st.isFile() ? 'a file' : 'not a folder'}: give a new folder (the export writes a folder of files)`);
  if (readdirSync(folder).length > 0) throw new Error(`${folder} is not empty: export into a new folder`);
}

/** `.NAME.partial-PID`: the partial folder of an export into NAME by process PID. */
const PARTIAL = /^\.(.+)\.partial-(\d+)$/;

/** The folder an export into `folder` by this process writes until it is complete: `.NAME.partial-PID` beside it. */
export function partialExportFolder(folder: string): string {
  const f = resolve(folder);
  return join(dirname(f), `.${basename(f)}.partial-${process.pid}`);
}

/** The partial folders this process is writing (the app may run two exports at once). */
const writing = new Set<string>();

/**
 * Why `path` is no export because it is an export's partial folder (`.NAME.partial-PID`: an export into NAME whose
 * process ended before it was complete, or one still being written), or null when its name is not one.
 */
export function partialExportProblem(path: string): string | null {
  const m = PARTIAL.exec(basename(resolve(path)));
  if (!m) return null;
  return `${path} is the partial folder of an export into ${m[1]} (an export writes there and renames it to ${m[1]} once complete; this one was not completed: its process was killed, or it is still writing): it is no export; export again into ${m[1]}`;
}

/**
 * Removes the partial folders of exports into `folder` whose process has ended (killed before it completed them;
 * one of this process that it is not writing); returns their paths. Those of running processes are left: another
 * export into the same folder, under way (it will find the folder taken when it is complete).
 */
export function removeStalePartialExports(folder: string): string[] {
  const f = resolve(folder);
  const parent = dirname(f);
  const removed: string[] = [];
  for (const name of readdirSync(parent)) {
    const m = PARTIAL.exec(name);
    if (!m || m[1] !== basename(f)) continue;
    const path = join(parent, name);
    const pid = Number(m[2]);
    if (pid === process.pid ? writing.has(path) : pidAlive(pid)) continue;
    rmSync(path, { recursive: true, force: true });
    removed.push(path);
  }
  return removed;
}

/**
 * Writes the export folder `folder` whole or not at all: `write` writes its files into the partial folder, `check`
 * is awaited after (it stops the export by throwing: a stop that came while the files were written), and the
 * partial folder is renamed to `folder` (an empty folder that was there gives way to it). A failure or a stop
 * removes the partial folder; a failure once files were written says so in its message. Partial folders killed
 * exports left are removed first, each told to `notice`.
 */
export async function writeExportFolder<T>(folder: string, write: (partial: string) => T, check: () => Promise<void>, notice: (message: string) => void): Promise<T> {
  const dest = resolve(folder);
  mkdirSync(dirname(dest), { recursive: true });
  for (const stale of removeStalePartialExports(dest)) notice(`removed ${stale}, the partial folder of an export into ${dest} whose process was killed before it was complete`);
  const partial = partialExportFolder(dest);
  if (writing.has(partial)) throw new Error(`an export into ${dest} is under way already (in ${partial}): wait for it, or export into another folder`);
  mkdirSync(partial);
  writing.add(partial);
  // a failure before anything was written (the data refused) is said as it is
  const failed = (e: unknown) => {
    const wrote = readdirSync(partial).length > 0;
    rmSync(partial, { recursive: true, force: true });
    return wrote ? new Error(`${(e as Error).message}; the partial folder ${partial} was removed: nothing written to ${dest}`, { cause: e }) : e;
  };
  try {
    let result: T;
    try {
      result = write(partial);
    } catch (e) {
      throw failed(e);
    }
    try {
      await check();
    } catch (e) {
      rmSync(partial, { recursive: true, force: true });
      throw e;
    }
    try {
      checkExportFolderEmpty(dest);
      if (statSync(dest, { throwIfNoEntry: false })) rmdirSync(dest);
      renameSync(partial, dest);
    } catch (e) {
      throw failed(e);
    }
    return result;
  } finally {
    writing.delete(partial);
  }
}
