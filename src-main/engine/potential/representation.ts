/**
 * What a potential's representation (SchNet, PaiNN) sees of a batch: species and the edge
 * vectors r_e, already a differentiable function of positions and strain, so that −∂E/∂r and
 * ∂E/∂ε reach the positions through every edge vector (the message kernels differentiate
 * d_e = |r_e| and u_e = r_e/d_e themselves).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import type { PotentialConfig } from '../../../src-shared/model/potential';
import type { NamedVariable } from '../nn/module';
import type { EdgeList } from './message';

export interface EdgeGeometry extends EdgeList {
  numAtoms: number;
  /** Atomic numbers [N] int32. */
  species: Tensor1D;
}

/** Invariant per-atom features [N, F] from a batch's geometry. */
export interface Representation {
  readonly features: number;
  /**
   * `training`: the filter tables are built from the weights inside the caller's gradient tape
   * (weight gradients flow through them); otherwise they are kept between calls while the
   * weights are unchanged (./filter-table TableCache).
   */
  apply(g: EdgeGeometry, opts: { training: boolean }): Tensor2D;
  /** Each interaction block's filter table [G, 3C] (values | derivatives | differences, ./filter-table). */
  filterTables(): Tensor2D[];
  /** The tables' node spacing h, Å. */
  readonly spacing: number;
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
