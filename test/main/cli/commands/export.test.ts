/**
 * `latticework export CONFIG.json`: a config file is checked as `train --config` checks one — a
 * field the schema does not know is refused, named with its path, before anything is written
 * (the happy path, with `--epochs`, is in test/main/cli/scale-out.test.ts).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
import { exportCommand } from '../../../../src-main/cli/commands/export';
import { SHARED_DATA } from '../../../helpers/shared-data';
import { cliIn, emtFrames, exportNotes, io } from './helpers';


it('refuses a config file with a field it does not know, naming the file and the field, and writes nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-export-config-'));
  const data = emtFrames(dir, 4);
  writeFileSync(join(dir, 'misspelt.json'), JSON.stringify({ kind: 'potential', architecture: 'painn', training: { sed: 7 } }));
  const o = io();
  const code = await exportCommand.run({ argv: ['misspelt.json', '--data', data, '--epochs', '3', '--to', 'torch', 'out'], io: o.io, cwd: dir });
  expect(code).toBe(1);
  expect(o.err.join('\n')).toMatch(/misspelt\.json: training\.sed: unknown field "sed" in training \(known: .*seed/);
  expect(existsSync(join(dir, 'out'))).toBe(false);
});

it('writes a preset\'s export without tfjs\'s "install our node backend" banner on stderr', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-export-quiet-'));
  const data = join(dir, 'one');
  mkdirSync(data);
  for (const f of ['1000041.cif', 'atom_init.json']) copyFileSync(join(SHARED_DATA, 'cgcnn-sample-regression', f), join(data, f));
  writeFileSync(join(data, 'id_prop.csv'), '1000041,1.5\n');
  const warn = vi.spyOn(console, 'warn');
  try {
    const o = io();
    expect(await exportCommand.run({ argv: ['gcn', '--data', data, '--to', 'torch', 'out', '--json'], io: o.io, cwd: dir }), o.err.join('\n')).toBe(0);
    expect(warn.mock.calls.map((c) => String(c[0]))).not.toContainEqual(expect.stringMatching(/looks like you are running TensorFlow\.js in Node/));
  } finally {
    warn.mockRestore();
  }
});

it('refuses data that is not the run\'s (other targets, other size) and says when the run records nothing to check it against', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-export-data-'));
  const db = join(dir, 'runs.sqlite');
  const sample = join(SHARED_DATA, 'cgcnn-sample-regression');
  const cli = cliIn(dir);
  writeFileSync(join(dir, 'raw.json'), JSON.stringify({ training: { normalizeTargets: false } }));
  for (const config of [[], ['--config', 'raw.json']]) expect((await cli('train', '--data', sample, '--preset', 'gcn', ...config, '--epochs', '1', '--backend', 'cpu', '--no-save', '--db', db)).code).toBe(0);
  // the same structures (and ids) with other targets
  const rows = readFileSync(join(sample, 'id_prop.csv'), 'utf8').trim().split('\n').map((l) => l.split(','));
  for (const [id] of rows) copyFileSync(join(sample, `${id}.cif`), join(dir, `${id}.cif`));
  writeFileSync(join(dir, 'other.csv'), `id,target\n${rows.map(([id, t]) => `${id},${Number(t) + 1}`).join('\n')}\n`);

  const other = await cli('export', '1', '--data', 'other.csv', '--to', 'torch', 'other', '--db', db);
  expect(other.code).toBe(1);
  expect(exportNotes(other.err).join('\n')).toMatch(/^latticework export: the data is not what run 1 trained on: the targets of its training structures have mean .*, the run's had mean /);
  expect(existsSync(join(dir, 'other'))).toBe(false);
  // the run's structures and targets, and two more
  for (const extra of ['extra1', 'extra2']) copyFileSync(join(sample, `${rows[0][0]}.cif`), join(dir, `${extra}.cif`));
  writeFileSync(join(dir, 'more.csv'), `id,target\n${rows.map(([id, t]) => `${id},${t}`).join('\n')}\nextra1,1\nextra2,2\n`);
  const more = await cli('export', '1', '--data', 'more.csv', '--to', 'torch', 'more', '--db', db);
  expect(more.code).toBe(1);
  expect(exportNotes(more.err)).toEqual(["latticework export: the run's split covers 10 structures, but the data has 12: give the run's own dataset with --data (and the --limit it trained with)"]);
  const own = await cli('export', '1', '--data', sample, '--to', 'torch', 'own', '--db', db);
  expect([own.code, exportNotes(own.err)]).toEqual([0, []]);
  // run 2 did not normalise its targets: nothing but its split's size to check, and it says so
  const raw = await cli('export', '2', '--data', 'other.csv', '--to', 'torch', 'raw', '--db', db);
  expect(raw.code).toBe(0);
  expect(exportNotes(raw.err)).toEqual(["latticework export: run 2 records no statistics of its training targets (a potential, targets not normalised, or neither model nor checkpoint kept): --data is checked against its split's size only"]);
});

it('refuses a seed ensemble and a fine-tuning run, which its train.py would train as one fresh model', { timeout: 120_000 }, async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-export-kind-'));
  const db = join(dir, 'runs.sqlite');
  const cli = cliIn(dir);
  const data = emtFrames(dir, 6);
  writeFileSync(join(dir, 'tiny.json'), JSON.stringify({ model: { features: 8, numLayers: 1, headHidden: 4 }, radial: { cutoff: 4, numBasis: 4 }, training: { batchSize: 4 } }));
  const train = (...more: string[]) => cli('train', '--data', data, '--epochs', '1', '--backend', 'wasm', '--db', db, ...more);
  expect((await train('--preset', 'painn-potential', '--config', 'tiny.json', '--name', 'pair', '--ensemble', '2')).code).toBe(0);
  expect((await train('--preset', 'painn-potential', '--config', 'tiny.json', '--name', 'single')).code).toBe(0);
  expect((await train('--name', 'tuned', '--from', 'single')).code).toBe(0);
  const ensemble = await cli('export', '1', '--data', data, '--to', 'torch', 'e', '--db', db);
  expect([ensemble.code, ensemble.err]).toEqual([1, 'latticework export: cannot export run 1: it trains an ensemble of 2 members (the export trains one model; ensembles are not exported: export the config for one member)']);
  const tuned = await cli('export', '3', '--data', data, '--to', 'torch', 't', '--db', db);
  expect(tuned.code).toBe(1);
  expect(tuned.err).toMatch(/^latticework export: cannot export run 3: it fine-tunes single \(the export trains from fresh weights/);
  expect(existsSync(join(dir, 'e')) || existsSync(join(dir, 't'))).toBe(false);
  // the run they started from exports
  expect((await cli('export', '2', '--data', data, '--to', 'torch', 's', '--db', db)).code).toBe(0);
});

it('says which files and rows the data left out, as train does, and gives every reason when nothing is usable', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-export-leftout-'));
  const data = join(dir, 'two');
  mkdirSync(data);
  for (const f of ['1000041.cif', 'atom_init.json']) copyFileSync(join(SHARED_DATA, 'cgcnn-sample-regression', f), join(data, f));
  writeFileSync(join(data, 'broken.cif'), 'data_broken\n_cell_length_a 3\n');
  writeFileSync(join(data, 'id_prop.csv'), '1000041,1.5\nbroken,2.5\n');
  const o = io();
  expect(await exportCommand.run({ argv: ['gcn', '--data', 'two', '--to', 'torch', 'out', '--json'], io: o.io, cwd: dir }), o.err.join('\n')).toBe(0);
  expect(exportNotes(o.err)).toEqual([`latticework export: 1 whole file left out of ${data}:\n  broken.cif: no data block has atom sites (_atom_site_fract_x or _atom_site_Cartn_x); 1 block(s) read`]);
  expect(JSON.parse(o.out[0])).toMatchObject({ structures: 1 });

  writeFileSync(join(data, 'id_prop.csv'), 'broken,2.5\n');
  const none = io();
  expect(await exportCommand.run({ argv: ['gcn', '--data', 'two', '--to', 'torch', 'out2'], io: none.io, cwd: dir })).toBe(1);
  expect(exportNotes(none.err)).toEqual([`latticework export: no labelled structure could be read from ${data} — broken.cif: no data block has atom sites (_atom_site_fract_x or _atom_site_Cartn_x); 1 block(s) read; 1000041.cif (not in id_prop.csv)`]);
  expect(existsSync(join(dir, 'out2'))).toBe(false);
});

it('refuses a file as the export folder in a sentence, before reading the data (not ENOTDIR)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'lw-export-onto-file-'));
  writeFileSync(join(dir, 'taken.extxyz'), 'not a folder\n');
  const o = io();
  const code = await exportCommand.run({ argv: ['cgcnn-paper', '--data', join(dir, 'missing-data'), '--to', 'torch', 'taken.extxyz'], io: o.io, cwd: dir });
  expect(code).toBe(1);
  expect(o.err.join('\n')).toBe(`latticework export: ${join(dir, 'taken.extxyz')} is a file: give a new folder (the export writes a folder of files)`);
  expect(readFileSync(join(dir, 'taken.extxyz'), 'utf8')).toBe('not a folder\n');
});
