/**
 * What a potential's representation (SchNet, PaiNN) sees of a batch: species and the edges'
 * geometry, already a differentiable function of positions and strain, so that −∂E/∂r and
 * ∂E/∂ε reach the positions through every edge vector.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import type { PotentialConfig } from '../../../src-shared/model/potential';
import type { NamedVariable } from '../nn/module';

export interface EdgeGeometry {
  numAtoms: number;
  /** Atomic numbers [N] int32. */
  species: Tensor1D;
  center: Tensor1D;
  neighbor: Tensor1D;
  /** r_e = pos[j] − pos[i] + S_e, [E, 3]. */
  vectors: Tensor2D;
  /** d_e, [E, 1]. */
  distance: Tensor2D;
  /** r_e / d_e, [E, 3]. */
  unit: Tensor2D;
  /** Radial basis φ(d_e), [E, K]. */
  basis: Tensor2D;
  /** Envelope u(d_e), [E, 1]. */
  envelope: Tensor2D;
}

/** Invariant per-atom features [N, F] from a batch's geometry. */
export interface Representation {
  readonly features: number;
  apply(g: EdgeGeometry): Tensor2D;
  trainableVariables(): Variable[];
  stateVariables(): Variable[];
  namedVariables(): NamedVariable[];
  dispose(): void;
}

/** silu(x) = x·σ(x); shifted softplus ssp(x) = log(1 + eˣ) − log 2 (SchNet). Twice differentiable in tfjs. */
export function potentialActivation(name: PotentialConfig['model']['activation']): <T extends Tensor>(x: T) => T {
  if (name === 'silu') return (x) => tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
  return (x) => tf.tidy(() => tf.sub(tf.softplus(x), Math.LN2));
}
