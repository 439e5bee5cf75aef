/** Models: configurations (presets, validation, saved configs) and model files (imported, trained, shipped). */
import { z } from 'zod';
import type { SchemaNode } from '../../model/form';
import type { ParameterBreakdown } from '../../model/params';
import { event, method } from '../define';
import { storedJsonObject } from '../limits';
import { hostPath } from '../paths';
import { modelNameSchema } from '../../model/names';

export interface PresetView {
  id: string;
  name: string;
  description: string;
  /** The architecture it configures. */
  architecture: string;
  /** The full configuration (defaults filled in). */
  config: Record<string, unknown>;
}

export interface ConfigCheck {
  ok: boolean;
  /** Validation messages with the path of the field (empty when ok). */
  issues: { path: string; message: string }[];
  /** Normalised configuration (defaults filled) when ok. */
  config: Record<string, unknown> | null;
  parameterCount: number | null;
  /** The parameter count by part (embedding, one layer, all layers, readout, head) when ok. */
  breakdown: ParameterBreakdown | null;
  /** Fields that differ from the preset named, as dotted paths with both values. */
  differences: { path: string; preset: unknown; value: unknown }[];
}

/** One architecture of the engine's registry, as the form shows it. */
export interface ArchitectureView {
  id: string;
  title: string;
  description: string;
  reference: string;
  /** What its models predict ('properties': through the configured readout and head). */
  predicts: string;
  /** Its presets' ids. */
  presets: string[];
}

/** The configuration form's source: the config schema as descriptors (a union over the architectures) and the architectures. */
export interface ArchitecturesView {
  schema: SchemaNode;
  architectures: ArchitectureView[];
  /** Interatomic potentials (configs of `kind: 'potential'`): their own schema (a union by architecture) and architectures. */
  potentials?: ArchitecturesView;
}

export interface SavedConfig {
  id: number;
  name: string;
  presetId: string | null;
  config: Record<string, unknown>;
  createdAt: number;
}

export interface ModelRecord {
  id: number;
  name: string;
  /** 'builtin' (shipped with the app), 'imported' (e.g. a CGCNN .pth.tar), 'trained' (a run's best model). */
  origin: 'builtin' | 'imported' | 'trained';
  /** 'potential': an interatomic potential (energy in eV, forces, stress; see predict.potential). */
  task: 'regression' | 'classification' | 'per-atom' | 'potential';
  architecture: string;
  /** What it predicts and in which units, e.g. formation energy per atom, eV/atom. */
  target: string;
  units: string;
  parameterCount: number;
  /** Members of an ensemble (k-fold); 1 otherwise. */
  members: number;
  runId: number | null;
  createdAt: number;
  description: string;
}

const modelId = z.number().int().positive();

export const modelsService = {
  methods: {
    presets: method<PresetView[]>()(z.object({}).strict()),
    /** The architectures and the config schema's form descriptors (the registry's `architecturesView`). */
    architectures: method<ArchitecturesView>()(z.object({}).strict()),
    checkConfig: method<ConfigCheck>()(
      z.object({ config: storedJsonObject(), presetId: z.string().max(100).optional() }).strict(),
    ),
    saveConfig: method<SavedConfig>()(
      z
        .object({
          name: z.string().min(1).max(200),
          presetId: z.string().max(100).nullable(),
          config: storedJsonObject(),
        })
        .strict(),
    ),
    listConfigs: method<SavedConfig[]>()(z.object({}).strict()),
    list: method<ModelRecord[]>()(z.object({}).strict()),
    /** Imports a model file on the core's machine: a CGCNN .pth.tar or a Latticework .lwm file. */
    import: method<ModelRecord>()(
      z.object({ path: hostPath, name: modelNameSchema.optional() }).strict(),
    ),
    delete: method<{ deleted: boolean }>()(z.object({ id: modelId }).strict()),
  },
  events: {
    onChanged: event<{ ids: number[] }>(),
  },
} as const;
