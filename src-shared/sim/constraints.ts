/**
 * The atoms a structure file holds in place, as site properties whose 1 means free along an axis and
 * 0 fixed: VASP's selective dynamics (`selectiveDynamics`, 3 per atom: a POSCAR or CONTCAR's
 * `Selective dynamics` flags, vasprun.xml's initial structure; an ASE database's `FixAtoms` and
 * `FixScaled`, files/ase-db.ts), or an extended XYZ's `move_mask` (1 per atom, or 3, as ASE writes
 * `FixAtoms` and `FixCartesian` when asked for that column): chem/structure.ts `movementFlags`.
 *
 * An atom flagged F F F is held fixed, as ASE's `read_vasp` makes it a `FixAtoms`. An atom fixed
 * along some axes only (ASE: `FixScaled`, a constraint on its fractional coordinates) has no
 * counterpart here: simulations hold whole atoms. Such atoms are listed as `partial`, and move
 * freely; the callers say so (the command line on stderr, the Simulate panel under its field).
 *
 * A relaxation's or an MD run's final structure carries what the run held back out, as ASE's
 * `write_vasp` writes a `FixAtoms` (`heldStructure`): a POSCAR written from it flags each held atom
 * F F F, keeps the file's flags of partially fixed atoms, and frees the rest.
 */
import { movementFlags, type SiteProperty, type Structure, type WithSiteProperties } from '../chem/structure';
import { plural } from '../text';

/** What a structure's own flags hold: whole atoms, and atoms fixed along some axes only (0-based indices). */
export interface FileConstraints {
  fixed: number[];
  partial: number[];
}

/** The structure's own flags as fixed and partially fixed atoms; null when it has none. */
export function fileConstraints(structure: WithSiteProperties): FileConstraints | null {
  const values = movementFlags(structure);
  if (!values) return null;
  const fixed: number[] = [];
  const partial: number[] = [];
  for (let i = 0; 3 * i + 2 < values.length; i++) {
    const free = [values[3 * i], values[3 * i + 1], values[3 * i + 2]].filter((v) => v !== 0).length;
    if (free === 0) fixed.push(i);
    else if (free < 3) partial.push(i);
  }
  return { fixed, partial };
}

/** Atom indices as the fixed-atoms field and `--fixed` take them: "0, 1, 5". */
export function indexList(indices: readonly number[]): string {
  return indices.join(', ');
}

/**
 * The file's constraints in words: "the file holds 4 atoms fixed (0, 1, 2, 3)",
 * and the atoms it fixes along some axes only, which move freely; '' when it fixes none.
 */
export function describeFileConstraints(c: FileConstraints): string {
  const parts: string[] = [];
  if (c.fixed.length) parts.push(`the file holds ${plural(c.fixed.length, 'atom')} fixed (${indexList(c.fixed)})`);
  if (c.partial.length) {
    parts.push(
      `${parts.length ? 'it' : 'the file'} fixes ${plural(c.partial.length, 'atom')} (${indexList(c.partial)}) along some axes only: Latticework holds whole atoms, so ${c.partial.length === 1 ? 'it moves' : 'they move'} freely`,
    );
  }
  return parts.join('; ');
}

/**
 * A geometry of a run (its final structure, a frame kept; atoms in the order of `start`) with the
 * selective-dynamics flags of what the run held: F F F for each atom of `fixed` (0-based indices),
 * the start's own flags for an atom it fixed along some axes only, T T T otherwise. Unchanged when
 * the run held nothing and the start had no flags.
 */
export function heldStructure(geometry: Structure, start: WithSiteProperties, fixed: readonly number[]): Structure {
  const given = fileConstraints(start);
  if (!given && fixed.length === 0) return geometry;
  const n = geometry.numbers.length;
  const values = new Float64Array(3 * n).fill(1);
  const startFlags = movementFlags(start);
  for (const i of given?.partial ?? []) for (let k = 0; k < 3; k++) values[3 * i + k] = startFlags![3 * i + k] === 0 ? 0 : 1;
  for (const i of fixed) values.fill(0, 3 * i, 3 * i + 3);
  const flags: SiteProperty = { kind: 'vector', width: 3, values };
  return { ...geometry, siteProperties: { ...geometry.siteProperties, selectiveDynamics: flags } };
}
