import { watch } from 'vue';
import { connectionState } from '../api/client';

/**
 * Calls load now if the core is connected, and again each time the connection is
 * (re)established: how the shared composables fill and refresh their state.
 */
export function whenConnected(load: () => void): void {
  watch(
    connectionState,
    (s) => {
      if (s === 'connected') load();
    },
    { immediate: true },
  );
}
