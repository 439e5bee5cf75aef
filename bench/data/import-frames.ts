/**
 * Benchmark (issue 12): a 5,000-frame extended XYZ with forces (and energies, stresses) imported as a
 * dataset of labelled frames, through the same core, pool and SQLite store the app uses; side by side
 * with ASE 3.22 reading the same file (`ase.io.read(FILE, index=':')`, Debian's python3-ase) as the
 * reference. The frames are the shared EMT set's 2,000 structures, each written again with its
 * positions shifted by 1e-4·k Å (k = 1, 2, ...) until there are 5,000, so that none is a duplicate.
 *
 * Usage: npx tsx bench/data/import-frames.ts [FRAMES=5000] [RUNS=3]   (needs a quiet machine)
 * Prints one JSON line per run and a summary line; goal: under 10 s per import.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCore } from '../../src-main/app/core';
import { datasetsHandlers } from '../../src-main/services/datasets';
import { readFrames, writeFramesExtxyz, type LabelledFrame } from '../../src-shared/chem';
import { SHARED_DATA } from '../../test/helpers/shared-data';

const nFrames = Number(process.argv[2] ?? 5000);
const runs = Number(process.argv[3] ?? 3);
const dir = mkdtempSync(join(tmpdir(), 'lw-bench-frames-'));

const base = readFrames('emt.extxyz', readFileSync(join(SHARED_DATA, 'emt-dev', 'emt_dataset.extxyz'), 'utf8')).frames;
const frames: LabelledFrame[] = [];
for (let k = 0; frames.length < nFrames; k++) {
  for (const f of base) {
    if (frames.length >= nFrames) break;
    const cart = Float64Array.from(f.structure.cart, (x) => x + 1e-4 * k);
    frames.push({ ...f, structure: { ...f.structure, cart, frac: null } });
  }
}
const file = join(dir, `frames-${nFrames}.extxyz`);
writeFileSync(file, writeFramesExtxyz(frames));
const atoms = frames.reduce((a, f) => a + f.structure.numbers.length, 0);
const warm = join(dir, 'warm-up.extxyz');
writeFileSync(warm, writeFramesExtxyz(base.slice(0, 10)));

function aseSeconds(): number | null {
  const r = spawnSync('/usr/bin/python3', ['-c', `import time, ase.io\nt = time.perf_counter()\nn = len(ase.io.read(${JSON.stringify(file)}, index=':'))\nprint(time.perf_counter() - t, n)`], { encoding: 'utf8' });
  if (r.status !== 0) return null;
  const [s, n] = r.stdout.trim().split(/\s+/).map(Number);
  if (n !== nFrames) throw new Error(`ASE read ${n} frames, not ${nFrames}`);
  return s;
}

const results: { ours: number; ase: number | null }[] = [];
for (let r = 0; r < runs; r++) {
  const dbDir = mkdtempSync(join(dir, 'db-'));
  const core = await createCore({ mode: 'browser', dataDirectory: dbDir, databasePath: join(dbDir, 'bench.sqlite') });
  let progressEvents = 0;
  const off = core.events.connect((service, event) => {
    if (service === 'jobs' && event === 'onProgress') progressEvents++;
  });
  const datasets = datasetsHandlers(core);
  const ctx = { clientId: 'bench' };
  // The app's workers are running before anything is dropped: start them (a 10-frame import) first.
  await datasets.import({ kind: 'frames', path: warm, name: 'warm-up' }, ctx);
  const t0 = performance.now();
  const ds = await datasets.import({ kind: 'frames', path: file, name: 'bench' }, ctx);
  const ours = (performance.now() - t0) / 1000;
  off();
  await core.dispose();
  if (ds.size !== nFrames) throw new Error(`imported ${ds.size} frames, not ${nFrames}`);
  const ase = aseSeconds();
  results.push({ ours, ase });
  console.log(JSON.stringify({ run: r + 1, frames: nFrames, atoms, latticeworkImportSeconds: +ours.toFixed(3), aseReadSeconds: ase && +ase.toFixed(3), progressEvents }));
}
const med = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const ours = med(results.map((r) => r.ours));
const ase = results.every((r) => r.ase !== null) ? med(results.map((r) => r.ase!)) : null;
console.log(
  `summary: ${nFrames} frames (${atoms} atoms, ${(readFileSync(file).length / 1e6).toFixed(1)} MB): import ${ours.toFixed(2)} s (median of ${runs}; goal < 10 s: ${ours < 10 ? 'met' : 'NOT met'})` +
    (ase !== null ? `; ASE read alone ${ase.toFixed(2)} s (import / ASE read = ${(ours / ase).toFixed(2)})` : '') +
    `; load average ${loadavg()[0].toFixed(1)}`,
);
rmSync(dir, { recursive: true, force: true });
