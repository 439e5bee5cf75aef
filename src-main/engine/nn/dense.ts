/**
 * Dense (fully connected) layer: y = x · W + b.
 *
 * Shapes: x [R, in] → y [R, out]; kernel W [in, out], bias b [out].
 * PyTorch's nn.Linear stores weight as [out, in] (y = x · weightᵀ + b);
 * `setTorchWeights` / `getTorchWeights` convert.
 *
 * For message functions on concatenated inputs, W · [a ⊕ b ⊕ c] = W_a·a + W_b·b + W_c·c:
 * `applyRows(x, from, to)` multiplies by the row block W[from:to] so a layer can apply
 * the node blocks on N node rows and gather the results instead of multiplying E edge rows.
 */
import * as tf from '@tensorflow/tfjs-core';
import { windowedProduct } from './segment';
import type { Tensor2D, Variable } from '@tensorflow/tfjs-core';
import type { Module } from './types';
import { Rng } from '../../../src-shared/model/rng';
import { defaultRng, initValues, type InitializerKind } from './init';
import { assignValues, makeVariable, type HasNamedVariables, type NamedVariable } from './module';

export interface DenseOptions {
  bias?: boolean;
  init?: InitializerKind;
  rng?: Rng;
}

export class Dense implements Module, HasNamedVariables {
  readonly kernel: Variable;
  readonly bias: Variable | null;

  constructor(
    readonly name: string,
    readonly inFeatures: number,
    readonly outFeatures: number,
    options: DenseOptions = {},
  ) {
    const rng = options.rng ?? defaultRng();
    const init = options.init ?? 'torch-linear';
    // Draw in PyTorch's [out, in] order, then transpose, so the same seed gives the same weights in either layout.
    const w = initValues(inFeatures * outFeatures, init, inFeatures, outFeatures, rng);
    this.kernel = makeVariable(`${name}.kernel`, transposeOI(w, outFeatures, inFeatures), [inFeatures, outFeatures], true);
    this.bias =
      options.bias === false
        ? null
        : makeVariable(`${name}.bias`, init === 'torch-linear' ? initValues(outFeatures, init, inFeatures, outFeatures, rng) : new Float32Array(outFeatures), [outFeatures], true);
  }

  /** y = x · W + b, [R, in] → [R, out]. */
  apply(x: Tensor2D): Tensor2D {
    return tf.tidy((): Tensor2D => {
      const y = tf.matMul(x, this.kernel as Tensor2D) as Tensor2D;
      return this.bias ? (tf.add(y, this.bias) as Tensor2D) : y;
    });
  }

  /**
   * x · W[from:to] without bias: the contribution of input columns from..to-1. x [R, to-from] → [R, out].
   * `windowed`: x's rows are zero outside a window (Gaussian-expanded distances), see windowedProduct.
   */
  applyRows(x: Tensor2D, from: number, to: number, { windowed = false } = {}): Tensor2D {
    return tf.tidy(() => {
      const w = this.kernelRows(from, to);
      return windowed ? windowedProduct(x, w) : (tf.matMul(x, w) as Tensor2D);
    });
  }

  /** The row block W[from:to], [to-from, out] (differentiable: its gradient reaches W). */
  kernelRows(from: number, to: number): Tensor2D {
    return tf.slice(this.kernel as Tensor2D, [from, 0], [to - from, this.outFeatures]);
  }

  /** Adds the bias (if any) to a pre-activation computed block-wise with applyRows. */
  addBias(y: Tensor2D): Tensor2D {
    return this.bias ? (tf.add(y, this.bias) as Tensor2D) : y;
  }

  trainableVariables(): Variable[] {
    return this.bias ? [this.kernel, this.bias] : [this.kernel];
  }

  stateVariables(): Variable[] {
    return [];
  }

  namedVariables(): NamedVariable[] {
    const out: NamedVariable[] = [{ name: `${this.name}.weight`, variable: this.kernel, trainable: true }];
    if (this.bias) out.push({ name: `${this.name}.bias`, variable: this.bias, trainable: true });
    return out;
  }

  /** Loads PyTorch nn.Linear weights: weight [out, in] row-major, bias [out]. */
  setTorchWeights(weight: Float32Array, bias?: Float32Array | null): void {
    assignValues(this.kernel, transposeOI(weight, this.outFeatures, this.inFeatures), `${this.name}.weight`);
    if (this.bias) {
      if (!bias) throw new Error(`${this.name}: bias expected`);
      assignValues(this.bias, bias, `${this.name}.bias`);
    } else if (bias) throw new Error(`${this.name}: layer has no bias`);
  }

  /** Weights in PyTorch's layout: weight [out, in], bias [out]. */
  getTorchWeights(): { weight: Float32Array; bias: Float32Array | null } {
    const k = this.kernel.dataSync() as Float32Array;
    return { weight: transposeOI(k, this.inFeatures, this.outFeatures), bias: this.bias ? (this.bias.dataSync() as Float32Array).slice() : null };
  }

  dispose(): void {
    this.kernel.dispose();
    this.bias?.dispose();
  }
}

/** Transposes a row-major [rows, cols] matrix to [cols, rows]. */
export function transposeOI(a: Float32Array, rows: number, cols: number): Float32Array {
  if (a.length !== rows * cols) throw new Error(`transpose: expected ${rows}×${cols} values, got ${a.length}`);
  const out = new Float32Array(a.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = a[r * cols + c];
  return out;
}
