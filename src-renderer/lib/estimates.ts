/**
 * Rough cost estimates for a model configuration on a dataset, shown next to the form.
 * They are order-of-magnitude guides, computed from the parameter count (exact, from
 * src-shared/model/params.ts) and the dataset's size and graph statistics:
 *
 * Time per epoch
 *   FLOPs ≈ 3 (forward + backward ≈ 2× forward) × 2 (multiply-add)
 *           × (P_layer × L × E + (P_embed + P_head) × A) per training structure,
 *   where P_layer is the parameters of one message-passing layer (applied once per edge:
 *   exact for CGCNN's fc_full, an upper bound for node-wise layers), L the layers, E the
 *   edges and A the atoms of an average structure. Divided by the sustained speed of the
 *   tensor backend: measured on this machine by the last finished run of the same model on the
 *   same dataset and backend (`calibratedGflops`: its steady-state structures/s, so the estimate
 *   follows the machine's load at the time), else an assumed speed (BACKEND_GFLOPS).
 *
 * Memory (training)
 *   parameters × 4 bytes × (weights + gradients + optimiser slots: SGD 1, Adam/AdamW 2)
 *   + activations of one batch: B × A × (L × (E/A) × (2F + Fe) + L × 4F) floats × 4 bytes × 2
 *   (kept for the backward pass, and their gradients)
 *   + the batch's input tensors (the core's exact per-batch estimate from graph statistics
 *   when computed, else B × A × (Fin + E/A × (Fe + 2)) floats).
 */

import type { GraphSettings } from '../../src-shared/model/config';
import { groupThousands } from '../../src-shared/text';
import { fmtBytes, fmtNum } from './format';

/**
 * Effective GFLOP/s of each backend for these small sparse models, as the formula above counts
 * FLOPs. wasm and cpu run the heavy kernels in Latticework's own SIMD WebAssembly, which also skips
 * the zeros of the Gaussian edge features (about two thirds of them): calibrated on the 2,000 EMT
 * structures on a 2-core machine, where CGCNN (paper defaults) took 4 s and SchNet 28 s per epoch
 * while 3 GFLOP/s estimated 78 s and 230 s — 38 GFLOP/s splits the difference (estimates within
 * 1.6× of both). The tensorflow backends are not measured here (no libtensorflow on these machines).
 */
export const BACKEND_GFLOPS: Record<string, number> = {
  'tensorflow-gpu': 200,
  tensorflow: 40,
  wasm: 38,
  cpu: 30,
};

export interface EstimateInput {
  /** Parameters of one message-passing layer, all layers' count, embedding + readout + head. */
  layerParams: number;
  numLayers: number;
  otherParams: number;
  totalParams: number;
  atomFeatures: number;
  edgeFeatures: number;
  atomInputLength: number;
  batchSize: number;
  optimizer: string;
  /** Training structures per epoch. */
  trainStructures: number;
  atomsPerStructure: number;
  edgesPerAtom: number;
  backend: string;
  /** Measured bytes of one batch's input tensors (graph statistics), if known. */
  batchInputBytes?: number | null;
  /** A calibration: the backend's effective GFLOP/s measured on this machine (`calibratedGflops`), used instead of BACKEND_GFLOPS. */
  gflops?: number | null;
}

export interface Estimate {
  flopsPerEpoch: number;
  secondsPerEpoch: number;
  gflops: number;
  paramBytes: number;
  activationBytes: number;
  inputBytes: number;
  totalBytes: number;
}

/**
 * How an estimate is reached, as the Models view's "How these are estimated" says it: the work of an
 * epoch at the backend's speed (3 significant digits: "0.876 GFLOP per epoch at 0.895 GFLOP/s"), and
 * the memory by part.
 */
export function estimateExplanation(e: Estimate): string {
  return (
    `${fmtNum(e.flopsPerEpoch / 1e9, 3)} GFLOP per epoch at ${fmtNum(e.gflops, 3)} GFLOP/s (this backend’s effective speed, calibrated on measured runs); ` +
    `memory = parameters, gradients and optimiser state ${fmtBytes(e.paramBytes)} + activations ${fmtBytes(e.activationBytes)} + batch inputs ${fmtBytes(e.inputBytes)}. See docs/workbench-ui.md.`
  );
}

export function estimateCost(i: EstimateInput): Estimate {
  const E = i.atomsPerStructure * i.edgesPerAtom;
  const perStructure = 6 * (i.layerParams * i.numLayers * E + i.otherParams * i.atomsPerStructure);
  const flopsPerEpoch = perStructure * i.trainStructures;
  const gflops = i.gflops ?? BACKEND_GFLOPS[i.backend] ?? BACKEND_GFLOPS.cpu;
  const slots = i.optimizer === 'sgd' ? 1 : 2;
  const paramBytes = i.totalParams * 4 * (2 + slots);
  const atomsPerBatch = i.batchSize * i.atomsPerStructure;
  const activationFloats =
    atomsPerBatch * (i.numLayers * i.edgesPerAtom * (2 * i.atomFeatures + i.edgeFeatures) + i.numLayers * 4 * i.atomFeatures);
  const activationBytes = activationFloats * 4 * 2;
  const inputBytes = i.batchInputBytes ?? atomsPerBatch * (i.atomInputLength + i.edgesPerAtom * (i.edgeFeatures + 2)) * 4;
  return {
    flopsPerEpoch,
    secondsPerEpoch: flopsPerEpoch / (gflops * 1e9),
    gflops,
    paramBytes,
    activationBytes,
    inputBytes,
    totalBytes: paramBytes + activationBytes + inputBytes,
  };
}

/**
 * The backend's effective speed measured by a run of the same model on the same data: the cost
 * model's FLOPs per training structure times the run's steady-state structures per second (the
 * median over its epochs after the first, which also pays for warm-up and kernel compilation).
 * Null when the run has no epoch after its first.
 */
export function calibratedGflops(flopsPerStructure: number, structuresPerSecond: readonly number[]): number | null {
  const steady = structuresPerSecond
    .slice(1)
    .filter((v) => Number.isFinite(v) && v > 0)
    .sort((a, b) => a - b);
  if (steady.length === 0) return null;
  const mid = steady.length >> 1;
  const median = steady.length % 2 ? steady[mid] : (steady[mid - 1] + steady[mid]) / 2;
  return (flopsPerStructure * median) / 1e9;
}

/** Picks the memory estimate for the batch size nearest to `batchSize` and scales it linearly. */
export function scaleBatchBytes(table: readonly { batchSize: number; bytes: number }[], batchSize: number): number | null {
  if (table.length === 0) return null;
  let best = table[0];
  for (const r of table) if (Math.abs(r.batchSize - batchSize) < Math.abs(best.batchSize - batchSize)) best = r;
  return best.batchSize > 0 ? (best.bytes / best.batchSize) * batchSize : null;
}

/**
 * Why the configuration cannot train on the core's machine: its training memory estimate exceeds
 * the machine's memory (Train… is refused and the form says so); null when it fits or either is
 * unknown. The estimate is rough, but one beyond the whole machine's memory is far beyond it.
 * When the edges take most of it (their activations and inputs, E/A × (L(2F + Fe) × 8 + (Fe + 2) × 4)
 * bytes per atom) and the graph makes them more than 4× what CGCNN's graph would (12 neighbours, 41
 * Gaussian features), it names the graph settings: a cutoff of 10⁶ Å with no dmax made 5 million
 * Gaussian features per edge, where "fewer layers" would not have helped.
 */
export function memoryProblem(estimate: Estimate | null, machineBytes: number | null | undefined, input: EstimateInput, graph: Pick<GraphSettings, 'cutoff' | 'gaussian'>): string | null {
  if (!estimate || !machineBytes || estimate.totalBytes <= machineBytes) return null;
  const head = `the training memory estimate (~${fmtBytes(estimate.totalBytes)}) exceeds this machine’s memory (${fmtBytes(machineBytes)})`;
  const edgeBytes = (edgesPerAtom: number, features: number) =>
    input.batchSize * input.atomsPerStructure * edgesPerAtom * (input.numLayers * (2 * input.atomFeatures + features) * 8 + (features + 2) * 4);
  const edges = edgeBytes(input.edgesPerAtom, input.edgeFeatures);
  const cgcnnGraph = edgeBytes(Math.min(input.edgesPerAtom, 12), Math.min(input.edgeFeatures, 41));
  if (edges <= estimate.totalBytes / 2 || edges <= 4 * cgcnnGraph) return `${head}: fewer layers, narrower features or a smaller batch`;
  // the settings as the user gave them (0.0001, not 1.000e-4)
  const lastCentre = graph.gaussian.dmax === undefined ? `${graph.cutoff} Å, the cutoff` : `${graph.gaussian.dmax} Å`;
  return (
    `${head}, most of it for the edges: ${fmtNum(input.edgesPerAtom, 3)} per atom, each with ${groupThousands(input.edgeFeatures)} Gaussian features (centres every ${graph.gaussian.step} Å up to ${lastCentre}): ` +
    'a smaller cutoff (graph.cutoff) or gaussian.dmax, a larger gaussian.step, fewer neighbours (graph.maxNeighbors) or a smaller batch'
  );
}
