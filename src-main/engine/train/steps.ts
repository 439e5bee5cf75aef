/**
 * Training steps, in this thread or data-parallel over replicas.
 *
 * A training loop (graph models in ./trainer, potentials alike) asks a `StepExecutor` for the
 * gradient of one batch's loss, applies its optimiser to its own model, and tells the executor the
 * weights changed. What a model computes on part of a batch is a `ShareProgram`: the loss of the
 * share as its contribution to the batch's mean loss (the share's mean times its share of the
 * batch's loss elements), so that the contributions of the shares add up to the batch's loss and
 * their gradients to the batch's gradient; batch norm uses the whole batch's statistics
 * (nn/batch-sync). The same program runs in one thread (`LocalExecutor`: one share, the batch
 * itself, on the loop's own model) and in every data-parallel replica (src-main/workers/parallel,
 * which builds the program in each worker from a `ReplicaSpec` through `replicaKinds`).
 *
 * Determinism: a batch is cut into contiguous shares by `shareBounds` (a function of the graphs'
 * sizes and the replica count only); replicas' gradients are added in replica order. A seeded run
 * therefore repeats bit for bit for a given replica count, and agrees with one replica within
 * float32 reduction error (docs/training.md gives the measured tolerance).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Variable } from '@tensorflow/tfjs-core';

export interface ShareResult {
  /** The share's contribution to the batch's mean loss. */
  loss: number;
  /** Gradient of that contribution for each trainable variable (in `trainable` order); the caller disposes them. */
  grads: Tensor[];
  /** The model's raw outputs for the share's rows, in share order. */
  outputs: Float32Array;
}

/** A model's training computation on part of a batch (the same code in one thread and in replicas). */
export interface ShareProgram {
  /** Trainable variables, in the same order wherever the program is built. */
  readonly trainable: Variable[];
  /** Non-trainable state the forward pass updates (batch-norm running statistics), same order everywhere. */
  readonly state: Variable[];
  /**
   * Training-mode loss and gradients for `share` (a contiguous part of `batch`, indices into the
   * run's samples). `dropoutSeed` seeds dropout masks (a replica adds its share index).
   */
  run(batch: readonly number[], share: readonly number[], dropoutSeed?: number): ShareResult;
  /** A sample's relative cost (e.g. atoms plus edges), to balance the shares of a batch; default 1. */
  cost?(index: number): number;
}

export interface StepResult {
  /** The batch's mean loss. */
  loss: number;
  /** Its gradients, in the program's `trainable` order; the caller disposes them. */
  grads: Tensor[];
  /** Raw outputs for the batch's rows in batch order (training metrics). */
  outputs: Float32Array;
}

/** Runs the steps of one training run. */
export interface StepExecutor {
  /** Replicas the batch is split over (1: this thread). */
  readonly workers: number;
  step(batch: readonly number[], dropoutSeed?: number): Promise<StepResult>;
  /** The loop changed the trainable variables (optimiser step) or all of them (resume): replicas take them before the next step. */
  weightsChanged(all?: boolean): void;
  /** Brings the replicas' non-trainable state (running statistics) into the loop's model: before evaluation and checkpoints. */
  pullState(): Promise<void>;
  dispose(): Promise<void>;
}

/** One share, the whole batch, on the loop's own model. */
export class LocalExecutor implements StepExecutor {
  readonly workers = 1;
  constructor(private readonly program: ShareProgram) {}
  async step(batch: readonly number[], dropoutSeed?: number): Promise<StepResult> {
    return this.program.run(batch, batch, dropoutSeed);
  }
  weightsChanged(): void {}
  async pullState(): Promise<void> {}
  async dispose(): Promise<void> {}
}

/** What a data-parallel executor needs to build the program in a replica (structured-clonable). */
export interface ReplicaSpec {
  /** A name registered with `registerReplicaKind`. */
  kind: string;
  init: unknown;
}

/** A program built in a replica, with what it holds. */
export interface ReplicaProgram extends ShareProgram {
  dispose(): void;
}

export type ReplicaFactory = (init: unknown) => ReplicaProgram | Promise<ReplicaProgram>;

const replicaKinds = new Map<string, ReplicaFactory>();

/** Makes a model kind trainable data-parallel: `factory` builds its program from a spec's `init` in a replica. */
export function registerReplicaKind(kind: string, factory: ReplicaFactory): void {
  replicaKinds.set(kind, factory);
}

export function replicaFactory(kind: string): ReplicaFactory {
  const f = replicaKinds.get(kind);
  if (!f) throw new Error(`no replica kind "${kind}" (registered: ${[...replicaKinds.keys()].join(', ') || 'none'})`);
  return f;
}

/** Builds data-parallel executors (src-main/workers/parallel provides one); the loop's own program gives variable order and initial weights. */
export type ExecutorFactory = (spec: ReplicaSpec, local: ShareProgram) => Promise<StepExecutor>;

/**
 * Cuts a batch into `parts` contiguous shares of about equal cost (`cost[i]`: the i-th sample's, e.g.
 * its atoms plus edges): share p is [bounds[p], bounds[p+1]). Never an empty share while there are
 * at least `parts` samples; fewer samples give fewer shares.
 */
export function shareBounds(cost: readonly number[], parts: number): number[] {
  const n = cost.length;
  const k = Math.max(1, Math.min(parts, n));
  const total = cost.reduce((s, c) => s + c, 0);
  const bounds = [0];
  let acc = 0; // cost of samples [0, i)
  let i = 0;
  for (let p = 1; p < k; p++) {
    const target = (total * p) / k;
    for (const first = bounds[p - 1] + 1; i < first; ) acc += cost[i++]; // share p - 1 holds at least one sample
    // a sample joins share p - 1 while its middle lies before the target; k - p samples stay for the shares after it
    while (i < n - (k - p) && acc + cost[i] / 2 <= target) acc += cost[i++];
    bounds.push(i);
  }
  bounds.push(n);
  return bounds;
}

/** Adds replicas' gradients in replica order (float32 arrays of one variable each). */
export function sumInOrder(parts: Float32Array[], into = new Float32Array(parts[0].length)): Float32Array {
  into.set(parts[0]);
  for (let p = 1; p < parts.length; p++) {
    const a = parts[p];
    for (let i = 0; i < into.length; i++) into[i] += a[i];
  }
  return into;
}

/** A variable's values as a tensor-free copy (for replicas and checkpoints). */
export function variableValues(vars: readonly Variable[]): Float32Array[] {
  return vars.map((v) => (v.dataSync() as Float32Array).slice());
}

/** Loads values into variables (same order and sizes). */
export function assignVariables(vars: readonly Variable[], values: readonly Float32Array[]): void {
  if (values.length !== vars.length) throw new Error(`expected ${vars.length} arrays, got ${values.length}`);
  tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(values[i], v.shape, 'float32'))));
}
