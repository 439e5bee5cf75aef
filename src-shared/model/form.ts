/**
 * The model configuration form as data: `describeSchema` walks a zod schema (the config
 * schema the engine's registry builds) into a serialisable tree of field descriptors —
 * numbers with their bounds, enums, booleans, number lists, sections, and discriminated unions
 * with each variant's fields and defaults — with a label and a one-line hint per field. Main
 * sends the tree over the contract (`models.architectures`); the renderer draws the form from
 * it (src-renderer/lib/configSchema.ts) without importing the engine or zod schemas.
 *
 * Zod 4 introspection: every schema has `def.type` ('object', 'number', 'enum', 'default',
 * 'prefault', 'optional', 'nullable', 'union', 'array', 'literal', ...); numbers expose
 * `minValue`, `maxValue`, `isInt`.
 */

/** Form label and one-line hint of a field. */
export interface FieldHint {
  label: string;
  hint: string;
}

interface NodeBase {
  label: string;
  hint: string;
  nullable: boolean;
  optional: boolean;
}

export interface SchemaField {
  key: string;
  node: SchemaNode;
}

export interface SchemaVariant {
  /** The discriminator's value. */
  value: string;
  fields: SchemaField[];
  /** The variant with every default filled (what switching to it starts from). */
  defaults: Record<string, unknown>;
}

export type SchemaNode =
  | (NodeBase & { type: 'number'; integer: boolean; min: number | null; max: number | null })
  | (NodeBase & { type: 'enum'; options: string[] })
  | (NodeBase & { type: 'boolean' })
  | (NodeBase & { type: 'string' })
  | (NodeBase & { type: 'numberList' })
  | (NodeBase & { type: 'object'; fields: SchemaField[] })
  /** A discriminated union: the discriminator's key and one entry per variant. */
  | (NodeBase & { type: 'union'; discriminator: string; variants: SchemaVariant[] });

/** Labels and hints of the fields every config has (CGCNN's names in brackets); architectures add their own. */
export const COMMON_HINTS: Readonly<Record<string, FieldHint>> = {
  architecture: { label: 'Architecture', hint: 'Message-passing family' },
  'model.atomInput': { label: 'Atom input', hint: 'How atoms become input vectors' },
  'model.atomFeatures': { label: 'Atom features', hint: 'Node state width F in the convolutions (CGCNN atom_fea_len)' },
  'model.numLayers': { label: 'Layers', hint: 'Message-passing layers (CGCNN n_conv)' },
  'model.hiddenFeatures': { label: 'Hidden features', hint: 'Width of the MLP after pooling (CGCNN h_fea_len)' },
  'model.numHidden': { label: 'Hidden layers', hint: 'Layers after pooling (CGCNN n_h)' },
  'model.readout': { label: 'Readout', hint: 'Pooling of atoms into one vector per structure' },
  'model.set2setSteps': { label: 'Set2set steps', hint: 'Processing steps of the set2set readout' },
  'model.activation': { label: 'Activation', hint: 'Non-linearity of the layers (CGCNN: its own) and of the head' },
  'model.dropout': { label: 'Dropout', hint: 'Before the output layer, 0..1' },
  'graph.cutoff': { label: 'Cutoff (Å)', hint: 'Neighbour search radius' },
  'graph.maxNeighbors': { label: 'Max neighbours', hint: 'Nearest neighbours kept per atom (0 = no cap)' },
  'graph.gaussian.dmin': { label: 'dmin (Å)', hint: 'First Gaussian centre' },
  'graph.gaussian.dmax': { label: 'dmax (Å)', hint: 'Last Gaussian centre; empty = the cutoff' },
  'graph.gaussian.step': { label: 'Step (Å)', hint: 'Spacing of the Gaussian centres' },
  'graph.gaussian.width': { label: 'Width (Å)', hint: 'Width of each Gaussian' },
  'model.head.numTargets': { label: 'Targets', hint: 'Properties predicted at once' },
  'model.atomInput.length': { label: 'Length', hint: 'Columns of the atom input vector' },
  'model.atomInput.numSpecies': { label: 'Species', hint: 'Rows of the embedding table (atomic numbers 0..species − 1)' },
  'model.head.numClasses': { label: 'Classes', hint: 'Classes the classifier tells apart' },
  'training.optimizer.lr': { label: 'Learning rate', hint: 'Step size of the optimiser' },
  'training.optimizer.momentum': { label: 'Momentum', hint: 'SGD momentum, 0..1' },
  'training.optimizer.nesterov': { label: 'Nesterov', hint: 'Nesterov momentum' },
  'training.optimizer.beta1': { label: 'β₁', hint: 'Decay of the running mean of the gradient' },
  'training.optimizer.beta2': { label: 'β₂', hint: 'Decay of the running mean of the squared gradient' },
  'training.optimizer.epsilon': { label: 'ε', hint: 'Added to the denominator of the step' },
  'training.optimizer.amsgrad': { label: 'AMSGrad', hint: 'Adam divides by the largest second moment so far (no step grows because it decayed)' },
  'training.schedule.milestones': { label: 'Milestones', hint: 'Epochs at which the learning rate is multiplied by γ' },
  'training.schedule.gamma': { label: 'γ', hint: 'Factor of the learning rate at each milestone' },
  'training.schedule.minLr': { label: 'Lowest learning rate', hint: 'The schedule does not go below it' },
  'training.schedule.factor': { label: 'Factor', hint: 'Learning rate multiplied by it on a plateau, 0..1' },
  'training.schedule.patience': { label: 'Patience', hint: 'Epochs without improvement before the rate is reduced' },
  'training.schedule.threshold': { label: 'Threshold', hint: 'Smallest improvement of the validation loss that counts' },
  'training.huberDelta': { label: 'Huber δ', hint: 'Where the Huber loss turns from quadratic to linear (normalised target units)' },
  'graph.cgcnnPadding': { label: 'CGCNN padding', hint: 'Pad atoms with fewer neighbours with fake edges, as CGCNN' },
  'graph.envelope': { label: 'Envelope', hint: 'Smooth cosine envelope reaching 0 at the cutoff' },
  'training.weightDecay': { label: 'Weight decay', hint: 'L2 (adamw: decoupled)' },
  'training.warmupEpochs': { label: 'Warm-up epochs', hint: 'Linear learning-rate warm-up' },
  'training.gradClipNorm': { label: 'Gradient clip', hint: 'Global norm; empty = no clipping' },
  'training.emaDecay': { label: 'Weight average', hint: 'Decay of the moving average of the weights used for validation and the model (0: off)' },
  'training.loss': { label: 'Loss', hint: 'Empty = MSE for regression, cross-entropy for classification' },
  'training.earlyStoppingPatience': { label: 'Early stopping', hint: 'Epochs without improvement; empty = never' },
  'training.normalizeTargets': { label: 'Normalise targets', hint: 'Standardise targets on the training set' },
  'training.kFold': { label: 'k-fold', hint: 'Cross-validation folds; empty = single split' },
  'training.split.train': { label: 'Train', hint: 'Fraction; empty = the rest' },
  'training.split.val': { label: 'Validation', hint: 'Fraction' },
  'training.split.test': { label: 'Test', hint: 'Fraction' },
  'training.batchSize': { label: 'Batch size', hint: 'Structures per batch' },
  'training.epochs': { label: 'Epochs', hint: 'Passes over the training set' },
  'training.seed': { label: 'Seed', hint: 'Initial weights, split and shuffles' },
  'training.shuffle': { label: 'Shuffle', hint: 'Shuffle the training set every epoch' },
};

/** "atomFeatures" → "Atom features". */
export function humanize(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[-_]/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

/** The subset of a zod 4 schema object this walker reads. */
interface ZodLike {
  def: {
    type: string;
    shape?: Record<string, ZodLike>;
    innerType?: ZodLike;
    options?: ZodLike[];
    discriminator?: string;
    entries?: Record<string, string | number>;
    values?: unknown[];
    element?: ZodLike;
  };
  minValue?: number | null;
  maxValue?: number | null;
  isInt?: boolean;
  safeParse(v: unknown): { success: boolean; data?: unknown };
}

function unwrap(schema: ZodLike): { schema: ZodLike; nullable: boolean; optional: boolean } {
  let s = schema;
  let nullable = false;
  let optional = false;
  for (let guard = 0; guard < 20; guard++) {
    const t = s.def.type;
    if ((t === 'default' || t === 'prefault' || t === 'readonly' || t === 'catch' || t === 'nonoptional') && s.def.innerType) s = s.def.innerType;
    else if (t === 'optional' && s.def.innerType) {
      optional = true;
      s = s.def.innerType;
    } else if (t === 'nullable' && s.def.innerType) {
      nullable = true;
      s = s.def.innerType;
    } else break;
  }
  return { schema: s, nullable, optional };
}

function literalOf(variant: ZodLike, discriminator: string): string | null {
  const d = variant.def.shape?.[discriminator];
  if (!d) return null;
  const u = unwrap(d).schema;
  return u.def.type === 'literal' && u.def.values && u.def.values.length > 0 ? String(u.def.values[0]) : null;
}

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

function fieldsOf(shape: Record<string, ZodLike>, path: string[], hints: Readonly<Record<string, FieldHint>>, skip?: string): SchemaField[] {
  const out: SchemaField[] = [];
  for (const [key, child] of Object.entries(shape)) {
    if (key === skip) continue;
    const node = describeAt(child, [...path, key], hints);
    if (node) out.push({ key, node });
  }
  return out;
}

function describeAt(schema: ZodLike, path: string[], hints: Readonly<Record<string, FieldHint>>): SchemaNode | null {
  const u = unwrap(schema);
  const s = u.schema;
  // the root union is labelled by its discriminator (a config: `architecture`)
  const id = path.length === 0 && s.def.type === 'union' ? (s.def.discriminator ?? '') : path.join('.');
  const key = path[path.length - 1] ?? id;
  const base: NodeBase = { label: hints[id]?.label ?? humanize(key), hint: hints[id]?.hint ?? '', nullable: u.nullable, optional: u.optional };
  switch (s.def.type) {
    case 'number': {
      const bound = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x : null);
      return { ...base, type: 'number', integer: !!s.isInt, min: bound(s.minValue), max: bound(s.maxValue) };
    }
    case 'enum':
      return { ...base, type: 'enum', options: Object.values(s.def.entries ?? {}).map(String) };
    case 'boolean':
      return { ...base, type: 'boolean' };
    case 'string':
      return { ...base, type: 'string' };
    case 'array':
      return s.def.element && unwrap(s.def.element).schema.def.type === 'number' ? { ...base, type: 'numberList' } : null;
    case 'object':
      return { ...base, type: 'object', fields: fieldsOf(s.def.shape ?? {}, path, hints) };
    case 'union': {
      const disc = s.def.discriminator;
      if (!disc) return null;
      const variants: SchemaVariant[] = [];
      for (const option of s.def.options ?? []) {
        const value = literalOf(option, disc);
        if (value === null) continue;
        const parsed = option.safeParse({ [disc]: value });
        variants.push({ value, fields: fieldsOf(option.def.shape ?? {}, path, hints, disc), defaults: parsed.success && isObject(parsed.data) ? parsed.data : { [disc]: value } });
      }
      return { ...base, type: 'union', discriminator: disc, variants };
    }
    default:
      return null;
  }
}

/**
 * The descriptor tree of a schema (a config schema: a union over architectures, or an object).
 * `hints` are keyed by dotted path (`model.atomFeatures`); a field without one is labelled from
 * its key.
 */
export function describeSchema(schema: unknown, hints: Readonly<Record<string, FieldHint>> = COMMON_HINTS): SchemaNode {
  const node = describeAt(schema as ZodLike, [], hints);
  if (!node) throw new Error('describeSchema: the schema is neither an object nor a discriminated union');
  return node;
}
