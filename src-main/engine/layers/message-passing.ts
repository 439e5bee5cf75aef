/**
 * The message-passing base class (Gilmer et al. 2017, "Neural message passing for quantum
 * chemistry"; PyG's `MessagePassing`), on the batch's edge list. One layer, one step:
 *
 *   prepare     p        = π(h, e)                                    per-node / per-edge terms used below
 *   message     m_k      = φ(p; center[k], neighbor[k], e_k)          [E, Fm] (or [E, K, Fm])
 *   aggregate   a_i      = ⊕_{k : center[k] = i} m_k                   [N, Fm]
 *   update      h'_i     = γ(p_i, a_i)                                [N, F]
 *   edge update e'_k     = ε(p_k, m_k)                                [E, De]  (default: e unchanged)
 *
 * Edge k carries a message from its neighbor atom into its center atom (see nn/types.ts); the
 * center aggregates. ⊕ is sum, mean or max over the edges into i (the scatter kernels of
 * nn/segment, O(E·F) on every backend); a layer whose aggregation is fixed passes it to the
 * constructor. `prepare` exists for the factored forms: a linear map of [h_center ⊕ h_neighbor]
 * is computed as W_c·h and W_n·h on the N node rows and gathered to the E edge rows
 * (`atCenter`, `atNeighbor`), instead of multiplying E rows. Layers that update edges
 * (MEGNet-like) compute the new edge state as their message and combine it in `updateEdges`.
 *
 * Shape legend: N atoms, E directed edges, F node features, Fe/De edge features, Fm message
 * width, K attention heads. A subclass documents its own φ, ⊕, γ, ε with its equations.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor, Tensor2D } from '@tensorflow/tfjs-core';
import type { Aggregation } from '../../../src-shared/model/config';
import type { GraphBatchTensors, GraphState, MessagePassingLayer } from '../nn/types';
import { gatherRows } from '../nn/segment';
import { aggregate, ModuleOfParts } from './common';

/** What `call` hands to the steps: the layer's input state and the batch. */
export interface StepInput {
  state: GraphState;
  batch: GraphBatchTensors;
  /** Training mode (batch-norm batch statistics, dropout). */
  training: boolean;
}

export abstract class MessagePassing<P = GraphState> extends ModuleOfParts implements MessagePassingLayer {
  constructor(
    readonly name: string,
    /** ⊕ of `aggregate`: sum, mean or max over the edges into each center atom. */
    readonly aggregation: Aggregation,
  ) {
    super();
  }

  /** π: terms computed once per call and shared by the steps (default: the input state itself). */
  protected prepare(input: StepInput): P {
    return input.state as P;
  }

  /** φ: one message per edge, [E, Fm] (or [E, K, Fm]). */
  protected abstract message(p: P, input: StepInput): Tensor;

  /** ⊕: messages summed (averaged, maximised) over the edges into each center atom, [E, ·] → [N, ·]. */
  protected aggregate(messages: Tensor, input: StepInput): Tensor {
    return aggregate(this.aggregation, messages, input.batch.center, input.batch.numNodes);
  }

  /** γ: the new node states from the prepared terms and the aggregated messages, [N, F]. */
  protected abstract update(p: P, aggregated: Tensor, input: StepInput): Tensor2D;

  /** ε: the new edge states, [E, De] (default: unchanged). */
  protected updateEdges(_p: P, _messages: Tensor, input: StepInput): Tensor2D {
    return input.state.e;
  }

  /** Rows of a node tensor at each edge's center atom, [N, ·] → [E, ·]. */
  protected atCenter<T extends Tensor>(x: T, batch: GraphBatchTensors): T {
    return gatherRows(x, batch.center);
  }

  /** Rows of a node tensor at each edge's neighbor atom, [N, ·] → [E, ·]. */
  protected atNeighbor<T extends Tensor>(x: T, batch: GraphBatchTensors): T {
    return gatherRows(x, batch.neighbor);
  }

  call(state: GraphState, batch: GraphBatchTensors, training: boolean): GraphState {
    const input: StepInput = { state, batch, training };
    return tf.tidy(() => {
      const p = this.prepare(input);
      const m = this.message(p, input);
      const h = this.update(p, this.aggregate(m, input), input);
      return { h, e: this.updateEdges(p, m, input) };
    });
  }
}
