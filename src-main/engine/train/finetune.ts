/**
 * Fine-tuning a property model: a run that starts from a stored model (a trained one, an imported
 * CGCNN checkpoint, a built-in model) on new data. The rules (docs/training.md, "Fine-tuning"):
 *
 * - Architecture, atom input, graph settings and layer sizes are the source model's; the run's own
 *   training settings apply, and its head may be given (a config's `model.head`).
 * - `freeze` = N ≥ 1 keeps the atom embedding (and edge embedding) and the first N message-passing
 *   layers fixed, in inference mode (`GraphModel.frozenDepth`); 0 trains everything.
 * - The head (its hidden layers and output layer) is kept when the target is the same — same task,
 *   same number of outputs, same target names up to case and separators — and re-initialised from
 *   the run's seed otherwise; `head: 'keep' | 'new'` overrides that choice ('keep' needs the same task
 *   and outputs). The readout is always kept.
 * - The target normaliser is refitted on the new training split; a kept head's output layer is
 *   rescaled from the source's normaliser to the new one, so the run starts from exactly the source's
 *   predictions in target units.
 */
import { elementSymbol } from '../../../src-shared/chem/elements';
import { parseAtomInit, type AtomInitTable } from '../../../src-shared/graph/features';
import { atomInputLength, headOutputs, mergeConfig, type ModelConfig } from '../../../src-shared/model/config';
import { isPotentialConfig } from '../../../src-shared/model/potential';
import type { HeadChoice } from '../../../src-shared/model/run-tags';
import { parseModelConfig } from '../architectures/registry';
import type { GraphModel } from '../layers/model';
import type { ModelFileData, TargetInfo } from '../models/format';
import { elementSeeds, seedElementRows, seedingMessage, seedsBySymbol, sourceTrainedElements } from '../potential/finetune';
import type { TargetNormalizer } from './normalizer';

/** What a training run starts from (trainer `TrainOptions.start`; structured-clonable for replicas). */
export interface FineTuneStart {
  /** The source model's weights and state by stable name. */
  weights: Record<string, Float32Array>;
  /** Depth frozen (GraphModel.frozenDepth). */
  freeze: number;
  /**
   * Keep the source's head, its output layer rescaled from `normalizer` (the source's; null:
   * classification or no normalisation) to the run's; null: the head keeps the run's seeded initial weights.
   */
  keepHead: { normalizer: TargetNormalizer | null } | null;
}

export interface FineTunePlan {
  config: ModelConfig;
  start: FineTuneStart;
  /** The source model's name (the run's provenance `startedFrom`). */
  startedFrom: string;
  head: { kept: boolean; reason: string };
  /** The fine-tuned model's targets when the head is kept (the source's: name, unit, description); null: the data's names. */
  targets: TargetInfo[] | null;
  /**
   * A learned element embedding (seedEmbeddingRows): each new element → the trained element whose row
   * it starts from (null: none seeded, or not an embedding), and the line that says so; absent before seeding.
   */
  seeding?: { seededElements: Record<string, string> | null; message: string };
}

/** Why a model cannot start a fine-tuning run on this data, in words for the user. */
export class FineTuneError extends Error {}

const loose = (name: string) => name.toLowerCase().replace(/[\s_\-.]+/g, '');

/**
 * The run's config: the source's architecture, atom input, graph and sizes, with the run's
 * `training` settings and, when given, its `model.head`. Anything else in `overrides` is refused.
 */
export function fineTuneConfig(source: ModelFileData, overrides: Record<string, unknown>): ModelConfig {
  const h = source.header;
  if (isPotentialConfig(h.config)) throw new FineTuneError(`"${h.name}" is an interatomic potential: fine-tune it on labelled frames (energies, forces) as a potential run`);
  for (const key of Object.keys(overrides)) {
    if (key === 'training') continue;
    if (key === 'model' && isRecord(overrides.model) && Object.keys(overrides.model).every((k) => k === 'head')) continue;
    throw new FineTuneError(`fine-tuning keeps the architecture, atom input and graph of "${h.name}": a config may set only "training" and "model.head" (not "${key === 'model' ? Object.keys(overrides.model as object).filter((k) => k !== 'head').map((k) => `model.${k}`).join(', ') : key}")`);
  }
  const head = isRecord(overrides.model) ? overrides.model.head : undefined;
  // the run is no preset's: it starts from the model (its sizes need not be the preset's, e.g. a CGCNN
  // checkpoint with 4 convolutions recorded as cgcnn-paper's 3); the run's tags say what it started from
  const { preset: _preset, ...config } = h.config;
  const base = head === undefined ? config : { ...config, model: { ...config.model, head } };
  return parseModelConfig(mergeConfig(base, { training: overrides.training ?? {} }));
}

/**
 * The start of a fine-tuning run from `source` with `config` (fineTuneConfig, its head fitted to
 * the data) on targets named `targetNames`.
 */
export function planFineTune(source: ModelFileData, config: ModelConfig, targetNames: readonly string[], opts: { freeze: number; head: HeadChoice }): FineTunePlan {
  const h = source.header;
  const from = h.config as ModelConfig;
  checkFreezeDepth(h.name, config, opts.freeze);
  if (source.members.length > 1) throw new FineTuneError(`"${h.name}" is an ensemble of ${source.members.length} models: fine-tuning starts from one model`);
  const task = config.model.head.kind;
  const outputs = headOutputs(config);
  const sameShape = task === from.model.head.kind && outputs === headOutputs(from);
  const sourceNames = h.targets.map((t) => t.name);
  const sameNames = task === 'classification' || (targetNames.length === sourceNames.length && targetNames.every((n, k) => loose(n) === loose(sourceNames[k])));
  let kept: boolean;
  let reason: string;
  if (opts.head === 'keep') {
    if (!sameShape) throw new FineTuneError(`cannot keep the head of "${h.name}": it predicts ${describeHead(from)}, this run ${describeHead(config)}`);
    kept = true;
    reason = 'kept (asked for)';
  } else if (opts.head === 'new') {
    kept = false;
    reason = 're-initialised (asked for)';
  } else if (!sameShape) {
    kept = false;
    reason = `re-initialised: the source predicts ${describeHead(from)}, this run ${describeHead(config)}`;
  } else if (!sameNames) {
    kept = false;
    reason = `re-initialised: the source's target is ${sourceNames.join(', ')}, this data's ${targetNames.join(', ')}`;
  } else {
    kept = true;
    reason = `kept: the same target (${sourceNames.join(', ')})`;
  }
  return {
    config,
    start: { weights: source.members[0], freeze: opts.freeze, keepHead: kept ? { normalizer: task === 'classification' ? null : (h.normalizer ?? null) } : null },
    startedFrom: h.name,
    head: { kept, reason },
    targets: kept && task !== 'classification' ? h.targets : null,
  };
}

/**
 * A learned element embedding (atom input `embedding`) on data with elements its source never trained:
 * each such element's row starts from the nearest element the source did train, as a potential's does
 * (engine/potential/finetune.ts; measured there: an untrained row is random, and its atoms enter the
 * trained layers out of distribution). The trained elements are the source's training domain. CGCNN and
 * one-hot inputs are features, not trained rows: their plan is returned unchanged.
 */
export function seedEmbeddingRows(source: ModelFileData, plan: FineTunePlan, elements: Iterable<number>): FineTunePlan {
  const input = plan.config.model.atomInput;
  if (input.kind !== 'embedding') return plan;
  const known = sourceTrainedElements(source);
  const seeds = known ? elementSeeds(elements, known.elements) : [];
  return {
    ...plan,
    start: { ...plan.start, weights: seedElementRows(plan.start.weights, seeds, input.numSpecies - 1) },
    seeding: { seededElements: known ? seedsBySymbol(seeds) : null, message: seedingMessage(plan.startedFrom, known, seeds, plan.start.freeze) },
  };
}

/**
 * The atom table the run builds its graphs with: the source's own (CGCNN atom input; null for
 * one-hot and learned embeddings), after checking that it describes every element of the data
 * (`elements`: atomic numbers): a model cannot learn features for an element it has no input for.
 * `note` says when the data brings its own atom_init.json (`dataAtomInit`) and it differs: the
 * source's features are the ones its weights were trained on, so they win.
 */
export function fineTuneAtomInit(source: ModelFileData, elements: Iterable<number>, dataAtomInit: string | null = null): { table: AtomInitTable | null; note: string | null } {
  const h = source.header;
  const config = h.config as ModelConfig;
  const input = config.model.atomInput;
  let table: AtomInitTable | null = null;
  let known: (z: number) => boolean;
  if (input.kind === 'cgcnn') {
    if (!h.atomInit) throw new FineTuneError(`"${h.name}" takes CGCNN atom features but its file has no atom table (atomInit)`);
    const t = parseAtomInit(JSON.stringify(h.atomInit));
    if (t.width !== input.length) throw new FineTuneError(`"${h.name}": its atom table has ${t.width} features per element, its embedding takes ${input.length}`);
    table = t;
    known = (z) => z <= t.maxZ && t.has[z] === 1;
  } else {
    const length = atomInputLength(config);
    known = (z) => z < length;
  }
  const missing = [...new Set(elements)].filter((z) => !known(z)).sort((a, b) => a - b);
  if (missing.length) {
    const what = input.kind === 'cgcnn' ? 'its atom table (atom_init) has no features for' : `its ${input.kind} atom input covers atomic numbers below ${atomInputLength(config)}, not`;
    throw new FineTuneError(`"${h.name}" cannot describe this data's atoms: ${what} ${missing.map((z) => elementSymbol(z)).join(', ')}`);
  }
  let note: string | null = null;
  if (table && dataAtomInit !== null) {
    const own = parseAtomInit(dataAtomInit);
    const same = own.width === table.width && own.maxZ === table.maxZ && own.rows.every((v, i) => v === table!.rows[i]);
    if (!same) note = `this data's atom_init.json differs from the atom features "${h.name}" was trained with: the run uses the model's`;
  }
  return { table, note };
}

/** Refuses a depth the model does not have (0 to its number of message-passing layers: a property model's, or a potential's blocks). */
export function checkFreezeDepth(name: string, config: { model: { numLayers: number } }, freeze: number): void {
  const layers = config.model.numLayers;
  if (!Number.isInteger(freeze) || freeze < 0 || freeze > layers) throw new FineTuneError(`freeze depth ${freeze}: "${name}" has ${layers} message-passing layers, so the depth is 0 to ${layers}`);
}

function describeHead(c: ModelConfig): string {
  const head = c.model.head;
  if (head.kind === 'classification') return `${head.numClasses} classes`;
  return `${head.numTargets} ${head.kind === 'per-atom' ? 'per-atom ' : ''}value${head.numTargets === 1 ? '' : 's'}`;
}

function isRecord(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/**
 * Loads the start into `model` (built with the run's config and seed, `freeze` = start.freeze):
 * every weight and running statistic from the source, except a re-initialised head's, which keeps
 * the model's seeded initial values. A kept head's output layer maps the run's normalised outputs
 * to the source's predictions: W' = W·σ_s/σ, b' = (b·σ_s + μ_s − μ)/σ per output.
 */
export function applyFineTuneStart(model: GraphModel, start: FineTuneStart, normalizer: TargetNormalizer): void {
  const weights: Record<string, Float32Array> = {};
  for (const nv of model.namedVariables()) {
    const size = nv.variable.size;
    if (nv.name.startsWith('head.') && !start.keepHead) continue;
    const w = start.weights[nv.name];
    if (!w) throw new FineTuneError(`the model started from has no weights "${nv.name}" (a different architecture)`);
    if (w.length !== size) throw new FineTuneError(`the model started from has ${w.length} values for "${nv.name}", this run's model ${size}`);
    weights[nv.name] = w;
  }
  const was = start.keepHead?.normalizer;
  if (was) {
    const W = weights['head.out.weight'].slice();
    const b = weights['head.out.bias'].slice();
    const outputs = b.length;
    for (let k = 0; k < outputs; k++) {
      const scale = was.std[k] / normalizer.std[k];
      for (let i = k; i < W.length; i += outputs) W[i] *= scale;
      b[k] = (b[k] * was.std[k] + was.mean[k] - normalizer.mean[k]) / normalizer.std[k];
    }
    weights['head.out.weight'] = W;
    weights['head.out.bias'] = b;
  }
  const current = model.getWeights();
  model.setWeights({ ...current, ...weights });
}
