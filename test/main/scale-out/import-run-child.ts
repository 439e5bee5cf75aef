/**
 * Child process for the killed-import test (test/main/cli/scale-out.test.ts): imports the export folder argv[3] into the
 * database argv[2] and kills itself with SIGKILL as it writes the run's second batch of metrics (its second epoch), as a
 * `kill -9` of `latticework import-run` in the middle of its writes.
 */
import { importTorchRun, runFilesAt } from '../../../src-main/scale-out/import-run';
import { Database, type Tx } from '../../../src-main/store/database';

const db = await Database.open(process.argv[2]);
let metricWrites = 0;
const dies = (tx: Tx): Tx => ({
  ...tx,
  run: (sql, params) => {
    if (sql.startsWith('INSERT INTO metric') && ++metricWrites === 2) process.kill(process.pid, 'SIGKILL');
    return tx.run(sql, params);
  },
});
const transaction = db.transaction.bind(db);
db.transaction = (work) => transaction((tx) => work(dies(tx)));
await importTorchRun(db, await runFilesAt(process.argv[3]));
process.stdout.write('imported without being killed\n');
