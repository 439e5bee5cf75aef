/**
 * Data-parallel training (src-main/workers/parallel): replicas in worker threads, the batch's
 * batch-norm statistics over every replica, gradients added in replica order.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig } from '../../../src-shared/model/config';
import { initBackend } from '../../../src-main/engine/tf/backend';
import { presetConfig } from '../../../src-main/engine/architectures/registry';
import { buildModel } from '../../../src-main/engine/layers/model';
import { datasetAtomInit, readDatasetAt, trainingSamples } from '../../../src-main/datasets/in-process';
import { type Checkpoint } from '../../../src-main/engine/train/checkpoint';
import { shareBounds, type ExecutorFactory } from '../../../src-main/engine/train/steps';
import { fitNormalizer } from '../../../src-main/engine/train/normalizer';
import { graphModelProgram, trainModel, type TrainingSample } from '../../../src-main/engine/train/trainer';
import { dataParallel, DataParallelExecutor } from '../../../src-main/workers/parallel/executor';
import { shared } from '../../helpers/shared-data';

const workerUrl = new URL('../../../src-main/workers/worker.ts', import.meta.url);

/** Tolerances measured for float32 reduction-order differences (docs/training.md, "Data-parallel training"). */
const LOSS_RTOL = 2e-5;
/** Evaluation uses running statistics, which follow fc_full's bias: its gradient is rounding noise that Adam scales up. */
const EVAL_RTOL = 5e-3;

let samples: TrainingSample[];
let config: ModelConfig;

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  config = presetConfig('cgcnn-paper', { training: { optimizer: { kind: 'adam', lr: 0.003 }, batchSize: 24, epochs: 3, seed: 5, split: { val: 0.1, test: 0.1 } } });
  const data = await readDatasetAt(shared('emt-dev', 'cgcnn'), { limit: 60 });
  samples = trainingSamples(config, data, datasetAtomInit(data));
}, 120_000);

/** An executor factory that keeps hold of the executor it builds. */
function watched(workers: number): { factory: ExecutorFactory; executor: () => DataParallelExecutor } {
  let built: DataParallelExecutor | null = null;
  const make = dataParallel({ workers, workerUrl });
  return {
    factory: async (spec, local) => (built = (await make(spec, local)) as DataParallelExecutor),
    executor: () => built!,
  };
}

async function run(workers: number, extra: Parameters<typeof trainModel>[2] = {}) {
  const batchLosses: number[] = [];
  const r = await trainModel(config, samples, {
    ...extra,
    parallel: workers > 1 ? dataParallel({ workers, workerUrl }) : undefined,
    callbacks: { ...extra.callbacks, onBatch: (b) => void batchLosses.push(b.loss) },
  });
  return { r, batchLosses };
}

function relDiff(a: number[], b: number[]): number {
  expect(a.length).toBe(b.length);
  return Math.max(...a.map((x, i) => Math.abs(x - b[i]) / Math.max(1e-12, Math.abs(b[i]))));
}

describe('shares of a batch', () => {
  it('are contiguous, non-empty and balanced by cost', () => {
    expect(shareBounds([1, 1, 1, 1], 2)).toEqual([0, 2, 4]);
    expect(shareBounds([10, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1], 2)).toEqual([0, 1, 11]);
    expect(shareBounds([1, 1, 1], 5)).toEqual([0, 1, 2, 3]);
    expect(shareBounds([100, 1, 1], 3)).toEqual([0, 1, 2, 3]);
    expect(shareBounds([1], 4)).toEqual([0, 1]);
    for (const k of [2, 3, 4]) {
      const cost = Array.from({ length: 37 }, (_, i) => 5 + ((i * 17) % 23));
      const b = shareBounds(cost, k);
      expect(b).toHaveLength(k + 1);
      const sums = b.slice(1).map((e, p) => cost.slice(b[p], e).reduce((s, c) => s + c, 0));
      expect(Math.max(...sums) - Math.min(...sums)).toBeLessThanOrEqual(2 * Math.max(...cost));
    }
  });
});

describe('data-parallel training', { timeout: 600_000 }, () => {
  it('gives one-worker losses within float32 reduction error, and the same run twice for a worker count', async () => {
    const one = await run(1);
    const two = await run(2);
    const twoAgain = await run(2);
    const three = await run(3);
    expect(one.batchLosses.length).toBe(3 * 2); // 48 training structures, batches of 24
    // same data, same seed: every batch loss agrees with the one-worker run's to float32 reduction error
    expect(relDiff(two.batchLosses, one.batchLosses)).toBeLessThan(LOSS_RTOL);
    expect(relDiff(three.batchLosses, one.batchLosses)).toBeLessThan(LOSS_RTOL);
    expect(two.r.history.map((h) => h.valLoss)).toHaveLength(3);
    expect(relDiff(two.r.history.map((h) => h.valLoss!), one.r.history.map((h) => h.valLoss!))).toBeLessThan(EVAL_RTOL);
    // the first step sees the same weights: its loss is the same sum in another order
    expect(Math.abs(two.batchLosses[0] - one.batchLosses[0]) / one.batchLosses[0]).toBeLessThan(1e-6);
    // reproducible bit for bit for a given worker count
    expect(twoAgain.batchLosses).toEqual(two.batchLosses);
    expect(twoAgain.r.weights['convs.0.bn1.running_mean']).toEqual(two.r.weights['convs.0.bn1.running_mean']);
    expect(twoAgain.r.weights['head.out.weight']).toEqual(two.r.weights['head.out.weight']);
    // batch norm's running statistics are the whole batch's (replica 0's equal every replica's)
    const rm1 = one.r.weights['convs.2.bn2.running_var'];
    const rm2 = two.r.weights['convs.2.bn2.running_var'];
    expect(relDiff(Array.from(rm2), Array.from(rm1))).toBeLessThan(1e-3);
  });

  it('fails the run cleanly when a worker is killed mid-step, and resumes from the last checkpoint', async () => {
    const straight = await run(2);
    const ckpts: Checkpoint[] = [];
    const w = watched(2);
    let steps = 0;
    let inFlight = false;
    let killedMidStep: boolean | null = null;
    const started = Date.now();
    const failed = trainModel(config, samples, {
      parallel: async (spec, local) => {
        const ex = (await w.factory(spec, local)) as DataParallelExecutor;
        const step = ex.step.bind(ex);
        ex.step = (batch, seed) => {
          inFlight = true;
          const p = step(batch, seed).finally(() => (inFlight = false));
          // the third step: epoch 1's first batch, after epoch 0's checkpoint
          if (++steps === 3)
            setTimeout(() => {
              killedMidStep = inFlight;
              void ex.threads[1].terminate();
            }, 30);
          return p;
        };
        return ex;
      },
      callbacks: { onCheckpoint: (c) => void ckpts.push(c) },
    });
    await expect(failed).rejects.toThrow(/data-parallel worker 1 exited/);
    expect(killedMidStep).toBe(true);
    expect(Date.now() - started).toBeLessThan(300_000);
    // every replica thread is gone: nothing left waiting
    const exits = await Promise.all(w.executor().threads.map((t) => t.terminate()));
    expect(exits.every((code) => typeof code === 'number' || code === undefined)).toBe(true);
    expect(ckpts.map((c) => c.epoch)).toEqual([1]);
    const resumed = await trainModel(config, samples, { resume: ckpts[0], parallel: dataParallel({ workers: 2, workerUrl }) });
    expect(resumed.history.map((h) => h.trainLoss)).toEqual(straight.r.history.map((h) => h.trainLoss));
    expect(resumed.weights['head.out.weight']).toEqual(straight.r.weights['head.out.weight']);
  });

  it("fails a replica that outgrows its heap limit, naming the limit", async () => {
    const model = buildModel(config, { seed: 1 });
    const norm = fitNormalizer(samples.flatMap((s) => Array.from(s.target)), 1);
    const program = graphModelProgram(model, samples, norm);
    const start = dataParallel({ workers: 1, workerUrl, heapLimitMb: 4 })({ kind: 'graph-model', init: { config, samples, normalizer: norm } }, program);
    await expect(start).rejects.toThrow('data-parallel worker 0 could not start: it ran out of memory (its JavaScript heap is limited to 4 MB)');
    model.dispose();
  });

  it('leaks no tensors or memory over 100 steps (coordinator and replicas)', async () => {
    const model = buildModel(config, { seed: 1 });
    const idx = samples.map((_, i) => i);
    const norm = fitNormalizer(samples.flatMap((s) => Array.from(s.target)), 1);
    const program = graphModelProgram(model, samples, norm);
    const executor = (await dataParallel({ workers: 2, workerUrl })({ kind: 'graph-model', init: { config, samples, normalizer: norm } }, program)) as DataParallelExecutor;
    try {
      const batch = (k: number) => idx.slice((k * 7) % 36, ((k * 7) % 36) + 24);
      const once = async (k: number) => {
        const r = await executor.step(batch(k));
        tf.dispose(r.grads);
        executor.weightsChanged();
      };
      for (let k = 0; k < 5; k++) await once(k); // warm-up: heaps grow to the largest batch
      const tensors = tf.memory().numTensors;
      const before = await executor.memoryUsage();
      for (let k = 5; k < 105; k++) await once(k);
      await executor.pullState();
      const after = await executor.memoryUsage();
      expect(tf.memory().numTensors).toBe(tensors);
      after.forEach((m, i) => {
        expect(m.tensors).toBe(before[i].tensors);
        expect(m.tensorBytes).toBe(before[i].tensorBytes);
        expect(m.wasmHeapBytes).toBe(before[i].wasmHeapBytes);
        // the live JS heap (the probe collects garbage first) does not grow with the steps: ~1 MB of
        // compiled code and caches over these 100 steps, where 80 KB a step kept would add 8 MB
        expect(m.jsHeapUsedBytes).toBeLessThan(before[i].jsHeapUsedBytes + 8 * 2 ** 20);
      });
    } finally {
      await executor.dispose();
      model.dispose();
    }
  });
});
