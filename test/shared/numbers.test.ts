import { describe, expect, it } from 'vitest';
import { sameNumbers } from '../../src-shared/numbers';

describe('sameNumbers', () => {
  it('is relative for large numbers and absolute below 1', () => {
    expect(sameNumbers([1000, -2], [1000.0009, -2.0000009])).toBe(true);
    expect(sameNumbers([1000], [1000.002])).toBe(false);
    expect(sameNumbers([1e-9], [9e-7])).toBe(true);
    expect(sameNumbers([0], [2e-6])).toBe(false);
  });

  it('differs in length or with a NaN', () => {
    expect(sameNumbers([1, 2], [1])).toBe(false);
    expect(sameNumbers([Number.NaN], [Number.NaN])).toBe(false);
    expect(sameNumbers(new Float32Array([0.1]), [0.1])).toBe(true);
  });
});
