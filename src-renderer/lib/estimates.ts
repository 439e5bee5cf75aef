/**
 * Rough cost estimates for a model configuration on a dataset, shown next to the form.
 * They are order-of-magnitude guides, computed from the parameter count (exact, from
 * src-shared/model/params.ts) and the dataset's size and graph statistics:
 *
 * Time per epoch = the arithmetic + fixed costs that do not scale with it
 *   FLOPs ≈ 3 (forward + backward ≈ 2× forward) × 2 (multiply-add)
 *           × (P_layer × L × E + (P_embed + P_head) × A) per training structure,
 *   and a third of that (the forward pass) per validation structure,
 *   where P_layer is the parameters of one message-passing layer (applied once per edge:
 *   exact for CGCNN's fc_full, an upper bound for node-wise layers), L the layers, E the
 *   edges and A the atoms of an average structure. Divided by the sustained speed of the
 *   tensor backend: measured on this machine by the last finished run of the same model on the
 *   same dataset and backend (`calibratedGflops`: its steady-state structures/s, its batches'
 *   fixed cost taken off, so the estimate follows the machine's load at the time), else an
 *   assumed speed (BACKEND_COSTS).
 *   + a fixed cost per batch (training and validation batches: ⌈N_train/B⌉ + ⌈N_val/B⌉)
 *   + a fixed cost per epoch (BACKEND_COSTS). On a small dataset these are most of the epoch.
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

/** What an epoch costs on a backend: the speed of its arithmetic and the costs that do not scale with it. */
export interface BackendCost {
  /** Effective GFLOP/s for these small sparse models, as the formula above counts FLOPs. */
  gflops: number;
  /** Seconds of one batch that do not scale with its FLOPs: kernel launches, the optimiser step, assembling the batch. */
  batchSeconds: number;
  /** Seconds of one epoch that do not scale with its batches: setting up the validation pass, recording the epoch, its checkpoint. */
  epochSeconds: number;
}

/**
 * Each backend's costs, measured with `latticework train --json` runs of CGCNN (paper defaults) on a
 * 2-core machine (docs/workbench-ui.md "Estimates" has the runs, and measured against estimated
 * epochs). wasm: the fixed costs fitted to the quietest epochs of runs on 10–20 structures with
 * batch sizes 1–256 (where the arithmetic is a few per cent of the epoch); the speed from the 2,000
 * EMT structures, where CGCNN took 4 s and SchNet 28 s per epoch — 38 GFLOP/s splits the
 * difference (the heavy kernels are Latticework's own SIMD WebAssembly, which also skips the zeros
 * of the Gaussian edge features). cpu (tfjs's plain-JavaScript kernels around the same SIMD
 * ones): measured only under a load of ~20 on the 2 cores, where its epochs took 6× (80
 * structures) to 17× (8 structures) wasm's; scaled by wasm's slowdown at that load (3.5×), about
 * 6 GFLOP/s and 0.35 s per epoch, its per-batch cost too small to see (wasm's taken). The
 * tensorflow backends are not measured (no libtensorflow on these machines): their speeds are
 * assumptions, and so are their fixed costs, taken as wasm's (launching a kernel and the
 * JavaScript around a batch cost about the same; a GPU's transfers are not counted).
 */
export const BACKEND_COSTS: Record<string, BackendCost> = {
  'tensorflow-gpu': { gflops: 200, batchSeconds: 0.025, epochSeconds: 0.06 },
  tensorflow: { gflops: 40, batchSeconds: 0.025, epochSeconds: 0.06 },
  wasm: { gflops: 38, batchSeconds: 0.025, epochSeconds: 0.06 },
  cpu: { gflops: 6, batchSeconds: 0.025, epochSeconds: 0.35 },
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
  /** Validation structures per epoch (their forward pass, in batches of batchSize). */
  valStructures: number;
  atomsPerStructure: number;
  edgesPerAtom: number;
  backend: string;
  /** Measured bytes of one batch's input tensors (graph statistics), if known. */
  batchInputBytes?: number | null;
  /** A calibration: the backend's effective GFLOP/s measured on this machine (`calibratedGflops`), used instead of BACKEND_COSTS' speed. */
  gflops?: number | null;
}

export interface Estimate {
  /** FLOPs of one training structure (forward and backward). */
  flopsPerStructure: number;
  /** FLOPs of an epoch: its training structures and the forward pass of its validation structures. */
  flopsPerEpoch: number;
  gflops: number;
  /** Training and validation batches of an epoch. */
  batchesPerEpoch: number;
  /** Fixed cost of one batch and of one epoch, s (BACKEND_COSTS). */
  batchSeconds: number;
  epochFixedSeconds: number;
  /** flopsPerEpoch at gflops + batchesPerEpoch × batchSeconds + epochFixedSeconds. */
  secondsPerEpoch: number;
  paramBytes: number;
  activationBytes: number;
  inputBytes: number;
  totalBytes: number;
}

/**
 * How an estimate is reached, as the Models view's "How these are estimated" says it: the work of an
 * epoch at the backend's speed (3 significant digits: "0.876 GFLOP per epoch at 0.895 GFLOP/s"), the
 * fixed costs of its batches and of the epoch, and the memory by part.
 */
export function estimateExplanation(e: Estimate): string {
  const ms = (s: number) => `${fmtNum(s * 1000, 3)} ms`;
  return (
    `${fmtNum(e.flopsPerEpoch / 1e9, 3)} GFLOP per epoch at ${fmtNum(e.gflops, 3)} GFLOP/s (this backend’s effective speed, calibrated on measured runs) ` +
    `+ ${e.batchesPerEpoch} training and validation batches × ${ms(e.batchSeconds)} (each batch’s fixed cost: kernel launches, optimiser step, batch assembly) ` +
    `+ ${ms(e.epochFixedSeconds)} per epoch (validation set-up, recording, checkpoint); ` +
    `memory = parameters, gradients and optimiser state ${fmtBytes(e.paramBytes)} + activations ${fmtBytes(e.activationBytes)} + batch inputs ${fmtBytes(e.inputBytes)}. See docs/workbench-ui.md.`
  );
}

/** Batches of `structures` in batches of `batchSize` (the last one partial). */
function batchCount(structures: number, batchSize: number): number {
  return Math.ceil(structures / batchSize);
}

export function estimateCost(i: EstimateInput): Estimate {
  const E = i.atomsPerStructure * i.edgesPerAtom;
  const flopsPerStructure = 6 * (i.layerParams * i.numLayers * E + i.otherParams * i.atomsPerStructure);
  const flopsPerEpoch = flopsPerStructure * (i.trainStructures + i.valStructures / 3);
  const cost = BACKEND_COSTS[i.backend] ?? BACKEND_COSTS.cpu;
  const gflops = i.gflops ?? cost.gflops;
  const batchesPerEpoch = batchCount(i.trainStructures, i.batchSize) + batchCount(i.valStructures, i.batchSize);
  const slots = i.optimizer === 'sgd' ? 1 : 2;
  const paramBytes = i.totalParams * 4 * (2 + slots);
  const atomsPerBatch = i.batchSize * i.atomsPerStructure;
  const activationFloats =
    atomsPerBatch * (i.numLayers * i.edgesPerAtom * (2 * i.atomFeatures + i.edgeFeatures) + i.numLayers * 4 * i.atomFeatures);
  const activationBytes = activationFloats * 4 * 2;
  const inputBytes = i.batchInputBytes ?? atomsPerBatch * (i.atomInputLength + i.edgesPerAtom * (i.edgeFeatures + 2)) * 4;
  return {
    flopsPerStructure,
    flopsPerEpoch,
    gflops,
    batchesPerEpoch,
    batchSeconds: cost.batchSeconds,
    epochFixedSeconds: cost.epochSeconds,
    secondsPerEpoch: flopsPerEpoch / (gflops * 1e9) + batchesPerEpoch * cost.batchSeconds + cost.epochSeconds,
    paramBytes,
    activationBytes,
    inputBytes,
    totalBytes: paramBytes + activationBytes + inputBytes,
  };
}

/**
 * The backend's effective speed measured by a run of the same model on the same data: the cost
 * model's FLOPs per training structure over the time its arithmetic took per structure — the
 * inverse of the run's steady-state structures per second (the median over its epochs after the
 * first, which also pays for warm-up and kernel compilation) less its batches' fixed cost
 * (`batchSeconds` × its training batches, spread over its training structures; structures per
 * second times the training batches only). Null when the run has no epoch after its first, or when
 * its arithmetic is under a fifth of that time: such a run (a few structures) measures the fixed
 * costs, not the speed.
 */
export function calibratedGflops(
  flopsPerStructure: number,
  structuresPerSecond: readonly number[],
  run: { trainStructures: number; batchSize: number },
  batchSeconds: number,
): number | null {
  const steady = structuresPerSecond
    .slice(1)
    .filter((v) => Number.isFinite(v) && v > 0)
    .sort((a, b) => a - b);
  if (steady.length === 0 || !(run.trainStructures > 0) || !(run.batchSize > 0)) return null;
  const mid = steady.length >> 1;
  const median = steady.length % 2 ? steady[mid] : (steady[mid - 1] + steady[mid]) / 2;
  const perStructure = 1 / median;
  const arithmetic = perStructure - (batchSeconds * batchCount(run.trainStructures, run.batchSize)) / run.trainStructures;
  if (arithmetic < perStructure / 5) return null;
  return flopsPerStructure / arithmetic / 1e9;
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
