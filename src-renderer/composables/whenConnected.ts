import { effectScope, watch } from 'vue';
import type { WatchSource } from 'vue';
import { connectionState } from '../api/client';

/**
 * The scope of the shared composables' module-level watchers: detached from whichever component
 * first called the composable, so that they keep running after it unmounts (a watcher made in a
 * view's setup stops when the user goes to another section).
 */
const appScope = effectScope(true);

/** Watches app-wide state for the whole life of the app (see appScope). */
export function watchForApp<T>(source: WatchSource<T> | WatchSource<unknown>[], cb: () => void): void {
  appScope.run(() => watch(source as WatchSource<T>, cb));
}

/**
 * Calls load now if the core is connected, and again each time the connection is
 * (re)established: how the shared composables fill and refresh their state.
 */
export function whenConnected(load: () => void): void {
  appScope.run(() =>
    watch(
      connectionState,
      (s) => {
        if (s === 'connected') load();
      },
      { immediate: true },
    ),
  );
}
