/** Test helpers: a core on a temporary database, and a typed client over a real WebSocket. */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll } from 'vitest';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import WebSocket from 'ws';
import { createCore } from '../../src-main/app/core';
import type { Core } from '../../src-main/app/core';
import { startHost } from '../../src-main/host/server';
import type { RunningHost } from '../../src-main/host/server';
import { contract } from '../../src-shared/ipc/contract';
import type { LatticeworkApi } from '../../src-shared/ipc/contract';
import { createClient } from '../../src-shared/ipc/define';
import { createSocketTransport } from '../../src-shared/ipc/socket-transport';
import type { SocketLike, SocketTransport } from '../../src-shared/ipc/socket-transport';

export interface TestCore {
  core: Core;
  dir: string;
  dispose(): Promise<void>;
}

export async function createTestCore(): Promise<TestCore> {
  const dir = mkdtempSync(join(tmpdir(), 'latticework-test-'));
  const core = await createCore({ mode: 'browser', dataDirectory: dir, databasePath: join(dir, 'test.sqlite'), workers: 1 });
  return {
    core,
    dir,
    async dispose() {
      await core.dispose();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A host serving a stub renderer page (the real renderer is exercised by the end-to-end tests). */
export async function startTestHost(core: Core, dir: string): Promise<RunningHost> {
  const rendererDir = join(dir, 'renderer');
  mkdirSync(rendererDir, { recursive: true });
  writeFileSync(join(rendererDir, 'index.html'), '<!doctype html><title>Latticework</title>');
  return startHost({ core, rendererDir, port: 0, log: () => undefined });
}

/** A typed client over a real WebSocket, presenting the host's token (or the one given; null: none) in its hello. */
export async function connect(
  host: RunningHost,
  token: string | null = host.token,
  origin?: string,
): Promise<{ api: LatticeworkApi; transport: SocketTransport }> {
  const socket = new WebSocket(`ws://127.0.0.1:${host.port}/ws`, origin ? { origin } : {});
  const transport = createSocketTransport(socket as unknown as SocketLike, token ?? undefined);
  await transport.ready;
  return { api: createClient(contract, transport), transport };
}

export interface ServedCore {
  t: TestCore;
  host: RunningHost;
  api: LatticeworkApi;
  transport: SocketTransport;
}

/**
 * For a test file: a core on a temporary database, served over a real WebSocket, with a connected
 * client; set up before the file's tests and torn down after them. Read the fields inside tests.
 */
export function serveTestCore(): ServedCore {
  const served = {} as ServedCore;
  beforeAll(async () => {
    served.t = await createTestCore();
    served.host = await startTestHost(served.t.core, served.t.dir);
    Object.assign(served, await connect(served.host));
  });
  afterAll(async () => {
    served.transport?.close();
    await served.host?.close();
    await served.t?.dispose();
  });
  return served;
}
