import { describe, expect, it } from 'vitest';
import { batchFiles, collectDropped, compareNames, isBinaryData, isIgnoredName, toBase64 } from '../../../src-renderer/lib/files';

/** A dropped folder as the browser's FileSystemEntry API gives it: `name` holds files and subfolders. */
type Tree = { [name: string]: Tree | string };
function entry(name: string, node: Tree | string): FileSystemEntry {
  if (typeof node === 'string') return { name, isFile: true, isDirectory: false, file: (ok: (f: File) => void) => ok(new File([node], name)) } as unknown as FileSystemEntry;
  const children = Object.entries(node).map(([n, c]) => entry(n, c));
  return {
    name,
    isFile: false,
    isDirectory: true,
    createReader: () => {
      let given = false; // readEntries gives a batch, then none
      return { readEntries: (ok: (batch: FileSystemEntry[]) => void) => setTimeout(() => ok(given ? [] : ((given = true), children))) };
    },
  } as unknown as FileSystemEntry;
}
function dropOf(name: string, tree: Tree): DataTransfer {
  return { items: [{ kind: 'file', webkitGetAsEntry: () => entry(name, tree) }] } as unknown as DataTransfer;
}

describe('file helpers', () => {
  it('skips hidden files and OS clutter', () => {
    expect(isIgnoredName('data/.DS_Store')).toBe(true);
    expect(isIgnoredName('__MACOSX/a.cif')).toBe(true);
    expect(isIgnoredName('Thumbs.db')).toBe(true);
    expect(isIgnoredName('data/NaCl.cif')).toBe(false);
  });
  it('batches by count and size, giving an oversized file a batch of its own', () => {
    const f = (n: number) => ({ name: 'a.cif', text: 'x'.repeat(n) });
    expect(batchFiles([f(1), f(1), f(1)], 2, 100).map((b) => b.length)).toEqual([2, 1]);
    expect(batchFiles([f(60), f(30), f(200), f(1), f(1)], 10, 100).map((b) => b.length)).toEqual([2, 1, 2]);
    expect(batchFiles([])).toEqual([]);
    // binary files count by their base64 size
    expect(batchFiles([{ name: 'a.gz', base64: 'x'.repeat(90) }, f(20)], 10, 100).map((b) => b.length)).toEqual([1, 1]);
  });
  it('sends compressed files, SQLite databases and other binary files as base64, by their magic bytes or a NUL byte', () => {
    const enc = (s: string) => new TextEncoder().encode(s);
    expect(isBinaryData(new Uint8Array([0x1f, 0x8b, 8, 0]))).toBe(true); // gzip
    expect(isBinaryData(enc('BZh91AY&SY'))).toBe(true); // bzip2
    expect(isBinaryData(new Uint8Array([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 0, 4]))).toBe(true); // xz
    expect(isBinaryData(enc('SQLite format 3\0 and more'))).toBe(true);
    expect(isBinaryData(enc('data_NaCl\n_cell_length_a 5.6'))).toBe(false);
    expect(isBinaryData(enc('BZh'))).toBe(false);
    // any other binary file (a NUL byte early on): an ASE trajectory's ULM header
    expect(isBinaryData(Uint8Array.from([...enc('- of UlmASE-Trajectory  '), 3, 0, 0, 0, 0, 0, 0, 0]))).toBe(true);
    expect(isBinaryData(enc('Cu\n1.0\n3.6 0 0\n0 3.6 0\n0 0 3.6\nCu\n1\nDirect\n0 0 0\n'))).toBe(false);
    const big = new Uint8Array(100_000).map((_, i) => i % 251);
    expect(Uint8Array.from(atob(toBase64(big)), (c) => c.charCodeAt(0))).toEqual(big);
  });
  it('sorts names naturally', () => {
    expect(['f10.cif', 'f2.cif', 'F1.cif'].sort(compareNames)).toEqual(['F1.cif', 'f2.cif', 'f10.cif']);
  });
  it("lists a dropped folder's subfolders, saying how many files it has found as it goes, and stops when asked", async () => {
    const tree: Tree = { a: { 'x.cif': 'data_x', 'y.cif': 'data_y' }, b: { c: { 'z.cif': 'data_z' } }, '.DS_Store': '' };
    const found: number[] = [];
    const all = await collectDropped(dropOf('set', tree), { onFound: (n) => found.push(n) });
    expect(all.map((f) => f.path)).toEqual(['set/a/x.cif', 'set/a/y.cif', 'set/b/c/z.cif']);
    expect(found).toEqual([1, 2, 3]);
    // a cancel while listing: the listing ends, with what it had found
    const some = await collectDropped(dropOf('set', tree), { stopped: () => found.length >= 5, onFound: (n) => found.push(n) });
    expect(some.map((f) => f.path)).toEqual(['set/a/x.cif', 'set/a/y.cif']);
  });
});
