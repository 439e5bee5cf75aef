/**
 * What ASE's own files hold of an image, read the same way from an ASE database row (ase-db.ts) and an
 * ASE trajectory image (ase-traj.ts): `aseFrame` makes the labelled frame, and `heldFlags` reads ASE's
 * constraints, a JSON list of `{name, kwargs}` (ase.constraints' `todict`, encoded by ase.io.jsonio),
 * which `constraintsJson` writes.
 */
import { addFlatCellFrame, cartToFrac, elementSymbol, fileCell, voigtFromMatrix, type FlatCellExtents, type LabelledFrame, type Mat3, type SiteProperty, type Voigt6 } from '../../src-shared/chem';
import { fileConstraints } from '../../src-shared/sim/constraints';

/** An image as ASE stores it (arrays flat, per-atom ones null when the image has none). */
export interface AseImage {
  name: string;
  numbers: Int32Array;
  /** Å, 3 per atom. */
  positions: Float64Array;
  /** The cell's rows, 9 numbers; all zero (or a zero volume) for no cell. */
  cell: ArrayLike<number>;
  pbc: readonly [boolean, boolean, boolean];
  masses: Float64Array | null;
  momenta: Float64Array | null;
  /** Initial magnetic moments: 1 per atom (collinear; 3 per atom is not read), and initial charges. */
  magmoms: Float64Array | null;
  charges: Float64Array | null;
  tags: Float64Array | null;
  /** ASE's constraints JSON text (a database's column, a trajectory's header). */
  constraints: unknown;
  /** Key-value pairs or `info`. */
  properties: Record<string, unknown>;
  energy: number | null;
  freeEnergy: number | null;
  forces: Float64Array | null;
  /** 6 (Voigt) or 9 numbers. */
  stress: ArrayLike<number> | null;
}

/**
 * The labelled frames of the images of one file (a trajectory's images, a database's rows), each by
 * `aseFrame`; the images given the same flat cell share the cell made for it (`addFlatCellFrame`). `bad`
 * and `warn` are told which image they are about (its index in `images`).
 */
export function aseFrames(
  images: readonly AseImage[],
  bad: (k: number, what: string) => never,
  warn: (k: number, what: string, about: 'cell' | 'constraints') => void,
): LabelledFrame[] {
  const extents: FlatCellExtents = {};
  for (const image of images) {
    const cell = imageCell(image);
    if (cell) addFlatCellFrame(extents, cell, image.pbc, image.positions);
  }
  return images.map((image, k) => aseFrame(image, extents, (what) => bad(k, what), (what, about) => warn(k, what, about)));
}

/** An image's cell as rows; null when it is not 9 numbers. */
function imageCell({ cell: c }: AseImage): Mat3 | null {
  if (c.length !== 9) return null;
  return [
    [c[0], c[1], c[2]],
    [c[3], c[4], c[5]],
    [c[6], c[7], c[8]],
  ];
}

/**
 * The labelled frame of an image: its cell as `fileCell` reads it (none for an all-zero cell or a flat
 * one without periodic directions; a 2D structure's zero vector made, as long as the largest extent of
 * the atoms of the images of its file given the same cell, `extents`); masses, momenta, initial magnetic
 * moments and charges, non-zero tags and held atoms as site properties. An array of the wrong size is
 * `bad`; what the cell's reading says and what the constraints cannot say are passed to `warn`, with
 * which of the two it is about.
 */
function aseFrame(image: AseImage, extents: FlatCellExtents, bad: (what: string) => never, warn: (what: string, about: 'cell' | 'constraints') => void): LabelledFrame {
  const { numbers, positions: cart } = image;
  const n = numbers.length;
  const sized = (name: string, a: Float64Array | null, per: number): Float64Array | null => {
    if (a && a.length !== per * n) bad(`${name} hold ${a.length} numbers, not ${per} per atom (${n} atoms)`);
    return a;
  };
  sized('positions', cart, 3);
  const cell = imageCell(image) ?? bad('the cell is not 9 numbers');
  const { lattice, pbc, note } = fileCell(cell, image.pbc, extents, bad);
  if (note) warn(note, 'cell');
  const siteProperties: Record<string, SiteProperty> = {};
  const masses = sized('masses', image.masses, 1);
  if (masses) siteProperties.masses = { kind: 'number', values: masses };
  const momenta = sized('momenta', image.momenta, 3);
  if (momenta) siteProperties.momenta = { kind: 'vector', width: 3, values: momenta };
  if (image.magmoms && image.magmoms.length === n) siteProperties.initial_magmoms = { kind: 'number', values: image.magmoms };
  const charges = sized('initial charges', image.charges, 1);
  if (charges) siteProperties.initial_charges = { kind: 'number', values: charges };
  const tags = sized('tags', image.tags, 1);
  if (tags && tags.some((t) => t !== 0)) siteProperties.tags = { kind: 'number', values: tags };
  const held = heldFlags(image.constraints, n, (what) => warn(what, 'constraints'));
  if (held) siteProperties[held.name] = held.flags;
  const forces = sized('forces', image.forces, 3);
  let stress: Voigt6 | null = null;
  const st = image.stress;
  if (st) {
    if (st.length === 6) stress = Array.from(st) as Voigt6;
    else if (st.length === 9) stress = voigtFromMatrix(st);
    else bad(`the stress holds ${st.length} numbers, not 6 or 9`);
  }
  return {
    structure: {
      name: image.name,
      lattice,
      pbc,
      numbers,
      species: Array.from(numbers, elementSymbol),
      cart,
      frac: lattice ? cartToFrac(cart, lattice) : null,
      occupancy: new Float64Array(n).fill(1),
      siteProperties,
      properties: image.properties,
    },
    energy: image.energy,
    freeEnergy: image.freeEnergy,
    forces,
    stress,
  };
}

/** The first of notes said of several images or rows alike, with how many more it was said of (a trajectory of a 2D structure says its cell once). */
export function oneOf(notes: readonly string[], what: 'images' | 'rows'): string[] {
  return notes.length <= 1 ? [...notes] : [`${notes[0]} (so were ${notes.length - 1} more ${what})`];
}

/** ASE's JSON for a numpy array (ase.io.jsonio): {"__ndarray__": [shape, dtype, flat values]}; a plain list as it is. */
function jsonArray(v: unknown): unknown[] | null {
  if (Array.isArray(v)) return v;
  const nd = (v as { __ndarray__?: unknown } | null)?.__ndarray__;
  return Array.isArray(nd) && Array.isArray(nd[2]) ? (nd[2] as unknown[]) : null;
}

/**
 * A row's `constraints` (ASE's JSON list of `{name, kwargs}`) as movement flags (1 free, 0 fixed,
 * 3 per atom): `FixAtoms` indices (or mask) fix whole atoms, `FixScaled` its atoms `a` along the
 * lattice vectors its mask marks, `FixCartesian` along the Cartesian axes its mask marks. As
 * selective dynamics (`selectiveDynamics`, lattice vectors) unless an atom is held along some
 * Cartesian axes only: then as a three-column `move_mask` (x, y, z). Null when the row holds no
 * atom; other constraints are named, and so are Cartesian axes beside lattice vectors in one row.
 */
export function heldFlags(text: unknown, n: number, warn: (what: string) => void): { name: 'selectiveDynamics' | 'move_mask'; flags: SiteProperty } | null {
  if (typeof text !== 'string' || text === '' || text === '[]') return null;
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    warn('its constraints are not JSON; left out');
    return null;
  }
  if (!Array.isArray(list)) return null;
  const flags = new Float64Array(3 * n).fill(1);
  let any = false;
  const atom = (i: unknown) => (Number.isInteger(i) && (i as number) >= 0 && (i as number) < n ? (i as number) : null);
  const axes: { name: 'FixScaled' | 'FixCartesian'; atoms: number[]; mask: boolean[] }[] = [];
  for (const c of list as { name?: unknown; kwargs?: Record<string, unknown> }[]) {
    const kw = c?.kwargs ?? {};
    if (c?.name === 'FixAtoms') {
      const indices = jsonArray(kw.indices) ?? [];
      const mask = jsonArray(kw.mask);
      const fixed = mask ? mask.flatMap((m, i) => (m ? [i] : [])) : indices;
      for (const i of fixed) {
        const a = atom(i);
        if (a === null) warn(`FixAtoms names atom ${String(i)}, which the row does not have; left out`);
        else flags.fill(0, 3 * a, 3 * a + 3);
        any ||= a !== null;
      }
    } else if (c?.name === 'FixScaled' || c?.name === 'FixCartesian') {
      // ASE 3.22 writes FixScaled with one atom `a`; later versions write a list, and FixCartesian too
      const atoms = (Array.isArray(kw.a) ? kw.a : (jsonArray(kw.a) ?? [kw.a])).map(atom);
      const mask = jsonArray(kw.mask);
      if (atoms.length === 0 || atoms.some((a) => a === null) || !mask || mask.length !== 3) {
        warn(`a ${c.name} it holds names no atom of the row, or no mask of 3 axes; left out`);
        continue;
      }
      axes.push({ name: c.name, atoms: atoms as number[], mask: mask.map(Boolean) });
    } else {
      warn(`its constraint ${typeof c?.name === 'string' ? c.name : '(unnamed)'} is not read: Latticework reads FixAtoms, FixScaled and FixCartesian`);
    }
  }
  // an atom held along all three axes is held whole, in either frame
  const partial = (a: (typeof axes)[number]) => !a.mask.every((m) => m);
  const cartesian = axes.some((a) => a.name === 'FixCartesian' && partial(a));
  const scaled = axes.some((a) => a.name === 'FixScaled' && partial(a));
  for (const a of axes) {
    if (cartesian && scaled && a.name === 'FixCartesian' && partial(a)) {
      warn(`its FixCartesian holds atoms ${a.atoms.join(', ')} along Cartesian axes beside atoms held along lattice vectors (FixScaled), which one structure cannot hold: they move freely`);
      continue;
    }
    for (const i of a.atoms) for (let k = 0; k < 3; k++) if (a.mask[k]) flags[3 * i + k] = 0;
    any = true;
  }
  return any ? { name: cartesian && !scaled ? 'move_mask' : 'selectiveDynamics', flags: { kind: 'vector', width: 3, values: flags } } : null;
}

/** The per-atom arrays ASE keeps with an image, as both writers store them. */
export type AseArrays = Pick<AseImage, 'masses' | 'momenta' | 'magmoms' | 'charges' | 'tags'>;

/**
 * A structure's site properties as the per-atom arrays ASE keeps (what `aseFrame` reads back as
 * them): masses, momenta (3 per atom), initial magnetic moments and charges, tags; each null when the
 * structure has none, or not one per atom.
 */
export function aseArrays(s: LabelledFrame['structure']): AseArrays {
  const n = s.numbers.length;
  const perAtom = (name: string, width: number): Float64Array | null => {
    const p = s.siteProperties[name];
    if (!p || p.values.length !== width * n) return null;
    const shaped = width === 1 ? p.kind === 'number' : p.kind === 'vector' && p.width === width;
    return shaped ? Float64Array.from(p.values as ArrayLike<number>) : null;
  };
  return { masses: perAtom('masses', 1), momenta: perAtom('momenta', 3), magmoms: perAtom('initial_magmoms', 1), charges: perAtom('initial_charges', 1), tags: perAtom('tags', 1) };
}

/**
 * A structure's movement flags (chem movementFlags) as ASE's constraints JSON: FixAtoms, then a
 * FixScaled (lattice vectors) or FixCartesian (x, y, z) for each atom held along some axes only; null
 * without any.
 */
export function constraintsJson(s: LabelledFrame['structure']): string | null {
  const c = fileConstraints(s);
  if (!c || (c.fixed.length === 0 && c.partial.length === 0)) return null;
  const cell = s.lattice ?? [[0, 0, 0], [0, 0, 0], [0, 0, 0]];
  const list: unknown[] = [];
  if (c.fixed.length) list.push({ name: 'FixAtoms', kwargs: { indices: c.fixed } });
  for (const p of c.partial) {
    list.push(p.frame === 'lattice' ? { name: 'FixScaled', kwargs: { a: p.atom, cell, mask: p.held } } : { name: 'FixCartesian', kwargs: { a: p.atom, mask: p.held } });
  }
  return JSON.stringify(list);
}
