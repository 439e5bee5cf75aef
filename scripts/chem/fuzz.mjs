#!/usr/bin/env node
// Fuzz the structure readers: N seeded mutations/truncations of real files (default 5000) must each
// give a valid structure or a typed error, never a crash, an untyped error or a hang (> 2 s).
// Usage: node scripts/chem/fuzz.mjs [N] [SEED] [FILES...]
//   default corpus: test/fixtures/structures, the 10 COD CIFs, 20 EMT CIFs, the first 20 EMT frames.
import { readFileSync, readdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, basename } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { build } from 'rolldown';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const out = join(mkdtempSync(join(tmpdir(), 'lw-fuzz-')), 'fuzz.mjs');
await build({ input: join(ROOT, 'test/shared/chem/fuzzing.ts'), output: { file: out, format: 'esm' }, write: true, logLevel: 'silent' });
const { fuzzOne, mutate, rng } = await import(pathToFileURL(out).href);

const [nArg, seedArg, ...files] = process.argv.slice(2);
const N = Number(nArg ?? 5000);
const r = rng(Number(seedArg ?? 1));
const SHARED = join(ROOT, '..', 'shared', 'data');
let corpus = [];
if (files.length) corpus = files.map((f) => [basename(f), readFileSync(f, 'utf8')]);
else {
  const fx = join(ROOT, 'test/fixtures/structures');
  for (const f of readdirSync(fx)) if (!/\.(json|md)$/.test(f)) corpus.push([f, readFileSync(join(fx, f), 'utf8')]);
  const cod = join(SHARED, 'cgcnn-sample-regression');
  for (const f of readdirSync(cod)) if (f.endsWith('.cif')) corpus.push([f, readFileSync(join(cod, f), 'utf8')]);
  for (let i = 0; i < 20; i++) {
    const f = `emt-${String(i * 97).padStart(5, '0')}.cif`;
    corpus.push([f, readFileSync(join(SHARED, 'emt-dev/cgcnn', f), 'utf8')]);
  }
  const ext = readFileSync(join(SHARED, 'emt-dev/emt_dataset.extxyz'), 'utf8').split('\n');
  let k = 0;
  let frames = 0;
  while (k < ext.length && frames < 20) {
    k += Number(ext[k]) + 2;
    frames++;
  }
  corpus.push(['emt_head.extxyz', ext.slice(0, k).join('\n')]);
}
const counts = { structure: 0, error: 0 };
const findings = [];
let slowest = 0;
const t0 = performance.now();
for (let i = 0; i < N; i++) {
  const [name, text] = corpus[i % corpus.length];
  const mutated = mutate(text, r);
  const o = fuzzOne(name, mutated);
  slowest = Math.max(slowest, o.ms);
  if (!o.ok || o.ms > 2000) findings.push({ i, name, result: o.ok ? `slow: ${o.ms.toFixed(0)} ms` : o.result });
  else counts[o.result]++;
}
console.log(`${N} cases on ${corpus.length} files in ${((performance.now() - t0) / 1000).toFixed(1)} s: ` +
  `${counts.structure} structures, ${counts.error} typed errors, ${findings.length} findings; slowest ${slowest.toFixed(0)} ms`);
for (const f of findings.slice(0, 30)) console.log(`  #${f.i} ${f.name}: ${f.result}`);
process.exit(findings.length ? 1 : 0);
