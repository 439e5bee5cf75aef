import { describe, expect, it } from 'vitest';
import { TOKEN_KEY, backoffDelay, createReconnectingTransport, socketUrl, takePageToken } from '../../../src-renderer/api/reconnect';
import type { ConnectionState } from '../../../src-renderer/api/reconnect';
import { createSocketTransport } from '../../../src-shared/ipc/socket-transport';

/** A fake WebSocket driven by the test. */
class FakeSocket {
  readyState = 0;
  sent: string[] = [];
  private listeners = new Map<string, ((ev: { data: unknown }) => void)[]>();
  addEventListener(type: string, l: (ev: { data: unknown }) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), l]);
  }
  emit(type: string, data?: unknown): void {
    for (const l of this.listeners.get(type) ?? []) l({ data });
  }
  send(d: string): void {
    this.sent.push(d);
  }
  close(): void {
    this.readyState = 3;
    this.emit('close');
  }
  open(): void {
    this.readyState = 1;
    this.emit('open');
  }
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('reconnecting transport', () => {
  it('reports states, reconnects after a drop and keeps subscriptions', async () => {
    const sockets: FakeSocket[] = [];
    const states: ConnectionState[] = [];
    const timers: (() => void)[] = [];
    const t = createReconnectingTransport({
      open: () => {
        const s = new FakeSocket();
        sockets.push(s);
        return createSocketTransport(s, 'tok');
      },
      onState: (s) => states.push(s),
      setTimer: (fn) => timers.push(fn),
      clearTimer: () => undefined,
    });
    const events: unknown[] = [];
    t.subscribe('jobs', 'onProgress', (p) => events.push(p));
    sockets[0].open();
    await tick();
    expect(states).toEqual(['connecting', 'connected']);
    expect(JSON.parse(sockets[0].sent[0])).toEqual({ kind: 'hello', token: 'tok' });

    // A call round trip.
    const result = t.call('system', 'ping', { message: 'hi' });
    await tick();
    const call = JSON.parse(sockets[0].sent[1]);
    sockets[0].emit('message', JSON.stringify({ kind: 'result', id: call.id, ok: true, value: 42 }));
    expect(await result).toBe(42);

    sockets[0].close();
    expect(states.at(-1)).toBe('disconnected');
    expect(timers.length).toBe(1);
    timers[0]();
    expect(sockets.length).toBe(2);
    sockets[1].open();
    await tick();
    expect(states.at(-1)).toBe('connected');
    sockets[1].emit('message', JSON.stringify({ kind: 'event', service: 'jobs', event: 'onProgress', payload: 7 }));
    expect(events).toEqual([7]);
  });

  it('backs off exponentially up to 10 s', () => {
    expect([0, 1, 2, 10].map(backoffDelay)).toEqual([500, 1000, 2000, 10_000]);
  });

  it('derives the socket URL and the token from the page address', () => {
    expect(socketUrl({ protocol: 'http:', host: '127.0.0.1:4000' })).toBe('ws://127.0.0.1:4000/ws');
    expect(socketUrl({ protocol: 'https:', host: 'box:443' })).toBe('wss://box:443/ws');
  });

  it('keeps the URL token for the tab and takes it out of the address bar', () => {
    const stored = new Map<string, string>();
    const storage = { getItem: (k: string) => stored.get(k) ?? null, setItem: (k: string, v: string) => void stored.set(k, v) };
    const urls: string[] = [];
    const place = (search: string, hash = '') => ({ location: { search, hash, pathname: '/' }, storage, replaceUrl: (u: string) => urls.push(u) });
    expect(takePageToken(place('?token=abc&x=1', '#/runs'))).toBe('abc');
    expect(stored.get(TOKEN_KEY)).toBe('abc');
    expect(urls).toEqual(['/?x=1#/runs']);
    // a reload (no token in the URL) finds it in the tab's storage
    expect(takePageToken(place(''))).toBe('abc');
    expect(urls).toHaveLength(1);
    // in the hash's query too
    expect(takePageToken(place('', '#/structures?token=xyz&id=3'))).toBe('xyz');
    expect(urls[1]).toBe('/#/structures?id=3');
    // nothing anywhere
    expect(takePageToken({ ...place(''), storage: null })).toBeUndefined();
  });
});
