/**
 * What ASE 3.22 reads from an ASE database or trajectory (scripts/data/ase_images.py, run with Debian's
 * python3-ase: `.ci/run` installs it), and the check that a frame we read is that image bit for bit.
 */
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import type { LabelledFrame } from '../../../src-shared/chem';
import { fileConstraints } from '../../../src-shared/sim/constraints';

export const SCRIPT = fileURLToPath(new URL('../../../scripts/data/ase_images.py', import.meta.url));

/** A database row or a trajectory image as ASE reads it (ase_images.py). */
export interface AseRow {
  id: number;
  numbers: number[];
  positions: number[][];
  cell: number[][];
  pbc: boolean[];
  energy: number | null;
  free_energy: number | null;
  forces: number[][] | null;
  stress: number[] | null;
  key_value_pairs: Record<string, unknown>;
  /** The atoms ASE's FixAtoms holds, and [atom, fixed along each fractional axis] per FixScaled. */
  fixed: number[];
  fixedScaled: [number, boolean[]][];
  /** [atom, fixed along x, y, z] per FixCartesian (absent from the stored golden rows, which hold none). */
  fixedCartesian?: [number, boolean[]][];
  /** The row's own masses and momenta, null without (absent from the stored golden rows, which have none). */
  masses?: number[] | null;
  momenta?: number[][] | null;
  /** The atoms' tags, null without (absent from the stored golden rows). */
  tags?: number[] | null;
}

/** Our frame equals ASE's row or image exactly (bit for bit). */
export function expectSame(f: LabelledFrame, row: AseRow) {
  expect(Array.from(f.structure.numbers)).toEqual(row.numbers);
  expect(Array.from(f.structure.cart)).toEqual(row.positions.flat());
  const cell = f.structure.lattice ? f.structure.lattice.flat() : new Array(9).fill(0);
  expect(cell).toEqual(row.cell.flat());
  expect(f.structure.pbc).toEqual(row.pbc);
  expect(f.energy).toBe(row.energy);
  expect(f.freeEnergy).toBe(row.free_energy);
  expect(f.forces ? Array.from(f.forces) : null).toEqual(row.forces ? row.forces.flat() : null);
  expect(f.stress).toEqual(row.stress);
  // the atoms held: FixAtoms and FixScaled as selective-dynamics flags
  const held = fileConstraints(f.structure) ?? { fixed: [], partial: [] };
  expect(held.fixed).toEqual(row.fixed);
  expect(held.partial.filter((p) => p.frame === 'lattice').map((p) => [p.atom, p.held])).toEqual(row.fixedScaled);
  expect(held.partial.filter((p) => p.frame === 'cartesian').map((p) => [p.atom, p.held])).toEqual(row.fixedCartesian ?? []);
  const { masses, momenta } = f.structure.siteProperties;
  expect(masses ? Array.from(masses.values as Float64Array) : null).toEqual(row.masses ?? null);
  expect(momenta ? Array.from(momenta.values as Float64Array) : null).toEqual(row.momenta ? row.momenta.flat() : null);
  // tags: ASE keeps them when any is not zero, and so do we (the stored golden rows do not list them)
  const tags = f.structure.siteProperties.tags;
  if (row.tags !== undefined) expect(tags ? Array.from(tags.values as Float64Array) : null).toEqual(row.tags && row.tags.some((t) => t !== 0) ? row.tags : null);
}
