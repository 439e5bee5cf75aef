/**
 * Child process for the interrupted-import test (imports.test.ts): opens a core on the database
 * given as argv[2] and imports the CGCNN folder argv[4]; the parent kills it with SIGKILL while
 * the structures are being stored.
 */
import { createCore } from '../../../src-main/app/core';

const [dbPath, dir, folder] = process.argv.slice(2);
const core = await createCore({ mode: 'browser', databasePath: dbPath, dataDirectory: dir, workers: 1, builtinModels: false });
process.stdout.write('ready\n');
const r = await core.dispatcher.dispatch('datasets', 'import', { kind: 'cgcnn-folder', path: folder, name: 'killed' }, { clientId: 'child' });
process.stdout.write(`done ${JSON.stringify(r.ok)}\n`);
