/** Messages between a data-parallel coordinator (./executor) and its replica threads (./replica). */
import type { WireError } from '../../../src-shared/ipc/define';
import type { ReplicaSpec } from '../../engine/train/steps';
import type { SessionMemory } from './shared';

export interface ReplicaInit {
  role: 'replica';
  index: number;
  /** The coordinator's backend candidate (wasm, cpu). */
  backend: string;
  /** Threads of this replica's SIMD kernels. */
  kernelThreads: number;
  spec: ReplicaSpec;
  memory: SessionMemory;
}

export type ToReplica =
  | {
      type: 'step';
      id: number;
      /** The whole batch (indices into the run's samples) and this replica's share [from, to). */
      batch: Int32Array;
      from: number;
      to: number;
      /** Replicas in this step (shares); this one is `replica`. */
      replicas: number;
      replica: number;
      dropoutSeed: number | null;
      /** Version of the shared weights; a replica reloads when it changed. */
      weights: number;
      /** Version of the shared state (running statistics): reloaded when it changed (start, resume). */
      state: number;
    }
  | { type: 'write-state'; id: number }
  | { type: 'memory'; id: number };

export type FromReplica =
  | { type: 'ready'; trainable: string[]; state: string[] }
  | { type: 'done'; id: number; loss: number; outputs: Float32Array }
  | { type: 'failed'; id: number | null; error: WireError }
  | { type: 'memory'; id: number; usage: ReplicaMemory };

/** What a replica holds (for leak checks): live tensors, tensor bytes, the wasm heap, the JS heap. */
export interface ReplicaMemory {
  tensors: number;
  tensorBytes: number;
  wasmHeapBytes: number | null;
  jsHeapUsedBytes: number;
}
