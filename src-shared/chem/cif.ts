/**
 * CIF reader (CIF 1.1 and the basics of CIF 2.0 syntax) and P1 writer.
 *
 * Reading happens in two steps: `parseCif` turns the text into data blocks (items and loops,
 * values as strings, unknown `?` and inapplicable `.` as null, every value with its line), then
 * `cifBlockToStructure` builds a `Structure` from one block (cell, atom sites, symmetry expansion,
 * occupancies). The lexer walks the text with `charCodeAt` and slices values: no regular
 * expressions on the hot path, no per-character string building.
 */
import { StructureLimitError, StructureParseError, StructureWriteError } from './errors';
import { parseSiteLabel, parseTypeSymbol } from './elements';
import { cartToFrac, cellVolume, fmtNumber as f, fracToCart, latticeFromParameters, latticeParameters } from './lattice';
import type { ParsedStructure, ResolvedReadOptions, SkippedBlock } from './options';
import type { Mat3, SiteProperty, Structure } from './structure';
import {
  expandAsymmetricUnit,
  nearestImageDistance2,
  opsNotFittingCell,
  parseSymop,
  PeriodicGrid,
  symopText,
  symopKey,
  type SymOp,
} from './symmetry';
import { spaceGroupFromHall, spaceGroupFromHM, spaceGroupFromNumber } from './spacegroups';

// ---------------------------------------------------------------------------------------------
// Lexer

const enum Tok {
  EOF,
  DATA,
  LOOP,
  SAVE,
  SAVE_END,
  GLOBAL,
  STOP,
  TAG,
  VALUE,
}

const enum C {
  TAB = 9,
  LF = 10,
  CR = 13,
  SPACE = 32,
  DQUOTE = 34,
  HASH = 35,
  SQUOTE = 39,
  SEMI = 59,
  LBRACKET = 91,
  LBRACE = 123,
  UNDERSCORE = 95,
}

function isWs(c: number): boolean {
  return c === C.SPACE || c === C.LF || c === C.CR || c === C.TAB;
}

class Lexer {
  private pos = 0;
  private line = 1;
  private lineStart = 0;
  private readonly n: number;
  /** Line and column (1-based) of the last token. */
  tokLine = 0;
  tokCol = 0;
  /** Text of the last TAG / DATA / SAVE / VALUE token; null for unquoted `?` and `.`. */
  value: string | null = null;
  private peeked: Tok | null = null;

  constructor(
    private readonly text: string,
    private readonly file: string,
    private readonly cif2: boolean,
  ) {
    this.n = text.length;
  }

  private fail(reason: string, line = this.tokLine, col: number | null = this.tokCol): never {
    throw new StructureParseError(this.file, line, reason, col);
  }

  peek(): Tok {
    if (this.peeked === null) this.peeked = this.scan();
    return this.peeked;
  }

  next(): Tok {
    if (this.peeked !== null) {
      const t = this.peeked;
      this.peeked = null;
      return t;
    }
    return this.scan();
  }

  private scan(): Tok {
    const s = this.text;
    const n = this.n;
    let p = this.pos;
    // Skip whitespace and comments.
    for (;;) {
      if (p >= n) {
        this.pos = p;
        this.tokLine = this.line;
        this.tokCol = p - this.lineStart + 1;
        return Tok.EOF;
      }
      const c = s.charCodeAt(p);
      if (c === C.LF) {
        p++;
        this.line++;
        this.lineStart = p;
      } else if (c === C.SPACE || c === C.TAB || c === C.CR) {
        p++;
      } else if (c === C.HASH) {
        const e = s.indexOf('\n', p);
        p = e < 0 ? n : e;
      } else break;
    }
    this.tokLine = this.line;
    this.tokCol = p - this.lineStart + 1;
    const c = s.charCodeAt(p);
    // Text field: ';' in column 1.
    if (c === C.SEMI && p === this.lineStart) {
      const end = s.indexOf('\n;', p);
      if (end < 0) this.fail('a text field opened with ";" here is never closed (a line starting with ";" must end it)');
      let startV = p + 1;
      let endV = end;
      if (endV > startV && s.charCodeAt(endV - 1) === C.CR) endV--;
      // Count lines inside.
      for (let k = p; k <= end; k++) if (s.charCodeAt(k) === C.LF) this.line++;
      this.lineStart = end + 1;
      this.pos = end + 2;
      // Drop the rest of the opening line when it is blank.
      let k = startV;
      while (k < endV && (s.charCodeAt(k) === C.SPACE || s.charCodeAt(k) === C.TAB || s.charCodeAt(k) === C.CR)) k++;
      if (k < endV && s.charCodeAt(k) === C.LF) startV = k + 1;
      this.value = s.slice(startV, Math.max(startV, endV));
      return Tok.VALUE;
    }
    if (c === C.SQUOTE || c === C.DQUOTE) {
      // CIF 2 triple-quoted strings may span lines.
      if (this.cif2 && s.charCodeAt(p + 1) === c && s.charCodeAt(p + 2) === c) {
        const q = s.slice(p, p + 3);
        const end = s.indexOf(q, p + 3);
        if (end < 0) this.fail('a triple-quoted string opened here is never closed');
        for (let k = p; k < end; k++)
          if (s.charCodeAt(k) === C.LF) {
            this.line++;
            this.lineStart = k + 1;
          }
        this.value = s.slice(p + 3, end);
        this.pos = end + 3;
        return Tok.VALUE;
      }
      // CIF 1.1: the string ends at a matching quote followed by whitespace or the end.
      let k = p + 1;
      for (;;) {
        if (k >= n) this.fail(`a quoted string (${String.fromCharCode(c)}) is not closed on this line`);
        const d = s.charCodeAt(k);
        if (d === C.LF || d === C.CR) {
          this.fail(`a quoted string (${String.fromCharCode(c)}) is not closed on this line`);
        }
        if (d === c && (k + 1 >= n || isWs(s.charCodeAt(k + 1)))) break;
        k++;
      }
      this.value = s.slice(p + 1, k);
      this.pos = k + 1;
      return Tok.VALUE;
    }
    if (this.cif2 && (c === C.LBRACKET || c === C.LBRACE)) {
      // CIF 2 list or table: kept as raw text (nesting and quotes respected).
      let depth = 0;
      let k = p;
      let quote = 0;
      for (; k < n; k++) {
        const d = s.charCodeAt(k);
        if (d === C.LF) {
          this.line++;
          this.lineStart = k + 1;
        }
        if (quote) {
          if (d === quote) quote = 0;
          continue;
        }
        if (d === C.SQUOTE || d === C.DQUOTE) quote = d;
        else if (d === C.LBRACKET || d === C.LBRACE) depth++;
        else if (d === 93 || d === 125) {
          depth--;
          if (depth === 0) break;
        }
      }
      if (k >= n) this.fail('a CIF 2 list or table opened here is never closed');
      this.value = s.slice(p, k + 1);
      this.pos = k + 1;
      return Tok.VALUE;
    }
    // Bare word.
    let e = p + 1;
    while (e < n && !isWs(s.charCodeAt(e))) e++;
    this.pos = e;
    const len = e - p;
    if (c === C.UNDERSCORE) {
      let tag = s.slice(p, e).toLowerCase();
      if (tag.indexOf('.') >= 0) tag = tag.replace('.', '_');
      this.value = tag;
      return Tok.TAG;
    }
    if (len === 1 && (c === 63 /* ? */ || c === 46) /* . */) {
      this.value = null;
      return Tok.VALUE;
    }
    if (len >= 5) {
      const c0 = c | 0x20;
      if (c0 === 100 /* d */ || c0 === 108 /* l */ || c0 === 115 /* s */ || c0 === 103 /* g */) {
        const head = s.slice(p, p + 5).toLowerCase();
        if (head === 'data_') {
          this.value = s.slice(p + 5, e);
          return Tok.DATA;
        }
        if (head === 'loop_' && len === 5) return Tok.LOOP;
        if (head === 'save_') {
          this.value = s.slice(p + 5, e);
          return len === 5 ? Tok.SAVE_END : Tok.SAVE;
        }
        if (head === 'stop_' && len === 5) return Tok.STOP;
        if (len === 7 && s.slice(p, e).toLowerCase() === 'global_') return Tok.GLOBAL;
      }
    }
    this.value = s.slice(p, e);
    return Tok.VALUE;
  }
}

// ---------------------------------------------------------------------------------------------
// Parser: text → blocks

export interface CifLoop {
  /** Normalised tags (lower case, `.` → `_`). */
  tags: string[];
  /** Row-major values; null = `?` or `.`. */
  values: (string | null)[];
  /** Line of each value. */
  lines: number[];
  /** Line of `loop_`. */
  line: number;
  /** The file ends after the loop's tags, before any value (a file cut off there). */
  cutOff: boolean;
}

export interface CifItem {
  value: string | null;
  line: number;
}

export interface CifBlock {
  name: string;
  line: number;
  items: Map<string, CifItem>;
  loops: CifLoop[];
  /** Tag → loop containing it. */
  loopByTag: Map<string, CifLoop>;
  warnings: string[];
}

/** The category-like prefix of a loop, for messages (`_atom_site`, `_symmetry_equiv_pos`). */
function loopName(tags: string[]): string {
  let pre = tags[0];
  for (const t of tags) {
    let k = 0;
    while (k < pre.length && k < t.length && pre[k] === t[k]) k++;
    pre = pre.slice(0, k);
  }
  if (tags.length === 1) {
    const u = pre.lastIndexOf('_');
    return u > 0 ? pre.slice(0, u) : pre;
  }
  pre = pre.replace(/_+$/, '');
  if (tags.some((t) => t.length > pre.length && t[pre.length] !== '_')) {
    const u = pre.lastIndexOf('_');
    if (u > 0) pre = pre.slice(0, u);
  }
  return pre || tags[0];
}

function loopShapeError(file: string, loop: CifLoop): never {
  const nc = loop.tags.length;
  const name = loopName(loop.tags);
  const nv = loop.values.length;
  // Files with one row per line: point at the first line whose count differs.
  const counts = new Map<number, number>();
  for (const l of loop.lines) counts.set(l, (counts.get(l) ?? 0) + 1);
  let good = 0;
  for (const v of counts.values()) if (v === nc) good++;
  if (good * 2 > counts.size) {
    for (const [l, v] of counts) {
      if (v !== nc) {
        throw new StructureParseError(
          file,
          l,
          `the ${name} loop has ${nc} columns but this row has ${v} value${v === 1 ? '' : 's'}`,
        );
      }
    }
  }
  const rest = nv % nc;
  const first = nv - rest;
  throw new StructureParseError(
    file,
    loop.lines[first],
    `the ${name} loop has ${nc} columns but its last row has ${rest} value${rest === 1 ? '' : 's'} ` +
      `(${nv} values in all, not a multiple of ${nc})`,
  );
}

/** Parse CIF text into data blocks. Throws `StructureParseError` on malformed syntax. */
export function parseCif(text: string, file = ''): CifBlock[] {
  const cif2 = text.startsWith('#\\#CIF_2.0');
  const lx = new Lexer(text, file, cif2);
  const blocks: CifBlock[] = [];
  let block: CifBlock | null = null;
  let saveDepth = false;
  let lastItem: { tag: string; line: number } | null = null;
  const need = (): CifBlock => {
    if (!block) {
      throw new StructureParseError(file, lx.tokLine, 'data appear before the first data_ block header', lx.tokCol);
    }
    return block;
  };
  for (;;) {
    const t = lx.next();
    if (t === Tok.EOF) break;
    switch (t) {
      case Tok.DATA: {
        block = {
          name: lx.value ?? '',
          line: lx.tokLine,
          items: new Map(),
          loops: [],
          loopByTag: new Map(),
          warnings: [],
        };
        blocks.push(block);
        saveDepth = false;
        lastItem = null;
        break;
      }
      case Tok.GLOBAL: {
        block = { name: 'global_', line: lx.tokLine, items: new Map(), loops: [], loopByTag: new Map(), warnings: [] };
        lastItem = null;
        break;
      }
      case Tok.SAVE:
        need();
        saveDepth = true;
        lastItem = null;
        break;
      case Tok.SAVE_END:
        saveDepth = false;
        lastItem = null;
        break;
      case Tok.STOP:
        break;
      case Tok.TAG: {
        const b = need();
        const tag = lx.value as string;
        const line = lx.tokLine;
        const col = lx.tokCol;
        const v = lx.next();
        if (v !== Tok.VALUE) {
          throw new StructureParseError(file, line, `the tag ${tag} has no value`, col);
        }
        if (!saveDepth) {
          if (b.items.has(tag) || b.loopByTag.has(tag)) b.warnings.push(`line ${line}: ${tag} is given twice; the last value is used`);
          b.items.set(tag, { value: lx.value, line: lx.tokLine });
        }
        lastItem = { tag, line: lx.tokLine };
        break;
      }
      case Tok.LOOP: {
        const b = need();
        const loop: CifLoop = { tags: [], values: [], lines: [], line: lx.tokLine, cutOff: false };
        while (lx.peek() === Tok.TAG) {
          lx.next();
          loop.tags.push(lx.value as string);
        }
        if (loop.tags.length === 0) {
          throw new StructureParseError(file, loop.line, 'loop_ must be followed by at least one tag', null);
        }
        while (lx.peek() === Tok.VALUE) {
          lx.next();
          loop.values.push(lx.value);
          loop.lines.push(lx.tokLine);
        }
        if (loop.values.length % loop.tags.length !== 0) loopShapeError(file, loop);
        loop.cutOff = loop.values.length === 0 && lx.peek() === Tok.EOF;
        if (!saveDepth) {
          b.loops.push(loop);
          for (const tag of loop.tags) {
            if (b.items.has(tag) || b.loopByTag.has(tag)) b.warnings.push(`line ${loop.line}: ${tag} is given twice; the last value is used`);
            b.loopByTag.set(tag, loop);
          }
        }
        lastItem = null;
        break;
      }
      case Tok.VALUE: {
        const b = need();
        // An unquoted value with spaces (`_chemical_name_common sodium chloride`): join it to the
        // item on the same line, with a warning. Anywhere else a tagless value is an error.
        if (lastItem && lastItem.line === lx.tokLine && !saveDepth) {
          const it = b.items.get(lastItem.tag);
          if (it) {
            it.value = (it.value ?? '') + ' ' + (lx.value ?? '');
            b.warnings.push(`line ${lx.tokLine}: the value of ${lastItem.tag} contains spaces but is not quoted`);
            break;
          }
        }
        if (saveDepth) break;
        const shown = (lx.value ?? '?').slice(0, 40);
        throw new StructureParseError(
          file,
          lx.tokLine,
          `the value '${shown}' has no tag (each value must follow a _tag or sit in a loop_)`,
          lx.tokCol,
        );
      }
      default:
        break;
    }
  }
  return blocks;
}

// ---------------------------------------------------------------------------------------------
// Block → Structure

/** A CIF number, ignoring a standard uncertainty in parentheses: `3.634(4)` → 3.634. NaN if not a number. */
export function parseCifNumber(s: string | null | undefined): number {
  if (s == null) return NaN;
  const n = s.length;
  if (n === 0) return NaN;
  let core = s;
  if (s.charCodeAt(n - 1) === 41 /* ) */) {
    const paren = s.indexOf('(');
    if (paren <= 0) return NaN;
    core = s.slice(0, paren);
  }
  const c0 = core.charCodeAt(0);
  // Number() also takes 0x.., 0b.., 0o.., Infinity: a CIF number starts with a digit, sign or dot
  // and has no letters but an exponent.
  if (!((c0 >= 48 && c0 <= 57) || c0 === 45 || c0 === 43 || c0 === 46)) return NaN;
  const c1 = core.charCodeAt(1) | 0x20;
  if (c1 === 120 /* x */ || c1 === 98 /* b */ || c1 === 111 /* o */ || c1 === 105 /* i (+Inf) */) return NaN;
  const v = Number(core);
  return Number.isFinite(v) ? v : NaN;
}

/**
 * pymatgen's CifParser: 0.3333 → 1/3 and 0.6667 → 2/3 (its test, |1 − x/(1/3)| < 1e-4, so 0.66674 stays),
 * applied to the fractional part so that 1.3333 and -0.6667 snap too (integer shifts change nothing;
 * pymatgen leaves them): the 1e-12 over 1e-4 takes in the rounding of 1.3333 − 1.
 */
function snapFraction(x: number): number {
  const fl = Math.floor(x);
  const f = x - fl;
  const near = (ideal: number) => Math.abs(1 - f / ideal) < 1e-4 + 1e-12;
  if (near(1 / 3)) return fl + 1 / 3;
  if (near(2 / 3)) return fl + 2 / 3;
  return x;
}

interface Column {
  values: (string | null)[];
  lines: number[];
  stride: number;
  offset: number;
  tag: string;
}

function column(b: CifBlock, ...tags: string[]): Column | null {
  for (const tag of tags) {
    const loop = b.loopByTag.get(tag);
    if (loop) {
      return { values: loop.values, lines: loop.lines, stride: loop.tags.length, offset: loop.tags.indexOf(tag), tag };
    }
    const it = b.items.get(tag);
    if (it) return { values: [it.value], lines: [it.line], stride: 1, offset: 0, tag };
  }
  return null;
}

function item(b: CifBlock, ...tags: string[]): CifItem | null {
  for (const tag of tags) {
    const it = b.items.get(tag);
    if (it) return it;
    const loop = b.loopByTag.get(tag);
    if (loop && loop.values.length > 0) {
      return { value: loop.values[loop.tags.indexOf(tag)], line: loop.lines[loop.tags.indexOf(tag)] };
    }
  }
  return null;
}

/** True when the block has atom sites (so it describes a structure). */
export function cifBlockHasAtoms(b: CifBlock): boolean {
  return (
    b.loopByTag.has('_atom_site_fract_x') ||
    b.loopByTag.has('_atom_site_cartn_x') ||
    b.items.has('_atom_site_fract_x') ||
    b.items.has('_atom_site_cartn_x')
  );
}

const CELL_TAGS = ['a', 'b', 'c', 'alpha', 'beta', 'gamma'] as const;

function readCell(b: CifBlock, file: string, warnings: string[]): Mat3 | null {
  const vals: number[] = [];
  let present = 0;
  let firstLine: number | null = null;
  for (const k of CELL_TAGS) {
    const tag = k.length === 1 ? `_cell_length_${k}` : `_cell_angle_${k}`;
    const it = item(b, tag);
    if (!it) {
      vals.push(NaN);
      continue;
    }
    present++;
    firstLine ??= it.line;
    const v = parseCifNumber(it.value);
    if (!Number.isFinite(v)) {
      throw new StructureParseError(file, it.line, `${tag} is '${it.value ?? '?'}', not a number`);
    }
    if (k.length === 1 ? v <= 0 : v <= 0 || v >= 180) {
      throw new StructureParseError(file, it.line, `${tag} = ${v} is not a valid ${k.length === 1 ? 'length' : 'angle'}`);
    }
    vals.push(v);
  }
  if (present === 0) return null;
  for (let i = 0; i < 3; i++) {
    if (Number.isNaN(vals[i])) {
      throw new StructureParseError(file, firstLine, `the cell is incomplete: _cell_length_${CELL_TAGS[i]} is missing`);
    }
  }
  for (let i = 3; i < 6; i++) {
    if (Number.isNaN(vals[i])) {
      warnings.push(`_cell_angle_${CELL_TAGS[i]} is missing; 90° assumed`);
      vals[i] = 90;
    }
  }
  const l = latticeFromParameters({ a: vals[0], b: vals[1], c: vals[2], alpha: vals[3], beta: vals[4], gamma: vals[5] });
  if (!l) {
    throw new StructureParseError(
      file,
      firstLine,
      `the cell angles ${vals[3]}°, ${vals[4]}°, ${vals[5]}° do not form a cell (zero or imaginary volume)`,
    );
  }
  return l;
}

interface SymmetryInfo {
  ops: SymOp[];
  /** Line where the symmetry came from (operation loop, symbol), null for the P1 default. */
  line?: number | null;
  /** Operations listed in the file: the line of each (parallel to `ops`). */
  opLines?: number[];
  spaceGroup: string | null;
  spaceGroupNumber: number | null;
}

function readSymmetry(b: CifBlock, file: string, warnings: string[], lattice: Mat3 | null): SymmetryInfo {
  const hmItem = item(
    b,
    '_space_group_name_h-m_alt',
    '_symmetry_space_group_name_h-m',
    '_space_group_name_h-m',
    '_space_group_name_h-m_full',
  );
  const hallItem = item(b, '_space_group_name_hall', '_symmetry_space_group_name_hall');
  const numItem = item(b, '_space_group_it_number', '_symmetry_int_tables_number');
  const hm = hmItem?.value ?? null;
  const num = numItem ? parseCifNumber(numItem.value) : NaN;
  // (`_space_group_symop.operation_xyz` of CIF 2 / mmCIF is normalised to the first name.)
  const col = column(b, '_space_group_symop_operation_xyz', '_symmetry_equiv_pos_as_xyz');
  if (col) {
    const ops: SymOp[] = [];
    const opLines: number[] = [];
    const seen = new Set<string>();
    for (let i = col.offset; i < col.values.length; i += col.stride) {
      const text = col.values[i];
      if (text == null) continue;
      const op = parseSymop(text);
      if (!op) {
        throw new StructureParseError(file, col.lines[i], `'${text}' in ${col.tag} is not a symmetry operation like -x+1/2,y,z`);
      }
      const key = symopKey(op);
      if (seen.has(key)) continue;
      seen.add(key);
      ops.push(op);
      opLines.push(col.lines[i]);
    }
    if (ops.length > 0) return { ops, opLines, spaceGroup: hm, spaceGroupNumber: Number.isInteger(num) ? num : null, line: col.lines[col.offset] };
  }
  // A symbol we cannot read, with its line: the IT number stands in for it (with a warning), else it is an error.
  let unread: { text: string; line: number } | null = null;
  if (hallItem?.value) {
    const sg = spaceGroupFromHall(hallItem.value);
    if (sg) return { ops: sg.operations, spaceGroup: hm ?? sg.universalHM, spaceGroupNumber: sg.number, line: hallItem.line };
    unread = { text: `the Hall symbol '${hallItem.value}' is not one we know`, line: hallItem.line };
    if (hm) warnings.push(`line ${hallItem.line}: ${unread.text}; the Hermann–Mauguin symbol is used`);
  }
  const m = hm ? spaceGroupFromHM(hm) : null;
  if (hm && !m) unread = { text: `the space group '${hm}' is not a Hermann–Mauguin symbol we know`, line: hmItem!.line };
  if (m) {
    let setting = m.setting;
    let assumed = m.assumed;
    // R groups without an axes choice: the cell decides (rhombohedral axes for a = b = c,
    // α = β = γ ≠ 90°, else hexagonal); that is not a guess, so no warning.
    if (assumed && setting.universalHM.endsWith(':H')) {
      assumed = null;
      if (lattice) {
        const p = latticeParameters(lattice);
        const rel = (x: number, y: number) => Math.abs(x - y) <= 1e-3 * Math.max(x, y);
        if (rel(p.a, p.b) && rel(p.b, p.c) && Math.abs(p.alpha - p.beta) < 0.05 && Math.abs(p.beta - p.gamma) < 0.05 && Math.abs(p.alpha - 90) > 0.05) {
          const r = spaceGroupFromHM(setting.hermannMauguin + ' :R');
          if (r) setting = r.setting;
        }
      }
    }
    // Axes stated but contradicted by the cell (`R 3 c {rhombohedral axes}` with a hexagonal cell).
    const axes = setting.universalHM.slice(-2);
    if (lattice && (axes === ':H' || axes === ':R') && opsNotFittingCell(setting.operations, lattice).length) {
      const other = spaceGroupFromHM(setting.hermannMauguin + (axes === ':H' ? ' :R' : ' :H'));
      if (other && opsNotFittingCell(other.setting.operations, lattice).length === 0) {
        warnings.push(`space group '${hm}' does not fit the cell; its other axes setting '${other.setting.universalHM}' does and is used`);
        setting = other.setting;
        assumed = null;
      }
    }
    if (assumed) warnings.push(`space group '${hm}' has several settings; '${assumed}' assumed`);
    return { ops: setting.operations, spaceGroup: hm, spaceGroupNumber: setting.number, line: hmItem!.line };
  }
  if (numItem && Number.isInteger(num)) {
    const sg = spaceGroupFromNumber(num);
    if (!sg) throw new StructureParseError(file, numItem.line, `space group number ${num} is not between 1 and 230`);
    if (unread) warnings.push(`line ${unread.line}: ${unread.text}; the standard setting '${sg.universalHM}' of the space group number ${num} (line ${numItem.line}) is used`);
    else if (num > 2) warnings.push(`only the space group number (${num}) is given; the standard setting '${sg.universalHM}' assumed`);
    return { ops: sg.operations, spaceGroup: sg.universalHM, spaceGroupNumber: num, line: numItem.line };
  }
  if (unread) throw new StructureParseError(file, unread.line, `${unread.text}, and no symmetry operations or space group number are listed`);
  warnings.push('no space group or symmetry operations are given; the atom sites are taken as the whole cell (P 1)');
  return { ops: [parseSymop('x,y,z') as SymOp], spaceGroup: null, spaceGroupNumber: null };
}

/** Build the structure of one data block. */
export function cifBlockToStructure(b: CifBlock, file: string, opt: ResolvedReadOptions): ParsedStructure {
  const warnings: string[] = [...b.warnings];
  const lattice = readCell(b, file, warnings);
  const fx = column(b, '_atom_site_fract_x');
  const cx = column(b, '_atom_site_cartn_x');
  const useFrac = fx !== null;
  const axes = useFrac ? ['_atom_site_fract_x', '_atom_site_fract_y', '_atom_site_fract_z'] : ['_atom_site_cartn_x', '_atom_site_cartn_y', '_atom_site_cartn_z'];
  const first = useFrac ? fx : cx;
  if (!first) throw new StructureParseError(file, b.line, `data block '${b.name}' has no atom sites`);
  const cols = axes.map((t) => column(b, t));
  for (let k = 0; k < 3; k++) {
    const c = cols[k];
    if (!c) throw new StructureParseError(file, first.lines[0] ?? b.line, `${axes[k]} is missing although ${axes[0]} is given`);
    if (c.values !== first.values) {
      throw new StructureParseError(file, c.lines[0], `${axes[k]} is not in the same loop as ${axes[0]}`);
    }
  }
  if (useFrac && !lattice) {
    throw new StructureParseError(file, first.lines[0], 'the atom sites have fractional coordinates but the cell (_cell_length_a ...) is missing');
  }
  const stride = first.stride;
  const nRows = first.values.length / stride;
  const same = (c: Column | null) => (c && c.values === first.values ? c : null);
  const typeCol = same(column(b, '_atom_site_type_symbol'));
  const labelCol = same(column(b, '_atom_site_label', '_atom_site_label_atom_id'));
  const occCol = same(column(b, '_atom_site_occupancy'));
  const flagCol = same(column(b, '_atom_site_calc_flag'));
  if (!typeCol && !labelCol) {
    throw new StructureParseError(file, first.lines[0], 'the atom sites have neither _atom_site_type_symbol nor _atom_site_label, so their elements are unknown');
  }

  const numbers: number[] = [];
  const symbols: string[] = [];
  const labels: string[] = [];
  const occ: number[] = [];
  const pos: number[] = [];
  let guessed = 0;
  let guessedCount = 0;
  const guessedLabels: string[] = [];
  let dummies = 0;
  for (let row = 0; row < nRows; row++) {
    const base = row * stride;
    const line = first.lines[base + first.offset];
    if (flagCol && flagCol.values[base + flagCol.offset]?.toLowerCase() === 'dum') {
      dummies++;
      continue;
    }
    const label = labelCol ? labelCol.values[base + labelCol.offset] : null;
    const type = typeCol ? typeCol.values[base + typeCol.offset] : null;
    let sp = type != null ? parseTypeSymbol(type) : null;
    if (!sp && label != null) {
      sp = parseTypeSymbol(label);
      if (!sp) {
        const g = parseSiteLabel(label);
        if (g?.guessed && guessedLabels.length < 8) guessedLabels.push(`${label} → ${g.symbol}`);
        if (g?.guessed) guessedCount++;
        sp = g;
      }
      if (sp && type != null) guessed++;
    }
    if (!sp) {
      const what = type != null ? `type symbol '${type}'` : `label '${label ?? '?'}'`;
      throw new StructureParseError(file, line, `cannot tell the element of the atom site with ${what}`);
    }
    const xyz: number[] = [0, 0, 0];
    for (let k = 0; k < 3; k++) {
      const c = cols[k]!;
      const raw = c.values[base + c.offset];
      const v = parseCifNumber(raw);
      if (!Number.isFinite(v)) {
        throw new StructureParseError(
          file,
          c.lines[base + c.offset],
          `atom site '${label ?? type}' has ${axes[k]} = '${raw ?? '?'}', not a number`,
        );
      }
      xyz[k] = useFrac && opt.snapFractions ? snapFraction(v) : v;
    }
    let o = 1;
    if (occCol) {
      const raw = occCol.values[base + occCol.offset];
      if (raw != null) {
        o = parseCifNumber(raw);
        if (!Number.isFinite(o) || o < 0) {
          throw new StructureParseError(file, occCol.lines[base + occCol.offset], `atom site '${label ?? type}' has occupancy '${raw}', not a number ≥ 0`);
        }
        if (o > 1 + 1e-3) warnings.push(`line ${occCol.lines[base + occCol.offset]}: atom site '${label ?? type}' has occupancy ${o} > 1`);
      }
    }
    numbers.push(sp.z);
    symbols.push(sp.symbol);
    labels.push(label ?? type ?? sp.symbol);
    occ.push(o);
    pos.push(xyz[0], xyz[1], xyz[2]);
  }
  if (dummies) warnings.push(`${dummies} dummy atom site(s) (_atom_site_calc_flag dum) ignored`);
  if (guessed) warnings.push(`${guessed} atom site(s) have a type symbol that is not an element; the element was taken from the label`);
  if (guessedCount) {
    warnings.push(
      `the element of ${guessedCount} atom site(s) was inferred from labels that are not plain element symbols: ` +
        guessedLabels.join(', ') + (guessedCount > guessedLabels.length ? ', ...' : ''),
    );
  }
  if (numbers.length === 0) {
    // said where the loop starts (rows of dummy sites only: the first row)
    const loop = b.loopByTag.get(first.tag);
    const where = first.lines[0] ?? loop?.line ?? b.line;
    if (loop?.cutOff) throw new StructureParseError(file, where, `the file ends in the header of the atom-site loop of data block '${b.name}' (from this line), before any atom site`);
    throw new StructureParseError(file, where, `data block '${b.name}' has an empty atom-site loop`);
  }
  if (numbers.length > opt.maxAtoms) {
    throw new StructureLimitError(file, first.lines[0], `the structure has ${numbers.length} atom sites, more than the limit of ${opt.maxAtoms} (option --max-atoms)`);
  }

  const properties: Record<string, unknown> = {};
  let structure: Structure;
  if (!lattice) {
    // A molecule given in Cartesian coordinates.
    const n = numbers.length;
    structure = {
      name: b.name,
      lattice: null,
      pbc: [false, false, false],
      numbers: Int32Array.from(numbers),
      species: symbols,
      cart: Float64Array.from(pos),
      frac: null,
      occupancy: Float64Array.from(occ),
      siteProperties: { label: { kind: 'string', values: labels } },
      properties,
    };
    if (n === 0) throw new StructureParseError(file, b.line, 'no atoms');
  } else {
    let asym: Float64Array = Float64Array.from(pos);
    if (!useFrac) asym = cartToFrac(asym, lattice);
    const sym = readSymmetry(b, file, warnings, lattice);
    if (sym.spaceGroup) properties.spaceGroup = sym.spaceGroup;
    if (sym.spaceGroupNumber != null) properties.spaceGroupNumber = sym.spaceGroupNumber;
    if (sym.ops.length > 1) {
      const bad = opsNotFittingCell(sym.ops, lattice);
      if (bad.length) {
        const p = latticeParameters(lattice);
        const f = (x: number) => String(Math.round(x * 1e4) / 1e4);
        // a listed operation by its own line, a space group's by its symbol's
        throw new StructureParseError(
          file,
          sym.opLines?.[sym.ops.indexOf(bad[0])] ?? sym.line ?? first.lines[0],
          `the symmetry operation ${symopText(bad[0])} does not fit the cell (a=${f(p.a)}, b=${f(p.b)}, c=${f(p.c)} Å, ` +
            `α=${f(p.alpha)}, β=${f(p.beta)}, γ=${f(p.gamma)}°): the cell parameters or the space group in this file are wrong`,
        );
      }
    }
    // Rows of the same element and occupancy that are symmetry copies of each other merge.
    const kinds = new Float64Array(numbers.length);
    for (let i = 0; i < numbers.length; i++) kinds[i] = numbers[i] * 1e9 + Math.round(occ[i] * 1e6);
    const ex = expandAsymmetricUnit(
      asym,
      sym.ops,
      lattice,
      opt.symprec,
      opt.maxAtoms,
      () => {
        throw new StructureLimitError(
          file,
          first.lines[0],
          `symmetry expansion gives more than ${opt.maxAtoms} sites (option --max-atoms)`,
        );
      },
      kinds,
    );
    if (ex.duplicateRows) {
      warnings.push(`${ex.duplicateRows} atom-site row(s) are symmetry copies of earlier rows and were merged with them`);
    }
    const n = ex.source.length;
    const nums = new Int32Array(n);
    const sp: string[] = new Array(n);
    const lab: string[] = new Array(n);
    const oc = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const s = ex.source[i];
      nums[i] = numbers[s];
      sp[i] = symbols[s];
      lab[i] = labels[s];
      oc[i] = occ[s];
    }
    structure = {
      name: b.name,
      lattice,
      pbc: [true, true, true],
      numbers: nums,
      species: sp,
      cart: fracToCart(ex.frac, lattice),
      frac: ex.frac,
      occupancy: oc,
      siteProperties: { label: { kind: 'string', values: lab } },
      properties,
    };
    checkOverlaps(structure, opt.symprec, warnings);
  }
  structure = applyDisorderPolicy(structure, file, b.line, opt, warnings);
  return { structure, block: b.name, warnings };
}

/** Warn when sites of different asymmetric-unit entries coincide with a total occupancy > 1. */
function checkOverlaps(s: Structure, tol: number, warnings: string[]): void {
  const groups = positionGroups(s, tol);
  let over = 0;
  for (const g of groups) {
    if (g.length < 2) continue;
    let tot = 0;
    for (const i of g) tot += s.occupancy[i];
    if (tot > 1 + 1e-3) over++;
  }
  if (over) warnings.push(`${over} position(s) hold several sites with a total occupancy above 1 (overlapping atoms?)`);
  // Fully occupied sites closer than 0.5 Å (but not at the same position): a symmetry or cell problem.
  if (!s.lattice || !s.frac) return;
  const grid = new PeriodicGrid(s.lattice, CLOSE_CONTACT);
  const f = s.frac;
  let close = 0;
  let example = '';
  for (let i = 0; i < s.numbers.length; i++) {
    if (s.occupancy[i] < 1 - 1e-6) continue;
    const j = grid.find(f[3 * i], f[3 * i + 1], f[3 * i + 2], (k) => !samePosition(s, i, k, tol));
    if (j >= 0) {
      if (close === 0) example = `${s.species[j]}–${s.species[i]}`;
      close++;
    }
    grid.add(f[3 * i], f[3 * i + 1], f[3 * i + 2], i);
  }
  if (close) {
    warnings.push(
      `${close} site(s) are closer than ${CLOSE_CONTACT} Å to another fully occupied site (e.g. ${example}): ` +
        'check the cell, the space group and its origin choice',
    );
  }
}

const CLOSE_CONTACT = 0.5;

function samePosition(s: Structure, i: number, j: number, tol: number): boolean {
  const f = s.frac!;
  return nearestImageDistance2(s.lattice!, f[3 * j] - f[3 * i], f[3 * j + 1] - f[3 * i + 1], f[3 * j + 2] - f[3 * i + 2]) < tol * tol;
}

/** Sites grouped by position (within `tol` Å, minimum image), for disorder handling. */
function positionGroups(s: Structure, tol: number): number[][] {
  const n = s.numbers.length;
  const groups: number[][] = [];
  const groupOf = new Int32Array(n);
  if (s.lattice && s.frac) {
    const grid = new PeriodicGrid(s.lattice, tol);
    const f = s.frac;
    for (let i = 0; i < n; i++) {
      const j = grid.find(f[3 * i], f[3 * i + 1], f[3 * i + 2], () => true);
      if (j >= 0) {
        groupOf[i] = groupOf[j];
        groups[groupOf[j]].push(i);
      } else {
        groupOf[i] = groups.length;
        groups.push([i]);
        grid.add(f[3 * i], f[3 * i + 1], f[3 * i + 2], i);
      }
    }
    return groups;
  }
  // Molecules: sort-and-sweep along x.
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => s.cart[3 * a] - s.cart[3 * b]);
  const tol2 = tol * tol;
  const assigned = new Int8Array(n);
  for (let p = 0; p < n; p++) {
    const i = order[p];
    if (assigned[i]) continue;
    assigned[i] = 1;
    const g = [i];
    for (let q = p + 1; q < n && s.cart[3 * order[q]] - s.cart[3 * i] < tol; q++) {
      const j = order[q];
      if (assigned[j]) continue;
      const x = s.cart[3 * j] - s.cart[3 * i];
      const y = s.cart[3 * j + 1] - s.cart[3 * i + 1];
      const z = s.cart[3 * j + 2] - s.cart[3 * i + 2];
      if (x * x + y * y + z * z < tol2) {
        g.push(j);
        assigned[j] = 1;
      }
    }
    groups.push(g);
  }
  return groups;
}

function subset(s: Structure, keep: number[]): Structure {
  const n = keep.length;
  const pick = (a: Float64Array) => {
    const out = new Float64Array(3 * n);
    keep.forEach((k, i) => out.set(a.subarray(3 * k, 3 * k + 3), 3 * i));
    return out;
  };
  const siteProperties: Record<string, SiteProperty> = {};
  for (const [k, p] of Object.entries(s.siteProperties)) {
    if (p.kind === 'string') siteProperties[k] = { kind: 'string', values: keep.map((i) => p.values[i]) };
    else if (p.kind === 'number') siteProperties[k] = { kind: 'number', values: Float64Array.from(keep, (i) => p.values[i]) };
    else {
      const w = p.width;
      const out = new Float64Array(w * n);
      keep.forEach((k2, i) => out.set(p.values.subarray(w * k2, w * k2 + w), w * i));
      siteProperties[k] = { kind: 'vector', width: w, values: out };
    }
  }
  return {
    ...s,
    numbers: Int32Array.from(keep, (i) => s.numbers[i]),
    species: keep.map((i) => s.species[i]),
    cart: pick(s.cart),
    frac: s.frac ? pick(s.frac) : null,
    occupancy: new Float64Array(n).fill(1),
    siteProperties,
  };
}

function applyDisorderPolicy(s: Structure, file: string, line: number, opt: ResolvedReadOptions, warnings: string[]): Structure {
  let partial = 0;
  for (let i = 0; i < s.occupancy.length; i++) if (s.occupancy[i] < 1 - 1e-6) partial++;
  if (partial === 0) return s;
  if (opt.disorder === 'reject') {
    throw new StructureParseError(
      file,
      line,
      `structure '${s.name}' has ${partial} partially occupied site(s); it is disordered (read it with disorder 'keep' or 'most-probable')`,
    );
  }
  if (opt.disorder === 'keep') {
    warnings.push(`${partial} partially occupied site(s) kept with their occupancies (the structure is disordered)`);
    return s;
  }
  const keep: number[] = [];
  let dropped = 0;
  for (const g of positionGroups(s, Math.max(opt.symprec, 0.05))) {
    let best = g[0];
    let tot = 0;
    for (const i of g) {
      tot += s.occupancy[i];
      if (s.occupancy[i] > s.occupancy[best]) best = i;
    }
    if (tot < 0.5 - 1e-9) {
      dropped++;
      continue;
    }
    keep.push(best);
  }
  keep.sort((a, b) => a - b);
  warnings.push(
    `${partial} partially occupied site(s) ordered to the most probable species` +
      (dropped ? `; ${dropped} position(s) left vacant` : ''),
  );
  return subset(s, keep);
}

/**
 * Read every structure-bearing data block of a CIF text. A block that cannot be read (its space
 * group, its cell, its sites) is skipped when another block is read, its error naming the block; a
 * limit passed stops the file.
 */
export function readCif(text: string, file: string, opt: ResolvedReadOptions): { parsed: ParsedStructure[]; skipped: SkippedBlock[] } {
  const blocks = parseCif(text, file);
  const out: ParsedStructure[] = [];
  const failed: (SkippedBlock & { line: number })[] = [];
  const names = new Set<string>();
  for (const b of blocks) {
    if (!cifBlockHasAtoms(b)) continue;
    if (out.length >= opt.maxStructures) {
      throw new StructureLimitError(file, b.line, `the file has more than ${opt.maxStructures} structures`);
    }
    let p: ParsedStructure;
    try {
      p = cifBlockToStructure(b, file, opt);
    } catch (e) {
      if (!(e instanceof StructureParseError) || e instanceof StructureLimitError) throw e;
      failed.push({ block: b.name, line: b.line, error: e });
      continue;
    }
    if (names.has(b.name)) p.warnings.push(`the data block name '${b.name}' is used more than once`);
    names.add(b.name);
    out.push(p);
  }
  // No block read: the file's error is the first block's, as it stands.
  if (failed.length && out.length === 0) throw failed[0].error;
  if (out.length === 0) {
    throw new StructureParseError(
      file,
      null,
      blocks.length === 0
        ? 'this is not a CIF: no data_ block found'
        : `no data block has atom sites (_atom_site_fract_x or _atom_site_Cartn_x); ${blocks.length} block(s) read`,
    );
  }
  const skipped = failed.map(({ block, line, error: e }) => ({ block, error: new StructureParseError(file, e.line ?? line, `data block '${block}': ${e.reason}`, e.column) }));
  return { parsed: out, skipped };
}

// ---------------------------------------------------------------------------------------------
// Writer

function cifString(s: string): string {
  if (s === '') return "''";
  if (/^[^\s'"_#$;[\]{}][^\s]*$/.test(s) && s !== '?' && s !== '.' && !/^(data|loop|save|global|stop)_/i.test(s)) return s;
  if (!s.includes("'") && !s.includes('\n')) return `'${s}'`;
  if (!s.includes('"') && !s.includes('\n')) return `"${s}"`;
  return `\n;${s}\n;`;
}

function blockName(s: string): string {
  const n = s.replace(/\s+/g, '_');
  return n.length ? n : 'structure';
}

/**
 * Write structures as a CIF in P1 (one data block each). Numbers are written with the shortest
 * text that reads back to the same double, so reading gives back the same cell parameters,
 * fractional coordinates, species, occupancies and labels (the lattice comes back in the
 * standard orientation: a along x, b in the xy plane). Molecules are written with Cartesian sites.
 */
export function writeCif(structures: Structure | Structure[]): string {
  const list = Array.isArray(structures) ? structures : [structures];
  const out: string[] = ['# Written by Latticework', ''];
  for (const s of list) {
    const n = s.numbers.length;
    if (s.lattice && s.pbc.some((x) => !x)) {
      throw new StructureWriteError('', null, `structure '${s.name}' is periodic only along some axes; CIF describes fully periodic crystals`);
    }
    out.push(`data_${blockName(s.name)}`);
    const labelProp = s.siteProperties.label;
    const labels = labelProp && labelProp.kind === 'string' ? labelProp.values : null;
    if (s.lattice) {
      const p = latticeParameters(s.lattice);
      out.push(`_cell_length_a ${p.a}`, `_cell_length_b ${p.b}`, `_cell_length_c ${p.c}`);
      out.push(`_cell_angle_alpha ${p.alpha}`, `_cell_angle_beta ${p.beta}`, `_cell_angle_gamma ${p.gamma}`);
      out.push(`_cell_volume ${cellVolume(s.lattice)}`);
      out.push(`_symmetry_space_group_name_H-M 'P 1'`, '_symmetry_Int_Tables_number 1', '');
      out.push('loop_', '_symmetry_equiv_pos_as_xyz', "'x, y, z'", '');
      // Fractional coordinates relative to the standard orientation are the same numbers.
      const frac = s.frac ?? cartToFrac(s.cart, s.lattice);
      out.push('loop_', '_atom_site_label', '_atom_site_type_symbol', '_atom_site_fract_x', '_atom_site_fract_y', '_atom_site_fract_z', '_atom_site_occupancy');
      for (let i = 0; i < n; i++) {
        out.push(
          `${cifString(labels?.[i] || s.species[i] || 'X')} ${s.species[i] || 'X'} ${f(frac[3 * i])} ${f(frac[3 * i + 1])} ${f(frac[3 * i + 2])} ${f(s.occupancy[i])}`,
        );
      }
    } else {
      out.push('');
      out.push('loop_', '_atom_site_label', '_atom_site_type_symbol', '_atom_site_Cartn_x', '_atom_site_Cartn_y', '_atom_site_Cartn_z', '_atom_site_occupancy');
      for (let i = 0; i < n; i++) {
        out.push(
          `${cifString(labels?.[i] || s.species[i] || 'X')} ${s.species[i] || 'X'} ${f(s.cart[3 * i])} ${f(s.cart[3 * i + 1])} ${f(s.cart[3 * i + 2])} ${f(s.occupancy[i])}`,
        );
      }
    }
    out.push('');
  }
  return out.join('\n');
}
