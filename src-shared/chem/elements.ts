/**
 * The periodic table, Z = 1..118, and element-symbol lookup tolerant of CIF type symbols
 * (`Fe2+`, `O2-`) and atom-site labels (`O1`, `Fe3a`). Data: `elements.data.ts` (generated).
 */
import { ELEMENT_ROWS } from './elements.data';

export interface ElementInfo {
  z: number;
  symbol: string;
  name: string;
  /** Standard atomic mass, u. */
  mass: number;
  /** Covalent radius, Å (Cordero 2008); null when not known (Z > 96). */
  covalentRadius: number | null;
  /** Van der Waals radius, Å; null when not known. */
  vdwRadius: number | null;
  /** Pauling electronegativity; null when not defined (noble gases, Z > 103). */
  electronegativity: number | null;
  /** Jmol CPK colour `#RRGGBB`; null when Jmol defines none (Z > 109). */
  color: string | null;
}

/** `ELEMENTS[z - 1]` is element z. */
export const ELEMENTS: readonly ElementInfo[] = ELEMENT_ROWS.map((r, i) => ({
  z: i + 1,
  symbol: r[0],
  name: r[1],
  mass: r[2],
  covalentRadius: r[3],
  vdwRadius: r[4],
  electronegativity: r[5],
  color: r[6],
}));

/** Colour used for elements Jmol gives none (and for dummy atoms). */
export const DEFAULT_ELEMENT_COLOR = '#FF1493';

const BY_SYMBOL = new Map<string, number>();
for (const e of ELEMENTS) BY_SYMBOL.set(e.symbol, e.z);
// Isotope symbols used in crystallography: deuterium and tritium are hydrogen.
BY_SYMBOL.set('D', 1);
BY_SYMBOL.set('T', 1);

/** Element z (1..118), or undefined. */
export function elementInfo(z: number): ElementInfo | undefined {
  return ELEMENTS[z - 1];
}

/** Element symbol for z; `X` for 0 / unknown. */
export function elementSymbol(z: number): string {
  return ELEMENTS[z - 1]?.symbol ?? 'X';
}

/**
 * Atomic number of an exact element symbol, case-insensitive (`Fe`, `FE`, `fe`); `D`/`T` give 1.
 * Returns 0 when the text is not an element symbol.
 */
export function atomicNumber(symbol: string): number {
  const n = symbol.length;
  if (n === 0 || n > 2) return 0;
  const canon = n === 1 ? symbol.toUpperCase() : symbol[0].toUpperCase() + symbol[1].toLowerCase();
  return BY_SYMBOL.get(canon) ?? 0;
}

export interface ParsedSpecies {
  z: number;
  /** Canonical element symbol (`H` for D/T). */
  symbol: string;
  /** Formal charge when the text carried one (`Fe2+` → 2, `O2-` → -2, `Cl-` → -1), else null. */
  charge: number | null;
}

function isLetter(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function species(z: number, charge: number | null): ParsedSpecies {
  return { z, symbol: ELEMENTS[z - 1].symbol, charge };
}

/**
 * Element from a CIF `_atom_site_type_symbol` (or any "symbol + charge" text).
 *
 * Accepted: an element symbol (any letter case), optionally followed by a charge
 * (`2+`, `+2`, `-`, `3-`) or by digits only (`O1`, as some files put labels here).
 * Anything else (`OH-`, `Wat`, `Fe2+x`) gives null: we do not guess.
 */
export function parseTypeSymbol(text: string): ParsedSpecies | null {
  const n = text.length;
  if (n === 0 || !isLetter(text.charCodeAt(0))) return null;
  const len = n >= 2 && isLetter(text.charCodeAt(1)) ? 2 : 1;
  if (len === 2 && n >= 3 && isLetter(text.charCodeAt(2))) return null;
  const z = atomicNumber(text.slice(0, len));
  if (z === 0) return null;
  if (len === n) return species(z, null);
  // Rest: digits, or charge: d*[+-] | [+-]d*
  const rest = text.slice(len);
  let i = 0;
  let digits = 0;
  while (i < rest.length && isDigit(rest.charCodeAt(i))) i++;
  digits = i;
  if (i === rest.length) return species(z, null); // "O1"
  const signChar = rest[i];
  if (signChar === '+' || signChar === '-') {
    const sign = signChar === '+' ? 1 : -1;
    if (digits > 0) {
      if (i + 1 !== rest.length) return null;
      return species(z, sign * Number(rest.slice(0, digits)));
    }
    let j = i + 1;
    while (j < rest.length && isDigit(rest.charCodeAt(j))) j++;
    if (j !== rest.length) return null;
    return species(z, sign * (j > i + 1 ? Number(rest.slice(i + 1, j)) : 1));
  }
  return null;
}

/** Water conventions in labels: `Wat` (water oxygen), `Ow`, `Hw`. */
const LABEL_SPECIAL: Record<string, string> = { wat: 'O', ow: 'O', hw: 'H' };

/**
 * Element from an atom-site label such as `O1`, `Fe3a`, `CL2`, `O1W`, `OW1`, `FeT`, `SrA`: the
 * first two letters when they form an element symbol (case-insensitive: `CL2` → Cl, `Ca1` → Ca),
 * else the first letter (`OW1` → O, `HN1` → H, `Cb1` → C), with `Wat` → O. `guessed` is true when
 * letters follow the symbol, so callers can warn that the element was inferred.
 */
export function parseSiteLabel(text: string): (ParsedSpecies & { guessed: boolean }) | null {
  const n = text.length;
  if (n === 0 || !isLetter(text.charCodeAt(0))) return null;
  let letters = 1;
  while (letters < n && isLetter(text.charCodeAt(letters))) letters++;
  const lower = text.slice(0, letters).toLowerCase();
  const special = LABEL_SPECIAL[lower];
  if (special) return { ...species(atomicNumber(special), null), guessed: true };
  if (letters >= 2) {
    const z2 = atomicNumber(text.slice(0, 2));
    if (z2 !== 0) return { ...species(z2, null), guessed: letters > 2 };
  }
  const z1 = atomicNumber(text[0]);
  if (z1 !== 0) return { ...species(z1, null), guessed: letters > 1 };
  return null;
}
