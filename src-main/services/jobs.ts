/**
 * Long work (imports, training, batch prediction) runs as jobs: each has an id,
 * reports progress as `jobs.onProgress` events, and can be cancelled.
 */
import { randomUUID } from 'node:crypto';
import type { JobProgress, LatticeworkHandlers } from '../../src-shared/ipc/contract';
import type { CoreParts } from '../app/core';
import type { EventHub } from '../ipc/events';

export interface JobHandle {
  readonly id: string;
  readonly signal: AbortSignal;
  progress(done: number, total: number | null, message: string): void;
}

/** A handle for work asked for by a request rather than run as a job: no progress, never cancelled. */
export function quietJob(): JobHandle {
  return { id: randomUUID(), signal: new AbortController().signal, progress: () => {} };
}

export class JobRegistry {
  private readonly running = new Map<string, AbortController>();

  constructor(private readonly events: EventHub) {}

  /** Runs `work` as a job; progress and the final state are broadcast. */
  async run<T>(kind: string, work: (job: JobHandle) => Promise<T>, id: string = randomUUID()): Promise<T> {
    const controller = new AbortController();
    this.running.set(id, controller);
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
    }
  }

  cancel(id: string): boolean {
    const c = this.running.get(id);
    c?.abort();
    return c !== undefined;
  }

  cancelAll(): void {
    for (const c of this.running.values()) c.abort();
  }
}

export function jobsHandlers(core: CoreParts): LatticeworkHandlers['jobs'] {
  return {
    cancel({ jobId }) {
      return { cancelled: core.jobs.cancel(jobId) };
    },
  };
}
