/**
 * A data-parallel replica: a worker thread with its own tfjs backend and model, computing the
 * gradient of its share of each batch (./executor is the other side).
 *
 * At start it initialises the coordinator's backend with this replica's kernel threads, builds the
 * program its spec names (engine/train/replica-kinds), checks that its variables match the
 * coordinator's, and says ready. For each step it loads new weights (and state, at start and
 * resume) from shared memory, runs its share with the shared batch-statistics reducer in place,
 * writes its gradients into its slot, and posts the loss and outputs.
 */
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { toWireError } from '../../ipc/errors';
import { withBatchReducer } from '../../engine/nn/batch-sync';
import { configureKernelThreads } from '../../engine/simd';
import { initBackend } from '../../engine/tf/backend';
import { replicaFactory, assignVariables, type ReplicaProgram } from '../../engine/train/steps';
import { registerFastMatMulGradient } from '../../engine/train/matmul-grad';
import type { FromReplica, ReplicaInit, ToReplica } from './protocol';
import { layoutOf, readFlat } from './shared';
import { SharedReducer } from './sync';

/** A variable's name without tfjs's per-engine `__N` suffix. */
export function stableName(name: string): string {
  return name.replace(/__\d+$/, '');
}

export async function serveReplica(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error('a replica must run in a worker thread');
  const init = workerData as ReplicaInit;
  const send = (msg: FromReplica, transfer: ArrayBuffer[] = []) => port.postMessage(msg, transfer);
  let program: ReplicaProgram;
  try {
    configureKernelThreads(init.kernelThreads);
    await initBackend({ force: init.backend, env: {} });
    registerFastMatMulGradient();
    await import('../../engine/train/replica-kinds');
    program = await replicaFactory(init.spec.kind)(init.spec.init);
  } catch (err) {
    send({ type: 'failed', id: null, error: toWireError(err) });
    return;
  }
  const m = init.memory;
  const weights = new Float32Array(m.weights);
  const state = new Float32Array(m.state);
  const grads = new Float32Array(m.grads);
  const trainableTotal = layoutOf(m.trainableSizes).total;
  let weightsVersion = -1;
  let stateVersion = -1;
  send({ type: 'ready', trainable: program.trainable.map((v) => stableName(v.name)), state: program.state.map((v) => stableName(v.name)) });

  let gc: (() => void) | null = null;
  const collectGarbage = () => {
    if (!gc) {
      setFlagsFromString('--expose-gc');
      gc = runInNewContext('gc') as () => void;
    }
    gc();
  };
  port.on('message', (msg: ToReplica) => {
    try {
      if (msg.type === 'memory') {
        // a full collection first: the probe reports the live JS heap, not where the collector happens to be
        collectGarbage();
        const wasm = (tf.backend() as unknown as { wasm?: { HEAPU8: Uint8Array } }).wasm;
        const mem = tf.memory();
        send({ type: 'memory', id: msg.id, usage: { tensors: mem.numTensors, tensorBytes: mem.numBytes, wasmHeapBytes: wasm ? wasm.HEAPU8.byteLength : null, jsHeapUsedBytes: getHeapStatistics().used_heap_size } });
        return;
      }
      if (msg.type === 'write-state') {
        const views = readFlat(state, m.stateSizes);
        program.state.forEach((v, i) => views[i].set(v.dataSync() as Float32Array));
        send({ type: 'done', id: msg.id, loss: 0, outputs: new Float32Array(0) });
        return;
      }
      if (msg.weights !== weightsVersion) {
        assignVariables(program.trainable, readFlat(weights, m.trainableSizes));
        weightsVersion = msg.weights;
      }
      if (msg.state !== stateVersion) {
        assignVariables(program.state, readFlat(state, m.stateSizes));
        stateVersion = msg.state;
      }
      const batch = Array.from(msg.batch);
      const share = batch.slice(msg.from, msg.to);
      const reducer = new SharedReducer(m.control, m.reduce, msg.replica, msg.replicas, m.workers, m.capacity);
      const seed = msg.dropoutSeed === null ? undefined : (msg.dropoutSeed + msg.replica) >>> 0;
      const r = withBatchReducer(reducer, () => program.run(batch, share, seed));
      const slot = readFlat(grads, m.trainableSizes, msg.replica * trainableTotal);
      r.grads.forEach((g, i) => slot[i].set(g.dataSync() as Float32Array));
      for (const g of r.grads) g.dispose();
      send({ type: 'done', id: msg.id, loss: r.loss, outputs: r.outputs }, [r.outputs.buffer as ArrayBuffer]);
    } catch (err) {
      send({ type: 'failed', id: msg.id, error: toWireError(err) });
    }
  });
}
