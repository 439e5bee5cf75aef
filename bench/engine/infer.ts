/**
 * Inference latency for one 100-atom structure once the model is loaded (goal < 50 ms):
 * CGCNN formation-energy model (imported from the published .pth.tar), a 5×5×4 rattled
 * Cu/Au cell (100 atoms, 1,200 edges with CGCNN's 12-neighbour graph). Times the whole
 * predictStructures call (graph building + features + forward) and the graph part alone.
 *
 * Run: npx tsx bench/engine/infer.ts [wasm|cpu] [repeats]
 */
import { readFileSync } from 'node:fs';
import type { Structure } from '../../src-shared/chem/structure';
import { Rng } from '../../src-shared/model/rng';
import { importCgcnnCheckpoint } from '../../src-main/engine/import/cgcnn';
import { graphForModel, predictStructures } from '../../src-main/engine/models/predict';
import { instantiateModel } from '../../src-main/engine/models/runtime';
import { describeBackend, initBackend } from '../../src-main/engine/tf/backend';

const backend = await initBackend({ force: process.argv[2] ?? 'wasm' });
const repeats = Number(process.argv[3] ?? 20);
console.error(`backend: ${describeBackend(backend)}`);
const model = instantiateModel(importCgcnnCheckpoint(new Uint8Array(readFileSync('/work/shared/data/cgcnn-pretrained/formation-energy-per-atom.pth.tar')), { fileName: 'formation-energy-per-atom.pth.tar' }));

const rng = new Rng(5);
const a = 2.55;
const [nx, ny, nz] = [5, 5, 4];
const n = nx * ny * nz;
const cart = new Float64Array(3 * n);
const frac = new Float64Array(3 * n);
const numbers = new Int32Array(n);
let k = 0;
for (let i = 0; i < nx; i++)
  for (let j = 0; j < ny; j++)
    for (let l = 0; l < nz; l++, k++) {
      const p = [(i + rng.uniform(-0.04, 0.04)) * a, (j + rng.uniform(-0.04, 0.04)) * a, (l + rng.uniform(-0.04, 0.04)) * a];
      cart.set(p, 3 * k);
      frac.set([p[0] / (nx * a), p[1] / (ny * a), p[2] / (nz * a)], 3 * k);
      numbers[k] = rng.next() < 0.5 ? 29 : 79;
    }
const s: Structure = {
  name: 'bench-100',
  lattice: [
    [nx * a, 0, 0],
    [0, ny * a, 0],
    [0, 0, nz * a],
  ],
  pbc: [true, true, true],
  numbers,
  species: Array.from(numbers, (z) => (z === 29 ? 'Cu' : 'Au')),
  cart,
  frac,
  occupancy: new Float64Array(n).fill(1),
  siteProperties: {},
  properties: {},
};
import * as tfc from '@tensorflow/tfjs-core';
import { batchGraphs } from '../../src-shared/graph/batch';
import { batchToTensors, disposeBatchTensors } from '../../src-main/engine/train/data';
const median = (xs: number[]) => [...xs].sort((x, y) => x - y)[Math.floor(xs.length / 2)];
const total: number[] = [];
const totalCpu: number[] = [];
const graph: number[] = [];
let pred = 0;
for (let r = 0; r < repeats + 2; r++) {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const g = graphForModel(model, s);
  const t1 = performance.now();
  pred = predictStructures(model, [s])[0].prediction[0];
  const t2 = performance.now();
  const c = process.cpuUsage(c0);
  if (r >= 2) {
    graph.push(t1 - t0);
    total.push(t2 - t1);
    totalCpu.push((c.user + c.system) / 1000);
  }
  void g;
}
// Model forward alone (graph and tensors prepared), comparable with bench/engine/torch_step.py infer.
const bt = batchToTensors(batchGraphs([graphForModel(model, s)]));
const fwd: number[] = [];
const fwdCpu: number[] = [];
for (let r = 0; r < repeats + 2; r++) {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  tfc.tidy(() => model.members[0].apply(bt, false).dataSync());
  const c = process.cpuUsage(c0);
  if (r >= 2) {
    fwd.push(performance.now() - t0);
    fwdCpu.push((c.user + c.system) / 1000);
  }
}
disposeBatchTensors(bt);
console.log(JSON.stringify({ backend: backend.candidate, medianForwardMs: +median(fwd).toFixed(1), medianForwardCpuMs: +median(fwdCpu).toFixed(1), atoms: n, edges: graphForModel(model, s).nEdges, prediction: pred, medianPredictMs: +median(total).toFixed(1), medianGraphPlusPredictCpuMs: +median(totalCpu).toFixed(1), minPredictMs: +Math.min(...total).toFixed(1), medianGraphMs: +median(graph).toFixed(1) }));
model.dispose();
if (process.env.LW_PROFILE === '1') {
  const tf = await import('@tensorflow/tfjs-core');
  const m2 = instantiateModel(importCgcnnCheckpoint(new Uint8Array(readFileSync('/work/shared/data/cgcnn-pretrained/formation-energy-per-atom.pth.tar')), { fileName: 'x.pth.tar' }));
  const g = graphForModel(m2, s);
  const { predictGraphs } = await import('../../src-main/engine/models/predict');
  const t0 = performance.now();
  const prof = await tf.profile(() => void predictGraphs(m2, [g]));
  const agg = new Map<string, [number, number]>();
  for (const kk of prof.kernels) {
    const v = agg.get(kk.name) ?? [0, 0];
    agg.set(kk.name, [v[0] + (kk.kernelTimeMs as number), v[1] + 1]);
  }
  console.error(`profiled call ${(performance.now() - t0).toFixed(0)} ms, ${prof.kernels.length} kernels`);
  console.error([...agg].sort((x, y) => y[1][0] - x[1][0]).slice(0, 10).map(([kk, v]) => `${kk} ${v[0].toFixed(1)} ms ×${v[1]}`).join('\n'));
}
