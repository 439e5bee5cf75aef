/**
 * Inference: one or many structures, single models or ensembles, with per-atom
 * contributions where the readout allows.
 *
 * Outputs are in the model's units: regression outputs are de-normalised
 * (raw · std + mean); classification reports P(positive class) (CGCNN: class 1), and all
 * class probabilities. An ensemble reports the mean over members and the spread (population
 * standard deviation over members).
 *
 * Per-atom contributions (mean or sum readout only). The head f is non-linear, so the
 * prediction y = f(p) of the pooled vector p (mean or sum of node states h_i over the n atoms)
 * has no unique split over atoms. We use the first-order split around p:
 *
 *     c_i = ( y + J_f(p) · (h_i − h̄) ) / n,        h̄ = mean of the h_i
 *
 * Σ_i c_i = y exactly (the deviations sum to zero), c_i = f(h_i)/n when f is affine, and
 * atoms whose states pull the prediction up get larger shares. J_f is the Jacobian of the
 * (de-normalised) head output with respect to the pooled vector, by autodiff, or by a
 * central difference along (h_i − h̄) when gradients are unavailable. Max, attention and
 * set2set readouts have no such split: contributions are null.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs-core';
import type { Structure } from '../../../src-shared/chem/structure';
import { batchGraphs } from '../../../src-shared/graph/batch';
import { buildGraph, type CrystalGraph } from '../../../src-shared/graph/graph';
import type { GraphModel } from '../layers/model';
import { gatherRows, segmentCounts } from '../nn/segment';
import type { GraphBatchTensors } from '../nn/types';
import { gradientsAvailable } from '../tf/gradients';
import { batchToTensors, disposeBatchTensors } from '../train/data';
import type { LoadedModel } from './runtime';

export interface PredictOptions {
  /** Compute per-atom contributions (mean/sum readouts). */
  contributions?: boolean;
  /** Graphs per forward pass (default 64). */
  batchSize?: number;
}

export interface GraphPrediction {
  /** Per output, mean over members; classification: [P(positive class)]. */
  prediction: number[];
  /** Spread over ensemble members (population std), null for a single model. */
  std: number[] | null;
  /** Predictions of each member. */
  members: number[][];
  /** Classification: mean class probabilities. */
  probabilities?: number[];
  /** Per atom, per output: contributions summing to `prediction` (null when the readout has none). */
  contributions?: number[][] | null;
  /** Per-atom heads: per atom, per output (mean over members). */
  perAtom?: number[][];
}

/** Builds the graph of a structure with the model's own settings. */
export function graphForModel(model: LoadedModel, s: Structure): CrystalGraph {
  return buildGraph(s, model.graphOptions);
}

export function predictStructures(model: LoadedModel, structures: Structure[], opts: PredictOptions = {}): GraphPrediction[] {
  return predictGraphs(
    model,
    structures.map((s) => graphForModel(model, s)),
    opts,
  );
}

/** Head output transform: raw [B, O] → reported [B, O'] (de-normalised, or P(positive)). */
function transform(model: LoadedModel, raw: Tensor2D): Tensor2D {
  const h = model.header;
  return tf.tidy(() => {
    if (h.task === 'classification') {
      const p = tf.softmax(raw);
      const k = h.positiveClass ?? 1;
      return tf.slice(p, [0, k], [-1, 1]) as Tensor2D;
    }
    if (!h.normalizer) return raw;
    return tf.add(tf.mul(raw, tf.tensor1d(h.normalizer.std)), tf.tensor1d(h.normalizer.mean)) as Tensor2D;
  });
}

interface MemberOutput {
  values: Float32Array; // [G, O']
  width: number;
  probs?: Float32Array; // [G, C]
  classes?: number;
  contributions?: Float32Array | null; // [N, O']
  perAtom?: Float32Array; // [N, O']
}

function runMember(model: LoadedModel, m: GraphModel, bt: GraphBatchTensors, wantContrib: boolean): MemberOutput {
  const h = model.header;
  if (h.task === 'per-atom') {
    const out = tf.tidy(() => transform(model, m.apply(bt, false)));
    const v = out.dataSync() as Float32Array;
    const width = out.shape[1];
    out.dispose();
    // Graph-level value: mean over atoms (reported as prediction), per-atom values kept.
    return { values: new Float32Array(0), width, perAtom: v };
  }
  const readoutKind = model.config.model.readout;
  const canSplit = wantContrib && (readoutKind === 'mean' || readoutKind === 'sum') && m.readout != null;
  const res = tf.tidy((): { y: Tensor2D; probs?: Tensor2D; contrib?: Tensor2D } => {
    const states = m.nodeStates(bt, false);
    const pooled = m.readout!.call(states, bt, false);
    const headOut = (p: Tensor2D) => transform(model, m.head.apply(p, false));
    const y = headOut(pooled); // [G, O']
    const probs = h.task === 'classification' ? (tf.softmax(m.head.apply(pooled, false)) as Tensor2D) : undefined;
    let contrib: Tensor2D | undefined;
    if (canSplit) {
      const gi = bt.graphIndex as Tensor1D;
      const counts = tf.maximum(segmentCounts(gi, bt.numGraphs), 1) as Tensor1D;
      const mean = readoutKind === 'mean' ? pooled : (tf.div(pooled, tf.reshape(counts, [-1, 1])) as Tensor2D);
      const dev = tf.sub(states, gatherRows(mean, gi)) as Tensor2D; // [N, F]
      const width = y.shape[1];
      const cols: Tensor2D[] = [];
      for (let t = 0; t < width; t++) {
        let lin: Tensor1D;
        if (gradientsAvailable()) {
          const J = tf.grad((p: tf.Tensor) => tf.sum(tf.slice(headOut(p as Tensor2D), [0, t], [-1, 1])))(pooled) as Tensor2D; // [G, F]
          lin = tf.sum(tf.mul(gatherRows(J, gi), dev), 1) as Tensor1D;
        } else {
          const eps = 1e-2;
          const base = gatherRows(pooled, gi);
          const plus = tf.slice(headOut(tf.add(base, tf.mul(dev, eps)) as Tensor2D), [0, t], [-1, 1]);
          const minus = tf.slice(headOut(tf.sub(base, tf.mul(dev, eps)) as Tensor2D), [0, t], [-1, 1]);
          lin = tf.reshape(tf.div(tf.sub(plus, minus), 2 * eps), [-1]) as Tensor1D;
        }
        const yi = tf.reshape(gatherRows(tf.slice(y, [0, t], [-1, 1]) as Tensor2D, gi), [-1]);
        cols.push(tf.reshape(tf.div(tf.add(yi, lin), gatherRows(counts, gi)), [-1, 1]) as Tensor2D);
      }
      contrib = tf.concat(cols, 1) as Tensor2D;
    }
    return { y, probs, contrib };
  });
  const out: MemberOutput = {
    values: res.y.dataSync() as Float32Array,
    width: res.y.shape[1],
    contributions: wantContrib ? (res.contrib ? (res.contrib.dataSync() as Float32Array) : null) : undefined,
  };
  if (res.probs) {
    out.probs = res.probs.dataSync() as Float32Array;
    out.classes = res.probs.shape[1];
  }
  tf.dispose([res.y, res.probs, res.contrib].filter((t): t is Tensor2D => t != null));
  return out;
}

function meanStd(xs: number[]): { mean: number; std: number } {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
  const v = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
  return { mean, std: Math.sqrt(v) };
}

export function predictGraphs(model: LoadedModel, graphs: CrystalGraph[], opts: PredictOptions = {}): GraphPrediction[] {
  const bs = Math.max(1, opts.batchSize ?? 64);
  const results: GraphPrediction[] = [];
  const ens = model.members.length > 1;
  for (let start = 0; start < graphs.length; start += bs) {
    const chunk = graphs.slice(start, start + bs);
    const batch = batchGraphs(chunk);
    const bt = batchToTensors(batch);
    try {
      const outs = model.members.map((m) => runMember(model, m, bt, !!opts.contributions));
      for (let g = 0; g < chunk.length; g++) {
        const n0 = batch.nodeOffsets[g];
        const n1 = batch.nodeOffsets[g + 1];
        const w = outs[0].width;
        if (model.header.task === 'per-atom') {
          const perAtom: number[][] = [];
          for (let i = n0; i < n1; i++) perAtom.push(Array.from({ length: w }, (_, t) => outs.reduce((s, o) => s + o.perAtom![i * w + t], 0) / outs.length));
          const members = outs.map((o) => Array.from({ length: w }, (_, t) => {
            let s = 0;
            for (let i = n0; i < n1; i++) s += o.perAtom![i * w + t];
            return s / Math.max(1, n1 - n0);
          }));
          const stats = Array.from({ length: w }, (_, t) => meanStd(members.map((m) => m[t])));
          results.push({ prediction: stats.map((s) => s.mean), std: ens ? stats.map((s) => s.std) : null, members, perAtom });
          continue;
        }
        const members = outs.map((o) => Array.from(o.values.subarray(g * w, (g + 1) * w)));
        const stats = Array.from({ length: w }, (_, t) => meanStd(members.map((m) => m[t])));
        const r: GraphPrediction = { prediction: stats.map((s) => s.mean), std: ens ? stats.map((s) => s.std) : null, members };
        if (outs[0].probs) {
          const c = outs[0].classes!;
          r.probabilities = Array.from({ length: c }, (_, k) => outs.reduce((s, o) => s + o.probs![g * c + k], 0) / outs.length);
        }
        if (opts.contributions) {
          if (outs.some((o) => !o.contributions)) r.contributions = null;
          else {
            r.contributions = [];
            for (let i = n0; i < n1; i++) r.contributions.push(Array.from({ length: w }, (_, t) => outs.reduce((s, o) => s + o.contributions![i * w + t], 0) / outs.length));
          }
        }
        results.push(r);
      }
    } finally {
      disposeBatchTensors(bt);
    }
  }
  return results;
}
