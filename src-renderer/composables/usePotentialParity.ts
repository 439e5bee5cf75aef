/**
 * A potential run's predictions on its validation and test structures (`predict.potentialParity`).
 * Fresh state per call; a newer request wins over an older one.
 */
import { ref, shallowRef } from 'vue';
import type { PotentialParityView } from '../../src-shared/ipc/contract';
import { getApi } from '../api/client';
import { errorMessage } from '../lib/format';

export function usePotentialParity() {
  const view = shallowRef<PotentialParityView | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  let token = 0;

  async function load(runId: number): Promise<void> {
    const t = ++token;
    loading.value = true;
    error.value = null;
    try {
      const v = await getApi().predict.potentialParity({ runId });
      if (t === token) view.value = v;
    } catch (e) {
      if (t !== token) return;
      view.value = null;
      error.value = errorMessage(e);
    } finally {
      if (t === token) loading.value = false;
    }
  }

  return { view, loading, error, load };
}
