/**
 * Over-smoothing of a model on one structure: how alike the atoms' states become, layer by
 * layer, taken from the model's own forward pass (`GraphModel.nodeStates` with a per-layer
 * hook, so every architecture is measured exactly as it predicts).
 *
 * Per layer ℓ (0 = the embedded input, ℓ = t + 1 after message-passing layer t), for the node
 * states H [N, F] of the structure's N atoms:
 * - mean pairwise cosine similarity over the N(N−1)/2 pairs of atoms of the cell (1 for N = 1;
 *   a pair with a zero state counts 0);
 * - Dirichlet energy E = 1/(2N) Σ_(i→j) ‖h_i − h_j‖² over the real directed edges of the model's
 *   own graph (CGCNN padding edges excluded; an edge to a periodic image of the same atom
 *   contributes 0).
 */
import { batchGraphs } from '../../../src-shared/graph/batch';
import type { CrystalGraph } from '../../../src-shared/graph/graph';
import { batchToTensors, disposeBatchTensors } from '../train/data';
import type { LoadedModel } from './runtime';

export interface LayerSmoothness {
  layer: number;
  meanCosine: number;
  dirichletEnergy: number;
}

/** Per-layer cosine similarity and Dirichlet energy of ensemble member `member` on one graph. */
export function oversmoothing(model: LoadedModel, graph: CrystalGraph, member = 0): LayerSmoothness[] {
  const m = model.members[member];
  if (!m) throw new RangeError(`the model has ${model.members.length} member(s), not ${member + 1}`);
  const bt = batchToTensors(batchGraphs([graph]));
  const states: Float32Array[] = [];
  let F = 0;
  try {
    m.nodeStates(bt, false, (_layer, h) => {
      F = h.shape[1];
      states.push((h.dataSync() as Float32Array).slice());
    }).dispose();
  } finally {
    disposeBatchTensors(bt);
  }
  const N = graph.nNodes;
  return states.map((h, layer) => {
    const norms = Array.from({ length: N }, (_, i) => {
      let s = 0;
      for (let f = 0; f < F; f++) s += h[i * F + f] ** 2;
      return Math.sqrt(s);
    });
    let cos = 0;
    let pairs = 0;
    for (let i = 0; i < N; i++)
      for (let j = i + 1; j < N; j++) {
        let d = 0;
        for (let f = 0; f < F; f++) d += h[i * F + f] * h[j * F + f];
        cos += norms[i] > 0 && norms[j] > 0 ? d / (norms[i] * norms[j]) : 0;
        pairs++;
      }
    let energy = 0;
    for (let e = 0; e < graph.nEdges; e++) {
      if (graph.padded && graph.padded[e]) continue;
      const i = graph.center[e];
      const j = graph.neighbor[e];
      for (let f = 0; f < F; f++) energy += (h[i * F + f] - h[j * F + f]) ** 2;
    }
    return { layer, meanCosine: pairs ? cos / pairs : 1, dirichletEnergy: energy / (2 * N) };
  });
}
