/** What the VASP readers share: species names as VASP writes them, and species from a POTCAR or OUTCAR. */
import { atomicNumber } from './elements';
import { StructureParseError } from './errors';
import type { ResolvedReadOptions } from './options';

/** POTCAR-style names: `Fe_pv`, `Fe/1a2b3c`, `Fe_sv_GW`, `H1.25`, `Si ` → `Fe`, `Fe`, `Fe`, `H`, `Si`. */
export function speciesName(s: string): string {
  const t = s.trim();
  let e = t.length;
  for (let i = 0; i < t.length; i++) {
    const c = t[i];
    if (c === '_' || c === '/' || c === ':' || c === '.' || (c >= '0' && c <= '9')) {
      e = i;
      break;
    }
  }
  return t.slice(0, e);
}

/**
 * Atomic numbers of species names (POTCAR-style names allowed; `X`, a dummy species as VASP writes
 * it for a POTCAR without element, is 0 as in ASE); a name that is no element is an error.
 */
export function speciesNumbers(names: readonly string[], file: string, line: number | null): Int32Array {
  const cache = new Map<string, number>();
  const out = new Int32Array(names.length);
  names.forEach((nm, i) => {
    let z = cache.get(nm);
    if (z === undefined) {
      const sym = speciesName(nm);
      z = sym === 'X' ? 0 : atomicNumber(sym) || -1;
      cache.set(nm, z);
    }
    if (!(z >= 0)) throw new StructureParseError(file, line, `'${nm.trim()}' is not an element symbol`);
    out[i] = z;
  });
  return out;
}

/**
 * The species of a POTCAR (its `TITEL` lines) or an OUTCAR (its `TITEL` lines, else the first half
 * of its `POTCAR:` lines, which VASP prints twice), in order; as ASE's `get_atomtypes`.
 * Names that are not elements are left out, so the caller can compare the count.
 */
export function speciesFromPotcar(text: string): string[] {
  const titel: string[] = [];
  const potcar: string[] = [];
  // Only the header matters in an OUTCAR: stop at the first electronic iteration.
  const stop = text.indexOf('Iteration');
  const head = stop >= 0 ? text.slice(0, stop) : text;
  for (const raw of head.split('\n')) {
    const t = raw.trim();
    if (t.startsWith('TITEL')) {
      const w = t.split(/\s+/);
      // TITEL  = PAW_PBE Fe_pv 06Sep2000
      if (w.length >= 4) titel.push(speciesName(w[3]));
    } else if (t.startsWith('POTCAR:')) {
      const w = t.split(/\s+/);
      // POTCAR:    PAW_PBE Fe_pv 06Sep2000   |   POTCAR:  H  1/r potential
      const sym = t.includes('1/r potential') ? w[1] : w[2];
      if (sym) potcar.push(speciesName(sym));
    }
  }
  const names = titel.length > 0 ? titel : potcar.slice(0, Math.ceil(potcar.length / 2));
  return names.filter((s) => atomicNumber(s) > 0);
}

function words(line: string | undefined): string[] {
  const t = (line ?? '').trim();
  return t === '' ? [] : t.split(/\s+/);
}

const isInt = (s: string) => /^[+-]?\d+$/.test(s);

/**
 * The species line (VASP 5, optional) and the counts line of a POSCAR or XDATCAR header, from the
 * 0-based line `at`. Without species line (VASP 4) the species come from the caller (`opt.species`:
 * given, or a POTCAR/OUTCAR beside the file), else from the comment line when its words start with
 * enough element symbols (what ASE writes; a warning says so), else the error says what to do.
 * Returns the species per count and the index of the line after the counts.
 */
export function vaspSpeciesAndCounts(
  lines: readonly string[],
  at: number,
  comment: string,
  opt: ResolvedReadOptions,
  file: string,
  what: 'POSCAR' | 'XDATCAR',
  warnings: string[],
): { names: string[]; counts: number[]; next: number } {
  const fail = (line: number, reason: string): never => {
    throw new StructureParseError(file, line, reason);
  };
  let li = at;
  let w = words(lines[li]);
  let names: string[] | null = null;
  if (w.length === 0) fail(li + 1, `line ${li + 1} must hold the species names (VASP 5) or the atom counts (VASP 4)`);
  if (!isInt(w[0])) {
    names = w.map(speciesName);
    li++;
    w = words(lines[li]);
  }
  const counts: number[] = [];
  for (const x of w) {
    if (!isInt(x)) break;
    const c = Number(x);
    if (c < 0) fail(li + 1, `atom count ${c} is negative`);
    counts.push(c);
  }
  if (counts.length === 0) fail(li + 1, `expected the atom counts per species on this line, found '${(lines[li] ?? '').trim().slice(0, 40)}'`);
  if (names && names.length !== counts.length) fail(li + 1, `the species line names ${names.length} species but this line has ${counts.length} counts`);
  if (!names) {
    if (opt.species) {
      if (opt.species.length !== counts.length) fail(li + 1, `${counts.length} atom counts but ${opt.species.length} species were given`);
      names = opt.species;
    } else {
      const cw = words(comment).map(speciesName).filter((x) => atomicNumber(x) > 0);
      if (cw.length < counts.length) {
        fail(
          li + 1,
          `this ${what} (VASP 4 format) has no species line and its first line does not name the species; ` +
            'add a species line (VASP 5), give the species, or put a POTCAR or OUTCAR beside it',
        );
      }
      names = cw.slice(0, counts.length);
      warnings.push(`VASP 4 file without a species line: species ${names.join(', ')} taken from the comment line`);
    }
  }
  return { names, counts, next: li + 1 };
}
