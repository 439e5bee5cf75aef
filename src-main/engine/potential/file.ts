/**
 * Potentials in model files (`.lwm`, the same container as property models, task 'potential')
 * and predictions with a loaded potential or ensemble of potentials.
 *
 * An ensemble (members trained with different seeds or folds) predicts the member mean of the
 * energy, forces and stress, and their population standard deviation: per structure for the
 * energy, per atom for the forces (the spread of each component and of the force vector,
 * √(Σ_c std_c²)), per component for the stress — the first measure of where a potential can be
 * trusted.
 */
import type { LabelledFrame } from '../../../src-shared/chem/frames';
import type { TrainingDomain } from '../../../src-shared/model/domain';
import { CalculatorError } from '../../../src-shared/sim/calculator';
import { atomsAtSamePosition, samePositionText } from '../../../src-shared/sim/pairs';
import { parsePotentialConfig, type PotentialConfig } from '../../../src-shared/model/potential';
import type { ModelFileData, ModelHeader, Provenance } from '../models/format';
import { loadMembers } from '../models/runtime';
import { potentialGraph, type Configuration, type PotentialGraph } from './frames';
import { potentialMetrics, type FramePrediction } from './metrics';
import { PotentialModel } from './model';
import { predictGraphs, type PotentialSplitResult } from './train';

export interface PotentialFileInput {
  name: string;
  config: PotentialConfig;
  /** One weight dictionary per ensemble member (`PotentialModel.getWeights()`). */
  members: Array<Record<string, Float32Array>>;
  provenance: Provenance;
  /** The structures it was trained on (elements, periodicity, sizes). */
  domain?: TrainingDomain;
}

export function potentialModelFile(p: PotentialFileInput): ModelFileData {
  const shapes = new PotentialModel(p.config, 0);
  const entries = shapes.namedVariables().map((v) => ({ name: v.name, shape: v.variable.shape.slice() }));
  shapes.dispose();
  const header: ModelHeader = {
    format: 'latticework-model',
    version: 1,
    name: p.name,
    config: p.config,
    task: 'potential',
    targets: [
      { name: 'energy', unit: 'eV' },
      { name: 'forces', unit: 'eV/Å' },
      { name: 'stress', unit: 'eV/Å³', description: "Voigt xx, yy, zz, yz, xz, xy; ASE's sign (positive = tensile)" },
    ],
    normalizer: null,
    atomInit: null,
    members: p.members.length,
    provenance: p.provenance,
    ...(p.domain ? { domain: p.domain } : {}),
    weights: p.members.flatMap((_, member) => entries.map((e) => ({ ...e, member }))),
  };
  return { header, members: p.members };
}

export function isPotentialFile(data: ModelFileData): boolean {
  return data.header.task === 'potential';
}

export interface PotentialPrediction extends FramePrediction {
  /** Ensembles only: member standard deviations. */
  std: { energy: number; forces: Float64Array | null; forceNorm: Float64Array | null; stress: Float64Array | null } | null;
}

/** A potential (or ensemble of potentials) ready to predict. */
export class LoadedPotential {
  readonly config: PotentialConfig;
  readonly members: PotentialModel[];

  constructor(readonly file: ModelFileData) {
    if (!isPotentialFile(file)) throw new Error(`model "${file.header.name}" is a ${file.header.task} model, not an interatomic potential`);
    this.config = parsePotentialConfig(file.header.config);
    this.members = loadMembers(file, () => new PotentialModel(this.config, 0));
  }

  get name(): string {
    return this.file.header.name;
  }

  /**
   * Energy, forces, stress (null without a periodic cell) and atom energies of each structure; member spread for ensembles.
   * Two atoms at the same position are refused as the built-in calculators and the simulations refuse them (the
   * calculators' check, `atomsAtSamePosition`): a distance of 0 has no direction, and the model's energy, forces and
   * stress would be NaN.
   */
  predict(structures: readonly Configuration[], opts: { forces?: boolean; stress?: boolean } = {}): PotentialPrediction[] {
    for (const s of structures) {
      const same = atomsAtSamePosition(s);
      if (same) throw new CalculatorError(`${this.name}: ${samePositionText(same)}`);
    }
    return this.predictGraphs(structures.map((s) => potentialGraph(s, this.config.radial.cutoff)), opts);
  }

  /**
   * The same for graphs already built (e.g. from a simulation's pair list). Every way a potential
   * evaluates structures (predict, the simulations' calculator, the app) comes here, so an element
   * outside the element embedding is refused here, in one sentence, before any model runs.
   */
  predictGraphs(graphs: readonly PotentialGraph[], opts: { forces?: boolean; stress?: boolean } = {}): PotentialPrediction[] {
    const maxZ = this.config.model.maxZ;
    for (const g of graphs) for (const z of g.numbers) if (z < 1 || z > maxZ) throw new CalculatorError(`${this.name}: element Z = ${z} is outside the potential's element embedding (1..${maxZ})`);
    const per = this.members.map((m) => predictGraphs(m, graphs, opts));
    return graphs.map((_, k) => combine(per.map((p) => p[k])));
  }

  dispose(): void {
    for (const m of this.members) m.dispose();
  }
}

/**
 * `use` with the potential (or ensemble) of `file` loaded once, its tensors freed when `use` returns or throws: the
 * end of training evaluates the stored model on its splits and its training structures with one load.
 */
export function withLoadedPotential<T>(file: ModelFileData, use: (potential: LoadedPotential) => T): T {
  const potential = new LoadedPotential(file);
  try {
    return use(potential);
  } finally {
    potential.dispose();
  }
}

/**
 * The potential's own energies (eV) of `structures`, as `predict` gives them (an ensemble's mean): what the
 * energy check's predicted range of its training structures is measured from (potential-domain.ts
 * `withPredictedEnergies`), at the end of training here and when `import-run` brings one back from PyTorch.
 */
export function ownEnergies(potential: LoadedPotential, structures: readonly Configuration[]): number[] {
  return potential.predict(structures, { forces: false, stress: false }).map((p) => p.energy);
}

/**
 * The errors of a potential on the frames `indices` (a split), from its predictions as `predict` gives them
 * (an ensemble's: its members' mean): an ensemble run's validation and test metrics, those of the model it
 * stores rather than of one member.
 */
export function splitErrors(potential: LoadedPotential, frames: readonly LabelledFrame[], indices: number[]): PotentialSplitResult {
  const predictions = potential.predict(indices.map((i) => frames[i].structure));
  return { indices, predictions, metrics: potentialMetrics(indices.map((i) => frames[i]), predictions) };
}

function meanStd(values: ArrayLike<number>[]): { mean: Float64Array; std: Float64Array } {
  const n = values[0].length;
  const mean = new Float64Array(n);
  const std = new Float64Array(n);
  for (const v of values) for (let i = 0; i < n; i++) mean[i] += v[i] / values.length;
  for (const v of values) for (let i = 0; i < n; i++) std[i] += (v[i] - mean[i]) ** 2 / values.length;
  for (let i = 0; i < n; i++) std[i] = Math.sqrt(std[i]);
  return { mean, std };
}

function combine(ps: FramePrediction[]): PotentialPrediction {
  if (ps.length === 1) return { ...ps[0], std: null };
  const e = meanStd(ps.map((p) => [p.energy]));
  const a = meanStd(ps.map((p) => p.atomEnergies));
  const f = ps[0].forces ? meanStd(ps.map((p) => p.forces!)) : null;
  const s = ps[0].stress ? meanStd(ps.map((p) => p.stress!)) : null;
  const forceNorm = f ? Float64Array.from({ length: f.std.length / 3 }, (_, i) => Math.hypot(f.std[3 * i], f.std[3 * i + 1], f.std[3 * i + 2])) : null;
  return {
    energy: e.mean[0],
    atomEnergies: a.mean,
    forces: f?.mean ?? null,
    stress: s?.mean ?? null,
    std: { energy: e.std[0], forces: f?.std ?? null, forceNorm, stress: s?.std ?? null },
  };
}
