/**
 * From the graph batches (src-shared/graph) to the engine's tensors; the edge ends keep their
 * names (center, neighbor: src-shared/graph/neighbors.ts).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { GraphBatch } from '../../../src-shared/graph/batch';
import type { GraphBatchTensors } from '../nn/types';

export function batchToTensors(b: GraphBatch): GraphBatchTensors {
  const nodeFeatures = b.nodeFeatures
    ? (tf.tensor2d(b.nodeFeatures, [b.nNodes, b.nodeFeatureWidth], 'float32') as Tensor2D)
    : (tf.tensor2d(Float32Array.from(b.nodeIndex!), [b.nNodes, 1], 'float32') as Tensor2D);
  return {
    nodeFeatures,
    edgeFeatures: tf.tensor2d(b.edgeFeatures, [b.nEdges, b.edgeFeatureWidth], 'float32') as Tensor2D,
    center: tf.tensor1d(b.center, 'int32') as Tensor1D,
    neighbor: tf.tensor1d(b.neighbor, 'int32') as Tensor1D,
    distance: tf.tensor1d(b.distance, 'float32') as Tensor1D,
    graphIndex: tf.tensor1d(b.nodeGraph, 'int32') as Tensor1D,
    numNodes: b.nNodes,
    numEdges: b.nEdges,
    numGraphs: b.nGraphs,
  };
}

export function disposeBatchTensors(t: GraphBatchTensors): void {
  tf.dispose([t.nodeFeatures, t.edgeFeatures, t.center, t.neighbor, t.distance, t.graphIndex]);
}
