/**
 * A model file turned into live tfjs models, plus the graph settings it was trained with.
 *
 * Prediction always builds graphs with the model's own settings (cutoff, neighbour cap,
 * CGCNN padding, Gaussian expansion, atom_init table) — never with defaults of the caller.
 */
import type { ModelConfig } from '../../../src-shared/model/config';
import { parameterBreakdown, parseModelConfig } from '../architectures/registry';
import { parseAtomInit, type AtomInitTable } from '../../../src-shared/graph/features';
import type { GraphOptions } from '../../../src-shared/graph/graph';
import { graphOptionsFromConfig } from '../../../src-shared/model/graph-options';
import { buildModel, type GraphModel } from '../layers/model';
import type { ModelFileData, ModelHeader } from './format';

/**
 * The neighbour and feature options a model's config (and atom_init table) prescribe —
 * the same function training uses (src-shared/model/graph-options), so a model is always
 * fed graphs built exactly as in training.
 */
export function graphOptionsForModel(config: ModelConfig, atomInit: AtomInitTable | null): GraphOptions {
  return graphOptionsFromConfig(config, atomInit ?? undefined);
}

export class LoadedModel {
  readonly config: ModelConfig;
  readonly graphOptions: GraphOptions;
  readonly members: GraphModel[];

  constructor(readonly file: ModelFileData) {
    const h = file.header;
    if (h.task === 'potential') throw new Error(`model "${h.name}" is an interatomic potential: it predicts energy, forces and stress (compute/potential/file.ts LoadedPotential)`);
    this.config = parseModelConfig(h.config);
    const table = h.atomInit ? parseAtomInit(JSON.stringify(h.atomInit)) : null;
    this.graphOptions = graphOptionsForModel(this.config, table);
    // the config's sizes against the weights present, before tfjs allocates what the config describes
    const { total, state } = parameterBreakdown(this.config);
    const held = file.members.length ? Object.values(file.members[0]).reduce((n, w) => n + w.length, 0) : 0;
    if (total + state > held) throw new Error(`model "${h.name}": its config describes ${total + state} weights per member, but the file holds ${held}`);
    this.members = loadMembers(file, () => buildModel(this.config, { seed: 0 }));
  }

  get header(): ModelHeader {
    return this.file.header;
  }

  get name(): string {
    return this.file.header.name;
  }

  dispose(): void {
    for (const m of this.members) m.dispose();
  }
}

/** One model per ensemble member of a file, each built by `build` and given its weights (a failure disposes the model). */
export function loadMembers<M extends { setWeights(w: Record<string, Float32Array>): void; dispose(): void }>(file: ModelFileData, build: () => M): M[] {
  if (file.members.length < 1) throw new Error('model file has no weights');
  return file.members.map((w) => {
    const m = build();
    try {
      m.setWeights(w);
    } catch (e) {
      m.dispose();
      throw e;
    }
    return m;
  });
}

export function instantiateModel(file: ModelFileData): LoadedModel {
  return new LoadedModel(file);
}
