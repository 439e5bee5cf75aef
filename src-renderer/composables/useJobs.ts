/**
 * Long-running jobs the renderer started (dataset import, graph statistics, prediction):
 * their latest `jobs.onProgress` event by job id, and cancellation (`jobs.cancel`).
 * Module-level state: one subscription for the app.
 */
import { computed, ref } from 'vue';
import type { ComputedRef } from 'vue';
import type { JobProgress } from '../../src-shared/ipc/contract';
import { getApi } from '../api/client';
import { errorMessage, newJobId } from '../lib/format';

const jobs = ref<Record<string, JobProgress>>({});
const cancelErrors = ref<Record<string, string>>({});
let started = false;

function start(): void {
  if (started) return;
  started = true;
  getApi().jobs.onProgress((p) => {
    jobs.value = { ...jobs.value, [p.jobId]: p };
  });
}

/** Asks the core to stop a job; an error (e.g. unknown job) is kept for the UI. */
async function cancel(jobId: string): Promise<boolean> {
  try {
    const r = await getApi().jobs.cancel({ jobId });
    return r.cancelled;
  } catch (e) {
    cancelErrors.value = { ...cancelErrors.value, [jobId]: `Cancel failed: ${errorMessage(e)}` };
    return false;
  }
}

/** Fraction done in [0, 1], or null when the total is unknown. */
export function jobFraction(p: JobProgress | null | undefined): number | null {
  if (!p || p.total === null || p.total <= 0) return null;
  return Math.max(0, Math.min(1, p.done / p.total));
}

export function useJobs() {
  start();
  return {
    /** A fresh job id with this prefix (subscribe before calling the method that starts it). */
    newJob: (prefix: string) => newJobId(prefix),
    progress: (jobId: string | null): ComputedRef<JobProgress | null> => computed(() => (jobId ? (jobs.value[jobId] ?? null) : null)),
    get: (jobId: string | null): JobProgress | null => (jobId ? (jobs.value[jobId] ?? null) : null),
    cancel,
    cancelError: (jobId: string | null): string | null => (jobId ? (cancelErrors.value[jobId] ?? null) : null),
  };
}
