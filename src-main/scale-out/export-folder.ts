/**
 * The export folder must be new or empty (an export never writes over files). Checked before any work
 * (the command line's `latticework export`, the app's "Export for PyTorch…" before reading the data and
 * building the graphs) and again by the writer itself. Light on purpose: the app's service imports it
 * without the engine.
 */
import { readdirSync, statSync } from 'node:fs';
import { resolve } from 'node:path';

export function checkExportFolderEmpty(out: string): void {
  const folder = resolve(out);
  const st = statSync(folder, { throwIfNoEntry: false });
  if (!st) return;
  if (!st.isDirectory()) throw new Error(`${folder} is ${st.isFile() ? 'a file' : 'not a folder'}: give a new folder (the export writes a folder of files)`);
  if (readdirSync(folder).length > 0) throw new Error(`${folder} is not empty: export into a new folder`);
}
