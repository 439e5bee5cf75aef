/**
 * Model configuration as data: architecture, graph settings and training settings
 * in one serialisable document, validated by a zod schema with defaults.
 *
 * A config is what a run, a model file and the UI's experiment form share. This module holds
 * what every architecture shares (the common model fields, graph and training settings, the
 * cross-field rules) and builds the whole schema from the architectures' own parts
 * ({@link modelConfigSchema}): the list of architectures is the engine's registry
 * (src-main/engine/architectures), which parses configs with it. Messages name the path and
 * say what is allowed; {@link ModelConfigError} carries one readable line per problem.
 *
 * Sizes use CGCNN's vocabulary where it has a name for them:
 * `atomFeatures` = CGCNN `atom_fea_len` (node state width F inside the convolutions),
 * `hiddenFeatures` = `h_fea_len` (width of the MLP after pooling),
 * `numLayers` = `n_conv`, `numHidden` = `n_h`.
 */
import { z } from 'zod';

export const AGGREGATIONS = ['sum', 'mean', 'max'] as const;
export type Aggregation = (typeof AGGREGATIONS)[number];

export const READOUTS = ['sum', 'mean', 'max', 'attention', 'set2set'] as const;
export type ReadoutKind = (typeof READOUTS)[number];

export const ACTIVATIONS = ['softplus', 'shifted-softplus', 'relu', 'silu', 'tanh'] as const;
export type Activation = (typeof ACTIVATIONS)[number];

export const LOSSES = ['mse', 'mae', 'huber', 'cross-entropy'] as const;
export type LossKind = (typeof LOSSES)[number];

export const posInt = (what: string) =>
  z.number({ error: `${what} must be a number` }).int({ error: `${what} must be a whole number` }).positive({ error: `${what} must be at least 1` });
export const nonNegInt = (what: string) =>
  z.number({ error: `${what} must be a number` }).int({ error: `${what} must be a whole number` }).nonnegative({ error: `${what} must be 0 or more` });
export const posNum = (what: string) =>
  z.number({ error: `${what} must be a number` }).positive({ error: `${what} must be greater than 0` });
export const nonNegNum = (what: string) =>
  z.number({ error: `${what} must be a number` }).nonnegative({ error: `${what} must be 0 or more` });
export const fraction = (what: string) =>
  z.number({ error: `${what} must be a number` }).min(0, { error: `${what} must be between 0 and 1` }).max(1, { error: `${what} must be between 0 and 1` });
/** A random seed: a whole number in 0 … 2³² − 1 (a bound's message alone for 1e30, which is whole as far as a double can tell). */
export const seedField = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .min(0, { error: `${what} must be 0 or more`, abort: true })
    .max(2 ** 32 - 1, { error: `${what} must be at most 4294967295`, abort: true })
    .int({ error: `${what} must be a whole number` });
/**
 * Most epochs a run may ask for (decided in session 44): 100,000,000,000 epochs started a run whose
 * ETA was 7 million hours, in the app and on the command line alike. The presets train 30 to 1,000
 * epochs; a million epochs of the smallest dataset would already take weeks. A whole number in
 * 1 … 1,000,000 (the bound's message alone for 1e30, which is whole as far as a double can tell).
 */
export const MAX_EPOCHS = 1_000_000;
export const epochsField = (what: string) =>
  z
    .number({ error: `${what} must be a number` })
    .min(1, { error: `${what} must be at least 1`, abort: true })
    .max(MAX_EPOCHS, { error: `${what} must be at most 1,000,000`, abort: true })
    .int({ error: `${what} must be a whole number` });
/**
 * Largest neighbour cutoff (and last Gaussian centre) of a model, Å (decided in session 44). Crystal
 * graphs and potentials look a few Å around an atom (CGCNN 8 Å, SchNet and PaiNN 5 Å; long-range
 * models 10–12 Å); at 30 Å an atom of a metal has ~10,000 neighbours, and a cutoff of 10⁶ Å passed the
 * check and made 5 million Gaussian features per edge. The neighbour list's pair limit
 * (docs/graphs.md) still guards what any cutoff within this asks of a large structure.
 */
export const MAX_CUTOFF = 30;
export const cutoffField = (what: string) => posNum(what).max(MAX_CUTOFF, { error: `${what} must be at most ${MAX_CUTOFF} Å (a model's neighbours lie within a few Å: CGCNN uses 8, SchNet 5)` });
/**
 * Smallest spacing of the Gaussian centres of a distance expansion, Å (decided in session 45): a
 * step of 10⁻⁹ Å passed the check and only the memory estimate caught its 8 billion features per
 * edge. Published models space their centres 0.2 Å (CGCNN) and 0.1 Å (SchNet), about the thermal
 * motion of an atom at room temperature (0.05–0.1 Å); 0.01 Å is ten times finer than SchNet's and
 * still gives 3,001 features per edge at the largest cutoff (`MAX_CUTOFF`).
 */
export const MIN_GAUSSIAN_STEP = 0.01;
/**
 * Widest Gaussian of a distance expansion, Å (decided in session 46): the largest cutoff (`MAX_CUTOFF`).
 * Published models make it about their step (CGCNN 0.2 Å, SchNet 0.1 Å); a width of 10⁶ Å passed the
 * check and made every feature 1 at every distance. At 30 Å two neighbours 8 Å apart still differ by
 * 7 % in a feature; a wider Gaussian is flat over every distance a model sees. (A narrow width costs no
 * memory: any width above 0 is taken.)
 */
export const MAX_GAUSSIAN_WIDTH = MAX_CUTOFF;
/** A decay rate in [0, 1), as Adam's β₁ and β₂: at 1 Adam's bias correction 1 − βᵗ is 0 (PyTorch refuses it too). */
export const decayRate = (what: string) =>
  z.number({ error: `${what} must be a number` }).min(0, { error: `${what} must be at least 0 and below 1` }).lt(1, { error: `${what} must be at least 0 and below 1` });

/** How atoms become input vectors. */
export const AtomInputSchema = z.discriminatedUnion(
  'kind',
  [
    /** CGCNN's atom_init.json embedding (92 binary features per element by default). */
    z.object({ kind: z.literal('cgcnn'), length: posInt('atom input length').default(92) }),
    /** One-hot of the atomic number, Z = 0..118 (119 columns). */
    z.object({ kind: z.literal('onehot'), length: posInt('atom input length').default(119) }),
    /** A learned embedding table indexed by atomic number (0..numSpecies-1). */
    z.object({ kind: z.literal('embedding'), numSpecies: posInt('number of species').default(119) }),
  ],
  { error: 'atom input kind must be one of cgcnn, onehot, embedding' },
);
export type AtomInput = z.infer<typeof AtomInputSchema>;

export const HeadSchema = z.discriminatedUnion(
  'kind',
  [
    /** One prediction vector per graph. */
    z.object({ kind: z.literal('regression'), numTargets: posInt('number of targets').default(1) }),
    /** Class logits per graph (softmax cross-entropy). */
    z.object({ kind: z.literal('classification'), numClasses: z.number().int().min(2, { error: 'a classifier needs at least 2 classes' }).default(2) }),
    /** One prediction vector per atom (e.g. charges, magnetic moments from extended XYZ arrays). */
    z.object({ kind: z.literal('per-atom'), numTargets: posInt('number of targets').default(1) }),
  ],
  { error: 'head kind must be one of regression, classification, per-atom' },
);
export type Head = z.infer<typeof HeadSchema>;

/** Neighbour aggregation ⊕ of an architecture that lets the user choose it (an architecture's own field). */
export const aggregationField = (byDefault: Aggregation) =>
  z.enum(AGGREGATIONS, { error: `aggregation must be one of ${AGGREGATIONS.join(', ')}` }).default(byDefault);

/** The fields of the `model` section every architecture has (an architecture adds its own). */
export const commonModelFields = {
  atomInput: AtomInputSchema.prefault({ kind: 'cgcnn' }),
  /** F: node state width in the message-passing layers (CGCNN atom_fea_len). */
  atomFeatures: posInt('atomFeatures').default(64),
  /** Number of message-passing layers (CGCNN n_conv). */
  numLayers: posInt('numLayers').default(3),
  /** Width of the hidden layers after pooling (CGCNN h_fea_len). */
  hiddenFeatures: posInt('hiddenFeatures').default(128),
  /** Hidden layers after pooling (CGCNN n_h). */
  numHidden: nonNegInt('numHidden').default(1),
  readout: z.enum(READOUTS, { error: `readout must be one of ${READOUTS.join(', ')}` }).default('mean'),
  /** Processing steps of set2set. */
  set2setSteps: posInt('set2setSteps').default(3),
  /** Non-linearity of the layers that take one (CGCNN's convolution has its own) and of the head. */
  activation: z.enum(ACTIVATIONS, { error: `activation must be one of ${ACTIVATIONS.join(', ')}` }).default('softplus'),
  /** Dropout before the output layer (CGCNN: 0.5 for classification). */
  dropout: fraction('dropout').default(0),
  head: HeadSchema.prefault({ kind: 'regression' }),
};
export const ModelSectionSchema = z.object(commonModelFields);
/** The model fields every architecture has. */
export type CommonModelSection = z.infer<typeof ModelSectionSchema>;
/** The model section of a config: the common fields, and the architecture's own (typed where it is defined). */
export type ModelSection = CommonModelSection & { readonly [field: string]: unknown };

export const GaussianSchema = z.object({
  /** First centre, Å. */
  dmin: nonNegNum('gaussian.dmin').default(0),
  /** Last centre, Å; when absent, the cutoff (CGCNN: dmax = radius). */
  dmax: cutoffField('gaussian.dmax').optional(),
  /** Spacing of the centres, Å (CGCNN 0.2 → 41 centres over 0..8). */
  step: z
    .number({ error: 'gaussian.step must be a number' })
    .min(MIN_GAUSSIAN_STEP, { error: `gaussian.step must be at least ${MIN_GAUSSIAN_STEP} Å (CGCNN spaces its Gaussian centres 0.2 Å apart, SchNet 0.1 Å)` })
    .default(0.2),
  /** Width σ in exp(-(d-μ)²/σ²), Å; CGCNN uses var = step. */
  width: posNum('gaussian.width')
    .max(MAX_GAUSSIAN_WIDTH, { error: `gaussian.width must be at most ${MAX_GAUSSIAN_WIDTH} Å (the largest cutoff: a wider Gaussian is flat over every distance a model sees; CGCNN's is 0.2 Å, its step)` })
    .default(0.2),
});

export const GraphSettingsSchema = z
  .object({
    /** Neighbour search radius, Å. */
    cutoff: cutoffField('graph.cutoff').default(8),
    /** Keep at most this many nearest neighbours per atom (0 = no cap). */
    maxNeighbors: nonNegInt('graph.maxNeighbors').default(12),
    gaussian: GaussianSchema.prefault({}),
    /**
     * CGCNN's treatment of atoms with fewer than maxNeighbors neighbours: pad with
     * fake edges at distance cutoff + 1 to the site CGCNN reads first, pymatgen's site 0
     * (src-shared/graph/neighbors.ts), as its published models saw.
     * Off: keep only the real edges.
     */
    cgcnnPadding: z.boolean().default(false),
    /** Multiply edge features by a smooth cosine envelope that reaches 0 at the cutoff. */
    envelope: z.boolean().default(false),
  })
  .superRefine((g, ctx) => {
    const dmax = g.gaussian.dmax ?? g.cutoff;
    // without a dmax of its own the last centre is the cutoff: the problem is the cutoff's (and a cutoff ≤ 0 already has its own)
    if (g.gaussian.dmax === undefined && g.cutoff <= 0) return;
    if (dmax <= g.gaussian.dmin)
      ctx.addIssue(
        g.gaussian.dmax === undefined
          ? { code: 'custom', path: ['cutoff'], message: `graph.cutoff (${dmax}) must be greater than gaussian.dmin (${g.gaussian.dmin}): with no gaussian.dmax it is the last Gaussian centre` }
          : { code: 'custom', path: ['gaussian', 'dmax'], message: `gaussian.dmax (${dmax}) must be greater than gaussian.dmin (${g.gaussian.dmin})` },
      );
    else if (dmax - g.gaussian.dmin <= g.gaussian.step)
      ctx.addIssue({ code: 'custom', path: ['gaussian', 'step'], message: `gaussian.step (${g.gaussian.step}) must be smaller than dmax − dmin (${dmax - g.gaussian.dmin})` });
  });
export type GraphSettings = z.infer<typeof GraphSettingsSchema>;

/** Number of Gaussian centres (edge feature length Fe): CGCNN's `np.arange(dmin, dmax + step, step)`. */
export function gaussianCount(g: GraphSettings): number {
  const dmax = g.gaussian.dmax ?? g.cutoff;
  // np.arange(start, stop, step) has ceil((stop - start) / step) elements, computed in
  // double precision exactly like this (so 0..8 by 0.2 gives 41, as in CGCNN).
  return Math.ceil((dmax + g.gaussian.step - g.gaussian.dmin) / g.gaussian.step);
}

export const OptimizerSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({
      kind: z.literal('sgd'),
      lr: posNum('optimizer.lr').default(0.01),
      momentum: fraction('optimizer.momentum').default(0.9),
      nesterov: z.boolean().default(false),
    }),
    z.object({
      kind: z.literal('adam'),
      lr: posNum('optimizer.lr').default(0.001),
      beta1: decayRate('optimizer.beta1').default(0.9),
      beta2: decayRate('optimizer.beta2').default(0.999),
      epsilon: posNum('optimizer.epsilon').default(1e-8),
      /** AMSGrad (Reddi et al. 2018; torch.optim.Adam amsgrad): divide by the largest second moment so far, so a step never grows because v decayed. */
      amsgrad: z.boolean().default(false),
    }),
    /** Adam with decoupled weight decay (Loshchilov & Hutter). */
    z.object({
      kind: z.literal('adamw'),
      lr: posNum('optimizer.lr').default(0.001),
      beta1: decayRate('optimizer.beta1').default(0.9),
      beta2: decayRate('optimizer.beta2').default(0.999),
      epsilon: posNum('optimizer.epsilon').default(1e-8),
      /** AMSGrad, as for adam. */
      amsgrad: z.boolean().default(false),
    }),
  ],
  { error: 'optimizer kind must be one of sgd, adam, adamw' },
);
export type OptimizerConfig = z.infer<typeof OptimizerSchema>;

export const ScheduleSchema = z.discriminatedUnion(
  'kind',
  [
    z.object({ kind: z.literal('constant') }),
    /** Multiply the rate by gamma at each milestone epoch (CGCNN: MultiStepLR [100], 0.1). */
    z.object({
      kind: z.literal('step'),
      milestones: z.array(posInt('schedule.milestones')).default([100]),
      gamma: posNum('schedule.gamma').default(0.1),
    }),
    /** Cosine annealing from lr to minLr over the epochs after warm-up. */
    z.object({ kind: z.literal('cosine'), minLr: nonNegNum('schedule.minLr').default(0) }),
    /** Reduce on plateau of the validation loss. */
    z.object({
      kind: z.literal('plateau'),
      factor: z.number().gt(0, { error: 'schedule.factor must be between 0 and 1' }).lt(1, { error: 'schedule.factor must be between 0 and 1' }).default(0.5),
      patience: nonNegInt('schedule.patience').default(10),
      threshold: nonNegNum('schedule.threshold').default(1e-4),
      minLr: nonNegNum('schedule.minLr').default(0),
    }),
  ],
  { error: 'schedule kind must be one of constant, step, cosine, plateau' },
);
export type ScheduleConfig = z.infer<typeof ScheduleSchema>;

export const SplitSchema = z
  .object({
    train: fraction('split.train').optional(),
    val: fraction('split.val').default(0.1),
    test: fraction('split.test').default(0.1),
  })
  .superRefine((s, ctx) => {
    const train = s.train ?? 1 - s.val - s.test;
    if (train <= 0) ctx.addIssue({ code: 'custom', path: ['val'], message: `split.val + split.test must be below 1 (got ${s.val} + ${s.test})` });
    if (train + s.val + s.test > 1 + 1e-9) ctx.addIssue({ code: 'custom', path: ['train'], message: `split fractions add up to ${train + s.val + s.test}, more than 1` });
  });
export type SplitConfig = z.infer<typeof SplitSchema>;

export const TrainingSectionSchema = z
  .object({
    optimizer: OptimizerSchema.prefault({ kind: 'sgd' }),
    /** L2 weight decay (sgd, adam: added to the gradient; adamw: decoupled). */
    weightDecay: nonNegNum('weightDecay').default(0),
    schedule: ScheduleSchema.prefault({ kind: 'constant' }),
    /** Linear warm-up of the learning rate from ~0 to lr over this many epochs (updated every batch). */
    warmupEpochs: nonNegInt('warmupEpochs').default(0),
    /** Clip the global gradient norm to this value (null: no clipping). */
    gradClipNorm: posNum('gradClipNorm').nullable().default(null),
    /**
     * Decay of the exponential moving average of the weights that validation, best-epoch selection and
     * the stored model use (0: off, the raw weights, as CGCNN's main.py).
     */
    emaDecay: z.number().min(0, { error: 'emaDecay must be between 0 and 0.9999' }).max(0.9999, { error: 'emaDecay must be below 1 (0: off)' }).default(0),
    /** Loss; null picks MSE for regression heads and cross-entropy for classification. */
    loss: z.enum(LOSSES, { error: `loss must be one of ${LOSSES.join(', ')}` }).nullable().default(null),
    /** δ of the Huber loss (in normalised target units). */
    huberDelta: posNum('huberDelta').default(1),
    batchSize: posInt('batchSize').default(256),
    epochs: epochsField('epochs').default(30),
    /** Stop when the selection metric has not improved for this many epochs (null: never). */
    earlyStoppingPatience: posInt('earlyStoppingPatience').nullable().default(null),
    /** Standardise regression targets to mean 0, std 1 on the training set (CGCNN does). */
    normalizeTargets: z.boolean().default(true),
    split: SplitSchema.prefault({}),
    /** k-fold cross-validation over train+val (test held out); null: single split. */
    kFold: z.number().int().min(2, { error: 'kFold must be at least 2 (or null for a single split)' }).nullable().default(null),
    seed: seedField('seed').default(123),
    /** Shuffle the training set every epoch. */
    shuffle: z.boolean().default(true),
  });
export type TrainingSection = z.infer<typeof TrainingSectionSchema>;

/** An architecture's part of the config schema: its id (the config's `architecture`) and its own `model` fields. */
export interface ArchitectureSchemaPart {
  id: string;
  fields: z.ZodRawShape;
}

/** The config of one architecture: `architecture` is its id, `model` the common fields plus its own. */
export function architectureConfigSchema(part: ArchitectureSchemaPart) {
  return z.object({
    schemaVersion: z.literal(1, { error: 'schemaVersion must be 1' }).default(1),
    /** Preset id this config started from (informational). */
    preset: z.string().optional(),
    architecture: z.literal(part.id),
    model: z.object({ ...commonModelFields, ...part.fields }).prefault({}),
    graph: GraphSettingsSchema.prefault({}),
    training: TrainingSectionSchema.prefault({}),
  });
}

/**
 * The whole config schema: one variant per architecture, discriminated by `architecture`
 * (fields of other architectures are dropped), and the cross-field rules.
 */
export function modelConfigSchema(parts: readonly ArchitectureSchemaPart[]) {
  if (parts.length === 0) throw new Error('a model config schema needs at least one architecture');
  const ids = parts.map((p) => p.id).join(', ');
  const variants = parts.map(architectureConfigSchema) as [ReturnType<typeof architectureConfigSchema>, ...ReturnType<typeof architectureConfigSchema>[]];
  return z.discriminatedUnion('architecture', variants, { error: `architecture must be one of ${ids}` }).superRefine((c, ctx) => {
    const loss = c.training.loss;
    const cls = c.model.head.kind === 'classification';
    if (cls && loss !== null && loss !== 'cross-entropy')
      ctx.addIssue({ code: 'custom', path: ['training', 'loss'], message: `a classification head needs loss cross-entropy, not ${loss}` });
    if (!cls && loss === 'cross-entropy')
      ctx.addIssue({ code: 'custom', path: ['training', 'loss'], message: `cross-entropy needs a classification head, not ${c.model.head.kind}` });
  });
}
export type ModelConfigSchema = ReturnType<typeof modelConfigSchema>;

/** A validated config with every default filled (parse one with the engine's registry). */
export interface ModelConfig {
  schemaVersion: 1;
  preset?: string;
  /** The architecture's id (the engine's registry lists them). */
  architecture: string;
  model: ModelSection;
  graph: GraphSettings;
  training: TrainingSection;
}

/** What callers may write: every field with a default is optional. */
export interface ModelConfigInput {
  schemaVersion?: 1;
  preset?: string;
  architecture: string;
  model?: z.input<typeof ModelSectionSchema> & Record<string, unknown>;
  graph?: z.input<typeof GraphSettingsSchema>;
  training?: z.input<typeof TrainingSectionSchema>;
}

export class ModelConfigError extends Error {
  constructor(public readonly issues: string[]) {
    super(`invalid model config:\n  ${issues.join('\n  ')}`);
    this.name = 'ModelConfigError';
  }
}

function formatIssues(error: z.ZodError): string[] {
  return error.issues.map((i) => {
    const path = i.path.length ? i.path.map(String).join('.') : '(root)';
    return `${path}: ${i.message}`;
  });
}

/** Validates against `schema` (see {@link modelConfigSchema}) and fills defaults. */
export function safeParseConfigWith(schema: ModelConfigSchema, input: unknown): { ok: true; config: ModelConfig } | { ok: false; issues: string[] } {
  const r = schema.safeParse(input);
  return r.success ? { ok: true, config: r.data as ModelConfig } : { ok: false, issues: formatIssues(r.error) };
}

/** Validates against `schema` and fills defaults; throws {@link ModelConfigError} listing every problem. */
export function parseConfigWith(schema: ModelConfigSchema, input: unknown): ModelConfig {
  const r = safeParseConfigWith(schema, input);
  if (!r.ok) throw new ModelConfigError(r.issues);
  return r.config;
}

/** Width of the atom input vector (for embedding: the number of species). */
export function atomInputLength(c: ModelConfig): number {
  const a = c.model.atomInput;
  return a.kind === 'embedding' ? a.numSpecies : a.length;
}

/** Output width of the head: targets per graph/atom or number of classes. */
export function headOutputs(c: ModelConfig): number {
  const h = c.model.head;
  return h.kind === 'classification' ? h.numClasses : h.numTargets;
}

/** The loss actually used (resolves the null default). */
export function resolvedLoss(c: ModelConfig): LossKind {
  return c.training.loss ?? (c.model.head.kind === 'classification' ? 'cross-entropy' : 'mse');
}

/** Deep merge of plain objects (arrays and primitives replace). */
export function mergeConfig<T>(base: T, override: unknown): T {
  if (override === undefined) return base;
  if (!isPlain(base) || !isPlain(override)) return override as T;
  const out: Record<string, unknown> = { ...(base as Record<string, unknown>) };
  for (const [k, v] of Object.entries(override)) {
    // switching a discriminated union's kind drops the old variant's fields
    const prev = out[k];
    if (isPlain(prev) && isPlain(v) && 'kind' in v && 'kind' in prev && v.kind !== prev.kind) out[k] = v;
    else out[k] = mergeConfig(prev, v);
  }
  return out as T;
}

/** A problem with one field of a config: its dotted path and what is wrong. */
export interface ConfigIssue {
  path: string;
  message: string;
}

/** Issues as `path: message` lines (the config itself, an empty path, as `(root)`, as zod's issues are written). */
export function issueLines(issues: readonly ConfigIssue[]): string[] {
  return issues.map((i) => `${i.path || '(root)'}: ${i.message}`);
}

/**
 * The fields of a config as given (`input`) that its parse (`parsed`) dropped because the schema does
 * not know them — a misspelt or misplaced key (`"seed"` beside `"training"` instead of in it), or a
 * field of another architecture or schedule kind — as `path: message` pairs. Configs a user gives
 * (a --config file, the form, `models.checkConfig`) are refused with these; stored models' configs
 * are not checked, so a file written before a field was removed still opens.
 */
export function unknownFields(input: unknown, parsed: unknown, at: string[] = []): ConfigIssue[] {
  if (!isPlain(input) || !isPlain(parsed)) return [];
  return Object.keys(input).flatMap((k) => {
    if (input[k] === undefined) return [];
    const path = [...at, k];
    if (!(k in parsed)) {
      const known = Object.keys(parsed).sort().join(', ');
      return [{ path: path.join('.'), message: `unknown field "${k}"${at.length ? ` in ${at.join('.')}` : ''} (known: ${known})` }];
    }
    return unknownFields(input[k], parsed[k], path);
  });
}

/**
 * {@link unknownFields} of a config a user gives (`given`, as parsed into `parsed`). A fine-tuning
 * run keeps its source's model, so only the training section it is given is checked.
 */
export function unknownGivenFields(given: unknown, parsed: unknown, fineTuning: boolean): ConfigIssue[] {
  if (!fineTuning) return unknownFields(given, parsed);
  const training = (x: unknown) => ({ training: isPlain(x) ? x.training : undefined });
  return unknownFields(training(given), training(parsed));
}

function isPlain(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
