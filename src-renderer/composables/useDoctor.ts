/**
 * The doctor's report (`system.doctor`, the same as `latticework doctor --json`), opened from the
 * status bar. Module-level state: one panel for the app.
 */
import { readonly, ref, shallowRef } from 'vue';
import type { DoctorReport } from '../../src-shared/ipc/contract';
import { getApi } from '../api/client';
import { errorMessage } from '../lib/format';

const report = shallowRef<DoctorReport | null>(null);
const loading = ref(false);
const error = ref<string | null>(null);
const open = ref(false);

async function refresh(): Promise<void> {
  loading.value = true;
  error.value = null;
  try {
    report.value = await getApi().system.doctor({});
  } catch (e) {
    error.value = errorMessage(e);
  } finally {
    loading.value = false;
  }
}

export function useDoctor() {
  return {
    report: readonly(report),
    loading: readonly(loading),
    error: readonly(error),
    open: readonly(open),
    show(): void {
      open.value = true;
      if (!report.value && !loading.value) void refresh();
    },
    close(): void {
      open.value = false;
    },
    refresh,
  };
}
