/**
 * Space-group settings: spglib's 530 (spacegroups.data.ts, symbols only) and their operations,
 * built from Hall symbols (Hall 1981, read as sgtbx and spglib read them), so that any Hall
 * symbol, listed or not, and every H-M symbol with its origin or axes choice give exactly the
 * operations spglib gives for that setting.
 */
import { invert } from './lattice';
import type { Mat3 } from './structure';
import { parseAffine, symopKey, type SymOp } from './symmetry';
import { SG_SETTINGS } from './spacegroups.data';

export interface SpaceGroupSetting {
  number: number;
  /** Hermann–Mauguin symbol, e.g. `F d -3 m`, `C m c e`. */
  hermannMauguin: string;
  /** The setting's name, with origin/axes choice: `F d -3 m :1`, `R -3 m :H`, `C m m a` (of two `C m m e`). */
  universalHM: string;
  hall: string;
  /** Operations, centring included, translations in [0, 1). */
  operations: SymOp[];
}

// ---------------------------------------------------------------------------------------------
// Hall symbols

const ROTATIONS: Record<string, string> = {
  '1': 'x,y,z',
  '2x': 'x,-y,-z',
  '2y': '-x,y,-z',
  '2z': '-x,-y,z',
  '3x': 'x,-z,y-z',
  '3y': '-x+z,y,-x',
  '3z': '-y,x-y,z',
  '4x': 'x,-z,y',
  '4y': 'z,y,-x',
  '4z': '-y,x,z',
  '6x': 'x,y-z,y',
  '6y': 'z,y,-x+z',
  '6z': 'x-y,x,z',
  // Face diagonals, after a rotation about x, y or z: ' along b−c, c−a, a−b; " along b+c, c+a, a+b.
  "2'x": '-x,-z,-y',
  '2"x': '-x,z,y',
  "2'y": '-z,-y,-x',
  '2"y': 'z,-y,x',
  "2'z": '-y,-x,-z',
  '2"z': 'y,x,-z',
  '3*': 'z,x,y',
};
const TRANSLATIONS: Record<string, [number, number, number]> = {
  a: [1 / 2, 0, 0],
  b: [0, 1 / 2, 0],
  c: [0, 0, 1 / 2],
  n: [1 / 2, 1 / 2, 1 / 2],
  u: [1 / 4, 0, 0],
  v: [0, 1 / 4, 0],
  w: [0, 0, 1 / 4],
  d: [1 / 4, 1 / 4, 1 / 4],
};
const CENTRING: Record<string, number[][]> = {
  P: [],
  A: [[0, 1 / 2, 1 / 2]],
  B: [[1 / 2, 0, 1 / 2]],
  C: [[1 / 2, 1 / 2, 0]],
  I: [[1 / 2, 1 / 2, 1 / 2]],
  R: [
    [2 / 3, 1 / 3, 1 / 3],
    [1 / 3, 2 / 3, 2 / 3],
  ],
  S: [
    [1 / 3, 1 / 3, 2 / 3],
    [2 / 3, 2 / 3, 1 / 3],
  ],
  T: [
    [1 / 3, 2 / 3, 1 / 3],
    [2 / 3, 1 / 3, 2 / 3],
  ],
  F: [
    [0, 1 / 2, 1 / 2],
    [1 / 2, 0, 1 / 2],
    [1 / 2, 1 / 2, 0],
  ],
};
/** Translations are multiples of 1/144 (twelfths of the Hall shift, halves to ninths of a change of basis). */
const GRID = 144;
/** No setting has more (P 6/m m m in a 2×2×2 cell: 192). */
const MAX_OPS = 1536;

function op(r: ArrayLike<number>, t: ArrayLike<number>): SymOp {
  const tt = new Float64Array(3);
  for (let k = 0; k < 3; k++) {
    const g = t[k] * GRID;
    const x = Math.abs(g - Math.round(g)) < 1e-6 ? Math.round(g) / GRID : t[k];
    tt[k] = x - Math.floor(x);
  }
  return { r: Int8Array.from(r), t: tt };
}

function compose(a: SymOp, b: SymOp): SymOp {
  const r = new Array<number>(9).fill(0);
  const t = [a.t[0], a.t[1], a.t[2]];
  for (let i = 0; i < 3; i++) {
    for (let k = 0; k < 3; k++) {
      const v = a.r[i * 3 + k];
      if (!v) continue;
      for (let j = 0; j < 3; j++) r[i * 3 + j] += v * b.r[k * 3 + j];
      t[i] += v * b.t[k];
    }
  }
  return op(r, t);
}

/** The group the generators make (translations modulo 1), identity first; null past MAX_OPS. */
function closeGroup(generators: SymOp[]): SymOp[] | null {
  const ops = [op([1, 0, 0, 0, 1, 0, 0, 0, 1], [0, 0, 0])];
  const seen = new Set([symopKey(ops[0])]);
  for (let i = 0; i < ops.length; i++) {
    for (const g of generators) {
      const p = compose(ops[i], g);
      const key = symopKey(p);
      if (seen.has(key)) continue;
      if (ops.length >= MAX_OPS) return null;
      seen.add(key);
      ops.push(p);
    }
  }
  return ops;
}

/**
 * The change of basis V of a Hall symbol, `(0 0 1)` (an origin shift in twelfths) or `(x,y,z+1/4)`,
 * `(1/2*x+1/2*y,-1/2*x+1/2*y,z)` (new coordinates from the reference setting's): S' = V S V⁻¹.
 */
function changeOfBasis(text: string): { m: Mat3; t: Float64Array } | null {
  if (/[xyz]/i.test(text)) return parseAffine(text);
  const v = text.trim().split(/[\s,]+/).map(Number);
  if (v.length !== 3 || !v.every((x) => Number.isInteger(x))) return null;
  return {
    m: [
      [1, 0, 0],
      [0, 1, 0],
      [0, 0, 1],
    ],
    t: Float64Array.from(v, (x) => x / 12),
  };
}

function transformed(ops: SymOp[], v: { m: Mat3; t: Float64Array }): SymOp[] | null {
  const vi = invert(v.m);
  if (!vi) return null;
  const gens: SymOp[] = [];
  // The reference lattice's translations, in the new cell (centring when the cell grew).
  for (let j = 0; j < 3; j++) gens.push(op([1, 0, 0, 0, 1, 0, 0, 0, 1], [v.m[0][j], v.m[1][j], v.m[2][j]]));
  for (const s of ops) {
    // r' = M R M⁻¹, t' = M t + p − r' p
    const r = new Array<number>(9).fill(0);
    for (let i = 0; i < 3; i++) {
      for (let j = 0; j < 3; j++) {
        let x = 0;
        for (let k = 0; k < 3; k++) for (let l = 0; l < 3; l++) x += v.m[i][k] * s.r[k * 3 + l] * vi[l][j];
        if (Math.abs(x - Math.round(x)) > 1e-6) return null;
        r[i * 3 + j] = Math.round(x);
      }
    }
    const t = [0, 1, 2].map((i) => v.m[i][0] * s.t[0] + v.m[i][1] * s.t[1] + v.m[i][2] * s.t[2] + v.t[i] - r[i * 3] * v.t[0] - r[i * 3 + 1] * v.t[1] - r[i * 3 + 2] * v.t[2]);
    gens.push(op(r, t));
  }
  return closeGroup(gens);
}

/**
 * The operations of a Hall symbol (`-P 2ybc`, `P 31 2c (0 0 1)`, `-F 4vw 2vw 3`, `P 3*`), in any
 * spacing and case; null when it is not one. Default axes as in Hall (1981): the first rotation
 * about c, a second 2-fold about a after a 2- or 4-fold and along a−b after a 3- or 6-fold, a third
 * 3-fold along a+b+c.
 */
export function hallOperations(symbol: string): SymOp[] | null {
  const m = /^\s*(-?)\s*([pabcirstf])\s*([^()]*?)\s*(?:\(([^()]*)\))?\s*$/i.exec(symbol.replace(/_/g, ' '));
  if (!m || !m[3]) return null;
  const gens: SymOp[] = CENTRING[m[2].toUpperCase()].map((t) => op([1, 0, 0, 0, 1, 0, 0, 0, 1], t));
  if (m[1]) gens.push(op([-1, 0, 0, 0, -1, 0, 0, 0, -1], [0, 0, 0]));
  let prevN = 0;
  let prevAxis = 'z';
  const tokens = m[3].toLowerCase().split(/\s+/);
  for (let i = 0; i < tokens.length; i++) {
    const tok = /^(-?)([12346])([1-5]?)([xyz'"*]?)([abcnuvwd]*)$/.exec(tokens[i]);
    if (!tok) return null;
    const n = Number(tok[2]);
    let axis = tok[4];
    if (!axis && n !== 1) {
      if (i === 0) axis = 'z';
      else if (i === 1 && n === 2 && (prevN === 2 || prevN === 4)) axis = 'x';
      else if (i === 1 && n === 2 && (prevN === 3 || prevN === 6)) axis = "'";
      else if (i === 2 && n === 3) axis = '*';
      else return null;
    }
    const key = n === 1 ? '1' : axis === "'" || axis === '"' ? `${n}${axis}${prevAxis}` : `${n}${axis}`;
    const rotation = ROTATIONS[key];
    const screw = Number(tok[3]);
    if (!rotation || (screw && (screw >= n || !'xyz'.includes(axis)))) return null;
    const r = Array.from(parseAffine(rotation)!.m.flat(), (x) => (tok[1] ? -x : x));
    const t = [0, 0, 0];
    if (screw) t['xyz'.indexOf(axis)] += screw / n;
    for (const c of tok[5]) for (let k = 0; k < 3; k++) t[k] += TRANSLATIONS[c][k];
    gens.push(op(r, t));
    if (n !== 1) prevN = n;
    if (axis && 'xyz'.includes(axis)) prevAxis = axis;
  }
  const ops = closeGroup(gens);
  if (!ops || m[4] === undefined) return ops;
  const v = changeOfBasis(m[4]);
  return v ? transformed(ops, v) : null;
}

// ---------------------------------------------------------------------------------------------
// The table

const cache = new Map<number, SpaceGroupSetting>();

function settingAt(i: number): SpaceGroupSetting {
  let s = cache.get(i);
  if (!s) {
    const [number, hm, , hall, name] = SG_SETTINGS[i];
    s = { number, hermannMauguin: hm, universalHM: name, hall, operations: hallOperations(hall)! };
    cache.set(i, s);
  }
  return s;
}

function hmKey(s: string): string {
  return s.replace(/[\s_]+/g, '').toLowerCase();
}
function hallKey(s: string): string {
  return s.replace(/_/g, ' ').trim().replace(/\s+/g, ' ').toLowerCase();
}
function opsKey(ops: SymOp[]): string {
  return ops.map(symopKey).sort().join(';');
}

interface Indexes {
  /** H-M key (`ccce`, `ccce:2`, `p21/c`) → first setting. */
  hm: Map<string, number>;
  /**
   * H-M keys without a choice that name settings of several origin or axes choices (`ccce`, `r-3m`).
   * A name of two axes settings (`cmme`: abc and ba-c, `C m m a` and `C m m b` before 2002) means the
   * standard one, as the short monoclinic `P21/c` means b unique.
   */
  several: Set<string>;
  hall: Map<string, number>;
  num: Map<number, number>;
}
let indexes: Indexes | null = null;
function getIndexes(): Indexes {
  if (indexes) return indexes;
  const hm = new Map<string, number>();
  const choiceOf = new Map<string, string>();
  const several = new Set<string>();
  const hall = new Map<string, number>();
  const num = new Map<number, number>();
  const add = (k: string, i: number) => {
    if (!hm.has(k)) hm.set(k, i);
  };
  SG_SETTINGS.forEach(([number, h, choice, hs, name, others], i) => {
    for (const n of [h, name.replace(/\s*:.*$/, ''), ...others.split('|').filter(Boolean)]) {
      const key = hmKey(n);
      if (choice) add(`${key}:${choice.toLowerCase()}`, i);
      add(key, i);
      if (choiceOf.has(key) && choiceOf.get(key) !== choice) several.add(key);
      choiceOf.set(key, choice);
      // Short monoclinic symbols: `P 1 21/c 1` → `P21/c` (first, i.e. b-unique, setting wins).
      const parts = n.split(' ');
      if (parts.length === 4) {
        const rest = parts.slice(1).filter((p) => p !== '1');
        if (rest.length === 1) add(hmKey(parts[0] + rest[0]), i);
      }
    }
    if (!hall.has(hallKey(hs))) hall.set(hallKey(hs), i);
    if (!num.has(number)) num.set(number, i);
  });
  indexes = { hm, several, hall, num };
  return indexes;
}

let byOperations: Map<string, number> | null = null;
/** The first of the 530 settings with exactly these operations. */
function settingWithOperations(ops: SymOp[]): number | undefined {
  if (!byOperations) {
    byOperations = new Map();
    for (let i = 0; i < SG_SETTINGS.length; i++) {
      const k = opsKey(settingAt(i).operations);
      if (!byOperations.has(k)) byOperations.set(k, i);
    }
  }
  return byOperations.get(opsKey(ops));
}

export interface SpaceGroupMatch {
  setting: SpaceGroupSetting;
  /** Set when the symbol did not fix the setting and a default was taken (say so in a warning). */
  assumed: string | null;
}

/**
 * Space group from a Hermann–Mauguin symbol: `Fd-3m`, `F d -3 m :1`, `F d -3 m Z` (old origin 2
 * suffix; S = origin 1), `R -3 m :H`, `P 21/c`, `P2_1/c`, full symbols `P 21/n 21/m 21/a`, the
 * `e`-glide symbols and the older ones (`C m c e` = `C m c a`, `C c c e :2` = `C c c a :2`).
 * Without an origin/axes choice the first setting is taken (origin choice 1, hexagonal axes for R),
 * as ASE does; a name of two axes settings (`C m m e`, `C c c e :2`) is the standard one.
 */
export function spaceGroupFromHM(symbol: string): SpaceGroupMatch | null {
  let s = symbol.trim();
  let choice: string | null = null;
  // Annotations: `R 3 c {rhombohedral axes}`, `P 1 21/c 1 (origin choice 2)`.
  const note = /\s*[{(]([^{}()]*)[})]\s*$/.exec(s);
  if (note) {
    const t = note[1].toLowerCase();
    if (t.includes('rhomb')) choice = 'r';
    else if (t.includes('hex')) choice = 'h';
    else if (/\b[12]\b/.test(t)) choice = /\b([12])\b/.exec(t)![1];
    s = s.slice(0, note.index).trim();
  }
  const colon = s.indexOf(':');
  if (colon >= 0) {
    choice = s.slice(colon + 1).trim().toLowerCase();
    s = s.slice(0, colon).trim();
  }
  const found = lookupHM(s, choice);
  if (found || choice) return found;
  // Old-style suffixes: `F d -3 m Z` / `S` (origin 2 / 1), `R -3 m H` / `R`.
  const m = /^(.*\S)\s+([SZHRszhr])$/.exec(s);
  return m ? lookupHM(m[1], m[2].toLowerCase()) : null;
}

function lookupHM(s: string, rawChoice: string | null): SpaceGroupMatch | null {
  const { hm, several } = getIndexes();
  const choice = rawChoice === 's' ? '1' : rawChoice === 'z' ? '2' : rawChoice;
  const variants = [s];
  const parts = s.replace(/_/g, '').trim().split(/\s+/);
  if (parts.length >= 3) {
    variants.push([parts[0], parts[1], ...parts.slice(2).map((p) => p.replace(/^\d+\//, ''))].join(' '));
    variants.push([parts[0], ...parts.slice(1).map((p) => p.replace(/^\d+\//, ''))].join(' '));
  }
  for (const v of variants) {
    const key = hmKey(v);
    if (choice) {
      const i = hm.get(key + ':' + choice);
      if (i !== undefined) return { setting: settingAt(i), assumed: null };
      // A choice on a group that has only one setting: ignore it.
      const j = hm.get(key);
      if (j !== undefined && !several.has(key)) return { setting: settingAt(j), assumed: null };
      continue;
    }
    const i = hm.get(key);
    if (i !== undefined) {
      const st = settingAt(i);
      return { setting: st, assumed: several.has(key) ? st.universalHM : null };
    }
  }
  return null;
}

/**
 * Space group from a Hall symbol (`-P 2ybc`, `-F 4vw 2vw 3`, `P 31 2c (0 0 1)`), in any spacing
 * and case. A symbol that is none of the 530 settings as written (`-P 2ca 2n`, a change of basis
 * to another cell) is read as a Hall symbol: its number is that of the same operations among the
 * 530, or of the symbol without its change of basis; its name is the Hall symbol.
 */
export function spaceGroupFromHall(symbol: string): SpaceGroupSetting | null {
  const listed = getIndexes().hall.get(hallKey(symbol));
  if (listed !== undefined) return settingAt(listed);
  const operations = hallOperations(symbol);
  if (!operations) return null;
  const same = settingWithOperations(operations);
  if (same !== undefined) return settingAt(same);
  const reference = hallOperations(symbol.replace(/\(.*$/, ''));
  const i = reference ? settingWithOperations(reference) : undefined;
  if (i === undefined) return null;
  const ref = settingAt(i);
  const hall = symbol.replace(/_/g, ' ').trim().replace(/\s+/g, ' ');
  return { number: ref.number, hermannMauguin: ref.hermannMauguin, universalHM: `Hall ${hall}`, hall, operations };
}

/** The first (standard) setting of International Tables number 1..230. */
export function spaceGroupFromNumber(n: number): SpaceGroupSetting | null {
  const i = getIndexes().num.get(n);
  return i === undefined ? null : settingAt(i);
}

/** Number of settings in the table (spglib's 530). */
export function spaceGroupSettingCount(): number {
  return SG_SETTINGS.length;
}
/** Setting i of the table: spglib's Hall number i + 1. */
export function spaceGroupSetting(i: number): SpaceGroupSetting {
  return settingAt(i);
}
