import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it, vi } from 'vitest';
import type { JobProgress } from '../../../src-shared/ipc/contract';
import { readStructures } from '../../../src-shared/chem';
import { receptiveField, structureNeighbors } from '../../../src-shared/graph';
import { graphWarnings } from '../../../src-shared/model/graph-warnings';
import { SpglibTest } from '../../../src-main/chem/spglib-test';
import { serveTestCore } from '../../helpers/core';
import { SHARED_DATA } from '../../helpers/shared-data';

const SAMPLE = `${SHARED_DATA}/cgcnn-sample-regression`;
const sampleDir = new URL(`file://${SAMPLE}/`);
const file = (id: string) => ({ name: `${id}.cif`, text: readFileSync(new URL(`${id}.cif`, sampleDir), 'utf8') });

const served = serveTestCore();

describe('structures service', () => {
  it('imports real CIFs in a worker, reporting progress, and stores them', async () => {
    const progress: JobProgress[] = [];
    const off = served.api.jobs.onProgress((p) => progress.push(p));
    const result = await served.api.structures.import({ files: [file('1000041'), file('9011998')] });
    off();
    expect(result.failed).toEqual([]);
    expect(result.alreadyStored).toEqual([]);
    expect(result.imported.map((r) => [r.formula, r.cellFormula, r.nSites, r.spaceGroup?.symbol])).toEqual([
      ['NaCl', 'Na4Cl4', 8, 'Fm-3m'],
      ['Si', 'Si8', 8, 'Fd-3m'],
    ]);
    expect(result.imported[0].lattice?.a).toBeCloseTo(5.62, 1);
    expect(progress.some((p) => p.jobId === result.jobId && p.state === 'finished')).toBe(true);
    expect(progress.filter((p) => p.state === 'running').map((p) => p.done)).toEqual([1, 2]);
  });

  it('stores a structure once by content, and lists and gets it back intact', async () => {
    const again = await served.api.structures.import({ files: [file('1000041')] });
    const list = await served.api.structures.list({});
    expect(list.filter((r) => r.formula === 'NaCl')).toHaveLength(1);
    expect(again.imported[0].id).toBe(list.find((r) => r.formula === 'NaCl')?.id);
    // the file added nothing: said, so that a drop is not met with silence
    expect(again.alreadyStored).toEqual([{ file: '1000041.cif', structures: 1 }]);
    const detail = await served.api.structures.get({ id: again.imported[0].id });
    const direct = readStructures('1000041.cif', file('1000041').text).structures[0];
    expect(detail.structure.numbers).toEqual(Array.from(direct.numbers));
    detail.structure.cart.forEach((x, i) => expect(x).toBeCloseTo(direct.cart[i], 10));
  });

  it("names a structure whose own name says nothing (ASE's CIF block data_image0) after its file, in the list and in what it is stored as", async () => {
    const ase = { name: 'emt-00001.cif', text: readFileSync(`${SHARED_DATA}/emt-dev/cgcnn/emt-00001.cif`, 'utf8') };
    expect(ase.text.startsWith('data_image0\n')).toBe(true);
    const [r] = (await served.api.structures.import({ files: [ase] })).imported;
    expect(r.name).toBe('emt-00001');
    expect((await served.api.structures.get({ id: r.id })).structure.name).toBe('emt-00001');
    // a name that says something is kept
    expect((await served.api.structures.import({ files: [file('1000041')] })).imported[0].name).toBe(readStructures('1000041.cif', file('1000041').text).structures[0].name);
  });

  it('finds the space group at another tolerance on request', async () => {
    const [batio3] = (await served.api.structures.import({ files: [file('1507756')] })).imported;
    expect(batio3.spaceGroup).toEqual({ number: 99, symbol: 'P4mm', crystalSystem: 'tetragonal', symprec: 0.01 });
    expect(await served.api.structures.symmetry({ id: batio3.id, symprec: 0.2 })).toMatchObject({ number: 221, symbol: 'Pm-3m' });
  });

  it('makes primitive, conventional and Niggli cells as new structures and keeps the original', async () => {
    const [nacl] = (await served.api.structures.import({ files: [file('1000041')] })).imported;
    const before = (await served.api.structures.list({})).length;
    const prim = await served.api.structures.derive({ id: nacl.id, cell: 'primitive' });
    expect(prim.id).not.toBe(nacl.id);
    expect([prim.nSites, prim.formula, prim.spaceGroup?.number]).toEqual([2, 'NaCl', 225]);
    expect(prim.volume!).toBeCloseTo(nacl.volume! / 4, 6);
    expect(prim.name).toMatch(/primitive cell/);
    const conv = await served.api.structures.derive({ id: prim.id, cell: 'conventional' });
    expect([conv.nSites, conv.spaceGroup?.number]).toEqual([8, 225]);
    const niggli = await served.api.structures.derive({ id: prim.id, cell: 'niggli' });
    expect(niggli.lattice!.a).toBeCloseTo(nacl.lattice!.a / Math.SQRT2, 6);
    expect(niggli.lattice!.alpha).toBeCloseTo(60, 6);
    const after = await served.api.structures.list({});
    expect(after.some((r) => r.id === nacl.id)).toBe(true);
    expect(after.length).toBeGreaterThanOrEqual(before + 1); // the conventional cell of the primitive one may be the original itself
    const [water] = (await served.api.structures.import({ files: [{ name: 'w.xyz', text: '3\nwater\nO 0 0 0\nH 0.76 0.59 0\nH -0.76 0.59 0\n' }] })).imported;
    await expect(served.api.structures.derive({ id: water.id, cell: 'primitive' })).rejects.toThrow(/periodic in three directions/);
  });

  it('makes a supercell (its space group searched: its crystal\'s) and the two ends of a vacancy hop in it, which a band joins', async () => {
    const [nacl] = (await served.api.structures.import({ files: [file('1000041')] })).imported;
    const big = await served.api.structures.derive({ id: nacl.id, cell: 'supercell', repeat: [2, 2, 2] });
    expect([big.nSites, big.cellFormula, big.spaceGroup?.symbol, big.name]).toEqual([64, 'Na32Cl32', 'Fm-3m', `${nacl.name} (2×2×2 supercell)`]);
    expect(big.volume!).toBeCloseTo(8 * nacl.volume!, 6);
    await expect(served.api.structures.derive({ id: nacl.id, cell: 'supercell' })).rejects.toThrow(/a supercell needs how many times to repeat the cell/);
    await expect(served.api.structures.derive({ id: nacl.id, cell: 'supercell', repeat: [0, 1, 1] })).rejects.toThrow();
    // a Na vacancy, and its nearest Na neighbour hopping into it
    const detail = await served.api.structures.get({ id: big.id });
    const na = detail.structure.numbers.map((z, i) => (z === 11 ? i : -1)).filter((i) => i > 0);
    const dist = (i: number) => Math.hypot(...[0, 1, 2].map((c) => detail.structure.cart[3 * i + c] - detail.structure.cart[c]));
    const hopper = na.reduce((best, i) => (dist(i) < dist(best) ? i : best));
    expect(detail.structure.numbers[0]).toBe(11);
    const hop = await served.api.structures.vacancyHop({ id: big.id, vacancy: 0, hopper });
    expect(hop.distance).toBeCloseTo(nacl.lattice!.a / Math.SQRT2, 4);
    expect([hop.start.nSites, hop.end.nSites, hop.start.cellFormula, hop.end.cellFormula]).toEqual([63, 63, 'Na31Cl32', 'Na31Cl32']);
    expect(hop.end.name).toBe(`${big.name}, site ${hopper} hopped into the vacancy at site 0`);
    await expect(served.api.structures.vacancyHop({ id: big.id, vacancy: 0, hopper: 0 })).rejects.toThrow(/the hopping atom is the one removed/);
    await expect(served.api.structures.vacancyHop({ id: big.id, vacancy: 64, hopper: 1 })).rejects.toThrow(/the vacancy is site 64, but the structure has sites 0 to 63/);
  });

  it("answers while it makes a large supercell and searches its space group: the search and spglib's check of it run in a compute worker, not on the host's thread", async () => {
    const [nacl] = (await served.api.structures.import({ files: [file('1000041')] })).imported;
    const onHostThread = vi.spyOn(SpglibTest.prototype, 'distance');
    const stalls = monitorEventLoopDelay({ resolution: 10 });
    try {
      const big = await served.api.structures.derive({ id: nacl.id, cell: 'supercell', repeat: [12, 12, 12] });
      stalls.enable();
      const started = performance.now();
      // asked for: a search of all 13,824 sites (through their primitive cell) and spglib's test of its operations on all of them
      const group = await served.api.structures.symmetry({ id: big.id, symprec: 0.01 });
      const took = performance.now() - started;
      stalls.disable();
      expect([big.nSites, big.spaceGroup?.symbol, group?.symbol]).toEqual([13_824, 'Fm-3m', 'Fm-3m']);
      expect(onHostThread).not.toHaveBeenCalled();
      // the host's event loop kept turning: its longest stall a small part of the call (it was most of it)
      expect(stalls.max / 1e6).toBeLessThan(took / 4);
    } finally {
      onHostThread.mockRestore();
    }
  });

  it('runs a vacancy hop as a job: its progress said, a cancel ends its search in the pool and says so, neither end stored, and the pool works on', async () => {
    const cu = { name: 'cu.xyz', text: '4\nLattice="3.615 0 0 0 3.615 0 0 0 3.615" Properties=species:S:1:pos:R:3 pbc="T T T"\nCu 0 0 0\nCu 1.8075 1.8075 0\nCu 1.8075 0 1.8075\nCu 0 1.8075 1.8075\n' };
    const [cell] = (await served.api.structures.import({ files: [cu] })).imported;
    const big = await served.api.structures.derive({ id: cell.id, cell: 'supercell', repeat: [10, 10, 10], jobId: 'derive-supercell' });
    expect([big.nSites, big.spaceGroup?.symbol]).toEqual([4000, 'Fm-3m']);
    const before = (await served.api.structures.list({})).length;
    const progress: JobProgress[] = [];
    const off = served.api.jobs.onProgress((p) => progress.push(p));
    try {
      // each end's search of its 3,999 sites (no pure translation: moyo's own search) takes seconds
      const hop = served.api.structures.vacancyHop({ id: big.id, vacancy: 0, hopper: 1, jobId: 'hop' });
      const failed = hop.then(() => null, (e: Error) => e);
      await expect.poll(() => progress.some((p) => p.jobId === 'hop' && p.state === 'running')).toBe(true);
      expect(progress.find((p) => p.jobId === 'hop')).toMatchObject({ kind: 'vacancy-hop', done: 0, total: 2, message: 'searching the space group of the start (3,999 sites)' });
      const asked = performance.now();
      expect(await served.api.jobs.cancel({ jobId: 'hop' })).toEqual({ cancelled: true });
      const error = await failed;
      // moyo's search cannot look at the signal: its worker is ended (pool.ts, 5 s after the cancel)
      expect(performance.now() - asked).toBeLessThan(8000);
      expect([error?.name, error?.message]).toEqual(['CancelledError', `the vacancy hop in structure ${big.id} was cancelled: neither end stored`]);
      expect(progress.filter((p) => p.jobId === 'hop').at(-1)?.state).toBe('cancelled');
    } finally {
      off();
    }
    expect((await served.api.structures.list({})).length).toBe(before);
    // a new worker takes the next task
    expect((await served.api.structures.derive({ id: cell.id, cell: 'primitive' })).nSites).toBe(1);
  }, 60_000);

  it('finds the space groups of structures stored before they were recorded', async () => {
    const [cscl] = (await served.api.structures.import({ files: [file('9011050')] })).imported;
    await served.t.core.db.transaction((tx) => tx.run("UPDATE structure SET space_group = NULL WHERE id = ?", [cscl.id]));
    // Listing starts the analysis in the background; the list refreshes when it is done.
    expect((await served.api.structures.list({})).find((r) => r.id === cscl.id)!.spaceGroup).toBeNull();
    await expect.poll(async () => (await served.api.structures.list({})).find((r) => r.id === cscl.id)!.spaceGroup).toMatchObject({ number: 227, crystalSystem: 'cubic' });
  });

  it('imports the blocks of a CIF it can read and reports the one it cannot, naming it and its line', async () => {
    const cell = '_cell_length_a 4\n_cell_length_b 4\n_cell_length_c 4\n_cell_angle_alpha 90\n_cell_angle_beta 90\n_cell_angle_gamma 90\n';
    const block = (name: string, group: string) => `data_${name}\n${cell}_symmetry_space_group_name_H-M '${group}'\nloop_\n_atom_site_label\n_atom_site_fract_x\n_atom_site_fract_y\n_atom_site_fract_z\nNa1 0 0 0\n`;
    const result = await served.api.structures.import({ files: [{ name: 'blocks.cif', text: block('good', 'F m -3 m') + block('bad', 'Q 9') }] });
    expect(result.imported.map((r) => r.nSites)).toEqual([4]);
    expect(result.failed).toEqual([{ file: 'blocks.cif', error: { name: 'StructureParseError', message: expect.stringMatching(/^line 22: data block 'bad': the space group 'Q 9'/), line: 22 } }]);
  });

  it('reports a malformed file with its line and still imports the others; nothing stored is lost', async () => {
    const before = await served.api.structures.list({});
    const broken = file('1507756');
    const lines = broken.text.split('\n');
    const row = lines.findIndex((l) => l.startsWith('ba Ba ')); // the first _atom_site row
    expect(row).toBeGreaterThan(0);
    lines[row] = lines[row].split(/\s+/).filter(Boolean).slice(0, 2).join(' ');
    const result = await served.api.structures.import({
      files: [{ name: 'broken.cif', text: lines.join('\n') }, file('9009743')],
    });
    expect(result.failed).toHaveLength(1);
    expect(result.failed[0].file).toBe('broken.cif');
    expect(result.failed[0].error.line).toBeGreaterThan(0);
    expect(result.failed[0].error.message).toMatch(/line \d+/);
    expect(result.imported.map((r) => r.composition)).toEqual([{ Cl: 1, Cs: 1 }]);
    const after = await served.api.structures.list({});
    expect(after.length).toBe(before.length + 1);
  });

  it('rejects a wrong argument with a validation error', async () => {
    await expect(served.api.structures.import({ files: [] })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(served.api.structures.get({ id: -3 })).rejects.toMatchObject({ name: 'ValidationError' });
    await expect(served.api.structures.get({ id: 99999 })).rejects.toMatchObject({ name: 'UserError' });
  });

  it('deletes a structure', async () => {
    const [first] = await served.api.structures.list({});
    expect(await served.api.structures.delete({ id: first.id })).toEqual({ deleted: true });
    expect(await served.api.structures.delete({ id: first.id })).toEqual({ deleted: false });
    expect((await served.api.structures.list({})).some((r) => r.id === first.id)).toBe(false);
  });

  it('ships example structures in every format, all readable', async () => {
    const { files } = await served.api.structures.examples({});
    const names = files.map((f) => f.name);
    expect(names).toEqual(expect.arrayContaining(['1000041.cif', 'Cu-fcc.POSCAR', 'benzene.xyz', 'emt-00000.extxyz']));
    const result = await served.api.structures.import({ files });
    expect(result.failed).toEqual([]);
    expect(result.imported.length).toBe(files.length);
    expect(result.imported.find((r) => r.file === 'benzene.xyz')?.lattice).toBeNull();
  });
});

describe('graphs service', () => {
  it("says where a structure's graph is not the structure: a shell of two elements that the neighbour cap splits", async () => {
    const cif = [
      'data_SrTiO3',
      ...['a', 'b', 'c'].map((x) => `_cell_length_${x} 3.905`),
      ...['alpha', 'beta', 'gamma'].map((x) => `_cell_angle_${x} 90`),
      "_symmetry_space_group_name_H-M 'P 1'",
      'loop_',
      '_atom_site_label',
      '_atom_site_fract_x',
      '_atom_site_fract_y',
      '_atom_site_fract_z',
      ...['Sr1 0 0 0', 'Ti1 0.5 0.5 0.5', 'O1 0.5 0 0.5', 'O2 0 0.5 0.5', 'O3 0.5 0.5 0'],
      '',
    ].join('\n');
    const { imported } = await served.api.structures.import({ files: [{ name: 'SrTiO3.cif', text: cif }] });
    const capped = await served.api.graphs.build({ structureId: imported[0].id, cutoff: 8, maxNeighbors: 12 });
    expect(capped.warnings).toEqual([expect.stringMatching(/^sites 2–4 \(O\): the 12-neighbour cut at 2\.761 Å splits 12 equidistant neighbours of O and Sr: the graph keeps 10/)]);
    expect((await served.api.graphs.build({ structureId: imported[0].id, cutoff: 8, maxNeighbors: null })).warnings).toEqual([]);
  });

  it('builds the crystal graph and the receptive field the shared code computes', async () => {
    const { imported } = await served.api.structures.import({ files: [file('7206075')] });
    const id = imported[0].id;
    const g = await served.api.graphs.build({ structureId: id, cutoff: 4, maxNeighbors: 12 });
    const s = readStructures('7206075.cif', file('7206075').text).structures[0];
    const nl = structureNeighbors(s, { cutoff: 4, maxNeighbors: 12 });
    expect(g.nNodes).toBe(12);
    expect(g.nEdges).toBe(nl.nEdges);
    expect(g.center).toEqual(Array.from(nl.center));
    expect(g.neighbor).toEqual(Array.from(nl.neighbor));
    expect(g.image.length).toBe(3 * g.nEdges);
    expect(g.warnings).toEqual(graphWarnings(s, nl));
    const rf = await served.api.graphs.receptiveField({ structureId: id, cutoff: 4, maxNeighbors: 12, site: 0, layers: 3 });
    expect(rf.countsPerHop).toEqual(Array.from(receptiveField(nl, 0, 3).countPerHop));
    expect(rf.countsPerHop[0]).toBe(1);
    expect(rf.nodes.filter((n) => n.hop === 1).length).toBe(rf.countsPerHop[1]);
    await expect(
      served.api.graphs.receptiveField({ structureId: id, cutoff: 4, site: 50, layers: 1 }),
    ).rejects.toMatchObject({ message: expect.stringContaining('site 50') });
  });

  it('refuses, before building it, a graph with more edges than the Graph view draws, for the graph and the receptive field alike', async () => {
    // fcc Cu, 5×5×5 cells (500 atoms, 18.05 Å): within 25 Å about 2.8 million edges, with 12 neighbours each 6,000
    const a = 3.61;
    const lines: string[] = [];
    for (let i = 0; i < 5; i++) for (let j = 0; j < 5; j++) for (let k = 0; k < 5; k++) {
      for (const [x, y, z] of [[0, 0, 0], [0.5, 0.5, 0], [0.5, 0, 0.5], [0, 0.5, 0.5]]) lines.push(`Cu ${(i + x) * a} ${(j + y) * a} ${(k + z) * a}`);
    }
    const L = 5 * a;
    const text = `500\nLattice="${L} 0 0 0 ${L} 0 0 0 ${L}" Properties=species:S:1:pos:R:3 pbc="T T T"\n${lines.join('\n')}\n`;
    const [cu] = (await served.api.structures.import({ files: [{ name: 'cu500.extxyz', text }] })).imported;
    const refusal = /^500 atoms within 25 Å make about 2,800,000 edges, more than the Graph view draws \(2,000,000\): lower the cutoff or cap the neighbours$/;
    await expect(served.api.graphs.build({ structureId: cu.id, cutoff: 25, maxNeighbors: null })).rejects.toMatchObject({ message: expect.stringMatching(refusal) });
    await expect(served.api.graphs.receptiveField({ structureId: cu.id, cutoff: 25, maxNeighbors: null, site: 0, layers: 2 })).rejects.toMatchObject({ message: expect.stringMatching(refusal) });
    expect((await served.api.graphs.build({ structureId: cu.id, cutoff: 25, maxNeighbors: 12 })).nEdges).toBe(6000);
  });
});
