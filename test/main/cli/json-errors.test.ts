/**
 * With --json, stdout holds one JSON document whatever happens: the command's result, or
 * {"error": {"message", "status"}} when it fails before it has one (the message as stderr says it).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from '../../../src-main/cli/index';
import { copperPoscar } from '../services/simulation-fixtures';

const dir = mkdtempSync(join(tmpdir(), 'lw-json-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'Fe.vasp'), copperPoscar(1, 0, 'Fe'));
writeFileSync(join(dir, 'water.xyz'), '3\nwater\nO 0 0 0\nH 0.76 0.59 0\nH -0.76 0.59 0\n');
writeFileSync(join(dir, 'not-a-db.sqlite'), 'not SQLite: a text file of more than the hundred bytes of an SQLite header, which SQLite reads before it says no\n');

async function cli(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(argv, { out: (t) => void out.push(t), err: (t) => void err.push(t) }, dir);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('--json on failure', () => {
  it('a run that fails prints {"error"} with what stderr says; notes and usage text stay out of it', async () => {
    const fe = await cli('relax', 'Fe.vasp', '--model', 'emt', '--json');
    expect(fe.code).toBe(1);
    expect(fe.err).toMatch(/^latticework relax: Fe\.vasp: EMT has no parameters for Fe/);
    expect(JSON.parse(fe.out)).toEqual({ error: { message: fe.err.slice('latticework relax: '.length), status: 1 } });

    const water = await cli('elastic', 'water.xyz', '--model', 'emt', '--json');
    expect(JSON.parse(water.out)).toEqual({ error: { message: 'water.xyz: elastic constants needs a structure periodic in all three directions', status: 1 } });

    const db = await cli('runs', '--db', join(dir, 'not-a-db.sqlite'), '--json');
    expect(db.code).toBe(1);
    expect(JSON.parse(db.out).error.message).toMatch(/not-a-db\.sqlite is not a Latticework database/);

    // a usage error: the message, without the usage text printed after it
    const usage = await cli('md', 'water.xyz', '--model', 'emt', '--json');
    expect(usage.code).toBe(2);
    expect(JSON.parse(usage.out)).toEqual({ error: { message: '--ensemble is required', status: 2 } });

    // a subcommand's error, as every command's: without the program's prefix ("latticework structure info: ")
    const symprec = await cli('structure', 'info', 'Fe.vasp', '--symprec', '-1', '--json');
    expect(symprec.code).toBe(2);
    expect(symprec.err).toMatch(/^latticework structure info: --symprec must be a positive number/);
    expect(JSON.parse(symprec.out)).toEqual({ error: { message: symprec.err.split('\n\n')[0].slice('latticework structure info: '.length), status: 2 } });

    // a command that does not exist: the usage on stderr, the error on stdout
    const unknown = await cli('models', '--json');
    expect(unknown.code).toBe(2);
    expect(unknown.err).toMatch(/^latticework: unknown command "models"\n\nLatticework /);
    expect(JSON.parse(unknown.out)).toEqual({ error: { message: 'unknown command "models"', status: 2 } });

    // a message over several lines (an invalid config and its reasons): the whole of it
    const config = await cli('train', '--data', dir, '--preset', 'cgcnn-paper', '--batch-size', '0', '--db', join(dir, 'runs.sqlite'), '--json');
    expect(config.code).toBe(2);
    expect(config.err).toBe('latticework train: invalid model config:\n  training.batchSize: batchSize must be at least 1');
    expect(JSON.parse(config.out)).toEqual({ error: { message: config.err.slice('latticework train: '.length), status: 2 } });
  });

  it('without --json nothing is added; a command that printed its result keeps it', async () => {
    const text = await cli('relax', 'Fe.vasp', '--model', 'emt');
    expect(text.out).toBe('');
    const predicted = await cli('predict', '--model', 'emt', 'Fe.vasp', '--json');
    expect(predicted.code).toBe(1);
    expect(JSON.parse(predicted.out)).toMatchObject([{ file: 'Fe.vasp', error: { name: 'CalculatorError' } }]);
  });
});
