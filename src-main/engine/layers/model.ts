/**
 * Model assembly from a config, through the architecture registry.
 *
 *   h⁰ = embed(atoms)                                  [N, F]
 *   e⁰ = edge embedding(Gaussian features) or them     [E, Fe | De]
 *   (h, e) ← layer_t(h, e)  for t = 1..T               message passing (the architecture's layers)
 *   graph heads:    y = head(readout(h))               [G, O]
 *   per-atom head:  y = head(h)                        [N, O]
 *
 * The architecture's definition (src-main/engine/architectures) supplies the layers, an
 * optional edge-state embedding and whether the head activates the pooled vector first; the
 * embedding, readout and head are common, so configs can swap architectures freely. Every
 * architecture takes the same batch (`GraphBatchTensors`, messages flow neighbor → center).
 * Initial weights are drawn from the config's seed, in a fixed order: embedding, edge
 * embedding, layers 0..T−1, readout, head.
 *
 * Atom inputs: for `cgcnn`/`onehot` the batch's nodeFeatures [N, A] go through a
 * Dense A → F; for `embedding` nodeFeatures is [N, 1] holding the species index
 * (atomic number) as a float, looked up in a learned table.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';
import { atomInputLength, gaussianCount, headOutputs, type ModelConfig } from '../../../src-shared/model/config';
import { pooledWidth } from '../../../src-shared/model/params';
import { Rng } from '../../../src-shared/model/rng';
import type { ZodRawShape } from 'zod';
import type { ArchitectureConfig, ArchitectureLayer } from '../architectures/define';
import { architecture } from '../architectures/registry';
import type { ActivationName } from '../nn/activations';
import { Dense } from '../nn/dense';
import { LinearAtomEmbedding, TableAtomEmbedding } from '../nn/embedding';
import { assignValues, type HasNamedVariables } from '../nn/module';
import type { GraphBatchTensors, GraphState, Module } from '../nn/types';
import { MlpHead } from '../readout/head';
import { makeReadout, type PoolingReadout } from '../readout/pooling';
import { ModuleOfParts, type Part } from './common';

export interface BuildOptions {
  /** Seed for the initial weights (defaults to config.training.seed). */
  seed?: number;
  /** Fine-tuning: the depth frozen (`GraphModel.frozenDepth`); default 0, nothing frozen. */
  freeze?: number;
}

/** Called with the node states after the embedding (layer 0) and after each message-passing layer t (layer t + 1). */
export type LayerHook = (layer: number, h: Tensor2D) => void;

export class GraphModel extends ModuleOfParts implements Module, HasNamedVariables {
  readonly name = 'model';
  readonly embedding: LinearAtomEmbedding | TableAtomEmbedding;
  /** Architectures with an edge state: Gaussian features → edge state (Fe → De). */
  readonly edgeEmbedding: Dense | null;
  readonly layers: ArchitectureLayer[];
  readonly readout: PoolingReadout | null;
  readonly head: MlpHead;
  /**
   * Fine-tuning depth frozen: N ≥ 1 keeps the atom embedding (and the edge embedding) and the first
   * N message-passing layers fixed (N ≥ numLayers: all of them; the readout and head still train).
   * Frozen parts are left out of `trainableVariables()` and run in inference mode, so their batch
   * norms use and keep their running statistics (as Keras treats a frozen BatchNormalization): a
   * frozen layer computes the same function throughout the run.
   */
  readonly frozenDepth: number;

  constructor(
    readonly config: ModelConfig,
    opts: BuildOptions = {},
  ) {
    super();
    const definition = architecture(config.architecture);
    const ac = config as ArchitectureConfig<ZodRawShape>;
    const rng = new Rng(opts.seed ?? config.training.seed);
    const m = config.model;
    this.frozenDepth = Math.max(0, Math.min(opts.freeze ?? 0, m.numLayers));
    const F = m.atomFeatures;
    const act = m.activation as ActivationName;
    this.embedding = m.atomInput.kind === 'embedding' ? new TableAtomEmbedding('embedding', atomInputLength(config), F, rng) : new LinearAtomEmbedding('embedding', atomInputLength(config), F, rng);
    this.edgeEmbedding = definition.edgeStateWidth ? new Dense('edge_embedding', gaussianCount(config.graph), definition.edgeStateWidth(ac), { rng }) : null;
    this.layers = Array.from({ length: m.numLayers }, (_, t) => definition.layer(ac, `convs.${t}`, rng));
    const perAtom = m.head.kind === 'per-atom';
    this.readout = perAtom ? null : makeReadout(m.readout, F, { set2setSteps: m.set2setSteps, rng, name: 'readout' });
    this.head = new MlpHead('head', perAtom ? F : pooledWidth(config), m.hiddenFeatures, m.numHidden, headOutputs(config), act, {
      inputActivation: definition.activateBeforeHead ?? false,
      dropout: m.dropout,
      rng,
    });
  }

  /** h⁰ [N, F]. */
  embed(batch: GraphBatchTensors): Tensor2D {
    if (this.embedding instanceof TableAtomEmbedding) {
      const emb = this.embedding;
      return tf.tidy(() => emb.apply(tf.cast(tf.reshape(batch.nodeFeatures, [-1]), 'int32') as Tensor1D));
    }
    return this.embedding.apply(batch.nodeFeatures);
  }

  /**
   * Node states after the message-passing layers, [N, F]. `onLayer` sees every intermediate
   * state (the embedding's and each layer's) inside the forward pass; read it there (e.g.
   * `dataSync`), the tensors are freed with the pass.
   */
  nodeStates(batch: GraphBatchTensors, training: boolean, onLayer?: LayerHook): Tensor2D {
    return tf.tidy(() => {
      let state: GraphState = { h: this.embed(batch), e: this.edgeEmbedding ? this.edgeEmbedding.apply(batch.edgeFeatures) : batch.edgeFeatures };
      onLayer?.(0, state.h);
      this.layers.forEach((layer, t) => {
        state = layer.call(state, batch, training && t >= this.frozenDepth);
        onLayer?.(t + 1, state.h);
      });
      return state.h;
    });
  }

  /** Raw outputs: [G, O] (graph heads) or [N, O] (per-atom). `dropoutSeed` for reproducible dropout. */
  apply(batch: GraphBatchTensors, training: boolean, dropoutSeed?: number): Tensor2D {
    return tf.tidy(() => {
      const h = this.nodeStates(batch, training);
      const x = this.readout ? this.readout.call(h, batch, training) : h;
      return this.head.apply(x, training, dropoutSeed);
    });
  }

  protected override parts(): Part[] {
    const p: Part[] = [this.embedding];
    if (this.edgeEmbedding) p.push(this.edgeEmbedding);
    p.push(...this.layers);
    if (this.readout) p.push(this.readout);
    p.push(this.head);
    return p;
  }

  /** The parts fine-tuning keeps fixed (`frozenDepth`). */
  private frozenParts(): Part[] {
    if (this.frozenDepth === 0) return [];
    return [this.embedding, ...(this.edgeEmbedding ? [this.edgeEmbedding] : []), ...this.layers.slice(0, this.frozenDepth)];
  }

  /** Trainable variables, less the frozen parts' (`frozenDepth`). */
  override trainableVariables(): Variable[] {
    const frozen = new Set(this.frozenParts().flatMap((p) => p.trainableVariables()));
    return super.trainableVariables().filter((v) => !frozen.has(v));
  }

  /** Number of trainable scalars (compare with parameterCount(config)). */
  countParameters(): number {
    return this.trainableVariables().reduce((s, v) => s + v.size, 0);
  }

  /** All weights and state by stable name (copies). */
  getWeights(): Record<string, Float32Array> {
    const out: Record<string, Float32Array> = {};
    for (const nv of this.namedVariables()) out[nv.name] = (nv.variable.dataSync() as Float32Array).slice();
    return out;
  }

  /** Loads weights by stable name; every variable must be present with the right size. */
  setWeights(weights: Record<string, Float32Array | number[]>): void {
    for (const nv of this.namedVariables()) {
      const w = weights[nv.name];
      if (!w) throw new Error(`weights: "${nv.name}" missing`);
      assignValues(nv.variable, w, nv.name);
    }
  }
}

/** Builds the model a config describes. */
export function buildModel(config: ModelConfig, opts: BuildOptions = {}): GraphModel {
  return new GraphModel(config, opts);
}
