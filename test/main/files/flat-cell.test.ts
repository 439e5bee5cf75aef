/**
 * ASE's 2D cells: `fcc111('Cu', (2, 2, 3))`, `graphene()` without vacuum have a zero third cell vector
 * and pbc T T F. Every reader that carries a cell (extended XYZ, ASE trajectory, ASE database) reads
 * them as the slab they are (lattice.ts `fileCell`): the zero vector made normal to the plane, the atoms
 * where they were, said in a warning; EMT then gives ASE's EMT on the original atoms. The files and
 * ASE's numbers are made here by ASE 3.22 (MAKE).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readStructuresFile } from '../../../src-main/files/structure-file';
import { mdCommand, nebCommand, relaxCommand } from '../../../src-main/cli/commands/simulate';
import { structureCommand } from '../../../src-main/cli/commands/structure';
import { graphCommand } from '../../../src-main/cli/commands/graph';
import { trainCommand } from '../../../src-main/cli/commands/train';
import type { Command } from '../../../src-main/cli/command';
import { readStructures, StructureParseError } from '../../../src-shared/chem';
import { EmtCalculator } from '../../../src-shared/sim';
import { python } from '../../helpers/python';

const dir = mkdtempSync(join(tmpdir(), 'lw-flatcell-'));

const MAKE = `
import json, sys
from ase import Atoms
from ase.build import fcc111, graphene
from ase.calculators.emt import EMT
from ase.db import connect
from ase.io import write

# Cu(111) of 3 layers without vacuum; graphene with H above and below it (atoms on both sides of z = 0), its C rattled
slab = fcc111('Cu', (2, 2, 3))
gh = graphene(size=(2, 2, 1))
gh.rattle(0.05, seed=1)
for i, p in enumerate(gh.positions.copy()):
    gh.append('H')
    gh.positions[-1] = p + [0, 0, 1.1 if i % 2 == 0 else -1.1]
# three images of the slab, as a trajectory of a run holds them
from ase.io.trajectory import Trajectory
with Trajectory(f'{sys.argv[1]}/fcc111-run.traj', 'w') as t:
    for k in range(3):
        b = slab.copy()
        b.rattle(0.01, seed=k)
        t.write(b)
# a band of the slab: its top corner atom moved in the plane (the slab's height, so its made vector, the same in each image)
band = []
for k in range(3):
    b = slab.copy()
    b.positions[11] += [0.4 * k, 0, 0]
    band.append(b)
    write(f'{sys.argv[1]}/fcc111-image{k}.extxyz', b)
write(f'{sys.argv[1]}/fcc111-band.extxyz', band)
# the band's images with their EMT energies: a dataset to train a property model on
for b in band:
    b.calc = EMT()
    b.get_potential_energy()
write(f'{sys.argv[1]}/fcc111-energies.extxyz', band)
write(f'{sys.argv[1]}/fcc111-band.traj', band)
# the slab with its top corner atom rising out of the plane (so its height, image by image): a band and a trajectory
rise = []
for k in range(3):
    b = slab.copy()
    b.positions[11] += [0.2 * k, 0, 0.3 * k]
    rise.append(b)
write(f'{sys.argv[1]}/fcc111-rise.extxyz', rise)
write(f'{sys.argv[1]}/fcc111-rise.traj', rise)
db = connect(f'{sys.argv[1]}/fcc111-rise.db', append=False)
for b in rise:
    db.write(b)
out = {}
for name, a in (('fcc111', slab), ('graphane', gh)):
    assert not a.cell[2].any() and list(a.pbc) == [True, True, False]
    write(f'{sys.argv[1]}/{name}.traj', a)
    write(f'{sys.argv[1]}/{name}.extxyz', a)
    connect(f'{sys.argv[1]}/{name}.db', append=False).write(a)
    a.calc = EMT()
    out[name] = {'energy': a.get_potential_energy(), 'forces': a.get_forces().tolist(), 'positions': a.positions.tolist()}
# ASE's FIRE on the slab, as relax runs it (fmax 0.05)
from ase.optimize import FIRE
opt = FIRE(slab, logfile=None)
opt.run(fmax=0.05)
out['fcc111']['relaxed'] = {'energy': slab.get_potential_energy(), 'steps': opt.nsteps, 'positions': slab.positions.tolist()}
print(json.dumps(out))
`;
const ase = JSON.parse(python(['-c', MAKE, dir])) as Record<
  string,
  { energy: number; forces: number[][]; positions: number[][]; relaxed?: { energy: number; steps: number; positions: number[][] } }
>;

async function run(cmd: Command, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cmd.run({ argv, cwd: dir, io: { out: (t) => out.push(t), err: (t) => err.push(t) } });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe("ASE's 2D cells (a zero third vector, pbc T T F) read as slabs", () => {
  for (const name of ['fcc111', 'graphane']) {
    for (const ext of ['traj', 'db', 'extxyz']) {
      it(`${name}.${ext}: a vector normal to the plane, said; EMT equals ASE's EMT on the 2D atoms`, async () => {
        const r = await readStructuresFile(join(dir, `${name}.${ext}`), `${name}.${ext}`);
        expect(r.structures).toHaveLength(1);
        const s = r.structures[0];
        const ref = ase[name];
        expect(s.pbc).toEqual([true, true, false]);
        // not moved (ASE's extended XYZ writes 8 decimals)
        expect(Math.max(...Array.from(s.cart, (x, k) => Math.abs(x - ref.positions[Math.floor(k / 3)][k % 3])))).toBeLessThan(1e-8);
        // the made vector: along z, the atoms' height plus 10 Å
        const zs = ref.positions.map((p) => p[2]);
        const height = Math.max(...zs) - Math.min(...zs) + 10;
        expect(s.lattice![2][0]).toBe(0);
        expect(s.lattice![2][1]).toBe(0);
        expect(s.lattice![2][2]).toBeCloseTo(height, 7);
        const said = [...r.fileWarnings, ...r.structureWarnings[0]];
        expect(said).toEqual([
          `${ext === 'traj' ? 'image 0' : ext === 'db' ? 'row 1' : 'frame 0'}: the cell's third vector is zero (a 2D structure as ASE builds it without vacuum); read with a ${height.toFixed(1)} Å vector normal to the plane, not periodic`,
        ]);
        const c = new EmtCalculator().compute(s);
        expect(Math.abs(c.energy - ref.energy)).toBeLessThan(1e-6);
        expect(Math.max(...Array.from(c.forces, (f, k) => Math.abs(f - ref.forces[Math.floor(k / 3)][k % 3])))).toBeLessThan(1e-6);
      });
    }
  }

  it('a trajectory says it once, for its first image, with how many more had it', async () => {
    const r = await readStructuresFile(join(dir, 'fcc111-run.traj'), 'fcc111-run.traj');
    expect(r.structures.map((s) => s.pbc)).toEqual([0, 1, 2].map(() => [true, true, false]));
    expect(r.fileWarnings).toEqual([expect.stringMatching(/^image 0: the cell's third vector is zero .* not periodic \(so were 2 more images\)$/)]);
  });

  it('the slab is what ASE computes, not the isolated cluster the cell was dropped for', () => {
    // ASE's EMT of fcc111 read without the cell (pbc F F F) is 11.224010 eV (tester C's report)
    expect(ase.fcc111.energy).toBeCloseTo(2.853717, 5);
  });

  it('a zero vector along a periodic direction stays an error that names it', () => {
    const text = (lattice: string, pbc: string) => `2\nLattice="${lattice}" Properties=species:S:1:pos:R:3 pbc="${pbc}"\nC 0 0 0\nO 0 0 1.15\n`;
    const refused = (t: string) => {
      try {
        readStructures('flat.extxyz', t);
      } catch (e) {
        return e as StructureParseError;
      }
      throw new Error('read');
    };
    const e = refused(text('2.5 0 0 0 0 0 0 0 0', 'T T F'));
    expect(e).toBeInstanceOf(StructureParseError);
    expect(e.line).toBe(2);
    expect(e.message).toMatch(/the cell's second vector is zero, and pbc="T T F" makes its direction periodic/);
    expect(refused(text('0 0 0 0 0 0 0 0 0', 'T T T')).message).toMatch(/the cell's first, second and third vectors are zero, and pbc="T T T" makes their directions periodic/);
    // dependent vectors, none zero
    expect(refused(text('2.5 0 0 5 0 0 0 0 3', 'T T F')).message).toMatch(/linearly dependent \(zero cell volume\)/);
  });

  it("a chain's two zero vectors (pbc F F T) are made normal to it", () => {
    const r = readStructures('chain.extxyz', `2\nLattice="0 0 0 0 0 0 0 0 2.5" Properties=species:S:1:pos:R:3 pbc="F F T"\nCu 0 0 0\nCu 1 0 1.25\n`);
    expect(r.structures[0].lattice).toEqual([
      [11, 0, 0],
      [0, 10, 0],
      [0, 0, 2.5],
    ]);
    expect(r.warnings).toEqual([
      "frame 0: the cell's first and second vectors are zero (a 1D structure as ASE builds it without vacuum); read with vectors of 11.0 Å and 10.0 Å normal to the periodic one, not periodic",
    ]);
  });

  it("relax on the slab takes ASE's FIRE steps to ASE's energy, says how it read the cell, and writes the slab back", async () => {
    const r = await run(relaxCommand, ['fcc111.traj', '--model', 'emt', '--json', '--out', 'fcc111-relaxed.extxyz']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toBe(
      "latticework relax: warning: fcc111.traj: image 0: the cell's third vector is zero (a 2D structure as ASE builds it without vacuum); read with a 14.2 Å vector normal to the plane, not periodic",
    );
    const j = JSON.parse(r.out) as { energy: number; steps: number; structure: { positions: number[][] } };
    const ref = ase.fcc111.relaxed!;
    expect(j.steps).toBe(ref.steps);
    expect(Math.abs(j.energy - ref.energy)).toBeLessThan(1e-6);
    expect(Math.max(...j.structure.positions.flatMap((p, i) => p.map((x, k) => Math.abs(x - ref.positions[i][k]))))).toBeLessThan(1e-6);
    const back = readStructures('fcc111-relaxed.extxyz', readFileSync(join(dir, 'fcc111-relaxed.extxyz'), 'utf8'));
    expect(back.structures[0].pbc).toEqual([true, true, false]);
    expect(back.warnings).toEqual([]);
  });

  it('neb on a band of the slab says what the reader said of each image it takes: a band file (extended XYZ, .traj) or a file per image', async () => {
    const said = (file: string, where: string) => `latticework neb: warning: ${file}: ${where}: the cell's third vector is zero (a 2D structure as ASE builds it without vacuum); read with a 14.2 Å vector normal to the plane, not periodic`;
    const neb = (...files: string[]) => run(nebCommand, [...files, '--model', 'emt', '--no-relax-ends', '--steps', '1', '--json']);
    const warnings = (r: { err: string }) => r.err.split('\n').filter((l) => / warning: /.test(l));
    const xyz = await neb('fcc111-band.extxyz');
    expect(JSON.parse(xyz.out).energies, xyz.err).toHaveLength(3);
    expect(warnings(xyz)).toEqual([0, 1, 2].map((k) => said('fcc111-band.extxyz', `frame ${k}`)));
    const traj = await neb('fcc111-band.traj');
    expect(JSON.parse(traj.out).energies, traj.err).toHaveLength(3);
    expect(warnings(traj)).toEqual([`${said('fcc111-band.traj', 'image 0')} (so were 2 more images)`]);
    const files = [0, 1, 2].map((k) => `fcc111-image${k}.extxyz`);
    const each = await neb(...files);
    expect(JSON.parse(each.out).energies, each.err).toHaveLength(3);
    expect(warnings(each)).toEqual(files.map((f) => said(f, 'frame 0')));
    // START and END: START's first, as the command line names them
    const ends = await neb(files[0], files[2]);
    expect(warnings(ends)).toEqual([files[0], files[2]].map((f) => said(f, 'frame 0')));
  });

  it("the frames of a file given one flat cell share the cell made for it, as long as the tallest frame's height plus 10 Å", async () => {
    // the top atom rises 0.3 Å an image: image 2 is the tallest (each image's own height gave cells 0.3 Å apart)
    const zs = ase.fcc111.positions.map((p) => p[2]);
    const height = Math.max(...zs) - Math.min(...zs) + 0.6 + 10;
    for (const [file, where] of [
      ['fcc111-rise.extxyz', 'frame'],
      ['fcc111-rise.traj', 'image'],
      ['fcc111-rise.db', 'row'],
    ]) {
      const r = await readStructuresFile(join(dir, file), file);
      expect(r.structures.map((s) => s.lattice![2][2]), file).toEqual([0, 1, 2].map(() => expect.closeTo(height, 7)));
      expect(new Set(r.structures.map((s) => JSON.stringify(s.lattice))).size, file).toBe(1);
      const said = [...r.fileWarnings, ...r.structureWarnings.flat()];
      expect(said[0], file).toBe(`${where} ${where === 'row' ? 1 : 0}: the cell's third vector is zero (a 2D structure as ASE builds it without vacuum); read with a ${height.toFixed(1)} Å vector normal to the plane, not periodic${where === 'frame' ? '' : ` (so were 2 more ${where}s)`}`);
    }
  });

  it('neb takes a band of the slab whose atoms leave the plane (it refused it: the cells of its images differed)', async () => {
    for (const file of ['fcc111-rise.extxyz', 'fcc111-rise.traj']) {
      const r = await run(nebCommand, [file, '--model', 'emt', '--no-relax-ends', '--steps', '1', '--json']);
      expect(r.err, file).not.toMatch(/cells of the start and this image differ/);
      expect(JSON.parse(r.out).energies, r.err).toHaveLength(3);
    }
  });

  it('structure supercell, cell, vacancy-hop, rdf, msd and graph --json say what the reader said of the slab, as structure frames and relax do', async () => {
    const made = (where: string) => `${where}: the cell's third vector is zero (a 2D structure as ASE builds it without vacuum); read with a 14.2 Å vector normal to the plane, not periodic`;
    const said = (file: string, where: string) => `warning: ${file}: ${made(where)}`;
    const warnings = (r: { err: string }) => r.err.split('\n').filter((l) => /^warning: /.test(l));
    const supercell = await run(structureCommand, ['supercell', 'fcc111.extxyz', '--repeat', '2x1x1', '--out', 'fcc111-2x1.extxyz']);
    expect(supercell.code, supercell.err).toBe(0);
    expect(warnings(supercell)).toEqual([said('fcc111.extxyz', 'frame 0')]);
    // the cell's failure comes with what the reader made of the cell
    const niggli = await run(structureCommand, ['cell', 'fcc111.traj', '--to', 'niggli', '--out', 'fcc111-niggli.extxyz']);
    expect([niggli.code, warnings(niggli)]).toEqual([1, [said('fcc111.traj', 'image 0')]]);
    const hop = await run(structureCommand, ['vacancy-hop', 'fcc111.db', '--start', 'hop-start.extxyz', '--end', 'hop-end.extxyz']);
    expect(hop.code, hop.err).toBe(0);
    expect(warnings(hop)).toEqual([said('fcc111.db', 'row 1')]);
    // the frames analysed: each frame's (an extended XYZ says it per frame)
    const rdf = await run(structureCommand, ['rdf', 'fcc111-band.extxyz', '--frames', '1:', '--json']);
    expect(rdf.code, rdf.err).toBe(0);
    expect(warnings(rdf)).toEqual([said('fcc111-band.extxyz', 'frame 1'), said('fcc111-band.extxyz', 'frame 2')]);
    const msd = await run(structureCommand, ['msd', 'fcc111-band.traj', '--timestep', '1']);
    expect(msd.code, msd.err).toBe(0);
    expect(warnings(msd)).toEqual([`${said('fcc111-band.traj', 'image 0')} (so were 2 more images)`]);
    // graph --json: first among the structure's warnings (the text says it on stderr)
    const graph = await run(graphCommand, ['fcc111.extxyz', '--json']);
    expect(graph.code, graph.err).toBe(0);
    expect((JSON.parse(graph.out) as { warnings: string[] }[]).map((g) => g.warnings[0])).toEqual([made('frame 0')]);
  });

  it('train (a property model) says what the reader said of the structures it trains on, each named as its frame', { timeout: 120_000 }, async () => {
    const r = await run(trainCommand, ['--data', 'fcc111-energies.extxyz', '--target', 'energy', '--preset', 'gcn', '--epochs', '1', '--backend', 'cpu', '--no-save', '--db', join(dir, 'runs.sqlite')]);
    expect(r.code, r.err).toBe(0);
    const at = r.err.indexOf(`latticework train: what the reader said of the structures of ${join(dir, 'fcc111-energies.extxyz')}:\n`);
    expect(at, r.err).toBeGreaterThanOrEqual(0);
    const lines = r.err.slice(at).split('\n').slice(1, 4);
    expect(lines).toEqual([0, 1, 2].map((k) => `  fcc111-energies.extxyz#${k}: frame ${k}: the cell's third vector is zero (a 2D structure as ASE builds it without vacuum); read with a 14.2 Å vector normal to the plane, not periodic`));
  });

  it('md on graphene with H on both sides of its plane runs it periodic in the plane (NVE keeps its energy)', async () => {
    const r = await run(mdCommand, ['graphane.extxyz', '--model', 'emt', '--ensemble', 'nve', '--temperature', '300', '--timestep', '0.5', '--steps', '100', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(r.err).toMatch(/^latticework md: warning: graphane.extxyz: frame 0: the cell's third vector is zero .* normal to the plane, not periodic$/);
    const j = JSON.parse(r.out) as { potential: number[]; drift: number };
    expect(Math.abs(j.potential[0] - ase.graphane.energy)).toBeLessThan(1e-6);
    expect(Math.abs(j.drift)).toBeLessThan(0.01);
  });
});
