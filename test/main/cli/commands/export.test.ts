/**
 * `latticework export CONFIG.json`: a config file is checked as `train --config` checks one — a
 * field the schema does not know is refused, named with its path, before anything is written
 * (the happy path, with `--epochs`, is in test/main/cli/scale-out.test.ts).
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it, vi } from 'vitest';
import { exportCommand } from '../../../../src-main/cli/commands/export';
import { SHARED_DATA } from '../../../helpers/shared-data';
import { emtFrames, io } from './helpers';

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
