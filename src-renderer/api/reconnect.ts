/**
 * A client transport that keeps a WebSocket connection to the browser-mode host
 * alive: it reopens the socket with a capped exponential backoff when it drops and
 * re-attaches every event subscription to each new socket. Pure (no DOM): the
 * socket factory is injected, so tests drive it with fakes.
 */
import { RemoteError } from '../../src-shared/ipc/define';
import type { ClientTransport, Unsubscribe } from '../../src-shared/ipc/define';
import type { SocketTransport } from '../../src-shared/ipc/socket-transport';

export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

export interface ReconnectOptions {
  /** Opens a new socket transport. */
  open(): SocketTransport;
  /** Called on every state change. */
  onState(state: ConnectionState): void;
  /** Delay before the n-th retry (n from 0); default 0.5 s doubling up to 10 s. */
  delay?(attempt: number): number;
  /** Consulted after a drop: false stops retrying (e.g. the host refused the access token). */
  shouldRetry?(): boolean;
  /** Timer functions (injected in tests). */
  setTimer?(fn: () => void, ms: number): unknown;
  clearTimer?(handle: unknown): void;
}

export interface ReconnectingTransport extends ClientTransport {
  /** Tries again now (e.g. the user clicked "reconnect"). */
  reconnect(): void;
  /** Closes for good. */
  close(): void;
}

export function backoffDelay(attempt: number): number {
  return Math.min(10_000, 500 * 2 ** Math.max(0, attempt));
}

interface Subscription {
  service: string;
  event: string;
  listener: (payload: unknown) => void;
  detach: Unsubscribe | null;
}

export function createReconnectingTransport(options: ReconnectOptions): ReconnectingTransport {
  const delay = options.delay ?? backoffDelay;
  const setTimer = options.setTimer ?? ((fn, ms) => setTimeout(fn, ms));
  const clearTimer = options.clearTimer ?? ((h) => clearTimeout(h as ReturnType<typeof setTimeout>));
  const subscriptions = new Set<Subscription>();
  let current: SocketTransport | null = null;
  let attempt = 0;
  let timer: unknown = null;
  let disposed = false;

  function schedule(): void {
    if (disposed || timer !== null) return;
    if (options.shouldRetry && !options.shouldRetry()) return;
    timer = setTimer(() => {
      timer = null;
      connect();
    }, delay(attempt++));
  }

  function connect(): void {
    if (disposed) return;
    options.onState('connecting');
    let t: SocketTransport;
    try {
      t = options.open();
    } catch {
      options.onState('disconnected');
      schedule();
      return;
    }
    current = t;
    for (const s of subscriptions) {
      s.detach?.();
      s.detach = t.subscribe(s.service, s.event, s.listener);
    }
    let dropped = false;
    const drop = () => {
      if (dropped || current !== t) return;
      dropped = true;
      options.onState('disconnected');
      schedule();
    };
    t.ready.then(
      () => {
        if (current !== t || dropped) return;
        attempt = 0;
        options.onState('connected');
      },
      drop,
    );
    t.onClose(drop);
  }

  connect();

  return {
    call(service, method, arg) {
      if (!current) {
        return Promise.reject(new RemoteError({ name: 'ConnectionError', message: 'not connected to the Latticework host' }));
      }
      return current.call(service, method, arg);
    },
    subscribe(service, event, listener) {
      const s: Subscription = { service, event, listener, detach: current ? current.subscribe(service, event, listener) : null };
      subscriptions.add(s);
      return () => {
        s.detach?.();
        subscriptions.delete(s);
      };
    },
    reconnect() {
      if (disposed) return;
      if (timer !== null) {
        clearTimer(timer);
        timer = null;
      }
      attempt = 0;
      const old = current;
      current = null;
      old?.close();
      connect();
    },
    close() {
      disposed = true;
      if (timer !== null) clearTimer(timer);
      timer = null;
      current?.close();
      current = null;
      options.onState('disconnected');
    },
  };
}

/** The WebSocket URL of the host that served the page: same host, ws: or wss:, path /ws. */
export function socketUrl(location: { protocol: string; host: string }): string {
  return `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/ws`;
}

/** Where the page keeps the access token for its tab (per origin, so per port: other local servers cannot read it). */
export const TOKEN_KEY = 'latticework.token';

export interface TokenPlace {
  location: { search: string; hash: string; pathname: string };
  /** The tab's session storage (null where it is unavailable). */
  storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  /** Replaces the address bar's URL without loading it (history.replaceState). */
  replaceUrl(url: string): void;
}

/**
 * The access token of this tab. The URL `latticework serve` prints carries it as `?token=`
 * (also accepted in the hash's query): it is kept in the tab's session storage and taken out of
 * the address bar (and so out of the history, bookmarks and screen shares); reloads and
 * duplicated tabs find it there. Session storage belongs to this origin (scheme, host and port),
 * where a cookie would be sent to every port of the host.
 */
export function takePageToken(place: TokenPlace): string | undefined {
  const { location } = place;
  const search = new URLSearchParams(location.search);
  let token = search.get('token') ?? undefined;
  let hash = location.hash;
  const q = hash.indexOf('?');
  if (q >= 0) {
    const hashQuery = new URLSearchParams(hash.slice(q + 1));
    token ??= hashQuery.get('token') ?? undefined;
    hashQuery.delete('token');
    const rest = hashQuery.toString();
    hash = hash.slice(0, q) + (rest ? `?${rest}` : '');
  }
  if (token === undefined) return place.storage?.getItem(TOKEN_KEY) ?? undefined;
  try {
    place.storage?.setItem(TOKEN_KEY, token);
  } catch {
    return token; // storage refused (e.g. full): keep the token in the address bar so that a reload still works
  }
  search.delete('token');
  const query = search.toString();
  place.replaceUrl(`${location.pathname}${query ? `?${query}` : ''}${hash}`);
  return token;
}
