/**
 * spglib's test of each of moyo's operations on the cell as given runs on the caller's thread (64 ms an operation
 * on 64,000 sites, 3 s for NaCl's 48): the event loop turns between operations, so that a stop signal's listener
 * (`structure cell` on the command line) runs during it (docs/structures.md, "Long searches are jobs").
 */
import { describe, expect, it, vi } from 'vitest';
import { readStructures } from '../../../src-shared/chem';
import { supercell } from '../../../src-shared/chem/build';
import { standardCell } from '../../../src-main/chem/spacegroup';
import { SpglibTest } from '../../../src-main/chem/spglib-test';

const NACL = 'NaCl\n5.64\n1 0 0\n0 1 0\n0 0 1\nNa Cl\n4 4\nDirect\n0 0 0\n0 0.5 0.5\n0.5 0 0.5\n0.5 0.5 0\n0.5 0 0\n0 0.5 0\n0 0 0.5\n0.5 0.5 0.5\n';

describe('the symmetry search on the caller thread', () => {
  it('lets the event loop turn between the tests of two operations', async () => {
    const s = supercell(readStructures('NaCl.vasp', NACL).structures[0], [2, 2, 2]);
    let turns = 0;
    let spinning = true;
    const spin = () => {
      turns++;
      if (spinning) setImmediate(spin);
    };
    spin();
    const distance = SpglibTest.prototype.distance;
    const seen: number[] = [];
    const spy = vi.spyOn(SpglibTest.prototype, 'distance').mockImplementation(function (this: SpglibTest, ...args) {
      seen.push(turns);
      return distance.apply(this, args);
    });
    try {
      const primitive = await standardCell(s, 'primitive');
      expect(primitive.numbers.length).toBe(2);
    } finally {
      spinning = false;
      spy.mockRestore();
    }
    expect(seen.length).toBe(48);
    for (let k = 1; k < seen.length; k++) expect(seen[k], `operation ${k}`).toBeGreaterThan(seen[k - 1]);
  });
});
