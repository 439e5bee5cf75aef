/**
 * VASP POSCAR / CONTCAR reader (VASP 4 and 5) and VASP 5 writer.
 *
 * Layout: comment; scale (one number, negative = target volume, or three per-axis factors);
 * three lattice rows; species line (VASP 5 only); counts; optional `Selective dynamics`;
 * `Direct`/`Cartesian` (only the first letter counts: C/c/K/k = Cartesian, anything else =
 * Direct, as VASP reads it); one line per site. After the sites, a CONTCAR of a molecular dynamics run
 * has the atoms' velocities (`readVelocities`): they are read, as ASE's `momenta`; the rest (an NPT run's
 * lattice velocities, the predictor-corrector block) is not.
 */
import { momentaToVelocities, velocitiesToMomenta } from '../sim/units';
import { atomicNumber, elementInfo, elementSymbol, parseTypeSymbol } from './elements';
import { StructureLimitError, StructureParseError, StructureWriteError } from './errors';
import { cartToFrac, determinant, fmtNumber as f, fracToCart } from './lattice';
import type { ParsedStructure, ResolvedReadOptions } from './options';
import { axesAligned, heldByFlags, movementFlags, type Mat3, type SiteProperty, type Structure, type Vec3 } from './structure';
import { speciesName, vaspSpeciesAndCounts } from './vasp-common';

const WS = /\s+/;

function words(line: string | undefined): string[] {
  if (line === undefined) return [];
  const t = line.trim();
  return t === '' ? [] : t.split(WS);
}

export function readPoscar(text: string, file: string, opt: ResolvedReadOptions): ParsedStructure {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const warnings: string[] = [];
  const fail = (line: number, reason: string): never => {
    throw new StructureParseError(file, line, reason);
  };
  const num = (s: string | undefined, line: number, what: string): number => {
    const v = s === undefined ? NaN : Number(s);
    if (s === undefined || s === '' || !Number.isFinite(v)) fail(line, `${what} is '${s ?? ''}', not a number`);
    return v;
  };
  if (lines.length < 7) fail(Math.max(1, lines.length), 'a POSCAR needs at least 7 lines (comment, scale, 3 lattice rows, counts, coordinate mode)');
  const comment = lines[0].replace(/\r$/, '').trim();
  // Scale.
  const sw = words(lines[1]);
  if (sw.length === 0) fail(2, 'line 2 of a POSCAR must hold the scale factor');
  const scaleVals: number[] = [];
  for (const w of sw.slice(0, sw.length >= 3 && sw.slice(0, 3).every((x) => Number.isFinite(Number(x))) ? 3 : 1)) {
    scaleVals.push(num(w, 2, 'the scale factor'));
  }
  // Lattice.
  const raw: Vec3[] = [];
  for (let r = 0; r < 3; r++) {
    const w = words(lines[2 + r]);
    if (w.length < 3) fail(3 + r, `lattice vector ${'abc'[r]} needs 3 numbers, found ${w.length}`);
    raw.push([num(w[0], 3 + r, 'a lattice component'), num(w[1], 3 + r, 'a lattice component'), num(w[2], 3 + r, 'a lattice component')]);
  }
  let lattice: Mat3 = [raw[0], raw[1], raw[2]];
  const det = determinant(lattice);
  if (!(Math.abs(det) > 1e-8)) fail(3, 'the lattice vectors are linearly dependent (zero cell volume)');
  let scale: Vec3;
  if (scaleVals.length === 3) {
    if (scaleVals.some((v) => v <= 0)) fail(2, 'per-axis scale factors must be positive');
    scale = [scaleVals[0], scaleVals[1], scaleVals[2]];
    lattice = lattice.map((row) => [row[0] * scale[0], row[1] * scale[1], row[2] * scale[2]]) as Mat3;
  } else {
    let s = scaleVals[0];
    if (s === 0) fail(2, 'the scale factor is 0');
    if (s < 0) s = Math.cbrt(-s / Math.abs(det)); // negative: the target cell volume
    scale = [s, s, s];
    lattice = lattice.map((row) => [row[0] * s, row[1] * s, row[2] * s]) as Mat3;
  }
  // Species and counts.
  const sc = vaspSpeciesAndCounts(lines, 5, comment, opt, file, 'POSCAR', warnings);
  const names = sc.names;
  const counts = sc.counts;
  let li = sc.next - 1;
  // `Fe`, `FE`, and also `Fe1` / `Fe2+` as some tools write them.
  const zs = (names as string[]).map((nm) => atomicNumber(nm) || (parseTypeSymbol(nm)?.z ?? 0));
  zs.forEach((z, k) => {
    if (z === 0) fail(names === opt.species ? li + 1 : li, `'${names![k]}' is not an element symbol`);
  });
  const n = counts.reduce((a, b) => a + b, 0);
  if (n === 0) fail(li + 1, 'the atom counts add up to 0');
  if (n > opt.maxAtoms) throw new StructureLimitError(file, li + 1, `the structure has ${n} atoms, more than the limit of ${opt.maxAtoms} (option --max-atoms)`);
  li++;
  let mode = (lines[li] ?? '').trim();
  let selective = false;
  if (mode[0] === 'S' || mode[0] === 's') {
    selective = true;
    li++;
    mode = (lines[li] ?? '').trim();
  }
  if (mode === '') fail(li + 1, "expected 'Direct' or 'Cartesian' here");
  const cartesian = 'CcKk'.includes(mode[0]);
  li++;
  const pos = new Float64Array(3 * n);
  const flags = selective ? new Float64Array(3 * n) : null;
  const trailing: string[] = [];
  let anyTrailing = false;
  for (let i = 0; i < n; i++) {
    const ln = li + i;
    if (ln >= lines.length) fail(lines.length, `the file ends after ${i} of ${n} atom positions`);
    const w = words(lines[ln]);
    if (w.length < 3) fail(ln + 1, `atom ${i} (of ${n}) needs 3 coordinates, found ${w.length}`);
    for (let k = 0; k < 3; k++) pos[3 * i + k] = num(w[k], ln + 1, `coordinate ${'xyz'[k]} of atom ${i}`);
    let next = 3;
    if (flags) {
      for (let k = 0; k < 3; k++) {
        const f = w[3 + k];
        if (f !== 'T' && f !== 'F' && f !== 't' && f !== 'f') {
          fail(ln + 1, `selective dynamics needs T or F for each axis; atom ${i} has '${f ?? ''}'`);
        }
        flags[3 * i + k] = f === 'T' || f === 't' ? 1 : 0;
      }
      next = 6;
    }
    const extra = w[next];
    trailing.push(extra ?? '');
    if (extra !== undefined && extra !== '!') anyTrailing = true;
  }
  const numbers = new Int32Array(n);
  const species: string[] = new Array(n);
  let k = 0;
  counts.forEach((c, s) => {
    for (let j = 0; j < c; j++, k++) {
      numbers[k] = zs[s];
      species[k] = elementSymbol(zs[s]);
    }
  });
  if (anyTrailing) {
    let mismatch = 0;
    for (let i = 0; i < n; i++) {
      const t = speciesName(trailing[i]);
      if (atomicNumber(t) > 0 && atomicNumber(t) !== numbers[i]) mismatch++;
    }
    if (mismatch) warnings.push(`${mismatch} atom(s) have a trailing label that differs from the species given by the counts`);
  }
  let cart: Float64Array;
  let frac: Float64Array;
  if (cartesian) {
    for (let i = 0; i < 3 * n; i++) pos[i] *= scale[i % 3];
    cart = pos;
    frac = cartToFrac(cart, lattice);
  } else {
    frac = pos;
    cart = fracToCart(frac, lattice);
  }
  const siteProperties: Record<string, SiteProperty> = {};
  if (flags) siteProperties.selectiveDynamics = { kind: 'vector', width: 3, values: flags };
  const velocities = readVelocities(lines, li + n, n, warnings);
  if (velocities) siteProperties.momenta = { kind: 'vector', width: 3, values: velocitiesToMomenta(standardMasses(numbers), velocities) };
  return {
    structure: {
      name: comment,
      lattice,
      pbc: [true, true, true],
      numbers,
      species,
      cart,
      frac,
      occupancy: new Float64Array(n).fill(1),
      siteProperties,
      properties: {},
    },
    block: null,
    warnings,
  };
}

/**
 * The velocities a CONTCAR of a molecular dynamics run has after the sites (VASP's layout, which ASE and
 * pymatgen read too), Å/fs; null when there are none. In order:
 * - an NPT run's `Lattice velocities and vectors` (a line starting with L, an optional initialisation
 *   line, three lattice velocities and the three lattice vectors): skipped, with a warning;
 * - the velocities' mode line: empty, or starting with C or K, is Cartesian, Å/fs (what VASP writes);
 *   anything else is direct, in lattice vectors per time step, which the file does not give (POTIM):
 *   not read, with a warning;
 * - one velocity per atom, three numbers (a block is there when the line after the mode line starts
 *   with three numbers: a predictor-corrector block's line holds one).
 * Velocities that are all zero (VASP writes them in the CONTCAR of a relaxation) are none. A block cut
 * short or not made of numbers is not read either, with a warning naming its line: the structure
 * before it stands (ASE 3.22 reads the structure of such a file too).
 */
function readVelocities(lines: string[], start: number, n: number, warnings: string[]): Float64Array | null {
  let k = start;
  const numbers3 = (w: string[]) => w.length >= 3 && w.slice(0, 3).every((x) => Number.isFinite(Number(x)));
  if (/^\s*[Ll]/.test(lines[k] ?? '')) {
    warnings.push(`the lattice velocities of line ${k + 1} on are not read (only the atoms' velocities are)`);
    k++;
    if (words(lines[k]).length === 1) k++; // the initialisation line
    k += 6;
  }
  if (!numbers3(words(lines[k + 1]))) return null;
  const mode = (lines[k] ?? '').trim();
  if (mode !== '' && !'CcKk'.includes(mode[0])) {
    warnings.push(`the velocities from line ${k + 2} on are in direct coordinates (mode line '${mode}'), per time step of the run, which the file does not give: not read`);
    return null;
  }
  const v = new Float64Array(3 * n);
  const skip = (line: number, reason: string) => {
    warnings.push(`line ${line}: ${reason}: the velocities are not read`);
    return null;
  };
  for (let i = 0; i < n; i++) {
    const ln = k + 1 + i;
    if (ln >= lines.length) return skip(lines.length, `the file ends after ${i} of ${n} atom velocities`);
    const w = words(lines[ln]);
    if (!numbers3(w)) return skip(ln + 1, `the velocity of atom ${i} (of ${n}) is not 3 numbers ('${(lines[ln] ?? '').trim()}')`);
    for (let c = 0; c < 3; c++) v[3 * i + c] = Number(w[c]);
  }
  return v.some((x) => x !== 0) ? v : null;
}

/** The standard atomic masses (u) of these elements, the ones a CONTCAR's velocities go with. */
function standardMasses(numbers: ArrayLike<number>): Float64Array {
  return Float64Array.from(numbers, (z) => elementInfo(z)!.mass);
}

/**
 * VASP 5 POSCAR: comment, scale 1, lattice, species and counts (consecutive runs of a species
 * form one group), `Selective dynamics` when the structure has movement flags (`movementFlags`: its
 * own selective dynamics, or an extended XYZ's move_mask; an atom held along x, y or z only in a cell
 * whose vectors are not x, y and z is written free, said in the comment line), Direct coordinates
 * written with round-trip precision; when the structure carries velocities (ASE's `momenta`), an empty
 * line and one Cartesian velocity per atom, Å/fs, as VASP writes a CONTCAR (a run continues from it).
 */
export function writePoscar(s: Structure): string {
  if (!s.lattice) throw new StructureWriteError('', null, `structure '${s.name}' has no lattice; POSCAR needs one`);
  const n = s.numbers.length;
  const frac = s.frac ?? cartToFrac(s.cart, s.lattice);
  const groups: { sym: string; count: number }[] = [];
  for (let i = 0; i < n; i++) {
    const sym = elementSymbol(s.numbers[i]);
    if (s.numbers[i] === 0) throw new StructureWriteError('', null, `site ${i} has no element; POSCAR needs one`);
    const last = groups[groups.length - 1];
    if (last && last.sym === sym) last.count++;
    else groups.push({ sym, count: 1 });
  }
  const flags = movementFlags(s);
  const sd = flags ? Array.from(flags.values) : null;
  let comment = s.name.replace(/[\r\n]+/g, ' ') || groups.map((g) => g.sym).join(' ');
  // flags along x, y and z are flags along the lattice vectors only in a diagonal cell; else, as ASE's
  // write_vasp does with FixCartesian, those atoms are written free, and the comment says so
  const lost = sd && flags!.frame === 'cartesian' && !axesAligned(s.lattice) ? heldByFlags(sd).partial.map((p) => p.atom) : [];
  for (const i of lost) sd!.fill(1, 3 * i, 3 * i + 3);
  if (lost.length) comment += ` (atoms ${lost.join(', ')} held along x, y or z only: written free)`;
  const out: string[] = [comment, '1.0'];
  for (const r of s.lattice) out.push(`  ${f(r[0])} ${f(r[1])} ${f(r[2])}`);
  out.push(groups.map((g) => g.sym).join(' '));
  out.push(groups.map((g) => String(g.count)).join(' '));
  if (sd) out.push('Selective dynamics');
  out.push('Direct');
  for (let i = 0; i < n; i++) {
    let line = `  ${f(frac[3 * i])} ${f(frac[3 * i + 1])} ${f(frac[3 * i + 2])}`;
    if (sd) line += ' ' + [0, 1, 2].map((k) => (sd[3 * i + k] ? 'T' : 'F')).join(' ');
    out.push(line);
  }
  const momenta = s.siteProperties.momenta;
  if (momenta?.kind === 'vector' && momenta.width === 3) {
    const own = s.siteProperties.masses;
    const v = momentaToVelocities(own?.kind === 'number' ? own.values : standardMasses(s.numbers), momenta.values);
    out.push('');
    for (let i = 0; i < n; i++) out.push(`  ${f(v[3 * i])} ${f(v[3 * i + 1])} ${f(v[3 * i + 2])}`);
  }
  return out.join('\n') + '\n';
}
