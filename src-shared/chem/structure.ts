/**
 * The in-memory model of an atomic structure: a periodic crystal or a molecule.
 *
 * Struct-of-arrays: site i has atomic number `numbers[i]`, Cartesian position
 * `cart[3i..3i+2]` (Å) and, when a lattice exists, fractional position
 * `frac[3i..3i+2]`. The lattice is stored as rows: `lattice[0]` is the vector a,
 * `lattice[1]` is b, `lattice[2]` is c, all in Å, so that cart = frac · lattice.
 */
export type Vec3 = [number, number, number];
export type Mat3 = [Vec3, Vec3, Vec3];

/** Per-site data kept alongside the positions (charges, magnetic moments, forces, labels, ...). */
export type SiteProperty =
  | { kind: 'number'; values: Float64Array }
  | { kind: 'vector'; width: number; values: Float64Array }
  | { kind: 'string'; values: string[] };

export interface Structure {
  /** Data block name (CIF), comment line (POSCAR) or frame label (XYZ). */
  name: string;
  /** Lattice vectors as rows (Å); null for a molecule without a cell. */
  lattice: Mat3 | null;
  /** Periodicity along a, b, c. All false for molecules. */
  pbc: [boolean, boolean, boolean];
  /** Atomic number per site (0 for a dummy/unknown species). */
  numbers: Int32Array;
  /** Element symbol per site, as written in the source when it named one. */
  species: string[];
  /** Cartesian coordinates, Å, length 3 × nSites. */
  cart: Float64Array;
  /** Fractional coordinates, length 3 × nSites; null when there is no lattice. */
  frac: Float64Array | null;
  /**
   * Site occupancy (1 for an ordered site). Partially occupied sites are kept as
   * several sites sharing a position, each with its own occupancy.
   */
  occupancy: Float64Array;
  /** Named per-site arrays (e.g. `forces` width 3, `charge`, `magmom`, `label`). */
  siteProperties: Record<string, SiteProperty>;
  /** Per-structure properties (energy, stress, free-form key = value info). */
  properties: Record<string, unknown>;
}

export function siteCount(s: Structure): number {
  return s.numbers.length;
}

/** Site properties as structures and their JSON form hold them. */
export type WithSiteProperties = { siteProperties: Record<string, { kind: string; width?: number; values: ArrayLike<number> | readonly string[] }> };

/**
 * The atoms' own movement flags, 3 per atom (`values`: 1 free along that axis, 0 fixed), and the axes
 * they refer to (`frame`); null without any. VASP's selective dynamics (`selectiveDynamics`: a
 * POSCAR's, vasprun.xml's, an ASE database's FixAtoms and FixScaled) along the lattice vectors
 * (fractional coordinates, as VASP and ASE's `FixScaled` take them), else an extended XYZ's
 * `move_mask` (1 per atom, or 3, as ASE writes FixAtoms and FixCartesian) along x, y and z.
 */
export function movementFlags(s: WithSiteProperties): { values: ArrayLike<number>; frame: 'lattice' | 'cartesian' } | null {
  const sd = s.siteProperties.selectiveDynamics;
  if (sd?.kind === 'vector' && sd.width === 3) return { values: sd.values as ArrayLike<number>, frame: 'lattice' };
  const move = s.siteProperties.move_mask;
  if (move?.kind === 'vector' && move.width === 3) return { values: move.values as ArrayLike<number>, frame: 'cartesian' };
  if (move?.kind === 'number') return { values: Array.from(move.values as ArrayLike<number>).flatMap((v) => [v, v, v]), frame: 'cartesian' };
  return null;
}

/**
 * True when each lattice vector lies along its Cartesian axis (a diagonal lattice, as a slab's or an
 * orthorhombic cell's often is): flags along the lattice vectors and along x, y and z then hold the
 * same, so a writer can give either kind as the other.
 */
export function axesAligned(lattice: Mat3 | null): boolean {
  if (!lattice) return false;
  for (let k = 0; k < 3; k++) for (let m = 0; m < 3; m++) if (k !== m && lattice[k][m] !== 0) return false;
  return true;
}

/**
 * What movement flags (3 per atom, 0 = held along that axis) hold: the atoms held along all three
 * axes, and the atoms held along some only, with those axes (0-based atoms).
 */
export function heldByFlags(flags: ArrayLike<number>): { fixed: number[]; partial: { atom: number; held: [boolean, boolean, boolean] }[] } {
  const fixed: number[] = [];
  const partial: { atom: number; held: [boolean, boolean, boolean] }[] = [];
  for (let atom = 0; 3 * atom + 2 < flags.length; atom++) {
    const held: [boolean, boolean, boolean] = [!flags[3 * atom], !flags[3 * atom + 1], !flags[3 * atom + 2]];
    const count = held.filter((h) => h).length;
    if (count === 3) fixed.push(atom);
    else if (count > 0) partial.push({ atom, held });
  }
  return { fixed, partial };
}
