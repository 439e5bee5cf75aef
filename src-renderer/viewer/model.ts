/**
 * From a structure (JSON-able data from the core) to what the scene draws, as pure
 * functions: prepare once per structure, expand per supercell/boundary setting,
 * bond per tolerance, scale per radius slider. Each step is cheap to redo alone.
 */
import type { Mat3 } from '../../src-shared/chem/structure';
import { invert } from '../../src-shared/chem/lattice';
import { atomColors, atomRadii, elementSymbol } from './elementStyle';
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
}

export function prepareStructure(s: ViewerStructure): PreparedStructure {
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
    colors: atomColors(numbers),
    radii: atomRadii(numbers),
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

export function bondsOf(p: PreparedStructure, tolerance: number): Bonds {
  return computeBonds(p.cart, p.lattice, p.pbc, p.radii, tolerance);
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
