/**
 * The model configuration form, generated from the zod schema (`ModelConfigSchema` in
 * src-shared/model/config.ts): walks the schema together with a config value and returns a
 * tree of field descriptors (numbers with their bounds, enums, booleans, number lists,
 * nested sections and discriminated unions by `kind`). The form component only renders
 * this tree, so a field added to the schema appears in the form without UI changes.
 *
 * Zod 4 introspection: every schema has `def.type` ('object', 'number', 'enum', 'default',
 * 'prefault', 'optional', 'nullable', 'union', 'array', 'literal', ...); numbers expose
 * `minValue`, `maxValue`, `isInt`.
 */

/** The subset of a zod 4 schema object this walker reads. */
interface ZodLike {
  def: {
    type: string;
    shape?: Record<string, ZodLike>;
    innerType?: ZodLike;
    defaultValue?: unknown;
    options?: ZodLike[];
    discriminator?: string;
    entries?: Record<string, string | number>;
    values?: unknown[];
    element?: ZodLike;
  };
  minValue?: number | null;
  maxValue?: number | null;
  isInt?: boolean;
  safeParse?: (v: unknown) => { success: boolean; data?: unknown };
}

export type Path = string[];

interface Base {
  path: Path;
  /** Dotted path, e.g. "training.optimizer.lr" (also the field's test id suffix). */
  id: string;
  key: string;
  label: string;
  hint: string;
  nullable: boolean;
  optional: boolean;
  /** False when the field has no effect with the rest of the config (e.g. set2setSteps without a set2set readout). */
  applies: boolean;
}

export type FieldNode =
  | (Base & { kind: 'number'; integer: boolean; min: number | null; max: number | null; value: number | null | undefined })
  | (Base & { kind: 'enum'; options: string[]; value: string | null | undefined })
  | (Base & { kind: 'boolean'; value: boolean })
  | (Base & { kind: 'string'; value: string | undefined })
  | (Base & { kind: 'numberList'; value: number[] })
  | (Base & { kind: 'section'; children: FieldNode[] })
  /** A discriminated union: `options` are the values of its discriminator, `children` the chosen variant's fields. */
  | (Base & { kind: 'variant'; discriminator: string; options: string[]; value: string; children: FieldNode[] });

/** Keys of the config that the form does not show (informational or fixed). */
const HIDDEN = new Set(['schemaVersion', 'preset']);

/** Labels and one-line hints for fields whose name alone is not enough (CGCNN's names in brackets). */
const HINTS: Record<string, [string, string]> = {
  architecture: ['Architecture', 'Message-passing family'],
  'model.atomInput': ['Atom input', 'How atoms become input vectors'],
  'model.atomFeatures': ['Atom features', 'Node state width F in the convolutions (CGCNN atom_fea_len)'],
  'model.numLayers': ['Layers', 'Message-passing layers (CGCNN n_conv)'],
  'model.hiddenFeatures': ['Hidden features', 'Width of the MLP after pooling (CGCNN h_fea_len)'],
  'model.numHidden': ['Hidden layers', 'Layers after pooling (CGCNN n_h)'],
  'model.aggregation': ['Aggregation', 'Neighbour aggregation (gcn, schnet, mpnn-edge)'],
  'model.readout': ['Readout', 'Pooling of atoms into one vector per structure'],
  'model.set2setSteps': ['Set2set steps', 'Processing steps of the set2set readout'],
  'model.filterFeatures': ['Filter features', 'SchNet filter-network width'],
  'model.edgeFeatures': ['Edge features', 'mpnn-edge: width of the edge state'],
  'model.attentionHeads': ['Attention heads', 'gat: heads, averaged'],
  'model.dropout': ['Dropout', 'Before the output layer, 0..1'],
  'graph.cutoff': ['Cutoff (Å)', 'Neighbour search radius'],
  'graph.maxNeighbors': ['Max neighbours', 'Nearest neighbours kept per atom (0 = no cap)'],
  'graph.gaussian.dmax': ['dmax (Å)', 'Last Gaussian centre; empty = the cutoff'],
  'graph.cgcnnPadding': ['CGCNN padding', 'Pad atoms with fewer neighbours with fake edges, as CGCNN'],
  'graph.envelope': ['Envelope', 'Smooth cosine envelope reaching 0 at the cutoff'],
  'training.weightDecay': ['Weight decay', 'L2 (adamw: decoupled)'],
  'training.warmupEpochs': ['Warm-up epochs', 'Linear learning-rate warm-up'],
  'training.gradClipNorm': ['Gradient clip', 'Global norm; empty = no clipping'],
  'training.loss': ['Loss', 'Empty = MSE for regression, cross-entropy for classification'],
  'training.earlyStoppingPatience': ['Early stopping', 'Epochs without improvement; empty = never'],
  'training.normalizeTargets': ['Normalise targets', 'Standardise targets on the training set'],
  'training.kFold': ['k-fold', 'Cross-validation folds; empty = single split'],
  'training.split.train': ['Train', 'Fraction; empty = the rest'],
  'training.split.val': ['Validation', 'Fraction'],
  'training.split.test': ['Test', 'Fraction'],
  'training.batchSize': ['Batch size', 'Structures per batch'],
  'training.epochs': ['Epochs', 'Passes over the training set'],
  'training.seed': ['Seed', 'Initial weights, split and shuffles'],
  'training.shuffle': ['Shuffle', 'Shuffle the training set every epoch'],
};

/** "atomFeatures" → "Atom features". */
export function humanize(key: string): string {
  const words = key.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/[-_]/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1).toLowerCase();
}

interface Unwrapped {
  schema: ZodLike;
  nullable: boolean;
  optional: boolean;
  defaultValue: unknown;
}

/** Strips default/prefault/optional/nullable wrappers, remembering what they said. */
export function unwrap(schema: ZodLike): Unwrapped {
  let s = schema;
  let nullable = false;
  let optional = false;
  let defaultValue: unknown = undefined;
  for (let guard = 0; guard < 20; guard++) {
    const t = s.def.type;
    if ((t === 'default' || t === 'prefault') && s.def.innerType) {
      if (defaultValue === undefined) defaultValue = s.def.defaultValue;
      s = s.def.innerType;
    } else if (t === 'optional' && s.def.innerType) {
      optional = true;
      s = s.def.innerType;
    } else if (t === 'nullable' && s.def.innerType) {
      nullable = true;
      s = s.def.innerType;
    } else if ((t === 'readonly' || t === 'catch' || t === 'nonoptional') && s.def.innerType) {
      s = s.def.innerType;
    } else break;
  }
  return { schema: s, nullable, optional, defaultValue };
}

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function literalOf(variant: ZodLike, discriminator: string): string | null {
  const d = variant.def.shape?.[discriminator];
  if (!d) return null;
  const u = unwrap(d).schema;
  if (u.def.type === 'literal' && u.def.values && u.def.values.length > 0) return String(u.def.values[0]);
  return null;
}

/** Fields that only matter for some architectures or settings: id → test on the whole config. */
const APPLIES: Record<string, (c: unknown) => boolean> = {
  'model.aggregation': (c) => ['gcn', 'schnet', 'mpnn-edge'].includes(String(getAt(c, ['architecture']))),
  'model.set2setSteps': (c) => getAt(c, ['model', 'readout']) === 'set2set',
  'model.filterFeatures': (c) => getAt(c, ['architecture']) === 'schnet',
  'model.edgeFeatures': (c) => getAt(c, ['architecture']) === 'mpnn-edge',
  'model.attentionHeads': (c) => getAt(c, ['architecture']) === 'gat',
  'training.huberDelta': (c) => getAt(c, ['training', 'loss']) === 'huber',
};

/** Whether a field (by dotted id) has an effect in this config. */
export function fieldApplies(id: string, config: unknown): boolean {
  const f = APPLIES[id];
  return f ? f(config) : true;
}

function base(path: Path, u: Unwrapped, root: unknown): Base {
  const id = path.join('.');
  const key = path[path.length - 1] ?? '';
  const hint = HINTS[id];
  return { path, id, key, label: hint?.[0] ?? humanize(key), hint: hint?.[1] ?? '', nullable: u.nullable, optional: u.optional, applies: fieldApplies(id, root) };
}

/** Describes one schema node with its current value (`root`: the whole config, for `applies`). Returns null for what the form does not show. */
export function describeField(schema: ZodLike, value: unknown, path: Path, root: unknown = value): FieldNode | null {
  const u = unwrap(schema);
  const s = u.schema;
  const b = base(path, u, root);
  switch (s.def.type) {
    case 'number':
      return {
        ...b,
        kind: 'number',
        integer: !!s.isInt,
        min: typeof s.minValue === 'number' && Number.isFinite(s.minValue) ? s.minValue : null,
        max: typeof s.maxValue === 'number' && Number.isFinite(s.maxValue) ? s.maxValue : null,
        value: typeof value === 'number' || value === null ? value : undefined,
      };
    case 'enum':
      return { ...b, kind: 'enum', options: Object.values(s.def.entries ?? {}).map(String), value: typeof value === 'string' || value === null ? value : undefined };
    case 'boolean':
      return { ...b, kind: 'boolean', value: value === true };
    case 'string':
      return { ...b, kind: 'string', value: typeof value === 'string' ? value : undefined };
    case 'array':
      if (s.def.element && unwrap(s.def.element).schema.def.type === 'number')
        return { ...b, kind: 'numberList', value: Array.isArray(value) ? value.filter((x): x is number => typeof x === 'number') : [] };
      return null;
    case 'object': {
      const obj = isObject(value) ? value : {};
      const children: FieldNode[] = [];
      for (const [k, child] of Object.entries(s.def.shape ?? {})) {
        if (path.length === 0 && HIDDEN.has(k)) continue;
        const f = describeField(child, obj[k], [...path, k], root);
        if (f) children.push(f);
      }
      return { ...b, kind: 'section', children };
    }
    case 'union': {
      const disc = s.def.discriminator;
      const options = s.def.options ?? [];
      if (!disc) return null;
      const names = options.map((o) => literalOf(o, disc)).filter((x): x is string => x !== null);
      const obj = isObject(value) ? value : {};
      const current = typeof obj[disc] === 'string' && names.includes(obj[disc] as string) ? (obj[disc] as string) : names[0];
      const variant = options.find((o) => literalOf(o, disc) === current);
      const children: FieldNode[] = [];
      for (const [k, child] of Object.entries(variant?.def.shape ?? {})) {
        if (k === disc) continue;
        const f = describeField(child, obj[k], [...path, k], root);
        if (f) children.push(f);
      }
      return { ...b, kind: 'variant', discriminator: disc, options: names, value: current, children };
    }
    default:
      return null;
  }
}

/** The form tree of a whole config: the top-level fields (architecture) and sections (model, graph, training). */
export function describeConfig(schema: ZodLike, config: unknown): FieldNode[] {
  const top = describeField(schema, config, [], config);
  return top && top.kind === 'section' ? top.children : [];
}

/** The defaults of one variant of the discriminated union at `path` (e.g. switching the optimizer to adam). */
export function variantDefaults(schema: ZodLike, path: Path, kind: string): Record<string, unknown> {
  let s: ZodLike | undefined = schema;
  for (const k of path) {
    const u: ZodLike = unwrap(s).schema;
    s = u.def.shape?.[k];
    if (!s) break;
  }
  const union = s ? unwrap(s).schema : null;
  const disc = union?.def.discriminator ?? 'kind';
  const variant = union?.def.options?.find((o) => literalOf(o, disc) === kind);
  const parsed = variant?.safeParse?.({ [disc]: kind });
  return parsed?.success && isObject(parsed.data) ? parsed.data : { [disc]: kind };
}

export function getAt(obj: unknown, path: Path): unknown {
  let cur: unknown = obj;
  for (const k of path) {
    if (!isObject(cur)) return undefined;
    cur = cur[k];
  }
  return cur;
}

/** A copy of `obj` with `value` at `path` (objects along the path are copied, created when missing). */
export function setAt<T>(obj: T, path: Path, value: unknown): T {
  if (path.length === 0) return value as T;
  const src: Record<string, unknown> = isObject(obj) ? obj : {};
  const [k, ...rest] = path;
  const next = { ...src, [k]: setAt(src[k], rest, value) };
  if (value === undefined && rest.length === 0) delete next[k];
  return next as T;
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

/** Dotted paths of the leaves where `value` differs from `reference` (a changed variant `kind` counts at the union's path). */
export function diffPaths(reference: unknown, value: unknown, path: Path = []): string[] {
  if (isObject(reference) && isObject(value)) {
    if ('kind' in reference && 'kind' in value && reference.kind !== value.kind) return [[...path, 'kind'].join('.')];
    const keys = new Set([...Object.keys(reference), ...Object.keys(value)]);
    const out: string[] = [];
    for (const k of keys) {
      if (path.length === 0 && HIDDEN.has(k)) continue;
      out.push(...diffPaths(reference[k], value[k], [...path, k]));
    }
    return out;
  }
  return sameValue(reference ?? null, value ?? null) ? [] : [path.join('.')];
}

/** Parses the text of a number input; '' → null (for nullable fields) or undefined. */
export function parseNumberInput(text: string, nullable: boolean): number | null | undefined {
  const t = text.trim();
  if (t === '') return nullable ? null : undefined;
  const n = Number(t);
  return Number.isFinite(n) ? n : undefined;
}

/** Parses "100, 200" into [100, 200]; invalid entries are dropped. */
export function parseNumberList(text: string): number[] {
  return text
    .split(/[\s,;]+/)
    .filter((s) => s !== '')
    .map(Number)
    .filter((n) => Number.isFinite(n));
}
