/**
 * Entry point of a compute worker thread (bundled as compute-worker.js). Never imports electron.
 * A worker started with `workerData.role === 'replica'` is a data-parallel training replica (./parallel/replica).
 */
import { workerData } from 'node:worker_threads';
import { serveTasks } from './runtime';
import { taskHandlers } from './tasks';

if ((workerData as { role?: string } | null)?.role === 'replica') void import('./parallel/replica').then((m) => m.serveReplica());
else serveTasks(taskHandlers);
