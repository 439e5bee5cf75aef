/**
 * Issue 16, end to end on the command line: a run trained here is exported (`latticework export RUN
 * --to torch DIR`), trained to completion by `torchrun --nproc_per_node 2` (gloo, CPU), and brought
 * back (`latticework import-run DIR`): the runs table lists it as external with all its epochs, and
 * its model's predictions on 20 structures equal PyTorch's own within 1e-4; the same for the SchNet
 * and PaiNN potentials (energies and forces of 20 frames). Each trains with train.py's own
 * `--epochs`, which the import takes as the run's plan. A run stopped by SIGTERM (Slurm's time limit)
 * comes back cancelled with its best model; a run of another export, or damaged files, are refused.
 * A potential whose loss is not finite stops in both processes at the same step with Latticework's
 * message (the term, the frame, the data's fault before any update); a potential brought back is
 * stored with the range of its own energies of its training structures, which then raise no warning.
 * Needs Debian's python3-torch (test/helpers/torch.ts: fails without it).
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../../../src-main/cli/index';
import { decodeModelFile, encodeModelFile } from '../../../src-main/engine/models/format';
import { readFrames } from '../../../src-shared/chem';
import { energyAboveReference } from '../../../src-shared/model/potential-domain';
import { Database } from '../../../src-main/store/database';
import { SHARED_DATA } from '../../helpers/shared-data';
import { PYTHON, python, runBounded, runPython } from '../../helpers/python';
import { fakeTraining, freePort, requireTorch } from '../../helpers/torch';
import { cliIn, emtFrames, exportNotes, io } from './commands/helpers';

const lines = (file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Record<string, unknown>);

describe('latticework export --to torch / import-run', { timeout: 900_000 }, () => {
  it('a run goes to torchrun (2 processes, gloo) and comes back as an external run whose model predicts as PyTorch did', async () => {
    requireTorch();
    const dir = mkdtempSync(join(tmpdir(), 'lw-scale-out-'));
    const db = join(dir, 'runs.sqlite');
    const data = `${SHARED_DATA}/emt-dev/cgcnn`;
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify({ model: { atomFeatures: 12, hiddenFeatures: 16, numLayers: 2 }, training: { batchSize: 10, seed: 3 } }));
    const cli = cliIn(dir);

    // a local run (1 epoch) to export
    const trained = await cli('train', '--data', data, '--limit', '60', '--preset', 'cgcnn-paper', '--config', 'tiny.json', '--epochs', '1', '--backend', 'cpu', '--no-save', '--db', db, '--json');
    expect(trained.err).toBe('');
    expect(trained.code).toBe(0);
    const runs0 = JSON.parse((await cli('runs', '--db', db, '--json')).out) as { id: number; origin: string }[];
    expect(runs0).toHaveLength(1);

    const exp = await cli('export', String(runs0[0].id), '--data', data, '--limit', '60', '--epochs', '3', '--to', 'torch', 'cluster', '--db', db, '--json');
    expect(exportNotes(exp.err)).toEqual([]);
    expect(exp.code).toBe(0);
    expect(JSON.parse(exp.out)).toMatchObject({ architecture: 'cgcnn', structures: 60, split: { train: 48, val: 6, test: 6 } });
    // the run's own split went with it
    const split = JSON.parse(readFileSync(join(dir, 'cluster', 'split.json'), 'utf8'));
    const db0 = await Database.open(db);
    const stored = await db0.read((tx) => tx.get<{ split: string }>('SELECT split FROM run WHERE id = ?', [runs0[0].id]));
    await db0.close();
    expect(split.test).toEqual(JSON.parse(stored!.split).test);

    // PyTorch: two processes on this machine's CPUs (gloo); `--redirects 1 --tee 1` works around Debian's
    // torch 1.13 on Python 3.11, whose torchrun fails to parse its default "0" (docs/scale-out.md)
    const port = await freePort();
    const torchrun = ['-m', 'torch.distributed.run', '--nnodes', '1', '--nproc_per_node', '2', '--master_addr', '127.0.0.1', '--master_port', String(port), '--redirects', '1', '--tee', '1'];
    // train.py's --epochs overrides the export's 3 (README.md offers it): the import takes the run with the epochs it planned
    python([...torchrun, 'train.py', '--device', 'cpu', '--epochs', '4'], join(dir, 'cluster'));
    const status = JSON.parse(readFileSync(join(dir, 'cluster', 'run', 'status.json'), 'utf8'));
    expect(status).toMatchObject({ status: 'finished', processes: 2, distributedBackend: 'gloo', device: 'cpu', epochsDone: 4 });

    const imp = await cli('import-run', 'cluster', '--db', db, '--json');
    expect(imp.err).toBe('');
    expect(imp.code).toBe(0);
    const imported = JSON.parse(imp.out);
    expect(imported).toMatchObject({ status: 'finished', epochs: 4, epochsPlanned: 4, external: { processes: 2, distributedBackend: 'gloo', device: 'cpu' } });
    expect(imported.notes).toEqual(["trained for 4 epochs (train.py --epochs) where the export's config has 3: the run is stored with 4"]);

    // the runs table: the external run beside the local one, with all its epochs
    const runs = JSON.parse((await cli('runs', '--db', db, '--json')).out) as { id: number; origin: string; epochs: number; epochsPlanned: number; status: string; external: { processes: number } | null; bestMetrics: Record<string, number> }[];
    expect(runs).toHaveLength(2);
    const ext = runs.find((r) => r.id === imported.runId)!;
    expect(ext).toMatchObject({ origin: 'external', status: 'finished', epochs: 4, epochsPlanned: 4, external: { processes: 2 } });
    expect(ext.bestMetrics.test_mae).toBeGreaterThan(0);
    expect(runs.find((r) => r.id !== imported.runId)).toMatchObject({ origin: 'local', external: null });
    const db1 = await Database.open(db);
    const curves = await db1.read((tx) => tx.all<{ key: string; n: number }>("SELECT key, COUNT(*) AS n FROM metric WHERE run_id = ? AND key IN ('train_loss', 'val_mae', 'lr') GROUP BY key", [imported.runId]));
    const batchRows = await db1.read((tx) => tx.get<{ n: number }>("SELECT COUNT(*) AS n FROM metric WHERE run_id = ? AND key = 'batch_loss'", [imported.runId]));
    await db1.close();
    expect(Object.fromEntries(curves.map((c) => [c.key, c.n]))).toEqual({ train_loss: 4, val_mae: 4, lr: 4 });
    expect(batchRows!.n).toBe(4 * 5);

    // its model predicts in Latticework as it did in PyTorch: 20 structures (test, val, then train ones)
    const torchPredictions = lines(join(dir, 'cluster', 'run', 'predictions.jsonl')) as { id: string; split: string; prediction: number[] }[];
    const chosen = [...torchPredictions.filter((p) => p.split !== 'train'), ...torchPredictions.filter((p) => p.split === 'train')].slice(0, 20);
    expect(chosen).toHaveLength(20);
    const pred = await cli('predict', '--model', imported.model, '--backend', 'cpu', '--db', db, '--json', ...chosen.map((p) => join(data, `${p.id}.cif`)));
    expect(pred.code).toBe(0);
    const ours = JSON.parse(pred.out) as { file: string; prediction: number }[];
    expect(ours).toHaveLength(20);
    ours.forEach((o, k) => {
      expect(o.file).toContain(chosen[k].id);
      expect(Math.abs(o.prediction - chosen[k].prediction[0]), `${chosen[k].id}: Latticework ${o.prediction}, PyTorch ${chosen[k].prediction[0]}`).toBeLessThan(1e-4);
    });

    // a damaged copy: the bad line is named (file and line) and nothing is stored
    cpSync(join(dir, 'cluster'), join(dir, 'damaged'), { recursive: true });
    const metrics = join(dir, 'damaged', 'run', 'metrics.jsonl');
    const rows = readFileSync(metrics, 'utf8').split('\n');
    rows[2] = rows[2].replace('"train_loss": ', '"train_loss": "x", "was": ');
    writeFileSync(metrics, rows.join('\n'));
    const bad = await cli('import-run', 'damaged', '--db', db);
    expect(bad.code).toBe(1);
    expect(bad.err).toMatch(/damaged\/run\/metrics\.jsonl line 3: "train_loss" is missing or not a number/);
    expect(JSON.parse((await cli('runs', '--db', db, '--json')).out)).toHaveLength(2);
  });

  // the SchNet potential as schnet-potential (Gaussian basis, shifted softplus), PaiNN as painn-potential (Bessel basis, silu)
  const potentials = [
    { architecture: 'schnet', model: { features: 16, filterFeatures: 16, numLayers: 2, headHidden: 8, activation: 'shifted-softplus' }, radial: { cutoff: 5, basis: 'gaussian', numBasis: 12 } },
    { architecture: 'painn', model: { features: 16, numLayers: 2, headHidden: 8, activation: 'silu' }, radial: { cutoff: 5, basis: 'bessel', numBasis: 12 } },
  ];
  for (const { architecture, model, radial } of potentials) {
    it(`a ${architecture} potential goes to torchrun (2 processes, gloo) and comes back; its energies and forces in Latticework equal PyTorch's`, async () => {
      requireTorch();
      const dir = mkdtempSync(join(tmpdir(), `lw-scale-out-${architecture}-`));
      const db = join(dir, 'runs.sqlite');
      const frames = emtFrames(dir, 40);
      writeFileSync(join(dir, 'tiny.json'), JSON.stringify({ kind: 'potential', architecture, model, radial, training: { batchSize: 8, seed: 4 } }));
      const cli = cliIn(dir);
      const name = `${architecture}-emt`;
      const exp = await cli('export', 'tiny.json', '--data', frames, '--epochs', '2', '--to', 'torch', 'cluster', '--name', name, '--json');
      expect(exportNotes(exp.err)).toEqual([]);
      expect(exp.code).toBe(0);
      expect(JSON.parse(exp.out)).toMatchObject({ architecture, structures: 40, split: { train: 32, val: 4, test: 4 } });

      const port = await freePort();
      python(['-m', 'torch.distributed.run', '--nnodes', '1', '--nproc_per_node', '2', '--master_addr', '127.0.0.1', '--master_port', String(port), '--redirects', '1', '--tee', '1', 'train.py', '--device', 'cpu', '--epochs', '3'], join(dir, 'cluster'));
      const imp = await cli('import-run', 'cluster', '--db', db, '--json');
      expect(imp.err).toBe('');
      expect(imp.code).toBe(0);
      const imported = JSON.parse(imp.out);
      expect(imported).toMatchObject({ status: 'finished', epochs: 3, epochsPlanned: 3, model: name, external: { processes: 2, distributedBackend: 'gloo' } });
      const runs = JSON.parse((await cli('runs', '--db', db, '--json')).out) as { id: number; origin: string; epochs: number; bestMetrics: Record<string, number> }[];
      expect(runs).toHaveLength(1);
      expect(runs[0]).toMatchObject({ origin: 'external', epochs: 3, epochsPlanned: 3 });
      expect(runs[0].bestMetrics.val_energy_mae).toBeGreaterThan(0);
      expect(runs[0].bestMetrics.test_force_mae).toBeGreaterThan(0);
      const db1 = await Database.open(db);
      const keys = await db1.read((tx) => tx.all<{ key: string; n: number }>("SELECT key, COUNT(*) AS n FROM metric WHERE run_id = ? AND key IN ('train_loss', 'val_energy_mae', 'val_force_mae', 'val_score', 'atoms_per_second') GROUP BY key", [imported.runId]));
      await db1.close();
      expect(Object.fromEntries(keys.map((k) => [k.key, k.n]))).toEqual({ train_loss: 3, val_energy_mae: 3, val_force_mae: 3, val_score: 3, atoms_per_second: 3 });

      // the stored model predicts every frame; 20 of them (test, val, then train) against PyTorch's own predictions
      const torchPredictions = lines(join(dir, 'cluster', 'run', 'predictions.jsonl')) as { index: number; split: string; energy: number; forces: number[][] }[];
      const chosen = [...torchPredictions.filter((p) => p.split !== 'train'), ...torchPredictions.filter((p) => p.split === 'train')].slice(0, 20);
      const pred = await cli('predict', '--model', name, '--backend', 'cpu', '--db', db, '--json', frames);
      expect(pred.code).toBe(0);
      const ours = JSON.parse(pred.out) as { frame: number; energy: number; forces: number[][] }[];
      expect(ours).toHaveLength(40);
      let forceComponents = 0;
      for (const t of chosen) {
        const o = ours[t.index];
        expect(Math.abs(o.energy - t.energy), `frame ${t.index}: energy ${o.energy} vs PyTorch ${t.energy}`).toBeLessThan(1e-4);
        o.forces.forEach((f, i) =>
          f.forEach((x, c) => {
            expect(Math.abs(x - t.forces[i][c]), `frame ${t.index} atom ${i}`).toBeLessThan(1e-4);
            forceComponents++;
          }),
        );
      }
      expect(forceComponents).toBeGreaterThan(100);
    });
  }

  it('the sbatch template runs the export as Slurm would start it (one node, 2 CPU processes, gloo, c10d rendezvous) and the job comes back named', async () => {
    requireTorch();
    const dir = mkdtempSync(join(tmpdir(), 'lw-slurm-'));
    const db = join(dir, 'runs.sqlite');
    const data = `${SHARED_DATA}/emt-dev/cgcnn`;
    const cli = cliIn(dir);
    const exported = await cli('export', 'cgcnn-paper', '--data', data, '--limit', '40', '--epochs', '2', '--to', 'torch', 'cluster', '--json');
    expect(exportNotes(exported.err)).toEqual([]);
    expect(exported.code).toBe(0);

    // Slurm's side, as sbatch would give it to the script on one node: srun runs the step here,
    // scontrol names this host, no GPU (nvidia-smi fails); torchrun is Debian's with its Python 3.11
    // work-around (docs/scale-out.md)
    const bin = join(dir, 'bin');
    mkdirSync(bin);
    const tool = (name: string, body: string) => writeFileSync(join(bin, name), `#!/bin/sh\n${body}\n`, { mode: 0o755 });
    tool('srun', 'exec "$@"');
    tool('scontrol', '[ "$1 $2" = "show hostnames" ] && echo 127.0.0.1');
    tool('nvidia-smi', 'exit 9');
    tool('torchrun', `exec ${PYTHON} -m torch.distributed.run --redirects 1 --tee 1 "$@"`);
    const cluster = join(dir, 'cluster');
    const job = runBounded('bash', [join(cluster, 'train.sbatch'), '--device', 'cpu'], {
      cwd: dir,
      env: { PATH: `${bin}:${process.env.PATH}`, SLURM_SUBMIT_DIR: cluster, SLURM_JOB_ID: '4242', SLURM_JOB_NODELIST: 'node001', SLURM_NNODES: '1', CPUS_PER_NODE: '2' },
    });
    expect(job.status, `${job.stdout}\n${job.stderr}`).toBe(0);
    const status = JSON.parse(readFileSync(join(cluster, 'run', 'status.json'), 'utf8'));
    expect(status).toMatchObject({ status: 'finished', processes: 2, nodes: 1, distributedBackend: 'gloo', device: 'cpu', slurmJob: '4242', epochsDone: 2 });

    const imp = await cli('import-run', 'cluster', '--db', db, '--json');
    expect(imp.err).toBe('');
    expect(JSON.parse(imp.out)).toMatchObject({ status: 'finished', epochs: 2, external: { processes: 2, nodes: 1, distributedBackend: 'gloo', slurmJob: '4242' } });
  });

  it('import-run stores a model whose name is taken as "NAME (PyTorch)", and train --force then replaces only the one model it names', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-import-name-'));
    const db = join(dir, 'runs.sqlite');
    const data = `${SHARED_DATA}/cgcnn-sample-regression`;
    const cli = cliIn(dir);
    const train = (...more: string[]) => cli('train', '--data', data, '--preset', 'gcn', '--epochs', '1', '--backend', 'cpu', '--name', 'one1', '--db', db, ...more);
    expect((await train()).code).toBe(0);
    expect((await cli('export', '1', '--data', data, '--to', 'torch', 'exp', '--db', db)).code).toBe(0);
    fakeTraining(join(dir, 'exp'), 2);
    const imported = await cli('import-run', 'exp', '--db', db);
    expect(imported.code, imported.err).toBe(0);
    expect(imported.out).toMatch(/model "one1 \(PyTorch\)" stored \(model \d+; "one1", its file's name, is another model's\): latticework predict --model "one1 \(PyTorch\)"/);
    const again = JSON.parse((await cli('import-run', 'exp', '--db', db, '--json')).out);
    expect(again).toMatchObject({ model: 'one1 (PyTorch 2)', renamedFrom: 'one1' });
    const models = async () => {
      const d = await Database.open(db);
      try {
        return await d.read((tx) => tx.all<{ name: string; origin: string }>("SELECT name, origin FROM model WHERE origin <> 'builtin' ORDER BY id"));
      } finally {
        await d.close();
      }
    };
    expect((await models()).map((m) => m.name)).toEqual(['one1', 'one1 (PyTorch)', 'one1 (PyTorch 2)']);
    // the PyTorch model predicts under its name, its header renamed with it
    const predicted = await cli('predict', '--model', 'one1 (PyTorch)', '--backend', 'cpu', '--db', db, '--json', join(data, '1000041.cif'));
    expect(JSON.parse(predicted.out)).toMatchObject([{ model: 'one1 (PyTorch)' }]);
    // --force replaces the one model named one1; the imported ones stay, their runs with them
    expect((await train('--force')).code).toBe(0);
    expect((await models()).map((m) => m.name)).toEqual(['one1 (PyTorch)', 'one1 (PyTorch 2)', 'one1']);
    const runs = JSON.parse((await cli('runs', '--db', db, '--json')).out) as { model: string | null; origin: string }[];
    expect(runs.filter((r) => r.origin === 'external').map((r) => r.model).sort()).toEqual(['one1 (PyTorch 2)', 'one1 (PyTorch)']);
  });

  it("the target's unit goes with the export and comes back with the run: the model PyTorch trained predicts in it, in this store and in another", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-import-unit-'));
    const db = join(dir, 'runs.sqlite');
    const data = `${SHARED_DATA}/cgcnn-sample-regression`;
    const cli = cliIn(dir);
    // the sample's target ("1.0" … in id_prop.csv) states no unit: --unit gives it, as the run and its model record it
    expect((await cli('train', '--data', data, '--preset', 'gcn', '--epochs', '1', '--backend', 'cpu', '--unit', 'eV/atom', '--name', 'u', '--db', db)).code).toBe(0);
    expect((await cli('export', '1', '--data', data, '--to', 'torch', 'exp', '--db', db)).code).toBe(0);
    expect(decodeModelFile(new Uint8Array(readFileSync(join(dir, 'exp', 'initial.lwm')))).header.targets.map((t) => t.unit)).toEqual(['eV/atom']);
    fakeTraining(join(dir, 'exp'), 2);
    const csvHeader = async (store: string, model: string) => (await cli('predict', '--model', model, '--backend', 'cpu', '--db', store, '--csv', join(data, '1000041.cif'))).out.split('\n')[0];
    expect(await csvHeader(db, 'u')).toContain(',target (eV/atom),');
    for (const store of [db, join(dir, 'other.sqlite')]) {
      const imported = JSON.parse((await cli('import-run', 'exp', '--db', store, '--json')).out) as { runId: number; model: string };
      expect(await csvHeader(store, imported.model)).toContain(',target (eV/atom),');
      // and `runs --json` gives it with the run, as with the run it was exported from
      const runs = JSON.parse((await cli('runs', '--db', store, '--json')).out) as { id: number; origin: string; targetUnit: string | null }[];
      expect(runs.find((r) => r.id === imported.runId)).toMatchObject({ origin: 'external', targetUnit: 'eV/atom' });
      if (store === db) expect(runs.find((r) => r.origin === 'local')).toMatchObject({ targetUnit: 'eV/atom' });
    }
  });

  it.each([
    ['energy_per_atom', 'eV/atom', `initial.lwm records no unit for its target "energy_per_atom" (exports made before session 45 recorded none): the run and its model take eV/atom, the unit of energy_per_atom`],
    ['target', '', `initial.lwm records no unit for its target "target" (exports made before session 45 recorded none), and no unit is known for that name: the folder carries none, and the run and its model are stored without a unit`],
  ])("an export made before session 45 (no unit in its files) brings back its target %s with the unit known for that name ('%s', '' for none) and a note saying so", async (name, unit, note) => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-import-old-unit-'));
    const db = join(dir, 'runs.sqlite');
    const data = `${SHARED_DATA}/cgcnn-sample-regression`;
    const cli = cliIn(dir);
    expect((await cli('export', 'gcn', '--data', data, '--epochs', '2', '--to', 'torch', 'exp')).code).toBe(0);
    // as such an export wrote it: export.json without its targets (listed since session 46), initial.lwm with the
    // target's name and unit '' (train.py copies its header into best.lwm)
    const manifestFile = join(dir, 'exp', 'export.json');
    const { targets, ...older } = JSON.parse(readFileSync(manifestFile, 'utf8')) as { targets: unknown };
    expect(targets).toEqual([{ name: 'target', unit: '' }]);
    writeFileSync(manifestFile, JSON.stringify(older));
    const initial = decodeModelFile(new Uint8Array(readFileSync(join(dir, 'exp', 'initial.lwm'))));
    writeFileSync(join(dir, 'exp', 'initial.lwm'), encodeModelFile({ ...initial, header: { ...initial.header, targets: [{ name, unit: '' }] } }));
    fakeTraining(join(dir, 'exp'), 2);
    const imp = await cli('import-run', 'exp', '--db', db, '--json');
    expect(imp.code, imp.err).toBe(0);
    const imported = JSON.parse(imp.out) as { runId: number; model: string; notes: string[] };
    expect(imported.notes).toContain(`${join(dir, 'exp')}/${note}`);
    const d = await Database.open(db);
    const stored = await d.read(async (tx) => ({
      run: await tx.get<{ target_unit: string | null }>('SELECT target_unit FROM run WHERE id = ?', [imported.runId]),
      model: await tx.get<{ data: Uint8Array }>('SELECT data FROM model WHERE name = ?', [imported.model]),
    }));
    await d.close();
    expect(stored.run!.target_unit).toBe(unit);
    expect(decodeModelFile(new Uint8Array(stored.model!.data)).header.targets).toEqual([{ name, unit }]);
    const csvHeader = (await cli('predict', '--model', imported.model, '--backend', 'cpu', '--db', db, '--csv', join(data, '1000041.cif'))).out.split('\n')[0];
    expect(csvHeader).toContain(unit ? `,${name} (${unit}),` : `,${name},`);
  });

  /** The tiny SchNet potential of these tests exported to `dir/folder` for `epochs` epochs on the first `frames` EMT frames. */
  async function exportTinyPotential(dir: string, folder: string, frames: number, epochs: number) {
    const cli = cliIn(dir);
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify({ kind: 'potential', ...potentials[0], training: { batchSize: 8, seed: 4 } }));
    const exp = await cli('export', 'tiny.json', '--data', emtFrames(dir, frames, `emt${frames}.extxyz`), '--epochs', String(epochs), '--to', 'torch', folder, '--name', folder, '--json');
    expect(exp.code, exp.err).toBe(0);
    return join(dir, folder);
  }

  it('a run stopped by SIGTERM (Slurm, scancel) in one of torchrun\'s 2 processes stops both after the same step, as cancelled, and comes back with its best model', async () => {
    requireTorch();
    const dir = mkdtempSync(join(tmpdir(), 'lw-sigterm-'));
    const db = join(dir, 'runs.sqlite');
    const cli = cliIn(dir);
    const cluster = await exportTinyPotential(dir, 'cluster', 40, 50);
    // process 1 (only) gets SIGTERM once its second epoch is written
    writeFileSync(
      join(cluster, 'stopped.py'),
      [
        'import os, runpy, signal, sys',
        'sys.path.insert(0, os.getcwd())',
        'import latticework_torch as L',
        'written = L.RunFiles.epoch',
        'def epoch(self, e, *rest):',
        '    written(self, e, *rest)',
        '    if e == 1 and os.environ["RANK"] == "1":',
        '        os.kill(os.getpid(), signal.SIGTERM)',
        'L.RunFiles.epoch = epoch',
        'sys.argv = ["train.py"] + sys.argv[1:]',
        'runpy.run_path("train.py", run_name="__main__")',
      ].join('\n'),
    );
    const port = await freePort();
    const r = runPython(['-m', 'torch.distributed.run', '--nnodes', '1', '--nproc_per_node', '2', '--master_addr', '127.0.0.1', '--master_port', String(port), '--redirects', '1', '--tee', '1', 'stopped.py', '--device', 'cpu'], { cwd: cluster });
    expect(r.stdout + r.stderr).toMatch(/cancelled by SIGTERM: best epoch \d; model .*run\/best\.lwm/);
    expect(r.stdout + r.stderr).toMatch(/exitcode\s*: 130/); // train.py's cancelled status, not the signal's death (143)
    const status = JSON.parse(readFileSync(join(cluster, 'run', 'status.json'), 'utf8'));
    expect(status).toMatchObject({ status: 'cancelled', stoppedBy: 'SIGTERM', epochsDone: 2, epochsPlanned: 50, processes: 2 });

    const imp = await cli('import-run', 'cluster', '--db', db, '--json');
    expect(imp.code, imp.err).toBe(0);
    const imported = JSON.parse(imp.out);
    expect(imported).toMatchObject({ status: 'cancelled', epochs: 2, epochsPlanned: 50, bestEpoch: status.bestEpoch, model: 'cluster' });
    expect(imported.notes).toEqual([
      expect.stringMatching(/^the model is stored with the range of its own energies of its 32 training structures /),
      `the run was cancelled (SIGTERM) after 2 epochs: its best epoch's model (epoch ${status.bestEpoch + 1}, best.lwm) is stored`,
    ]);
    const runs = JSON.parse((await cli('runs', '--db', db, '--json')).out) as { status: string; model: string | null }[];
    expect(runs).toMatchObject([{ status: 'cancelled', model: 'cluster' }]);
  });

  it("train.py stops a potential whose loss is not finite as Latticework does: the term, the frame by its id, the data's fault before any update (both of torchrun's 2 processes, at the same step)", async () => {
    requireTorch();
    const dir = mkdtempSync(join(tmpdir(), 'lw-diverged-'));
    const cli = cliIn(dir);
    // one batch of the 32 training frames (16 a process): the first one is before any update
    writeFileSync(join(dir, 'one-batch.json'), JSON.stringify({ kind: 'potential', ...potentials[0], training: { batchSize: 64, seed: 4 } }));
    const exp = await cli('export', 'one-batch.json', '--data', emtFrames(dir, 40), '--epochs', '2', '--to', 'torch', 'cluster', '--json');
    expect(exp.code, exp.err).toBe(0);
    // one training frame's force label 1e39 eV/Å in the data train.py reads: finite in the file's float64, infinite in
    // float32 (Latticework's readers refuse NaN, and a huge force in the source data would be fitted into the scale)
    const cluster = join(dir, 'cluster');
    const bad = (JSON.parse(readFileSync(join(cluster, 'split.json'), 'utf8')) as { train: number[] }).train[5];
    const file = join(cluster, 'data', 'potentials.bin');
    const bytes = readFileSync(file);
    const head = JSON.parse(bytes.subarray(12, 12 + bytes.readUInt32LE(8)).toString('utf8')) as { ids: string[]; sections: Record<string, { offset: number; dtype: string }> };
    const offsets = head.sections.nodeOffsets;
    const atom = offsets.dtype === 'int64' ? Number(bytes.readBigInt64LE(offsets.offset + 8 * bad)) : bytes.readInt32LE(offsets.offset + 4 * bad);
    bytes.writeDoubleLE(1e39, head.sections.forces.offset + 8 * 3 * atom);
    writeFileSync(file, bytes);
    // as an export of such data records it (else train.py refuses the file as damaged: export.json's SHA-256 of it)
    const manifest = JSON.parse(readFileSync(join(cluster, 'export.json'), 'utf8'));
    manifest.files['data/potentials.bin'].sha256 = createHash('sha256').update(bytes).digest('hex');
    writeFileSync(join(cluster, 'export.json'), JSON.stringify(manifest));
    const id = head.ids[bad];
    const port = await freePort();
    const r = runPython(['-m', 'torch.distributed.run', '--nnodes', '1', '--nproc_per_node', '2', '--master_addr', '127.0.0.1', '--master_port', String(port), '--redirects', '1', '--tee', '1', 'train.py', '--device', 'cpu'], { cwd: cluster });
    expect(r.status).not.toBe(0);
    const message = `training diverged: loss is Infinity at epoch 0, batch 0: the forces term is Infinity, from ${id} — before any update, so not the learning rate`;
    const output = r.stdout + r.stderr;
    // each process raises it (their tracebacks, one after the other)
    expect(output.split(`FloatingPointError: ${message}\n`).length - 1, output).toBe(2);
    expect(JSON.parse(readFileSync(join(cluster, 'run', 'status.json'), 'utf8'))).toMatchObject({ status: 'failed', epochsDone: 0, error: `FloatingPointError: ${message}` });
  });

  it('import-run refuses the run of another export (other data), naming both folders; a run of an older train.py is checked by its model and predictions', async () => {
    requireTorch();
    const dir = mkdtempSync(join(tmpdir(), 'lw-foreign-'));
    const db = join(dir, 'runs.sqlite');
    const cli = cliIn(dir);
    const a = await exportTinyPotential(dir, 'a', 40, 1);
    const b = await exportTinyPotential(dir, 'b', 20, 1);
    python(['train.py', '--device', 'cpu'], a);
    const foreign = await cli('import-run', 'b', '--run', join(a, 'run'), '--db', db);
    expect(foreign.code).toBe(1);
    expect(foreign.err).toBe(
      `latticework import-run: ${a}/run/status.json: this run was trained from the export in ${a} (40 structures of ${dir}/emt40.extxyz exported ${JSON.parse(readFileSync(join(a, 'export.json'), 'utf8')).createdAt}), ` +
        `not from ${b} (20 structures of ${dir}/emt20.extxyz exported ${JSON.parse(readFileSync(join(b, 'export.json'), 'utf8')).createdAt}): import it with its own export folder`,
    );

    // the same run as an older train.py left it (status.json names no export): its model's training domain is not this export's
    const old = join(dir, 'old');
    cpSync(join(a, 'run'), old, { recursive: true });
    const status = JSON.parse(readFileSync(join(old, 'status.json'), 'utf8'));
    delete status.export;
    writeFileSync(join(old, 'status.json'), JSON.stringify(status));
    const byModel = await cli('import-run', 'b', '--run', old, '--db', db);
    expect(byModel.code).toBe(1);
    expect(byModel.err).toMatch(/old\/best\.lwm: its training structures \(the domain in its header\) are not those of .*\/b \(20 structures/);
    // …and its predictions name structures this export does not have (a model that passes: b's own initial weights)
    copyFileSync(join(b, 'initial.lwm'), join(old, 'best.lwm'));
    const byPredictions = await cli('import-run', 'b', '--run', old, '--db', db);
    expect(byPredictions.code).toBe(1);
    expect(byPredictions.err).toMatch(/old\/predictions\.jsonl line \d+: structure (2\d|3\d) is not one of the structures of the export .*\/b \(20 structures.*\): this run was trained from another export/);
    expect(JSON.parse((await cli('runs', '--db', db, '--json')).out)).toEqual([]);
    // with its own export it comes back, saying what could not be checked
    cpSync(join(a, 'run', 'best.lwm'), join(old, 'best.lwm'));
    const own = await cli('import-run', 'a', '--run', old, '--db', db, '--json');
    expect(own.code, own.err).toBe(0);
    expect(JSON.parse(own.out).notes).toEqual([
      `${old}/status.json does not name the export it trained from (a train.py older than that record): that it is the run of ${a} is checked by its model's config and training domain and its predictions' structures only`,
      expect.stringMatching(/^the model is stored with the range of its own energies of its 32 training structures /),
    ]);
  });

  it('train.py keeps a run already in run/ (a second sbatch, a Slurm requeue) unless --overwrite says so, and refuses --epochs below 1 and an edited config.json, writing nothing (exit 2)', async () => {
    requireTorch();
    const dir = mkdtempSync(join(tmpdir(), 'lw-train-refuses-'));
    const cli = cliIn(dir);
    expect((await cli('export', 'gcn', '--data', `${SHARED_DATA}/cgcnn-sample-regression`, '--epochs', '1', '--to', 'torch', 'exp')).code).toBe(0);
    const exp = join(dir, 'exp');
    const usage = 'usage: train.py [-h] [--out OUT] [--epochs EPOCHS] [--device {auto,cpu,cuda}]\n                [--overwrite]\n';
    for (const epochs of ['0', '-1']) {
      const r = runPython(['train.py', '--device', 'cpu', '--epochs', epochs], { cwd: exp });
      expect(r.status).toBe(2);
      expect(r.stderr).toBe(`${usage}train.py: error: argument --epochs: expects a whole number ≥ 1, not ${epochs}\n`);
      expect(existsSync(join(exp, 'run'))).toBe(false);
    }

    python(['train.py', '--device', 'cpu', '--epochs', '2'], exp);
    const run = () => Object.fromEntries(['status.json', 'metrics.jsonl', 'batches.jsonl', 'predictions.jsonl', 'best.lwm', 'last.lwm'].map((f) => [f, readFileSync(join(exp, 'run', f), 'latin1')]));
    const finished = run();
    const again = runPython(['train.py', '--device', 'cpu', '--epochs', '1'], { cwd: exp });
    expect(again.status).toBe(2);
    expect(again.stderr).toBe(
      `${usage}train.py: error: ${exp}/run already holds a run (finished, 2 epochs done, started ${JSON.parse(finished['status.json']).startedAt}): ` +
        `bring it back first (latticework import-run ${exp}), move it away, train into another folder (--out DIR), or replace it (--overwrite)\n`,
    );
    expect(run()).toEqual(finished);

    // config.json is the config to read: the one trained is initial.lwm's
    const config = JSON.parse(readFileSync(join(exp, 'config.json'), 'utf8'));
    writeFileSync(join(exp, 'config.json'), JSON.stringify({ ...config, training: { ...config.training, optimizer: { ...config.training.optimizer, lr: 0.5 } } }));
    const edited = runPython(['train.py', '--device', 'cpu', '--overwrite'], { cwd: exp });
    expect(edited.status).toBe(2);
    expect(edited.stderr).toBe(
      `${usage}train.py: error: config.json differs from the config in initial.lwm (training.optimizer.lr: 0.5 here, ${config.training.optimizer.lr} in initial.lwm): ` +
        "train.py trains initial.lwm's config, with initial weights drawn for it; change the config in Latticework and export again (config.json is there to read)\n",
    );
    expect(run()).toEqual(finished);

    writeFileSync(join(exp, 'config.json'), JSON.stringify(config));
    python(['train.py', '--device', 'cpu', '--epochs', '1', '--overwrite'], exp);
    expect(JSON.parse(readFileSync(join(exp, 'run', 'status.json'), 'utf8'))).toMatchObject({ status: 'finished', epochsDone: 1 });
    expect(lines(join(exp, 'run', 'metrics.jsonl'))).toHaveLength(1);
  });

  it('train.py refuses an export folder cut short (an interrupted copy) before reading it: one line naming the file, exit 2, from process 0 alone under torchrun', async () => {
    requireTorch();
    const dir = mkdtempSync(join(tmpdir(), 'lw-train-damaged-'));
    const cli = cliIn(dir);
    expect((await cli('export', 'gcn', '--data', `${SHARED_DATA}/cgcnn-sample-regression`, '--epochs', '1', '--to', 'torch', 'exp')).code).toBe(0);
    const exp = join(dir, 'exp');
    const files = JSON.parse(readFileSync(join(exp, 'export.json'), 'utf8')).files as Record<string, { bytes: number; sha256: string }>;
    expect(Object.keys(files).sort()).toEqual(['data/graphs.bin', 'initial.lwm', 'split.json']);
    for (const [name, f] of Object.entries(files)) expect(createHash('sha256').update(readFileSync(join(exp, name))).digest('hex'), name).toBe(f.sha256);
    const damaged = (name: string, damage: (bytes: Buffer) => Buffer, args: string[] = ['train.py', '--device', 'cpu']) => {
      const whole = readFileSync(join(exp, name));
      writeFileSync(join(exp, name), damage(whole));
      try {
        const r = runPython(args, { cwd: exp });
        expect(existsSync(join(exp, 'run')), name).toBe(false);
        return r;
      } finally {
        writeFileSync(join(exp, name), whole);
      }
    };
    const again = 'an interrupted copy? copy the export folder again';
    for (const name of ['data/graphs.bin', 'initial.lwm']) {
      const r = damaged(name, (b) => b.subarray(0, 3000));
      expect([r.status, r.stderr]).toEqual([2, `train.py: error: ${name} is truncated: 3000 bytes, but the export wrote ${files[name].bytes} (export.json); ${again}\n`]);
    }
    const flipped = damaged('data/graphs.bin', (b) => Buffer.concat([b.subarray(0, 100), Buffer.from([b[100] ^ 1]), b.subarray(101)]));
    expect([flipped.status, flipped.stderr]).toEqual([2, 'train.py: error: data/graphs.bin is damaged: its SHA-256 is not the one the export recorded (export.json); copy the export folder again\n']);
    // two processes: each refuses before joining the process group, process 0 says why, once
    const torchrun = ['-m', 'torch.distributed.run', '--nnodes', '1', '--nproc_per_node', '2', '--master_addr', '127.0.0.1', '--master_port', String(await freePort()), '--redirects', '1', '--tee', '1'];
    const both = damaged('initial.lwm', (b) => b.subarray(0, 100000), [...torchrun, 'train.py', '--device', 'cpu']);
    expect(both.status).not.toBe(0);
    const said = `initial.lwm is truncated: 100000 bytes, but the export wrote ${files['initial.lwm'].bytes} (export.json); ${again}`;
    expect(`${both.stdout}${both.stderr}`.split(said).length - 1, both.stderr).toBe(1);
    expect(`${both.stdout}${both.stderr}`).not.toMatch(/RuntimeError|ValueError/);
  });

  it('import-run refuses a run already imported (its export and start, from status.json), naming it; a new run of the same export comes back', async () => {
    requireTorch();
    const dir = mkdtempSync(join(tmpdir(), 'lw-import-twice-'));
    const db = join(dir, 'runs.sqlite');
    const cli = cliIn(dir);
    expect((await cli('export', 'gcn', '--data', `${SHARED_DATA}/cgcnn-sample-regression`, '--epochs', '1', '--to', 'torch', 'exp')).code).toBe(0);
    const exp = join(dir, 'exp');
    python(['train.py', '--device', 'cpu'], exp);
    const first = await cli('import-run', 'exp', '--db', db, '--json');
    expect(first.code, first.err).toBe(0);
    const runId = JSON.parse(first.out).runId as number;
    const twice = await cli('import-run', 'exp', '--db', db, '--json');
    expect(twice.code).toBe(1);
    expect(twice.err).toBe(
      `latticework import-run: ${exp}/run/status.json: this run (started ${JSON.parse(readFileSync(join(exp, 'run', 'status.json'), 'utf8')).startedAt}) was already imported as run ${runId} ("gcn (PyTorch, 1 process)", finished): it is not stored twice (to import it again, delete run ${runId} in the app's Runs view first: the command line does not delete runs)`,
    );
    // a copy of the folder brought back again is the same run
    cpSync(exp, join(dir, 'copy'), { recursive: true });
    expect((await cli('import-run', 'copy', '--db', db)).err).toMatch(new RegExp(`was already imported as run ${runId} `));
    const runs = JSON.parse((await cli('runs', '--db', db, '--json')).out) as { id: number }[];
    expect(runs.map((r) => r.id)).toEqual([runId]);
    // the same export trained again is another run
    python(['train.py', '--device', 'cpu', '--overwrite'], exp);
    const second = await cli('import-run', 'exp', '--db', db, '--json');
    expect(second.code, second.err).toBe(0);
    expect(JSON.parse(second.out).runId).not.toBe(runId);
  });

  it("import-run refuses another run's best.lwm of the same export: by its SHA-256 in status.json, and by its provenance (best epoch, processes, when written) for a folder without it", async () => {
    requireTorch();
    const dir = mkdtempSync(join(tmpdir(), 'lw-foreign-best-'));
    const db = join(dir, 'runs.sqlite');
    const cli = cliIn(dir);
    expect((await cli('export', 'gcn', '--data', `${SHARED_DATA}/cgcnn-sample-regression`, '--epochs', '2', '--to', 'torch', 'exp')).code).toBe(0);
    const exp = join(dir, 'exp');
    python(['train.py', '--device', 'cpu'], exp);
    python(['train.py', '--device', 'cpu', '--out', 'run2'], exp);
    const statusFile = join(exp, 'run', 'status.json');
    const status = JSON.parse(readFileSync(statusFile, 'utf8'));
    const own = readFileSync(join(exp, 'run', 'best.lwm'));
    expect(status.bestSha256).toBe(createHash('sha256').update(own).digest('hex'));
    const refused = async (best: Uint8Array, statusJson: Record<string, unknown> = status) => {
      writeFileSync(join(exp, 'run', 'best.lwm'), best);
      writeFileSync(statusFile, JSON.stringify(statusJson));
      const r = await cli('import-run', 'exp', '--db', db);
      expect(r.code).toBe(1);
      return r.err;
    };
    const bestFile = join(exp, 'run', 'best.lwm');
    // the second run's best.lwm: written after this run ended, by its SHA-256 too; a folder of an older train.py (no bestSha256) by its provenance alone
    const other = new Uint8Array(readFileSync(join(exp, 'run2', 'best.lwm')));
    const otherWritten = decodeModelFile(other).header.provenance.createdAt;
    const late = `latticework import-run: ${bestFile}: its provenance is not status.json's run: written ${otherWritten} (its header), after the run ended (${status.finishedAt}, status.json): not this run's model (another run's best.lwm copied here?)`;
    expect(await refused(other)).toBe(late);
    const { bestSha256: _, ...older } = status;
    expect(await refused(other, older)).toBe(late);
    // a best.lwm of a 2-process run (torchrun) whose best epoch was another: both values named
    const torchrun = decodeModelFile(other);
    const details = torchrun.header.provenance.details as { bestEpoch: number[]; external: Record<string, unknown> };
    torchrun.header.provenance.createdAt = status.startedAt;
    details.bestEpoch = [1 - status.bestEpoch];
    details.external = { ...details.external, processes: 2, distributedBackend: 'gloo' };
    expect(await refused(encodeModelFile(torchrun), older)).toBe(
      `latticework import-run: ${bestFile}: its provenance is not status.json's run: best epoch ${1 - status.bestEpoch} in its header, ${status.bestEpoch} in status.json (counted from 0); ` +
        `processes 2 in its header, 1 in status.json; distributedBackend "gloo" in its header, "none" in status.json: not this run's model (another run's best.lwm copied here?)`,
    );
    // the same provenance, other weights: its SHA-256 is not status.json's
    const edited = decodeModelFile(new Uint8Array(own));
    for (const w of Object.values(edited.members[0])) w[0] += 1;
    const editedBytes = encodeModelFile(edited);
    expect(await refused(editedBytes)).toBe(
      `latticework import-run: ${bestFile}: its SHA-256 is ${createHash('sha256').update(editedBytes).digest('hex')}, but status.json records ${status.bestSha256} for this run's best.lwm: not this run's model (another run's best.lwm copied here?)`,
    );
    expect(JSON.parse((await cli('runs', '--db', db, '--json')).out)).toEqual([]);
    // its own best.lwm comes back
    writeFileSync(join(exp, 'run', 'best.lwm'), own);
    writeFileSync(statusFile, JSON.stringify(status));
    const back = await cli('import-run', 'exp', '--db', db, '--json');
    expect(back.code, back.err).toBe(0);
    expect(JSON.parse(back.out)).toMatchObject({ status: 'finished', bestEpoch: status.bestEpoch });
  });

  it('import-run refuses a run without its epochs (metrics.jsonl missing or cut short) and a split that is not one, naming the problem', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-import-checks-'));
    const db = join(dir, 'runs.sqlite');
    const cli = cliIn(dir);
    expect((await cli('export', 'gcn', '--data', `${SHARED_DATA}/cgcnn-sample-regression`, '--epochs', '3', '--to', 'torch', 'exp')).code).toBe(0);
    const refused = async (change: (folder: string) => void) => {
      const folder = join(dir, `case${Math.random().toString(36).slice(2)}`);
      cpSync(join(dir, 'exp'), folder, { recursive: true });
      fakeTraining(folder, 3);
      change(folder);
      const r = await cli('import-run', folder, '--db', db);
      expect(r.code).toBe(1);
      return r.err.replace(`${folder}/`, '');
    };
    const split = (folder: string, edit: (s: Record<string, number[]>) => void) => {
      const s = JSON.parse(readFileSync(join(folder, 'split.json'), 'utf8'));
      edit(s);
      writeFileSync(join(folder, 'split.json'), JSON.stringify(s));
    };
    expect(await refused((f) => rmSync(join(f, 'run', 'metrics.jsonl')))).toBe("latticework import-run: run/metrics.jsonl: missing: train.py writes every epoch's metrics there (the run cannot come back without its epochs)");
    expect(await refused((f) => writeFileSync(join(f, 'run', 'metrics.jsonl'), readFileSync(join(f, 'run', 'metrics.jsonl'), 'utf8').split('\n').slice(0, 2).join('\n')))).toBe(
      "latticework import-run: run/metrics.jsonl: 2 epoch lines, but status.json says 3 epochs were done: the file is cut short",
    );
    // more epoch lines than status.json's epochs (a second run's lines after the first's), and an edited best epoch
    const metrics = (f: string, edit: (rows: Record<string, unknown>[]) => Record<string, unknown>[]) =>
      writeFileSync(join(f, 'run', 'metrics.jsonl'), edit(lines(join(f, 'run', 'metrics.jsonl'))).map((r) => JSON.stringify(r)).join('\n') + '\n');
    expect(await refused((f) => metrics(f, (rows) => [...rows, { ...rows[2], epoch: 3, val_mae: 1e-4 }]))).toBe(
      'latticework import-run: run/metrics.jsonl line 4: 4 epoch lines, but status.json says 3 epochs were done: the lines from epoch 3 on are not this run\'s (two runs written into one folder?)',
    );
    expect(await refused((f) => metrics(f, (rows) => rows.map((r) => (r.epoch === 2 ? { ...r, val_mae: 0.001 } : r))))).toBe(
      `latticework import-run: run/metrics.jsonl line 3: the best epoch's (epoch 2, counted from 0) "val_mae" is 0.001, but status.json's valMetrics say ${0.5 / 3}: the file was changed since train.py wrote it`,
    );
    expect(await refused((f) => split(f, (s) => s.test.push(s.train[0])))).toMatch(/^latticework import-run: split\.json: structure \d+ is in both "train" and "test": a structure belongs to one split$/);
    expect(await refused((f) => split(f, (s) => delete s.val))).toBe('latticework import-run: split.json: "val" is missing or not a list of structure indices');
    expect(JSON.parse((await cli('runs', '--db', db, '--json')).out)).toEqual([]);
  });

  it('a killed run (status.json still says running) comes back interrupted with its best model; a failed one without it, saying why', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-import-stopped-'));
    const db = join(dir, 'runs.sqlite');
    const cli = cliIn(dir);
    expect((await cli('export', 'gcn', '--data', `${SHARED_DATA}/cgcnn-sample-regression`, '--to', 'torch', 'exp')).code).toBe(0);
    const ended = async (folder: string, status: Record<string, unknown>) => {
      cpSync(join(dir, 'exp'), join(dir, folder), { recursive: true });
      fakeTraining(join(dir, folder), 3);
      const file = join(dir, folder, 'run', 'status.json');
      writeFileSync(file, JSON.stringify({ ...JSON.parse(readFileSync(file, 'utf8')), ...status }));
      const r = await cli('import-run', folder, '--db', db, '--json');
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out) as { runId: number; status: string; model: string | null; notes: string[] };
    };
    const killed = await ended('killed', { status: 'running', startedAt: '2026-01-02T03:04:05.000000+00:00', finishedAt: null, duration: 3.25, bestEpoch: 1 });
    expect(killed).toMatchObject({ status: 'interrupted', model: 'gcn' });
    expect(killed.notes.slice(1)).toEqual([
      "the run was interrupted (status.json still says running: the job was killed, or is still running) after 3 epochs: its best epoch's model (epoch 3, best.lwm) is stored",
      `once the job has ended (or written more epochs), import the folder again: run ${killed.runId} is then updated with them, its end and its best model`,
    ]);
    const failed = await ended('failed', { status: 'failed', error: 'FloatingPointError: training diverged' });
    expect(failed).toMatchObject({ status: 'failed', model: null });
    expect(failed.notes[1]).toBe(
      `the run failed: its best.lwm (epoch 3) is not stored, as a run that fails here keeps no model (predict with the file itself: latticework predict --model ${join(dir, 'failed', 'run', 'best.lwm')})`,
    );
    const finished = await ended('finished', { startedAt: '2026-01-02T04:00:00.000000+00:00', finishedAt: '2026-01-02T05:06:07.891234+00:00' });
    // the runs end when PyTorch ended them (status.json's finishedAt; a killed job: its last epoch, startedAt + duration),
    // not when they were imported, which external.importedAt says (ISO 8601, as every time of `runs --json`)
    const runs = JSON.parse((await cli('runs', '--db', db, '--json')).out) as { id: number; startedAt: string; finishedAt: string; external: { importedAt: string } }[];
    const times = Object.fromEntries([killed, failed, finished].map((r, k) => [['killed', 'failed', 'finished'][k], runs.find((x) => x.id === r.runId)!]));
    expect(times.killed).toMatchObject({ startedAt: '2026-01-02T03:04:05.000Z', finishedAt: '2026-01-02T03:04:08.250Z' });
    expect(times.finished).toMatchObject({ startedAt: '2026-01-02T04:00:00.000Z', finishedAt: '2026-01-02T05:06:07.891Z' });
    expect(times.failed.finishedAt).toBe(JSON.parse(readFileSync(join(dir, 'failed', 'run', 'status.json'), 'utf8')).finishedAt.replace(/(\.\d{3})\d*/, '$1'));
    for (const r of runs) {
      expect(r.external.importedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(Date.now() - Date.parse(r.external.importedAt)).toBeLessThan(120_000);
    }
  });

  it('an import killed in the middle of its writes (kill -9) stores nothing: imported again, the run comes back whole', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-import-killed-'));
    const db = join(dir, 'runs.sqlite');
    const cli = cliIn(dir);
    expect((await cli('export', 'gcn', '--data', `${SHARED_DATA}/cgcnn-sample-regression`, '--to', 'torch', 'exp')).code).toBe(0);
    fakeTraining(join(dir, 'exp'), 3);
    expect(JSON.parse((await cli('runs', '--db', db, '--json')).out)).toEqual([]);
    const child = spawnSync(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('../scale-out/import-run-child.ts', import.meta.url)), db, join(dir, 'exp')], { encoding: 'utf8', timeout: 300_000 });
    expect(child.signal, child.stderr).toBe('SIGKILL');
    // before session 45 each epoch was its own transaction: a run "interrupted 1/3", no model, as if the PyTorch job had been killed
    expect(JSON.parse((await cli('runs', '--db', db, '--json')).out)).toEqual([]);
    const again = await cli('import-run', 'exp', '--db', db, '--json');
    expect(again.code, again.err).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({ updated: false, status: 'finished', epochs: 3, model: 'gcn' });
  });

  it('a run imported while its job ran (interrupted) is updated in place once the folder holds more epochs and its end; nothing new, or a finished run, is refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-import-live-'));
    const db = join(dir, 'runs.sqlite');
    const cli = cliIn(dir);
    expect((await cli('export', 'gcn', '--data', `${SHARED_DATA}/cgcnn-sample-regression`, '--epochs', '3', '--to', 'torch', 'live')).code).toBe(0);
    const live = join(dir, 'live');
    const startedAt = '2026-01-02T03:04:05.000000+00:00';
    const status = join(live, 'run', 'status.json');
    // the export train.py records (what makes the same run recognised when it comes back again)
    const sha256 = Object.fromEntries(['export.json', 'split.json', 'initial.lwm'].map((f) => [f, createHash('sha256').update(readFileSync(join(live, f))).digest('hex')]));
    const job = (epochs: number, change: Record<string, unknown>) => {
      fakeTraining(live, epochs);
      writeFileSync(status, JSON.stringify({ ...JSON.parse(readFileSync(status, 'utf8')), startedAt, export: { folder: live, createdAt: null, dataset: null, structures: null, sha256 }, ...change }));
    };
    const imported = async () => {
      const r = await cli('import-run', 'live', '--db', db, '--json');
      expect(r.code, r.err).toBe(0);
      return JSON.parse(r.out) as { runId: number; updated: boolean; status: string; epochs: number; modelId: number; model: string; notes: string[] };
    };
    const running = { status: 'running', finishedAt: null, valMetrics: undefined, testMetrics: undefined };
    job(1, { ...running, epochsDone: 1, bestEpoch: 0 });
    const first = await imported();
    expect(first).toMatchObject({ updated: false, status: 'interrupted', epochs: 1, model: 'gcn' });

    // nothing new: refused, saying when to import again
    const same = await cli('import-run', 'live', '--db', db);
    expect(same.code).toBe(1);
    expect(same.err).toBe(
      `latticework import-run: ${status}: this run (started ${startedAt}) was already imported as run ${first.runId} ("gcn (PyTorch, 2 processes)") with 1 epoch, while its job had not ended, and status.json still says running with no epoch since: import it again once the job has written more epochs or ended (run ${first.runId} is then updated)`,
    );

    // two epochs, still running: updated (same run, same model)
    job(2, { ...running, epochsDone: 2, bestEpoch: 1 });
    const second = await imported();
    expect(second).toMatchObject({ runId: first.runId, updated: true, status: 'interrupted', epochs: 2, modelId: first.modelId, model: 'gcn' });
    expect(second.notes[0]).toBe(`run ${first.runId} was imported before, while its job had not ended (interrupted, 1 epoch): it is updated in place with this folder's 2 epochs and its status (interrupted)`);

    // the job's end: the finished run, its curves, best metrics and model replace the partial ones
    job(3, {});
    // (the last best epoch's weights: the initial ones, halved)
    const best = decodeModelFile(new Uint8Array(readFileSync(join(live, 'run', 'best.lwm'))));
    for (const w of Object.values(best.members[0])) w.forEach((x, i) => (w[i] = x / 2));
    writeFileSync(join(live, 'run', 'best.lwm'), encodeModelFile(best));
    const done = await imported();
    expect(done).toMatchObject({ runId: first.runId, updated: true, status: 'finished', epochs: 3, modelId: first.modelId, model: 'gcn' });
    const runs = JSON.parse((await cli('runs', '--db', db, '--json')).out) as { id: number; status: string; epochs: number; error: string | null; bestEpoch: number; bestMetrics: Record<string, number> }[];
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ id: first.runId, status: 'finished', error: null, bestEpoch: 2, bestMetrics: { val_mae: 0.5 / 3, test_mae: 0.2 } });
    const d = await Database.open(db);
    const models = await d.read((tx) => tx.all<{ id: number; data: Uint8Array }>('SELECT id, data FROM model'));
    const losses = await d.read((tx) => tx.all<{ epoch: number }>("SELECT epoch FROM metric WHERE run_id = ? AND key = 'train_loss' ORDER BY step", [first.runId]));
    await d.close();
    expect(models.map((m) => m.id)).toEqual([first.modelId]);
    expect(decodeModelFile(new Uint8Array(models[0].data)).members).toEqual(best.members);
    expect(losses.map((l) => l.epoch)).toEqual([0, 1, 2]);

    // a finished run is stored once
    const again = await cli('import-run', 'live', '--db', db);
    expect(again.code).toBe(1);
    expect(again.err).toMatch(/was already imported as run \d+ \("gcn \(PyTorch, 2 processes\)", finished\): it is not stored twice \(to import it again, delete run \d+ in the app's Runs view first: the command line does not delete runs\)$/);

    // a job that then fails: its run is updated as failed, and the model its first import stored is deleted (a failed run keeps none)
    const dies = { startedAt: '2026-01-03T00:00:00.000000+00:00' };
    job(1, { ...running, ...dies, epochsDone: 1, bestEpoch: 0 });
    const partial = await imported();
    expect(partial).toMatchObject({ updated: false, status: 'interrupted', model: 'gcn (PyTorch)' });
    job(2, { ...dies, status: 'failed', error: 'FloatingPointError: training diverged', epochsDone: 2, bestEpoch: 1 });
    const failed = await imported();
    expect(failed).toMatchObject({ runId: partial.runId, updated: true, status: 'failed', modelId: null });
    expect(failed.notes[0]).toBe(
      `run ${partial.runId} was imported before, while its job had not ended (interrupted, 1 epoch): it is updated in place with this folder's 2 epochs and its status (failed); the model its earlier import stored (model ${partial.modelId}) is deleted, as this import stores none`,
    );
    const d2 = await Database.open(db);
    expect((await d2.read((tx) => tx.all<{ id: number }>('SELECT id FROM model'))).map((m) => m.id)).toEqual([first.modelId]);
    await d2.close();
  });

  it('a potential comes back with the range of its own energies of its training structures: predicting them, the energy check flags none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-import-range-'));
    const db = join(dir, 'runs.sqlite');
    const cli = cliIn(dir);
    const folder = await exportTinyPotential(dir, 'pot', 40, 1);
    // the initial weights as the trained model: its energies lie far from the labels, whose range alone flags every training structure
    fakeTraining(folder, 2);
    const imp = await cli('import-run', 'pot', '--db', db, '--json');
    expect(imp.code, imp.err).toBe(0);
    const notes = JSON.parse(imp.out).notes as string[];
    expect(notes).toContainEqual(
      expect.stringMatching(
        new RegExp(
          `^the model is stored with the range of its own energies of its 32 training structures \\(${folder}/data/dataset\\.extxyz\\): -?\\d+\\.\\d{3} to -?\\d+\\.\\d{3} eV/atom above the reference energies \\(widened by 0\\.001 eV/atom\\), as a potential trained in Latticework records it, so that the energy check flags none of them$`,
        ),
      ),
    );
    const d = await Database.open(db);
    const [row] = await d.read((tx) => tx.all<{ data: Uint8Array }>("SELECT data FROM model WHERE name = 'pot'"));
    await d.close();
    const stored = decodeModelFile(new Uint8Array(row.data));
    const exported = decodeModelFile(new Uint8Array(readFileSync(join(folder, 'initial.lwm'))));
    // the export's domain (which train.py copies), with the model's own energies' range added
    const { predictedEnergyAboveReference: own, ...fromExport } = stored.header.domain!.potential!;
    expect({ ...stored.header.domain, potential: fromExport }).toEqual(exported.header.domain);
    expect(own!.max).toBeGreaterThan(own!.min);

    const { train } = JSON.parse(readFileSync(join(folder, 'split.json'), 'utf8')) as { train: number[] };
    expect(train).toHaveLength(32);
    const data = join(folder, 'data', 'dataset.extxyz');
    // (from inside the export: beside it, "pot" names the folder)
    const pred = await cliIn(folder)('predict', '--model', 'pot', '--backend', 'cpu', '--db', db, '--json', data);
    expect(pred.code, pred.err).toBe(0);
    const predicted = JSON.parse(pred.out) as { energy: number; warnings: string[] }[];
    const frames = readFrames(data, readFileSync(data, 'utf8')).frames;
    const labels = exported.header.domain!.potential!.energyAboveReference!;
    const above = train.map((i) => energyAboveReference(frames[i].structure.numbers, predicted[i].energy, exported.header.domain!.potential!.referenceEnergies)!);
    expect(above.filter((x) => x < labels.min - 0.001 || x > labels.max + 0.001).length).toBeGreaterThan(0);
    for (const i of train) expect(predicted[i].warnings.filter((w) => w.startsWith('energy')), `training frame ${i}`).toEqual([]);
  });

  it('import-run refuses a folder that is not an export, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-import-bad-'));
    const o = io();
    expect(await main(['import-run', dir, '--db', join(dir, 'x.sqlite')], o.io, dir)).toBe(1);
    expect(o.err.join('\n')).toMatch(/export\.json: missing: this is not an export folder/);
  });
});
