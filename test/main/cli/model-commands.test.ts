import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importModelCommand } from '../../../src-main/cli/commands/import-model';
import { predictCommand } from '../../../src-main/cli/commands/predict';
import { relaxCommand } from '../../../src-main/cli/commands/simulate';
import { makeTrainCommand } from '../../../src-main/cli/commands/train';
import { encodeModelFile } from '../../../src-main/engine/models/format';
import { importCgcnnCheckpoint } from '../../../src-main/engine/import/cgcnn';
import { withModelRepository } from '../../../src-main/models/store';
import { SHARED_DATA } from '../../helpers/shared-data';
import { parseCsv } from '../../../src-main/datasets/table';

const PRE = `${SHARED_DATA}/cgcnn-pretrained`;
const SAMPLES = `${SHARED_DATA}/cgcnn-sample-regression`;
const ref = new Map(
  readFileSync(join(PRE, 'reference-predictions-sample.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','))
    .map(([m, id, v]) => [`${m}/${id}`, Number(v)] as const),
);

const dir = mkdtempSync(join(tmpdir(), 'lw-models-'));
/** train without a run database: what it refuses before any work is the same. */
const trainCommand = makeTrainCommand();
const db = join(dir, 'models.sqlite');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a command with the test database's models (as `latticework CMD --db DB` does). */
async function run(cmd: typeof predictCommand, argv: string[], cwd = SAMPLES) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await withModelRepository(db, () => cmd.run({ argv, cwd, io: { out: (t) => out.push(t), err: (t) => err.push(t) } }));
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('import-model and predict commands', () => {
  it('imports a checkpoint into the database and refuses to overwrite without --force', async () => {
    // named after its file by default: band-gap is the built-in CGCNN band gap's short name, refused as --name would be
    const builtin = await run(importModelCommand, [join(PRE, 'band-gap.pth.tar')]);
    expect([builtin.code, builtin.err]).toEqual([
      2,
      'latticework import-model: "band-gap" already names the built-in model "CGCNN band gap" (the command line\'s --model and --from take it for the built-in); choose another --name',
    ]);
    const r = await run(importModelCommand, [join(PRE, 'band-gap.pth.tar'), '--name', 'my-gap', '--json']);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc).toMatchObject({ name: 'my-gap', task: 'regression', architecture: 'cgcnn', parameters: 96641 });
    expect(doc.targets[0]).toMatchObject({ name: 'band_gap', unit: 'eV' });
    expect(doc.location).toMatch(/#model=\d+$/);
    expect(doc.location.startsWith(`sqlite:${db}#`)).toBe(true);
    const again = await run(importModelCommand, [join(PRE, 'band-gap.pth.tar'), '--name', 'my-gap']);
    // a taken name is bad usage (exit 2), as train says it
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already exists/);
    expect((await run(importModelCommand, [join(PRE, 'band-gap.pth.tar'), '--force', '--name', 'gap'])).code).toBe(0);
  });

  it('import-model --out refuses an existing file and a missing folder before importing (nothing is overwritten)', async () => {
    const kept = join(dir, 'kept.lwm');
    writeFileSync(kept, 'a trained model');
    const exists = await run(importModelCommand, [join(PRE, 'band-gap.pth.tar'), '--out', kept]);
    expect([exists.code, exists.err]).toEqual([2, `latticework import-model: --out ${kept} exists: give a new file (nothing is overwritten)`]);
    expect(readFileSync(kept, 'utf8')).toBe('a trained model');
    const noFolder = await run(importModelCommand, [join(PRE, 'band-gap.pth.tar'), '--out', join(dir, 'nodir', 'm.lwm')]);
    expect([noFolder.code, noFolder.err]).toEqual([2, `latticework import-model: --out ${join(dir, 'nodir', 'm.lwm')}: there is no folder ${join(dir, 'nodir')}`]);
  });

  it('predict --json by stored name matches CGCNN predict.py', async () => {
    const r = await run(predictCommand, ['--model', 'my-gap', '1000041.cif', '9011998.cif', '--json', '--backend', 'wasm']);
    expect(r.code, r.err).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.map((p: { file: string }) => p.file)).toEqual(['1000041.cif', '9011998.cif']);
    for (const p of doc) {
      expect(p.model).toBe('my-gap');
      expect(p.unit).toBe('eV');
      expect(p.std).toBeUndefined();
      expect(Math.abs(p.prediction - ref.get(`band-gap/${p.file.replace('.cif', '')}`)!)).toBeLessThan(1e-4);
    }
  });

  it('predict with a .pth.tar path, text output, contributions that add up', async () => {
    const r = await run(predictCommand, ['--model', join(PRE, 'semi-metal-classification.pth.tar'), '1000050.cif', '--contributions', '--backend', 'cpu']);
    expect(r.code, r.err).toBe(0);
    const lines = r.out.split('\n');
    // the class is named as in the app (P(metal)); --json keeps the stored unit "probability"
    expect(lines[0]).toMatch(/^1000050\.cif\s+semi-metal-classification\s+[-+.e\d]+ P\(metal\)$/);
    const p = Number(lines[0].split(/\s+/)[2]);
    expect(Math.abs(p - ref.get('semi-metal-classification/1000050')!)).toBeLessThan(1e-4);
    const contribs = lines.slice(1).map((l) => Number(l.trim().split(/\s+/).pop()));
    expect(contribs).toHaveLength(2);
    expect(Math.abs(contribs[0] + contribs[1] - p)).toBeLessThan(2e-4);
  });

  it('predict text output reads moduli in log₁₀ GPa with GPa beside, as the app; --json keeps "log(GPa)"', async () => {
    const text = await run(predictCommand, ['--model', join(PRE, 'bulk-moduli.pth.tar'), '1000041.cif', '--backend', 'wasm']);
    expect(text.code, text.err).toBe(0);
    const m = /^1000041\.cif\s+bulk-moduli\s+([-+.e\d]+) log₁₀ GPa \(= ([-+.e\d]+) GPa\)$/.exec(text.out.split('\n')[0]);
    expect(m, text.out).not.toBeNull();
    expect(Number(m![2])).toBeCloseTo(10 ** Number(m![1]), 1);
    const json = await run(predictCommand, ['--model', join(PRE, 'bulk-moduli.pth.tar'), '1000041.cif', '--json', '--backend', 'wasm']);
    expect(JSON.parse(json.out)[0].unit).toBe('log(GPa)');
  });

  it('reports unknown models, unreadable files and bad usage with exit codes', async () => {
    const missing = await run(predictCommand, ['--model', 'nope', '1000041.cif']);
    expect(missing.code).toBe(1);
    expect(missing.err).toMatch(/no model "nope".*my-gap/);
    const bad = join(dir, 'bad.cif');
    writeFileSync(bad, 'data_x\n_cell_length_a 3\n');
    const partly = await run(predictCommand, ['--model', 'my-gap', '1000041.cif', bad, '--json']);
    expect(partly.code).toBe(1);
    const entries = JSON.parse(partly.out);
    expect(entries).toHaveLength(2);
    expect(entries[0].file).toBe('1000041.cif');
    expect(entries[1]).toMatchObject({ file: bad, error: { name: 'StructureParseError' } });
    expect((await run(predictCommand, ['1000041.cif'])).code).toBe(2);
    expect((await run(importModelCommand, [])).code).toBe(2);
    expect((await run(importModelCommand, [join(SAMPLES, '1000041.cif')])).code).toBe(1);
    // an --atom-init that is not JSON is named with its line and column, not the checkpoint
    const atomInit = await run(importModelCommand, [join(PRE, 'band-gap.pth.tar'), '--atom-init', 'id_prop.csv', '--name', 'x']);
    expect([atomInit.code, atomInit.err]).toEqual([1, 'latticework import-model: --atom-init id_prop.csv:1:8: not valid JSON: Unexpected non-whitespace character after JSON']);
    writeFileSync(join(dir, 'list.json'), '[1, 2]\n');
    const list = await run(importModelCommand, [join(PRE, 'band-gap.pth.tar'), '--atom-init', join(dir, 'list.json'), '--name', 'x']);
    expect(list.err).toBe(`latticework import-model: --atom-init ${join(dir, 'list.json')}: an atom_init.json is a JSON object ({...}), not an array`);
  });

  it('a folder or a missing file given as a model, a checkpoint, a config or an atom table is named with its option, in the structure readers\' words, not as Node\'s EISDIR/ENOENT', async () => {
    const folder = mkdtempSync(join(dir, 'a-folder-'));
    const name = folder.slice(dir.length + 1);
    const cases: [typeof predictCommand, string[], number, string][] = [
      [predictCommand, ['--model', name, join(SAMPLES, '1000041.cif'), '--json'], 1, `latticework predict: --model ${name}: is a folder, not a regular file`],
      [trainCommand, ['--data', SAMPLES, '--from', name, '--backend', 'cpu'], 1, `latticework train: --from ${name}: is a folder, not a regular file`],
      [trainCommand, ['--data', SAMPLES, '--config', name, '--backend', 'cpu'], 2, `latticework train: --config ${name}: is a folder, not a regular file`],
      [trainCommand, ['--data', SAMPLES, '--config', 'nope.json', '--backend', 'cpu'], 2, 'latticework train: --config nope.json: no such file'],
      [importModelCommand, [name, '--name', 'x'], 1, `latticework import-model: ${name}: is a folder, not a regular file`],
      [importModelCommand, ['nope.pth.tar', '--name', 'x'], 1, 'latticework import-model: nope.pth.tar: no such file'],
      [importModelCommand, [join(PRE, 'band-gap.pth.tar'), '--atom-init', name, '--name', 'x'], 1, `latticework import-model: --atom-init ${name}: is a folder, not a regular file`],
      [relaxCommand, [join(SAMPLES, '1000041.cif'), '--model', name], 1, `latticework relax: --model ${name}: is a folder, not a regular file`],
    ];
    for (const [cmd, argv, code, message] of cases) {
      const r = await run(cmd, argv, dir);
      expect([r.code, r.err.split('\n\n')[0]], argv.join(' ')).toEqual([code, message]);
    }
  });

  it('names a file that is not a model as such, with what to choose instead', async () => {
    const junk = join(dir, 'notes.pth.tar');
    writeFileSync(junk, 'hello');
    for (const cmd of [importModelCommand, predictCommand]) {
      const r = await run(cmd, cmd === predictCommand ? ['--model', junk, '1000041.cif'] : [junk]);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/notes\.pth\.tar is not a model file: it is neither a Latticework model \(\.lwm\) nor a CGCNN checkpoint/);
      expect(r.err).toMatch(/Choose model_best\.pth\.tar/);
      expect(r.err).not.toMatch(/PickleError/);
    }
  });

  it('says a .lwm given to import-model is a Latticework model, which it does not convert, and how to use it', async () => {
    const lwm = join(process.cwd(), 'resources', 'models', 'band-gap.lwm');
    const r = await run(importModelCommand, [lwm]);
    expect([r.code, r.err]).toEqual([
      1,
      `latticework import-model: ${lwm} is a Latticework model file (.lwm): import-model converts CGCNN checkpoints (.pth.tar). A .lwm needs no conversion: predict with it as it is (latticework predict --model ${lwm} FILE...), or store it with the app's Import model.`,
    ]);
  });

  it('predict --model with a .lwm whose header its weights do not bear out names the file and the problem', async () => {
    const bytes = readFileSync(join(process.cwd(), 'resources', 'models', 'band-gap.lwm'));
    const h = bytes.readUInt32LE(8);
    const json = Buffer.from(bytes.subarray(12, 12 + h).toString('utf8').replace('"members":1,', '"members":3,'));
    const three = join(dir, 'three.lwm');
    writeFileSync(three, Buffer.concat([bytes.subarray(0, 12), json, bytes.subarray(12 + h)]));
    const r = await run(predictCommand, ['--model', three, '1000041.cif']);
    expect(r.code).toBe(1);
    expect(r.err).toContain(`${three}: model file: "members" is 3, but the weights belong to 1 member`);
  });

  it('predict --json flags structures outside the training domain with the reasons ("warnings")', async () => {
    const water = join(dir, 'water.xyz');
    writeFileSync(water, '3\nwater\nO 0 0 0.1173\nH 0 0.7572 -0.4692\nH 0 -0.7572 -0.4692\n');
    // a published CGCNN model: periodic crystals only
    const r = await run(predictCommand, ['--model', join(PRE, 'band-gap.pth.tar'), '1000041.cif', water, '--json', '--backend', 'wasm']);
    expect(r.code, r.err).toBe(0);
    const [nacl, h2o] = JSON.parse(r.out);
    expect(nacl.warnings).toEqual([]);
    expect(h2o.warnings).toEqual([
      'a molecule (no periodic cell), but the model was trained on periodic crystals only',
      // and CGCNN's rule pads its atoms (2 neighbours each within 8 Å)
      expect.stringMatching(/^3 sites have fewer than 12 neighbours within 8 Å \(site 0 \(O\) with 2, site 1 \(H\) with 2, site 2 \(H\) with 2\): the graph pads each to 12/),
    ]);
    // a model whose file records a narrower domain: elements, sizes and the target range are checked
    const stored = importCgcnnCheckpoint(readFileSync(join(PRE, 'band-gap.pth.tar')), { fileName: 'band-gap.pth.tar' });
    stored.header.domain = { basis: 'training-split', elements: ['Na', 'Cl'], structures: 'periodic', atoms: { min: 2, max: 8 }, targets: [{ min: 10, max: 20 }] };
    writeFileSync(join(dir, 'narrow.lwm'), encodeModelFile(stored));
    const n = await run(predictCommand, ['--model', join(dir, 'narrow.lwm'), '1000041.cif', '7206075.cif', '--json', '--backend', 'wasm']);
    expect(n.code, n.err).toBe(0);
    const [inside, anatase] = JSON.parse(n.out);
    expect(inside.warnings).toHaveLength(1);
    expect(inside.warnings[0]).toMatch(/^predicted band_gap [-\d.]+ eV lies outside the training targets' range \(10 to 20 eV\)$/);
    expect(anatase.warnings.slice(0, 2)).toEqual(['elements O, Ti not in the training data (trained on Na, Cl)', "12 atoms, outside the training structures' size range (2–8 atoms)"]);
    // CSV: the same warnings in the last column
    const c = await run(predictCommand, ['--model', join(dir, 'narrow.lwm'), '1000041.cif', '7206075.cif', '--csv', '--backend', 'wasm']);
    expect(c.code, c.err).toBe(0);
    const [header, ...rows] = parseCsv(c.out).map((r) => r.cells);
    expect(header.at(-1)).toBe('warnings');
    expect(rows.map((r) => r.at(-1))).toEqual([inside.warnings.join('; '), anatase.warnings.join('; ')]);
    // text output: a warning line under the prediction; a file without a domain says it was not checked
    delete stored.header.domain;
    writeFileSync(join(dir, 'old.lwm'), encodeModelFile(stored));
    const t = await run(predictCommand, ['--model', join(dir, 'old.lwm'), water, '--backend', 'wasm']);
    expect(t.code, t.err).toBe(0);
    expect(t.out.split('\n')[1]).toMatch(/^ {4}warning: the model file records no training domain/);
  });

  it('predict --csv names a target column with its unit once, where the target name states it already', async () => {
    const stored = importCgcnnCheckpoint(readFileSync(join(PRE, 'band-gap.pth.tar')), { fileName: 'band-gap.pth.tar' });
    stored.header.targets = [{ ...stored.header.targets[0], name: 'band gap (eV)', unit: 'eV' }];
    writeFileSync(join(dir, 'named-unit.lwm'), encodeModelFile(stored));
    const c = await run(predictCommand, ['--model', join(dir, 'named-unit.lwm'), '1000041.cif', '--csv', '--backend', 'wasm']);
    expect(c.code, c.err).toBe(0);
    expect(parseCsv(c.out)[0].cells).toEqual(['file', 'name', 'model', 'band gap (eV)', 'error', 'warnings']);
  });
});
