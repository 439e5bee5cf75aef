import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { fileConstraints } from '../../../src-shared/sim/constraints';
import { elasticCommand, eosCommand, mdCommand, nebCommand, phononsCommand, relaxCommand, vibrationsCommand } from '../../../src-main/cli/commands/simulate';
import { elasticConstants } from '../../../src-shared/sim/elastic';
import { Atoms, EmtCalculator, toGPa } from '../../../src-shared/sim';
import { predictCommand } from '../../../src-main/cli/commands/predict';
import type { Command } from '../../../src-main/cli/command';
import { readFrames, readStructures, writePoscar } from '../../../src-shared/chem';
import type { Mat3 } from '../../../src-shared/chem/structure';
import { emtFramesText } from '../../helpers/shared-data';
import { golden } from '../../shared/sim/helpers';
import type { TrainingDomain } from '../../../src-shared/model/domain';
import { copperPoscar, tinyPotentialFile } from '../services/simulation-fixtures';
import { python } from '../../helpers/python';
import { readAseTrajectory } from '../../../src-main/files/ase-traj';
import { asOnlyCommand, deliverSignal } from '../../helpers/signals';
import { findSpaceGroup } from '../../../src-main/chem/spacegroup';
import { structureToJSON } from '../../../src-shared/chem/serialize';
import { potentialTask, predictTask } from '../../../src-main/workers/predict';
import type { TaskContext } from '../../../src-main/workers/protocol';

const dir = mkdtempSync(join(tmpdir(), 'lw-sim-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SADDLES = fileURLToPath(new URL('../../fixtures/sim/saddles.extxyz', import.meta.url));
writeFileSync(join(dir, 'Cu.vasp'), copperPoscar(2, 0.3));
writeFileSync(join(dir, 'Cu1.vasp'), copperPoscar(1));
writeFileSync(join(dir, 'Fe.vasp'), copperPoscar(1, 0, 'Fe'));
// the first three structures of the shared EMT set, labelled by ASE 3.22's EMT
writeFileSync(join(dir, 'three.extxyz'), emtFramesText(3));

async function run(cmd: Command, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cmd.run({ argv, cwd: dir, io: { out: (t) => out.push(t), err: (t) => err.push(t) } });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('latticework predict with the built-in calculators', () => {
  it('--model emt --json: one potential entry per frame, equal to the labels ASE wrote', async () => {
    const r = await run(predictCommand, ['--model', 'emt', 'three.extxyz', '--json']);
    expect(r.code, r.err).toBe(0);
    const entries = JSON.parse(r.out) as { file: string; frame: number; model: string; energy: number; energyPerAtom: number; forces: number[][]; stress: number[] }[];
    const labels = readFrames('three.extxyz', readFileSync(join(dir, 'three.extxyz'), 'utf8')).frames;
    expect(entries).toHaveLength(3);
    entries.forEach((e, k) => {
      // README's shape: "warnings" on every entry, [] when the reader said nothing (it was left out until session 45)
      expect(Object.keys(e).sort()).toEqual(['energy', 'energyPerAtom', 'file', 'forces', 'frame', 'model', 'stress', 'warnings']);
      expect(e).toMatchObject({ file: 'three.extxyz', frame: k, model: 'emt', warnings: [] });
      expect(Math.abs(e.energy - labels[k].energy!)).toBeLessThan(1e-6);
      expect(e.energyPerAtom).toBeCloseTo(e.energy / labels[k].structure.numbers.length, 12);
      expect(e.forces).toHaveLength(labels[k].structure.numbers.length);
      e.forces.flat().forEach((f, i) => expect(Math.abs(f - labels[k].forces![i])).toBeLessThan(1e-6));
      e.stress.forEach((s, i) => expect(Math.abs(s - labels[k].stress![i])).toBeLessThan(1e-7));
    });
  });

  it('--model lj with parameters equals ASE; bad parameters are usage errors; EMT without parameters for Fe is an error entry', async () => {
    const g = golden.lj[0];
    const atoms = g.positions.map((p) => `Ar ${p.join(' ')}`);
    writeFileSync(join(dir, 'ar.extxyz'), `${atoms.length}\nLattice="${g.cell!.flat().join(' ')}" Properties=species:S:1:pos:R:3 pbc="T T T"\n${atoms.join('\n')}\n`);
    const r = await run(predictCommand, ['--model', 'lj', '--param', 'epsilon=0.0104', '--param', 'sigma=3.4', '--param', 'cutoff=8.5', 'ar.extxyz', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)[0].energy).toBeCloseTo(g.energy, 10);
    expect((await run(predictCommand, ['--model', 'lj', '--param', 'depth=3', 'ar.extxyz'])).code).toBe(2);
    expect((await run(predictCommand, ['--model', 'emt', '--param', 'sigma=3', 'ar.extxyz'])).err).toMatch(/emt takes no parameters/);
    // a value the calculator refuses is bad usage too, for predict as for the simulations: a sentence, no stack, nothing on stdout
    for (const cmd of [predictCommand, relaxCommand]) {
      const args = cmd === predictCommand ? ['--model', 'lj', '--param', 'sigma=-1', 'ar.extxyz', '--json'] : ['ar.extxyz', '--model', 'lj', '--param', 'sigma=-1', '--json'];
      const refused = await run(cmd, args);
      expect(refused.code).toBe(2);
      expect(refused.out).toBe('');
      expect(refused.err.split('\n')[0]).toMatch(/^latticework (predict|relax): Lennard-Jones: sigma must be a positive number, got -1$/);
    }
    const fe = await run(predictCommand, ['--model', 'emt', 'Fe.vasp', 'Cu1.vasp', '--json']);
    expect(fe.code).toBe(1);
    const doc = JSON.parse(fe.out);
    // in the order of the command line, the failure in its place
    expect(doc[0]).toMatchObject({ file: 'Fe.vasp', frame: 0, error: { name: 'CalculatorError' } });
    expect(doc[0].error.message).toMatch(/no parameters for Fe/);
    expect(doc[1]).toMatchObject({ file: 'Cu1.vasp', model: 'emt' });
  });

  it('a folder stands for its structure files; --csv prints a row per frame; --contributions give each atom\'s energy', async () => {
    mkdirSync(join(dir, 'pfold', 'sub'), { recursive: true });
    writeFileSync(join(dir, 'pfold', 'Cu.vasp'), copperPoscar(2, 0.3));
    writeFileSync(join(dir, 'pfold', 'readme.txt'), 'not a structure\n');
    writeFileSync(join(dir, 'pfold', 'sub', 'three.extxyz'), emtFramesText(3));
    const json = await run(predictCommand, ['--model', 'emt', 'pfold', '--contributions', '--json']);
    expect(json.code, json.err).toBe(0);
    const entries = JSON.parse(json.out) as { file: string; frame: number; energy: number; forces: number[][]; stress: number[]; contributions: number[] }[];
    expect(entries.map((e) => `${e.file}#${e.frame}`)).toEqual([join('pfold', 'Cu.vasp#0'), ...[0, 1, 2].map((k) => join('pfold', 'sub', `three.extxyz#${k}`))]);
    for (const e of entries) {
      expect(e.contributions).toHaveLength(e.forces.length);
      expect(e.contributions.reduce((a, b) => a + b, 0)).toBeCloseTo(e.energy, 10);
    }
    // the atom moved off its site has another energy than its neighbours
    expect(new Set(entries[0].contributions.map((c) => c.toFixed(6))).size).toBeGreaterThan(1);
    const text = await run(predictCommand, ['--model', 'emt', join('pfold', 'Cu.vasp'), '--contributions']);
    expect(text.out).toMatch(new RegExp(`^    atom 0 Cu: ${entries[0].contributions[0].toFixed(6)} eV$`, 'm'));
    const csv = await run(predictCommand, ['--model', 'emt', 'pfold', 'Fe.vasp', '--csv']);
    expect(csv.code).toBe(1);
    const [header, ...rows] = csv.out.split('\n').map((l) => l.split(','));
    expect(header).toEqual(['file', 'frame', 'model', 'energy (eV)', 'energy per atom (eV/atom)', 'max force (eV/Å)', ...['xx', 'yy', 'zz', 'yz', 'xz', 'xy'].map((c) => `stress ${c} (eV/Å³)`), 'error', 'warnings']);
    expect(rows).toHaveLength(5);
    rows.slice(0, 4).forEach((r, k) => {
      expect(r.slice(0, 3)).toEqual([entries[k].file, String(entries[k].frame), 'emt']);
      expect(Number(r[3])).toBe(entries[k].energy);
      expect(Number(r[5])).toBeCloseTo(Math.max(...entries[k].forces.map((f) => Math.hypot(...f))), 12);
      expect(r.slice(6, 12).map(Number)).toEqual(entries[k].stress);
      expect(r.slice(12)).toEqual(['', '']); // no error; a built-in calculator has no training domain to warn of
    });
    // EMT has no parameters for Fe: the failure's row, in the order of the arguments
    expect(csv.out.split('\n')[5]).toMatch(/^Fe\.vasp,0,emt(,){10}"EMT has no parameters for Fe[^"]*",$/);
    const refused = await run(predictCommand, ['--model', 'emt', 'pfold', '--csv', '--contributions']);
    expect(refused.code).toBe(2);
    expect(refused.err).toMatch(/--contributions are per atom: they go in the text and JSON outputs, not in the CSV/);
  });

  it('a trained potential prints the same CSV, with the energy spread of an ensemble, and its atoms\' energies', { timeout: 120_000 }, async () => {
    writeFileSync(join(dir, 'csv-pair.lwm'), await tinyPotentialFile('csv pair', undefined, 2));
    const csv = await run(predictCommand, ['--model', 'csv-pair.lwm', 'three.extxyz', '--csv', '--backend', 'wasm']);
    expect(csv.code, csv.err).toBe(0);
    const [header, ...rows] = csv.out.split('\n').map((l) => l.split(','));
    expect(header.slice(-3)).toEqual(['energy std (eV)', 'error', 'warnings']);
    expect(rows.map((r) => r.slice(0, 3))).toEqual([0, 1, 2].map((k) => ['three.extxyz', String(k), 'csv pair']));
    const json = await run(predictCommand, ['--model', 'csv-pair.lwm', 'three.extxyz', '--contributions', '--json', '--backend', 'wasm']);
    const entries = JSON.parse(json.out) as { energy: number; std: { energy: number }; contributions: number[] }[];
    entries.forEach((e, k) => {
      expect(Number(rows[k][3])).toBe(e.energy);
      expect(Number(rows[k][12])).toBe(e.std.energy);
      expect(e.contributions.reduce((a, b) => a + b, 0)).toBeCloseTo(e.energy, 4);
    });
  });
});

describe('latticework predict and relax on a disordered structure', () => {
  it('say the same: the site partially occupied (one check), for the built-ins and a trained potential', { timeout: 120_000 }, async () => {
    const cif = ['data_CuAu', ...['a', 'b', 'c'].map((k) => `_cell_length_${k} 3.75`), ...['alpha', 'beta', 'gamma'].map((k) => `_cell_angle_${k} 90`), "_symmetry_space_group_name_H-M 'F m -3 m'"];
    cif.push('loop_', '_atom_site_label', '_atom_site_type_symbol', '_atom_site_fract_x', '_atom_site_fract_y', '_atom_site_fract_z', '_atom_site_occupancy', 'Cu1 Cu 0 0 0 0.75', 'Au1 Au 0 0 0 0.25');
    writeFileSync(join(dir, 'CuAu-disordered.cif'), cif.join('\n') + '\n');
    const said = 'site 0 (Cu) is partially occupied (0.75): a simulation needs an ordered structure';
    const relaxed = await run(relaxCommand, ['CuAu-disordered.cif', '--model', 'emt']);
    // what the reader said of the file first, as predict says it
    expect([relaxed.code, relaxed.err]).toEqual([
      1,
      `latticework relax: warning: CuAu-disordered.cif: 8 partially occupied site(s) kept with their occupancies (the structure is disordered)\nlatticework relax: CuAu-disordered.cif: ${said}`,
    ]);
    writeFileSync(join(dir, 'disordered-tiny.lwm'), await tinyPotentialFile('tiny'));
    for (const model of ['emt', 'lj', 'disordered-tiny.lwm']) {
      const args = ['--model', model, 'CuAu-disordered.cif', ...(model.endsWith('.lwm') ? ['--backend', 'wasm'] : [])];
      const text = await run(predictCommand, args);
      expect([text.code, text.err.split('\n').at(-1)]).toEqual([1, `latticework predict: CuAu-disordered.cif#0: ${said}`]);
      const json = JSON.parse((await run(predictCommand, [...args, '--json'])).out);
      expect(json).toEqual([{ file: 'CuAu-disordered.cif', frame: 0, error: { name: 'SimulationInputError', message: said, line: null } }]);
    }
  });
});

describe('an element beyond a trained potential\'s element embedding', () => {
  it('is refused in one sentence by predict (text, JSON), relax, md and eos alike, and by the app\'s predictions', { timeout: 120_000 }, async () => {
    // the tiny potential embeds Z = 1..80; lead is 82
    writeFileSync(join(dir, 'embedding-tiny.lwm'), await tinyPotentialFile('tiny'));
    writeFileSync(join(dir, 'CuPb.extxyz'), '2\nLattice="4 0 0 0 4 0 0 0 4" Properties=species:S:1:pos:R:3 pbc="T T T"\nCu 0 0 0\nPb 2 2 2\n');
    const said = "tiny: element Z = 82 is outside the potential's element embedding (1..80)";
    const model = ['--model', 'embedding-tiny.lwm', '--backend', 'wasm'];
    const text = await run(predictCommand, [...model, 'CuPb.extxyz']);
    expect([text.code, text.err.split('\n').at(-1)]).toEqual([1, `latticework predict: CuPb.extxyz#0: ${said}`]);
    expect(JSON.parse((await run(predictCommand, [...model, 'CuPb.extxyz', '--json'])).out)).toEqual([{ file: 'CuPb.extxyz', frame: 0, error: { name: 'CalculatorError', message: said, line: null } }]);
    for (const [cmd, args] of [
      [relaxCommand, []],
      [mdCommand, ['--ensemble', 'nve', '--temperature', '10', '--timestep', '1', '--steps', '2']],
      [eosCommand, []],
    ] as const) {
      const r = await run(cmd, ['CuPb.extxyz', ...model, ...args]);
      expect(r.code).toBe(1);
      // relax and eos on stderr, md as its run's end ("failed after 0 steps: …")
      expect(`${r.out}\n${r.err}`).toMatch(new RegExp(`(CuPb\\.extxyz|failed after 0 steps): ${said.replace(/[().]/g, '\\$&')}$`, 'm'));
    }
    // the app's predictions of the energy (a row each) and of forces and stress (the structure's card)
    const structure = structureToJSON(readStructures('CuPb.extxyz', readFileSync(join(dir, 'CuPb.extxyz'), 'utf8')).structures[0]);
    const ctx: TaskContext = { signal: new AbortController().signal, progress: () => undefined, emit: () => undefined };
    const bytes = new Uint8Array(readFileSync(join(dir, 'embedding-tiny.lwm')));
    expect((await predictTask({ key: 'embedding-tiny', model: bytes, structures: [{ id: 4, structure }] }, ctx)).failed).toEqual([{ id: 4, message: said }]);
    await expect(potentialTask({ key: 'embedding-tiny', model: bytes, structures: [structure] }, ctx)).rejects.toThrow(said);
  });
});

/**
 * ASE 3.22 runs 32 atoms of fcc Cu, one of them O and one H (light atoms, whose masses tables differ on), for 10
 * velocity-Verlet steps and writes them twice: as an extended XYZ (momenta) and as VASP leaves a CONTCAR after an
 * MD run (Direct positions; an empty line; Cartesian velocities, Å/fs, in VASP's E16.8). From each file as
 * written it goes on for 20 steps. (ASE 3.22 reads no velocities from a CONTCAR: they are set from its numbers.)
 */
const ASE_MD = `
import json, sys, numpy as np
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.io import read, write
from ase.md.velocitydistribution import MaxwellBoltzmannDistribution
from ase.md.verlet import VelocityVerlet
from ase import units
a = bulk('Cu', 'fcc', a=3.6, cubic=True).repeat((2, 2, 2))
a.rattle(0.05, seed=1)
a.symbols[3] = 'O'
a.symbols[7] = 'H'
MaxwellBoltzmannDistribution(a, temperature_K=600, rng=np.random.default_rng(5))
a.calc = EMT()
dyn = VelocityVerlet(a, timestep=2 * units.fs)
dyn.run(10)
write('ase-md.extxyz', a)
write('CONTCAR', a, format='vasp', direct=True, vasp5=True)
with open('CONTCAR', 'a') as f:
    f.write('\\n' + ''.join('%16.8E%16.8E%16.8E\\n' % tuple(v) for v in a.get_velocities() * units.fs))

def go_on(a):
    """20 more steps, as the continued run takes them: the total energy before and after each."""
    a.calc = EMT()
    dyn = VelocityVerlet(a, timestep=2 * units.fs)
    total = [a.get_total_energy()]
    for _ in range(20):
        dyn.run(1)
        total.append(a.get_total_energy())
    return total

c = read('CONTCAR', format='vasp')
block = open('CONTCAR').read().split('\\n\\n')[1]
c.set_velocities(np.array([line.split() for line in block.strip().split('\\n')], float) / units.fs)
contcar = go_on(c)
a = read('ase-md.extxyz')
total = go_on(a)
ours = read('continued.extxyz', -1) if len(sys.argv) > 1 else None
print(json.dumps({'total': total, 'contcarTotal': contcar, 'velocities': (a.get_velocities() * units.fs).tolist(), 'positions': a.positions.tolist(),
                  'oursVelocities': None if ours is None else (ours.get_velocities() * units.fs).tolist()}))
`;

/** ASE 3.22's FixSymmetry: FIRE from exactly symmetric starts (wurtzite-like AlN, P6_3mc; Cu/Au in P4mm) and from starts near them, and ExpCellFilter + BFGS (P4mm; hcp Au). */
const ASE_SYMMETRY = `
import json, warnings
import numpy as np
from ase import Atoms
from ase.build import bulk
from ase.calculators.emt import EMT
from ase.constraints import ExpCellFilter
from ase.io import read, write
from ase.optimize import BFGS, FIRE
from ase.spacegroup.symmetrize import FixSymmetry, check_symmetry
warnings.simplefilter('ignore')
a, c = 3.1, 5.0
starts = {
    'wurtzite': Atoms('Al2N2', scaled_positions=[[1/3, 2/3, 0], [2/3, 1/3, 0.5], [1/3, 2/3, 0.36], [2/3, 1/3, 0.86]],
                      cell=[[a, 0, 0], [-a / 2, a * np.sqrt(3) / 2, 0], [0, 0, c]], pbc=True),
    'tetragonal': Atoms('CuAuCuAu', scaled_positions=[[0, 0, 0], [0.5, 0.5, 0.42], [0, 0, 0.5], [0.5, 0.5, 0.9]], cell=[2.9, 2.9, 8.2], pbc=True),
    'hcp': bulk('Au', 'hcp', a=3.0, c=5.2),
}
# the same two off their ideal positions by about 1e-3 Å and their cells strained by about 2e-4: FixSymmetry first refines them
rng = np.random.default_rng(1)
for name in ('wurtzite', 'tetragonal'):
    x = starts[name].copy()
    x.rattle(1e-3, seed=4)
    x.set_cell(x.cell.array @ (np.eye(3) + 2e-4 * rng.normal(size=(3, 3))), scale_atoms=True)
    starts['near-' + name] = x
for name, start in starts.items():
    write(name + '.extxyz', start)
# as the files hold them (8 decimals), which is what Latticework reads
starts = {name: read(name + '.extxyz') for name in starts}
out = {}
for name, start in starts.items():
    out[name] = {}
    if name != 'hcp':
        x = start.copy(); x.set_constraint(FixSymmetry(x)); x.calc = EMT()
        opt = FIRE(x, logfile=None); opt.run(fmax=1e-3, steps=2000)
        out[name]['fire'] = {'energy': x.get_potential_energy(), 'steps': opt.nsteps, 'positions': x.positions.tolist()}
    if name in ('tetragonal', 'hcp'):
        x = start.copy(); x.set_constraint(FixSymmetry(x)); x.calc = EMT()
        BFGS(ExpCellFilter(x), logfile=None).run(fmax=1e-6, steps=5000)
        out[name]['cell'] = {'energy': x.get_potential_energy(), 'cell': x.cell.array.tolist(), 'group': check_symmetry(x, 1e-5)['number']}
print(json.dumps(out))
`;

async function continuesAse(): Promise<void> {
  const ase = JSON.parse(python(['-c', ASE_MD], dir)) as { total: number[]; velocities: number[][]; positions: number[][] };
  expect(readFileSync(join(dir, 'ase-md.extxyz'), 'utf8')).toMatch(/momenta:R:3/);
  const r = await run(mdCommand, ['ase-md.extxyz', '--model', 'emt', '--ensemble', 'nve', '--velocities', 'file', '--timestep', '2', '--steps', '20', '--every', '20', '--out', 'continued.extxyz', '--json']);
  expect(r.code, r.err).toBe(0);
  expect(r.err).toMatch(/^note: ase-md\.extxyz: the run starts from the file's velocities, at \d+\.\d K/);
  const doc = JSON.parse(r.out) as { energy: number[] };
  expect(doc.energy).toHaveLength(21);
  for (let k = 0; k <= 20; k++) expect(Math.abs(doc.energy[k] - ase.total[k])).toBeLessThan(1e-9);
  // ASE reads our last frame: its velocities are ASE's own after the same 30 steps
  const back = JSON.parse(python(['-c', ASE_MD, 'ours'], dir)) as { velocities: number[][]; oursVelocities: number[][] };
  expect(back.oursVelocities).toHaveLength(32);
  for (let i = 0; i < 32; i++) for (let k = 0; k < 3; k++) expect(Math.abs(back.oursVelocities[i][k] - back.velocities[i][k])).toBeLessThan(1e-10);
  // a file without velocities, and a bad choice
  const none = await run(mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nve', '--velocities', 'file', '--timestep', '1', '--steps', '2']);
  expect(none.code).toBe(1);
  expect(none.err).toMatch(/^latticework md: Cu\.vasp: the structure carries no velocities/);
  const bad = await run(mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nve', '--velocities', 'zero', '--temperature', '1', '--timestep', '1', '--steps', '2']);
  expect(bad.code).toBe(2);
  expect(bad.err).toMatch(/--velocities zero: use maxwell-boltzmann or file/);
  // without the file's velocities an NVE run still needs its temperature
  expect((await run(mdCommand, ['ase-md.extxyz', '--model', 'emt', '--ensemble', 'nve', '--timestep', '1', '--steps', '2'])).err).toMatch(/--temperature is required/);
}

describe('latticework relax, md and eos', () => {
  it("README's md synopsis is md --help's: --velocities takes the word maxwell-boltzmann or file (the literal word, not a file's path)", () => {
    const synopsis = mdCommand.usage.split('\n')[0].replace(/^Usage: /, '');
    const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8').split('\n').find((l) => l.startsWith('| `latticework md '))!;
    // (until session 46 both read "[--velocities file]", which reads as a path: `--velocities run.extxyz` was refused)
    expect(synopsis).toContain('[--velocities maxwell-boltzmann|file]');
    expect(readme.startsWith(`| \`${synopsis.replace(/\|/g, '\\|')}\` |`)).toBe(true);
  });

  it('the files a run writes are checked before it starts: a file that exists, a folder that does not, a molecule into a format with a cell', async () => {
    writeFileSync(join(dir, 'mine.cif'), 'kept');
    const exists = await run(relaxCommand, ['Cu.vasp', '--model', 'emt', '--out', 'mine.cif', '--json']);
    expect(exists).toEqual({ code: 2, out: '', err: 'latticework relax: --out mine.cif exists: give a new file (nothing is overwritten)' });
    expect(readFileSync(join(dir, 'mine.cif'), 'utf8')).toBe('kept');
    const nowhere = await run(mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nve', '--temperature', '300', '--timestep', '1', '--steps', '5', '--out', 'no/such/t.extxyz']);
    expect(nowhere).toEqual({ code: 2, out: '', err: `latticework md: --out no/such/t.extxyz: there is no folder ${join(dir, 'no', 'such')}` });
    writeFileSync(join(dir, 'water.xyz'), '3\nwater\nO 0 0 0\nH 0.76 0.59 0\nH -0.76 0.59 0\n');
    const molecule = await run(relaxCommand, ['water.xyz', '--model', 'emt', '--out', 'water.vasp']);
    expect(molecule.code).toBe(2);
    expect(molecule.err).toBe('latticework relax: --out water.vasp: a POSCAR needs a cell, and the structure has none: write an extended XYZ (.extxyz) instead');
    // a CIF holds a molecule (Cartesian sites, no cell), as structure frames writes it and ASE reads it back
    const cif = await run(relaxCommand, ['water.xyz', '--model', 'emt', '--fmax', '100', '--out', 'water.cif']);
    expect(cif.code, cif.err).toBe(0);
    const written = readStructures('water.cif', readFileSync(join(dir, 'water.cif'), 'utf8')).structures[0];
    expect([written.lattice, written.species]).toEqual([null, ['O', 'H', 'H']]);
    writeFileSync(join(dir, 'water-turned.xyz'), '3\nwater\nO 0 0 0\nH 0.76 -0.59 0\nH -0.76 0.59 0\n');
    const band = await run(nebCommand, ['water.xyz', 'water-turned.xyz', '--model', 'emt', '--out', 'XDATCAR-band']);
    expect(band.err).toMatch(/^latticework neb: --out XDATCAR-band: an XDATCAR needs a cell/);
    const phonons = await run(phononsCommand, ['Cu1.vasp', '--model', 'emt', '--force-constants', 'mine.cif']);
    expect(phonons).toEqual({ code: 2, out: '', err: 'latticework phonons: --force-constants mine.cif exists: give a new file (nothing is overwritten)' });
  });

  it("a CIF whose data block cannot be read is refused, naming the block and its line, not run on another block", async () => {
    const cell = '_cell_length_a 3.61\n_cell_length_b 3.61\n_cell_length_c 3.61\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n';
    const block = (name: string, group: string) => `data_${name}\n${cell}_symmetry_space_group_name_H-M '${group}'\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nCu1 0 0 0\n`;
    writeFileSync(join(dir, 'multicu.cif'), block('cu', 'F m -3 m') + block('broken', 'Q 9 9'));
    const reason = "multicu.cif: line 22: data block 'broken': the space group 'Q 9 9' is not a Hermann–Mauguin symbol we know, and no symmetry operations or space group number are listed (the file's structures are taken by their place in it, the last unless told otherwise: every data block must be read)";
    expect(await run(relaxCommand, ['multicu.cif', '--model', 'emt', '--json'])).toEqual({ code: 1, out: '', err: `latticework relax: ${reason}` });
    expect(await run(relaxCommand, ['multicu.cif', '--model', 'emt', '--frame', '0'])).toEqual({ code: 1, out: '', err: `latticework relax: ${reason}` });
    expect(await run(eosCommand, ['multicu.cif', '--model', 'emt'])).toEqual({ code: 1, out: '', err: `latticework eos: ${reason}` });
  });

  it('relax --json has the issue\'s shape and ends converged; --out writes the relaxed structure', async () => {
    const r = await run(relaxCommand, ['Cu.vasp', '--model', 'emt', '--fmax', '0.01', '--out', 'relaxed.cif', '--json']);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(Object.keys(doc).sort()).toEqual(['converged', 'energy', 'file', 'fmax', 'message', 'model', 'spaceGroups', 'steps', 'structure']);
    // the atom moved off its site made the crystal P4mm; relaxed back, it is fcc again at 0.01 Å
    expect(doc.spaceGroups).toEqual({ start: { number: 99, symbol: 'P4mm' }, end: { number: 225, symbol: 'Fm-3m' } });
    expect(doc).toMatchObject({ file: 'Cu.vasp', model: 'emt', converged: true });
    expect(doc.fmax).toBeLessThanOrEqual(0.01);
    expect(doc.steps).toBeGreaterThan(3);
    expect(Object.keys(doc.structure).sort()).toEqual(['lattice', 'positions', 'species']);
    expect(doc.structure.species).toEqual(new Array(32).fill('Cu'));
    expect(doc.structure.positions).toHaveLength(32);
    expect(doc.structure.lattice[0][0]).toBeCloseTo(7.2, 9);
    const back = readStructures('relaxed.cif', readFileSync(join(dir, 'relaxed.cif'), 'utf8')).structures[0];
    expect(back.numbers).toHaveLength(32);
  });

  it("relax --cell finds fcc Cu's lattice constant (ASE's within 0.1 %), and says when it did not converge", async () => {
    const r = await run(relaxCommand, ['Cu1.vasp', '--model', 'emt', '--cell', '--fmax', '1e-4', '--smax', '1e-4', '--optimizer', 'lbfgs', '--json']);
    expect(r.code, r.err).toBe(0);
    const a = JSON.parse(r.out).structure.lattice[0][0];
    expect(Math.abs(a - golden.cell.latticeConstant) / golden.cell.latticeConstant).toBeLessThan(1e-3);
    const short = await run(relaxCommand, ['Cu.vasp', '--model', 'emt', '--fmax', '1e-4', '--steps', '2']);
    expect(short.code).toBe(1);
    expect(short.out).toMatch(/did not converge in 2 steps: fmax [0-9.e-]+ eV\/Å \(tolerance 0.0001\)/);
    expect(short.out).toMatch(/^space group P4mm, kept$/m);
  });

  it('relax --minimum check says a saddle point is one; --minimum escape leaves it and ends lower, at a minimum', async () => {
    // the Au₈ cell, frame 0 of test/fixtures/sim/saddles.extxyz: FIRE stops at a saddle point (test/shared/sim/curvature.test.ts)
    const saddle = ['--frame', '0', '--model', 'emt'];
    const checked = await run(relaxCommand, [SADDLES, ...saddle, '--fmax', '0.01', '--steps', '1000', '--minimum', 'check', '--json']);
    expect(checked.code, checked.err).toBe(0);
    const a = JSON.parse(checked.out);
    expect(a.minimum).toMatchObject({ saddle: true, escapes: 0 });
    expect(a.minimum.lowest).toBeLessThan(-0.01);
    expect(a.minimum.forceCalls).toBeGreaterThan(0);
    // its mode: the Au₈ atoms' displacements, the largest 1 Å; no strain without --cell
    expect(a.minimum.mode).toHaveLength(24);
    expect(Math.max(...[0, 1, 2, 3, 4, 5, 6, 7].map((i) => Math.hypot(...a.minimum.mode.slice(3 * i, 3 * i + 3))))).toBeCloseTo(1, 9);
    expect(a.minimum.strain).toBeNull();
    const escaped = await run(relaxCommand, [SADDLES, ...saddle, '--fmax', '0.01', '--steps', '1000', '--minimum', 'escape']);
    expect(escaped.code, escaped.err).toBe(0);
    expect(escaped.out).toMatch(/left a saddle point along its mode; lowest curvature 0\.\d+ eV\/Å²: a minimum/);
    const energy = Number(/^energy (-?[\d.]+) eV/m.exec(escaped.out)![1]);
    expect(energy).toBeLessThan(a.energy - 0.005);
    // without --minimum, the JSON is as it was
    expect(JSON.parse((await run(relaxCommand, [SADDLES, ...saddle, '--json'])).out)).not.toHaveProperty('minimum');
    const bad = await run(relaxCommand, [SADDLES, ...saddle, '--minimum', 'yes']);
    expect(bad.code).toBe(2);
    expect(bad.err).toMatch(/--minimum yes: use check or escape/);
  });

  it('relax --cell --minimum judges the strain too: bcc Cu is a saddle point of its cell, and escape takes the Bain path to fcc', async () => {
    writeFileSync(join(dir, 'bcc-Cu.vasp'), 'bcc Cu\n1.0\n2.9 0 0\n0 2.9 0\n0 0 2.9\nCu\n2\nDirect\n0 0 0\n0.5 0.5 0.5\n');
    const cell = ['bcc-Cu.vasp', '--model', 'emt', '--cell', '--fmax', '0.001'];
    const checked = JSON.parse((await run(relaxCommand, [...cell, '--minimum', 'check', '--json'])).out);
    expect(checked.converged).toBe(true);
    expect(checked.spaceGroups).toEqual({ start: { number: 229, symbol: 'Im-3m' }, end: { number: 229, symbol: 'Im-3m' } });
    expect(checked.minimum).toMatchObject({ saddle: true, escapes: 0 });
    expect(checked.minimum.strain).toHaveLength(9);
    const escaped = await run(relaxCommand, [...cell, '--smax', '1e-4', '--steps', '2000', '--minimum', 'escape', '--json']);
    expect(escaped.code, escaped.err).toBe(0);
    const e = JSON.parse(escaped.out);
    expect(e.minimum).toMatchObject({ saddle: false, escapes: 1 });
    expect(e.spaceGroups.end).toEqual({ number: 225, symbol: 'Fm-3m' });
    // fcc Cu's EMT energy (ASE 3.22: −0.0070365 eV/atom) against bcc's +0.0256
    expect(Math.abs(e.energy / 2 - -0.0070365)).toBeLessThan(1e-5);
  });

  it("relax holds the atoms the file's selective dynamics fixes, unless --fixed says otherwise", async () => {
    // atom 0, moved 0.3 Å off its site, flagged F F F; atom 1 F F T (fixed along x and y only); the rest free
    const lines = copperPoscar(2, 0.3).trimEnd().split('\n');
    const at = lines.indexOf('Direct');
    const flagged = [...lines.slice(0, at), 'Selective dynamics', 'Direct', ...lines.slice(at + 1).map((l, i) => `${l} ${i === 0 ? 'F F F' : i === 1 ? 'F F T' : 'T T T'}`)];
    writeFileSync(join(dir, 'Cu-sd.vasp'), flagged.join('\n') + '\n');
    const relax = async (...extra: string[]) => {
      const r = await run(relaxCommand, ['Cu-sd.vasp', '--model', 'emt', '--json', ...extra]);
      expect(r.code, r.err).toBe(0);
      return { err: r.err, doc: JSON.parse(r.out) as { energy: number; structure: { positions: number[][] } } };
    };
    const start = readStructures('Cu-sd.vasp', readFileSync(join(dir, 'Cu-sd.vasp'), 'utf8')).structures[0].cart;
    const held = await relax('--out', 'held.vasp');
    expect(held.err).toBe(
      'note: Cu-sd.vasp: the file holds 1 atom fixed (0); it holds 1 atom along some axes only (1 along lattice vectors a, b); --fixed replaces this, --fixed none holds no atom',
    );
    expect(held.doc.structure.positions[0]).toEqual(Array.from(start.subarray(0, 3)));
    // the atom flagged F F T kept its a and b (in this cubic cell, x and y), which it moves along when it is free
    const moved = (r: { doc: { structure: { positions: number[][] } } }) => r.doc.structure.positions[1].slice(0, 2).map((x, k) => Math.abs(x - start[3 + k]));
    expect(Math.max(...moved(held))).toBeLessThan(1e-12);
    expect(Math.max(...moved(await relax('--fixed', '0')))).toBeGreaterThan(1e-3);
    const free = await relax('--fixed', 'none');
    expect(free.err).toBe('');
    expect(Math.abs(free.doc.structure.positions[0][0] - 0.3)).toBeGreaterThan(0.05);
    expect(free.doc.energy).toBeLessThan(held.doc.energy - 1e-3); // 4 meV lower: the displaced atom relaxed too
    // a range holds every atom in it
    const ranged = await relax('--fixed', '0-2,5');
    for (const i of [0, 1, 2]) expect(ranged.doc.structure.positions[i]).toEqual(Array.from(start.subarray(3 * i, 3 * i + 3)));
    // and a plane the atoms on its side: the bottom layer (z = 0) of this 2×2×2 cell, 8 atoms, stays put; the rest move
    const layer = Array.from({ length: 32 }, (_, i) => i).filter((i) => start[3 * i + 2] < 1);
    expect(layer).toHaveLength(8);
    const bottom = await relax('--fixed', 'z<1');
    const shifts = bottom.doc.structure.positions.map((p, i) => Math.hypot(...p.map((x, k) => x - start[3 * i + k])));
    expect(layer.map((i) => shifts[i])).toEqual(layer.map(() => 0));
    expect(Math.max(...shifts.filter((_, i) => !layer.includes(i)))).toBeGreaterThan(1e-3);
    const other = await relax('--fixed', '5', '--out', 'other.vasp');
    expect(other.doc.structure.positions[0][0]).not.toBeCloseTo(0.3, 2);
    // the relaxed POSCAR flags what the run held (as ASE's write_vasp writes FixAtoms and FixScaled)
    const flagsOf = (name: string) => {
      const lines = readFileSync(join(dir, name), 'utf8').trimEnd().split('\n');
      expect(lines).toContain('Selective dynamics');
      return lines.slice(-32).map((l) => l.trim().split(/\s+/).slice(3).join(' '));
    };
    expect(flagsOf('held.vasp').slice(0, 3)).toEqual(['F F F', 'F F T', 'T T T']);
    expect(new Set(flagsOf('held.vasp').slice(2))).toEqual(new Set(['T T T']));
    const heldAgain = readStructures('held.vasp', readFileSync(join(dir, 'held.vasp'), 'utf8')).structures[0];
    expect(Array.from(heldAgain.cart.subarray(0, 3)).map((x, k) => Math.abs(x - held.doc.structure.positions[0][k]))).toEqual([0, 0, 0].map(() => expect.closeTo(0, 6)));
    const otherFlags = flagsOf('other.vasp');
    expect([otherFlags[0], otherFlags[1], otherFlags[5]]).toEqual(['T T T', 'T T T', 'F F F']); // --fixed replaced the file's flags
    // md follows the same rule: the fixed atom never moves, the atom flagged F F T moves along c only
    const md = await run(mdCommand, ['Cu-sd.vasp', '--model', 'emt', '--ensemble', 'nve', '--temperature', '300', '--timestep', '1', '--steps', '5', '--every', '5', '--out', 'sd.extxyz']);
    expect(md.code, md.err).toBe(0);
    expect(md.err).toMatch(/^note: Cu-sd\.vasp: the file holds 1 atom fixed \(0\)/);
    const last = readFrames('sd.extxyz', readFileSync(join(dir, 'sd.extxyz'), 'utf8')).frames.at(-1)!.structure;
    expect(Array.from(last.cart.subarray(0, 3))).toEqual(Array.from(start.subarray(0, 3)).map((x) => expect.closeTo(x, 8)));
    expect(Array.from(last.cart.subarray(3, 5))).toEqual(Array.from(start.subarray(3, 5)).map((x) => expect.closeTo(x, 12)));
    expect(Math.abs(last.cart[5] - start[5])).toBeGreaterThan(1e-4);
    // and the trajectory's frames flag what the run held (in this cubic cell, a and b are x and y: a move_mask)
    expect(fileConstraints(last)).toEqual({ fixed: [0], partial: [{ atom: 1, held: [true, true, false], frame: 'cartesian' }] });
  });

  it('md --json gives energy and temperature per step and the drift; --out writes the trajectory', async () => {
    const r = await run(mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nve', '--temperature', '300', '--timestep', '1', '--steps', '50', '--every', '10', '--seed', '3', '--out', 'traj.extxyz', '--json']);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    for (const key of ['file', 'model', 'steps', 'energy', 'temperature', 'drift']) expect(doc).toHaveProperty(key);
    expect(doc.steps).toBe(50);
    expect(doc.energy).toHaveLength(51);
    expect(doc.temperature).toHaveLength(51);
    expect(doc.temperature[0]).toBeCloseTo(300, 8);
    expect(Math.abs(doc.drift)).toBeLessThan(1e-4);
    expect(doc.drift).toBeCloseTo((doc.energy[50] - doc.energy[0]) / 32, 12);
    // how far the atoms moved: the MSD per step from 0, and D fitted to its second half
    expect(doc.msd).toHaveLength(51);
    expect(doc.msd[0]).toBe(0);
    expect(doc.msd[50]).toBeGreaterThan(0);
    expect(typeof doc.diffusion).toBe('number');
    expect(doc.diffusionVerdict).toBe('short'); // 50 fs cannot tell diffusion from vibration
    expect(doc).not.toHaveProperty('msdByElement');
    const traj = readFrames('traj.extxyz', readFileSync(join(dir, 'traj.extxyz'), 'utf8')).frames;
    expect(traj).toHaveLength(6);
    expect(traj[5].energy! + 0).toBeCloseTo(doc.potential[50], 10);
    // the same seed gives the same run
    const again = JSON.parse((await run(mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nve', '--temperature', '300', '--timestep', '1', '--steps', '50', '--seed', '3', '--json'])).out);
    expect(again.energy).toEqual(doc.energy);
    const x = await run(mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nvt', '--temperature', '300', '--timestep', '2', '--steps', '20', '--every', '5', '--out', 'XDATCAR']);
    expect(x.code, x.err).toBe(0);
    expect(readFrames('XDATCAR', readFileSync(join(dir, 'XDATCAR'), 'utf8')).frames).toHaveLength(5);
  });

  it('md --ensemble npt --barostat mtk: Nosé–Hoover chains by default, and the drift is measured', async () => {
    const args = ['Cu.vasp', '--model', 'emt', '--ensemble', 'npt', '--temperature', '300', '--timestep', '1', '--steps', '200', '--pressure', '2', '--barostat-tau', '100'];
    const mtk = await run(mdCommand, [...args, '--barostat', 'mtk', '--json']);
    expect(mtk.code, mtk.err).toBe(0);
    const doc = JSON.parse(mtk.out);
    expect(typeof doc.drift).toBe('number');
    expect(Math.abs(doc.drift)).toBeLessThan(1e-4);
    const berendsen = JSON.parse((await run(mdCommand, [...args, '--json'])).out);
    expect(berendsen.drift).toBeNull();
    // the same Nosé–Hoover run, asked for in full
    const explicit = JSON.parse((await run(mdCommand, [...args, '--barostat', 'mtk', '--thermostat', 'nose-hoover', '--json'])).out);
    expect(explicit.energy).toEqual(doc.energy);
    const langevin = await run(mdCommand, [...args, '--barostat', 'mtk', '--thermostat', 'langevin']);
    expect([langevin.code, langevin.err]).toEqual([2, expect.stringMatching(/--barostat mtk comes with Nosé–Hoover chains: leave out --thermostat langevin/)]);
    const nvt = await run(mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nvt', '--temperature', '300', '--timestep', '1', '--steps', '2', '--barostat', 'mtk']);
    expect([nvt.code, nvt.err]).toEqual([2, expect.stringMatching(/--barostat goes with --ensemble npt, not nvt/)]);
    expect((await run(mdCommand, [...args, '--barostat', 'parrinello'])).err).toMatch(/--barostat parrinello: use berendsen or mtk/);
    // a flexible cell: another run, its drift measured too; Berendsen's barostat has none
    const flexible = JSON.parse((await run(mdCommand, [...args, '--barostat', 'mtk', '--cell-motion', 'flexible', '--json'])).out);
    expect(flexible.energy).not.toEqual(doc.energy);
    expect(Math.abs(flexible.drift)).toBeLessThan(1e-4);
    expect((await run(mdCommand, [...args, '--cell-motion', 'flexible'])).err).toMatch(/--cell-motion flexible needs --barostat mtk/);
    expect((await run(mdCommand, [...args, '--barostat', 'mtk', '--cell-motion', 'tri'])).err).toMatch(/--cell-motion tri: use isotropic or flexible/);
    const text = await run(mdCommand, args);
    expect(text.out).toMatch(/drift — \(Berendsen's barostat\)/);
  });

  it('SIGTERM stops md as Ctrl-C does: what it did is printed and written, exit 143', { timeout: 120_000 }, async () => {
    const listening = process.listenerCount('SIGTERM');
    const timer = setTimeout(() => process.emit('SIGTERM'), 1500);
    const r = await run(mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nve', '--temperature', '300', '--timestep', '1', '--steps', '100000000', '--every', '10', '--out', 'terminated.extxyz', '--json']);
    clearTimeout(timer);
    expect(r.code, r.err).toBe(143);
    expect(r.err).toMatch(/^latticework md: Cu\.vasp: stopping at the next step \(SIGTERM again quits at once\)/m);
    const doc = JSON.parse(r.out) as { steps: number; message: string };
    expect(doc.message).toBe(`cancelled after ${doc.steps} of 100000000 steps`);
    // a frame every 10 steps and the last step done, whatever it is
    expect(readFrames('terminated.extxyz', readFileSync(join(dir, 'terminated.extxyz'), 'utf8')).frames).toHaveLength(Math.ceil(doc.steps / 10) + 1);
    // the run's listener is gone with it
    expect(process.listenerCount('SIGTERM')).toBe(listening);
  });

  it('a signal once md or relax has done its work is too late to stop anything: the result is written and printed, and the status is its own (0), not 143 or 130', { timeout: 120_000 }, async () => {
    const md = ['Cu.vasp', '--model', 'emt', '--ensemble', 'nve', '--temperature', '300', '--timestep', '1', '--steps', '20', '--every', '10', '--out', 'late.extxyz', '--json'];
    const relax = ['Cu.vasp', '--model', 'emt', '--out', 'late.vasp', '--json'];
    for (const [cmd, argv] of [[mdCommand, md], [relaxCommand, relax]] as const) {
      const out: string[] = [];
      const err: string[] = [];
      const ended: boolean[] = [];
      // SIGTERM as the result is printed, and Ctrl-C after the command returned (its process ending: threads, files)
      const code = await asOnlyCommand(async () => {
        const status = await cmd.run({ argv, cwd: dir, io: { out: (t) => { out.push(t); ended.push(deliverSignal('SIGTERM')); }, err: (t) => err.push(t) } });
        ended.push(deliverSignal('SIGINT'));
        return status;
      });
      expect([code, ended], err.join('\n')).toEqual([0, [false, false]]);
      expect(err.join('\n')).not.toMatch(/stopping/);
      expect(JSON.parse(out[0]).message).toMatch(/^(completed 20 steps|converged)/);
    }
    expect(readFrames('late.extxyz', readFileSync(join(dir, 'late.extxyz'), 'utf8')).frames).toHaveLength(3);
    expect(readStructures('late.vasp', readFileSync(join(dir, 'late.vasp'), 'utf8')).structures[0].numbers).toHaveLength(32);
  });

  it('a signal during the last step of md or relax (there is no next step) is not said to stop it at the next step: the run completes, exit 0; one during an earlier step stops it there, said', { timeout: 120_000 }, async () => {
    // a clock that moves 10 s each time it is read: a progress line at every step, the step it is of known
    let t = 0;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => (t += 10_000));
    /** The command run with SIGTERM delivered as the progress line of step `at` is said (the step's values just logged). */
    const signalAt = async (cmd: Command, argv: string[], at: RegExp) => {
      const out: string[] = [];
      const err: string[] = [];
      let delivered = false;
      const code = await asOnlyCommand(() =>
        cmd.run({
          argv,
          cwd: dir,
          io: {
            out: (l) => out.push(l),
            err: (l) => {
              err.push(l);
              if (!delivered && at.test(l)) delivered = !deliverSignal('SIGTERM');
            },
          },
        }),
      );
      expect(delivered, err.join('\n')).toBe(true);
      return { code, doc: JSON.parse(out.join('')) as { steps: number; message: string }, stopping: err.filter((l) => / stopping /.test(l)) };
    };
    try {
      const md = ['Cu.vasp', '--model', 'emt', '--ensemble', 'nve', '--temperature', '300', '--timestep', '1', '--steps', '20', '--json'];
      const last = await signalAt(mdCommand, md, /: step 20 of 20 /);
      expect([last.code, last.doc.message, last.stopping]).toEqual([0, 'completed 20 steps (20.0 fs)', []]);
      const earlier = await signalAt(mdCommand, md, /: step 10 of 20 /);
      expect([earlier.code, earlier.doc.message, earlier.stopping]).toEqual([143, 'cancelled after 10 of 20 steps', ['latticework md: Cu.vasp: stopping at the next step (SIGTERM again quits at once)']]);
      // a relaxation's last step is the one it converges at
      const relax = ['Cu.vasp', '--model', 'emt', '--fmax', '0.05', '--json'];
      const steps = (JSON.parse((await run(relaxCommand, relax)).out) as { steps: number }).steps;
      expect(steps).toBeGreaterThan(2);
      const converged = await signalAt(relaxCommand, relax, new RegExp(`: step ${steps} \\(`));
      expect([converged.code, converged.doc.steps, converged.doc.message, converged.stopping]).toEqual([0, steps, expect.stringMatching(/^converged/), []]);
      const cut = await signalAt(relaxCommand, relax, /: step 1 \(/);
      expect([cut.code, cut.doc.message, cut.stopping]).toEqual([143, expect.stringMatching(/^cancelled after 1 steps/), ['latticework relax: Cu.vasp: stopping at the next step (SIGTERM again quits at once)']]);
    } finally {
      clock.mockRestore();
    }
  });

  it('SIGTERM or Ctrl-C stops eos at its next volume and it prints the volumes done, as md and relax print what they did: --json the error document with "file", "model", "points"; the text their table; exit 143 or 130', { timeout: 120_000 }, async () => {
    const argv = ['Cu1.vasp', '--model', 'emt', '--points', '7', '--relax'];
    const full = JSON.parse((await run(eosCommand, [...argv, '--json'])).out) as { points: [number, number][] };
    // a clock that moves 10 s each time it is read: a progress line after every volume
    let t = 0;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => (t += 10_000));
    /** eos with `signal` delivered as the progress line of volume 3 is said (its point just computed). */
    const stopAtThird = async (signal: 'SIGTERM' | 'SIGINT', args: string[]) => {
      const out: string[] = [];
      const err: string[] = [];
      let delivered = false;
      const code = await asOnlyCommand(() =>
        eosCommand.run({
          argv: args,
          cwd: dir,
          io: {
            out: (l) => out.push(l),
            err: (l) => {
              err.push(l);
              if (!delivered && /: volume 3 of 7$/.test(l)) delivered = !deliverSignal(signal);
            },
          },
        }),
      );
      expect(delivered, err.join('\n')).toBe(true);
      return { code, out, err: err.join('\n') };
    };
    try {
      const json = await stopAtThird('SIGTERM', [...argv, '--json']);
      expect(json.code, json.err).toBe(143);
      expect(json.err).toMatch(/^latticework eos: Cu1\.vasp: cancelled after 3 of 7 volumes$/m);
      expect(json.out).toHaveLength(1);
      // the document a stopped command prints, with the volumes computed (until session 46 only the error: they were lost)
      expect(JSON.parse(json.out[0])).toEqual({ error: { message: 'Cu1.vasp: cancelled after 3 of 7 volumes', status: 143, stoppedBy: 'SIGTERM' }, file: 'Cu1.vasp', model: 'emt', points: full.points.slice(0, 3) });
      const text = await stopAtThird('SIGINT', argv);
      expect(text.code, text.err).toBe(130);
      expect(text.out[0]).toBe('Cu1.vasp  emt  cancelled after 3 of 7 volumes (atoms relaxed at each): no fit');
      expect(text.out.slice(2)).toEqual(full.points.slice(0, 3).map(([v, e]) => `${v.toFixed(4).padStart(10)}  ${e.toFixed(6).padStart(12)}`));
    } finally {
      clock.mockRestore();
    }
  });

  it('md --out appends each frame as it is made: while the run goes the file holds the frames so far, whole (a SIGKILL keeps them), in every format', { timeout: 120_000 }, async () => {
    const count = (name: string): number => {
      const bytes = readFileSync(join(dir, name));
      if (name.endsWith('.traj')) {
        const r = readAseTrajectory(bytes, name, { maxAtoms: 1000, maxStructures: 1_000_000 });
        expect(r.warnings).toEqual([]);
        return r.frames.length;
      }
      return readFrames(name, bytes.toString('utf8')).frames.length;
    };
    for (const name of ['growing.extxyz', 'growing.traj', 'XDATCAR-growing']) {
      // what is on disk at two moments of the run (a kill -9 then would leave it), and a copy of the first for ASE
      const seen: number[] = [];
      const look = () => {
        seen.push(count(name));
        if (seen.length === 1) copyFileSync(join(dir, name), join(dir, `early-${name}`));
      };
      const timers = [setTimeout(look, 1200), setTimeout(look, 2400), setTimeout(() => process.emit('SIGTERM'), 2600)];
      const r = await run(mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nvt', '--temperature', '300', '--timestep', '1', '--steps', '100000000', '--every', '10', '--out', name]);
      timers.forEach(clearTimeout);
      expect(r.code, r.err).toBe(143);
      expect(seen[0], name).toBeGreaterThan(0);
      expect(seen[1], name).toBeGreaterThan(seen[0]);
      const written = Number(/^(\d+) frames written to /m.exec(r.out)![1]);
      expect(count(name)).toBe(written);
      expect(written).toBeGreaterThanOrEqual(seen[1]);
      // ASE reads the file as it was mid-run: the frames written by then
      const ase = python(['-c', `from ase.io import read\nprint(len(read('early-${name}', ':', format='${name.endsWith('.traj') ? 'traj' : name.endsWith('.extxyz') ? 'extxyz' : 'vasp-xdatcar'}')))`], dir);
      expect(Number(ase), name).toBe(seen[0]);
    }
  });

  it('Ctrl-C stops md and relax at the next step: what they did is printed and written, exit 130', { timeout: 120_000 }, async () => {
    const interrupt = (ms: number) => setTimeout(() => process.emit('SIGINT'), ms);
    const listening = process.listenerCount('SIGINT');
    let timer = interrupt(1500);
    const r = await run(mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nve', '--temperature', '300', '--timestep', '1', '--steps', '100000000', '--every', '10', '--out', 'stopped.extxyz', '--json']);
    clearTimeout(timer);
    expect(r.code, r.err).toBe(130);
    expect(r.err).toMatch(/^latticework md: Cu\.vasp: stopping at the next step/m);
    const doc = JSON.parse(r.out) as { steps: number; energy: number[]; potential: number[]; message: string };
    expect(doc.message).toBe(`cancelled after ${doc.steps} of 100000000 steps`);
    expect(doc.steps).toBeGreaterThan(0);
    expect(doc.energy).toHaveLength(doc.steps + 1);
    const frames = readFrames('stopped.extxyz', readFileSync(join(dir, 'stopped.extxyz'), 'utf8')).frames;
    expect(frames).toHaveLength(Math.ceil(doc.steps / 10) + 1);
    expect(frames.at(-1)!.energy).toBeCloseTo(doc.potential[doc.steps], 10); // the last frame is the last step done
    // the listener is gone with the run: a later run is not stopped by an old Ctrl-C
    expect(process.listenerCount('SIGINT')).toBe(listening);
    // a relaxation stopped so writes the structure it reached: 200 atoms scattered in a box, far from any minimum
    let seed = 7;
    const random = () => ((seed = (seed * 16807) % 2147483647) / 2147483647) * 14;
    const sites = Array.from({ length: 200 }, () => `Cu ${random().toFixed(5)} ${random().toFixed(5)} ${random().toFixed(5)}`);
    writeFileSync(join(dir, 'Cu-gas.extxyz'), ['200', 'Lattice="14 0 0 0 14 0 0 0 14" Properties=species:S:1:pos:R:3 pbc="T T T"', ...sites, ''].join('\n'));
    timer = interrupt(500);
    const relaxed = await run(relaxCommand, ['Cu-gas.extxyz', '--model', 'emt', '--fmax', '1e-6', '--steps', '1000000', '--out', 'stopped.vasp', '--json']);
    clearTimeout(timer);
    expect(relaxed.code, relaxed.err).toBe(130);
    expect(JSON.parse(relaxed.out).message).toMatch(/^cancelled/);
    expect(readStructures('stopped.vasp', readFileSync(join(dir, 'stopped.vasp'), 'utf8')).structures[0].numbers).toHaveLength(200);
  });

  it('a long run says on stderr, every 10 s, where it is (md: step, time, T, E_tot; relax: step, energy, fmax; eos: volume)', async () => {
    // a clock that moves 2.5 s each time it is read: a line every few steps
    let t = 0;
    const clock = vi.spyOn(performance, 'now').mockImplementation(() => (t += 2500));
    try {
      const md = await run(mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nve', '--temperature', '300', '--timestep', '2', '--steps', '12', '--json']);
      const relax = await run(relaxCommand, ['Cu.vasp', '--model', 'emt', '--fmax', '0.01', '--steps', '500', '--json']);
      const eos = await run(eosCommand, ['Cu1.vasp', '--model', 'emt', '--json']);
      for (const r of [md, relax, eos]) expect(r.code, r.err).toBe(0);
      const lines = (r: { err: string }, re: RegExp) => r.err.split('\n').filter((l) => re.test(l));
      const mdLines = lines(md, /^latticework md: Cu\.vasp: step (\d+) of 12 \((\d+\.\d) fs\), T \d+\.\d K, E_tot -?\d+\.\d{6} eV$/);
      expect(mdLines.length).toBeGreaterThanOrEqual(3);
      const [, step, fs] = /step (\d+) of 12 \((\d+\.\d) fs\)/.exec(mdLines[1])!;
      expect(Number(fs)).toBe(2 * Number(step));
      expect(lines(relax, /^latticework relax: Cu\.vasp: step \d+ \(at most 500\), energy -?\d+\.\d{6} eV, fmax \d+\.\d{4} eV\/Å$/).length).toBeGreaterThanOrEqual(2);
      expect(lines(eos, /^latticework eos: Cu1\.vasp: volume \d+ of \d+$/).length).toBeGreaterThanOrEqual(2);
      // nothing else on stderr
      expect(md.err.split('\n').length).toBe(mdLines.length);
    } finally {
      clock.mockRestore();
    }
    // a run shorter than 10 s says nothing
    expect((await run(mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nve', '--temperature', '300', '--timestep', '2', '--steps', '12'])).err).toBe('');
  });

  it("relax --symmetry takes ASE's steps with FixSymmetry, and ends a cell relaxation where ASE's does", { timeout: 120_000 }, async () => {
    const ase = JSON.parse(python(['-c', ASE_SYMMETRY], dir)) as Record<string, { fire?: { energy: number; steps: number; positions: number[][] }; cell?: { energy: number; cell: number[][]; group: number } }>;
    for (const name of ['wurtzite', 'tetragonal']) {
      const r = await run(relaxCommand, [`${name}.extxyz`, '--model', 'emt', '--symmetry', '--fmax', '0.001', '--steps', '2000', '--json']);
      expect(r.code, r.err).toBe(0);
      expect(r.err).toMatch(new RegExp(`^note: ${name}\\.extxyz: keeping its space group (P6_3mc \\(No\\. 186; 12|P4mm \\(No\\. 99; 8) operations found at 0\\.01 Å\\)`));
      const doc = JSON.parse(r.out) as { steps: number; energy: number; structure: { positions: number[][] } };
      expect(doc.steps).toBe(ase[name].fire!.steps);
      expect(Math.abs(doc.energy - ase[name].fire!.energy)).toBeLessThan(1e-9);
      expect(Math.max(...doc.structure.positions.flat().map((x, k) => Math.abs(x - ase[name].fire!.positions.flat()[k])))).toBeLessThan(1e-6);
    }
    // starts about 1e-3 Å off ideal: both move them onto the ideal positions first (ASE through spglib's
    // standardised cell, we by averaging over the group), then take the same number of steps to the same energy
    for (const name of ['near-wurtzite', 'near-tetragonal']) {
      const r = await run(relaxCommand, [`${name}.extxyz`, '--model', 'emt', '--symmetry', '--fmax', '0.001', '--steps', '2000']);
      expect(r.code, r.err).toBe(0);
      expect(r.out).toMatch(/^the start moved by at most 1\.\d+e-3 Å onto the ideal positions of its space group$/m);
      const doc = JSON.parse((await run(relaxCommand, [`${name}.extxyz`, '--model', 'emt', '--symmetry', '--fmax', '0.001', '--steps', '2000', '--json'])).out) as { steps: number; energy: number };
      expect(doc.steps).toBe(ase[name].fire!.steps);
      expect(Math.abs(doc.energy - ase[name].fire!.energy) / 4).toBeLessThan(2e-5);
    }
    for (const name of ['tetragonal', 'hcp']) {
      const r = await run(relaxCommand, [`${name}.extxyz`, '--model', 'emt', '--symmetry', '--cell', '--fmax', '1e-6', '--smax', '1e-6', '--steps', '5000', '--out', `${name}-kept.cif`, '--json']);
      expect(r.code, r.err).toBe(0);
      const doc = JSON.parse(r.out) as { energy: number; structure: { lattice: number[][] } };
      expect(Math.abs(doc.energy - ase[name].cell!.energy)).toBeLessThan(1e-8);
      expect(Math.max(...doc.structure.lattice.flat().map((x, k) => Math.abs(x - ase[name].cell!.cell.flat()[k])))).toBeLessThan(1e-5);
      const kept = readStructures(`${name}-kept.cif`, readFileSync(join(dir, `${name}-kept.cif`), 'utf8')).structures[0];
      expect((await findSpaceGroup(kept, 1e-5))!.number).toBe(ase[name].cell!.group);
    }
    // without a crystal, or with held atoms, it says why
    const held = await run(relaxCommand, ['Cu.vasp', '--model', 'emt', '--symmetry', '--fixed', '0']);
    expect(held.code).toBe(1);
    expect(held.err).toMatch(/keeps the symmetry or holds atoms, not both/);
  });

  it("md --velocities file continues a run ASE wrote (its momenta) step for step, and ASE reads our frames' momenta", continuesAse);

  it("md --velocities file continues a VASP-style CONTCAR's run (its velocity block, Å/fs) step for step as ASE does", async () => {
    const ase = JSON.parse(python(['-c', ASE_MD], dir)) as { contcarTotal: number[] };
    const r = await run(mdCommand, ['CONTCAR', '--model', 'emt', '--ensemble', 'nve', '--velocities', 'file', '--timestep', '2', '--steps', '20', '--every', '10', '--out', 'contcar-run.traj', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^note: CONTCAR: the run starts from the file's velocities, at \d+\.\d K/);
    const doc = JSON.parse(r.out) as { energy: number[] };
    expect(doc.energy).toHaveLength(21);
    for (let k = 0; k <= 20; k++) expect(Math.abs(doc.energy[k] - ase.contcarTotal[k])).toBeLessThan(1e-9);
    // the run as an ASE trajectory: ASE reads each frame's total energy (its potential energy and momenta) as the run's
    const traj = JSON.parse(python(['-c', "import json\nfrom ase.io import read\nprint(json.dumps([a.get_total_energy() for a in read('contcar-run.traj', ':')]))"], dir)) as number[];
    expect(traj).toHaveLength(3);
    traj.forEach((e, i) => expect(Math.abs(e - doc.energy[10 * i])).toBeLessThan(1e-9));
  });

  it('with a trained potential, relax, md, eos, vibrations, elastic and phonons say where the structure left its training structures', { timeout: 300_000 }, async () => {
    // trained (its file says) on Cu cells whose Cu–Cu pairs came no closer than 2.5 Å
    const potential: TrainingDomain['potential'] = { cutoff: 3.6, shortestDistances: { 'Cu-Cu': 2.5 }, referenceEnergies: { Cu: -3.5 }, energyAboveReference: null };
    writeFileSync(join(dir, 'tiny.lwm'), await tinyPotentialFile('tiny', { basis: 'training-split', elements: ['Cu'], structures: 'periodic', atoms: { min: 1, max: 64 }, targets: null, potential }));
    // atom 0 of Cu.vasp, moved 0.3 Å, starts 2.343 Å from two neighbours
    const closer = /Cu–Cu at 2\.343 Å \(atoms 0 and \d+\) is closer than any Cu–Cu pair in the training structures \(2\.500 Å\)$/;
    const relaxed = JSON.parse((await run(relaxCommand, ['Cu.vasp', '--model', 'tiny.lwm', '--steps', '0', '--backend', 'wasm', '--json'])).out);
    // every step of the path is checked, as in the app's runs (here the start is the only step)
    expect(relaxed.warnings).toEqual([expect.stringMatching(new RegExp(`^step 0: ${closer.source}`))]);
    const md = await run(mdCommand, ['Cu.vasp', '--model', 'tiny.lwm', '--ensemble', 'nve', '--temperature', '10', '--timestep', '0.5', '--steps', '4', '--every', '2', '--backend', 'wasm', '--json']);
    expect(md.code, md.err).toBe(0);
    expect(JSON.parse(md.out).warnings).toEqual([expect.stringMatching(new RegExp(`^step 0: ${closer.source}`))]);
    const text = await run(relaxCommand, ['Cu.vasp', '--model', 'tiny.lwm', '--steps', '0', '--backend', 'wasm']);
    expect(text.out).toMatch(new RegExp(`^warning: step 0: ${closer.source}`, 'm'));
    // inside: the same cell with the atom in place
    const inside = JSON.parse((await run(relaxCommand, ['Cu1.vasp', '--model', 'tiny.lwm', '--steps', '0', '--backend', 'wasm', '--json'])).out);
    expect(inside.warnings).toEqual([]);
    // the built-in calculators have no training structures: no "warnings"
    expect(JSON.parse((await run(relaxCommand, ['Cu1.vasp', '--model', 'emt', '--steps', '0', '--json'])).out)).not.toHaveProperty('warnings');
    // vibrations check the structure they are measured at
    const vibrations = await run(vibrationsCommand, ['Cu.vasp', '--model', 'tiny.lwm', '--atoms', '0', '--backend', 'wasm', '--json']);
    expect(vibrations.code, vibrations.err).toBe(0);
    expect(JSON.parse(vibrations.out).warnings).toEqual([expect.stringMatching(new RegExp(`^step 0: ${closer.source}`))]);
    expect(JSON.parse((await run(vibrationsCommand, ['Cu1.vasp', '--model', 'tiny.lwm', '--atoms', '0', '--backend', 'wasm', '--json'])).out).warnings).toEqual([]);
    expect(JSON.parse((await run(vibrationsCommand, ['Cu1.vasp', '--model', 'emt', '--atoms', '0', '--json'])).out)).not.toHaveProperty('warnings');
    // elastic constants check every strained cell
    const elastic = await run(elasticCommand, ['Cu1.vasp', '--model', 'tiny.lwm', '--no-relax', '--backend', 'wasm', '--json']);
    expect(elastic.code, elastic.err).toBe(0);
    const constants = JSON.parse(elastic.out);
    expect(constants.warnings).toEqual([]);
    expect(constants.cGPa.flat().every(Number.isFinite)).toBe(true);
    const strainedOutside = JSON.parse((await run(elasticCommand, ['Cu.vasp', '--model', 'tiny.lwm', '--no-relax', '--backend', 'wasm', '--json'])).out);
    expect(strainedOutside.warnings[0]).toMatch(/^step 0: Cu–Cu at 2\.\d{3} Å \(atoms 0 and \d+\) is closer than any Cu–Cu pair in the training structures/);
    expect(JSON.parse((await run(elasticCommand, ['Cu1.vasp', '--model', 'emt', '--no-relax', '--json'])).out)).not.toHaveProperty('warnings');
    // an equation of state checks every volume and names them: the two most compressed (92 and 93.6 % of the
    // 3.6 Å cube's) bring the Cu–Cu pairs under 2.5 Å; this untrained potential's energies have no minimum to
    // fit, and the failure comes with where it extrapolated
    const eos = await run(eosCommand, ['Cu1.vasp', '--model', 'tiny.lwm', '--backend', 'wasm', '--json']);
    expect(eos.code).toBe(1);
    expect(eos.err).toMatch(/^latticework eos: Cu1\.vasp: equation of state: /m);
    const [v1, v2] = [0.92, 0.936].map((f) => (f * 3.6 ** 3).toFixed(4));
    expect(eos.err).toMatch(new RegExp(`^warning: volumes ${v1}, ${v2} Å³: Cu–Cu at 2\\.476 Å \\(atoms \\d+ and \\d+\\) is closer than any Cu–Cu pair in the training structures \\(2\\.500 Å\\)$`, 'm'));
    expect(JSON.parse((await run(eosCommand, ['Cu1.vasp', '--model', 'emt', '--json'])).out)).not.toHaveProperty('warnings');
    // phonons check the structure they are measured at (the supercell's displaced copies are 0.01 Å from it)
    const phonons = await run(phononsCommand, ['Cu.vasp', '--model', 'tiny.lwm', '--supercell', '1', '--mesh', '2', '--backend', 'wasm', '--json']);
    expect(phonons.code, phonons.err).toBe(0);
    const phononDoc = JSON.parse(phonons.out);
    expect(phononDoc.warnings).toEqual([expect.stringMatching(new RegExp(`^step 0: ${closer.source}`))]);
    expect(phononDoc.bands.frequencies.flat().every(Number.isFinite)).toBe(true);
    // a message-passing potential reaches its cutoff times its blocks (3.6 Å × 2): a 3.6 Å supercell is too narrow, a 7.2 Å one not
    expect(phononDoc.reach).toEqual({ distance: 7.2, what: 'its cutoff 3.6 Å × 2 interaction blocks' });
    expect(JSON.parse((await run(phononsCommand, ['Cu1.vasp', '--model', 'tiny.lwm', '--supercell', '1', '--mesh', '2', '--backend', 'wasm', '--json'])).out).warnings).toEqual([
      expect.stringMatching(/^the 1×1×1 supercell is 3\.60 Å wide at its narrowest \(between opposite faces\), less than the potential's reach of 7\.20 Å \(its cutoff 3\.6 Å × 2 interaction blocks\): .*; a 2×2×2 supercell is at least that wide$/),
    ]);
    // --stop-when-extrapolating: the first frame outside ends the run, with exit status 1
    const stoppedMd = await run(mdCommand, ['Cu.vasp', '--model', 'tiny.lwm', '--ensemble', 'nve', '--temperature', '10', '--timestep', '0.5', '--steps', '4', '--every', '2', '--backend', 'wasm', '--stop-when-extrapolating', '--json']);
    expect(stoppedMd.code).toBe(1);
    const stoppedDoc = JSON.parse(stoppedMd.out);
    expect(stoppedDoc.steps).toBe(0);
    expect(stoppedDoc.message).toMatch(new RegExp(`^stopped at step 0, outside the potential's training structures: ${closer.source}`));
    const stoppedRelax = await run(relaxCommand, ['Cu.vasp', '--model', 'tiny.lwm', '--steps', '50', '--backend', 'wasm', '--stop-when-extrapolating', '--json']);
    expect(stoppedRelax.code).toBe(1);
    expect(JSON.parse(stoppedRelax.out)).toMatchObject({ converged: false, steps: 0, message: expect.stringMatching(/^stopped at step 0, outside/) });
    const builtin = await run(mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nve', '--temperature', '10', '--timestep', '1', '--steps', '4', '--stop-when-extrapolating']);
    expect(builtin.code).toBe(1);
    expect(builtin.err).toMatch(/^latticework md: Cu\.vasp: stopping where the potential extrapolates needs a trained potential/);
  });

  it('md with an ensemble of potentials gives its force spread per step', { timeout: 300_000 }, async () => {
    writeFileSync(join(dir, 'pair.lwm'), await tinyPotentialFile('pair', undefined, 2));
    writeFileSync(join(dir, 'single.lwm'), await tinyPotentialFile('single'));
    const md = (model: string) => run(mdCommand, ['Cu.vasp', '--model', model, '--ensemble', 'nve', '--temperature', '300', '--timestep', '1', '--steps', '6', '--backend', 'wasm', '--json']);
    const pair = await md('pair.lwm');
    expect(pair.code, pair.err).toBe(0);
    const doc = JSON.parse(pair.out);
    expect(doc.forceSpread).toHaveLength(7);
    // two members with other random weights disagree on every step's forces (atom 0 of Cu.vasp is off its site)
    for (const x of doc.forceSpread) expect(x).toBeGreaterThan(1e-4);
    expect(JSON.parse((await md('single.lwm')).out)).not.toHaveProperty('forceSpread');
  });

  it('eos --json gives the Birch–Murnaghan fit', async () => {
    const r = await run(eosCommand, ['Cu1.vasp', '--model', 'emt', '--json']);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    for (const key of ['file', 'model', 'v0', 'e0', 'b0GPa', 'b0prime', 'points']) expect(doc).toHaveProperty(key);
    expect(doc.points).toHaveLength(11);
    expect(Math.abs(doc.b0GPa - golden.eos.b0GPa) / golden.eos.b0GPa).toBeLessThan(0.01);
    expect(Math.cbrt(doc.v0)).toBeCloseTo(golden.cell.latticeConstant, 3);
    // relaxations that do not converge (fmax 1e-20, under the forces' rounding, in 500 steps) are in the JSON and said on stderr, as in text
    const unrelaxed = await run(eosCommand, ['Cu.vasp', '--model', 'emt', '--relax', '--fmax', '1e-20', '--points', '5', '--json']);
    expect(unrelaxed.code, unrelaxed.err).toBe(0);
    const unrelaxedDoc = JSON.parse(unrelaxed.out);
    expect(unrelaxedDoc.unconverged).toEqual(unrelaxedDoc.points.map(([v]: number[]) => v));
    expect(unrelaxed.err).toMatch(/^latticework eos: Cu\.vasp: the relaxation did not converge at 5 volume\(s\) \(\d+\.\d{4}, .*\d Å³\): their energies are not of relaxed atoms$/m);
    expect(doc.unconverged).toEqual([]);
    // the cell at 95 % of its lattice constant sampled within ±2 %: the fit's minimum lies beyond the volumes, refused
    writeFileSync(join(dir, 'Cu1-compressed.vasp'), copperPoscar(1).replace(/3\.600000/g, '3.420000'));
    const outside = await run(eosCommand, ['Cu1-compressed.vasp', '--model', 'emt', '--range', '0.02', '--json']);
    expect(outside.code).toBe(1);
    expect(outside.out).toBe('');
    expect(outside.err).toMatch(/^latticework eos: Cu1-compressed\.vasp: equation of state: the fitted V₀ = 47\.6856 Å³ lies outside the volumes sampled \(39\.2017–40\.8017 Å³\).* Widen the range of volumes \(--range\), or start from the structure relaxed with its cell \(relax --cell\) so that they are centred on V₀$/m);
  });

  it('vibrations: the atoms the file does not hold vibrate, as ASE\'s Vibrations; --atoms chooses; --mode writes an animation', async () => {
    // an O atom over a Cu₄ layer whose atoms the POSCAR holds (F F F)
    const poscar = ['O on Cu', '1.0', '5.1 0 0', '0 5.1 0', '0 0 12', 'Cu O', '4 1', 'Selective dynamics', 'Cartesian'];
    for (const [x, y] of [[0, 0], [2.55, 0], [0, 2.55], [2.55, 2.55]]) poscar.push(`${x} ${y} 5 F F F`);
    poscar.push('1.275 1.275 6.6 T T T');
    writeFileSync(join(dir, 'O-Cu.vasp'), poscar.join('\n') + '\n');
    const r = await run(vibrationsCommand, ['O-Cu.vasp', '--model', 'emt', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/the 4 atoms the file holds fixed do not vibrate \(0-3\); --atoms chooses/);
    const doc = JSON.parse(r.out);
    expect(Object.keys(doc)).toEqual(['file', 'model', 'atoms', 'energies', 'frequencies', 'zpe', 'linearity']);
    // the O atom's force constant along x from ±0.01 and ±0.005 Å: EMT's forces are linear there
    expect(doc.linearity.delta).toBe(0.01);
    expect(Math.abs(doc.linearity.halfStiffness - doc.linearity.stiffness)).toBeLessThan(1e-3 * Math.abs(doc.linearity.stiffness));
    expect(doc.atoms).toEqual([4]);
    expect(doc.energies).toHaveLength(3);
    // the same as ASE 3.22's Vibrations of the O atom with EMT
    const ase = JSON.parse(
      python([
        '-c',
        `import json
from ase.io import read
from ase.calculators.emt import EMT
from ase.vibrations import Vibrations
a = read('O-Cu.vasp'); a.calc = EMT()
v = Vibrations(a, indices=[4], name='vib-cli'); v.clean(); v.run()
print(json.dumps({'e': [1000 * (x.real if abs(x.imag) < 1e-12 else -abs(x.imag)) for x in v.get_energies()], 'zpe': v.get_zero_point_energy()})); v.clean()`,
      ], dir),
    ) as { e: number[]; zpe: number };
    doc.energies.forEach((e: number, k: number) => expect(Math.abs(e - ase.e[k])).toBeLessThan(1e-6));
    expect(Math.abs(doc.zpe - ase.zpe)).toBeLessThan(1e-9);
    expect(doc.frequencies[2]).toBeCloseTo(doc.energies[2] / 1000 / 0.0001239841973964072, 6);
    const all = JSON.parse((await run(vibrationsCommand, ['O-Cu.vasp', '--model', 'emt', '--atoms', '0-4', '--modes', '--json'])).out);
    expect(all.atoms).toEqual([0, 1, 2, 3, 4]);
    expect(all.modes).toHaveLength(15);
    expect(all.modes[0]).toHaveLength(5);
    const text = await run(vibrationsCommand, ['O-Cu.vasp', '--model', 'emt', '--mode', '2', '--out', 'O-mode.extxyz']);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/1 vibrating atoms, displacement 0\.01 Å/);
    expect(text.out).toMatch(/^3 modes of 1 vibrating atoms: zero-point energy \d\.\d{4} eV/m);
    expect(text.out).toMatch(/mode 2 written to O-mode\.extxyz \(30 frames\)/);
    const frames = readFrames('O-mode.extxyz', readFileSync(join(dir, 'O-mode.extxyz'), 'utf8')).frames;
    expect(frames).toHaveLength(30);
    // only the O atom moves, and it comes back after one period
    expect(frames.every((f) => Array.from(f.structure.cart.subarray(0, 12)).every((x, k) => Math.abs(x - frames[0].structure.cart[k]) < 1e-9))).toBe(true);
    expect(Math.abs(frames[15].structure.cart[14] - frames[0].structure.cart[14]) + Math.abs(frames[7].structure.cart[14] - frames[0].structure.cart[14])).toBeGreaterThan(0.01);
    // bad usage and bad input
    expect((await run(vibrationsCommand, ['O-Cu.vasp', '--model', 'emt', '--mode', '1'])).err).toMatch(/--mode K and --out FILE go together/);
    const beyond = await run(vibrationsCommand, ['O-Cu.vasp', '--model', 'emt', '--mode', '3', '--out', 'x.extxyz']);
    expect([beyond.code, beyond.err]).toEqual([2, expect.stringMatching(/--mode 3: 1 vibrating atoms have 3 modes/)]);
    expect((await run(vibrationsCommand, ['O-Cu.vasp', '--model', 'emt', '--atoms', 'q'])).code).toBe(2);
    const fe = await run(vibrationsCommand, ['Fe.vasp', '--model', 'emt']);
    expect([fe.code, fe.err]).toEqual([1, expect.stringMatching(/Fe\.vasp: .*Fe/)]);
  });

  it('elastic --json gives the elastic constants, moduli and stability; a stressed start is named', async () => {
    writeFileSync(join(dir, 'Cu-eq.vasp'), copperPoscar(1).replace(/3\.600000/g, '3.589900'));
    const r = await run(elasticCommand, ['Cu-eq.vasp', '--model', 'emt', '--json']);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    for (const key of ['file', 'model', 'cGPa', 'bulkModulusGPa', 'shearModulusGPa', 'youngGPa', 'poisson', 'eigenvaluesGPa', 'stable', 'residualStressGPa', 'startFmax', 'asymmetryGPa', 'unconverged', 'message']) expect(doc).toHaveProperty(key);
    expect(doc).not.toHaveProperty('task');
    // the numbers of the library function on the same cell
    const a = 3.5899;
    const cu = new Atoms({ numbers: Int32Array.of(29, 29, 29, 29), cart: Float64Array.of(0, 0, 0, a / 2, a / 2, 0, a / 2, 0, a / 2, 0, a / 2, a / 2), lattice: [[a, 0, 0], [0, a, 0], [0, 0, a]], pbc: [true, true, true] });
    const direct = await elasticConstants(cu, new EmtCalculator());
    for (let i = 0; i < 6; i++) for (let j = 0; j < 6; j++) expect(doc.cGPa[i][j]).toBeCloseTo(toGPa(direct.c[i][j]), 6);
    expect(doc.bulkModulusGPa.hill).toBeCloseTo(toGPa(direct.moduli.kHill), 6);
    expect(doc.stable).toBe(true);
    expect(doc.unconverged).toBe(0);
    const text = await run(elasticCommand, ['Cu-eq.vasp', '--model', 'emt', '--strain', '0.005']);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/elastic constants, GPa \(strains to ±0\.005\)/);
    expect(text.out).toMatch(/^ +172\.5 +115\.4 +115\.4 +0\.0 +0\.0 +0\.0$/m);
    expect(text.out).toMatch(/bulk modulus 134\.5 \/ 134\.5 \/ 134\.5 GPa/);
    expect(text.out).toMatch(/mechanically stable/);
    expect(text.err).toBe('');
    // 3.6 Å is not EMT's lattice constant: the start is under stress, and the run says so
    const stressed = await run(elasticCommand, ['Cu1.vasp', '--model', 'emt', '--no-relax']);
    expect(stressed.code).toBe(0);
    expect(stressed.err).toMatch(/Cu1\.vasp: the start is under stress \(up to \d\.\d\d GPa\): relax it with its cell first/);
    // bad usage and bad input
    expect((await run(elasticCommand, ['Cu-eq.vasp', '--model', 'emt', '--strain', '0.2'])).code).toBe(2);
    writeFileSync(join(dir, 'dimer.xyz'), '2\n\nCu 0 0 0\nCu 2.5 0 0\n');
    const molecule = await run(elasticCommand, ['dimer.xyz', '--model', 'emt']);
    expect([molecule.code, molecule.err]).toEqual([1, expect.stringMatching(/elastic constants needs? a structure periodic in all three directions/)]);
  });

  it('phonons --json gives the bands, density of states and thermal properties; the text names the path and its points', async () => {
    const r = await run(phononsCommand, ['Cu1.vasp', '--model', 'emt', '--supercell', '3', '--mesh', '4,4,4', '--json']);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    for (const key of ['file', 'model', 'supercell', 'mesh', 'lattice', 'bands', 'dos', 'thermal', 'lowest', 'highest', 'message']) expect(doc).toHaveProperty(key);
    expect(doc).not.toHaveProperty('task');
    expect([doc.supercell, doc.mesh, doc.lattice]).toEqual([[3, 3, 3], [4, 4, 4], 'simple cubic']);
    expect(Object.keys(doc.bands)).toEqual(['distances', 'frequencies', 'ticks']);
    expect(doc.bands.frequencies[0]).toHaveLength(12);
    expect(Object.keys(doc.thermal)).toEqual(['temperature', 'freeEnergy', 'entropy', 'heatCapacity']);
    // the conventional cell's Γ holds fcc's X point three times over: 5.5, 5.5 and 8.1 THz (EMT's Cu, 3.6 Å)
    const gamma = doc.bands.frequencies[0] as number[];
    expect(gamma.slice(0, 3).every((f) => Math.abs(f) < 1e-3)).toBe(true);
    expect(gamma.slice(3, 9).every((f) => Math.abs(f - gamma[3]) < 1e-6)).toBe(true);
    expect(gamma.slice(9).every((f) => Math.abs(f - gamma[9]) < 1e-6)).toBe(true);
    // by symmetry one atom of the four, along x alone: 2 force calls (and 2 for the linearity check), said on stderr
    expect(doc.symmetry).toEqual({ operations: 192, displaced: 1 });
    expect(doc.message).toMatch(/^phonons of 4 atom\(s\) from a 3×3×3 supercell \(4 force calls; by symmetry 1 of 4 atoms displaced\)/);
    expect(r.err).toMatch(/^note: Cu1\.vasp: displacing by its space group Fm-3m \(No\. 225; 192 operations found at 0\.00001 Å\)/m);
    const every = JSON.parse((await run(phononsCommand, ['Cu1.vasp', '--model', 'emt', '--supercell', '3', '--mesh', '4,4,4', '--no-symmetry', '--json'])).out);
    expect(every.symmetry).toEqual({ operations: 1, displaced: 4 });
    expect(every.message).toMatch(/\(26 force calls\)/);
    // the help counts the calls as the runs do, the linearity check's 2 included
    expect(phononsCommand.usage.replace(/\s+/g, ' ')).toMatch(/a run counts 4 force calls for fcc, 6 for hcp, 6N \+ 2 with --no-symmetry/);
    writeFileSync(join(dir, 'Ni-hcp.vasp'), 'Ni\n1.0\n2.49 0 0\n-1.245 2.1564032554232524 0\n0 0 4.07\nNi\n2\nDirect\n0 0 0\n0.3333333333333333 0.6666666666666666 0.5\n');
    const hcp = JSON.parse((await run(phononsCommand, ['Ni-hcp.vasp', '--model', 'emt', '--supercell', '2', '--mesh', '2', '--json'])).out);
    expect(hcp.message).toMatch(/\(6 force calls; by symmetry 1 of 2 atoms displaced\)/);
    expect(Math.max(...every.bands.frequencies.flat().map((f: number, k: number) => Math.abs(f - doc.bands.frequencies.flat()[k])))).toBeLessThan(1e-6);
    const text = await run(phononsCommand, ['Cu1.vasp', '--model', 'emt', '--supercell', '3x3x3', '--mesh', '4']);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/phonons from a 3×3×3 supercell, the simple cubic path/);
    expect(text.out).toMatch(/^X\|M +\d\.\d\d/m);
    expect(text.out).toMatch(/^Γ +0\.00 +0\.00 +0\.00 +\d\.\d\d/m);
    expect(text.out).toMatch(/at 300 K: free energy -?\d+\.\d{3} kJ\/mol, entropy \d+\.\d{3} J\/K\/mol, heat capacity \d+\.\d{3} J\/K\/mol \(per mole of cells, from a 4×4×4 mesh\)/);
    // bad usage and bad input
    const bad = await run(phononsCommand, ['Cu1.vasp', '--model', 'emt', '--supercell', '3,3']);
    expect([bad.code, bad.err]).toEqual([2, expect.stringMatching(/--supercell 3,3: expected three whole numbers from 1 to 50/)]);
    expect((await run(phononsCommand, ['Cu1.vasp', '--model', 'emt', '--delta', '0'])).code).toBe(2);
    // a supercell narrower than the potential's reach (EMT's cutoff): said on stderr and in the JSON's warnings
    expect(doc).not.toHaveProperty('warnings');
    expect([doc.supercellWidths.map((w: number) => w.toFixed(6)), doc.reach]).toEqual([['10.800000', '10.800000', '10.800000'], { distance: expect.closeTo(5.9, 1), what: 'its cutoff' }]);
    const narrow = `the 1×1×1 supercell is 3.60 Å wide at its narrowest (between opposite faces), less than the potential's reach of ${doc.reach.distance.toFixed(2)} Å (its cutoff): a displaced atom moves the forces on its own periodic images, so the force constants wrap around the supercell: the frequencies hold only at the wave vectors it repeats (Γ for 1×1×1), the bands and density of states between them are wrong; a 2×2×2 supercell is at least that wide`;
    const one = await run(phononsCommand, ['Cu1.vasp', '--model', 'emt', '--supercell', '1', '--mesh', '2', '--json']);
    expect([one.code, JSON.parse(one.out).warnings]).toEqual([0, [narrow]]);
    const oneText = await run(phononsCommand, ['Cu1.vasp', '--model', 'emt', '--supercell', '1', '--mesh', '2']);
    expect(oneText.err.split('\n').filter((l) => l.startsWith('warning: '))).toEqual([`warning: ${narrow}`]);
    writeFileSync(join(dir, 'dimer2.xyz'), '2\n\nCu 0 0 0\nCu 2.5 0 0\n');
    const molecule = await run(phononsCommand, ['dimer2.xyz', '--model', 'emt']);
    expect([molecule.code, molecule.err]).toEqual([1, expect.stringMatching(/phonons needs a structure periodic in all three directions/)]);
  });

  it("phonons --mode K --q Q --out writes a band's motion in the supercell it repeats in; --force-constants writes phonopy's file", async () => {
    const r = await run(phononsCommand, ['Cu1.vasp', '--model', 'emt', '--supercell', '3', '--mesh', '2', '--mode', '9', '--q', 'X', '--out', 'x.extxyz', '--force-constants', 'FORCE_CONSTANTS', '--json']);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc).not.toHaveProperty('forceConstants');
    // simple cubic's X is (0, ½, 0): the wave repeats in two cells along b; band 9 of 12 is fcc's longitudinal mode folded in
    expect(doc.mode).toEqual({ band: 9, q: [0, 0.5, 0], frequency: expect.any(Number), supercell: [1, 2, 1], amplitude: 0.1 });
    // the band's frequency is the path's at X (its second labelled point)
    expect(doc.bands.ticks[1].label).toBe('X');
    const atX = doc.bands.distances.findIndex((d: number) => Math.abs(d - doc.bands.ticks[1].distance) < 1e-9);
    expect(doc.mode.frequency).toBeCloseTo(doc.bands.frequencies[atX][9], 6);
    const frames = readFrames('x.extxyz', readFileSync(join(dir, 'x.extxyz'), 'utf8')).frames;
    expect(frames).toHaveLength(30);
    const rest = frames[0].structure.cart.map((x, k) => (x + frames[15].structure.cart[k]) / 2);
    expect(frames[0].structure.numbers).toHaveLength(8);
    const moved = frames.flatMap((f) => Array.from({ length: 8 }, (_, i) => Math.hypot(...[0, 1, 2].map((x) => f.structure.cart[3 * i + x] - rest[3 * i + x]))));
    // the atom moving most has a complex amplitude of 0.1 Å: a line of that half-length, or in a degenerate band
    // (whose eigenvector is any of its subspace) an ellipse whose long half-axis is at least 0.1/√2
    expect(Math.max(...moved)).toBeLessThanOrEqual(0.1 + 1e-9);
    expect(Math.max(...moved)).toBeGreaterThan(0.1 / Math.SQRT2 - 1e-3);
    // the force constants: 4 atoms of the cell, 108 of the supercell, a block for each pair
    const fc = readFileSync(join(dir, 'FORCE_CONSTANTS'), 'utf8').trimEnd().split('\n');
    expect(fc[0]).toBe('   4  108');
    expect(fc).toHaveLength(1 + 4 * 108 * 4);
    expect(fc[1]).toBe('1 1');
    expect(fc[1 + 108 * 4]).toBe('28 1');
    // one displaced structure, the text says what was written
    const text = await run(phononsCommand, ['Cu1.vasp', '--model', 'emt', '--supercell', '3', '--mesh', '2', '--mode', '0', '--q', '0,0,1/2', '--amplitude', '0.05', '--out', 'frozen.cif']);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/band 0 at q = \(0, 0, 0\.5\), \d\.\d\d THz, written to frozen\.cif: the structure displaced along it in a 1×1×2 supercell, the atom moving most 0\.05 Å/);
    expect(readStructures('frozen.cif', readFileSync(join(dir, 'frozen.cif'), 'utf8')).structures[0].numbers).toHaveLength(8);
    // an alloy's density of states comes with each element's share: L1₂ Cu₃Au, gold at the corner
    writeFileSync(join(dir, 'Cu3Au.vasp'), 'Cu3Au\n1.0\n3.75 0 0\n0 3.75 0\n0 0 3.75\nAu Cu\n1 3\nDirect\n0 0 0\n0 0.5 0.5\n0.5 0 0.5\n0.5 0.5 0\n');
    const alloy = JSON.parse((await run(phononsCommand, ['Cu3Au.vasp', '--model', 'emt', '--supercell', '2', '--mesh', '2', '--json'])).out);
    expect(alloy.dos.elements.map((e: { element: string }) => e.element)).toEqual(['Au', 'Cu']);
    expect(alloy.dos.elements[0].states).toHaveLength(alloy.dos.states.length);
    expect(doc.dos).not.toHaveProperty('elements');
    // bad usage, said before any force call
    const usage = async (args: string[], message: RegExp) => {
      const bad = await run(phononsCommand, ['Cu1.vasp', '--model', 'emt', ...args]);
      expect([bad.code, bad.err]).toEqual([2, expect.stringMatching(message)]);
    };
    await usage(['--mode', '1'], /--mode K and --out FILE go together/);
    await usage(['--q', 'X'], /--q and --amplitude choose the mode/);
    await usage(['--mode', '1', '--q', 'Q', '--out', 'm.extxyz'], /--q Q: expected a point of the band path \(Γ, X, M, R\) or three fractions/);
    await usage(['--mode', '1', '--q', '0.37,0,0', '--out', 'm.extxyz'], /--mode 1 --q 0\.37,0,0: q = \(0\.37, 0, 0\) repeats in no supercell of up to 16 cells/);
    await usage(['--mode', '12', '--out', 'm.extxyz'], /--mode 12 --q Γ: band 12: 4 atom\(s\) have bands 0 to 11/);
    await usage(['--mode', '1', '--out', 'm.png'], /--out m\.png: name it/);
  });

  it("neb: ASE's band between two POSCARs (the hop across the cell's boundary by the minimum image), --json, the text's profile, --out the images; what is not a band, said", async () => {
    const band = JSON.parse(readFileSync(new URL('../../fixtures/sim/neb.json', import.meta.url), 'utf8')) as { numbers: number[]; cell: number[][]; hopper: number; start: number[]; end: number[]; cases: { climb: { steps: number; energies: number[] } } };
    const poscar = (cart: number[], name: string) => writePoscar(new Atoms({ numbers: Int32Array.from(band.numbers), cart: Float64Array.from(cart), lattice: band.cell as Mat3, pbc: [true, true, true] }).toStructure(name));
    writeFileSync(join(dir, 'hop-start.vasp'), poscar(band.start, 'vacancy at the origin'));
    writeFileSync(join(dir, 'hop-end.vasp'), poscar(band.end, 'the neighbour hopped in'));
    const r = await run(nebCommand, ['hop-start.vasp', 'hop-end.vasp', '--model', 'emt', '--images', '3', '--out', 'band.extxyz', '--json']);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(Object.keys(doc)).toEqual(['start', 'end', 'model', 'converged', 'steps', 'fmax', 'climb', 'energies', 'distances', 'highest', 'barrier', 'fit', 'fittedBarrier', 'reverseBarrier', 'reactionEnergy', 'endForces', 'path', 'relaxedEnds', 'images', 'message']);
    // with an image at the saddle point, the curve through the images peaks there
    expect(Math.abs(doc.fittedBarrier - doc.barrier)).toBeLessThan(1e-6);
    expect(doc.fit.energies).toHaveLength(4 * 20 + 1);
    expect([doc.start, doc.end, doc.model, doc.converged, doc.climb, doc.images, doc.path, doc.highest]).toEqual(['hop-start.vasp', 'hop-end.vasp', 'emt', true, true, 3, 'linear', 2]);
    expect(doc.steps).toBe(band.cases.climb.steps);
    // the ends, relaxed already, take no step of their own relaxation
    expect(doc.relaxedEnds).toEqual({ steps: [0, 0], converged: [true, true] });
    const ase = band.cases.climb.energies;
    expect(Math.abs(doc.barrier - (Math.max(...ase) - ase[0]))).toBeLessThan(1e-6);
    expect(doc.energies).toHaveLength(5);
    // one atom hops about a/√2 = 2.55 Å: the short way, not across the cell
    expect(doc.distances[4]).toBeGreaterThan(2.4);
    expect(doc.distances[4]).toBeLessThan(3.2);
    const images = readFrames('band.extxyz', readFileSync(join(dir, 'band.extxyz'), 'utf8')).frames;
    expect(images.map((f) => f.energy)).toEqual(doc.energies);
    const asGiven = JSON.parse((await run(nebCommand, ['hop-start.vasp', 'hop-end.vasp', '--model', 'emt', '--images', '3', '--no-relax-ends', '--json'])).out);
    expect([asGiven.relaxedEnds, asGiven.steps]).toEqual([null, doc.steps]);
    const text = await run(nebCommand, ['hop-start.vasp', 'hop-end.vasp', '--model', 'emt', '--images', '3', '--no-climb', '--optimizer', 'lbfgs']);
    expect(text.code, text.err).toBe(0);
    expect(text.out).toMatch(/^hop-start\.vasp → hop-end\.vasp {2}emt {2}converged in \d+ steps: .*; barrier 0\.7\d\d eV \(image 2 of 3\), .*; no image climbed/);
    expect(text.out.split('\n')[4]).toMatch(/^ {6}2 +1\.\d{4} +\d\.\d{6} +0\.7\d{5} {2}highest$/);
    // what is not a band
    const atoms = await run(nebCommand, ['hop-start.vasp', 'Cu1.vasp', '--model', 'emt']);
    expect([atoms.code, atoms.err]).toEqual([1, 'latticework neb: Cu1.vasp: the end state has 4 atoms, the start 31: a band joins two states of the same atoms']);
    const held = await run(nebCommand, ['hop-start.vasp', 'hop-end.vasp', '--model', 'emt', '--fixed', String(band.hopper)]);
    expect([held.code, held.err]).toEqual([1, expect.stringMatching(new RegExp(`^latticework neb: hop-end\\.vasp: atom ${band.hopper} is held, but the end state has it 2\\.\\d{4} Å from its place at the start$`))]);
    const lone = await run(nebCommand, ['hop-start.vasp', '--model', 'emt']);
    expect([lone.code, lone.err]).toEqual([1, expect.stringMatching(/^latticework neb: hop-start\.vasp: a band file holds the start, at least one image and the end; this one holds 1 structure \(give START and END/)]);
    expect((await run(nebCommand, ['--model', 'emt'])).code).toBe(2);
    const images0 = await run(nebCommand, ['hop-start.vasp', 'hop-end.vasp', '--model', 'emt', '--images', '0']);
    expect([images0.code, images0.err]).toEqual([2, expect.stringMatching(/--images 0: expected a whole number of images from 1 to 50/)]);
    const path = await run(nebCommand, ['hop-start.vasp', 'hop-end.vasp', '--model', 'emt', '--path', 'spline']);
    expect([path.code, path.err]).toEqual([2, expect.stringMatching(/--path spline: use linear or idpp/)]);
    // IDPP's start: this hop's straight line is already near its minimum, so the same band
    const idpp = JSON.parse((await run(nebCommand, ['hop-start.vasp', 'hop-end.vasp', '--model', 'emt', '--images', '3', '--path', 'idpp', '--json'])).out);
    expect([idpp.path, idpp.converged]).toEqual(['idpp', true]);
    expect(Math.abs(idpp.barrier - doc.barrier)).toBeLessThan(1e-3);
  });

  it('neb BAND, neb START IMAGE... END: goes on from a band in one file (--out of a band out of steps) or a file per image; what is not a band, said', async () => {
    const band = JSON.parse(readFileSync(new URL('../../fixtures/sim/neb.json', import.meta.url), 'utf8')) as { numbers: number[]; cell: number[][]; start: number[]; end: number[]; cases: { climb: { energies: number[] } } };
    const poscar = (cart: number[], name: string) => writePoscar(new Atoms({ numbers: Int32Array.from(band.numbers), cart: Float64Array.from(cart), lattice: band.cell as Mat3, pbc: [true, true, true] }).toStructure(name));
    writeFileSync(join(dir, 'hop-start.vasp'), poscar(band.start, 'vacancy at the origin'));
    writeFileSync(join(dir, 'hop-end.vasp'), poscar(band.end, 'the neighbour hopped in'));
    const short = await run(nebCommand, ['hop-start.vasp', 'hop-end.vasp', '--model', 'emt', '--images', '3', '--steps', '6', '--out', 'short.extxyz', '--json']);
    expect([short.code, JSON.parse(short.out).converged]).toEqual([1, false]);
    // the band as it ended: 5 images, not every band written on the way
    const written = readFrames('short.extxyz', readFileSync(join(dir, 'short.extxyz'), 'utf8')).frames;
    expect(written.map((f) => f.energy)).toEqual(JSON.parse(short.out).energies);
    const r = await run(nebCommand, ['short.extxyz', '--model', 'emt', '--json']);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect([doc.start, doc.end, doc.images, doc.path, doc.converged, doc.highest]).toEqual(['short.extxyz', 'short.extxyz', 3, 'given', true, 2]);
    expect(doc.energies[0]).toBeCloseTo(written[0].energy!, 9);
    const ase = band.cases.climb.energies;
    expect(Math.abs(doc.barrier - (Math.max(...ase) - ase[0]))).toBeLessThan(5e-3);
    const text = await run(nebCommand, ['short.extxyz', '--model', 'emt']);
    expect(text.out).toMatch(/^short\.extxyz \(a band\) {2}emt {2}converged in \d+ steps/);
    // a band file sets its images; an image of other atoms is named
    const images = await run(nebCommand, ['short.extxyz', '--model', 'emt', '--images', '5']);
    expect([images.code, images.err]).toEqual([2, expect.stringMatching(/^latticework neb: --images: a band given image by image sets the band: its first structure is the start, its last the end and the ones between the images/)]);
    const lines = readFileSync(join(dir, 'short.extxyz'), 'utf8').split('\n');
    const n = band.numbers.length;
    // image 2 without its last atom
    const cut = [...lines.slice(0, 2 * (n + 2)), String(n - 1), lines[2 * (n + 2) + 1], ...lines.slice(2 * (n + 2) + 2, 3 * (n + 2) - 1), ...lines.slice(3 * (n + 2))];
    writeFileSync(join(dir, 'cut.extxyz'), cut.join('\n'));
    const other = await run(nebCommand, ['cut.extxyz', '--model', 'emt']);
    expect([other.code, other.err]).toEqual([1, 'latticework neb: cut.extxyz: structure 2: this image has 30 atoms, the start 31: a band joins two states of the same atoms']);
    // a file per image, as VASP's band directories hold them: the same band
    const files = written.map((f, k) => {
      mkdirSync(join(dir, `0${k}`), { recursive: true });
      writeFileSync(join(dir, `0${k}`, 'POSCAR'), writePoscar(f.structure));
      return `0${k}/POSCAR`;
    });
    const each = await run(nebCommand, [...files, '--model', 'emt', '--json']);
    expect(each.code, each.err).toBe(0);
    const byFile = JSON.parse(each.out);
    expect([byFile.start, byFile.end, byFile.images, byFile.path, byFile.steps]).toEqual(['00/POSCAR', '04/POSCAR', 3, 'given', doc.steps]);
    expect(Math.abs(byFile.barrier - doc.barrier)).toBeLessThan(1e-6);
    // an image of other atoms is named by its file
    writeFileSync(join(dir, 'Cu1.vasp'), copperPoscar(1));
    const stray = await run(nebCommand, ['00/POSCAR', 'Cu1.vasp', '04/POSCAR', '--model', 'emt']);
    expect([stray.code, stray.err]).toEqual([1, 'latticework neb: Cu1.vasp: this image has 4 atoms, the start 31: a band joins two states of the same atoms']);
    // the same structure at both ends is no band (it reported a barrier of 0 in 0 steps)
    const same = await run(nebCommand, ['00/POSCAR', '00/POSCAR', '--model', 'emt', '--json']);
    expect([same.code, same.out, same.err]).toEqual([1, '', 'latticework neb: 00/POSCAR: the start and the end are the same structure (every atom within 0.0001 Å of its place): a band joins two different states']);
    // nor is the same structure moved as a whole (a 1-atom cell's "hop" converged in 0 steps, barrier 0)
    writeFileSync(join(dir, 'Cu1-moved.vasp'), copperPoscar(1).replace(/^(0\.\d+) (0\.\d+) (0\.\d+)$/gm, (_, x: string, y: string, z: string) => [Number(x) + 0.1, Number(y), Number(z) + 0.05].map((v) => v.toFixed(8)).join(' ')));
    const moved = await run(nebCommand, ['Cu1.vasp', 'Cu1-moved.vasp', '--model', 'emt', '--json']);
    expect([moved.code, moved.out, moved.err]).toEqual([1, '', 'latticework neb: Cu1.vasp: the end is the start moved as a whole by 0.4025 Å (every atom within 0.0001 Å of the same move): one state translated, which no band joins']);
  });

  it('neb --fixed: an error about the held atoms names the file it concerns (the end, an image), not the start', async () => {
    const band = JSON.parse(readFileSync(new URL('../../fixtures/sim/neb.json', import.meta.url), 'utf8')) as { numbers: number[]; cell: number[][]; hopper: number; start: number[]; end: number[] };
    const structure = (cart: number[], name: string) => new Atoms({ numbers: Int32Array.from(band.numbers), cart: Float64Array.from(cart), lattice: band.cell as Mat3, pbc: [true, true, true] }).toStructure(name);
    // a POSCAR holding atoms 0..held-1 fixed (selective dynamics)
    const held = (cart: number[], count: number) => {
      const lines = writePoscar(structure(cart, 'held')).trimEnd().split('\n');
      const at = lines.findIndex((l) => /^(Direct|Cartesian)/i.test(l));
      return [...lines.slice(0, at), 'Selective dynamics', lines[at], ...lines.slice(at + 1).map((l, i) => `${l} ${i < count ? 'F F F' : 'T T T'}`)].join('\n') + '\n';
    };
    writeFileSync(join(dir, 'hop-start.vasp'), writePoscar(structure(band.start, 'start')));
    writeFileSync(join(dir, 'hop-end.vasp'), writePoscar(structure(band.end, 'end')));
    // a plane picks by the positions: atoms 0 and 1 lie at z 1.790 Å at the start, 1.798 Å at the end
    const plane = await run(nebCommand, ['hop-start.vasp', 'hop-end.vasp', '--model', 'emt', '--fixed', 'z<1.795']);
    expect([plane.code, plane.err.split('\n')[0]]).toEqual([2, 'latticework neb: --fixed z<1.795 picks atoms 0-2, 7, 8, 10, 15, 17, 18, 23, 26 of hop-start.vasp but 2, 7, 8, 10, 15, 17, 18, 23-26 of hop-end.vasp: a band holds the same atoms in each of its structures; give them by index']);
    // the end's file holds other atoms than the start's
    writeFileSync(join(dir, 'held-start.vasp'), held(band.start, 4));
    writeFileSync(join(dir, 'held-end.vasp'), held(band.end, 5));
    const files = await run(nebCommand, ['held-start.vasp', 'held-end.vasp', '--model', 'emt']);
    expect([files.code, files.err.split('\n').pop()]).toEqual([1, 'latticework neb: held-end.vasp: the file holds atoms 0-4 fixed, held-start.vasp 0-3: a band holds the same atoms in each of its structures; give them with --fixed']);
    // an image that moves a held atom, in a band of files whose end moves only the hopper
    const hop = [...band.start];
    hop.splice(3 * band.hopper, 3, ...band.end.slice(3 * band.hopper, 3 * band.hopper + 3));
    writeFileSync(join(dir, 'hop-only.vasp'), writePoscar(structure(hop, 'the hopper moved')));
    const moved = [...band.start];
    moved[0] += 0.1;
    writeFileSync(join(dir, 'held-image.vasp'), writePoscar(structure(moved, 'image')));
    const image = await run(nebCommand, ['hop-start.vasp', 'held-image.vasp', 'hop-only.vasp', '--model', 'emt', '--fixed', '0']);
    expect([image.code, image.err]).toEqual([1, 'latticework neb: held-image.vasp: atom 0 is held, but this image has it 0.1000 Å from its place at the start']);
  });

  it('md --velocities file: nve refuses --temperature (the velocities are the temperature); with a thermostat it says where it takes them', async () => {
    const first = await run(mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nve', '--temperature', '300', '--timestep', '1', '--steps', '2', '--every', '2', '--out', 'own-velocities.extxyz']);
    expect(first.code, first.err).toBe(0);
    const args = ['own-velocities.extxyz', '--model', 'emt', '--velocities', 'file', '--temperature', '300', '--timestep', '1', '--steps', '2'];
    const nve = await run(mdCommand, [...args, '--ensemble', 'nve']);
    expect([nve.code, nve.out, nve.err.split('\n')[0]]).toEqual([2, '', "latticework md: --temperature 300: an NVE run from the file's velocities runs at their temperature; leave it out, or hold a temperature with nvt or npt"]);
    const nvt = await run(mdCommand, [...args, '--ensemble', 'nvt']);
    expect(nvt.code, nvt.err).toBe(0);
    expect(nvt.err).toMatch(/^note: own-velocities\.extxyz: the run starts from the file's velocities, at \d+\.\d K; the thermostat takes it to 300 K$/m);
  });

  it('refuses options that do nothing in the mode chosen, and a single atom that cannot take a temperature', async () => {
    const md = ['Cu.vasp', '--model', 'emt', '--temperature', '300', '--timestep', '1', '--steps', '2'];
    const refused: [string[], string][] = [
      [['--ensemble', 'nve', '--thermostat', 'berendsen'], '--thermostat goes with --ensemble nvt or npt: an NVE run has no thermostat'],
      [['--ensemble', 'nve', '--tau', '10'], '--tau goes with --ensemble nvt or npt: an NVE run has no thermostat'],
      [['--ensemble', 'nve', '--friction', '0.5'], '--friction goes with --ensemble nvt or npt: an NVE run has no thermostat'],
      [['--ensemble', 'nvt', '--pressure', '5'], '--pressure goes with --ensemble npt, not nvt'],
      [['--ensemble', 'nvt', '--barostat-tau', '10'], '--barostat-tau goes with --ensemble npt, not nvt'],
      [['--ensemble', 'nvt', '--cell-motion', 'flexible'], '--cell-motion goes with --ensemble npt, not nvt'],
      [['--ensemble', 'nvt', '--thermostat', 'berendsen', '--friction', '0.5'], "--friction is the Langevin thermostat's: the berendsen thermostat takes --tau"],
      [['--ensemble', 'nvt', '--tau', '50'], "--tau is the Nosé–Hoover or Berendsen thermostat's time constant: the Langevin thermostat takes --friction"],
      [['--ensemble', 'npt', '--barostat', 'mtk', '--friction', '0.5'], "--friction is the Langevin thermostat's: the MTK barostat's Nosé–Hoover chains take --tau"],
    ];
    for (const [args, sentence] of refused) {
      const r = await run(mdCommand, [...md, ...args]);
      expect([r.code, r.out, r.err.split('\n')[0]]).toEqual([2, '', `latticework md: ${sentence}`]);
    }
    // what acts is taken: Langevin's friction, Nosé–Hoover's and Berendsen's tau, NPT's pressure
    for (const args of [['--ensemble', 'nvt', '--friction', '0.02'], ['--ensemble', 'nvt', '--thermostat', 'nose-hoover', '--tau', '50'], ['--ensemble', 'npt', '--pressure', '1', '--barostat-tau', '500', '--friction', '0.02']]) {
      const r = await run(mdCommand, [...md, ...args]);
      expect(r.code, r.err).toBe(0);
    }
    // the seed draws velocities and Langevin's noise: a run from the file's velocities without Langevin uses neither
    expect((await run(mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nve', '--temperature', '300', '--timestep', '1', '--steps', '2', '--every', '2', '--out', 'seeded.extxyz'])).code).toBe(0);
    const own = ['seeded.extxyz', '--model', 'emt', '--velocities', 'file', '--timestep', '1', '--steps', '2', '--seed', '3'];
    expect((await run(mdCommand, [...own, '--ensemble', 'nve'])).err.split('\n')[0]).toBe(
      "latticework md: --seed draws the Maxwell–Boltzmann velocities and the Langevin thermostat's noise: this run from the file's velocities uses neither",
    );
    expect((await run(mdCommand, [...own, '--ensemble', 'nvt', '--temperature', '300'])).code).toBe(0);
    for (const option of [['--pressure', '3'], ['--smax', '0.01'], ['--hydrostatic']]) {
      const r = await run(relaxCommand, ['Cu.vasp', '--model', 'emt', ...option]);
      expect([r.code, r.err.split('\n')[0]]).toEqual([2, `latticework relax: ${option[0]} goes with --cell: without it the cell stays as it is`]);
    }
    expect((await run(relaxCommand, ['Cu.vasp', '--model', 'emt', '--cell', '--pressure', '3', '--hydrostatic', '--steps', '2'])).code).toBe(1); // taken: not converged in 2 steps
    // eos, elastic and vibrations alike: an option that does nothing without another is refused, naming it
    const idle: [Command, string[], string][] = [
      [eosCommand, ['--fmax', '0.01'], 'latticework eos: --fmax goes with --relax: without it the atoms are not relaxed'],
      [elasticCommand, ['--no-relax', '--fmax', '0.01'], "latticework elastic: --fmax is the relaxations' tolerance: --no-relax relaxes nothing"],
      [vibrationsCommand, ['--modes'], "latticework vibrations: --modes goes with --json: the modes' displacements are written in the JSON"],
    ];
    for (const [command, args, sentence] of idle) {
      const r = await run(command, ['Cu1.vasp', '--model', 'emt', ...args]);
      expect([r.code, r.out, r.err.split('\n')[0]]).toEqual([2, '', sentence]);
    }
    expect((await run(eosCommand, ['Cu1.vasp', '--model', 'emt', '--relax', '--fmax', '0.01', '--points', '5'])).code).toBe(0);
    // a pressure in pascals typed for GPa (it crushed the cell: a force call of gigabytes that Ctrl-C could not stop), in relax and NPT
    const pascals = await run(relaxCommand, ['Cu.vasp', '--model', 'emt', '--cell', '--pressure', '1e6']);
    expect([pascals.code, pascals.err.split('\n')[0]]).toEqual([2, 'latticework relax: --pressure 1e6: expected a pressure in GPa from −10,000 to 10,000 (1 bar is 0.0001 GPa)']);
    const nptPascals = await run(mdCommand, [...md, '--ensemble', 'npt', '--pressure', '-1e9']);
    expect([nptPascals.code, nptPascals.err.split('\n')[0]]).toEqual([2, 'latticework md: --pressure -1e9: expected a pressure in GPa from −10,000 to 10,000 (1 bar is 0.0001 GPa)']);
    // one atom of fcc Cu: 3N − 3 = 0 degrees of freedom, so no temperature
    writeFileSync(join(dir, 'Cu-prim.extxyz'), '1\nLattice="0 1.8 1.8 1.8 0 1.8 1.8 1.8 0" Properties=species:S:1:pos:R:3 pbc="T T T"\nCu 0 0 0\n');
    const single = await run(mdCommand, ['Cu-prim.extxyz', '--model', 'emt', '--ensemble', 'nvt', '--temperature', '300', '--timestep', '1', '--steps', '2']);
    expect([single.code, single.out]).toEqual([1, '']);
    expect(single.err).toMatch(/a single atom has no degrees of freedom once the total momentum is held at zero \(3N − 3 = 0\): it would run at 0 K whatever the temperature/);
    const held = await run(mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nve', '--temperature', '300', '--timestep', '1', '--steps', '2', '--fixed', '0-31']);
    expect([held.code, held.err]).toEqual([1, expect.stringMatching(/every atom is held: nothing can move/)]);
  });

  it('reports bad usage (2) and bad input (1) with sentences', async () => {
    expect((await run(relaxCommand, ['Cu.vasp'])).code).toBe(2);
    const ens = await run(mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nph', '--temperature', '300', '--timestep', '1', '--steps', '5']);
    expect(ens.code).toBe(2);
    expect(ens.err).toMatch(/--ensemble nph: use nve, nvt or npt/);
    expect((await run(mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nve', '--temperature', '300', '--steps', '5'])).err).toMatch(/--timestep is required/);
    expect((await run(relaxCommand, ['Cu.vasp', '--model', 'emt', '--fmax=-1'])).err).toMatch(/--fmax -1: expected a positive number/);
    const range = await run(relaxCommand, ['Cu.vasp', '--model', 'emt', '--fixed', '5-2']);
    expect([range.code, range.err]).toEqual([2, expect.stringMatching(/--fixed 5-2: expected atom indices like 0,1,5, ranges like 0-15, or the atoms below a plane like z<8\.5/)]);
    expect(range.err).toMatch(/latticework relax/);
    const mdRange = await run(mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nve', '--temperature', '300', '--timestep', '1', '--steps', '5', '--fixed', 'z<']);
    expect([mdRange.code, mdRange.err]).toEqual([2, expect.stringMatching(/--fixed z<: expected atom indices/)]);
    expect(mdRange.err).toMatch(/latticework md/);
    // a plane at a negative coordinate is a plane; one that picks no atom, or an index beyond the atoms, is said so
    const below = await run(relaxCommand, ['Cu.vasp', '--model', 'emt', '--fixed', 'y<-0.1']);
    expect([below.code, below.err.split('\n')[0]]).toEqual([2, 'latticework relax: --fixed y<-0.1: picks no atom of Cu.vasp (its 32 atoms lie at x 0.000 to 5.400, y 0.000 to 5.400, z 0.000 to 5.400 Å)']);
    expect((await run(relaxCommand, ['Cu.vasp', '--model', 'emt', '--fixed', 'y>-1e-1', '--steps', '0', '--json'])).code).toBe(0);
    const beyond = await run(relaxCommand, ['Cu.vasp', '--model', 'emt', '--fixed', '0,40-41']);
    expect([beyond.code, beyond.err.split('\n')[0]]).toEqual([2, 'latticework relax: --fixed 0,40-41: Cu.vasp has 32 atoms (0-based), not 40, 41']);
    const vibrating = await run(vibrationsCommand, ['Cu.vasp', '--model', 'emt', '--atoms', 'z>+6']);
    expect([vibrating.code, vibrating.err.split('\n')[0]]).toEqual([2, expect.stringMatching(/^latticework vibrations: --atoms z>\+6: picks no atom of Cu\.vasp/)]);
    const missing = await run(relaxCommand, ['nothing.cif', '--model', 'emt']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/nothing\.cif/);
    const fe = await run(relaxCommand, ['Fe.vasp', '--model', 'emt']);
    expect(fe.code).toBe(1);
    expect(fe.err).toMatch(/EMT has no parameters for Fe/);
    const water = await run(eosCommand, ['three.extxyz', '--model', 'emt', '--frame', '7']);
    expect(water.code).toBe(2);
    expect(water.err).toMatch(/holds 3 structures/);
  });
});

describe('a folder given as the structure file', () => {
  it('is named once: "latticework relax: adir: is a folder, not a regular file" (it said "adir: adir: …")', async () => {
    mkdirSync(join(dir, 'adir'), { recursive: true });
    const r = await run(relaxCommand, ['adir', '--model', 'emt']);
    expect([r.code, r.err]).toEqual([1, 'latticework relax: adir: is a folder, not a regular file']);
    const m = await run(mdCommand, ['adir', '--model', 'emt', '--ensemble', 'nve', '--temperature', '10', '--timestep', '1', '--steps', '2']);
    expect([m.code, m.err]).toEqual([1, 'latticework md: adir: is a folder, not a regular file']);
  });
});

describe('an NVE run that lost its energy (two atoms 0.05 Å apart: tester C, repro_nearoverlap.sh)', () => {
  it('completes with a warning on stderr and in the JSON "warnings"; a run that keeps its energy has none', async () => {
    copyFileSync(fileURLToPath(new URL('../../fixtures/sim/nearoverlap.extxyz', import.meta.url)), join(dir, 'nearoverlap.extxyz'));
    const args = ['nearoverlap.extxyz', '--model', 'emt', '--ensemble', 'nve', '--temperature', '300', '--timestep', '1', '--steps', '50'];
    const said = /^latticework md: warning: nearoverlap\.extxyz: the total energy of this NVE run drifted by -5\.75e\+1 eV\/atom, more than 0\.01 eV\/atom: .* The time step is too long \(lower it\), or atoms are too close/;
    const text = await run(mdCommand, args);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/completed 50 steps/);
    expect(text.err).toMatch(said);
    const json = await run(mdCommand, [...args, '--json']);
    expect(json.code).toBe(0);
    expect(json.err).toMatch(said);
    const j = JSON.parse(json.out) as { drift: number; warnings: string[] };
    expect(j.drift).toBeLessThan(-57);
    expect(j.warnings).toEqual([expect.stringMatching(/^the total energy of this NVE run drifted by -5\.75e\+1 eV\/atom/)]);
    const fine = await run(mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nve', '--temperature', '300', '--timestep', '1', '--steps', '20', '--json']);
    expect([fine.code, fine.err]).toEqual([0, '']);
    expect(JSON.parse(fine.out)).not.toHaveProperty('warnings');
  });
});
