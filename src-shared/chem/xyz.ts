/**
 * XYZ (multi-frame) and extended XYZ, as ASE 3.22 reads and writes them.
 *
 * Frame: atom count; comment line; one line per atom. When the comment holds `key=value`
 * pairs with `Lattice=` or `Properties=` it is extended XYZ: `Lattice="ax ay az bx by bz cx cy cz"`,
 * `Properties=species:S:1:pos:R:3:forces:R:3...` (types S string, R real, I integer,
 * L logical), `pbc="T T T"` (default T T T with a lattice), anything else is per-frame info
 * (numbers, strings, booleans, arrays) kept in `properties`.
 */
import { atomicNumber, elementSymbol, parseSiteLabel } from './elements';
import { StructureLimitError, StructureParseError } from './errors';
import { addFlatCellFrame, cartToFrac, fileCell, fmtNumber as f, makesCellVectors, type FlatCellExtents } from './lattice';
import { resolveReadOptions, type ParsedStructure, type ReadOptions, type ResolvedReadOptions } from './options';
import { LABEL_KEYS, matrixFromVoigt, type Voigt6 } from './frames';
import { axesAligned, heldByFlags, movementFlags, type Mat3, type SiteProperty, type Structure } from './structure';

export type InfoValue = string | number | boolean | number[] | boolean[] | string[] | unknown;

const WS = /\s+/;

function isBoolWord(s: string): boolean | null {
  if (s === 'T' || s === 'True' || s === 'true' || s === 'TRUE') return true;
  if (s === 'F' || s === 'False' || s === 'false' || s === 'FALSE') return false;
  return null;
}

const NUM = /^[+-]?(\d+\.?\d*|\.\d+)([eEdD][+-]?\d+)?$/;
const INT = /^[+-]?\d+$/;

/**
 * A word written as a number (ASE's syntax, Fortran's `d` exponent too) as its value: ±Infinity when
 * no 64-bit float holds it (`1e400`); null for any other word.
 */
export function numberWord(w: string): number | null {
  return NUM.test(w) ? Number(w.replace(/[dD]/, 'e')) : null;
}

/**
 * The text of a value as ASE 3.22 takes it: `{…}` and `[…]` delimit a value as quotes do (libAtoms'
 * brace arrays, `dipole={0.1 0.2 0.3}`, `Lattice={…}`), so the value is the text inside them.
 */
function valueText(raw: string, bracketed: boolean): string {
  return bracketed ? raw.slice(1, -1) : raw;
}

/**
 * Convert an info value the way ASE does: numbers, booleans, arrays of them (space- or
 * comma-separated, also inside `{…}`/`[…]`), else the string (also numbers out of a float's range); a bracketed value that is JSON (nested
 * arrays, objects, as the writer writes them) is read as JSON.
 */
function convertValue(raw: string, bracketed: boolean): InfoValue {
  const t = raw.trim();
  if ((t.startsWith('[') && t.endsWith(']')) || (t.startsWith('{') && t.endsWith('}'))) {
    try {
      return JSON.parse(t);
    } catch {
      // fall through: treat as text
    }
  }
  const text = valueText(raw, bracketed);
  const parts = text.split(/[\s,]+/).filter((x) => x !== '');
  if (parts.length === 0) return text;
  const v = parts.map(numberWord);
  if (v.every((x) => x !== null)) {
    // a number no float holds (1e400) keeps the value as written: a label's error and the writer quote it
    if (v.some((x) => !Number.isFinite(x))) return text;
    return v.length === 1 ? v[0] : (v as number[]);
  }
  const bools = parts.map(isBoolWord);
  if (bools.every((b) => b !== null)) return bools.length === 1 ? bools[0] : (bools as boolean[]);
  return text;
}

/** A value of an extended-XYZ comment line as written: `raw` without its quotes, with its brackets (`bracketed`). */
export interface KeyValue {
  raw: string;
  quoted: boolean;
  bracketed?: boolean;
  bare?: boolean;
}

/**
 * Split an extended-XYZ comment line into key → raw value (ASE's rules: `key=value`,
 * `key="quoted value"` with `\"` escapes, `key={...}`/`key=[...]`, a bare `key` means true).
 * Returns null when the line is not key=value text.
 */
export function parseKeyValues(line: string): Map<string, KeyValue> | null {
  const out = new Map<string, KeyValue>();
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && (line[i] === ' ' || line[i] === '\t' || line[i] === '\r')) i++;
    if (i >= n) break;
    const ks = i;
    let key: string;
    if (line[i] === '"') {
      const e = line.indexOf('"', i + 1);
      if (e < 0) return null;
      key = line.slice(i + 1, e);
      i = e + 1;
    } else {
      while (i < n && line[i] !== '=' && line[i] !== ' ' && line[i] !== '\t') i++;
      key = line.slice(ks, i);
    }
    while (i < n && line[i] === ' ') i++;
    if (line[i] !== '=') {
      out.set(key, { raw: 'T', quoted: false, bare: true });
      continue;
    }
    i++;
    while (i < n && line[i] === ' ') i++;
    const c = line[i];
    if (c === '"' || c === "'") {
      let s = '';
      let j = i + 1;
      let seg = j;
      for (;;) {
        if (j >= n) return null;
        if (line[j] === '\\' && j + 1 < n) {
          s += line.slice(seg, j) + line[j + 1];
          j += 2;
          seg = j;
          continue;
        }
        if (line[j] === c) break;
        j++;
      }
      s += line.slice(seg, j);
      out.set(key, { raw: s, quoted: true });
      i = j + 1;
    } else if (c === '{' || c === '[') {
      const close = c === '{' ? '}' : ']';
      let depth = 0;
      let j = i;
      for (; j < n; j++) {
        if (line[j] === c) depth++;
        else if (line[j] === close && --depth === 0) break;
      }
      if (j >= n) return null;
      out.set(key, { raw: line.slice(i, j + 1), quoted: false, bracketed: true });
      i = j + 1;
    } else {
      const s = i;
      while (i < n && line[i] !== ' ' && line[i] !== '\t' && line[i] !== '\r') i++;
      out.set(key, { raw: line.slice(s, i), quoted: false });
    }
  }
  return out;
}

interface Column {
  name: string;
  type: 'S' | 'R' | 'I' | 'L';
  width: number;
}

function parseProperties(spec: string, file: string, line: number): Column[] {
  const f = spec.split(':');
  if (f.length % 3 !== 0) {
    throw new StructureParseError(file, line, `Properties='${spec}' must be name:type:count triples`);
  }
  const cols: Column[] = [];
  for (let i = 0; i < f.length; i += 3) {
    const type = f[i + 1].toUpperCase();
    const width = Number(f[i + 2]);
    if (!['S', 'R', 'I', 'L'].includes(type) || !Number.isInteger(width) || width < 1) {
      throw new StructureParseError(file, line, `Properties entry '${f[i]}:${f[i + 1]}:${f[i + 2]}' is not name:type:count with type S, R, I or L`);
    }
    cols.push({ name: f[i], type: type as Column['type'], width });
  }
  return cols;
}

function speciesZ(s: string): number {
  if (INT.test(s)) {
    const z = Number(s);
    return z >= 0 && z <= 118 ? z : -1;
  }
  const z = atomicNumber(s);
  if (z > 0) return z;
  if (s === 'X') return 0;
  const p = parseSiteLabel(s);
  return p && !p.guessed ? p.z : -1;
}

/**
 * What a frame's comment line says: extended XYZ when it names Lattice/Properties, or consists only of
 * key=value pairs (`energy=-1.2 config_type=bulk`), its columns, its cell as given (null: none) and
 * periodicity, and its other keys as properties; a free-text comment stays a plain title.
 */
function frameHeader(
  comment: string,
  file: string,
  commentLine: number,
): { extended: boolean; cols: Column[]; lattice: Mat3 | null; pbc: [boolean, boolean, boolean]; properties: Record<string, unknown> } {
  let kv: ReturnType<typeof parseKeyValues> = null;
  if (/\b(Lattice|Properties)\s*=/i.test(comment)) kv = parseKeyValues(comment);
  else if (comment.includes('=')) {
    const m = parseKeyValues(comment);
    if (m && m.size > 0 && [...m.values()].every((v) => !v.bare)) kv = m;
  }
  let cols: Column[] = [
    { name: 'species', type: 'S', width: 1 },
    { name: 'pos', type: 'R', width: 3 },
  ];
  let lattice: Mat3 | null = null;
  let pbc: [boolean, boolean, boolean] = [false, false, false];
  const properties: Record<string, unknown> = {};
  if (!kv) return { extended: false, cols, lattice, pbc, properties };
  let pbcGiven = false;
  for (const [key, { raw, bracketed = false }] of kv) {
    const lk = key.toLowerCase();
    const text = valueText(raw, bracketed);
    if (lk === 'lattice') {
      const v = text.trim().split(/[\s,]+/).map(Number);
      if (v.length !== 9 || v.some((x) => !Number.isFinite(x))) {
        throw new StructureParseError(file, commentLine, `Lattice must hold 9 numbers, found '${raw.slice(0, 60)}'`);
      }
      lattice = [
        [v[0], v[1], v[2]],
        [v[3], v[4], v[5]],
        [v[6], v[7], v[8]],
      ];
    } else if (lk === 'properties') {
      cols = parseProperties(text, file, commentLine);
    } else if (lk === 'pbc') {
      const b = text.trim().split(/[\s,]+/).map(isBoolWord);
      if (b.length !== 3 || b.some((x) => x === null)) {
        throw new StructureParseError(file, commentLine, `pbc must be three of T/F, found '${raw}'`);
      }
      pbc = b as [boolean, boolean, boolean];
      pbcGiven = true;
    } else {
      properties[key] = convertValue(raw, bracketed);
    }
  }
  if (lattice && !pbcGiven) pbc = [true, true, true];
  return { extended: true, cols, lattice, pbc, properties };
}

/**
 * The frames of an XYZ text (its lines, blank ones at its end removed), one at a time, as their atom counts
 * delimit them: each frame's index, atom count, comment line (and its 1-based number) and the index of its
 * first atom line. A count that is not one, over the limits, or without a comment line after it is thrown,
 * naming its line.
 */
function* xyzFrames(
  lines: readonly string[],
  file: string,
  opt: ResolvedReadOptions,
): Generator<{ frame: number; n: number; comment: string; commentLine: number; atoms: number }> {
  const nl = lines.length;
  let li = 0;
  for (let frame = 0; ; frame++) {
    while (li < nl && lines[li].trim() === '') li++;
    if (li >= nl) return;
    const countLine = li + 1;
    const ct = lines[li].trim();
    const first = ct.split(WS)[0];
    if (!INT.test(first)) {
      throw new StructureParseError(file, countLine, `expected the number of atoms of frame ${frame}, found '${ct.slice(0, 40)}'`);
    }
    const n = Number(first);
    if (n < 0) throw new StructureParseError(file, countLine, `the atom count ${n} is negative`);
    if (n > opt.maxAtoms) {
      throw new StructureLimitError(file, countLine, `frame ${frame} has ${n} atoms, more than the limit of ${opt.maxAtoms} (option --max-atoms)`);
    }
    if (frame >= opt.maxStructures) {
      throw new StructureLimitError(file, countLine, `the file has more than ${opt.maxStructures} frames`);
    }
    if (li + 1 >= nl) throw new StructureParseError(file, countLine, `frame ${frame} ends before its comment line`);
    yield { frame, n, comment: lines[li + 1].replace(/\r$/, ''), commentLine: li + 2, atoms: li + 2 };
    li += 2 + n;
  }
}

/** Atom i's position into `cart` from the words `w` of its line (the pos column at `po`); the axis (0 to 2) that is not a number, else -1. */
function readPosition(w: readonly string[], po: number, cart: Float64Array, i: number): number {
  for (let k = 0; k < 3; k++) {
    const v = Number(w[po + k]);
    if (!Number.isFinite(v) || w[po + k] === '') return k;
    cart[3 * i + k] = v;
  }
  return -1;
}

/** Where a frame's positions are among the words of an atom line (the `pos` column, 3 reals), -1 without them. */
function positionsAt(cols: readonly Column[]): number {
  let at = 0;
  for (const c of cols) {
    if (c.name === 'pos') return c.width === 3 && c.type === 'R' ? at : -1;
    at += c.width;
  }
  return -1;
}

export function readXyz(text: string, file: string, opt: ResolvedReadOptions): ParsedStructure[] {
  const lines = text.split('\n');
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  const out: ParsedStructure[] = [];
  /** Each frame's cell as the file gives it (null: none), read once every frame is (`fileCell`). */
  const given: { rows: Mat3 | null; line: number }[] = [];
  const zCache = new Map<string, number>();
  const nl = lines.length;
  for (const { frame, n, comment, commentLine, atoms: li } of xyzFrames(lines, file, opt)) {
    const warnings: string[] = [];
    const { extended, cols, lattice, pbc, properties } = frameHeader(comment, file, commentLine);
    const specCol = cols.findIndex((c) => c.name === 'species');
    const zCol = cols.findIndex((c) => c.name === 'Z');
    const posCol = cols.findIndex((c) => c.name === 'pos');
    const po = positionsAt(cols);
    if (po < 0) throw new StructureParseError(file, commentLine, 'Properties must include pos:R:3');
    if (specCol < 0 && zCol < 0) throw new StructureParseError(file, commentLine, 'Properties must include species:S:1 or Z:I:1');
    const width = cols.reduce((a, c) => a + c.width, 0);
    const offsets: number[] = [];
    cols.reduce((a, c) => (offsets.push(a), a + c.width), 0);
    const numbers = new Int32Array(n);
    const species: string[] = new Array(n);
    const cart = new Float64Array(3 * n);
    const extra = cols
      .map((c, k) => ({ c, k }))
      .filter(({ k }) => k !== posCol && k !== specCol && !(k === zCol && specCol < 0));
    const store = extra.map(({ c }) => (c.type === 'S' ? new Array<string>(n) : new Float64Array(n * c.width)));
    if (li + n > nl) {
      throw new StructureParseError(file, nl, `the file ends after ${Math.max(0, nl - li)} of ${n} atoms of frame ${frame}`);
    }
    for (let i = 0; i < n; i++) {
      const lineNo = li + i + 1;
      const t = lines[li + i].trim();
      const w = t === '' ? [] : t.split(WS);
      if (w.length < (extended ? width : 4)) {
        if (extended) {
          throw new StructureParseError(file, lineNo, `the Properties of frame ${frame} give ${width} columns but this atom line has ${w.length}`);
        }
        throw new StructureParseError(file, lineNo, `atom ${i} of frame ${frame} needs a species and 3 coordinates, found ${w.length} values`);
      }
      const sym = specCol >= 0 ? w[offsets[specCol]] : w[offsets[zCol]];
      let z = zCache.get(sym);
      if (z === undefined) {
        z = speciesZ(sym);
        zCache.set(sym, z);
      }
      if (z < 0) throw new StructureParseError(file, lineNo, `'${sym}' is not an element symbol or atomic number`);
      numbers[i] = z;
      species[i] = elementSymbol(z);
      const k = readPosition(w, po, cart, i);
      if (k >= 0) throw new StructureParseError(file, lineNo, `coordinate ${'xyz'[k]} of atom ${i} is '${w[po + k]}', not a number`);
      for (let e = 0; e < extra.length; e++) {
        const { c, k } = extra[e];
        const o = offsets[k];
        const dst = store[e];
        for (let q = 0; q < c.width; q++) {
          const s = w[o + q];
          if (c.type === 'S') {
            if (q === 0) (dst as string[])[i] = s;
          } else if (c.type === 'L') {
            const b = isBoolWord(s);
            if (b === null) throw new StructureParseError(file, lineNo, `column ${c.name} needs T or F, found '${s}'`);
            (dst as Float64Array)[i * c.width + q] = b ? 1 : 0;
          } else {
            const v = Number(s);
            if (!Number.isFinite(v)) throw new StructureParseError(file, lineNo, `column ${c.name} needs a number, found '${s}'`);
            (dst as Float64Array)[i * c.width + q] = v;
          }
        }
      }
    }
    const siteProperties: Record<string, SiteProperty> = {};
    let occupancy: Float64Array = new Float64Array(n).fill(1);
    extra.forEach(({ c }, e) => {
      const d = store[e];
      if (c.name === 'occupancy' && c.type === 'R' && c.width === 1) occupancy = d as Float64Array;
      else if (c.type === 'S') siteProperties[c.name] = { kind: 'string', values: d as string[] };
      else if (c.width === 1) siteProperties[c.name] = { kind: 'number', values: d as Float64Array };
      else siteProperties[c.name] = { kind: 'vector', width: c.width, values: d as Float64Array };
    });
    const structure: Structure = {
      name: extended ? `frame ${frame}` : comment.trim() || `frame ${frame}`,
      lattice: null,
      pbc,
      numbers,
      species,
      cart,
      frac: null,
      occupancy,
      siteProperties,
      properties,
    };
    if (!extended && comment.trim() !== '') properties.comment = comment.trim();
    out.push({ structure, block: frame, warnings, line: commentLine });
    given.push({ rows: lattice, line: commentLine });
  }
  if (out.length === 0) throw new StructureParseError(file, null, 'the file holds no XYZ frame');
  // the cells once every frame is read: a flat cell is made one for the frames of the file given it (a slab's
  // trajectory shares it); a part of a file (a chunk of frames, a frame) is given the whole file's extents
  const extents: FlatCellExtents = opt.flatCells ?? {};
  if (!opt.flatCells) {
    for (const [frame, { structure: s }] of out.entries()) {
      const rows = given[frame].rows;
      if (rows) addFlatCellFrame(extents, rows, s.pbc, s.cart);
    }
  }
  out.forEach(({ structure: s, warnings }, frame) => {
    const { rows, line } = given[frame];
    if (!rows) return;
    // a flat cell: a molecule's box (ASE's center(vacuum=0) of a linear molecule), a 2D structure's (fcc111, graphene without vacuum)
    const cell = fileCell(rows, s.pbc, extents, (what) => {
      throw new StructureParseError(file, line, what);
    });
    s.lattice = cell.lattice;
    s.pbc = cell.pbc;
    s.frac = cell.lattice ? cartToFrac(s.cart, cell.lattice) : null;
    if (cell.note) warnings.push(`frame ${frame}: ${cell.note}`);
  });
  return out;
}

/**
 * Splits an XYZ text into frames (each frame's own text, and the 1-based line it starts on), so that
 * a large file parses in chunks. A line that is not a frame header ends the split: the rest is one
 * piece, for the reader to report the error with its line.
 */
export function splitXyzFrames(text: string): { text: string; line: number }[] {
  const lines = text.split(/\r?\n/);
  const frames: { text: string; line: number }[] = [];
  let i = 0;
  while (i < lines.length) {
    if (!lines[i].trim()) {
      i++;
      continue;
    }
    const n = Number.parseInt(lines[i].trim(), 10);
    if (!Number.isFinite(n) || n < 0 || String(n) !== lines[i].trim()) {
      frames.push({ text: lines.slice(i).join('\n'), line: i + 1 });
      break;
    }
    frames.push({ text: lines.slice(i, i + n + 2).join('\n'), line: i + 1 });
    i += n + 2;
  }
  return frames;
}

/**
 * The flat-cell extents the parts of an XYZ file need to make the whole file's one cell, as reading it whole
 * does (the read option `flatCells`): for each part (`texts`: the file's frames as `splitXyzFrames` gives them,
 * or any split of it at frame boundaries), those of the cells its frames are given that `fileCell` makes vectors
 * for, each over every frame of the file given that cell. A pass over the comment lines, reading the positions
 * only of the frames given a flat cell; a part stops where reading it fails (reading it says why).
 */
export function xyzFlatCells(texts: readonly string[], options?: ReadOptions): FlatCellExtents[] {
  const opt = resolveReadOptions(options);
  const extents: FlatCellExtents = {};
  const keys = texts.map((text) => {
    const taken = new Set<string>();
    const lines = text.split('\n');
    while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
    try {
      for (const { n, comment, commentLine, atoms } of xyzFrames(lines, '', opt)) {
        const { cols, lattice, pbc } = frameHeader(comment, '', commentLine);
        if (!lattice || !makesCellVectors(lattice, pbc)) continue;
        const po = positionsAt(cols);
        if (po < 0 || atoms + n > lines.length) break;
        const cart = new Float64Array(3 * n);
        for (let i = 0; i < n; i++) {
          const t = lines[atoms + i].trim();
          if (readPosition(t === '' ? [] : t.split(WS), po, cart, i) >= 0) return taken;
        }
        taken.add(addFlatCellFrame(extents, lattice, pbc, cart)!);
      }
    } catch (e) {
      if (!(e instanceof StructureParseError)) throw e;
    }
    return taken;
  });
  // a part's extents, one object for the parts of the same cells (a slab's frames)
  const parts = new Map<string, FlatCellExtents>();
  return keys.map((taken) => {
    const id = [...taken].join('\n');
    let part = parts.get(id);
    if (!part) parts.set(id, (part = Object.fromEntries([...taken].map((key) => [key, extents[key]]))));
    return part;
  });
}

// ---------------------------------------------------------------------------------------------
// Writer

function fmtInfo(v: unknown): string | null {
  // numbers as they read back exactly (shortest round trip, and the sign of a zero)
  if (typeof v === 'number') return Number.isFinite(v) ? f(v) : null;
  if (typeof v === 'boolean') return v ? 'T' : 'F';
  if (typeof v === 'string') {
    if (v !== '' && /^[^\s"'=\\{}[\]]+$/.test(v) && convertValue(v, false) === v) return v;
    return '"' + v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, ' ') + '"';
  }
  if (Array.isArray(v)) {
    if (v.length > 0 && v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      return v.length === 1 ? `[${f(v[0])}]` : '"' + v.map(f).join(' ') + '"';
    }
    if (v.length > 0 && v.every((x) => typeof x === 'boolean')) return '"' + v.map((x) => (x ? 'T' : 'F')).join(' ') + '"';
  }
  try {
    const j = JSON.stringify(v);
    return j === undefined ? null : j;
  } catch {
    return null;
  }
}

function fmtKey(k: string): string {
  return /^[A-Za-z_][\w.-]*$/.test(k) ? k : '"' + k.replace(/"/g, '') + '"';
}

/**
 * Extended XYZ (one frame per structure): Lattice and pbc when the structure has a lattice,
 * Properties with species, pos and every site property (string, number, vector), movement flags
 * as ASE's `move_mask` (L:1 when every atom is free or fixed along all three axes, ASE's FixAtoms;
 * else L:3 along x, y and z, its FixCartesian; flags along lattice vectors that are not x, y and z
 * as `move_mask:L:1` of the whole atoms and a `selectiveDynamics:L:3` column, read back here as
 * they were), occupancy when any site is partial, then the per-structure properties as key=value
 * info.
 * Numbers are written with round-trip precision.
 */
export function writeExtxyz(structures: Structure | Structure[]): string {
  const list = Array.isArray(structures) ? structures : [structures];
  const out: string[] = [];
  for (const s of list) {
    const n = s.numbers.length;
    const head: string[] = [];
    if (s.lattice) head.push(`Lattice="${s.lattice.map((r) => r.map(f).join(' ')).join(' ')}"`);
    const props: { name: string; spec: string; get: (i: number) => string }[] = [
      { name: 'species', spec: 'S:1', get: (i) => s.species[i] || elementSymbol(s.numbers[i]) },
      { name: 'pos', spec: 'R:3', get: (i) => `${f(s.cart[3 * i])} ${f(s.cart[3 * i + 1])} ${f(s.cart[3 * i + 2])}` },
    ];
    // movement flags as ASE's move_mask (FixAtoms: 1 per atom; FixCartesian: 3 along x, y, z); flags
    // along lattice vectors that are not x, y and z as a selectiveDynamics column beside the whole atoms
    const flags = movementFlags(s);
    const moves = flags?.values;
    const tf = (v: number) => (v ? 'T' : 'F');
    let keptSelective = false;
    if (moves) {
      const partial = heldByFlags(moves).partial;
      keptSelective = partial.length > 0 && flags.frame === 'lattice' && !axesAligned(s.lattice);
      if (partial.length === 0 || keptSelective) {
        const held = (i: number) => !moves[3 * i] && !moves[3 * i + 1] && !moves[3 * i + 2];
        props.push({ name: 'move_mask', spec: 'L:1', get: (i) => tf(held(i) ? 0 : 1) });
      } else props.push({ name: 'move_mask', spec: 'L:3', get: (i) => [0, 1, 2].map((k) => tf(moves[3 * i + k])).join(' ') });
      if (keptSelective) props.push({ name: 'selectiveDynamics', spec: 'L:3', get: (i) => [0, 1, 2].map((k) => tf(moves[3 * i + k])).join(' ') });
    }
    for (const [name, p] of Object.entries(s.siteProperties)) {
      if (name === 'species' || name === 'pos' || !/^[A-Za-z_][\w-]*$/.test(name)) continue;
      if (moves && (name === 'selectiveDynamics' || name === 'move_mask')) continue;
      if (p.kind === 'string') props.push({ name, spec: 'S:1', get: (i) => (p.values[i] || '_').replace(/\s+/g, '_') });
      else if (p.kind === 'number') props.push({ name, spec: 'R:1', get: (i) => f(p.values[i]) });
      else {
        const w = p.width;
        props.push({ name, spec: `R:${w}`, get: (i) => Array.from(p.values.subarray(w * i, w * i + w), f).join(' ') });
      }
    }
    if (s.occupancy.some((o) => o !== 1)) props.push({ name: 'occupancy', spec: 'R:1', get: (i) => f(s.occupancy[i]) });
    head.push('Properties=' + props.map((p) => `${p.name}:${p.spec}`).join(':'));
    for (const [k, v] of Object.entries(s.properties)) {
      const lk = k.toLowerCase();
      if (lk === 'lattice' || lk === 'properties' || lk === 'pbc') continue;
      // A Voigt stress is written as the full 3×3 matrix, as ASE writes it.
      const isVoigt = k === LABEL_KEYS.stress && Array.isArray(v) && v.length === 6 && v.every((x) => typeof x === 'number');
      const value = fmtInfo(isVoigt ? matrixFromVoigt(v as Voigt6) : v);
      if (value !== null) head.push(`${fmtKey(k)}=${value}`);
    }
    if (s.lattice || s.pbc.some((x) => x)) head.push(`pbc="${s.pbc.map((x) => (x ? 'T' : 'F')).join(' ')}"`);
    out.push(String(n), head.join(' '));
    for (let i = 0; i < n; i++) out.push(props.map((p) => p.get(i)).join(' '));
  }
  return out.join('\n') + '\n';
}
