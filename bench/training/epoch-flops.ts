/**
 * Floating-point operations of one CGCNN training epoch, counted from the shapes (issue 15, "the
 * FLOP floor of a CGCNN epoch on this machine"): `node bench/training/run.mjs --script epoch-flops
 * [--data DIR] [--preset cgcnn-paper] [--gflops G]`.
 *
 * Reads the dataset, builds every graph with the preset's settings, splits it as training does
 * (the preset's seeded split) and counts, over the training split (forward + backward) and the
 * validation split (forward):
 *
 * - matrix products, 2·m·k·n each (a multiply and an add): the atom embedding, each convolution's
 *   fc_full and the head; backward: the weight gradient of every product and the input gradient of
 *   every product whose input is not data (the embedding's atom features and the Gaussian edge
 *   features need none). Two formulations of fc_full: CGCNN's own (W on [h_i ⊕ h_j ⊕ e], E rows of
 *   2F + Fe columns) and Latticework's (factored over nodes, W_i·h and W_j·h on N rows, W_e·e over each
 *   edge's window of nonzero Gaussian features, the bias as one more column);
 * - element-wise work, one per arithmetic operation and one per exp/log (batch norms, gate, sums,
 *   softplus, pooling; backward counted as twice the forward) — memory-bound work, reported apart.
 *
 * The floor is the matrix-product count divided by the machine's attainable rate (`--gflops G`,
 * measured by `--script peak-flops`): no implementation of the same arithmetic can do the epoch in
 * less time on this machine. It prints one JSON object as its last line.
 */
import { parseArgs } from 'node:util';
import { datasetAtomInit, readDatasetAt, trainingSamples } from '../../src-main/datasets/in-process';
import { presetConfig } from '../../src-main/engine/architectures/registry';
import { gaussianCount } from '../../src-shared/model/config';
import { trainValTestSplit } from '../../src-shared/model/split';
import { shared } from '../../test/helpers/shared-data';

const { values } = parseArgs({ options: { data: { type: 'string', default: shared('emt-dev', 'cgcnn') }, preset: { type: 'string', default: 'cgcnn-paper' }, gflops: { type: 'string' }, script: { type: 'string' } } });
const config = presetConfig(values.preset!);
if (config.architecture !== 'cgcnn') throw new Error(`epoch-flops counts CGCNN models (preset ${values.preset} is ${config.architecture})`);
const data = await readDatasetAt(values.data!);
const samples = trainingSamples(config, data, datasetAtomInit(data));
const split = trainValTestSplit(samples.length, config.training.split, config.training.seed);

const F = config.model.atomFeatures;
const H = config.model.hiddenFeatures;
const L = config.model.numLayers;
const hidden = config.model.numHidden;
const Fe = gaussianCount(config.graph);
const Fa = samples[0].graph.nodeFeatureWidth;

interface Sizes {
  graphs: number;
  atoms: number;
  edges: number;
  /** Σ over edges of the nonzero Gaussian features (the window W_e·e runs over). */
  windowFeatures: number;
}
function sizes(idx: number[]): Sizes {
  const s: Sizes = { graphs: idx.length, atoms: 0, edges: 0, windowFeatures: 0 };
  for (const i of idx) {
    const g = samples[i].graph;
    s.atoms += g.nNodes;
    s.edges += g.nEdges;
    const e = g.edgeFeatures;
    for (let k = 0; k < e.length; k++) if (e[k] !== 0) s.windowFeatures++;
  }
  return s;
}

const mm = (m: number, k: number, n: number) => 2 * m * k * n;
/** Matrix-product FLOPs of a forward pass (and of forward + backward when `backward`). */
function products(s: Sizes, factored: boolean, backward: boolean) {
  const { graphs: G, atoms: N, edges: E } = s;
  // [product FLOPs, needs the input's gradient]
  const parts: Array<[number, boolean]> = [[mm(N, Fa, F), false]];
  for (let l = 0; l < L; l++) {
    if (factored) {
      parts.push([mm(N, F, 4 * F), true]); // W_i·h | W_j·h
      parts.push([2 * (s.windowFeatures + E) * 2 * F, false]); // W_e·e over the windows, bias as a column
    } else {
      parts.push([mm(E, 2 * F, 2 * F), true]); // the h_i ⊕ h_j columns of fc_full
      parts.push([mm(E, Fe, 2 * F), false]); // its e columns
    }
  }
  parts.push([mm(G, F, H), true]);
  for (let h = 1; h < hidden; h++) parts.push([mm(G, H, H), true]);
  parts.push([mm(G, H, 1), true]);
  let total = 0;
  for (const [f, inputGrad] of parts) total += backward ? f * (inputGrad ? 3 : 2) : f;
  return total;
}
/** Element-wise FLOPs of a forward pass (one per arithmetic operation or exp/log), ×3 with the backward pass. */
function elementwise(s: Sizes, backward: boolean) {
  const { graphs: G, atoms: N, edges: E } = s;
  const perLayer =
    E * 2 * F * 2 + // gathers added: W_i·h[center] + W_j·h[neighbor] + W_e·e
    E * 2 * F * 5 + // BN₁: column sums of x and x² (3), scale and shift (2)
    E * F * (4 + 3 + 1) + // σ (exp, add, divide, negate), softplus (exp, add, log), the product
    E * F + // sum into the centre atoms
    N * F * 5 + // BN₂
    N * F * 4; // residual and softplus
  const forward = L * perLayer + N * F + G * (F * 3 + H * 3 * hidden); // pooling, softplus of the pooled vector and the hidden layers
  return backward ? 3 * forward : forward;
}

const train = sizes(split.train);
const val = sizes(split.val);
const result = {
  preset: values.preset,
  structures: samples.length,
  split: { train: split.train.length, val: split.val.length, test: split.test.length },
  train: { atoms: train.atoms, edges: train.edges, meanWindow: train.windowFeatures / Math.max(1, train.edges) },
  shapes: { atomFeatures: F, hiddenFeatures: H, layers: L, gaussian: Fe, atomInput: Fa },
  gflop: {
    cgcnnProducts: (products(train, false, true) + products(val, false, false)) / 1e9,
    latticeworkProducts: (products(train, true, true) + products(val, true, false)) / 1e9,
    elementwise: (elementwise(train, true) + elementwise(val, false)) / 1e9,
  },
};
const gflops = values.gflops ? Number(values.gflops) : null;
const g = result.gflop;
console.log(`${values.preset} on ${values.data}: ${result.split.train} training structures (${train.atoms} atoms, ${train.edges} edges, ${result.train.meanWindow.toFixed(1)} of ${Fe} Gaussian features nonzero per edge), ${result.split.val} validation`);
console.log(`one epoch (training forward + backward, validation forward):`);
console.log(`  matrix products, CGCNN's formulation (fc_full on E × ${2 * F + Fe}): ${g.cgcnnProducts.toFixed(2)} GFLOP`);
console.log(`  matrix products, Latticework's (factored over nodes, windowed W_e·e): ${g.latticeworkProducts.toFixed(2)} GFLOP`);
console.log(`  element-wise (memory-bound; one per operation): ${g.elementwise.toFixed(2)} GFLOP`);
if (gflops) {
  console.log(`floor at ${gflops} GFLOP/s: ${(g.latticeworkProducts / gflops).toFixed(2)} s (Latticework's products), ${(g.cgcnnProducts / gflops).toFixed(2)} s (CGCNN's)`);
}
console.log(JSON.stringify({ ...result, peakGflops: gflops, floorSeconds: gflops ? { latticework: g.latticeworkProducts / gflops, cgcnn: g.cgcnnProducts / gflops } : null }));
