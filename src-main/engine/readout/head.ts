/**
 * Output heads: an MLP on pooled graph vectors (graph regression / classification) or
 * on node states (per-atom regression).
 *
 *   y = W_out · D(σ(W_L ⋯ σ(W_1 · [σ](x) + b_1) ⋯ + b_L)) + b_out
 *
 * with L = numHidden hidden layers of width H, σ the activation, D dropout (training
 * only) and [σ] an optional activation on the input (CGCNN applies softplus to the
 * pooled vector before conv_to_fc). Classification heads return logits [B, C];
 * probabilities are softmax(logits).
 *
 * Shapes: x [B, P] → y [B, O] (B graphs, or atoms for per-atom heads).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor2D } from '@tensorflow/tfjs-core';
import type { Rng } from '../../../src-shared/model/rng';
import { activation, type ActivationName } from '../nn/activations';
import { Dense } from '../nn/dense';
import type { HasNamedVariables } from '../nn/module';
import type { Module } from '../nn/types';
import { ModuleOfParts } from '../layers/common';

export interface MlpHeadOptions {
  inputActivation?: boolean;
  dropout?: number;
  rng?: Rng;
}

export class MlpHead extends ModuleOfParts implements Module, HasNamedVariables {
  readonly hidden: Dense[] = [];
  readonly out: Dense;
  private readonly act: (x: Tensor2D) => Tensor2D;
  readonly inputActivation: boolean;
  readonly dropout: number;

  constructor(
    readonly name: string,
    inputWidth: number,
    hiddenWidth: number,
    numHidden: number,
    readonly outputs: number,
    act: ActivationName,
    opts: MlpHeadOptions = {},
  ) {
    super();
    let w = inputWidth;
    for (let k = 0; k < numHidden; k++) {
      this.hidden.push(new Dense(`${name}.hidden.${k}`, w, hiddenWidth, { rng: opts.rng }));
      w = hiddenWidth;
    }
    this.out = new Dense(`${name}.out`, w, outputs, { rng: opts.rng });
    this.act = activation(act);
    this.inputActivation = opts.inputActivation ?? false;
    this.dropout = opts.dropout ?? 0;
  }

  /** `dropoutSeed` makes the dropout mask reproducible (required when training with dropout). */
  apply(x: Tensor2D, training: boolean, dropoutSeed?: number): Tensor2D {
    return tf.tidy(() => {
      let y = this.inputActivation ? this.act(x) : x;
      for (const d of this.hidden) y = this.act(d.apply(y));
      if (training && this.dropout > 0) y = tf.dropout(y, this.dropout, undefined, dropoutSeed) as Tensor2D;
      return this.out.apply(y);
    });
  }

  protected override parts(): Dense[] {
    return [...this.hidden, this.out];
  }
}
