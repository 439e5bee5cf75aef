/**
 * The atoms a structure file holds in place, as site properties whose 1 means free along an axis and
 * 0 fixed: VASP's selective dynamics (`selectiveDynamics`, 3 per atom along the lattice vectors: a
 * POSCAR or CONTCAR's `Selective dynamics` flags, vasprun.xml's initial structure; an ASE database's
 * `FixAtoms` and `FixScaled`, files/ase-db.ts), or an extended XYZ's `move_mask` (1 per atom, or 3
 * along x, y and z, as ASE writes `FixAtoms` and `FixCartesian` when asked for that column):
 * chem/structure.ts `movementFlags`.
 *
 * An atom flagged F F F is held fixed, as ASE's `read_vasp` makes it a `FixAtoms`. An atom fixed
 * along some axes only is held along those (sim/atoms.ts `AxisConstraint`): along lattice vectors
 * as ASE's `FixScaled`, along x, y and z as its `FixCartesian`.
 *
 * A relaxation's or an MD run's final structure carries what the run held back out (`heldStructure`),
 * as ASE's `write_vasp` writes its constraints: a POSCAR written from it flags each held atom F F F,
 * an atom held along some axes F along those, and the rest T T T.
 */
import { heldByFlags, movementFlags, type SiteProperty, type Structure, type WithSiteProperties } from '../chem/structure';
import { plural } from '../text';
import type { AxisConstraint } from './atoms';

/** What a structure's own flags hold: whole atoms (0-based indices), and atoms held along some axes only. */
export interface FileConstraints {
  fixed: number[];
  partial: AxisConstraint[];
}

/** The structure's own flags as fixed and partially held atoms; null when it has none. */
export function fileConstraints(structure: WithSiteProperties): FileConstraints | null {
  const flags = movementFlags(structure);
  if (!flags) return null;
  const { fixed, partial } = heldByFlags(flags.values);
  return { fixed, partial: partial.map((p): AxisConstraint => ({ ...p, frame: flags.frame })) };
}

/** The most atom indices a list may name (the simulation contract's limit). */
const MAX_INDICES = 1_000_000;

/**
 * Atom indices (0-based) as the fixed-atoms field and `--fixed` take them: numbers, inclusive ranges
 * and, given the atoms' Cartesian positions (Å, 3 per atom), the atoms on one side of a plane
 * (`z<8.5`: every atom whose z is below 8.5 Å; x, y or z, < or >; the value any decimal number, signed,
 * with an exponent: `y>-0.1`, `z<+2.5e1`), separated by commas or spaces
 * ("0, 1, 5", "0-15 20", "z<8.5, 40"); in order, each once; [] for an empty text, null for anything
 * else (a plane without positions too).
 */
export function parseAtomIndices(text: string, cart: ArrayLike<number> | null = null): number[] | null {
  const out = new Set<number>();
  for (const part of text.trim().split(/[\s,]+/).filter(Boolean)) {
    const plane = /^([xyz])([<>])([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)$/.exec(part);
    if (plane) {
      if (!cart) return null;
      const [k, below, value] = ['xyz'.indexOf(plane[1]), plane[2] === '<', Number(plane[3])];
      for (let i = 0; 3 * i + 2 < cart.length; i++) if (below ? cart[3 * i + k] < value : cart[3 * i + k] > value) out.add(i);
      continue;
    }
    const m = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!m) return null;
    const [from, to] = [Number(m[1]), Number(m[2] ?? m[1])];
    if (to < from || out.size + (to - from) >= MAX_INDICES) return null;
    for (let i = from; i <= to; i++) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

/** Atom indices written back as `parseAtomIndices` reads them, runs of three or more as ranges: "0-15, 20". */
export function indexList(indices: readonly number[]): string {
  const parts: string[] = [];
  for (let k = 0; k < indices.length; ) {
    let e = k;
    while (e + 1 < indices.length && indices[e + 1] === indices[e] + 1) e++;
    if (e - k >= 2) parts.push(`${indices[k]}-${indices[e]}`);
    else for (let j = k; j <= e; j++) parts.push(String(indices[j]));
    k = e + 1;
  }
  return parts.join(', ');
}

/** The axes an atom is held along: "a, b" (lattice vectors) or "z" (Cartesian). */
export function heldAxes(c: AxisConstraint): string {
  const names = c.frame === 'lattice' ? ['a', 'b', 'c'] : ['x', 'y', 'z'];
  return names.filter((_, k) => c.held[k]).join(', ');
}

/**
 * The file's constraints in words: "the file holds 4 atoms fixed (0, 1, 2, 3)", and the atoms it
 * holds along some axes only, each with its axes ("2 along x, z", "1 along lattice vectors a, b");
 * '' when it holds none.
 */
export function describeFileConstraints(c: FileConstraints): string {
  const parts: string[] = [];
  if (c.fixed.length) parts.push(`the file holds ${plural(c.fixed.length, 'atom')} fixed (${indexList(c.fixed)})`);
  if (c.partial.length) {
    const along = (p: AxisConstraint) => (p.frame === 'lattice' ? `${p.held.filter(Boolean).length > 1 ? 'lattice vectors' : 'lattice vector'} ${heldAxes(p)}` : heldAxes(p));
    const each = c.partial.map((p) => `${p.atom} along ${along(p)}`);
    parts.push(`${parts.length ? 'it holds' : 'the file holds'} ${plural(c.partial.length, 'atom')} along some axes only (${each.join('; ')})`);
  }
  return parts.join('; ');
}

/**
 * A geometry of a run (its final structure, a frame kept) flagging what the run held: 0 (fixed) along
 * every axis of each atom of `fixed` (0-based indices) and along the held axes of `partial`, 1
 * otherwise, as selective dynamics, or as a three-column `move_mask` when the run held atoms along
 * Cartesian axes. Unchanged when the run held nothing.
 */
export function heldStructure(geometry: Structure, fixed: readonly number[], partial: readonly AxisConstraint[] = []): Structure {
  const held = heldSiteProperty(geometry.numbers.length, fixed, partial);
  if (!held) return geometry;
  const { selectiveDynamics: _sd, move_mask: _mm, ...others } = geometry.siteProperties;
  return { ...geometry, siteProperties: { ...others, ...held } };
}

/** What a run held, as the one site property `heldStructure` writes (for n atoms); null when it held nothing. */
export function heldSiteProperty(n: number, fixed: readonly number[], partial: readonly AxisConstraint[] = []): Record<string, SiteProperty> | null {
  if (fixed.length === 0 && partial.length === 0) return null;
  const values = new Float64Array(3 * n).fill(1);
  for (const c of partial) for (let k = 0; k < 3; k++) if (c.held[k]) values[3 * c.atom + k] = 0;
  for (const i of fixed) values.fill(0, 3 * i, 3 * i + 3);
  const flags: SiteProperty = { kind: 'vector', width: 3, values };
  return partial.some((c) => c.frame === 'cartesian') ? { move_mask: flags } : { selectiveDynamics: flags };
}
