import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { graphCommand } from '../../../src-main/cli/commands/graph';
import { predictCommand } from '../../../src-main/cli/commands/predict';
import { mdCommand, relaxCommand } from '../../../src-main/cli/commands/simulate';
import { structureCommand } from '../../../src-main/cli/commands/structure';
import type { Command } from '../../../src-main/cli/command';
import { copperPoscar } from '../services/simulation-fixtures';
import { asOnlyCommand, deliverSignal } from '../../helpers/signals';

const dir = mkdtempSync(join(tmpdir(), 'lw-read-limits-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
writeFileSync(join(dir, 'Cu.vasp'), copperPoscar(2, 0.1));

async function run(cmd: Command, argv: string[]) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await cmd.run({ argv, cwd: dir, io: { out: (t) => out.push(t), err: (t) => err.push(t) } });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

describe('the readers\' limits (--max-atoms, --max-bytes) on every command that reads structure files', () => {
  const commands: [string, Command, string[]][] = [
    ['relax', relaxCommand, ['Cu.vasp', '--model', 'emt', '--fmax', '100']],
    ['md', mdCommand, ['Cu.vasp', '--model', 'emt', '--ensemble', 'nve', '--temperature', '10', '--timestep', '1', '--steps', '1']],
    ['predict', predictCommand, ['--model', 'emt', 'Cu.vasp']],
    ['graph', graphCommand, ['Cu.vasp']],
    ['structure', structureCommand, ['info', 'Cu.vasp']],
  ];

  it.each(commands)('%s: the refusal names an option the command takes, and the option lifts the limit', async (name, cmd, args) => {
    const refused = await run(cmd, [...args, '--max-bytes', '50']);
    expect(refused.err).toMatch(/Cu\.vasp.*more than the limit of 50 \(option --max-bytes\)/);
    expect(refused.code).toBe(1);
    const atoms = await run(cmd, [...args, '--max-atoms', '4']);
    expect(atoms.err).toMatch(/more than the limit of 4 \(option --max-atoms\)/);
    const lifted = await run(cmd, [...args, '--max-bytes', '1000000', '--max-atoms', '32']);
    expect(lifted.code, lifted.err).toBe(0);
    const bad = await run(cmd, [...args, '--max-bytes=-3']);
    expect([bad.code, bad.err.split('\n')[0]]).toEqual([2, `latticework ${name === 'structure' ? 'structure info' : name}: --max-bytes must be a positive integer, not "-3"`]);
  });

  it('a compressed file that expands past the limit names the option, not an internal name', async () => {
    const text = copperPoscar(3);
    const packed = gzipSync(text);
    writeFileSync(join(dir, 'Cu.vasp.gz'), packed);
    const limit = packed.length + 1;
    expect(text.length).toBeGreaterThan(limit);
    const r = await run(structureCommand, ['info', 'Cu.vasp.gz', '--max-bytes', String(limit)]);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(new RegExp(`cannot decompress this gzip file: it expands to more than the limit of ${limit} bytes \\(option --max-bytes\\)$`, 'm'));
    expect(r.err).not.toMatch(/maxBytes/);
  });
});

describe('predict with a built-in calculator on a folder reports as a trained model\'s screening does', () => {
  const folder = join(dir, 'many');
  mkdirSync(folder);
  for (let i = 0; i < 40; i++) writeFileSync(join(folder, `Cu-${i}.vasp`), copperPoscar(1, 0.05 * (i % 3)));

  it('progress header and summary on stderr, rows on stdout', async () => {
    const r = await run(predictCommand, ['--model', 'emt', 'many', '--csv']);
    expect(r.code, r.err).toBe(0);
    expect(r.out.split('\n')).toHaveLength(41);
    expect(r.err).toMatch(/^screening 40 files with 1 worker\(s\)$/m);
    expect(r.err).toMatch(/^done: 40 structures from 40 files in [\d.]+ s \([\d.]+ structures\/s\)$/m);
  });

  it('Ctrl-C stops at the next file: the rows printed are complete, the line says so, exit 130', async () => {
    const listening = process.listenerCount('SIGINT');
    const out: string[] = [];
    const err: string[] = [];
    const code = await predictCommand.run({
      argv: ['--model', 'emt', 'many', '--csv'],
      cwd: dir,
      io: {
        out: (t) => {
          out.push(t);
          // the first row (after the header): stop now
          if (out.length === 2) process.emit('SIGINT');
        },
        err: (t) => err.push(t),
      },
    });
    expect(code).toBe(130);
    expect(out).toHaveLength(2);
    expect(err.at(-1)).toBe('latticework predict: interrupted after 1 of 40 files (1 structures); the rows printed are complete');
    expect(process.listenerCount('SIGINT')).toBe(listening);
  });

  it('a signal once the last file is screened is too late to stop anything: every row and the summary, exit 0, not 130 or 143', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const ended: boolean[] = [];
    const code = await asOnlyCommand(async () => {
      const status = await predictCommand.run({
        argv: ['--model', 'emt', 'many', '--csv'],
        cwd: dir,
        io: {
          out: (t) => {
            out.push(t);
            // the last row (after the header)
            if (out.length === 41) ended.push(deliverSignal('SIGINT'));
          },
          err: (t) => err.push(t),
        },
      });
      // and after the command returned, its process ending
      ended.push(deliverSignal('SIGTERM'));
      return status;
    });
    expect([code, ended], err.join('\n')).toEqual([0, [false, false]]);
    expect(out).toHaveLength(41);
    expect(err.at(-1)).toMatch(/^done: 40 structures from 40 files in /);
  });
});
