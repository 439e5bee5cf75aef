/**
 * The one place the renderer gets its API client from.
 *
 * - Desktop (Electron): the sandboxed preload exposes `window.latticework` (a
 *   `PreloadBridge`); calls go over IPC.
 * - Browser mode: a WebSocket to `/ws` on the host that served the page (ws: or
 *   wss:), presenting the access token in its hello (the printed URL's `token`, kept in the
 *   tab's session storage and taken out of the address bar); reopened when it drops.
 *
 * Either way `createClient(contract, transport)` gives the typed API. Only
 * composables import this module; components never do.
 */
import { readonly, ref } from 'vue';
import { contract } from '../../src-shared/ipc/contract';
import type { LatticeworkApi } from '../../src-shared/ipc/contract';
import { createClient } from '../../src-shared/ipc/define';
import { createBridgeTransport } from '../../src-shared/ipc/bridge';
import type { PreloadBridge } from '../../src-shared/ipc/bridge';
import { createSocketTransport } from '../../src-shared/ipc/socket-transport';
import { createReconnectingTransport, socketUrl, takePageToken } from './reconnect';
import type { ConnectionState, ReconnectingTransport } from './reconnect';

export type { ConnectionState } from './reconnect';
export type TransportMode = 'desktop' | 'browser';

declare global {
  interface Window {
    latticework?: PreloadBridge;
  }
}

export type Api = LatticeworkApi;

const state = ref<ConnectionState>('connecting');
const refused = ref<string | null>(null);
/** Set when the host refused the connection for good (no or wrong access token): retrying will not help. */
export const connectionRefused = readonly(refused);
/** Connection to the core, for the status bar. */
export const connectionState = readonly(state);
/** How this renderer talks to the core. */
export const transportMode: TransportMode = typeof window !== 'undefined' && window.latticework ? 'desktop' : 'browser';

let api: Api | null = null;
let socket: ReconnectingTransport | null = null;

/** The typed API client (created on first use). */
export function getApi(): Api {
  if (api) return api;
  const bridge = window.latticework;
  if (bridge) {
    state.value = 'connected';
    api = createClient(contract, createBridgeTransport(bridge));
  } else {
    const url = socketUrl(window.location);
    const token = takePageToken({
      location: window.location,
      storage: (() => {
        try {
          return window.sessionStorage;
        } catch {
          return null;
        }
      })(),
      replaceUrl: (u) => window.history.replaceState(window.history.state, '', u),
    });
    socket = createReconnectingTransport({
      open: () => {
        const ws = new WebSocket(url);
        ws.addEventListener('close', (e) => {
          // 4401: the host wants the access token of the URL `latticework serve` printed (open that URL).
          if (e.code === 4401) {
            refused.value = token
              ? "it refused this page's access token (was latticework serve restarted? each start prints a new one). Open the URL the host printed when it started: it carries the token."
              : 'an access token is required. Open the URL the host printed when it started (latticework serve): it carries the token.';
          }
        });
        return createSocketTransport(ws, token);
      },
      onState: (s) => {
        if (s === 'connected') refused.value = null;
        state.value = s;
      },
      shouldRetry: () => refused.value === null,
    });
    api = createClient(contract, socket);
  }
  return api;
}

/** Browser mode: try to reconnect now. */
export function reconnect(): void {
  refused.value = null;
  socket?.reconnect();
}
