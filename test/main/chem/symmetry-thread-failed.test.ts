/**
 * A symmetry thread that fails (here: it exits before it answers, as one that crashes, runs out of
 * memory or is ended) is said as what it is: no advice to try another tolerance, which only helps where
 * moyo's search itself found no group (test/main/chem/symmetry-thread.test.ts).
 */
import { Worker } from 'node:worker_threads';
import { describe, expect, it, vi } from 'vitest';
import { readStructures } from '../../../src-shared/chem';
import { findSpaceGroup, SymmetryThreadFailed } from '../../../src-main/chem/spacegroup';

vi.mock('../../../src-main/workers/spawn', async (original) => ({
  ...(await original<typeof import('../../../src-main/workers/spawn')>()),
  spawnWorker: () => new Worker('process.exit(3)', { eval: true }),
}));

const CU = 'Lattice="3.615 0 0 0 3.615 0 0 0 3.615" Properties=species:S:1:pos:R:3 pbc="T T T"';

describe('a failed symmetry thread', () => {
  it('says the thread failed, not that the tolerance should change', async () => {
    const s = readStructures('cu.xyz', `4\n${CU}\nCu 0 0 0\nCu 1.8075 1.8075 0\nCu 1.8075 0 1.8075\nCu 0 1.8075 1.8075\n`).structures[0];
    const failed = findSpaceGroup(s);
    await expect(failed).rejects.toThrow(SymmetryThreadFailed);
    await expect(failed).rejects.toThrow("the symmetry search's thread failed before it answered (its thread exited (code 3)): the search did not finish");
    await expect(failed).rejects.not.toThrow(/tolerance/);
  });
});
