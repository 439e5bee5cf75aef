/**
 * The core of Latticework: the SQLite store, the compute pool and the services
 * behind the contract. It runs in plain Node (browser mode, command line, tests)
 * and inside Electron's main process; transports connect to it through
 * `dispatcher` and `events`.
 */
import { contract } from '../../src-shared/ipc/contract';
import type { LatticeworkHandlers } from '../../src-shared/ipc/contract';
import { ComputePool } from '../workers/pool';
import { createDispatcher } from '../ipc/dispatch';
import type { Dispatcher } from '../ipc/dispatch';
import { EventHub } from '../ipc/events';
import { Database } from '../store/database';
import { JobRegistry, jobsHandlers } from '../services/jobs';
import { systemHandlers } from '../services/system';
import { structuresHandlers } from '../services/structures';
import { graphsHandlers } from '../services/graphs';
import { datasetsHandlers, markInterruptedImports } from '../services/datasets';
import { modelsHandlers } from '../services/models';
import { registerBuiltinModels } from '../store/models';
import { trainingHandlers } from '../services/training';
import { markInterruptedRuns } from '../store/runs';
import { runsHandlers } from '../services/runs';
import { predictHandlers } from '../services/predict';
import { simulationsHandlers } from '../services/simulations';
import { scaleOutHandlers } from '../services/scale-out';
import { markInterruptedSimulations } from '../store/simulations';

export interface CoreOptions {
  mode: 'desktop' | 'browser';
  databasePath: string;
  dataDirectory: string;
  /** Worker threads for compute (default: 2, this project's machines' core count). */
  workers?: number;
  /** Overrides the compute worker script (tests). */
  workerUrl?: URL;
  /** Register the shipped models of resources/models at startup (default true). */
  builtinModels?: boolean;
}

export interface Core {
  readonly dispatcher: Dispatcher;
  readonly events: EventHub;
  readonly db: Database;
  readonly pool: ComputePool;
  readonly jobs: JobRegistry;
  readonly options: CoreOptions;
  dispose(): Promise<void>;
}

export async function createCore(options: CoreOptions): Promise<Core> {
  const db = await Database.open(options.databasePath);
  const events = new EventHub();
  const pool = new ComputePool(options.workers ?? 2, options.workerUrl);
  const jobs = new JobRegistry(events);
  const parts = { db, events, pool, jobs, options };
  // Runs and dataset imports a previous process left running are interrupted (resumable).
  await markInterruptedRuns(db);
  // Simulations a previous process left running are interrupted (their frames written so far are kept).
  await markInterruptedSimulations(db);
  await markInterruptedImports(parts);
  if (options.builtinModels !== false) {
    try {
      const ids = await registerBuiltinModels(db);
      if (ids.length) events.emit('models', 'onChanged', { ids });
    } catch (err) {
      console.warn(`latticework: the built-in models could not be registered: ${(err as Error).message}`);
    }
  }
  const handlers: LatticeworkHandlers = {
    system: systemHandlers(parts),
    structures: structuresHandlers(parts),
    graphs: graphsHandlers(parts),
    datasets: datasetsHandlers(parts),
    models: modelsHandlers(parts),
    training: trainingHandlers(parts),
    runs: runsHandlers(parts),
    predict: predictHandlers(parts),
    simulations: simulationsHandlers(parts),
    scaleOut: scaleOutHandlers(parts),
    jobs: jobsHandlers(parts),
  };
  return {
    ...parts,
    dispatcher: createDispatcher(contract, handlers),
    async dispose() {
      jobs.cancelAll();
      await pool.dispose();
      await db.close();
    },
  };
}

/** What a service needs from the core to do its work. */
export type CoreParts = Pick<Core, 'db' | 'events' | 'pool' | 'jobs' | 'options'>;
