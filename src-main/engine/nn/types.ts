/**
 * Shapes shared by every message-passing layer, readout and head.
 *
 * Legend: N atoms (nodes) in the batch, E directed edges, G graphs (structures),
 * F node features, Fe edge features. A batch is one disjoint graph: edge k joins its
 * center atom `center[k]` and a neighbor atom `neighbor[k]` (the neighbour list's
 * direction, src-shared/graph/neighbors.ts); messages flow from the neighbor into the
 * center, which aggregates. Node i belongs to graph `graphIndex[i]`.
 */
import type { Tensor1D, Tensor2D, Variable } from '@tensorflow/tfjs-core';

export interface GraphBatchTensors {
  /** [N, F] node (atom) features. */
  nodeFeatures: Tensor2D;
  /** [E, Fe] edge features (e.g. Gaussian-expanded distances). */
  edgeFeatures: Tensor2D;
  /** [E] int32 center atom of each edge (the atom that aggregates). */
  center: Tensor1D;
  /** [E] int32 neighbor atom of each edge (the atom whose message it carries). */
  neighbor: Tensor1D;
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
