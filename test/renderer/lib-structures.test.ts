import { describe, expect, it } from 'vitest';
import { alreadyStoredNote, groupStructures, matchesSearch, structureLabel } from '../../src-renderer/lib/structures';
import type { StructureRecord } from '../../src-shared/ipc/contract';

const rec = (over: Partial<StructureRecord>): StructureRecord => ({
  id: 1,
  name: 'x',
  file: 'x.cif',
  block: null,
  format: 'cif',
  formula: 'NaCl',
  cellFormula: 'Na4Cl4',
  composition: { Na: 4, Cl: 4 },
  nSites: 8,
  lattice: null,
  volume: null,
  spaceGroup: { number: 225, symbol: 'Fm-3m', crystalSystem: 'cubic', symprec: 0.01 },
  datasets: [],
  warnings: [],
  createdAt: 0,
  ...over,
});

describe('structure labels, search and groups', () => {
  it('labels tell structures apart: dataset ids, frames, files', () => {
    expect(structureLabel({ name: '1000041', file: 'sample/1000041.cif', block: '1000041' })).toBe('1000041.cif');
    expect(structureLabel({ name: 'emt-00007', file: 'emt_dataset.extxyz', block: 7 })).toBe('emt-00007 · emt_dataset.extxyz · frame 7');
    expect(structureLabel({ name: '7', file: 'emt_dataset.extxyz', block: 7 })).toBe('emt_dataset.extxyz · frame 7');
    // a frame the reader named by its number: said once, not 'frame 0 · cu4000.extxyz · frame 0'
    expect(structureLabel({ name: 'frame 0', file: 'cu4000.extxyz', block: 0 })).toBe('cu4000.extxyz · frame 0');
    expect(structureLabel({ name: 'Cu fcc', file: 'Cu-fcc.POSCAR', block: null })).toBe('Cu fcc · Cu-fcc.POSCAR');
    // a VASP output's last of 10 frames: its ionic step (its name), then the frame as `--frames` counts it
    expect(structureLabel({ name: 'step 10', file: 'OUTCAR', block: 9 })).toBe('step 10 · OUTCAR · frame 9');
    // a CIF written by ASE, dropped on the window: its block name image0 says nothing
    expect(structureLabel({ name: 'image0', file: '/home/me/Cu3Au.cif', block: null })).toBe('Cu3Au.cif');
    expect(structureLabel({ name: ' ', file: 'x/Cu.cif', block: null })).toBe('Cu.cif');
  });

  it('says of a dropped file that adds nothing that its structures are stored already', () => {
    expect(alreadyStoredNote({ file: 'runs/cu.db', structures: 5 })).toBe('cu.db: all 5 structures already stored');
    expect(alreadyStoredNote({ file: 'NaCl.cif', structures: 1 })).toBe('NaCl.cif: its structure is already stored');
  });

  it('search matches formula, space group and dataset, every word', () => {
    const r = rec({ datasets: [{ id: 3, name: 'EMT alloys' }] });
    expect(matchesSearch(r, 'nacl fm-3m')).toBe(true);
    expect(matchesSearch(r, '225 emt')).toBe(true);
    expect(matchesSearch(r, 'kcl')).toBe(false);
  });

  it('opened files first, then one group per dataset', () => {
    const groups = groupStructures([rec({ id: 1 }), rec({ id: 2, datasets: [{ id: 5, name: 'A' }] }), rec({ id: 3, datasets: [{ id: 5, name: 'A' }, { id: 6, name: 'B' }] })]);
    expect(groups.map((g) => [g.key, g.items.map((r) => r.id)])).toEqual([
      ['opened', [1]],
      ['dataset-5', [2, 3]],
      ['dataset-6', [3]],
    ]);
  });
});
