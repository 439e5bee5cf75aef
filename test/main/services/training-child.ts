/**
 * Child process for the kill test (training.test.ts): opens a core on the database given
 * as argv[2], imports a small dataset, starts a run with many epochs and prints the run
 * id; the parent kills this process with SIGKILL while it trains.
 */
import { createCore } from '../../../src-main/app/core';
import { emtFrames, tinyConfig } from './training-fixtures';

const dbPath = process.argv[2];
const dir = process.argv[3];
const core = await createCore({ mode: 'browser', databasePath: dbPath, dataDirectory: dir, workers: 1, builtinModels: false });
const ctx = { clientId: 'child' };
const ds = await core.dispatcher.dispatch('datasets', 'import', { kind: 'extxyz', files: [{ name: 'emt.extxyz', text: emtFrames(24) }] }, ctx);
if (!ds.ok) throw new Error(ds.error.message);
const run = await core.dispatcher.dispatch('training', 'start', { datasetId: (ds.value as { id: number }).id, config: tinyConfig(200) }, ctx);
if (!run.ok) throw new Error(run.error.message);
process.stdout.write(`run ${(run.value as { id: number }).id}\n`);
