/**
 * A search's operations on the cell as given are made only when asked (`symmetryOperations`, for a relaxation that
 * keeps them): a supercell's are the primitive cell's times its pure translations (48 × 4·n³ for an n×n×n NaCl
 * supercell, 2.3 million at 23×23×23), which every search of a supercell built and dropped (docs/structures.md,
 * "Its own thread"). Counted by the fractions they wrap: each operation wraps its translation's three.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import { readStructures } from '../../../src-shared/chem';
import { supercell } from '../../../src-shared/chem/build';
import * as lattice from '../../../src-shared/chem/lattice';
import { findSpaceGroup, symmetryOperations } from '../../../src-main/chem/spacegroup';

vi.mock('../../../src-shared/chem/lattice', async (original) => {
  const m = await original<typeof import('../../../src-shared/chem/lattice')>();
  return { ...m, wrapFraction: vi.fn(m.wrapFraction) };
});

const ROOT = new URL('../../..', import.meta.url).pathname;

describe('the operations of a search', () => {
  it('are made for a relaxation that keeps them, not for every search of a supercell', async () => {
    const nacl = readStructures('1000041.cif', readFileSync(`${ROOT}resources/examples/1000041.cif`, 'utf8')).structures[0];
    const big = supercell(nacl, [4, 4, 4]); // 512 atoms, 256 pure translations
    const wrapped = vi.mocked(lattice.wrapFraction);
    wrapped.mockClear();
    expect((await findSpaceGroup(big))?.number).toBe(225);
    const bySearch = wrapped.mock.calls.length;
    const ops = await symmetryOperations(big);
    expect(ops.rotations).toHaveLength(48 * 256);
    // the search alone wraps the pure-translation candidates' fractions (a few per atom), not 3 per operation
    expect(bySearch).toBeLessThan(48 * 256);
    expect(wrapped.mock.calls.length - bySearch).toBeGreaterThanOrEqual(3 * 48 * 256);
  });
});
