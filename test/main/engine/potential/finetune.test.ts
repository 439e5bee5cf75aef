/**
 * Fine-tuning (issue 13, point 6): a potential trained on EMT structures of some elements (Cu, Ag,
 * Au), fine-tuned on structures of the others (Ni, Pd, Pt), reaches a lower error on held-out
 * structures of those others than the same model trained from scratch with the same budget
 * (epochs, data, seed, split): a lower selection score (energy MAE in meV/atom + force MAE in
 * meV/Å), a lower energy MAE, and a force MAE at least 20 % lower. The new elements' embedding rows
 * start from the nearest trained element's (Ni ← Cu, Pd ← Ag, Pt ← Au; engine/potential/finetune).
 * Small model and budget (wasm), so that it runs in the unit tests. Also: the row seeding itself —
 * which elements a source trained (and the fallbacks for older files), rows copied before freezing,
 * every other frozen weight bit for bit.
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFrames } from '../../../../src-shared/chem';
import type { LabelledFrame } from '../../../../src-shared/chem/frames';
import { parsePotentialConfig } from '../../../../src-shared/model/potential';
import type { ModelFileData } from '../../../../src-main/engine/models/format';
import { elementSeeds, seedElementRows, seedsBySymbol, sourceTrainedElements } from '../../../../src-main/engine/potential/finetune';
import { elementsOf } from '../../../../src-shared/model/domain';
import { selectionScore } from '../../../../src-main/engine/potential/metrics';
import { PotentialModel } from '../../../../src-main/engine/potential/model';
import { trainPotential } from '../../../../src-main/engine/potential/train';
import type { PotentialStart } from '../../../../src-main/engine/potential/checkpoint';
import { TrainingControl } from '../../../../src-main/engine/train/control';
import { trainPotentialRun } from '../../../../src-main/workers/train-potential';
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
  // the elements the source's training split contained (as its model file's training domain records them)
  const trainedElements = elementsOf(pre.split.train.map((i) => pretrainFrames[i].structure));
  expect(trainedElements).toEqual([29, 47, 79]);
  const seeds = elementSeeds(elementsOf(target.map((f) => f.structure)), trainedElements);
  expect(seedsBySymbol(seeds)).toEqual({ Ni: 'Cu', Pd: 'Ag', Pt: 'Au' });
  const tuned = await trainPotential(budget, target, { split, initialWeights: seedElementRows(pre.weights, seeds, config.model.maxZ) });
  const scratch = await trainPotential(budget, target, { split });
  const t = tuned.test!.metrics;
  const s = scratch.test!.metrics;
  // the per-element reference energies were refitted on the new elements
  expect(tuned.statistics.elements).toEqual([28, 46, 78]);
  // the error: the documented validation score (energy MAE in meV/atom + force MAE in meV/Å), the
  // energy MAE alone and the force MAE alone (docs/potentials.md, Tests: the measured values)
  const trained = { forces: true, stress: false };
  expect(selectionScore(t, trained)).toBeLessThan(selectionScore(s, trained));
  expect(t.energyMaeMeVPerAtom!).toBeLessThan(s.energyMaeMeVPerAtom!);
  expect(t.forceMae!).toBeLessThan(0.8 * s.forceMae!);
});

/** A potential file as far as sourceTrainedElements reads it. */
const fileWith = (details: Record<string, unknown> | undefined, domainElements?: string[]): ModelFileData =>
  ({
    header: {
      name: 'source',
      task: 'potential',
      provenance: { source: 'training', ...(details ? { details } : {}) },
      ...(domainElements ? { domain: { basis: 'training-split', elements: domainElements, structures: 'periodic', atoms: null, targets: null } } : {}),
    },
    members: [],
  }) as unknown as ModelFileData;

describe('the elements a source trained, and the rows seeded from them', () => {
  it('reads the training domain, else the reference energies; else nothing', () => {
    expect(sourceTrainedElements(fileWith({ referenceEnergies: { 13: -1 } }, ['Au', 'Cu', 'Ag']))).toEqual({ elements: [29, 47, 79], basis: 'domain' });
    expect(sourceTrainedElements(fileWith({ referenceEnergies: { 13: -1, 29: -2 } }))).toEqual({ elements: [13, 29], basis: 'referenceEnergies' });
    expect(sourceTrainedElements(fileWith({ startedFrom: null }))).toBeNull();
    expect(sourceTrainedElements(fileWith(undefined))).toBeNull();
  });

  it('seeds each element of the data the source did not train from the nearest trained one', () => {
    expect(seedsBySymbol(elementSeeds([28, 29, 46, 78, 13], [13, 29, 47, 79]))).toEqual({ Ni: 'Cu', Pd: 'Ag', Pt: 'Au' });
    expect(elementSeeds([28], [])).toEqual([]);
    const w = { 'embedding.weight': Float32Array.from({ length: 4 * 3 }, (_, i) => i), other: new Float32Array([7]) };
    const seeded = seedElementRows(w, [{ element: 1, from: 3 }], 3);
    expect(Array.from(seeded['embedding.weight'])).toEqual([0, 1, 2, 9, 10, 11, 6, 7, 8, 9, 10, 11]);
    expect(seeded.other).toBe(w.other);
    expect(Array.from(w['embedding.weight'])).toEqual(Array.from({ length: 12 }, (_, i) => i)); // the source's weights are not changed
  });

  it('copies the rows before freezing: with --freeze the copied rows are the one change to the frozen weights', { timeout: 120_000 }, async () => {
    const file = `${SHARED_DATA}/emt-dev/emt_dataset.extxyz`;
    const all = readFrames(file, readFileSync(file, 'utf8')).frames;
    const frames = only(all, [28, 29, 46, 78]).slice(0, 6); // Ni, Cu, Pd, Pt
    const config = parsePotentialConfig({
      kind: 'potential',
      architecture: 'painn',
      model: { features: 8, numLayers: 2, headHidden: 4 },
      radial: { cutoff: 4, numBasis: 6 },
      training: { batchSize: 4, epochs: 1, optimizer: { kind: 'adam', lr: 0.01 }, stress: false, split: { val: 0, test: 0 }, seed: 2 },
    });
    const source = new PotentialModel(config, 11);
    const before = source.getWeights();
    source.dispose();
    const present = elementsOf(frames.map((f) => f.structure));
    expect(present).toEqual(expect.arrayContaining([28, 46, 78]));
    const expected = elementSeeds(present, [13, 29, 47, 79]);
    expect(seedsBySymbol(expected)).toMatchObject({ Ni: 'Cu', Pd: 'Ag', Pt: 'Au' });
    // a fine-tuning run as the app and the command line start one: the source's weights and the elements it trained
    const tune = (sourceElements: PotentialStart['sourceElements']) =>
      trainPotentialRun(config, frames, {
        split: { train: [0, 1, 2, 3, 4, 5], val: [], test: [] },
        start: { weights: before, startedFrom: 'source', sourceElements },
        freeze: 1,
        control: new TrainingControl(),
        model: { name: 'tuned', dataset: 'emt-dev' },
      });
    const r = await tune({ elements: [13, 29, 47, 79], basis: 'domain' });
    expect(r.seededElements).toEqual(seedsBySymbol(expected));
    const weights = r.members[0].weights;
    const F = config.model.features;
    const row = (w: Float32Array, z: number) => Array.from(w.subarray(z * F, (z + 1) * F));
    const from = new Map(expected.map((x) => [x.element, x.from]));
    for (let z = 0; z <= config.model.maxZ; z++) expect(row(weights['embedding.weight'], z), `row ${z}`).toEqual(row(before['embedding.weight'], from.get(z) ?? z));
    // every other frozen weight bit for bit (the filter network, block 0), the rest trained
    const frozen = Object.keys(before).filter((k) => k.startsWith('filter_net.') || /^(interactions|mixing)\.0\./.test(k));
    expect(frozen.length).toBeGreaterThan(2);
    for (const k of frozen) expect(Array.from(weights[k]), k).toEqual(Array.from(before[k]));
    expect(Array.from(weights['head.1.weight'])).not.toEqual(Array.from(before['head.1.weight']));
    // a source that does not say what it trained: no row is changed
    const plain = await tune(null);
    expect(plain.seededElements).toBeNull();
    expect(Array.from(plain.members[0].weights['embedding.weight'])).toEqual(Array.from(before['embedding.weight']));
  });
});
