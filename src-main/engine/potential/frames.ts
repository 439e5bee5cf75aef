/**
 * The graphs and batches a potential computes on (from src-shared's labelled frames). Pure
 * TypeScript, no tfjs.
 *
 * Edge convention: edge e joins centre i = center[e] to neighbour j = neighbor[e] through the
 * periodic image shift S_e (Cartesian, = image · cell), and its vector is
 *
 *     r_e = pos[j] − pos[i] + S_e,     d_e = |r_e|,
 *
 * for every pair within the cutoff (no neighbour cap; both directions are edges; an atom
 * sees its own images in cells smaller than the cutoff). Messages flow j → i and are summed
 * at the centre i.
 *
 * Units: Å, eV, eV/Å; stress as a Voigt 6-vector (xx, yy, zz, yz, xz, xy) in eV/Å³ with ASE's
 * sign (positive = tensile).
 */
import type { Structure } from '../../../src-shared/chem/structure';
import { neighborList } from '../../../src-shared/graph/neighbors';
import type { PairList } from '../../../src-shared/sim/pairs';

/** (row, column) of each Voigt component. */
export const VOIGT_INDEX: ReadonlyArray<readonly [number, number]> = [
  [0, 0],
  [1, 1],
  [2, 2],
  [1, 2],
  [0, 2],
  [0, 1],
];

export interface PotentialGraph {
  numbers: Int32Array;
  /** 3 per atom, Å. */
  positions: Float64Array;
  /** Cell rows a, b, c (9 numbers, Å), or null for a molecule. */
  cell: Float64Array | null;
  /** Cell volume, Å³ (null for a molecule or a partly periodic structure). */
  volume: number | null;
  center: Int32Array;
  neighbor: Int32Array;
  /** Cartesian image shift S_e, 3 per edge (Å). */
  shift: Float64Array;
  /**
   * Optional: every edge once with its reverse, 2 per pair (e, e′: ends swapped, shift −S_e), for
   * the message kernels' pair mode (./message.ts EdgeList.pairs). A full neighbour list's edges
   * always pair up; graphs built from a pair list know them at no cost.
   */
  pairs?: Int32Array;
}

/** What a potential needs of a structure (a `Structure` is one, so is the simulator's configuration). */
export type Configuration = Pick<Structure, 'numbers' | 'cart' | 'lattice'> & { readonly pbc: readonly boolean[] };

/** Every pair within `cutoff` (no cap) of a structure, with Cartesian image shifts. */
export function potentialGraph(s: Configuration, cutoff: number): PotentialGraph {
  const nl = neighborList({ cart: s.cart, lattice: s.lattice, pbc: [...s.pbc] }, { cutoff, maxNeighbors: null, padding: 'none' });
  const E = nl.nEdges;
  const shift = new Float64Array(3 * E);
  const L = s.lattice;
  if (L) {
    for (let e = 0; e < E; e++) {
      const [a, b, c] = [nl.image[3 * e], nl.image[3 * e + 1], nl.image[3 * e + 2]];
      for (let k = 0; k < 3; k++) shift[3 * e + k] = a * L[0][k] + b * L[1][k] + c * L[2][k];
    }
  }
  return graphWithEdges(s, Int32Array.from(nl.center), Int32Array.from(nl.neighbor), shift);
}

/**
 * The graph of a simulation step from a Verlet pair list kept across steps (src-shared/sim/pairs.ts,
 * up to date with `s`): both directed edges of every listed pair within `cutoff` — the same edges
 * as `potentialGraph`, sorted by centre, without a new neighbour search.
 */
export function potentialGraphOfPairs(s: Configuration, pairs: PairList, cutoff: number): PotentialGraph {
  const n = s.numbers.length;
  const { first, second, vector, distance, nPairs } = pairs;
  const start = new Int32Array(n + 1);
  for (let p = 0; p < nPairs; p++) {
    if (!(distance[p] <= cutoff)) continue;
    start[first[p] + 1]++;
    start[second[p] + 1]++;
  }
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const E = start[n];
  const center = new Int32Array(E);
  const neighbor = new Int32Array(E);
  const shift = new Float64Array(3 * E);
  const cart = s.cart;
  const put = (e: number, i: number, j: number, sx: number, sy: number, sz: number) => {
    center[e] = i;
    neighbor[e] = j;
    shift[3 * e] = sx;
    shift[3 * e + 1] = sy;
    shift[3 * e + 2] = sz;
  };
  const edgePairs = new Int32Array(E);
  let k = 0;
  for (let p = 0; p < nPairs; p++) {
    if (!(distance[p] <= cutoff)) continue;
    const i = first[p];
    const j = second[p];
    // the pair's image shift S = r − (cart[j] − cart[i]); the reverse edge j → i has −S
    const sx = vector[3 * p] - (cart[3 * j] - cart[3 * i]);
    const sy = vector[3 * p + 1] - (cart[3 * j + 1] - cart[3 * i + 1]);
    const sz = vector[3 * p + 2] - (cart[3 * j + 2] - cart[3 * i + 2]);
    edgePairs[k++] = start[i];
    put(start[i]++, i, j, sx, sy, sz);
    edgePairs[k++] = start[j];
    put(start[j]++, j, i, -sx, -sy, -sz);
  }
  return { ...graphWithEdges(s, center, neighbor, shift), pairs: edgePairs };
}

function graphWithEdges(s: Configuration, center: Int32Array, neighbor: Int32Array, shift: Float64Array): PotentialGraph {
  const L = s.lattice;
  const cell = L ? Float64Array.from([...L[0], ...L[1], ...L[2]]) : null;
  const periodic = s.pbc.every(Boolean);
  return {
    numbers: Int32Array.from(s.numbers),
    positions: Float64Array.from(s.cart),
    cell,
    volume: cell && periodic ? Math.abs(det3(cell)) : null,
    center,
    neighbor,
    shift,
  };
}

export function det3(m: ArrayLike<number>): number {
  return m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
}

/** Several graphs as one disconnected graph (node and edge indices offset). */
export interface PotentialBatch {
  numGraphs: number;
  numAtoms: number;
  numEdges: number;
  numbers: Int32Array;
  positions: Float32Array;
  /** Graph of each atom and of each edge. */
  atomGraph: Int32Array;
  edgeGraph: Int32Array;
  center: Int32Array;
  neighbor: Int32Array;
  shift: Float32Array;
  /** Atoms per graph. */
  atomCounts: Int32Array;
  /** Volume per graph (NaN where there is none). */
  volumes: Float64Array;
  /** Edge pairs (see PotentialGraph.pairs), when every graph has them; else null. */
  pairs: Int32Array | null;
}

export function batchPotentialGraphs(graphs: readonly PotentialGraph[]): PotentialBatch {
  let N = 0;
  let E = 0;
  for (const g of graphs) {
    N += g.numbers.length;
    E += g.center.length;
  }
  const b: PotentialBatch = {
    numGraphs: graphs.length,
    numAtoms: N,
    numEdges: E,
    numbers: new Int32Array(N),
    positions: new Float32Array(3 * N),
    atomGraph: new Int32Array(N),
    edgeGraph: new Int32Array(E),
    center: new Int32Array(E),
    neighbor: new Int32Array(E),
    shift: new Float32Array(3 * E),
    atomCounts: new Int32Array(graphs.length),
    volumes: new Float64Array(graphs.length),
    pairs: graphs.every((g) => g.pairs) ? new Int32Array(E) : null,
  };
  let n0 = 0;
  let e0 = 0;
  graphs.forEach((g, k) => {
    const n = g.numbers.length;
    const e = g.center.length;
    b.numbers.set(g.numbers, n0);
    b.positions.set(g.positions, 3 * n0);
    b.atomGraph.fill(k, n0, n0 + n);
    b.edgeGraph.fill(k, e0, e0 + e);
    for (let i = 0; i < e; i++) {
      b.center[e0 + i] = g.center[i] + n0;
      b.neighbor[e0 + i] = g.neighbor[i] + n0;
    }
    b.shift.set(g.shift, 3 * e0);
    if (b.pairs) for (let i = 0; i < e; i++) b.pairs[e0 + i] = g.pairs![i] + e0;
    b.atomCounts[k] = n;
    b.volumes[k] = g.volume ?? NaN;
    n0 += n;
    e0 += e;
  });
  return b;
}

