/**
 * Periodic neighbour lists by cell lists (binning), on typed arrays.
 *
 * An edge (src i, dst j, image n) means: atom j translated by n (integer multiples of the
 * lattice vectors a, b, c) lies within the cutoff of atom i, with
 *
 *     vector = cart[j] + n · lattice − cart[i],   distance = |vector|.
 *
 * This is ASE's convention (`neighbor_list`'s shift S): images are relative to the
 * positions as given, not to positions wrapped into the cell (pymatgen's convention).
 * Edges are directed and come in both directions; atom i sees itself only through
 * non-zero images (cells smaller than the cutoff). Edges are sorted by src, then
 * distance, then dst, then image (a, b, c) — a total order, hence deterministic.
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
 */
import type { Mat3, Structure } from '../chem/structure';
import { sortEdgeOrder } from './sort';

export interface NeighborOptions {
  /** Cutoff radius in Å; pairs with distance ≤ cutoff are edges. */
  cutoff: number;
  /**
   * Keep at most this many nearest neighbours per atom (after sorting by distance;
   * ties by dst then image). null/undefined: no cap.
   */
  maxNeighbors?: number | null;
  /**
   * What to do with atoms that have fewer than maxNeighbors neighbours:
   * - 'none' (default): keep the edges found; such atoms simply have a lower degree.
   * - 'cgcnn': like CGCNN's CIFData, append (maxNeighbors − count) padding edges
   *   with dst = 0 (the structure's first atom), image [0,0,0], vector [0,0,0] and
   *   distance = cutoff + 1, so that every atom has exactly maxNeighbors edges.
   *   Padding edges are flagged in `padded`. Requires maxNeighbors.
   */
  padding?: 'none' | 'cgcnn';
}

/** CGCNN's CIFData defaults: radius 8 Å, 12 neighbours, pad with (index 0, radius + 1). */
export const CGCNN_NEIGHBOR_OPTIONS: Readonly<Required<NeighborOptions>> = Object.freeze({
  cutoff: 8,
  maxNeighbors: 12,
  padding: 'cgcnn' as const,
});

/** Geometry the neighbour search needs (a `Structure` is one). */
export interface PeriodicPositions {
  /** Cartesian coordinates (Å), 3 per atom. */
  cart: Float64Array;
  /** Lattice vectors as rows (Å); null for a molecule. */
  lattice: Mat3 | null;
  /** Periodicity along a, b, c; must be all false when lattice is null. */
  pbc: readonly [boolean, boolean, boolean] | boolean[];
}

export interface NeighborList {
  nNodes: number;
  nEdges: number;
  /** Source atom of each edge (the atom whose neighbourhood this is), sorted ascending. */
  src: Int32Array;
  /** Neighbour atom of each edge. */
  dst: Int32Array;
  /** Image offset of dst in lattice vectors, 3 per edge (zeros for molecules). */
  image: Int32Array;
  /** |vector| in Å. */
  distance: Float64Array;
  /** cart[dst] + image · lattice − cart[src], 3 per edge (Å). */
  vector: Float64Array;
  /** Edges of atom i are [offsets[i], offsets[i + 1]); length nNodes + 1. */
  offsets: Int32Array;
  /** Per atom: number of neighbours within the cutoff before any cap or padding. */
  nWithinCutoff: Int32Array;
  /** Per edge: 1 for CGCNN padding edges; null when there are none. */
  padded: Uint8Array | null;
  /** The options used (normalised). */
  cutoff: number;
  maxNeighbors: number | null;
  padding: 'none' | 'cgcnn';
}

/** Neighbour list of a `Structure` (uses its lattice, pbc and Cartesian coordinates). */
export function structureNeighbors(s: Structure, options: NeighborOptions): NeighborList {
  return neighborList({ cart: s.cart, lattice: s.lattice, pbc: s.pbc }, options);
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
function cross(a: number[], b: number[]): number[] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}
function unit(a: number[]): number[] {
  const l = Math.sqrt(dot(a, a));
  return [a[0] / l, a[1] / l, a[2] / l];
}

function invert3(m: Float64Array): Float64Array {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const Bc = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * Bc + c * C;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) {
    throw new Error('neighbour list: the lattice vectors of the periodic directions are (nearly) linearly dependent');
  }
  const r = new Float64Array(9);
  r[0] = A / det;
  r[1] = -(b * i - c * h) / det;
  r[2] = (b * f - c * e) / det;
  r[3] = Bc / det;
  r[4] = (a * i - c * g) / det;
  r[5] = -(a * f - c * d) / det;
  r[6] = C / det;
  r[7] = -(a * h - b * g) / det;
  r[8] = (a * e - b * d) / det;
  return r;
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
  const cart = pos.cart;
  const n = Math.floor(cart.length / 3);
  if (cart.length !== 3 * n) throw new Error('neighbour list: cart length must be a multiple of 3');
  for (let i = 0; i < cart.length; i++) {
    if (!Number.isFinite(cart[i])) throw new Error('neighbour list: non-finite coordinate');
  }
  const pbc = [!!pos.pbc[0], !!pos.pbc[1], !!pos.pbc[2]];
  const wb = workingBasis(pos.lattice, pbc);
  const { B, Binv, U, periodic } = wb;

  // ---- 1. working fractional coordinates, wrapped along periodic axes ----
  const frac = new Float64Array(3 * n);
  const shift = new Int32Array(3 * n); // s_i: wrapped = original − s_i · B
  const wcart = new Float64Array(3 * n);
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
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

  // ---- 2. bins ----
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
  const binOf = new Int32Array(n);
  const binCount = new Int32Array(nBins + 1);
  for (let i = 0; i < n; i++) {
    let b = 0;
    for (let k = 0; k < 3; k++) {
      let t = Math.floor((frac[3 * i + k] - origin[k]) / width[k]);
      if (t < 0) t = 0;
      if (t >= nb[k]) t = nb[k] - 1;
      b = b * nb[k] + t;
    }
    binOf[i] = b;
    binCount[b + 1]++;
  }
  for (let b = 0; b < nBins; b++) binCount[b + 1] += binCount[b];
  const binStart = binCount; // prefix sums: atoms of bin b are [binStart[b], binStart[b+1])
  const fill = binStart.slice(0, nBins);
  const binAtom = new Int32Array(n);
  const bx = new Float64Array(n);
  const by = new Float64Array(n);
  const bz = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = fill[binOf[i]]++;
    binAtom[p] = i;
    bx[p] = wcart[3 * i];
    by[p] = wcart[3 * i + 1];
    bz[p] = wcart[3 * i + 2];
  }

  // ---- 3. search ----
  const r2 = cutoff * cutoff;
  const span = [0, 1, 2].map((k) => (cutoff / h[k]) * (1 + 1e-9) + EPS);
  // Output buffers, grown geometrically.
  let volume = 1;
  for (let k = 0; k < 3; k++) volume *= Math.max(extent[k] * h[k], periodic[k] ? 0 : cutoff);
  const density = n / Math.max(volume, 1e-9);
  let perAtom = Math.ceil(density * (4 / 3) * Math.PI * cutoff ** 3 * 1.1) + 4;
  if (maxNeighbors !== null) perAtom = Math.min(perAtom, maxNeighbors);
  let cap = Math.max(16, Math.min(n * perAtom, 1 << 26));
  let oDst = new Int32Array(cap);
  let oImg = new Int32Array(3 * cap);
  let oDist = new Float64Array(cap);
  let oVec = new Float64Array(3 * cap);
  let oPad: Uint8Array | null = padding === 'cgcnn' ? new Uint8Array(cap) : null;
  let nEdges = 0;
  const grow = (need: number): void => {
    if (need <= cap) return;
    let c = cap;
    while (c < need) c *= 2;
    const d = new Int32Array(c);
    d.set(oDst.subarray(0, nEdges));
    oDst = d;
    const im = new Int32Array(3 * c);
    im.set(oImg.subarray(0, 3 * nEdges));
    oImg = im;
    const di = new Float64Array(c);
    di.set(oDist.subarray(0, nEdges));
    oDist = di;
    const v = new Float64Array(3 * c);
    v.set(oVec.subarray(0, 3 * nEdges));
    oVec = v;
    if (oPad) {
      const p = new Uint8Array(c);
      p.set(oPad.subarray(0, nEdges));
      oPad = p;
    }
    cap = c;
  };
  // Per-atom candidate buffers.
  let ccap = 256;
  let cDst = new Int32Array(ccap);
  let cImg = new Int32Array(3 * ccap);
  let cD2 = new Float64Array(ccap);
  let cVec = new Float64Array(3 * ccap);
  let order = new Int32Array(ccap);
  const growCand = (): void => {
    const c = ccap * 2;
    const d = new Int32Array(c);
    d.set(cDst);
    cDst = d;
    const im = new Int32Array(3 * c);
    im.set(cImg);
    cImg = im;
    const d2 = new Float64Array(c);
    d2.set(cD2);
    cD2 = d2;
    const v = new Float64Array(3 * c);
    v.set(cVec);
    cVec = v;
    order = new Int32Array(c);
    ccap = c;
  };

  const offsets = new Int32Array(n + 1);
  const nWithin = new Int32Array(n);
  const [p0, p1, p2] = periodic;
  const [nb0, nb1, nb2] = nb;
  const U00 = U[0], U01 = U[1], U02 = U[2], U10 = U[3], U11 = U[4], U12 = U[5], U20 = U[6], U21 = U[7], U22 = U[8];
  const B0 = B[0], B1 = B[1], B2 = B[2], B3 = B[3], B4 = B[4], B5 = B[5], B6 = B[6], B7 = B[7], B8 = B[8];

  for (let i = 0; i < n; i++) {
    const xi = wcart[3 * i];
    const yi = wcart[3 * i + 1];
    const zi = wcart[3 * i + 2];
    const si0 = shift[3 * i];
    const si1 = shift[3 * i + 1];
    const si2 = shift[3 * i + 2];
    const f0 = frac[3 * i] - origin[0];
    const f1 = frac[3 * i + 1] - origin[1];
    const f2 = frac[3 * i + 2] - origin[2];
    let lo0 = Math.floor((f0 - span[0]) / width[0]);
    let hi0 = Math.floor((f0 + span[0]) / width[0]);
    let lo1 = Math.floor((f1 - span[1]) / width[1]);
    let hi1 = Math.floor((f1 + span[1]) / width[1]);
    let lo2 = Math.floor((f2 - span[2]) / width[2]);
    let hi2 = Math.floor((f2 + span[2]) / width[2]);
    if (!p0) {
      lo0 = Math.max(lo0, 0);
      hi0 = Math.min(hi0, nb0 - 1);
    }
    if (!p1) {
      lo1 = Math.max(lo1, 0);
      hi1 = Math.min(hi1, nb1 - 1);
    }
    if (!p2) {
      lo2 = Math.max(lo2, 0);
      hi2 = Math.min(hi2, nb2 - 1);
    }
    let cnt = 0;
    for (let u0 = lo0; u0 <= hi0; u0++) {
      const n0 = Math.floor(u0 / nb0);
      const c0 = u0 - n0 * nb0;
      for (let u1 = lo1; u1 <= hi1; u1++) {
        const n1 = Math.floor(u1 / nb1);
        const c1 = u1 - n1 * nb1;
        const base01 = (c0 * nb1 + c1) * nb2;
        for (let u2 = lo2; u2 <= hi2; u2++) {
          const n2 = Math.floor(u2 / nb2);
          const c2 = u2 - n2 * nb2;
          const b = base01 + c2;
          const start = binStart[b];
          const end = binStart[b + 1];
          if (start === end) continue;
          // shift of this bin image relative to atom i
          const ox = n0 * B0 + n1 * B3 + n2 * B6 - xi;
          const oy = n0 * B1 + n1 * B4 + n2 * B7 - yi;
          const oz = n0 * B2 + n1 * B5 + n2 * B8 - zi;
          const zeroImage = n0 === 0 && n1 === 0 && n2 === 0;
          for (let p = start; p < end; p++) {
            const dx = bx[p] + ox;
            const dy = by[p] + oy;
            const dz = bz[p] + oz;
            const d2 = dx * dx + dy * dy + dz * dz;
            if (d2 > r2) continue;
            const j = binAtom[p];
            if (zeroImage && j === i) continue;
            if (cnt === ccap) growCand();
            cDst[cnt] = j;
            cD2[cnt] = d2;
            const c3 = 3 * cnt;
            cVec[c3] = dx;
            cVec[c3 + 1] = dy;
            cVec[c3 + 2] = dz;
            // image in the working basis m' = n' − s_j + s_i, then in the original basis m'·U
            const m0 = n0 - shift[3 * j] + si0;
            const m1 = n1 - shift[3 * j + 1] + si1;
            const m2 = n2 - shift[3 * j + 2] + si2;
            cImg[c3] = m0 * U00 + m1 * U10 + m2 * U20;
            cImg[c3 + 1] = m0 * U01 + m1 * U11 + m2 * U21;
            cImg[c3 + 2] = m0 * U02 + m1 * U12 + m2 * U22;
            cnt++;
          }
        }
      }
    }
    nWithin[i] = cnt;
    for (let t = 0; t < cnt; t++) order[t] = t;
    sortEdgeOrder(order, cnt, cD2, cDst, cImg);
    const keep = maxNeighbors === null ? cnt : Math.min(cnt, maxNeighbors);
    const total = padding === 'cgcnn' && maxNeighbors !== null ? maxNeighbors : keep;
    grow(nEdges + total);
    for (let t = 0; t < keep; t++) {
      const c = order[t];
      const e = nEdges + t;
      oDst[e] = cDst[c];
      oDist[e] = Math.sqrt(cD2[c]);
      oImg[3 * e] = cImg[3 * c];
      oImg[3 * e + 1] = cImg[3 * c + 1];
      oImg[3 * e + 2] = cImg[3 * c + 2];
      oVec[3 * e] = cVec[3 * c];
      oVec[3 * e + 1] = cVec[3 * c + 1];
      oVec[3 * e + 2] = cVec[3 * c + 2];
    }
    for (let t = keep; t < total; t++) {
      const e = nEdges + t;
      oDst[e] = 0;
      oDist[e] = cutoff + 1;
      oImg[3 * e] = oImg[3 * e + 1] = oImg[3 * e + 2] = 0;
      oVec[3 * e] = oVec[3 * e + 1] = oVec[3 * e + 2] = 0;
      oPad![e] = 1;
    }
    nEdges += total;
    offsets[i + 1] = nEdges;
  }

  const src = new Int32Array(nEdges);
  for (let i = 0; i < n; i++) src.fill(i, offsets[i], offsets[i + 1]);
  let padded: Uint8Array | null = null;
  if (oPad) {
    const p = oPad.slice(0, nEdges);
    if (p.some((v) => v !== 0)) padded = p;
  }
  return {
    nNodes: n,
    nEdges,
    src,
    dst: oDst.slice(0, nEdges),
    image: oImg.slice(0, 3 * nEdges),
    distance: oDist.slice(0, nEdges),
    vector: oVec.slice(0, 3 * nEdges),
    offsets,
    nWithinCutoff: nWithin,
    padded,
    cutoff,
    maxNeighbors,
    padding,
  };
}
