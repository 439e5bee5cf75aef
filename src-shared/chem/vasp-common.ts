/** What the VASP readers share: species names as VASP writes them, and species from a POTCAR or OUTCAR. */
import { atomicNumber } from './elements';
import { StructureParseError } from './errors';

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
