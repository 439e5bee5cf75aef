import { describe, expect, it } from 'vitest';
import { batchFiles, compareNames, isIgnoredName } from '../../../src-renderer/lib/files';

describe('file helpers', () => {
  it('skips hidden files and OS clutter', () => {
    expect(isIgnoredName('data/.DS_Store')).toBe(true);
    expect(isIgnoredName('__MACOSX/a.cif')).toBe(true);
    expect(isIgnoredName('Thumbs.db')).toBe(true);
    expect(isIgnoredName('data/NaCl.cif')).toBe(false);
  });
  it('batches by count and size, giving an oversized file a batch of its own', () => {
    const f = (n: number) => ({ text: 'x'.repeat(n) });
    expect(batchFiles([f(1), f(1), f(1)], 2, 100).map((b) => b.length)).toEqual([2, 1]);
    expect(batchFiles([f(60), f(30), f(200), f(1), f(1)], 10, 100).map((b) => b.length)).toEqual([2, 1, 2]);
    expect(batchFiles([])).toEqual([]);
  });
  it('sorts names naturally', () => {
    expect(['f10.cif', 'f2.cif', 'F1.cif'].sort(compareNames)).toEqual(['F1.cif', 'f2.cif', 'f10.cif']);
  });
});
