/**
 * Two `latticework train` processes started at once under one --name into one store (the built command line,
 * as two shells or two batch jobs start it): both pass the check of stored models made before any work, the
 * first to record its run reserves the name, and the other is refused as it records its own, before it trains
 * (exit 2, one line, no run stored), for a property model and for a potential alike. A potential's run reserved
 * nothing until session 46: both trained, and the second failed at the end (exit 1), its model thrown away.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emtFramesText, SHARED_DATA } from '../../helpers/shared-data';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const dir = mkdtempSync(join(tmpdir(), 'lw-train-same-name-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Ended {
  code: number | null;
  out: string;
  err: string;
}

/** `latticework ARGS` in its own process, in `dir`. */
function latticework(args: string[]): Promise<Ended> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'latticework.mjs'), ...args], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (d) => (out += d));
  child.stderr.on('data', (d) => (err += d));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, out, err })));
}

/**
 * `train ARGS --name NAME --db DB` twice at once: one trains and stores its model, the other is refused
 * as it records its run, before its first epoch, naming the run that trains.
 */
async function trainTwiceAtOnce(db: string, name: string, args: string[]): Promise<void> {
  const both = await Promise.all([0, 1].map(() => latticework(['train', ...args, '--epochs', '1', '--backend', 'cpu', '--name', name, '--db', db])));
  const said = JSON.stringify(both, null, 1);
  const [trained, refused] = [...both].sort((a, b) => (a.code ?? -1) - (b.code ?? -1));
  expect([trained.code, refused.code], said).toEqual([0, 2]);
  // the other is refused naming the run that trains; on a machine so loaded that it starts only after the first
  // stored its model, it is refused for the stored model instead (exit 2 either way, before training)
  expect(refused.err.trim().split('\n').at(-1), said).toMatch(
    new RegExp(`^latticework train: (run 1, training now, will store its model as|a model named) "${name}".*choose another --name`),
  );
  // refused before training: no epoch trained, no run stored
  expect(refused.out, said).not.toMatch(/^epoch /m);
  expect(trained.out, said).toMatch(/^epoch 1\/1 /m);
  const runs = await latticework(['runs', '--db', db, '--json']);
  expect((JSON.parse(runs.out) as { id: number; status: string; model: string | null }[]).map((r) => [r.id, r.status, r.model])).toEqual([[1, 'finished', name]]);
}

describe('two latticework train processes under one --name, in their own processes', { timeout: 240_000 }, () => {
  it('a property model: one trains and stores it (exit 0), the other is refused before training (exit 2)', async () => {
    await trainTwiceAtOnce(join(dir, 'property.sqlite'), 'gap of the sample', ['--data', join(SHARED_DATA, 'cgcnn-sample-regression'), '--preset', 'gcn']);
  });

  it('a potential: one trains and stores it (exit 0), the other is refused before training (exit 2)', async () => {
    writeFileSync(join(dir, 'emt.extxyz'), emtFramesText(10));
    writeFileSync(join(dir, 'tiny.json'), JSON.stringify({ model: { features: 8, numLayers: 2, headHidden: 4 }, radial: { cutoff: 4, numBasis: 6 }, training: { batchSize: 4 } }));
    await trainTwiceAtOnce(join(dir, 'potential.sqlite'), 'EMT potential', ['--data', 'emt.extxyz', '--preset', 'schnet-potential', '--config', 'tiny.json']);
  });
});
