/** The `graphs` service: the crystal graph of a stored structure and receptive fields on it. */
import { structureFromJSON, type StructureJSON } from '../../src-shared/chem/serialize';
import { siteCount } from '../../src-shared/chem/structure';
import { neighborEdgeEstimate } from '../../src-shared/graph';
import type { LatticeworkHandlers } from '../../src-shared/ipc/contract';
import type { CoreParts } from '../app/core';
import { UserError } from '../ipc/errors';
import { loadStructure } from './structures';

/**
 * The most edges the Graph view is sent (its graph, and the receptive field's, built on the same
 * neighbour list): 2,000,000 edges are a reply of ~100 MB that the page parses in several seconds;
 * 10 million would be ~500 MB, more than the host keeps for a client (docs/renderer.md).
 */
export const GRAPH_VIEW_MAX_EDGES = 2_000_000;

/** Refuses, before the graph is built, a structure whose graph would have more edges than the Graph view draws. */
function checkViewSize(structure: StructureJSON, cutoff: number, maxNeighbors: number | null): void {
  const s = structureFromJSON(structure);
  const edges = neighborEdgeEstimate(s, { cutoff, maxNeighbors });
  if (edges <= GRAPH_VIEW_MAX_EDGES) return;
  const n = (x: number) => x.toLocaleString('en');
  throw new UserError(
    `${n(siteCount(s))} atoms within ${cutoff} Å make about ${n(Number(edges.toPrecision(2)))} edges, more than the Graph view draws (${n(GRAPH_VIEW_MAX_EDGES)}): lower the cutoff or cap the neighbours`,
  );
}

export function graphsHandlers(core: CoreParts): LatticeworkHandlers['graphs'] {
  return {
    async build({ structureId, cutoff, maxNeighbors }) {
      const { structure } = await loadStructure(core, structureId);
      checkViewSize(structure, cutoff, maxNeighbors ?? null);
      const g = await core.pool.run('build-graph', { structure, cutoff, maxNeighbors: maxNeighbors ?? null });
      return { structureId, cutoff, maxNeighbors: maxNeighbors ?? null, ...g };
    },
    async receptiveField({ structureId, cutoff, maxNeighbors, site, layers }) {
      const { structure } = await loadStructure(core, structureId);
      checkViewSize(structure, cutoff, maxNeighbors ?? null);
      const rf = await core.pool.run('receptive-field', { structure, cutoff, maxNeighbors: maxNeighbors ?? null, site, layers });
      return { structureId, ...rf };
    },
  };
}
