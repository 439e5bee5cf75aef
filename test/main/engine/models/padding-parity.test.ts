/**
 * PARITY where CGCNN pads: a molecule in a box (ethanol, every atom with fewer than 12 neighbours
 * within 8 Å). CGCNN pads with index 0 of the structure pymatgen reads, whose CifParser sorts the
 * sites by electronegativity (H H H H H H C C O, the file's C C O H…): the graph pads with that site,
 * and the published model predicts what CGCNN's forward pass in PyTorch gives
 * (scripts/engine/cgcnn_reference.py, run here), within 1e-4 — the CIF and a POSCAR of it alike.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStructures, writePoscar } from '../../../../src-shared/chem/index';
import type { Structure } from '../../../../src-shared/chem/structure';
import { importCgcnnCheckpoint } from '../../../../src-main/engine/import/cgcnn';
import { graphForModel, predictStructures } from '../../../../src-main/engine/models/predict';
import { instantiateModel, type LoadedModel } from '../../../../src-main/engine/models/runtime';
import { initBackend } from '../../../../src-main/engine/tf/backend';
import { python } from '../../../helpers/python';
import { shared } from '../../../helpers/shared-data';

const ROOT = fileURLToPath(new URL('../../../..', import.meta.url));
const CIF = path.join(ROOT, 'test/fixtures/structures/ethanol_box.cif');
const MODEL = shared('cgcnn-pretrained', 'formation-energy-per-atom.pth.tar');

interface Reference {
  predictions: number[];
  firstSites: { species: string; frac: [number, number, number] }[];
}

/** The site of s at fractional position f (periodic), or -1. */
function siteAt(s: Structure, f: readonly number[]): number {
  const frac = s.frac!;
  for (let i = 0; i < s.numbers.length; i++) {
    const d = [0, 1, 2].map((k) => {
      const x = frac[3 * i + k] - f[k];
      return x - Math.round(x);
    });
    if (Math.hypot(...d) < 1e-6) return i;
  }
  return -1;
}

describe('CGCNN padding: the site pymatgen reads first (ethanol in a box)', () => {
  const cif = readStructures('ethanol_box.cif', readFileSync(CIF, 'utf8')).structures[0];
  let model: LoadedModel;
  let reference: Reference;
  beforeAll(async () => {
    await initBackend({ force: 'cpu' });
    model = instantiateModel(importCgcnnCheckpoint(new Uint8Array(readFileSync(MODEL)), { fileName: 'formation-energy-per-atom.pth.tar' }));
    reference = JSON.parse(python([path.join(ROOT, 'scripts/engine/cgcnn_reference.py'), MODEL, shared('cgcnn-sample-regression', 'atom_init.json'), CIF])) as Reference;
  });
  afterAll(() => model.dispose());

  it("pads every atom with pymatgen's site 0 (the first H, file site 3), not the file's site 0 (C)", () => {
    const first = siteAt(cif, reference.firstSites[0].frac);
    expect([first, cif.species[first], reference.firstSites[0].species]).toEqual([3, 'H', 'H']);
    const g = graphForModel(model, cif);
    const padNeighbors = new Set(Array.from(g.neighbor).filter((_, e) => g.padded![e]));
    expect([g.padSite, [...padNeighbors]]).toEqual([first, [first]]);
  });

  it("predicts CGCNN's formation energy within 1e-4 (CIF and POSCAR)", () => {
    const poscar = readStructures('POSCAR', writePoscar(cif)).structures[0];
    const preds = predictStructures(model, [cif, poscar]).map((p) => p.prediction[0]);
    expect(reference.predictions[0]).toBeCloseTo(-0.478456, 5);
    for (const p of preds) expect(Math.abs(p - reference.predictions[0])).toBeLessThan(1e-4);
  });
});
