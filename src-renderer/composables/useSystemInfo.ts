/**
 * What the status bar shows: the core's system info (backend, database, version,
 * mode) and the connection state. Module-level state: one copy for the app.
 */
import { computed, readonly, ref, shallowRef } from 'vue';
import { plural } from '../../src-shared/text';
import type { SystemInfo } from '../../src-shared/ipc/contract';
import { connectionRefused, connectionState, getApi, reconnect, transportMode } from '../api/client';
import { whenConnected } from './whenConnected';
import { errorMessage } from '../lib/format';

const info = shallowRef<SystemInfo | null>(null);
const error = ref<string | null>(null);
/** Whether the page was ever connected: a page still starting up has not lost anything. */
const wasConnected = ref(false);
/** The page has lost its host: it was connected and is not now, or the host refused it. */
const lost = computed(() => connectionRefused.value !== null || (wasConnected.value && connectionState.value !== 'connected'));
let started = false;

async function load(): Promise<void> {
  try {
    info.value = await getApi().system.info({});
    error.value = null;
  } catch (e) {
    error.value = errorMessage(e);
  }
}

/** Better backends that were not used, as one line per backend (for a tooltip). */
export function backendTooltip(i: SystemInfo | null): string {
  if (!i) return '';
  const lines = [`Tensor backend in use: ${i.backend.name}`];
  const { kernelThreads, kernelThreadsNote } = i.backend;
  if (kernelThreads != null) {
    lines.push(`Latticework's SIMD kernels: ${plural(kernelThreads, 'thread')}`);
    if (kernelThreadsNote) lines.push(kernelThreadsNote);
  }
  const entries = Object.entries(i.backend.unavailable);
  if (entries.length > 0) {
    lines.push('Not used:');
    for (const [name, why] of entries) lines.push(`• ${name}: ${why}`);
  }
  return lines.join('\n');
}

export function useSystemInfo() {
  if (!started) {
    started = true;
    getApi();
    whenConnected(() => {
      wasConnected.value = true;
      void load();
    });
  }
  return {
    info: readonly(info),
    error: readonly(error),
    connection: connectionState,
    refused: connectionRefused,
    lost,
    mode: transportMode,
    reconnect,
    reload: load,
  };
}
