import * as tf from '@tensorflow/tfjs-core';
import type { Tensor2D, Tensor3D, Variable } from '@tensorflow/tfjs-core';
import type { Rng } from '../../../src-shared/model/rng';
import { activation, type ActivationName } from '../nn/activations';
import { Dense } from '../nn/dense';
import { defaultRng, initValues } from '../nn/init';
import { makeVariable, type NamedVariable } from '../nn/module';
import { gatherRows, scatterSum, segmentSoftmax } from '../nn/segment';
import type { GraphBatchTensors, GraphState, MessagePassingLayer } from '../nn/types';

/**
 * Attention aggregation, GAT-style (Veličković et al. 2018) with edge-aware scores,
 * K heads averaged, and a residual connection:
 *
 *   transform  z^k_j = W^k h_j                                              (no bias)
 *   score      s^k_ij = LeakyReLU_0.2(a^k_dst · z^k_i + a^k_src · z^k_j + a^k_e · e_ij)
 *   attention  α^k_ij = exp(s^k_ij) / Σ_{j' ∈ N(i)} exp(s^k_ij')            (softmax over the edges into i)
 *   aggregate  m_i = (1/K) Σ_k Σ_{j ∈ N(i)} α^k_ij z^k_j
 *   update     h'_i = h_i + σ(m_i + b)
 *
 * The segment softmax is shifted by each destination's maximum score (stable).
 *
 * Shapes: h [N, F] → [N, F]; e [E, Fe] unchanged; scores and α [E, K]; z [N, K, F].
 */
export class GatLayer implements MessagePassingLayer {
  /** W for all heads at once: [F, K·F]. */
  readonly transform: Dense;
  /** a_e for all heads: [Fe, K]. */
  readonly edgeScore: Dense;
  readonly attDst: Variable;
  readonly attSrc: Variable;
  readonly bias: Variable;
  private readonly act: (x: Tensor2D) => Tensor2D;

  constructor(
    readonly name: string,
    readonly features: number,
    edgeFeatures: number,
    readonly heads: number,
    act: ActivationName,
    rng: Rng = defaultRng(),
  ) {
    const F = features;
    const K = heads;
    this.transform = new Dense(`${name}.transform`, F, K * F, { bias: false, init: 'glorot-uniform', rng });
    this.edgeScore = new Dense(`${name}.att_edge`, edgeFeatures, K, { bias: false, init: 'glorot-uniform', rng });
    this.attDst = makeVariable(`${name}.att_dst`, initValues(K * F, 'glorot-uniform', F, 1, rng), [1, K, F], true);
    this.attSrc = makeVariable(`${name}.att_src`, initValues(K * F, 'glorot-uniform', F, 1, rng), [1, K, F], true);
    this.bias = makeVariable(`${name}.bias`, new Float32Array(F), [F], true);
    this.act = activation(act);
  }

  /** Attention coefficients α [E, K] (rows of one destination sum to 1 per head). */
  attention(state: GraphState, batch: GraphBatchTensors): Tensor2D {
    return tf.tidy(() => this.scoresAndZ(state, batch).alpha);
  }

  private scoresAndZ(state: GraphState, batch: GraphBatchTensors): { alpha: Tensor2D; z: Tensor3D } {
    const N = batch.numNodes;
    const z = tf.reshape(this.transform.apply(state.h), [N, this.heads, this.features]) as Tensor3D; // [N, K, F]
    const sDst = tf.sum(tf.mul(z, this.attDst), 2) as Tensor2D; // [N, K]
    const sSrc = tf.sum(tf.mul(z, this.attSrc), 2) as Tensor2D; // [N, K]
    const s = tf.add(tf.add(gatherRows(sDst, batch.dst), gatherRows(sSrc, batch.src)), this.edgeScore.apply(state.e)) as Tensor2D; // [E, K]
    const alpha = segmentSoftmax(tf.leakyRelu(s, 0.2), batch.dst, N); // [E, K]
    return { alpha, z };
  }

  call(state: GraphState, batch: GraphBatchTensors): GraphState {
    const h = tf.tidy(() => {
      const { alpha, z } = this.scoresAndZ(state, batch);
      const msg = tf.mul(gatherRows(z, batch.src), tf.expandDims(alpha, 2)) as Tensor3D; // [E, K, F]
      const m = tf.mean(scatterSum(msg, batch.dst, batch.numNodes), 1) as Tensor2D; // [N, F]
      return tf.add(state.h, this.act(tf.add(m, this.bias) as Tensor2D)) as Tensor2D;
    });
    return { h, e: state.e };
  }

  trainableVariables(): Variable[] {
    return [...this.transform.trainableVariables(), ...this.edgeScore.trainableVariables(), this.attDst, this.attSrc, this.bias];
  }
  stateVariables(): Variable[] {
    return [];
  }
  namedVariables(): NamedVariable[] {
    return [
      ...this.transform.namedVariables(),
      ...this.edgeScore.namedVariables(),
      { name: `${this.name}.att_dst`, variable: this.attDst, trainable: true },
      { name: `${this.name}.att_src`, variable: this.attSrc, trainable: true },
      { name: `${this.name}.bias`, variable: this.bias, trainable: true },
    ];
  }
  dispose(): void {
    this.transform.dispose();
    this.edgeScore.dispose();
    for (const v of [this.attDst, this.attSrc, this.bias]) v.dispose();
  }
}
