import * as tf from '@tensorflow/tfjs-core';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { Aggregation } from '../../../src-shared/model/config';
import type { Rng } from '../../../src-shared/model/rng';
import { activation, type ActivationName } from '../nn/activations';
import { Dense } from '../nn/dense';
import { gatherRows } from '../nn/segment';
import type { GraphBatchTensors, GraphState, MessagePassingLayer } from '../nn/types';
import { aggregate, cosineCutoff, ModuleOfParts, type Part } from './common';

/**
 * SchNet interaction block with a continuous-filter convolution (Schütt et al. 2018):
 *
 *   filter     W_ij = (W_f2 σ(W_f1 e_ij + b_f1) + b_f2) · C(d_ij)     e_ij: Gaussian-expanded d_ij
 *   message    m_{i←j} = (W_in h_j) ⊙ W_ij                          (W_in: no bias)
 *   aggregate  m_i = ⊕_{j ∈ N(i)} m_{i←j}                           (⊕ = sum in SchNet; mean/max selectable)
 *   update     h'_i = h_i + W_2 σ(W_1 m_i + b_1) + b_2
 *
 * C(d) = ½(cos(πd/r_c) + 1) below the cutoff r_c, 0 beyond: the filter, hence the
 * message, goes smoothly to zero at the cutoff (and CGCNN's padding edges at r_c + 1
 * contribute nothing). σ is the configured activation (SchNet: shifted softplus).
 *
 * Shapes: h [N, F] → [N, F]; e [E, Fe]; filters [E, Ff]; distance [E].
 */
export class SchNetInteraction extends ModuleOfParts implements MessagePassingLayer {
  readonly in2f: Dense;
  readonly filter1: Dense;
  readonly filter2: Dense;
  readonly f2out: Dense;
  readonly dense: Dense;
  private readonly act: (x: Tensor2D) => Tensor2D;

  constructor(
    readonly name: string,
    features: number,
    edgeFeatures: number,
    filterFeatures: number,
    readonly cutoff: number,
    readonly aggregation: Aggregation,
    act: ActivationName,
    rng?: Rng,
  ) {
    super();
    this.in2f = new Dense(`${name}.in2f`, features, filterFeatures, { bias: false, rng });
    this.filter1 = new Dense(`${name}.filter.0`, edgeFeatures, filterFeatures, { rng });
    this.filter2 = new Dense(`${name}.filter.1`, filterFeatures, filterFeatures, { rng });
    this.f2out = new Dense(`${name}.f2out`, filterFeatures, features, { rng });
    this.dense = new Dense(`${name}.dense`, features, features, { rng });
    this.act = activation(act);
  }

  /** W_ij: [E, Ff]. */
  filters(e: Tensor2D, distance: Tensor1D): Tensor2D {
    return tf.tidy(() => {
      // e: Gaussian features, zero outside each edge's window (skipped on cpu and wasm)
      const w = this.filter2.apply(this.act(this.filter1.addBias(this.filter1.applyRows(e, 0, this.filter1.inFeatures, { windowed: true }))));
      return tf.mul(w, tf.expandDims(cosineCutoff(distance, this.cutoff), 1)) as Tensor2D;
    });
  }

  call(state: GraphState, batch: GraphBatchTensors): GraphState {
    const h = tf.tidy(() => {
      const x = this.in2f.apply(state.h); // [N, Ff]
      const msg = tf.mul(gatherRows(x, batch.src), this.filters(state.e, batch.distance)) as Tensor2D; // [E, Ff]
      const m = aggregate(this.aggregation, msg, batch.dst, batch.numNodes); // [N, Ff]
      const v = this.dense.apply(this.act(this.f2out.apply(m))); // [N, F]
      return tf.add(state.h, v) as Tensor2D;
    });
    return { h, e: state.e };
  }

  protected override parts(): Part[] {
    return [this.in2f, this.filter1, this.filter2, this.f2out, this.dense];
  }
}
