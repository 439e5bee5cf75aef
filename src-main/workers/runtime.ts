/**
 * The worker side of the compute pool: serves a table of named tasks over the
 * thread's message port, forwarding progress and honouring cancellation.
 */
import { parentPort } from 'node:worker_threads';
import { toWireError } from '../ipc/errors';
import type { FromWorker, TaskContext, ToWorker } from './protocol';

export type TaskHandler = (input: never, ctx: TaskContext) => Promise<unknown>;

export function serveTasks(handlers: Record<string, TaskHandler>): void {
  const port = parentPort;
  if (!port) throw new Error('a compute worker must run in a worker thread');
  const running = new Map<number, AbortController>();
  const send = (msg: FromWorker) => port.postMessage(msg);

  port.on('message', (msg: ToWorker) => {
    if (msg.type === 'cancel') {
      running.get(msg.id)?.abort();
      return;
    }
    const controller = new AbortController();
    running.set(msg.id, controller);
    const ctx: TaskContext = {
      signal: controller.signal,
      progress: (done, total, message) => send({ type: 'progress', id: msg.id, done, total, message }),
      emit: (payload) => send({ type: 'event', id: msg.id, payload }),
    };
    const handler = Object.hasOwn(handlers, msg.task)
      ? (handlers[msg.task] as (input: unknown, ctx: TaskContext) => Promise<unknown>)
      : undefined;
    const work = handler
      ? Promise.resolve().then(() => handler(msg.input, ctx))
      : Promise.reject(new Error(`unknown compute task ${msg.task}`));
    work
      .then(
        (output) => send({ type: 'done', id: msg.id, output }),
        (err: unknown) => send({ type: 'failed', id: msg.id, error: toWireError(err) }),
      )
      .finally(() => running.delete(msg.id));
  });
}
