/**
 * Batching: many crystal graphs as one disjoint graph.
 *
 * Nodes of graph g are [nodeOffsets[g], nodeOffsets[g+1]) in the batch; edge indices are
 * shifted by the node offset of their graph so that message passing over the batch
 * never mixes graphs; `nodeGraph[n]` is the graph of node n (the segment ids for
 * readout by unsortedSegmentSum/Mean). Feature rows are concatenated in graph order.
 */
import type { CrystalGraph } from './graph';

export interface GraphBatch {
  nGraphs: number;
  nNodes: number;
  nEdges: number;
  /** Length nGraphs + 1. */
  nodeOffsets: Int32Array;
  /** Length nGraphs + 1. */
  edgeOffsets: Int32Array;
  /** Graph index per node. */
  nodeGraph: Int32Array;
  /** Global node indices. */
  /** Center atom of each edge, batch-wide index (src-shared/graph/neighbors.ts defines the ends). */
  center: Int32Array;
  /** Neighbor atom of each edge, batch-wide index. */
  neighbor: Int32Array;
  /** Edge lengths (Å), float32. */
  distance: Float32Array;
  /** nNodes × nodeFeatureWidth, or null when the graphs carry node indices. */
  nodeFeatures: Float32Array | null;
  nodeFeatureWidth: number;
  nodeIndex: Int32Array | null;
  /** nEdges × edgeFeatureWidth. */
  edgeFeatures: Float32Array;
  edgeFeatureWidth: number;
}

/** Feature layout of a batch, for memory estimates. */
export interface BatchLayout {
  nodeFeatureWidth: number;
  edgeFeatureWidth: number;
  /** True when nodes carry an Int32 index instead of float features. */
  nodeIndex?: boolean;
}

export interface GraphSize {
  nNodes: number;
  nEdges: number;
}

/** Bytes per node and per edge of a batch with this layout (typed-array payload, excluding offsets). */
export function batchBytesPerItem(layout: BatchLayout): { perNode: number; perEdge: number; perGraph: number } {
  const perNode = 4 /* nodeGraph */ + (layout.nodeIndex ? 4 : 4 * layout.nodeFeatureWidth);
  const perEdge = 4 + 4 + 4 /* center, neighbor, distance */ + 4 * layout.edgeFeatureWidth;
  return { perNode, perEdge, perGraph: 8 /* node + edge offsets */ };
}

/**
 * Exact byte size of the typed arrays `batchGraphs` would allocate for graphs of these
 * sizes, plus optional model activation bytes per node/edge (e.g. hidden width × 4 ×
 * layers, supplied by the engine).
 */
export function estimateBatchBytes(sizes: readonly GraphSize[], layout: BatchLayout, extra: { bytesPerNode?: number; bytesPerEdge?: number } = {}): number {
  let nodes = 0;
  let edges = 0;
  for (const s of sizes) {
    nodes += s.nNodes;
    edges += s.nEdges;
  }
  const b = batchBytesPerItem(layout);
  return (
    nodes * (b.perNode + (extra.bytesPerNode ?? 0)) +
    edges * (b.perEdge + (extra.bytesPerEdge ?? 0)) +
    b.perGraph * sizes.length +
    8 /* the trailing offset of both offset arrays */
  );
}

/** Bytes actually held by a batch's typed arrays. */
export function batchByteLength(b: GraphBatch): number {
  let t = b.nodeOffsets.byteLength + b.edgeOffsets.byteLength + b.nodeGraph.byteLength + b.center.byteLength + b.neighbor.byteLength + b.distance.byteLength + b.edgeFeatures.byteLength;
  if (b.nodeFeatures) t += b.nodeFeatures.byteLength;
  if (b.nodeIndex) t += b.nodeIndex.byteLength;
  return t;
}

export function batchGraphs(graphs: readonly CrystalGraph[]): GraphBatch {
  const nGraphs = graphs.length;
  if (nGraphs === 0) throw new Error('batch: no graphs');
  const first = graphs[0];
  const useIndex = first.nodeIndex !== null;
  for (const g of graphs) {
    if (g.nodeFeatureWidth !== first.nodeFeatureWidth || g.edgeFeatureWidth !== first.edgeFeatureWidth || (g.nodeIndex !== null) !== useIndex) {
      throw new Error('batch: graphs have different feature layouts');
    }
  }
  const nodeOffsets = new Int32Array(nGraphs + 1);
  const edgeOffsets = new Int32Array(nGraphs + 1);
  for (let g = 0; g < nGraphs; g++) {
    nodeOffsets[g + 1] = nodeOffsets[g] + graphs[g].nNodes;
    edgeOffsets[g + 1] = edgeOffsets[g] + graphs[g].nEdges;
  }
  const nNodes = nodeOffsets[nGraphs];
  const nEdges = edgeOffsets[nGraphs];
  const F = first.nodeFeatureWidth;
  const G = first.edgeFeatureWidth;
  const nodeGraph = new Int32Array(nNodes);
  const center = new Int32Array(nEdges);
  const neighbor = new Int32Array(nEdges);
  const distance = new Float32Array(nEdges);
  const nodeFeatures = useIndex ? null : new Float32Array(nNodes * F);
  const nodeIndex = useIndex ? new Int32Array(nNodes) : null;
  const edgeFeatures = new Float32Array(nEdges * G);
  for (let g = 0; g < nGraphs; g++) {
    const gr = graphs[g];
    const no = nodeOffsets[g];
    const eo = edgeOffsets[g];
    nodeGraph.fill(g, no, no + gr.nNodes);
    for (let e = 0; e < gr.nEdges; e++) {
      center[eo + e] = gr.center[e] + no;
      neighbor[eo + e] = gr.neighbor[e] + no;
    }
    distance.set(gr.distance, eo);
    if (nodeFeatures) nodeFeatures.set(gr.nodeFeatures!, no * F);
    if (nodeIndex) nodeIndex.set(gr.nodeIndex!, no);
    edgeFeatures.set(gr.edgeFeatures, eo * G);
  }
  return { nGraphs, nNodes, nEdges, nodeOffsets, edgeOffsets, nodeGraph, center, neighbor, distance, nodeFeatures, nodeFeatureWidth: F, nodeIndex, edgeFeatures, edgeFeatureWidth: G };
}
