/**
 * CGCNN convolution (Xie & Grossman 2018; txie-93/cgcnn `ConvLayer`), on an edge list.
 *
 * For each edge k from neighbour j = src[k] into centre i = dst[k]:
 *
 *   z_k     = W · (h_i ⊕ h_j ⊕ e_k) + b                         fc_full, [E, 2F]
 *   ẑ_k     = BN₁(z_k)                                           over all E rows (padding edges included)
 *   m_k     = σ(ẑ_k[:F]) ⊙ softplus(ẑ_k[F:])                     filter ⊙ core, [E, F]
 *   s_i     = Σ_{k: dst[k] = i} m_k                               [N, F]
 *   h'_i    = softplus(h_i + BN₂(s_i))                            [N, F]
 *
 * On cpu and wasm the batch norm and gate run as one fused kernel (nn/fused); with native
 * kernels (tensorflow) the filter and core halves are computed with column blocks of W (no
 * [E, 2F] tensor to split).
 *
 * The linear layer is factored over nodes: W·(h_i ⊕ h_j ⊕ e) = W_i·h_i + W_j·h_j + W_e·e,
 * with W_i·h and W_j·h computed on N rows and gathered to E rows (2·N·F·2F instead of
 * 2·E·F·2F multiply-adds). On cpu and wasm one kernel gathers, adds and computes W_e·e over each
 * edge's nonzero window of Gaussian features (~1/3 of them). Weight layout and names follow the
 * reference (`convs.<t>.fc_full`, `.bn1`, `.bn2`), so PyTorch state dicts load directly.
 *
 * CGCNN pads atoms with fewer than M neighbours with fake edges (neighbour 0, distance
 * radius + 1); those rows take part in BN₁'s batch statistics and in the sum. For parity
 * with published models the graph must contain them (graph settings `cgcnnPadding`).
 *
 * Shapes: h [N, F], e [E, Fe] → h' [N, F], e unchanged.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import type { Rng } from '../../../src-shared/model/rng';
import { BatchNorm1d } from '../nn/batchnorm';
import { Dense } from '../nn/dense';
import { defaultRng } from '../nn/init';
import type { HasNamedVariables, NamedVariable } from '../nn/module';
import { bnGate, fusedGateBackends } from '../nn/fused';
import { gatherRows, scatterSum } from '../nn/segment';
import { rawKernels } from '../tf/kernels';
import type { GraphBatchTensors, GraphState, MessagePassingLayer } from '../nn/types';
import { registerCgcnnLayer } from './model';

export class CgcnnConv implements MessagePassingLayer, HasNamedVariables {
  readonly fcFull: Dense;
  readonly bn1: BatchNorm1d;
  readonly bn2: BatchNorm1d;

  constructor(
    readonly name: string,
    readonly features: number,
    readonly edgeFeatures: number,
    rng: Rng = defaultRng(),
  ) {
    const F = features;
    this.fcFull = new Dense(`${name}.fc_full`, 2 * F + edgeFeatures, 2 * F, { rng });
    this.bn1 = new BatchNorm1d(`${name}.bn1`, 2 * F);
    this.bn2 = new BatchNorm1d(`${name}.bn2`, F);
  }

  /**
   * z = W_i·h[dst] + W_j·h[src] + W_e·e + b, [E, 2F] (before BN₁), and its column mean and variance
   * [2, 2F] (BN₁'s batch statistics): gathers, W_e·e, sums and statistics in one kernel.
   */
  message(h: Tensor2D, e: Tensor2D, batch: GraphBatchTensors): [Tensor2D, Tensor] {
    const F = this.features;
    return tf.tidy(() => {
      // W_i·h | W_j·h in one product, [N, 4F]; W_e with the bias as its last row, [Fe + 1, 2F]
      const nodes = tf.matMul(h, tf.concat([this.fcFull.kernelRows(0, F), this.fcFull.kernelRows(F, 2 * F)], 1));
      const edgeWeights = tf.concat([this.fcFull.kernelRows(2 * F, 2 * F + this.edgeFeatures), tf.reshape(this.fcFull.bias!, [1, 2 * F])], 0);
      const [z, moments] = rawKernels.edgeMessage(nodes, e, edgeWeights, batch.dst, batch.src); // e: Gaussian features
      return [z as Tensor2D, moments];
    });
  }

  /** Gated messages m = σ(filter) ⊙ softplus(core) from BN₁(z), [E, F] (fused kernel, see nn/fused); moments: z's. */
  gate(z: Tensor2D, moments: Tensor, training: boolean): Tensor2D {
    return bnGate(z, this.bn1, training, moments);
  }

  /** h' = softplus(h + BN₂(s)). */
  update(h: Tensor2D, summed: Tensor2D, training: boolean): Tensor2D {
    return tf.tidy(() => tf.softplus(tf.add(h, this.bn2.apply(summed, training))) as Tensor2D);
  }

  /**
   * The filter and core halves of z separately, [E, F] each: z_k = W_i,k·h[dst] + W_j,k·h[src]
   * + W_e,k·e + b_k with k the column block (0: filter, 1: core). Same numbers as `message`
   * followed by a column split, without materialising and splitting the [E, 2F] tensor.
   */
  messageHalves(h: Tensor2D, e: Tensor2D, batch: GraphBatchTensors): [Tensor2D, Tensor2D] {
    const F = this.features;
    const Fe = this.edgeFeatures;
    const W = this.fcFull.kernel as Tensor2D;
    const half = (k: number) =>
      tf.tidy(() => {
        const self = tf.matMul(h, tf.slice(W, [0, k * F], [F, F]));
        const nbr = tf.matMul(h, tf.slice(W, [F, k * F], [F, F]));
        const edge = tf.matMul(e, tf.slice(W, [2 * F, k * F], [Fe, F]));
        const b = tf.slice(this.fcFull.bias!, [k * F], [F]);
        return tf.add(tf.addN([gatherRows(self, batch.dst), gatherRows(nbr, batch.src), edge]), b) as Tensor2D;
      });
    return [half(0), half(1)];
  }

  /** σ(BN₁(z)_filter) ⊙ softplus(BN₁(z)_core) from the halves, BN₁'s statistics per column as in `bn1.apply`. */
  gateHalves(zf: Tensor2D, zc: Tensor2D, training: boolean): Tensor2D {
    const F = this.features;
    const bn = this.bn1;
    return tf.tidy(() => {
      let means: tf.Tensor1D[];
      let vars: tf.Tensor1D[];
      if (training) {
        const mf = tf.moments(zf, 0);
        const mc = tf.moments(zc, 0);
        means = [mf.mean as tf.Tensor1D, mc.mean as tf.Tensor1D];
        vars = [mf.variance as tf.Tensor1D, mc.variance as tf.Tensor1D];
        bn.updateRunning(tf.concat(means), tf.concat(vars), zf.shape[0]);
      } else {
        means = [tf.slice(bn.runningMean as tf.Tensor1D, [0], [F]), tf.slice(bn.runningMean as tf.Tensor1D, [F], [F])];
        vars = [tf.slice(bn.runningVar as tf.Tensor1D, [0], [F]), tf.slice(bn.runningVar as tf.Tensor1D, [F], [F])];
      }
      const norm = (z: Tensor2D, k: number) =>
        tf.add(tf.mul(tf.sub(z, means[k]), tf.mul(tf.rsqrt(tf.add(vars[k], bn.eps)), tf.slice(bn.gamma, [k * F], [F]))), tf.slice(bn.beta, [k * F], [F]));
      return tf.mul(tf.sigmoid(norm(zf, 0)), tf.softplus(norm(zc, 1))) as Tensor2D;
    });
  }

  call(state: GraphState, batch: GraphBatchTensors, training: boolean): GraphState {
    const h = tf.tidy(() => {
      let m: Tensor2D;
      if (fusedGateBackends.has(tf.getBackend())) {
        const [z, moments] = this.message(state.h, state.e, batch);
        m = this.gate(z, moments, training);
      } else {
        const [zf, zc] = this.messageHalves(state.h, state.e, batch);
        m = this.gateHalves(zf, zc, training);
      }
      const s = scatterSum(m, batch.dst, batch.numNodes);
      return this.update(state.h, s, training);
    });
    return { h, e: state.e };
  }

  trainableVariables(): Variable[] {
    return [...this.fcFull.trainableVariables(), ...this.bn1.trainableVariables(), ...this.bn2.trainableVariables()];
  }

  stateVariables(): Variable[] {
    return [...this.bn1.stateVariables(), ...this.bn2.stateVariables()];
  }

  namedVariables(): NamedVariable[] {
    return [...this.fcFull.namedVariables(), ...this.bn1.namedVariables(), ...this.bn2.namedVariables()];
  }

  dispose(): void {
    this.fcFull.dispose();
    this.bn1.dispose();
    this.bn2.dispose();
  }
}

// The factory takes an optional Rng so the model zoo can seed CGCNN weights from the run seed.
registerCgcnnLayer((name: string, features: number, edgeFeatures: number, rng?: Rng) => new CgcnnConv(name, features, edgeFeatures, rng));
