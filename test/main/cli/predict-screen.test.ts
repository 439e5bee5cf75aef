/**
 * Screening with `latticework predict`: a folder (subfolders too, other files skipped) predicted by
 * compute workers, rows in file order as CSV with failures in place, the same numbers as the
 * engine's one prediction path in this thread, progress on stderr, cancellation that stops the
 * workers, and the worker's job without tensor leaks.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStructures } from '../../../src-shared/chem/index';
import { main } from '../../../src-main/cli/index';
import { screen, screeningFiles } from '../../../src-main/cli/screen';
import { listUserFolder } from '../../../src-main/files/path-guard';
import { importCgcnnCheckpoint } from '../../../src-main/engine/import/cgcnn';
import { decodeModelFile, encodeModelFile } from '../../../src-main/engine/models/format';
import { instantiateModel } from '../../../src-main/engine/models/runtime';
import { initBackend } from '../../../src-main/engine/tf/backend';
import { predictRows } from '../../../src-main/models/service';
import type { TaskContext } from '../../../src-main/workers/protocol';
import { screenTask } from '../../../src-main/workers/screen';
import { potentialEntry } from '../../../src-main/engine/potential/entry';
import { potentialWarnings } from '../../../src-shared/model/potential-domain';
import { LoadedPotential, potentialModelFile } from '../../../src-main/engine/potential/file';
import { seededWeights, tinyConfig } from '../engine/potential/helpers';
import { emtFramesText, shared } from '../../helpers/shared-data';
import { cliIn, emtFrames, io } from './commands/helpers';

const EMT = shared('emt-dev', 'cgcnn');
let dir: string;
let folder: string;
let modelFile: string;
let bytes: Uint8Array;
/** The structure files in the order the command gives them. */
let order: string[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'latticework-screen-'));
  folder = join(dir, 'screen');
  mkdirSync(join(folder, 'more'), { recursive: true });
  const cifs = readdirSync(EMT).filter((f) => f.endsWith('.cif')).sort().slice(0, 70);
  cifs.slice(0, 60).forEach((f) => copyFileSync(join(EMT, f), join(folder, f)));
  cifs.slice(60).forEach((f) => copyFileSync(join(EMT, f), join(folder, 'more', f)));
  copyFileSync(join(EMT, 'id_prop.csv'), join(folder, 'id_prop.csv'));
  writeFileSync(join(folder, 'emt-00005b.cif'), 'not a CIF\n');
  bytes = encodeModelFile(importCgcnnCheckpoint(new Uint8Array(readFileSync(shared('cgcnn-pretrained', 'formation-energy-per-atom.pth.tar'))), { fileName: 'formation-energy-per-atom.pth.tar' }));
  modelFile = join(dir, 'formation.lwm');
  writeFileSync(modelFile, bytes);
  order = [...cifs.slice(0, 6), 'emt-00005b.cif', ...cifs.slice(6, 60)].map((f) => join('screen', f)).concat(cifs.slice(60).map((f) => join('screen', 'more', f)));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ctx: TaskContext = { signal: new AbortController().signal, progress: () => undefined, emit: () => undefined };

describe('the screening job of a compute worker', () => {
  it('keeps the files in order with a failure in its place, and leaks no tensors once the model is loaded', async () => {
    const files = ['emt-00000.cif', 'emt-00005b.cif', 'emt-00001.cif'].map((f) => ({ path: join(folder, f), shown: f }));
    const input = { key: 'formation', model: bytes, backend: 'cpu', kernelThreads: 1, files, contributions: true };
    const first = await screenTask(input, ctx);
    const before = tf.memory().numTensors;
    const again = await screenTask(input, ctx);
    expect(tf.memory().numTensors).toBe(before);
    expect(again).toEqual(first);
    expect(first.entries.map((e) => ('row' in e ? e.row.file : 'failed' in e ? `failed ${e.failed.file}` : 'potential'))).toEqual(['emt-00000.cif', 'failed emt-00005b.cif', 'emt-00001.cif']);
    const failed = first.entries[1];
    expect('failed' in failed && failed.failed.error.line).toBe(1);
    const row = first.entries[0];
    if (!('row' in row)) throw new Error('expected a row');
    // the contributions add up to the prediction, one per site with its species
    const contributions = row.row.contributions as number[];
    expect(row.row.species).toHaveLength(contributions.length);
    expect(contributions.reduce((a, b) => a + b, 0)).toBeCloseTo(row.row.prediction as number, 5);
  });
});

describe('latticework predict over a folder', () => {
  it('lists the structure files under a folder in natural order and names a folder without any', async () => {
    mkdirSync(join(dir, 'empty'));
    const files = await screeningFiles(['empty', 'screen'], dir);
    expect(files.map((f) => f.shown)).toEqual(['empty', ...order]);
    // the folder without any fails in its place, as a file that cannot be read does
    expect(files[0].problem).toEqual(expect.objectContaining({ name: 'NoStructureFiles', message: expect.stringContaining('empty: no structure files') }));
    expect(files.slice(1).every((f) => f.problem === undefined)).toBe(true);
  });

  it('lists a folder in the order train and export read it (listUserFolder: by code point), so that a run\'s split maps onto its rows; it listed NaCl after fermi and emt-2 before emt-10', async () => {
    const mixed = join(dir, 'mixed');
    mkdirSync(join(mixed, 'Sub'), { recursive: true });
    for (const n of ['fermi.cif', 'NaCl.cif', 'emt-2.cif', 'emt-10.cif', 'Cr.cif', 'Sub/a.cif']) writeFileSync(join(mixed, n), '');
    const shown = (await screeningFiles(['mixed'], dir)).map((f) => f.shown);
    expect(shown).toEqual(['Cr.cif', 'NaCl.cif', 'Sub/a.cif', 'emt-10.cif', 'emt-2.cif', 'fermi.cif'].map((n) => join('mixed', n)));
    // the files of the folder itself in a dataset's order
    const { names } = await listUserFolder(mixed);
    expect(shown.filter((n) => !n.includes('Sub')).map((n) => basename(n))).toEqual(names);
  });

  it('streams CSV rows in file order with the engine’s numbers, the failure in its place, progress on stderr', async () => {
    const o = io();
    const code = await main(['predict', '--model', modelFile, 'screen', '--csv', '--workers', '2', '--backend', 'cpu', '--db', join(dir, 'db.sqlite')], o.io, dir);
    expect(code).toBe(1);
    const lines = o.out.join('\n').trim().split('\n');
    expect(lines[0]).toBe('file,name,model,formation_energy_per_atom (eV/atom),error,warnings');
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows.map((r) => r[0])).toEqual(order);
    // every CIF ASE writes is data_image0: the name column gives the file's stem (the failed file: none)
    expect(rows.map((r) => r[1])).toEqual(order.map((f) => (f.endsWith('5b.cif') ? '' : basename(f, '.cif'))));
    const bad = rows[order.indexOf(join('screen', 'emt-00005b.cif'))];
    expect(bad[3]).toBe('');
    expect(bad.slice(4).join(',')).toMatch(/line 1/);
    // the same numbers as predicting in this thread
    await initBackend({ force: 'cpu' });
    const model = instantiateModel(decodeModelFile(bytes));
    try {
      const good = order.filter((f) => !f.endsWith('5b.cif'));
      const ref = predictRows(model, good.map((f) => ({ file: f, structure: readStructures(f, readFileSync(join(dir, f), 'utf8')).structures[0] })));
      for (const [k, f] of good.entries()) {
        const got = Number(rows[order.indexOf(f)][3]);
        expect(Math.abs(got - (ref.predictions[k].prediction as number))).toBeLessThan(1e-5);
      }
    } finally {
      model.dispose();
    }
    const err = o.err.join('\n');
    expect(err).toMatch(/screening 71 files with 2 worker\(s\)/);
    expect(err).toMatch(/emt-00005b\.cif: line 1/);
    expect(err).toMatch(/done: 70 structures from 71 files in [\d.]+ s \([\d.]+ structures\/s\); 1 file\(s\) failed/);
  });

  it('keeps the JSON shape: one entry per structure or per file that failed, in the order of the command line', async () => {
    mkdirSync(join(dir, 'no-structures'), { recursive: true });
    const o = io();
    const code = await main(['predict', '--model', modelFile, join(folder, 'emt-00005b.cif'), join(folder, 'more'), 'no-structures', '--json', '--backend', 'cpu', '--db', join(dir, 'db.sqlite')], o.io, dir);
    expect(code).toBe(1);
    const json = JSON.parse(o.out.join('')) as Record<string, unknown>[];
    expect(json).toHaveLength(12);
    expect(json[0]).toEqual({ file: join(folder, 'emt-00005b.cif'), error: expect.objectContaining({ name: expect.any(String), line: 1 }) });
    expect(Object.keys(json[1]).sort()).toEqual(['backend', 'file', 'model', 'name', 'prediction', 'task', 'unit', 'warnings']);
    expect(json[11]).toEqual({ file: 'no-structures', error: expect.objectContaining({ name: 'NoStructureFiles' }) });
  });

  it("warns per structure where the graph is not the structure as CGCNN reads it: a perovskite's split shell, a padded lone atom, a disordered file", async () => {
    const fixtures = ['perovskite_SrTiO3.cif', 'lone_atom_500A.cif', 'disorder.cif'].map((f) => fileURLToPath(new URL(`../../fixtures/structures/${f}`, import.meta.url)));
    const o = io();
    expect(await main(['predict', '--model', modelFile, ...fixtures, '--json', '--backend', 'cpu', '--db', join(dir, 'db.sqlite')], o.io, dir)).toBe(0);
    const json = JSON.parse(o.out.join('')) as { warnings: string[] }[];
    expect(json.map((r) => r.warnings)).toEqual([
      [expect.stringMatching(/^sites 2–4 \(O\): the 12-neighbour cut at 2\.761 Å splits 12 equidistant neighbours of O and Sr: the graph keeps 10, .*CGCNN .* may keep others, and predict differently$/)],
      [expect.stringMatching(/^1 site has fewer than 12 neighbours within 8 Å \(site 0 \(Cu\) with 0\): the graph pads it to 12 with site 0 \(Cu\) at 9 Å, the site CGCNN reads first/)],
      // what the reader said of the disordered structure first
      ['12 partially occupied site(s) kept with their occupancies (the structure is disordered)', expect.stringMatching(/^sites 0–11 are partially occupied \(Fe 0\.6, Ni 0\.4, O 0\.9\): the graph takes each as a whole atom .*\(CGCNN cannot read such a file\)$/)],
    ]);
    // the text output gives them as "warning:" lines under each structure
    const text = io();
    await main(['predict', '--model', modelFile, fixtures[1], '--backend', 'cpu', '--db', join(dir, 'db.sqlite')], text.io, dir);
    expect(text.out.join('\n')).toContain(`    warning: ${json[1].warnings[0]}`);
  });

  it('stops this thread and the workers when cancelled and gives no share after that', async () => {
    const files = await screeningFiles(['screen'], dir);
    const controller = new AbortController();
    const shares: number[] = [];
    const run = screen(files, {
      modelBytes: bytes,
      backend: 'cpu',
      // this thread and one worker, with shares queued at both when the first share comes
      plan: { threads: 2, kernelThreads: 1 },
      contributions: false,
      signal: controller.signal,
      onShare: (s) => {
        shares.push(s.entries.length);
        controller.abort();
      },
      onProgress: () => undefined,
    });
    await expect(run).rejects.toMatchObject({ name: 'CancelledError' });
    expect(shares).toEqual([32]);
  });
});

/** A tiny PaiNN ensemble of two (seeded weights, energies shifted per element) as model file bytes. */
function tinyPotential(): Uint8Array {
  const config = tinyConfig('painn');
  const members = [1, 2].map((seed) => seededWeights(config, seed, { 13: -3.4, 29: -3.5, 47: -2.8, 79: -3.8 }, 0.5));
  return encodeModelFile(potentialModelFile({ name: 'tiny painn pair', config, members, provenance: { source: 'training', createdAt: '2026-12-02T00:00:00Z', software: 'latticework' } }));
}

describe('latticework predict with a potential over the screening threads', () => {
  let potential: Uint8Array;
  let potentialFile: string;
  let frames: string;
  beforeAll(async () => {
    await initBackend({ force: 'cpu' });
    potential = tinyPotential();
    potentialFile = join(dir, 'tiny-painn.lwm');
    writeFileSync(potentialFile, potential);
    // a file of three frames beside the CIFs
    frames = join(folder, 'more', 'frames.extxyz');
    writeFileSync(frames, emtFramesText(3));
  });
  afterAll(() => rmSync(frames, { force: true }));

  it('gives issue 13\'s entries, equal to predicting each file in this thread, frames and failures in order', async () => {
    const o = io();
    const code = await main(['predict', '--model', potentialFile, 'screen', '--json', '--workers', '2', '--backend', 'cpu', '--db', join(dir, 'db.sqlite')], o.io, dir);
    expect(code).toBe(1);
    const got = JSON.parse(o.out.join('')) as Record<string, unknown>[];
    // in this thread: each file's structures predicted together, the one entry builder
    const model = new LoadedPotential(decodeModelFile(potential));
    const expected: unknown[] = [];
    let failedAt = -1;
    try {
      for (const f of await screeningFiles(['screen'], dir)) {
        if (f.shown.endsWith('5b.cif')) {
          failedAt = expected.length;
          continue;
        }
        const structures = readStructures(f.shown, readFileSync(f.path, 'utf8')).structures;
        model.predict(structures).forEach((p, k) => expected.push(potentialEntry(f.shown, k, model.name, structures[k], p, potentialWarnings(model.file.header.domain, structures[k], p.energy))));
      }
    } finally {
      model.dispose();
    }
    expect(expected).toHaveLength(73);
    // the file that failed in its place among the files
    const entries = got.filter((_, k) => k !== failedAt);
    expect(entries).toEqual(JSON.parse(JSON.stringify(expected)));
    expect(Object.keys(entries[0])).toEqual(['file', 'frame', 'model', 'energy', 'energyPerAtom', 'forces', 'stress', 'std', 'warnings']);
    // a file without a training domain says it could not be checked
    expect(entries[0].warnings).toEqual([expect.stringMatching(/records no training domain/)]);
    expect(entries.filter((e) => e.file === join('screen', 'more', 'frames.extxyz')).map((e) => e.frame)).toEqual([0, 1, 2]);
    expect(got[failedAt]).toEqual({ file: join('screen', 'emt-00005b.cif'), error: expect.objectContaining({ line: 1 }) });
    const err = o.err.join('\n');
    expect(err).toMatch(/screening 72 files with 2 worker\(s\)/);
    expect(err).toMatch(/done: 73 structures from 72 files in [\d.]+ s/);
  });

  it('leaks no tensors in a worker\'s share once the potential is loaded', async () => {
    const files = ['emt-00000.cif', 'emt-00005b.cif', join('more', 'frames.extxyz')].map((f) => ({ path: join(folder, f), shown: f }));
    const input = { key: 'tiny-painn', model: potential, backend: 'cpu', kernelThreads: null, files, contributions: false };
    const first = await screenTask(input, ctx);
    const before = tf.memory().numTensors;
    const again = await screenTask(input, ctx);
    expect(tf.memory().numTensors).toBe(before);
    expect(again).toEqual(first);
    expect(first.entries.map((e) => ('potential' in e ? `${e.potential.file}#${e.potential.frame}/${e.frames}` : 'failed' in e ? `failed ${e.failed.file}` : 'row'))).toEqual([
      'emt-00000.cif#0/1',
      'failed emt-00005b.cif',
      `${join('more', 'frames.extxyz')}#0/3`,
      `${join('more', 'frames.extxyz')}#1/3`,
      `${join('more', 'frames.extxyz')}#2/3`,
    ]);
  });
});

describe('latticework predict with a CIF whose data block cannot be read', () => {
  const cell = '_cell_length_a 3.61\n_cell_length_b 3.61\n_cell_length_c 3.61\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n';
  const block = (name: string, group: string) => `data_${name}\n${cell}_symmetry_space_group_name_H-M '${group}'\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nCu1 0 0 0\n`;
  const message = "line 22: data block 'broken': the space group 'Q 9 9' is not a Hermann–Mauguin symbol we know, and no symmetry operations or space group number are listed";
  const broken = { file: 'multi.cif', block: 'broken', error: { name: 'StructureParseError', message, line: 22 } };
  let cifDir: string;
  let potentialFile: string;
  beforeAll(async () => {
    await initBackend({ force: 'cpu' });
    cifDir = join(dir, 'blocks');
    mkdirSync(join(cifDir, 'folder'), { recursive: true });
    writeFileSync(join(cifDir, 'multi.cif'), block('cu', 'F m -3 m') + block('broken', 'Q 9 9'));
    copyFileSync(join(cifDir, 'multi.cif'), join(cifDir, 'folder', 'multi.cif'));
    potentialFile = join(cifDir, 'tiny-painn.lwm');
    writeFileSync(potentialFile, tinyPotential());
  });
  const predict = async (...args: string[]) => {
    const o = io();
    const code = await main(['predict', ...args, '--backend', 'cpu', '--db', join(dir, 'db.sqlite')], o.io, cifDir);
    return { code, out: o.out.join('\n'), err: o.err.join('\n') };
  };

  it('reports the block as structure info does ({file, block, error}, after the blocks read) with exit status 1, for every kind of model', async () => {
    for (const model of [modelFile, potentialFile, 'emt']) {
      const r = await predict('--model', model, 'multi.cif', '--json');
      expect(r.code, `${model}: ${r.err}`).toBe(1);
      const entries = JSON.parse(r.out) as Record<string, unknown>[];
      expect(entries).toHaveLength(2);
      expect(entries[0]).toMatchObject({ file: 'multi.cif' });
      expect(entries[0].error).toBeUndefined();
      expect(entries[1]).toEqual(broken);
    }
  });

  it('gives the block its CSV row (its name, the message) in a folder screening, and its line on stderr in the text', async () => {
    const csv = await predict('--model', modelFile, 'folder', '--csv');
    expect(csv.code).toBe(1);
    const rows = csv.out.split('\n');
    expect(rows).toHaveLength(3);
    expect(rows[2]).toBe(`${join('folder', 'multi.cif')},broken,formation-energy-per-atom,,"${message}",`);
    const text = await predict('--model', 'emt', 'multi.cif');
    expect(text.code).toBe(1);
    expect(text.out.split('\n')).toHaveLength(1);
    expect(text.err).toBe(`latticework predict: multi.cif: ${message}`);
  });

  it('writes a file and a data block named like a spreadsheet formula as text (after a single quote), the values as numbers, negative ones too; for every kind of model', async () => {
    const formula = '=HYPERLINK("http://evil.example","x")';
    writeFileSync(join(cifDir, '@cu.cif'), block(formula, 'F m -3 m'));
    const property = await predict('--model', modelFile, '@cu.cif', '--csv');
    expect(property.code, property.err).toBe(0);
    const [, row] = property.out.split('\n');
    const { prediction } = (JSON.parse((await predict('--model', modelFile, '@cu.cif', '--json')).out) as { prediction: number }[])[0];
    expect(row).toBe(`'@cu.cif,"'${formula.replace(/"/g, '""')}",formation-energy-per-atom,${prediction},,`);
    for (const model of [potentialFile, 'emt']) {
      const csv = await predict('--model', model, '@cu.cif', '--csv');
      expect(csv.code, csv.err).toBe(0);
      const cells = csv.out.split('\n')[1].split(',');
      const [entry] = JSON.parse((await predict('--model', model, '@cu.cif', '--json')).out) as { energy: number; stress: number[] }[];
      expect(cells.slice(0, 2)).toEqual(["'@cu.cif", '0']);
      expect(cells[3]).toBe(String(entry.energy));
      expect(cells.slice(6, 12)).toEqual(entry.stress.map(String));
    }
    // EMT's copper at 3.61 Å is bound: a negative energy, written as the number it is
    expect(Number((await predict('--model', 'emt', '@cu.cif', '--csv')).out.split('\n')[1].split(',')[3])).toBeLessThan(0);
  });
});

describe('latticework predict with a file the reader warns of as a whole (a killed run)', () => {
  const killed = 'vasprun.xml.gz';
  const incomplete = /^incomplete file: the file ends inside <\w+> \(the run did not finish\); 11 complete ionic steps read$/;
  let runDir: string;
  let potentialFile: string;
  beforeAll(async () => {
    await initBackend({ force: 'cpu' });
    runDir = join(dir, 'killed');
    mkdirSync(runDir, { recursive: true });
    copyFileSync(fileURLToPath(new URL('../../fixtures/vasp/derived/vasprun_truncated.xml.gz', import.meta.url)), join(runDir, killed));
    potentialFile = join(runDir, 'tiny-painn.lwm');
    writeFileSync(potentialFile, tinyPotential());
  });
  const predict = async (...args: string[]) => {
    const o = io();
    const code = await main(['predict', ...args, '--backend', 'cpu', '--db', join(dir, 'db.sqlite')], o.io, runDir);
    return { code, out: o.out.join('\n'), err: o.err.join('\n') };
  };

  it('says the file is incomplete: first among the warnings of each of its rows in the JSON and the CSV, once on stderr in the text; for every kind of model', async () => {
    for (const model of [modelFile, potentialFile, 'lj']) {
      const json = await predict('--model', model, killed, '--json');
      expect(json.code, `${model}: ${json.err}`).toBe(0);
      const entries = JSON.parse(json.out) as { file: string; warnings: string[] }[];
      expect(entries).toHaveLength(11);
      for (const e of entries) expect(e.warnings[0], model).toMatch(incomplete);
      const csv = await predict('--model', model, killed, '--csv');
      const rows = csv.out.split('\n').slice(1);
      expect(rows).toHaveLength(11);
      for (const r of rows) expect(r, model).toMatch(/,"?incomplete file: the file ends inside <\w+> \(the run did not finish\); 11 complete ionic steps read/);
      const text = await predict('--model', model, killed);
      expect(text.code).toBe(0);
      expect(text.out, model).not.toMatch(/incomplete/);
      const said = text.err.split('\n').filter((l) => /incomplete/.test(l));
      expect(said).toHaveLength(1);
      expect(said[0].replace(`latticework predict: warning: ${killed}: `, '')).toMatch(incomplete);
    }
  });
});

describe('latticework predict with a structure the reader warns of (a 2D cell given a vector normal to it)', () => {
  // two frames of a Cu(100) bilayer as ASE writes a 2D cell: the third vector zero, pbc T T F
  const slab = 'slab.extxyz';
  const frame = (dz: number) =>
    ['4', 'Lattice="3.61 0.0 0.0 0.0 3.61 0.0 0.0 0.0 0.0" Properties=species:S:1:pos:R:3 pbc="T T F"', 'Cu 0 0 0', 'Cu 1.805 1.805 0', `Cu 1.805 0 ${1.805 + dz}`, `Cu 0 1.805 ${1.805 + dz}`].join('\n');
  const said = (k: number, height: string) => `frame ${k}: the cell's third vector is zero (a 2D structure as ASE builds it without vacuum); read with a ${height} Å vector normal to the plane, not periodic`;
  let slabDir: string;
  let potentialFile: string;
  beforeAll(async () => {
    await initBackend({ force: 'cpu' });
    slabDir = join(dir, 'slab');
    mkdirSync(slabDir, { recursive: true });
    writeFileSync(join(slabDir, slab), `${frame(0)}\n${frame(0.2)}\n`);
    potentialFile = join(slabDir, 'tiny-painn.lwm');
    writeFileSync(potentialFile, tinyPotential());
  });
  const predict = async (...args: string[]) => {
    const o = io();
    const code = await main(['predict', ...args, '--backend', 'cpu', '--db', join(dir, 'db.sqlite')], o.io, slabDir);
    return { code, out: o.out.join('\n'), err: o.err.join('\n') };
  };

  it("gives it first among that structure's warnings, in the JSON, the CSV and the text's warning lines; for every kind of model", async () => {
    // the file's frames share one made cell: the taller frame's 2.005 Å + 10 Å
    const expected = [said(0, '12.0'), said(1, '12.0')];
    for (const model of [modelFile, potentialFile, 'emt']) {
      const json = await predict('--model', model, slab, '--json');
      expect(json.code, `${model}: ${json.err}`).toBe(0);
      const entries = JSON.parse(json.out) as { warnings: string[] }[];
      expect(entries.map((e) => e.warnings[0]), model).toEqual(expected);
      // the built-in calculator has nothing else to say
      if (model === 'emt') expect(entries.map((e) => e.warnings)).toEqual(expected.map((w) => [w]));
      const csv = await predict('--model', model, slab, '--csv');
      // the warnings column, the last ("; " between them)
      csv.out.split('\n').slice(1).forEach((r, k) => expect(/,"([^"]*)"$/.exec(r)![1].startsWith(expected[k]), `${model}: ${r}`).toBe(true));
      const text = await predict('--model', model, slab);
      expect(text.code).toBe(0);
      expect(text.out.split('\n').filter((l) => /third vector/.test(l)), model).toEqual(expected.map((w) => `    warning: ${w}`));
      expect(text.err, model).not.toMatch(/third vector/);
    }
  });
});

describe('latticework predict with a per-atom model (train --target forces)', () => {
  let paDir: string;
  let frames: string;
  beforeAll(async () => {
    paDir = join(dir, 'per-atom');
    mkdirSync(paDir, { recursive: true });
    frames = emtFrames(paDir, 6);
    const trained = await cliIn(paDir)('train', '--data', frames, '--target', 'forces', '--preset', 'gcn', '--epochs', '1', '--seed', '3', '--backend', 'cpu', '--out', 'pa.lwm', '--db', join(dir, 'db.sqlite'));
    expect(trained.code, trained.err).toBe(0);
  }, 120_000);

  it('gives every atom its value: "perAtom" in the JSON ("prediction" their mean), a row per atom in the CSV, a line per atom in the text', async () => {
    const structures = readStructures('emt.extxyz', readFileSync(frames, 'utf8')).structures;
    const predict = (...args: string[]) => cliIn(paDir)('predict', '--model', 'pa.lwm', 'emt.extxyz', '--backend', 'cpu', '--db', join(dir, 'db.sqlite'), ...args);
    const json = await predict('--json');
    expect(json.code, json.err).toBe(0);
    const entries = JSON.parse(json.out) as { prediction: number[]; perAtom: number[][]; task: string; unit: string }[];
    expect(entries).toHaveLength(6);
    entries.forEach((e, k) => {
      expect(e.task).toBe('per-atom');
      expect(e.perAtom).toHaveLength(structures[k].species.length);
      e.perAtom.forEach((v) => expect(v).toHaveLength(3));
      for (let t = 0; t < 3; t++) expect(e.prediction[t]).toBeCloseTo(e.perAtom.reduce((s, v) => s + v[t], 0) / e.perAtom.length, 5);
    });
    const csv = await predict('--csv');
    expect(csv.code, csv.err).toBe(0);
    const rows = csv.out.split('\n');
    expect(rows[0]).toBe('file,name,model,atom,element,forces[0] (eV/Å),forces[1] (eV/Å),forces[2] (eV/Å),error,warnings');
    const atoms = structures.reduce((n, s) => n + s.species.length, 0);
    expect(rows).toHaveLength(1 + atoms);
    const first = rows[1].split(',');
    expect(first.slice(3, 5)).toEqual(['0', structures[0].species[0]]);
    expect(first.slice(5, 8).map(Number)).toEqual(entries[0].perAtom[0]);
    const text = await predict();
    expect(text.code, text.err).toBe(0);
    const lines = text.out.split('\n');
    expect(lines[0]).toMatch(new RegExp(`^emt\\.extxyz\\s+gcn-emt\\s+.* eV/Å \\(mean of ${structures[0].species.length} atoms\\)$`));
    expect(lines[1]).toMatch(new RegExp(`^    atom 0 ${structures[0].species[0]}: [-.\\d e]+ eV/Å, [-.\\d e]+ eV/Å, [-.\\d e]+ eV/Å$`));
    expect(lines).toHaveLength(6 + atoms);
  });
});

describe('latticework predict with two atoms at the same position', () => {
  let sameDir: string;
  let potentialFile: string;
  beforeAll(async () => {
    await initBackend({ force: 'cpu' });
    sameDir = join(dir, 'same');
    mkdirSync(sameDir, { recursive: true });
    // two frames of a Cu cell: the second with atom 1 moved onto atom 0
    const cu = (x1: string) => `2\nLattice="3.6 0 0 0 3.6 0 0 0 3.6" Properties=species:S:1:pos:R:3 pbc="T T T"\nCu 0 0 0\nCu ${x1}\n`;
    writeFileSync(join(sameDir, 'met.extxyz'), cu('1.8 1.8 0') + cu('0 0 0'));
    potentialFile = join(sameDir, 'tiny-painn.lwm');
    writeFileSync(potentialFile, tinyPotential());
  });
  const predict = async (...args: string[]) => {
    const o = io();
    const code = await main(['predict', ...args, '--backend', 'cpu', '--db', join(dir, 'db.sqlite')], o.io, sameDir);
    return { code, out: o.out.join('\n'), err: o.err.join('\n') };
  };

  it('refuses that frame as EMT does (its error, exit status 1) and predicts the other, in the JSON, the CSV and the text; a trained potential gave NaN and exit 0', async () => {
    for (const [model, name] of [
      [potentialFile, 'tiny painn pair'],
      ['emt', 'EMT'],
    ]) {
      const message = `${name}: atoms 0 and 1 are at the same position`;
      const json = await predict('--model', model, 'met.extxyz', '--json');
      expect(json.code, `${model}: ${json.err}`).toBe(1);
      const entries = JSON.parse(json.out) as Record<string, unknown>[];
      expect(entries).toHaveLength(2);
      expect(entries[0]).toMatchObject({ file: 'met.extxyz', frame: 0, energy: expect.any(Number) });
      expect(entries[1]).toEqual({ file: 'met.extxyz', frame: 1, error: { name: 'CalculatorError', message, line: null } });
      const csv = await predict('--model', model, 'met.extxyz', '--csv');
      expect(csv.code).toBe(1);
      const rows = csv.out.split('\n');
      expect(rows).toHaveLength(3);
      expect(rows[2]).toMatch(new RegExp(`^met\\.extxyz,1,[^,]+,(,)+${message},$`));
      const text = await predict('--model', model, 'met.extxyz');
      expect(text.code).toBe(1);
      expect(text.out).toMatch(/^met\.extxyz#0 /);
      expect(text.out).not.toMatch(/#1|NaN/);
      expect(text.err).toMatch(`latticework predict: met.extxyz#1: ${message}`);
    }
  });
});
