import { describe, expect, it } from 'vitest';
import type { PredictionRow } from '../../../src-shared/ipc/contract';
import { predictionFailureText, predictionLabels, predictionOrder, predictionsCsv } from '../../../src-renderer/lib/predictions';

const row = (structureId: number, name: string, prediction: number, std: number | null): PredictionRow => ({ structureId, name, modelId: 1, model: 'm', prediction, std, units: 'eV/atom', perAtom: null, warnings: [] });
const rows = [row(3, 'b', 0.5, 0.1), row(1, 'a10', -1.2, null), row(2, 'a9', 0.5, 0.3), row(10, 'c', Number.NaN, 0.2)];

describe('the Predict table order', () => {
  it('sorts by prediction either way, ties in row order, a missing value last', () => {
    expect(predictionOrder(rows, {}, 'prediction', 'asc')).toEqual([1, 0, 2, 3]);
    expect(predictionOrder(rows, {}, 'prediction', 'desc')).toEqual([0, 2, 1, 3]);
  });
  it('sorts by spread with single models (no std) last, by id, and by the label shown in natural order', () => {
    expect(predictionOrder(rows, {}, 'std', 'desc')).toEqual([2, 3, 0, 1]);
    expect(predictionOrder(rows, {}, 'structureId', 'asc')).toEqual([1, 2, 0, 3]);
    expect(predictionOrder(rows, {}, 'structure', 'asc')).toEqual([2, 1, 0, 3]);
    expect(predictionOrder(rows, { 10: 'A first' }, 'structure', 'asc')).toEqual([3, 2, 1, 0]);
  });
});

describe('the Predict view names a structure that failed', () => {
  it('by its formula and the file it was dropped as, as the table names structures (not by its database id alone)', () => {
    const labels = predictionLabels([
      { id: 4012, formula: 'Og', name: 'og', file: '/tmp/drop/og.cif', block: null },
      { id: 4013, formula: 'Md', name: 'md', file: 'md.vasp', block: null },
    ]);
    expect(predictionFailureText({ structureId: 4012, message: 'atom_init: no embedding for atomic number 118' }, labels)).toBe('Og · og.cif (#4012): atom_init: no embedding for atomic number 118');
    expect(predictionFailureText({ structureId: 4013, message: 'atom_init: no embedding for atomic number 101' }, labels)).toBe('Md · md.vasp (#4013): atom_init: no embedding for atomic number 101');
    // a structure the library does not list (deleted meanwhile): its id, all there is
    expect(predictionFailureText({ structureId: 9, message: 'there is no structure with id 9' }, labels)).toBe('structure #9: there is no structure with id 9');
  });
});

describe("the Predict view's CSV", () => {
  it('gives a structure named like a formula as text (after a single quote) and a negative prediction as a number', () => {
    const named = { ...row(7, '=HYPERLINK("http://evil.example","x")', -1.25, null), perAtom: [-0.5, -0.75], warnings: ['-outside the training elements'] };
    const [header, line] = predictionsCsv([named], { 7: '@Cu · =cu.cif' }).split('\n');
    expect(header).toBe('structure_id,name,structure,model,prediction,std,units,per_atom,warnings');
    expect(line).toBe(`7,"'=HYPERLINK(""http://evil.example"",""x"")",'@Cu · =cu.cif,m,-1.25,,eV/atom,'-0.5 -0.75,'-outside the training elements`);
  });
});
