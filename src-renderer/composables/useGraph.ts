/**
 * The crystal graph of one structure and the receptive field of one of its atoms,
 * fetched from the core (graphs.build, graphs.receptiveField) as the options change
 * (debounced). Fresh state per call.
 */
import { reactive, ref, shallowRef, watch } from 'vue';
import type { Ref } from 'vue';
import type { GraphView, ReceptiveFieldView } from '../../src-shared/ipc/contract';
import { getApi } from '../api/client';
import { errorMessage } from '../lib/format';

export interface GraphOptions {
  cutoff: number;
  /** null: no cap. */
  maxNeighbors: number | null;
}

/** CGCNN's defaults. */
export const DEFAULT_GRAPH_OPTIONS: GraphOptions = { cutoff: 8, maxNeighbors: 12 };
export const MAX_LAYERS = 6;

export function useGraph(structureId: Ref<number | null>) {
  const options = reactive<GraphOptions>({ ...DEFAULT_GRAPH_OPTIONS });
  const graph = shallowRef<GraphView | null>(null);
  const loading = ref(false);
  const error = ref<string | null>(null);

  /** Receptive field: the atom (site) and number of layers T. */
  const site = ref<number | null>(null);
  const layers = ref(2);
  const field = shallowRef<ReceptiveFieldView | null>(null);
  const fieldLoading = ref(false);
  const fieldError = ref<string | null>(null);

  let graphToken = 0;
  let fieldToken = 0;
  let graphTimer: ReturnType<typeof setTimeout> | null = null;
  let fieldTimer: ReturnType<typeof setTimeout> | null = null;

  async function loadGraph(): Promise<void> {
    const id = structureId.value;
    const token = ++graphToken;
    if (id === null) {
      graph.value = null;
      return;
    }
    loading.value = true;
    try {
      const g = await getApi().graphs.build({ structureId: id, cutoff: options.cutoff, maxNeighbors: options.maxNeighbors });
      if (token === graphToken) {
        graph.value = g;
        error.value = null;
      }
    } catch (e) {
      if (token === graphToken) {
        graph.value = null;
        error.value = errorMessage(e);
      }
    } finally {
      if (token === graphToken) loading.value = false;
    }
  }

  async function loadField(): Promise<void> {
    const id = structureId.value;
    const s = site.value;
    const token = ++fieldToken;
    if (id === null || s === null) {
      field.value = null;
      fieldError.value = null;
      return;
    }
    fieldLoading.value = true;
    try {
      const rf = await getApi().graphs.receptiveField({
        structureId: id,
        site: s,
        layers: layers.value,
        cutoff: options.cutoff,
        maxNeighbors: options.maxNeighbors,
      });
      if (token === fieldToken) {
        field.value = rf;
        fieldError.value = null;
      }
    } catch (e) {
      if (token === fieldToken) {
        field.value = null;
        fieldError.value = errorMessage(e);
      }
    } finally {
      if (token === fieldToken) fieldLoading.value = false;
    }
  }

  function debounce(which: 'graph' | 'field', delay = 120): void {
    if (which === 'graph') {
      if (graphTimer) clearTimeout(graphTimer);
      graphTimer = setTimeout(() => void loadGraph(), delay);
    } else {
      if (fieldTimer) clearTimeout(fieldTimer);
      fieldTimer = setTimeout(() => void loadField(), delay);
    }
  }

  watch(structureId, () => {
    site.value = null;
    field.value = null;
    void loadGraph();
  }, { immediate: true });
  watch(
    () => [options.cutoff, options.maxNeighbors],
    () => {
      debounce('graph');
      debounce('field');
    },
  );
  watch([site, layers], () => debounce('field', 60));

  return { options, graph, loading, error, site, layers, field, fieldLoading, fieldError, reload: loadGraph };
}
