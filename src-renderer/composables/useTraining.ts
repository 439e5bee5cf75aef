/**
 * Starting and steering training runs: start a run on a dataset with a configuration, pause,
 * resume (also an interrupted run, from its last checkpoint) and cancel. The run shown on the
 * Training dashboard is module-level so that leaving and coming back keeps it.
 * Progress, curves and the runs list live in useRuns (one subscription for the app).
 */
import { computed, readonly, ref } from 'vue';
import type { RunRecord } from '../../src-shared/ipc/contract';
import { getApi } from '../api/client';
import { useRuns } from './useRuns';
import { whileBusy } from './whileBusy';

const currentRunId = ref<number | null>(null);
const starting = ref(false);
const startError = ref<string | null>(null);
const busy = ref<Record<number, boolean>>({});

export interface StartRequest {
  datasetId: number;
  config: Record<string, unknown>;
  name?: string;
  tags?: string[];
  /** Fine-tuning: the stored model the run starts from (config then gives training settings), its frozen depth and head choice. */
  from?: number;
  freeze?: number;
  head?: 'auto' | 'keep' | 'new';
  /** A potential's seed ensemble of this many members. */
  ensemble?: number;
}

function start(req: StartRequest): Promise<RunRecord | null> {
  const runs = useRuns();
  return whileBusy(starting, startError, async () => {
    const r = await getApi().training.start({
      datasetId: req.datasetId,
      config: req.config,
      ...(req.name ? { name: req.name } : {}),
      ...(req.tags && req.tags.length ? { tags: req.tags } : {}),
      ...(req.ensemble && req.ensemble > 1 ? { ensemble: req.ensemble } : {}),
      ...(req.from !== undefined ? { from: req.from, freeze: req.freeze ?? 0, ...(req.head ? { head: req.head } : {}) } : {}),
    });
    runs.upsert(r);
    currentRunId.value = r.id;
    return r;
  });
}

/** Pauses, resumes or cancels a run: a run action of useRuns (its refusal is the runs' one action error). */
async function control(action: 'pause' | 'resume' | 'cancel', runId: number, keepBest?: boolean): Promise<RunRecord | null> {
  const runs = useRuns();
  busy.value = { ...busy.value, [runId]: true };
  let run: RunRecord | null = null;
  try {
    await runs.act(
      `${action} run ${runs.runLabel(runId)}`,
      async () => {
        const api = getApi().training;
        run = action === 'cancel' ? await api.cancel({ runId, keepBest: !!keepBest }) : await api[action]({ runId });
        runs.upsert(run);
      },
      [runId],
    );
    return run;
  } finally {
    busy.value = { ...busy.value, [runId]: false };
  }
}

function show(runId: number | null): void {
  currentRunId.value = runId;
}

export function useTraining() {
  useRuns();
  return {
    currentRunId: readonly(currentRunId),
    starting: readonly(starting),
    startError,
    busy: computed(() => busy.value),
    start,
    pause: (runId: number) => control('pause', runId),
    resume: (runId: number) => control('resume', runId),
    /** Stops a run; keepBest keeps the best model so far as the run's model. */
    cancel: (runId: number, keepBest = false) => control('cancel', runId, keepBest),
    show,
  };
}
