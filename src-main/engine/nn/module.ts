/**
 * Helpers shared by the building blocks: unique tfjs variable names and named weights.
 *
 * tfjs requires globally unique variable names, while a model's weights need stable
 * names (`conv0.fc_full.weight`) for files and checkpoints; `NamedVariable` keeps the
 * stable name next to the tfjs Variable.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Variable } from '@tensorflow/tfjs-core';

export interface NamedVariable {
  /** Stable, model-relative name, e.g. `convs.0.bn1.running_mean`. */
  name: string;
  variable: Variable;
  trainable: boolean;
}

let counter = 0;
/** Creates a tfjs Variable with a unique tfjs name derived from `name`. */
export function makeVariable(name: string, values: Float32Array, shape: number[], trainable: boolean): Variable {
  counter++;
  const initial = tf.tensor(values, shape, 'float32');
  const variable = tf.variable(initial, trainable, `${name}__${counter}`);
  initial.dispose(); // the variable holds its own copy
  return variable;
}

/** Anything that exposes its weights by stable name. */
export interface HasNamedVariables {
  namedVariables(): NamedVariable[];
}

/** Assigns raw float32 values (row-major, same shape) to a variable. */
export function assignValues(v: Variable, values: Float32Array | number[], what: string): void {
  const size = v.size;
  if (values.length !== size) throw new Error(`${what}: expected ${size} values for shape [${v.shape.join(', ')}], got ${values.length}`);
  tf.tidy(() => v.assign(tf.tensor(values instanceof Float32Array ? values : Float32Array.from(values), v.shape, 'float32')));
}
