/** The command table (src-main/cli/index.ts): what every command shares, before a command's own options. */
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { commands, main } from '../../../src-main/cli/index';
import { parseServeArgs } from '../../../src-main/cli/commands/serve';
import { io } from './commands/helpers';

const FIXTURES = fileURLToPath(new URL('../../fixtures/structures/', import.meta.url));

describe('latticework', () => {
  it('takes --db PATH with every command: the commands that use no database ignore it', async () => {
    for (const argv of [
      ['structure', 'info', 'ase_cu3au.vasp5', '--db', '/nonexistent/db.sqlite', '--json'],
      ['structure', 'info', '--db=/nonexistent/db.sqlite', 'ase_cu3au.vasp5', '--json'],
      ['graph', 'ase_cu3au.vasp5', '--db', '/nonexistent/db.sqlite', '--json'],
    ]) {
      const o = io();
      expect(await main(argv, o.io, FIXTURES), o.err.join('\n')).toBe(0);
      expect(JSON.parse(o.out.join(''))).toHaveLength(1);
    }
  });

  it('an option that takes one value given twice is bad usage (exit 2, "--model given twice"), in every command; repeatable ones (--param) repeat', async () => {
    for (const [argv, option] of [
      [['predict', '--model', 'emt', '--model', 'lj', 'ase_cu3au.vasp5', '--json'], 'model'],
      [['predict', '-m', 'emt', '--model=lj', 'ase_cu3au.vasp5', '--json'], 'model'],
      [['graph', 'ase_cu3au.vasp5', '--cutoff', '3', '--cutoff', '5', '--json'], 'cutoff'],
      [['structure', 'info', 'ase_cu3au.vasp5', '--symprec', '0.1', '--symprec', '0.01', '--json'], 'symprec'],
      [['relax', 'ase_cu3au.vasp5', '--model', 'emt', '--fmax', '0.1', '--fmax', '0.01', '--json'], 'fmax'],
      [['graph', 'ase_cu3au.vasp5', '--db', 'a.sqlite', '--db=b.sqlite', '--json'], 'db'],
      [['runs', '--db', 'a.sqlite', '--db', 'b.sqlite', '--json'], 'db'],
    ] as const) {
      const o = io();
      expect(await main([...argv], o.io, FIXTURES), argv.join(' ')).toBe(2);
      expect(JSON.parse(o.out.join('')).error.message).toMatch(new RegExp(`^--${option} given twice`));
    }
    expect(() => parseServeArgs(['--port', '1', '--port', '2'])).toThrow(/^--port given twice \("1", then "2"\): give it once$/);
    expect(parseServeArgs(['--allow-host', 'a', '--allow-host', 'b']).allowHosts).toEqual(['a', 'b']);
    const lj = io();
    expect(await main(['predict', '--model', 'lj', '--param', 'sigma=2.3', '--param', 'epsilon=0.4', 'ase_cu3au.vasp5', '--json', '--json'], lj.io, FIXTURES), lj.err.join('\n')).toBe(0);
    expect(JSON.parse(lj.out.join(''))).toHaveLength(1);
  });

  it('every command a usage text names ("latticework NAME") is one of the command table', async () => {
    const known = new Set(commands.map((c) => c.name));
    for (const entry of commands) {
      const { usage } = await entry.load();
      for (const [, name] of usage.matchAll(/latticework ([a-z][a-z-]*)/g)) expect(known.has(name), `latticework ${entry.name} --help names "latticework ${name}"`).toBe(true);
    }
  }, 60_000);

  it('without a command is bad usage: the usage on stderr, exit 2; --help prints it on stdout', async () => {
    const none = io();
    expect(await main([], none.io, FIXTURES)).toBe(2);
    expect([none.out, none.err.join('\n')]).toEqual([[], expect.stringMatching(/^Latticework .*\n\nUsage: latticework <command> \[options\]/)]);
    const help = io();
    expect(await main(['--help'], help.io, FIXTURES)).toBe(0);
    expect(help.out.join('\n')).toBe(none.err.join('\n'));
  });
});
