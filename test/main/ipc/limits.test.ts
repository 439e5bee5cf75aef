/**
 * Every argument of every contract method is bounded (issue 18, item 1): each string and array in the
 * argument schemas has a maximum length, and free-form JSON (a record) is only accepted through
 * `storedJsonObject()`, which bounds depth and size. The only unbounded strings are the contents of
 * dropped files, bounded by the host's message limit (`maxMessageBytes`) and parsed, never stored as
 * sent. The walk reads zod 4's schema definitions, so a new unbounded field fails here by name.
 */
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { contract } from '../../../src-shared/ipc/contract';
import { MAX_STORED_JSON_DEPTH, nestsDeeperThan } from '../../../src-shared/ipc/limits';

interface Def {
  type: string;
  checks?: { _zod: { def: { check: string } } }[];
  [key: string]: unknown;
}
const defOf = (s: unknown) => (s as { _zod: { def: Def } })._zod.def;
const hasCheck = (d: Def, check: string) => (d.checks ?? []).some((c) => c._zod.def.check === check);

/** Dropped files' contents: bounded by the host's message size, read by the parsers, not stored as sent. */
const FILE_CONTENTS = /\.files\[\]\.(text|base64)$/;

function unbounded(schema: unknown, path: string, out: string[]): void {
  const d = defOf(schema);
  switch (d.type) {
    case 'object':
      for (const [k, v] of Object.entries(d.shape as Record<string, unknown>)) unbounded(v, `${path}.${k}`, out);
      return;
    case 'optional':
    case 'nullable':
    case 'default':
    case 'readonly':
    case 'nonoptional':
    case 'catch':
      unbounded(d.innerType, path, out);
      return;
    case 'pipe':
      unbounded(d.in, path, out);
      return;
    case 'union':
      (d.options as unknown[]).forEach((o) => unbounded(o, path, out));
      return;
    case 'intersection':
      unbounded(d.left, path, out);
      unbounded(d.right, path, out);
      return;
    case 'tuple':
      (d.items as unknown[]).forEach((o, i) => unbounded(o, `${path}[${i}]`, out));
      return;
    case 'array':
      if (!hasCheck(d, 'max_length')) out.push(`${path} (array without a maximum length)`);
      unbounded(d.element, `${path}[]`, out);
      return;
    case 'string':
      if (!hasCheck(d, 'max_length') && !FILE_CONTENTS.test(path)) out.push(`${path} (string without a maximum length)`);
      return;
    case 'record':
      // storedJsonObject(): a record refined by the depth and size check
      if (!hasCheck(d, 'custom')) out.push(`${path} (record without a depth and size check)`);
      return;
    case 'number':
    case 'int':
    case 'boolean':
    case 'enum':
    case 'literal':
    case 'null':
    case 'undefined':
      return;
    default:
      out.push(`${path} (schema of type ${d.type}: not checked by this test, bound it and teach the test)`);
  }
}

describe('contract argument limits', () => {
  it('bounds every string and array of every method argument; free-form JSON only through storedJsonObject', () => {
    const found: string[] = [];
    let methods = 0;
    for (const [service, spec] of Object.entries(contract)) {
      for (const [name, m] of Object.entries(spec.methods)) {
        methods++;
        unbounded((m as { input: z.ZodType }).input, `${service}.${name}`, found);
      }
    }
    expect(methods).toBeGreaterThan(40);
    expect(found).toEqual([]);
  });

  it('the walk would see an unbounded field', () => {
    const found: string[] = [];
    unbounded(contract.system.methods.ping.input, 'system.ping', found);
    expect(found).toEqual([]);
    // fields without their maximum
    unbounded(z.object({ message: z.string(), list: z.array(z.number()), json: z.record(z.string(), z.unknown()) }), 'probe', found);
    expect(found).toEqual(['probe.message (string without a maximum length)', 'probe.list (array without a maximum length)', 'probe.json (record without a depth and size check)']);
  });

  it('finds nesting deeper than the stored limit without recursion', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(nestsDeeperThan(deep, MAX_STORED_JSON_DEPTH)).toBe(true);
    expect(nestsDeeperThan({ a: { b: [1, 2, { c: 3 }] } }, MAX_STORED_JSON_DEPTH)).toBe(false);
  });
});
