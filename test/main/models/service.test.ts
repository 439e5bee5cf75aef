import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readStructures } from '../../../src-shared/chem/index';
import { importCgcnnCheckpoint } from '../../../src-main/engine/import/cgcnn';
import { ModelCache, predictRows } from '../../../src-main/models/service';
import { FolderModelRepository, modelRepository, setModelRepository } from '../../../src-main/models/store';
import { initBackend } from '../../../src-main/engine/tf/backend';
import { SHARED_DATA } from '../../helpers/shared-data';

const PRE = `${SHARED_DATA}/cgcnn-pretrained`;
const dir = mkdtempSync(join(tmpdir(), 'lw-service-'));
beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  setModelRepository(new FolderModelRepository(dir));
  for (const m of ['band-gap', 'efermi']) await modelRepository().save(importCgcnnCheckpoint(new Uint8Array(readFileSync(join(PRE, `${m}.pth.tar`))), { fileName: `${m}.pth.tar` }));
});
afterAll(() => setModelRepository(null));

it('lists stored models and keeps loaded ones in an LRU cache', async () => {
  const list = await modelRepository().list();
  expect(list.map((s) => [s.name, s.task, s.architecture, s.targets[0].unit])).toEqual([
    ['band-gap', 'regression', 'cgcnn', 'eV'],
    ['efermi', 'regression', 'cgcnn', 'eV'],
  ]);
  const cache = new ModelCache(1);
  const a = await cache.get('band-gap', '/');
  expect(await cache.get('band-gap', '/')).toBe(a);
  const b = await cache.get('efermi', '/');
  expect(b).not.toBe(a);
  expect(a.members[0].trainableVariables()[0].isDisposed).toBe(true); // evicted and disposed
  const file = join(PRE, '../cgcnn-sample-regression/9012304.cif');
  const report = predictRows(b, [{ file: '9012304.cif', structure: readStructures(file, readFileSync(file, 'utf8')).structures[0] }]);
  expect(report).toMatchObject({ model: 'efermi', task: 'regression', unit: 'eV' });
  const ref = readFileSync(join(PRE, 'reference-predictions-sample.csv'), 'utf8').split('\n').find((l) => l.startsWith('efermi,9012304,'))!;
  expect(Math.abs((report.predictions[0].prediction as number) - Number(ref.split(',')[2]))).toBeLessThan(1e-4);
  cache.clear();
  expect(b.members[0].trainableVariables()[0].isDisposed).toBe(true);
});
