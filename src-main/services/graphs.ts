/** The `graphs` service: the crystal graph of a stored structure and receptive fields on it. */
import type { LatticeworkHandlers } from '../../src-shared/ipc/contract';
import type { CoreParts } from '../app/core';
import { loadStructure } from './structures';

export function graphsHandlers(core: CoreParts): LatticeworkHandlers['graphs'] {
  return {
    async build({ structureId, cutoff, maxNeighbors }) {
      const { structure } = await loadStructure(core, structureId);
      const g = await core.pool.run('build-graph', { structure, cutoff, maxNeighbors: maxNeighbors ?? null });
      return { structureId, cutoff, maxNeighbors: maxNeighbors ?? null, ...g };
    },
    async receptiveField({ structureId, cutoff, maxNeighbors, site, layers }) {
      const { structure } = await loadStructure(core, structureId);
      const rf = await core.pool.run('receptive-field', { structure, cutoff, maxNeighbors: maxNeighbors ?? null, site, layers });
      return { structureId, ...rf };
    },
  };
}
