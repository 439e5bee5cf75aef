/**
 * Models on the command line: the database's model repository (imported models listed by their
 * headers), the one cache of loaded models (least recently used evicted and disposed), and the
 * prediction rows `latticework predict` prints.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readStructures } from '../../../src-shared/chem/index';
import { importCgcnnCheckpoint } from '../../../src-main/engine/import/cgcnn';
import { instantiateModel } from '../../../src-main/engine/models/runtime';
import { initBackend } from '../../../src-main/engine/tf/backend';
import { ModelCache } from '../../../src-main/models/cache';
import { predictRows } from '../../../src-main/models/service';
import { ModelRepository } from '../../../src-main/models/store';
import { SHARED_DATA } from '../../helpers/shared-data';

const PRE = `${SHARED_DATA}/cgcnn-pretrained`;
// imported under names of their own: a file's own name (band-gap) is the built-in's short name, refused to another model
const dir = mkdtempSync(join(tmpdir(), 'lw-service-'));
const repo = new ModelRepository(join(dir, 'models.sqlite'));
beforeAll(async () => {
  await initBackend({ force: 'wasm' });
  for (const m of ['band-gap', 'efermi']) await repo.save(importCgcnnCheckpoint(new Uint8Array(readFileSync(join(PRE, `${m}.pth.tar`))), { fileName: `${m}.pth.tar`, name: `user-${m}` }));
});
afterAll(async () => {
  await repo.close();
  rmSync(dir, { recursive: true, force: true });
});

it('lists stored models and keeps loaded ones in an LRU cache, disposing what it evicts', async () => {
  const imported = (await repo.list()).filter((s) => s.source === 'cgcnn-import' && !s.name.startsWith('CGCNN'));
  expect(imported.map((s) => [s.name, s.task, s.architecture, s.targets[0].unit])).toEqual([
    ['user-efermi', 'regression', 'cgcnn', 'eV'],
    ['user-band-gap', 'regression', 'cgcnn', 'eV'],
  ]);
  const cache = new ModelCache(1);
  let loads = 0;
  const load = (name: string) => async () => {
    loads++;
    return instantiateModel((await repo.load(name))!);
  };
  const bandGap = await load('user-band-gap')();
  const a = cache.get('band-gap', () => bandGap);
  expect(cache.get('band-gap', () => { throw new Error('a kept model is not loaded again'); })).toBe(a);
  const efermi = await load('user-efermi')();
  const b = cache.get('efermi', () => efermi);
  expect(b).not.toBe(a);
  expect(loads).toBe(2);
  expect(a.members[0].trainableVariables()[0].isDisposed).toBe(true); // evicted and disposed
  expect(b.members[0].trainableVariables()[0].isDisposed).toBe(false);
  const file = join(PRE, '../cgcnn-sample-regression/9012304.cif');
  const report = predictRows(b, [{ file: '9012304.cif', structure: readStructures(file, readFileSync(file, 'utf8')).structures[0] }]);
  expect(report).toMatchObject({ model: 'user-efermi', task: 'regression', unit: 'eV' });
  const ref = readFileSync(join(PRE, 'reference-predictions-sample.csv'), 'utf8').split('\n').find((l) => l.startsWith('efermi,9012304,'))!;
  expect(Math.abs((report.predictions[0].prediction as number) - Number(ref.split(',')[2]))).toBeLessThan(1e-4);
  cache.clear();
  expect(b.members[0].trainableVariables()[0].isDisposed).toBe(true);
});
