/**
 * `latticework structure supercell`, `structure vacancy-hop` and `structure cell`
 * (src-main/cli/commands/structure-build.ts): the files they write, their JSON, and the band `neb` runs
 * between a hop's two ends against ASE's (test/fixtures/sim/neb.json, "unrelaxed": scripts/sim/neb_fixture.py).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { structureCommand } from '../../../src-main/cli/commands/structure';
import { nebCommand } from '../../../src-main/cli/commands/simulate';
import type { Command, CliIo } from '../../../src-main/cli/command';
import { readStructures } from '../../../src-shared/chem';
import { asOnlyCommand, deliverSignal } from '../../helpers/signals';
import { supercell } from '../../../src-shared/chem/build';

/** A stop signal the next file written is followed by (`null`: none): the signal at a controlled point, once the file is whole. */
const signalAfterWriting = vi.hoisted(() => ({ signal: null as 'SIGINT' | 'SIGTERM' | null }));
vi.mock('../../../src-main/files/frames-file', async (original) => {
  const actual = await original<typeof import('../../../src-main/files/frames-file')>();
  return {
    ...actual,
    writeFrames: async (...args: Parameters<typeof actual.writeFrames>) => {
      const warnings = await actual.writeFrames(...args);
      if (signalAfterWriting.signal) process.emit(signalAfterWriting.signal);
      return warnings;
    },
  };
});

const SHARED = new URL('../../../../shared/data/', import.meta.url).pathname;
const fixture = JSON.parse(readFileSync(new URL('../../fixtures/sim/neb.json', import.meta.url), 'utf8')) as {
  unrelaxed: { hopper: number; start: number[]; end: number[]; endSteps: [number, number]; steps: number; energies: number[] };
};
// ASE's bulk('Cu', 'fcc', a=3.6, cubic=True), its atoms in ASE's order
const COPPER = 'Cu\n3.6\n1 0 0\n0 1 0\n0 0 1\nCu\n4\nDirect\n0 0 0\n0 0.5 0.5\n0.5 0 0.5\n0.5 0.5 0\n';

async function run(command: Command, argv: string[], cwd: string) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t) };
  const code = await command.run({ argv, io, cwd });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (x, i) => Math.abs(x - b[i])));

describe('latticework structure supercell', () => {
  it("refuses a CIF whose data block cannot be read (it takes the file's last structure), naming the block and line", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latticework-tests-build-'));
    const cell = '_cell_length_a 3.61\n_cell_length_b 3.61\n_cell_length_c 3.61\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n';
    const block = (name: string, group: string) => `data_${name}\n${cell}_symmetry_space_group_name_H-M '${group}'\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nCu1 0 0 0\n`;
    writeFileSync(join(dir, 'multicu.cif'), block('cu', 'F m -3 m') + block('broken', 'Q 9 9'));
    const r = await run(structureCommand, ['supercell', 'multicu.cif', '--repeat', '2', '--out', 'big.extxyz', '--json'], dir);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)[0]).toMatchObject({ file: 'multicu.cif', error: { line: 22, message: expect.stringMatching(/^line 22: data block 'broken': .* \(the file's structures are taken by their place in it, the last unless told otherwise: every data block must be read\)$/) } });
    expect(existsSync(join(dir, 'big.extxyz'))).toBe(false);
  });

  it('writes the cell repeated, in ASE’s order, with its space group; refuses what it cannot do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latticework-tests-build-'));
    const nacl = `${SHARED}cgcnn-sample-regression/1000041.cif`;
    const r = await run(structureCommand, ['supercell', nacl, '--repeat', '2x1x3', '--out', 'big.extxyz', '--json'], dir);
    expect([r.code, r.err]).toEqual([0, '']);
    const [doc] = JSON.parse(r.out);
    expect(doc).toEqual({ file: nacl, repeat: [2, 1, 3], out: 'big.extxyz', nSites: 48, cellFormula: 'Na24Cl24', spaceGroup: { number: 225, symbol: 'Fm-3m' } });
    const written = readStructures('big.extxyz', readFileSync(join(dir, 'big.extxyz'), 'utf8')).structures[0];
    const expected = supercell(readStructures(nacl, readFileSync(nacl, 'utf8')).structures[0], [2, 1, 3]);
    expect(written.species).toEqual(expected.species);
    expect(maxDiff(written.cart, expected.cart)).toBeLessThan(1e-12);
    const text = await run(structureCommand, ['supercell', nacl, '--repeat', '2', '--out', 'cube.vasp'], dir);
    expect([text.code, text.out]).toEqual([0, `${nacl}: 2×2×2 supercell, Na32Cl32, 64 sites, Fm-3m (225), written to cube.vasp`]);
    // nothing overwritten; what is missing or malformed, said with status 2
    for (const [argv, message] of [
      [['--repeat', '2', '--out', 'cube.vasp'], '--out cube.vasp exists: give a new file (nothing is overwritten)'],
      [['--out', 'x.vasp'], '--repeat and --out are required'],
      [['--repeat', '2x0x1', '--out', 'x.vasp'], '--repeat 2x0x1: expected three whole numbers from 1, e.g. 3x3x3 (or one for all three)'],
      [['--repeat', '2', '--out', 'XDATCAR'], expect.stringMatching(/^--out must name a CIF/)],
      [['--repeat', '2', '--out', 'x.vasp', '--vacancy', '1'], '--vacancy is an option of structure vacancy-hop'],
      // a repeat past the supercell limit is a refused option, its numbers grouped
      [['--repeat', '100', '--out', 'x.vasp'], `--repeat 100x100x100: ${nacl}: a 100×100×100 supercell of 8 atoms holds 8,000,000, more than the limit of 100,000`],
    ] as const) {
      const bad = await run(structureCommand, ['supercell', nacl, ...argv], dir);
      expect([bad.code, bad.err.split('\n')[0]]).toEqual([2, typeof message === 'string' ? `latticework structure supercell: ${message}` : expect.stringMatching(/^latticework structure supercell: --out must name a CIF/)]);
    }
    expect(existsSync(join(dir, 'x.vasp'))).toBe(false);
    // a disordered crystal: its partial sites kept in a CIF, refused by a POSCAR (atoms on top of each other)
    const disordered = new URL('../../fixtures/chem/spacegroups/skutterudite-disordered.cif', import.meta.url).pathname;
    const kept = await run(structureCommand, ['supercell', disordered, '--repeat', '1x1x2', '--out', 'd.cif', '--json'], dir);
    expect(kept.code, kept.err).toBe(0);
    expect(JSON.parse(kept.out)[0].spaceGroup).toEqual({ number: 204, symbol: 'Im-3' });
    expect(Math.min(...read(dir, 'd.cif').occupancy)).toBeLessThan(1);
    const whole = await run(structureCommand, ['supercell', disordered, '--repeat', '1x1x2', '--out', 'd.vasp'], dir);
    // what the reader said of the file, which the error follows from, before it
    expect([whole.code, whole.err]).toEqual([
      1,
      [
        `warning: ${disordered}: 8 position(s) hold several sites with a total occupancy above 1 (overlapping atoms?)`,
        `warning: ${disordered}: 24 partially occupied site(s) kept with their occupancies (the structure is disordered)`,
        `${disordered}: error: site 0 holds Co with occupancy 0.87: a POSCAR holds whole atoms only (a CIF or an extended XYZ keeps partial occupancies)`,
      ].join('\n'),
    ]);
    expect(existsSync(join(dir, 'd.vasp'))).toBe(false);
    const missing = await run(structureCommand, ['supercell', 'nothing.cif', '--repeat', '2', '--out', 'x.vasp'], dir);
    expect([missing.code, missing.err]).toEqual([1, expect.stringMatching(/^nothing\.cif: error: /)]);
  });
});

describe('latticework structure vacancy-hop', () => {
  it("writes the two ends of a hop; neb between them relaxes the ends and gives ASE's band step for step", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latticework-tests-build-'));
    writeFileSync(join(dir, 'Cu.vasp'), COPPER);
    const u = fixture.unrelaxed;
    // ASE's hopper counts after the removal of site 0
    const r = await run(structureCommand, ['vacancy-hop', 'Cu.vasp', '--repeat', '2', '--hopper', String(u.hopper + 1), '--start', 'start.extxyz', '--end', 'end.extxyz', '--json'], dir);
    expect([r.code, r.err]).toEqual([0, 'note: the vacancy is at site 0 (--vacancy picks another)']);
    const [doc] = JSON.parse(r.out);
    expect(Object.keys(doc)).toEqual(['file', 'repeat', 'vacancy', 'hopper', 'distance', 'nSites', 'start', 'end']);
    expect([doc.repeat, doc.vacancy, doc.hopper, doc.nSites]).toEqual([[2, 2, 2], { site: 0, element: 'Cu' }, { site: u.hopper + 1, element: 'Cu' }, 31]);
    expect(doc.distance).toBeCloseTo(3.6 / Math.SQRT2, 12);
    const read = (name: string) => readStructures(name, readFileSync(join(dir, name), 'utf8')).structures[0];
    expect(maxDiff(read('start.extxyz').cart, u.start)).toBeLessThan(1e-12);
    expect(maxDiff(read('end.extxyz').cart, u.end)).toBeLessThan(1e-12);
    const band = await run(nebCommand, ['start.extxyz', 'end.extxyz', '--model', 'emt', '--images', '3', '--json'], dir);
    expect(band.code, band.err).toBe(0);
    const neb = JSON.parse(band.out);
    expect([neb.steps, neb.relaxedEnds]).toEqual([u.steps, { steps: u.endSteps, converged: [true, true] }]);
    expect(maxDiff(neb.energies, u.energies)).toBeLessThan(1e-6);
  });

  it('picks the nearest atom of the vacancy’s element by default, and says so; refuses what it cannot do', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latticework-tests-build-'));
    const nacl = `${SHARED}cgcnn-sample-regression/1000041.cif`;
    const r = await run(structureCommand, ['vacancy-hop', nacl, '--vacancy', '4', '--start', 'a.cif', '--end', 'b.cif'], dir);
    expect(r.code, r.err).toBe(0);
    // site 4 is a Cl of the conventional cell; its nearest Cl is a/√2 away
    expect(r.err).toBe('note: the hopping atom is site 5, the nearest Cl (--hopper picks another)');
    expect(r.out).toMatch(new RegExp(`^${nacl}: Cl at site 5 hops 3\\.97\\d\\d Å into the vacancy at site 4 \\(Cl\\); 7 atoms; start a\\.cif, end b\\.cif \\(latticework neb a\\.cif b\\.cif --model NAME\\)$`));
    expect(read(dir, 'a.cif').species.join('')).toBe('NaNaNaNaClClCl');
    for (const [argv, code, message] of [
      [['--start', 'a.cif', '--end', 'c.cif'], 2, 'latticework structure vacancy-hop: --start a.cif exists: give a new file (nothing is overwritten)'],
      [['--start', 'c.cif'], 2, 'latticework structure vacancy-hop: --start and --end are required: the files to write the two ends to'],
      [['--start', 'c.cif', '--end', 'c.cif'], 2, 'latticework structure vacancy-hop: --start and --end name the same file'],
      [['--vacancy=-1', '--start', 'c.cif', '--end', 'd.cif'], 2, 'latticework structure vacancy-hop: --vacancy -1: expected a site index from 0'],
      // sites the structure does not have are bad usage, as the other options' values
      [['--vacancy', '8', '--start', 'c.cif', '--end', 'd.cif'], 2, `latticework structure vacancy-hop: --vacancy 8: ${nacl} has sites 0 to 7`],
      [['--hopper', '10', '--start', 'c.cif', '--end', 'd.cif'], 2, `latticework structure vacancy-hop: --hopper 10: ${nacl} has sites 0 to 7`],
      [['--vacancy', '0', '--hopper', '0', '--start', 'c.cif', '--end', 'd.cif'], 2, 'latticework structure vacancy-hop: --hopper 0: the hopping atom is the one removed (--vacancy 0): choose another'],
    ] as const) {
      const bad = await run(structureCommand, ['vacancy-hop', nacl, ...argv], dir);
      expect([bad.code, bad.err.split('\n').filter((l) => !l.startsWith('note: ')).join('\n').split('\n\n')[0]]).toEqual([code, message]);
    }
    expect(existsSync(join(dir, 'c.cif'))).toBe(false);
  });
});

describe('latticework structure cell', () => {
  it('writes the standard primitive and conventional cells and the Niggli cell, the cells the app derives', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latticework-tests-build-'));
    const nacl = `${SHARED}cgcnn-sample-regression/1000041.cif`;
    // a 2×1×1 supercell of rock salt: back to its 2-site primitive cell, its 8-site conventional one
    expect((await run(structureCommand, ['supercell', nacl, '--repeat', '2x1x1', '--out', 'big.cif'], dir)).code).toBe(0);
    const prim = await run(structureCommand, ['cell', 'big.cif', '--to', 'primitive', '--out', 'prim.vasp', '--json'], dir);
    expect([prim.code, prim.err]).toEqual([0, '']);
    expect(JSON.parse(prim.out)).toEqual([{ file: 'big.cif', to: 'primitive', out: 'prim.vasp', nSites: 2, cellFormula: 'NaCl', spaceGroup: { number: 225, symbol: 'Fm-3m' } }]);
    const conv = await run(structureCommand, ['cell', 'prim.vasp', '--to', 'conventional', '--out', 'conv.cif'], dir);
    expect([conv.code, conv.out]).toEqual([0, 'prim.vasp: the standard conventional cell, Na4Cl4, 8 sites, Fm-3m (225), written to conv.cif']);
    const lattice = read(dir, 'conv.cif').lattice!;
    expect(lattice.map((v) => Math.hypot(...v))).toEqual([5.62, 5.62, 5.62].map((a) => expect.closeTo(a, 2)));
    const niggli = await run(structureCommand, ['cell', 'big.cif', '--to', 'niggli', '--out', 'n.vasp'], dir);
    expect([niggli.code, niggli.out]).toEqual([0, expect.stringMatching(/^big\.cif: the Niggli-reduced cell, Na8Cl8, 16 sites, Fm-3m \(225\), written to n\.vasp$/)]);
    const bad = await run(structureCommand, ['cell', 'big.cif', '--to', 'standard', '--out', 'x.vasp'], dir);
    expect([bad.code, bad.err.split('\n')[0]]).toEqual([2, 'latticework structure cell: --to must be primitive, conventional, niggli, not "standard"']);
    const molecule = await run(structureCommand, ['cell', `${new URL('../../fixtures/structures/', import.meta.url).pathname}ase_water.xyz`, '--to', 'primitive', '--out', 'w.vasp'], dir);
    expect([molecule.code, molecule.err]).toEqual([1, expect.stringMatching(/ase_water\.xyz: error: only a crystal periodic in three directions has a standard cell/)]);
  });
});

describe('latticework structure and Ctrl-C', () => {
  it('says what stopped and ends at once, status 130: a space-group search cannot stop at a step', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latticework-tests-build-'));
    writeFileSync(join(dir, 'Cu.vasp'), COPPER);
    const listening = [process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')];
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    try {
      const out: string[] = [];
      const err: string[] = [];
      const running = structureCommand.run({ argv: ['cell', 'Cu.vasp', '--to', 'primitive', '--out', 'prim.vasp'], io: { out: (t) => out.push(t), err: (t) => err.push(t) }, cwd: dir });
      process.emit('SIGINT');
      expect([err, out]).toEqual([['latticework structure cell: stopped by Ctrl-C before it finished; nothing written'], []]);
      expect(exit).toHaveBeenCalledWith(130);
      await running; // here the process went on: its end was a stub
    } finally {
      exit.mockRestore();
    }
    expect(readdirSync(dir)).toEqual(['Cu.vasp']);
    expect([process.listenerCount('SIGINT'), process.listenerCount('SIGTERM')]).toEqual(listening);
  });

  it.each([
    ['info', [], null],
    ['supercell', ['--repeat', '2', '--out', 'big.vasp'], 'SIGTERM'],
  ] as const)('structure %s: a signal once its result is printed (its file placed) is too late to stop anything: exit 0, not 130 or 143', async (sub, args, atPrint) => {
    const dir = mkdtempSync(join(tmpdir(), 'latticework-tests-build-'));
    writeFileSync(join(dir, 'Cu.vasp'), COPPER);
    const ended: boolean[] = [];
    const out: string[] = [];
    const err: string[] = [];
    const code = await asOnlyCommand(async () => {
      const io: CliIo = { out: (t) => (out.push(t), atPrint && ended.push(deliverSignal(atPrint))), err: (t) => err.push(t) };
      const status = await structureCommand.run({ argv: [sub, 'Cu.vasp', ...args, '--json'], io, cwd: dir });
      // after the command returned, its process ending (its symmetry thread)
      ended.push(deliverSignal('SIGTERM'), deliverSignal('SIGINT'));
      return status;
    });
    expect([code, ended.every((e) => !e)], err.join('\n')).toEqual([0, true]);
    expect(JSON.parse(out.join('\n'))).toHaveLength(1);
    expect(readdirSync(dir).sort()).toEqual(sub === 'info' ? ['Cu.vasp'] : ['Cu.vasp', 'big.vasp']);
  });

  it.each([
    ['supercell', ['--repeat', '2', '--out', 'big.vasp'], 'SIGINT', 'Ctrl-C'],
    ['cell', ['--to', 'primitive', '--out', 'prim.cif'], 'SIGTERM', 'SIGTERM'],
    ['vacancy-hop', ['--repeat', '2', '--start', 'start.extxyz', '--end', 'end.extxyz'], 'SIGINT', 'Ctrl-C'],
    ['frames', ['--out', 'frames.extxyz'], 'SIGTERM', 'SIGTERM'],
  ] as const)('structure %s: a signal once a file is whole but before the command ends leaves no file, and says so', async (sub, args, signal, said) => {
    const dir = mkdtempSync(join(tmpdir(), 'latticework-tests-build-'));
    writeFileSync(join(dir, 'Cu.vasp'), COPPER);
    const exit = vi.spyOn(process, 'exit').mockImplementation((() => undefined) as never);
    signalAfterWriting.signal = signal;
    try {
      const r = await run(structureCommand, [sub, 'Cu.vasp', ...args, '--json'], dir);
      const message = `stopped by ${said} before it finished; nothing written`;
      expect(r.err).toContain(`latticework structure ${sub}: ${message}`);
      // --json: the error document naming the signal, as every command a signal stops prints it
      expect(JSON.parse(r.out.split('\n')[0])).toEqual({ error: { message, status: signal === 'SIGINT' ? 130 : 143, stoppedBy: signal } });
      expect(exit).toHaveBeenCalledWith(signal === 'SIGINT' ? 130 : 143);
    } finally {
      signalAfterWriting.signal = null;
      exit.mockRestore();
    }
    // the file was written under a temporary name, removed when the signal came
    expect(readdirSync(dir)).toEqual(['Cu.vasp']);
  });
});

function read(dir: string, name: string) {
  return readStructures(name, readFileSync(join(dir, name), 'utf8')).structures[0];
}
