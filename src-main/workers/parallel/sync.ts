/**
 * The replicas' all-reduce for batch statistics (the engine's `BatchReducer`, nn/batch-sync), on
 * shared memory with Atomics: synchronous, because batch norm needs the batch's statistics in the
 * middle of a forward or backward pass.
 *
 * Replica r of the S replicas in a step writes its vector into its slot, counts itself in, and waits
 * until all S have arrived at this call; then every replica adds the S slots in replica order, so
 * all get the same bits. Calls alternate between two banks of slots: a replica can be at most one
 * call ahead of the slowest one (it cannot pass the next barrier alone), so it never overwrites a
 * slot another replica still reads. The coordinator resets the arrival count before each step and
 * sets ABORT when a replica fails or dies: a replica waiting here then throws instead of hanging.
 */
import type { BatchReducer } from '../../engine/nn/batch-sync';

/** Control words (Int32). */
export const ARRIVALS = 0;
export const ABORT = 1;

/** Woken at least this often to look at ABORT (a notify wakes waiters at once). */
const WAIT_MS = 250;

export class ReplicaAbortedError extends Error {
  override name = 'ReplicaAbortedError';
}

export class SharedReducer implements BatchReducer {
  private calls = 0;
  private readonly control: Int32Array;
  private readonly slots: Float64Array;

  constructor(
    control: SharedArrayBuffer,
    reduce: SharedArrayBuffer,
    private readonly replica: number,
    private readonly replicas: number,
    private readonly workers: number,
    private readonly capacity: number,
  ) {
    this.control = new Int32Array(control);
    this.slots = new Float64Array(reduce);
  }

  allReduce(local: Float64Array): Float64Array {
    if (local.length > this.capacity) throw new Error(`batch statistics of ${local.length} values exceed the reduction's capacity of ${this.capacity}`);
    const bank = this.calls % 2;
    this.calls++;
    const slot = (r: number) => (bank * this.workers + r) * this.capacity;
    this.slots.set(local, slot(this.replica));
    const target = this.replicas * this.calls;
    Atomics.add(this.control, ARRIVALS, 1);
    Atomics.notify(this.control, ARRIVALS);
    for (;;) {
      if (Atomics.load(this.control, ABORT) !== 0) throw new ReplicaAbortedError('the data-parallel step was aborted (another replica failed)');
      const seen = Atomics.load(this.control, ARRIVALS);
      if (seen >= target) break;
      Atomics.wait(this.control, ARRIVALS, seen, WAIT_MS);
    }
    const out = this.slots.slice(slot(0), slot(0) + local.length);
    for (let r = 1; r < this.replicas; r++) {
      const at = slot(r);
      for (let i = 0; i < local.length; i++) out[i] += this.slots[at + i];
    }
    return out;
  }
}

/** Coordinator: a new step (no replica is inside a reduction now). */
export function resetArrivals(control: SharedArrayBuffer): void {
  Atomics.store(new Int32Array(control), ARRIVALS, 0);
}

/** Coordinator: makes every replica waiting in a reduction throw. */
export function abortReplicas(control: SharedArrayBuffer): void {
  const c = new Int32Array(control);
  Atomics.store(c, ABORT, 1);
  Atomics.notify(c, ARRIVALS);
}
