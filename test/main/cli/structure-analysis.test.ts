/**
 * `latticework structure rdf` and `msd`: a trajectory's mean RDF, frame slices, partial RDFs; the MSD
 * of a trajectory written wrapped into its cell, and D; md's own MSD from md's trajectory (held atoms,
 * a changing cell); errors per file and per option.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { structureCommand } from '../../../src-main/cli/commands/structure';
import { mdCommand } from '../../../src-main/cli/commands/simulate';

const FIXTURES = fileURLToPath(new URL('../../fixtures/structures/', import.meta.url));

async function run(argv: string[], cwd = FIXTURES) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await structureCommand.run({ argv, io: { out: (t) => out.push(t), err: (t) => err.push(t) }, cwd });
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
    expect((await run(['info', 'ase_cu_emt.extxyz', '--rmax', '3'])).err).toMatch(/--rmax is an option of structure rdf$/m);
    // a distance whose pairs would fill the memory is bad usage, said at once
    const far = await run(['rdf', 'ase_cu_emt.extxyz', '--rmax', '1e5']);
    expect([far.code, far.err]).toEqual([2, expect.stringMatching(/^latticework structure rdf: --rmax 100000: ase_cu_emt\.extxyz: about \S+ neighbour pairs within 100000 Å, more than the 100,000,000 a neighbour list is built for$/)]);
  });
});

describe('latticework structure msd', () => {
  it('unwraps a trajectory written wrapped into its cell and gives the MSD and D, per element', async () => {
    // Cu moves 0.4 Å along x per frame through a 5 Å cell, written wrapped; Ag stays
    const dir = mkdtempSync(join(tmpdir(), 'lw-msd-'));
    const frames = Array.from({ length: 12 }, (_, k) => {
      const x = (1 + 0.4 * k) % 5;
      return ['2', 'Lattice="5 0 0 0 5 0 0 0 5" Properties=species:S:1:pos:R:3 pbc="T T T"', `Cu ${x.toFixed(8)} 1 1`, 'Ag 3 3 3'].join('\n');
    });
    writeFileSync(join(dir, 'moving.extxyz'), frames.join('\n') + '\n');
    const r = await run(['msd', 'moving.extxyz', '--timestep', '10', '--json'], dir);
    expect(r.code, r.err).toBe(0);
    const [rec] = JSON.parse(r.out);
    expect(rec).toMatchObject({ file: 'moving.extxyz', frames: 12, first: 0, last: 11, timestep: 10 });
    expect(rec.time).toEqual(Array.from({ length: 12 }, (_, k) => 10 * k));
    const [mCu, mAg] = [63.546, 107.8682];
    rec.msd.forEach((msd: number, k: number) => {
      const cm = (mCu * 0.4 * k) / (mCu + mAg); // the pair's centre of mass moves too: taken off
      expect(rec.msdByElement.Cu[k]).toBeCloseTo((0.4 * k - cm) ** 2, 4);
      expect(rec.msdByElement.Ag[k]).toBeCloseTo(cm ** 2, 4);
      expect(msd).toBeCloseTo(((0.4 * k - cm) ** 2 + cm ** 2) / 2, 4);
    });
    expect(rec.diffusion).toBeGreaterThan(0);
    expect(Object.keys(rec.diffusionByElement)).toEqual(['Ag', 'Cu']);
    // a steady drift through the cell is no diffusion: its 50 fs are too short to judge, and over 1 ps its MSD (∝ t²) still bends up
    expect([rec.diffusionVerdict, rec.diffusionVerdictByElement]).toEqual(['short', { Ag: 'short', Cu: 'short' }]);
    const slow = JSON.parse((await run(['msd', 'moving.extxyz', '--timestep', '200', '--json'], dir)).out)[0];
    expect([slow.diffusionVerdict, slow.diffusionVerdictByElement]).toEqual(['bending', { Ag: 'bending', Cu: 'bending' }]);
    // the last 4 frames only, and the text form
    const tail = JSON.parse((await run(['msd', 'moving.extxyz', '--timestep', '10', '--frames=-4:', '--json'], dir)).out)[0];
    expect([tail.first, tail.last, tail.msd[0]]).toEqual([8, 11, 0]);
    // three frames are too few to fit: no diffusion and no verdict (null, as --help and the README say)
    const three = JSON.parse((await run(['msd', 'moving.extxyz', '--timestep', '10', '--frames=-3:', '--json'], dir)).out)[0];
    expect([three.diffusion, three.diffusionVerdict, three.diffusionVerdictByElement]).toEqual([null, null, { Ag: null, Cu: null }]);
    const text = await run(['msd', 'moving.extxyz', '--timestep', '10'], dir);
    expect(text.out).toMatch(/^moving\.extxyz: MSD over frames 0–11 \(12, 10 fs apart\); D \d\.\d{3}e[-+]\d+ cm²\/s \(not resolved: the fitted half is under 1 ps\)\n {2}Ag: D .*\n {2}Cu: D /);
  });

  it("gives md's own MSD and D from md's trajectory: the atoms it held left out, an NPT cell written wrapped or not", { timeout: 60_000 }, async () => {
    // 32 atoms of fcc Cu with four Au, hot enough to move; Cu 0, 1 and Au 4, 5 held
    const dir = mkdtempSync(join(tmpdir(), 'lw-msd-md-'));
    const a = 3.7;
    const sites = [0, 1].flatMap((i) => [0, 1].flatMap((j) => [0, 1].flatMap((k) => [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]].map(([x, y, z]) => [i + x, j + y, k + z]))));
    const lines = sites.map((p, n) => `${n >= 4 && n < 8 ? 'Au' : 'Cu'} ${p.map((x) => (x * a).toFixed(6)).join(' ')}`);
    writeFileSync(join(dir, 'CuAu.extxyz'), [String(sites.length), `Lattice="${2 * a} 0 0 0 ${2 * a} 0 0 0 ${2 * a}" Properties=species:S:1:pos:R:3 pbc="T T T"`, ...lines, ''].join('\n'));
    const md = async (args: string[], err: string[] = []) => {
      const out: string[] = [];
      const code = await mdCommand.run({ argv: ['CuAu.extxyz', '--model', 'emt', '--temperature', '2500', '--timestep', '2', '--json', ...args], cwd: dir, io: { out: (t) => out.push(t), err: (t) => err.push(t) } });
      expect(code, err.join('\n')).toBe(0);
      return JSON.parse(out.join('\n'));
    };
    const msd = async (file: string, timestep: number) => {
      const r = await run(['msd', file, '--timestep', String(timestep), '--json'], dir);
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out)[0];
    };
    // every step a frame: the same points, so the same fit
    const held = await md(['--ensemble', 'nvt', '--steps', '200', '--every', '1', '--fixed', '0,1,4,5', '--out', 'held.extxyz']);
    const fromFile = await msd('held.extxyz', 2);
    expect(fromFile.fixed).toEqual([0, 1, 4, 5]);
    expect(Math.max(...fromFile.msd.map((x: number, k: number) => Math.abs(x - held.msd[k])))).toBeLessThan(1e-12);
    for (const sym of ['Au', 'Cu']) expect(Math.max(...fromFile.msdByElement[sym].map((x: number, k: number) => Math.abs(x - held.msdByElement[sym][k])))).toBeLessThan(1e-12);
    expect(fromFile.diffusion).toBeCloseTo(held.diffusion, 15);
    expect(fromFile.diffusionByElement.Au).toBeCloseTo(held.diffusionByElement.Au, 15);
    expect((await run(['msd', 'held.extxyz', '--timestep', '2'], dir)).out).toMatch(/^ {2}4 atoms held fixed \(0, 1, 4, 5\): left out, as md leaves them out$/m);
    // an XDATCAR has no flags: --fixed names the atoms, as md's takes them; --fixed none counts every atom
    const notes: string[] = [];
    await md(['--ensemble', 'nvt', '--steps', '200', '--every', '1', '--fixed', '0,1,4,5', '--out', 'held_XDATCAR'], notes);
    expect(notes).toContain('note: held_XDATCAR: an XDATCAR has no place for held atoms: the 4 atoms this run held (0, 1, 4, 5) are not marked in it; .extxyz and .traj keep them; --fixed 0,1,4,5 gives them back to a command that reads it (structure msd, md, neb)');
    const named = JSON.parse((await run(['msd', 'held_XDATCAR', '--timestep', '2', '--fixed', '0-1,4-5', '--json'], dir)).out)[0];
    expect(named.fixed).toEqual([0, 1, 4, 5]);
    expect(Math.max(...named.msd.map((x: number, k: number) => Math.abs(x - held.msd[k])))).toBeLessThan(1e-9);
    const none = JSON.parse((await run(['msd', 'held.extxyz', '--timestep', '2', '--fixed', 'none', '--json'], dir)).out)[0];
    expect([none.fixed, none.msd.at(-1) < held.msd.at(-1)]).toEqual([[], true]); // the held atoms, counted, stayed put
    const beyond = await run(['msd', 'held.extxyz', '--timestep', '2', '--fixed', '40'], dir);
    expect([beyond.code, beyond.err.split('\n')[0]]).toEqual([2, 'latticework structure msd: --fixed 40: held.extxyz has 32 atoms (0-based), not 40']);
    expect((await run(['rdf', 'held.extxyz', '--fixed', '0'], dir)).err).toMatch(/--fixed is an option of structure msd$/m);
    // a flexible cell under MTK, written wrapped (XDATCAR) and not (extended XYZ): both give the run's own MSD
    const npt = ['--ensemble', 'npt', '--barostat', 'mtk', '--cell-motion', 'flexible', '--barostat-tau', '100', '--steps', '300', '--every', '5'];
    const run1 = await md([...npt, '--out', 'XDATCAR']);
    await md([...npt, '--out', 'npt.extxyz']);
    const [wrapped, unwrapped] = [await msd('XDATCAR', 10), await msd('npt.extxyz', 10)];
    const own = run1.msd.filter((_: number, k: number) => k % 5 === 0);
    expect(own.at(-1)).toBeGreaterThan(1);
    for (const r of [wrapped, unwrapped]) expect(Math.max(...r.msd.map((x: number, k: number) => Math.abs(x - own[k])))).toBeLessThan(1e-9);
  });

  it('needs the time between frames, and keeps its options to itself', async () => {
    const missing = await run(['msd', 'ase_cu_emt.extxyz']);
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--timestep is required: the fs between two frames of the file/);
    expect((await run(['msd', 'ase_cu_emt.extxyz', '--timestep=-1'])).err).toMatch(/--timestep -1: expected a positive time in fs/);
    expect((await run(['rdf', 'ase_cu_emt.extxyz', '--timestep', '1'])).err).toMatch(/--timestep is an option of structure msd$/m);
    expect((await run(['info', 'ase_cu_emt.extxyz', '--frames', '0'])).err).toMatch(/--frames is an option of structure frames, structure rdf and structure msd$/m);
    // frames of other atoms (a Cu cell, then an Au cell; a water molecule, then methane): a sentence, not a number
    const mixed = await run(['msd', 'ase_cu_emt.extxyz', 'ase_water.xyz', '--timestep', '1', '--json']);
    expect(mixed.code).toBe(1);
    const [cu, water] = JSON.parse(mixed.out);
    expect(cu.error.message).toMatch(/^frame 1 holds other atoms than frame 0 \(other elements on the same number of sites\)/);
    expect(water.error.message).toMatch(/^frame 1 holds other atoms than frame 0 \(5 atoms against 3\)/);
    // frames are named by their number in the file: Cu₂, Cu₂, then Cu₃, from frame 1 on
    const dir = mkdtempSync(join(tmpdir(), 'lw-msd-'));
    const frame = (n: number) => [String(n), 'Lattice="5 0 0 0 5 0 0 0 5" Properties=species:S:1:pos:R:3 pbc="T T T"', ...Array.from({ length: n }, (_, i) => `Cu ${i} 0 0`)].join('\n');
    writeFileSync(join(dir, 'grows.extxyz'), [frame(2), frame(2), frame(3)].join('\n') + '\n');
    const sliced = JSON.parse((await run(['msd', 'grows.extxyz', '--timestep', '1', '--frames', '1:', '--json'], dir)).out);
    expect(sliced[0].error.message).toMatch(/^frame 2 holds other atoms than frame 1 \(3 atoms against 2\)/);
  });
});
