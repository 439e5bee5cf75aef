/**
 * A built-in model answers on the command line to its display name ("CGCNN band gap") and to its
 * short name, the stem of the file it was made from ("band-gap"), in the spellings the lookup takes
 * for them ("Band Gap", "cgcnn-band-gap"). Every path that stores a model under a name refuses those
 * names; a model of the user's stored under one before (session 46 refused only the display name) is
 * renamed "NAME (model ID)" as the built-ins are registered, so the short name finds the built-in.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { importCgcnnCheckpoint } from '../../../src-main/engine/import/cgcnn';
import { encodeModelFile, readModelHeader } from '../../../src-main/engine/models/format';
import { ModelRepository } from '../../../src-main/models/store';
import { Database } from '../../../src-main/store/database';
import { builtinAnsweringTo, insertModel, ModelNameTakenError, registerBuiltinModels } from '../../../src-main/store/models';
import { ModelNameTakenError as RunNameTakenError, RunRecorder } from '../../../src-main/store/runs';
import { cliRun } from '../../helpers/cli-run';
import { SHARED_DATA } from '../../helpers/shared-data';

const dir = mkdtempSync(join(tmpdir(), 'latticework-builtin-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** An imported CGCNN model (efermi) under `name`, as a model file. */
const efermiNamed = (name: string) =>
  encodeModelFile(importCgcnnCheckpoint(new Uint8Array(readFileSync(join(SHARED_DATA, 'cgcnn-pretrained', 'efermi.pth.tar'))), { fileName: 'efermi.pth.tar', name }));

describe("built-in models' names", () => {
  it('a built-in answers to its name, its short name and their spellings; other names are free', async () => {
    const db = await Database.open(join(dir, 'answers.sqlite'));
    try {
      await registerBuiltinModels(db);
      for (const name of ['CGCNN band gap', 'cgcnn-band-gap', 'band-gap', 'Band Gap', 'BAND-GAP', 'band-gap.pth.tar', 'band-gap.lwm']) {
        expect(await db.read((tx) => builtinAnsweringTo(tx, name)), name).toBe('CGCNN band gap');
      }
      expect(await db.read((tx) => builtinAnsweringTo(tx, 'formation-energy-per-atom'))).toBe('CGCNN formation energy per atom');
      for (const name of ['band-gap 2', 'my band-gap', 'band_gap', 'gap']) expect(await db.read((tx) => builtinAnsweringTo(tx, name)), name).toBeNull();
    } finally {
      await db.close();
    }
  });

  it('refuses them to every path that stores a model under a name: the store, a run of train, the command line; a run of the app takes a free name', async () => {
    const path = join(dir, 'refused.sqlite');
    const db = await Database.open(path);
    const repo = new ModelRepository(path);
    try {
      await registerBuiltinModels(db);
      // the app's Import model, and any insert
      const imported = await db.transaction((tx) => insertModel(tx, efermiNamed('band-gap'), 'imported')).catch((e: unknown) => e);
      expect(imported).toBeInstanceOf(ModelNameTakenError);
      expect((imported as Error).message).toBe(
        `"band-gap" already names the built-in model "CGCNN band gap" (the command line's --model and --from take it for the built-in); give it another name`,
      );
      // a run's model is never lost to a name: it takes the first free one
      expect(await db.transaction((tx) => insertModel(tx, efermiNamed('band-gap'), 'trained', { ifTaken: 'run 3' }))).toMatchObject({ name: 'band-gap (run 3)' });
      // a run of latticework train reserving its model's name, even with --force
      const reserved = await RunRecorder.create(db, cliRun('formation-energy-per-atom', true)).catch((e: unknown) => e);
      expect(reserved).toBeInstanceOf(RunNameTakenError);
      expect((reserved as Error).message).toMatch(/^"formation-energy-per-atom" already names the built-in model "CGCNN formation energy per atom" .*; choose another --name$/);
      expect(await db.read((tx) => tx.all('SELECT id FROM run'))).toEqual([]);
      // the command line's repository (train --name, import-model --name), with --force too
      expect(await repo.saveProblem('Band Gap', { overwrite: true })).toMatch(/^"Band Gap" already names the built-in model "CGCNN band gap"/);
      expect(await repo.saveProblem('CGCNN band gap')).toBe('"CGCNN band gap" is the name of a built-in model; choose another --name');
      await expect(repo.save(importCgcnnCheckpoint(new Uint8Array(readFileSync(join(SHARED_DATA, 'cgcnn-pretrained', 'efermi.pth.tar'))), { fileName: 'efermi.pth.tar', name: 'cgcnn-band-gap' }), { overwrite: true })).rejects.toThrow(
        /already names the built-in model "CGCNN band gap"/,
      );
      expect(await repo.saveProblem('my band gap')).toBeNull();
    } finally {
      await repo.close();
      await db.close();
    }
  });

  it("a model of the user's stored under a short name before is renamed \"NAME (model ID)\": the short name finds the built-in, the new name the user's", async () => {
    const path = join(dir, 'before.sqlite');
    const db = await Database.open(path);
    let mine: { id: number; name: string };
    try {
      // stored before the built-ins were registered: nothing refused it then
      mine = await db.transaction((tx) => insertModel(tx, efermiNamed('band-gap'), 'trained'));
      const other = await db.transaction((tx) => insertModel(tx, efermiNamed('my efermi'), 'imported'));
      const { renamed } = await registerBuiltinModels(db);
      expect(renamed).toEqual([{ id: mine.id, from: 'band-gap', to: `band-gap (model ${mine.id})`, builtin: 'CGCNN band gap' }]);
      expect(await db.read((tx) => tx.get('SELECT name FROM model WHERE id = ?', [other.id]))).toEqual({ name: 'my efermi' });
      const row = (await db.read((tx) => tx.get<{ data: Uint8Array }>('SELECT data FROM model WHERE id = ?', [mine.id])))!;
      expect(readModelHeader(new Uint8Array(row.data)).name).toBe(`band-gap (model ${mine.id})`);
      // registered again: nothing more to rename
      expect((await registerBuiltinModels(db)).renamed).toEqual([]);
    } finally {
      await db.close();
    }
    const repo = new ModelRepository(path);
    try {
      expect((await repo.load('band-gap'))?.header.name).toBe('CGCNN band gap');
      expect((await repo.load(`band-gap (model ${mine.id})`))?.header.targets[0].name).toBe(readModelHeader(efermiNamed('x')).targets[0].name);
    } finally {
      await repo.close();
    }
  });
});
