/**
 * The graph a model config asks for, as options of the graph builder
 * (src-shared/graph). A model is always fed graphs built with its own settings.
 */
import type { AtomInitTable } from '../graph/features';
import type { GraphOptions } from '../graph/graph';
import type { ModelConfig } from './config';

/**
 * `atomInit` is required for `cgcnn` atom inputs (CGCNN's atom_init.json table, 92 wide
 * in CGCNN's file).
 */
export function graphOptionsFromConfig(c: ModelConfig, atomInit?: AtomInitTable): GraphOptions {
  const g = c.graph;
  const a = c.model.atomInput;
  let nodeFeatures: GraphOptions['nodeFeatures'];
  if (a.kind === 'cgcnn') {
    if (!atomInit) throw new Error('this model uses CGCNN atom features: an atom_init.json table is needed');
    if (atomInit.width !== a.length) throw new Error(`atom_init table is ${atomInit.width} wide, the model expects ${a.length}`);
    nodeFeatures = { kind: 'atomInit', table: atomInit };
  } else if (a.kind === 'onehot') {
    nodeFeatures = { kind: 'onehot' };
  } else {
    nodeFeatures = { kind: 'index' };
  }
  return {
    neighbors: {
      cutoff: g.cutoff,
      maxNeighbors: g.maxNeighbors > 0 ? g.maxNeighbors : null,
      padding: g.cgcnnPadding && g.maxNeighbors > 0 ? 'cgcnn' : 'none',
    },
    nodeFeatures,
    edgeFeatures: {
      kind: 'gaussian',
      gaussian: { dmin: g.gaussian.dmin, dmax: g.gaussian.dmax ?? g.cutoff, step: g.gaussian.step, variance: g.gaussian.width },
      envelope: g.envelope ? { kind: 'cosine', cutoff: g.cutoff } : { kind: 'none' },
    },
  };
}
