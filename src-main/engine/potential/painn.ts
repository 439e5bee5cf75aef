import * as tf from '@tensorflow/tfjs-core';
import type { Tensor2D } from '@tensorflow/tfjs-core';
import { PotentialModelSchema, type PotentialConfig } from '../../../src-shared/model/potential';
import { linearParameters } from '../../../src-shared/model/params';
import type { Rng } from '../../../src-shared/model/rng';
import { definePotentialArchitecture } from '../architectures/define';
import { ModuleOfParts, type Part } from '../layers/common';
import { Dense } from '../nn/dense';
import { TableAtomEmbedding } from '../nn/embedding';
import { NodeValues, TableCache } from './filter-table';
import { dense, denseColumns, denseRows } from './linear';
import { painnMessage } from './message';
import { potentialActivation, type EdgeGeometry, type Representation } from './representation';

/**
 * PaiNN, the polarizable atom interaction neural network (Schütt, Unke & Gastegger, ICML 2021):
 * equivariant message passing with a scalar part s_i ∈ ℝᶠ and a vector part v⃗_i ∈ ℝ³ˣᶠ per atom.
 *
 *   s⁰_i = T[Z_i],  v⃗⁰_i = 0
 *
 * Message block (l = 1..L), over every neighbour j of i within the cutoff, r̂_ij = r_ij/d_ij:
 *   x_j = W_φ2 σ(W_φ1 s_j + b_φ1) + b_φ2                                [N, 3F] = (x^s | x^vr | x^vv)
 *   W_ij = (W_W φ(d_ij) + b_W)_l · u(d_ij)                              [E, 3F], filters of layer l
 *   Δs_i  = Σ_j x^s_j ∘ W^s_ij
 *   Δv⃗_i  = Σ_j (x^vr_j ∘ W^vr_ij) ⊗ r̂_ij + (x^vv_j ∘ W^vv_ij) ∘ v⃗_j
 *   s_i ← s_i + Δs_i,  v⃗_i ← v⃗_i + Δv⃗_i
 *
 * Update block (per atom; U, V act on the feature axis of each Cartesian component, no bias):
 *   a_i = W_a2 σ(W_a1 [s_i, ‖V v⃗_i‖] + b_a1) + b_a2                  [N, 3F] = (a^vv | a^sv | a^ss)
 *   Δv⃗_i = a^vv_i ∘ (U v⃗_i)
 *   Δs_i = a^ss_i + a^sv_i ∘ ⟨U v⃗_i, V v⃗_i⟩
 *   s_i ← s_i + Δs_i,  v⃗_i ← v⃗_i + Δv⃗_i
 *
 * ‖x‖ = √(Σ_c x_c² + ε) (ε = model.vectorNormEpsilon; 10⁻⁸ as in the paper), ⟨·,·⟩ the sum over the 3 components. φ: radial basis
 * (sine/Bessel by default), u: smooth cutoff envelope; one filter network gives all layers'
 * filters. Scalars are invariant and vectors rotate with the structure, so E = Σ_i head(s_i)
 * is invariant and its gradient equivariant.
 *
 * The message block's edge sums run in one kernel (./message.ts) with the filters W(d) read from
 * a table of the filter network at fine distance nodes (./filter-table.ts).
 *
 * Layout: v⃗ is [N, 3F], component-major per atom (x-block | y-block | z-block), i.e. [N, 3, F]
 * row-major; reshaped to [3N, F] for U and V.
 */
export class PaiNNRepresentation extends ModuleOfParts implements Representation {
  readonly features: number;
  readonly embedding: TableAtomEmbedding;
  /** φ(d) → the filters of every layer, K → L·3F. */
  readonly filterNet: Dense;
  readonly messages: PaiNNMessage[] = [];
  readonly updates: PaiNNUpdate[] = [];
  private readonly nodes: NodeValues;
  private readonly cache = new TableCache();
  /** The tables' node spacing h, Å. */
  readonly spacing: number;

  constructor(config: PotentialConfig, rng: Rng) {
    super();
    const m = config.model;
    const F = m.features;
    this.features = F;
    this.embedding = new TableAtomEmbedding('embedding', m.maxZ + 1, F, rng);
    this.filterNet = new Dense('filter_net', config.radial.numBasis, m.numLayers * 3 * F, { rng });
    for (let l = 0; l < m.numLayers; l++) {
      this.messages.push(new PaiNNMessage(`interactions.${l}`, F, m.activation, rng));
      this.updates.push(new PaiNNUpdate(`mixing.${l}`, F, m.activation, m.vectorNormEpsilon, rng));
    }
    this.nodes = new NodeValues(config.radial);
    this.spacing = this.nodes.grid.spacing;
  }

  apply(g: EdgeGeometry, opts: { training: boolean }): Tensor2D {
    return tf.tidy(() => {
      const F = this.features;
      const tables = opts.training ? this.filterTables() : this.cache.get(this.filterNet.trainableVariables(), () => this.filterTables());
      let s = this.embedding.apply(g.species);
      let v = tf.zeros([g.numAtoms, 3 * F]) as Tensor2D;
      for (let l = 0; l < this.messages.length; l++) {
        [s, v] = this.messages[l].apply(s, v, tables[l], this.spacing, g, l === 0);
        [s, v] = this.updates[l].apply(s, v);
      }
      return s;
    });
  }

  /** Layer l's table [G, 9F]: (W^s | W^r | W^v) at the nodes, their derivatives, their differences to the next node. */
  filterTables(): Tensor2D[] {
    return tf.tidy(() => {
      const C = 3 * this.features;
      return this.messages.map((_, l) => {
        // layer l's columns of the (small) weights, never of the [G, ·] products
        const W = tf.slice(this.filterNet.kernel as Tensor2D, [0, C * l], [-1, C]);
        return this.nodes.linearTable(W, tf.slice(this.filterNet.bias!, [C * l], [C]));
      });
    });
  }

  protected override parts(): Part[] {
    return [this.embedding, this.filterNet, ...this.messages, ...this.updates];
  }

  override dispose(): void {
    super.dispose();
    this.nodes.dispose();
    this.cache.dispose();
  }
}

export class PaiNNMessage extends ModuleOfParts {
  readonly phi1: Dense;
  readonly phi2: Dense;
  private readonly act: (x: Tensor2D) => Tensor2D;

  constructor(
    name: string,
    readonly F: number,
    activation: PotentialConfig['model']['activation'],
    rng: Rng,
  ) {
    super();
    this.phi1 = new Dense(`${name}.phi.0`, F, F, { rng });
    this.phi2 = new Dense(`${name}.phi.1`, F, 3 * F, { rng });
    this.act = potentialActivation(activation);
  }

  /** (s [N, F], v [N, 3F]) → (s′, v′), layer's filter table [G, 9F] with node spacing h; `firstBlock`: s = s⁰, v⃗ = 0 (see FirstBlock). */
  apply(s: Tensor2D, v: Tensor2D, table: Tensor2D, spacing: number, g: EdgeGeometry, firstBlock = false): [Tensor2D, Tensor2D] {
    return tf.tidy(() => {
      const x = dense(this.phi2, this.act(dense(this.phi1, s))); // (x^s | x^vr | x^vv)
      const [ds, dv] = painnMessage(x, v, g, table, spacing, { firstBlock });
      return [tf.add(s, ds) as Tensor2D, tf.add(v, dv) as Tensor2D];
    });
  }

  protected override parts(): Part[] {
    return [this.phi1, this.phi2];
  }
}

export class PaiNNUpdate extends ModuleOfParts {
  /** [U | V]: F → 2F on each Cartesian component, no bias. */
  readonly mix: Dense;
  readonly ctx1: Dense;
  readonly ctx2: Dense;
  private readonly act: (x: Tensor2D) => Tensor2D;

  constructor(
    name: string,
    readonly F: number,
    activation: PotentialConfig['model']['activation'],
    /** ε of ‖V v⃗‖ = √(Σ_c (V v⃗)_c² + ε). */
    readonly normEpsilon: number,
    rng: Rng,
  ) {
    super();
    this.mix = new Dense(`${name}.mu_mix`, F, 2 * F, { bias: false, rng });
    this.ctx1 = new Dense(`${name}.context.0`, 2 * F, F, { rng });
    this.ctx2 = new Dense(`${name}.context.1`, F, 3 * F, { rng });
    this.act = potentialActivation(activation);
  }

  apply(s: Tensor2D, v: Tensor2D): [Tensor2D, Tensor2D] {
    const F = this.F;
    return tf.tidy(() => {
      const N = s.shape[0];
      // U and V from the weight's column blocks, and W_a1·[s, ‖V v⃗‖] from its row blocks: no [3N, 2F] or [N, 2F] product to cut or join (nor their gradients)
      const v3 = tf.reshape(v, [3 * N, F]) as Tensor2D;
      const U = tf.reshape(denseColumns(this.mix, v3, 0, F), [N, 3, F]);
      const V = tf.reshape(denseColumns(this.mix, v3, F, F), [N, 3, F]);
      const vNorm = tf.sqrt(tf.add(tf.sum(tf.square(V), 1), this.normEpsilon)) as Tensor2D; // [N, F]
      const hidden = this.act(this.ctx1.addBias(tf.add(denseRows(this.ctx1, s, 0, F), denseRows(this.ctx1, vNorm, F, 2 * F)) as Tensor2D));
      const avv = tf.reshape(denseColumns(this.ctx2, hidden, 0, F), [N, 1, F]);
      const asv = denseColumns(this.ctx2, hidden, F, F);
      const ass = denseColumns(this.ctx2, hidden, 2 * F, F);
      const dv = tf.reshape(tf.mul(avv, U), [N, 3 * F]);
      const ds = tf.add(ass, tf.mul(asv, tf.sum(tf.mul(U, V), 1)));
      return [tf.add(s, ds) as Tensor2D, tf.add(v, dv) as Tensor2D];
    });
  }

  protected override parts(): Part[] {
    return [this.mix, this.ctx1, this.ctx2];
  }
}

export const painnPotential = definePotentialArchitecture({
  id: 'painn',
  title: 'PaiNN potential',
  description: 'Equivariant message passing with scalar and vector atom features (the first equivariant model in Latticework); forces and stress by differentiation.',
  reference: 'Schütt, Unke and Gastegger, ICML 2021 (arXiv:2102.03150)',
  predicts: 'potential-energy',
  fields: { vectorNormEpsilon: PotentialModelSchema.shape.vectorNormEpsilon },
  hints: { vectorNormEpsilon: { label: 'Vector norm ε', hint: 'ε of ‖V v⃗‖ = √(‖V v⃗‖² + ε): 1e-8 as in the paper; larger smooths the energy at symmetric sites' } },
  // embedding (Z+1)·F; the filter net K → L·3F shared by the blocks; per block: φ F→F→3F, U,V F·2F (no bias), context 2F→F→3F
  representationParameters: ({ model: m, radial }) => {
    const F = m.features;
    return {
      embedding: (m.maxZ + 1) * F,
      layers: linearParameters(radial.numBasis, m.numLayers * 3 * F) + m.numLayers * (linearParameters(F, F) + linearParameters(F, 3 * F) + F * 2 * F + linearParameters(2 * F, F) + linearParameters(F, 3 * F)),
    };
  },
  representation: (config, rng) => new PaiNNRepresentation(config, rng),
  presets: [
    {
      id: 'painn-potential',
      title: 'PaiNN potential',
      description: '2 blocks of 64 features, the vector norm smoothed (ε 0.01), 48 Bessel functions to 6 Å, cosine envelope, silu, MSE loss with forces weighted 4 to energy 1 and stress 10; 200 epochs (or the time budget) with the rate falling linearly from 0.002 to 1 % of it, weights averaged over ~1,000 steps (measured on the EMT data: docs/potentials.md).',
      input: {
        // session 9: 6 Å covers EMT's whole interaction range (its Fermi cutoff at 5.38 Å, zero by 5.76 Å); two
        // blocks instead of three pay for the edges — fresh-set (seed 101) force MAE over three seeds 0.0069, 0.0070, 0.0079 vs 0.0077, 0.0079 eV/Å in 30 minutes
        // session 29: the vector norm smoothed, √(‖V v⃗‖² + 0.01) instead of the paper's + 1e-8, which gives the energy a cusp
        // c·|u| at every symmetric site (imaginary phonons, frequencies that depend on the displacement); fresh-set force
        // MAE 0.0055, 0.0040, 0.0050 against 0.0059, 0.0045, 0.0055 eV/Å (docs/potentials.md "Session 29", docs/simulation.md "Phonons")
        model: { features: 64, numLayers: 2, headHidden: 32, activation: 'silu', vectorNormEpsilon: 0.01 },
        // sessions 13–14: 48 functions resolve EMT's Fermi cutoff (Al's force error −31 to −44 % in five runs); over three
        // seeds × three fresh sets the force MAE is 0.00642 against 0.00688 eV/Å with 24 (docs/potentials.md "Session 14")
        radial: { cutoff: 6, basis: 'bessel', numBasis: 48, envelope: 'cosine' },
        // session 8: against the plateau schedule and the 0.99 average, fresh-set force MAE 0.0077 vs 0.0084 eV/Å in 30 minutes
        // session 15: forces weighted 4 (energy 1, stress 10): fresh-set force MAE 0.0065, 0.0057, 0.0053 against
        // 0.0069, 0.0061, 0.0055 eV/Å with weight 1 (seed 123; docs/potentials.md "Session 15"), energy 1.2–1.4 against 1.0–1.1 meV/atom
        training: { epochs: 200, schedule: { kind: 'constant' }, finalDecay: 1, emaDecay: 0.999, loss: { forcesWeight: 4 } },
      },
    },
  ],
});
