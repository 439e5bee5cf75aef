/**
 * The one dataset reader (src-main/datasets): the table rule shared by id_prop.csv and CSV files,
 * each format, format detection, and the same items whether a dataset is read from a path or from
 * dropped files, in this process (the command line) or by the app's import.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, mkdirSync, copyFileSync, symlinkSync, truncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { DATASET_FORMATS, datasetFormat, droppedSource, pathSource, readDataset } from '../../../src-main/datasets';
import { isFrameFileName } from '../../../src-main/datasets/frames';
import { READABLE_FILES } from '../../../src-shared/chem/detect';
import { inProcessIO, leftOutMessage, readDatasetAt } from '../../../src-main/datasets/in-process';
import { writeFrames } from '../../../src-main/files/frames-file';
import { readFramesFile } from '../../../src-main/files/structure-file';
import { parseCsv, readTable, rowTargets } from '../../../src-main/datasets/table';
import { serveTestCore } from '../../helpers/core';
import { SHARED_DATA } from '../../helpers/shared-data';
import { vasprun } from '../../helpers/vasprun';

const SAMPLE = `${SHARED_DATA}/cgcnn-sample-regression`;
const VASP = fileURLToPath(new URL('../../fixtures/vasp/', import.meta.url));
const EMT_XYZ = `${SHARED_DATA}/emt-dev/emt_dataset.extxyz`;
const OUTCAR = fileURLToPath(new URL('../../fixtures/vasp/aiida-vasp+parsevasp/OUTCAR_MAG_SINGLE.xz', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'lw-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bzip2 = (b: Buffer) => spawnSync('bzip2', ['-c'], { input: b }).stdout;
const xz = (b: Buffer) => spawnSync('xz', ['-c'], { input: b }).stdout;

/** The first n frames of the EMT extended XYZ. */
function emtFrames(n: number): string {
  const lines = readFileSync(EMT_XYZ, 'utf8').split('\n');
  let end = 0;
  for (let f = 0; f < n; f++) end += Number(lines[end]) + 2;
  return lines.slice(0, end).join('\n') + '\n';
}

/** A folder with `copies` of the sample's files, then `files` written over them. */
function folder(name: string, files: Record<string, string>, copies: string[] = []): string {
  const d = join(dir, name);
  mkdirSync(d, { recursive: true });
  for (const c of copies) copyFileSync(join(SAMPLE, c), join(d, c));
  for (const [n, text] of Object.entries(files)) writeFileSync(join(d, n), text);
  return d;
}

describe('the table rule (id_prop.csv and CSV alike)', () => {
  it('reads quoted fields and keeps line numbers; blank lines are skipped', () => {
    expect(parseCsv('a,"b, c",1\n\n"x ""y""",2\n')).toEqual([
      { line: 1, cells: ['a', 'b, c', '1'] },
      { line: 3, cells: ['x "y"', '2'] },
    ]);
  });

  it('finds the header, takes column 2 by default, and picks columns by name or number', () => {
    const text = 'file,gap,energy\na.cif,1.5,-3\nb.cif,0.5,-2\n';
    expect(readTable(text, 't.csv', undefined)).toMatchObject({ columns: [1], names: ['gap'], body: [{ line: 2 }, { line: 3 }] });
    expect(readTable(text, 't.csv', 'energy')).toMatchObject({ columns: [2], names: ['energy'] });
    expect(readTable(text, 't.csv', '3,gap')).toMatchObject({ columns: [2, 1], names: ['energy', 'gap'] });
    const plain = readTable('a,1,2\nb,3,4\n', 'id_prop.csv', undefined);
    expect(plain).toMatchObject({ columns: [1], names: ['target'], body: [{ line: 1 }, { line: 2 }] });
    expect(readTable('a,1,2\nb,3,4\n', 'id_prop.csv', '2,3').names).toEqual(['column 2', 'column 3']);
  });

  it('refuses what is not a column, and names without a header, clearly', () => {
    expect(() => readTable('a,1\n', 'id_prop.csv', 'gap')).toThrow(/has no header row: give target columns by number/);
    expect(() => readTable('a,1\n', 'id_prop.csv', '1')).toThrow(/no target column 1: targets are columns 2 to 2/);
    expect(() => readTable('f,gap\na,1\n', 't.csv', 'nope')).toThrow(/has no column "nope" \(columns: f, gap\)/);
    expect(() => readTable('just text\nmore text\n', 't.csv', undefined)).toThrow(/not a dataset table/);
  });

  it('a row without a numeric target in every chosen column is unlabelled, with the reason', () => {
    const t = readTable('a,1,x\nb,2\nc,3,\nd,4,<a b>\n', 'id_prop.csv', '2,3');
    expect(rowTargets(t.body[0], t.columns)).toBe("the target in column 3 is 'x', not a number");
    expect(rowTargets(t.body[1], t.columns)).toBe('no column 3');
    expect(rowTargets(t.body[2], t.columns)).toBe('the target in column 3 is empty');
    // a cell that is not a name is not repeated (the file may be anything: its contents are not said)
    expect(rowTargets(t.body[3], t.columns)).toBe('the target in column 3 is not a number');
  });
});

describe('targets beyond ±1e150 (their squares overflow the statistics)', () => {
  it('a table row with one is left out like inf and NaN, naming its line, column and value; ±1e150 itself is kept', () => {
    const t = readTable('a,1e300\nb,-2e151\nc,1e150\nd,-1e150\n', 'id_prop.csv', undefined);
    expect(rowTargets(t.body[0], t.columns)).toBe('the target in column 2 is 1e+300, beyond ±1e150, where the statistics of the targets overflow');
    expect(rowTargets(t.body[1], t.columns)).toBe('the target in column 2 is -2e+151, beyond ±1e150, where the statistics of the targets overflow');
    expect(rowTargets(t.body[2], t.columns)).toEqual([1e150]);
    expect(rowTargets(t.body[3], t.columns)).toEqual([-1e150]);
  });

  it('id_prop.csv, a CSV of files, an extended XYZ target and a potential\'s frame energy: left out and named in the report', async () => {
    const d = folder('huge-idprop', { 'id_prop.csv': '1000041,1.5\n1000050,1e300\n' }, ['1000041.cif', '1000050.cif', 'atom_init.json']);
    const r = await readDatasetAt(d);
    expect(r.items.map((i) => i.name)).toEqual(['1000041']);
    expect(r.unlabelled).toEqual(['line 2 (the target in column 2 is 1e+300, beyond ±1e150, where the statistics of the targets overflow)']);
    expect(leftOutMessage(r)).toMatch(/line 2 \(the target in column 2 is 1e\+300, beyond ±1e150/);
    const c = folder('huge-csv', { 'labels.csv': 'name,gap\n1000041.cif,1.5\n1000050.cif,-1e200\n' }, ['1000041.cif', '1000050.cif']);
    expect((await readDatasetAt(c)).unlabelled).toEqual(['line 3 (the target in column 2 is -1e+200, beyond ±1e150, where the statistics of the targets overflow)']);
    // frame 1's energy made 1e300 (a property model's target, then a potential's label)
    const lines = emtFrames(3).split('\n');
    const at = Number(lines[0]) + 2;
    lines[at + 1] = lines[at + 1].replace(/\benergy=\S+/, 'energy=1e300');
    const xyz = folder('huge-xyz', { 'met.extxyz': lines.join('\n') });
    const target = await readDatasetAt(xyz, { target: 'energy' });
    expect(target.items.map((i) => i.name)).toEqual(['emt-00000', 'emt-00002']);
    expect(target.unlabelled).toEqual(['emt-00001 (energy is 1e+300, beyond ±1e150, where the statistics of the targets overflow)']);
    const frames = await readDatasetAt(xyz, { kind: 'frames' });
    expect(frames.items.map((i) => i.name)).toEqual(['met.extxyz:0', 'met.extxyz:2']);
    expect(frames.unlabelled).toEqual(['frame 1 of met.extxyz: its energy is 1e+300, beyond ±1e150, where the statistics of the targets overflow']);
    expect(frames.frames!.labelsNotNumbers).toBe(1);
  });
});

describe('formats', () => {
  it('detects each format from a path, and says what it reads when nothing fits', async () => {
    const xyz = join(dir, 'frames.extxyz');
    writeFileSync(xyz, emtFrames(3));
    const csvDir = folder('csv-only', { 'labels.csv': 'file,gap\n1000041.cif,1\n' }, ['1000041.cif']);
    expect(datasetFormat(await pathSource(SAMPLE)).kind).toBe('cgcnn-folder');
    expect(datasetFormat(await pathSource(xyz)).kind).toBe('extxyz');
    expect(datasetFormat(await pathSource(csvDir)).kind).toBe('csv');
    expect(datasetFormat(await pathSource(join(csvDir, 'labels.csv'))).kind).toBe('csv');
    const empty = folder('empty', { 'notes.txt': 'nothing\n' });
    expect(() => datasetFormat(droppedSource([{ name: 'x/notes.txt', text: '' }]))).toThrow(/not a dataset Latticework reads/);
    await expect(readDatasetAt(empty)).rejects.toThrow(new RegExp(DATASET_FORMATS.map((f) => f.description.split(' ')[1]).join('|')));
  });

  it('labelled frames: every file the structure readers know (READABLE_FILES, as train --help says) gives labelled frames, and is a frame file of a folder by its name', async () => {
    const d = folder('every-format', { 'emt.extxyz': emtFrames(3), 'vasprun.xml': vasprun() });
    copyFileSync(OUTCAR, join(d, 'OUTCAR.xz'));
    const { frames } = await readFramesFile(join(d, 'emt.extxyz'), 'emt.extxyz');
    await writeFrames(join(d, 'emt.traj'), 'traj', frames);
    await writeFrames(join(d, 'emt.db'), 'db', frames);
    for (const name of ['emt.extxyz', 'vasprun.xml', 'OUTCAR.xz', 'emt.traj', 'emt.db']) {
      const r = await readDatasetAt(join(d, name), { kind: 'frames' });
      expect(r.failed, name).toEqual([]);
      expect(r.items.length, name).toBeGreaterThan(0);
      expect(r.items.every((i) => Number.isFinite(i.targets[0])), name).toBe(true);
      // given without its kind (a property model's --data): recognised as frames, but extended XYZ as a file of targets
      expect(datasetFormat(await pathSource(join(d, name))).kind, name).toBe(name === 'emt.extxyz' ? 'extxyz' : 'frames');
    }
    const frameFiles = ['a.cif', 'a.mcif', 'POSCAR', 'CONTCAR.relax1', 'a.vasp', 'a.xyz', 'a.extxyz', 'vasprun.xml', 'vasprun_1.xml', 'OUTCAR', 'XDATCAR', 'a.db', 'a.traj'];
    for (const name of [...frameFiles, ...frameFiles.map((n) => `${n}.gz`), 'OUTCAR.bz2', 'a.traj.xz']) expect(isFrameFileName(`run/${name}`), name).toBe(true);
    for (const name of ['POTCAR', 'INCAR', 'KPOINTS', 'OSZICAR', 'CHGCAR', 'id_prop.csv', 'atom_init.json', 'notes.txt', '.a.xyz']) expect(isFrameFileName(name), name).toBe(false);
  });

  it('a CGCNN folder: id_prop.csv order, the folder\'s atom_init.json, skipped rows reported, the same from a path and dropped', async () => {
    const d = folder('cgcnn', { 'id_prop.csv': `${readFileSync(join(SAMPLE, 'id_prop.csv'), 'utf8')}missing,5\nbad-row,x\n` }, readdirSync(SAMPLE));
    writeFileSync(join(d, 'extra.cif'), readFileSync(join(SAMPLE, '1000041.cif')));
    const fromPath = await readDatasetAt(d);
    expect(fromPath.kind).toBe('cgcnn-folder');
    expect(fromPath.items.map((i) => i.name)).toEqual(readFileSync(join(SAMPLE, 'id_prop.csv'), 'utf8').trim().split('\n').map((l) => l.split(',')[0]));
    expect(fromPath.items.map((i) => i.targets)).toEqual([[1], [2], [3], [4], [5], [6], [7], [8], [9], [10]]);
    expect(fromPath.targetKey).toBe('target');
    expect(fromPath.atomInit).toBe(readFileSync(join(SAMPLE, 'atom_init.json'), 'utf8'));
    expect(fromPath.unlabelled.sort()).toEqual(['extra.cif (not in id_prop.csv)', "line 12 (the target in column 2 is 'x', not a number)", 'missing (no file missing.cif)']);
    const dropped = await readDataset(
      droppedSource(readdirSync(d).map((n) => ({ name: `cgcnn/${n}`, text: readFileSync(join(d, n), 'utf8') }))),
      { kind: 'cgcnn-folder' },
      inProcessIO,
    );
    expect(dropped.source).toBe('cgcnn');
    // its files picked without their folder (a browser's file picker): not named after id_prop.csv
    expect(droppedSource(readdirSync(d).map((n) => ({ name: n, text: '' }))).label).toBe('dropped files');
    expect(dropped.items.map((i) => [i.name, i.targets, i.parsed.structure])).toEqual(fromPath.items.map((i) => [i.name, i.targets, i.parsed.structure]));
    expect((await readDatasetAt(d, { limit: 3 })).items.map((i) => i.name)).toEqual(['1000041', '1000050', '1101051']);
  });

  it('a CGCNN folder picked as files under another kind says what was dropped and the kind it is; the app\'s import alike', async () => {
    const files = readdirSync(SAMPLE).map((n) => ({ name: n, text: readFileSync(join(SAMPLE, n), 'utf8') }));
    const said = 'the 12 dropped files (10 .cif, atom_init.json, id_prop.csv) have no .xyz/.extxyz file: choose the kind that reads them, a CGCNN folder (id_prop.csv, <id>.cif, optional atom_init.json)';
    await expect(readDataset(droppedSource(files), { kind: 'extxyz' }, inProcessIO)).rejects.toThrow(said);
    await expect(served.api.datasets.import({ kind: 'extxyz', files })).rejects.toMatchObject({ message: said });
    // files no kind reads: none is named
    const notes = [{ name: 'a.txt', text: 'x' }, { name: 'b.txt', text: 'y' }, { name: 'atom_init.json', text: '{}' }];
    await expect(readDataset(droppedSource(notes), { kind: 'csv' }, inProcessIO)).rejects.toThrow(/^the 3 dropped files \(2 \.txt, atom_init\.json\) have no \.csv file$/);
  });

  it('a CGCNN folder of compressed CIFs (<id>.cif.gz, .bz2, .xz) reads as the plain one', async () => {
    const d = folder('cgcnn-compressed', { 'id_prop.csv': readFileSync(join(SAMPLE, 'id_prop.csv'), 'utf8') });
    const ids = readFileSync(join(SAMPLE, 'id_prop.csv'), 'utf8').trim().split('\n').map((l) => l.split(',')[0]);
    const codecs = [(b: Buffer) => [gzipSync(b), '.gz'], (b: Buffer) => [bzip2(b), '.bz2'], (b: Buffer) => [xz(b), '.xz']] as const;
    ids.forEach((id, i) => {
      const [bytes, suffix] = codecs[i % 3](readFileSync(join(SAMPLE, `${id}.cif`)));
      writeFileSync(join(d, `${id}.cif${suffix}`), bytes);
    });
    const compressed = await readDatasetAt(d);
    const plain = await readDatasetAt(SAMPLE);
    expect(compressed.unlabelled).toEqual([]);
    expect(compressed.items.map((i) => [i.name, i.targets, i.parsed.structure])).toEqual(plain.items.map((i) => [i.name, i.targets, i.parsed.structure]));
    expect(compressed.items.map((i) => i.sourceFile)).toEqual(ids.map((id, i) => `${id}.cif${['.gz', '.bz2', '.xz'][i % 3]}`));
  });

  it('a CSV: file names with or without extension, several targets, a file that fails is reported and the others kept', async () => {
    const d = folder('csv', { 'labels.csv': 'name,gap,energy\n1000041,1.5,-3\n9011998.cif,0.5,-2\nbroken,1,1\nnone,2,2\n', 'broken.cif': 'data_x\n_cell_length_a 1\n' }, ['1000041.cif', '9011998.cif']);
    const r = await readDatasetAt(d, { target: 'gap,energy' });
    expect(r.items.map((i) => [i.name, i.file, i.targets])).toEqual([
      ['1000041', '1000041.cif', [1.5, -3]],
      ['9011998.cif', '9011998.cif', [0.5, -2]],
    ]);
    expect(r.targetNames).toEqual(['gap', 'energy']);
    expect(r.failed.map((f) => f.file)).toEqual(['broken.cif']);
    expect(r.failed[0].error.message.length).toBeGreaterThan(0);
    expect(r.unlabelled).toEqual(['none (no file)']);
  });

  it('a row left out is said once: its file refused (over the size cap, binary) is a failure, not also a row without a file; without a target, its CIF is not also "not in id_prop.csv"', async () => {
    const d = folder('refused', { 'id_prop.csv': '1000041,1\nbig,3\nbinary,4\n1000050,abc\n', 'binary.cif': 'data_x\n\0\n', 'big.cif': '' }, ['1000041.cif', '1000050.cif']);
    truncateSync(join(d, 'big.cif'), 70 * 1024 * 1024 + 1); // sparse: the cap is checked before reading
    const r = await readDatasetAt(d);
    expect(r.items.map((i) => i.name)).toEqual(['1000041']);
    expect(r.failed.map((f) => `${f.file}: ${f.error.message}`)).toEqual(['big.cif: is 70.0 MiB, more than the limit of 64.0 MiB for structure files', 'binary.cif: is a binary file, not text']);
    expect(r.unlabelled).toEqual(["line 4 (the target in column 2 is 'abc', not a number)"]);
    expect(leftOutMessage(r)).toMatch(/^2 whole files, 1 row or frame left out of /);
    // a CSV's row alike, whether its file is named with or without its extension
    const c = folder('refused-csv', { 'labels.csv': 'name,gap\n1000041,1.5\nbig,2\nbinary.cif,3\n', 'binary.cif': 'data_x\n\0\n', 'big.cif': '' }, ['1000041.cif']);
    truncateSync(join(c, 'big.cif'), 70 * 1024 * 1024 + 1);
    const t = await readDatasetAt(c);
    expect(t.items.map((i) => i.name)).toEqual(['1000041']);
    expect(t.failed.map((f) => f.file)).toEqual(['big.cif', 'binary.cif']);
    expect(t.unlabelled).toEqual([]);
  });

  it('a row repeating an earlier row\'s id is left out, the first kept, and said with both lines and both targets when they differ', async () => {
    const d = folder('repeated', { 'id_prop.csv': '1000041,1\n9000046,6.0\n9000046,6.5\n1000041,1.0\n' }, ['1000041.cif', '9000046.cif']);
    const r = await readDatasetAt(d);
    expect(r.items.map((i) => [i.name, i.targets])).toEqual([
      ['1000041', [1]],
      ['9000046', [6]],
    ]);
    expect(r.unlabelled).toEqual([
      '9000046 at line 3 repeats line 2 with another target (6.5; line 2: 6.0): left out, line 2 kept',
      '1000041 at line 4 repeats line 1 (the same target, 1): left out, line 1 kept',
    ]);
    // what train prints on standard error
    expect(leftOutMessage(r)).toContain('2 rows or frames left out of');
    expect(leftOutMessage(r)).toContain('9000046 at line 3 repeats line 2 with another target (6.5; line 2: 6.0)');
    // a CSV alike, several targets shown as written
    const c = folder('repeated-csv', { 'labels.csv': 'name,gap,energy\n1000041,1.5,-3\n1000041,1.5,-3.5\n' }, ['1000041.cif']);
    const t = await readDatasetAt(c, { target: 'gap,energy' });
    expect(t.items.map((i) => i.targets)).toEqual([[1.5, -3]]);
    expect(t.unlabelled).toEqual(['1000041 at line 3 repeats line 2 with another target (1.5, -3.5; line 2: 1.5, -3): left out, line 2 kept']);
  });

  it('extended XYZ: energy_per_atom by default, another per-frame key, a per-atom target, frames without the target left out', async () => {
    const xyz = join(dir, 'emt.extxyz');
    writeFileSync(xyz, emtFrames(5).replace(/ energy_per_atom=\S+/, ''));
    const r = await readDatasetAt(xyz);
    expect(r.targetKey).toBe('energy_per_atom');
    expect(r.items.map((i) => i.name)).toEqual(['emt-00001', 'emt-00002', 'emt-00003', 'emt-00004']);
    expect(r.unlabelled).toEqual(['emt-00000 (no energy_per_atom)']);
    expect(r.perAtomKeys).toEqual(['forces']);
    const energy = await readDatasetAt(xyz, { target: 'energy' });
    expect(energy.items).toHaveLength(5);
    expect(energy.items[0].targets[0]).toBeCloseTo(0.2507593261270422, 12);
    const forces = await readDatasetAt(xyz, { target: 'forces' });
    expect(forces.perAtomTarget).toEqual({ key: 'forces', width: 3 });
    expect(forces.items).toHaveLength(5);
    expect(forces.items[0].targets).toEqual([]);
    await expect(readDatasetAt(xyz, { target: 'nope' })).rejects.toThrow(/no frame has "nope".* the keys there are: .*\benergy\b.*forces \(per atom\)/);
  });

  it('labelled frames: a frame whose forces VASP could not print (****) is left out and named, never trained on as NaN', async () => {
    const d = folder('vasp-stars', { 'vasprun_ok.xml': vasprun(), 'vasprun_stars.xml': vasprun({ positions: ['  0.0 0.0 0.0 ', '  0.5 0.4 0.0 '], forces: [' 1.0 2.0 ****** ', ' -0.1 -0.2 -0.3 '] }) });
    const r = await readDatasetAt(d, { kind: 'frames' });
    expect(r.items.map((i) => i.name)).toEqual(['vasprun_ok.xml']);
    expect(r.unlabelled).toEqual(['frame 0 of vasprun_stars.xml: its forces hold values that are not numbers']);
    expect(r.frames!.labelsNotNumbers).toBe(1);
    expect(leftOutMessage(r)).toMatch(/frame 0 of vasprun_stars.xml: its forces hold values that are not numbers/);
  });

  it('labelled frames: a frame with two atoms at the same position is left out and named as a calculator refuses it (training on it stopped with a NaN loss that did not say why)', async () => {
    const lines = emtFrames(4).split('\n');
    // frame 2's atom 1 moved onto its atom 0 (species and position columns; its labels kept)
    let at = 0;
    for (let f = 0; f < 2; f++) at += Number(lines[at]) + 2;
    const atom0 = lines[at + 2].trim().split(/\s+/);
    const atom1 = lines[at + 3].trim().split(/\s+/);
    lines[at + 3] = [atom1[0], ...atom0.slice(1, 4), ...atom1.slice(4)].join(' ');
    const d = folder('same-position', { 'met.extxyz': lines.join('\n') });
    const r = await readDatasetAt(d, { kind: 'frames' });
    expect(r.items.map((i) => i.name)).toEqual(['met.extxyz:0', 'met.extxyz:1', 'met.extxyz:3']);
    expect(r.unlabelled).toEqual(['frame 2 of met.extxyz: atoms 0 and 1 are at the same position']);
    expect(r.frames!.atomsAtSamePosition).toBe(1);
    expect(r.frames!.labelsNotNumbers).toBe(0);
    expect(leftOutMessage(r)).toBe(`1 row or frame left out of ${d}:\n  frame 2 of met.extxyz: atoms 0 and 1 are at the same position`);
  });

  it('labelled frames: the left-out summary counts the frames a file left out, not the files ("8 rows or frames", said "1 row or frame")', async () => {
    // frames 0, 2 and 4 of six without an energy; in a second file (the next two frames) one
    const strip = (text: string, keep: (f: number) => boolean) => {
      const lines = text.split('\n');
      let at = 0;
      for (let f = 0; at < lines.length && lines[at].trim() !== ''; f++) {
        if (!keep(f)) lines[at + 1] = lines[at + 1].replace(/ energy=\S+/, '').replace(/ energy_per_atom=\S+/, '').replace(/ free_energy=\S+/, '');
        at += Number(lines[at]) + 2;
      }
      return lines.join('\n');
    };
    const d = folder('without-energy', { 'a.extxyz': strip(emtFrames(6), (f) => f % 2 === 1), 'b.extxyz': strip(emtFrames(8).slice(emtFrames(6).length), (f) => f === 1) });
    const r = await readDatasetAt(d, { kind: 'frames' });
    expect(r.items).toHaveLength(4);
    expect(r.unlabelled).toEqual(['a.extxyz (3 frames without an energy)', 'b.extxyz (1 frame without an energy)']);
    expect(r.unlabelledCount).toBe(4);
    expect(r.frames!.withoutEnergy).toBe(4);
    expect(leftOutMessage(r)).toBe(`4 rows or frames left out of ${d}:\n  a.extxyz (3 frames without an energy)\n  b.extxyz (1 frame without an energy)`);
  });

  it('labelled frames: an OUTCAR step whose force column overflowed (****) is left out by the reader, counted and named among the left out with its file, line and atom; the other steps keep the names of their steps in the file; a stress left out is said with its step and line', async () => {
    const text = spawnSync('xz', ['-dc', join(VASP, 'materialsproject+custodian/postprocess/OUTCAR.xz')]).stdout.toString();
    const lines = text.split('\n');
    const at = (marker: string, k: number) => lines.map((l, i) => (l.includes(marker) ? i : -1)).filter((i) => i >= 0)[k];
    // step 2's stress and step 3's x and y forces of atom 2 over their whole fields (one run of stars), as VASP prints a number too wide for them
    const stress = at('in kB', 1);
    lines[stress] = lines[stress].replace('-58.87159', '*'.repeat(9));
    const force = at('TOTAL-FORCE', 2) + 4;
    lines[force] = `${lines[force].slice(0, 42)}${'*'.repeat(28)}${lines[force].slice(70)}`;
    const d = folder('outcar-stars', { OUTCAR: lines.join('\n') });
    const r = await readDatasetAt(d, { kind: 'frames' });
    const whole = await readDatasetAt(folder('outcar-whole', { OUTCAR: text }), { kind: 'frames' });
    expect(whole.items.map((i) => i.name)).toEqual(Array.from({ length: 28 }, (_, k) => `OUTCAR:${k + 1}`));
    // the names follow the file's steps (VASP's count, from 1): OUTCAR:3 is missing, OUTCAR:4 is still the 4th step
    expect(r.items.map((i) => i.name)).toEqual(whole.items.map((i) => i.name).filter((n) => n !== 'OUTCAR:3'));
    // each stored with its frame as `--frames` counts the frames read (the Structures list's 'step 4 · OUTCAR · frame 2')
    expect(r.items.map((i) => i.parsed.block)).toEqual(Array.from({ length: 27 }, (_, k) => k));
    expect(r.items.map((i) => i.targets[0])).toEqual(whole.items.filter((i) => i.name !== 'OUTCAR:3').map((i) => i.targets[0]));
    const leftOut = `step 3 of OUTCAR (frame 2, counting from 0) left out: line ${force + 1}: the force column of atom 2 (the 3rd) overflowed (VASP printed **** for a force too wide for its field: '${lines[force].trim()}'), so its forces cannot be read`;
    // counted and said with what else was left out, not only among the notes
    expect(r.unlabelled).toEqual([leftOut]);
    expect(r.frames!.leftOutByReader).toBe(1);
    expect(r.frames!.read).toBe(27);
    expect(r.frames!.labelsNotNumbers).toBe(0);
    expect(r.frames!.labels.stress).toBe(26);
    expect(r.frames!.notes).toEqual([`step 2: line ${stress + 1}: the stress is not 6 numbers ('${lines[stress].trim()}'): left out`]);
    expect(leftOutMessage(r)).toBe(`1 row or frame left out of ${d}:\n  ${leftOut}`);
    // in a folder of several files, each note names its file
    writeFileSync(join(d, 'vasprun.xml'), vasprun());
    expect((await readDatasetAt(d, { kind: 'frames' })).frames!.notes[0]).toBe(`OUTCAR: step 2: line ${stress + 1}: the stress is not 6 numbers ('${lines[stress].trim()}'): left out`);
  });

  it('a folder whose only candidates are no regular files (a FIFO, a link to /dev/zero) names them, as a FIFO named alone is named', async () => {
    const d = folder('not-files', {});
    spawnSync('mkfifo', [join(d, 'f.xyz')]);
    symlinkSync('/dev/zero', join(d, 'z.extxyz'));
    const not = 'not read, not regular files: f.xyz (a FIFO (named pipe)), z.extxyz (a link to /dev/zero, a character device)';
    await expect(readDatasetAt(d, { kind: 'frames' })).rejects.toThrow(`${d} has no file to read frames from (${READABLE_FILES}); ${not}`);
    await expect(readDatasetAt(d, { kind: 'extxyz' })).rejects.toThrow(`${d} has no .xyz/.extxyz file; ${not}`);
  });

  it('labelled frames: an energy far out of line with the others\' is a warning naming file and frame; the normal frames give none', async () => {
    const text = emtFrames(12);
    const normal = folder('energy-normal', { 'emt.extxyz': text });
    expect((await readDatasetAt(normal, { kind: 'frames' })).frames!.warnings.join('\n')).not.toMatch(/out of line/);
    // frame 7's energy a million eV off
    let k = -1;
    const bad = text.replace(/ energy=(\S+)/g, (m, e: string) => (++k === 7 ? ` energy=${Number(e) + 1e6}` : m));
    const r = await readDatasetAt(folder('energy-outlier', { 'emt.extxyz': bad }), { kind: 'frames' });
    expect(r.items).toHaveLength(12);
    const warnings = r.frames!.warnings.filter((w) => /out of line/.test(w));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^energy far out of line with the other frames' in 1 frame: emt\.extxyz:7 \(\S+ eV, \d+ atoms: \+\d\.\d\de\+\d eV\/atom from the others\); more than 10\.0 eV\/atom from the median/);
  });

  it('labelled frames: a file whose one atom line breaks it is left out whole, and the message counts it as a file, its line named once', async () => {
    const frame = (n: number, atoms: string[]) => `${n}\nLattice="4 0 0 0 4 0 0 0 4" Properties=species:S:1:pos:R:3:forces:R:3 energy=-1.5 pbc="T T T"\n${atoms.join('\n')}\n`;
    const atoms = ['Cu 0 0 0 0 0 0', 'Cu 2 2 0 0 0 0'];
    // the second frame says 3 atoms: its third "atom line" is the next frame's count
    const broken = frame(2, atoms) + frame(3, atoms) + frame(2, atoms);
    const d = folder('frames-broken', { 'vasprun_ok.xml': vasprun(), 'broken.extxyz': broken, 'vasprun_stars.xml': vasprun({ positions: ['  0.0 0.0 0.0 ', '  0.5 0.4 0.0 '], forces: [' 1.0 2.0 ****** ', ' -0.1 -0.2 -0.3 '] }) });
    const r = await readDatasetAt(d, { kind: 'frames' });
    expect(r.items.map((i) => i.name)).toEqual(['vasprun_ok.xml']);
    expect(leftOutMessage(r)).toBe(
      `1 whole file, 1 row or frame left out of ${d}:\n  broken.extxyz: line 9: the Properties of frame 1 give 7 columns but this atom line has 1\n  frame 0 of vasprun_stars.xml: its forces hold values that are not numbers`,
    );
  });
});

const served = serveTestCore();

describe('the app imports with the same reader', () => {
  it('the items of an imported dataset are the command line\'s, row for row', async () => {
    const cli = await readDatasetAt(SAMPLE);
    const ds = await served.api.datasets.import({ kind: 'cgcnn-folder', path: SAMPLE });
    const items = await served.api.datasets.items({ id: ds.id, offset: 0, limit: 100 });
    expect(items.items.map((i) => [i.name, i.target])).toEqual(cli.items.map((i) => [i.name, i.targets[0]]));
    expect(ds.targetKey).toBe(cli.targetKey);
  });

  it("a file that is no extended XYZ (a binary, junk text) imported without a target key says why it could not be read, with its line, not that its frames lack a target key (as train does)", async () => {
    const binary = join(dir, 'binary.extxyz');
    writeFileSync(binary, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0x0a, 0x41]));
    const junk = join(dir, 'junk.extxyz');
    writeFileSync(junk, 'c1 abc xyz_0123\nabc 7 xyz\n');
    for (const [path, why] of [
      [binary, /^no labelled structure could be read — binary\.extxyz: is a binary file, not text$/],
      [junk, /^no labelled structure could be read — junk\.extxyz: line 1: /],
    ] as const) {
      await expect(served.api.datasets.import({ kind: 'extxyz', path })).rejects.toMatchObject({ message: expect.stringMatching(why) });
      const read = await readDatasetAt(path);
      expect(read.items).toEqual([]);
      expect(read.failed.map((f) => f.file)).toEqual([path.split('/').pop()]);
    }
  });

  it('refuses several targets or a per-atom target for a dataset, saying why', async () => {
    const csv = folder('two-targets', { 'labels.csv': 'name,gap,energy\n1000041,1.5,-3\n' }, ['1000041.cif']);
    await expect(served.api.datasets.import({ kind: 'csv', path: csv, target: 'gap,energy' })).rejects.toMatchObject({ message: expect.stringMatching(/2 targets were asked for \(gap, energy\): a dataset holds one target per structure/) });
    const xyz = join(dir, 'f.extxyz');
    writeFileSync(xyz, emtFrames(2));
    await expect(served.api.datasets.import({ kind: 'extxyz', path: xyz, target: 'forces' })).rejects.toMatchObject({ message: expect.stringMatching(/"forces" is a per-atom array/) });
  });
});
