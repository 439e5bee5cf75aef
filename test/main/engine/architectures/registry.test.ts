/**
 * The registry is the one place an architecture is added: an architecture defined here, in the
 * test, reaches the config validation, the parameter count, the model builder, the presets and
 * the renderer's form (the descriptors main sends over the contract) without touching anything
 * else — and leaves them again when removed.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aggregationField, posInt, type Aggregation } from '../../../../src-shared/model/config';
import { linearParameters } from '../../../../src-shared/model/params';
import type { Rng } from '../../../../src-shared/model/rng';
import { defineArchitecture } from '../../../../src-main/engine/architectures/define';
import {
  architecture,
  architecturesView,
  parameterCount,
  parseModelConfig,
  presetConfig,
  presetIds,
  registerArchitecture,
  safeParseModelConfig,
} from '../../../../src-main/engine/architectures/registry';
import { MessagePassing, type StepInput } from '../../../../src-main/engine/layers/message-passing';
import { buildModel } from '../../../../src-main/engine/layers/model';
import { activation } from '../../../../src-main/engine/nn/activations';
import { Dense } from '../../../../src-main/engine/nn/dense';
import { disposeBatchTensors } from '../../../../src-main/engine/train/data';
import { describeConfig } from '../../../../src-renderer/lib/configSchema';
import { batchOf, rocksalt, triclinic, useCpu } from '../layers/helpers';
import { findField as find } from '../../../helpers/form';

/**
 * A "relay" layer, the smallest useful message passing:
 *   prepare    x_j  = W_m h_j                       [N, Fm]
 *   message    m_k  = x_neighbor[k]                 [E, Fm]
 *   aggregate  a_i  = ⊕_{k : center[k] = i} m_k     [N, Fm]
 *   update     h'_i = h_i + σ(W_u a_i + b_u)         [N, F]
 */
class RelayLayer extends MessagePassing<Tensor2D> {
  readonly inbound: Dense;
  readonly outbound: Dense;
  private readonly act = activation('silu');
  constructor(name: string, features: number, messageFeatures: number, aggregation: Aggregation, rng: Rng) {
    super(name, aggregation);
    this.inbound = new Dense(`${name}.message`, features, messageFeatures, { bias: false, rng });
    this.outbound = new Dense(`${name}.update`, messageFeatures, features, { rng });
  }
  protected override prepare({ state }: StepInput): Tensor2D {
    return this.inbound.apply(state.h);
  }
  protected message(x: Tensor2D, { batch }: StepInput): Tensor2D {
    return this.atNeighbor(x, batch);
  }
  protected update(_x: Tensor2D, aggregated: Tensor, { state }: StepInput): Tensor2D {
    return tf.add(state.h, this.act(this.outbound.apply(aggregated as Tensor2D))) as Tensor2D;
  }
  protected override parts() {
    return [this.inbound, this.outbound];
  }
}

const relay = defineArchitecture({
  id: 'test-relay',
  title: 'Relay (test)',
  description: 'Neighbour features through one linear map each way.',
  reference: 'this test',
  predicts: 'properties',
  fields: {
    messageFeatures: posInt('messageFeatures').default(5),
    aggregation: aggregationField('mean'),
  },
  hints: {
    messageFeatures: { label: 'Message features', hint: 'Width of the relayed messages' },
    aggregation: { label: 'Aggregation', hint: 'How the relayed messages combine' },
  },
  layerParameters: (c) => ({ trainable: linearParameters(c.model.atomFeatures, c.model.messageFeatures, false) + linearParameters(c.model.messageFeatures, c.model.atomFeatures), state: 0 }),
  layer: (c, name, rng) => new RelayLayer(name, c.model.atomFeatures, c.model.messageFeatures, c.model.aggregation, rng),
  presets: [{ id: 'test-relay-small', title: 'Relay, small', description: 'For the test.', input: { model: { atomFeatures: 6, messageFeatures: 3, numLayers: 2, atomInput: { kind: 'onehot' } }, graph: { cutoff: 4 } } }],
});

describe('an architecture defined in one place', () => {
  let unregister: () => void = () => undefined;
  beforeAll(async () => {
    await useCpu();
    unregister = registerArchitecture(relay);
  });
  afterAll(() => unregister());

  it('is validated: its fields get defaults, its bad values are reported with their paths', () => {
    expect(parseModelConfig({ architecture: 'test-relay' }).model).toMatchObject({ messageFeatures: 5, aggregation: 'mean' });
    const r = safeParseModelConfig({ architecture: 'test-relay', model: { messageFeatures: 0, aggregation: 'median' } });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.issues).toContain('model.messageFeatures: messageFeatures must be at least 1');
      expect(r.issues.some((i) => i.startsWith('model.aggregation: aggregation must be one of sum, mean, max'))).toBe(true);
    }
  });

  it('is built, counted and run by the model builder', () => {
    const config = presetConfig('test-relay-small');
    expect(presetIds()).toContain('test-relay-small');
    const model = buildModel(config);
    expect(model.layers).toHaveLength(2);
    expect(model.layers[0]).toBeInstanceOf(RelayLayer);
    expect(model.countParameters()).toBe(parameterCount(config));
    // (6·3) + (3·6 + 6) per layer: the count follows the architecture's own field
    expect(parameterCount({ ...config, model: { ...config.model, messageFeatures: 4 } }) - parameterCount(config)).toBe(2 * (6 + 6));
    const batch = batchOf(config, [triclinic(), rocksalt()]);
    const before = tf.memory().numTensors;
    const y = model.apply(batch, false);
    expect(y.shape).toEqual([2, 1]);
    expect(Array.from(y.dataSync()).every(Number.isFinite)).toBe(true);
    y.dispose();
    expect(tf.memory().numTensors).toBe(before);
    disposeBatchTensors(batch);
    model.dispose();
  });

  it("appears in the renderer's form with its own fields, labels and hints", () => {
    const view = architecturesView();
    expect(view.architectures.map((a) => a.id)).toContain('test-relay');
    expect(view.architectures.find((a) => a.id === 'test-relay')).toMatchObject({ title: 'Relay (test)', predicts: 'properties', presets: ['test-relay-small'] });
    // the descriptors cross the contract as JSON
    const schema = JSON.parse(JSON.stringify(view.schema)) as typeof view.schema;
    const nodes = describeConfig(schema, presetConfig('test-relay-small'));
    const arch = nodes[0];
    expect(arch).toMatchObject({ id: 'architecture', kind: 'enum', value: 'test-relay', switchesVariant: true });
    if (arch.kind === 'enum') expect(arch.options).toContain('test-relay');
    expect(find(nodes, 'model.messageFeatures')).toMatchObject({ kind: 'number', integer: true, value: 3, label: 'Message features', hint: 'Width of the relayed messages' });
    expect(find(nodes, 'model.aggregation')).toMatchObject({ kind: 'enum', options: ['sum', 'mean', 'max'], value: 'mean' });
    // another architecture's form does not show the relay's fields
    expect(find(describeConfig(schema, presetConfig('cgcnn-paper')), 'model.messageFeatures')).toBeUndefined();
  });

  it('leaves every list when removed', () => {
    unregister();
    expect(() => architecture('test-relay')).toThrow(/unknown architecture "test-relay"/);
    expect(safeParseModelConfig({ architecture: 'test-relay' }).ok).toBe(false);
    expect(presetIds()).not.toContain('test-relay-small');
    expect(architecturesView().architectures.map((a) => a.id)).not.toContain('test-relay');
    unregister = registerArchitecture(relay);
  });

  it('refuses a second definition of an id, and fields without a hint', () => {
    expect(() => registerArchitecture(relay)).toThrow(/defined twice/);
    expect(() => registerArchitecture({ ...relay, id: 'test-unhinted', presets: [], hints: { ...relay.hints, messageFeatures: { label: '', hint: '' } } })).toThrow(/needs a label and a hint/);
  });
});
