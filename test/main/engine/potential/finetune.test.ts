/**
 * Fine-tuning (issue 13, point 6): a potential trained on EMT structures of some elements (Cu, Ag,
 * Au), fine-tuned on structures of the others (Ni, Pd, Pt), reaches a lower error on held-out
 * structures of those others than the same model trained from scratch with the same budget
 * (epochs, data, seed, split). The error is the documented selection score (energy MAE in meV/atom
 * + force MAE in meV/Å); the force MAE alone must also be at least 20 % lower. Small model and
 * budget (wasm), so that it runs in the unit tests.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, expect, it } from 'vitest';
import { readFrames } from '../../../../src-shared/chem';
import type { LabelledFrame } from '../../../../src-shared/chem/frames';
import { parsePotentialConfig } from '../../../../src-shared/model/potential';
import { selectionScore } from '../../../../src-main/engine/potential/metrics';
import { trainPotential } from '../../../../src-main/engine/potential/train';
import { initBackend } from '../../../../src-main/engine/tf/backend';
import { SHARED_DATA } from '../../../helpers/shared-data';

beforeAll(async () => {
  await initBackend({ force: 'wasm' });
});

const only = (frames: LabelledFrame[], elements: number[]) => frames.filter((f) => Array.from(f.structure.numbers).every((z) => elements.includes(z)) && f.structure.numbers.length > 1);

it('fine-tuning from a potential trained on other elements beats training from scratch with the same budget', { timeout: 600_000 }, async () => {
  const file = `${SHARED_DATA}/emt-dev/emt_dataset.extxyz`;
  const all = readFrames(file, readFileSync(file, 'utf8')).frames;
  const pretrainFrames = only(all, [29, 47, 79]).slice(0, 64); // Cu, Ag, Au
  const target = only(all, [28, 46, 78]).slice(0, 40); // Ni, Pd, Pt
  const config = parsePotentialConfig({
    kind: 'potential',
    architecture: 'painn',
    model: { features: 16, numLayers: 2, headHidden: 8 },
    radial: { cutoff: 4, numBasis: 8 },
    training: { batchSize: 8, epochs: 10, optimizer: { kind: 'adam', lr: 0.005 }, stress: false, split: { val: 0.125, test: 0 }, seed: 5 },
  });
  const pre = await trainPotential(config, pretrainFrames);
  const split = { train: Array.from({ length: 16 }, (_, i) => i), val: [16, 17, 18, 19], test: Array.from({ length: 20 }, (_, i) => 20 + i) };
  const budget = parsePotentialConfig({ ...config, training: { ...config.training, epochs: 4 } });
  const tuned = await trainPotential(budget, target, { split, initialWeights: pre.weights });
  const scratch = await trainPotential(budget, target, { split });
  const t = tuned.test!.metrics;
  const s = scratch.test!.metrics;
  // the per-element reference energies were refitted on the new elements
  expect(tuned.statistics.elements).toEqual([28, 46, 78]);
  // the error: the documented validation score (energy MAE in meV/atom + force MAE in meV/Å), and the
  // force MAE alone (measured once under load: 0.34 vs 0.60 eV/Å; energy alone is not yet better at
  // this budget: 192 vs 170 meV/atom, docs/potentials.md)
  const trained = { forces: true, stress: false };
  expect(selectionScore(t, trained)).toBeLessThan(selectionScore(s, trained));
  expect(t.forceMae!).toBeLessThan(0.8 * s.forceMae!);
});
