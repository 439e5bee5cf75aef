/**
 * What an architecture is, in one object: `defineArchitecture({...})` in one file per
 * architecture (this folder), listed by one line in ./index.ts. Everything else iterates the
 * registry (./registry.ts): the model builder, the parameter count, the config schema (a union
 * over the architectures), the preset list, the form the renderer draws (sent over the contract
 * as serialisable descriptors) and the tests. See docs/engine.md, "Adding an architecture".
 */
import type { z } from 'zod';
import type { CommonModelSection, GraphSettingsSchema, ModelConfig, ModelSectionSchema, TrainingSectionSchema } from '../../../src-shared/model/config';
import type { FieldHint } from '../../../src-shared/model/form';
import type { PotentialArchitecture, PotentialConfig, PotentialConfigInput } from '../../../src-shared/model/potential';
import type { Rng } from '../../../src-shared/model/rng';
import type { Representation } from '../potential/representation';
import type { HasNamedVariables } from '../nn/module';
import type { MessagePassingLayer } from '../nn/types';

/** A message-passing layer as the model builder holds it: its weights by stable name, and disposal. */
export type ArchitectureLayer = MessagePassingLayer & HasNamedVariables & { dispose(): void };

/**
 * What a model of the architecture predicts.
 * - `properties`: node states feed the configured readout and head (graph regression or
 *   classification, or per-atom values): `defineArchitecture`.
 * - `potential-energy` (issue 13): per-atom energies summed to E, forces −∂E/∂r and stress from a
 *   strain derivative (engine/potential/model.ts): `definePotentialArchitecture`.
 */
export type Prediction = 'properties' | 'potential-energy';

/** The `model` section as an architecture sees it: the common fields plus its own. */
export type ArchitectureModelSection<F extends z.ZodRawShape> = CommonModelSection & { [K in keyof F]: z.output<F[K]> };

/** A validated config of one architecture (its own fields typed). */
export type ArchitectureConfig<F extends z.ZodRawShape> = Omit<ModelConfig, 'model'> & { model: ArchitectureModelSection<F> };

/** A preset: a named starting config with a stable id (CLI `--preset`, saved runs: never rename one). */
export interface PresetDefinition<F extends z.ZodRawShape> {
  id: string;
  title: string;
  description: string;
  /** Model, graph and training settings; missing fields take their defaults. */
  input: {
    model?: z.input<typeof ModelSectionSchema> & { [K in keyof F]?: z.input<F[K]> };
    graph?: z.input<typeof GraphSettingsSchema>;
    training?: z.input<typeof TrainingSectionSchema>;
  };
}

export interface ArchitectureDefinition<F extends z.ZodRawShape = z.ZodRawShape> {
  /** The config's `architecture` value. Stable: saved configs, runs and model files carry it. */
  id: string;
  title: string;
  /** One sentence for the form and the preset list. */
  description: string;
  /** The paper(s) it follows. */
  reference: string;
  predicts: 'properties';
  /** Its own fields of the config's `model` section (zod schemas, each with a default). */
  fields: F;
  /** Form label and one-line hint of each own field. */
  hints: { [K in keyof F]: FieldHint };
  /**
   * Width of an edge state the architecture keeps (an embedding Fe → width of the Gaussian
   * features is built before the first layer, named `edge_embedding`); omit to feed the layers
   * the Gaussian features themselves.
   */
  edgeStateWidth?(config: ArchitectureConfig<F>): number;
  /** Apply the head's activation to the pooled vector before the head (CGCNN's softplus before conv_to_fc). */
  activateBeforeHead?: boolean;
  /** Trainable parameters and non-trainable state of one layer; a test checks it against the built layer. */
  layerParameters(config: ArchitectureConfig<F>): { trainable: number; state: number };
  /**
   * One message-passing layer. `name` prefixes its weights (`convs.<t>`); its initial weights
   * are drawn from `rng` (the run's seed) in a fixed order.
   */
  layer(config: ArchitectureConfig<F>, name: string, rng: Rng): ArchitectureLayer;
  presets: PresetDefinition<F>[];
}

/** Declares an architecture (checked when the registry takes it: ids unique, every field hinted). */
export function defineArchitecture<F extends z.ZodRawShape>(definition: ArchitectureDefinition<F>): ArchitectureDefinition<F> {
  return definition;
}

/**
 * A potential's architecture: the representation (invariant atom features from the edge vectors)
 * that engine/potential/model.ts puts under its energy head, forces and stress, and its presets.
 * Its config is src-shared/model/potential's (one schema for every potential: the fields of the
 * `model` and `radial` sections are shared). Listed in ./potentials.ts.
 */
export interface PotentialArchitectureDefinition {
  /** The config's `architecture` value (with `kind: 'potential'`). Stable. */
  id: PotentialArchitecture;
  title: string;
  description: string;
  reference: string;
  predicts: 'potential-energy';
  /**
   * Its own fields of the config's `model` section beside the common ones
   * (src-shared/model/potential POTENTIAL_MODEL_FIELDS), each with a default; the registry builds
   * the architecture's config schema (and the form) from both.
   */
  fields: z.ZodRawShape;
  /** Form label and one-line hint of each own field. */
  hints: Record<string, FieldHint>;
  /**
   * Trainable parameters of the representation without building it: the element embedding and
   * the interaction blocks (with anything they share); a test checks it against the built model.
   */
  representationParameters(config: PotentialConfig): { embedding: number; layers: number };
  /** The representation of a config; initial weights drawn from `rng` in a fixed order. */
  representation(config: PotentialConfig, rng: Rng): Representation;
  /** Presets (`--preset`): model, radial and training settings; missing fields take their defaults. */
  presets: { id: string; title: string; description: string; input: Omit<PotentialConfigInput, 'kind' | 'architecture' | 'preset'> }[];
}

export function definePotentialArchitecture(definition: PotentialArchitectureDefinition): PotentialArchitectureDefinition {
  return definition;
}
