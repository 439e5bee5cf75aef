import { availableParallelism, totalmem } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IPC_CALL_CHANNEL, createBridgeTransport } from '../../../src-shared/ipc/bridge';
import type { PreloadBridge } from '../../../src-shared/ipc/bridge';
import { contract } from '../../../src-shared/ipc/contract';
import { RemoteError, createClient } from '../../../src-shared/ipc/define';
import { createSocketTransport } from '../../../src-shared/ipc/socket-transport';
import type { SocketLike } from '../../../src-shared/ipc/socket-transport';
import { createIpcCallHandler } from '../../../src-main/electron/ipc';
import type { RunningHost } from '../../../src-main/host/server';
import { connect, createTestCore, startTestHost } from '../../helpers/core';
import type { TestCore } from '../../helpers/core';

const RENDERER_URL = 'file:///app/out/renderer/index.html';

let t: TestCore;
let host: RunningHost;

beforeAll(async () => {
  t = await createTestCore();
  host = await startTestHost(t.core, t.dir);
});
afterAll(async () => {
  await host.close();
  await t.dispose();
});

/** The desktop path without Electron: bridge transport → IPC handler → dispatcher. */
function desktopApi(frameUrl = RENDERER_URL) {
  const handler = createIpcCallHandler(t.core.dispatcher, frameUrl === 'same' ? RENDERER_URL : RENDERER_URL);
  const bridge: PreloadBridge = {
    call: (service, method, arg) =>
      handler({ sender: { id: 1 }, senderFrame: { url: frameUrl } }, service, method, structuredClone(arg)),
    subscribe: () => () => undefined,
  };
  return createClient(contract, createBridgeTransport(bridge));
}

describe('the contract over both transports', () => {
  it('answers ping over the WebSocket and over IPC', async () => {
    const { api, transport } = await connect(host);
    expect((await api.system.ping({ message: 'hello' })).message).toBe('hello');
    expect((await desktopApi().system.ping({ message: 'hi' })).message).toBe('hi');
    transport.close();
  });

  it('returns a validation error, not a crash, for a wrong argument over the WebSocket', async () => {
    const { api, transport } = await connect(host);
    const bad = api.system.ping({ message: 42 } as unknown as { message: string });
    await expect(bad).rejects.toBeInstanceOf(RemoteError);
    await expect(bad).rejects.toMatchObject({ name: 'ValidationError', message: expect.stringContaining('message') });
    // The connection still works afterwards.
    expect((await api.system.ping({ message: 'still here' })).message).toBe('still here');
    transport.close();
  });

  it('returns a validation error for a wrong argument over IPC', async () => {
    const api = desktopApi();
    await expect(api.system.ping({ message: 'x', extra: 1 } as unknown as { message: string })).rejects.toMatchObject({
      name: 'ValidationError',
    });
    await expect(api.jobs.cancel({ jobId: '' })).rejects.toMatchObject({ name: 'ValidationError' });
  });

  it('refuses IPC calls from any page but the renderer', async () => {
    const api = desktopApi('https://evil.example/');
    await expect(api.system.ping({ message: 'x' })).rejects.toMatchObject({ name: 'ForbiddenError' });
    expect(IPC_CALL_CHANNEL).toMatch(/^latticework:/);
  });

  it('reports an unknown method as data', async () => {
    const result = await t.core.dispatcher.dispatch('system', 'format', {}, { clientId: 't' });
    expect(result).toEqual({ ok: false, error: { name: 'NotFoundError', message: 'no method system.format' } });
  });

  it('reports system info with the backend actually in use', async () => {
    const { api, transport } = await connect(host);
    const info = await api.system.info({});
    expect(info.name).toBe('Latticework');
    // what the Models form compares its training memory estimate with
    expect(info.memoryBytes).toBe(totalmem());
    expect(['tensorflow-gpu', 'tensorflow', 'wasm', 'cpu']).toContain(info.backend.name);
    // Here there is no libtensorflow: the better backends must say why they were not used.
    if (info.backend.name === 'wasm' || info.backend.name === 'cpu') {
      expect(Object.keys(info.backend.unavailable)).toEqual(expect.arrayContaining(['tensorflow-gpu', 'tensorflow']));
      // our kernels run on the caller plus one helper per further core (up to 8)
      expect(info.backend.kernelThreads).toBe(Math.min(availableParallelism(), 8));
    } else {
      expect(info.backend.kernelThreads).toBeNull();
    }
    expect(info.databasePath).toBe(t.core.db.path);
    transport.close();
  });
});

describe('browser-mode host security', () => {
  it('refuses WebSocket upgrades from another origin', async () => {
    await expect(connect(host, host.token, 'http://evil.example')).rejects.toThrow(/could not connect/);
  });

  it('requires the access token on loopback too, and accepts it', async () => {
    expect(host.token).toMatch(/^[0-9a-f]{48}$/);
    expect(host.url).toBe(`http://127.0.0.1:${host.port}/?token=${host.token}`);
    for (const token of ['not-the-token', null]) {
      const wrong = await connect(host, token);
      const closed = new Promise<void>((resolve) => wrong.transport.onClose(resolve));
      await expect(wrong.api.system.ping({ message: 'x' })).rejects.toMatchObject({ name: 'ConnectionError' });
      await closed;
    }
    const right = await connect(host);
    expect((await right.api.system.ping({ message: 'ok' })).message).toBe('ok');
    right.transport.close();
  });

  it('serves the renderer with a strict Content-Security-Policy and no path traversal', async () => {
    const res = await fetch(`http://127.0.0.1:${host.port}/`);
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-eval');
    const traversal = await fetch(`http://127.0.0.1:${host.port}/..%2f..%2fetc%2fpasswd`);
    expect(traversal.status).toBe(404);
  });
});

describe('the WebSocket transport', () => {
  /** A socket whose events the test fires by hand. */
  function fakeSocket() {
    const handlers = new Map<string, ((ev: { data: unknown }) => void)[]>();
    const socket: SocketLike = {
      readyState: 0,
      send: () => undefined,
      close: () => undefined,
      addEventListener: (type: string, listener: (ev: { data: unknown }) => void) => {
        handlers.set(type, [...(handlers.get(type) ?? []), listener]);
      },
    };
    const fire = (type: string) => (handlers.get(type) ?? []).forEach((l) => l({ data: undefined }));
    return { socket, fire };
  }

  it('rejects ready when the connection closes before it opens, with or without an error first', async () => {
    for (const events of [['close'], ['error', 'close']]) {
      const { socket, fire } = fakeSocket();
      const transport = createSocketTransport(socket, 'token');
      events.forEach(fire);
      await expect(transport.ready, events.join(' then ')).rejects.toThrow(/Latticework host/);
    }
  });
});
