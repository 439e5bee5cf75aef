/**
 * The host's limits, with small values so that they are reached quickly: the hello timeout, the
 * cap on connections that have not said hello, and the backlog of a client that does not read;
 * and its last resort (an error no handler caught is logged and the process keeps serving).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLOSE, startHost } from '../../../src-main/host/server';
import type { RunningHost } from '../../../src-main/host/server';
import { connect, createTestCore } from '../../helpers/core';
import type { TestCore } from '../../helpers/core';
import { probe } from './host-process';

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
    limits: { helloTimeoutMs: 1500, maxPending: 4, maxClients: 3 },
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

  it('caps connections waiting for their hello, and takes new ones once those are gone', async () => {
    const silent = Array.from({ length: 6 }, () => probe(host.port));
    const opened = await Promise.all(silent.map((p) => p.opened));
    expect(opened.filter(Boolean).length).toBe(4);
    await Promise.all(silent.map((p) => p.closed));
    const c = await connect(host);
    expect((await c.api.system.ping({ message: 'after' })).message).toBe('after');
    c.transport.close();
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
