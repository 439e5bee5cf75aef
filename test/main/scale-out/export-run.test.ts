/**
 * exportForTorch, behind `latticework export` and the app's "Export for PyTorch…":
 * - an export into a folder that is not empty is refused before any work: before the data is read and the graphs are
 *   built (minutes for a large dataset), not after (the app's service checks the folder before it reads the run's data);
 * - the folder appears whole or not at all: written as `.NAME.partial-PID` beside it and renamed once complete. Before
 *   session 46 a write that failed (a full disk) left the folder half-written where the user asked for it;
 * - a stop (the app's Cancel) is heard between the structures whose graphs are built: before, the app heard a Cancel
 *   during that synchronous loop only once the folder was written.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { presetConfig } from '../../../src-main/engine/architectures/registry';
import { exportForTorch } from '../../../src-main/scale-out/export-run';
import { SHARED_DATA } from '../../helpers/shared-data';

const request = () => ({ config: presetConfig('gcn'), split: null, exportedFrom: null, trainedNormalizer: null, units: null, name: 'gcn' });
const DATA = { path: `${SHARED_DATA}/cgcnn-sample-regression` };

describe('exportForTorch', { timeout: 120_000 }, () => {
  it('refuses a folder that is not empty before reading the data or building the graphs', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lw-export-full-'));
    writeFileSync(join(out, 'notes.txt'), 'mine');
    const steps: string[] = [];
    await expect(exportForTorch(request(), DATA, out, { step: (s) => void steps.push(s) })).rejects.toThrow(`${out} is not empty: export into a new folder`);
    expect(steps).toEqual([]);
  });

  it('a write that fails (a full disk) leaves no folder: its partial folder is removed, and the error says so', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'lw-export-fail-'));
    const out = join(parent, 'cluster-run');
    const written: string[] = [];
    const writeFile = (path: string) => {
      if (path.endsWith('graphs.bin')) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      written.push(path);
    };
    const partial = join(parent, `.cluster-run.partial-${process.pid}`);
    await expect(exportForTorch(request(), DATA, out, { writeFile })).rejects.toThrow(
      `cannot write data/graphs.bin: ENOSPC: no space left on device, write; the partial folder ${partial} was removed: nothing written to ${out}`,
    );
    // the files before it were written into the partial folder, not where the user asked
    expect(written.length).toBeGreaterThan(0);
    expect(written.every((p) => p.startsWith(`${partial}/`))).toBe(true);
    expect(readdirSync(parent)).toEqual([]);
  });

  it('an empty folder made before stays when the write fails, and gives way to the written folder when it does not', async () => {
    const out = mkdtempSync(join(tmpdir(), 'lw-export-empty-'));
    const fail = () => {
      throw new Error('EIO: i/o error, write');
    };
    await expect(exportForTorch(request(), DATA, out, { writeFile: fail })).rejects.toThrow(/^cannot write initial\.lwm: EIO: i\/o error, write; the partial folder .* was removed: nothing written to /);
    expect(readdirSync(out)).toEqual([]);
    const summary = await exportForTorch(request(), DATA, out);
    expect(summary.folder).toBe(out);
    expect(readdirSync(out)).toContain('export.json');
  });

  it('a stop once the folder is written, before it is named, leaves none; a partial folder a killed export left is removed by the next export into that folder', async () => {
    const parent = mkdtempSync(join(tmpdir(), 'lw-export-stop-'));
    const out = join(parent, 'run');
    // a killed export's (its process gone: no process has a pid this large)
    const stale = join(parent, '.run.partial-4194999');
    mkdirSync(join(stale, 'data'), { recursive: true });
    // another folder's, and one of a process still running (this test's parent), are not this export's to remove
    const other = join(parent, '.other.partial-4194999');
    const live = join(parent, `.run.partial-${process.ppid}`);
    mkdirSync(other);
    mkdirSync(live);
    let written = false;
    const stopped = new Error('stopped');
    const check = async () => {
      if (written) throw stopped;
    };
    const notes: string[] = [];
    const step = (s: string) => void (written = written || s === 'writing the folder');
    await expect(exportForTorch(request(), DATA, out, { step, check, notice: (n) => notes.push(n) })).rejects.toBe(stopped);
    expect(notes).toEqual([`removed ${stale}, the partial folder of an export into ${out} whose process was killed before it was complete`]);
    expect(readdirSync(parent).sort()).toEqual(['.other.partial-4194999', `.run.partial-${process.ppid}`]);
  });

  it('a Cancel during the building of the graphs is heard between two structures, before the folder is written', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'lw-export-cancel-')), 'run');
    const controller = new AbortController();
    let checks = 0;
    // as the app's service checks its job's signal (services/scale-out.ts): a turn of the event loop, then the signal
    const check = async () => {
      await new Promise((turned) => setImmediate(turned));
      checks++;
      if (controller.signal.aborted) throw new Error('the export was cancelled');
    };
    // the Cancel comes as the graphs are being built (a message the event loop hands on, as the app's jobs.cancel)
    const step = (s: string) => {
      if (s.startsWith('building the graphs')) setTimeout(() => controller.abort(), 20);
    };
    const limit = 400;
    await expect(exportForTorch(request(), { path: `${SHARED_DATA}/emt-dev/cgcnn`, limit }, out, { step, check })).rejects.toThrow('the export was cancelled');
    expect(checks).toBeLessThan(limit);
    expect(existsSync(out)).toBe(false);
    expect(readdirSync(join(out, '..'))).toEqual([]);
  });
});
