/**
 * `latticework train --resume RUN`: a command-line run killed after an epoch (its process gone, the run
 * left 'running' until the next process that opens the store marks it interrupted) continues from its
 * last checkpoint on the data it recorded, appends its epochs to the same run and stores its model.
 */
import { cpSync, mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { makeTrainCommand, type TrainHooks } from '../../../../src-main/cli/commands/train';
import { decodeModelFile } from '../../../../src-main/engine/models/format';
import { withModelRepository } from '../../../../src-main/models/store';
import { sqliteTrainHooks } from '../../../../src-main/services/cli-store';
import { Database } from '../../../../src-main/store/database';
import { SHARED_DATA } from '../../../helpers/shared-data';
import { cliIn, io } from './helpers';

const SAMPLE = `${SHARED_DATA}/cgcnn-sample-regression`;
/** A small GCN, 4 epochs on the first 8 structures (--limit, recorded with the run) split 5/2/1 (split.json, the run's config), one thread. */
const ARGS = ['--preset', 'gcn', '--config', 'split.json', '--limit', '8', '--epochs', '4', '--batch-size', '3', '--seed', '7', '--backend', 'cpu', '--workers', '1'];

/** A scratch folder with the split of ARGS. */
function scratch(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), name));
  writeFileSync(join(dir, 'split.json'), JSON.stringify({ training: { split: { val: 0.25, test: 0.125 } } }));
  return dir;
}

interface RunEntry {
  id: number;
  name: string;
  status: string;
  epochs: number;
  epochsPlanned: number;
  model: string | null;
  bestEpoch: number | null;
  tags: string[];
}

/**
 * `latticework train ARGS --db DB` in this process, killed once epoch `after` (from 0; a k-fold run's: of its
 * fold `fold`) is recorded: nothing more is written, and its store is left as a killed process leaves it (its
 * owner row gone: the next process that opens the store marks the run interrupted).
 */
async function killedRun(dir: string, db: string, argv: string[], after: number | 'before-first-checkpoint', fold = 0): Promise<void> {
  const opened: Database[] = [];
  const open = Database.open.bind(Database);
  const spy = vi.spyOn(Database, 'open').mockImplementation(async (...a) => {
    const d = await open(...a);
    if (a[1]?.owner?.label === 'latticework train') opened.push(d);
    return d;
  });
  try {
    const killing = async (o: { db?: string }): Promise<TrainHooks> => {
      const real = await sqliteTrainHooks(o);
      return {
        ...real,
        async onEpoch(e) {
          await real.onEpoch(e);
          if (after === 'before-first-checkpoint') throw new Error('killed');
        },
        async onCheckpoint(c, info) {
          await real.onCheckpoint(c, info);
          if (info.epoch === after && (c.kFold?.fold ?? 0) === fold) throw new Error('killed');
        },
        // a killed process records nothing more
        onError: async () => undefined,
      };
    };
    const o = io();
    const code = await withModelRepository(db, () => makeTrainCommand(killing).run({ argv: [...argv, '--db', db], io: o.io, cwd: dir }));
    expect([code, o.err.join('\n')]).toEqual([1, 'latticework train: killed']);
  } finally {
    spy.mockRestore();
  }
  // the process is gone: its connection (and with it its owner row) goes, the run stays 'running'
  expect(opened).toHaveLength(1);
  await opened[0].close();
}

async function runs(dir: string, db: string): Promise<RunEntry[]> {
  const r = await cliIn(dir)('runs', '--db', db, '--json');
  expect(r.code, r.err).toBe(0);
  return JSON.parse(r.out) as RunEntry[];
}

/** The run's per-epoch metric `key`, by epoch, and how many points each epoch has. */
async function epochMetric(db: string, runId: number, key: string): Promise<{ epoch: number; value: number; n: number }[]> {
  const d = await Database.open(db);
  try {
    return await d.read((tx) => tx.all<{ epoch: number; value: number; n: number }>('SELECT epoch, MAX(value) AS value, COUNT(*) AS n FROM metric WHERE run_id = ? AND key = ? GROUP BY epoch ORDER BY epoch', [runId, key]));
  } finally {
    await d.close();
  }
}

afterEach(() => vi.restoreAllMocks());

describe('latticework train --resume', { timeout: 300_000 }, () => {
  it('continues a killed run from its last checkpoint: the same run gains the epochs after it, the losses of an uninterrupted run, and its model, which predict loads', async () => {
    const dir = scratch('lw-train-resume-');
    const db = join(dir, 'runs.sqlite');
    const cli = cliIn(dir);
    // the run as it would have gone, for its losses
    const whole = await cli('train', '--data', SAMPLE, ...ARGS, '--no-save', '--db', join(dir, 'whole.sqlite'), '--json');
    expect(whole.code, whole.err).toBe(0);
    const wholeId = (await runs(dir, join(dir, 'whole.sqlite')))[0].id;
    const wholeLoss = await epochMetric(join(dir, 'whole.sqlite'), wholeId, 'train_loss');
    expect(wholeLoss.map((m) => m.epoch)).toEqual([0, 1, 2, 3]);

    await killedRun(dir, db, ['--data', SAMPLE, ...ARGS, '--name', 'resumable'], 1);
    const [killed] = await runs(dir, db);
    expect(killed).toMatchObject({ name: 'resumable', status: 'interrupted', epochs: 2, epochsPlanned: 4, model: null });

    const resumed = await cli('train', '--resume', String(killed.id), '--db', db);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.err).toBe('');
    expect(resumed.out).toMatch(new RegExp(`resuming run ${killed.id} “resumable” after epoch 2 of 4`));
    // the epochs printed are the run's 3rd and 4th, not a new run's first
    expect(resumed.out).toMatch(/^epoch 3\/4 {2}loss/m);
    expect(resumed.out).toMatch(/^epoch 4\/4 {2}loss/m);
    expect(resumed.out).not.toMatch(/^epoch 1\/4/m);
    expect(resumed.out).toMatch(/data: 8 structures/);

    const after = await runs(dir, db);
    // the same run, not a new one
    expect(after).toHaveLength(1);
    expect(after[0]).toMatchObject({ id: killed.id, status: 'finished', epochs: 4, epochsPlanned: 4, model: 'resumable' });
    // one loss per epoch, epochs 0–3, each the uninterrupted run's (the checkpoint holds the optimiser, RNG and split)
    const loss = await epochMetric(db, killed.id, 'train_loss');
    expect(loss.map((m) => [m.epoch, m.n])).toEqual([
      [0, 1],
      [1, 1],
      [2, 1],
      [3, 1],
    ]);
    for (const [i, m] of loss.entries()) expect(m.value).toBeCloseTo(wholeLoss[i].value, 5);

    const predicted = await cli('predict', '--model', 'resumable', '--db', db, join(SAMPLE, '1000041.cif'), '--json');
    expect(predicted.code, predicted.err).toBe(0);
    expect(Number.isFinite((JSON.parse(predicted.out) as { prediction: number }[])[0].prediction)).toBe(true);

    // finished: there is nothing to resume
    const again = await cli('train', '--resume', String(killed.id), '--db', db);
    expect([again.code, again.err]).toEqual([1, `latticework train: run ${killed.id} is finished: only an interrupted run (its process killed) can be resumed`]);
  });

  it('continues a killed k-fold run in the fold under way, the folds finished before kept: the same fold models, ensemble and losses as an uninterrupted run', async () => {
    const dir = scratch('lw-train-resume-kfold-');
    writeFileSync(join(dir, 'split.json'), JSON.stringify({ training: { split: { val: 0.25, test: 0.125 }, kFold: 3 } }));
    const db = join(dir, 'runs.sqlite');
    const cli = cliIn(dir);
    const whole = await cli('train', '--data', SAMPLE, ...ARGS, '--out', 'whole.lwm', '--db', join(dir, 'whole.sqlite'));
    expect(whole.code, whole.err).toBe(0);
    const wholeLoss = await epochMetric(join(dir, 'whole.sqlite'), (await runs(dir, join(dir, 'whole.sqlite')))[0].id, 'train_loss');
    expect(wholeLoss.map((m) => m.epoch)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);

    // killed in fold 1, after its 2nd epoch
    await killedRun(dir, db, ['--data', SAMPLE, ...ARGS, '--name', 'folds', '--out', 'resumed.lwm'], 1, 1);
    const [killed] = await runs(dir, db);
    expect(killed).toMatchObject({ status: 'interrupted', epochs: 6, epochsPlanned: 12 });
    const resumed = await cli('train', '--resume', String(killed.id), '--db', db);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toContain(`resuming run ${killed.id} “folds” in fold 1 (of folds 0–2) after its epoch 2 of 4, fold 0 before it kept as it finished`);
    // fold 0 is not trained again, fold 1 goes on from its 3rd epoch
    expect(resumed.out).not.toMatch(/^fold 0 epoch/m);
    expect(resumed.out).not.toMatch(/^fold 1 epoch [12]\/4/m);
    expect(resumed.out).toMatch(/^fold 1 epoch 3\/4/m);
    expect(resumed.out).toMatch(/^fold 2 epoch 1\/4/m);

    expect((await runs(dir, db))[0]).toMatchObject({ id: killed.id, status: 'finished', epochs: 12 });
    const loss = await epochMetric(db, killed.id, 'train_loss');
    expect(loss.map((m) => [m.epoch, m.n])).toEqual(wholeLoss.map((m) => [m.epoch, 1]));
    for (const [i, m] of loss.entries()) expect(m.value).toBeCloseTo(wholeLoss[i].value, 5);
    // the ensemble: the same members, as each fold ended, and what it records of them
    const [a, b] = ['whole.lwm', 'resumed.lwm'].map((f) => decodeModelFile(new Uint8Array(readFileSync(join(dir, f)))));
    expect(b.members).toHaveLength(3);
    b.members.forEach((m, k) => {
      for (const [name, w] of Object.entries(a.members[k])) expect(Array.from(m[name]), `member ${k} ${name}`).toEqual(Array.from(w));
    });
    const { bestEpoch, bestMetric, testMetrics, epochs } = a.header.provenance.details as Record<string, unknown>;
    expect(b.header.provenance.details).toMatchObject({ bestEpoch, bestMetric, testMetrics, epochs });
    const predict = async (file: string) => {
      const r = await cli('predict', '--model', file, '--backend', 'cpu', join(SAMPLE, '1000041.cif'), '--json');
      expect(r.code, r.err).toBe(0);
      const [{ prediction, std }] = JSON.parse(r.out) as { prediction: number; std: number }[];
      return { prediction, std };
    };
    expect(await predict('resumed.lwm')).toEqual(await predict('whole.lwm'));
  });

  it('resumes a fine-tuning run: its frozen layers stay the source model\'s, its model records the start', async () => {
    const dir = scratch('lw-train-resume-ft-');
    const db = join(dir, 'runs.sqlite');
    const band = decodeModelFile(new Uint8Array(readFileSync(join(__dirname, '../../../../resources/models/band-gap.lwm'))));
    await killedRun(dir, db, ['--data', SAMPLE, '--from', 'band-gap', '--freeze', '2', '--epochs', '2', '--batch-size', '4', '--backend', 'cpu', '--workers', '1', '--out', 'ft.lwm'], 0);
    const [killed] = await runs(dir, db);
    const r = await cliIn(dir)('train', '--resume', String(killed.id), '--db', db, '--json');
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ status: 'finished', epochs: 2, startedFrom: 'CGCNN band gap', freeze: 2, head: 'new', model: join(dir, 'ft.lwm') });
    const tuned = decodeModelFile(new Uint8Array(readFileSync(join(dir, 'ft.lwm'))));
    expect(tuned.header.provenance.details).toMatchObject({ startedFrom: 'CGCNN band gap', freeze: 2, epochs: [2] });
    expect(tuned.header.atomInit).toEqual(band.header.atomInit);
    const frozen = Object.keys(band.members[0]).filter((n) => /^(embedding|convs\.[01])\./.test(n));
    for (const n of frozen) expect(Array.from(tuned.members[0][n]), n).toEqual(Array.from(band.members[0][n]));
    expect((await runs(dir, db))[0]).toMatchObject({ status: 'finished', epochs: 2, tags: ['cli', 'from:CGCNN band gap', 'freeze:2'] });
  });

  it('resumes a fine-tuning run killed before its first checkpoint from its source again: the losses of a new fine-tuning run', async () => {
    const dir = scratch('lw-train-resume-ft0-');
    const db = join(dir, 'runs.sqlite');
    const args = ['--data', SAMPLE, '--from', 'band-gap', '--freeze', '2', '--epochs', '2', '--batch-size', '4', '--backend', 'cpu', '--workers', '1', '--no-save'];
    const whole = await cliIn(dir)('train', ...args, '--db', join(dir, 'whole.sqlite'), '--json');
    expect(whole.code, whole.err).toBe(0);
    const wholeLoss = await epochMetric(join(dir, 'whole.sqlite'), (await runs(dir, join(dir, 'whole.sqlite')))[0].id, 'train_loss');
    await killedRun(dir, db, args, 'before-first-checkpoint');
    const [killed] = await runs(dir, db);
    expect(killed).toMatchObject({ status: 'interrupted', epochs: 0 });
    const r = await cliIn(dir)('train', '--resume', String(killed.id), '--db', db);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('from its start (it had no checkpoint)');
    expect(r.out).toContain('fine-tuning from CGCNN band gap: embedding and 2 of 4 layers frozen');
    expect(await epochMetric(db, killed.id, 'train_loss')).toEqual(wholeLoss);
    expect((await runs(dir, db))[0]).toMatchObject({ status: 'finished', epochs: 2, tags: ['cli', 'from:CGCNN band gap', 'freeze:2'] });
  });

  it('writes the model to the --out the run recorded, or to a new --out', async () => {
    const dir = scratch('lw-train-resume-out-');
    const db = join(dir, 'runs.sqlite');
    await killedRun(dir, db, ['--data', SAMPLE, ...ARGS, '--out', 'first.lwm'], 0);
    const [killed] = await runs(dir, db);
    writeFileSync(join(dir, 'first.lwm'), 'in the way');
    const cli = cliIn(dir);
    const refused = await cli('train', '--resume', String(killed.id), '--db', db);
    expect([refused.code, refused.err]).toEqual([2, `latticework train: --out ${join(dir, 'first.lwm')} exists: give a new file (nothing is overwritten) (the run's --out, recorded: give another with --out)`]);
    const r = await cli('train', '--resume', String(killed.id), '--out', 'second.lwm', '--db', db, '--json');
    expect(r.code, r.err).toBe(0);
    // `train --json`'s summary, its epochs the run's
    expect(JSON.parse(r.out)).toMatchObject({ status: 'finished', epochs: 4, structures: 8, model: join(dir, 'second.lwm') });
    expect(readFileSync(join(dir, 'second.lwm')).length).toBeGreaterThan(1000);
    expect((await runs(dir, db))[0]).toMatchObject({ status: 'finished', epochs: 4, model: null });
  });

  it('refuses a run whose data changed since, and one recorded before runs recorded how they read their data, saying why; both stay interrupted', async () => {
    const dir = scratch('lw-train-resume-refused-');
    const db = join(dir, 'runs.sqlite');
    const data = join(dir, 'data');
    cpSync(SAMPLE, data, { recursive: true });
    await killedRun(dir, db, ['--data', 'data', ...ARGS, '--no-save'], 0);
    const [killed] = await runs(dir, db);
    // one target changed: the same 8 structures, other data
    const table = join(data, 'id_prop.csv');
    const rows = readFileSync(table, 'utf8').split('\n');
    rows[0] = `${rows[0].split(',')[0]},123.5`;
    writeFileSync(table, rows.join('\n'));
    const cli = cliIn(dir);
    const changed = await cli('train', '--resume', String(killed.id), '--db', db);
    expect(changed.code).toBe(1);
    expect(changed.err).toMatch(
      new RegExp(`^latticework train: run ${killed.id} cannot be resumed: its data ${data} changed since it started \\(the same 8 structures, but what was read differs: their names, targets, structures or the atom table, atom_init.json \\(SHA-256 [0-9a-f]{12}…, recorded [0-9a-f]{12}…\\)\\); resuming would train on other data than its checkpoint's: train it again instead$`),
    );
    // fewer structures
    rows.splice(1, 3);
    writeFileSync(table, rows.join('\n'));
    expect((await cli('train', '--resume', String(killed.id), '--db', db)).err).toMatch(/its data .* changed since it started \(7 structures now, 8 when the run started\)/);
    expect((await runs(dir, db))[0]).toMatchObject({ status: 'interrupted', epochs: 1 });
    // the folder moved: --resume takes no --data, so it is put back where the run read it
    renameSync(data, join(dir, 'moved'));
    expect((await cli('train', '--resume', String(killed.id), '--db', db)).err).toBe(
      `latticework train: run ${killed.id} read its data at ${data}, which does not exist now: put it back there (--resume reads it where the run did), or train it again`,
    );
    renameSync(join(dir, 'moved'), data);

    // what --resume accepts, not what it refuses (--name): the model's name taken since
    const edit = async (sql: string) => {
      const e = await Database.open(db);
      await e.transaction((tx) => tx.run(sql, [killed.id]));
      await e.close();
    };
    await edit(`INSERT INTO model (name, origin, task, architecture, target, units, parameter_count, members, sha256, data, created_at) SELECT 'taken', 'trained', 'regression', 'cgcnn', 'y', '', 1, 1, 'ab', x'00', ?`);
    await edit(`UPDATE run SET train_command = json_set(train_command, '$.noSave', json('false'), '$.model', 'taken') WHERE id = ?`);
    const taken = await cli('train', '--resume', String(killed.id), '--db', db);
    expect([taken.code, taken.err]).toEqual([2, `latticework train: a model named "taken" already exists in ${db}; run ${killed.id} stores its model under that name: --force replaces it, --out FILE.lwm writes a file instead`]);
    // fine-tuned from a file gone since: put back where it was
    await edit(`UPDATE run SET train_command = json_set(train_command, '$.noSave', json('true'), '$.from', 'gone/src.lwm') WHERE id = ?`);
    expect((await cli('train', '--resume', String(killed.id), '--db', db)).err).toMatch(
      new RegExp(`^latticework train: run ${killed.id} was fine-tuned from gone/src.lwm, which cannot be loaded now \\(.*\\): put the file back at ${join(dir, 'gone/src.lwm')}, and --resume fine-tunes from it again; or train it again$`),
    );
    await edit(`UPDATE run SET train_command = json_set(train_command, '$.from', json('null')) WHERE id = ?`);
    // cancelled (Ctrl+C, SIGTERM): what to do instead
    await edit(`UPDATE run SET status = 'cancelled' WHERE id = ?`);
    expect((await cli('train', '--resume', String(killed.id), '--db', db)).err).toBe(
      `latticework train: run ${killed.id} is cancelled: only an interrupted run (its process killed) can be resumed; its curves and metrics are kept: train it again with the same command (the same seed retraces the same epochs)`,
    );
    await edit(`UPDATE run SET status = 'interrupted' WHERE id = ?`);

    // a run of `latticework train` recorded before schema version 19: no train_command
    const d = await Database.open(db);
    const insert = (tags: string[]) =>
      d.transaction(async (tx) => (await tx.run(`INSERT INTO run (name, dataset_id, dataset_name, status, config, seed, epochs_planned, started_at, tags) VALUES ('old', NULL, '/data/emt/cgcnn', 'interrupted', '{}', 1, 40, 0, ?)`, [JSON.stringify(tags)])).lastID);
    const old = await insert(['cli']);
    // a potential's run keeps no checkpoint (nor train_command)
    const potential = await insert(['cli', 'potential']);
    await d.close();
    expect((await cli('train', '--resume', String(potential), '--db', db)).err).toBe(
      `latticework train: run ${potential} cannot be resumed: it trained a potential, and a potential's run keeps no checkpoint to continue from; its curves and metrics are kept: train it again with the same command (the same seed retraces the same epochs)`,
    );
    const refused = await cli('train', '--resume', String(old), '--db', db);
    expect([refused.code, refused.err]).toEqual([
      1,
      `latticework train: run ${old} cannot be resumed: it was recorded before \`latticework train\` recorded how it read its data (/data/emt/cgcnn: its --target, --limit, what it read) and where its model goes, so it cannot be read again the same way; its curves and metrics are kept: train it again with the same command (the same seed retraces the same epochs)`,
    ]);
    expect((await runs(dir, db)).find((r) => r.id === old)?.status).toBe('interrupted');
    // no such run; the run's own settings are not given again
    expect((await cli('train', '--resume', '999', '--db', db)).err).toBe(`latticework train: there is no run 999 in ${db} (\`latticework runs\` lists its runs)`);
    const usage = await cli('train', '--resume', String(killed.id), '--epochs', '9', '--db', db);
    expect(usage.code).toBe(2);
    expect(usage.err).toMatch(`--resume ${killed.id} continues the run with the data and settings it recorded: leave out --epochs (it takes only --out, --force, --db and --json)`);
  });
});
