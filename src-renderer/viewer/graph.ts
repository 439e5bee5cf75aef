/**
 * Pure geometry of the crystal-graph and receptive-field views. Images follow the
 * graph service's convention (ASE's): node (j, n) sits at cart[j] + n · lattice, with
 * cart as stored (not wrapped).
 */
import type { Mat3 } from '../../src-shared/chem/structure';
import { atomKey } from './periodic';

export interface GraphEdges {
  nNodes: number;
  center: ArrayLike<number>;
  neighbor: ArrayLike<number>;
  distance: ArrayLike<number>;
  /** 3 per edge. */
  image: ArrayLike<number>;
}

export type Rgb = [number, number, number];

/** Viridis, sampled (sRGB), for distances: short = dark purple, long = yellow. */
const VIRIDIS: Rgb[] = [
  [0.267, 0.005, 0.329],
  [0.283, 0.141, 0.458],
  [0.254, 0.265, 0.53],
  [0.207, 0.372, 0.553],
  [0.164, 0.471, 0.558],
  [0.128, 0.567, 0.551],
  [0.135, 0.659, 0.518],
  [0.267, 0.749, 0.441],
  [0.478, 0.821, 0.318],
  [0.741, 0.873, 0.15],
  [0.993, 0.906, 0.144],
];

/** Colour for t in [0, 1] (clamped) on the viridis scale. */
export function viridis(t: number): Rgb {
  const x = Math.max(0, Math.min(1, Number.isFinite(t) ? t : 0)) * (VIRIDIS.length - 1);
  const i = Math.min(VIRIDIS.length - 2, Math.floor(x));
  const f = x - i;
  const a = VIRIDIS[i];
  const b = VIRIDIS[i + 1];
  return [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f, a[2] + (b[2] - a[2]) * f];
}

/** Distinct colours for hops 0..6 (hop 0 is the chosen atom), then grey. */
export const HOP_COLORS: Rgb[] = [
  [0.86, 0.13, 0.15],
  [0.98, 0.55, 0.0],
  [0.95, 0.8, 0.1],
  [0.3, 0.7, 0.25],
  [0.1, 0.6, 0.75],
  [0.25, 0.35, 0.85],
  [0.55, 0.3, 0.75],
];
export function hopColor(hop: number): Rgb {
  return HOP_COLORS[hop] ?? [0.5, 0.5, 0.5];
}
export function rgbCss(c: Rgb): string {
  return `rgb(${Math.round(c[0] * 255)}, ${Math.round(c[1] * 255)}, ${Math.round(c[2] * 255)})`;
}

export function nodePosition(cart: ArrayLike<number>, lattice: Mat3 | null, site: number, i0: number, i1: number, i2: number): Rgb {
  const p: Rgb = [cart[3 * site], cart[3 * site + 1], cart[3 * site + 2]];
  if (lattice) {
    for (let d = 0; d < 3; d++) p[d] += i0 * lattice[0][d] + i1 * lattice[1][d] + i2 * lattice[2][d];
  }
  return p;
}

export interface GraphGeometry {
  /** Nodes drawn: the cell's sites first (image 0), then neighbour images (ghosts). */
  site: Int32Array;
  image: Int32Array;
  positions: Float32Array;
  /** Number of cell sites at the start of the node list. */
  nHome: number;
  /** 6 floats per edge: from the center (home) to the neighbor at its image. */
  segments: Float32Array;
  /** 6 floats per edge: one viridis colour per endpoint. */
  segmentColors: Float32Array;
  minDistance: number;
  maxDistance: number;
}

/** Edges of the crystal graph from each cell site to its neighbours' images, coloured by distance. */
export function graphGeometry(g: GraphEdges, cart: ArrayLike<number>, lattice: Mat3 | null): GraphGeometry {
  const n = g.nNodes;
  const m = g.center.length;
  let lo = Infinity;
  let hi = -Infinity;
  for (let e = 0; e < m; e++) {
    lo = Math.min(lo, g.distance[e]);
    hi = Math.max(hi, g.distance[e]);
  }
  if (m === 0) lo = hi = 0;
  const site: number[] = [];
  const image: number[] = [];
  const index = new Map<number, number>();
  for (let i = 0; i < n; i++) {
    index.set(atomKey(i, 0, 0, 0), i);
    site.push(i);
    image.push(0, 0, 0);
  }
  const segments = new Float32Array(6 * m);
  const colors = new Float32Array(6 * m);
  for (let e = 0; e < m; e++) {
    const i = g.center[e];
    const j = g.neighbor[e];
    const a = g.image[3 * e];
    const b = g.image[3 * e + 1];
    const c = g.image[3 * e + 2];
    const key = atomKey(j, a, b, c);
    if (!index.has(key)) {
      index.set(key, site.length);
      site.push(j);
      image.push(a, b, c);
    }
    const p = nodePosition(cart, lattice, i, 0, 0, 0);
    const q = nodePosition(cart, lattice, j, a, b, c);
    segments.set(p, 6 * e);
    segments.set(q, 6 * e + 3);
    const col = viridis(hi > lo ? (g.distance[e] - lo) / (hi - lo) : 0.5);
    colors.set(col, 6 * e);
    colors.set(col, 6 * e + 3);
  }
  const positions = new Float32Array(3 * site.length);
  for (let k = 0; k < site.length; k++) {
    positions.set(nodePosition(cart, lattice, site[k], image[3 * k], image[3 * k + 1], image[3 * k + 2]), 3 * k);
  }
  return {
    site: Int32Array.from(site),
    image: Int32Array.from(image),
    positions,
    nHome: n,
    segments,
    segmentColors: colors,
    minDistance: lo,
    maxDistance: hi,
  };
}

export interface DegreeStats {
  /** Out-degree (neighbours kept) per node. */
  degree: Int32Array;
  min: number;
  max: number;
  mean: number;
  /** Nodes with fewer neighbours than maxNeighbors (none when there is no cap). */
  underfull: number[];
}

export function degreeStats(g: GraphEdges, maxNeighbors: number | null): DegreeStats {
  const degree = new Int32Array(g.nNodes);
  for (let e = 0; e < g.center.length; e++) degree[g.center[e]]++;
  let min = Infinity;
  let max = 0;
  let sum = 0;
  const underfull: number[] = [];
  for (let i = 0; i < g.nNodes; i++) {
    min = Math.min(min, degree[i]);
    max = Math.max(max, degree[i]);
    sum += degree[i];
    if (maxNeighbors != null && degree[i] < maxNeighbors) underfull.push(i);
  }
  return { degree, min: g.nNodes ? min : 0, max, mean: g.nNodes ? sum / g.nNodes : 0, underfull };
}

export interface RfNode {
  site: number;
  image: readonly number[];
  hop: number;
}

export interface RfGeometry {
  site: Int32Array;
  image: Int32Array;
  hop: Int32Array;
  positions: Float32Array;
  /** Edges of the breadth-first tree: from a node at hop h to each neighbour first reached at hop h + 1. */
  segments: Float32Array;
  segmentColors: Float32Array;
}

/**
 * Nodes of a receptive field placed at their images, plus the edges (coloured by hop) along which the field grew (from every node at hop h to every graph
 * neighbour of it that was first reached at hop h + 1).
 */
export function receptiveFieldGeometry(nodes: readonly RfNode[], g: GraphEdges | null, cart: ArrayLike<number>, lattice: Mat3 | null): RfGeometry {
  const k = nodes.length;
  const site = new Int32Array(k);
  const image = new Int32Array(3 * k);
  const hop = new Int32Array(k);
  const positions = new Float32Array(3 * k);
  const index = new Map<number, number>();
  nodes.forEach((nd, a) => {
    site[a] = nd.site;
    image.set([nd.image[0], nd.image[1], nd.image[2]], 3 * a);
    hop[a] = nd.hop;
    positions.set(nodePosition(cart, lattice, nd.site, nd.image[0], nd.image[1], nd.image[2]), 3 * a);
    index.set(atomKey(nd.site, nd.image[0], nd.image[1], nd.image[2]), a);
  });
  const seg: number[] = [];
  const col: number[] = [];
  if (g) {
    const first = new Int32Array(g.nNodes + 1);
    for (let e = 0; e < g.center.length; e++) first[g.center[e] + 1]++;
    for (let i = 0; i < g.nNodes; i++) first[i + 1] += first[i];
    const order = new Int32Array(g.center.length);
    const fill = first.slice(0, g.nNodes);
    for (let e = 0; e < g.center.length; e++) order[fill[g.center[e]]++] = e;
    for (let a = 0; a < k; a++) {
      const i = site[a];
      for (let q = first[i]; q < first[i + 1]; q++) {
        const e = order[q];
        const b = index.get(atomKey(g.neighbor[e], image[3 * a] + g.image[3 * e], image[3 * a + 1] + g.image[3 * e + 1], image[3 * a + 2] + g.image[3 * e + 2]));
        if (b === undefined || hop[b] !== hop[a] + 1) continue;
        seg.push(positions[3 * a], positions[3 * a + 1], positions[3 * a + 2], positions[3 * b], positions[3 * b + 1], positions[3 * b + 2]);
        const c = hopColor(hop[b]);
        col.push(...c, ...c);
      }
    }
  }
  return { site, image, hop, positions, segments: Float32Array.from(seg), segmentColors: Float32Array.from(col) };
}

/** sRGB of the cell's atoms outside a receptive field: a pale grey that no element colour is. */
export const FADED: Rgb = [0.82, 0.84, 0.87];

/** The atoms drawn for a receptive field, with the site, image and hop (−1: outside) of each. */
export interface RfAtoms {
  positions: Float32Array;
  colors: Float32Array;
  radii: Float32Array;
  site: Int32Array;
  image: Int32Array;
  hop: Int32Array;
}

/**
 * What the receptive-field view draws: every node of the field in its element's colour (hop 0,
 * the chosen atom, larger; hops are read from the edges' colours and the tooltip), then the cell's
 * sites the field does not reach in the home cell, faded and small.
 * `colors` and `radii` are the structure's per-site element colours (sRGB) and covalent radii.
 */
export function receptiveFieldAtoms(r: RfGeometry, cart: ArrayLike<number>, colors: Float32Array, radii: Float32Array): RfAtoms {
  const n = radii.length;
  const reachedHome = new Set<number>();
  for (let a = 0; a < r.site.length; a++) {
    if (r.image[3 * a] === 0 && r.image[3 * a + 1] === 0 && r.image[3 * a + 2] === 0) reachedHome.add(r.site[a]);
  }
  const rest: number[] = [];
  for (let i = 0; i < n; i++) if (!reachedHome.has(i)) rest.push(i);
  const m = r.site.length + rest.length;
  const out: RfAtoms = {
    positions: new Float32Array(3 * m),
    colors: new Float32Array(3 * m),
    radii: new Float32Array(m),
    site: new Int32Array(m),
    image: new Int32Array(3 * m),
    hop: new Int32Array(m).fill(-1),
  };
  out.positions.set(r.positions);
  out.image.set(r.image);
  out.hop.set(r.hop);
  for (let a = 0; a < r.site.length; a++) {
    const i = r.site[a];
    out.colors.set([colors[3 * i], colors[3 * i + 1], colors[3 * i + 2]], 3 * a);
    out.radii[a] = radii[i] * (r.hop[a] === 0 ? 0.5 : 0.3);
    out.site[a] = i;
  }
  rest.forEach((i, k) => {
    const a = r.site.length + k;
    out.positions.set([cart[3 * i], cart[3 * i + 1], cart[3 * i + 2]], 3 * a);
    out.colors.set(FADED, 3 * a);
    out.radii[a] = radii[i] * 0.22;
    out.site[a] = i;
  });
  return out;
}
