/**
 * The table of tasks a compute worker runs. Main-thread code names a task and
 * gets its input and output types from here (type-only imports: the heavy
 * modules load in the worker alone).
 */
import type { BackendInfo } from '../../src-shared/ipc/contract';
import type { TaskContext } from './protocol';
import type { TaskHandler } from './runtime';

const DISPLAY_NAMES: Record<string, string> = {
  'tfjs-node-gpu': 'tensorflow-gpu',
  'tfjs-node': 'tensorflow',
  wasm: 'wasm',
  cpu: 'cpu',
};

export const taskHandlers = {
  /** Loads tfjs with the best backend this machine has and reports it. */
  async 'backend-info'(_input: Record<string, never>, _ctx: TaskContext): Promise<BackendInfo> {
    const { initBackend } = await import('./tf/backend');
    const choice = await initBackend();
    const unavailable: Record<string, string> = {};
    for (const [candidate, reason] of Object.entries(choice.reasons)) {
      unavailable[DISPLAY_NAMES[candidate] ?? candidate] = reason;
    }
    return { name: DISPLAY_NAMES[choice.candidate] ?? choice.candidate, unavailable };
  },
} satisfies Record<string, TaskHandler>;

type Handlers = typeof taskHandlers;
export type TaskName = keyof Handlers;
export type TaskInput<T extends TaskName> = Parameters<Handlers[T]>[0];
export type TaskOutput<T extends TaskName> = Awaited<ReturnType<Handlers[T]>>;
