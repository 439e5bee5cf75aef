/**
 * ASE's constraints as ASE writes them, a JSON list of `{name, kwargs}` (ase.constraints' `todict`,
 * encoded by ase.io.jsonio): the `constraints` column of an ASE database and the `constraints` of an
 * ASE trajectory's header, read the same way.
 */
import type { SiteProperty } from '../../src-shared/chem';

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
