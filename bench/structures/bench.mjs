#!/usr/bin/env node
// Benchmark: parse the EMT dataset's 2,000 CIFs with Latticework's reader and, side by side in the
// same command, with pymatgen 2022.11 `Structure.from_file` and ASE 3.22 `ase.io.read` (Debian).
// The machine is shared and noisy: read the ratios, not the absolute numbers.
// Usage: node bench/structures/bench.mjs [DIR] [--no-ase]
import { readFileSync, readdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { loadChem } from '../../scripts/chem/bundle.mjs';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const args = process.argv.slice(2);
const dir = args.find((a) => !a.startsWith('--')) ?? join(ROOT, '..', 'shared', 'data', 'emt-dev', 'cgcnn');
const files = readdirSync(dir).filter((f) => f.endsWith('.cif')).sort().map((f) => join(dir, f));
const chem = await loadChem();

function ours(includeRead) {
  const texts = includeRead ? null : files.map((f) => readFileSync(f, 'utf8'));
  let sites = 0;
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  for (let i = 0; i < files.length; i++) {
    const text = includeRead ? readFileSync(files[i], 'utf8') : texts[i];
    const r = chem.readStructures(files[i], text);
    sites += r.structures[0].numbers.length;
  }
  const c = process.cpuUsage(c0);
  return { s: (performance.now() - t0) / 1000, cpu: (c.user + c.system) / 1e6, sites };
}

function python(code) {
  const r = spawnSync('/usr/bin/python3', ['-c', code, ...files], { encoding: 'utf8', maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').pop());
}

const PMG = `
import sys, time, json, warnings
warnings.filterwarnings('ignore')
from pymatgen.core import Structure
files = sys.argv[1:]
t0 = time.perf_counter(); c0 = time.process_time(); n = 0
for f in files: n += len(Structure.from_file(f))
print(json.dumps({'s': time.perf_counter() - t0, 'cpu': time.process_time() - c0, 'sites': n}))`;
const ASE = `
import sys, time, json, warnings
warnings.filterwarnings('ignore')
import ase.io
files = sys.argv[1:]
t0 = time.perf_counter(); c0 = time.process_time(); n = 0
for f in files: n += len(ase.io.read(f, format='cif'))
print(json.dumps({'s': time.perf_counter() - t0, 'cpu': time.process_time() - c0, 'sites': n}))`;

for (let i = 0; i < 3; i++) ours(false); // warm-up (JIT): a training pipeline parses thousands of files
const runs = [];
runs.push({ a: ours(true), b: ours(false) });
const pmg = python(PMG);
runs.push({ a: ours(true), b: ours(false) });
const ase = args.includes('--no-ase') ? null : python(ASE);
runs.push({ a: ours(true), b: ours(false) });
const med = (xs) => xs.sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const withRead = { s: med(runs.map((r) => r.a.s)), cpu: med(runs.map((r) => r.a.cpu)) };
const parseOnly = { s: med(runs.map((r) => r.b.s)), cpu: med(runs.map((r) => r.b.cpu)) };
const n = files.length;
const rate = (s) => (n / s).toFixed(0);
const sites = runs[0].a.sites;
if (sites !== pmg.sites || (ase && sites !== ase.sites)) console.log(`WARNING: site counts differ: ours ${sites}, pymatgen ${pmg.sites}, ASE ${ase?.sites}`);
const row = (name, t) =>
  `| ${name} | ${t.s.toFixed(3)} | ${rate(t.s)} | ${(pmg.s / t.s).toFixed(1)}× | ${t.cpu.toFixed(3)} | ${rate(t.cpu)} | ${(pmg.cpu / t.cpu).toFixed(1)}× |`;
const lines = [
  `${n} CIFs from ${dir} (${sites} sites in all); ours: median of 3 runs interleaved with the references; ` +
    `load average at the end: ${(await import('node:os')).loadavg()[0].toFixed(1)} on ${(await import('node:os')).cpus().length} cores`,
  '',
  '| reader | wall (s) | structures/s (wall) | speed-up vs pymatgen (wall) | CPU (s) | structures/s (CPU) | speed-up vs pymatgen (CPU) |',
  '| --- | --- | --- | --- | --- | --- | --- |',
  row('Latticework readStructures (read file + parse)', withRead),
  row('Latticework readStructures (parse only, texts in memory)', parseOnly),
  row('pymatgen 2022.11 Structure.from_file', pmg),
];
if (ase) lines.push(row("ASE 3.22 ase.io.read(format='cif')", ase));
console.log(lines.join('\n'));
