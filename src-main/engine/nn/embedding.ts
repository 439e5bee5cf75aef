/**
 * Atom embeddings: the first layer turning atom inputs into node states h⁰ [N, F].
 *
 * - `cgcnn` / `onehot` inputs are fixed vectors [N, A] (CGCNN's 92-long atom_init rows);
 *   a Dense A → F maps them (CGCNN's `embedding` nn.Linear).
 * - `embedding` inputs are species indices [N] int32; a learned table [S, F] is gathered.
 */
import type { Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import type { Module } from './types';
import { Rng } from '../../../src-shared/model/rng';
import { Dense } from './dense';
import { defaultRng } from './init';
import { makeVariable, type HasNamedVariables, type NamedVariable } from './module';
import { gatherRows } from './segment';

/** CGCNN's embedding: h⁰ = x · W + b, x [N, A] → [N, F]; a Dense A → F (`apply`), weights `<name>.weight` / `<name>.bias`. */
export class LinearAtomEmbedding extends Dense {
  constructor(name: string, inputLength: number, features: number, rng?: Rng) {
    super(name, inputLength, features, { rng });
  }
}

/** Learned table: h⁰[i] = T[species[i]], species [N] int32 → [N, F]. Rows drawn from N(0, 1) as torch.nn.Embedding. */
export class TableAtomEmbedding implements Module, HasNamedVariables {
  readonly table: Variable;
  constructor(
    readonly name: string,
    numSpecies: number,
    features: number,
    rng: Rng = defaultRng(),
  ) {
    const v = new Float32Array(numSpecies * features);
    for (let i = 0; i < v.length; i++) v[i] = rng.normal();
    this.table = makeVariable(`${name}.weight`, v, [numSpecies, features], true);
  }
  apply(species: Tensor1D): Tensor2D {
    return gatherRows(this.table as Tensor2D, species);
  }
  trainableVariables(): Variable[] {
    return [this.table];
  }
  stateVariables(): Variable[] {
    return [];
  }
  namedVariables(): NamedVariable[] {
    return [{ name: `${this.name}.weight`, variable: this.table, trainable: true }];
  }
  dispose(): void {
    this.table.dispose();
  }
}
