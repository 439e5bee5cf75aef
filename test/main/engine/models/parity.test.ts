/**
 * PARITY: CGCNN's eight published models, imported from their .pth.tar files by our own
 * reader, predict the ten sample CIFs (read by our CIF parser, graphs by our neighbour
 * list) within 1e-4 of CGCNN's own predict.py (reference-predictions-sample.csv).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readStructures } from '../../../../src-shared/chem/index';
import type { Structure } from '../../../../src-shared/chem/structure';
import { importCgcnnCheckpoint } from '../../../../src-main/engine/import/cgcnn';
import { predictStructures } from '../../../../src-main/engine/models/predict';
import { instantiateModel, type LoadedModel } from '../../../../src-main/engine/models/runtime';
import { describeEachBackend } from '../helpers';
import { SHARED_DATA } from '../../../helpers/shared-data';

const DATA = `${SHARED_DATA}`;
const PRETRAINED = path.join(DATA, 'cgcnn-pretrained');
const MODELS = ['band-gap', 'bulk-moduli', 'efermi', 'final-energy-per-atom', 'formation-energy-per-atom', 'poisson-ratio', 'semi-metal-classification', 'shear-moduli'];

const reference = new Map<string, number>();
for (const line of readFileSync(path.join(PRETRAINED, 'reference-predictions-sample.csv'), 'utf8').trim().split('\n').slice(1)) {
  const [model, id, value] = line.split(',');
  reference.set(`${model}/${id}`, Number(value));
}
const ids = [...new Set([...reference.keys()].map((k) => k.split('/')[1]))];
const structures: Structure[] = ids.map((id) => {
  const file = path.join(DATA, 'cgcnn-sample-regression', `${id}.cif`);
  return readStructures(file, readFileSync(file, 'utf8')).structures[0];
});

it('the reference covers 8 models × 10 structures', () => {
  expect(reference.size).toBe(80);
  expect(ids.length).toBe(10);
});

describeEachBackend('CGCNN published models, parity with predict.py', () => {
  const loaded = new Map<string, LoadedModel>();
  beforeAll(() => {
    for (const m of MODELS) {
      const bytes = new Uint8Array(readFileSync(path.join(PRETRAINED, `${m}.pth.tar`)));
      loaded.set(m, instantiateModel(importCgcnnCheckpoint(bytes, { fileName: `${m}.pth.tar` })));
    }
  });
  afterAll(() => {
    for (const m of loaded.values()) m.dispose();
  });
  for (const m of MODELS) {
    it(`${m}: 10 structures within 1e-4`, () => {
      const preds = predictStructures(loaded.get(m)!, structures);
      const diffs = ids.map((id, k) => Math.abs(preds[k].prediction[0] - reference.get(`${m}/${id}`)!));
      const worst = Math.max(...diffs);
      if (worst > 1e-4) throw new Error(`${m}: max |Δ| ${worst.toExponential(2)}; per structure ${ids.map((id, k) => `${id}:${diffs[k].toExponential(1)}`).join(' ')}`);
      expect(worst).toBeLessThanOrEqual(1e-4);
    });
  }
});
