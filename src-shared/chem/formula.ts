/**
 * Chemical formulas as chemists write them.
 *
 * - Crystals: the reduced formula ordered by electronegativity, exactly as pymatgen's
 *   `Composition.reduced_formula` (KCl, BaTiO3, Ca(NO3)2, O2, Li2O2), with the full cell formula
 *   (`cellFormula`, same order, not reduced: K4Cl4) beside it where it differs.
 * - Molecules: the Hill formula (C first, H second, then alphabetical; without carbon all
 *   alphabetical), not reduced (C6H6).
 *
 * Formulas are plain text with digits (`BaTiO3`); the renderer sets the digits as subscripts.
 */
import { atomicNumber } from './elements';
import { electronegativityOf, pythonSorted } from './site-order';

/** Element → amount, in the order the elements first appear in the structure. */
export type Composition = Readonly<Record<string, number>>;

/** pymatgen's Composition.amount_tolerance. */
const AMOUNT_TOL = 1e-8;

/** pymatgen's special cases: the reduced formula of molecular solids and peroxides. */
const SPECIAL_FORMULAS: Readonly<Record<string, string>> = {
  LiO: 'Li2O2',
  NaO: 'Na2O2',
  KO: 'K2O2',
  HO: 'H2O2',
  CsO: 'Cs2O2',
  RbO: 'Rb2O2',
  O: 'O2',
  N: 'N2',
  F: 'F2',
  Cl: 'Cl2',
  H: 'H2',
};

/** Pauling electronegativity, NaN where it is not defined (noble gases…), as pymatgen's Element.X. */
function electronegativity(symbol: string): number {
  return electronegativityOf(atomicNumber(symbol));
}

/** Sort key [X, symbol] compared as Python lists compare (NaN compares false). */
function byElectronegativity(symbols: readonly string[]): string[] {
  return pythonSorted(symbols, (a, b) => {
    const xa = electronegativity(a);
    const xb = electronegativity(b);
    if (xa !== xb) return xa < xb; // NaN: never equal, never less
    return a < b;
  });
}

/** pymatgen's formula_double_format. */
function amountText(x: number, ignoreOnes = true): string {
  if (ignoreOnes && x === 1) return '';
  if (Math.abs(x - Math.trunc(x)) < 1e-8) return String(Math.trunc(x));
  return String(Math.round(x * 1e8) / 1e8);
}

function gcd(a: number, b: number): number {
  a = Math.abs(a);
  b = Math.abs(b);
  while (b) [a, b] = [b, a % b];
  return a;
}

/** pymatgen's reduce_formula: reduced formula and factor of integer amounts, with polyanions. */
function reduceFormula(amounts: ReadonlyMap<string, number>): { formula: string; factor: number } {
  let syms = byElectronegativity([...amounts.keys()]).filter((s) => Math.abs(amounts.get(s)!) > AMOUNT_TOL);
  let factor = 1;
  const values = [...amounts.values()];
  if (values.every((v) => Number.isInteger(v))) factor = values.reduce((g, v) => gcd(g, v), 0);
  let polyanion = '';
  if (syms.length >= 3 && electronegativity(syms[syms.length - 1]) - electronegativity(syms[syms.length - 2]) < 1.65) {
    const poly = new Map(syms.slice(-2).map((s) => [s, amounts.get(s)! / factor]));
    const inner = reduceFormula(poly);
    if (inner.factor !== 1) polyanion = `(${inner.formula})${inner.factor}`;
  }
  if (polyanion) syms = syms.slice(0, -2);
  const formula = syms.map((s) => s + amountText(amounts.get(s)! / factor)).join('') + polyanion;
  return { formula, factor };
}

/**
 * The reduced formula of a crystal, as pymatgen's `Composition.reduced_formula`: elements by
 * electronegativity (then symbol), amounts divided by their greatest common divisor, a polyanion in
 * parentheses (Ca(NO3)2), pymatgen's special cases (O2, Li2O2). Non-integer amounts (partial
 * occupancies) are not reduced: Fe2.4Ni1.6O4.
 */
export function reducedFormula(composition: Composition): string {
  const entries = Object.entries(composition).filter(([, v]) => v !== 0);
  if (entries.length === 0) return '';
  const allInt = entries.every(([, v]) => Math.abs(v - Math.round(v)) < AMOUNT_TOL);
  if (!allInt) {
    // pymatgen's Composition.formula (sorted by X alone, stable), spaces removed.
    const syms = pythonSorted(
      entries.map(([s]) => s),
      (a, b) => electronegativity(a) < electronegativity(b),
    );
    return syms.map((s) => s + amountText(composition[s], false)).join('');
  }
  const { formula } = reduceFormula(new Map(entries.map(([s, v]) => [s, Math.round(v)])));
  return SPECIAL_FORMULAS[formula] ?? formula;
}

/** The formula of the whole cell in the reduced formula's order, not reduced (K4Cl4, Ba1Ti1O3 → BaTiO3). */
export function cellFormula(composition: Composition): string {
  const syms = byElectronegativity(Object.keys(composition).filter((s) => composition[s] !== 0));
  return syms.map((s) => s + amountText(composition[s])).join('');
}

/** The Hill formula: C, then H, then the others alphabetically; without carbon all alphabetically. */
export function hillFormula(composition: Composition): string {
  const syms = Object.keys(composition).filter((s) => composition[s] !== 0);
  const hasCarbon = syms.includes('C');
  const rank = (s: string) => (!hasCarbon ? 2 : s === 'C' ? 0 : s === 'H' ? 1 : 2);
  syms.sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  return syms.map((s) => s + amountText(composition[s])).join('');
}

/** What a chemist writes: the reduced formula for a crystal, the Hill formula for a molecule. */
export function chemicalFormula(composition: Composition, periodic: boolean): string {
  return periodic ? reducedFormula(composition) : hillFormula(composition);
}
