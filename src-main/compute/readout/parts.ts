/**
 * Weight bookkeeping shared by the readouts and heads: a module whose weights are those
 * of its Dense layers.
 */
import type { Variable } from '@tensorflow/tfjs-core';
import type { Dense } from '../nn/dense';
import type { NamedVariable } from '../nn/module';

/**
 * Base of a module whose variables are those of its Dense parts, in order (none unless
 * `parts` is overridden), with no state of its own; disposing it disposes the parts.
 */
export abstract class DenseParts {
  protected parts(): Dense[] {
    return [];
  }
  trainableVariables(): Variable[] {
    return this.parts().flatMap((d) => d.trainableVariables());
  }
  stateVariables(): Variable[] {
    return [];
  }
  namedVariables(): NamedVariable[] {
    return this.parts().flatMap((d) => d.namedVariables());
  }
  dispose(): void {
    for (const d of this.parts()) d.dispose();
  }
}
