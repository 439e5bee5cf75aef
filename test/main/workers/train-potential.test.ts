/**
 * The end of a potential's training run (workers/train-potential.ts): the stored model is loaded once for its
 * final evaluation (an ensemble's validation and test errors, the own energies of its training structures; it
 * was loaded three times), its numbers those of the model file loaded afresh, and no tensor is left behind.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { readFrames } from '../../../src-shared/chem';
import { parsePotentialConfig } from '../../../src-shared/model/potential';
import { withPredictedEnergies } from '../../../src-shared/model/potential-domain';
import { loadMembers } from '../../../src-main/engine/models/runtime';
import { LoadedPotential, ownEnergies, splitErrors } from '../../../src-main/engine/potential/file';
import { TrainingControl } from '../../../src-main/engine/train/control';
import { initBackend } from '../../../src-main/engine/tf/backend';
import { trainPotentialRun } from '../../../src-main/workers/train-potential';
import { emtFramesText } from '../../helpers/shared-data';

vi.mock('../../../src-main/engine/models/runtime', async (importOriginal) => {
  const runtime = await importOriginal<typeof import('../../../src-main/engine/models/runtime')>();
  return { ...runtime, loadMembers: vi.fn(runtime.loadMembers) };
});

beforeAll(async () => {
  await initBackend({ force: 'cpu' });
});

const frames = readFrames('emt8.extxyz', emtFramesText(8)).frames;
const config = parsePotentialConfig({
  kind: 'potential',
  architecture: 'painn',
  model: { features: 8, numLayers: 1, headHidden: 4 },
  radial: { cutoff: 4, numBasis: 6 },
  training: { batchSize: 4, epochs: 1, optimizer: { kind: 'adam', lr: 0.01 }, stress: false, seed: 3 },
});
const split = { train: [0, 1, 2, 3], val: [4, 5], test: [6, 7] };
const ensemble = () => trainPotentialRun(config, frames, { split, members: 2, control: new TrainingControl(), model: { name: 'ens', dataset: 'emt8' } });

describe("an ensemble run's final evaluation", () => {
  it('loads the stored model once, with the numbers of the model file loaded afresh', { timeout: 120_000 }, async () => {
    vi.mocked(loadMembers).mockClear();
    const r = await ensemble();
    expect(vi.mocked(loadMembers)).toHaveBeenCalledTimes(1);
    expect(r.file).not.toBeNull();
    const fresh = new LoadedPotential(r.file!);
    try {
      for (const [name, indices] of [['val', split.val], ['test', split.test]] as const) {
        const expected = splitErrors(fresh, frames, indices);
        expect(r.evaluated[name]!.metrics, name).toEqual(expected.metrics);
        expect(r.evaluated[name]!.predictions.map((p) => p.energy), name).toEqual(expected.predictions.map((p) => p.energy));
      }
      const train = split.train.map((i) => frames[i].structure);
      const domain = r.file!.header.domain!.potential!;
      expect(domain.predictedEnergyAboveReference).toEqual(withPredictedEnergies(domain, train, ownEnergies(fresh, train)).predictedEnergyAboveReference);
    } finally {
      fresh.dispose();
    }
  });

  it('leaves no tensor behind', { timeout: 120_000 }, async () => {
    await ensemble();
    const before = tf.memory().numTensors;
    await ensemble();
    expect(tf.memory().numTensors).toBe(before);
  });
});
