import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import type { ModelConfig, ModelConfigInput } from '../../../../src-shared/model/config';
import { decodeCheckpoint, encodeCheckpoint, type Checkpoint } from '../../../../src-main/engine/train/checkpoint';
import { TrainingControl } from '../../../../src-main/engine/train/control';
import { buildModel } from '../../../../src-main/engine/layers/model';
import { evaluateSplit, kFoldEnsemble, trainKFold, trainModel } from '../../../../src-main/engine/train/trainer';
import { smallConfig, useCpu } from '../layers/helpers';
import { rocksaltSamples as dataset } from './helpers';

beforeAll(useCpu);

function cfg(input: Partial<ModelConfigInput> & { architecture: ModelConfigInput['architecture'] }, training: object = {}): ModelConfig {
  return smallConfig({ ...input, training: { batchSize: 8, epochs: 6, optimizer: { kind: 'adam', lr: 0.01 }, split: { val: 0.25, test: 0.125 }, seed: 3, ...training } });
}

describe('training', { timeout: 120_000 }, () => {
  it.each(['cgcnn', 'schnet'] as const)('%s: the loss goes down and the result carries metrics and predictions', async (architecture) => {
    const config = cfg({ architecture }, { epochs: 8 });
    const data = dataset(config);
    const epochs: number[] = [];
    let batches = 0;
    const r = await trainModel(config, data, { callbacks: { onBatch: () => void batches++, onEpoch: (e) => void epochs.push(e.trainLoss) } });
    expect(r.status).toBe('finished');
    expect(epochs).toHaveLength(8);
    expect(batches).toBe(8 * 2);
    expect(epochs[7]).toBeLessThan(0.75 * epochs[0]);
    expect(r.split.train.length + r.split.val.length + r.split.test.length).toBe(24);
    expect(r.test!.predictions).toHaveLength(r.split.test.length);
    // the test MAE is the mean absolute error of the returned predictions (in target units)…
    const t = r.test!;
    const mae = t.predictions.reduce((acc, p, k) => acc + Math.abs(p - t.targets[k]), 0) / t.predictions.length;
    expect(t.metrics.mae).toBeCloseTo(mae, 10);
    expect(Array.from(t.targets)).toEqual(r.split.test.map((i) => data[i].target[0]));
    // …in target units (targets are 5…7.1 Å + 0.3·pair: normalised outputs would sit near 0)
    for (const p of t.predictions) expect(Math.abs(p - 6.3)).toBeLessThan(2);
    expect(t.metrics.mae).toBeLessThan(1.5);
    expect(r.history[r.bestEpoch].valMetrics.mae).toBeCloseTo(r.bestMetric, 10);
    // the validation evaluation of the restored best weights reproduces the best metric
    expect(r.val!.metrics.mae).toBeCloseTo(r.bestMetric, 5);
  });

  it('is deterministic: same seed, same run; another seed, another run', async () => {
    const config = cfg({ architecture: 'gat', model: { dropout: 0.2 } }, { epochs: 3 });
    const data = dataset(config);
    const a = await trainModel(config, data);
    const b = await trainModel(config, data);
    expect(b.history.map((h) => h.trainLoss)).toEqual(a.history.map((h) => h.trainLoss));
    expect(b.weights['head.out.weight']).toEqual(a.weights['head.out.weight']);
    const c = await trainModel({ ...config, training: { ...config.training, seed: 4 } }, data);
    expect(c.history.map((h) => h.trainLoss)).not.toEqual(a.history.map((h) => h.trainLoss));
  });

  it.each([0, 0.9])('resumes from an encoded checkpoint exactly (weights, optimiser, RNG, plateau state, weight average %s)', async (emaDecay) => {
    const config = cfg({ architecture: 'cgcnn', model: { dropout: 0.1 } }, { epochs: 4, optimizer: { kind: 'sgd', lr: 0.02, momentum: 0.9 }, schedule: { kind: 'plateau', patience: 0, factor: 0.5 }, emaDecay });
    const data = dataset(config);
    const straight = await trainModel(config, data);
    const ckpts: Checkpoint[] = [];
    const control = new TrainingControl();
    const first = await trainModel(config, data, {
      control,
      callbacks: {
        onCheckpoint: (c) => {
          ckpts.push(decodeCheckpoint(encodeCheckpoint(c)));
          if (c.epoch === 2) control.cancel();
        },
      },
    });
    expect(first.status).toBe('cancelled');
    expect(ckpts.map((c) => c.epoch)).toEqual([1, 2]);
    const resumed = await trainModel(config, data, { resume: ckpts[1] });
    expect(resumed.history.map((h) => h.trainLoss)).toEqual(straight.history.map((h) => h.trainLoss));
    expect(resumed.history.map((h) => h.lr)).toEqual(straight.history.map((h) => h.lr));
    for (const [k, v] of Object.entries(straight.weights)) expect(resumed.weights[k]).toEqual(v);
    expect(resumed.history.map((h) => h.valMetrics.mae)).toEqual(straight.history.map((h) => h.valMetrics.mae));
    expect(ckpts[1].average !== undefined).toBe(emaDecay > 0);
  });

  it('keeps a weight average (training.emaDecay): it validates, is selected and stored; the steps train the raw weights', async () => {
    // one step per epoch (the batch is the training split), so every checkpoint holds the raw weights and the average after a step
    const base = cfg({ architecture: 'cgcnn' }, { epochs: 5, batchSize: 64, optimizer: { kind: 'adam', lr: 0.02 } });
    const data = dataset(base);
    const raw = await trainModel(base, data);
    const d = 0.5;
    const config = { ...base, training: { ...base.training, emaDecay: d } };
    const ckpts: Checkpoint[] = [];
    const avg = await trainModel(config, data, { callbacks: { onCheckpoint: (c) => void ckpts.push(decodeCheckpoint(encodeCheckpoint(c))) } });
    // the same raw trajectory: the training losses are those of the run without an average
    expect(avg.history.map((h) => h.trainLoss)).toEqual(raw.history.map((h) => h.trainLoss));
    expect(avg.history.map((h) => h.valMetrics.mae)).not.toEqual(raw.history.map((h) => h.valMetrics.mae));
    // a_n = d_n·a_{n−1} + (1 − d_n)·w_n with d_n = min(d, (1 + n)/(10 + n)), n = 1, 2, … (the optimiser's step)
    const model = buildModel(config, { seed: config.training.seed });
    const named = model.namedVariables();
    const names = model.trainableVariables().map((v) => named.find((nv) => nv.variable === v)!.name);
    model.dispose();
    expect(ckpts[0].average).toHaveLength(names.length);
    for (let e = 1; e < ckpts.length; e++) {
      const n = e + 1;
      const dn = Math.min(d, (1 + n) / (10 + n));
      names.forEach((k, i) => {
        const w = ckpts[e].weights[k];
        const prev = ckpts[e - 1].average![i];
        const a = ckpts[e].average![i];
        expect(a.length).toBe(w.length);
        for (let j = 0; j < a.length; j++) expect(Math.abs(a[j] - (dn * prev[j] + (1 - dn) * w[j]))).toBeLessThan(1e-6 * (1 + Math.abs(w[j])));
      });
    }
    // the best epoch's stored weights are the average then, not the raw weights
    const best = ckpts[avg.bestEpoch];
    names.forEach((k, i) => expect(avg.weights[k]).toEqual(best.average![i]));
    expect(names.some((k) => avg.weights[k].some((x, j) => x !== best.weights[k][j]))).toBe(true);
    // and they reproduce the validation metric the run selected them by
    expect(avg.val!.metrics.mae).toBeCloseTo(avg.bestMetric, 5);
  });

  it('pauses and resumes, cancels between batches', async () => {
    const config = cfg({ architecture: 'gcn' }, { epochs: 3 });
    const data = dataset(config);
    // what the trainer does with the control, in order, with the time of each batch
    const events: string[] = [];
    const at = new Map<string, number>();
    class RecordingControl extends TrainingControl {
      override async waitWhilePaused(): Promise<void> {
        events.push(this.paused ? 'waits (paused)' : 'waits');
        await super.waitWhilePaused();
        events.push('goes on');
      }
    }
    const control = new RecordingControl();
    const r = await trainModel(config, data, {
      control,
      callbacks: {
        onBatch: (b) => {
          const name = `batch ${b.epoch}.${b.batch}`;
          events.push(name);
          at.set(name, performance.now());
          if (b.epoch === 1 && b.batch === 0) {
            control.pause();
            setTimeout(() => {
              events.push('resume');
              control.resume();
            }, 150);
          }
        },
      },
    });
    expect(r.status).toBe('finished');
    // the batch after the pause waits for the resume: no batch runs while paused…
    const i = events.indexOf('batch 1.0');
    expect(events.slice(i, i + 5)).toEqual(['batch 1.0', 'waits (paused)', 'resume', 'goes on', 'batch 1.1']);
    // …so the gap between the two batches around the pause is the pause (the timer's 150 ms)
    expect(at.get('batch 1.1')! - at.get('batch 1.0')!).toBeGreaterThanOrEqual(140);
    expect(events.filter((e) => e === 'waits (paused)')).toHaveLength(1);
    const abort = new AbortController();
    let seen = 0;
    const c = await trainModel(config, data, { control: new TrainingControl(abort.signal), callbacks: { onBatch: () => (++seen === 3 ? abort.abort() : undefined) } });
    expect(c.status).toBe('cancelled');
    expect(seen).toBe(3);
    expect(c.test).toBeNull();
  });

  it('stops early when the selection metric stops improving', async () => {
    const config = cfg({ architecture: 'gcn' }, { epochs: 10, earlyStoppingPatience: 2, optimizer: { kind: 'sgd', lr: 1e-12, momentum: 0 } });
    const r = await trainModel(config, dataset(config));
    expect(r.status).toBe('early-stopped');
    expect(r.epochsRun).toBeLessThan(10);
    expect(r.bestEpoch).toBeLessThan(r.epochsRun);
  });

  it('trains classification and per-atom heads', async () => {
    const cls = cfg({ architecture: 'mpnn-edge', model: { head: { kind: 'classification', numClasses: 2 } } }, { epochs: 6 });
    const rc = await trainModel(cls, dataset(cls, 24, 'classification'));
    expect(rc.selectionMetric).toBe('rocAuc');
    expect(rc.history[5].trainLoss).toBeLessThan(rc.history[0].trainLoss);
    expect(rc.test!.predictions.length).toBe(2 * rc.split.test.length);
    const pa = cfg({ architecture: 'schnet', model: { head: { kind: 'per-atom', numTargets: 1 } } }, { epochs: 5 });
    const rp = await trainModel(pa, dataset(pa, 24, 'per-atom'));
    expect(rp.test!.predictions.length).toBe(8 * rp.split.test.length);
    expect(rp.history[4].trainLoss).toBeLessThan(rp.history[0].trainLoss);
  });

  it('k-fold: every train∪val sample is validated once, the test split is shared', async () => {
    const config = cfg({ architecture: 'gcn' }, { epochs: 2, kFold: 3 });
    const r = await trainKFold(config, dataset(config));
    expect(r.folds).toHaveLength(3);
    const validated = r.folds.flatMap((f) => f.split.val).sort((a, b) => a - b);
    const all = [...r.folds[0].split.train, ...r.folds[0].split.val].sort((a, b) => a - b);
    expect(validated).toEqual(all);
    for (const f of r.folds) expect(f.split.test).toEqual(r.test);
    expect(Number.isFinite(r.summary.mean)).toBe(true);
  });

  it('k-fold resumed from any checkpoint (within a fold, at a fold\'s end, a fine-tuning run\'s) ends as the uninterrupted run: the folds finished before it kept, not trained again', async () => {
    const config = cfg({ architecture: 'gcn' }, { epochs: 3, kFold: 3 });
    const data = dataset(config);
    const source = buildModel(config, { seed: 99 });
    // a fine-tuning run's start (its embedding frozen): the folds after a resumed one start from it too
    const runs = [{ start: undefined }, { start: { weights: source.getWeights(), freeze: 1, keepHead: null } }];
    source.dispose();
    for (const { start } of runs) {
      const checkpoints: Checkpoint[] = [];
      const whole = await trainKFold(config, data, { start, callbacks: { onCheckpoint: (c) => void checkpoints.push(c) } });
      const ensemble = kFoldEnsemble(config, whole.folds);
      expect(checkpoints.map((c) => [c.kFold!.fold, c.epoch, c.kFold!.finished.length])).toEqual([0, 1, 2].flatMap((f) => [1, 2, 3].map((e) => [f, e, f])));
      // within fold 1; at fold 0's last epoch (killed before fold 1's first checkpoint)
      for (const at of [checkpoints[4], checkpoints[2]]) {
        const trained: number[] = [];
        const resumed = await trainKFold(config, data, { start: undefined, resume: decodeCheckpoint(encodeCheckpoint(at)), callbacks: { onEpoch: (e) => void trained.push(e.fold! * 3 + e.epoch) } });
        expect(trained).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8].filter((e) => e >= at.kFold!.fold * 3 + at.epoch));
        expect(resumed.folds.map((f) => [f.fold, f.status, f.bestEpoch, f.bestMetric, f.history.length])).toEqual(whole.folds.map((f) => [f.fold, f.status, f.bestEpoch, f.bestMetric, f.history.length]));
        resumed.folds.forEach((f, i) => {
          for (const [name, w] of Object.entries(whole.folds[i].weights)) expect(Array.from(f.weights[name]), name).toEqual(Array.from(w));
          expect(f.val!.metrics).toEqual(whole.folds[i].val!.metrics);
        });
        const again = kFoldEnsemble(config, resumed.folds);
        expect(Array.from(again.test!.predictions)).toEqual(Array.from(ensemble.test!.predictions));
        expect(again.valMetrics).toEqual(ensemble.valMetrics);
      }
    }
  });

  it('resumed from the checkpoint of the epoch that stopped it early, a run stays stopped', async () => {
    const config = cfg({ architecture: 'gcn' }, { epochs: 10, earlyStoppingPatience: 2, optimizer: { kind: 'sgd', lr: 1e-12, momentum: 0 } });
    const data = dataset(config);
    const checkpoints: Checkpoint[] = [];
    const whole = await trainModel(config, data, { callbacks: { onCheckpoint: (c) => void checkpoints.push(c) } });
    expect(whole.status).toBe('early-stopped');
    const last = checkpoints[checkpoints.length - 1];
    let epochs = 0;
    const resumed = await trainModel(config, data, { resume: last, callbacks: { onEpoch: () => void epochs++ } });
    expect([resumed.status, epochs, resumed.bestEpoch, resumed.history.length]).toEqual(['early-stopped', 0, whole.bestEpoch, whole.history.length]);
    expect(resumed.test!.metrics).toEqual(whole.test!.metrics);
  });

  it('rejects bad targets with a clear message', async () => {
    const config = cfg({ architecture: 'gcn', model: { head: { kind: 'regression', numTargets: 2 } } });
    await expect(trainModel(config, dataset(config))).rejects.toThrow(/expected 2 targets, got 1/);
  });
});

describe('no tensor leaks', { timeout: 120_000 }, () => {
  it.each(['cpu', 'wasm'] as const)('%s: tensor count is constant across training steps, epochs and runs', async (backend) => {
    if (backend === 'wasm') {
      const { initBackend } = await import('../../../../src-main/engine/tf/backend');
      await initBackend({ force: 'wasm' });
    }
    try {
      for (const architecture of backend === 'cpu' ? (['cgcnn', 'mpnn-edge', 'gat'] as const) : (['cgcnn', 'gat'] as const)) {
        const config = cfg({ architecture, model: { readout: 'set2set' } }, { epochs: 2, gradClipNorm: 1, emaDecay: architecture === 'cgcnn' ? 0.9 : 0 });
        const data = dataset(config, 16);
        const counts: number[] = [];
        const before = tf.memory().numTensors;
        await trainModel(config, data, { callbacks: { onBatch: () => void counts.push(tf.memory().numTensors) } });
        expect(new Set(counts.slice(1)).size).toBe(1);
        // a whole run (model, optimiser state, batches) leaves nothing behind
        expect(tf.memory().numTensors).toBe(before);
        await trainModel(config, data);
        expect(tf.memory().numTensors).toBe(before);
      }
      // predictions: repeated evaluations of a kept model leave nothing behind
      const config = cfg({ architecture: 'schnet', model: { readout: 'attention' } }, { epochs: 1 });
      const data = dataset(config, 12);
      const r = await trainModel(config, data, { keepModel: true });
      evaluateSplit(r.model!, data, [0, 1, 2, 3, 4], r.normalizer, 2);
      const n0 = tf.memory().numTensors;
      for (let k = 0; k < 3; k++) evaluateSplit(r.model!, data, [0, 1, 2, 3, 4], r.normalizer, 2);
      expect(tf.memory().numTensors).toBe(n0);
      r.model!.dispose();
    } finally {
      await tf.setBackend('cpu');
    }
  });
});
