/**
 * A potential's prediction on one stored structure (`predict.potential`: energy, per-atom
 * energies, forces, stress, ensemble spread, and the structure's own labels), with the structure
 * for the viewer. Fresh state per call (one per panel); a newer request wins over an older one.
 */
import { ref, shallowRef } from 'vue';
import type { PotentialPredictionView, StructureDetail } from '../../src-shared/ipc/contract';
import { getApi } from '../api/client';
import { errorMessage } from '../lib/format';

export function usePotentialPrediction() {
  const view = shallowRef<PotentialPredictionView | null>(null);
  const structure = shallowRef<StructureDetail | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);
  let token = 0;

  async function load(modelId: number, structureId: number): Promise<void> {
    const t = ++token;
    loading.value = true;
    error.value = null;
    try {
      const api = getApi();
      const [v, s] = await Promise.all([api.predict.potential({ modelId, structureId }), api.structures.get({ id: structureId })]);
      if (t !== token) return;
      view.value = v;
      structure.value = s;
    } catch (e) {
      if (t !== token) return;
      view.value = null;
      structure.value = null;
      error.value = errorMessage(e);
    } finally {
      if (t === token) loading.value = false;
    }
  }

  return { view, structure, loading, error, load };
}
