/**
 * The model configuration form: walks the config schema's descriptor tree (`SchemaNode`, from
 * main's architecture registry over the contract, see src-shared/model/form.ts) together with
 * a config value and returns a tree of field descriptors with their current values (numbers
 * with their bounds, enums, booleans, number lists, nested sections and discriminated unions
 * by `kind`). The form component only renders this tree, so a field added to the schema, or a
 * new architecture with its own fields, appears in the form without UI changes.
 *
 * The schema's root is a union over the architectures: it is shown as the `architecture` field
 * followed by the chosen architecture's sections (model, graph, training).
 */
import type { ConfigCheck } from '../../src-shared/ipc/contract';
import type { ParameterBreakdown } from '../../src-shared/model/params';
import type { ModelConfig } from '../../src-shared/model/config';
import type { SchemaField, SchemaNode, SchemaVariant } from '../../src-shared/model/form';
import { isPotentialConfig } from '../../src-shared/model/potential';

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
  /** `switchesVariant`: the field is the discriminator of the union at `path` minus its key (the architecture). */
  | (Base & { kind: 'enum'; options: string[]; value: string | null | undefined; switchesVariant?: boolean })
  | (Base & { kind: 'boolean'; value: boolean })
  | (Base & { kind: 'string'; value: string | undefined })
  | (Base & { kind: 'numberList'; value: number[] })
  | (Base & { kind: 'section'; children: FieldNode[] })
  /** A discriminated union: `options` are the values of its discriminator, `children` the chosen variant's fields. */
  | (Base & { kind: 'variant'; discriminator: string; options: string[]; value: string; children: FieldNode[] });

/** Keys of the config that the form does not show (informational or fixed). */
const HIDDEN = new Set(['schemaVersion', 'preset']);

function isObject(x: unknown): x is Record<string, unknown> {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

/** Common fields that only matter for some settings: id → test on the whole config. */
const APPLIES: Record<string, (c: unknown) => boolean> = {
  'model.set2setSteps': (c) => getAt(c, ['model', 'readout']) === 'set2set',
  'training.huberDelta': (c) => getAt(c, ['training', 'loss']) === 'huber',
  // a potential's
  'radial.envelopeExponent': (c) => getAt(c, ['radial', 'envelope']) === 'polynomial',
  'training.loss.huberDelta': (c) => getAt(c, ['training', 'loss', 'kind']) === 'huber',
};

/** Whether a field (by dotted id) has an effect in this config. */
export function fieldApplies(id: string, config: unknown): boolean {
  const f = APPLIES[id];
  return f ? f(config) : true;
}

function base(path: Path, node: SchemaNode, root: unknown): Base {
  const id = path.join('.');
  return { path, id, key: path[path.length - 1] ?? '', label: node.label, hint: node.hint, nullable: node.nullable, optional: node.optional, applies: fieldApplies(id, root) };
}

/** The variant of a union the value chooses (the first one when it names none). */
function chosen(node: SchemaNode & { type: 'union' }, value: unknown): SchemaVariant | undefined {
  const v = isObject(value) ? value[node.discriminator] : undefined;
  return node.variants.find((x) => x.value === v) ?? node.variants[0];
}

function children(fields: SchemaField[], value: unknown, path: Path, root: unknown, hidden?: Set<string>): FieldNode[] {
  const obj = isObject(value) ? value : {};
  const out: FieldNode[] = [];
  for (const f of fields) {
    if (hidden?.has(f.key)) continue;
    const n = describeField(f.node, obj[f.key], [...path, f.key], root);
    if (n) out.push(n);
  }
  return out;
}

/** Describes one schema node with its current value (`root`: the whole config, for `applies`). Returns null for what the form does not show. */
export function describeField(node: SchemaNode, value: unknown, path: Path, root: unknown = value): FieldNode | null {
  const b = base(path, node, root);
  switch (node.type) {
    case 'number':
      return { ...b, kind: 'number', integer: node.integer, min: node.min, max: node.max, value: typeof value === 'number' || value === null ? value : undefined };
    case 'enum':
      return { ...b, kind: 'enum', options: node.options, value: typeof value === 'string' || value === null ? value : undefined };
    case 'boolean':
      return { ...b, kind: 'boolean', value: value === true };
    case 'string':
      return { ...b, kind: 'string', value: typeof value === 'string' ? value : undefined };
    case 'numberList':
      return { ...b, kind: 'numberList', value: Array.isArray(value) ? value.filter((x): x is number => typeof x === 'number') : [] };
    case 'object':
      return { ...b, kind: 'section', children: children(node.fields, value, path, root) };
    case 'union': {
      const variant = chosen(node, value);
      const names = node.variants.map((v) => v.value);
      return { ...b, kind: 'variant', discriminator: node.discriminator, options: names, value: variant?.value ?? '', children: children(variant?.fields ?? [], value, path, root) };
    }
  }
}

/**
 * The form tree of a whole config: the `architecture` field (the root union's discriminator)
 * and the chosen architecture's sections (model, graph, training).
 */
export function describeConfig(schema: SchemaNode, config: unknown): FieldNode[] {
  if (schema.type === 'object') return children(schema.fields, config, [], config, HIDDEN);
  if (schema.type !== 'union') return [];
  const variant = chosen(schema, config);
  const disc = schema.discriminator;
  const selector: FieldNode = {
    path: [disc],
    id: disc,
    key: disc,
    label: schema.label,
    hint: schema.hint,
    nullable: false,
    optional: false,
    applies: true,
    kind: 'enum',
    options: schema.variants.map((v) => v.value),
    value: variant?.value,
    switchesVariant: true,
  };
  return [selector, ...children(variant?.fields ?? [], config, [], config, HIDDEN)];
}

/** The schema node at `path` (through the chosen variants of `config`'s unions). */
function nodeAt(schema: SchemaNode, path: Path, config: unknown): SchemaNode | null {
  let node: SchemaNode | null = schema;
  let value: unknown = config;
  for (const k of path) {
    if (!node) return null;
    const fields: SchemaField[] = node.type === 'object' ? node.fields : node.type === 'union' ? (chosen(node, value)?.fields ?? []) : [];
    node = fields.find((f) => f.key === k)?.node ?? null;
    value = isObject(value) ? value[k] : undefined;
  }
  return node;
}

/** The defaults of one variant of the discriminated union at `path` (e.g. switching the optimizer to adam). */
export function variantDefaults(schema: SchemaNode, path: Path, kind: string, config: unknown = {}): Record<string, unknown> {
  const node = nodeAt(schema, path, config);
  if (node?.type !== 'union') return { kind };
  return structuredClone(node.variants.find((v) => v.value === kind)?.defaults ?? { [node.discriminator]: kind });
}

/**
 * The config after switching the root union (the architecture) to `value`: the new
 * architecture's defaults, keeping the values of the fields both have (common model fields,
 * graph and training settings); the old architecture's own fields are dropped.
 */
export function switchArchitecture(schema: SchemaNode, config: Record<string, unknown>, value: string): Record<string, unknown> {
  if (schema.type !== 'union') return config;
  const defaults = schema.variants.find((v) => v.value === value)?.defaults;
  if (!defaults) return config;
  const next: Record<string, unknown> = { ...structuredClone(defaults), ...config, [schema.discriminator]: value };
  const model = isObject(defaults.model) ? defaults.model : {};
  const old = isObject(config.model) ? config.model : {};
  next.model = Object.fromEntries(Object.keys(model).map((k) => [k, k in old ? old[k] : model[k]]));
  return next;
}

/**
 * The core's normalised config and parameter count by part from a check, when the check is of a
 * property model's config and so is the draft being edited. Right after a switch of preset between a
 * potential and a property model the last check is still the other kind's (a potential's config has
 * no `graph` section): the estimate waits for the draft's own check rather than reading it.
 */
export function checkedPropertyConfig(check: ConfigCheck | null, draft: unknown): { config: ModelConfig; breakdown: ParameterBreakdown } | null {
  if (!check?.ok || !check.config || !check.breakdown) return null;
  if (isPotentialConfig(check.config) || isPotentialConfig(draft)) return null;
  return { config: check.config as unknown as ModelConfig, breakdown: check.breakdown };
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

/** The label of every field of a form tree, by dotted id. */
export function fieldLabels(nodes: readonly FieldNode[], out: Record<string, string> = {}): Record<string, string> {
  for (const n of nodes) {
    out[n.id] = n.label;
    if (n.kind === 'section' || n.kind === 'variant') fieldLabels(n.children, out);
  }
  return out;
}

/** The form field a check's issue belongs to: an entry of a list (training.schedule.milestones.0) is its list's field. */
export function issueField(path: string): string {
  return path.replace(/(\.\d+)+$/, '');
}

/** "Cutoff (Å)", or the Simulate panel's "time step / fs" → the name "Cutoff" ("time step") and the unit "Å" ("fs"). */
function splitUnit(label: string): { name: string; unit: string } {
  const m = /^(.*\S)\s+\(([^()]+)\)$/.exec(label) ?? /^(.*?\S)\s+\/\s+(\S.*)$/.exec(label);
  return m ? { name: m[1], unit: m[2] } : { name: label, unit: '' };
}

const escape = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A check's message in the form's words, the one place the config schema's names meet the form's
 * labels (the Simulate panel's refusals meet its captions here too, lib/simulation.ts): the schema's messages name fields as the JSON does, by their dotted path or a tail of it
 * ("numLayers must be at least 1", "graph.cutoff must be greater than 0", "split.val + split.test
 * …"), which the CLI's users write; under the form they read "Layers must be at least 1", "Cutoff
 * must be greater than 0 Å" (a label's unit goes after the number the message ends with) and
 * "Validation + Test …". The message's subject is named by the issue's own path; dotted names
 * elsewhere in it by any field's.
 */
export function formMessage(issue: { path: string; message: string }, labels: Readonly<Record<string, string>>): string {
  const tails = (id: string) => id.split('.').map((_, i, parts) => parts.slice(i).join('.'));
  let message = issue.message;
  let unit = '';
  const own = labels[issue.path];
  if (own) {
    const subject = tails(issue.path).find((t) => message.startsWith(t) && /^($|[\s(:])/.test(message.slice(t.length)));
    if (subject) {
      const split = splitUnit(own);
      message = split.name + message.slice(subject.length);
      unit = split.unit;
    }
  }
  // dotted names in the rest of the message, longest first (graph.gaussian.dmin before gaussian.dmin)
  const names = new Map<string, string>();
  for (const [id, label] of Object.entries(labels)) for (const t of tails(id)) if (t.includes('.') && !names.has(t)) names.set(t, splitUnit(label).name);
  for (const t of [...names.keys()].sort((a, b) => b.length - a.length)) message = message.replace(new RegExp(`(?<![\\w.])${escape(t)}(?![\\w.])`, 'g'), names.get(t)!);
  if (unit && /\d$/.test(message)) message = `${message} ${unit}`;
  return message;
}

/** What a field's text gives: a value for the draft, or the problem to show instead (an emptied or unparsable number never falls back to the last value). */
export type FieldReading<T> = { value: T } | { problem: string };

/**
 * Reads a number field's text (`badInput`: the browser's validity.badInput, text such as "1e" or "-"
 * that an `<input type="number">` reports as ''). Empty is null for a nullable field ("none"),
 * undefined for an optional one (its default), else a problem, as unparsable text is.
 */
export function readNumberField(text: string, badInput: boolean, field: { label: string; nullable: boolean; optional: boolean }): FieldReading<number | null | undefined> {
  const t = text.trim();
  if (badInput) return { problem: `${field.label}: enter a number` };
  if (t === '') return field.nullable ? { value: null } : field.optional ? { value: undefined } : { problem: `${field.label}: enter a number` };
  const n = Number(t);
  return Number.isFinite(n) ? { value: n } : { problem: `${field.label}: “${t}” is not a number` };
}

/** Reads "100, 200" (commas, semicolons or spaces) into [100, 200]; an entry that is not a number is a problem. */
export function readNumberList(text: string, label: string): FieldReading<number[]> {
  const entries = text.split(/[\s,;]+/).filter((x) => x !== '');
  const bad = entries.find((x) => !Number.isFinite(Number(x)));
  return bad === undefined ? { value: entries.map(Number) } : { problem: `${label}: “${bad}” is not a number` };
}

/**
 * The text a field shows: what the user typed while it still reads as the draft's value ("0.010",
 * "1e-3" or "100," stay as typed, not rewritten under the cursor), empty while the text is a problem
 * (the draft keeps its last value, which is not shown), else the value.
 */
export function fieldText<T>(value: T, typed: string | null, unread: boolean, read: (text: string) => FieldReading<T>, show: (v: T) => string): string {
  if (unread) return typed ?? '';
  if (typed !== null) {
    const r = read(typed);
    if ('value' in r && JSON.stringify(r.value ?? null) === JSON.stringify(value ?? null)) return typed;
  }
  return show(value);
}
