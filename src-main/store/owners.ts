/**
 * Who is doing the store's active work. Every process that opens the store (the app, a
 * browser-mode host, each command line) is an `owner` row: its pid, host name, what it is, and a
 * lease it renews every LEASE_RENEW_MS while the store is open. Active work (a queued, running or
 * paused run; a queued or running simulation; an import) names its owner (`owner_id`), set in the
 * transaction that writes or claims it, and cleared in the one that ends it or marks it interrupted. An
 * owner is gone when, on this host, its pid is no longer a process, or, on another, its lease lapsed
 * (LEASE_TIMEOUT_MS); then, and only then, its active work is marked 'interrupted' (whenever a process
 * opens the store, and every LEASE_RENEW_MS while it is open). A process that closes the store marks
 * its own work still active so as it goes (`interruptWorkOf`). Work another live owner has is not
 * resumed, cancelled, discarded or deleted here: the refusal names that process.
 */
import { hostname } from 'node:os';
import { ACTIVE_SIMULATION_STATUSES } from '../../src-shared/ipc/services/simulations';
import { ACTIVE_RUN_STATUSES } from '../../src-shared/ipc/services/training';
import type { Database, SqlValue, Tx } from './database';

/** How often an open store renews its owner's lease (and looks for work whose owner is gone). */
export const LEASE_RENEW_MS = 5_000;
/** A lease older than this is lapsed: its process is taken to be gone (a process never blocks its event loop this long). */
export const LEASE_TIMEOUT_MS = 60_000;

/** Who a process is, in the owner table. */
export interface OwnerIdentity {
  pid: number;
  host: string;
  /** What the process is, for messages: 'the command line', 'a browser-mode host', 'the app'. */
  label: string;
}

export interface OwnerRow {
  id: number;
  pid: number;
  host: string;
  label: string;
  lease_at: number;
}

/** This process, with `label` (default: the command line). */
export function thisProcess(label = 'the command line'): OwnerIdentity {
  return { pid: process.pid, host: hostname(), label };
}

/** Whether a process of this host with this pid exists (EPERM: it does, run by another user). */
export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * An owner on this host is alive while its process exists (a suspended machine's processes wake with
 * stale leases); one on another host while its lease is fresh. A pid reused by another process keeps a
 * gone owner alive: the safe side (live work taken for gone could be resumed by two processes).
 */
function ownerAlive(o: Pick<OwnerRow, 'pid' | 'host' | 'lease_at'>, now = Date.now()): boolean {
  return o.host === hostname() ? pidAlive(o.pid) : o.lease_at >= now - LEASE_TIMEOUT_MS;
}

/** Registers an owner; returns its id. */
export async function insertOwner(tx: Tx, who: OwnerIdentity, now = Date.now(), id: number | null = null): Promise<number> {
  const { lastID } = await tx.run('INSERT INTO owner (id, pid, host, label, started_at, lease_at) VALUES (?, ?, ?, ?, ?, ?)', [id, who.pid, who.host, who.label, now, now]);
  return lastID;
}

/** Renews an owner's lease; false when its row is gone (another process took it for dead). */
export async function renewLease(tx: Tx, id: number, now = Date.now()): Promise<boolean> {
  return (await tx.run('UPDATE owner SET lease_at = ? WHERE id = ?', [now, id])).changes > 0;
}

export async function deleteOwner(tx: Tx, id: number): Promise<void> {
  await tx.run('DELETE FROM owner WHERE id = ?', [id]);
}

/** The ids of the work marked 'interrupted' by {@link interruptOrphanedWork}. */
export interface InterruptedWork {
  runs: number[];
  simulations: number[];
  datasets: number[];
}

const ORPHAN = 'owner_id IS NULL OR owner_id NOT IN (SELECT id FROM owner)';

/** The statuses of active work, by table: a run, simulation or import being done (or that was, when its process died). */
const ACTIVE = {
  run: ACTIVE_RUN_STATUSES,
  simulation: ACTIVE_SIMULATION_STATUSES,
  dataset: ['importing'],
} as const satisfies Record<string, readonly string[]>;

/** `status IN (…)` of a table's active work. */
const activeSql = (table: keyof typeof ACTIVE) => `status IN (${ACTIVE[table].map((x) => `'${x}'`).join(', ')})`;

/** The `owner_id` of a row of `table` written with `status`: this process while the work is active, none once it is not. */
export function ownerFor(tx: Tx, table: keyof typeof ACTIVE, status: string): number | null {
  return (ACTIVE[table] as readonly string[]).includes(status) ? tx.ownerId() : null;
}

/** Marks the active work of each table whose rows `where` selects 'interrupted', without an owner; returns their ids. */
async function interruptWork(tx: Tx, where: string, params: SqlValue[] = []): Promise<InterruptedWork> {
  const ids = async (table: keyof typeof ACTIVE) => (await tx.all<{ id: number }>(`SELECT id FROM ${table} WHERE ${activeSql(table)} AND (${where}) ORDER BY id`, params)).map((r) => r.id);
  const work: InterruptedWork = { runs: await ids('run'), simulations: await ids('simulation'), datasets: await ids('dataset') };
  const mark = (table: string, set: string, list: number[]) => (list.length ? tx.run(`UPDATE ${table} SET ${set}, owner_id = NULL WHERE id IN (${list.join(', ')})`) : null);
  await mark('run', "status = 'interrupted'", work.runs);
  await mark('simulation', "status = 'interrupted', message = 'the process running this simulation stopped: the frames written until then are kept'", work.simulations);
  await mark('dataset', "status = 'interrupted'", work.datasets);
  return work;
}

/**
 * Forgets the owners that are gone and marks their active work 'interrupted' (work stored without
 * an owner, before schema version 18, too). A live owner's work is left as it is.
 */
export async function interruptOrphanedWork(tx: Tx, now = Date.now()): Promise<InterruptedWork> {
  for (const o of await tx.all<OwnerRow>('SELECT id, pid, host, label, lease_at FROM owner')) {
    if (!ownerAlive(o, now)) await deleteOwner(tx, o.id);
  }
  return interruptWork(tx, ORPHAN);
}

/**
 * Marks the work of owner `id` still active 'interrupted', as its process closes the store: the work
 * stopped with the process has written how it ended by then, unless that took too long (the core
 * waits STOP_WAIT_MS, services/jobs.ts), and none is left running for a reader of the file.
 */
export async function interruptWorkOf(tx: Tx, id: number): Promise<InterruptedWork> {
  return interruptWork(tx, 'owner_id = ?', [id]);
}

/** The live process other than this one that has this active work, or null (the work is this process's, or no one's). */
async function otherOwner(tx: Tx, table: keyof typeof ACTIVE, id: number): Promise<OwnerRow | null> {
  await interruptOrphanedWork(tx);
  const o = await tx.get<OwnerRow>(`SELECT o.id, o.pid, o.host, o.label, o.lease_at FROM ${table} t JOIN owner o ON o.id = t.owner_id WHERE t.id = ? AND t.${activeSql(table)}`, [id]);
  return o && o.id !== tx.ownerId() ? o : null;
}

/** "another Latticework process (pid 1234, the command line)"; on another host, its name too. */
function describeOwner(o: OwnerRow): string {
  return `another Latticework process (pid ${o.pid}${o.host === hostname() ? '' : ` on ${o.host}`}, ${o.label})`;
}

/**
 * Another live process that has taken over this process's active work, described ("another Latticework
 * process (pid 1234 on node7, a browser-mode host)"), or null. That happens to a process whose lease
 * lapsed (a store on a shared folder, this process stopped or asleep for over LEASE_TIMEOUT_MS): its
 * work was marked interrupted and another process resumed it. Asked in each transaction that writes
 * the work's progress, so that the stalled process, back, writes nothing over the other's.
 */
export async function takenOverBy(tx: Tx, table: keyof typeof ACTIVE, id: number): Promise<string | null> {
  const o = await otherOwner(tx, table, id);
  return o ? describeOwner(o) : null;
}

/**
 * Why this process may not touch this work: "run 5 is being trained by another Latticework process
 * (pid 1234, the command line): cancel it there" (`doing`: "run 5 is being trained", `advice`:
 * "cancel it there"), or null when no other live process has it.
 */
export async function workOfAnother(db: Database, table: keyof typeof ACTIVE, id: number, doing: string, advice: string): Promise<string | null> {
  const o = await db.transaction((tx) => otherOwner(tx, table, id));
  return o ? `${doing} by ${describeOwner(o)}: ${advice}` : null;
}
