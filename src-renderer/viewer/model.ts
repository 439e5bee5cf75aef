/**
 * From a structure (JSON-able data from the core) to what the scene draws, as pure
 * functions: prepare once per structure, expand per supercell/boundary setting,
 * bond per tolerance, scale per radius slider. Each step is cheap to redo alone.
 */
import { movementFlags, type Mat3, type WithSiteProperties } from '../../src-shared/chem/structure';
import { invert } from '../../src-shared/chem/lattice';
import { atomColors, atomRadii, DEFAULT_COLOR_SCHEME, elementSymbol } from './elementStyle';
import type { ColorScheme } from './elementStyle';
import { computeBonds, displayPositions, expandImages, halfBonds, wrapFrac } from './periodic';
import type { Bonds, DisplayAtoms, HalfBonds, Repeats } from './periodic';
import type { AtomData, StickData } from './CrystalScene';

/** The fields of a structure the viewer needs. */
export interface ViewerStructure {
  lattice: Mat3 | null;
  pbc: readonly boolean[];
  numbers: ArrayLike<number>;
  species?: readonly string[];
  cart: ArrayLike<number>;
  frac: ArrayLike<number> | null;
  /** Site properties; the viewer reads the movement flags (selective dynamics, move_mask) from them. */
  siteProperties?: WithSiteProperties['siteProperties'];
}

export interface PreparedStructure {
  lattice: Mat3 | null;
  pbc: [boolean, boolean, boolean];
  /** True when there is a lattice and at least one periodic axis. */
  periodic: boolean;
  numbers: Int32Array;
  symbols: string[];
  /** Wrapped into [0, 1) on periodic axes; null without lattice. */
  frac: Float64Array | null;
  /** Consistent with `frac` (positions of the wrapped sites). */
  cart: Float64Array;
  /** Per site: sRGB colour (3 each) and covalent radius. */
  colors: Float32Array;
  radii: Float32Array;
  /** Movement flags, 3 per site (1 free along that axis, 0 held: chem movementFlags); null without any. */
  movement: ArrayLike<number> | null;
}

export function prepareStructure(s: ViewerStructure, scheme: ColorScheme = DEFAULT_COLOR_SCHEME): PreparedStructure {
  const n = s.numbers.length;
  const numbers = Int32Array.from(s.numbers);
  const pbc: [boolean, boolean, boolean] = [!!s.pbc[0], !!s.pbc[1], !!s.pbc[2]];
  const symbols = Array.from({ length: n }, (_, i) => s.species?.[i] || elementSymbol(numbers[i]));
  let frac: Float64Array | null = null;
  let cart = Float64Array.from(s.cart);
  const lattice = s.lattice;
  if (lattice) {
    let raw: ArrayLike<number> | null = s.frac;
    if (!raw) {
      const inv = invert(lattice);
      if (inv) {
        const f = new Float64Array(3 * n);
        for (let i = 0; i < n; i++)
          for (let k = 0; k < 3; k++)
            f[3 * i + k] = cart[3 * i] * inv[0][k] + cart[3 * i + 1] * inv[1][k] + cart[3 * i + 2] * inv[2][k];
        raw = f;
      }
    }
    if (raw) {
      frac = wrapFrac(raw, pbc);
      cart = new Float64Array(3 * n);
      for (let i = 0; i < n; i++)
        for (let d = 0; d < 3; d++)
          cart[3 * i + d] = frac[3 * i] * lattice[0][d] + frac[3 * i + 1] * lattice[1][d] + frac[3 * i + 2] * lattice[2][d];
    }
  }
  return {
    lattice: frac ? lattice : null,
    pbc: frac ? pbc : [false, false, false],
    periodic: !!frac && (pbc[0] || pbc[1] || pbc[2]),
    numbers,
    symbols,
    frac,
    cart,
    colors: atomColors(numbers, scheme),
    radii: atomRadii(numbers),
    movement: s.siteProperties ? (movementFlags({ siteProperties: s.siteProperties })?.values ?? null) : null,
  };
}

export interface DisplayModel {
  atoms: DisplayAtoms;
  positions: Float32Array;
  /** Per display atom: sRGB colour and covalent radius (unscaled). */
  colors: Float32Array;
  radii: Float32Array;
}

export function buildDisplay(p: PreparedStructure, repeats: Repeats, boundary: boolean): DisplayModel {
  const n = p.numbers.length;
  const atoms: DisplayAtoms = p.frac
    ? expandImages(p.frac, p.pbc, repeats, boundary)
    : { site: Int32Array.from({ length: n }, (_, i) => i), cell: new Int32Array(3 * n) };
  const positions = displayPositions(atoms, p.frac, p.cart, p.lattice);
  const m = atoms.site.length;
  const colors = new Float32Array(3 * m);
  const radii = new Float32Array(m);
  for (let a = 0; a < m; a++) {
    const i = atoms.site[a];
    colors[3 * a] = p.colors[3 * i];
    colors[3 * a + 1] = p.colors[3 * i + 1];
    colors[3 * a + 2] = p.colors[3 * i + 2];
    radii[a] = p.radii[i];
  }
  return { atoms, positions, colors, radii };
}

/** Whether a pair of elements is drawn bonded, and up to which length (null: tolerance × the sum of covalent radii). */
export interface BondRule {
  on: boolean;
  max: number | null;
}

/** Non-metals (and the metalloids that bond covalently: B, Si, As, Te) for the bond rules. */
export const NONMETALS = new Set([1, 2, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 33, 34, 35, 36, 52, 53, 54, 85, 86]);
/** Alkali and alkaline-earth metals: ionic cations whose contacts are not drawn as bonds beside other cations. */
const GROUPS_1_2 = new Set([3, 4, 11, 12, 19, 20, 37, 38, 55, 56, 87, 88]);

/** The key of an element pair, lighter element first (`Cl-K` → `K-Cl` by atomic number). */
export function pairKey(zi: number, zj: number): string {
  const [a, b] = zi <= zj ? [zi, zj] : [zj, zi];
  return `${elementSymbol(a)}-${elementSymbol(b)}`;
}

/**
 * The default bond rules for the element pairs of a structure, as VESTA's bond search behaves
 * for metals, covalent and ionic solids (lengths: tolerance × the sum of covalent radii):
 * - metal–metal pairs are bonds only in a structure without non-metals (metals, intermetallics),
 *   so K–K in KCl or Ba–Ti in BaTiO3 are not;
 * - an alkali or alkaline-earth cation is bonded to its anions only when it is the structure's only
 *   kind of cation (Na–Cl in NaCl, Mg–O in MgO), not beside a more covalent one (Ba–O in BaTiO3,
 *   Ca–O in calcite: the TiO6 octahedra and CO3 groups are what is drawn);
 * - every other pair (covalent, transition-metal–anion) is a bond.
 */
export function defaultBondRules(numbers: ArrayLike<number>): Record<string, BondRule> {
  const zs = [...new Set(Array.from(numbers))].sort((a, b) => a - b);
  const hasNonmetal = zs.some((z) => NONMETALS.has(z));
  const metals = zs.filter((z) => !NONMETALS.has(z));
  const onlyIonicCations = metals.every((z) => GROUPS_1_2.has(z));
  const rules: Record<string, BondRule> = {};
  for (const a of zs)
    for (const b of zs) {
      if (b < a) continue;
      const metalA = !NONMETALS.has(a);
      const metalB = !NONMETALS.has(b);
      let on = true;
      if (metalA && metalB) on = !hasNonmetal;
      else if ((GROUPS_1_2.has(a) || GROUPS_1_2.has(b)) && (metalA || metalB)) on = onlyIonicCations;
      rules[pairKey(a, b)] = { on, max: null };
    }
  return rules;
}

/** Bonds by the rules (defaults for pairs the rules do not name). */
export function bondsOf(p: PreparedStructure, tolerance: number, rules?: Readonly<Record<string, BondRule>>): Bonds {
  const all = { ...defaultBondRules(p.numbers), ...(rules ?? {}) };
  const byPair = new Map<number, BondRule>();
  const code = (a: number, b: number) => (a <= b ? a * 1024 + b : b * 1024 + a);
  let maxLimit = 0;
  const zs = [...new Set(Array.from(p.numbers))];
  let rMax = 0;
  for (let i = 0; i < p.radii.length; i++) rMax = Math.max(rMax, p.radii[i]);
  for (const a of zs)
    for (const b of zs) {
      const rule = all[pairKey(a, b)];
      if (!rule) continue;
      byPair.set(code(a, b), rule);
      if (rule.on) maxLimit = Math.max(maxLimit, rule.max ?? 2 * rMax * tolerance);
    }
  const limit = (i: number, j: number) => {
    const rule = byPair.get(code(p.numbers[i], p.numbers[j]));
    if (!rule || !rule.on) return 0;
    return rule.max ?? tolerance * (p.radii[i] + p.radii[j]);
  };
  return computeBonds(p.cart, p.lattice, p.pbc, p.radii, tolerance, limit, maxLimit);
}

export function scaled(radii: Float32Array, scale: number): Float32Array {
  const out = new Float32Array(radii.length);
  for (let i = 0; i < radii.length; i++) out[i] = radii[i] * scale;
  return out;
}

export function atomData(d: DisplayModel, radiusScale: number): AtomData {
  return { positions: d.positions, colors: d.colors, radii: scaled(d.radii, radiusScale) };
}

export const BOND_RADIUS = 0.13;

/** Half-bond sticks, each coloured like the atom it starts from. */
export function stickData(d: DisplayModel, bonds: Bonds, nSites: number, stubs: boolean): { sticks: StickData; half: HalfBonds } {
  const half = halfBonds(d.atoms, d.positions, bonds, nSites, stubs);
  const colors = new Float32Array(3 * half.atom.length);
  for (let h = 0; h < half.atom.length; h++) {
    const a = half.atom[h];
    colors[3 * h] = d.colors[3 * a];
    colors[3 * h + 1] = d.colors[3 * a + 1];
    colors[3 * h + 2] = d.colors[3 * a + 2];
  }
  return { sticks: { start: half.start, end: half.end, colors, radius: BOND_RADIUS }, half };
}

/** What the tooltip shows for a display atom. */
export interface AtomInfo {
  site: number;
  symbol: string;
  z: number;
  /** Fractional coordinates of this image (site + cell offset); null without lattice. */
  frac: [number, number, number] | null;
  cart: [number, number, number];
  cell: [number, number, number];
}

export function atomInfo(p: PreparedStructure, d: DisplayModel, a: number): AtomInfo | null {
  if (a < 0 || a >= d.atoms.site.length) return null;
  const i = d.atoms.site[a];
  const cell: [number, number, number] = [d.atoms.cell[3 * a], d.atoms.cell[3 * a + 1], d.atoms.cell[3 * a + 2]];
  return {
    site: i,
    symbol: p.symbols[i],
    z: p.numbers[i],
    frac: p.frac ? [p.frac[3 * i] + cell[0], p.frac[3 * i + 1] + cell[1], p.frac[3 * i + 2] + cell[2]] : null,
    cart: [d.positions[3 * a], d.positions[3 * a + 1], d.positions[3 * a + 2]],
    cell,
  };
}

/**
 * What an atom label says: the element symbol, or with `site` the symbol and the site index (`Ti1`, as
 * the measurement readout names atoms), or with `held` an atom's movement flags as VASP writes them
 * (`F F T`), on the atoms held along any axis (the free ones get none).
 */
export type AtomLabelKind = 'none' | 'element' | 'site' | 'held';

/** Labels of the display atoms (every periodic image of a site says the same); '' for an atom without one. */
export function atomLabels(p: PreparedStructure, d: DisplayModel, kind: Exclude<AtomLabelKind, 'none'>): string[] {
  if (kind === 'held') {
    const m = p.movement;
    return Array.from(d.atoms.site, (i) => {
      if (!m || (m[3 * i] && m[3 * i + 1] && m[3 * i + 2])) return '';
      return [0, 1, 2].map((k) => (m[3 * i + k] ? 'T' : 'F')).join(' ');
    });
  }
  return Array.from(d.atoms.site, (i) => (kind === 'site' ? `${p.symbols[i]}${i}` : p.symbols[i]));
}
