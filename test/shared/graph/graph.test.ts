import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  CGCNN_GAUSSIAN,
  GraphStatsAccumulator,
  batchByteLength,
  batchGraphs,
  buildGraph,
  cgcnnGraphOptions,
  estimateBatchBytes,
  gaussianExpand,
  graphDatasetStats,
  neighborList,
  receptiveField,
  structureNeighbors,
  type GraphOptions,
} from '../../../src-shared/graph';
import { fcc, makeCrystal } from './helpers';
import { SHARED_DATA } from '../../helpers/shared-data';

const atomInit = readFileSync(`${SHARED_DATA}/cgcnn-sample-regression/atom_init.json`, 'utf8');
const nacl = makeCrystal(
  [[5.64, 0, 0], [0, 5.64, 0], [0, 0, 5.64]],
  [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5], [0.5, 0, 0], [0, 0.5, 0], [0, 0, 0.5], [0.5, 0.5, 0.5]],
  [11, 11, 11, 11, 17, 17, 17, 17],
  'NaCl',
);
const mol = {
  ...makeCrystal([[1, 0, 0], [0, 1, 0], [0, 0, 1]], [[0, 0, 0], [1.1, 0, 0], [8, 8, 8]], [6, 8, 1], 'CO+H'),
  lattice: null,
  pbc: [false, false, false] as [boolean, boolean, boolean],
  frac: null,
};

describe('buildGraph', () => {
  it('CGCNN options: 12 edges per atom, 92 node and 41 edge features', () => {
    const g = buildGraph(nacl, cgcnnGraphOptions(atomInit));
    expect(g.nEdges).toBe(8 * 12);
    expect(g.nodeFeatureWidth).toBe(92);
    expect(g.edgeFeatureWidth).toBe(41);
    expect(g.nodeFeatures!.length).toBe(8 * 92);
    expect(g.edgeFeatures.length).toBe(96 * 41);
    // first neighbour of Na: Cl at a/2
    expect(g.distance[0]).toBeCloseTo(2.82, 12);
    expect(g.numbers[g.neighbor[0]]).toBe(17);
    const expected = gaussianExpand([2.82], CGCNN_GAUSSIAN);
    for (let k = 0; k < 41; k++) expect(g.edgeFeatures[k]).toBeCloseTo(expected[k], 7);
  });

  it('CGCNN padding for a molecule with isolated atoms', () => {
    const g = buildGraph(mol, cgcnnGraphOptions(atomInit));
    expect(g.nEdges).toBe(36);
    expect(g.padded).not.toBeNull();
    // padding edges have distance 9 → Gaussian feature exp(-(9-8)^2/0.04) at the last centre
    const e = g.offsets[2];
    expect(g.padded![e]).toBe(1);
    expect(g.distance[e]).toBe(9);
    expect(g.edgeFeatures[e * 41 + 40]).toBeCloseTo(Math.exp(-25), 15);
  });

  it('one-hot, index and distance features', () => {
    const opts: GraphOptions = { neighbors: { cutoff: 4 }, nodeFeatures: { kind: 'onehot' }, edgeFeatures: { kind: 'distance', envelope: { kind: 'cosine', cutoff: 4 } } };
    const g = buildGraph(nacl, opts);
    expect(g.nodeFeatureWidth).toBe(119);
    expect(g.edgeFeatureWidth).toBe(1);
    expect(g.edgeFeatures[0]).toBeCloseTo(2.82 * 0.5 * (Math.cos((Math.PI * 2.82) / 4) + 1), 5);
    const gi = buildGraph(nacl, { ...opts, nodeFeatures: { kind: 'index' } });
    expect(gi.nodeFeatures).toBeNull();
    expect(Array.from(gi.nodeIndex!)).toEqual(Array.from(nacl.numbers));
  });
});

describe('batchGraphs', () => {
  const opts = cgcnnGraphOptions(atomInit);
  const graphs = [buildGraph(nacl, opts), buildGraph(mol, opts), buildGraph(fcc(3.6), opts)];

  it('concatenates into one disjoint graph', () => {
    const b = batchGraphs(graphs);
    expect(b.nGraphs).toBe(3);
    expect(b.nNodes).toBe(8 + 3 + 4);
    expect(b.nEdges).toBe(96 + 36 + 48);
    expect(Array.from(b.nodeOffsets)).toEqual([0, 8, 11, 15]);
    expect(Array.from(b.edgeOffsets)).toEqual([0, 96, 132, 180]);
    for (let e = 0; e < b.nEdges; e++) {
      // both ends of every edge in the same graph
      expect(b.nodeGraph[b.center[e]]).toBe(b.nodeGraph[b.neighbor[e]]);
    }
    expect(b.center[96]).toBe(8);
    expect(b.neighbor[132 + 5]).toBe(graphs[2].neighbor[5] + 11);
    expect(Array.from(b.nodeFeatures!.subarray(11 * 92, 12 * 92))).toEqual(Array.from(graphs[2].nodeFeatures!.subarray(0, 92)));
    expect(Array.from(b.edgeFeatures.subarray(96 * 41, 97 * 41))).toEqual(Array.from(graphs[1].edgeFeatures.subarray(0, 41)));
  });

  it('memory estimate equals the bytes actually allocated', () => {
    const b = batchGraphs(graphs);
    const est = estimateBatchBytes(graphs, { nodeFeatureWidth: 92, edgeFeatureWidth: 41 });
    expect(est).toBe(batchByteLength(b));
    const gi = [nacl, mol].map((s) => buildGraph(s, { ...opts, nodeFeatures: { kind: 'index' } }));
    expect(estimateBatchBytes(gi, { nodeFeatureWidth: 0, edgeFeatureWidth: 41, nodeIndex: true })).toBe(batchByteLength(batchGraphs(gi)));
    expect(estimateBatchBytes(gi, { nodeFeatureWidth: 0, edgeFeatureWidth: 41, nodeIndex: true }, { bytesPerNode: 256, bytesPerEdge: 128 })).toBe(
      batchByteLength(batchGraphs(gi)) + 11 * 256 + (96 + 36) * 128,
    );
  });

  it('rejects mixed layouts', () => {
    const other = buildGraph(nacl, { neighbors: { cutoff: 4 }, nodeFeatures: { kind: 'onehot' }, edgeFeatures: { kind: 'distance' } });
    expect(() => batchGraphs([graphs[0], other])).toThrow(/layout/);
    expect(() => batchGraphs([])).toThrow();
  });
});

describe('receptiveField', () => {
  it('fcc nearest-neighbour shells: 1, 12, 42, 92 (coordination sequence)', () => {
    const nl = structureNeighbors(fcc(3.6), { cutoff: 2.6 });
    const rf = receptiveField(nl, 0, 3);
    expect(Array.from(rf.countPerHop)).toEqual([1, 12, 42, 92]);
    expect(rf.site.length).toBe(1 + 12 + 42 + 92);
    expect(rf.allSitesReachedAt).toBe(1);
    expect(Array.from(rf.siteFirstHop)).toEqual([0, 1, 1, 1]);
  });

  it('hop at which all sites are reached, null when never', () => {
    const nl = neighborList({ cart: mol.cart, lattice: null, pbc: [false, false, false] }, { cutoff: 2 });
    const rf = receptiveField(nl, 0, 4);
    expect(Array.from(rf.countPerHop)).toEqual([1, 1, 0, 0, 0]);
    expect(rf.allSitesReachedAt).toBeNull();
    expect(Array.from(rf.siteFirstHop)).toEqual([0, 1, -1]);
    // a chain 0-1-2-3 along x: atom 0 reaches atom 3 at hop 3
    const chain = new Float64Array([0, 0, 0, 1.5, 0, 0, 3, 0, 0, 4.5, 0, 0]);
    const c = receptiveField(neighborList({ cart: chain, lattice: null, pbc: [false, false, false] }, { cutoff: 1.6 }), 0, 5);
    expect(c.allSitesReachedAt).toBe(3);
    expect(Array.from(c.countPerHop)).toEqual([1, 1, 1, 1, 0, 0]);
  });

  it('periodic images are distinct nodes; padding edges are not followed', () => {
    // one atom in a 3 Å cube, cutoff 3.1: 6 neighbours, all images of itself
    const nl = neighborList({ cart: new Float64Array(3), lattice: [[3, 0, 0], [0, 3, 0], [0, 0, 3]], pbc: [true, true, true], numbers: [29] }, { cutoff: 3.1, maxNeighbors: 8, padding: 'cgcnn' });
    const rf = receptiveField(nl, 0, 2);
    // simple cubic coordination sequence 1, 6, 18
    expect(Array.from(rf.countPerHop)).toEqual([1, 6, 18]);
    expect(rf.allSitesReachedAt).toBe(0);
    expect(() => receptiveField(nl, 1, 2)).toThrow();
    expect(() => receptiveField(nl, 0, 6, { maxNodes: 100 })).toThrow(/more than/);
  });
});

describe('dataset statistics', () => {
  it('degree histogram, atoms below the cap, memory per batch', () => {
    const lists = [structureNeighbors(nacl, { cutoff: 8, maxNeighbors: 12, padding: 'cgcnn' }), structureNeighbors(mol, { cutoff: 8, maxNeighbors: 12, padding: 'cgcnn' })];
    const layout = { nodeFeatureWidth: 92, edgeFeatureWidth: 41 };
    const st = graphDatasetStats(lists, layout, [1, 2]);
    expect(st.nGraphs).toBe(2);
    expect(st.nNodes).toBe(11);
    // NaCl: 12 real per atom; CO+H: C-O 1.1 Å apart see each other only, H isolated at 8√3 Å
    expect(st.degreeHistogram[12]).toBe(8);
    expect(st.degreeHistogram[1]).toBe(2);
    expect(st.degreeHistogram[0]).toBe(1);
    expect(st.nEdges).toBe(96 + 2);
    expect(st.nPaddingEdges).toBe(11 + 11 + 12);
    expect(st.atomsBelowMax).toBe(3);
    expect(st.graphsWithAtomsBelowMax).toBe(1);
    expect(st.isolatedAtoms).toBe(1);
    expect(st.edgesPerAtom).toEqual({ min: 0, mean: 98 / 11, max: 12 });
    expect(st.edgesPerGraph).toEqual({ min: 36, mean: 66, max: 96 });
    expect(st.memoryPerBatch[0].maxBytes).toBe(estimateBatchBytes([lists[0]], layout));
    expect(st.memoryPerBatch[1].maxBytes).toBe(estimateBatchBytes(lists, layout));
    expect(st.memoryPerBatch[1].meanBytes).toBe(estimateBatchBytes(lists, layout));
    const acc = new GraphStatsAccumulator();
    acc.add(lists[0]);
    expect(acc.result(layout).atomsBelowMax).toBe(0);
  });
});
