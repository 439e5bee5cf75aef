/**
 * The radial distribution function g(r) of a structure, or its mean over frames of a trajectory:
 * how the density of atoms around an atom varies with distance (peaks at the neighbour shells of a
 * crystal, broadening as it heats, a liquid's damped oscillation about 1).
 *
 * Definition and normalisation are ASE's `get_rdf` (ase.ga.utilities, behind
 * ase.geometry.analysis.Analysis): bins of width dr = rmax / bins, a pair at distance r counted in
 * bin k = ⌈r / dr⌉ (bin k covers ((k − 1)·dr, k·dr], centre r_k = (k − ½)·dr), and
 *
 *   g_k = n_k / (4π·dr·(r_k² + dr²/12) · ρ · N),   ρ = N / V,
 *
 * n_k the ordered pairs (i, j ≠ i) in bin k; 4π·dr·(r_k² + dr²/12) is the shell's volume exactly.
 * Where the two differ: ASE takes minimum-image distances and so needs a cell whose three heights
 * exceed 2·rmax; here every periodic image within rmax counts (src-shared/graph/neighbors.ts), so a
 * small cell has an RDF too, and where ASE's condition holds the numbers are the same
 * (test/shared/sim/rdf.test.ts against Debian's python3-ase). A partial g_AB (atoms i of element A,
 * neighbours j of element B) is the textbook one, n_k / (shell · ρ_B · N_A), which tends to 1 at large
 * r; ASE's partial divides by the number of all atoms instead of ρ_B·V (it tends to N_B / N). The
 * volume is the cell's, also along directions that are not periodic (as ASE's); a molecule, with no
 * cell, has no density and no RDF.
 */
import type { Mat3 } from '../chem/structure';
import { elementSymbol } from '../chem/elements';
import { cellVolume } from '../chem/lattice';
import { neighborList } from '../graph/neighbors';

/** One frame's atoms, positions and cell (a `Structure` is one). */
export interface FrameGeometry {
  numbers: ArrayLike<number>;
  cart: Float64Array;
  lattice: Mat3 | null;
  pbc: readonly [boolean, boolean, boolean];
}

export interface RdfOptions {
  /** Largest distance, Å. */
  rmax: number;
  bins: number;
  /** A partial RDF: centre atoms of the first element, neighbours of the second (atomic numbers). */
  pair?: readonly [number, number] | null;
  /** The number of the first frame in its file, for messages (default 0). */
  firstFrame?: number;
}

export interface RadialDistribution {
  /** Bin centres, Å. */
  r: number[];
  /** g(r) per bin, the mean over the frames. */
  g: number[];
  rmax: number;
  bins: number;
  /** "Cu-Pt" for a partial RDF (centre element first), else null. */
  pair: string | null;
  frames: number;
}

/** Defaults: 6 Å in 0.05 Å bins, far enough for the third neighbour shell of most metals. */
export const RDF_DEFAULTS = { rmax: 6, bins: 120 } as const;

/** The RDF of one frame, or the mean of several (each with its own volume); throws a sentence naming the problem. */
export function radialDistribution(frames: readonly FrameGeometry[], options: RdfOptions): RadialDistribution {
  const { rmax, bins } = options;
  if (!(rmax > 0) || !Number.isFinite(rmax)) throw new Error(`the RDF's largest distance must be a positive number of Å, got ${rmax}`);
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`the RDF needs a whole number of bins, at least 1, got ${bins}`);
  if (frames.length === 0) throw new Error('the RDF needs at least one frame');
  const dr = rmax / bins;
  const r = Array.from({ length: bins }, (_, k) => (k + 0.5) * dr);
  const shell = r.map((rk) => 4 * Math.PI * dr * (rk * rk + (dr * dr) / 12));
  const pair = options.pair ?? null;
  const g = new Array<number>(bins).fill(0);
  frames.forEach((f, index) => {
    const number = (options.firstFrame ?? 0) + index;
    const at = frames.length > 1 || number > 0 ? ` (frame ${number})` : '';
    if (!f.lattice) throw new Error(`an RDF needs a cell: the structure${at} is a molecule, so it has no density`);
    const volume = cellVolume(f.lattice);
    if (!(volume > 0)) throw new Error(`an RDF needs a cell with a volume: the cell${at} is flat`);
    const n = f.numbers.length;
    let centres = n;
    let neighbours = n;
    if (pair) {
      centres = count(f.numbers, pair[0]);
      neighbours = count(f.numbers, pair[1]);
      if (centres === 0 || neighbours === 0) {
        const missing = centres === 0 ? pair[0] : pair[1];
        throw new Error(`the partial RDF ${pairName(pair)} needs ${elementSymbol(missing)} atoms: the structure${at} has none`);
      }
    }
    const counts = new Float64Array(bins + 1);
    const nl = neighborList({ cart: f.cart, lattice: f.lattice, pbc: f.pbc }, { cutoff: rmax });
    for (let e = 0; e < nl.nEdges; e++) {
      if (pair && (f.numbers[nl.center[e]] !== pair[0] || f.numbers[nl.neighbor[e]] !== pair[1])) continue;
      const k = Math.ceil(nl.distance[e] / dr);
      if (k >= 1 && k <= bins) counts[k]++;
    }
    const density = neighbours / volume;
    for (let k = 0; k < bins; k++) g[k] += counts[k + 1] / (shell[k] * density * centres) / frames.length;
  });
  return { r, g, rmax, bins, pair: pair ? pairName(pair) : null, frames: frames.length };
}

function pairName(pair: readonly [number, number]): string {
  return `${elementSymbol(pair[0])}-${elementSymbol(pair[1])}`;
}

function count(numbers: ArrayLike<number>, z: number): number {
  let c = 0;
  for (let i = 0; i < numbers.length; i++) if (numbers[i] === z) c++;
  return c;
}
