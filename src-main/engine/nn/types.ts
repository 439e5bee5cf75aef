/**
 * Shapes shared by every message-passing layer, readout and head.
 *
 * Legend: N atoms (nodes) in the batch, E directed edges, G graphs (structures),
 * F node features, Fe edge features. A batch is one disjoint graph: edge k
 * carries a message from node `src[k]` to node `dst[k]`; node i belongs to
 * graph `graphIndex[i]`.
 */
import type { Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';

export interface GraphBatchTensors {
  /** [N, F] node (atom) features. */
  nodeFeatures: Tensor2D;
  /** [E, Fe] edge features (e.g. Gaussian-expanded distances). */
  edgeFeatures: Tensor2D;
  /** [E] int32 source node of each edge. */
  src: Tensor1D;
  /** [E] int32 destination node of each edge (the node that aggregates). */
  dst: Tensor1D;
  /** [E] float32 edge length, Å (for layers that use distance directly). */
  distance: Tensor1D;
  /** [N] int32 graph of each node. */
  graphIndex: Tensor1D;
  numNodes: number;
  numEdges: number;
  numGraphs: number;
}

/** Node and edge states flowing between layers. */
export interface GraphState {
  /** [N, F] */
  h: Tensor2D;
  /** [E, Fe] */
  e: Tensor2D;
}

/** Anything with trainable weights (and optional non-trainable state such as batch-norm statistics). */
export interface Module {
  readonly name: string;
  /** Trainable variables, in a stable order (used for checkpoints and optimisers). */
  trainableVariables(): Variable[];
  /** Non-trainable state saved with checkpoints (running means/variances). */
  stateVariables(): Variable[];
}

/** One message-passing step: message, aggregate (permutation invariant), update. */
export interface MessagePassingLayer extends Module {
  call(state: GraphState, batch: GraphBatchTensors, training: boolean): GraphState;
}

/** Pools node states into one vector per graph: [N, F] -> [G, F']. */
export interface Readout extends Module {
  call(h: Tensor2D, batch: GraphBatchTensors, training: boolean): Tensor2D;
}
