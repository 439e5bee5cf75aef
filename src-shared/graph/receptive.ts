/**
 * Receptive field of an atom in the unrolled (periodic) graph.
 *
 * Message passing over T layers lets atom i see every node reachable in ≤ T hops. In a
 * crystal the graph is infinite: node (j, m) is atom j in the cell translated by m, and
 * an edge (center i, neighbor j, image n) links (i, m) to (j, m + n) for every m. We follow
 * edges from center to neighbor (the neighbor's message reaches the center, as in CGCNN
 * where atom i aggregates over its neighbour list). CGCNN padding edges are not
 * followed: they are not neighbours.
 */

/** The parts of a neighbour list the receptive field needs. */
export interface EdgeListLike {
  nNodes: number;
  offsets: Int32Array;
  neighbor: Int32Array;
  image: Int32Array;
  padded?: Uint8Array | null;
}

export interface ReceptiveField {
  atom: number;
  layers: number;
  /** Unrolled nodes reached, in breadth-first order (the atom itself first). */
  site: Int32Array;
  /** Image offset of each reached node, 3 per node. */
  image: Int32Array;
  /** Hop at which each node is first reached. */
  hop: Int32Array;
  /** countPerHop[t]: nodes first reached at hop t, t = 0..layers (countPerHop[0] = 1). */
  countPerHop: Int32Array;
  /** Per site of the cell: first hop at which some image of it is reached, −1 if not within `layers`. */
  siteFirstHop: Int32Array;
  /** First hop by which every site of the cell (any image) has been reached; null if not within `layers`. */
  allSitesReachedAt: number | null;
}

export function receptiveField(g: EdgeListLike, atom: number, layers: number, options: { maxNodes?: number } = {}): ReceptiveField {
  const n = g.nNodes;
  if (!(Number.isInteger(atom) && atom >= 0 && atom < n)) throw new Error(`receptive field: atom ${atom} outside 0..${n - 1}`);
  if (!(Number.isInteger(layers) && layers >= 0)) throw new Error(`receptive field: layers must be a non-negative integer`);
  const maxNodes = options.maxNodes ?? 2_000_000;
  let maxImg = 0;
  for (let k = 0; k < g.image.length; k++) maxImg = Math.max(maxImg, Math.abs(g.image[k]));
  const O = layers * maxImg + 1;
  const W = 2 * O + 1;
  if (W * W * W * n >= Number.MAX_SAFE_INTEGER) throw new Error('receptive field: image range too large');
  const key = (j: number, a: number, b: number, c: number): number => (((a + O) * W + (b + O)) * W + (c + O)) * n + j;

  let cap = 1024;
  let site = new Int32Array(cap);
  let image = new Int32Array(3 * cap);
  let hop = new Int32Array(cap);
  const seen = new Set<number>();
  let count = 0;
  const push = (j: number, a: number, b: number, c: number, h: number): void => {
    if (count === cap) {
      cap *= 2;
      const s = new Int32Array(cap);
      s.set(site);
      site = s;
      const im = new Int32Array(3 * cap);
      im.set(image);
      image = im;
      const hp = new Int32Array(cap);
      hp.set(hop);
      hop = hp;
    }
    site[count] = j;
    image[3 * count] = a;
    image[3 * count + 1] = b;
    image[3 * count + 2] = c;
    hop[count] = h;
    count++;
  };
  const countPerHop = new Int32Array(layers + 1);
  const siteFirstHop = new Int32Array(n).fill(-1);
  seen.add(key(atom, 0, 0, 0));
  push(atom, 0, 0, 0, 0);
  countPerHop[0] = 1;
  siteFirstHop[atom] = 0;
  let frontierStart = 0;
  for (let t = 1; t <= layers; t++) {
    const frontierEnd = count;
    for (let q = frontierStart; q < frontierEnd; q++) {
      const i = site[q];
      const a = image[3 * q];
      const b = image[3 * q + 1];
      const c = image[3 * q + 2];
      for (let e = g.offsets[i]; e < g.offsets[i + 1]; e++) {
        if (g.padded && g.padded[e]) continue;
        const j = g.neighbor[e];
        const ja = a + g.image[3 * e];
        const jb = b + g.image[3 * e + 1];
        const jc = c + g.image[3 * e + 2];
        const k = key(j, ja, jb, jc);
        if (seen.has(k)) continue;
        seen.add(k);
        push(j, ja, jb, jc, t);
        countPerHop[t]++;
        if (siteFirstHop[j] < 0) siteFirstHop[j] = t;
        if (count > maxNodes) throw new Error(`receptive field: more than ${maxNodes} nodes; reduce the number of layers`);
      }
    }
    frontierStart = frontierEnd;
  }
  let all: number | null = 0;
  for (let j = 0; j < n; j++) {
    if (siteFirstHop[j] < 0) {
      all = null;
      break;
    }
    all = Math.max(all, siteFirstHop[j]);
  }
  return {
    atom,
    layers,
    site: site.slice(0, count),
    image: image.slice(0, 3 * count),
    hop: hop.slice(0, count),
    countPerHop,
    siteFirstHop,
    allSitesReachedAt: all,
  };
}
