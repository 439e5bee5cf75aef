/**
 * The property card of one structure: every built-in model (CGCNN's published models) run on it,
 * one `predict.run` each, with units, conversions and training-domain warnings. Module-level so
 * that the card of the structure last asked for survives switching views.
 */
import { computed, readonly, ref, shallowRef } from 'vue';
import type { ModelRecord, PredictionRow } from '../../src-shared/ipc/contract';
import { getApi } from '../api/client';
import { errorMessage } from '../lib/format';

export interface PropertyCardEntry {
  model: ModelRecord;
  row: PredictionRow | null;
  error: string | null;
}

const structureId = ref<number | null>(null);
const entries = shallowRef<PropertyCardEntry[]>([]);
const running = ref(false);
const error = ref<string | null>(null);
let token = 0;

async function run(id: number): Promise<void> {
  const mine = ++token;
  structureId.value = id;
  entries.value = [];
  error.value = null;
  running.value = true;
  try {
    const api = getApi();
    const models = (await api.models.list({})).filter((m) => m.origin === 'builtin');
    if (models.length === 0) throw new Error('there are no built-in models in this installation');
    const out: PropertyCardEntry[] = [];
    for (const model of models) {
      if (mine !== token) return;
      try {
        const r = await api.predict.run({ modelId: model.id, structureIds: [id] });
        out.push({ model, row: r.rows[0] ?? null, error: r.rows[0] ? null : (r.failed[0]?.message ?? 'no prediction') });
      } catch (e) {
        out.push({ model, row: null, error: errorMessage(e) });
      }
      if (mine === token) entries.value = [...out];
    }
  } catch (e) {
    if (mine === token) error.value = errorMessage(e);
  } finally {
    if (mine === token) running.value = false;
  }
}

function close(): void {
  token++;
  structureId.value = null;
  entries.value = [];
  running.value = false;
  error.value = null;
}

export function usePropertyCard() {
  return {
    structureId: readonly(structureId),
    entries: computed(() => entries.value),
    running: readonly(running),
    error: readonly(error),
    run,
    close,
  };
}
