/**
 * Labelled frames (a structure with its reference energy, forces and stress) and the
 * graphs and batches a potential computes on. Pure TypeScript, no tfjs.
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
import { readStructures } from '../../../src-shared/chem';
import { structureNeighbors } from '../../../src-shared/graph/neighbors';

export interface LabelledFrame {
  structure: Structure;
  /** Total energy, eV (null: unlabelled). */
  energy: number | null;
  /** 3 per atom, eV/Å. */
  forces: Float64Array | null;
  /** Voigt 6-vector, eV/Å³, ASE's sign. */
  stress: Float64Array | null;
}

/** Voigt order of stress components. */
export const VOIGT = ['xx', 'yy', 'zz', 'yz', 'xz', 'xy'] as const;
/** (row, column) of each Voigt component. */
export const VOIGT_INDEX: ReadonlyArray<readonly [number, number]> = [
  [0, 0],
  [1, 1],
  [2, 2],
  [1, 2],
  [0, 2],
  [0, 1],
];

/** Stress as stored in a frame's properties: 6 (Voigt) or 9 (3×3 row-major) numbers → Voigt. */
export function voigtStress(v: unknown, where: string): Float64Array {
  const a = Array.isArray(v) ? v.map(Number) : typeof v === 'string' ? v.trim().split(/\s+/).map(Number) : [];
  if (a.some((x) => !Number.isFinite(x))) throw new Error(`${where}: stress has a non-numeric value`);
  if (a.length === 6) return Float64Array.from(a);
  if (a.length === 9) {
    const asym = Math.max(Math.abs(a[1] - a[3]), Math.abs(a[2] - a[6]), Math.abs(a[5] - a[7]));
    const scale = Math.max(1e-12, ...a.map(Math.abs));
    if (asym > 1e-6 * scale + 1e-12) throw new Error(`${where}: the 3×3 stress is not symmetric`);
    return Float64Array.from(VOIGT_INDEX.map(([r, c]) => a[3 * r + c]));
  }
  throw new Error(`${where}: stress must have 6 (Voigt) or 9 (3×3) values, got ${a.length}`);
}

/**
 * The labels a structure read from extended XYZ (or another reader) carries: `energy`
 * (or `free_energy`), per-atom `forces`, `stress` (6 or 9 numbers). `where` names the file and
 * frame in error messages.
 */
export function labelledFrame(s: Structure, where: string): LabelledFrame {
  const n = s.numbers.length;
  const eRaw = s.properties.energy ?? s.properties.free_energy;
  let energy: number | null = null;
  if (eRaw !== undefined) {
    energy = Number(eRaw);
    if (!Number.isFinite(energy)) throw new Error(`${where}: energy "${String(eRaw)}" is not a number`);
  }
  let forces: Float64Array | null = null;
  const f = s.siteProperties.forces;
  if (f) {
    if (f.kind !== 'vector' || f.width !== 3) throw new Error(`${where}: forces must be a per-atom array of width 3`);
    if (f.values.length !== 3 * n) throw new Error(`${where}: ${f.values.length / 3} force rows for ${n} atoms`);
    if (f.values.some((x) => !Number.isFinite(x))) throw new Error(`${where}: a force component is not finite`);
    forces = Float64Array.from(f.values);
  }
  let stress: Float64Array | null = null;
  if (s.properties.stress !== undefined) {
    if (!s.lattice) throw new Error(`${where}: stress given for a structure without a cell`);
    stress = voigtStress(s.properties.stress, where);
  }
  return { structure: s, energy, forces, stress };
}

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

/** Every pair within `cutoff` (no cap) of a structure, with Cartesian image shifts. */
export function potentialGraph(s: Structure, cutoff: number): PotentialGraph {
  const nl = structureNeighbors(s, { cutoff, maxNeighbors: null, padding: 'none' });
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
    center: Int32Array.from(nl.src),
    neighbor: Int32Array.from(nl.dst),
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

/** Every frame of an extended XYZ (or other multi-frame) text with its labels; errors name the file and frame. */
export function readLabelledFrames(file: string, text: string): LabelledFrame[] {
  const res = readStructures(file, text);
  if (res.structures.length === 0) throw new Error(`${file} holds no structures`);
  return res.structures.map((s, i) => labelledFrame(s, `${file}, frame ${i + 1}`));
}
