/**
 * Readouts: pool node states into one vector per graph, [N, F] → [G, F'] (F' = F,
 * or 2F for set2set). All are invariant to the order of atoms within a graph.
 *
 * Legend: N atoms, G graphs, F features; graphIndex [N] int32 gives each atom's graph.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { ReadoutKind } from '../../../src-shared/model/config';
import type { Rng } from '../../../src-shared/model/rng';
import { Dense } from '../nn/dense';
import type { HasNamedVariables } from '../nn/module';
import { gatherRows, scatterMax, scatterMean, scatterSum, segmentSoftmax } from '../nn/segment';
import type { GraphBatchTensors, Readout } from '../nn/types';
import { ModuleOfParts } from '../layers/common';

export interface PoolingReadout extends Readout, HasNamedVariables {
  readonly kind: ReadoutKind;
  /** Output width F'. */
  readonly outFeatures: number;
  dispose(): void;
}

/** A parameterless readout: one segment reduction of the atoms of each graph, [N, F] → [G, F]. */
abstract class ScatterReadout extends ModuleOfParts {
  protected abstract readonly pool: typeof scatterSum;
  constructor(readonly name: string, readonly outFeatures: number) {
    super();
  }
  call(h: Tensor2D, batch: GraphBatchTensors, _training = false): Tensor2D {
    return this.pool(h, batch.graphIndex, batch.numGraphs);
  }
}

/** y_g = Σ_{i ∈ g} h_i (extensive properties). */
export class SumReadout extends ScatterReadout implements PoolingReadout {
  readonly kind = 'sum' as const;
  protected readonly pool = scatterSum;
}

/** y_g = (1/|g|) Σ_{i ∈ g} h_i (intensive properties; CGCNN's pooling). */
export class MeanReadout extends ScatterReadout implements PoolingReadout {
  readonly kind = 'mean' as const;
  protected readonly pool = scatterMean;
}

/** y_g = max_{i ∈ g} h_i, elementwise. */
export class MaxReadout extends ScatterReadout implements PoolingReadout {
  readonly kind = 'max' as const;
  protected readonly pool = scatterMax;
}

/**
 * Attention-weighted pooling (global attention, Li et al. 2016):
 *   gate_i = w · h_i + b,   α_i = softmax over the atoms of the graph of gate_i,
 *   y_g = Σ_{i ∈ g} α_i h_i.
 * α (per atom, summing to 1 per graph) says how much each atom weighs in the prediction.
 */
export class AttentionReadout extends ModuleOfParts implements PoolingReadout {
  readonly kind = 'attention' as const;
  readonly gate: Dense;
  constructor(readonly name: string, readonly outFeatures: number, rng?: Rng) {
    super();
    this.gate = new Dense(`${name}.gate`, outFeatures, 1, { rng });
  }
  protected override parts(): Dense[] {
    return [this.gate];
  }
  /** α [N]: per-atom weights. */
  weights(h: Tensor2D, batch: GraphBatchTensors): Tensor1D {
    return tf.tidy(() => tf.reshape(segmentSoftmax(this.gate.apply(h), batch.graphIndex, batch.numGraphs), [-1]) as Tensor1D);
  }
  call(h: Tensor2D, batch: GraphBatchTensors, _training = false): Tensor2D {
    return tf.tidy(() => {
      const a = segmentSoftmax(this.gate.apply(h), batch.graphIndex, batch.numGraphs); // [N, 1]
      return scatterSum(tf.mul(h, a) as Tensor2D, batch.graphIndex, batch.numGraphs);
    });
  }
}

/**
 * Set2set (Vinyals et al. 2016), T processing steps with an LSTM of width F:
 *   q*_0 = 0 [G, 2F];  (q_t, c_t) = LSTM(q*_{t-1}, (q_{t-1}, c_{t-1}))
 *   a_i = softmax_{i ∈ g}(h_i · q_t[g]),  r_g = Σ_{i ∈ g} a_i h_i,  q*_t = q_t ⊕ r_t
 *   y_g = q*_T  [G, 2F]
 * LSTM gates [i, f, g, o] = [q* ⊕ q] W + b  (W [3F, 4F], one bias), c' = σ(f)c + σ(i)tanh(g),
 * q' = σ(o) tanh(c').
 */
export class Set2SetReadout extends ModuleOfParts implements PoolingReadout {
  readonly kind = 'set2set' as const;
  readonly lstm: Dense;
  readonly outFeatures: number;
  constructor(readonly name: string, readonly features: number, readonly steps: number, rng?: Rng) {
    super();
    this.lstm = new Dense(`${name}.lstm`, 3 * features, 4 * features, { rng });
    this.outFeatures = 2 * features;
  }
  call(h: Tensor2D, batch: GraphBatchTensors, _training = false): Tensor2D {
    return tf.tidy(() => {
      const G = batch.numGraphs;
      const F = this.features;
      let qStar = tf.zeros([G, 2 * F]) as Tensor2D;
      let q = tf.zeros([G, F]) as Tensor2D;
      let c = tf.zeros([G, F]) as Tensor2D;
      for (let t = 0; t < this.steps; t++) {
        const gates = this.lstm.apply(tf.concat([qStar, q], 1));
        const [gi, gf, gg, go] = tf.split(gates, 4, 1);
        c = tf.add(tf.mul(tf.sigmoid(gf), c), tf.mul(tf.sigmoid(gi), tf.tanh(gg))) as Tensor2D;
        q = tf.mul(tf.sigmoid(go), tf.tanh(c)) as Tensor2D;
        const score = tf.sum(tf.mul(h, gatherRows(q, batch.graphIndex)), 1, true) as Tensor2D; // [N, 1]
        const a = segmentSoftmax(score, batch.graphIndex, G); // [N, 1]
        const r = scatterSum(tf.mul(h, a) as Tensor2D, batch.graphIndex, G); // [G, F]
        qStar = tf.concat([q, r], 1);
      }
      return qStar;
    });
  }
  protected override parts(): Dense[] {
    return [this.lstm];
  }
}

/** The readout a config names, for F-wide node states. */
export function makeReadout(kind: ReadoutKind, features: number, opts: { set2setSteps?: number; rng?: Rng; name?: string } = {}): PoolingReadout {
  const name = opts.name ?? 'readout';
  switch (kind) {
    case 'sum':
      return new SumReadout(name, features);
    case 'mean':
      return new MeanReadout(name, features);
    case 'max':
      return new MaxReadout(name, features);
    case 'attention':
      return new AttentionReadout(name, features, opts.rng);
    case 'set2set':
      return new Set2SetReadout(name, features, opts.set2setSteps ?? 3, opts.rng);
  }
}
