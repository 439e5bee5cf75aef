/**
 * The space-group search runs in a thread of its own (src-main/chem/moyo-worker.ts): moyo's WebAssembly
 * is never instantiated in the isolate that asks (its memory growth would slow every later numeric loop
 * there; docs/structures.md, "Its own thread"), its errors come back as errors, and the thread goes on.
 */
import { space_group_type } from '@spglib/moyo-wasm';
import { describe, expect, it } from 'vitest';
import { readStructures } from '../../../src-shared/chem';
import { findSpaceGroup } from '../../../src-main/chem/spacegroup';

const CU = `data_Cu
_cell_length_a 3.615
_cell_length_b 3.615
_cell_length_c 3.615
_cell_angle_alpha 90
_cell_angle_beta 90
_cell_angle_gamma 90
_symmetry_space_group_name_H-M 'P 1'
loop_
_atom_site_type_symbol
_atom_site_fract_x
_atom_site_fract_y
_atom_site_fract_z
Cu 0 0 0
Cu 0.5 0.5 0
Cu 0.5 0 0.5
Cu 0 0.5 0.5
`;

describe('the symmetry thread', () => {
  it('answers in its own isolate: moyo is not instantiated here, its errors come back, and it goes on', async () => {
    const s = readStructures('cu.cif', CU).structures[0];
    // several searches at once, answered each to its own
    const groups = await Promise.all([0.01, 0.1, 1e-5].map((symprec) => findSpaceGroup(s, symprec)));
    expect(groups.map((g) => [g?.number, g?.symbol, g?.symprec])).toEqual([
      [225, 'Fm-3m', 0.01],
      [225, 'Fm-3m', 0.1],
      [225, 'Fm-3m', 1e-5],
    ]);
    // the module was never loaded in this isolate
    expect(() => space_group_type(225)).toThrow();
    await expect(findSpaceGroup(s, -1)).rejects.toThrow(/the symmetry search failed at symprec -1 Å \(moyo error: .+\): try another tolerance/);
    expect((await findSpaceGroup(s))?.number).toBe(225);
  });
});
