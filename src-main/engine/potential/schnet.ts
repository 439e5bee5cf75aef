import * as tf from '@tensorflow/tfjs-core';
import type { Tensor2D } from '@tensorflow/tfjs-core';
import { PotentialModelSchema, type PotentialConfig } from '../../../src-shared/model/potential';
import { linearParameters } from '../../../src-shared/model/params';
import type { Rng } from '../../../src-shared/model/rng';
import { definePotentialArchitecture } from '../architectures/define';
import { ModuleOfParts, type Part } from '../layers/common';
import { Dense } from '../nn/dense';
import { TableAtomEmbedding } from '../nn/embedding';
import { activationDerivative, activationDifference, NodeValues, TableCache } from './filter-table';
import { dense } from './linear';
import { schnetMessage } from './message';
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
 *
 * The convolution's edge sum runs in one kernel (./message.ts) with each block's filter W(d) read
 * from a table of its filter network at fine distance nodes (./filter-table.ts).
 */
export class SchNetRepresentation extends ModuleOfParts implements Representation {
  readonly features: number;
  readonly embedding: TableAtomEmbedding;
  readonly interactions: SchNetPotentialInteraction[] = [];
  private readonly nodes: NodeValues;
  private readonly cache = new TableCache();
  /** The tables' node spacing h, Å. */
  readonly spacing: number;

  constructor(config: PotentialConfig, rng: Rng) {
    super();
    const m = config.model;
    this.features = m.features;
    this.embedding = new TableAtomEmbedding('embedding', m.maxZ + 1, m.features, rng);
    for (let l = 0; l < m.numLayers; l++) this.interactions.push(new SchNetPotentialInteraction(`interactions.${l}`, m.features, m.filterFeatures, config.radial.numBasis, m.activation, rng));
    this.nodes = new NodeValues(config.radial);
    this.spacing = this.nodes.grid.spacing;
  }

  apply(g: EdgeGeometry, opts: { training: boolean }): Tensor2D {
    return tf.tidy(() => {
      const sources = this.interactions.flatMap((block) => [...block.filter1.trainableVariables(), ...block.filter2.trainableVariables()]);
      const tables = opts.training ? this.filterTables() : this.cache.get(sources, () => this.filterTables());
      let h = this.embedding.apply(g.species);
      this.interactions.forEach((block, l) => (h = block.apply(h, tables[l], this.spacing, g, l === 0)));
      return h;
    });
  }

  /** Each block's filter table [G, 3Ff] (see SchNetPotentialInteraction.filterTable). */
  filterTables(): Tensor2D[] {
    return tf.tidy(() => this.interactions.map((block) => block.filterTable(this.nodes)));
  }

  protected override parts(): Part[] {
    return [this.embedding, ...this.interactions];
  }

  override dispose(): void {
    super.dispose();
    this.nodes.dispose();
    this.cache.dispose();
  }
}

export class SchNetPotentialInteraction extends ModuleOfParts {
  readonly in2f: Dense;
  readonly filter1: Dense;
  readonly filter2: Dense;
  readonly out1: Dense;
  readonly out2: Dense;
  private readonly act: (x: Tensor2D) => Tensor2D;
  private readonly actDerivative: (x: Tensor2D) => Tensor2D;
  private readonly actDifference: (x: Tensor2D, delta: Tensor2D) => Tensor2D;

  constructor(name: string, F: number, Ff: number, K: number, activation: PotentialConfig['model']['activation'], rng: Rng) {
    super();
    this.in2f = new Dense(`${name}.in2f`, F, Ff, { bias: false, rng });
    this.filter1 = new Dense(`${name}.filter.0`, K, Ff, { rng });
    this.filter2 = new Dense(`${name}.filter.1`, Ff, Ff, { rng });
    this.out1 = new Dense(`${name}.f2out.0`, Ff, F, { rng });
    this.out2 = new Dense(`${name}.f2out.1`, F, F, { rng });
    this.act = potentialActivation(activation);
    this.actDerivative = activationDerivative(activation);
    this.actDifference = activationDifference(activation);
  }

  /** The filter's table [G, 3Ff] at the nodes: W = (W₂ σ(W₁ φ + b₁) + b₂)·u, W′ by the chain rule, ΔW to the next node. */
  filterTable(nodes: NodeValues): Tensor2D {
    return tf.tidy(() => {
      const W1 = this.filter1.kernel as Tensor2D;
      const W2 = this.filter2.kernel as Tensor2D;
      const pre = this.filter1.apply(nodes.basis);
      const y = this.filter2.apply(this.act(pre));
      const dy = tf.matMul(tf.mul(this.actDerivative(pre), tf.matMul(nodes.basisDerivative, W1)), W2) as Tensor2D;
      const diff = tf.matMul(this.actDifference(pre, tf.matMul(nodes.basisDifference, W1) as Tensor2D), W2) as Tensor2D;
      return nodes.table(y, dy, diff);
    });
  }

  /** `firstBlock`: h is the element embedding (see FirstBlock). */
  apply(h: Tensor2D, table: Tensor2D, spacing: number, g: EdgeGeometry, firstBlock = false): Tensor2D {
    return tf.tidy(() => {
      const m = schnetMessage(dense(this.in2f, h), g, table, spacing, { firstBlock });
      return tf.add(h, dense(this.out2, this.act(dense(this.out1, m)))) as Tensor2D;
    });
  }

  protected override parts(): Part[] {
    return [this.in2f, this.filter1, this.filter2, this.out1, this.out2];
  }
}

export const schnetPotential = definePotentialArchitecture({
  id: 'schnet',
  title: 'SchNet potential',
  description: 'Continuous-filter convolutions over every neighbour within the cutoff; invariant features, energies from a per-atom head, forces and stress by differentiation.',
  reference: 'Schütt et al., J. Chem. Phys. 148, 241722 (2018)',
  predicts: 'potential-energy',
  fields: { filterFeatures: PotentialModelSchema.shape.filterFeatures },
  hints: { filterFeatures: { label: 'Filter features', hint: 'Width of the continuous filters W(d) (SchNet n_filters)' } },
  // embedding (Z+1)·F; per block: in2f F·Ff (no bias), filter K→Ff→Ff, f2out Ff→F→F
  representationParameters: ({ model: m, radial }) => ({
    embedding: (m.maxZ + 1) * m.features,
    layers: m.numLayers * (m.features * m.filterFeatures + linearParameters(radial.numBasis, m.filterFeatures) + linearParameters(m.filterFeatures, m.filterFeatures) + linearParameters(m.filterFeatures, m.features) + linearParameters(m.features, m.features)),
  }),
  representation: (config, rng) => new SchNetRepresentation(config, rng),
  presets: [
    {
      id: 'schnet-potential',
      title: 'SchNet potential',
      description: 'SchNetPack-like sizes at 64 features: 3 interactions, 25 Gaussians to 5 Å, cosine envelope, shifted softplus (not tuned on the EMT data).',
      input: {
        model: { features: 64, filterFeatures: 64, numLayers: 3, headHidden: 32, activation: 'shifted-softplus' },
        radial: { cutoff: 5, basis: 'gaussian', numBasis: 25, envelope: 'cosine' },
      },
    },
  ],
});
