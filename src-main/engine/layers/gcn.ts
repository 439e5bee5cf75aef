import * as tf from '@tensorflow/tfjs-core';
import type { Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import type { Rng } from '../../../src-shared/model/rng';
import { activation, type ActivationName } from '../nn/activations';
import { Dense } from '../nn/dense';
import type { NamedVariable } from '../nn/module';
import { gatherRows, scatterSum, segmentCounts } from '../nn/segment';
import type { GraphBatchTensors, GraphState, MessagePassingLayer } from '../nn/types';

/**
 * Graph convolution of Kipf & Welling (2017) with symmetric normalisation and self
 * loops, plus a residual connection:
 *
 *   message    m_{i←j} = W h_j / √(d̂_i d̂_j)                     (j ∈ N(i) ∪ {i})
 *   aggregate  m_i = Σ_{j ∈ N(i) ∪ {i}} m_{i←j}
 *   update     h'_i = h_i + σ(m_i + b)
 *
 * with d̂_i = 1 + (number of edges into i), i.e. Â = D̂^{-1/2}(A + I)D̂^{-1/2}. Edge
 * features are not used (the graph itself carries the geometry); the layer's
 * aggregation is fixed by the normalisation. W h is computed once per node, then
 * gathered (O(N F²) + O(E F)).
 *
 * Shapes: h [N, F] → h' [N, F]; e [E, Fe] passed through unchanged. src/dst [E].
 */
export class GcnLayer implements MessagePassingLayer {
  readonly dense: Dense;
  private readonly act: (x: Tensor2D) => Tensor2D;

  constructor(
    readonly name: string,
    readonly features: number,
    act: ActivationName,
    rng?: Rng,
  ) {
    this.dense = new Dense(`${name}.linear`, features, features, { rng });
    this.act = activation(act);
  }

  call(state: GraphState, batch: GraphBatchTensors): GraphState {
    const h = tf.tidy(() => {
      const n = batch.numNodes;
      const degHat = tf.add(segmentCounts(batch.dst, n), 1) as Tensor1D; // [N]
      const invSqrt = tf.rsqrt(degHat); // [N]
      const xw = this.dense.applyRows(state.h, 0, this.features); // [N, F]
      const coef = tf.mul(gatherRows(invSqrt, batch.dst), gatherRows(invSqrt, batch.src)) as Tensor1D; // [E]
      const msg = tf.mul(gatherRows(xw, batch.src), tf.expandDims(coef, 1)) as Tensor2D; // [E, F]
      const self = tf.mul(xw, tf.expandDims(tf.reciprocal(degHat), 1)) as Tensor2D; // [N, F]
      const m = tf.add(scatterSum(msg, batch.dst, n), self) as Tensor2D;
      return tf.add(state.h, this.act(this.dense.addBias(m))) as Tensor2D;
    });
    return { h, e: state.e };
  }

  trainableVariables(): Variable[] {
    return this.dense.trainableVariables();
  }
  stateVariables(): Variable[] {
    return [];
  }
  namedVariables(): NamedVariable[] {
    return this.dense.namedVariables();
  }
  dispose(): void {
    this.dense.dispose();
  }
}
