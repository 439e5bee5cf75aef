/**
 * The graph statistics of a dataset, in a compute worker: degree histogram, edges per atom, atoms
 * below the neighbour cap and the memory of a batch (src-shared/graph/stats). No tfjs.
 */
import { structureFromJSON, type StructureJSON } from '../../src-shared/chem/serialize';
import { structureNeighbors } from '../../src-shared/graph';
import { GraphStatsAccumulator } from '../../src-shared/graph/stats';
import { CancelledError, type TaskContext } from './protocol';

export interface DatasetGraphStatsInput {
  structures: StructureJSON[];
  cutoff: number;
  maxNeighbors: number | null;
  /** Node feature width for the memory estimate (CGCNN atom_init: 92). */
  atomInitWidth: number;
}

export async function datasetGraphStats(input: DatasetGraphStatsInput, ctx: TaskContext) {
  const acc = new GraphStatsAccumulator();
  const n = input.structures.length;
  for (let i = 0; i < n; i++) {
    if (ctx.signal.aborted) throw new CancelledError();
    acc.add(structureNeighbors(structureFromJSON(input.structures[i]), { cutoff: input.cutoff, maxNeighbors: input.maxNeighbors }));
    if ((i + 1) % 100 === 0 || i + 1 === n) ctx.progress(i + 1, n, `graphs of ${i + 1} of ${n} structures`);
  }
  const edgeWidth = Math.ceil((input.cutoff + 0.2) / 0.2);
  const s = acc.result({ nodeFeatureWidth: input.atomInitWidth, edgeFeatureWidth: edgeWidth });
  const counts = s.degreeHistogram;
  return {
    degree: { edges: Array.from({ length: counts.length + 1 }, (_, d) => d - 0.5), counts },
    edgesPerAtom: s.edgesPerAtom,
    atomsBelowMax: s.atomsBelowMax,
    atoms: s.nNodes,
    memoryPerBatch: s.memoryPerBatch.map((m) => ({ batchSize: m.batchSize, bytes: m.meanBytes })),
  };
}
