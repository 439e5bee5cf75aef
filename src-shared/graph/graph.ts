/**
 * A crystal graph: neighbour list plus node and edge features, ready for batching.
 */
import type { Structure } from '../chem/structure';
import {
  CGCNN_GAUSSIAN,
  atomInitFeatures,
  embeddingIndex,
  envelope,
  gaussianCentres,
  gaussianExpand,
  oneHotZ,
  parseAtomInit,
  type AtomInitTable,
  type EnvelopeOptions,
  type GaussianOptions,
} from './features';
import { CGCNN_NEIGHBOR_OPTIONS, neighborList, type NeighborList, type NeighborOptions } from './neighbors';

export type NodeFeatureOptions =
  /** One-hot of Z, width 119. */
  | { kind: 'onehot' }
  /** Rows of an atom_init table (CGCNN: 92 wide). */
  | { kind: 'atomInit'; table: AtomInitTable }
  /** No float features: `nodeIndex` holds Z for a learned embedding. */
  | { kind: 'index' };

export type EdgeFeatureOptions =
  /** Gaussian expansion of the distance, optionally times a cutoff envelope. */
  | { kind: 'gaussian'; gaussian: GaussianOptions; envelope?: EnvelopeOptions }
  /** The distance itself (width 1), optionally times an envelope. */
  | { kind: 'distance'; envelope?: EnvelopeOptions };

export interface GraphOptions {
  neighbors: NeighborOptions;
  nodeFeatures: NodeFeatureOptions;
  edgeFeatures: EdgeFeatureOptions;
}

export interface CrystalGraph extends NeighborList {
  /** Atomic numbers of the nodes. */
  numbers: Int32Array;
  /** Row-major nNodes × nodeFeatureWidth, or null for kind 'index'. */
  nodeFeatures: Float32Array | null;
  nodeFeatureWidth: number;
  /** Z per node for kind 'index', else null. */
  nodeIndex: Int32Array | null;
  /** Row-major nEdges × edgeFeatureWidth. */
  edgeFeatures: Float32Array;
  edgeFeatureWidth: number;
}

/**
 * CGCNN's CIFData settings: radius 8, 12 neighbours padded with (pymatgen's site 0, distance 9),
 * atom_init embedding, Gaussian 0..8 by 0.2 with var 0.2.
 */
export function cgcnnGraphOptions(atomInit: string | AtomInitTable): GraphOptions {
  const table = typeof atomInit === 'string' ? parseAtomInit(atomInit) : atomInit;
  return {
    neighbors: { ...CGCNN_NEIGHBOR_OPTIONS },
    nodeFeatures: { kind: 'atomInit', table },
    edgeFeatures: { kind: 'gaussian', gaussian: { ...CGCNN_GAUSSIAN } },
  };
}

export function buildGraph(s: Structure, options: GraphOptions): CrystalGraph {
  const nl = neighborList(s, options.neighbors);
  return featurize(nl, s.numbers, options);
}

/** Adds features to an existing neighbour list (numbers: Z per node). */
export function featurize(nl: NeighborList, numbers: ArrayLike<number>, options: GraphOptions): CrystalGraph {
  if (numbers.length !== nl.nNodes) throw new Error(`graph: ${numbers.length} atomic numbers for ${nl.nNodes} nodes`);
  let nodeFeatures: Float32Array | null = null;
  let nodeIndex: Int32Array | null = null;
  let nodeFeatureWidth = 0;
  const nf = options.nodeFeatures;
  if (nf.kind === 'onehot') {
    nodeFeatures = oneHotZ(numbers);
    nodeFeatureWidth = 119;
  } else if (nf.kind === 'atomInit') {
    nodeFeatures = atomInitFeatures(numbers, nf.table);
    nodeFeatureWidth = nf.table.width;
  } else {
    nodeIndex = embeddingIndex(numbers);
  }
  const ef = options.edgeFeatures;
  let edgeFeatures: Float32Array;
  let edgeFeatureWidth: number;
  if (ef.kind === 'gaussian') {
    edgeFeatures = gaussianExpand(nl.distance, ef.gaussian, ef.envelope ?? { kind: 'none' });
    edgeFeatureWidth = nl.nEdges > 0 ? edgeFeatures.length / nl.nEdges : gaussianWidth(ef.gaussian);
  } else {
    const env = ef.envelope ?? { kind: 'none' };
    edgeFeatures = new Float32Array(nl.nEdges);
    for (let e = 0; e < nl.nEdges; e++) edgeFeatures[e] = nl.distance[e] * envelope(nl.distance[e], env);
    edgeFeatureWidth = 1;
  }
  return {
    ...nl,
    numbers: Int32Array.from(numbers),
    nodeFeatures,
    nodeFeatureWidth,
    nodeIndex,
    edgeFeatures,
    edgeFeatureWidth,
  };
}

function gaussianWidth(g: GaussianOptions): number {
  return gaussianCentres(g).length;
}
