/** Entry point of a compute worker thread (bundled as compute-worker.js). Never imports electron. */
import { serveTasks } from './runtime';
import { taskHandlers } from './tasks';

serveTasks(taskHandlers);
