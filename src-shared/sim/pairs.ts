/**
 * A half list of atom pairs within a cutoff, kept across the steps of a simulation (a Verlet list).
 *
 * Built from the shared cell-list neighbour search (`graph/neighbors.ts`) with the cutoff enlarged
 * by a skin; each unordered pair {i, j + n·lattice} appears once (i < j, or i = j with the image n
 * lexicographically positive: an atom's own periodic images). On every `update` the pair vectors
 * are recomputed from the current positions and lattice; the list itself is rebuilt only when the
 * motion since the last build could have brought an unlisted pair within the cutoff. With the cell
 * strained by E (lattice L = L₀(I + E)) and each atom displaced by u_i beyond that strain
 * (r_i = r₀_i (I + E) + u_i), a pair first at distance ≥ r_c + skin is still at
 * ≥ (r_c + skin)(1 − ‖E‖) − 2 max|u|, so the list holds while 2 max|u| + (r_c + skin)‖E‖ ≤ skin
 * (‖E‖ the Frobenius norm, which bounds the spectral one). Every pair closer than `cutoff` is
 * therefore always in the list; pairs between `cutoff` and `cutoff + skin` may be too, and
 * calculators skip them. A change of the number of atoms or of the periodicity rebuilds it.
 *
 * Pair p: atoms `first[p]`, `second[p]`; vector[3p..] = cart[second] + n·lattice − cart[first] (Å),
 * distance[p] = |vector| — ASE's convention for a neighbour's image.
 */
import { cellVolume, inverse3 } from '../chem/lattice';
import { neighborList } from '../graph/neighbors';
import type { AtomicConfiguration } from './atoms';

export class PairList {
  nPairs = 0;
  first = new Int32Array(0);
  second = new Int32Array(0);
  vector = new Float64Array(0);
  distance = new Float64Array(0);
  /** How many times the list was rebuilt (for tests and reports). */
  builds = 0;
  /** Pairs at distance 0 as of the last `update` (counted as it computes the distances, so that `samePosition` costs nothing when there are none). */
  private coincident = 0;

  /** Lattice images n of each pair, and n·lattice for the lattice in `shiftLattice`. */
  private image = new Int32Array(0);
  private shift = new Float64Array(0);
  private shiftLattice: number[] | null = null;
  /** Positions and lattice at the last build, and the inverse of that lattice. */
  private refCart = new Float64Array(0);
  private refLattice: number[] | null = null;
  private refInverse: Float64Array | null = null;
  private refPbc = [false, false, false];

  /**
   * @param cutoff pairs closer than this are guaranteed to be listed (Å)
   * @param skin extra distance searched so that the list survives small moves (Å; 0 rebuilds on any move)
   */
  constructor(
    readonly cutoff: number,
    readonly skin: number,
  ) {
    if (!(cutoff > 0) || !Number.isFinite(cutoff)) throw new Error(`pair list: the cutoff must be a positive number of Å, got ${cutoff}`);
    if (!(skin >= 0) || !Number.isFinite(skin)) throw new Error(`pair list: the skin must be a non-negative number of Å, got ${skin}`);
  }

  /**
   * The first listed pair at distance 0 — two atoms at the same position — as [first, second] (first <
   * second), or null; `counts` passes over the pairs it returns false for (default: every pair counts).
   * Current as of the last `update`.
   */
  samePosition(counts?: (i: number, j: number) => boolean): [number, number] | null {
    if (this.coincident === 0) return null;
    const { first, second, distance } = this;
    for (let p = 0; p < this.nPairs; p++) if (distance[p] === 0 && (!counts || counts(first[p], second[p]))) return [first[p], second[p]];
    return null;
  }

  /** Brings the list up to date with `atoms` (rebuilding when needed) and recomputes vectors and distances. */
  update(atoms: AtomicConfiguration): void {
    const lattice = atoms.lattice ? [...atoms.lattice[0], ...atoms.lattice[1], ...atoms.lattice[2]] : null;
    if (this.needsBuild(atoms, lattice)) this.build(atoms, lattice);
    else if (lattice && !sameValues(lattice, this.shiftLattice)) this.computeShifts(lattice);
    const { first, second, shift, vector, distance } = this;
    const cart = atoms.cart;
    let coincident = 0;
    for (let p = 0; p < this.nPairs; p++) {
      const i3 = 3 * first[p];
      const j3 = 3 * second[p];
      const p3 = 3 * p;
      const x = cart[j3] - cart[i3] + shift[p3];
      const y = cart[j3 + 1] - cart[i3 + 1] + shift[p3 + 1];
      const z = cart[j3 + 2] - cart[i3 + 2] + shift[p3 + 2];
      vector[p3] = x;
      vector[p3 + 1] = y;
      vector[p3 + 2] = z;
      const r = Math.sqrt(x * x + y * y + z * z);
      distance[p] = r;
      if (r === 0) coincident++;
    }
    this.coincident = coincident;
  }

  private needsBuild(atoms: AtomicConfiguration, lattice: number[] | null): boolean {
    const cart = atoms.cart;
    if (this.builds === 0 || cart.length !== this.refCart.length) return true;
    for (let k = 0; k < 3; k++) if (!!atoms.pbc[k] !== this.refPbc[k]) return true;
    const ref = this.refLattice;
    if ((lattice === null) !== (ref === null)) return true;
    // strain since the build: I + E = L₀⁻¹ L (rows are lattice vectors)
    const e = new Float64Array(9);
    let strain = 0;
    if (lattice && ref && !sameValues(lattice, ref)) {
      const inv = this.refInverse;
      if (!inv) return true;
      for (let a = 0; a < 3; a++) {
        for (let b = 0; b < 3; b++) {
          e[3 * a + b] = inv[3 * a] * lattice[b] + inv[3 * a + 1] * lattice[3 + b] + inv[3 * a + 2] * lattice[6 + b] - (a === b ? 1 : 0);
          strain += e[3 * a + b] ** 2;
        }
      }
      strain = Math.sqrt(strain);
    }
    const budget = this.skin - (this.cutoff + this.skin) * strain;
    if (this.skin === 0 || budget <= 0) {
      if (strain > 0) return true;
      for (let i = 0; i < cart.length; i++) if (cart[i] !== this.refCart[i]) return true;
      return false;
    }
    const limit = (budget / 2) ** 2;
    const r0 = this.refCart;
    for (let i = 0; i < cart.length; i += 3) {
      const x = r0[i];
      const y = r0[i + 1];
      const z = r0[i + 2];
      // u = r − r₀(I + E)
      const ux = cart[i] - x - (x * e[0] + y * e[3] + z * e[6]);
      const uy = cart[i + 1] - y - (x * e[1] + y * e[4] + z * e[7]);
      const uz = cart[i + 2] - z - (x * e[2] + y * e[5] + z * e[8]);
      if (ux * ux + uy * uy + uz * uz > limit) return true;
    }
    return false;
  }

  private build(atoms: AtomicConfiguration, lattice: number[] | null): void {
    const nl = neighborList({ cart: atoms.cart, lattice: atoms.lattice, pbc: [...atoms.pbc] }, { cutoff: this.cutoff + this.skin });
    const { center, neighbor, image, nEdges } = nl;
    let count = 0;
    for (let e = 0; e < nEdges; e++) if (keepEdge(center[e], neighbor[e], image, e)) count++;
    if (this.first.length < count) {
      const cap = Math.ceil(count * 1.2) + 16;
      this.first = new Int32Array(cap);
      this.second = new Int32Array(cap);
      this.image = new Int32Array(3 * cap);
      this.shift = new Float64Array(3 * cap);
      this.vector = new Float64Array(3 * cap);
      this.distance = new Float64Array(cap);
    }
    let p = 0;
    for (let e = 0; e < nEdges; e++) {
      if (!keepEdge(center[e], neighbor[e], image, e)) continue;
      this.first[p] = center[e];
      this.second[p] = neighbor[e];
      this.image.set(image.subarray(3 * e, 3 * e + 3), 3 * p);
      p++;
    }
    this.nPairs = count;
    this.refCart = Float64Array.from(atoms.cart);
    this.refLattice = lattice;
    this.refInverse = lattice ? inverse3(lattice) : null;
    this.refPbc = [!!atoms.pbc[0], !!atoms.pbc[1], !!atoms.pbc[2]];
    if (lattice) this.computeShifts(lattice);
    else this.shift.fill(0);
    this.builds++;
  }

  private computeShifts(l: number[]): void {
    const { image, shift } = this;
    for (let p = 0; p < this.nPairs; p++) {
      const n0 = image[3 * p];
      const n1 = image[3 * p + 1];
      const n2 = image[3 * p + 2];
      for (let k = 0; k < 3; k++) shift[3 * p + k] = n0 * l[k] + n1 * l[3 + k] + n2 * l[6 + k];
    }
    this.shiftLattice = l;
  }
}

/** The sentence for two atoms at the same position (0-based): what a calculator refuses and `structure info` warns of. */
export function samePositionText([i, j]: readonly [number, number]): string {
  return `atoms ${i} and ${j} are at the same position`;
}

/**
 * The first two atoms at the same position (a periodic image's included), or null: the calculators'
 * check (`PairList.samePosition`) on a structure of its own; `counts` as there.
 */
export function atomsAtSamePosition(atoms: AtomicConfiguration, counts?: (i: number, j: number) => boolean): [number, number] | null {
  // any cutoff above 0 lists the pairs at 0
  const list = new PairList(1e-3, 0);
  list.update(atoms);
  return list.samePosition(counts);
}

/**
 * Adds the central force of pair p to its two atoms and its virial: f = (dE/dr)/r, so that
 * F_first = f·vector[p] and F_second = −f·vector[p] (−∂E/∂r, the vector pointing from first to
 * second); `virial` (Voigt xx, yy, zz, yz, xz, xy) gains f·v⊗v.
 */
export function addPairForce(list: PairList, p: number, f: number, forces: Float64Array, virial: Float64Array): void {
  const i = list.first[p];
  const j = list.second[p];
  const v = list.vector;
  const dx = v[3 * p];
  const dy = v[3 * p + 1];
  const dz = v[3 * p + 2];
  forces[3 * i] += f * dx;
  forces[3 * i + 1] += f * dy;
  forces[3 * i + 2] += f * dz;
  forces[3 * j] -= f * dx;
  forces[3 * j + 1] -= f * dy;
  forces[3 * j + 2] -= f * dz;
  virial[0] += f * dx * dx;
  virial[1] += f * dy * dy;
  virial[2] += f * dz * dz;
  virial[3] += f * dy * dz;
  virial[4] += f * dx * dz;
  virial[5] += f * dx * dy;
}

/** The stress (eV/Å³, Voigt) of a virial summed by `addPairForce`: virial / V when asked for and the cell is periodic in all three directions, else null. */
export function virialStress(atoms: AtomicConfiguration, virial: Float64Array, wanted: boolean): Float64Array | null {
  if (!wanted || !atoms.lattice || !atoms.pbc[0] || !atoms.pbc[1] || !atoms.pbc[2]) return null;
  const V = cellVolume(atoms.lattice);
  return virial.map((x) => x / V);
}

function sameValues(a: number[], b: number[] | null): boolean {
  if (!b) return false;
  for (let k = 0; k < 9; k++) if (a[k] !== b[k]) return false;
  return true;
}


/** One of the two directed edges of each pair: i < j, or an atom's own image with n > 0 lexicographically. */
function keepEdge(i: number, j: number, image: Int32Array, e: number): boolean {
  if (i !== j) return i < j;
  const n0 = image[3 * e];
  if (n0 !== 0) return n0 > 0;
  const n1 = image[3 * e + 1];
  if (n1 !== 0) return n1 > 0;
  return image[3 * e + 2] > 0;
}
