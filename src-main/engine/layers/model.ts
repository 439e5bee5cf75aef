/**
 * Model assembly from a config: the model zoo.
 *
 *   h⁰ = embed(atoms)                                  [N, F]
 *   (h, e) ← layer_t(h, e)  for t = 1..T               message passing
 *   graph heads:    y = head(readout(h))               [G, O]
 *   per-atom head:  y = head(h)                        [N, O]
 *
 * Architectures: cgcnn (core's `CgcnnConv`, see ./cgcnn), gcn, schnet, mpnn-edge, gat
 * (this folder). Every architecture takes the same batch (`GraphBatchTensors`, with
 * dst the aggregating atom) and the same head/readout options, so configs can swap
 * architectures freely. Initial weights are drawn from the config's seed.
 *
 * Atom inputs: for `cgcnn`/`onehot` the batch's nodeFeatures [N, A] go through a
 * Dense A → F; for `embedding` nodeFeatures is [N, 1] holding the species index
 * (atomic number) as a float, looked up in a learned table.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import { atomInputLength, gaussianCount, headOutputs, type ModelConfig } from '../../../src-shared/model/config';
import { pooledWidth } from '../../../src-shared/model/params';
import { Rng } from '../../../src-shared/model/rng';
import type { ActivationName } from '../nn/activations';
import { Dense } from '../nn/dense';
import { LinearAtomEmbedding, TableAtomEmbedding } from '../nn/embedding';
import { assignValues, type HasNamedVariables } from '../nn/module';
import type { GraphBatchTensors, GraphState, MessagePassingLayer, Module } from '../nn/types';
import { MlpHead } from '../readout/head';
import { makeReadout, type PoolingReadout } from '../readout/pooling';
import { GatLayer } from './gat';
import { GcnLayer } from './gcn';
import { MpnnEdgeLayer } from './mpnn-edge';
import { SchNetInteraction } from './schnet';
import { ModuleOfParts, type Part } from './common';

export type ZooLayer = MessagePassingLayer & HasNamedVariables & { dispose(): void };

/**
 * Factory for CGCNN convolutions, registered by ./cgcnn when it is imported (import
 * `buildModel` from `./index`, which loads both in the right order).
 */
export type CgcnnLayerFactory = (name: string, features: number, edgeFeatures: number, rng?: Rng) => ZooLayer;
let cgcnnFactory: CgcnnLayerFactory | null = null;
export function registerCgcnnLayer(f: CgcnnLayerFactory): void {
  cgcnnFactory = f;
}

export interface BuildOptions {
  /** Seed for the initial weights (defaults to config.training.seed). */
  seed?: number;
}

export interface ForwardResult {
  /** [G, O] for graph heads (logits for classification), [N, O] for per-atom heads. */
  output: Tensor2D;
}

export class GraphModel extends ModuleOfParts implements Module, HasNamedVariables {
  readonly name = 'model';
  readonly embedding: LinearAtomEmbedding | TableAtomEmbedding;
  /** mpnn-edge only: Gaussian features → edge state (Fe → De). */
  readonly edgeEmbedding: Dense | null;
  readonly layers: ZooLayer[];
  readonly readout: PoolingReadout | null;
  readonly head: MlpHead;

  constructor(
    readonly config: ModelConfig,
    opts: BuildOptions = {},
  ) {
    super();
    const rng = new Rng(opts.seed ?? config.training.seed);
    const m = config.model;
    const F = m.atomFeatures;
    const Fe = gaussianCount(config.graph);
    const act = m.activation as ActivationName;
    this.embedding = m.atomInput.kind === 'embedding' ? new TableAtomEmbedding('embedding', atomInputLength(config), F, rng) : new LinearAtomEmbedding('embedding', atomInputLength(config), F, rng);
    this.edgeEmbedding = config.architecture === 'mpnn-edge' ? new Dense('edge_embedding', Fe, m.edgeFeatures, { rng }) : null;
    this.layers = [];
    for (let t = 0; t < m.numLayers; t++) {
      const name = `convs.${t}`;
      switch (config.architecture) {
        case 'cgcnn':
          if (!cgcnnFactory) throw new Error('CGCNN layer not registered: import buildModel from src-main/engine/layers (index)');
          this.layers.push(cgcnnFactory(name, F, Fe, rng));
          break;
        case 'gcn':
          this.layers.push(new GcnLayer(name, F, act, rng));
          break;
        case 'schnet':
          this.layers.push(new SchNetInteraction(name, F, Fe, m.filterFeatures, config.graph.cutoff, m.aggregation, act, rng));
          break;
        case 'mpnn-edge':
          this.layers.push(new MpnnEdgeLayer(name, F, m.edgeFeatures, m.aggregation, act, rng));
          break;
        case 'gat':
          this.layers.push(new GatLayer(name, F, Fe, m.attentionHeads, act, rng));
          break;
      }
    }
    const perAtom = m.head.kind === 'per-atom';
    this.readout = perAtom ? null : makeReadout(m.readout, F, { set2setSteps: m.set2setSteps, rng, name: 'readout' });
    this.head = new MlpHead('head', perAtom ? F : pooledWidth(config), m.hiddenFeatures, m.numHidden, headOutputs(config), act, {
      // CGCNN: softplus on the pooled vector before conv_to_fc
      inputActivation: config.architecture === 'cgcnn',
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

  /** Node states after the message-passing layers, [N, F]. */
  nodeStates(batch: GraphBatchTensors, training: boolean): Tensor2D {
    return tf.tidy(() => {
      let state: GraphState = { h: this.embed(batch), e: this.edgeEmbedding ? this.edgeEmbedding.apply(batch.edgeFeatures) : batch.edgeFeatures };
      for (const layer of this.layers) state = layer.call(state, batch, training);
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
