/**
 * Optimisers with PyTorch's update rules and an explicit, serialisable state
 * (for checkpoints and exact resume). Updates run in one `tf.tidy` per step; the
 * learning rate is passed per step (schedules live outside).
 *
 * For parameter w with gradient g, weight decay λ, rate η, step t (1-based):
 *
 *   SGD+momentum μ:  g ← g + λw;  b ← μb + g;  w ← w − η·(nesterov ? g + μb : b)
 *   Adam:            g ← g + λw;  m ← β₁m + (1−β₁)g;  v ← β₂v + (1−β₂)g²;
 *                    w ← w − η · m̂ / (√v̂ + ε),  m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ)
 *   AdamW:           w ← w(1 − ηλ), then Adam with λ = 0 (decoupled decay)
 *   AMSGrad (adam/adamw `amsgrad`): v̄ ← max(v̄, v), and v̄ in place of v in the step
 *
 * Global-norm gradient clipping (torch.nn.utils.clip_grad_norm_):
 *   g ← g · min(1, c / (‖g‖₂ + 1e-6)) with ‖g‖₂ over all parameters together.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import type { OptimizerConfig } from '../../../src-shared/model/config';

export interface OptimizerState {
  kind: OptimizerConfig['kind'];
  step: number;
  /** Slot name → one Float32Array per variable (same order as the variables). */
  slots: Record<string, Float32Array[]>;
}

/** The global norm ‖g‖₂ over all gradients together (what clipping compares with its limit). */
export function globalNorm(grads: Tensor[]): Scalar {
  return tf.tidy(() => tf.sqrt(tf.addN(grads.map((g) => tf.sum(tf.square(g))))) as Scalar);
}

export class Optimizer {
  private step = 0;
  private readonly slots: Record<string, Variable[]> = {};

  constructor(
    readonly config: OptimizerConfig,
    readonly weightDecay: number,
    private readonly variables: Variable[],
  ) {
    const names = config.kind === 'sgd' ? (config.momentum > 0 ? ['momentum'] : []) : config.amsgrad ? ['m', 'v', 'vmax'] : ['m', 'v'];
    for (const n of names)
      this.slots[n] = variables.map((v) => {
        const z = tf.zerosLike(v);
        const slot = tf.variable(z, false);
        z.dispose(); // the variable holds its own reference to the data
        return slot;
      });
  }

  get iterations(): number {
    return this.step;
  }

  /**
   * Applies one update. `grads[i]` belongs to `variables[i]`; the gradients are not
   * disposed (the caller owns them). `norm`: their globalNorm when the caller has it already
   * (clipping uses it instead of computing it again; the caller owns it).
   */
  apply(grads: Tensor[], lr: number, clipNorm: number | null = null, norm?: Scalar): void {
    if (grads.length !== this.variables.length) throw new Error(`optimizer: ${grads.length} gradients for ${this.variables.length} variables`);
    this.step++;
    const t = this.step;
    const c = this.config;
    const wd = this.weightDecay;
    tf.tidy(() => {
      let gs = grads;
      if (clipNorm !== null) {
        const scale = tf.minimum(1, tf.div(clipNorm, tf.add(norm ?? globalNorm(gs), 1e-6)));
        gs = gs.map((g) => tf.mul(g, scale));
      }
      for (let i = 0; i < this.variables.length; i++) {
        const w = this.variables[i];
        let g = gs[i];
        if (c.kind === 'sgd') {
          if (wd > 0) g = tf.add(g, tf.mul(w, wd));
          let upd = g;
          if (c.momentum > 0) {
            const b = this.slots.momentum[i];
            const nb = tf.add(tf.mul(b, c.momentum), g);
            b.assign(nb);
            upd = c.nesterov ? tf.add(g, tf.mul(nb, c.momentum)) : nb;
          }
          w.assign(tf.sub(w, tf.mul(upd, lr)));
        } else {
          let wCur: Tensor = w;
          if (c.kind === 'adam' && wd > 0) g = tf.add(g, tf.mul(w, wd));
          if (c.kind === 'adamw' && wd > 0) wCur = tf.mul(w, 1 - lr * wd);
          const m = this.slots.m[i];
          const v = this.slots.v[i];
          const nm = tf.add(tf.mul(m, c.beta1), tf.mul(g, 1 - c.beta1));
          const nv = tf.add(tf.mul(v, c.beta2), tf.mul(tf.square(g), 1 - c.beta2));
          m.assign(nm);
          v.assign(nv);
          let second: Tensor = nv;
          if (c.amsgrad) {
            const vmax = this.slots.vmax[i];
            second = tf.maximum(vmax, nv);
            vmax.assign(second);
          }
          const bc1 = 1 - c.beta1 ** t;
          const bc2 = 1 - c.beta2 ** t;
          const denom = tf.add(tf.sqrt(tf.div(second, bc2)), c.epsilon);
          w.assign(tf.sub(wCur, tf.mul(tf.div(nm, denom), lr / bc1)));
        }
      }
    });
  }

  async getState(): Promise<OptimizerState> {
    const slots: Record<string, Float32Array[]> = {};
    for (const [k, vs] of Object.entries(this.slots)) slots[k] = await Promise.all(vs.map(async (v) => (await v.data()) as Float32Array));
    return { kind: this.config.kind, step: this.step, slots };
  }

  setState(state: OptimizerState): void {
    if (state.kind !== this.config.kind) throw new Error(`optimizer state is for ${state.kind}, this optimizer is ${this.config.kind}`);
    for (const [k, vs] of Object.entries(this.slots)) {
      const arrs = state.slots[k];
      if (!arrs || arrs.length !== vs.length) throw new Error(`optimizer state: slot "${k}" has ${arrs?.length ?? 0} arrays for ${vs.length} variables`);
      vs.forEach((v, i) => {
        if (arrs[i].length !== v.size) throw new Error(`optimizer state: slot "${k}"[${i}] has ${arrs[i].length} values, expected ${v.size}`);
        tf.tidy(() => v.assign(tf.tensor(arrs[i], v.shape, 'float32')));
      });
    }
    this.step = state.step;
  }

  dispose(): void {
    for (const vs of Object.values(this.slots)) for (const v of vs) v.dispose();
  }
}
