/**
 * The model's per-layer hook: every architecture's forward pass shows the embedded states and
 * each layer's states, in order, the last being what the readout sees; the over-smoothing
 * measures are read through it.
 */
import * as tf from '@tensorflow/tfjs-core';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGraph } from '../../../../src-shared/graph/graph';
import { graphOptionsFromConfig } from '../../../../src-shared/model/graph-options';
import { architectures } from '../../../../src-main/engine/architectures/registry';
import { encodeModelFile, decodeModelFile, MODEL_FILE_VERSION } from '../../../../src-main/engine/models/format';
import { oversmoothing } from '../../../../src-main/engine/models/oversmoothing';
import { instantiateModel } from '../../../../src-main/engine/models/runtime';
import { buildModel } from '../../../../src-main/engine/layers/model';
import { disposeBatchTensors } from '../../../../src-main/engine/train/data';
import { batchOf, rocksalt, smallConfig, triclinic, useCpu } from './helpers';

beforeAll(useCpu);

describe.each(architectures().map((a) => a.id))('%s', (architecture) => {
  it('the hook sees the embedding and every layer, the last being the node states', () => {
    const config = smallConfig({ architecture, model: { numLayers: 3 } });
    const model = buildModel(config);
    const batch = batchOf(config, [triclinic(), rocksalt()]);
    const seen: { layer: number; values: Float32Array }[] = [];
    const h = model.nodeStates(batch, false, (layer, states) => {
      expect(states.shape).toEqual([batch.numNodes, config.model.atomFeatures]);
      seen.push({ layer, values: (states.dataSync() as Float32Array).slice() });
    });
    expect(seen.map((s) => s.layer)).toEqual([0, 1, 2, 3]);
    expect(Array.from(seen[3].values)).toEqual(Array.from(h.dataSync()));
    // the embedding is what the first layer starts from
    const h0 = model.embed(batch);
    expect(Array.from(seen[0].values)).toEqual(Array.from(h0.dataSync()));
    tf.dispose([h, h0]);
    disposeBatchTensors(batch);
    model.dispose();
  });

  it('over-smoothing per layer, leak-free', () => {
    const config = smallConfig({ architecture, model: { numLayers: 2 } });
    const built = buildModel(config);
    const weights = built.getWeights();
    const shapes = new Map(built.namedVariables().map((v) => [v.name, v.variable.shape.slice()]));
    built.dispose();
    const file = encodeModelFile({
      header: {
        format: 'latticework-model',
        version: MODEL_FILE_VERSION,
        name: 'x',
        config,
        task: 'regression',
        targets: [{ name: 'y', unit: '' }],
        normalizer: null,
        atomInit: null,
        members: 1,
        provenance: { source: 'other', createdAt: '2026-01-01T00:00:00Z', software: 'latticework' },
        weights: Object.keys(weights).map((name) => ({ name, shape: shapes.get(name)!, member: 0 })),
      },
      members: [weights],
    });
    const model = instantiateModel(decodeModelFile(file));
    const graph = buildGraph(rocksalt(), graphOptionsFromConfig(config));
    oversmoothing(model, graph);
    const before = tf.memory().numTensors;
    const layers = oversmoothing(model, graph);
    expect(tf.memory().numTensors).toBe(before);
    expect(layers.map((l) => l.layer)).toEqual([0, 1, 2]);
    // rock salt has two species: the embedded atoms differ, and every energy is finite and ≥ 0
    expect(layers[0].meanCosine).toBeLessThan(1 - 1e-6);
    for (const l of layers) expect(l.dirichletEnergy).toBeGreaterThanOrEqual(0);
    model.dispose();
  });
});
