/**
 * Datasets of labelled frames: VASP outputs, extended XYZ, ASE databases and folders of them import
 * with one structure per frame (energy, forces, stress kept), a frame selection, de-duplication,
 * and an import report of frames, labels and units; a truncated or corrupted file is reported and
 * the others are kept; an import can be cancelled.
 */
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { JobProgress } from '../../../src-shared/ipc/contract';
import { frameOfStructure, readFrames as readChemFrames, writeExtxyz } from '../../../src-shared/chem';
import { EmtCalculator } from '../../../src-shared/sim';
import { structureFromJSON } from '../../../src-shared/chem/serialize';
import { serveTestCore } from '../../helpers/core';
import { gzipSync } from '../../helpers/compress';
import { shared } from '../../helpers/shared-data';

const VASP = fileURLToPath(new URL('../../fixtures/vasp/', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../fixtures/', import.meta.url));
const served = serveTestCore();

const golden = JSON.parse(readFileSync(join(VASP, 'golden.json'), 'utf8')) as { files: { file: string; frames: number; energy: number[]; forces: number[][] | null; stress: number[] | null }[] };
const g = (f: string) => golden.files.find((x) => x.file === f)!;

function folder(): string {
  const dir = mkdtempSync(join(tmpdir(), 'lw-frames-ds-'));
  copyFileSync(join(VASP, 'materialsproject+custodian/postprocess/vasprun.xml.xz'), join(dir, 'vasprun.xml.xz'));
  copyFileSync(join(VASP, 'materialsproject+custodian/npt_common/OUTCAR.xz'), join(dir, 'OUTCAR.xz'));
  copyFileSync(join(VASP, 'phonopy+phonopy/spectrum/XDATCAR'), join(dir, 'XDATCAR'));
  copyFileSync(join(FIXTURES, 'ase-db/ase_written.db'), join(dir, 'emt.db'));
  writeFileSync(join(dir, 'INCAR'), 'ENCUT = 520\n'); // not a frame file: not read
  // a corrupted gzip and a truncated extended XYZ: reported, the others kept
  const gz = gzipSync(readFileSync(shared('cgcnn-sample-regression', '1000041.cif')));
  gz[Math.floor(gz.length / 2)] ^= 0xff;
  writeFileSync(join(dir, 'broken.cif.gz'), gz);
  const xyz = readFileSync(shared('emt-dev', 'emt_dataset.extxyz'), 'utf8').split('\n');
  writeFileSync(join(dir, 'cut.extxyz'), xyz.slice(0, 40).join('\n'));
  return dir;
}

describe('datasets of labelled frames', () => {
  it('imports a folder of VASP outputs, an ASE database and trajectories; reports the broken files and keeps the others', async () => {
    const dir = folder();
    const progress: JobProgress[] = [];
    const off = served.api.jobs.onProgress((p) => progress.push(p));
    const ds = await served.api.datasets.import({ kind: 'frames', path: dir, name: 'vasp-folder' });
    off();
    const vasprun = g('materialsproject+custodian/postprocess/vasprun.xml.xz');
    const outcar = g('materialsproject+custodian/npt_common/OUTCAR.xz');
    const r = ds.report.frames!;
    expect(ds.kind).toBe('frames');
    expect(r.files).toBe(6);
    // XDATCAR frames have no energy: left out and counted
    expect(r.read).toBe(vasprun.frames + outcar.frames + 11 + 4 + 0);
    expect(r.withoutEnergy).toBe(11 + 1); // the XDATCAR frames and the ASE database's water molecule
    // the report's left-out count (the app's "left out" tile): those 12 frames, named in two lines (one per file)
    expect(ds.report.unlabelled).toHaveLength(2);
    expect(ds.report.unlabelledCount).toBe(12);
    expect(ds.size).toBe(vasprun.frames + outcar.frames + 3);
    expect(ds.targetKey).toBe('energy');
    expect(ds.report.failed.map((f) => f.file).sort()).toEqual(['broken.cif.gz', 'cut.extxyz']);
    expect(ds.report.failed.find((f) => f.file === 'broken.cif.gz')!.error.message).toMatch(/cannot decompress this gzip file/);
    expect(ds.report.failed.find((f) => f.file === 'cut.extxyz')!.error.message).toMatch(/^line \d+: .*ends (before|after)/);
    // the ASE database's slab row has forces but no stress
    expect(r.labels).toEqual({ energy: ds.size, freeEnergy: vasprun.frames + outcar.frames, forces: ds.size, stress: ds.size - 1 });
    expect(r.units.stress).toMatch(/eV\/Å³.*positive = tensile/);
    expect(r.findings.join('\n')).toMatch(/forces sum to about zero/);
    expect(ds.report.perAtomKeys).toContain('forces');
    expect(progress.some((p) => p.kind === 'import-dataset' && p.total !== null && p.done > 0)).toBe(true);

    // each item is the frame, its labels kept: the vasprun's last step equals ASE's numbers
    const items = await served.api.datasets.items({ id: ds.id, offset: 0, limit: 1000 });
    const last = items.items.find((i) => i.name === `vasprun.xml.xz:${vasprun.frames}`)!;
    expect(last.target).toBeCloseTo(vasprun.energy[vasprun.frames - 1], 9);
    const s = await served.api.structures.get({ id: last.structureId });
    const frame = frameOfStructure(structureFromJSON(s.structure));
    expect(frame.energy).toBe(last.target);
    vasprun.forces!.flat().forEach((f, k) => expect(Math.abs(frame.forces![k] - f)).toBeLessThan(1e-6));
    vasprun.stress!.forEach((x, k) => expect(Math.abs(frame.stress![k] - x)).toBeLessThan(1e-7));
    expect(s.format).toBe('vasprun');
  });

  it('selects the last or every k-th frame of each file and drops identical frames', async () => {
    const text = readFileSync(shared('emt-dev', 'emt_dataset.extxyz'), 'utf8');
    const frames = text.split('\n');
    // 30 frames, then the first 10 again (identical): 30 distinct
    const n30: string[] = [];
    let i = 0;
    for (let f = 0; f < 30; f++) {
      const n = Number(frames[i]);
      n30.push(...frames.slice(i, i + n + 2));
      i += n + 2;
    }
    let j = 0;
    const again: string[] = [];
    for (let f = 0; f < 10; f++) {
      const n = Number(n30[j]);
      again.push(...n30.slice(j, j + n + 2));
      j += n + 2;
    }
    const file = { name: 'emt40.extxyz', text: [...n30, ...again].join('\n') + '\n' };
    const all = await served.api.datasets.import({ kind: 'frames', files: [file], name: 'all' });
    expect(all.report.frames!.read).toBe(40);
    expect(all.report.frames!.duplicates).toBe(10);
    expect(all.size).toBe(30);
    const every = await served.api.datasets.import({ kind: 'frames', files: [file], name: 'every7', selection: { mode: 'every', every: 7 } });
    expect(every.report.frames!.selected).toBe(6); // frames 0, 7, 14, 21, 28, 35 (35 repeats frame 5)
    expect(every.size).toBe(6);
    const last = await served.api.datasets.import({ kind: 'frames', files: [file], name: 'last', selection: { mode: 'last' } });
    expect(last.size).toBe(1);
    const items = await served.api.datasets.items({ id: last.id, offset: 0, limit: 10 });
    expect(items.items[0].name).toBe('emt40.extxyz:39');
    // identical labels too: nothing to warn of
    expect(all.report.frames!.warnings.filter((w) => w.includes('with other labels'))).toEqual([]);

    // the same structure again with another energy and forces: left out, and said, naming both frames
    const first = n30.slice(0, Number(n30[0]) + 2);
    const other = [first[0], first[1].replace(/energy=(-?[\d.]+)/, (_, e: string) => `energy=${Number(e) + 1}`), ...first.slice(2).map((l) => l.replace(/(\S+)$/, (f) => String(2 * Number(f) + 0.5)))];
    const conflicting = await served.api.datasets.import({ kind: 'frames', files: [{ name: 'twice.extxyz', text: [...first, ...other].join('\n') + '\n' }], name: 'twice' });
    expect(conflicting.size).toBe(1);
    expect(conflicting.report.frames!.duplicates).toBe(1);
    expect(conflicting.report.frames!.warnings).toContain('twice.extxyz:1 is the structure of twice.extxyz:0 with other labels (energy +1.000 eV, forces): left out, twice.extxyz:0 kept');
  });

  it('reads dropped compressed files and maps label keys as told', async () => {
    const xml = readFileSync(join(VASP, 'materialsproject+custodian/io/vasprun.xml.gz'));
    const ref = `1\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3:REF_forces:R:3 REF_energy=-3.5 energy=99 pbc="T T T"\nCu 0 0 0 0 0 0\n`;
    const ds = await served.api.datasets.import({
      kind: 'frames',
      name: 'dropped',
      files: [
        { name: 'run/vasprun.xml.gz', base64: xml.toString('base64') },
        { name: 'run/ref.extxyz', text: ref },
      ],
      energyKey: 'REF_energy',
    });
    expect(ds.size).toBe(g('materialsproject+custodian/io/vasprun.xml.gz').frames + 1);
    expect(ds.report.frames!.notes.join('\n')).toMatch(/run\/ref.extxyz: energy from 'REF_energy'; also present: 'energy'/);
    const items = await served.api.datasets.items({ id: ds.id, offset: 0, limit: 10 });
    expect(items.items.find((i) => i.name === 'run/ref.extxyz')!.target).toBe(-3.5);
  });

  it("labels unlabelled structures with EMT: ASE's EMT numbers of the shared EMT set, wherever the structures come from", async () => {
    // the first 12 frames of the shared EMT set (labelled by ASE's EMT), their labels stripped
    const { frames } = readChemFrames('emt.extxyz', readFileSync(shared('emt-dev', 'emt_dataset.extxyz'), 'utf8'));
    const reference = frames.slice(0, 12);
    const bare = reference.map((f) => writeExtxyz({ ...f.structure, properties: {}, siteProperties: {} })).join('');
    expect(bare).not.toMatch(/energy|forces|stress/);
    const ds = await served.api.datasets.import({ kind: 'frames', name: 'emt-labelled', files: [{ name: 'bare.extxyz', text: bare }], label: 'emt' });
    expect(ds.size).toBe(12);
    expect(ds.report.frames!.withoutEnergy).toBe(0);
    expect(ds.report.frames!.labels).toEqual({ energy: 12, freeEnergy: 12, forces: 12, stress: 12 });
    expect(ds.report.frames!.notes.join('\n')).toMatch(/computed with EMT/);
    const items = (await served.api.datasets.items({ id: ds.id, offset: 0, limit: 100 })).items;
    for (const [k, ref] of reference.entries()) {
      const item = items.find((i) => i.name === `bare.extxyz:${k}`)!;
      expect(Math.abs(item.target - ref.energy!)).toBeLessThan(1e-6);
      const got = frameOfStructure(structureFromJSON((await served.api.structures.get({ id: item.structureId })).structure));
      expect(Math.max(...Array.from(got.forces!, (x, i) => Math.abs(x - ref.forces![i])))).toBeLessThan(1e-6);
      expect(Math.max(...got.stress!.map((x, i) => Math.abs(x - ref.stress![i])))).toBeLessThan(1e-7);
    }
    // labels in a file are replaced; an element EMT does not describe fails that file, naming the frame
    const ds2 = await served.api.datasets.import({
      kind: 'frames',
      name: 'emt-relabelled',
      files: [
        { name: 'cu.extxyz', text: `1\nLattice="0 1.8 1.8 1.8 0 1.8 1.8 1.8 0" Properties=species:S:1:pos:R:3 energy=99 pbc="T T T"\nCu 0 0 0\n` },
        { name: 'fe.extxyz', text: `1\nLattice="0 1.4 1.4 1.4 0 1.4 1.4 1.4 0" Properties=species:S:1:pos:R:3 pbc="T T T"\nFe 0 0 0\n` },
      ],
      label: 'emt',
    });
    expect(ds2.size).toBe(1);
    const cu = (await served.api.datasets.items({ id: ds2.id, offset: 0, limit: 10 })).items[0];
    expect(cu.target).toBeCloseTo(new EmtCalculator().compute(readChemFrames('cu.extxyz', `1\nLattice="0 1.8 1.8 1.8 0 1.8 1.8 1.8 0" Properties=species:S:1:pos:R:3 pbc="T T T"\nCu 0 0 0\n`).frames[0].structure).energy, 12);
    expect(ds2.report.failed).toEqual([{ file: 'fe.extxyz', error: expect.objectContaining({ message: expect.stringMatching(/frame 0: EMT has no parameters for Fe/) }) }]);
    // both files were read; one was labelled, the other not (with the reason above)
    expect(ds2.report.frames).toMatchObject({ files: 2, read: 2, labelling: { calculator: 'EMT', labelled: 1, unlabelled: 1 } });
    // only a dataset of frames is labelled so
    await expect(served.api.datasets.import({ kind: 'cgcnn-folder', path: shared('emt-dev', 'cgcnn'), label: 'emt' })).rejects.toThrow(/labelling with EMT is for a dataset of frames/);
  });

  it('says when stress looks like kbar, and converts nothing', async () => {
    const frames = [0, 1, 2]
      .map((k) => `1\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3:forces:R:3 energy=${-3 - k} stress="${-50 - k} 0 0 0 ${-50 - k} 0 0 0 ${-50 - k}" pbc="T T T"\nCu ${k * 0.1} 0 0 0 0 0`)
      .join('\n');
    const ds = await served.api.datasets.import({ kind: 'frames', name: 'kbar', files: [{ name: 'kbar.extxyz', text: frames + '\n' }] });
    expect(ds.report.frames!.warnings.join('\n')).toMatch(/stress looks like kB or GPa/);
    const items = await served.api.datasets.items({ id: ds.id, offset: 0, limit: 10 });
    const s = await served.api.structures.get({ id: items.items[0].structureId });
    expect(frameOfStructure(structureFromJSON(s.structure)).stress![0]).toBe(-50);
  });

  it('names every dropped file that gives no frame, with its line and problem, and names the dataset after the files that gave frames', async () => {
    const lines = readFileSync(shared('emt-dev', 'emt_dataset.extxyz'), 'utf8').split('\n');
    const good = { name: 'good.extxyz', text: lines.slice(0, 57).join('\n') + '\n' }; // 5 frames
    const badline = { name: 'badline.extxyz', text: [...lines.slice(0, 24), 'Ag 1.0 2.0', ...lines.slice(25, 39)].join('\n') + '\n' };
    const empty = { name: 'empty.extxyz', text: '' };
    const random = { name: 'random.bin', base64: Buffer.from(Array.from({ length: 256 }, (_, k) => (k * 97 + 13) % 256)).toString('base64') };
    const datasetsBefore = (await served.api.datasets.list({})).length;
    const structuresBefore = (await served.api.structures.list({})).length;

    await expect(served.api.datasets.import({ kind: 'frames', files: [empty] })).rejects.toMatchObject({ name: 'UserError', message: expect.stringContaining('empty.extxyz: the file is empty') });
    const twoBad = served.api.datasets.import({ kind: 'frames', files: [random, badline] });
    await expect(twoBad).rejects.toMatchObject({ message: expect.stringMatching(/badline\.extxyz: line 25: .*random\.bin \(not read: not a file frames are read from/s) });
    await expect(served.api.datasets.import({ kind: 'frames', files: [random, empty] })).rejects.toMatchObject({
      message: expect.stringMatching(/empty\.extxyz: the file is empty.*random\.bin \(not read/s),
    });
    expect((await served.api.datasets.list({})).length).toBe(datasetsBefore);
    expect((await served.api.structures.list({})).length).toBe(structuresBefore);

    // a broken file dropped with a good one: the dataset is named after the good one, the broken one is listed
    const ds = await served.api.datasets.import({ kind: 'frames', files: [badline, good, empty] });
    expect(ds.name).toBe('good.extxyz');
    expect(ds.size).toBe(5);
    expect(ds.report.failed.map((f) => [f.file, f.error.line])).toEqual([
      ['badline.extxyz', 25],
      ['empty.extxyz', null],
    ]);
    expect(ds.report.failed[1].error.message).toBe('the file is empty');
  });

  it('can be cancelled, and keeps nothing of a cancelled import', async () => {
    const before = (await served.api.datasets.list({})).length;
    const text = readFileSync(shared('emt-dev', 'emt_dataset.extxyz'), 'utf8');
    const jobId = 'cancel-frames';
    const started = served.api.datasets.import({ kind: 'frames', name: 'cancelled', files: [{ name: 'big.extxyz', text: text + text }], jobId });
    let cancelled = false;
    const off = served.api.jobs.onProgress((p) => {
      if (p.jobId === jobId && p.done > 0 && !cancelled) {
        cancelled = true;
        void served.api.jobs.cancel({ jobId });
      }
    });
    await expect(started).rejects.toMatchObject({ name: 'CancelledError' });
    off();
    expect((await served.api.datasets.list({})).length).toBe(before);
  });
});
