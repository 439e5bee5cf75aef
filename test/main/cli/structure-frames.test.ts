import { copyFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { bzip2Sync, gzipSync, xzSync } from '../../helpers/compress';
import { describe, expect, it } from 'vitest';
import { structureCommand } from '../../../src-main/cli/commands/structure';
import { readAseDb } from '../../../src-main/files/ase-db';
import { framesFromBytes, readFramesFile } from '../../../src-main/files/structure-file';
import { readDatasetAt } from '../../../src-main/datasets/in-process';
import type { CliIo } from '../../../src-main/cli/command';
import { python } from '../../helpers/python';

const VASP = fileURLToPath(new URL('../../fixtures/vasp/', import.meta.url));
const STRUCTURES = fileURLToPath(new URL('../../fixtures/structures/', import.meta.url));
const ASE_DB = fileURLToPath(new URL('../../fixtures/ase-db/', import.meta.url));
const golden = JSON.parse(readFileSync(join(VASP, 'golden.json'), 'utf8')) as {
  files: { file: string; frames: number; energy: number[]; freeEnergy: number[]; species: string[]; forces: number[][] | null; stress: number[] | null }[];
};

async function run(argv: string[], cwd = VASP) {
  const out: string[] = [];
  const err: string[] = [];
  const io: CliIo = { out: (t) => out.push(t), err: (t) => err.push(t) };
  const code = await structureCommand.run({ argv, io, cwd });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const REF_XYZ = `2
Lattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3:REF_forces:R:3:forces:R:3 REF_energy=-7.25 energy=-7.0 REF_virial="0.27 0 0 0 0.27 0 0 0 0.27" pbc="T T T"
Cu 0 0 0 0.5 0 0 0.1 0 0
Cu 1.5 1.5 1.5 -0.5 0 0 -0.1 0 0
2
Lattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3:REF_forces:R:3 REF_energy=-7.5 pbc="T T T"
Cu 0.1 0 0 0.25 0 0
Cu 1.5 1.5 1.5 -0.25 0 0
`;

describe('latticework structure frames', () => {
  it('--json: one entry per file with every frame {species, energy, freeEnergy, forces, stress}', async () => {
    const files = ['materialsproject+custodian/io/vasprun.xml.gz', 'phonopy+phonopy/spectrum/XDATCAR', 'no-such-file'];
    const r = await run(['frames', ...files, '--json']);
    expect(r.code).toBe(1);
    const records = JSON.parse(r.out);
    expect(records).toHaveLength(3);
    const [xml, xdat, missing] = records;
    expect(Object.keys(xml).sort()).toEqual(['file', 'format', 'frames']);
    expect(xml.file).toBe(files[0]);
    expect(xml.format).toBe('vasprun');
    const g = golden.files.find((x) => x.file === files[0])!;
    expect(xml.frames).toHaveLength(g.frames);
    expect(Object.keys(xml.frames[0]).sort()).toEqual(['energy', 'forces', 'freeEnergy', 'species', 'stress']);
    xml.frames.forEach((f: { energy: number; freeEnergy: number }, i: number) => {
      expect(Math.abs(f.energy - g.energy[i])).toBeLessThan(1e-6);
      expect(Math.abs(f.freeEnergy - g.freeEnergy[i])).toBeLessThan(1e-6);
    });
    const last = xml.frames[xml.frames.length - 1];
    expect(last.species).toEqual(g.species);
    expect(last.forces).toHaveLength(g.species.length);
    expect(last.forces[0]).toHaveLength(3);
    expect(last.stress).toHaveLength(6);
    last.stress.forEach((s: number, k: number) => expect(Math.abs(s - g.stress![k])).toBeLessThan(1e-7));
    expect(xdat.format).toBe('xdatcar');
    expect(xdat.frames).toHaveLength(11);
    expect(xdat.frames[0]).toEqual({ species: expect.any(Array), energy: null, freeEnergy: null, forces: null, stress: null });
    expect(missing).toEqual({ file: 'no-such-file', error: { name: 'FileNotFound', message: 'no such file: no-such-file', line: null } });
  });

  it('maps extended-XYZ label keys by the documented order, or as told with --energy-key/--forces-key/--stress-key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-frames-'));
    writeFileSync(join(dir, 'ref.extxyz'), REF_XYZ);
    const byDefault = await run(['frames', 'ref.extxyz', '--json'], dir);
    expect(byDefault.code).toBe(0);
    const d = JSON.parse(byDefault.out)[0];
    // `energy` and `forces` come first in the candidate lists; frame 2 has only REF_ keys
    expect(d.frames.map((f: { energy: number }) => f.energy)).toEqual([-7.0, -7.5]);
    expect(d.frames[0].forces[0]).toEqual([0.1, 0, 0]);
    expect(d.frames[1].forces[0]).toEqual([0.25, 0, 0]);
    // the virial W gives σ = −W/V (V = 27 Å³)
    expect(d.frames[0].stress.map((x: number) => Number(x.toFixed(12)))).toEqual([-0.01, -0.01, -0.01, 0, 0, 0]);
    expect(byDefault.err).toMatch(/energy from 'energy' \(1 frames\), 'REF_energy' \(1 frames\); also present: 'REF_energy' \(choose with --energy-key\)/);
    const told = await run(['frames', 'ref.extxyz', '--json', '--energy-key', 'REF_energy', '--forces-key', 'REF_forces'], dir);
    const t = JSON.parse(told.out)[0];
    expect(t.frames.map((f: { energy: number }) => f.energy)).toEqual([-7.25, -7.5]);
    expect(t.frames[0].forces[0]).toEqual([0.5, 0, 0]);
    const wrong = await run(['frames', 'ref.extxyz', '--json', '--energy-key', 'dft_energy'], dir);
    expect(wrong.code).toBe(1);
    expect(JSON.parse(wrong.out)[0].error.message).toMatch(/line 2: frame 0: no key 'dft_energy' for the energy; the frame has: .*REF_energy/);
  });

  it('text mode lists frames with energies, the largest force and the pressure', async () => {
    const r = await run(['frames', 'materialsproject+custodian/postprocess/vasprun.xml.xz']);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/vasprun, 28 frames; energy 28, forces 28, stress 28/);
    // each frame by its index in the file (0-based), as --frames and the JSON's first and last
    expect(r.out).toMatch(/^ {2}27: 4 atoms, E = -?\d+\.\d{6} eV, F = .* max \|f\| = .* p = .* GPa$/m);
    expect(r.out).toMatch(/^ {3}0: 4 atoms/m);
    const picked = await run(['frames', 'materialsproject+custodian/postprocess/vasprun.xml.xz', '--frames=-2:']);
    expect(picked.out.split('\n').slice(1).map((l) => l.split(':')[0])).toEqual(['  26', '  27']);
    expect((await run(['frames', 'materialsproject+custodian/postprocess/vasprun.xml.xz', '--frames', '2'])).out).toMatch(/^ {2}2: 4 atoms/m);
  });
});

describe('latticework structure frames --out', () => {
  it('writes every frame read to a new extended XYZ or ASE database that reads back exactly, and overwrites nothing', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-frames-out-'));
    const files = ['materialsproject+custodian/io/vasprun.xml.gz', 'phonopy+phonopy/spectrum/XDATCAR'];
    const direct = [...(await readFramesFile(join(VASP, files[0]), files[0])).frames, ...(await readFramesFile(join(VASP, files[1]), files[1])).frames];
    for (const name of ['all.extxyz', 'all.db']) {
      const out = join(dir, name);
      const r = await run(['frames', ...files, '--out', out]);
      expect(r.code, r.err).toBe(0);
      expect(r.err).toContain(`${direct.length} frames written to ${out}`);
      const back = name.endsWith('.db') ? (await readAseDb(out, name)).frames : (await readFramesFile(out, name)).frames;
      expect(back).toHaveLength(direct.length);
      back.forEach((f, i) => {
        const d = direct[i];
        expect(f.energy).toBe(d.energy);
        expect(f.freeEnergy).toBe(d.freeEnergy);
        expect(f.forces ? Array.from(f.forces) : null).toEqual(d.forces ? Array.from(d.forces) : null);
        expect(f.stress ? [...f.stress] : null).toEqual(d.stress ? [...d.stress] : null);
        expect(Array.from(f.structure.cart)).toEqual(Array.from(d.structure.cart));
        expect(f.structure.species).toEqual(d.structure.species);
      });
    }
    // an existing file is never overwritten; an unknown extension is refused
    const before = readFileSync(join(dir, 'all.extxyz'));
    const again = await run(['frames', files[1], '--out', join(dir, 'all.extxyz')]);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/exists: give a new file \(nothing is overwritten\)/);
    expect(readFileSync(join(dir, 'all.extxyz'))).toEqual(before);
    expect((await run(['frames', files[1], '--out', join(dir, 'x.json')])).err).toMatch(/--out must name an extended XYZ \(.extxyz, .xyz\), an ASE database \(.db\) or trajectory \(.traj\), an XDATCAR, a POSCAR \(.vasp, POSCAR, CONTCAR\) or a CIF \(.cif\), not/);
  });

  it("reads libAtoms brace arrays ({0.1 0.2 0.3}, {2,2,2}, Lattice={…}) as ASE 3.22 does, and writes a file ASE reads to the same values", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-frames-brace-'));
    // QUIP/GAP-era files: brace arrays space- or comma-separated, the cell in braces too
    writeFileSync(
      join(dir, 'gap.extxyz'),
      `2
Lattice={3.6 0 0 0 3.6 0 0 0 3.6} Properties=species:S:1:pos:R:3 energy=-1.5 dipole={0.1 0.2 0.3} kpts={2,2,2} flags={T F T} weights=[0.5, 1.5] config_type=bulk
Cu 0 0 0
Au 1.8 1.8 0
`,
    );
    const r = await run(['frames', 'gap.extxyz', '--out', 'back.extxyz'], dir);
    expect(r.code, r.err).toBe(0);
    const [frame] = (await readFramesFile(join(dir, 'gap.extxyz'), 'gap.extxyz')).frames;
    expect(frame.structure.lattice).toEqual([
      [3.6, 0, 0],
      [0, 3.6, 0],
      [0, 0, 3.6],
    ]);
    expect(frame.structure.properties).toMatchObject({ dipole: [0.1, 0.2, 0.3], kpts: [2, 2, 2], flags: [true, false, true], weights: [0.5, 1.5], config_type: 'bulk' });
    // what ASE 3.22 reads from the file and from ours: cell, pbc, info (arrays as lists)
    const ase = (name: string) =>
      JSON.parse(
        python(['-c', `import json, numpy as np, ase.io\na = ase.io.read('${name}')\nj = lambda v: v.tolist() if isinstance(v, np.ndarray) else v\nprint(json.dumps({'cell': a.cell.tolist(), 'pbc': a.pbc.tolist(), 'info': {k: j(v) for k, v in a.info.items()}, 'energy': a.get_potential_energy(), 'dipole': j(a.calc.results.get('dipole'))}))`], dir),
      ) as { cell: number[][]; pbc: boolean[]; info: Record<string, unknown>; energy: number; dipole: number[] };
    const theirs = ase('gap.extxyz');
    expect(theirs.dipole).toEqual([0.1, 0.2, 0.3]);
    expect(theirs.info).toMatchObject({ kpts: [2, 2, 2], flags: [true, false, true], config_type: 'bulk' });
    expect(ase('back.extxyz')).toEqual(theirs);
  });

  it('--frames picks frames of each file; one frame goes to a POSCAR (an MD frame with its velocities, as a CONTCAR), frames to an XDATCAR or a CIF', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-frames-pick-'));
    const file = 'materialsproject+custodian/io/vasprun.xml.gz';
    const all = (await readFramesFile(join(VASP, file), file)).frames;
    const n = all.length;
    // the last three, as JSON with where they are in the file
    const picked = await run(['frames', file, '--frames=-3:', '--json']);
    expect(picked.code, picked.err).toBe(0);
    const [record] = JSON.parse(picked.out);
    expect([record.first, record.last, record.frames.length]).toEqual([n - 3, n - 1, 3]);
    expect(record.frames.map((f: { energy: number }) => f.energy)).toEqual(all.slice(-3).map((f) => f.energy));
    const [whole] = JSON.parse((await run(['frames', file, '--json'])).out);
    expect('first' in whole).toBe(false);
    // the last frame as a CONTCAR: the structure itself, and a note that a POSCAR keeps no labels
    const contcar = await run(['frames', file, '--frames=-1', '--out', join(dir, 'CONTCAR')]);
    expect(contcar.code, contcar.err).toBe(0);
    expect(contcar.err).toMatch(/warning: .*CONTCAR: a POSCAR holds no energies, forces or stresses: the frames' labels are not written/);
    const last = (await readFramesFile(join(dir, 'CONTCAR'), 'CONTCAR')).frames[0].structure;
    last.cart.forEach((x, k) => expect(Math.abs(x - all[n - 1].structure.cart[k])).toBeLessThan(1e-12));
    // several frames cannot be one POSCAR: said, nothing written
    const many = await run(['frames', file, '--out', join(dir, 'POSCAR')]);
    expect(many.code).toBe(1);
    expect(many.err).toMatch(new RegExp(`a POSCAR holds one structure, and ${n} frames were read: pick one with --frames`));
    expect(() => readFileSync(join(dir, 'POSCAR'))).toThrow();
    // every frame as an XDATCAR and as a CIF of data blocks: the same positions back (in the cell: an XDATCAR wraps them)
    const wrapped = (x: number) => x - Math.floor(x);
    for (const name of ['XDATCAR', 'steps.cif']) {
      const r = await run(['frames', file, '--out', join(dir, name)]);
      expect(r.code, r.err).toBe(0);
      const back = (await readFramesFile(join(dir, name), name)).frames;
      expect(back).toHaveLength(n);
      back.forEach((f, i) =>
        f.structure.frac!.forEach((x, k) => {
          const d = Math.abs(wrapped(x) - wrapped(all[i].structure.frac![k]));
          expect(Math.min(d, 1 - d)).toBeLessThan(1e-9);
        }),
      );
    }
    // an MD frame's velocities go into the POSCAR, as VASP writes a CONTCAR
    const moving = `2\nLattice="3.6 0 0 0 3.6 0 0 0 3.6" Properties=species:S:1:pos:R:3:momenta:R:3 pbc="T T T"\nCu 0 0 0 0.5 0 0\nCu 1.8 1.8 0 -0.5 0 0\n`;
    writeFileSync(join(dir, 'md.extxyz'), moving);
    expect((await run(['frames', 'md.extxyz', '--out', 'md-CONTCAR'], dir)).code).toBe(0);
    const text = readFileSync(join(dir, 'md-CONTCAR'), 'utf8').trimEnd().split('\n');
    expect(text.slice(-3)).toEqual(['', expect.stringMatching(/^ {2}0\.000772\d+ 0 0$/), expect.stringMatching(/^ {2}-0\.000772\d+ 0 0$/)]);
    expect((await run(['frames', file, '--frames=x'])).err).toMatch(/--frames x: expected N, A:B, A: or :B/);
    const none = await run(['frames', file, '--frames=500:', '--json']);
    expect(none.code).toBe(1);
    expect(JSON.parse(none.out)[0].error.message).toBe(`--frames picks no frame of the ${n} in the file`);
  });

  it('a molecule goes into a CIF (Cartesian sites, no cell); into a POSCAR or an XDATCAR it is refused before writing, as relax refuses it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-frames-molecule-'));
    writeFileSync(join(dir, 'water.xyz'), '3\nwater\nO 0 0 0\nH 0.76 0.59 0\nH -0.76 0.59 0\n');
    expect((await run(['frames', 'water.xyz', '--out', 'water.cif'], dir)).code).toBe(0);
    expect(readFileSync(join(dir, 'water.cif'), 'utf8')).toMatch(/_atom_site_Cartn_x/);
    for (const [name, format] of [['water.vasp', 'a POSCAR'], ['XDATCAR', 'an XDATCAR']]) {
      const r = await run(['frames', 'water.xyz', '--out', name], dir);
      expect([r.code, r.out, r.err]).toEqual([2, '', `latticework structure frames: --out ${name}: ${format} needs a cell, and the structure has none: write an extended XYZ (.extxyz) instead`]);
      expect(existsSync(join(dir, name))).toBe(false);
    }
  });
});

describe('latticework structure info on compressed and multi-frame files', () => {
  it('reads gzip, bzip2 and xz files exactly as their originals, by magic bytes and by inner name', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-gz-'));
    const text = readFileSync(join(STRUCTURES, 'ase_cu3au.vasp5'));
    writeFileSync(join(dir, 'POSCAR.mp-241.gz'), gzipSync(text));
    writeFileSync(join(dir, 'CONTCAR.relax1.bz2'), bzip2Sync(text));
    writeFileSync(join(dir, 'POSCAR.xz'), xzSync(text));
    writeFileSync(join(dir, 'POSCAR_no_suffix'), gzipSync(text)); // gzip data without the suffix
    copyFileSync(join(STRUCTURES, 'ase_cu3au.vasp5'), join(dir, 'POSCAR'));
    const r = await run(['info', 'POSCAR', 'POSCAR.mp-241.gz', 'CONTCAR.relax1.bz2', 'POSCAR.xz', 'POSCAR_no_suffix', '--json'], dir);
    expect(r.code).toBe(0);
    const [plain, ...others] = JSON.parse(r.out);
    for (const o of others) expect({ ...o, file: 'POSCAR' }).toEqual(plain);
  });

  it('reads a compressed ASE database (.db.gz, .db.bz2, .db.xz) as the database itself, on disk, dropped and in a dataset', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-dbgz-'));
    const db = readFileSync(join(ASE_DB, 'ase_written.db'));
    copyFileSync(join(ASE_DB, 'ase_written.db'), join(dir, 'ef.db'));
    writeFileSync(join(dir, 'ef.db.gz'), gzipSync(db));
    writeFileSync(join(dir, 'ef.db.bz2'), bzip2Sync(db));
    writeFileSync(join(dir, 'ef.db.xz'), xzSync(db));
    const r = await run(['frames', 'ef.db', 'ef.db.gz', 'ef.db.bz2', 'ef.db.xz', '--json'], dir);
    expect(r.code, r.out).toBe(0);
    const [plain, ...others] = JSON.parse(r.out);
    expect(plain.frames.length).toBeGreaterThan(1);
    for (const o of others) expect({ ...o, file: 'ef.db' }).toEqual(plain);
    const info = await run(['info', 'ef.db.gz', '--json'], dir);
    expect(info.code, info.out).toBe(0);
    // dropped (bytes) and in a dataset of labelled frames: the same frames
    const dropped = await framesFromBytes('ef.db.xz', new Uint8Array(xzSync(db)));
    expect(dropped.format).toBe('ase-db');
    expect(dropped.compression).toBe('xz');
    expect(dropped.frames.map((f) => f.energy)).toEqual(plain.frames.map((f: { energy: number | null }) => f.energy));
    const dataset = await readDatasetAt(join(dir, 'ef.db.gz'), { kind: 'frames' });
    expect(dataset.failed).toEqual([]);
    expect(dataset.items.length).toBe(plain.frames.filter((f: { energy: number | null }) => f.energy !== null).length);
  });

  it('a file named .db that is no SQLite file says so, not to give its path', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-dbgz-'));
    writeFileSync(join(dir, 'notes.db.gz'), gzipSync(Buffer.from('not a database\n')));
    const r = await run(['info', 'notes.db.gz', '--json'], dir);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)[0].error.message).toBe('this is not an ASE database (an SQLite file): the file may be damaged or renamed');
    // a plain .db on disk (opened by SQLite, which finds it is no database) says the same, not SQLITE_NOTADB
    writeFileSync(join(dir, 'fake.db'), 'data_x\n_cell_length_a 3\n'.repeat(100));
    for (const command of [['info', 'fake.db', '--json'], ['frames', 'fake.db', '--json']]) {
      const plain = await run(command, dir);
      expect(plain.code).toBe(1);
      expect(JSON.parse(plain.out)[0].error).toMatchObject({ name: 'StructureParseError', message: 'this is not an ASE database (an SQLite file): the file may be damaged or renamed' });
    }
  });

  it("an ASE database in ASE's JSON format, named .db or .json, is said to be one, with the conversion ASE makes", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-dbjson-'));
    // the rows of ase_written.db as ASE's JSON backend writes them (scripts/data/make_ase_db_fixture.py)
    copyFileSync(join(ASE_DB, 'ase_written.json'), join(dir, 'rows.json'));
    copyFileSync(join(ASE_DB, 'ase_written.json'), join(dir, 'rows_json.db'));
    const said = "this is an ASE database in ASE's JSON format, which is not read here: ASE's SQLite databases are. Convert it with ASE (rows, key-value pairs and constraints kept): ";
    for (const command of ['info', 'frames']) {
      const r = await run([command, 'rows_json.db', 'rows.json', '--json'], dir);
      expect(r.code).toBe(1);
      const [db, json] = JSON.parse(r.out) as { error: { message: string } }[];
      expect(db.error.message).toBe(`${said}ASE tells the format by the name, so rename it first: mv rows_json.db rows_json.json; ase db rows_json.json --insert-into rows_json.db`);
      expect(json.error.message).toBe(`${said}ase db rows.json --insert-into rows.db`);
    }
  });

  it('a file that claims a compression and is not gets a clear error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-gz-'));
    copyFileSync(join(STRUCTURES, 'ase_cu3au.vasp5'), join(dir, 'POSCAR.gz'));
    const damaged = gzipSync(readFileSync(join(STRUCTURES, 'ase_cu3au.vasp5')));
    writeFileSync(join(dir, 'CONTCAR.gz'), damaged.subarray(0, damaged.length - 20));
    const r = await run(['info', 'POSCAR.gz', 'CONTCAR.gz', '--json'], dir);
    expect(r.code).toBe(1);
    const [notGz, cut] = JSON.parse(r.out);
    expect(notGz.error.message).toBe('the name says gzip (.gz) but the file is not compressed');
    expect(cut.error.message).toMatch(/^cannot decompress this gzip file: it is damaged or truncated/);
  });

  it('describes a trajectory by its last frame with "frames": N, and says when the run is incomplete', async () => {
    const r = await run(['info', 'materialsproject+custodian/postprocess/OUTCAR.xz', 'derived/vasprun_truncated.xml.gz', '--json']);
    expect(r.code).toBe(0);
    const [outcar, cut] = JSON.parse(r.out);
    expect(outcar.frames).toBe(28);
    // the last frame as `--frames` counts them (27), not its ionic step (28, its name)
    expect(outcar.block).toBe(27);
    expect(cut.frames).toBe(11);
    expect(cut.warnings[0]).toMatch(/^incomplete file/);
  });
});
