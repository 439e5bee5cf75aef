/**
 * MPNN with edge updates: a MEGNet-like block without the global state (Gilmer et al. 2017;
 * Chen et al., Chem. Mater. 2019), and the architecture's definition.
 *
 *   message (edge update)  e'_k = σ(W_e2 σ(W_e1 [h_center ⊕ h_neighbor ⊕ e_k] + b_e1) + b_e2)   [E, De]
 *   aggregate              a_i  = ⊕_{k : center[k] = i} e'_k                                   [N, De]  (⊕ = sum, mean or max)
 *   update                 h'_i = h_i + σ(W_v2 σ(W_v1 [h_i ⊕ a_i] + b_v1) + b_v2)             [N, F]
 *   edge state             e_k ← e_k + e'_k                                                    [E, De]
 *
 * W_e1 [h_center ⊕ h_neighbor ⊕ e] is computed as (h W_e1[0:F])[center] + (h W_e1[F:2F])[neighbor]
 * + e W_e1[2F:], i.e. the node blocks are multiplied on N rows instead of E. The edge state
 * starts as a Dense Fe → De of the Gaussian features (`edge_embedding`).
 *
 * Shapes: h [N, F] → [N, F]; e [E, De] → [E, De].
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import { aggregationField, posInt, type Aggregation } from '../../../src-shared/model/config';
import { linearParameters } from '../../../src-shared/model/params';
import type { Rng } from '../../../src-shared/model/rng';
import { MessagePassing, type StepInput } from '../layers/message-passing';
import { activation, type ActivationName } from '../nn/activations';
import { Dense } from '../nn/dense';
import { defineArchitecture } from './define';
import { embeddingModel } from './preset-parts';

export class MpnnEdgeLayer extends MessagePassing {
  readonly edge1: Dense;
  readonly edge2: Dense;
  readonly node1: Dense;
  readonly node2: Dense;
  private readonly act: (x: Tensor2D) => Tensor2D;

  constructor(
    name: string,
    readonly features: number,
    readonly edgeFeatures: number,
    aggregation: Aggregation,
    act: ActivationName,
    rng?: Rng,
  ) {
    super(name, aggregation);
    const F = features;
    const De = edgeFeatures;
    this.edge1 = new Dense(`${name}.edge.0`, 2 * F + De, De, { rng });
    this.edge2 = new Dense(`${name}.edge.1`, De, De, { rng });
    this.node1 = new Dense(`${name}.node.0`, F + De, F, { rng });
    this.node2 = new Dense(`${name}.node.1`, F, F, { rng });
    this.act = activation(act);
  }

  /** The edge update e', [E, De]: the message is the new edge state. */
  protected message(_p: unknown, { state, batch }: StepInput): Tensor2D {
    const F = this.features;
    const De = this.edgeFeatures;
    const hc = this.atCenter(this.edge1.applyRows(state.h, 0, F), batch); // [E, De]
    const hn = this.atNeighbor(this.edge1.applyRows(state.h, F, 2 * F), batch); // [E, De]
    const ee = this.edge1.applyRows(state.e, 2 * F, 2 * F + De); // [E, De]
    const e1 = this.act(this.edge1.addBias(tf.add(tf.add(hc, hn), ee) as Tensor2D));
    return this.act(this.edge2.apply(e1));
  }

  protected update(_p: unknown, aggregated: Tensor, { state }: StepInput): Tensor2D {
    const F = this.features;
    const v1 = this.act(this.node1.addBias(tf.add(this.node1.applyRows(state.h, 0, F), this.node1.applyRows(aggregated as Tensor2D, F, F + this.edgeFeatures)) as Tensor2D));
    return tf.add(state.h, this.act(this.node2.apply(v1))) as Tensor2D;
  }

  /** Residual edge state e + e'. */
  protected override updateEdges(_p: unknown, eNew: Tensor, { state }: StepInput): Tensor2D {
    return tf.add(state.e, eNew) as Tensor2D;
  }

  protected override parts() {
    return [this.edge1, this.edge2, this.node1, this.node2];
  }
}

export const mpnnEdge = defineArchitecture({
  id: 'mpnn-edge',
  title: 'MPNN with edge updates',
  description: 'MEGNet-like blocks: edges updated from both atoms and the edge, atoms from their aggregated edges; residual on both.',
  reference: 'Gilmer et al., ICML 2017; Chen et al., Chem. Mater. 31, 3564 (2019)',
  predicts: 'properties',
  fields: {
    /** Width De of the evolving edge state. */
    edgeFeatures: posInt('edgeFeatures').default(32),
    aggregation: aggregationField('sum'),
  },
  hints: {
    edgeFeatures: { label: 'Edge features', hint: 'Width of the edge state' },
    aggregation: { label: 'Aggregation', hint: 'Aggregation of the updated edges into their atom' },
  },
  edgeStateWidth: (c) => c.model.edgeFeatures,
  layerParameters(c) {
    const F = c.model.atomFeatures;
    const De = c.model.edgeFeatures;
    // edge MLP (2F+De → De → De), node MLP (F+De → F → F)
    return { trainable: linearParameters(2 * F + De, De) + linearParameters(De, De) + linearParameters(F + De, F) + linearParameters(F, F), state: 0 };
  },
  layer: (c, name, rng) => new MpnnEdgeLayer(name, c.model.atomFeatures, c.model.edgeFeatures, c.model.aggregation, c.model.activation, rng),
  presets: [
    {
      id: 'mpnn-edge',
      title: 'MPNN with edge updates',
      description: 'MEGNet-like blocks updating edges from both atoms and nodes from aggregated edges; set2set readout, AdamW.',
      input: {
        model: { ...embeddingModel, edgeFeatures: 32, aggregation: 'mean', readout: 'set2set', set2setSteps: 3, activation: 'softplus' },
        graph: { cutoff: 6, maxNeighbors: 12, gaussian: { dmin: 0, step: 0.2, width: 0.2 } },
        training: {
          optimizer: { kind: 'adamw', lr: 1e-3 },
          weightDecay: 1e-4,
          schedule: { kind: 'plateau', factor: 0.5, patience: 10 },
          gradClipNorm: 10,
          batchSize: 64,
          epochs: 100,
          earlyStoppingPatience: 30,
          loss: 'mse',
        },
      },
    },
  ],
});
