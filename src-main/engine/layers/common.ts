/**
 * Small helpers shared by the message-passing layers, readouts and heads: neighbour
 * aggregation by name, named-variable bookkeeping, the cosine cutoff.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor1D, Variable } from '@tensorflow/tfjs-core';
import type { Aggregation } from '../../../src-shared/model/config';
import type { HasNamedVariables, NamedVariable } from '../nn/module';
import { scatterMax, scatterMean, scatterSum } from '../nn/segment';

/** a_i = ⊕_{k: center[k] = i} messages[k] with ⊕ ∈ {sum, mean, max}; [E, ...] → [N, ...]. */
export function aggregate<T extends Tensor>(kind: Aggregation, messages: T, center: Tensor1D, numNodes: number): T {
  switch (kind) {
    case 'sum':
      return scatterSum(messages, center, numNodes);
    case 'mean':
      return scatterMean(messages, center, numNodes);
    case 'max':
      return scatterMax(messages, center, numNodes);
  }
}

/**
 * Smooth cosine cutoff (Behler; SchNet): C(d) = ½(cos(πd/r_c) + 1) for d < r_c, else 0.
 * [E] → [E].
 */
export function cosineCutoff(distance: Tensor1D, cutoff: number): Tensor1D {
  return tf.tidy(() => {
    const c = tf.mul(tf.add(tf.cos(tf.mul(distance, Math.PI / cutoff)), 1), 0.5);
    return tf.where(tf.less(distance, cutoff), c, tf.zerosLike(c)) as Tensor1D;
  });
}

/** A sub-module: its variables, named, and its disposal. */
export interface Part extends HasNamedVariables {
  trainableVariables(): Variable[];
  stateVariables(): Variable[];
  dispose(): void;
}

/**
 * Base of a module whose variables are those of its parts (Dense layers, batch norms, …), in the
 * order `parts()` lists them (none unless overridden); disposing it disposes the parts.
 */
export abstract class ModuleOfParts {
  protected parts(): Part[] {
    return [];
  }
  trainableVariables(): Variable[] {
    return this.parts().flatMap((p) => p.trainableVariables());
  }
  stateVariables(): Variable[] {
    return this.parts().flatMap((p) => p.stateVariables());
  }
  namedVariables(): NamedVariable[] {
    return this.parts().flatMap((p) => p.namedVariables());
  }
  dispose(): void {
    for (const p of this.parts()) p.dispose();
  }
}
