import { describe, expect, it } from 'vitest';
import { MODEL_NAME_MAX, modelNameSchema, parseModelName } from '../../../src-shared/model/names';

describe('model names (app and command line)', () => {
  it('keeps a name as given in any script, spaces around it dropped', () => {
    expect(parseModelName('résumé')).toBe('résumé');
    expect(parseModelName('rèsumè')).toBe('rèsumè');
    expect(parseModelName('名前モデル')).toBe('名前モデル');
    expect(parseModelName('  ui-cod-gat ✓ αβγ (best) ')).toBe('ui-cod-gat ✓ αβγ (best)');
    expect(parseModelName('x'.repeat(MODEL_NAME_MAX))).toHaveLength(MODEL_NAME_MAX);
  });

  it('refuses an empty, too long or multi-line name, saying why', () => {
    expect(() => parseModelName('   ')).toThrow('"   " is not usable as a model name: a model name must not be empty');
    expect(() => parseModelName('x'.repeat(201))).toThrow('a model name is at most 200 characters (this one has 201)');
    expect(() => parseModelName('two\nlines')).toThrow('a model name must not hold control characters (line breaks, tabs)');
    expect(modelNameSchema.safeParse('tab\there').success).toBe(false);
  });
});
