/** unknownFields: the fields of a given config that its parse dropped (misspelt, misplaced, another kind's); issueLines: how issues are written. */
import { describe, expect, it } from 'vitest';
import { issueLines, unknownFields } from '../../../src-shared/model/config';
import { parsePotentialConfig } from '../../../src-shared/model/potential';

describe('unknownFields', () => {
  it('names each field the parse dropped, at any depth, with the fields it knows there', () => {
    const input = { kind: 'potential', architecture: 'painn', seed: 7, training: { sed: 1, epochs: 3, split: { val: 0.05, tst: 0.1 } }, radial: { cutoff: 5 } };
    const found = unknownFields(input, parsePotentialConfig(input));
    expect(found.map((u) => u.path)).toEqual(['seed', 'training.sed', 'training.split.tst']);
    expect(found[0].message).toMatch(/^unknown field "seed" \(known: .*training/);
    expect(found[1].message).toMatch(/^unknown field "sed" in training \(known: .*seed/);
    expect(found[2].message).toBe('unknown field "tst" in training.split (known: test, val)');
  });

  it('finds nothing in a config whose every field is known, and skips undefined values and arrays', () => {
    const input = { kind: 'potential', architecture: 'schnet', preset: undefined, training: { epochs: 3, schedule: { kind: 'constant' } } };
    expect(unknownFields(input, parsePotentialConfig(input))).toEqual([]);
    expect(unknownFields({ a: [{ b: 1 }] }, { a: [] })).toEqual([]);
    expect(unknownFields({ a: { b: 1 } }, { a: 3 })).toEqual([]);
  });
});

describe('issueLines', () => {
  it('writes each issue as path: message, the config itself as (root)', () => {
    expect(issueLines([{ path: 'training.sed', message: 'unknown field' }, { path: '', message: 'expected an object' }])).toEqual(['training.sed: unknown field', '(root): expected an object']);
  });
});
