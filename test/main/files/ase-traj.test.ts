/**
 * ASE trajectories (`.traj`): files ASE 3.22 writes here (an MD run, an optimizer's path, images whose
 * atoms, masses and cell change, a molecule) read as `ase.io.read(FILE, ':')` reads them, bit for bit;
 * through every entry point (path, dropped bytes, compressed), and damaged files get a clear error.
 * The files we write ASE reads back as the frames we wrote, and appends to.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mkdtempSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { predictCommand } from '../../../src-main/cli/commands/predict';
import { structureCommand } from '../../../src-main/cli/commands/structure';
import { isFrameFileName } from '../../../src-main/datasets/frames';
import { isAseTrajectory, readAseTrajectory, writeAseTrajectory } from '../../../src-main/files/ase-traj';
import { framesFromBytes, readFramesFile, readStructuresFile } from '../../../src-main/files/structure-file';
import { StructureParseError } from '../../../src-shared/chem';
import { structureVelocities } from '../../../src-shared/sim';
import { runPython } from '../../helpers/python';
import { expectSame, SCRIPT, type AseRow } from './ase-images';

const dir = mkdtempSync(join(tmpdir(), 'lw-asetraj-'));

const MAKE = `
import numpy as np
from ase import Atoms
from ase.build import bulk, fcc111, molecule
from ase.calculators.emt import EMT
from ase.constraints import FixAtoms, FixScaled
from ase.io.trajectory import Trajectory
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution
from ase.md.verlet import VelocityVerlet
from ase.optimize import BFGS

# an MD run, a frame every 5 steps: momenta, energy, forces; held atoms; info
a = bulk('Cu', 'fcc', a=3.6, cubic=True).repeat((2, 2, 1))
a.symbols[5] = 'Au'
a.rattle(0.05, seed=3)
a.set_constraint([FixAtoms([0]), FixScaled(a.cell, 1, [True, False, True])])
a.info['run'] = 'md'
a.info['thermostat'] = None
MaxwellBoltzmannDistribution(a, temperature_K=500, rng=np.random.default_rng(4))
a.calc = EMT()
VelocityVerlet(a, timestep=2 * 0.09822694788464063, trajectory='md.traj', loginterval=5).run(20)

# an optimizer's path: a slab with tags, its bottom layer fixed
s = fcc111('Pt', (2, 2, 3), vacuum=6.0)
s.set_constraint(FixAtoms(mask=s.get_tags() == 3))
s.rattle(0.05, seed=5)
s.calc = EMT()
BFGS(s, trajectory='opt.traj', logfile=None).run(fmax=0.05, steps=6)

# images that change: the same atoms moved (no header), other atoms (a new header from then on),
# masses of their own, stress computed, a molecule without a cell
t = Trajectory('changing.traj', 'w')
b = bulk('Al', 'fcc', a=4.05, cubic=True)
b.calc = EMT(); b.get_stress(); t.write(b)
b = b.copy(); b.rattle(0.02, seed=6); b.calc = EMT(); b.get_stress(); t.write(b)
c = b.copy(); c.symbols[1] = 'Ni'; c.calc = EMT(); c.get_forces(); t.write(c)
d = c.copy(); d.set_masses([30.0, 60.0, 27.0, 27.0]); t.write(d)
m = molecule('CH3OH'); m.calc = EMT(); m.get_forces(); t.write(m)
t.close()
`;

const made = runPython(['-c', MAKE], { cwd: dir });

function ase(name: string): AseRow[] {
  const r = runPython([SCRIPT, join(dir, name)], { cwd: dir });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as AseRow[];
}

describe('ASE trajectories', () => {
  it('reads every image as ASE 3.22 does: an MD run (momenta, held atoms, info), an optimizer path, images that change', async () => {
    expect(made.status, made.stderr).toBe(0);
    for (const [name, count] of [
      ['md.traj', 5],
      ['opt.traj', 7],
      ['changing.traj', 5],
    ] as const) {
      const rows = ase(name);
      expect(rows).toHaveLength(count);
      const r = await readFramesFile(join(dir, name), name);
      expect(r.format).toBe('ase-traj');
      expect(r.blocks).toEqual(rows.map((_, i) => i));
      r.frames.forEach((f, i) => expectSame(f, rows[i]));
      r.frames.forEach((f, i) => expect(f.structure.properties).toEqual(rows[i].key_value_pairs));
    }
    const md = await readFramesFile(join(dir, 'md.traj'), 'md.traj');
    // held as ASE holds them: atom 0 whole, atom 1 along b only; the info; velocities to go on with
    expect(md.frames[4].structure.properties).toEqual({ run: 'md', thermostat: null });
    expect(structureVelocities(md.frames[4].structure)).toHaveLength(48);
    const changing = await readFramesFile(join(dir, 'changing.traj'), 'changing.traj');
    expect(changing.frames.map((f) => f.structure.species.join(''))).toEqual(['AlAlAlAl', 'AlAlAlAl', 'AlNiAlAl', 'AlNiAlAl', 'COHHHH']);
    expect(changing.frames[0].stress).not.toBeNull();
    expect(changing.frames[4].structure.lattice).toBeNull();
    const opt = await readFramesFile(join(dir, 'opt.traj'), 'opt.traj');
    const tags = opt.frames[0].structure.siteProperties.tags;
    expect(tags?.kind === 'number' && Array.from(tags.values)).toEqual([3, 3, 3, 3, 2, 2, 2, 2, 1, 1, 1, 1]);
    expect(opt.warnings).toEqual([]);
  });

  it('writes trajectories that ASE 3.22 reads back as the frames written, bit for bit, and appends to', async () => {
    for (const name of ['md.traj', 'opt.traj', 'changing.traj']) {
      const frames = (await readFramesFile(join(dir, name), name)).frames;
      const out = `ours-${name}`;
      writeFileSync(join(dir, out), writeAseTrajectory(frames));
      const rows = ase(out);
      expect(rows).toHaveLength(frames.length);
      frames.forEach((f, i) => expectSame(f, rows[i]));
      frames.forEach((f, i) => expect(rows[i].key_value_pairs).toEqual(f.structure.properties));
      // and we read it back as we wrote it
      (await readFramesFile(join(dir, out), out)).frames.forEach((f, i) => expectSame(f, rows[i]));
    }
    // ASE appends an image to a file we wrote (its offset table has ASE's room) and reads them all
    const appended = runPython(['-c', "from ase.io import read\nfrom ase.io.trajectory import Trajectory\nt = Trajectory('ours-md.traj', 'a')\nt.write(read('md.traj', 0))\nt.close()\nprint(len(read('ours-md.traj', ':')))"], { cwd: dir });
    expect(appended.status, appended.stderr).toBe(0);
    expect(Number(appended.stdout)).toBe(6);
    // from the command line: any frames to a .traj
    const out: string[] = [];
    const err: string[] = [];
    const code = await structureCommand.run({ argv: ['frames', 'changing.traj', '--frames=1:3', '--out', 'two.traj'], cwd: dir, io: { out: (t) => out.push(t), err: (t) => err.push(t) } });
    expect(code, err.join('\n')).toBe(0);
    expect(ase('two.traj').map((r) => r.numbers.length)).toEqual([4, 4]);
  });

  it('the command line describes a trajectory by its last image, and gives every image with its labels; a folder import takes .traj files', async () => {
    const rows = ase('opt.traj');
    const run = async (argv: string[]) => {
      const out: string[] = [];
      const code = await structureCommand.run({ argv, cwd: dir, io: { out: (t) => out.push(t), err: () => undefined } });
      expect(code).toBe(0);
      return JSON.parse(out.join('\n'));
    };
    const [info] = await run(['info', 'opt.traj', '--json']);
    expect(info).toMatchObject({ file: 'opt.traj', block: 6, frames: 7, cellFormula: 'Pt12', nSites: 12, held: { fixed: [0, 1, 2, 3], partial: [] } });
    const [frames] = await run(['frames', 'opt.traj', '--json']);
    expect(frames.format).toBe('ase-traj');
    expect(frames.frames.map((f: { energy: number }) => f.energy)).toEqual(rows.map((r) => r.energy));
    expect(frames.frames[6].forces).toEqual(rows[6].forces);
    expect(isFrameFileName('runs/md.traj')).toBe(true);
  });

  it('the same from dropped bytes, gzipped, and as structures; a damaged file is a clear error naming it', async () => {
    const bytes = new Uint8Array(readFileSync(join(dir, 'md.traj')));
    expect(isAseTrajectory(bytes)).toBe(true);
    const rows = ase('md.traj');
    const dropped = await framesFromBytes('md.traj', bytes);
    dropped.frames.forEach((f, i) => expectSame(f, rows[i]));
    const zipped = await framesFromBytes('run.traj.gz', gzipSync(bytes));
    expect(zipped.compression).toBe('gzip');
    zipped.frames.forEach((f, i) => expectSame(f, rows[i]));
    // a trajectory by its header whatever its name
    writeFileSync(join(dir, 'renamed.bin'), bytes);
    expect((await readStructuresFile(join(dir, 'renamed.bin'), 'renamed.bin')).structures).toHaveLength(5);

    const error = async (name: string, b: Uint8Array) => {
      const e = await framesFromBytes(name, b).catch((x: unknown) => x);
      expect(e).toBeInstanceOf(StructureParseError);
      expect((e as StructureParseError).file).toBe(name);
      return (e as StructureParseError).message;
    };
    // cut short: the complete images and a warning, as a killed VASP run's vasprun.xml; none complete is an error
    const cut = await framesFromBytes('cut.traj', bytes.subarray(0, bytes.length - 200));
    expect(cut.frames).toHaveLength(4);
    cut.frames.forEach((f, i) => expectSame(f, rows[i]));
    expect(cut.warnings).toEqual(['image 4: the file ends inside its data (it was cut short): the 4 images before it are read']);
    expect(await error('stub.traj', bytes.subarray(0, 60))).toMatch(/^the file ends before the offset of image 0 \(byte \d+\): it was cut short$/);
    expect(await error('tiny.traj', bytes.subarray(0, 20))).toMatch(/not an ASE trajectory/);
    const json = bytes.slice();
    // the first image's JSON starts with '{' 8 bytes after its offset; make it unreadable
    const first = Number(new DataView(json.buffer).getBigInt64(Number(new DataView(json.buffer).getBigInt64(40, true)), true));
    json[first + 8] = 0x21;
    expect(await error('bad.traj', json)).toMatch(/^image 0: its data is not JSON/);
    expect(() => readAseTrajectory(bytes, 'md.traj', { maxAtoms: 10, maxStructures: 100 })).toThrow(/image 0 has 16 atoms, more than the limit of 10/);
    expect(() => readAseTrajectory(bytes, 'md.traj', { maxAtoms: 100, maxStructures: 3 })).toThrow(/5 images, more than the limit of 3/);
  });

  it('a trajectory with no image and a database with no row are errors naming the file in structure info, frames and predict (exit 1)', async () => {
    // what a run that died before its first write leaves (ASE: len(Trajectory(...)) == 0), and a database emptied (count() == 0)
    const empty = runPython(['-c', "import ase, ase.db\nfrom ase.io.trajectory import Trajectory\nTrajectory('none.traj', 'w').close()\ndb = ase.db.connect('none.db')\ndb.write(ase.Atoms('H'))\ndb.delete([1])\nprint(len(Trajectory('none.traj')), db.count())"], { cwd: dir });
    expect(empty.stdout.trim(), empty.stderr).toBe('0 0');
    const run = async (cmd: typeof structureCommand, argv: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      const code = await cmd.run({ argv, cwd: dir, io: { out: (t) => out.push(t), err: (t) => err.push(t) } });
      return { code, out: out.join('\n'), err: err.join('\n') };
    };
    const said = (file: string) => `no frame in the file (an ASE ${file.endsWith('.db') ? 'database with no row' : 'trajectory with no image'})`;
    for (const argv of [['structure', 'info'], ['structure', 'frames'], ['predict', '--model', 'emt']]) {
      const r = await run(argv[0] === 'predict' ? predictCommand : structureCommand, [...argv.slice(1), 'none.traj', 'none.db', '--json']);
      expect(r.code, `${argv.join(' ')}: ${r.err}`).toBe(1);
      const records = JSON.parse(r.out) as { file: string; error: { message: string } }[];
      expect(records.map((x) => [x.file, x.error?.message]), argv.join(' ')).toEqual([
        ['none.traj', said('none.traj')],
        ['none.db', said('none.db')],
      ]);
    }
    const plain = await run(structureCommand, ['info', 'none.traj', 'none.db']);
    expect(plain.code).toBe(1);
    expect(plain.err.split('\n')).toEqual([`none.traj: error: ${said('none.traj')}`, `none.db: error: ${said('none.db')}`]);
    expect(plain.out).toMatch(/2 of 2 files failed/);
  });
});
