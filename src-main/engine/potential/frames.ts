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
  const cell = L ? Float64Array.from([...L[0], ...L[1], ...L[2]]) : null;
  const periodic = s.pbc.every(Boolean);
  return {
    numbers: Int32Array.from(s.numbers),
    positions: Float64Array.from(s.cart),
    cell,
    volume: cell && periodic ? Math.abs(det3(cell)) : null,
    center: Int32Array.from(nl.center),
    neighbor: Int32Array.from(nl.neighbor),
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
    b.atomCounts[k] = n;
    b.volumes[k] = g.volume ?? NaN;
    n0 += n;
    e0 += e;
  });
  return b;
}

