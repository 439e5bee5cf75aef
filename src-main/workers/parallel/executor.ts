/**
 * Data-parallel training over worker threads: the coordinator side.
 *
 * The training loop keeps its model and optimiser; `dataParallel({ workers })` gives it an executor
 * that, for each batch, cuts the batch into one contiguous share per replica (balanced by atoms and
 * edges, engine/train/steps `shareBounds`), has every replica compute its share's loss and
 * gradient with the whole batch's batch-norm statistics (./sync), adds the replicas' gradients in
 * replica order and hands the sum to the loop's optimiser; after the optimiser step the new weights
 * go to the replicas through shared memory. Replicas keep identical running statistics; the loop
 * pulls replica 0's before it evaluates or checkpoints.
 *
 * Failure: a replica that throws, exits or is terminated fails the step — the coordinator aborts
 * the others' reductions (they would otherwise wait for it forever) and rejects with what happened,
 * so the run fails at that step and can resume from its last checkpoint. Nothing waits without the
 * coordinator hearing of a dead thread: replicas block only inside reductions, which wake on abort.
 */
import { availableParallelism } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import type { Worker } from 'node:worker_threads';
import { RemoteError } from '../../../src-shared/ipc/define';
import { currentBackend } from '../../engine/tf/backend';
import { assignVariables, shareBounds, sumInOrder, variableValues, type ExecutorFactory, type ReplicaSpec, type ShareProgram, type StepExecutor, type StepResult } from '../../engine/train/steps';
import * as tf from '@tensorflow/tfjs-core';
import type { FromReplica, ReplicaInit, ReplicaMemory, ToReplica } from './protocol';
import { stableName } from './replica';
import { allocateSession, layoutOf, moveToSharedMemory, readFlat, writeFlat, type SessionMemory } from './shared';
import { abortReplicas, resetArrivals } from './sync';
import { defaultWorkerUrl, spawnWorker } from '../spawn';

export interface DataParallelOptions {
  /** Replicas (worker threads). */
  workers: number;
  /** The compute worker script (tests use the TypeScript source). */
  workerUrl?: URL;
  /** Kernel threads per replica (default: the cores shared among the replicas, at least 1). */
  kernelThreads?: number;
  /** Each replica's JavaScript heap limit, MB (default: this process's own, as the compute pool's workers). */
  heapLimitMb?: number;
}

/** Why a replica thread crashed: running out of its heap named with the limit. */
function crashReason(err: Error & { code?: string }, heapLimitMb: number): string {
  return err.code === 'ERR_WORKER_OUT_OF_MEMORY' ? `it ran out of memory (its JavaScript heap is limited to ${heapLimitMb} MB)` : err.message;
}

type Reply = Extract<FromReplica, { type: 'done' | 'memory' }>;

interface Pending {
  resolve(msg: Reply): void;
  reject(err: Error): void;
}

/** A replica thread died or crashed: the run's last checkpoint stands (the app marks the run interrupted, resumable). */
export class WorkerLostError extends Error {
  override name = 'WorkerLostError';
}

interface Replica {
  index: number;
  thread: Worker;
  pending: Map<number, Pending>;
  alive: boolean;
}

/** The executor `dataParallel` builds (its extra members serve diagnostics and tests). */
export class DataParallelExecutor implements StepExecutor {
  private readonly weights: Float32Array;
  private readonly state: Float32Array;
  private readonly grads: Float32Array;
  private readonly trainableTotal: number;
  private weightsVersion = 0;
  private stateVersion = 0;
  private dirty = false;
  private nextId = 1;
  private failure: Error | null = null;
  private disposed = false;

  constructor(
    private readonly local: ShareProgram,
    private readonly memory: SessionMemory,
    private readonly replicas: Replica[],
    private readonly heapLimitMb: number,
  ) {
    this.weights = new Float32Array(memory.weights);
    this.state = new Float32Array(memory.state);
    this.grads = new Float32Array(memory.grads);
    this.trainableTotal = layoutOf(memory.trainableSizes).total;
    for (const r of replicas) this.watch(r);
  }

  get workers(): number {
    return this.replicas.length;
  }

  /** The worker threads (for diagnostics and the tests that kill one mid-step). */
  get threads(): readonly Worker[] {
    return this.replicas.map((r) => r.thread);
  }

  private watch(r: Replica): void {
    r.thread.on('message', (msg: FromReplica) => {
      if (msg.type === 'ready') return;
      const id = msg.id ?? -1;
      const p = r.pending.get(id);
      r.pending.delete(id);
      if (msg.type === 'done' || msg.type === 'memory') p?.resolve(msg);
      else this.fail(new RemoteError(msg.error), p);
    });
    r.thread.on('error', (err) => this.fail(new WorkerLostError(`data-parallel worker ${r.index} crashed: ${crashReason(err, this.heapLimitMb)}`)));
    r.thread.on('exit', (code) => {
      r.alive = false;
      if (!this.disposed) this.fail(new WorkerLostError(`data-parallel worker ${r.index} exited (code ${code}) during training`));
    });
  }

  /** Fails the session: aborts every replica's reduction and rejects everything pending. */
  private fail(err: Error, pending?: Pending): void {
    // a replica aborted because another failed reports that; keep the first cause
    this.failure ??= err;
    abortReplicas(this.memory.control);
    pending?.reject(this.failure);
    for (const r of this.replicas) {
      for (const p of r.pending.values()) p.reject(this.failure);
      r.pending.clear();
    }
  }

  private request(r: Replica, msg: ToReplica): Promise<Reply> {
    if (this.failure) return Promise.reject(this.failure);
    if (!r.alive) return Promise.reject(new Error(`data-parallel worker ${r.index} is not running`));
    return new Promise((resolve, reject) => {
      r.pending.set(msg.id, { resolve, reject });
      r.thread.postMessage(msg);
    });
  }

  async step(batch: readonly number[], dropoutSeed?: number): Promise<StepResult> {
    if (this.failure) throw this.failure;
    if (this.dirty) {
      writeFlat(this.weights, variableValues(this.local.trainable));
      this.weightsVersion++;
      this.dirty = false;
    }
    const bounds = shareBounds(batch.map((i) => this.local.cost?.(i) ?? 1), this.replicas.length);
    const shares = bounds.length - 1;
    const ids = Int32Array.from(batch);
    resetArrivals(this.memory.control);
    const results = (await Promise.all(
      Array.from({ length: shares }, (_, s) =>
        this.request(this.replicas[s], {
          type: 'step',
          id: this.nextId++,
          batch: ids,
          from: bounds[s],
          to: bounds[s + 1],
          replicas: shares,
          replica: s,
          dropoutSeed: dropoutSeed ?? null,
          weights: this.weightsVersion,
          state: this.stateVersion,
        }),
      ),
    )) as Extract<FromReplica, { type: 'done' }>[];
    // the batch's gradient: the replicas' slots added in replica order
    const sizes = this.memory.trainableSizes;
    const slots = results.map((_, s) => readFlat(this.grads, sizes, s * this.trainableTotal));
    const grads = this.local.trainable.map((v, i) => tf.tensor(sumInOrder(slots.map((slot) => slot[i])), v.shape, 'float32'));
    let loss = 0;
    for (const r of results) loss += r.loss;
    const outputs = new Float32Array(results.reduce((n, r) => n + r.outputs.length, 0));
    let at = 0;
    for (const r of results) {
      outputs.set(r.outputs, at);
      at += r.outputs.length;
    }
    return { loss, grads, outputs };
  }

  weightsChanged(all = false): void {
    this.dirty = true;
    if (all) {
      writeFlat(this.state, variableValues(this.local.state));
      this.stateVersion++;
    }
  }

  async pullState(): Promise<void> {
    if (this.local.state.length === 0) return;
    await this.request(this.replicas[0], { type: 'write-state', id: this.nextId++ });
    assignVariables(this.local.state, readFlat(this.state, this.memory.stateSizes).map((v) => v.slice()));
  }

  /** What each replica holds now (leak checks). */
  async memoryUsage(): Promise<ReplicaMemory[]> {
    const replies = await Promise.all(this.replicas.map((r) => this.request(r, { type: 'memory', id: this.nextId++ })));
    return replies.map((m) => (m as Extract<FromReplica, { type: 'memory' }>).usage);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    abortReplicas(this.memory.control);
    await Promise.all(this.replicas.map((r) => r.thread.terminate()));
  }
}

/**
 * An `ExecutorFactory` for the training loops: `workers` replicas in worker threads (on the loop's
 * backend, which must be wasm or cpu: tfjs-node runs one worker). The replicas start from the
 * loop's current weights and state.
 */
export function dataParallel(options: DataParallelOptions): ExecutorFactory {
  return async (spec: ReplicaSpec, local: ShareProgram) => {
    const workers = Math.max(1, Math.floor(options.workers));
    const backend = currentBackend()?.candidate ?? 'wasm';
    if (backend !== 'wasm' && backend !== 'cpu') throw new Error(`data-parallel training runs on the wasm and cpu backends; ${backend} uses its own threads (train with one worker)`);
    moveToSharedMemory(spec.init);
    const trainableSizes = local.trainable.map((v) => v.size);
    const stateSizes = local.state.map((v) => v.size);
    const capacity = 1 + 2 * Math.max(64, ...stateSizes);
    const memory = allocateSession(workers, trainableSizes, stateSizes, capacity);
    writeFlat(new Float32Array(memory.weights), variableValues(local.trainable));
    writeFlat(new Float32Array(memory.state), variableValues(local.state));
    const kernelThreads = options.kernelThreads ?? Math.max(1, Math.floor(availableParallelism() / workers));
    const heapLimitMb = options.heapLimitMb ?? Math.floor(getHeapStatistics().heap_size_limit / 2 ** 20);
    const replicas: Replica[] = [];
    const ready: Promise<void>[] = [];
    for (let index = 0; index < workers; index++) {
      const init: ReplicaInit = { role: 'replica', index, backend, kernelThreads, spec, memory };
      const thread = spawnWorker(options.workerUrl ?? defaultWorkerUrl(), init, { maxOldGenerationSizeMb: heapLimitMb });
      thread.unref();
      const r: Replica = { index, thread, pending: new Map(), alive: true };
      replicas.push(r);
      ready.push(
        new Promise<void>((resolve, reject) => {
          const onMessage = (msg: FromReplica) => {
            thread.off('message', onMessage);
            if (msg.type === 'failed') reject(new Error(`data-parallel worker ${index} could not start: ${msg.error.message}`));
            else if (msg.type !== 'ready') reject(new Error(`data-parallel worker ${index}: unexpected ${msg.type}`));
            else {
              const want = local.trainable.map((v) => stableName(v.name));
              const wantState = local.state.map((v) => stableName(v.name));
              if (msg.trainable.join() !== want.join() || msg.state.join() !== wantState.join())
                reject(new Error(`data-parallel worker ${index} built different variables (${msg.trainable.length} trainable, ${msg.state.length} state) than the coordinator (${want.length}, ${wantState.length})`));
              else resolve();
            }
          };
          thread.on('message', onMessage);
          thread.once('error', (err) => reject(new Error(`data-parallel worker ${index} could not start: ${crashReason(err, heapLimitMb)}`)));
          thread.once('exit', (code) => reject(new Error(`data-parallel worker ${index} exited (code ${code}) while starting`)));
        }),
      );
    }
    try {
      await Promise.all(ready);
    } catch (err) {
      await Promise.all(replicas.map((r) => r.thread.terminate()));
      throw err;
    }
    return new DataParallelExecutor(local, memory, replicas, heapLimitMb);
  };
}
