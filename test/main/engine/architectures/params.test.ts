import { beforeAll, describe, expect, it } from 'vitest';
import type { ModelConfig } from '../../../../src-shared/model/config';
import { architectures, parameterBreakdown, parameterCount, parseModelConfig, presetConfig, presetIds } from '../../../../src-main/engine/architectures/registry';
import { buildModel } from '../../../../src-main/engine/layers/model';
import { useCpu } from '../layers/helpers';

beforeAll(useCpu);

function check(c: ModelConfig) {
  const m = buildModel(c);
  const b = parameterBreakdown(c);
  expect(m.countParameters()).toBe(parameterCount(c));
  expect(m.layers[0].trainableVariables().reduce((s, v) => s + v.size, 0)).toBe(b.layer);
  expect(m.stateVariables().reduce((s, v) => s + v.size, 0)).toBe(b.state);
  // stable, unique names
  const names = m.namedVariables().map((v) => v.name);
  expect(new Set(names).size).toBe(names.length);
  m.dispose();
}

describe('parameterCount(config) equals the built model', () => {
  it.each(presetIds())('preset %s', (id) => check(presetConfig(id)));

  const readouts = ['sum', 'mean', 'max', 'attention', 'set2set'] as const;
  it.each(architectures().map((a) => a.id))('%s × every readout, head and input', (architecture) => {
    const heads = [{ kind: 'regression', numTargets: 3 }, { kind: 'classification', numClasses: 4 }, { kind: 'per-atom', numTargets: 2 }] as const;
    const inputs = [{ kind: 'onehot' }, { kind: 'embedding', numSpecies: 100 }, { kind: 'cgcnn', length: 92 }] as const;
    // other architectures' fields are dropped by the parser
    const small = (readout: (typeof readouts)[number], k: number) =>
      parseModelConfig({ architecture, model: { atomFeatures: 7, hiddenFeatures: 5, numHidden: k % 3, numLayers: 2, readout, head: heads[k % 3], atomInput: inputs[(k + 1) % 3], attentionHeads: 3, filterFeatures: 6, edgeFeatures: 4 }, graph: { cutoff: 5 } });
    // every readout, cycling through heads, inputs and head depths
    readouts.forEach((r, j) => check(small(r, j + architecture.length)));
  });

  it('matches hand-counted totals', () => {
    // CGCNN paper settings: 92·64+64 + 3·((128+41)·128+128 + 256 + 128) + 64·128+128 + 128+1
    expect(parameterCount(presetConfig('cgcnn-paper'))).toBe(5952 + 3 * 22144 + 8320 + 129);
    // CGCNN's published models (4 convs, 64, h 32, MODELS.tsv params 96641 / 96674)
    const pub = (head: object) => presetConfig('cgcnn-paper', { model: { numLayers: 4, hiddenFeatures: 32, head }, training: { loss: null } });
    expect(parameterCount(pub({ kind: 'regression', numTargets: 1 }))).toBe(96641);
    expect(parameterCount(pub({ kind: 'classification', numClasses: 2 }))).toBe(96674);
  });
});
