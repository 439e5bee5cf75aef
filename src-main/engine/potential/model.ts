/**
 * A conservative interatomic potential: per-atom energies that sum to the energy, forces and
 * stress as its exact derivatives.
 *
 *   e_i = scale · head(h_i) + shift + E_ref[Z_i]          h = representation(geometry)  [N, F]
 *   E_s = Σ_{i ∈ s} e_i
 *   F_i = −∂E/∂r_i
 *   σ_s = (1/V_s) · ∂E_s/∂ε                               ε: symmetric strain of cell and positions
 *
 * Geometry: positions P [N, 3] and a strain ε [S, 3, 3] (zero) per structure enter as tensors;
 * with ε̃ = ½(ε + εᵀ), P′ = P + P·ε̃ and S′_e = S_e + S_e·ε̃ (the image shift S = n·cell strains
 * with the cell), and every edge vector is r_e = P′[j] − P′[i] + S′_e. Forces and stress are the
 * gradients of Σ_s E_s with respect to P and ε (tfjs autodiff); when an outer gradient tape is
 * recording (training), those gradient computations are recorded too, so the loss on forces and
 * stress is differentiated with respect to the weights (gradients of gradients; every op and
 * kernel on the path has a differentiable gradient).
 *
 * E_ref (per element), scale and shift are fitted on the training split (see ./reference) and
 * stored with the weights; they are not trained.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor1D, Tensor2D, Tensor3D, Variable } from '@tensorflow/tfjs-core';
import type { PotentialConfig } from '../../../src-shared/model/potential';
import { Rng } from '../../../src-shared/model/rng';
import { potentialArchitecture } from '../architectures/registry';
import { ModuleOfParts, type Part } from '../layers/common';
import { Dense } from '../nn/dense';
import { assignValues, makeVariable, type NamedVariable } from '../nn/module';
import { gatherRows, scatterSum } from '../nn/segment';
import { edgeVectors } from './edge-vectors';
import { dense } from './linear';
import { ensurePotentialGradients } from './gradients';
import { VOIGT_INDEX, type PotentialBatch } from './frames';
import { potentialActivation, type EdgeGeometry, type Representation } from './representation';

/** A batch on the device. */
export interface PotentialBatchTensors {
  numGraphs: number;
  numAtoms: number;
  species: Tensor1D;
  positions: Tensor2D;
  center: Tensor1D;
  neighbor: Tensor1D;
  shift: Tensor2D;
  atomGraph: Tensor1D;
  edgeGraph: Tensor1D;
  /** Volume per graph (NaN: none), host side. */
  volumes: Float64Array;
  atomCounts: Int32Array;
  /** [P, 2] edge pairs (the message kernels' pair mode), or null. */
  pairs: Tensor2D | null;
}

export function potentialBatchTensors(b: PotentialBatch): PotentialBatchTensors {
  return {
    numGraphs: b.numGraphs,
    numAtoms: b.numAtoms,
    species: tf.tensor1d(b.numbers, 'int32'),
    positions: tf.tensor2d(b.positions, [b.numAtoms, 3]),
    center: tf.tensor1d(b.center, 'int32'),
    neighbor: tf.tensor1d(b.neighbor, 'int32'),
    shift: tf.tensor2d(b.shift, [b.numEdges, 3]),
    atomGraph: tf.tensor1d(b.atomGraph, 'int32'),
    edgeGraph: tf.tensor1d(b.edgeGraph, 'int32'),
    volumes: b.volumes,
    atomCounts: b.atomCounts,
    pairs: b.pairs ? tf.tensor2d(b.pairs, [b.pairs.length / 2, 2], 'int32') : null,
  };
}

export function disposePotentialBatch(t: PotentialBatchTensors): void {
  tf.dispose([t.species, t.positions, t.center, t.neighbor, t.shift, t.atomGraph, t.edgeGraph, ...(t.pairs ? [t.pairs] : [])]);
}

export interface PotentialOutput {
  /** E_s, [S]. */
  energy: Tensor1D;
  /** e_i, [N]. */
  atomEnergies: Tensor1D;
  /** F_i, [N, 3] (when asked for). */
  forces: Tensor2D | null;
  /** σ_s in Voigt order xx, yy, zz, yz, xz, xy, [S, 6] (when asked for; NaN rows for structures without a volume). */
  stress: Tensor2D | null;
}

export interface EvaluateOptions {
  forces?: boolean;
  stress?: boolean;
  /**
   * The caller takes gradients with respect to the weights (training): the filter tables are
   * rebuilt inside its gradient tape. Without it they are reused while the weights are unchanged.
   */
  training?: boolean;
}

/** x [R, 3] times per-row 3×3 matrices M [R, 3, 3]: (x·M)_rb = Σ_a x_ra M_rab. */
function rowTimesMatrix(x: Tensor2D, M: Tensor3D): Tensor2D {
  return tf.sum(tf.mul(tf.reshape(x, [-1, 3, 1]), M), 1) as Tensor2D;
}

/** [9, 6]: row-major 3×3 → Voigt (xx, yy, zz, yz, xz, xy) as a product (differentiable on every backend). */
function voigtSelection(): Tensor2D {
  const m = new Float32Array(54);
  VOIGT_INDEX.forEach(([r, c], k) => (m[(3 * r + c) * 6 + k] = 1));
  return tf.tensor2d(m, [9, 6]);
}

export class PotentialModel extends ModuleOfParts {
  readonly representation: Representation;
  readonly head1: Dense;
  readonly head2: Dense;
  /** E_ref per atomic number, [maxZ + 1] (state). */
  readonly reference: Variable;
  /** [scale, shift] of the head's output (state). */
  readonly scaleShift: Variable;
  private readonly act: (x: Tensor2D) => Tensor2D;

  constructor(
    readonly config: PotentialConfig,
    seed = config.training.seed,
  ) {
    super();
    const rng = new Rng(seed);
    const m = config.model;
    this.representation = potentialArchitecture(config.architecture).representation(config, rng);
    this.head1 = new Dense('head.0', m.features, m.headHidden, { rng });
    this.head2 = new Dense('head.1', m.headHidden, 1, { rng });
    this.reference = makeVariable('energy.reference', new Float32Array(m.maxZ + 1), [m.maxZ + 1], false);
    this.scaleShift = makeVariable('energy.scale_shift', Float32Array.from([1, 0]), [2], false);
    this.act = potentialActivation(m.activation);
  }

  /** Sets the fitted energy statistics: E_ref by atomic number (missing ones 0), scale, shift. */
  setEnergyStatistics(reference: ArrayLike<number>, scale: number, shift: number): void {
    const r = new Float32Array(this.config.model.maxZ + 1);
    for (let z = 0; z < Math.min(r.length, reference.length); z++) r[z] = reference[z];
    assignValues(this.reference, r, 'energy.reference');
    assignValues(this.scaleShift, [scale, shift], 'energy.scale_shift');
  }

  energyStatistics(): { reference: Float32Array; scale: number; shift: number } {
    const ss = this.scaleShift.dataSync();
    return { reference: (this.reference.dataSync() as Float32Array).slice(), scale: ss[0], shift: ss[1] };
  }

  /** Edge geometry from (possibly strained) positions and shifts: r_e = P[j] − P[i] + S_e. */
  geometry(b: PotentialBatchTensors, positions: Tensor2D, shift: Tensor2D): EdgeGeometry {
    const r = edgeVectors(positions, shift, b.center, b.neighbor);
    return { numAtoms: b.numAtoms, species: b.species, center: b.center, neighbor: b.neighbor, vectors: r, pairs: b.pairs };
  }

  /** e_i [N] from positions [N, 3] and shifts [E, 3]. */
  atomEnergies(b: PotentialBatchTensors, positions: Tensor2D, shift: Tensor2D, training = false): Tensor1D {
    return tf.tidy(() => {
      const h = this.representation.apply(this.geometry(b, positions, shift), { training });
      const y = tf.reshape(dense(this.head2, this.act(dense(this.head1, h))), [-1]);
      const ss = this.scaleShift;
      const scaled = tf.add(tf.mul(y, tf.slice(ss, [0], [1])), tf.slice(ss, [1], [1]));
      return tf.add(scaled, tf.reshape(gatherRows(tf.reshape(this.reference, [-1, 1]) as Tensor2D, b.species), [-1])) as Tensor1D;
    });
  }

  /** Energies, and forces and stress by differentiation. Works inside an outer gradient tape. */
  evaluate(b: PotentialBatchTensors, opts: EvaluateOptions = {}): PotentialOutput {
    const wantF = opts.forces ?? true;
    const wantS = opts.stress ?? true;
    const training = opts.training ?? false;
    ensurePotentialGradients();
    // (tidy keeps the tensors of the returned object; null entries are skipped)
    return tf.tidy((): tf.TensorContainer => {
      const S = b.numGraphs;
      const kept: { atom: Tensor1D | null } = { atom: null };
      const energyOf = (P: Tensor2D, eps: Tensor3D | null): tf.Scalar => {
        let positions = P;
        let shift = b.shift;
        if (eps) {
          const sym = tf.mul(tf.add(eps, tf.transpose(eps, [0, 2, 1])), 0.5);
          const flat = tf.reshape(sym, [S, 9]) as Tensor2D;
          const atomStrain = tf.reshape(gatherRows(flat, b.atomGraph), [-1, 3, 3]) as Tensor3D;
          const edgeStrain = tf.reshape(gatherRows(flat, b.edgeGraph), [-1, 3, 3]) as Tensor3D;
          positions = tf.add(P, rowTimesMatrix(P, atomStrain)) as Tensor2D;
          shift = tf.add(b.shift, rowTimesMatrix(b.shift, edgeStrain)) as Tensor2D;
        }
        const e = this.atomEnergies(b, positions, shift, training);
        kept.atom = tf.keep(e);
        return tf.sum(e);
      };
      if (!wantF && !wantS) {
        const atom = this.atomEnergies(b, b.positions, b.shift, training);
        return { energy: this.sumPerGraph(atom, b), atomEnergies: atom, forces: null, stress: null } as unknown as tf.TensorContainer;
      }
      const eps0 = wantS ? (tf.zeros([S, 3, 3]) as Tensor3D) : null;
      const xs: tf.Tensor[] = eps0 ? [b.positions, eps0] : [b.positions];
      const grads = tf.grads((...args: tf.Tensor[]) => energyOf(args[0] as Tensor2D, (args[1] as Tensor3D | undefined) ?? null))(xs);
      // the kept copy escaped tf.grads' own scope; hand on a normal tensor (owned by the caller's scope) instead
      const atom = kept.atom!.clone();
      kept.atom!.dispose();
      const forces = wantF ? (tf.neg(grads[0]) as Tensor2D) : null;
      let stress: Tensor2D | null = null;
      if (eps0) {
        const g = tf.reshape(grads[1], [S, 9]);
        // a structure without a volume divides by 1 and gets its NaN row added afterwards: dividing by NaN
        // would make its row's gradient 0/NaN = NaN even where the loss leaves the row out
        const volume = Float32Array.from(b.volumes, (v) => (Number.isFinite(v) ? v : 1));
        const none = Float32Array.from(b.volumes, (v) => (Number.isFinite(v) ? 0 : NaN));
        stress = tf.add(tf.div(tf.matMul(g, voigtSelection()), tf.tensor2d(volume, [S, 1])), tf.tensor2d(none, [S, 1])) as Tensor2D;
      }
      return { energy: this.sumPerGraph(atom, b), atomEnergies: atom, forces, stress } as unknown as tf.TensorContainer;
    }) as unknown as PotentialOutput;
  }

  private sumPerGraph(atom: Tensor1D, b: PotentialBatchTensors): Tensor1D {
    return tf.reshape(scatterSum(tf.reshape(atom, [-1, 1]), b.atomGraph, b.numGraphs), [-1]) as Tensor1D;
  }

  override namedVariables(): NamedVariable[] {
    return [
      ...super.namedVariables(),
      { name: 'energy.reference', variable: this.reference, trainable: false },
      { name: 'energy.scale_shift', variable: this.scaleShift, trainable: false },
    ];
  }

  /**
   * Trainable variables, less those frozen for fine-tuning: `freeze` = N ≥ 1 keeps the element
   * embedding and the first N interaction blocks fixed (PaiNN: also the filter network, whose
   * output feeds every block); N ≥ numLayers leaves only the energy head to train.
   */
  trainableAfterFreezing(freeze: number): Variable[] {
    if (freeze <= 0) return this.trainableVariables();
    const frozen = (name: string) => {
      const block = /^(?:interactions|mixing)\.(\d+)\./.exec(name);
      return name.startsWith('embedding.') || name.startsWith('filter_net.') || (block !== null && Number(block[1]) < freeze);
    };
    return this.namedVariables()
      .filter((nv) => nv.trainable && !frozen(nv.name))
      .map((nv) => nv.variable);
  }

  getWeights(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const nv of this.namedVariables()) out[nv.name] = (nv.variable.dataSync() as Float32Array).slice();
    return out;
  }

  setWeights(weights: Record<string, ArrayLike<number>>): void {
    for (const nv of this.namedVariables()) {
      const w = weights[nv.name];
      if (!w) throw new Error(`weights: "${nv.name}" missing`);
      assignValues(nv.variable, Array.from(w), nv.name);
    }
  }

  protected override parts(): Part[] {
    return [this.representation, this.head1, this.head2];
  }

  override dispose(): void {
    super.dispose();
    this.reference.dispose();
    this.scaleShift.dispose();
  }
}
