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
import { Database, readingDamaged } from '../store/database';
import { JobRegistry, jobsHandlers, STOP_WAIT_MS } from '../services/jobs';
import { systemHandlers } from '../services/system';
import { structuresHandlers } from '../services/structures';
import { graphsHandlers } from '../services/graphs';
import { datasetsHandlers } from '../services/datasets';
import { modelsHandlers } from '../services/models';
import { modelRenamedNote, registerBuiltinModels } from '../store/models';
import { trainingHandlers } from '../services/training';
import { runsHandlers } from '../services/runs';
import { predictHandlers } from '../services/predict';
import { simulationsHandlers } from '../services/simulations';
import { scaleOutHandlers } from '../services/scale-out';
import { thisProcess } from '../store/owners';
import { getRun } from '../services/runs';
import { getSimulation } from '../store/simulations';

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
  /**
   * Stops: the work in progress is interrupted (resumable, what it wrote kept), the pool and the store
   * closed. Returns what each piece of work kept, one sentence each ("run 1 interrupted after 57 of
   * 500 epochs (resume it in Runs)"), for the process's last words.
   */
  dispose(): Promise<string[]>;
}

export async function createCore(options: CoreOptions): Promise<Core> {
  // Opening the store marks 'interrupted' the runs, simulations and imports whose process is gone
  // (their checkpoints and frames kept, resumable); another live process's work is left to it.
  // a store damaged inside is opened to show what can still be read; every write is refused, naming the damage and the doctor
  const db = await Database.open(options.databasePath, { owner: thisProcess(options.mode === 'desktop' ? 'the desktop app' : 'a browser-mode host'), onDamage: 'read' });
  if (db.damage) console.warn(`latticework: ${readingDamaged(db.damage)}`);
  const events = new EventHub();
  const pool = new ComputePool(options.workers ?? 2, options.workerUrl);
  const jobs = new JobRegistry(events);
  const parts = { db, events, pool, jobs, options };
  // work of another process that stops while this one runs: the views follow
  db.onInterrupted = (work) => {
    void (async () => {
      for (const id of work.runs) events.emit('training', 'onStatus', await getRun(parts, id));
      for (const id of work.simulations) {
        const r = await getSimulation(db, id);
        if (r) events.emit('simulations', 'onStatus', r);
      }
      if (work.datasets.length) events.emit('datasets', 'onChanged', { ids: work.datasets });
    })().catch(() => undefined);
  };
  if (options.builtinModels !== false && !db.damage) {
    try {
      const { inserted, renamed } = await registerBuiltinModels(db);
      for (const r of renamed) console.warn(`latticework: ${modelRenamedNote(r)}`);
      const ids = [...inserted, ...renamed.map((r) => r.id)];
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
      // the process is going away: its work is left interrupted, resumable (services/jobs.ts JobStop);
      // a worker stops at its next step and the work writes how it ended, before the store closes
      jobs.interruptAll();
      await jobs.settled(STOP_WAIT_MS);
      // a worker that did not stop in time is ended: its work ends at once (and what has not written
      // by the close is marked interrupted there, store/owners.ts interruptWorkOf)
      await pool.dispose();
      await jobs.settled(STOP_WAIT_MS);
      const late = await db.close();
      const marked = ` interrupted as the store closed (it had not written how it ended within ${STOP_WAIT_MS / 1000} s); what it wrote until then is kept`;
      return [
        ...jobs.keptSoFar(),
        ...late.simulations.map((id) => `simulation ${id}${marked}`),
        ...late.runs.map((id) => `run ${id}${marked}`),
        ...late.datasets.map((id) => `the import of dataset ${id}${marked}`),
      ];
    },
  };
}

/** What a service needs from the core to do its work. */
export type CoreParts = Pick<Core, 'db' | 'events' | 'pool' | 'jobs' | 'options'>;
