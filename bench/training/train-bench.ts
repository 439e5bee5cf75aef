/**
 * Training throughput and accuracy benchmark (see BENCHMARKS.md, "Training").
 *
 *   node bench/training/run.mjs [--data DIR] [--backend wasm|cpu] [--epochs N] [--preset ID]
 *       [--limit N] [--workers N] [--json OUT]
 *
 * Loads a CGCNN folder (default: the shared data's emt-dev/cgcnn), builds the graphs with
 * the preset's settings, trains with the preset (CGCNN paper settings by default) and
 * prints per-epoch wall time and structures/s (training part of the epoch only, and the
 * whole epoch including validation), then the test MAE of the best-validation model. Training is
 * data-parallel over --workers threads (default: as `latticework train`, one per core on wasm and cpu).
 */
import { parseArgs } from 'node:util';
import { writeFileSync } from 'node:fs';
import { initBackend, describeBackend } from '../../src-main/engine/tf/backend';
import { ensureGradients } from '../../src-main/engine/tf/gradients';
import { datasetAtomInit, readDatasetAt, trainingSamples } from '../../src-main/datasets/in-process';
import { trainModel } from '../../src-main/engine/train/trainer';
import { presetConfig } from '../../src-main/engine/architectures/registry';
import { shared } from '../../test/helpers/shared-data';
import { dataParallel } from '../../src-main/workers/parallel/executor';
import { defaultTrainingWorkers } from '../../src-main/workers/parallel/workers';

const { values } = parseArgs({
  options: {
    data: { type: 'string', default: shared('emt-dev', 'cgcnn') },
    backend: { type: 'string', default: 'wasm' },
    epochs: { type: 'string', default: '5' },
    preset: { type: 'string', default: 'cgcnn-paper' },
    limit: { type: 'string' },
    seed: { type: 'string', default: '123' },
    lr: { type: 'string' },
    'batch-size': { type: 'string' },
    workers: { type: 'string' },
    json: { type: 'string' },
  },
});

const t0 = performance.now();
const choice = await initBackend({ force: values.backend });
const g = await ensureGradients();
if (g) throw new Error(g);
const overrides: Record<string, unknown> = { training: { epochs: Number(values.epochs), seed: Number(values.seed) } };
if (values.lr) (overrides.training as Record<string, unknown>).optimizer = { lr: Number(values.lr) };
if (values['batch-size']) (overrides.training as Record<string, unknown>).batchSize = Number(values['batch-size']);
const config = presetConfig(values.preset!, overrides);
const tl = performance.now();
const data = await readDatasetAt(values.data!, { limit: values.limit ? Number(values.limit) : undefined });
const tg = performance.now();
const samples = trainingSamples(config, data, datasetAtomInit(data));
const tt = performance.now();
const workers = values.workers ? Number(values.workers) : defaultTrainingWorkers(choice.candidate).default;
console.log(`backend ${describeBackend(choice)}; ${workers} data-parallel worker(s)`);
console.log(`read ${data.items.length} structures in ${((tg - tl) / 1000).toFixed(2)} s, graphs in ${((tt - tg) / 1000).toFixed(2)} s`);
const epochs: Array<Record<string, number>> = [];
const result = await trainModel(config, samples, {
  parallel: workers > 1 ? dataParallel({ workers }) : undefined,
  callbacks: {
    onEpoch: (e) => {
      const trainSeconds = e.structuresPerSecond > 0 ? (e.valMetrics ? 0 : 0) : 0;
      void trainSeconds;
      epochs.push({ epoch: e.epoch, seconds: e.seconds, trainStructuresPerSecond: e.structuresPerSecond, trainLoss: e.trainLoss, valMae: e.valMetrics.mae });
      console.log(
        `epoch ${e.epoch}: ${e.seconds.toFixed(2)} s (train ${e.structuresPerSecond.toFixed(0)} structures/s) loss ${e.trainLoss.toFixed(4)} train MAE ${e.trainMetrics.mae?.toFixed(4)} val MAE ${e.valMetrics.mae?.toFixed(4)}${e.isBest ? ' *' : ''}`,
      );
    },
  },
});
const total = (performance.now() - t0) / 1000;
console.log(`test MAE ${result.test?.metrics.mae.toFixed(4)} (best epoch ${result.bestEpoch}, val MAE ${result.bestMetric.toFixed(4)}); total wall ${total.toFixed(1)} s`);
const summary = {
  backend: choice.candidate,
  workers,
  preset: values.preset,
  structures: data.items.length,
  split: { train: result.split.train.length, val: result.split.val.length, test: result.split.test.length },
  readSeconds: (tg - tl) / 1000,
  graphSeconds: (tt - tg) / 1000,
  epochs,
  testMae: result.test?.metrics.mae,
  bestEpoch: result.bestEpoch,
  bestValMae: result.bestMetric,
  totalSeconds: total,
};
if (values.json) writeFileSync(values.json, JSON.stringify(summary, null, 2));
