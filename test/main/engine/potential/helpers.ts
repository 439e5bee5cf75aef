/** Test helpers for potentials: small rattled alloy cells, tiny models, evaluation on host arrays. */
import type { Mat3, Structure } from '../../../../src-shared/chem/structure';
import { parsePotentialConfig, type PotentialConfig, type PotentialConfigInput } from '../../../../src-shared/model/potential';
import { batchPotentialGraphs, potentialGraph, type PotentialBatch } from '../../../../src-main/engine/potential/frames';
import { disposePotentialBatch, potentialBatchTensors, PotentialModel } from '../../../../src-main/engine/potential/model';
import { crystal } from '../layers/helpers';
import { seededRandom } from '../helpers';

/** A tiny config: 2 layers, 8 features, cutoff 3.6 Å. */
export function tinyConfig(architecture: 'schnet' | 'painn', over: Partial<PotentialConfigInput> = {}): PotentialConfig {
  return parsePotentialConfig({
    kind: 'potential',
    architecture,
    ...over,
    model: { features: 8, filterFeatures: 8, numLayers: 2, headHidden: 4, maxZ: 80, ...over.model },
    radial: { cutoff: 3.6, numBasis: 6, ...over.radial },
    training: { seed: 3, ...over.training },
  });
}

/** A rattled, strained 4-atom fcc cell of two elements (Cu, Au): small enough that atoms see their own images. */
export function rattledAlloy(seed = 1, a = 3.7): Structure {
  const r = seededRandom(seed);
  const frac = [
    [0, 0, 0],
    [0.5, 0.5, 0],
    [0.5, 0, 0.5],
    [0, 0.5, 0.5],
  ].map((p) => p.map((x) => x + r(-0.03, 0.03)));
  const L: Mat3 = [
    [a * (1 + r(-0.03, 0.03)), r(-0.1, 0.1), r(-0.1, 0.1)],
    [r(-0.1, 0.1), a * (1 + r(-0.03, 0.03)), r(-0.1, 0.1)],
    [r(-0.1, 0.1), r(-0.1, 0.1), a * (1 + r(-0.03, 0.03))],
  ];
  return crystal(L, frac, [29, 79, 29, 29], `alloy${seed}`);
}

export interface HostOutput {
  energy: Float32Array;
  atomEnergies: Float32Array;
  forces: Float32Array | null;
  stress: Float32Array | null;
}

/** Evaluates on a prepared batch (host arrays out, tensors disposed). */
export function evaluateBatch(model: PotentialModel, batch: PotentialBatch, opts: { forces?: boolean; stress?: boolean } = {}): HostOutput {
  const t = potentialBatchTensors(batch);
  const o = model.evaluate(t, opts);
  const out: HostOutput = {
    energy: o.energy.dataSync() as Float32Array,
    atomEnergies: o.atomEnergies.dataSync() as Float32Array,
    forces: o.forces ? (o.forces.dataSync() as Float32Array) : null,
    stress: o.stress ? (o.stress.dataSync() as Float32Array) : null,
  };
  o.energy.dispose();
  o.atomEnergies.dispose();
  o.forces?.dispose();
  o.stress?.dispose();
  disposePotentialBatch(t);
  return out;
}

export function evaluateStructures(model: PotentialModel, structures: Structure[], opts: { forces?: boolean; stress?: boolean } = {}): HostOutput {
  return evaluateBatch(model, batchPotentialGraphs(structures.map((s) => potentialGraph(s, model.config.radial.cutoff))), opts);
}

/** The weights of a seeded model whose energies are shifted per element (Z → eV per atom) and scaled. */
export function seededWeights(config: PotentialConfig, seed: number, references: Record<number, number>, scale: number): Record<string, Float32Array> {
  const m = new PotentialModel(config, seed);
  const ref = new Float32Array(config.model.maxZ + 1);
  for (const [z, e] of Object.entries(references)) ref[Number(z)] = e;
  m.setEnergyStatistics(ref, scale, 0);
  const w = m.getWeights();
  m.dispose();
  return w;
}
