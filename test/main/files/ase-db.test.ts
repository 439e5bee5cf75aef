/**
 * ASE databases: a database ASE 3.22 wrote reads as ASE reads it (golden numbers from
 * scripts/data/make_ase_db_fixture.py), and a database Latticework writes is listed by `ase db FILE`
 * and read back identically by `ase.db.connect(FILE).get_atoms(id)` (Debian's python3-ase, run here:
 * `.ci/run` installs it).
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readAseDb, writeAseDb } from '../../../src-main/files/ase-db';
import { framesFromBytes, readFramesFile } from '../../../src-main/files/structure-file';
import { fileConstraints } from '../../../src-shared/sim/constraints';
import { ASE_FS, structureVelocities } from '../../../src-shared/sim';
import { shared } from '../../helpers/shared-data';
import { python, runPython } from '../../helpers/python';
import { expectSame, SCRIPT, type AseRow } from './ase-images';

const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));

describe('ASE databases', () => {
  it('reads every row of a database ASE wrote: structure, energy, forces, stress, key-value pairs', async () => {
    const golden = JSON.parse(readFileSync(join(FIXTURES, 'ase-db/golden.json'), 'utf8')) as { rows: AseRow[] };
    const r = await readFramesFile(join(FIXTURES, 'ase-db/ase_written.db'), 'ase_written.db');
    expect(r.format).toBe('ase-db');
    expect(r.frames).toHaveLength(golden.rows.length);
    expect(r.blocks).toEqual(golden.rows.map((x) => x.id));
    r.frames.forEach((f, i) => {
      expectSame(f, golden.rows[i]);
      expect(f.structure.properties).toEqual(golden.rows[i].key_value_pairs);
    });
    // the slab's FixAtoms holds its atoms 0 and 1 (compared in expectSame)
    expect(golden.rows[3].fixed).toEqual([0, 1]);
    // the water molecule has no cell; the slab keeps its initial magnetic moments
    expect(r.frames[2].structure.lattice).toBeNull();
    const mag = r.frames[3].structure.siteProperties.initial_magmoms;
    expect(mag?.kind === 'number' && Array.from(mag.values)).toEqual(new Array(8).fill(0.5));
    // the same from dropped bytes
    const dropped = await framesFromBytes('ase_written.db', new Uint8Array(readFileSync(join(FIXTURES, 'ase-db/ase_written.db'))));
    expect(dropped.frames.map((f) => f.energy)).toEqual(r.frames.map((f) => f.energy));
  });

  it('writes a database that `ase db FILE` lists and get_atoms(id) reads back identically', async () => {
    const vasp = await readFramesFile(join(FIXTURES, 'vasp/materialsproject+custodian/postprocess/vasprun.xml.xz'), 'vasprun.xml.xz');
    const emt = await readFramesFile(shared('emt-dev', 'emt_dataset.extxyz'), 'emt_dataset.extxyz');
    const water = await readFramesFile(join(FIXTURES, 'structures/ase_water.xyz'), 'ase_water.xyz');
    const frames = [...vasp.frames.slice(-3), ...emt.frames.slice(0, 20), water.frames[0]];
    // one frame holds atoms, as a POSCAR's selective dynamics would: atom 0 F F F, atom 1 F T F
    const k = frames.findIndex((f, i) => i >= 3 && f.structure.numbers.length >= 2);
    const held = frames[k].structure;
    const flags = new Float64Array(3 * held.numbers.length).fill(1);
    flags.set([0, 0, 0, 0, 1, 0]);
    frames[k] = { ...frames[k], structure: { ...held, siteProperties: { ...held.siteProperties, selectiveDynamics: { kind: 'vector', width: 3, values: flags } } } };
    const path = join(mkdtempSync(join(tmpdir(), 'lw-asedb-')), 'out.db');
    const { warnings, ids } = await writeAseDb(path, frames);
    expect(ids).toEqual(frames.map((_, i) => i + 1));
    // the EMT frames' array-valued info (strain) cannot be a key-value pair: said, not silently dropped
    expect(warnings.join('\n')).toMatch(/left out: .*strain/);

    const listed = runPython(['-m', 'ase', 'db', path]);
    expect(listed.status, listed.stderr).toBe(0);
    expect(listed.stdout).toMatch(new RegExp(`Rows: ${frames.length}`));
    expect(listed.stdout).toMatch(/Cu|Ag|Au|Ni|Pd|Pt|Al/);

    const read = runPython([SCRIPT, path]);
    expect(read.status, read.stderr).toBe(0);
    const rows = JSON.parse(read.stdout) as AseRow[];
    expect(rows).toHaveLength(frames.length);
    rows.forEach((row, i) => {
      expectSame(frames[i], row);
      // scalar info survives as key-value pairs (EMT frames: id, prototype, energy_per_atom, ...)
      for (const [k, v] of Object.entries(row.key_value_pairs)) expect(frames[i].structure.properties[k]).toEqual(v);
    });
    expect(Object.keys(rows[3].key_value_pairs)).toContain('prototype');
    expect([rows[k].fixed, rows[k].fixedScaled]).toEqual([[0], [[1, [true, false, true]]]]);
    // an extended XYZ's move_mask is written the same way
    const xyzHeld = { ...frames[k], structure: { ...held, siteProperties: { move_mask: { kind: 'number' as const, values: Float64Array.from(held.numbers, (_, i) => (i === 1 ? 0 : 1)) } } } };
    const path2 = join(mkdtempSync(join(tmpdir(), 'lw-asedb-')), 'move-mask.db');
    await writeAseDb(path2, [xyzHeld]);
    const fromMask = JSON.parse(python([SCRIPT, path2])) as AseRow[];
    expect([fromMask[0].fixed, fromMask[0].fixedScaled]).toEqual([[1], []]);
    // and a three-column move_mask (x, y, z) as FixCartesian, which ASE reads and we read back
    const xyz3 = Float64Array.from({ length: 3 * held.numbers.length }, (_, i) => (i === 3 || i === 4 ? 0 : 1));
    const cartesianHeld = { ...frames[k], structure: { ...held, siteProperties: { move_mask: { kind: 'vector' as const, width: 3, values: xyz3 } } } };
    const path3 = join(mkdtempSync(join(tmpdir(), 'lw-asedb-')), 'move-mask-3.db');
    await writeAseDb(path3, [cartesianHeld]);
    const fromMask3 = JSON.parse(python([SCRIPT, path3])) as AseRow[];
    expect([fromMask3[0].fixed, fromMask3[0].fixedScaled, fromMask3[0].fixedCartesian]).toEqual([[], [], [[1, [true, true, false]]]]);
    expectSame((await readAseDb(path3)).frames[0], fromMask3[0]);

    // and we read our own file back the same way
    const back = await readAseDb(path);
    back.frames.forEach((f, i) => expectSame(f, rows[i]));
  });

  it("reads FixAtoms (by mask too) and FixScaled as the atoms a row holds, and names a constraint it does not read", async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lw-asedb-')), 'held.db');
    const made = runPython([
      '-c',
      [
        'from ase.build import fcc111',
        'from ase.constraints import FixAtoms, FixScaled, FixBondLength',
        'from ase.db import connect',
        `db = connect('${path}')`,
        "a = fcc111('Cu', (2, 2, 2), vacuum=5)",
        'a.set_constraint([FixAtoms(mask=[True, False] * 4), FixScaled(a.cell, 3, [True, True, False])])',
        'db.write(a)',
        "b = fcc111('Cu', (1, 1, 2), vacuum=5)",
        'b.set_constraint(FixBondLength(0, 1))',
        'db.write(b)',
      ].join('\n'),
    ]);
    expect(made.status, made.stderr).toBe(0);
    const r = await readAseDb(path);
    expect(fileConstraints(r.frames[0].structure)).toEqual({ fixed: [0, 2, 4, 6], partial: [{ atom: 3, held: [true, true, false], frame: 'lattice' }] });
    expect(Array.from(r.frames[0].structure.siteProperties.selectiveDynamics!.values as Float64Array).slice(9, 12)).toEqual([0, 0, 1]);
    expect(fileConstraints(r.frames[1].structure)).toBeNull();
    expect(r.warnings).toContain('row 2: its constraint FixBondLengths is not read: Latticework reads FixAtoms, FixScaled and FixCartesian');
  });

  it("reads and writes an MD snapshot's momenta, a row's own masses and its tags, as ASE does: velocities go on with the run", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-asedb-'));
    const made = runPython([
      '-c',
      [
        'import numpy as np',
        'from ase.build import bulk',
        'from ase.db import connect',
        'from ase.md.velocitydistribution import MaxwellBoltzmannDistribution',
        `db = connect('${join(dir, 'md.db')}')`,
        "a = bulk('Cu', 'fcc', a=3.6, cubic=True).repeat((2, 2, 1))",
        'a.set_tags([1] * 8 + [2] * 8)',
        'MaxwellBoltzmannDistribution(a, temperature_K=400, rng=np.random.default_rng(2))',
        'db.write(a)',
        'b = a.copy()',
        'b.set_masses([70.0] * len(b))',
        'db.write(b)',
      ].join('\n'),
    ]);
    expect(made.status, made.stderr).toBe(0);
    const rows = JSON.parse(python([SCRIPT, join(dir, 'md.db')])) as AseRow[];
    expect(rows[0].momenta).toHaveLength(16);
    expect([rows[0].masses, rows[1].masses]).toEqual([null, new Array(16).fill(70)]);
    expect(rows[0].tags).toEqual([...new Array(8).fill(1), ...new Array(8).fill(2)]);
    const r = await readAseDb(join(dir, 'md.db'));
    r.frames.forEach((f, i) => expectSame(f, rows[i]));
    // the snapshot's velocities are ASE's get_velocities(); the row with masses of its own is refused as a start
    const v = structureVelocities(r.frames[0].structure)!;
    const p = rows[0].momenta!.flat();
    v.forEach((x, k) => expect(Math.abs(x - (p[k] / 63.546) * ASE_FS)).toBeLessThan(1e-15));
    expect(() => structureVelocities(r.frames[1].structure)).toThrow(/has a mass of its own \(70 u/);
    // written back, ASE reads the same momenta and masses, and the row's total mass from its own masses
    await writeAseDb(join(dir, 'back.db'), r.frames);
    const back = JSON.parse(python([SCRIPT, join(dir, 'back.db')])) as AseRow[];
    back.forEach((row, i) => expectSame(r.frames[i], row));
    const mass = python(['-c', `from ase.db import connect; print([row.mass for row in connect('${join(dir, 'back.db')}').select()])`]);
    expect(JSON.parse(mass)).toEqual([16 * 63.546, 16 * 70]);
  });

  it('refuses a SQLite file that is not an ASE database, and will not overwrite one', async () => {
    const path = join(mkdtempSync(join(tmpdir(), 'lw-asedb-')), 'x.db');
    await writeAseDb(path, []);
    await expect(writeAseDb(path, [])).rejects.toThrow(/already holds an ASE database/);
    const other = join(FIXTURES, 'ase-db/ase_written.db');
    expect((await readAseDb(other)).frames.length).toBe(4);
    const notAse = join(mkdtempSync(join(tmpdir(), 'lw-asedb-')), 'not-ase.db');
    python(['-c', `import sqlite3; c = sqlite3.connect('${notAse}'); c.execute('create table t (x)'); c.commit()`]);
    await expect(readFramesFile(notAse, 'not-ase.db')).rejects.toThrow(/no systems table: it is not an ASE database/);
  });
});
