/**
 * GCN: the graph convolution of Kipf & Welling (ICLR 2017) with symmetric normalisation and
 * self loops, plus a residual connection, and the architecture's definition.
 *
 *   prepare    x_j = W h_j,  d̂_i = 1 + |{k : center[k] = i}|          [N, F], [N]
 *   message    m_k = x_neighbor[k] / √(d̂_center[k] d̂_neighbor[k])      [E, F]
 *   aggregate  a_i = Σ_{k : center[k] = i} m_k                         [N, F]
 *   update     h'_i = h_i + σ(a_i + x_i / d̂_i + b)                     [N, F]   (x_i/d̂_i: the self loop)
 *
 * i.e. Â = D̂^{-1/2}(A + I)D̂^{-1/2} with in-degrees. Edge features are not used (the graph
 * itself carries the geometry); the aggregation is fixed by the normalisation. W h is computed
 * once per node, then gathered (O(N F²) + O(E F)).
 *
 * Shapes: h [N, F] → h' [N, F]; e [E, Fe] passed through unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { linearParameters } from '../../../src-shared/model/params';
import type { Rng } from '../../../src-shared/model/rng';
import { MessagePassing, type StepInput } from '../layers/message-passing';
import { activation, type ActivationName } from '../nn/activations';
import { Dense } from '../nn/dense';
import { segmentCounts } from '../nn/segment';
import { defineArchitecture } from './define';
import { adamCosineTraining, cgcnnGraph, cgcnnModel } from './preset-parts';

interface Prepared {
  /** W h, [N, F]. */
  xw: Tensor2D;
  /** d̂ = 1 + in-degree, [N]. */
  degHat: Tensor1D;
}

export class GcnLayer extends MessagePassing<Prepared> {
  readonly dense: Dense;
  private readonly act: (x: Tensor2D) => Tensor2D;

  constructor(
    name: string,
    readonly features: number,
    act: ActivationName,
    rng?: Rng,
  ) {
    super(name, 'sum');
    this.dense = new Dense(`${name}.linear`, features, features, { rng });
    this.act = activation(act);
  }

  protected override prepare({ state, batch }: StepInput): Prepared {
    return { xw: this.dense.applyRows(state.h, 0, this.features), degHat: tf.add(segmentCounts(batch.center, batch.numNodes), 1) as Tensor1D };
  }

  protected message({ xw, degHat }: Prepared, { batch }: StepInput): Tensor2D {
    const invSqrt = tf.rsqrt(degHat) as Tensor1D; // [N]
    const coef = tf.mul(this.atCenter(invSqrt, batch), this.atNeighbor(invSqrt, batch)) as Tensor1D; // [E]
    return tf.mul(this.atNeighbor(xw, batch), tf.expandDims(coef, 1)) as Tensor2D; // [E, F]
  }

  protected update({ xw, degHat }: Prepared, aggregated: Tensor, { state }: StepInput): Tensor2D {
    const self = tf.mul(xw, tf.expandDims(tf.reciprocal(degHat), 1)) as Tensor2D; // [N, F]
    return tf.add(state.h, this.act(this.dense.addBias(tf.add(aggregated, self) as Tensor2D))) as Tensor2D;
  }

  protected override parts() {
    return [this.dense];
  }
}

export const gcn = defineArchitecture({
  id: 'gcn',
  title: 'GCN',
  description: 'Kipf & Welling graph convolution (normalised adjacency with self loops); ignores distances beyond the graph itself.',
  reference: 'Kipf & Welling, ICLR 2017 (arXiv:1609.02907)',
  predicts: 'properties',
  fields: {},
  hints: {},
  layerParameters: (c) => ({ trainable: linearParameters(c.model.atomFeatures, c.model.atomFeatures), state: 0 }),
  layer: (c, name, rng) => new GcnLayer(name, c.model.atomFeatures, c.model.activation, rng),
  presets: [
    {
      id: 'gcn',
      title: 'GCN',
      description: 'Kipf & Welling graph convolution (normalised adjacency with self loops); ignores distances beyond the graph itself.',
      input: { model: { ...cgcnnModel, readout: 'mean' }, graph: cgcnnGraph, training: adamCosineTraining },
    },
  ],
});
