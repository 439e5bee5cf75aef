import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readStructures } from '../../../src-shared/chem';
import { findSpaceGroup, SpaceGroupSearchSkipped } from '../../../src-main/chem/spacegroup';
import { structureCommand } from '../../../src-main/cli/commands/structure';
import { copperPoscar } from '../services/simulation-fixtures';

const dir = mkdtempSync(join(tmpdir(), 'lw-sg-bound-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** fcc Cu 2×2×2 (32 atoms): perfect, and with every atom displaced (an MD snapshot: P1, no pure translation). */
const perfect = copperPoscar(2);
const rattled = perfect
  .split('\n')
  .map((line, i) => (i >= 8 && line.trim() ? line.trim().split(/\s+/).map((x, k) => (Number(x) + 0.003 * Math.sin(7 * i + 3 * k)).toFixed(8)).join(' ') : line))
  .join('\n');
writeFileSync(join(dir, 'rattled.vasp'), rattled);

describe('the space-group search unasked is bounded by the sites it would search', () => {
  it('a P1 cell over the bound is skipped with the reason; a perfect supercell of as many atoms is searched as its primitive cell', async () => {
    const shaken = readStructures('rattled.vasp', rattled).structures[0];
    expect(await findSpaceGroup(shaken)).toMatchObject({ number: 1 });
    const skipped = await findSpaceGroup(shaken, 0.01, 31).catch((e: unknown) => e);
    expect(skipped).toBeInstanceOf(SpaceGroupSearchSkipped);
    expect((skipped as Error).message).toMatch(/^the space group was not searched: its cell has 32 sites once its pure translations are taken out, over the 31 searched unasked .*structure info --symmetry-max-sites N/);
    expect(await findSpaceGroup(readStructures('Cu.vasp', perfect).structures[0], 0.01, 31)).toMatchObject({ number: 225 });
  });

  it('structure info: over --symmetry-max-sites the group is null and a warning says so, never silently', async () => {
    const run = async (argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await structureCommand.run({ argv, cwd: dir, io: { out: (t) => out.push(t), err: (t) => err.push(t) } });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const bounded = await run(['info', 'rattled.vasp', '--symmetry-max-sites', '20', '--json']);
    expect(bounded.code, bounded.err).toBe(0);
    const [record] = JSON.parse(bounded.out) as { spaceGroup: unknown; warnings: string[] }[];
    expect(record.spaceGroup).toBeNull();
    expect(record.warnings).toContainEqual(expect.stringMatching(/^the space group was not searched: its cell has 32 sites/));
    const asked = await run(['info', 'rattled.vasp', '--json']);
    expect((JSON.parse(asked.out) as { spaceGroup: { number: number } }[])[0].spaceGroup.number).toBe(1);
    expect((await run(['frames', 'rattled.vasp', '--symmetry-max-sites', '20'])).code).toBe(2);
  });
});
