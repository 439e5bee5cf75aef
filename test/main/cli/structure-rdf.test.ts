/** `latticework structure rdf`: a trajectory's mean RDF, frame slices, partial RDFs, errors per file. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { structureCommand } from '../../../src-main/cli/commands/structure';

const FIXTURES = fileURLToPath(new URL('../../fixtures/structures/', import.meta.url));

async function run(argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await structureCommand.run({ argv, io: { out: (t) => out.push(t), err: (t) => err.push(t) }, cwd: FIXTURES });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const json = async (argv: string[]) => {
  const r = await run(['rdf', ...argv, '--json']);
  return { code: r.code, records: JSON.parse(r.out) };
};

describe('latticework structure rdf', () => {
  it('averages a trajectory over the frames asked for', async () => {
    // two frames: rattled 4-atom Cu and Au cells (a = 3.61 and 4.08 Å, smaller than 2·rmax: every image counts)
    const all = await json(['ase_cu_emt.extxyz']);
    expect(all.code).toBe(0);
    const [rec] = all.records;
    expect(rec).toMatchObject({ file: 'ase_cu_emt.extxyz', frames: 2, first: 0, last: 1, rmax: 6, bins: 120, pair: null });
    expect(rec.r).toHaveLength(120);
    const first = (await json(['ase_cu_emt.extxyz', '--frames', '0'])).records[0];
    const last = (await json(['ase_cu_emt.extxyz', '--frames=-1'])).records[0];
    expect([first.first, first.last, first.frames, last.first, last.last]).toEqual([0, 0, 1, 1, 1]);
    expect(first.g).not.toEqual(last.g);
    rec.g.forEach((g: number, k: number) => expect(g).toBeCloseTo((first.g[k] + last.g[k]) / 2, 12));
    // nothing closer than the first shells (a/√2 = 2.55 and 2.88 Å, rattled)
    expect(rec.g.slice(0, 40).every((g: number) => g === 0)).toBe(true);
    expect(Math.max(...rec.g)).toBeGreaterThan(1);
    // one element: the partial Cu–Cu RDF of the Cu frame is its RDF; the Au frame has no Cu
    expect((await json(['ase_cu_emt.extxyz', '--pair', 'Cu-Cu', '--frames', '0'])).records[0]).toMatchObject({ pair: 'Cu-Cu', g: first.g });
    expect((await json(['ase_cu_emt.extxyz', '--pair', 'Cu-Cu'])).records[0].error.message).toMatch(/the partial RDF Cu-Cu needs Cu atoms: the structure \(frame 1\) has none/);
    const text = await run(['rdf', 'ase_cu_emt.extxyz', '--rmax', '3', '--bins', '6']);
    // in 0.5 Å bins, the first shells' bin is the highest
    expect(text.out).toMatch(/^ase_cu_emt\.extxyz: RDF to 3 Å in 6 bins, mean over frames 0–1 \(2\); highest peak at 2\.750 Å/);
    expect(text.out.split('\n')).toHaveLength(2 + 6);
  });

  it('says per file what it cannot do, and refuses bad options', async () => {
    const r = await json(['ase_water.xyz', 'missing.extxyz', 'ase_cu_emt.extxyz']);
    expect(r.code).toBe(1);
    expect(r.records[0].error.message).toMatch(/an RDF needs a cell: the structure \(frame 0\) is a molecule/);
    expect(r.records[1].error.message).toMatch(/missing\.extxyz/);
    expect(r.records[2].g).toHaveLength(120);
    const none = await json(['ase_cu_emt.extxyz', '--frames', '5:']);
    expect(none.records[0].error.message).toMatch(/--frames picks no frame of the 2 in the file/);
    expect((await json(['ase_cu_emt.extxyz', '--pair', 'Cu-Pt'])).records[0].error.message).toMatch(/the partial RDF Cu-Pt needs Pt atoms/);
    // frames are named by their number in the file
    expect((await json(['ase_cu_emt.extxyz', '--pair', 'Au-Au', '--frames', '0:'])).records[0].error.message).toMatch(/needs Au atoms: the structure \(frame 0\) has none/);
    expect((await json(['ase_cu_emt.extxyz', '--pair', 'Cu-Cu', '--frames', '1'])).records[0].error.message).toMatch(/needs Cu atoms: the structure \(frame 1\) has none/);
    for (const [args, message] of [
      [['--bins', '0'], /--bins 0: expected a whole number/],
      [['--rmax', 'far'], /--rmax far: expected a positive distance/],
      [['--pair', 'Cu'], /--pair Cu: expected two element symbols/],
      [['--frames', '1:2:3'], /--frames 1:2:3: expected N, A:B/],
    ] as const) {
      const bad = await run(['rdf', 'ase_cu_emt.extxyz', ...args]);
      expect(bad.code).toBe(2);
      expect(bad.err).toMatch(message);
    }
    expect((await run(['info', 'ase_cu_emt.extxyz', '--rmax', '3'])).err).toMatch(/--rmax is an option of structure rdf/);
  });
});
