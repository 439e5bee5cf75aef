/**
 * The architecture registry: every architecture of ./index.ts (ordered by id), plus any
 * registered at run time (tests, embedders). Everything that depends on the set of
 * architectures asks here:
 * - the config schema (a union over the architectures, src-shared/model/config) and parsing;
 * - the presets;
 * - the parameter count (the common parts from src-shared/model/params, the layers from the
 *   definitions);
 * - the model builder (layers/model.ts: `architecture(config.architecture).layer(...)`);
 * - the form the renderer draws (`architecturesView`: serialisable descriptors and hints,
 *   sent over the contract by `models.architectures`);
 * - the tests, which iterate `architectures()`;
 * - the potentials' architectures (./potentials.ts; `potentialArchitecture(id).representation`
 *   is what engine/potential/model.ts builds) and their presets (`potentialPresetConfig`).
 *
 * Main validates configs against this registry at the edge (services), so the renderer and
 * src-shared never import the engine.
 */
import type { ArchitecturesView } from '../../../src-shared/ipc/services/models';
import {
  commonModelFields,
  gaussianCount,
  mergeConfig,
  modelConfigSchema,
  parseConfigWith,
  safeParseConfigWith,
  type ModelConfig,
  type ModelConfigSchema,
} from '../../../src-shared/model/config';
import { parsePotentialConfig, POTENTIAL_HINTS, POTENTIAL_MODEL_FIELDS, PotentialConfigSchema, type PotentialConfig } from '../../../src-shared/model/potential';
import { z } from 'zod';
import { COMMON_HINTS, describeSchema, type FieldHint } from '../../../src-shared/model/form';
import { atomEmbeddingParameterCount, linearParameters, outputParameterCount, type ParameterBreakdown } from '../../../src-shared/model/params';
import type { ZodRawShape } from 'zod';
import type { ArchitectureConfig, ArchitectureDefinition, PotentialArchitectureDefinition } from './define';
import * as builtIn from './index';
import * as builtInPotentials from './potentials';

/** A preset as listed: its architecture and its full input. */
export interface PresetInfo {
  id: string;
  title: string;
  description: string;
  architecture: string;
  input: Record<string, unknown>;
}

// The definitions' field types differ; the registry handles them through their common shape.
type AnyDefinition = ArchitectureDefinition;
const definitions: AnyDefinition[] = [];
let schema: ModelConfigSchema | null = null;

function check(d: AnyDefinition): void {
  if (!/^[a-z][a-z0-9-]*$/.test(d.id)) throw new Error(`architecture id "${d.id}": use lower-case letters, digits and '-'`);
  if (definitions.some((x) => x.id === d.id)) throw new Error(`architecture "${d.id}" is defined twice`);
  for (const key of Object.keys(d.fields)) {
    if (key in commonModelFields) throw new Error(`architecture "${d.id}": field "${key}" is a common model field`);
    const hint = (d.hints as Record<string, FieldHint | undefined>)[key];
    if (!hint?.label || !hint.hint) throw new Error(`architecture "${d.id}": field "${key}" needs a label and a hint`);
  }
  const taken = new Set(definitions.flatMap((x) => x.presets.map((p) => p.id)));
  for (const p of d.presets) {
    if (taken.has(p.id)) throw new Error(`preset "${p.id}" of architecture "${d.id}" is defined twice`);
    taken.add(p.id);
  }
}

function add(d: AnyDefinition): void {
  check(d);
  definitions.push(d);
  definitions.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  schema = null;
}

for (const d of Object.values(builtIn) as AnyDefinition[]) add(d);

/** Every architecture, ordered by id. */
export function architectures(): readonly ArchitectureDefinition[] {
  return definitions;
}

/** The definition of an architecture id (an unknown id is an error naming the known ones). */
export function architecture(id: string): ArchitectureDefinition {
  const d = definitions.find((x) => x.id === id);
  if (!d) throw new Error(`unknown architecture "${id}" (known: ${definitions.map((x) => x.id).join(', ')})`);
  return d;
}

/**
 * Adds an architecture at run time (tests; embedders), returning the function that removes it.
 * The built-in ones are listed in ./index.ts.
 */
export function registerArchitecture<F extends ZodRawShape>(d: ArchitectureDefinition<F>): () => void {
  const def = d as unknown as AnyDefinition;
  add(def);
  return () => {
    const i = definitions.indexOf(def);
    if (i >= 0) definitions.splice(i, 1);
    schema = null;
  };
}

/** The config schema of the registered architectures (rebuilt when the set changes). */
export function configSchema(): ModelConfigSchema {
  schema ??= modelConfigSchema(definitions.map((d) => ({ id: d.id, fields: d.fields })));
  return schema;
}

/** Validates and fills defaults; throws ModelConfigError listing every problem with its path. */
export function parseModelConfig(input: unknown): ModelConfig {
  return parseConfigWith(configSchema(), input);
}

export function safeParseModelConfig(input: unknown): { ok: true; config: ModelConfig } | { ok: false; issues: string[] } {
  return safeParseConfigWith(configSchema(), input);
}

// ---------------------------------------------------------------- presets

/** Every preset, in architecture order. */
export function presets(): PresetInfo[] {
  return definitions.flatMap((d) => d.presets.map((p) => ({ id: p.id, title: p.title, description: p.description, architecture: d.id, input: { architecture: d.id, ...p.input } })));
}

export function presetIds(): string[] {
  return presets().map((p) => p.id);
}

export function presetInfo(id: string): PresetInfo | undefined {
  return presets().find((p) => p.id === id);
}

/** A validated config from a preset id, optionally with overrides (deep-merged). */
export function presetConfig(id: string, overrides?: Record<string, unknown>): ModelConfig {
  const p = presetInfo(id);
  if (!p) throw new Error(`unknown preset "${id}" (known: ${presetIds().join(', ')})`);
  return parseModelConfig({ ...mergeConfig(JSON.parse(JSON.stringify(p.input)) as Record<string, unknown>, overrides ?? {}), preset: id });
}

// ---------------------------------------------------------------- parameters

/** Trainable parameters by part (embedding, layers, readout, head) and batch-norm state, without building the model. */
export function parameterBreakdown(c: ModelConfig): ParameterBreakdown {
  const d = architecture(c.architecture);
  const ac = c as ArchitectureConfig<ZodRawShape>;
  const edge = d.edgeStateWidth ? linearParameters(gaussianCount(c.graph), d.edgeStateWidth(ac)) : 0;
  const embedding = atomEmbeddingParameterCount(c) + edge;
  const layer = d.layerParameters(ac);
  const layers = c.model.numLayers * layer.trainable;
  const { readout, head } = outputParameterCount(c);
  return { embedding, layer: layer.trainable, layers, readout, head, total: embedding + layers + readout + head, state: c.model.numLayers * layer.state };
}

/** Trainable parameters of the model a config describes. */
export function parameterCount(c: ModelConfig): number {
  return parameterBreakdown(c).total;
}

// ---------------------------------------------------------------- the form

/** Labels and hints of every field: the common ones and each architecture's own (`model.<field>`). */
export function formHints(): Record<string, FieldHint> {
  const out: Record<string, FieldHint> = { ...COMMON_HINTS };
  for (const d of definitions) for (const [k, h] of Object.entries(d.hints as Record<string, FieldHint>)) out[`model.${k}`] = h;
  return out;
}

/** What the renderer needs to draw the configuration form: the schema as descriptors, and the architectures. */
export function architecturesView(): ArchitecturesView {
  return {
    potentials: potentialArchitecturesView(),
    schema: describeSchema(configSchema(), formHints()),
    architectures: definitions.map((d) => ({
      id: d.id,
      title: d.title,
      description: d.description,
      reference: d.reference,
      predicts: d.predicts,
      presets: d.presets.map((p) => p.id),
    })),
  };
}

// ---------------------------------------------------------------- potentials

const potentialDefinitions: PotentialArchitectureDefinition[] = (Object.values(builtInPotentials) as PotentialArchitectureDefinition[]).sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
{
  const ids = potentialDefinitions.flatMap((d) => d.presets.map((p) => p.id));
  const clash = ids.find((id, k) => ids.indexOf(id) !== k || presetIds().includes(id));
  if (clash) throw new Error(`preset "${clash}" is defined twice`);
}

/** Every potential architecture, ordered by id. */
export function potentialArchitectures(): readonly PotentialArchitectureDefinition[] {
  return potentialDefinitions;
}

/** The definition of a potential architecture id (an unknown id is an error naming the known ones). */
export function potentialArchitecture(id: string): PotentialArchitectureDefinition {
  const d = potentialDefinitions.find((x) => x.id === id);
  if (!d) throw new Error(`unknown potential architecture "${id}" (known: ${potentialDefinitions.map((x) => x.id).join(', ')})`);
  return d;
}

/** The potentials' presets, in architecture order (`input` is a whole potential config input). */
export function potentialPresets(): PresetInfo[] {
  return potentialDefinitions.flatMap((d) => d.presets.map((p) => ({ id: p.id, title: p.title, description: p.description, architecture: d.id, input: { kind: 'potential', architecture: d.id, ...p.input } })));
}

/** Every preset's id, as the command line lists them: the property models' presets, then the interatomic potentials'. */
export function allPresetIds(): string[] {
  return [...presetIds(), ...potentialPresets().map((p) => p.id)];
}

export function isPotentialPreset(id: string): boolean {
  return potentialPresets().some((p) => p.id === id);
}

/**
 * A validated potential config from a preset id, optionally with overrides deep-merged into the
 * preset's config with its defaults filled in: a section the preset leaves to its default (the
 * optimizer) takes a partial override (`{"lr": 0.001}`) as the property presets', keeping its kind.
 */
export function potentialPresetConfig(id: string, overrides?: Record<string, unknown>): PotentialConfig {
  const p = potentialPresets().find((x) => x.id === id);
  if (!p) throw new Error(`unknown potential preset "${id}" (known: ${potentialPresets().map((x) => x.id).join(', ')})`);
  const preset = parsePotentialConfig({ ...p.input, preset: id });
  return parsePotentialConfig({ ...mergeConfig(preset as unknown as Record<string, unknown>, overrides ?? {}), preset: id });
}

/**
 * The potentials' config schema as the form and `models.checkConfig` see it: a union by
 * architecture, each variant with the common model fields and the definition's own (SchNet's
 * filterFeatures, PaiNN's vectorNormEpsilon), the radial and training sections of src-shared/model/potential.
 */
export function potentialConfigSchema() {
  potentialSchema ??= z.discriminatedUnion(
    'architecture',
    potentialDefinitions.map((d) =>
      PotentialConfigSchema.extend({
        kind: z.literal('potential').default('potential'),
        architecture: z.literal(d.id),
        model: z.object({ ...POTENTIAL_MODEL_FIELDS, ...d.fields }).prefault({}),
      }),
    ) as unknown as [z.ZodObject, ...z.ZodObject[]],
    { error: `architecture must be one of ${potentialDefinitions.map((d) => d.id).join(', ')}` },
  );
  return potentialSchema;
}
let potentialSchema: z.ZodDiscriminatedUnion | null = null;

/** A potential's trainable parameters by part without building it (representation from its definition; the energy head F → hidden → 1). */
export function potentialParameterBreakdown(c: PotentialConfig): ParameterBreakdown {
  const r = potentialArchitecture(c.architecture).representationParameters(c);
  const head = linearParameters(c.model.features, c.model.headHidden) + linearParameters(c.model.headHidden, 1);
  // state: the per-element reference energies and the head's scale and shift (fitted, not trained)
  return { embedding: r.embedding, layer: r.layers / c.model.numLayers, layers: r.layers, readout: 0, head, total: r.embedding + r.layers + head, state: c.model.maxZ + 1 + 2 };
}

/** The potentials' part of the configuration form: their schema as descriptors and their architectures. */
export function potentialArchitecturesView(): ArchitecturesView {
  const hints: Record<string, FieldHint> = { ...POTENTIAL_HINTS };
  for (const d of potentialDefinitions) for (const [k, h] of Object.entries(d.hints)) hints[`model.${k}`] = h;
  return {
    schema: describeSchema(potentialConfigSchema(), hints),
    architectures: potentialDefinitions.map((d) => ({ id: d.id, title: d.title, description: d.description, reference: d.reference, predicts: d.predicts, presets: d.presets.map((p) => p.id) })),
  };
}
