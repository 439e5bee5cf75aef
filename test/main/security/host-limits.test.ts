/**
 * The host's limits, with small values so that they are reached quickly: the hello timeout, the
 * slots of HTTP connections and of connections that have not said hello (a newcomer takes the
 * oldest one's, from the address that holds the most), and the backlog of a client that does not read;
 * and its last resort (an error no handler caught is logged and the process keeps serving).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { connect as tcpConnect } from 'node:net';
import type { Socket } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { CLOSE, startHost } from '../../../src-main/host/server';
import type { RunningHost } from '../../../src-main/host/server';
import { connect, createTestCore } from '../../helpers/core';
import type { TestCore } from '../../helpers/core';
import { probe, within } from './host-process';
import type { Probe } from './host-process';

let t: TestCore;
let host: RunningHost;
const logged: string[] = [];

beforeAll(async () => {
  t = await createTestCore();
  const rendererDir = join(t.dir, 'renderer');
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html>');
  host = await startHost({
    core: t.core,
    rendererDir,
    port: 0,
    limits: { helloTimeoutMs: 1500, maxPending: 4, maxClients: 3, maxHttpConnections: 4 },
    log: (l) => logged.push(l),
  });
});
afterAll(async () => {
  await host.close();
  await t.dispose();
});

describe('host limits', () => {
  it('closes a connection that says nothing within the hello timeout', async () => {
    const p = probe(host.port);
    expect(await p.opened).toBe(true);
    expect(await p.closed).toBe(CLOSE.helloTimeout);
  });

  it('lets a client in while silent connections from its own address fill every pending slot: each newcomer takes the oldest one\'s', async () => {
    const silent: Probe[] = [];
    for (let i = 0; i < 6; i++) {
      silent.push(probe(host.port));
      expect(await silent[i].opened).toBe(true);
    }
    const timelines = () => silent.map((p, i) => `silent ${i}: ${p.timeline.join(', ')}`).join('; ');
    expect(await within(Promise.all(silent.slice(0, 2).map((p) => p.closed)), 1000, timelines)).toEqual([1006, 1006]);
    expect(silent.slice(2).map((p) => p.ws.readyState)).toEqual([WebSocket.OPEN, WebSocket.OPEN, WebSocket.OPEN, WebSocket.OPEN]);
    const c = await connect(host);
    expect((await c.api.system.ping({ message: 'in' })).message).toBe('in');
    expect(await within(silent[2].closed, 1000, timelines)).toBe(1006);
    c.transport.close();
    expect(await Promise.all(silent.slice(3).map((p) => p.closed))).toEqual([CLOSE.helloTimeout, CLOSE.helloTimeout, CLOSE.helloTimeout]);
  });

  it('takes the slot from the address holding the most pending connections, not from another address', async () => {
    const other = probe(host.port, { localAddress: '127.0.0.2' });
    expect(await other.opened).toBe(true);
    const flood: Probe[] = [];
    for (let i = 0; i < 3; i++) {
      flood.push(probe(host.port));
      expect(await flood[i].opened).toBe(true);
    }
    const newcomer = probe(host.port, { localAddress: '127.0.0.3' });
    expect(await newcomer.opened).toBe(true);
    expect(await within(flood[0].closed, 1000, () => flood[0].timeline.join(', '))).toBe(1006);
    expect([other, ...flood.slice(1), newcomer].map((p) => p.ws.readyState)).toEqual([WebSocket.OPEN, WebSocket.OPEN, WebSocket.OPEN, WebSocket.OPEN]);
    expect(await Promise.all([other, ...flood.slice(1), newcomer].map((p) => p.closed))).toEqual(Array(4).fill(CLOSE.helloTimeout));
  });

  it('lets a client in while idle connections from its own address fill every HTTP connection slot', async () => {
    const idle: Socket[] = [];
    const closed: Promise<void>[] = [];
    for (let i = 0; i < 12; i++) {
      const socket = tcpConnect(host.port, '127.0.0.1');
      closed.push(new Promise<void>((resolve) => socket.once('close', () => resolve())));
      await new Promise((resolve) => socket.once('connect', resolve));
      idle.push(socket);
    }
    const c = await connect(host);
    expect((await c.api.system.ping({ message: 'in' })).message).toBe('in');
    c.transport.close();
    // 13 connections for 4 slots: the 9 oldest made room
    await within(Promise.all(closed.slice(0, 9)), 1000, () => `closed: ${idle.map((s) => s.destroyed)}`);
    expect(idle.slice(9).map((s) => s.destroyed)).toEqual([false, false, false]);
    for (const s of idle) s.destroy();
  });

  it('caps authenticated clients', async () => {
    const clients = await Promise.all([1, 2, 3].map(() => connect(host)));
    const fourth = probe(host.port, { hello: { kind: 'hello', token: host.token } });
    const code = await fourth.closed;
    expect([-1, CLOSE.busy]).toContain(code);
    for (const c of clients) c.transport.close();
  });

  it('logs an error no handler caught (thrown or rejected) and keeps serving', () => {
    const child = spawnSync(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'last-resort-child.ts')], { encoding: 'utf8', timeout: 60_000 });
    expect(child.status, child.stderr).toBe(0);
    expect(child.stdout).toBe('still serving\n');
    expect(child.stderr).toMatch(/latticework: unexpected error, still serving: Error: a bug no handler caught/);
    expect(child.stderr).toMatch(/latticework: unexpected error, still serving: Error: a rejection nobody awaited/);
  });
});
