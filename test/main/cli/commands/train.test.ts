import { describe, expect, it } from 'vitest';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exportCommand } from '../../../../src-main/cli/commands/export';
import { makeTrainCommand, trainCommand, type TrainHooks } from '../../../../src-main/cli/commands/train';
import { DATASET_FORMATS } from '../../../../src-main/datasets';
import { labelledFrames } from '../../../../src-main/datasets/frames';
import { READABLE_FILES } from '../../../../src-shared/chem/detect';
import { decodeModelFile } from '../../../../src-main/engine/models/format';
import { ModelRepository } from '../../../../src-main/models/store';
import { sqliteTrainHooks } from '../../../../src-main/services/cli-store';
import { damagedStore, fileHash } from '../../../helpers/damaged-store';
import { SHARED_DATA } from '../../../helpers/shared-data';
import type { ModelConfig } from '../../../../src-shared/model/config';
import { trainValTestSplit } from '../../../../src-shared/model/split';
import { cliIn, emtFrames, io } from './helpers';
import { asOnlyCommand, deliverSignal } from '../../../helpers/signals';

const DATA = `${SHARED_DATA}`;

describe('latticework train', { timeout: 180_000 }, () => {
  it('trains CGCNN on a CGCNN folder, prints a JSON summary and writes a model file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-train-'));
    const o = io();
    const epochs: number[] = [];
    const units: string[] = [];
    const hooks: TrainHooks = { onEpoch: (e) => void epochs.push(e.epoch), onStart: (info) => void units.push(info.dataset.unit) };
    const cmd = makeTrainCommand(() => hooks);
    const code = await cmd.run({
      argv: ['--data', `${DATA}/cgcnn-sample-regression`, '--preset', 'cgcnn-paper', '--epochs', '2', '--batch-size', '4', '--backend', 'cpu', '--unit', 'K', '--out', join(dir, 'm.lwm'), '--json'],
      io: o.io,
      cwd: dir,
    });
    expect(o.err.join('\n')).toBe('');
    expect(code).toBe(0);
    const summary = JSON.parse(o.out[o.out.length - 1]);
    expect(summary).toMatchObject({ status: 'finished', architecture: 'cgcnn', preset: 'cgcnn-paper', structures: 10, epochs: 2, split: { train: 8, val: 1, test: 1 } });
    // the summary's exact fields, in order (cli/train-summary.ts; scripts and benches read them)
    expect(Object.keys(summary)).toEqual(['status', 'backend', 'workers', 'architecture', 'preset', 'parameters', 'startedFrom', 'freeze', 'seededElements', 'head', 'structures', 'split', 'epochs', 'bestEpoch', 'selectionMetric', 'bestValMetric', 'val', 'test', 'seconds', 'model', 'runId']);
    expect(epochs).toEqual([0, 1]);
    const file = decodeModelFile(new Uint8Array(readFileSync(join(dir, 'm.lwm'))));
    expect((file.header.config as ModelConfig).graph.cutoff).toBe(8);
    expect(file.header.normalizer!.mean[0]).toBeGreaterThan(1);
    expect(Object.keys(file.header.atomInit!).length).toBe(100);
    expect(file.members).toHaveLength(1);
    // --unit: recorded with the run and in the model file, whose predictions carry it
    expect(units).toEqual(['K']);
    expect(file.header.targets).toEqual([{ name: 'target', unit: 'K' }]);
    // the training domain: the 8 training structures' elements, sizes and labels (1..10)
    const domain = file.header.domain!;
    expect(domain).toMatchObject({ basis: 'training-split', structures: 'periodic' });
    const sampleElements = ['C', 'O', 'Na', 'Si', 'S', 'Cl', 'K', 'Ti', 'Zn', 'Ge', 'Cs', 'Ba'];
    expect(domain.elements!.length).toBeGreaterThanOrEqual(6);
    expect(domain.elements!.every((e) => sampleElements.includes(e))).toBe(true);
    expect(domain.atoms!.min).toBeGreaterThanOrEqual(2);
    expect(domain.atoms!.max).toBeLessThanOrEqual(12);
    expect(domain.targets![0].min).toBeGreaterThanOrEqual(1);
    expect(domain.targets![0].max).toBeLessThanOrEqual(10);
    expect(domain.targets![0].max - domain.targets![0].min).toBeGreaterThanOrEqual(6);
  });

  it('a signal once training is done is too late to stop anything: the model is saved, the summary printed, exit 0, not 143 or 130 (property models and potentials)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-train-'));
    const data = emtFrames(dir, 10);
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify({ model: { features: 8, numLayers: 1, headHidden: 4 }, radial: { cutoff: 4, numBasis: 6 }, training: { batchSize: 4 } }));
    const property = ['--target', 'energy_per_atom', '--preset', 'gcn', '--batch-size', '16', '--out', 'property.lwm'];
    const potential = ['--preset', 'painn-potential', '--config', 'tiny.json', '--out', 'potential.lwm'];
    for (const args of [property, potential]) {
      const o = io();
      const ended: boolean[] = [];
      // SIGTERM while the run's end is recorded (the model saved), Ctrl-C as the summary is printed, SIGTERM after the command returned
      const cmd = makeTrainCommand(() => ({ onFinish: () => void ended.push(deliverSignal('SIGTERM')) }));
      const out = { ...o.io, out: (t: string) => (o.io.out(t), ended.push(deliverSignal('SIGINT'))) };
      const code = await asOnlyCommand(async () => {
        const status = await cmd.run({ argv: ['--data', data, ...args, '--epochs', '1', '--backend', 'cpu', '--db', join(dir, 'runs.sqlite'), '--json'], io: out, cwd: dir });
        ended.push(deliverSignal('SIGTERM'));
        return status;
      });
      expect([code, ended.every((e) => !e)], o.err.join('\n')).toEqual([0, true]);
      expect(JSON.parse(o.out[o.out.length - 1])).toMatchObject({ status: 'finished', model: join(dir, args[args.length - 1]) });
      expect(existsSync(join(dir, args[args.length - 1]))).toBe(true);
    }
  });

  it('trains on an extended XYZ target with human-readable progress', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-train-'));
    const o = io();
    const code = await trainCommand.run({
      argv: ['--data', emtFrames(dir, 30), '--target', 'energy_per_atom', '--preset', 'gcn', '--epochs', '2', '--batch-size', '16', '--seed', '5', '--backend', 'cpu', '--no-save', '--db', join(dir, 'runs.sqlite')],
      io: o.io,
      cwd: dir,
    });
    expect(o.err.join('\n')).toBe('');
    expect(code).toBe(0);
    const text = o.out.join('\n');
    expect(text).toMatch(/data: 30 structures .* \(target energy_per_atom\)/);
    expect(text).toMatch(/epoch 1\/2 {2}loss \d/);
    expect(text).toMatch(/structures\/s/);
    expect(text).toMatch(/best epoch \d \(val mae/);
  });

  it('k-fold: prints and records the numbers of the model it saves, the ensemble of the fold models (its test MAE is what predict gives)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-train-kfold-'));
    writeFileSync(join(dir, 'kf.json'), JSON.stringify({ training: { kFold: 3, epochs: 3 } }));
    const data = `${DATA}/cgcnn-sample-regression`;
    const db = join(dir, 'runs.sqlite');
    const cli = cliIn(dir);
    const trained = await cli('train', '--data', data, '--preset', 'gcn', '--config', 'kf.json', '--batch-size', '3', '--seed', '7', '--backend', 'cpu', '--workers', '1', '--out', 'kf.lwm', '--db', db);
    expect(trained.code, trained.err).toBe(0);
    const line = /^ensemble of 3 fold models \(best epochs \d, \d, \d\) \(mean val mae [\d.]+\); test MAE ([\d.]+) RMSE/m.exec(trained.out);
    expect(line, trained.out).not.toBeNull();
    // the model: 3 members, each with its fold's normaliser folded into its output layer
    const file = decodeModelFile(new Uint8Array(readFileSync(join(dir, 'kf.lwm'))));
    expect(file.members).toHaveLength(3);
    expect(file.header.normalizer).toEqual({ mean: [0], std: [1] });
    // its test MAE, from the model's predictions on the held-out test structures
    const config = file.header.config as ModelConfig;
    const { test } = trainValTestSplit(10, config.training.split, 7);
    const rows = readFileSync(`${data}/id_prop.csv`, 'utf8').trim().split('\n').map((l) => l.split(','));
    const predicted = await cli('predict', '--model', join(dir, 'kf.lwm'), ...test.map((i) => `${data}/${rows[i][0]}.cif`), '--json');
    expect(predicted.code, predicted.err).toBe(0);
    const predictions = (JSON.parse(predicted.out) as { prediction: number }[]).map((p) => p.prediction);
    const mae = test.reduce((sum, i, k) => sum + Math.abs(predictions[k] - Number(rows[i][1])), 0) / test.length;
    expect(Number(line![1])).toBeCloseTo(mae, 3);
    // the run records the same: no single best epoch, every fold's epochs, the ensemble's test MAE
    const listed = await cli('runs', '--db', db, '--json');
    const [run] = JSON.parse(listed.out) as { bestEpoch: number | null; epochs: number; bestMetrics: Record<string, number> }[];
    expect(run.bestEpoch).toBeNull();
    expect(run.epochs).toBe(9);
    expect(run.bestMetrics.test_mae).toBeCloseTo(mae, 4);

    // --json says as much: no single best epoch (the model is the ensemble), each fold's in `folds`
    const args = ['--data', data, '--preset', 'gcn', '--config', 'kf.json', '--batch-size', '3', '--seed', '7', '--backend', 'cpu', '--workers', '1', '--no-save', '--db', join(dir, 'json.sqlite')];
    const json = await cli('train', ...args, '--json');
    expect(json.code, json.err).toBe(0);
    const summary = JSON.parse(json.out) as { bestEpoch: number | null; folds: { fold: number; epochs: number; bestEpoch: number }[] };
    expect(summary.bestEpoch).toBeNull();
    const bestEpochs = /best epochs (\d), (\d), (\d)/.exec(line![0])!.slice(1).map((e) => Number(e) - 1);
    expect(summary.folds.map((f) => [f.fold, f.epochs, f.bestEpoch])).toEqual(bestEpochs.map((b, fold) => [fold, 3, b]));

    // stopped (Ctrl-C) in fold 1, or once fold 0's last epoch is in: cancelled, no model, the fold it was stopped in
    for (const [fold, epoch, said] of [[1, 0, 'cancelled in fold 1 after 1 epoch (best so far in it: epoch 1)'], [0, 2, 'cancelled in fold 0 after 3 epochs (best so far in it: epoch']] as const) {
      const stopping = makeTrainCommand(async (o) => {
        const recording = await sqliteTrainHooks(o);
        return { ...recording, onEpoch: async (e) => void (await recording.onEpoch(e), e.fold === fold && e.epoch === epoch && process.emit('SIGINT')) };
      });
      for (const asJson of [false, true]) {
        const o = io();
        const code = await stopping.run({ argv: [...args.filter((a) => a !== '--no-save'), '--out', 'stopped.lwm', ...(asJson ? ['--json'] : [])], io: o.io, cwd: dir });
        expect(code, o.err.join('\n')).toBe(130);
        expect(existsSync(join(dir, 'stopped.lwm'))).toBe(false);
        if (asJson) expect(JSON.parse(o.out[o.out.length - 1])).toMatchObject({ status: 'cancelled', bestEpoch: null, model: null, folds: [{ fold: 0 }, ...(fold === 1 ? [{ fold: 1, epochs: 1 }] : [])] });
        else expect(o.out[o.out.length - 1]).toContain(said);
      }
    }
    const recorded = JSON.parse((await cli('runs', '--db', join(dir, 'json.sqlite'), '--json')).out) as { status: string; model: string | null }[];
    expect(recorded.map((r) => [r.status, r.model])).toEqual([...Array(4).fill(['cancelled', null]), ['finished', null]]);
  });

  it('trains several targets of a CSV at once, and says which rows it left out', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-train-'));
    const rows = readFileSync(`${DATA}/cgcnn-sample-regression/id_prop.csv`, 'utf8').trim().split('\n').map((l) => l.split(','));
    for (const [id] of rows) copyFileSync(`${DATA}/cgcnn-sample-regression/${id}.cif`, join(dir, `${id}.cif`));
    writeFileSync(join(dir, 'labels.csv'), `name,a,b\n${rows.map(([id, t]) => `${id},${t},${Number(t) * 2}`).join('\n')}\nghost,1,2\n`);
    const o = io();
    const code = await trainCommand.run({
      argv: ['--data', join(dir, 'labels.csv'), '--target', 'a,b', '--preset', 'gcn', '--epochs', '1', '--batch-size', '4', '--backend', 'cpu', '--out', join(dir, 'm.lwm'), '--db', join(dir, 'runs.sqlite'), '--json'],
      io: o.io,
      cwd: dir,
    });
    expect(code, o.err.join('\n')).toBe(0);
    expect(o.err.join('\n')).toMatch(/1 row or frame left out of .*labels\.csv:\n {2}ghost \(no file\)/);
    expect(JSON.parse(o.out[o.out.length - 1])).toMatchObject({ structures: 10 });
    const file = decodeModelFile(new Uint8Array(readFileSync(join(dir, 'm.lwm'))));
    expect(file.header.targets.map((t) => t.name)).toEqual(['a', 'b']);
    // names that state no unit and are not known ones: none
    expect(file.header.targets.map((t) => t.unit)).toEqual(['', '']);
    expect((file.header.config.model as { head: unknown }).head).toMatchObject({ kind: 'regression', numTargets: 2 });
  });

  it('a regression run with no validation structure shows regression columns, says so, and names the metric it chose the best epoch by', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-train-'));
    const one = join(dir, 'one');
    mkdirSync(one);
    for (const f of ['1000041.cif', 'atom_init.json']) copyFileSync(`${DATA}/cgcnn-sample-regression/${f}`, join(one, f));
    writeFileSync(join(one, 'id_prop.csv'), '1000041,1.5\n');
    const o = io();
    const code = await trainCommand.run({ argv: ['--data', one, '--preset', 'gcn', '--epochs', '2', '--backend', 'cpu', '--no-save', '--db', join(dir, 'runs.sqlite')], io: o.io, cwd: dir });
    expect(code, o.err.join('\n')).toBe(0);
    expect(o.err).toEqual(['latticework train: no validation structures (split.val 0.1 of 1 structure rounds down to 0): the best epoch is the one with the best training mae']);
    const epochs = o.out.filter((l) => l.startsWith('epoch '));
    expect(epochs).toHaveLength(2);
    for (const line of epochs) expect(line).toMatch(/ {2}train MAE \d+\.\d{4} {2}val MAE — RMSE — {2}lr /);
    const best = o.out.find((l) => l.startsWith('best epoch'));
    expect(best).toMatch(/^best epoch \d \(train mae \d+\.\d{4}\)$/);
  });

  it('refuses a model name already stored before any work (exit 2, no run), as it refuses an existing --out file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-train-'));
    const db = join(dir, 'runs.sqlite');
    const cli = cliIn(dir);
    expect((await cli('import-model', `${DATA}/cgcnn-pretrained/efermi.pth.tar`, '--name', 'taken', '--db', db)).code).toBe(0);
    const frames = emtFrames(dir, 4);
    for (const argv of [
      ['--data', `${DATA}/cgcnn-sample-regression`, '--preset', 'gcn'],
      ['--data', frames, '--preset', 'schnet-potential'],
    ]) {
      const r = await cli('train', ...argv, '--epochs', '1', '--backend', 'cpu', '--name', 'taken', '--db', db);
      expect(r.code, r.err).toBe(2);
      expect(r.err).toBe(`latticework train: a model named "taken" already exists in ${db}; choose another --name or use --force`);
      expect(r.out).toBe('');
    }
    expect(JSON.parse((await cli('runs', '--db', db, '--json')).out)).toEqual([]);
    // import-model refuses it the same way (it exited 1)
    const again = await cli('import-model', `${DATA}/cgcnn-pretrained/efermi.pth.tar`, '--name', 'taken', '--db', db);
    expect(again.code).toBe(2);
    expect(again.err).toBe(`latticework import-model: a model named "taken" already exists in ${db}; choose another --name or use --force`);
  });

  it("refuses a built-in model's short name and its spellings as --name, as its display name (train, a potential's train, import-model; exit 2, no run)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-train-builtin-'));
    const db = join(dir, 'runs.sqlite');
    const cli = cliIn(dir);
    const frames = emtFrames(dir, 4);
    const says = (name: string, builtin: string) =>
      `"${name}" already names the built-in model "${builtin}" (the command line's --model and --from take it for the built-in); choose another --name`;
    for (const [name, builtin] of [
      ['formation-energy-per-atom', 'CGCNN formation energy per atom'],
      ['band-gap', 'CGCNN band gap'],
      ['Band Gap', 'CGCNN band gap'],
      ['cgcnn-band-gap', 'CGCNN band gap'],
    ]) {
      for (const argv of [
        ['--data', `${DATA}/cgcnn-sample-regression`, '--preset', 'gcn'],
        ['--data', frames, '--preset', 'schnet-potential'],
      ]) {
        const r = await cli('train', ...argv, '--epochs', '1', '--backend', 'cpu', '--name', name, '--db', db);
        expect(r.code, r.err).toBe(2);
        expect(r.err).toBe(`latticework train: ${says(name, builtin)}`);
      }
      const imported = await cli('import-model', `${DATA}/cgcnn-pretrained/efermi.pth.tar`, '--name', name, '--db', db);
      expect(imported.code).toBe(2);
      expect(imported.err).toBe(`latticework import-model: ${says(name, builtin)}`);
    }
    expect(JSON.parse((await cli('runs', '--db', db, '--json')).out)).toEqual([]);
    // the short names still find the built-ins
    const predicted = await cli('predict', '--model', 'band-gap', `${DATA}/cgcnn-sample-regression/1000041.cif`, '--db', db, '--json');
    expect((JSON.parse(predicted.out) as { model: string }[])[0].model).toBe('CGCNN band gap');
  }, 120_000);

  it('stores a --name as given in any script, as the app does ("résumé" and "rèsumè" are two models, "名前モデル" one); a blank or two-line name is refused saying why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-train-names-'));
    const db = join(dir, 'runs.sqlite');
    const cli = cliIn(dir);
    const r = await cli('train', '--data', `${DATA}/cgcnn-sample-regression`, '--preset', 'gcn', '--epochs', '1', '--backend', 'cpu', '--name', ' résumé ', '--db', db, '--json');
    expect(r.code, r.err).toBe(0);
    for (const name of ['rèsumè', '名前モデル']) {
      const imported = await cli('import-model', `${DATA}/cgcnn-pretrained/efermi.pth.tar`, '--name', name, '--db', db);
      expect(imported.code, imported.err).toBe(0);
    }
    const models = new ModelRepository(db);
    try {
      expect((await models.list()).map((m) => m.name)).toEqual(expect.arrayContaining(['résumé', 'rèsumè', '名前モデル']));
    } finally {
      await models.close();
    }
    expect((await cli('runs', '--db', db, '--json')).out).toContain('"résumé"');
    for (const [name, why] of [['  ', 'a model name must not be empty'], ['two\nlines', 'a model name must not hold control characters (line breaks, tabs)']]) {
      const refused = await cli('train', '--data', `${DATA}/cgcnn-sample-regression`, '--preset', 'gcn', '--epochs', '1', '--backend', 'cpu', '--name', name, '--db', db);
      expect(refused.code).toBe(2);
      expect(refused.err).toContain(`latticework train: --name: "${name}" is not usable as a model name: ${why}`);
    }
  });

  it('refuses 100,000,000,000 epochs, a 10⁶ Å cutoff, a 10⁻⁹ Å Gaussian step and a 10⁶ Å Gaussian width before any work, naming the field (exit 2, no run)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-train-bounds-'));
    const db = join(dir, 'runs.sqlite');
    const cli = cliIn(dir);
    const epochs = await cli('train', '--data', `${DATA}/cgcnn-sample-regression`, '--preset', 'cgcnn-paper', '--epochs', '100000000000', '--db', db);
    expect(epochs.code).toBe(2);
    expect(epochs.err).toBe('latticework train: invalid model config:\n  training.epochs: epochs must be at most 1,000,000');
    writeFileSync(join(dir, 'far.json'), JSON.stringify({ graph: { cutoff: 1e6 } }));
    const cutoff = await cli('train', '--data', `${DATA}/cgcnn-sample-regression`, '--preset', 'cgcnn-paper', '--config', 'far.json', '--db', db);
    expect(cutoff.code).toBe(2);
    expect(cutoff.err).toBe("latticework train: invalid model config:\n  graph.cutoff: graph.cutoff must be at most 30 Å (a model's neighbours lie within a few Å: CGCNN uses 8, SchNet 5)");
    writeFileSync(join(dir, 'fine.json'), JSON.stringify({ graph: { gaussian: { step: 1e-9 } } }));
    const step = await cli('train', '--data', `${DATA}/cgcnn-sample-regression`, '--preset', 'cgcnn-paper', '--config', 'fine.json', '--db', db);
    expect(step.code).toBe(2);
    expect(step.err).toBe('latticework train: invalid model config:\n  graph.gaussian.step: gaussian.step must be at least 0.01 Å (CGCNN spaces its Gaussian centres 0.2 Å apart, SchNet 0.1 Å)');
    writeFileSync(join(dir, 'wide.json'), JSON.stringify({ graph: { gaussian: { width: 1e6 } } }));
    const width = await cli('train', '--data', `${DATA}/cgcnn-sample-regression`, '--preset', 'cgcnn-paper', '--config', 'wide.json', '--db', db);
    expect(width.code).toBe(2);
    expect(width.err).toBe("latticework train: invalid model config:\n  graph.gaussian.width: gaussian.width must be at most 30 Å (the largest cutoff: a wider Gaussian is flat over every distance a model sees; CGCNN's is 0.2 Å, its step)");
    expect(JSON.parse((await cli('runs', '--db', db, '--json')).out)).toEqual([]);
  });

  it('refuses to train into a database damaged inside, before any work, and leaves its bytes as they were; runs lists it saying so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-train-damaged-'));
    const db = join(dir, 'damaged.sqlite');
    await damagedStore(db);
    const before = fileHash(db);
    const cli = cliIn(dir);
    const damage = new RegExp(`^the database ${db} is damaged \\(PRAGMA quick_check: Tree \\d+ page \\d+: .+\\): run \`latticework doctor --db ${db}\` to see what is wrong, or restore a backup of it`);
    // the model stored (refused where its name is checked, before the data is read) or written to a file (refused where the run is recorded)
    for (const to of [[], ['--out', 'm.lwm']]) {
      const r = await cli('train', '--data', `${DATA}/cgcnn-sample-regression`, '--preset', 'gcn', '--epochs', '1', '--backend', 'cpu', '--name', 'm3', '--db', db, ...to);
      expect(r.code, r.err).toBe(1);
      // said once
      expect(r.err.split('\n').filter((line) => line.includes('damaged'))).toEqual([expect.stringMatching(/^latticework train: /)]);
      expect(r.err.split('\n').at(-1)!.replace('latticework train: ', '')).toMatch(damage);
      expect(fileHash(db)).toBe(before);
    }
    expect(existsSync(join(dir, 'm.lwm'))).toBe(false);
    // a command that opens it for its models is refused the same way, once
    const predict = await cli('predict', '--model', 'm1', `${DATA}/cgcnn-sample-regression/1000041.cif`, '--backend', 'cpu', '--db', db);
    expect(predict.code).toBe(1);
    expect(predict.err.replace('latticework predict: ', '')).toMatch(damage);
    expect(predict.err.split('\n')).toHaveLength(1);
    const runs = await cli('runs', '--db', db);
    expect(runs.code).toBe(0);
    expect(runs.err.replace('latticework runs: ', '')).toMatch(damage);
    expect(runs.err).toMatch(/; what can still be read is shown, and nothing is written to it$/);
    expect(runs.out).toBe(`no runs in ${db}`);
    expect(fileHash(db)).toBe(before);
  });

  it('--out FILE.lwm writes the model there instead of the database: the run is recorded, no model is stored (property models and potentials)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-train-out-'));
    const db = join(dir, 'runs.sqlite');
    const cli = cliIn(dir);
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify({ model: { features: 8, numLayers: 1, headHidden: 4 }, radial: { cutoff: 4, numBasis: 6 }, training: { batchSize: 4 } }));
    const runIds: unknown[] = [];
    for (const argv of [
      ['--data', `${DATA}/cgcnn-sample-regression`, '--preset', 'gcn', '--out', 'p.lwm'],
      ['--data', emtFrames(dir, 4), '--preset', 'schnet-potential', '--config', 'tiny.json', '--out', 'q.lwm'],
    ]) {
      const r = await cli('train', ...argv, '--epochs', '1', '--backend', 'cpu', '--db', db, '--json');
      expect(r.code, r.err).toBe(0);
      expect(JSON.parse(r.out).model).toBe(join(dir, argv[argv.length - 1]));
      runIds.push(JSON.parse(r.out).runId);
    }
    expect(decodeModelFile(new Uint8Array(readFileSync(join(dir, 'p.lwm')))).header.task).toBe('regression');
    expect(decodeModelFile(new Uint8Array(readFileSync(join(dir, 'q.lwm')))).header.task).toBe('potential');
    const runs = JSON.parse((await cli('runs', '--db', db, '--json')).out) as { id: number; name: string; status: string; model: unknown }[];
    expect(runs.map((r) => [r.status, r.model])).toEqual([
      ['finished', null],
      ['finished', null],
    ]);
    // the summary's runId is the run's id in the database (runs lists the newest first)
    expect(runIds).toEqual(runs.map((r) => r.id).reverse());
    const stored = new ModelRepository(db);
    try {
      expect((await stored.list()).filter((m) => m.source !== 'cgcnn-import')).toEqual([]);
    } finally {
      await stored.close();
    }
  });

  it('says a failure once when recording it fails too (a full disk), and ends with status 1, not a stack', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-train-'));
    const full = 'the disk holding runs.sqlite is full: the last change was not written, nothing stored was lost; free space and run again';
    const hooks: TrainHooks = {
      onCheckpoint: () => Promise.reject(new Error(full)),
      onError: () => Promise.reject(new Error(full)),
    };
    const o = io();
    const code = await makeTrainCommand(() => hooks).run({
      argv: ['--data', `${DATA}/cgcnn-sample-regression`, '--preset', 'gcn', '--epochs', '1', '--batch-size', '4', '--backend', 'cpu', '--no-save'],
      io: o.io,
      cwd: dir,
    });
    expect(code).toBe(1);
    expect(o.err).toEqual([`latticework train: ${full}`]);
  });

  it('refuses bad counts, an unknown backend and one that cannot load as bad usage (exit 2), as predict does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-train-usage-'));
    const cli = cliIn(dir);
    const data = `${DATA}/cgcnn-sample-regression`;
    for (const [option, value, message] of [
      ['--workers', '0', '--workers expects at least 1, got 0'],
      ['--limit', '0', '--limit expects at least 1 structure, got 0'],
      ['--backend', 'nosuch', 'unknown backend "nosuch" (expected one of auto, '],
    ]) {
      for (const preset of ['gcn', 'schnet-potential']) {
        const r = await cli('train', '--data', preset === 'gcn' ? data : emtFrames(dir, 4), '--preset', preset, option, value, '--epochs', '1', '--no-save', '--json');
        expect(r.code, `${preset} ${option} ${value}: ${r.out}`).toBe(2);
        expect(JSON.parse(r.out).error.message).toContain(message);
      }
    }
    // a forced backend that does not load (this machine has no tfjs-node-gpu): the status predict gives
    const predicted = await cli('predict', '--model', 'band-gap', `${data}/1000041.cif`, '--backend', 'tfjs-node-gpu', '--json');
    for (const argv of [
      ['--data', data, '--preset', 'gcn'],
      ['--data', emtFrames(dir, 4), '--preset', 'schnet-potential'],
    ]) {
      const r = await cli('train', ...argv, '--backend', 'tfjs-node-gpu', '--epochs', '1', '--no-save', '--json');
      expect(r.code, r.out).toBe(predicted.code);
      expect(JSON.parse(r.out).error.message).toBe(JSON.parse(predicted.out).error.message);
    }
    expect(predicted.code).toBe(2);
  });

  it('with no usable structure names every failed file with its line and problem, in --json\'s error too; a folder with two tables says so', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-train-none-'));
    const cli = cliIn(dir);
    mkdirSync(join(dir, 'cg'));
    writeFileSync(join(dir, 'cg', 'id_prop.csv'), 'a,1\n');
    writeFileSync(join(dir, 'cg', 'a.cif'), 'garbage\nfoo bar\n');
    const property = await cli('train', '--data', 'cg', '--preset', 'gcn', '--epochs', '1', '--backend', 'cpu', '--no-save', '--json');
    expect(property.code).toBe(1);
    expect(JSON.parse(property.out).error.message).toMatch(new RegExp(`^no labelled structure could be read from ${join(dir, 'cg')} — a\\.cif: line \\d+: \\S`));
    writeFileSync(join(dir, 'bad.extxyz'), '2\nLattice="3 0 0 0 3 0 0 0 3" Properties=species:S:1:pos:R:3 energy=1\nCu 0 0 0\nCu x 1 1\n');
    const potential = await cli('train', '--data', 'bad.extxyz', '--preset', 'schnet-potential', '--epochs', '1', '--backend', 'cpu', '--no-save', '--json');
    expect(potential.code).toBe(1);
    expect(JSON.parse(potential.out).error.message).toMatch(new RegExp(`^no labelled frame could be read from ${join(dir, 'bad.extxyz')} — bad\\.extxyz: line \\d+: \\S`));
    // two tables beside the structure files: which one is meant is the user's to say
    mkdirSync(join(dir, 'tables'));
    copyFileSync(`${DATA}/cgcnn-sample-regression/1000041.cif`, join(dir, 'tables', '1000041.cif'));
    writeFileSync(join(dir, 'tables', 'a.csv'), 'file,gap\n1000041,1\n');
    writeFileSync(join(dir, 'tables', 'b.csv'), 'file,gap\n1000041,2\n');
    const tables = await cli('train', '--data', 'tables', '--preset', 'gcn', '--epochs', '1', '--backend', 'cpu', '--no-save', '--json');
    expect(tables.code).toBe(1);
    expect(JSON.parse(tables.out).error.message).toBe(`${join(dir, 'tables')} holds 2 tables (a.csv, b.csv) and a dataset is read with one: give the one to read (its path as --data, or drop it alone with the structure files)`);
  });

  it('--help says what --data reads: every dataset format the reader tries, a potential\'s labelled frames of every file the structure readers know', () => {
    const help = trainCommand.usage.replace(/\s+/g, ' ');
    for (const format of DATASET_FORMATS) expect(help).toContain(format.description.replace(/\s+/g, ' '));
    expect(labelledFrames.description).toContain(READABLE_FILES);
    for (const file of ['vasprun.xml', 'OUTCAR', 'XDATCAR', '.db', '.traj', 'POSCAR', 'CIF', '.gz']) expect(help).toContain(file);
    // and export, for the potentials it exports
    expect(exportCommand.usage.replace(/\s+/g, ' ')).toContain(`--data ${labelledFrames.description}`);
  });

  it('reports usage errors with exit status 2', async () => {
    const o = io();
    expect(await trainCommand.run({ argv: ['--preset', 'cgcnn-paper'], io: o.io, cwd: '/' })).toBe(2);
    expect(o.err[0]).toMatch(/--data is required/);
    const p = io();
    expect(await trainCommand.run({ argv: ['--data', 'x', '--preset', 'nope'], io: p.io, cwd: '/' })).toBe(2);
    // one list of presets, the potentials' included (as --help and export list them)
    expect(p.err[0]).toMatch(/unknown preset "nope" \(known: cgcnn-paper, .*painn-potential.*schnet-potential/);
    const q = io();
    expect(await trainCommand.run({ argv: ['--data', `${DATA}/cgcnn-sample-regression`, '--preset', 'gcn', '--epochs', 'many'], io: q.io, cwd: '/' })).toBe(2);
    expect(q.err[0]).toMatch(/--epochs expects a whole number/);
  });

  it('refuses --out with --no-save before any work (exit 2): the model the file was to hold would be kept nowhere', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-train-'));
    let started = false;
    const o = io();
    const cmd = makeTrainCommand(() => ({ onStart: () => void (started = true) }));
    const code = await cmd.run({ argv: ['--data', `${DATA}/cgcnn-sample-regression`, '--preset', 'gcn', '--epochs', '1', '--backend', 'cpu', '--no-save', '--out', join(dir, 'm.lwm'), '--json'], io: o.io, cwd: dir });
    expect(code).toBe(2);
    expect(o.err[0]).toMatch(/^latticework train: --out FILE\.lwm writes the model and --no-save keeps none: give one/);
    expect(started).toBe(false);
    expect(existsSync(join(dir, 'm.lwm'))).toBe(false);
  });
});
