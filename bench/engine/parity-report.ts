/**
 * Parity report and timing: all eight CGCNN models on the ten sample CIFs, per backend.
 * Run: npx tsx bench/engine/parity-report.ts [cpu|wasm]
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { readStructures } from '../../src-shared/chem/index';
import { importCgcnnCheckpoint } from '../../src-main/engine/import/cgcnn';
import { predictStructures } from '../../src-main/engine/models/predict';
import { instantiateModel } from '../../src-main/engine/models/runtime';
import { describeBackend, initBackend } from '../../src-main/engine/tf/backend';

const DATA = '/work/shared/data';
const PRE = path.join(DATA, 'cgcnn-pretrained');
const backend = await initBackend({ force: process.argv[2] ?? 'wasm' });
console.log('backend', describeBackend(backend));
const ref = new Map<string, number>();
for (const line of readFileSync(path.join(PRE, 'reference-predictions-sample.csv'), 'utf8').trim().split('\n').slice(1)) {
  const [m, id, v] = line.split(',');
  ref.set(`${m}/${id}`, Number(v));
}
const ids = [...new Set([...ref.keys()].map((k) => k.split('/')[1]))];
const structures = ids.map((id) => {
  const f = path.join(DATA, 'cgcnn-sample-regression', `${id}.cif`);
  return readStructures(f, readFileSync(f, 'utf8')).structures[0];
});
let worstAll = 0;
for (const m of [...new Set([...ref.keys()].map((k) => k.split('/')[0]))]) {
  const t0 = performance.now();
  const model = instantiateModel(importCgcnnCheckpoint(new Uint8Array(readFileSync(path.join(PRE, `${m}.pth.tar`))), { fileName: `${m}.pth.tar` }));
  const t1 = performance.now();
  const preds = predictStructures(model, structures);
  const t2 = performance.now();
  predictStructures(model, structures);
  const t3 = performance.now();
  const worst = Math.max(...ids.map((id, k) => Math.abs(preds[k].prediction[0] - ref.get(`${m}/${id}`)!)));
  worstAll = Math.max(worstAll, worst);
  console.log(`${m.padEnd(28)} max|Δ| ${worst.toExponential(2)}  import+build ${(t1 - t0).toFixed(0)} ms  predict(10) first ${(t2 - t1).toFixed(0)} ms, again ${(t3 - t2).toFixed(0)} ms`);
  model.dispose();
}
console.log(`worst over 80: ${worstAll.toExponential(2)}`);
