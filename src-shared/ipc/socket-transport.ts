/**
 * The client side of browser mode: the contract's calls and events over one
 * WebSocket. Works with the browser's WebSocket and with the `ws` package in
 * Node (tests), which both fit the small interface below.
 */
import { RemoteError } from './define';
import type { ClientTransport, Unsubscribe, WireMessage } from './define';

/** The part of a WebSocket this transport uses. */
export interface SocketLike {
  readonly readyState: number;
  send(data: string): void;
  close(): void;
  addEventListener(type: 'open' | 'close' | 'error', listener: () => void): void;
  addEventListener(type: 'message', listener: (ev: { data: unknown }) => void): void;
}

export interface SocketTransport extends ClientTransport {
  /** Resolves once the socket is open and the hello with the token is sent (a refused token closes the connection afterwards: onClose); rejects when it closes or fails before opening. */
  readonly ready: Promise<void>;
  close(): void;
  /** Called when the connection drops (the UI shows it in the status bar). */
  onClose(listener: () => void): Unsubscribe;
}

export function createSocketTransport(socket: SocketLike, token?: string): SocketTransport {
  let nextId = 1;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  const listeners = new Map<string, Set<(payload: unknown) => void>>();
  const closeListeners = new Set<() => void>();
  let closed = false;

  const ready = new Promise<void>((resolve, reject) => {
    socket.addEventListener('open', () => {
      socket.send(JSON.stringify({ kind: 'hello', token } satisfies WireMessage));
      resolve();
    });
    socket.addEventListener('error', () => reject(new Error('could not connect to the Latticework host')));
    // a connection that closes before it opens without an error event first must not leave `ready` pending
    socket.addEventListener('close', () => reject(new Error('the connection to the Latticework host closed before it opened')));
  });

  socket.addEventListener('message', (ev) => {
    let msg: WireMessage;
    try {
      msg = JSON.parse(String(ev.data)) as WireMessage;
    } catch {
      return; // not ours to understand; the host only sends JSON
    }
    if (msg === null || typeof msg !== 'object') return;
    if (msg.kind === 'result') {
      const p = pending.get(msg.id);
      if (!p) return;
      pending.delete(msg.id);
      if (msg.ok) p.resolve(msg.value);
      else p.reject(new RemoteError(msg.error));
    } else if (msg.kind === 'event') {
      for (const l of listeners.get(`${msg.service}.${msg.event}`) ?? []) l(msg.payload);
    }
  });

  socket.addEventListener('close', () => {
    closed = true;
    for (const p of pending.values()) p.reject(new RemoteError({ name: 'ConnectionError', message: 'the connection to the Latticework host closed' }));
    pending.clear();
    for (const l of closeListeners) l();
  });

  return {
    ready,
    async call(service, method, arg) {
      await ready;
      if (closed) throw new RemoteError({ name: 'ConnectionError', message: 'not connected to the Latticework host' });
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, { resolve, reject });
        socket.send(JSON.stringify({ kind: 'call', id, service, method, arg } satisfies WireMessage));
      });
    },
    subscribe(service, event, listener) {
      const key = `${service}.${event}`;
      let set = listeners.get(key);
      if (!set) listeners.set(key, (set = new Set()));
      set.add(listener);
      return () => set.delete(listener);
    },
    close: () => socket.close(),
    onClose(listener) {
      closeListeners.add(listener);
      return () => closeListeners.delete(listener);
    },
  };
}
