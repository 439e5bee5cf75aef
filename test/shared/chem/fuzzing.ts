/**
 * Fuzzing helpers shared by the unit test (a few hundred cases) and scripts/chem/fuzz.mjs (thousands):
 * truncations and mutations of real files must give a valid structure or a typed error.
 */
import { readStructures, StructureParseError, type Structure } from '../../../src-shared/chem';

export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const TOKENS = [
  "'", '"', ';', '\n;', '\n', ' ', '#', '_', 'loop_\n', 'data_x\n', '(', ')', '?', '.', '-', '1e308', '999999999',
  'NaN', 'x,y,z', '[', '{', 'Lattice="', 'Properties=', 'T', '\t', '\r\n', '0', '-1', '"""', 'save_', '_atom_site_fract_x',
  '-x+1/2,y', 'Selective', 'Cart', '100000', 'Xx', 'Fe2+', '1.0(', ':R', '\\',
];

/** One mutated (or truncated) version of `text`. */
export function mutate(text: string, r: () => number): string {
  let t = text;
  const n = 1 + Math.floor(r() * 3);
  for (let m = 0; m < n; m++) {
    const pos = Math.floor(r() * (t.length + 1));
    const kind = Math.floor(r() * 8);
    if (kind === 0) t = t.slice(0, pos);
    else if (kind === 1) t = t.slice(0, pos) + t.slice(pos + 1 + Math.floor(r() * 20));
    else if (kind === 2) t = t.slice(0, pos) + TOKENS[Math.floor(r() * TOKENS.length)] + t.slice(pos);
    else if (kind === 3) t = t.slice(0, pos) + String.fromCharCode(32 + Math.floor(r() * 95)) + t.slice(pos + 1);
    else {
      const lines = t.split('\n');
      const i = Math.floor(r() * lines.length);
      const j = Math.floor(r() * lines.length);
      if (kind === 4) lines.splice(i, 0, lines[j]);
      else if (kind === 5) lines.splice(i, 1);
      else if (kind === 6) [lines[i], lines[j]] = [lines[j], lines[i]];
      else lines[i] = lines[i].split(/\s+/).reverse().join(' ');
      t = lines.join('\n');
    }
  }
  return t;
}

function checkStructure(s: Structure): string | null {
  const n = s.numbers.length;
  if (s.species.length !== n || s.cart.length !== 3 * n || s.occupancy.length !== n) return 'array lengths disagree';
  if (s.frac && s.frac.length !== 3 * n) return 'frac length';
  if (!s.cart.every(Number.isFinite)) return 'non-finite Cartesian coordinate';
  if (s.frac && !s.frac.every(Number.isFinite)) return 'non-finite fractional coordinate';
  if (!s.occupancy.every((o) => Number.isFinite(o) && o >= 0)) return 'bad occupancy';
  if (s.lattice && !s.lattice.every((row) => row.every(Number.isFinite))) return 'non-finite lattice';
  for (let i = 0; i < n; i++) if (!(s.numbers[i] >= 0 && s.numbers[i] <= 118)) return 'bad atomic number';
  for (const [k, p] of Object.entries(s.siteProperties)) {
    const len = p.kind === 'string' ? p.values.length : p.values.length / (p.kind === 'vector' ? p.width : 1);
    if (len !== n) return `site property ${k} has ${len} values for ${n} sites`;
  }
  return null;
}

export interface FuzzOutcome {
  ok: boolean;
  /** 'structure' | 'error' | the problem found. */
  result: string;
  ms: number;
}

/** Read one (mutated) text: a valid structure or a typed error is fine; anything else is a finding. */
export function fuzzOne(name: string, text: string): FuzzOutcome {
  const t0 = performance.now();
  try {
    const r = readStructures(name, text, { maxAtoms: 50_000, maxStructures: 5_000 });
    const ms = performance.now() - t0;
    for (const s of r.structures) {
      const bad = checkStructure(s);
      if (bad) return { ok: false, result: bad, ms };
    }
    if (r.structures.length === 0) return { ok: false, result: 'no structure and no error', ms };
    return { ok: true, result: 'structure', ms };
  } catch (e) {
    const ms = performance.now() - t0;
    if (!(e instanceof StructureParseError)) return { ok: false, result: `untyped ${(e as Error)?.name}: ${(e as Error)?.message}`, ms };
    if (e.name === 'StructureInternalError') return { ok: false, result: e.message, ms };
    const lines = text.split('\n').length;
    if (e.line !== null && !(Number.isInteger(e.line) && e.line >= 1 && e.line <= lines + 1)) {
      return { ok: false, result: `error line ${e.line} outside 1..${lines + 1}: ${e.message}`, ms };
    }
    if (!e.message || typeof e.message !== 'string') return { ok: false, result: 'empty message', ms };
    const json = JSON.parse(JSON.stringify(e));
    if (json.name !== e.name || json.message !== e.message) return { ok: false, result: 'error does not serialise', ms };
    return { ok: true, result: 'error', ms };
  }
}
