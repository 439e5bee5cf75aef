import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { graphCommand } from '../../../src-main/cli/commands/graph';
import { PRINT_CHUNK_CHARS, printPieces } from '../../../src-main/cli/command';
import { main } from '../../../src-main/cli/index';
import { SHARED_DATA } from '../../helpers/shared-data';

const DATA = `${SHARED_DATA}/cgcnn-sample-regression`;

async function run(argv: string[], cwd = DATA): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await graphCommand.run({ argv, cwd, io: { out: (t) => out.push(t), err: (t) => err.push(t) } });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

interface Golden {
  name: string;
  cgcnn?: { count: number[]; first12: number[][] };
}
const golden: Golden[] = JSON.parse(readFileSync(new URL('../../shared/graph/fixtures/reference-neighbors.json', import.meta.url), 'utf8'));

describe('latticework graph', () => {
  it('--json prints parallel edge arrays with CGCNN defaults', async () => {
    const r = await run(['1000041.cif', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc).toHaveLength(1);
    const s = doc[0];
    expect(s.cutoff).toBe(8);
    expect(s.maxNeighbors).toBe(12);
    expect(s.file).toBe('1000041.cif');
    expect(s.nNodes).toBe(8);
    expect(s.nEdges).toBe(96);
    for (const key of ['src', 'dst', 'distance', 'image']) expect(s.edges[key]).toHaveLength(96);
    expect(s.edges.image[0]).toHaveLength(3);
    // NaCl: every atom's 12 nearest are 6 at a/2 and 6 at a/√2, as pymatgen says
    const ref = golden.find((g) => g.name === 'cod/1000041.cif')!.cgcnn!;
    for (let i = 0; i < 8; i++) {
      const d = s.edges.distance.slice(12 * i, 12 * i + 12);
      expect(s.edges.src.slice(12 * i, 12 * i + 12)).toEqual(new Array(12).fill(i));
      for (let t = 0; t < 12; t++) expect(Math.abs(d[t] - ref.first12[i][t])).toBeLessThan(1e-6);
    }
  });

  it('--cutoff, --max-neighbors all and several files', async () => {
    const r = await run(['1000050.cif', '9009743.cif', '--cutoff', '5', '--max-neighbors', 'all', '--json']);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.out);
    expect(doc.map((s: { maxNeighbors: number | null }) => s.maxNeighbors)).toEqual([null, null]);
    expect(doc.map((s: { file: string }) => s.file)).toEqual(['1000050.cif', '9009743.cif']);
    for (const s of doc) {
      expect(Math.max(...s.edges.distance)).toBeLessThanOrEqual(5);
      expect(s.edges.src.length).toBe(s.nEdges);
    }
  });

  it('reads POSCAR and XYZ, pads like CGCNN on request, prints text by default', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-graph-'));
    writeFileSync(join(dir, 'POSCAR'), 'Cu fcc\n1.0\n3.6 0 0\n0 3.6 0\n0 0 3.6\nCu\n4\nDirect\n0 0 0\n0.5 0.5 0\n0.5 0 0.5\n0 0.5 0.5\n');
    writeFileSync(join(dir, 'water.xyz'), '3\nwater\nO 0 0 0\nH 0.96 0 0\nH -0.24 0.93 0\n');
    const text = await run(['POSCAR', 'water.xyz', '--cutoff', '3'], dir);
    expect(text.code).toBe(0);
    expect(text.out).toMatch(/POSCAR.*4 atoms, 48 edges/);
    expect(text.out).toMatch(/water\.xyz.*3 atoms, 6 edges.*3 atom\(s\) with fewer than 12/);
    const padded = JSON.parse((await run(['water.xyz', '--cutoff', '3', '--max-neighbors', '4', '--pad', '--json'], dir)).out);
    const s = padded[0];
    expect(s.nEdges).toBe(12);
    expect(s.padded.filter((p: number) => p === 1)).toHaveLength(6);
    expect(s.edges.distance.filter((d: number) => d === 4)).toHaveLength(6);
    // to the site CGCNN would read first from a CIF of it (pymatgen sorts by electronegativity): the first H, in any format
    expect(s.edges.dst.filter((_: number, e: number) => s.padded[e] === 1)).toEqual([1, 1, 1, 1, 1, 1]);
  });

  it('reports unreadable files and bad usage', async () => {
    const missing = await run(['nope.cif', '1000050.cif', '--json']);
    expect(missing.code).toBe(1);
    const doc = JSON.parse(missing.out);
    expect(doc).toHaveLength(2);
    expect(doc[0]).toEqual({ file: 'nope.cif', error: { name: 'FileNotFound', message: 'no such file', line: null } });
    expect(doc[1].file).toBe('1000050.cif');
    expect((await run([])).code).toBe(2);
    expect((await run(['x.cif', '--cutoff', '-1'])).code).toBe(2);
    expect((await run(['x.cif', '--max-neighbors', 'many'])).code).toBe(2);
    expect((await run(['x.cif', '--max-neighbors', 'all', '--pad'])).code).toBe(2);
    expect((await run(['x.cif', '--bogus'])).code).toBe(2);
    // a cutoff whose neighbour pairs would fill the memory is bad usage, said at once
    const far = await run(['1000041.cif', '--cutoff', '1e4', '--json']);
    expect([far.code, far.out, far.err]).toEqual([2, '', expect.stringMatching(/^latticework graph: --cutoff 10000: 1000041\.cif: about \S+ neighbour pairs within 10000 Å, more than the 100,000,000 a neighbour list is built for$/)]);
    const text = await run(['nope.cif']);
    expect(text.err).toMatch(/nope\.cif: no such file/);
  });

  it('a CIF data block that cannot be read is an entry {file, block, error} beside the blocks read; exit status 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-graph-blocks-'));
    const cell = '_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n';
    const block = (name: string, group: string) => `data_${name}\n${cell}_symmetry_space_group_name_H-M '${group}'\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 0 0 0\n`;
    writeFileSync(join(dir, 'blocks.cif'), block('good', 'F m -3 m') + block('bad', 'Q 9'));
    const r = await run(['blocks.cif', '--json'], dir);
    expect(r.code).toBe(1);
    const doc = JSON.parse(r.out);
    expect(doc).toHaveLength(2);
    expect(doc[0].nNodes).toBe(4);
    expect(doc[1]).toEqual({ file: 'blocks.cif', block: 'bad', error: { name: 'StructureParseError', message: expect.stringMatching(/^line 22: data block 'bad': the space group 'Q 9' is not/), line: 22 } });
  });

  it("says where the graph is not the structure: a shell of two elements the cap splits, a partially occupied site (\"warnings\"; stderr in text)", async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lw-graph-warnings-'));
    const cell = '_cell_length_a 3.905\n_cell_length_b 3.905\n_cell_length_c 3.905\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n';
    const sites = (rows: string[]) => `loop_\n_atom_site_label\n_atom_site_type_symbol\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\n_atom_site_occupancy\n${rows.join('\n')}\n`;
    writeFileSync(join(dir, 'SrTiO3.cif'), `data_SrTiO3\n${cell}_symmetry_space_group_name_H-M 'P 1'\n` + sites(['Sr1 Sr 0 0 0 1', 'Ti1 Ti 0.5 0.5 0.5 1', 'O1 O 0.5 0 0.5 1', 'O2 O 0 0.5 0.5 1', 'O3 O 0.5 0.5 0 1']));
    writeFileSync(join(dir, 'CuAu.cif'), `data_CuAu\n${cell}_symmetry_space_group_name_H-M 'P 1'\n` + sites(['Cu1 Cu 0 0 0 0.5', 'Au1 Au 0 0 0 0.5']));
    const r = await run(['SrTiO3.cif', 'CuAu.cif', '--json'], dir);
    expect(r.code).toBe(0);
    const [perovskite, disordered] = JSON.parse(r.out);
    expect(perovskite.warnings).toEqual([expect.stringMatching(/^sites 2–4 \(O\): the 12-neighbour cut at 2\.761 Å splits 12 equidistant neighbours of O and Sr: the graph keeps 10, the lower site numbers; the same structure with its sites in another order/)]);
    // what the reader said of the structure first, as the text says it on stderr
    expect(disordered.warnings).toEqual(['2 partially occupied site(s) kept with their occupancies (the structure is disordered)', expect.stringMatching(/^sites 0–1 are partially occupied \(Cu 0\.5, Au 0\.5\)/)]);
    // no cap, no cut
    expect(JSON.parse((await run(['SrTiO3.cif', '--max-neighbors', 'all', '--json'], dir)).out)[0].warnings).toEqual([]);
    const text = await run(['SrTiO3.cif'], dir);
    expect(text.code).toBe(0);
    expect(text.err).toMatch(/^SrTiO3\.cif \(SrTiO3\): warning: sites 2–4 \(O\): the 12-neighbour cut/);
  });

  it('--json on stdout (latticework graph) is written chunk by chunk, waiting for stdout to drain: the same document, however many edges (V8 strings stop at ~512 MB)', async () => {
    const chunks: string[] = [];
    const out: string[] = [];
    const write = async (text: string) => {
      chunks.push(text);
      await new Promise((done) => setImmediate(done)); // stdout full: drains later
    };
    // 8 atoms of NaCl, every neighbour within 40 Å: ~94,000 edges, several megabytes of JSON
    const argv = ['1000041.cif', 'nope.cif', '--cutoff', '40', '--max-neighbors', 'all', '--json'];
    const code = await main(['graph', ...argv], { out: (t) => out.push(t), err: () => {}, write }, DATA);
    expect([code, out]).toEqual([1, []]);
    expect(chunks.length).toBeGreaterThan(2);
    const text = chunks.join('');
    expect(text.endsWith(']\n')).toBe(true);
    const doc = JSON.parse(text);
    expect(doc[0].nEdges).toBeGreaterThan(65536);
    for (const key of ['src', 'dst', 'distance', 'image']) expect(doc[0].edges[key]).toHaveLength(doc[0].nEdges);
    expect(doc[1]).toEqual({ file: 'nope.cif', error: { name: 'FileNotFound', message: 'no such file', line: null } });
    // what one JSON.stringify of the document printed (and an io without write still gets)
    expect(text).toBe(`${JSON.stringify(doc)}\n`);
    expect((await run(argv)).out).toBe(JSON.stringify(doc));
  });

  it('printPieces writes a piece longer than a chunk whole, the rest in chunks, in order, each after the last was taken', async () => {
    const written: string[] = [];
    let pending = 0;
    const write = async (text: string) => {
      expect(pending).toBe(0);
      pending++;
      written.push(text);
      await new Promise((done) => setImmediate(done));
      pending--;
    };
    const long = 'x'.repeat(PRINT_CHUNK_CHARS + 10);
    const pieces = [long, 'a', 'b'.repeat(PRINT_CHUNK_CHARS - 1), 'c'];
    await printPieces({ out: () => expect.unreachable(), err: () => {}, write }, pieces);
    expect(written).toEqual([long, `a${'b'.repeat(PRINT_CHUNK_CHARS - 1)}`, 'c\n']);
  });
});
