/**
 * Messages between the compute pool (main thread) and its worker threads.
 * A task is named; its input and output types are declared in `tasks.ts`.
 */
import type { WireError } from '../../src-shared/ipc/define';

export type ToWorker =
  | { type: 'run'; id: number; task: string; input: unknown }
  | { type: 'cancel'; id: number };

export type FromWorker =
  | { type: 'progress'; id: number; done: number; total: number | null; message: string }
  | { type: 'event'; id: number; payload: unknown }
  | { type: 'done'; id: number; output: unknown }
  | { type: 'failed'; id: number; error: WireError };

/** What a running task may do besides returning its result. */
export interface TaskContext {
  readonly signal: AbortSignal;
  progress(done: number, total: number | null, message: string): void;
  /** Task-specific events (e.g. a training epoch's metrics) forwarded to the caller. */
  emit(payload: unknown): void;
}

/**
 * A training run's control word (an Int32Array over a SharedArrayBuffer the main thread writes and
 * the training task reads between batches): run, pause, cancel, or cancel and keep the best model so far.
 */
export const CONTROL_RUN = 0;
export const CONTROL_PAUSE = 1;
export const CONTROL_CANCEL = 2;
export const CONTROL_CANCEL_KEEP = 3;

export class CancelledError extends Error {
  override name = 'CancelledError';
  constructor(message = 'cancelled') {
    super(message);
  }
}
