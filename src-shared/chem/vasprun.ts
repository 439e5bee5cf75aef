/**
 * VASP `vasprun.xml`: every ionic step (`<calculation>`) with its structure, energies, forces and
 * stress, as ASE 3.22's `read_vasp_xml` reads them.
 *
 * - Species: `<atominfo>`'s `atoms` array; the selective-dynamics flags of the initial structure
 *   (`<structure name="initialpos">`, `selective`) become the site property `selectiveDynamics`.
 * - Per step: the cell and fractional positions of the step's `<structure>`, `forces` (eV/Å),
 *   `stress` (kB, VASP's sign → eV/Å³, ASE's sign), the free energy `e_fr_energy` of the step's
 *   `<energy>` and the energy σ→0 as ASE computes it: `e_fr_energy` + (`e_0_energy` −
 *   `e_fr_energy`) of the last electronic step (some VASP versions write a wrong `e_0_energy` in
 *   the step's `<energy>` when a vdW correction is on). A step without electronic steps (VASP's
 *   machine-learned force field) takes its own `e_0_energy`; when a file mixes such steps with
 *   ab initio ones (ML_MODE train), only the ab initio steps are kept, with a warning (ASE 3.22
 *   cannot read these files at all).
 * - A file cut short (a killed run) gives its complete steps and a warning; a step is complete
 *   once its `<energy>` holds `e_fr_energy`. A closing tag that does not match the open element is
 *   damage, not an end come early: an error naming its line (as ASE's XML parser, `mismatched tag`).
 * - Rows: 3 numbers each, one per atom (positions, forces) or 3 (basis, stress); a message names the
 *   row's line, or the varray's for a wrong row count. A word that is not a number is an error; what
 *   Fortran prints for a number it cannot print (`****`, NaN) is an error in the cell or positions,
 *   leaves the stress out with a warning (as an OUTCAR's) and stays NaN in the forces with a warning
 *   (a dataset import leaves such a frame out).
 *
 * The scanner walks tags with `indexOf` and jumps over the large blocks nobody here reads
 * (eigenvalues, densities of states, projections), so a 100 MB file reads in about a second.
 */
import { StructureParseError } from './errors';
import { KBAR_TO_EV_PER_A3, type LabelledFrame, type Voigt6 } from './frames';
import { determinant, fracToCart } from './lattice';
import type { ResolvedReadOptions } from './options';
import type { Mat3, SiteProperty } from './structure';
import { speciesNumbers } from './vasp-common';

export interface ParsedFrame {
  frame: LabelledFrame;
  /** The frame's ionic step (configuration) as the file counts it, from 1 (its name's `step N`): those the reader left out are counted. */
  step: number;
  warnings: string[];
}

export interface FramesRead {
  frames: ParsedFrame[];
  /** File-level warnings (e.g. an incomplete file). */
  warnings: string[];
  /** One sentence per step the reader left out of the frames (also among `warnings`), e.g. an OUTCAR step with a force VASP could not print. */
  leftOut: string[];
}

/** Blocks skipped whole (their closing tag is searched, nothing inside is read). */
const SKIP = new Set([
  'eigenvalues',
  'eigenvalues_kpoints_opt',
  'dos',
  'dos_kpoints_opt',
  'projected',
  'projected_kpoints_opt',
  'dielectricfunction',
  'partial',
  'kpoints_opt',
  'linear_response_parameters',
]);

/** A `<varray>` read: its name and rows, and where it and each row start in the text (for the line of a message). */
interface Rows {
  name: string;
  values: number[][];
  rowAt: number[];
  at: number;
}

interface Step {
  basis: Rows | null;
  positions: Rows | null;
  forces: Rows | null;
  stress: Rows | null;
  scE0: number | null;
  scEfr: number | null;
  e0: number | null;
  efr: number | null;
  line: number;
  warnings: string[];
}

/** What Fortran prints for a number it cannot print: `****` (too wide for its format), NaN, Infinity. */
const FORTRAN_NON_NUMBER = /^(\*+|[+-]?(nan|inf(inity)?))$/i;

const STARS = /^\*+$/;

/**
 * The numbers of one word: a number, or several Fortran glued together (`-0.12345-0.67890`; a run of
 * `*`, a number too wide for its field, glued to its neighbour: `-6.093438******` is -6.093438 and NaN);
 * null for anything else.
 */
function wordNumbers(x: string): number[] | null {
  const v = Number(x);
  if (Number.isFinite(v)) return [v];
  const parts = x
    .replace(/(\d)-(\d|\.)/g, '$1 -$2')
    .replace(/\*+/g, ' $& ')
    .trim()
    .split(/ +/);
  if (parts.length < 2 || !parts.every((p) => STARS.test(p) || Number.isFinite(Number(p)))) return null;
  return parts.map((p) => (STARS.test(p) ? NaN : Number(p)));
}

/** Splits a row of numbers; repairs Fortran's glued negatives (`1.0-2.0`); a word that is not a number (`***`) → NaN. */
export function parseNumberRow(s: string): number[] {
  const t = s.trim();
  if (t === '') return [];
  return t.split(/\s+/).flatMap((x) => wordNumbers(x) ?? [NaN]);
}

/** The first word of a row that is neither numbers nor what Fortran prints for a number it cannot print (a damaged file), or null. */
export function foreignWord(s: string): string | null {
  const t = s.trim();
  return (t === '' ? [] : t.split(/\s+/)).find((x) => wordNumbers(x) === null && !FORTRAN_NON_NUMBER.test(x)) ?? null;
}

function lineAt(text: string, pos: number, cache: { pos: number; line: number }): number {
  // Counts newlines incrementally from the last asked position (positions only move forward).
  let { pos: p, line } = cache;
  if (pos < p) {
    p = 0;
    line = 1;
  }
  for (let i = text.indexOf('\n', p); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) line++;
  cache.pos = pos;
  cache.line = line;
  return line;
}

const NAME_ATTR = /\bname\s*=\s*"([^"]*)"/;

export function readVasprun(text: string, file: string, opt: ResolvedReadOptions): FramesRead {
  const lc = { pos: 0, line: 1 };
  const line = (pos: number) => lineAt(text, pos, lc);
  const stack: { tag: string; name: string | null; at: number }[] = [];
  let species: string[] | null = null;
  let initial: { basis: Rows | null; positions: Rows | null; selective: string[][] | null } | null = null;
  const steps: Step[] = [];
  let step: Step | null = null;
  let stepEnergyComplete = false;
  /** Where `<v>` rows go while inside a varray we read. */
  let rows: Rows | null = null;
  let flagRows: string[][] | null = null;
  /** Where the structure being read goes: the initial one or the current step's. */
  let structTarget: 'initial' | 'step' | null = null;
  let inAtoms = false;
  let rcFirst: string | null = null;
  let rcCount = 0;
  let truncated: string | null = null;
  const n = text.length;
  let pos = 0;

  const parentTag = (k = 1) => stack[stack.length - k]?.tag;

  const textUntilTag = (from: number): { value: string; end: number } | null => {
    const e = text.indexOf('<', from);
    if (e < 0) return null;
    return { value: text.slice(from, e), end: e };
  };

  while (pos < n) {
    const lt = text.indexOf('<', pos);
    if (lt < 0) break;
    const c = text.charCodeAt(lt + 1);
    if (c === 63 /* ? */) {
      const e = text.indexOf('?>', lt + 2);
      if (e < 0) {
        truncated = `the file ends inside an XML declaration (line ${line(lt)})`;
        break;
      }
      pos = e + 2;
      continue;
    }
    if (c === 33 /* ! */) {
      const isComment = text.startsWith('<!--', lt);
      const e = isComment ? text.indexOf('-->', lt + 4) : text.indexOf('>', lt + 2);
      if (e < 0) {
        truncated = `the file ends inside an XML comment (line ${line(lt)})`;
        break;
      }
      pos = e + (isComment ? 3 : 1);
      continue;
    }
    const gt = text.indexOf('>', lt + 1);
    if (gt < 0) {
      truncated = `the file ends inside a tag (line ${line(lt)})`;
      break;
    }
    if (c === 47 /* / */) {
      const tag = text.slice(lt + 2, gt).trim();
      const top = stack.pop();
      if (!top || top.tag !== tag) {
        // a file cut short ends inside a tag or an element; a closing tag that does not match is damage
        throw new StructureParseError(
          file,
          line(lt),
          `the closing tag </${tag}> ${top ? `does not match the open <${top.tag}> (from line ${line(top.at)})` : 'closes no open element'}: the XML is damaged`,
        );
      }
      pos = gt + 1;
      // element closed
      if (tag === 'varray') {
        if (rows !== null || flagRows !== null) {
          const name = top.name;
          const inStep = step !== null && structTarget === null;
          if (structTarget === 'initial' && initial) {
            if (name === 'basis') initial.basis = rows;
            else if (name === 'positions') initial.positions = rows;
            else if (name === 'selective') initial.selective = flagRows;
          } else if (structTarget === 'step' && step) {
            if (name === 'basis') step.basis = rows;
            else if (name === 'positions') step.positions = rows;
          } else if (inStep && step) {
            if (name === 'forces') step.forces = rows;
            else if (name === 'stress') step.stress = rows;
          }
          rows = null;
          flagRows = null;
        }
      } else if (tag === 'structure') {
        structTarget = null;
      } else if (tag === 'array') {
        inAtoms = false;
      } else if (tag === 'rc') {
        if (inAtoms && rcFirst !== null) {
          species!.push(rcFirst.trim());
          rcFirst = null;
        }
      } else if (tag === 'calculation') {
        if (step) steps.push(step);
        step = null;
        stepEnergyComplete = false;
      } else if (tag === 'energy' && step && parentTag() === 'calculation') {
        stepEnergyComplete = step.efr !== null || stepEnergyComplete;
      }
      continue;
    }
    // opening tag
    let e = lt + 1;
    while (e < gt) {
      const ch = text.charCodeAt(e);
      if (ch === 32 || ch === 9 || ch === 10 || ch === 13 || ch === 47) break;
      e++;
    }
    const tag = text.slice(lt + 1, e);
    const selfClosing = text.charCodeAt(gt - 1) === 47;
    const attrs = text.slice(e, gt);
    const nm = attrs.length > 1 ? NAME_ATTR.exec(attrs) : null;
    const name = nm ? nm[1] : null;
    pos = gt + 1;
    if (selfClosing) continue;
    if (SKIP.has(tag)) {
      const close = text.indexOf(`</${tag}>`, pos);
      if (close < 0) {
        truncated = `the file ends inside <${tag}> (from line ${line(lt)})`;
        break;
      }
      pos = close + tag.length + 3;
      continue;
    }
    const parent = parentTag();
    stack.push({ tag, name, at: lt });
    switch (tag) {
      case 'array':
        if (name === 'atoms' && parent === 'atominfo') {
          inAtoms = true;
          species = [];
        }
        break;
      case 'rc':
        rcCount = 0;
        break;
      case 'c':
        if (inAtoms && parent === 'rc') {
          const t = textUntilTag(pos);
          if (t && rcCount++ === 0) rcFirst = t.value;
        }
        break;
      case 'calculation':
        step = {
          basis: null,
          positions: null,
          forces: null,
          stress: null,
          scE0: null,
          scEfr: null,
          e0: null,
          efr: null,
          line: line(lt),
          warnings: [],
        };
        stepEnergyComplete = false;
        break;
      case 'structure':
        if (parent === 'modeling' && name === 'initialpos') {
          structTarget = 'initial';
          initial = { basis: null, positions: null, selective: null };
        } else if (parent === 'calculation' && step) structTarget = 'step';
        else structTarget = null;
        break;
      case 'varray': {
        const inStructure = structTarget !== null && (parent === 'structure' || parent === 'crystal');
        const wanted =
          (inStructure && (name === 'basis' || name === 'positions' || (name === 'selective' && structTarget === 'initial'))) ||
          (step !== null && structTarget === null && parent === 'calculation' && (name === 'forces' || name === 'stress'));
        if (wanted) {
          if (name === 'selective') flagRows = [];
          else rows = { name: name!, values: [], rowAt: [], at: lt };
        }
        break;
      }
      case 'v':
        if (rows !== null || flagRows !== null) {
          const t = textUntilTag(pos);
          if (!t) break;
          if (flagRows !== null) flagRows.push(t.value.trim().split(/\s+/));
          else {
            rows!.values.push(parseNumberRow(t.value));
            rows!.rowAt.push(pos);
          }
        }
        break;
      case 'i':
        if (step && (name === 'e_0_energy' || name === 'e_fr_energy')) {
          const p1 = parent;
          const p2 = parentTag(3); // the stack now ends with <i>, its <energy>, and that one's parent
          const t = textUntilTag(pos);
          if (!t || p1 !== 'energy') break;
          const v = Number(t.value.trim());
          const val = Number.isFinite(v) ? v : null;
          if (p2 === 'scstep') {
            if (name === 'e_0_energy') step.scE0 = val;
            else step.scEfr = val;
          } else if (p2 === 'calculation') {
            if (name === 'e_0_energy') step.e0 = val;
            else {
              step.efr = val;
              if (val === null) step.warnings.push(`line ${line(lt)}: e_fr_energy is '${t.value.trim()}', not a number`);
            }
          }
        }
        break;
      default:
        break;
    }
  }
  if (!truncated && stack.length > 0) truncated = `the file ends inside <${stack[stack.length - 1].tag}> (the run did not finish)`;

  const warnings: string[] = [];
  if (!species || species.length === 0) {
    throw new StructureParseError(file, null, truncated ? `${truncated}, before the list of atoms (<atominfo>)` : 'no <atominfo> atoms list: is this a vasprun.xml?');
  }
  const nAtoms = species.length;
  if (nAtoms > opt.maxAtoms) throw new StructureParseError(file, null, `the run has ${nAtoms} atoms, more than the limit of ${opt.maxAtoms} (option --max-atoms)`);
  const numbers = speciesNumbers(species, file, null);
  let selective: SiteProperty | null = null;
  if (initial?.selective && initial.selective.length === nAtoms) {
    const v = new Float64Array(3 * nAtoms);
    initial.selective.forEach((r, i) => r.slice(0, 3).forEach((f, k) => (v[3 * i + k] = f === 'T' || f === 't' ? 1 : 0)));
    selective = { kind: 'vector', width: 3, values: v };
  }
  // A step in progress when the file ended counts only if its <energy> was read.
  if (truncated && step) {
    if (stepEnergyComplete || (step as Step).efr !== null) steps.push(step);
  }
  if (truncated) {
    warnings.push(`incomplete file: ${truncated}; ${steps.length} complete ionic step${steps.length === 1 ? '' : 's'} read`);
  }
  const frames: ParsedFrame[] = [];
  /**
   * The rows of a `<varray>` of ionic step `k`: `count` rows of 3 numbers each. A wrong row count
   * names the varray's line, a wrong row its own line (`rowName`: what the row stands for); a word
   * that is not a number is an error. Also gives the first row that holds a number VASP could not
   * print (`****`, NaN), for the caller to refuse or report.
   */
  const rowsOf = (r: Rows, count: number, countText: string, rowName: (i: number) => string, k: number) => {
    if (r.values.length !== count) {
      throw new StructureParseError(file, line(r.at), `<varray name="${r.name}"> of ionic step ${k} has ${r.values.length} row${r.values.length === 1 ? '' : 's'}, not ${countText}`);
    }
    let unprintable: { line: number; what: string } | null = null;
    for (let i = 0; i < r.values.length; i++) {
      const row = r.values[i];
      if (row.length !== 3) throw new StructureParseError(file, line(r.rowAt[i]), `${rowName(i)} needs 3 numbers, found ${row.length}`);
      if (row.every(Number.isFinite)) continue;
      const words = text.slice(r.rowAt[i], text.indexOf('<', r.rowAt[i])).trim();
      const word = foreignWord(words);
      if (word !== null) throw new StructureParseError(file, line(r.rowAt[i]), `${rowName(i)} has '${word}', not a number`);
      unprintable ??= { line: line(r.rowAt[i]), what: `${rowName(i)} is '${words}', a number VASP could not print` };
    }
    return { rows: r.values, unprintable };
  };
  const mat = (r: Rows, rowName: (i: number) => string, k: number) => {
    const { rows: m, unprintable } = rowsOf(r, 3, '3', rowName, k);
    const matrix: Mat3 = [
      [m[0][0], m[0][1], m[0][2]],
      [m[1][0], m[1][1], m[1][2]],
      [m[2][0], m[2][1], m[2][2]],
    ];
    return { matrix, unprintable };
  };
  const perAtom = (r: Rows, rowName: (i: number) => string, k: number) => {
    const { rows: m, unprintable } = rowsOf(r, nAtoms, `one per atom (${nAtoms})`, rowName, k);
    const values = new Float64Array(3 * nAtoms);
    for (let i = 0; i < nAtoms; i++) for (let c = 0; c < 3; c++) values[3 * i + c] = m[i][c];
    return { values, unprintable };
  };
  /** A structure cannot be read without its cell and positions. */
  const refuse = (u: { line: number; what: string } | null) => {
    if (u) throw new StructureParseError(file, u.line, u.what);
  };
  if (steps.length === 0 && truncated) {
    // As ASE: a run cut before its first step still gives the initial structure (no labels).
    if (initial?.basis && initial.positions) {
      steps.push({ basis: initial.basis, positions: initial.positions, forces: null, stress: null, scE0: null, scEfr: null, e0: null, efr: null, line: 1, warnings: [] });
      warnings.push('no ionic step finished: the initial structure is given, without energy, forces or stress');
    }
  }
  for (const s of steps) {
    if (frames.length >= opt.maxStructures) throw new StructureParseError(file, s.line, `the file has more than ${opt.maxStructures} ionic steps`);
    const k = frames.length + 1;
    if (!s.basis || !s.positions) throw new StructureParseError(file, s.line, `ionic step ${k} has no ${s.basis ? 'positions' : 'cell (basis)'}`);
    const cell = mat(s.basis, (i) => `lattice vector ${'abc'[i]}`, k);
    refuse(cell.unprintable);
    const lattice = cell.matrix;
    if (!(Math.abs(determinant(lattice)) > 1e-8)) throw new StructureParseError(file, line(s.basis.at), `the cell of ionic step ${k} has zero volume`);
    const positions = perAtom(s.positions, (i) => `the position of atom ${i}`, k);
    refuse(positions.unprintable);
    const frac = positions.values;
    let forces: Float64Array | null = null;
    if (s.forces) {
      // kept as read (NaN where VASP printed ****), with a warning: a dataset import leaves the frame out
      const f = perAtom(s.forces, (i) => `the force of atom ${i}`, k);
      if (f.unprintable) s.warnings.push(`line ${f.unprintable.line}: ${f.unprintable.what} (a dataset import leaves this frame out)`);
      forces = f.values;
    }
    let stress: Voigt6 | null = null;
    if (s.stress) {
      const st = mat(s.stress, (i) => `row ${i} of the stress`, k);
      const m = st.matrix;
      // as an OUTCAR's: a stress VASP could not print is left out
      if (st.unprintable) s.warnings.push(`line ${st.unprintable.line}: ${st.unprintable.what}: the stress is left out`);
      else stress = [m[0][0], m[1][1], m[2][2], m[1][2], m[0][2], m[0][1]].map((x) => x * KBAR_TO_EV_PER_A3) as Voigt6;
    }
    let energy: number | null = null;
    if (s.efr !== null) {
      if (s.scE0 !== null && s.scEfr !== null) energy = s.efr + (s.scE0 - s.scEfr);
      else if (s.e0 !== null) energy = s.e0;
    }
    const siteProperties: Record<string, SiteProperty> = {};
    if (selective) siteProperties.selectiveDynamics = selective;
    frames.push({
      frame: {
        structure: {
          name: `step ${frames.length + 1}`,
          lattice,
          pbc: [true, true, true],
          numbers: numbers.slice(),
          species: [...species].map((x, i) => (x === '' ? String(numbers[i]) : x)),
          cart: fracToCart(frac, lattice),
          frac,
          occupancy: new Float64Array(nAtoms).fill(1),
          siteProperties,
          properties: {},
        },
        energy,
        freeEnergy: s.efr,
        forces,
        stress,
      },
      step: frames.length + 1,
      warnings: s.warnings,
    });
  }
  if (frames.length === 0) throw new StructureParseError(file, null, 'the file holds no ionic step (no <calculation>)');
  // VASP's machine-learned force field (ML_MODE train) writes a step without electronic steps for
  // each ionic step it predicted, and ab initio steps between them: keep those (as for an OUTCAR).
  const predicted = steps.map((s) => s.scE0 === null && s.scEfr === null && s.efr !== null);
  const nPredicted = predicted.filter(Boolean).length;
  if (nPredicted > 0 && nPredicted < frames.length && predicted.length === frames.length) {
    const kept = frames.filter((_, k) => !predicted[k]);
    warnings.push(
      `${nPredicted} ionic step${nPredicted === 1 ? '' : 's'} without electronic steps (predicted by VASP's machine-learned force field) left out: the frames are the ${kept.length} ab initio step${kept.length === 1 ? '' : 's'}`,
    );
    return { frames: kept, warnings, leftOut: [] };
  }
  if (nPredicted > 0 && nPredicted === frames.length) {
    warnings.push("no ionic step has electronic steps: these are predictions of VASP's machine-learned force field, not DFT labels");
  }
  return { frames, warnings, leftOut: [] };
}
