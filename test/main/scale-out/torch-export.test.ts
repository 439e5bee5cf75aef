/**
 * Issue 16: an exported run (CGCNN, SchNet, GCN, GAT, MPNN-edge; the SchNet and PaiNN potentials) trains in PyTorch
 * exactly as in Latticework — same graphs, same initial weights, same batches in the same order,
 * same optimiser — so the first epoch's losses agree within 1e-4. Needs Debian's python3-torch (test/helpers/torch.ts: fails without it).
 */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { potentialPresetConfig, presetConfig } from '../../../src-main/engine/architectures/registry';
import { initBackend } from '../../../src-main/engine/tf/backend';
import { trainModel, type BatchProgress, type EpochProgress } from '../../../src-main/engine/train/trainer';
import { datasetAtomInit, fitConfigToData, readDatasetAt, trainingSamples } from '../../../src-main/datasets/in-process';
import { exportTorchPotential, exportTorchRun } from '../../../src-main/scale-out/torch-export';
import { decodeModelFile } from '../../../src-main/engine/models/format';
import { trainPotential, type PotentialEpoch } from '../../../src-main/engine/potential/train';
import { fitEnergyStatistics } from '../../../src-main/engine/potential/statistics';
import { potentialTrainingDomain } from '../../../src-shared/model/potential-domain';
import { trainValTestSplit } from '../../../src-shared/model/split';
import { trainingDomain } from '../../../src-shared/model/domain';
import { readFrames } from '../../../src-shared/chem';
import { SHARED_DATA } from '../../helpers/shared-data';
import { python, runPython } from '../../helpers/python';
import { requireTorch } from '../../helpers/torch';

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, number>);

/**
 * PyTorch's run in `dir` follows Latticework's first epoch batch by batch: as many batches, each
 * loss within 1e-4 and each rate equal; the losses move (the optimiser acts between batches).
 */
function expectSameFirstEpoch(dir: string, batches: readonly { epoch: number; loss: number; lr: number }[]) {
  const torchBatches = lines(join(dir, 'run', 'batches.jsonl'));
  const torchEpochs = lines(join(dir, 'run', 'metrics.jsonl'));
  const first = batches.filter((b) => b.epoch === 0);
  expect(first.length).toBeGreaterThan(3);
  expect(torchBatches.filter((b) => b.epoch === 0)).toHaveLength(first.length);
  expect(new Set(first.map((b) => b.loss.toFixed(4))).size).toBeGreaterThan(first.length / 2);
  first.forEach((b, k) => {
    expect(Math.abs(torchBatches[k].batch_loss - b.loss), `epoch 0 batch ${k}: Latticework ${b.loss}, PyTorch ${torchBatches[k].batch_loss}`).toBeLessThan(1e-4);
    expect(torchBatches[k].batch_lr).toBeCloseTo(b.lr, 12);
  });
  return { torchBatches, torchEpochs };
}

const emtText = readFileSync(`${SHARED_DATA}/emt-dev/emt_dataset.extxyz`, 'utf8');

async function exported(limit: number, overrides: Record<string, unknown>, preset = 'cgcnn-paper') {
  await initBackend({ force: 'cpu' });
  const data = await readDatasetAt(`${SHARED_DATA}/emt-dev/cgcnn`, { limit });
  const fitted = fitConfigToData(presetConfig(preset, overrides), data);
  const atomInit = datasetAtomInit(data);
  const samples = trainingSamples(fitted.config, data, atomInit);
  const dir = mkdtempSync(join(tmpdir(), 'lw-torch-export-'));
  const summary = exportTorchRun({ config: fitted.config, data, samples, atomInit, targets: fitted.targetNames.map((name) => ({ name, unit: '' })), split: null, exportedFrom: null, name: 'parity' }, dir);
  return { dir, summary, config: fitted.config, samples, data };
}

describe('export to PyTorch', { timeout: 900_000 }, () => {
  it('an exported CGCNN run with its initial weights gives the same first-epoch losses in PyTorch as in Latticework (1e-4, same batches, same order; validated with the weight average)', async () => {
    requireTorch();
    const { dir, summary, config, samples } = await exported(60, {
      model: { atomFeatures: 16, hiddenFeatures: 24, numLayers: 2 },
      training: { batchSize: 8, epochs: 2, seed: 11, optimizer: { kind: 'sgd', lr: 0.05, momentum: 0.9 }, weightDecay: 1e-4, emaDecay: 0.9 },
    });
    expect(config.training.emaDecay).toBe(0.9);
    expect(summary).toMatchObject({ architecture: 'cgcnn', structures: 60, split: { train: 48, val: 6, test: 6 }, cgcnnLayout: true });
    for (const f of ['export.json', 'config.json', 'split.json', 'initial.lwm', 'data/graphs.bin', 'data/dataset.extxyz', 'data/cgcnn/id_prop.csv', 'data/cgcnn/atom_init.json', 'train.py', 'latticework_torch.py', 'train.sbatch', 'README.md'])
      expect(existsSync(join(dir, f)), f).toBe(true);
    expect(readFileSync(join(dir, 'data/cgcnn/id_prop.csv'), 'utf8').trim().split('\n')).toHaveLength(60);
    expect(readFileSync(join(dir, 'data/dataset.extxyz'), 'utf8')).toMatch(/id=emt-00000 target=-?[0-9.]+/);

    // Latticework: the same config, data and seed
    const batches: BatchProgress[] = [];
    const epochs: EpochProgress[] = [];
    await trainModel(config, samples, { callbacks: { onBatch: (b) => void batches.push(b), onEpoch: (e) => void epochs.push(e) } });

    python(['train.py', '--epochs', '2', '--device', 'cpu'], dir);
    const { torchBatches, torchEpochs } = expectSameFirstEpoch(dir, batches);
    expect(batches.filter((b) => b.epoch === 0)).toHaveLength(6);
    expect(Math.abs(torchEpochs[0].train_loss - epochs[0].trainLoss)).toBeLessThan(1e-4);
    expect(Math.abs(torchEpochs[0].val_loss - epochs[0].valLoss!)).toBeLessThan(1e-4);
    expect(Math.abs(torchEpochs[0].val_mae - epochs[0].valMetrics.mae) / Math.max(1, Math.abs(epochs[0].valMetrics.mae))).toBeLessThan(1e-4);
    // every key Latticework records for an epoch is in PyTorch's line
    for (const k of ['train_loss', 'val_loss', 'lr', 'epoch_seconds', 'structures_per_second', 'train_mae', 'train_rmse', 'val_mae', 'val_rmse', 'val_r2', 'val_maxError']) expect(torchEpochs[0], k).toHaveProperty(k);
    // the second epoch (a new shuffle from the same stream) stays with Latticework too
    batches
      .filter((b) => b.epoch === 1)
      .forEach((b, k) => expect(Math.abs(torchBatches[6 + k].batch_loss - b.loss), `epoch 1 batch ${k}`).toBeLessThan(1e-3));

    // PyTorch's checkpoints are Latticework model files with the export's weight names and shapes
    const initial = decodeModelFile(new Uint8Array(readFileSync(join(dir, 'initial.lwm'))));
    const best = decodeModelFile(new Uint8Array(readFileSync(join(dir, 'run', 'best.lwm'))));
    expect(best.header.weights.map((w) => [w.name, w.shape])).toEqual(initial.header.weights.map((w) => [w.name, w.shape]));
    expect(best.header.config).toEqual(initial.header.config);
    // and the training split's domain (elements, sizes, target range), which predictions with the run brought back are checked against
    const split = JSON.parse(readFileSync(join(dir, 'split.json'), 'utf8')) as { train: number[] };
    expect(initial.header.domain).toEqual(trainingDomain(split.train.map((i) => ({ numbers: samples[i].graph.numbers, pbc: [true, true, true] })), split.train.map((i) => samples[i].target)));
    expect(best.header.domain).toEqual(initial.header.domain);
  });

  // SchNet: learned embedding and continuous filters; GCN: CGCNN's atom features, normalised adjacency; GAT: attention
  // over the edges into each atom (2 heads, mean readout: attention readouts are not exported), all Adam with warm-up and a
  // cosine schedule; MPNN-edge: an edge state updated by every layer (mean readout: set2set is not exported), AdamW with
  // weight decay, a plateau schedule and gradient clipping (its preset's). All with one epoch of warm-up.
  for (const [architecture, cgcnnLayout, model] of [
    ['schnet', false, {}],
    ['gcn', true, {}],
    ['gat', true, { attentionHeads: 2, readout: 'mean' }],
    ['mpnn-edge', false, { edgeFeatures: 8, readout: 'mean' }],
  ] as const) {
    it(`an exported ${architecture} run gives the same first-epoch losses in PyTorch as in Latticework (1e-4)`, async () => {
      requireTorch();
      const { dir, summary, config, samples } = await exported(
        48,
        { model: { atomFeatures: 16, filterFeatures: 16, hiddenFeatures: 16, ...model }, training: { batchSize: 8, epochs: 2, seed: 5, warmupEpochs: 1 } },
        architecture,
      );
      expect(summary).toMatchObject({ architecture, structures: 48, cgcnnLayout });
      expect(config.training.warmupEpochs).toBe(1);
      if (architecture === 'mpnn-edge') expect(config.training).toMatchObject({ optimizer: { kind: 'adamw' }, schedule: { kind: 'plateau' }, gradClipNorm: 10 });
      else expect(config.training).toMatchObject({ optimizer: { kind: 'adam' }, schedule: { kind: 'cosine' } });
      const batches: BatchProgress[] = [];
      const epochs: EpochProgress[] = [];
      await trainModel(config, samples, { callbacks: { onBatch: (b) => void batches.push(b), onEpoch: (e) => void epochs.push(e) } });
      python(['train.py', '--epochs', '2', '--device', 'cpu'], dir);
      const { torchEpochs } = expectSameFirstEpoch(dir, batches);
      expect(Math.abs(torchEpochs[0].train_loss - epochs[0].trainLoss)).toBeLessThan(1e-4);
      expect(Math.abs(torchEpochs[0].val_loss - epochs[0].valLoss!)).toBeLessThan(1e-4);
    });
  }

  for (const architecture of ['schnet', 'painn'] as const) {
    it(`an exported ${architecture} potential with its initial weights gives the same first-epoch losses and validation errors in PyTorch as in Latticework (1e-4)`, async () => {
      requireTorch();
      await initBackend({ force: 'cpu' });
      // the rate per batch as Latticework sets it: PaiNN with the cosine annealed per step, SchNet with its preset's
      // plateau and a final decay over the second half of the run. SchNet with SGD and a gradient clip that acts on
      // every batch (the preset's 10 is not reached by these small models, and Adam's step does not see a clip's
      // scale), so the twin's clipping is seen to be Latticework's
      const config = potentialPresetConfig(`${architecture}-potential`, {
        // PaiNN with a vector-norm ε neither the schema's nor the preset's, so the twin is seen to read it
        model: { features: 16, filterFeatures: 16, numLayers: 2, headHidden: 8, ...(architecture === 'painn' ? { vectorNormEpsilon: 0.05 } : {}) },
        radial: { numBasis: 12 },
        training: {
          batchSize: 6,
          epochs: 1,
          seed: 7,
          ...(architecture === 'painn' ? { schedule: { kind: 'cosine' } } : { finalDecay: 0.5, optimizer: { kind: 'sgd', lr: 0.2, momentum: 0.9 }, gradClipNorm: 0.05 }),
        },
      });
      expect(config.training).toMatchObject(architecture === 'painn' ? { schedule: { kind: 'cosine' } } : { schedule: { kind: 'plateau' }, finalDecay: 0.5 });
      const frames = readFrames('emt_dataset.extxyz', emtText).frames.slice(0, 40);
      const dir = mkdtempSync(join(tmpdir(), `lw-torch-${architecture}-`));
      const summary = exportTorchPotential({ config, frames, source: 'emt', split: null, exportedFrom: null, name: 'parity' }, dir);
      expect(summary).toMatchObject({ architecture, structures: 40, split: { train: 32, val: 4, test: 4 } });
      const batches: { epoch: number; loss: number; lr: number }[] = [];
      const epochs: PotentialEpoch[] = [];
      await trainPotential(config, frames, { onBatch: (b) => void batches.push(b), onEpoch: (e) => void epochs.push(e) });
      expect(batches.at(-1)!.lr).toBeLessThan(batches[0].lr * 0.5); // the schedule moves within the epoch
      python(['train.py', '--device', 'cpu'], dir);
      const { torchEpochs } = expectSameFirstEpoch(dir, batches);
      expect(Math.abs(torchEpochs[0].train_loss - epochs[0].trainLoss)).toBeLessThan(1e-4);
      // validation with the averaged weights: energy per atom (meV/atom) and force errors (eV/Å)
      expect(Math.abs(torchEpochs[0].val_energy_mae - epochs[0].val!.energyMaeMeVPerAtom!)).toBeLessThan(1e-4 * 1000); // 1e-4 eV/atom
      expect(Math.abs(torchEpochs[0].val_force_mae - epochs[0].val!.forceMae!)).toBeLessThan(1e-4);
      expect(epochs[0].val!.forceMae).toBeGreaterThan(0.01);
      // the training split's domain (shortest distances, energy range) comes back with the model PyTorch wrote
      const initial = decodeModelFile(new Uint8Array(readFileSync(join(dir, 'initial.lwm'))));
      const train = trainValTestSplit(frames.length, config.training.split, config.training.seed).train.map((i) => frames[i]);
      expect(initial.header.domain).toEqual(potentialTrainingDomain(train, fitEnergyStatistics(train, config.model.maxZ).reference, config.radial.cutoff));
      expect(Object.keys(initial.header.domain!.potential!.shortestDistances).length).toBeGreaterThan(3);
      const best = decodeModelFile(new Uint8Array(readFileSync(join(dir, 'run', 'best.lwm'))));
      expect(best.header.domain).toEqual(initial.header.domain);
    });
  }

  it('molecules (no cell) mixed with crystals that carry a stress train in PyTorch as in Latticework: no NaN, the same first-epoch losses (1e-4)', async () => {
    requireTorch();
    await initBackend({ force: 'cpu' });
    const config = potentialPresetConfig('schnet-potential', { model: { features: 16, filterFeatures: 16, numLayers: 2, headHidden: 8 }, radial: { numBasis: 12 }, training: { batchSize: 6, epochs: 1, seed: 7 } });
    const crystals = readFrames('emt_dataset.extxyz', emtText).frames.slice(0, 16);
    // the same atoms without their cell: a molecule has no stress (its label is left out with it)
    const molecules = readFrames('emt_dataset.extxyz', emtText)
      .frames.slice(16, 32)
      .map((f) => ({ ...f, structure: { ...f.structure, lattice: null, pbc: [false, false, false] as [boolean, boolean, boolean], frac: null } }));
    expect(crystals.every((f) => f.stress !== null) && molecules.every((f) => f.stress !== null)).toBe(true);
    const frames = crystals.flatMap((c, k) => [c, molecules[k]]);
    const dir = mkdtempSync(join(tmpdir(), 'lw-torch-mixed-'));
    exportTorchPotential({ config, frames, source: 'emt', split: null, exportedFrom: null, name: 'mixed' }, dir);
    const batches: { epoch: number; loss: number; lr: number }[] = [];
    const r = await trainPotential(config, frames, { onBatch: (b) => void batches.push(b) });
    expect(r.trained.stress).toBe(true);
    python(['train.py', '--device', 'cpu'], dir);
    expectSameFirstEpoch(dir, batches);
  });

  it('refuses what it cannot export (set2set and attention readouts), naming why, and a folder that is not empty', async () => {
    await initBackend({ force: 'cpu' });
    const data = await readDatasetAt(`${SHARED_DATA}/emt-dev/cgcnn`, { limit: 10 });
    const atomInit = datasetAtomInit(data);
    const dir = mkdtempSync(join(tmpdir(), 'lw-torch-refuse-'));
    const mpnn = fitConfigToData(presetConfig('mpnn-edge', { training: { epochs: 1 } }), data);
    expect(() => exportTorchRun({ config: mpnn.config, data, samples: trainingSamples(mpnn.config, data, atomInit), atomInit, targets: mpnn.targetNames.map((name) => ({ name, unit: '' })), split: null, exportedFrom: null, name: 'x' }, dir)).toThrow(/readout "set2set"/);
    const cg = fitConfigToData(presetConfig('cgcnn-paper', { model: { readout: 'attention' } }), data);
    expect(() => exportTorchRun({ config: cg.config, data, samples: trainingSamples(cg.config, data, atomInit), atomInit, targets: cg.targetNames.map((name) => ({ name, unit: '' })), split: null, exportedFrom: null, name: 'x' }, dir)).toThrow(/readout "attention"/);
    writeFileSync(join(dir, 'notes.txt'), 'mine');
    const ok = fitConfigToData(presetConfig('cgcnn-paper', { training: { epochs: 1 } }), data);
    expect(() => exportTorchRun({ config: ok.config, data, samples: trainingSamples(ok.config, data, atomInit), atomInit, targets: ok.targetNames.map((name) => ({ name, unit: '' })), split: null, exportedFrom: null, name: 'x' }, dir)).toThrow(/is not empty/);
    expect(readFileSync(join(dir, 'notes.txt'), 'utf8')).toBe('mine');
  });

  it("names CGCNN's files without a leading '-' or '.', so that no id in id_prop.csv is a spreadsheet formula and each names its CIF", async () => {
    await initBackend({ force: 'cpu' });
    const data = await readDatasetAt(`${SHARED_DATA}/emt-dev/cgcnn`, { limit: 4 });
    const atomInit = datasetAtomInit(data);
    const { config, targetNames } = fitConfigToData(presetConfig('cgcnn-paper', { training: { epochs: 1 } }), data);
    const ids = ['-A1+B1', '=HYPERLINK("http://evil.example")', '..hidden', '@SUM(A1)'];
    const samples = trainingSamples(config, data, atomInit).map((x, i) => ({ ...x, id: ids[i] }));
    const dir = mkdtempSync(join(tmpdir(), 'lw-torch-ids-'));
    exportTorchRun({ config, data, samples, atomInit, targets: targetNames.map((name) => ({ name, unit: '' })), split: null, exportedFrom: null, name: 'ids' }, dir);
    const rows = readFileSync(join(dir, 'data/cgcnn/id_prop.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
    expect(rows.map((r) => r[0])).toEqual(['A1_B1', '_HYPERLINK_http_evil.example_', 'hidden', '_SUM_A1_']);
    rows.forEach((r, i) => {
      expect(existsSync(join(dir, 'data/cgcnn', `${r[0]}.cif`)), r[0]).toBe(true);
      expect(r.slice(1).map(Number)).toEqual(Array.from(samples[i].target));
    });
  });

  it("train.py's stop signal asks once; the same signal again ends the process at once", () => {
    requireTorch();
    const script = [
      'import signal, types, latticework_torch as m',
      'run = types.SimpleNamespace(stop_signal=None)',
      'm.RunFiles.ask_stop(run, signal.SIGTERM, None)',
      'print(run.stop_signal, flush=True)',
      'm.RunFiles.ask_stop(run, signal.SIGTERM, None)',
      "print('still running', flush=True)",
    ].join('\n');
    const r = runPython(['-c', script], { cwd: fileURLToPath(new URL('../../../resources/torch', import.meta.url)), timeoutS: 120 });
    // killed by the signal: no exit status (timeout passes its child's death by a signal on as its own)
    expect([r.stdout, r.status]).toEqual(['SIGTERM\n', null]);
  });
});
