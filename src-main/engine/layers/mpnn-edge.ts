import * as tf from '@tensorflow/tfjs-core';
import type { Tensor2D } from '@tensorflow/tfjs-core';
import type { Aggregation } from '../../../src-shared/model/config';
import type { Rng } from '../../../src-shared/model/rng';
import { activation, type ActivationName } from '../nn/activations';
import { Dense } from '../nn/dense';
import { gatherRows } from '../nn/segment';
import type { GraphBatchTensors, GraphState, MessagePassingLayer } from '../nn/types';
import { aggregate, ModuleOfParts, type Part } from './common';

/**
 * Message passing with edge updates (MEGNet-like block, without the global state):
 *
 *   edge update  e'_ij = σ(W_e2 σ(W_e1 [h_i ⊕ h_j ⊕ e_ij] + b_e1) + b_e2)     (i = dst, j = src)
 *   aggregate    m_i = ⊕_{j ∈ N(i)} e'_ij                                    (⊕ = sum, mean or max)
 *   node update  h'_i = σ(W_v2 σ(W_v1 [h_i ⊕ m_i] + b_v1) + b_v2)
 *   residuals    h_i ← h_i + h'_i,   e_ij ← e_ij + e'_ij
 *
 * W_e1 [h_i ⊕ h_j ⊕ e] is computed as gather(h W_e1[0:F], dst) + gather(h W_e1[F:2F], src)
 * + e W_e1[2F:], i.e. the node blocks are multiplied on N rows instead of E.
 *
 * Shapes: h [N, F] → [N, F]; e [E, De] → [E, De].
 */
export class MpnnEdgeLayer extends ModuleOfParts implements MessagePassingLayer {
  readonly edge1: Dense;
  readonly edge2: Dense;
  readonly node1: Dense;
  readonly node2: Dense;
  private readonly act: (x: Tensor2D) => Tensor2D;

  constructor(
    readonly name: string,
    readonly features: number,
    readonly edgeFeatures: number,
    readonly aggregation: Aggregation,
    act: ActivationName,
    rng?: Rng,
  ) {
    super();
    const F = features;
    const De = edgeFeatures;
    this.edge1 = new Dense(`${name}.edge.0`, 2 * F + De, De, { rng });
    this.edge2 = new Dense(`${name}.edge.1`, De, De, { rng });
    this.node1 = new Dense(`${name}.node.0`, F + De, F, { rng });
    this.node2 = new Dense(`${name}.node.1`, F, F, { rng });
    this.act = activation(act);
  }

  call(state: GraphState, batch: GraphBatchTensors): GraphState {
    const F = this.features;
    const De = this.edgeFeatures;
    return tf.tidy(() => {
      const hi = gatherRows(this.edge1.applyRows(state.h, 0, F), batch.dst); // [E, De]
      const hj = gatherRows(this.edge1.applyRows(state.h, F, 2 * F), batch.src); // [E, De]
      const ee = this.edge1.applyRows(state.e, 2 * F, 2 * F + De); // [E, De]
      const e1 = this.act(this.edge1.addBias(tf.add(tf.add(hi, hj), ee) as Tensor2D));
      const eNew = this.act(this.edge2.apply(e1)); // [E, De]
      const m = aggregate(this.aggregation, eNew, batch.dst, batch.numNodes); // [N, De]
      const v1 = this.act(this.node1.addBias(tf.add(this.node1.applyRows(state.h, 0, F), this.node1.applyRows(m, F, F + De)) as Tensor2D));
      const hNew = this.act(this.node2.apply(v1)); // [N, F]
      return { h: tf.add(state.h, hNew) as Tensor2D, e: tf.add(state.e, eNew) as Tensor2D };
    });
  }

  protected override parts(): Part[] {
    return [this.edge1, this.edge2, this.node1, this.node2];
  }
}
