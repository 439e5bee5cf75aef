/**
 * GAT: attention aggregation (Veličković et al., ICLR 2018) with edge-aware scores, K heads
 * averaged, and a residual connection, and the architecture's definition.
 *
 *   prepare    z^k_j = W^k h_j                                              [N, K, F]  (no bias)
 *              s^k_k = LeakyReLU_0.2(a^k_c · z^k_center + a^k_n · z^k_neighbor + a^k_e · e_k)
 *              α^k_k = exp(s^k_k) / Σ_{k' : center[k'] = center[k]} exp(s^k_k')   [E, K]  (softmax over the edges into a center)
 *   message    m^k_k = α^k_k z^k_neighbor[k]                                [E, K, F]
 *   aggregate  a^k_i = Σ_{k : center[k] = i} m^k_k                          [N, K, F]
 *   update     h'_i = h_i + σ((1/K) Σ_k a^k_i + b)                          [N, F]
 *
 * The segment softmax is shifted by each center's maximum score (stable).
 *
 * Shapes: h [N, F] → [N, F]; e [E, Fe] unchanged; scores and α [E, K]; z [N, K, F].
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D, Tensor3D, Variable } from '@tensorflow/tfjs-core';
import { gaussianCount, posInt } from '../../../src-shared/model/config';
import type { Rng } from '../../../src-shared/model/rng';
import { MessagePassing, type StepInput } from '../layers/message-passing';
import { activation, type ActivationName } from '../nn/activations';
import { Dense } from '../nn/dense';
import { defaultRng, initValues } from '../nn/init';
import { makeVariable, type NamedVariable } from '../nn/module';
import { segmentSoftmax } from '../nn/segment';
import type { GraphBatchTensors, GraphState } from '../nn/types';
import { defineArchitecture } from './define';
import { adamCosineTraining, cgcnnGraph, cgcnnModel } from './preset-parts';

interface Prepared {
  /** Attention coefficients, [E, K]. */
  alpha: Tensor2D;
  /** W^k h for every head, [N, K, F]. */
  z: Tensor3D;
}

export class GatLayer extends MessagePassing<Prepared> {
  /** W for all heads at once: [F, K·F]. */
  readonly transform: Dense;
  /** a_e for all heads: [Fe, K]. */
  readonly edgeScore: Dense;
  readonly attCenter: Variable;
  readonly attNeighbor: Variable;
  readonly bias: Variable;
  private readonly act: (x: Tensor2D) => Tensor2D;

  constructor(
    name: string,
    readonly features: number,
    edgeFeatures: number,
    readonly heads: number,
    act: ActivationName,
    rng: Rng = defaultRng(),
  ) {
    super(name, 'sum');
    const F = features;
    const K = heads;
    this.transform = new Dense(`${name}.transform`, F, K * F, { bias: false, init: 'glorot-uniform', rng });
    this.edgeScore = new Dense(`${name}.att_edge`, edgeFeatures, K, { bias: false, init: 'glorot-uniform', rng });
    this.attCenter = makeVariable(`${name}.att_dst`, initValues(K * F, 'glorot-uniform', F, 1, rng), [1, K, F], true);
    this.attNeighbor = makeVariable(`${name}.att_src`, initValues(K * F, 'glorot-uniform', F, 1, rng), [1, K, F], true);
    this.bias = makeVariable(`${name}.bias`, new Float32Array(F), [F], true);
    this.act = activation(act);
  }

  /** Attention coefficients α [E, K] (the rows of one center sum to 1 per head). */
  attention(state: GraphState, batch: GraphBatchTensors): Tensor2D {
    return tf.tidy(() => this.prepare({ state, batch, training: false }).alpha);
  }

  protected override prepare({ state, batch }: StepInput): Prepared {
    const N = batch.numNodes;
    const z = tf.reshape(this.transform.apply(state.h), [N, this.heads, this.features]) as Tensor3D; // [N, K, F]
    const sCenter = tf.sum(tf.mul(z, this.attCenter), 2) as Tensor2D; // [N, K]
    const sNeighbor = tf.sum(tf.mul(z, this.attNeighbor), 2) as Tensor2D; // [N, K]
    const s = tf.add(tf.add(this.atCenter(sCenter, batch), this.atNeighbor(sNeighbor, batch)), this.edgeScore.apply(state.e)) as Tensor2D; // [E, K]
    return { alpha: segmentSoftmax(tf.leakyRelu(s, 0.2), batch.center, N), z };
  }

  protected message({ alpha, z }: Prepared, { batch }: StepInput): Tensor3D {
    return tf.mul(this.atNeighbor(z, batch), tf.expandDims(alpha, 2)) as Tensor3D; // [E, K, F]
  }

  protected update(_p: Prepared, aggregated: Tensor, { state }: StepInput): Tensor2D {
    const m = tf.mean(aggregated, 1) as Tensor2D; // [N, F], heads averaged
    return tf.add(state.h, this.act(tf.add(m, this.bias) as Tensor2D)) as Tensor2D;
  }

  override trainableVariables(): Variable[] {
    return [...this.transform.trainableVariables(), ...this.edgeScore.trainableVariables(), this.attCenter, this.attNeighbor, this.bias];
  }

  override namedVariables(): NamedVariable[] {
    return [
      ...this.transform.namedVariables(),
      ...this.edgeScore.namedVariables(),
      // stable names kept from the first model files (dst = center, src = neighbor)
      { name: `${this.name}.att_dst`, variable: this.attCenter, trainable: true },
      { name: `${this.name}.att_src`, variable: this.attNeighbor, trainable: true },
      { name: `${this.name}.bias`, variable: this.bias, trainable: true },
    ];
  }

  override dispose(): void {
    super.dispose();
    for (const v of [this.attCenter, this.attNeighbor, this.bias]) v.dispose();
  }

  protected override parts() {
    return [this.transform, this.edgeScore];
  }
}

export const gat = defineArchitecture({
  id: 'gat',
  title: 'Graph attention',
  description: 'GAT-style attention aggregation: softmax over the edges into each atom with edge-aware scores, heads averaged.',
  reference: 'Veličković et al., ICLR 2018 (arXiv:1710.10903)',
  predicts: 'properties',
  fields: {
    /** Attention heads (their outputs are averaged). */
    attentionHeads: posInt('attentionHeads').default(1),
  },
  hints: { attentionHeads: { label: 'Attention heads', hint: 'Heads, averaged' } },
  layerParameters(c) {
    const F = c.model.atomFeatures;
    // per head: W (F→F, no bias), a_center (F), a_neighbor (F), a_edge (Fe); shared output bias F
    return { trainable: c.model.attentionHeads * (F * F + 2 * F + gaussianCount(c.graph)) + F, state: 0 };
  },
  layer: (c, name, rng) => new GatLayer(name, c.model.atomFeatures, gaussianCount(c.graph), c.model.attentionHeads, c.model.activation, rng),
  presets: [
    {
      id: 'gat',
      title: 'Graph attention',
      description: 'GAT-style attention aggregation (softmax over incoming edges, 4 heads); attention readout.',
      input: { model: { ...cgcnnModel, attentionHeads: 4, readout: 'attention' }, graph: cgcnnGraph, training: adamCosineTraining },
    },
  ],
});
