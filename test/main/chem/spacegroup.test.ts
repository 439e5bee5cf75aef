import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { readStructures, summarizeStructure } from '../../../src-shared/chem';
import { cellVolume } from '../../../src-shared/chem/lattice';
import { findSpaceGroup, standardCell } from '../../../src-main/chem/spacegroup';

const ROOT = new URL('../../..', import.meta.url).pathname;
const golden = JSON.parse(readFileSync(`${ROOT}test/fixtures/chem/spacegroups.json`, 'utf8')) as { symprec: number; numbers: Record<string, number[]> };
const read = (path: string) => readStructures(path, readFileSync(`${ROOT}${path}`, 'utf8')).structures;

describe('space groups (moyo) against spglib', () => {
  it('equal spglib’s numbers at symprec 0.01 on real CIFs of every crystal system', () => {
    const files = Object.keys(golden.numbers);
    expect(files.length).toBeGreaterThanOrEqual(26);
    const ours = Object.fromEntries(files.map((f) => [f, read(f).map((s) => findSpaceGroup(s, golden.symprec)?.number)]));
    expect(ours).toEqual(golden.numbers);
    const systems = new Set(files.flatMap((f) => read(f).map((s) => findSpaceGroup(s)!.crystalSystem)));
    expect([...systems].sort()).toEqual(['cubic', 'hexagonal', 'monoclinic', 'orthorhombic', 'tetragonal', 'triclinic', 'trigonal']);
  });

  it('a molecule has none', () => {
    const [water] = readStructures('w.xyz', '3\nwater\nO 0 0 0\nH 0.76 0.59 0\nH -0.76 0.59 0\n').structures;
    expect(findSpaceGroup(water)).toBeNull();
  });

  it('standard primitive and conventional cells keep the group, the formula and the density', () => {
    const [nacl] = read('../shared/data/cgcnn-sample-regression/1000041.cif');
    const prim = standardCell(nacl, 'primitive');
    expect(prim.numbers.length).toBe(2);
    expect(cellVolume(prim.lattice!)).toBeCloseTo(cellVolume(nacl.lattice!) / 4, 6);
    expect(findSpaceGroup(prim)?.number).toBe(225);
    expect(summarizeStructure(prim).formula).toBe('NaCl');
    const conv = standardCell(prim, 'conventional');
    expect(conv.numbers.length).toBe(8);
    expect(findSpaceGroup(conv)?.number).toBe(225);
    const [anatase] = read('../shared/data/cgcnn-sample-regression/7206075.cif');
    expect(standardCell(anatase, 'primitive').numbers.length).toBe(6);
  });

  it('a disordered structure keeps its partial sites in the standard cell', () => {
    const [s] = read('test/fixtures/chem/spacegroups/skutterudite-disordered.cif');
    const before = summarizeStructure(s);
    const prim = standardCell(s, 'primitive');
    const after = summarizeStructure(prim);
    expect(findSpaceGroup(prim)?.number).toBe(204);
    const ratio = before.nSites / after.nSites;
    for (const [el, n] of Object.entries(before.composition)) expect(after.composition[el]).toBeCloseTo(n / ratio, 6);
  });
});
