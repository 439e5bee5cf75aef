/**
 * SchNet: interaction blocks with continuous-filter convolutions (Schütt et al., NeurIPS 2017 /
 * J. Chem. Phys. 2018), and the architecture's definition.
 *
 *   prepare    x_j  = W_in h_j                                        [N, Ff]  (no bias)
 *   filter     W_k  = (W_f2 σ(W_f1 e_k + b_f1) + b_f2) · C(d_k)        [E, Ff]  e_k: Gaussian-expanded d_k
 *   message    m_k  = x_neighbor[k] ⊙ W_k                             [E, Ff]
 *   aggregate  a_i  = ⊕_{k : center[k] = i} m_k                       [N, Ff]  (⊕ = sum in SchNet; mean/max selectable)
 *   update     h'_i = h_i + W_2 σ(W_1 a_i + b_1) + b_2                 [N, F]
 *
 * C(d) = ½(cos(πd/r_c) + 1) below the cutoff r_c, 0 beyond: the filter, hence the message,
 * goes smoothly to zero at the cutoff (and CGCNN's padding edges at r_c + 1 contribute
 * nothing). σ is the configured activation (SchNet: shifted softplus).
 *
 * Shapes: h [N, F] → [N, F]; e [E, Fe]; filters [E, Ff]; distance [E].
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { aggregationField, gaussianCount, posInt, type Aggregation } from '../../../src-shared/model/config';
import { linearParameters } from '../../../src-shared/model/params';
import type { Rng } from '../../../src-shared/model/rng';
import { cosineCutoff } from '../layers/common';
import { MessagePassing, type StepInput } from '../layers/message-passing';
import { activation, type ActivationName } from '../nn/activations';
import { Dense } from '../nn/dense';
import { defineArchitecture } from './define';
import { adamCosineTraining, embeddingModel } from './preset-parts';

export class SchNetInteraction extends MessagePassing<Tensor2D> {
  readonly in2f: Dense;
  readonly filter1: Dense;
  readonly filter2: Dense;
  readonly f2out: Dense;
  readonly dense: Dense;
  private readonly act: (x: Tensor2D) => Tensor2D;

  constructor(
    name: string,
    features: number,
    edgeFeatures: number,
    filterFeatures: number,
    readonly cutoff: number,
    aggregation: Aggregation,
    act: ActivationName,
    rng?: Rng,
  ) {
    super(name, aggregation);
    this.in2f = new Dense(`${name}.in2f`, features, filterFeatures, { bias: false, rng });
    this.filter1 = new Dense(`${name}.filter.0`, edgeFeatures, filterFeatures, { rng });
    this.filter2 = new Dense(`${name}.filter.1`, filterFeatures, filterFeatures, { rng });
    this.f2out = new Dense(`${name}.f2out`, filterFeatures, features, { rng });
    this.dense = new Dense(`${name}.dense`, features, features, { rng });
    this.act = activation(act);
  }

  /** W_k: [E, Ff]. */
  filters(e: Tensor2D, distance: Tensor1D): Tensor2D {
    return tf.tidy(() => {
      // e: Gaussian features, zero outside each edge's window (skipped on cpu and wasm)
      const w = this.filter2.apply(this.act(this.filter1.addBias(this.filter1.applyRows(e, 0, this.filter1.inFeatures, { windowed: true }))));
      return tf.mul(w, tf.expandDims(cosineCutoff(distance, this.cutoff), 1)) as Tensor2D;
    });
  }

  /** x = W_in h, [N, Ff]. */
  protected override prepare({ state }: StepInput): Tensor2D {
    return this.in2f.apply(state.h);
  }

  protected message(x: Tensor2D, { state, batch }: StepInput): Tensor2D {
    return tf.mul(this.atNeighbor(x, batch), this.filters(state.e, batch.distance)) as Tensor2D; // [E, Ff]
  }

  protected update(_x: Tensor2D, aggregated: Tensor, { state }: StepInput): Tensor2D {
    return tf.add(state.h, this.dense.apply(this.act(this.f2out.apply(aggregated as Tensor2D)))) as Tensor2D;
  }

  protected override parts() {
    return [this.in2f, this.filter1, this.filter2, this.f2out, this.dense];
  }
}

export const schnet = defineArchitecture({
  id: 'schnet',
  title: 'SchNet',
  description: 'Continuous-filter convolutions: a filter network on the Gaussian-expanded distance, times a cosine cutoff, scales the neighbour’s features.',
  reference: 'Schütt et al., J. Chem. Phys. 148, 241722 (2018)',
  predicts: 'properties',
  fields: {
    /** Filter-network width Ff. */
    filterFeatures: posInt('filterFeatures').default(64),
    aggregation: aggregationField('sum'),
  },
  hints: {
    filterFeatures: { label: 'Filter features', hint: 'Filter-network width' },
    aggregation: { label: 'Aggregation', hint: 'Neighbour aggregation (SchNet: sum)' },
  },
  layerParameters(c) {
    const F = c.model.atomFeatures;
    const Ff = c.model.filterFeatures;
    // in2f (no bias), filter net Fe→Ff→Ff, f2out Ff→F, dense F→F
    return { trainable: linearParameters(F, Ff, false) + linearParameters(gaussianCount(c.graph), Ff) + linearParameters(Ff, Ff) + linearParameters(Ff, F) + linearParameters(F, F), state: 0 };
  },
  layer: (c, name, rng) =>
    new SchNetInteraction(name, c.model.atomFeatures, gaussianCount(c.graph), c.model.filterFeatures, c.graph.cutoff, c.model.aggregation, c.model.activation, rng),
  presets: [
    {
      id: 'schnet',
      title: 'SchNet',
      description: 'Continuous-filter convolutions on Gaussian-expanded distances with a cosine cutoff, learned element embedding, Adam + cosine.',
      input: {
        model: { ...embeddingModel, filterFeatures: 64, aggregation: 'sum', readout: 'mean', activation: 'shifted-softplus' },
        graph: { cutoff: 5, maxNeighbors: 0, gaussian: { dmin: 0, step: 0.1, width: 0.1 }, envelope: false },
        training: { ...adamCosineTraining, optimizer: { kind: 'adam', lr: 5e-4 }, warmupEpochs: 1, batchSize: 32 },
      },
    },
  ],
});
