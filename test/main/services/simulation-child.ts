/**
 * Child process for the kill test (simulations.test.ts): opens a core on the database given as
 * argv[2], imports a copper crystal, starts a long MD run and prints its id; the parent kills this
 * process with SIGKILL while it runs.
 */
import { createCore } from '../../../src-main/app/core';
import { SIMULATION_DEFAULTS } from '../../../src-shared/sim';
import { copperPoscar } from './simulation-fixtures';

const dbPath = process.argv[2];
const dir = process.argv[3];
const core = await createCore({ mode: 'browser', databasePath: dbPath, dataDirectory: dir, workers: 1, builtinModels: false });
const ctx = { clientId: 'child' };
const imported = await core.dispatcher.dispatch('structures', 'import', { files: [{ name: 'Cu.vasp', text: copperPoscar(3) }] }, ctx);
if (!imported.ok) throw new Error(imported.error.message);
const structureId = (imported.value as { imported: { id: number }[] }).imported[0].id;
const run = await core.dispatcher.dispatch(
  'simulations',
  'start',
  { structureId, calculator: { kind: 'emt' }, parameters: { ...SIMULATION_DEFAULTS.md, steps: 1_000_000, every: 5 } },
  ctx,
);
if (!run.ok) throw new Error(run.error.message);
process.stdout.write(`simulation ${(run.value as { id: number }).id}\n`);
