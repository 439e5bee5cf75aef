/** What the app says about a crystal's symmetry (found in the core: src-main/chem/spacegroup.ts). */

export type CrystalSystem = 'triclinic' | 'monoclinic' | 'orthorhombic' | 'tetragonal' | 'trigonal' | 'hexagonal' | 'cubic';

export interface SpaceGroupSummary {
  /** International Tables number, 1–230. */
  number: number;
  /** Short Hermann–Mauguin symbol as spglib writes it (`Fm-3m`, `P2_1/c`, `P6_3mc`). */
  symbol: string;
  crystalSystem: CrystalSystem;
  /** The distance tolerance it was found with, Å. */
  symprec: number;
}

/** The symbol for display: screw-axis subscripts (`P2_1/c` → `P2₁/c`), overbars kept as `-` prefixes. */
export function displaySymbol(symbol: string): string {
  const sub = '₀₁₂₃₄₅₆₇₈₉';
  return symbol.replace(/_(\d)/g, (_m, d: string) => sub[Number(d)]);
}

/** A structure's space group before and after something changed it (a relaxation). */
export interface SpaceGroupChange {
  start: SpaceGroupSummary;
  end: SpaceGroupSummary;
}

/** "space group Fm-3m, kept" or "space group P4mm → P4/mmm", symbols as displayed. */
export function spaceGroupChangeText(g: SpaceGroupChange): string {
  const start = displaySymbol(g.start.symbol);
  return g.start.number === g.end.number ? `space group ${start}, kept` : `space group ${start} → ${displaySymbol(g.end.symbol)}`;
}
