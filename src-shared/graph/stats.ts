/**
 * Statistics of crystal graphs over a dataset: degree distribution, atoms with fewer
 * neighbours than the cap (the atoms CGCNN pads), edges per atom, and the memory of a
 * batch for several batch sizes. Accumulates graph by graph, so a dataset never has to
 * be held in memory at once.
 */
import { estimateBatchBytes, type BatchLayout, type GraphSize } from './batch';
import type { NeighborList } from './neighbors';

export interface MinMeanMax {
  min: number;
  mean: number;
  max: number;
}

export interface BatchMemory {
  batchSize: number;
  /** batchSize graphs of mean size. */
  meanBytes: number;
  /** The batchSize largest graphs of the dataset together (worst batch). */
  maxBytes: number;
}

export interface GraphDatasetStats {
  nGraphs: number;
  nNodes: number;
  /** Real edges (CGCNN padding excluded). */
  nEdges: number;
  /** Padding edges (CGCNN mode). */
  nPaddingEdges: number;
  /** degreeHistogram[d] = atoms with d real edges. */
  degreeHistogram: number[];
  /** Real edges per atom. */
  edgesPerAtom: MinMeanMax;
  nodesPerGraph: MinMeanMax;
  /** Edges per graph as batched (padding included). */
  edgesPerGraph: MinMeanMax;
  /** Atoms with fewer neighbours within the cutoff than maxNeighbors (0 when there is no cap). */
  atomsBelowMax: number;
  /** Graphs with at least one such atom (CGCNN warns for each). */
  graphsWithAtomsBelowMax: number;
  /** Atoms without any neighbour within the cutoff. */
  isolatedAtoms: number;
  maxNeighbors: number | null;
  memoryPerBatch: BatchMemory[];
}

function mmm(values: number[]): MinMeanMax {
  if (values.length === 0) return { min: 0, mean: 0, max: 0 };
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    if (v < min) min = v;
    if (v > max) max = v;
    sum += v;
  }
  return { min, mean: sum / values.length, max };
}

export class GraphStatsAccumulator {
  private readonly sizes: GraphSize[] = [];
  private readonly histogram: number[] = [];
  private realEdges = 0;
  private padEdges = 0;
  private below = 0;
  private graphsBelow = 0;
  private isolated = 0;
  private maxNeighbors: number | null = null;

  add(nl: NeighborList): void {
    this.maxNeighbors = nl.maxNeighbors;
    let graphBelow = false;
    for (let i = 0; i < nl.nNodes; i++) {
      let deg = 0;
      for (let e = nl.offsets[i]; e < nl.offsets[i + 1]; e++) {
        if (nl.padded && nl.padded[e]) this.padEdges++;
        else deg++;
      }
      this.realEdges += deg;
      while (this.histogram.length <= deg) this.histogram.push(0);
      this.histogram[deg]++;
      if (nl.nWithinCutoff[i] === 0) this.isolated++;
      if (nl.maxNeighbors !== null && nl.nWithinCutoff[i] < nl.maxNeighbors) {
        this.below++;
        graphBelow = true;
      }
    }
    if (graphBelow) this.graphsBelow++;
    this.sizes.push({ nNodes: nl.nNodes, nEdges: nl.nEdges });
  }

  result(layout: BatchLayout, batchSizes: readonly number[] = [32, 64, 128, 256]): GraphDatasetStats {
    const nNodes = this.sizes.reduce((a, s) => a + s.nNodes, 0);
    const nGraphs = this.sizes.length;
    // per-atom degrees are in the histogram
    let min = Infinity;
    let max = -Infinity;
    this.histogram.forEach((count, d) => {
      if (count > 0) {
        min = Math.min(min, d);
        max = Math.max(max, d);
      }
    });
    const bySize = [...this.sizes].sort((a, b) => estimateBatchBytes([b], layout) - estimateBatchBytes([a], layout));
    const meanSize: GraphSize = {
      nNodes: nGraphs ? nNodes / nGraphs : 0,
      nEdges: nGraphs ? (this.realEdges + this.padEdges) / nGraphs : 0,
    };
    const memoryPerBatch = batchSizes.map((batchSize) => ({
      batchSize,
      meanBytes: Math.round(estimateBatchBytes(new Array(batchSize).fill(meanSize), layout)),
      maxBytes: estimateBatchBytes(bySize.slice(0, batchSize), layout),
    }));
    return {
      nGraphs,
      nNodes,
      nEdges: this.realEdges,
      nPaddingEdges: this.padEdges,
      degreeHistogram: [...this.histogram],
      edgesPerAtom: nNodes ? { min, mean: this.realEdges / nNodes, max } : { min: 0, mean: 0, max: 0 },
      nodesPerGraph: mmm(this.sizes.map((s) => s.nNodes)),
      edgesPerGraph: mmm(this.sizes.map((s) => s.nEdges)),
      atomsBelowMax: this.below,
      graphsWithAtomsBelowMax: this.graphsBelow,
      isolatedAtoms: this.isolated,
      maxNeighbors: this.maxNeighbors,
      memoryPerBatch,
    };
  }
}

/** Statistics of a list of neighbour lists (see GraphStatsAccumulator to stream). */
export function graphDatasetStats(lists: Iterable<NeighborList>, layout: BatchLayout, batchSizes?: readonly number[]): GraphDatasetStats {
  const acc = new GraphStatsAccumulator();
  for (const nl of lists) acc.add(nl);
  return acc.result(layout, batchSizes);
}
