/**
 * Fine-tuning a property model (engine/train/finetune.ts): a run started from a model's weights
 * keeps its frozen layers bit for bit, keeps or re-initialises its head by the target, starts from
 * the source's predictions when the head is kept, and frees its tensors.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { parseModelConfig } from '../../../../src-main/engine/architectures/registry';
import type { ModelConfig } from '../../../../src-shared/model/config';
import { buildModel } from '../../../../src-main/engine/layers/model';
import type { ModelFileData } from '../../../../src-main/engine/models/format';
import { decodeCheckpoint, encodeCheckpoint } from '../../../../src-main/engine/train/checkpoint';
import { applyFineTuneStart, fineTuneAtomInit, fineTuneConfig, FineTuneError, planFineTune, seedEmbeddingRows } from '../../../../src-main/engine/train/finetune';
import { fitNormalizer, type TargetNormalizer } from '../../../../src-main/engine/train/normalizer';
import { evaluateSplit, trainModel } from '../../../../src-main/engine/train/trainer';
import { smallConfig, useCpu } from '../layers/helpers';
import { rocksaltSamples } from './helpers';

beforeAll(useCpu);

const config = smallConfig({
  architecture: 'cgcnn',
  model: { numLayers: 3 },
  training: { batchSize: 8, epochs: 2, optimizer: { kind: 'adam', lr: 0.01 }, split: { val: 0.25, test: 0.125 }, seed: 3 },
});

function sourceModel(weights: Record<string, Float32Array>, normalizer: TargetNormalizer, c: ModelConfig = config): ModelFileData {
  const header = { name: 'pretrained', config: c, task: c.model.head.kind, targets: [{ name: 'lattice_a', unit: 'Å' }], normalizer, atomInit: null, members: 1 };
  return { header: header as unknown as ModelFileData['header'], members: [weights] };
}

const bits = (a: Float32Array) => Array.from(new Uint32Array(a.buffer, a.byteOffset, a.length));

describe('fine-tuning a property model', { timeout: 120_000 }, () => {
  let pre: { weights: Record<string, Float32Array>; normalizer: TargetNormalizer };
  beforeAll(async () => {
    pre = await trainModel(config, rocksaltSamples(config));
  });

  it('keeps the embedding and the frozen layers (running statistics too) bit for bit, trains the rest, and frees its tensors', async () => {
    const src = sourceModel(pre.weights, pre.normalizer);
    const ft = fineTuneConfig(src, { training: { epochs: 3, seed: 11 } });
    expect(ft.training.seed).toBe(11);
    const plan = planFineTune(src, ft, ['lattice_a'], { freeze: 2, head: 'auto' });
    const data = rocksaltSamples(ft, 24, 'regression', 2);
    const before = tf.memory().numTensors;
    const r = await trainModel(ft, data, { start: plan.start });
    expect(tf.memory().numTensors).toBe(before);
    expect(r.status).toBe('finished');
    const frozen = Object.keys(pre.weights).filter((n) => /^(embedding|convs\.[01])\./.test(n));
    expect(frozen).toContain('convs.1.bn1.running_mean');
    for (const n of frozen) expect(bits(r.weights[n]), n).toEqual(bits(pre.weights[n]));
    // the third layer (weights and batch-norm statistics) and the head moved
    for (const n of ['convs.2.fc_full.weight', 'convs.2.bn1.running_mean', 'head.out.weight']) expect(bits(r.weights[n]), n).not.toEqual(bits(pre.weights[n]));
    // the normaliser was refitted on the new data (its targets are 2 higher)
    expect(r.normalizer.mean[0]).toBeCloseTo(pre.normalizer.mean[0] + 2, 0);
  });

  it('resumes a fine-tuning run from its checkpoint with the same layers frozen, to the same weights', async () => {
    const src = sourceModel(pre.weights, pre.normalizer);
    const ft = fineTuneConfig(src, { training: { epochs: 3, seed: 11 } });
    const plan = planFineTune(src, ft, ['lattice_a'], { freeze: 2, head: 'new' });
    const data = rocksaltSamples(ft, 24, 'regression', 2);
    let saved: Uint8Array | null = null;
    const whole = await trainModel(ft, data, { start: plan.start, callbacks: { onCheckpoint: (c, { epoch }) => void (epoch === 0 && (saved = encodeCheckpoint(c))) } });
    const ckpt = decodeCheckpoint(saved!);
    expect(ckpt.freeze).toBe(2);
    const before = tf.memory().numTensors;
    const resumed = await trainModel(ft, data, { resume: ckpt });
    expect(tf.memory().numTensors).toBe(before);
    for (const n of Object.keys(whole.weights)) expect(bits(resumed.weights[n]), n).toEqual(bits(whole.weights[n]));
    expect(bits(resumed.weights['convs.1.fc_full.weight'])).toEqual(bits(pre.weights['convs.1.fc_full.weight']));
  });

  it('starts from the source\'s predictions when the head is kept, and from the run\'s seeded head when it is new', () => {
    const src = sourceModel(pre.weights, pre.normalizer);
    const ft = fineTuneConfig(src, { training: { seed: 11 } });
    const data = rocksaltSamples(ft, 24, 'regression', 2);
    const all = data.map((_, i) => i);
    const norm = fitNormalizer(data.map((s) => s.target[0]), 1);
    expect(norm.mean[0]).not.toBeCloseTo(pre.normalizer.mean[0], 1);

    const original = buildModel(config);
    original.setWeights(pre.weights);
    const kept = buildModel(ft, { freeze: 1 });
    applyFineTuneStart(kept, planFineTune(src, ft, ['Lattice-A'], { freeze: 1, head: 'auto' }).start, norm);
    const was = evaluateSplit(original, data, all, pre.normalizer, 8).predictions;
    const now = evaluateSplit(kept, data, all, norm, 8).predictions;
    for (let i = 0; i < all.length; i++) expect(now[i]).toBeCloseTo(was[i], 4);

    const fresh = buildModel(ft);
    const seeded = fresh.getWeights();
    const renewed = buildModel(ft);
    const plan = planFineTune(src, ft, ['band_gap'], { freeze: 0, head: 'auto' });
    expect(plan.head).toMatchObject({ kept: false });
    expect(plan.head.reason).toMatch(/lattice_a.*band_gap/);
    applyFineTuneStart(renewed, plan.start, norm);
    const w = renewed.getWeights();
    for (const n of Object.keys(w)) {
      if (n.startsWith('head.')) {
        expect(bits(w[n]), n).toEqual(bits(seeded[n]));
        expect(bits(w[n]), n).not.toEqual(bits(pre.weights[n]));
      } else expect(bits(w[n]), n).toEqual(bits(pre.weights[n]));
    }
    for (const m of [original, kept, fresh, renewed]) m.dispose();
  });

  it('keeps the head for the same target only, and says why', () => {
    const src = sourceModel(pre.weights, pre.normalizer);
    const ft = fineTuneConfig(src, {});
    expect(planFineTune(src, ft, ['LATTICE A'], { freeze: 0, head: 'auto' }).head).toEqual({ kept: true, reason: 'kept: the same target (lattice_a)' });
    expect(planFineTune(src, ft, ['LATTICE A'], { freeze: 0, head: 'auto' }).targets).toEqual([{ name: 'lattice_a', unit: 'Å' }]);
    expect(planFineTune(src, ft, ['lattice_a'], { freeze: 0, head: 'new' }).head.kept).toBe(false);
    expect(planFineTune(src, ft, ['volume'], { freeze: 0, head: 'keep' }).head.kept).toBe(true);
    const two = parseModelConfig({ ...ft, model: { ...ft.model, head: { kind: 'regression', numTargets: 2 } } });
    expect(planFineTune(src, two, ['lattice_a', 'volume'], { freeze: 0, head: 'auto' }).head.reason).toBe('re-initialised: the source predicts 1 value, this run 2 values');
    const classes = fineTuneConfig(src, { model: { head: { kind: 'classification', numClasses: 2 } } });
    expect(planFineTune(src, classes, ['metal'], { freeze: 0, head: 'auto' }).head.reason).toBe('re-initialised: the source predicts 1 value, this run 2 classes');
    expect(() => planFineTune(src, classes, ['metal'], { freeze: 0, head: 'keep' })).toThrow(/cannot keep the head of "pretrained": it predicts 1 value, this run 2 classes/);
    expect(() => planFineTune(src, ft, ['lattice_a'], { freeze: 4, head: 'auto' })).toThrow(/has 3 message-passing layers, so the depth is 0 to 3/);
    expect(() => fineTuneConfig(src, { model: { atomFeatures: 8 } })).toThrow(FineTuneError);
    expect(() => fineTuneConfig(src, { graph: { cutoff: 5 } })).toThrow(/may set only "training" and "model.head" \(not "graph"\)/);
  });

  it('uses the source\'s atom features, and names the elements they cannot describe', () => {
    const cgcnn = parseModelConfig({ ...config, model: { ...config.model, atomInput: { kind: 'cgcnn', length: 2 } } });
    const src = sourceModel({}, pre.normalizer, cgcnn);
    (src.header as { atomInit: unknown }).atomInit = { '11': [1, 0], '17': [0, 1] };
    const { table, note } = fineTuneAtomInit(src, [11, 17, 11]);
    expect(table!.width).toBe(2);
    expect(note).toBeNull();
    expect(fineTuneAtomInit(src, [11], JSON.stringify({ '11': [1, 1], '17': [0, 1] })).note).toMatch(/differs from the atom features "pretrained" was trained with: the run uses the model's/);
    expect(() => fineTuneAtomInit(src, [11, 35, 17, 92])).toThrow(/"pretrained" cannot describe this data's atoms: its atom table \(atom_init\) has no features for Br, U/);
    expect(() => fineTuneAtomInit(sourceModel({}, pre.normalizer), [11, 200])).toThrow(/onehot atom input covers atomic numbers below/);
  });
});

describe('a learned element embedding, fine-tuned on elements its source never trained', () => {
  const embedded = smallConfig({ architecture: 'schnet', model: { atomInput: { kind: 'embedding', numSpecies: 40 } } });
  const withDomain = (c: ModelConfig, elements: string[] | null): ModelFileData => {
    const model = buildModel(c);
    const weights = model.getWeights();
    model.dispose();
    const src = sourceModel(weights, { mean: [0], std: [1] }, c);
    if (elements) (src.header as { domain?: unknown }).domain = { basis: 'training-split', elements, structures: 'periodic', atoms: null, targets: null };
    return src;
  };
  const row = (w: Float32Array, z: number, width: number) => Array.from(w.subarray(z * width, (z + 1) * width));

  it("starts each new element's row from the nearest trained element's, leaves every other row, and says so", () => {
    const src = withDomain(embedded, ['Na', 'Cl']);
    const plan = seedEmbeddingRows(src, planFineTune(src, embedded, ['lattice_a'], { freeze: 0, head: 'auto' }), [11, 17, 19, 35, 17]);
    expect(plan.seeding!.seededElements).toEqual({ K: 'Na', Br: 'Cl' });
    expect(plan.seeding!.message).toMatch(/trained Na, Cl: embedding rows of the new elements copied from the nearest trained element: K ← Na, Br ← Cl$/);
    const before = src.members[0]['embedding.weight'];
    const after = plan.start.weights['embedding.weight'];
    const width = embedded.model.atomFeatures;
    expect(after.length).toBe(40 * width);
    expect(row(after, 19, width)).toEqual(row(before, 11, width));
    expect(row(after, 35, width)).toEqual(row(before, 17, width));
    expect(row(after, 19, width)).not.toEqual(row(before, 19, width));
    for (const z of [0, 11, 17, 20, 34, 39]) expect(row(after, z, width), `Z = ${z}`).toEqual(row(before, z, width));
    expect(before).not.toBe(after); // the source's weights are not written
    for (const name of Object.keys(src.members[0])) if (name !== 'embedding.weight') expect(plan.start.weights[name], name).toBe(src.members[0][name]);
  });

  it('seeds nothing when the source does not record its elements, or when its atom input is not a learned table', () => {
    const unknown = withDomain(embedded, null);
    const plan = seedEmbeddingRows(unknown, planFineTune(unknown, embedded, ['lattice_a'], { freeze: 0, head: 'auto' }), [11, 19]);
    expect(plan.seeding!.seededElements).toBeNull();
    expect(plan.seeding!.message).toMatch(/does not record the elements it was trained on/);
    expect(plan.start.weights['embedding.weight']).toEqual(unknown.members[0]['embedding.weight']);
    const onehot = withDomain(config, ['Na', 'Cl']);
    const unchanged = planFineTune(onehot, config, ['lattice_a'], { freeze: 0, head: 'auto' });
    expect(seedEmbeddingRows(onehot, unchanged, [19])).toBe(unchanged);
  });
});
