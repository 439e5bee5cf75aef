import * as tf from '@tensorflow/tfjs-core';
import type { Tensor2D } from '@tensorflow/tfjs-core';
import type { PotentialConfig } from '../../../src-shared/model/potential';
import type { Rng } from '../../../src-shared/model/rng';
import { ModuleOfParts, type Part } from '../layers/common';
import { Dense } from '../nn/dense';
import { TableAtomEmbedding } from '../nn/embedding';
import { gatherRows, scatterSum } from '../nn/segment';
import { potentialActivation, type EdgeGeometry, type Representation } from './representation';

/**
 * SchNet as a potential (Schütt et al., J. Chem. Phys. 148, 241722 (2018)): invariant atom
 * features from continuous-filter convolutions over every neighbour within the cutoff.
 *
 *   h⁰_i = T[Z_i]                                                       element embedding, [N, F]
 *   W_ij = (W_f2 σ(W_f1 φ(d_ij) + b_f1) + b_f2) · u(d_ij)              filter, [E, Ff]
 *   m_i = Σ_{j ∈ N(i)} (W_in h_j) ⊙ W_ij                                continuous-filter convolution
 *   h_i ← h_i + W_2 σ(W_1 m_i + b_1) + b_2                              interaction (residual)
 *
 * φ: radial basis (Gaussians by default), u: smooth envelope to 0 at r_c, σ: the configured
 * activation (SchNet: shifted softplus). The energy head maps h_i to an atom energy.
 * Everything depends on positions only through d_ij, so energies are invariant and the forces
 * −∂E/∂r equivariant.
 */
export class SchNetRepresentation extends ModuleOfParts implements Representation {
  readonly features: number;
  readonly embedding: TableAtomEmbedding;
  readonly interactions: SchNetPotentialInteraction[] = [];

  constructor(config: PotentialConfig, rng: Rng) {
    super();
    const m = config.model;
    this.features = m.features;
    this.embedding = new TableAtomEmbedding('embedding', m.maxZ + 1, m.features, rng);
    for (let l = 0; l < m.numLayers; l++) this.interactions.push(new SchNetPotentialInteraction(`interactions.${l}`, m.features, m.filterFeatures, config.radial.numBasis, m.activation, rng));
  }

  apply(g: EdgeGeometry): Tensor2D {
    return tf.tidy(() => {
      let h = this.embedding.apply(g.species);
      for (const block of this.interactions) h = block.apply(h, g);
      return h;
    });
  }

  protected override parts(): Part[] {
    return [this.embedding, ...this.interactions];
  }
}

export class SchNetPotentialInteraction extends ModuleOfParts {
  readonly in2f: Dense;
  readonly filter1: Dense;
  readonly filter2: Dense;
  readonly out1: Dense;
  readonly out2: Dense;
  private readonly act: (x: Tensor2D) => Tensor2D;

  constructor(name: string, F: number, Ff: number, K: number, activation: PotentialConfig['model']['activation'], rng: Rng) {
    super();
    this.in2f = new Dense(`${name}.in2f`, F, Ff, { bias: false, rng });
    this.filter1 = new Dense(`${name}.filter.0`, K, Ff, { rng });
    this.filter2 = new Dense(`${name}.filter.1`, Ff, Ff, { rng });
    this.out1 = new Dense(`${name}.f2out.0`, Ff, F, { rng });
    this.out2 = new Dense(`${name}.f2out.1`, F, F, { rng });
    this.act = potentialActivation(activation);
  }

  apply(h: Tensor2D, g: EdgeGeometry): Tensor2D {
    return tf.tidy(() => {
      const W = tf.mul(this.filter2.apply(this.act(this.filter1.apply(g.basis))), g.envelope) as Tensor2D;
      const x = this.in2f.apply(h);
      const m = scatterSum(tf.mul(gatherRows(x, g.neighbor), W) as Tensor2D, g.center, g.numAtoms);
      return tf.add(h, this.out2.apply(this.act(this.out1.apply(m)))) as Tensor2D;
    });
  }

  protected override parts(): Part[] {
    return [this.in2f, this.filter1, this.filter2, this.out1, this.out2];
  }
}
