/** unknownFields: the fields of a given config that its parse dropped (misspelt, misplaced, another kind's); issueLines: how issues are written. */
import { describe, expect, it } from 'vitest';
import { issueLines, OptimizerSchema, unknownFields } from '../../../src-shared/model/config';
import { runName } from '../../../src-shared/ipc/services/training';
import { parsePotentialConfig, PotentialConfigError } from '../../../src-shared/model/potential';

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

describe('optimizer', () => {
  const betaProblems = (kind: 'adam' | 'adamw', beta1: number, beta2: number) => {
    const r = OptimizerSchema.safeParse({ kind, beta1, beta2 });
    return r.success ? [] : r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
  };

  it("refuses Adam's β₁ or β₂ of 1 (its bias correction 1 − βᵗ would be 0; PyTorch refuses it too), and below 0", () => {
    for (const kind of ['adam', 'adamw'] as const) {
      expect(betaProblems(kind, 0, 0.999)).toEqual([]);
      expect(betaProblems(kind, 0.9, 0.9999999)).toEqual([]);
      expect(betaProblems(kind, 1, 1)).toEqual(['beta1: optimizer.beta1 must be at least 0 and below 1', 'beta2: optimizer.beta2 must be at least 0 and below 1']);
      expect(betaProblems(kind, -0.1, 1.5)).toEqual(['beta1: optimizer.beta1 must be at least 0 and below 1', 'beta2: optimizer.beta2 must be at least 0 and below 1']);
    }
    expect(() => parsePotentialConfig({ kind: 'potential', architecture: 'schnet', training: { optimizer: { kind: 'adamw', beta2: 1 } } })).toThrow('optimizer.beta2 must be at least 0 and below 1');
  });
});

describe('messages of bounds', () => {
  const problems = (input: unknown) => {
    try {
      parsePotentialConfig(input);
      return [];
    } catch (e) {
      return (e as PotentialConfigError).issues;
    }
  };
  const painn = (over: Record<string, unknown>) => ({ kind: 'potential', architecture: 'painn', ...over });

  it('says which bound a value is past, in the field\'s words (never zod\'s "Too big" or "must be a number")', () => {
    expect(problems(painn({ model: { maxZ: 200 } }))).toEqual(['model.maxZ: model.maxZ must be at most 118 (oganesson)']);
    expect(problems(painn({ training: { seed: -1 } }))).toEqual(['training.seed: training.seed must be 0 or more']);
    expect(problems(painn({ training: { seed: 1e30 } }))).toEqual(['training.seed: training.seed must be at most 4294967295']);
    expect(problems(painn({ training: { seed: 2.5 } }))).toEqual(['training.seed: training.seed must be a whole number']);
    expect(problems(painn({ training: { emaDecay: -0.1 } }))).toEqual(['training.emaDecay: training.emaDecay must be 0 or more']);
    expect(problems(painn({ training: { schedule: { kind: 'step', milestones: [-5, 10] } } }))).toEqual(['training.schedule.milestones.0: schedule.milestones must be at least 1']);
  });

  it('refuses more than 1,000,000 epochs and a cutoff past 30 Å, naming the field (100,000,000,000 epochs and a 10⁶ Å cutoff passed)', () => {
    expect(problems(painn({ training: { epochs: 100_000_000_000 } }))).toEqual(['training.epochs: training.epochs must be at most 1,000,000']);
    expect(problems(painn({ training: { epochs: 1e30 } }))).toEqual(['training.epochs: training.epochs must be at most 1,000,000']);
    expect(problems(painn({ training: { epochs: 0 } }))).toEqual(['training.epochs: training.epochs must be at least 1']);
    expect(problems(painn({ training: { epochs: 1_000_000 } }))).toEqual([]);
    expect(problems(painn({ radial: { cutoff: 1e6 } }))).toEqual(['radial.cutoff: radial.cutoff must be at most 30 Å (a model\'s neighbours lie within a few Å: CGCNN uses 8, SchNet 5)']);
    expect(problems(painn({ radial: { cutoff: 30 } }))).toEqual([]);
  });

  it('names a run name past 200 characters as such', () => {
    const r = runName.safeParse('x'.repeat(3000));
    expect(r.success ? null : r.error.issues.map((i) => i.message)).toEqual(['Name must be at most 200 characters (this one has 3000)']);
  });
});
