/**
 * A pool of worker threads for heavy work (parsing many files, building graphs,
 * training, inference), so that the main process never blocks. Tasks report
 * progress and can be cancelled; a worker that ignores a cancellation for too
 * long is terminated and replaced, as is a worker that runs out of memory (its task fails with
 * the limit named).
 */
import { getHeapStatistics } from 'node:v8';
import type { Worker } from 'node:worker_threads';
import { RemoteError } from '../../src-shared/ipc/define';
import { groupThousands } from '../../src-shared/text';
import type { FromWorker, ToWorker } from './protocol';
import { defaultWorkerUrl, spawnWorker } from './spawn';
import type { TaskInput, TaskName, TaskOutput } from './tasks';

export interface RunOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number | null, message: string) => void;
  onEvent?: (payload: unknown) => void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(err: Error): void;
  options: RunOptions;
  worker: PoolWorker;
  /** The listener on options.signal, removed when the task settles (a screening's signal sees dozens of tasks). */
  onAbort(): void;
}

interface PoolWorker {
  thread: Worker;
  busy: number;
}


export class ComputePool {
  private readonly workers: PoolWorker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private disposed = false;

  /**
   * `heapLimitMb` bounds each worker's JavaScript heap (old generation); by default it is this
   * process's own limit (V8's for the machine, or --max-old-space-size), what a worker had
   * unbounded, now explicit so that a task that reaches it fails saying so.
   */
  constructor(
    private readonly size = 2,
    private readonly workerUrl: URL = defaultWorkerUrl(),
    private readonly killAfterCancelMs = 5000,
    private readonly heapLimitMb = Math.floor(getHeapStatistics().heap_size_limit / 2 ** 20),
  ) {}

  run<T extends TaskName>(task: T, input: TaskInput<T>, options: RunOptions = {}): Promise<TaskOutput<T>> {
    if (this.disposed) return Promise.reject(new Error('the compute pool is closed'));
    if (options.signal?.aborted) return Promise.reject(new RemoteError({ name: 'CancelledError', message: 'cancelled' }));
    const worker = this.pickWorker();
    const id = this.nextId++;
    return new Promise<TaskOutput<T>>((resolve, reject) => {
      const onAbort = () => this.cancel(id);
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject, options, worker, onAbort });
      worker.busy++;
      options.signal?.addEventListener('abort', onAbort, { once: true });
      this.post(worker, { type: 'run', id, task, input });
    });
  }

  /** The task's entry, no longer pending (its abort listener removed). */
  private settle(id: number, p: Pending): void {
    this.pending.delete(id);
    p.options.signal?.removeEventListener('abort', p.onAbort);
  }

  private cancel(id: number): void {
    const p = this.pending.get(id);
    if (!p) return;
    this.post(p.worker, { type: 'cancel', id });
    const timer = setTimeout(() => {
      if (this.pending.has(id)) this.replace(p.worker, new Error('the task did not stop after cancellation'));
    }, this.killAfterCancelMs);
    timer.unref();
  }

  private post(worker: PoolWorker, msg: ToWorker): void {
    worker.thread.postMessage(msg);
  }

  private pickWorker(): PoolWorker {
    const idle = this.workers.find((w) => w.busy === 0);
    if (idle) return idle;
    if (this.workers.length < this.size) return this.spawn();
    return this.workers.reduce((a, b) => (b.busy < a.busy ? b : a));
  }

  private spawn(): PoolWorker {
    const thread = spawnWorker(this.workerUrl, undefined, { maxOldGenerationSizeMb: this.heapLimitMb });
    const worker: PoolWorker = { thread, busy: 0 };
    thread.unref();
    thread.on('message', (msg: FromWorker) => this.onMessage(msg));
    thread.on('error', (err: Error & { code?: string }) =>
      this.replace(worker, err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? new Error(`the task ran out of memory: a compute worker's JavaScript heap is limited to ${groupThousands(this.heapLimitMb)} MB (the worker was replaced)`) : err),
    );
    thread.on('exit', (code) => {
      if (this.workers.includes(worker)) this.replace(worker, new Error(`a compute worker exited with code ${code}`));
    });
    this.workers.push(worker);
    return worker;
  }

  /** Fails the worker's tasks with `reason` and removes it; a new worker is spawned on demand. */
  private replace(worker: PoolWorker, reason: Error): void {
    const index = this.workers.indexOf(worker);
    if (index >= 0) this.workers.splice(index, 1);
    void worker.thread.terminate();
    for (const [id, p] of this.pending) {
      if (p.worker !== worker) continue;
      this.settle(id, p);
      const cancelled = p.options.signal?.aborted;
      p.reject(
        cancelled ? new RemoteError({ name: 'CancelledError', message: 'cancelled' }) : new RemoteError({ name: 'WorkerError', message: reason.message }),
      );
    }
  }

  private onMessage(msg: FromWorker): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    switch (msg.type) {
      case 'progress':
        p.options.onProgress?.(msg.done, msg.total, msg.message);
        break;
      case 'event':
        p.options.onEvent?.(msg.payload);
        break;
      case 'done':
        this.settle(msg.id, p);
        p.worker.busy--;
        p.resolve(msg.output);
        break;
      case 'failed':
        this.settle(msg.id, p);
        p.worker.busy--;
        p.reject(new RemoteError(msg.error));
        break;
    }
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    const workers = this.workers.splice(0);
    for (const [id, p] of this.pending) {
      this.settle(id, p);
      p.reject(new RemoteError({ name: 'CancelledError', message: 'the compute pool was closed' }));
    }
    await Promise.all(workers.map((w) => w.thread.terminate()));
  }
}
