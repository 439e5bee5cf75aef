/**
 * `latticework predict` over a folder of many shares on the default backend, as a user runs it
 * (no --backend): the compute workers started ahead load the best backend themselves
 * ('screen-prepare' asked for none), then every share they are given names the backend this
 * thread chose — and every row is printed, in file order. 3db342b's workers loaded that backend
 * a second time on their first share, which failed: the command printed this thread's first share
 * (32 of 2,000 rows in the screening benchmark) and stopped. A file of its own: this process's
 * backend is then the one the command chooses, as in a fresh `latticework` process.
 */
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main } from '../../../src-main/cli/index';
import { importCgcnnCheckpoint } from '../../../src-main/engine/import/cgcnn';
import { encodeModelFile } from '../../../src-main/engine/models/format';
import { shared } from '../../helpers/shared-data';
import { io } from './commands/helpers';

/** Ten shares of 32 files (the last one short): three or four for each of the three threads. */
const FILES = 300;
let dir: string;
let modelFile: string;
let names: string[];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'latticework-screen-default-'));
  mkdirSync(join(dir, 'many'));
  const emt = shared('emt-dev', 'cgcnn');
  names = readdirSync(emt)
    .filter((f) => f.endsWith('.cif'))
    .sort()
    .slice(0, FILES);
  for (const f of names) copyFileSync(join(emt, f), join(dir, 'many', f));
  modelFile = join(dir, 'formation.lwm');
  writeFileSync(modelFile, encodeModelFile(importCgcnnCheckpoint(new Uint8Array(readFileSync(shared('cgcnn-pretrained', 'formation-energy-per-atom.pth.tar'))), { fileName: 'formation-energy-per-atom.pth.tar' })));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('latticework predict over a folder on the default backend', () => {
  it('prints every row, in file order, from this thread and the workers started ahead', { timeout: 600_000 }, async () => {
    expect(names).toHaveLength(FILES);
    const o = io();
    const code = await main(['predict', '--model', modelFile, 'many', '--csv', '--workers', '3', '--db', join(dir, 'db.sqlite')], o.io, dir);
    const err = o.err.join('\n');
    // no share failed (3db342b: "latticework predict: …" after the first share)
    expect(o.err.filter((l) => l.includes('latticework predict:'))).toEqual([]);
    expect(code).toBe(0);
    const lines = o.out.join('\n').trim().split('\n');
    expect(lines[0]).toBe('file,name,model,formation_energy_per_atom (eV/atom),error,warnings');
    const rows = lines.slice(1).map((l) => l.split(','));
    expect(rows).toHaveLength(FILES);
    expect(rows.map((r) => r[0])).toEqual(names.map((f) => join('many', f)));
    // a number in every row, no error
    expect(rows.filter((r) => !Number.isFinite(Number(r[3])) || r[3] === '' || r[4])).toEqual([]);
    expect(err).toMatch(new RegExp(`screening ${FILES} files with 3 worker\\(s\\)`));
    expect(err).toMatch(new RegExp(`done: ${FILES} structures from ${FILES} files`));
  });
});
