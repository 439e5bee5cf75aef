/**
 * The structures composable's import against a fake API: an import says which of its files could not
 * be read (those the renderer skipped and those the core refused), so that the view where they were
 * opened (Predict) can name them, and keeps them in the list the Structures view shows.
 */
import { describe, expect, it, vi } from 'vitest';
import { ref } from 'vue';
import type { FileFailure, JobProgress, StructureRecord } from '../../src-shared/ipc/contract';

const stored = { id: 3, name: 'NaCl', file: 'good.cif' } as StructureRecord;
const refused: FileFailure = { file: 'notes.txt', error: { name: 'StructureParseError', message: 'cannot tell the format of this file', line: null } };

const api = {
  structures: {
    onChanged: () => () => undefined,
    list: vi.fn(async () => []),
    get: vi.fn(async () => stored),
    import: vi.fn(async () => ({ imported: [stored], failed: [refused], alreadyStored: [] })),
    vacancyHop: vi.fn(),
  },
  jobs: {
    onProgress: (listener: (p: JobProgress) => void) => {
      progressListeners.add(listener);
      return () => progressListeners.delete(listener);
    },
    cancel: vi.fn(async () => ({ cancelled: true })),
  },
};
const progressListeners = new Set<(p: JobProgress) => void>();

vi.mock('../../src-renderer/api/client', () => ({ getApi: () => api, connectionState: ref('connected') }));

describe('useStructures', () => {
  it("gives an import's unread files, skipped here or refused by the core, and keeps them for the Structures list", async () => {
    const { useStructures } = await import('../../src-renderer/composables/useStructures');
    const s = useStructures();
    const outcome = await s.importDroppedFiles(
      [
        { name: 'good.cif', text: 'data_x' },
        { name: 'notes.txt', text: 'not a structure' },
      ],
      [{ file: 'huge.cif', reason: 'the file is 300 MB; the limit is 200 MB' }],
    );
    expect(outcome.imported).toEqual([stored]);
    expect(outcome.failed).toEqual([{ file: 'huge.cif', error: { name: 'FileSkipped', message: 'the file is 300 MB; the limit is 200 MB', line: null } }, refused]);
    expect(s.failures.value).toEqual(outcome.failed);
  });

  it('shows files chosen (Open folder…) as an import at once, reading them, before any is read', async () => {
    const { useStructures } = await import('../../src-renderer/composables/useStructures');
    const s = useStructures();
    const files = Array.from({ length: 3 }, (_, i) => new File(['data_x'], `f${i}.cif`));
    const done = s.importFileList(files);
    expect([s.importing.value, s.progress.value]).toEqual([true, { phase: 'reading', done: 0, total: 3 }]);
    await done;
    expect(s.importing.value).toBe(false);
    expect(s.progress.value).toEqual({ phase: 'importing', done: 3, total: 3 });
  });

  it('shows a dropped folder as an import at once, while its subfolders are listed, and a cancel then reads and sends nothing', async () => {
    const { importProgressText, useStructures } = await import('../../src-renderer/composables/useStructures');
    const s = useStructures();
    let answer: (batch: FileSystemEntry[]) => void = () => undefined;
    const file = { name: 'a.cif', isFile: true, isDirectory: false, file: (ok: (f: File) => void) => ok(new File(['data_x'], 'a.cif')) };
    let listed = false;
    const folder = {
      name: 'set',
      isFile: false,
      isDirectory: true,
      createReader: () => ({ readEntries: (ok: (batch: FileSystemEntry[]) => void) => (listed ? ok([]) : ((listed = true), (answer = ok))) }),
    };
    const dt = { items: [{ kind: 'file', webkitGetAsEntry: () => folder }] } as unknown as DataTransfer;
    api.structures.import.mockClear();
    const done = s.importDropped(dt);
    expect([s.importing.value, importProgressText(s.progress.value)]).toEqual([true, 'listing folders · 0 files found']);
    await s.cancelImport();
    answer([file as unknown as FileSystemEntry]);
    expect(await done).toEqual({ imported: [], failed: [] });
    expect(s.importing.value).toBe(false);
    expect(api.structures.import).not.toHaveBeenCalled();
  });

  it('shows a vacancy hop under way with its progress, and a cancel asks the core to stop its job and shows that it was cancelled', async () => {
    const { structureWorkText, useStructures } = await import('../../src-renderer/composables/useStructures');
    const s = useStructures();
    let fail: (e: Error) => void = () => undefined;
    api.structures.vacancyHop.mockImplementation(() => new Promise((_, reject) => (fail = reject)));
    const hop = s.vacancyHop(7, 0, 1);
    const jobId = s.working.value!.jobId;
    expect(api.structures.vacancyHop).toHaveBeenCalledWith({ id: 7, vacancy: 0, hopper: 1, jobId });
    expect(structureWorkText(s.working.value!)).toBe('making the vacancy hop…');
    for (const listener of progressListeners) listener({ jobId, kind: 'vacancy-hop', done: 0, total: 2, message: 'searching the space group of the start (3,999 sites)', state: 'running' });
    expect(structureWorkText(s.working.value!)).toBe('making the vacancy hop: searching the space group of the start (3,999 sites)');
    await s.cancelWork();
    expect(api.jobs.cancel).toHaveBeenCalledWith({ jobId });
    expect(structureWorkText(s.working.value!)).toBe('making the vacancy hop: cancelling…');
    fail(Object.assign(new Error('the vacancy hop in structure 7 was cancelled: neither end stored'), { name: 'CancelledError' }));
    expect(await hop).toBeNull();
    expect(s.working.value).toBeNull();
    expect(s.actionError.value).toBe('the vacancy hop in structure 7 was cancelled: neither end stored');
  });
});
