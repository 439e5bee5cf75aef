/**
 * Long work (imports, training, batch prediction) runs as jobs: each has an id,
 * reports progress as `jobs.onProgress` events, and can be stopped, for one of two reasons
 * (`JobStop`, the one place that tells them apart): the user's Cancel, or the process going
 * away (the core is closing: Ctrl-C or SIGTERM on the host, the app quitting).
 */
import { randomUUID } from 'node:crypto';
import type { JobProgress, LatticeworkHandlers } from '../../src-shared/ipc/contract';
import type { CoreParts } from '../app/core';
import type { EventHub } from '../ipc/events';

/**
 * Why a job was stopped: 'cancel', the user's Cancel (the work is cancelled; an import removes what it
 * stored); 'interrupt', the process is going away (the work is left 'interrupted' with everything it
 * stored, resumable, as a crash leaves it). The first stop is the one that counts.
 */
export type JobStop = 'cancel' | 'interrupt';

/** Why the job of `signal` was stopped, or null while it is not. */
export function stopOf(signal: AbortSignal): JobStop | null {
  return signal.aborted ? (signal.reason === 'interrupt' ? 'interrupt' : 'cancel') : null;
}

export interface JobHandle {
  readonly id: string;
  readonly signal: AbortSignal;
  progress(done: number, total: number | null, message: string): void;
}

/** A handle for work asked for by a request rather than run as a job: no progress, never cancelled. */
export function quietJob(): JobHandle {
  return { id: randomUUID(), signal: new AbortController().signal, progress: () => {} };
}

/** Milliseconds the core's close waits for interrupted work to write how it ended (then it closes the store regardless). */
export const STOP_WAIT_MS = 5_000;

export class JobRegistry {
  private readonly running = new Map<string, AbortController>();
  /** Jobs, and the writes that end them in the background, until they settle. */
  private readonly ending = new Set<Promise<unknown>>();
  /** What the work interrupted so far kept, one sentence each. */
  private readonly keptLines: string[] = [];

  constructor(private readonly events: EventHub) {}

  /** Runs `work` as a job; progress and the final state are broadcast. */
  async run<T>(kind: string, work: (job: JobHandle) => Promise<T>, id: string = randomUUID()): Promise<T> {
    const controller = new AbortController();
    this.running.set(id, controller);
    let settled!: () => void;
    this.whileEnding(new Promise<void>((resolve) => (settled = resolve)));
    let last: Omit<JobProgress, 'state'> = { jobId: id, kind, done: 0, total: null, message: '' };
    const emit = (state: JobProgress['state']) => this.events.emit('jobs', 'onProgress', { ...last, state });
    try {
      const result = await work({
        id,
        signal: controller.signal,
        progress: (done, total, message) => {
          last = { jobId: id, kind, done, total, message };
          emit('running');
        },
      });
      emit('finished');
      return result;
    } catch (err) {
      emit(controller.signal.aborted ? 'cancelled' : 'failed');
      throw err;
    } finally {
      this.running.delete(id);
      settled();
    }
  }

  /**
   * Work that goes on after a job's promise until it has written how the job ended (a run's or a
   * simulation's final status, written in the background): `settled` waits for it too.
   */
  whileEnding(work: Promise<unknown>): void {
    this.ending.add(work);
    void work.catch(() => undefined).finally(() => this.ending.delete(work));
  }

  /** The user's Cancel of one job. */
  cancel(id: string): boolean {
    const c = this.running.get(id);
    c?.abort('cancel' satisfies JobStop);
    return c !== undefined;
  }

  /** Stops every job because the process is going away: their work is left interrupted, as a crash leaves it (`JobStop`). */
  interruptAll(): void {
    for (const c of this.running.values()) c.abort('interrupt' satisfies JobStop);
  }

  /**
   * Says what work interrupted because the process is going away kept ("simulation 3 interrupted at
   * step 6,343, 635 frames kept"), for the process's last words (`latticework serve` prints them).
   */
  kept(line: string): void {
    this.keptLines.push(line);
  }

  /** What the work interrupted so far kept, one sentence each. */
  keptSoFar(): string[] {
    return [...this.keptLines];
  }

  /** Waits until every job and the writes that end it have settled, or `ms` have passed. */
  async settled(ms: number): Promise<void> {
    const deadline = Date.now() + ms;
    while (this.ending.size) {
      const left = deadline - Date.now();
      if (left <= 0) return;
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.allSettled([...this.ending]), new Promise((resolve) => (timer = setTimeout(resolve, left)))]);
      clearTimeout(timer);
    }
  }
}

export function jobsHandlers(core: CoreParts): LatticeworkHandlers['jobs'] {
  return {
    cancel({ jobId }) {
      return { cancelled: core.jobs.cancel(jobId) };
    },
  };
}
