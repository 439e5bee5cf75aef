/**
 * Periodic neighbour lists by cell lists (binning), on typed arrays.
 *
 * EDGE ENDS — the one definition, used by the graphs, the engine, the contract and the views:
 * an edge (center i, neighbor j, image n) means that atom j translated by n (integer multiples
 * of the lattice vectors a, b, c) lies within the cutoff of atom i, with
 *
 *     vector = cart[j] + n · lattice − cart[i],   distance = |vector|.
 *
 * The center is the atom whose neighbourhood the edge belongs to; in message passing the
 * edge carries the neighbor's message into the center, which aggregates (as CGCNN's atom i
 * sums over its neighbour list). ASE's `neighbor_list('ijS')` calls them i, j, S; the command
 * line's `latticework graph --json` keeps issue 4's names `src` (= center) and `dst` (= neighbor).
 *
 * This is ASE's convention (`neighbor_list`'s shift S): images are relative to the
 * positions as given, not to positions wrapped into the cell (pymatgen's convention).
 * Edges are directed and come in both directions; atom i sees itself only through
 * non-zero images (cells smaller than the cutoff). Edges are sorted by center, then
 * distance, then neighbor, then image (a, b, c) — a total order, hence deterministic.
 *
 * Algorithm (cost linear in the number of atoms at fixed density):
 *  1. Working basis: the periodic lattice vectors are size-reduced (pairwise Gauss
 *     reduction, an integer unimodular change of basis U) so that very skewed cells are
 *     binned as well as nearly orthogonal ones; non-periodic directions are replaced by
 *     unit vectors orthogonal to the periodic ones (their length is meaningless).
 *  2. Atoms are wrapped into the working cell along periodic directions and counted
 *     into bins of about cutoff/2 (coarser if that would make more bins than ~2 per
 *     atom, e.g. a slab with a lot of vacuum or a sparse molecule).
 *  3. For each atom, every bin within ±cutoff along each axis (in fractional units
 *     that is ±cutoff/h where h is the distance between the cell's lattice planes) is
 *     visited, with unbounded bin indices along periodic axes: bin u stands for cell
 *     bin u mod nb shifted by floor(u / nb) working lattice vectors. Small cells simply
 *     give ranges covering several periods: that is how an atom sees several images
 *     of a neighbour or of itself.
 *  4. Each atom's candidates are sorted and, optionally, capped at maxNeighbors
 *     (and, in CGCNN mode, padded: see `padding`).
 * A cutoff whose pairs (atoms × density × 4/3·π·cutoff³) would exceed MAX_NEIGHBOR_PAIRS is refused
 * before the search (`NeighborLimitError`).
 */
import { cross, inverse3 } from '../chem/lattice';
import { pymatgenFirstSite } from '../chem/site-order';
import type { Mat3, Structure } from '../chem/structure';

export interface NeighborOptions {
  /** Cutoff radius in Å; pairs with distance ≤ cutoff are edges. */
  cutoff: number;
  /**
   * Keep at most this many nearest neighbours per atom (after sorting by distance;
   * ties by neighbor then image). null/undefined: no cap.
   */
  maxNeighbors?: number | null;
  /**
   * What to do with atoms that have fewer than maxNeighbors neighbours:
   * - 'none' (default): keep the edges found; such atoms simply have a lower degree.
   * - 'cgcnn': like CGCNN's CIFData, append (maxNeighbors − count) padding edges
   *   with neighbor = `padSite`, image [0,0,0], vector [0,0,0] and distance = cutoff + 1, so
   *   that every atom has exactly maxNeighbors edges. CGCNN pads with index 0 of the structure
   *   pymatgen reads, whose CifParser sorts the sites by electronegativity: the pad site is the
   *   first site of that order (`pymatgenFirstSite`: the first site of the least electronegative
   *   element), for every file format, so that a structure gets one graph whatever file holds it.
   *   Padding edges are flagged in `padded`. Requires maxNeighbors and the positions' numbers.
   */
  padding?: 'none' | 'cgcnn';
}

/** CGCNN's CIFData defaults: radius 8 Å, 12 neighbours, pad with (pymatgen's site 0, radius + 1). */
export const CGCNN_NEIGHBOR_OPTIONS: Readonly<Required<NeighborOptions>> = Object.freeze({
  cutoff: 8,
  maxNeighbors: 12,
  padding: 'cgcnn' as const,
});

/**
 * The most neighbour pairs (directed edges within the cutoff, before any cap: the search finds them all)
 * a list is built for: a few gigabytes of edges. Room for large simulations (MD of 1,000,000 atoms of
 * Cu with EMT, pairs within 6 Å: about 80 million; a crystal graph of 1,000 atoms within 8 Å: 182,000),
 * it refuses a cutoff that would take the memory and the time of the machine (`latticework graph
 * --cutoff 1e4` on two atoms of KCl: 10¹¹ pairs).
 */
export const MAX_NEIGHBOR_PAIRS = 100_000_000;

/** A neighbour list that would hold more than `MAX_NEIGHBOR_PAIRS` pairs, with how many it would. */
export class NeighborLimitError extends Error {
  override name = 'NeighborLimitError';
  constructor(
    readonly expected: number,
    readonly cutoff: number,
  ) {
    super(`about ${expected.toPrecision(2)} neighbour pairs within ${cutoff} Å, more than the ${MAX_NEIGHBOR_PAIRS.toLocaleString('en')} a neighbour list is built for`);
  }
}

/** Geometry the neighbour search needs (a `Structure` is one). */
export interface PeriodicPositions {
  /** Cartesian coordinates (Å), 3 per atom. */
  cart: Float64Array;
  /** Lattice vectors as rows (Å); null for a molecule. */
  lattice: Mat3 | null;
  /** Periodicity along a, b, c; must be all false when lattice is null. */
  pbc: readonly [boolean, boolean, boolean] | boolean[];
  /** Atomic number per atom: CGCNN's padding needs them (which site it pads with), nothing else does. */
  numbers?: ArrayLike<number>;
}

export interface NeighborList {
  nNodes: number;
  nEdges: number;
  /** Center atom of each edge (the atom whose neighbourhood it is; see the file's comment), sorted ascending. */
  center: Int32Array;
  /** Neighbor atom of each edge. */
  neighbor: Int32Array;
  /** Image offset of the neighbor in lattice vectors, 3 per edge (zeros for molecules). */
  image: Int32Array;
  /** |vector| in Å. */
  distance: Float64Array;
  /** cart[neighbor] + image · lattice − cart[center], 3 per edge (Å). */
  vector: Float64Array;
  /** Edges of atom i are [offsets[i], offsets[i + 1]); length nNodes + 1. */
  offsets: Int32Array;
  /** Per atom: number of neighbours within the cutoff before any cap or padding. */
  nWithinCutoff: Int32Array;
  /** Per edge: 1 for CGCNN padding edges; null when there are none. */
  padded: Uint8Array | null;
  /** The neighbor of CGCNN padding edges (see `padding`); null without CGCNN padding. */
  padSite: number | null;
  /**
   * Atoms whose cap at maxNeighbors cuts through a shell of neighbours at one distance (within
   * SHELL_TOLERANCE Å of the last one kept), in atom order; null when no cap cuts one. Which
   * members of such a shell are kept is a tie-break (ours: the smaller neighbor, then image).
   */
  splitShells: SplitShell[] | null;
  /** The options used (normalised). */
  cutoff: number;
  maxNeighbors: number | null;
  padding: 'none' | 'cgcnn';
}

/** A shell of equidistant neighbours of one atom that the cap at maxNeighbors cuts through. */
export interface SplitShell {
  center: number;
  /** Distance of the last neighbour kept (Å). */
  distance: number;
  /** How many of the shell are kept: the atom's last `kept` edges (before any padding). */
  kept: number;
  /** The shell's neighbours: the kept ones (in edge order), then the ones the cap dropped. */
  neighbors: Int32Array;
}

/**
 * Neighbours this close (Å) to the last one kept count as one shell with it (pymatgen's numerical
 * tolerance): symmetry-equivalent distances agree to ~1e-15 Å, and their order is rounding.
 */
export const SHELL_TOLERANCE = 1e-8;

/** Neighbour list of a `Structure` (uses its lattice, pbc and Cartesian coordinates). */
export function structureNeighbors(s: Structure, options: NeighborOptions): NeighborList {
  return neighborList(s, options);
}

interface WorkingBasis {
  /** Working basis rows b0, b1, b2, flattened row-major (Å). */
  B: Float64Array;
  /** Inverse of B (row-major): frac = cart · Binv. */
  Binv: Float64Array;
  /** Periodicity of working axes (periodic axes come first). */
  periodic: boolean[];
  /** For working axis k, the integer combination of original lattice vectors (row-major 3x3). */
  U: Int32Array;
}

const EPS = 1e-12;

function dot(a: number[], b: number[]): number {
  return a[0] * b[0] + a[1] * b[1] + a[2] * b[2];
}
function unit(a: number[]): number[] {
  const l = Math.sqrt(dot(a, a));
  return [a[0] / l, a[1] / l, a[2] / l];
}

function invert3(m: Float64Array): Float64Array {
  const inv = inverse3(m);
  if (!inv) throw new Error('neighbour list: the lattice vectors of the periodic directions are (nearly) linearly dependent');
  return inv;
}

function workingBasis(lattice: Mat3 | null, pbc: readonly boolean[]): WorkingBasis {
  const periodicAxes: number[] = [];
  for (let k = 0; k < 3; k++) if (pbc[k]) periodicAxes.push(k);
  if (periodicAxes.length > 0 && !lattice) {
    throw new Error('neighbour list: periodic boundary conditions need a lattice');
  }
  const vecs: number[][] = [];
  const combos: number[][] = [];
  for (const k of periodicAxes) {
    const v = lattice![k];
    if (!v.every(Number.isFinite)) throw new Error('neighbour list: lattice has non-finite entries');
    vecs.push([v[0], v[1], v[2]]);
    const u = [0, 0, 0];
    u[k] = 1;
    combos.push(u);
  }
  // Pairwise Gauss (size) reduction of the periodic vectors: replace v_i by v_i − m v_j
  // while that makes it strictly shorter. Lengths decrease, so this terminates.
  const np = vecs.length;
  for (let iter = 0; iter < 1000; iter++) {
    let changed = false;
    for (let i = 0; i < np; i++) {
      for (let j = 0; j < np; j++) {
        if (i === j) continue;
        const vj2 = dot(vecs[j], vecs[j]);
        if (vj2 <= 0) throw new Error('neighbour list: zero-length lattice vector');
        const m = Math.round(dot(vecs[i], vecs[j]) / vj2);
        if (m === 0) continue;
        const cand = [vecs[i][0] - m * vecs[j][0], vecs[i][1] - m * vecs[j][1], vecs[i][2] - m * vecs[j][2]];
        if (dot(cand, cand) < dot(vecs[i], vecs[i]) * (1 - 1e-10)) {
          vecs[i] = cand;
          for (let t = 0; t < 3; t++) combos[i][t] -= m * combos[j][t];
          changed = true;
        }
      }
    }
    if (!changed) break;
  }
  // Complete with unit vectors orthogonal to the periodic ones.
  if (np === 2) {
    vecs.push(unit(cross(vecs[0], vecs[1])));
  } else if (np === 1) {
    const a = vecs[0];
    const ax = [Math.abs(a[0]), Math.abs(a[1]), Math.abs(a[2])];
    const e = [0, 0, 0];
    e[ax.indexOf(Math.min(ax[0], ax[1], ax[2]))] = 1;
    const w1 = unit(cross(a, e));
    const w2 = unit(cross(a, w1));
    vecs.push(w1, w2);
  } else if (np === 0) {
    vecs.push([1, 0, 0], [0, 1, 0], [0, 0, 1]);
  }
  while (combos.length < 3) combos.push([0, 0, 0]);
  const B = new Float64Array(9);
  const U = new Int32Array(9);
  for (let k = 0; k < 3; k++) {
    for (let t = 0; t < 3; t++) {
      B[3 * k + t] = vecs[k][t];
      U[3 * k + t] = combos[k][t];
    }
  }
  return { B, Binv: invert3(B), periodic: [0, 1, 2].map((k) => k < np), U };
}

function growI32(a: Int32Array, length: number): Int32Array<ArrayBuffer> {
  const b = new Int32Array(length);
  b.set(a.subarray(0, Math.min(a.length, length)));
  return b;
}

function growF64(a: Float64Array, length: number): Float64Array<ArrayBuffer> {
  const b = new Float64Array(length);
  b.set(a.subarray(0, Math.min(a.length, length)));
  return b;
}

/**
 * Neighbour list of atoms under (partial) periodic boundary conditions.
 * See the module comment for conventions and the algorithm.
 */
export function neighborList(pos: PeriodicPositions, options: NeighborOptions): NeighborList {
  const cutoff = options.cutoff;
  if (!(cutoff > 0) || !Number.isFinite(cutoff)) throw new Error(`neighbour list: cutoff must be a positive number, got ${cutoff}`);
  const maxNeighbors = options.maxNeighbors ?? null;
  if (maxNeighbors !== null && !(Number.isInteger(maxNeighbors) && maxNeighbors >= 0)) {
    throw new Error(`neighbour list: maxNeighbors must be a non-negative integer, got ${maxNeighbors}`);
  }
  const padding = options.padding ?? 'none';
  if (padding === 'cgcnn' && maxNeighbors === null) throw new Error("neighbour list: padding 'cgcnn' needs maxNeighbors");
  if (padding === 'cgcnn' && pos.numbers?.length !== pos.cart.length / 3) throw new Error("neighbour list: padding 'cgcnn' needs the atomic number of every atom");
  const padSite = padding === 'cgcnn' ? pymatgenFirstSite(pos.numbers!) : null;
  const cell = workingCell(pos);
  const { n, frac, shift, wcart, h, origin, extent } = cell;
  const { B, U, periodic } = cell.wb;

  // ---- 2. bins ----
  const nb = [1, 1, 1];
  const maxBins = Math.max(27, 2 * n);
  let binSize = cutoff / 2;
  for (let iter = 0; iter < 200; iter++) {
    for (let k = 0; k < 3; k++) {
      const len = extent[k] * h[k];
      nb[k] = Math.max(1, Math.min(1 << 20, Math.floor(len / binSize)));
    }
    if (nb[0] * nb[1] * nb[2] <= maxBins) break;
    binSize *= 1.25;
  }
  const width = [0, 1, 2].map((k) => (extent[k] > 0 ? extent[k] / nb[k] : 1));
  const nBins = nb[0] * nb[1] * nb[2];
  const binStart = new Int32Array(nBins + 1); // atoms of bin b are [binStart[b], binStart[b+1])
  const binAtom = new Int32Array(n);
  const bx = new Float64Array(n);
  const by = new Float64Array(n);
  const bz = new Float64Array(n);
  binAtoms(n, frac, wcart, origin, width, nb, binStart, binAtom, bx, by, bz);

  // ---- 3. search ----
  const { density, pairs: expected } = pairEstimate(cell, cutoff);
  if (expected > MAX_NEIGHBOR_PAIRS) throw new NeighborLimitError(expected, cutoff);
  let perAtom = Math.ceil(density * (4 / 3) * Math.PI * cutoff ** 3 * 1.1) + 4;
  if (maxNeighbors !== null) perAtom = padding === 'cgcnn' ? maxNeighbors : Math.min(perAtom, maxNeighbors);
  const search = new CellSearch(
    cutoff,
    B,
    U,
    periodic,
    nb,
    width,
    origin,
    h,
    binStart,
    binAtom,
    bx,
    by,
    bz,
    shift,
    Math.max(16, Math.min(n * perAtom, 1 << 26)),
    padSite,
  );
  const offsets = new Int32Array(n + 1);
  const nWithin = new Int32Array(n);
  search.run(n, wcart, frac, offsets, nWithin, maxNeighbors);
  const nEdges = search.nEdges;
  const { oDst, oImg, oDist, oVec, oPad, cap } = search;

  const center = new Int32Array(nEdges);
  for (let i = 0; i < n; i++) center.fill(i, offsets[i], offsets[i + 1]);
  let padded: Uint8Array | null = null;
  if (oPad) {
    const p = oPad.subarray(0, nEdges);
    if (p.some((v) => v !== 0)) padded = p.slice();
  }
  // Hand back views when the buffers are nearly full (the usual case: the capacity estimate
  // is within ~10 %), copies otherwise, so that at most ~1/8 of a buffer is ever wasted.
  const tight = cap <= nEdges + (nEdges >> 3) + 64;
  return {
    nNodes: n,
    nEdges,
    center,
    neighbor: (tight ? oDst.subarray(0, nEdges) : oDst.slice(0, nEdges)),
    image: (tight ? oImg.subarray(0, 3 * nEdges) : oImg.slice(0, 3 * nEdges)),
    distance: (tight ? oDist.subarray(0, nEdges) : oDist.slice(0, nEdges)),
    vector: (tight ? oVec.subarray(0, 3 * nEdges) : oVec.slice(0, 3 * nEdges)),
    offsets,
    nWithinCutoff: nWithin,
    padded,
    padSite,
    splitShells: search.splitShells.length ? search.splitShells : null,
    cutoff,
    maxNeighbors,
    padding,
  };
}

/** Step 1 of the search: the working basis, the atoms' working fractional coordinates wrapped along periodic axes, and the cell's extent along each axis. */
function workingCell(pos: PeriodicPositions) {
  const cart = pos.cart;
  const n = Math.floor(cart.length / 3);
  if (cart.length !== 3 * n) throw new Error('neighbour list: cart length must be a multiple of 3');
  for (let i = 0; i < cart.length; i++) {
    if (!Number.isFinite(cart[i])) throw new Error('neighbour list: non-finite coordinate');
  }
  const pbc = [!!pos.pbc[0], !!pos.pbc[1], !!pos.pbc[2]];
  const wb = workingBasis(pos.lattice, pbc);
  const { B, Binv, periodic } = wb;
  const frac = new Float64Array(3 * n);
  const shift = new Int32Array(3 * n); // s_i: wrapped = original − s_i · B
  const wcart = new Float64Array(3 * n);
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  wrapAtoms(pos.cart, n, B, Binv, periodic, frac, shift, wcart, lo, hi);
  // Distance between lattice planes of working axis k: h_k = 1 / |column k of Binv|.
  const h = [0, 1, 2].map((k) => 1 / Math.hypot(Binv[k], Binv[3 + k], Binv[6 + k]));
  const origin = [0, 0, 0];
  const extent = [1, 1, 1];
  for (let k = 0; k < 3; k++) {
    if (!periodic[k]) {
      origin[k] = n > 0 ? lo[k] : 0;
      extent[k] = n > 0 ? hi[k] - lo[k] : 0;
    }
  }
  return { n, wb, frac, shift, wcart, h, origin, extent };
}

/** The atoms' density and the pairs within the cutoff: atoms × density × sphere (at most every pair of a molecule's atoms). */
function pairEstimate(cell: ReturnType<typeof workingCell>, cutoff: number): { density: number; pairs: number } {
  const { n, h, extent } = cell;
  const { periodic } = cell.wb;
  let volume = 1;
  for (let k = 0; k < 3; k++) volume *= Math.max(extent[k] * h[k], periodic[k] ? 0 : cutoff);
  const density = n / Math.max(volume, 1e-9);
  return { density, pairs: Math.min(n * density * (4 / 3) * Math.PI * cutoff ** 3, periodic.some((p) => p) ? Infinity : n * (n - 1)) };
}

/**
 * About how many edges `neighborList(pos, options)` gives, without building it: the pairs within the
 * cutoff it checks against MAX_NEIGHBOR_PAIRS, or with a cap at most atoms × K (exactly that with CGCNN padding).
 */
export function neighborEdgeEstimate(pos: PeriodicPositions, options: NeighborOptions): number {
  const cell = workingCell(pos);
  const { pairs } = pairEstimate(cell, options.cutoff);
  const k = options.maxNeighbors ?? null;
  if (k === null) return pairs;
  return options.padding === 'cgcnn' ? cell.n * k : Math.min(pairs, cell.n * k);
}

/** Working fractional coordinates, wrapped into [0, 1) along periodic axes; records shifts and bounds. */
function wrapAtoms(
  cart: Float64Array,
  n: number,
  B: Float64Array,
  Binv: Float64Array,
  periodic: boolean[],
  frac: Float64Array,
  shift: Int32Array,
  wcart: Float64Array,
  lo: number[],
  hi: number[],
): void {
  for (let i = 0; i < n; i++) {
    const x = cart[3 * i];
    const y = cart[3 * i + 1];
    const z = cart[3 * i + 2];
    for (let k = 0; k < 3; k++) {
      let f = x * Binv[k] + y * Binv[3 + k] + z * Binv[6 + k];
      if (periodic[k]) {
        let s = Math.floor(f);
        f -= s;
        if (f >= 1) {
          f -= 1;
          s += 1;
        }
        if (f < 0) f = 0;
        shift[3 * i + k] = s;
      }
      frac[3 * i + k] = f;
      if (f < lo[k]) lo[k] = f;
      if (f > hi[k]) hi[k] = f;
    }
    const s0 = shift[3 * i];
    const s1 = shift[3 * i + 1];
    const s2 = shift[3 * i + 2];
    wcart[3 * i] = x - s0 * B[0] - s1 * B[3] - s2 * B[6];
    wcart[3 * i + 1] = y - s0 * B[1] - s1 * B[4] - s2 * B[7];
    wcart[3 * i + 2] = z - s0 * B[2] - s1 * B[5] - s2 * B[8];
  }
}

/** Counting sort of the atoms into bins; positions are copied in bin order for locality. */
function binAtoms(
  n: number,
  frac: Float64Array,
  wcart: Float64Array,
  origin: number[],
  width: number[],
  nb: number[],
  binStart: Int32Array,
  binAtom: Int32Array,
  bx: Float64Array,
  by: Float64Array,
  bz: Float64Array,
): void {
  const nBins = binStart.length - 1;
  const binOf = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let k = 0; k < 3; k++) {
      let t = Math.floor((frac[3 * i + k] - origin[k]) / width[k]);
      if (t < 0) t = 0;
      if (t >= nb[k]) t = nb[k] - 1;
      b = b * nb[k] + t;
    }
    binOf[i] = b;
    binStart[b + 1]++;
  }
  for (let b = 0; b < nBins; b++) binStart[b + 1] += binStart[b];
  const fill = binStart.slice(0, nBins);
  for (let i = 0; i < n; i++) {
    const p = fill[binOf[i]]++;
    binAtom[p] = i;
    bx[p] = wcart[3 * i];
    by[p] = wcart[3 * i + 1];
    bz[p] = wcart[3 * i + 2];
  }
}

/**
 * The search state: bins, output buffers and per-atom candidate buffers as fields of one
 * object (a stable hidden class), and the hot loops in small methods so that V8 optimises
 * them once and keeps them optimised across atoms and calls.
 *
 * A candidate stores only its bin slot p, its squared distance, its atom and its working
 * image n'; the image in lattice vectors and the vector are computed when an edge is
 * emitted, so that with a cap (CGCNN keeps 12 of ~180 neighbours within 8 Å) the work per
 * rejected candidate stays small. With a cap the K nearest are selected first
 * (quickselect), then only those K are sorted.
 */
class CellSearch {
  readonly r2: number;
  readonly span0: number;
  readonly span1: number;
  readonly span2: number;
  nEdges = 0;
  oDst: Int32Array;
  oImg: Int32Array;
  oDist: Float64Array;
  oVec: Float64Array;
  oPad: Uint8Array | null;
  cap: number;
  ccap = 256;
  cP = new Int32Array(256);
  cDst = new Int32Array(256);
  cN = new Int32Array(768);
  cD2 = new Float64Array(256);
  order = new Int32Array(256);
  keys = new Float64Array(256);
  bucketOf = new Int32Array(256);
  counts = new Int32Array(257);
  /** The atom being searched (for tie-breaks by image). */
  ci = 0;
  /** Candidates kept by the cap (marks, cleared after use), to tell a split shell's dropped members. */
  keptMark = new Uint8Array(256);
  splitShells: SplitShell[] = [];

  constructor(
    readonly cutoff: number,
    readonly B: Float64Array,
    readonly U: Int32Array,
    readonly periodic: boolean[],
    readonly nb: number[],
    readonly width: number[],
    readonly origin: number[],
    h: number[],
    readonly binStart: Int32Array,
    readonly binAtom: Int32Array,
    readonly bx: Float64Array,
    readonly by: Float64Array,
    readonly bz: Float64Array,
    readonly shift: Int32Array,
    capacity: number,
    /** The neighbor of CGCNN padding edges; null: no padding. */
    readonly padSite: number | null,
  ) {
    this.r2 = cutoff * cutoff;
    this.span0 = (cutoff / h[0]) * (1 + 1e-9) + EPS;
    this.span1 = (cutoff / h[1]) * (1 + 1e-9) + EPS;
    this.span2 = (cutoff / h[2]) * (1 + 1e-9) + EPS;
    this.cap = capacity;
    this.oDst = new Int32Array(capacity);
    this.oImg = new Int32Array(3 * capacity);
    this.oDist = new Float64Array(capacity);
    this.oVec = new Float64Array(3 * capacity);
    this.oPad = padSite !== null ? new Uint8Array(capacity) : null;
  }

  private growCandidates(): void {
    const c = this.ccap * 2;
    this.ccap = c;
    this.cP = growI32(this.cP, c);
    this.cDst = growI32(this.cDst, c);
    this.cN = growI32(this.cN, 3 * c);
    this.cD2 = growF64(this.cD2, c);
    this.order = new Int32Array(c);
    this.keys = new Float64Array(c);
    this.bucketOf = new Int32Array(c);
    this.counts = new Int32Array(c + 1);
    this.keptMark = new Uint8Array(c);
  }

  private growOutput(need: number): void {
    let c = this.cap;
    while (c < need) c *= 2;
    this.cap = c;
    this.oDst = growI32(this.oDst, c);
    this.oImg = growI32(this.oImg, 3 * c);
    this.oDist = growF64(this.oDist, c);
    this.oVec = growF64(this.oVec, 3 * c);
    if (this.oPad) {
      const p = new Uint8Array(c);
      p.set(this.oPad);
      this.oPad = p;
    }
  }

  /** Axis range of unbounded bin indices within ±span of fractional coordinate f. */
  private lo(k: number, f: number, span: number): number {
    const u = Math.floor((f - this.origin[k] - span) / this.width[k]);
    return this.periodic[k] ? u : Math.max(u, 0);
  }

  private hi(k: number, f: number, span: number): number {
    const u = Math.floor((f - this.origin[k] + span) / this.width[k]);
    return this.periodic[k] ? u : Math.min(u, this.nb[k] - 1);
  }

  /** Searches every atom in turn, filling offsets and nWithin. */
  run(n: number, wcart: Float64Array, frac: Float64Array, offsets: Int32Array, nWithin: Int32Array, maxNeighbors: number | null): void {
    for (let i = 0; i < n; i++) {
      const x = wcart[3 * i];
      const y = wcart[3 * i + 1];
      const z = wcart[3 * i + 2];
      const cnt = this.collect(i, x, y, z, frac[3 * i], frac[3 * i + 1], frac[3 * i + 2]);
      nWithin[i] = cnt;
      this.emit(cnt, maxNeighbors, x, y, z);
      offsets[i + 1] = this.nEdges;
    }
  }

  /** Collects the neighbours of atom i (wrapped position x, y, z; fractional f0..f2) as candidates; returns their count. */
  collect(i: number, xi: number, yi: number, zi: number, f0: number, f1: number, f2: number): number {
    this.ci = i;
    const lo0 = this.lo(0, f0, this.span0);
    const hi0 = this.hi(0, f0, this.span0);
    const lo1 = this.lo(1, f1, this.span1);
    const hi1 = this.hi(1, f1, this.span1);
    const lo2 = this.lo(2, f2, this.span2);
    const hi2 = this.hi(2, f2, this.span2);
    const nb0 = this.nb[0];
    const nb1 = this.nb[1];
    const nb2 = this.nb[2];
    const B = this.B;
    let cnt = 0;
    for (let u0 = lo0; u0 <= hi0; u0++) {
      const n0 = Math.floor(u0 / nb0);
      const c0 = u0 - n0 * nb0;
      for (let u1 = lo1; u1 <= hi1; u1++) {
        const n1 = Math.floor(u1 / nb1);
        const c1 = u1 - n1 * nb1;
        const base01 = (c0 * nb1 + c1) * nb2;
        const sx = n0 * B[0] + n1 * B[3] - xi;
        const sy = n0 * B[1] + n1 * B[4] - yi;
        const sz = n0 * B[2] + n1 * B[5] - zi;
        for (let u2 = lo2; u2 <= hi2; u2++) {
          const n2 = Math.floor(u2 / nb2);
          const b = base01 + (u2 - n2 * nb2);
          const start = this.binStart[b];
          const end = this.binStart[b + 1];
          if (start === end) continue;
          cnt = this.scanBin(i, start, end, n0, n1, n2, sx + n2 * B[6], sy + n2 * B[7], sz + n2 * B[8], cnt);
        }
      }
    }
    return cnt;
  }

  /** Distance test of the atoms of one bin image; appends hits to the candidates. */
  private scanBin(i: number, start: number, end: number, n0: number, n1: number, n2: number, ox: number, oy: number, oz: number, cnt: number): number {
    const bx = this.bx;
    const by = this.by;
    const bz = this.bz;
    const r2 = this.r2;
    const zeroImage = n0 === 0 && n1 === 0 && n2 === 0;
    for (let p = start; p < end; p++) {
      const dx = bx[p] + ox;
      const dy = by[p] + oy;
      const dz = bz[p] + oz;
      const d2 = dx * dx + dy * dy + dz * dz;
      if (d2 > r2) continue;
      const j = this.binAtom[p];
      if (zeroImage && j === i) continue;
      if (cnt === this.ccap) this.growCandidates();
      this.cP[cnt] = p;
      this.cDst[cnt] = j;
      this.cD2[cnt] = d2;
      const cN = this.cN;
      cN[3 * cnt] = n0;
      cN[3 * cnt + 1] = n1;
      cN[3 * cnt + 2] = n2;
      cnt++;
    }
    return cnt;
  }

  /** Component k of the image (lattice vectors) of candidate c. */
  private imageOf(c: number, k: number): number {
    const j = this.cDst[c];
    const i = this.ci;
    const s = this.shift;
    const U = this.U;
    const cN = this.cN;
    const m0 = cN[3 * c] - s[3 * j] + s[3 * i];
    const m1 = cN[3 * c + 1] - s[3 * j + 1] + s[3 * i + 1];
    const m2 = cN[3 * c + 2] - s[3 * j + 2] + s[3 * i + 2];
    return m0 * U[k] + m1 * U[3 + k] + m2 * U[6 + k];
  }

  /** Strict order of candidates: distance, then neighbor, then image a, b, c. */
  private lt(a: number, b: number): boolean {
    const da = this.cD2[a];
    const db = this.cD2[b];
    if (da !== db) return da < db;
    const ja = this.cDst[a];
    const jb = this.cDst[b];
    if (ja !== jb) return ja < jb;
    for (let k = 0; k < 3; k++) {
      const ia = this.imageOf(a, k);
      const ib = this.imageOf(b, k);
      if (ia !== ib) return ia < ib;
    }
    return false;
  }

  /** Insertion sort of order[lo..hi] with the full order `lt` (used on runs of equal distances). */
  private insertionSortFull(order: Int32Array, lo: number, hi: number): void {
    for (let i = lo + 1; i <= hi; i++) {
      const v = order[i];
      let j = i - 1;
      while (j >= lo && this.lt(v, order[j])) {
        order[j + 1] = order[j];
        j--;
      }
      order[j + 1] = v;
    }
  }

  /**
   * keys/order ← the candidates sorted by squared distance, in O(n) expected time: a counting
   * sort into n buckets of equal width in d² (squared distances within the cutoff are spread
   * fairly evenly over [0, r²]), then an insertion sort that only moves entries within buckets.
   */
  private bucketSort(n: number): void {
    const keys = this.keys;
    const order = this.order;
    const d2 = this.cD2;
    const bucketOf = this.bucketOf;
    const counts = this.counts;
    counts.fill(0, 0, n + 1);
    const scale = n / this.r2;
    for (let t = 0; t < n; t++) {
      let b = Math.floor(d2[t] * scale);
      if (b >= n) b = n - 1;
      bucketOf[t] = b;
      counts[b + 1]++;
    }
    for (let b = 0; b < n; b++) counts[b + 1] += counts[b];
    for (let t = 0; t < n; t++) {
      const pos = counts[bucketOf[t]]++;
      keys[pos] = d2[t];
      order[pos] = t;
    }
    for (let i = 1; i < n; i++) {
      const kv = keys[i];
      if (keys[i - 1] <= kv) continue;
      const iv = order[i];
      let j = i - 1;
      while (j >= 0 && keys[j] > kv) {
        keys[j + 1] = keys[j];
        order[j + 1] = order[j];
        j--;
      }
      keys[j + 1] = kv;
      order[j + 1] = iv;
    }
  }

  /**
   * Orders candidates by (distance, neighbor, image): `keys`/`order` pairs are sorted by key with a
   * plain quicksort on doubles (fast: no indirection), then runs of equal keys — exact ties,
   * common in symmetric crystals — are put in (neighbor, image) order. With k < n only the k
   * nearest are selected (quickselect) and sorted; a tie straddling place k is resolved with
   * the full order over every candidate of that distance.
   */
  private orderCandidates(n: number, k: number): void {
    const keys = this.keys;
    const order = this.order;
    if (k < n) {
      const d2 = this.cD2;
      for (let t = 0; t < n; t++) {
        keys[t] = d2[t];
        order[t] = t;
      }
      selectPairs(keys, order, n, k);
      sortPairs(keys, order, 0, k - 1);
      const kth = keys[k - 1];
      let outside = 0;
      for (let t = k; t < n; t++) if (keys[t] === kth) outside++;
      if (outside > 0) {
        // every candidate at distance kth competes for the last places
        let first = k - 1;
        while (first > 0 && keys[first - 1] === kth) first--;
        const tied = new Int32Array(k - first + outside);
        let m = 0;
        for (let t = first; t < n; t++) if (keys[t] === kth) tied[m++] = order[t];
        this.insertionSortFull(tied, 0, m - 1);
        for (let t = first; t < k; t++) {
          order[t] = tied[t - first];
          keys[t] = kth;
        }
        // the runs of ties before `first` are put in order below (this one is already)
      }
    } else {
      this.bucketSort(n);
    }
    const end = Math.min(k, n);
    for (let t = 1; t < end; t++) {
      if (keys[t] !== keys[t - 1]) continue;
      let b = t + 1;
      while (b < end && keys[b] === keys[t]) b++;
      this.insertionSortFull(order, t - 1, b - 1);
      t = b - 1;
    }
  }

  /**
   * After orderCandidates(n, k) with k < n: records the shell of the k-th neighbour when candidates
   * the cap dropped lie within SHELL_TOLERANCE of it (one pass over the candidates when none does).
   */
  private recordSplitShell(n: number, k: number): void {
    const { order, cD2, keptMark } = this;
    const d = Math.sqrt(cD2[order[k - 1]]);
    const hi = (d + SHELL_TOLERANCE) ** 2;
    let within = 0;
    for (let c = 0; c < n; c++) if (cD2[c] <= hi) within++;
    // the k kept are all within (they are the k nearest): any more were dropped
    if (within === k) return;
    const lo = d > SHELL_TOLERANCE ? (d - SHELL_TOLERANCE) ** 2 : 0;
    let first = k - 1;
    while (first > 0 && cD2[order[first - 1]] >= lo) first--;
    const members: number[] = [];
    for (let t = first; t < k; t++) members.push(this.cDst[order[t]]);
    for (let t = 0; t < k; t++) keptMark[order[t]] = 1;
    for (let c = 0; c < n; c++) if (cD2[c] <= hi && !keptMark[c]) members.push(this.cDst[c]);
    for (let t = 0; t < k; t++) keptMark[order[t]] = 0;
    this.splitShells.push({ center: this.ci, distance: d, kept: k - first, neighbors: Int32Array.from(members) });
  }

  /** Sorts the candidates, appends the kept ones (and CGCNN padding) to the output. */
  emit(cnt: number, maxNeighbors: number | null, xi: number, yi: number, zi: number): void {
    const keep = maxNeighbors === null ? cnt : Math.min(cnt, maxNeighbors);
    this.orderCandidates(cnt, keep);
    if (keep > 0 && keep < cnt) this.recordSplitShell(cnt, keep);
    const total = this.padSite !== null && maxNeighbors !== null ? maxNeighbors : keep;
    const e0 = this.nEdges;
    if (e0 + total > this.cap) this.growOutput(e0 + total);
    const { oDst, oImg, oDist, oVec, cP, cDst, cN, cD2, B, U, bx, by, bz, shift, order } = this;
    const i3 = 3 * this.ci;
    const si0 = shift[i3];
    const si1 = shift[i3 + 1];
    const si2 = shift[i3 + 2];
    for (let t = 0; t < keep; t++) {
      const c = order[t];
      const e = e0 + t;
      const p = cP[c];
      const j = cDst[c];
      const n0 = cN[3 * c];
      const n1 = cN[3 * c + 1];
      const n2 = cN[3 * c + 2];
      oDst[e] = j;
      oDist[e] = Math.sqrt(cD2[c]);
      // same operations in the same order as collect/scanBin: bit-identical to the tested distance
      oVec[3 * e] = bx[p] + (n0 * B[0] + n1 * B[3] - xi + n2 * B[6]);
      oVec[3 * e + 1] = by[p] + (n0 * B[1] + n1 * B[4] - yi + n2 * B[7]);
      oVec[3 * e + 2] = bz[p] + (n0 * B[2] + n1 * B[5] - zi + n2 * B[8]);
      const m0 = n0 - shift[3 * j] + si0;
      const m1 = n1 - shift[3 * j + 1] + si1;
      const m2 = n2 - shift[3 * j + 2] + si2;
      oImg[3 * e] = m0 * U[0] + m1 * U[3] + m2 * U[6];
      oImg[3 * e + 1] = m0 * U[1] + m1 * U[4] + m2 * U[7];
      oImg[3 * e + 2] = m0 * U[2] + m1 * U[5] + m2 * U[8];
    }
    for (let t = keep; t < total; t++) {
      const e = e0 + t;
      oDst[e] = this.padSite!;
      oDist[e] = this.cutoff + 1;
      oImg[3 * e] = oImg[3 * e + 1] = oImg[3 * e + 2] = 0;
      oVec[3 * e] = oVec[3 * e + 1] = oVec[3 * e + 2] = 0;
      this.oPad![e] = 1;
    }
    this.nEdges = e0 + total;
  }
}

/** Sorts keys[lo..hi] ascending, moving idx along (quicksort, insertion sort below 16). */
function sortPairs(keys: Float64Array, idx: Int32Array, lo: number, hi: number): void {
  while (hi - lo > 16) {
    const j = partitionPairs(keys, idx, lo, hi);
    const i = partitionRight;
    if (j - lo < hi - i) {
      sortPairs(keys, idx, lo, j);
      lo = i;
    } else {
      sortPairs(keys, idx, i, hi);
      hi = j;
    }
  }
  for (let i = lo + 1; i <= hi; i++) {
    const kv = keys[i];
    const iv = idx[i];
    let j = i - 1;
    while (j >= lo && keys[j] > kv) {
      keys[j + 1] = keys[j];
      idx[j + 1] = idx[j];
      j--;
    }
    keys[j + 1] = kv;
    idx[j + 1] = iv;
  }
}

/** Rearranges so that keys[0..k) are the k smallest (unordered). */
function selectPairs(keys: Float64Array, idx: Int32Array, n: number, k: number): void {
  let lo = 0;
  let hi = n - 1;
  while (hi - lo > 16) {
    const j = partitionPairs(keys, idx, lo, hi);
    const i = partitionRight;
    if (k - 1 <= j) hi = j;
    else if (k - 1 >= i) lo = i;
    else return;
  }
  sortPairs(keys, idx, lo, hi);
}

let partitionRight = 0;

/** Hoare partition of [lo, hi] around a median of three; returns j, sets partitionRight = i: [lo..j] ≤ pivot ≤ [i..hi]. */
function partitionPairs(keys: Float64Array, idx: Int32Array, lo: number, hi: number): number {
  const mid = (lo + hi) >> 1;
  if (keys[mid] < keys[lo]) swapPair(keys, idx, mid, lo);
  if (keys[hi] < keys[lo]) swapPair(keys, idx, hi, lo);
  if (keys[hi] < keys[mid]) swapPair(keys, idx, hi, mid);
  const pivot = keys[mid];
  let i = lo;
  let j = hi;
  while (i <= j) {
    while (keys[i] < pivot) i++;
    while (pivot < keys[j]) j--;
    if (i <= j) {
      swapPair(keys, idx, i, j);
      i++;
      j--;
    }
  }
  partitionRight = i;
  return j;
}

function swapPair(keys: Float64Array, idx: Int32Array, i: number, j: number): void {
  const k = keys[i];
  keys[i] = keys[j];
  keys[j] = k;
  const t = idx[i];
  idx[i] = idx[j];
  idx[j] = t;
}
