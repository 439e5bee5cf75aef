/**
 * The potentials' configuration on the registry: each definition's own fields make its config
 * schema (the form's union by architecture), and the parameter count computed from a config
 * equals the built model's, for both architectures and several sizes (no building needed).
 */
import { beforeAll, expect, it } from 'vitest';
import { architecturesView, potentialArchitecturesView, potentialConfigSchema, potentialParameterBreakdown, potentialPresetConfig, presetConfig } from '../../../../src-main/engine/architectures/registry';
import { describeConfig, fieldApplies, fieldLabels } from '../../../../src-renderer/lib/configSchema';
import { PotentialModel } from '../../../../src-main/engine/potential/model';
import { initBackend } from '../../../../src-main/engine/tf/backend';
import { parsePotentialConfig } from '../../../../src-shared/model/potential';

beforeAll(async () => {
  await initBackend({ force: 'cpu' });
});

const size = (vs: { variable: { size: number } }[]) => vs.reduce((t, v) => t + v.variable.size, 0);

it('counts trainable parameters and state from the config exactly as the built model has them', () => {
  const configs = [
    potentialPresetConfig('painn-potential'),
    potentialPresetConfig('schnet-potential'),
    potentialPresetConfig('painn-potential', { model: { features: 8, numLayers: 2, headHidden: 4, maxZ: 30 }, radial: { numBasis: 6 } }),
    potentialPresetConfig('schnet-potential', { model: { features: 12, filterFeatures: 7, numLayers: 1, headHidden: 5 }, radial: { numBasis: 9 } }),
  ];
  for (const c of configs) {
    const model = new PotentialModel(c);
    try {
      const b = potentialParameterBreakdown(c);
      const trainable = model.trainableVariables().reduce((t, v) => t + v.size, 0);
      expect(b.total, `${c.architecture} ${JSON.stringify(c.model)}`).toBe(trainable);
      expect(b.embedding + b.layers + b.head).toBe(b.total);
      expect(b.embedding).toBe(size(model.namedVariables().filter((nv) => nv.name === 'embedding.weight')));
      const state = model.namedVariables().filter((nv) => !nv.variable.trainable);
      expect(b.state).toBe(size(state));
    } finally {
      model.dispose();
    }
  }
  // the default PaiNN preset: a number a researcher can compare with other codes' printouts
  expect(potentialParameterBreakdown(potentialPresetConfig('painn-potential')).total).toBeGreaterThan(100_000);
});

it("builds each architecture's config schema from its own fields: SchNet's filter width is SchNet's only, PaiNN's vector-norm ε PaiNN's", () => {
  const schema = potentialConfigSchema();
  const painn = schema.parse({ architecture: 'painn', model: { features: 16, filterFeatures: 99 } }) as { kind: string; model: Record<string, unknown> };
  expect(painn.kind).toBe('potential');
  expect(painn.model).not.toHaveProperty('filterFeatures');
  expect(painn.model.features).toBe(16);
  // a config without it (every model file before it was a field) has the paper's ε
  expect(painn.model.vectorNormEpsilon).toBe(1e-8);
  const schnet = schema.parse({ kind: 'potential', architecture: 'schnet', model: { filterFeatures: 24, vectorNormEpsilon: 0.5 } }) as { model: Record<string, unknown> };
  expect(schnet.model.filterFeatures).toBe(24);
  expect(schnet.model).not.toHaveProperty('vectorNormEpsilon');
  expect(schema.safeParse({ kind: 'potential', architecture: 'painn', model: { vectorNormEpsilon: 0 } }).success).toBe(false);
  // what the form produces, the engine parses
  expect(parsePotentialConfig(painn).model.features).toBe(16);
  const bad = schema.safeParse({ kind: 'potential', architecture: 'painn', model: { features: 0 } });
  expect(bad.success).toBe(false);
  expect(bad.error!.issues[0].path).toEqual(['model', 'features']);

  const view = potentialArchitecturesView();
  expect(view.architectures.map((a) => [a.id, a.predicts, a.presets])).toEqual([
    ['painn', 'potential-energy', ['painn-potential']],
    ['schnet', 'potential-energy', ['schnet-potential']],
  ]);
  expect(view.schema.type).toBe('union');
  if (view.schema.type !== 'union') return;
  const variant = (id: string) => view.schema.type === 'union' ? view.schema.variants.find((v) => v.value === id)! : null!;
  const modelFields = (id: string) => {
    const m = variant(id).fields.find((f) => f.key === 'model')!.node;
    return m.type === 'object' ? m.fields.map((f) => f.key) : [];
  };
  expect(modelFields('schnet')).toContain('filterFeatures');
  expect(modelFields('painn')).not.toContain('filterFeatures');
  expect(modelFields('painn')).toContain('vectorNormEpsilon');
  expect(modelFields('schnet')).not.toContain('vectorNormEpsilon');
  expect(variant('painn').fields.map((f) => f.key)).toEqual(expect.arrayContaining(['model', 'radial', 'training']));
  expect(variant('painn').defaults).toMatchObject({ kind: 'potential', architecture: 'painn' });
  const m = variant('schnet').fields.find((f) => f.key === 'model')!.node;
  expect(m.type === 'object' && m.fields.find((f) => f.key === 'filterFeatures')!.node.label).toBe('Filter features');
});

it("labels the potential form's fields in the property form's words, and dims what its settings leave unused", () => {
  const potential = potentialPresetConfig('painn-potential') as unknown as Record<string, unknown>;
  const labels = fieldLabels(describeConfig(potentialArchitecturesView().schema, potential));
  const property = fieldLabels(describeConfig(architecturesView().schema, presetConfig('cgcnn-paper')));
  expect(labels).toMatchObject({
    'training.optimizer.lr': 'Learning rate',
    'training.optimizer.beta1': 'β₁',
    'training.gradClipNorm': 'Gradient clip',
    'training.earlyStoppingPatience': 'Early stopping',
    'training.split.val': 'Validation',
    'training.loss.huberDelta': 'Huber δ',
  });
  // the fields both forms have: the same words (a potential's layers are its interaction blocks)
  const own = new Set(['architecture', 'model', 'model.numLayers', 'model.activation', 'training.loss']);
  for (const [id, label] of Object.entries(labels)) if (id in property && !own.has(id)) expect([id, label]).toEqual([id, property[id]]);
  const cosine = { ...potential, radial: { envelope: 'cosine' }, training: { loss: { kind: 'mse' } } };
  expect(fieldApplies('radial.envelopeExponent', cosine)).toBe(false);
  expect(fieldApplies('training.loss.huberDelta', cosine)).toBe(false);
  expect(fieldApplies('radial.envelopeExponent', { radial: { envelope: 'polynomial' } })).toBe(true);
  expect(fieldApplies('training.loss.huberDelta', { training: { loss: { kind: 'huber' } } })).toBe(true);
});
