/**
 * Active work belongs to a live process: two processes on one database file (here two
 * connections with distinct owner identities) leave each other's live work alone, and work whose
 * process is gone (its pid no longer a process on this host, or its lease lapsed) is marked
 * interrupted by whichever opens the store next, and only then resumable elsewhere.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { rawRows } from '../../helpers/raw-rows';
import { createCore } from '../../../src-main/app/core';
import type { Core } from '../../../src-main/app/core';
import { Database } from '../../../src-main/store/database';
import { LEASE_TIMEOUT_MS } from '../../../src-main/store/owners';
import { insertRun, rewindRun, RunRecorder, RunTakenOverError } from '../../../src-main/store/runs';

const dir = mkdtempSync(join(tmpdir(), 'latticework-owners-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A pid no process has: one of a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

const startRun = (db: Database, name: string) =>
  db.transaction((tx) => insertRun(tx, { name, datasetId: null, datasetName: 'data', targetUnit: '', status: 'running', config: {}, seed: 1, epochsPlanned: 3, tags: [] }));
const startImport = (db: Database, name: string) =>
  db.transaction(async (tx) => (await tx.run("INSERT INTO dataset (name, kind, source, target_key, size, report, created_at, status, owner_id) VALUES (?, 'csv', '/x.csv', '', 0, '{}', 1, 'importing', ?)", [name, tx.ownerId()])).lastID);
const status = async (db: Database, table: 'run' | 'dataset', id: number) => (await db.read((tx) => tx.get<{ status: string }>(`SELECT status FROM ${table} WHERE id = ?`, [id])))!.status;

describe('owners of active work', () => {
  it("leaves a live process's run and import alone, and marks a gone process's interrupted", async () => {
    const path = join(dir, 'store.sqlite');
    const live = await Database.open(path, { owner: { pid: process.pid, host: hostname(), label: 'latticework train' } });
    const gone = await Database.open(path, { owner: { pid: deadPid(), host: hostname(), label: 'latticework train' } });
    const remote = await Database.open(path, { owner: { pid: 1, host: 'elsewhere.example', label: 'a browser-mode host' } });
    try {
      const liveRun = await startRun(live, 'live');
      const liveImport = await startImport(live, 'live');
      const goneRun = await startRun(gone, 'gone');
      const remoteRun = await startRun(remote, 'remote');
      const other = await Database.open(path, { owner: { pid: process.pid, host: hostname(), label: 'a browser-mode host' } });
      try {
        expect(await status(other, 'run', liveRun)).toBe('running');
        expect(await status(other, 'dataset', liveImport)).toBe('importing');
        // another host's process is alive while its lease is fresh
        expect(await status(other, 'run', remoteRun)).toBe('running');
        expect(await status(other, 'run', goneRun)).toBe('interrupted');
        // the remote process's lease lapses: the next look marks its run interrupted; a process of
        // this host whose lease is as old (a laptop waking from sleep) is alive while its pid is
        await remote.transaction((tx) => tx.run('UPDATE owner SET lease_at = ? WHERE id = ?', [Date.now() - LEASE_TIMEOUT_MS - 1000, tx.ownerId()]));
        await live.transaction((tx) => tx.run('UPDATE owner SET lease_at = ? WHERE id = ?', [Date.now() - LEASE_TIMEOUT_MS - 1000, tx.ownerId()]));
        const reopened = await Database.open(path);
        await reopened.close();
        expect(await status(other, 'run', remoteRun)).toBe('interrupted');
        expect(await status(other, 'run', liveRun)).toBe('running');
      } finally {
        await other.close();
      }
    } finally {
      await Promise.all([live.close(), gone.close(), remote.close()]);
    }
  });

  it('a process that closes the store leaves none of its work owned or active: what it ended, what it marked interrupted, and what was still running as it closed', async () => {
    const path = join(dir, 'closing.sqlite');
    const db = await Database.open(path, { owner: { pid: process.pid, host: hostname(), label: 'a browser-mode host' } });
    const ended = await startRun(db, 'cancelled');
    await new RunRecorder(db, ended).status('cancelled', { finished: true });
    const stopped = await startRun(db, 'interrupted by its process');
    await new RunRecorder(db, stopped).status('interrupted');
    const paused = await startRun(db, 'paused');
    await new RunRecorder(db, paused).status('paused');
    await startRun(db, 'still running');
    const importing = await startImport(db, 'still importing');
    // while the process has the store open, its active work is its own, and only that
    const owners = async () => (await db.read((tx) => tx.all<{ id: number; owner_id: number | null }>('SELECT id, owner_id FROM run ORDER BY id'))).map((r) => r.owner_id);
    const me = await db.read(async (tx) => tx.ownerId());
    expect(await owners()).toEqual([null, null, me, me]);
    await db.close();
    expect(await rawRows(path, 'SELECT name, status, owner_id FROM run ORDER BY id')).toEqual([
      { name: 'cancelled', status: 'cancelled', owner_id: null },
      { name: 'interrupted by its process', status: 'interrupted', owner_id: null },
      { name: 'paused', status: 'interrupted', owner_id: null },
      { name: 'still running', status: 'interrupted', owner_id: null },
    ]);
    expect(await rawRows(path, `SELECT status, owner_id FROM dataset WHERE id = ${importing}`)).toEqual([{ status: 'interrupted', owner_id: null }]);
    expect(await rawRows(path, 'SELECT COUNT(*) AS n FROM owner')).toEqual([{ n: 0 }]);
  });

  it("refuses in one core to resume, cancel, delete or discard another live core's work, naming its process", async () => {
    const path = join(dir, 'cores.sqlite');
    const open = (): Promise<Core> => createCore({ mode: 'browser', databasePath: path, dataDirectory: dir, workers: 1, builtinModels: false });
    const a = await open();
    const call = async (core: Core, service: string, method: string, arg: unknown) => {
      const r = await core.dispatcher.dispatch(service, method, arg, { clientId: 'test' });
      if (!r.ok) throw Object.assign(new Error(r.error.message), r.error);
      return r.value;
    };
    try {
      const run = await startRun(a.db, 'A trains');
      const paused = await startRun(a.db, 'A paused');
      await a.db.transaction((tx) => tx.run("UPDATE run SET status = 'paused' WHERE id = ?", [paused]));
      const imported = await startImport(a.db, 'A imports');
      const b = await open();
      try {
        expect(await status(b.db, 'run', run)).toBe('running');
        expect(await status(b.db, 'run', paused)).toBe('paused');
        expect(await status(b.db, 'dataset', imported)).toBe('importing');
        const byA = `another Latticework process (pid ${process.pid}, a browser-mode host)`;
        await expect(call(b, 'training', 'cancel', { runId: run })).rejects.toThrow(`run ${run} is being trained by ${byA}: cancel it there`);
        await expect(call(b, 'training', 'resume', { runId: paused })).rejects.toThrow(`run ${paused} is being trained by ${byA}: resume it there`);
        await expect(call(b, 'runs', 'delete', { id: run })).rejects.toThrow(byA);
        await expect(call(b, 'datasets', 'discardImport', { id: imported })).rejects.toThrow(`the import of A imports is being run by ${byA}: cancel it there`);
        await expect(call(b, 'datasets', 'delete', { id: imported })).rejects.toThrow(`the import of A imports is being run by ${byA}: cancel it there first`);
        expect(await status(b.db, 'run', run)).toBe('running');
        expect(await status(b.db, 'dataset', imported)).toBe('importing');
      } finally {
        await b.dispose();
      }
    } finally {
      await a.dispose();
    }
    // A has gone: its work is interrupted at the next start, and resumable or discardable there
    const c = await open();
    try {
      expect(await status(c.db, 'run', 1)).toBe('interrupted');
      expect(await status(c.db, 'dataset', 1)).toBe('interrupted');
      await expect(call(c, 'datasets', 'discardImport', { id: 1 })).resolves.toMatchObject({ discarded: true });
    } finally {
      await c.dispose();
    }
  });

  it('a process back from a stall writes nothing over a run another process took over: it is told so', async () => {
    const path = join(dir, 'stall.sqlite');
    // a process on another host trains a run (a store on a shared folder)
    const remote = await Database.open(path, { owner: { pid: 1, host: 'elsewhere.example', label: 'latticework train' } });
    const here = await Database.open(path, { owner: { pid: process.pid, host: hostname(), label: 'a browser-mode host' } });
    try {
      const recorder = await RunRecorder.create(remote, { name: 'stalls', datasetId: null, datasetName: 'data', targetUnit: '', status: 'running', config: {}, seed: 1, epochsPlanned: 9, tags: [] });
      const id = recorder.runId;
      await recorder.checkpoint({ epoch: 0, isBest: true, metric: 1, bytes: null }, 1);
      // it stalls: its lease lapses, this host's process marks the run interrupted and resumes it
      await remote.transaction((tx) => tx.run('UPDATE owner SET lease_at = ? WHERE id = ?', [Date.now() - LEASE_TIMEOUT_MS - 1000, tx.ownerId()]));
      expect(await status(here, 'run', id)).toBe('running');
      const look = await Database.open(path);
      await look.close();
      expect(await status(here, 'run', id)).toBe('interrupted');
      await here.transaction((tx) => rewindRun(tx, id, 1, false));
      // back: every write of the stalled process is refused, naming the process that has the run
      const taken = `run ${id} was taken over by another Latticework process (pid ${process.pid}, a browser-mode host)`;
      recorder.batch({ epoch: 1, batch: 0, batches: 1, loss: 0.5, lr: 0.01 });
      await expect(recorder.checkpoint({ epoch: 1, isBest: true, metric: 0.4, bytes: null }, 2)).rejects.toThrow(RunTakenOverError);
      await expect(recorder.checkpoint({ epoch: 1, isBest: true, metric: 0.4, bytes: null }, 2)).rejects.toThrow(taken);
      await expect(recorder.status('failed', { error: 'x', finished: true })).rejects.toThrow(taken);
      await expect(recorder.finish({ bestEpoch: 1, epochsDone: 2, valMetrics: {}, testMetrics: {}, predictions: [], modelFile: null }, 2)).rejects.toThrow(taken);
      const row = await here.read((tx) => tx.get<{ status: string; epochs_done: number; error: string | null }>('SELECT status, epochs_done, error FROM run WHERE id = ?', [id]));
      expect(row).toEqual({ status: 'queued', epochs_done: 1, error: null });
      expect(await here.read((tx) => tx.get<{ n: number }>("SELECT COUNT(*) AS n FROM metric WHERE run_id = ? AND epoch = 1", [id]))).toEqual({ n: 0 });
    } finally {
      await Promise.all([remote.close(), here.close()]);
    }
  });
});
