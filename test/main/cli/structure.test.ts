import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { structureCommand } from '../../../src-main/cli/commands/structure';
import type { CliIo } from '../../../src-main/cli/command';
import { ASE_FS, KB, MASS_VELOCITY2 } from '../../../src-shared/sim/units';

const FIXTURES = fileURLToPath(new URL('../../fixtures/structures/', import.meta.url));
const SHARED = fileURLToPath(new URL('../../../../shared/data/', import.meta.url));

function fakeIo() {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t) };
  return { io, out, err };
}

async function run(argv: string[], cwd = FIXTURES) {
  const f = fakeIo();
  const code = await structureCommand.run({ argv, io: f.io, cwd });
  return { code, out: f.out.join('\n'), err: f.err.join('\n') };
}

describe('latticework structure info', () => {
  it('--json: one array, per structure file/block/composition/nSites/lattice/volume/warnings', async () => {
    const r = await run(['info', `${SHARED}cgcnn-sample-regression/1000041.cif`, 'multi_block.cif', 'ase_water.xyz', 'pmg_selective_POSCAR', '--json']);
    expect(r.code).toBe(0);
    const records = JSON.parse(r.out);
    // a multi-frame file (ase_water.xyz: 2 frames) is one entry, its last frame
    expect(records).toHaveLength(1 + 3 + 1 + 1);
    const nacl = records[0];
    expect(Object.keys(nacl).sort()).toEqual(['block', 'cellFormula', 'composition', 'file', 'formula', 'frames', 'lattice', 'nSites', 'spaceGroup', 'volume', 'warnings']);
    expect(nacl.frames).toBe(1);
    expect(nacl.formula).toBe('NaCl');
    expect(nacl.cellFormula).toBe('Na4Cl4');
    expect(nacl.spaceGroup).toEqual({ number: 225, symbol: 'Fm-3m', crystalSystem: 'cubic', symprec: 0.01 });
    expect(nacl.file).toBe(`${SHARED}cgcnn-sample-regression/1000041.cif`);
    expect(nacl.block).toBe('1000041');
    expect(nacl.composition).toEqual({ Cl: 4, Na: 4 });
    expect(nacl.nSites).toBe(8);
    expect(nacl.lattice.a).toBeCloseTo(5.62, 2);
    expect(nacl.lattice.alpha).toBeCloseTo(90, 10);
    expect(nacl.volume).toBeCloseTo(nacl.lattice.a ** 3, 6);
    expect(nacl.warnings).toEqual([]);
    expect(records.slice(1, 4).map((x: { block: string }) => x.block)).toEqual(['rutile_ops', 'NaCl_hall', 'Si_origin2']);
    expect(records[1].file).toBe('multi_block.cif'); // the path as given
    const water = records[4];
    expect(water.block).toBe(1);
    expect(water.frames).toBe(2);
    expect(water.lattice).toBeNull();
    expect(water.volume).toBeNull();
    expect(water.composition).toEqual({ C: 1, H: 4 }); // its second frame is methane
    expect(water.formula).toBe('CH4');
    expect(water.spaceGroup).toBeNull();
    expect(records[5].block).toBeNull();
    expect(records[5].composition).toEqual({ B: 2, N: 2 });
    // a file without movement flags has no `held`; pymatgen's selective dynamics says what relax and md will hold
    expect(records.slice(0, 5).map((x: object) => 'held' in x)).toEqual([false, false, false, false, false]);
    expect(records[5].held).toEqual({
      fixed: [2, 3],
      partial: [
        { atom: 0, held: [false, false, true], frame: 'lattice' },
        { atom: 1, held: [false, false, true], frame: 'lattice' },
      ],
    });
  });

  it('says what a file holds, as relax and md will take it', async () => {
    const r = await run(['info', 'pmg_selective_POSCAR']);
    expect(r.code).toBe(0);
    expect(r.out.split('\n')[1]).toBe('  held: the file holds 2 atoms fixed (2, 3); it holds 2 atoms along some axes only (0 along lattice vector c; 1 along lattice vector c)');
  });

  it('says when a structure carries velocities (ASE\'s momenta) and the temperature they give', async () => {
    // two Cu atoms, one moving at 0.01 Å/fs along x: ½mv² = 3.29e-2 eV over 3 degrees of freedom (6, less the centre of mass)
    const p = (0.01 * 63.546) / ASE_FS;
    const text = `2\nLattice="3.6 0 0 0 3.6 0 0 0 3.6" Properties=species:S:1:pos:R:3:momenta:R:3 pbc="T T T"\nCu 0 0 0 ${p} 0 0\nCu 1.8 1.8 0 0 0 0\n`;
    const dir = mkdtempSync(join(tmpdir(), 'lw-velocities-'));
    writeFileSync(join(dir, 'moving.extxyz'), text);
    const expected = (0.5 * 63.546 * 0.01 ** 2 * MASS_VELOCITY2 * 2) / (3 * KB);
    const [record] = JSON.parse((await run(['info', 'moving.extxyz', '--json'], dir)).out);
    expect(record.velocities.temperature).toBeCloseTo(expected, 9);
    expect((await run(['info', 'moving.extxyz'], dir)).out.split('\n')[1]).toBe(`  velocities: ${Number(expected.toFixed(1))} K (md --velocities file starts from them)`);
    // a CONTCAR's velocity block (Å/fs) gives the same temperature as those velocities as momenta
    writeFileSync(join(dir, 'CONTCAR'), 'Cu2\n1\n3.6 0 0\n0 3.6 0\n0 0 3.6\nCu\n2\nDirect\n0 0 0\n0.5 0.5 0\n\n0.01 0 0\n0 0 0\n');
    const [contcar] = JSON.parse((await run(['info', 'CONTCAR', '--json'], dir)).out);
    expect(contcar.velocities.temperature).toBeCloseTo(expected, 9);
    const [still] = JSON.parse((await run(['info', 'ase_cu3au.vasp5', '--json'])).out);
    expect('velocities' in still).toBe(false);
  });

  it('warns of two atoms at the same position, naming them as a calculator does; a disordered site\'s species share theirs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-info-same-'));
    // fcc Cu and a fifth atom at fractional (1, 0, 0): atom 0's periodic image
    writeFileSync(join(dir, 'POSCAR'), 'Cu\n1.0\n3.6 0 0\n0 3.6 0\n0 0 3.6\nCu\n5\nDirect\n0 0 0\n0.5 0.5 0\n0.5 0 0.5\n0 0.5 0.5\n1.0 0 0\n');
    const r = await run(['info', 'POSCAR', '--json'], dir);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)[0].warnings[0]).toBe('atoms 0 and 4 are at the same position');
    expect((await run(['info', 'POSCAR'], dir)).out).toMatch(/^ {2}warning: atoms 0 and 4 are at the same position$/m);
    const disordered = JSON.parse((await run(['info', 'disorder.cif', '--json'])).out)[0];
    expect(disordered.warnings.join('\n')).not.toMatch(/same position/);
  });

  it('--symprec sets the tolerance of the space-group search, and the text names the group', async () => {
    // BaTiO3 (P4mm): Ti sits 0.07 Å off the centre of its cell and O 0.1 Å off the faces; at 0.2 Å
    // the distortion is within the tolerance and the cell reads as the cubic perovskite Pm-3m.
    const file = `${SHARED}cgcnn-sample-regression/1507756.cif`;
    const tight = JSON.parse((await run(['info', file, '--json'])).out);
    const loose = JSON.parse((await run(['info', file, '--json', '--symprec', '0.2'])).out);
    expect(tight[0].spaceGroup).toMatchObject({ number: 99, symbol: 'P4mm', crystalSystem: 'tetragonal', symprec: 0.01 });
    expect(loose[0].spaceGroup).toMatchObject({ number: 221, symbol: 'Pm-3m', crystalSystem: 'cubic', symprec: 0.2 });
    const text = await run(['info', file, `${SHARED}cgcnn-sample-regression/1000050.cif`]);
    expect(text.out).toMatch(/BaTiO3, P4mm \(99, tetragonal\), 5 sites/);
    expect(text.out).toMatch(/KCl, Pm-3m \(221, cubic\), 2 sites/);
    expect(text.out).toMatch(/^2 structures read; 0 of 2 files failed$/m);
  });

  it('a failed file gives {file, error:{name,message,line}} and exit status 1', async () => {
    const r = await run(['info', 'bad_loop.cif', 'molecule_cartn.cif', 'missing.cif', '--json']);
    expect(r.code).toBe(1);
    const records = JSON.parse(r.out);
    expect(records[0]).toEqual({
      file: 'bad_loop.cif',
      error: { name: 'StructureParseError', message: 'line 17: the _atom_site loop has 7 columns but this row has 6 values', line: 17 },
    });
    expect(records[1].composition).toEqual({ H: 2, O: 1 });
    expect(records[2].file).toBe('missing.cif');
    expect(records[2].error.message).toMatch(/no such file/);
    expect(records[2].error.line).toBeNull();
  });

  it('a CIF data block that cannot be read gives {file, block, error} beside its file\'s other blocks, and exit status 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-blocks-'));
    const cell = '_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n';
    const block = (name: string, group: string) => `data_${name}\n${cell}_symmetry_space_group_name_H-M '${group}'\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 0 0 0\n`;
    writeFileSync(join(dir, 'blocks.cif'), block('good', 'F m -3 m') + block('bad', 'Q 9') + block('also_good', 'P m -3 m'));
    const r = await run(['info', 'blocks.cif', '--json'], dir);
    expect(r.code).toBe(1);
    const records = JSON.parse(r.out);
    expect(records.map((x: { block: string }) => x.block)).toEqual(['good', 'also_good', 'bad']);
    expect(records[0].nSites).toBe(4);
    expect(records[0].warnings).toEqual([]);
    expect(records[2]).toEqual({
      file: 'blocks.cif',
      block: 'bad',
      error: {
        name: 'StructureParseError',
        message: "line 22: data block 'bad': the space group 'Q 9' is not a Hermann–Mauguin symbol we know, and no symmetry operations or space group number are listed",
        line: 22,
      },
    });
    const text = await run(['info', 'blocks.cif'], dir);
    expect(text.code).toBe(1);
    expect(text.out.split('\n').filter((l) => l.startsWith('blocks.cif'))).toHaveLength(2);
    expect(text.err).toBe("blocks.cif: error: line 22: data block 'bad': the space group 'Q 9' is not a Hermann–Mauguin symbol we know, and no symmetry operations or space group number are listed");
  });

  it('human-readable text by default, errors on stderr, warnings listed', async () => {
    const r = await run(['info', 'disorder.cif', 'bad_loop.cif']);
    expect(r.code).toBe(1);
    expect(r.out).toMatch(/^disorder\.cif \[disordered_rocksalt\]: Fe2\.4Ni1\.6O3\.6, Fm-3m \(225, cubic\), 12 sites, a=4\.2 b=4\.2 c=4\.2 Å/m);
    expect(r.out).toMatch(/warning: .*partially occupied/);
    expect(r.err).toMatch(/bad_loop\.cif: error: line 17: /);
  });

  it('options: --disorder, --species, --max-atoms, --max-bytes', async () => {
    const ordered = JSON.parse((await run(['info', 'disorder.cif', '--disorder', 'most-probable', '--json'])).out);
    expect(ordered[0].composition).toEqual({ Fe: 4, O: 4 });
    const dir = mkdtempSync(join(tmpdir(), 'lw-structure-'));
    writeFileSync(join(dir, 'POSCAR'), 'no names\n1\n3 0 0\n0 3 0\n0 0 3\n1 1\nDirect\n0 0 0\n0.5 0.5 0.5\n');
    const vasp4 = JSON.parse((await run(['info', 'POSCAR', '--species', 'Cs,Cl', '--json'], dir)).out);
    expect(vasp4[0].composition).toEqual({ Cl: 1, Cs: 1 });
    const limited = await run(['info', 'multi_block.cif', '--max-atoms', '5', '--json']);
    expect(limited.code).toBe(1);
    expect(JSON.parse(limited.out)[0].error.name).toBe('StructureLimitError');
    // the limits are named by the options that raise them
    expect(JSON.parse(limited.out)[0].error.message).toMatch(/more than 5 sites \(option --max-atoms\)$/);
    const poscar = await run(['info', 'POSCAR', '--species', 'Cs,Cl', '--max-atoms', '1'], dir);
    expect(poscar.err).toMatch(/the structure has 2 atoms, more than the limit of 1 \(option --max-atoms\)$/);
    const small = await run(['info', 'multi_block.cif', '--max-bytes', '10', '--json']);
    expect(JSON.parse(small.out)[0].error.message).toMatch(/more than the limit of 10 \(option --max-bytes\)/);
  });

  it('usage errors exit 2', async () => {
    expect((await run([])).code).toBe(2);
    expect((await run(['info'])).code).toBe(2);
    expect((await run(['frobnicate', 'x.cif'])).code).toBe(2);
    expect((await run(['info', 'x.cif', '--disorder', 'maybe'])).code).toBe(2);
    expect((await run(['info', 'x.cif', '--bogus'])).code).toBe(2);
  });
});
