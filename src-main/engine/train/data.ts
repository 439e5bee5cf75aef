/**
 * From the graph batches (src-shared/graph) to the engine's tensors. A neighbour list edge
 * (src i, dst j) means "j is a neighbour of i": i is the center, which aggregates the messages
 * of its (at most maxNeighbors) neighbours, exactly as CGCNN's ConvLayer sums over
 * nbr_fea_idx[i].
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
    center: tf.tensor1d(b.src, 'int32') as Tensor1D,
    neighbor: tf.tensor1d(b.dst, 'int32') as Tensor1D,
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
