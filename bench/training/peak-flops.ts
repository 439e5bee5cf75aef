/**
 * This machine's attainable matrix-product rate on the kernels training uses (issue 15, the FLOP
 * floor's denominator): `node bench/training/run.mjs --script peak-flops [--workers N] [--seconds S]
 * [--backend wasm]`. Run it on a quiet machine.
 *
 * Dense float32 products (tf.matMul: XNNPACK on wasm) of a square 512 × 512 × 512 and of the shapes a
 * CGCNN step multiplies (a 256-structure batch of emt-dev: ~3,700 atoms × 64 by 64 × 256, the atom
 * embedding 3,700 × 92 by 92 × 64, and the 44,000-edge × 42 by 42 × 128 of CGCNN's own fc_full
 * edge columns), each repeated for S seconds (default 3): first in this thread alone, then in N
 * worker threads at once (default: one per core, as data-parallel training runs them: each its own
 * backend instance), giving each shape's GFLOP/s per thread and in total. The best total is the peak
 * the floor divides by (`--script epoch-flops --gflops G`). Prints one JSON object as its last line.
 */
import { parseArgs } from 'node:util';
import { availableParallelism } from 'node:os';
import { Worker, isMainThread, parentPort, workerData } from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import { initBackend, describeBackend } from '../../src-main/engine/tf/backend';

interface Job {
  backend: string;
  seconds: number;
}
const SHAPES: Array<[string, number, number, number]> = [
  ['square 512', 512, 512, 512],
  ['atoms 3700×64 · 64×256', 3700, 64, 256],
  ['embedding 3700×92 · 92×64', 3700, 92, 64],
  ['edges 44000×42 · 42×128', 44000, 42, 128],
];

/** GFLOP/s of each shape, repeated for `seconds` each (after a warm-up product). */
async function measure(job: Job, ready?: () => Promise<void>): Promise<Record<string, number>> {
  await initBackend({ force: job.backend });
  await ready?.();
  const out: Record<string, number> = {};
  for (const [name, m, k, n] of SHAPES) {
    const a = tf.randomUniform([m, k], -1, 1, 'float32', 1);
    const b = tf.randomUniform([k, n], -1, 1, 'float32', 2);
    tf.matMul(a, b).dispose();
    let reps = 0;
    const t0 = performance.now();
    while (performance.now() - t0 < job.seconds * 1000) {
      const c = tf.matMul(a, b);
      c.dataSync();
      c.dispose();
      reps++;
    }
    const s = (performance.now() - t0) / 1000;
    out[name] = (2 * m * k * n * reps) / s / 1e9;
    tf.dispose([a, b]);
  }
  return out;
}

if (!isMainThread) {
  // every worker starts measuring when all are ready (the main thread says 'go'), so the products run at once
  const go = () => new Promise<void>((resolve) => {
    parentPort!.once('message', () => resolve());
    parentPort!.postMessage('ready');
  });
  parentPort!.postMessage(await measure(workerData as Job, go));
} else {
  const { values } = parseArgs({ options: { backend: { type: 'string', default: 'wasm' }, workers: { type: 'string' }, seconds: { type: 'string', default: '3' }, script: { type: 'string' } } });
  const job: Job = { backend: values.backend!, seconds: Number(values.seconds) };
  const workers = values.workers ? Number(values.workers) : Math.min(8, availableParallelism());
  const choice = await initBackend({ force: job.backend });
  console.log(`backend ${describeBackend(choice)}; ${availableParallelism()} cores; ${job.seconds} s per shape`);
  const alone = await measure(job);
  let readyCount = 0;
  const threads: Worker[] = [];
  const together = await Promise.all(
    Array.from({ length: workers }, () =>
      new Promise<Record<string, number>>((resolve, reject) => {
        const w = new Worker(new URL(import.meta.url), { workerData: job, env: process.env });
        threads.push(w);
        w.on('message', (r: 'ready' | Record<string, number>) => {
          if (r === 'ready') {
            if (++readyCount === workers) for (const t of threads) t.postMessage('go');
            return;
          }
          resolve(r);
          void w.terminate();
        });
        w.once('error', reject);
      }),
    ),
  );
  const rows = SHAPES.map(([name]) => {
    const each = together.map((r) => r[name]);
    return { shape: name, aloneGflops: alone[name], perWorkerGflops: each, totalGflops: each.reduce((s, x) => s + x, 0) };
  });
  console.log(`| product | one thread alone (GFLOP/s) | ${workers} threads at once, each | total |`);
  console.log('| --- | --- | --- | --- |');
  for (const r of rows) console.log(`| ${r.shape} | ${r.aloneGflops.toFixed(2)} | ${r.perWorkerGflops.map((x) => x.toFixed(2)).join(', ')} | ${r.totalGflops.toFixed(2)} |`);
  const peak = Math.max(...rows.map((r) => r.totalGflops));
  console.log(`peak (best total): ${peak.toFixed(2)} GFLOP/s`);
  console.log(JSON.stringify({ backend: choice.candidate, workers, seconds: job.seconds, rows, peakGflops: peak }));
}
