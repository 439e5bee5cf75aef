/**
 * Structures built from a crystal for a simulation: a supercell (ASE's `Atoms.repeat`, atoms in its
 * order), and the two ends of a vacancy hop (a site removed; one of the atoms left moved into it), the
 * start and end state of the band that gives a vacancy's migration barrier.
 *
 * What was computed on the crystal (its energy, stress and forces) is not carried over: it belongs to
 * another structure. What describes its sites (labels, movement flags, magnetic moments) goes with them.
 */
import { cartToFrac, minimumImage } from './lattice';
import { siteCount, type Mat3, type SiteProperty, type Structure } from './structure';

/** Per-site arrays that are results on the structure they came with, not a description of its sites. */
const COMPUTED_SITE_PROPERTIES = new Set(['forces']);

/** At most this many atoms in a supercell built here. */
export const MAX_SUPERCELL_ATOMS = 100_000;

/** A repeat asked for that would pass MAX_SUPERCELL_ATOMS: the request is refused, not the structure (the command line's bad usage). */
export class SupercellLimitError extends Error {
  override name = 'SupercellLimitError';
}

/** The sites `keep` of `s`'s site properties, results left out. */
function pickSiteProperties(s: Structure, keep: readonly number[]): Record<string, SiteProperty> {
  const out: Record<string, SiteProperty> = {};
  for (const [name, p] of Object.entries(s.siteProperties)) {
    if (COMPUTED_SITE_PROPERTIES.has(name)) continue;
    if (p.kind === 'string') out[name] = { kind: 'string', values: keep.map((i) => p.values[i]) };
    else {
      const width = p.kind === 'vector' ? p.width : 1;
      const values = new Float64Array(keep.length * width);
      keep.forEach((i, k) => values.set(p.values.subarray(i * width, (i + 1) * width), k * width));
      out[name] = p.kind === 'vector' ? { kind: 'vector', width, values } : { kind: 'number', values };
    }
  }
  return out;
}

/** The structure of `s`'s sites `keep` (in that order) at Cartesian positions `cart` in `lattice`, named `name`. */
function built(s: Structure, name: string, lattice: Mat3 | null, keep: readonly number[], cart: Float64Array): Structure {
  return {
    name,
    lattice,
    pbc: [...s.pbc],
    numbers: Int32Array.from(keep, (i) => s.numbers[i]),
    species: keep.map((i) => s.species[i]),
    cart,
    frac: lattice ? cartToFrac(cart, lattice) : null,
    occupancy: Float64Array.from(keep, (i) => s.occupancy[i]),
    siteProperties: pickSiteProperties(s, keep),
    properties: {},
  };
}

/**
 * The n₁×n₂×n₃ supercell of a crystal: lattice vectors n₁a, n₂b, n₃c, and the atoms in ASE's
 * `Atoms.repeat` order (a copy of all of them per cell, the cells' offsets counted along c fastest).
 */
export function supercell(s: Structure, repeat: readonly [number, number, number]): Structure {
  if (!s.lattice) throw new Error('a structure without a cell has no supercell');
  if (!repeat.every((n) => Number.isInteger(n) && n >= 1)) throw new Error(`a supercell repeats the cell a whole number of times from 1 along each vector, got ${repeat.join('×')}`);
  const missing = repeat.findIndex((n, k) => n > 1 && !s.pbc[k]);
  if (missing >= 0) throw new Error(`the structure is not periodic along ${'abc'[missing]}: it repeats only along its periodic vectors`);
  const n = siteCount(s);
  const cells = repeat[0] * repeat[1] * repeat[2];
  if (n * cells > MAX_SUPERCELL_ATOMS) throw new SupercellLimitError(`a ${repeat.join('×')} supercell of ${n.toLocaleString('en')} atoms holds ${(n * cells).toLocaleString('en')}, more than the limit of ${MAX_SUPERCELL_ATOMS.toLocaleString('en')}`);
  const L = s.lattice;
  const cart = new Float64Array(3 * n * cells);
  let block = 0;
  for (let m0 = 0; m0 < repeat[0]; m0++)
    for (let m1 = 0; m1 < repeat[1]; m1++)
      for (let m2 = 0; m2 < repeat[2]; m2++) {
        for (let c = 0; c < 3; c++) {
          const shift = m0 * L[0][c] + m1 * L[1][c] + m2 * L[2][c];
          for (let i = 0; i < n; i++) cart[3 * (block * n + i) + c] = s.cart[3 * i + c] + shift;
        }
        block++;
      }
  const lattice = L.map((row, k) => row.map((x) => x * repeat[k])) as Mat3;
  const keep = Array.from({ length: n * cells }, (_, k) => k % n);
  return built(s, `${s.name} (${repeat.join('×')} supercell)`, lattice, keep, cart);
}

/** The site of the same element nearest to site `i` (minimum image), the first of equals; null when there is none. */
export function nearestLikeSite(s: Structure, i: number): number | null {
  let best: number | null = null;
  let bestDistance = Infinity;
  for (let j = 0; j < siteCount(s); j++) {
    if (j === i || s.numbers[j] !== s.numbers[i]) continue;
    const d = minimumImage(Float64Array.from([0, 1, 2], (c) => s.cart[3 * j + c] - s.cart[3 * i + c]), s.lattice, s.pbc);
    const r = Math.hypot(d[0], d[1], d[2]);
    if (r < bestDistance - 1e-9) [best, bestDistance] = [j, r];
  }
  return best;
}

/**
 * The two ends of a vacancy hop in `s`: the start, `s` without site `vacancy`; the end, the same atoms
 * in the same order with atom `hopper` (a site of `s`, 0-based) where the vacancy's site was. A band
 * between them (neb.ts) gives the barrier of the hop; the hop takes the shortest way (minimum image).
 */
export function vacancyHop(s: Structure, vacancy: number, hopper: number): { start: Structure; end: Structure; distance: number } {
  const n = siteCount(s);
  for (const [what, i] of [['vacancy', vacancy], ['hopping atom', hopper]] as const) {
    if (!(Number.isInteger(i) && i >= 0 && i < n)) throw new Error(`the ${what} is site ${i}, but the structure has sites 0 to ${n - 1}`);
  }
  if (vacancy === hopper) throw new Error('the hopping atom is the one removed: choose another site to hop into the vacancy');
  if (n < 3) throw new Error(`a vacancy hop needs at least 3 sites (one removed, one hopping, one staying), the structure has ${n}`);
  const keep = Array.from({ length: n }, (_, i) => i).filter((i) => i !== vacancy);
  const cart = Float64Array.from(keep.flatMap((i) => [s.cart[3 * i], s.cart[3 * i + 1], s.cart[3 * i + 2]]));
  const moved = Float64Array.from(cart);
  const at = keep.indexOf(hopper);
  moved.set(s.cart.subarray(3 * vacancy, 3 * vacancy + 3), 3 * at);
  const apart = minimumImage(Float64Array.from([0, 1, 2], (c) => s.cart[3 * hopper + c] - s.cart[3 * vacancy + c]), s.lattice, s.pbc);
  const distance = Math.hypot(apart[0], apart[1], apart[2]);
  const name = (what: string) => `${s.name}, ${what}`;
  return {
    start: built(s, name(`vacancy at site ${vacancy}`), s.lattice, keep, cart),
    end: built(s, name(`site ${hopper} hopped into the vacancy at site ${vacancy}`), s.lattice, keep, moved),
    distance,
  };
}
