/**
 * The browser-mode host against requests no browser or client of ours would send, each crash of
 * issue 18 as a regression test: the real `latticework serve` process must refuse them and still
 * answer afterwards. Also: no stranger in (DNS rebinding over HTTP and WebSocket, a second local
 * client without the token), no file contents out, no freeze on a FIFO.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import sqlite3 from 'sqlite3';
import { contract } from '../../../src-shared/ipc/contract';
import type { LatticeworkApi } from '../../../src-shared/ipc/contract';
import { createClient } from '../../../src-shared/ipc/define';
import { createSocketTransport } from '../../../src-shared/ipc/socket-transport';
import type { SocketLike } from '../../../src-shared/ipc/socket-transport';
import { CONTENT_SECURITY_POLICY } from '../../../src-main/host/csp';
import { forwarder, frame, get, messagesOf, probe, raw, startHostProcess, statusOf, upgradeRequest, within } from './host-process';
import type { HostProcess } from './host-process';

let host: HostProcess;

/** The end of what the host wrote (it logs every refusal), for failure messages. */
const hostWrote = () => `the host wrote: ${host.stderr().slice(-2000)}`;

/** A probe of this file's host whose failure also shows what the host wrote. */
const hostProbe = (options: Parameters<typeof probe>[1] = {}, port = host.port) => probe(port, { ...options, context: hostWrote });

beforeAll(async () => {
  host = await startHostProcess();
}, 240_000);
afterAll(async () => {
  await host?.stop();
});

/** A client of the contract; `at`: another port to connect to (a forwarder's) and the Origin its page sends. */
async function client(token = host.token, at: { port?: number; origin?: string } = {}): Promise<{ api: LatticeworkApi; close(): void }> {
  const socket = new WebSocket(`ws://127.0.0.1:${at.port ?? host.port}/ws`, { origin: at.origin });
  const transport = createSocketTransport(socket as unknown as SocketLike, token);
  await transport.ready;
  return { api: createClient(contract, transport), close: () => transport.close() };
}

/** The host process is running and answers a call from a client with the token. */
async function expectAlive(): Promise<void> {
  expect(host.process.exitCode, host.stderr()).toBeNull();
  // each request was refused by its own guard, not caught by the last-resort handler
  expect(host.stderr()).not.toMatch(/unexpected error/);
  const c = await within(client(), 15_000, () => `a client with the token could not connect; ${hostWrote()}`);
  try {
    const pong = await within(c.api.system.ping({ message: 'still here' }), 15_000, () => `ping unanswered; ${hostWrote()}`);
    expect(pong.message).toBe('still here');
  } finally {
    c.close();
  }
}

describe('the host survives any single request', () => {
  it('answers malformed paths with 400 (GET /% and /%c0%ae crashed it)', async () => {
    for (const path of ['/%', '/%c0%ae', '/%E0%A4%A', '/%00', '/..%2f..%2fetc%2fpasswd', '//etc/passwd']) {
      const status = statusOf(await get(host.port, path));
      expect([400, 404], path).toContain(status);
    }
    expect(statusOf(await raw(host.port, 'GARBAGE\r\n\r\n'))).toBe(400);
    expect(statusOf(await raw(host.port, `POST / HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nContent-Length: 3\r\n\r\nabc`))).toBe(405);
    await expectAlive();
  });

  it('refuses a WebSocket upgrade with Origin: null (a sandboxed iframe crashed it), or a foreign origin', async () => {
    for (const origin of ['null', 'http://evil.example', 'not a url', `http://127.0.0.1:${host.port}.evil.example`]) {
      const p = hostProbe({ origin, hello: { kind: 'hello', token: host.token } });
      expect(await p.closed, origin).toBe(-1);
    }
    await expectAlive();
  });

  it('closes a connection whose first message is not a hello (the message null crashed it)', async () => {
    for (const first of ['null', '42', '"hello"', '[]', '{"kind":null}', 'not json', '{"kind":"call","id":1,"service":"system","method":"info"}']) {
      const p = hostProbe({ hello: first });
      expect(await p.closed, first).toBe(4400);
      expect(p.messages).toEqual([]);
    }
    await expectAlive();
  });

  it('answers malformed calls after the hello with errors as data ({"service": {"toString": 1}} crashed it)', async () => {
    const p = hostProbe({ hello: { kind: 'hello', token: host.token } });
    await p.opened;
    const sends = [
      '{"service": {"toString": 1}}',
      '{"kind":"call","id":1,"service":{"toString":1},"method":"info"}',
      '{"kind":"call","id":2,"service":"system","method":{"valueOf":1}}',
      '{"kind":"call","id":-3,"service":"system","method":"info"}',
      '{"kind":"call","id":4,"service":"__proto__","method":"constructor"}',
      '{"kind":"call","id":5,"service":"system","method":"ping","arg":{"message":{"toString":1}}}',
      'null',
      '{broken',
    ];
    for (const s of sends) p.ws.send(s);
    const got = (await messagesOf(p, sends.length)) as { kind: string; id?: number; ok?: boolean; error?: { name: string } }[];
    expect(got).toHaveLength(sends.length);
    for (const m of got) {
      expect(m.kind === 'error' || (m.kind === 'result' && m.ok === false)).toBe(true);
    }
    expect(got.find((m) => m.id === 1)?.error?.name).toBe('ProtocolError');
    expect(got.find((m) => m.id === 4)?.error?.name).toBe('NotFoundError');
    expect(got.find((m) => m.id === 5)?.error?.name).toBe('ValidationError');
    p.ws.close();
    await expectAlive();
  });

  it('survives an unmasked frame and frames that announce huge lengths, before and after the hello', async () => {
    const hello = Buffer.from(JSON.stringify({ kind: 'hello', token: host.token }));
    const attacks = [
      frame(1, Buffer.from('{"kind":"hello"}'), { masked: false }),
      frame(1, Buffer.alloc(8), { declaredLength: 2n ** 40n }),
      Buffer.concat([frame(1, hello), frame(1, Buffer.from('x'), { masked: false })]),
      Buffer.concat([frame(1, hello), frame(1, Buffer.alloc(8), { declaredLength: 2n ** 62n })]),
      frame(0x9, Buffer.alloc(200)), // a control frame over 125 bytes
      frame(0x3, Buffer.from('??')), // a reserved opcode
    ];
    for (const attack of attacks) {
      const response = await raw(host.port, Buffer.concat([Buffer.from(upgradeRequest(host.port)), attack]), 1500);
      expect(statusOf(response)).toBe(101);
    }
    await expectAlive();
  });

  it('closes a connection that sends more than a few kilobytes before its hello', async () => {
    const p = hostProbe();
    await p.opened;
    p.ws.send('{"kind":"hello","token":"' + 'a'.repeat(1024 * 1024) + '"}');
    expect(await p.closed).not.toBe(1000);
    await expectAlive();
  });

  it('refuses configurations nested thousands deep, and survives one already stored (every listConfigs crashed it)', async () => {
    let deep: Record<string, unknown> = { architecture: 'cgcnn' };
    for (let i = 0; i < 4000; i++) deep = { nested: deep };
    const c = await client();
    try {
      await expect(c.api.models.saveConfig({ name: 'deep', presetId: null, config: deep })).rejects.toMatchObject({ name: 'ValidationError' });
      await expect(c.api.models.checkConfig({ config: deep })).rejects.toMatchObject({ name: 'ValidationError' });
      // as an older version could have stored it: written straight into the database
      await new Promise<void>((resolve, reject) => {
        const db = new sqlite3.Database(host.databasePath);
        db.configure('busyTimeout', 5000);
        db.run("INSERT INTO saved_config (name, preset_id, config, created_at) VALUES ('deep', NULL, ?, 1)", [JSON.stringify(deep)], (err) =>
          db.close(() => (err ? reject(err) : resolve())),
        );
      });
      for (let i = 0; i < 3; i++) {
        const listed = await c.api.models.listConfigs({}).then(
          (v) => ({ ok: true, v }),
          (e: Error) => ({ ok: false, v: e.name }),
        );
        expect(listed.ok || listed.v === 'SerializationError').toBe(true);
      }
    } finally {
      c.close();
    }
    await expectAlive();
  });
});

/**
 * `Host` headers that name neither this host nor loopback, with `port`: what a DNS-rebinding page sends
 * (its own name), names that only look like loopback, and loopback with what is not a port.
 */
function otherNames(port: number): string[] {
  return [
    `rebind.example:${port}`,
    `127.0.0.1.nip.io:${port}`,
    `localhost.rebind.example:${port}`,
    `rebind.localhost:${port}`,
    `LOCALHOST.:${port}`,
    `127.0.0.1.:${port}`,
    `[::ffff:127.0.0.1]:${port}`,
    `127.0.0.1@rebind.example:${port}`,
    `127.0.0.1:${port}@rebind.example`,
    `127.0.0.1:0${port}`,
    `127.0.0.1:${port}:${port}`,
    '127.0.0.1:',
    '127.0.0.1:0',
    'localhost:65536',
    'localhost:99999',
    '127.0.0.1:http',
  ];
}

describe('no stranger in', () => {
  it('serves the page with the Content-Security-Policy, to its own host name only (DNS rebinding refused over HTTP)', async () => {
    const ok = await get(host.port, '/');
    expect(statusOf(ok)).toBe(200);
    expect(ok).toContain(`Content-Security-Policy: ${CONTENT_SECURITY_POLICY}`);
    expect(statusOf(await get(host.port, '/', `localhost:${host.port}`))).toBe(200);
    for (const h of [`rebind.example:${host.port}`, 'rebind.example', `127.0.0.1.nip.io:${host.port}`, `LOCALHOST.:${host.port}`, ...otherNames(host.port + 1)]) {
      expect(statusOf(await get(host.port, '/', h)), h).toBe(403);
    }
    expect([400, 403]).toContain(statusOf(await get(host.port, '/', '')));
    expect(statusOf(await raw(host.port, 'GET / HTTP/1.0\r\n\r\n'))).toBe(403);
    // a second Host header, or an absolute URL naming another authority in the request line
    expect(statusOf(await raw(host.port, `GET / HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nHost: rebind.example\r\nConnection: close\r\n\r\n`))).toBe(403);
    expect(statusOf(await raw(host.port, `GET http://rebind.example/ HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nConnection: close\r\n\r\n`))).toBe(403);
  });

  it('refuses WebSocket upgrades naming another host (DNS rebinding refused over WebSocket), even with the token', async () => {
    const rebound = `rebind.example:${host.port}`;
    const p = hostProbe({ headers: { Host: rebound }, origin: `http://${rebound}`, hello: { kind: 'hello', token: host.token } });
    expect(await p.closed).toBe(-1);
    const scripted = hostProbe({ headers: { Host: rebound }, hello: { kind: 'hello', token: host.token } });
    expect(await scripted.closed).toBe(-1);
    const twice = await raw(host.port, upgradeRequest(host.port).replace('\r\n\r\n', `\r\nHost: ${rebound}\r\n\r\n`));
    expect(statusOf(twice)).toBe(403);
    for (const name of otherNames(host.port + 1)) {
      const other = hostProbe({ headers: { Host: name }, origin: `http://${name}`, hello: { kind: 'hello', token: host.token } });
      expect(await other.closed, name).toBe(-1);
    }
    await expectAlive();
  });

  describe('through a forwarder on another local port (ssh -L 8080:127.0.0.1:4780: the browser names 8080)', () => {
    let forwarded: Awaited<ReturnType<typeof forwarder>>;
    beforeAll(async () => {
      forwarded = await forwarder(host.port);
    });
    afterAll(async () => {
      await forwarded?.close();
    });
    const page = () => `127.0.0.1:${forwarded.port}`;

    it('serves the page on any loopback name with the forwarder\'s port (or none: port 80), and refuses other names', async () => {
      for (const h of [page(), `localhost:${forwarded.port}`, `[::1]:${forwarded.port}`, `LocalHost:${forwarded.port}`, '127.0.0.1', 'localhost', '[::1]']) {
        expect(statusOf(await get(forwarded.port, '/', h)), h).toBe(200);
      }
      for (const name of otherNames(forwarded.port)) expect(statusOf(await get(forwarded.port, '/', name)), name).toBe(403);
      await expectAlive();
    });

    it('answers the page\'s WebSocket with the token only, and not a page of another local port', async () => {
      const c = await within(client(host.token, { port: forwarded.port, origin: `http://${page()}` }), 15_000, () => `the forwarded page could not connect; ${hostWrote()}`);
      try {
        expect((await c.api.system.ping({ message: 'forwarded' })).message).toBe('forwarded');
      } finally {
        c.close();
      }
      const noToken = hostProbe({ origin: `http://${page()}`, hello: { kind: 'hello' } }, forwarded.port);
      expect(await noToken.closed).toBe(4401);
      // a page of another local port (another user's server): its Origin is not the Host it connects to
      for (const origin of [`http://127.0.0.1:${forwarded.port + 1}`, `http://localhost:${forwarded.port}`, `http://127.0.0.1:${host.port}`]) {
        const foreign = hostProbe({ origin, hello: { kind: 'hello', token: host.token } }, forwarded.port);
        expect(await foreign.closed, origin).toBe(-1);
      }
      for (const name of otherNames(forwarded.port)) {
        const rebound = hostProbe({ headers: { Host: name }, origin: `http://${name}`, hello: { kind: 'hello', token: host.token } }, forwarded.port);
        expect(await rebound.closed, name).toBe(-1);
      }
      await expectAlive();
    });
  });

  it('refuses a request with more than 100 headers (431, closed) instead of ignoring those after the 100th: a foreign Origin or a second Host placed last was never checked', async () => {
    const filler = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`X-Filler-${i}`, '1']));
    /** The response, and whether the host closed the connection (raw's own timeout is 20 s). */
    const sent = async (bytes: string) => {
      const start = Date.now();
      const response = await raw(host.port, bytes, 20_000);
      return { status: statusOf(response), closed: Date.now() - start < 15_000 };
    };
    // an upgrade has 5 headers of its own (Host, Upgrade, Connection, Sec-WebSocket-Key, Sec-WebSocket-Version)
    const foreign = { Origin: 'http://evil.example' };
    expect(await sent(upgradeRequest(host.port, foreign))).toEqual({ status: 403, closed: true });
    expect(await sent(upgradeRequest(host.port, { ...filler(120), ...foreign }))).toEqual({ status: 431, closed: true });
    const own = { Origin: `http://127.0.0.1:${host.port}` };
    expect(statusOf(await raw(host.port, upgradeRequest(host.port, { ...filler(94), ...own }), 500))).toBe(101);
    expect(await sent(upgradeRequest(host.port, { ...filler(95), ...own }))).toEqual({ status: 431, closed: true });
    // a page: Host and Connection, then the filler, then what is placed last
    const page = (n: number, last = '') =>
      sent(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${host.port}\r\nConnection: close\r\n${Object.keys(filler(n)).map((k) => `${k}: 1\r\n`).join('')}${last}\r\n`);
    expect((await page(98)).status).toBe(200);
    expect(await page(99)).toEqual({ status: 431, closed: true });
    expect(await page(150, 'Host: rebind.example\r\n')).toEqual({ status: 431, closed: true });
    await expectAlive();
  });

  it('bound to 127.0.0.1 (the default), prints that one URL, and no warning that the network can reach it', () => {
    expect(host.urls).toEqual([`http://127.0.0.1:${host.port}/?token=${host.token}`]);
    expect(host.stderr()).not.toMatch(/warning/);
  });

  it('refuses a second local client without the token, or with a wrong one, on loopback', async () => {
    const refusals = () => host.stderr().match(/ws-\d+: refused \(4401\): a valid access token is required/g)?.length ?? 0;
    const before = refusals();
    // the wrong token differs from the real one in its last hex digit (a fixed '0' was the real token one time in 16)
    const wrong = host.token.slice(0, -1) + (host.token.endsWith('0') ? '1' : '0');
    for (const hello of [{ kind: 'hello' }, { kind: 'hello', token: '' }, { kind: 'hello', token: wrong }, { kind: 'hello', token: 12 }]) {
      const p = hostProbe({ hello });
      const code = await p.closed;
      expect([4401, 4400], JSON.stringify(hello)).toContain(code);
      expect(p.messages).toEqual([]);
    }
    // calls without a hello are never answered
    const sneaky = hostProbe({ hello: { kind: 'call', id: 1, service: 'datasets', method: 'import', arg: { kind: 'csv', path: '/etc/passwd' } } });
    expect(await sneaky.closed).toBe(4400);
    expect(sneaky.messages).toEqual([]);
    // each of the three token refusals is in the host's log, with its close code (the log is another pipe: it may come a little after the close)
    await vi.waitFor(() => expect(refusals() - before, hostWrote()).toBe(3), { timeout: 5000, interval: 20 });
    await expectAlive();
  });

  it('logs a refused client once, with the code it was sent, whatever it sent after its hello', async () => {
    const from = host.stderr().length;
    const wrong = host.token.slice(0, -1) + (host.token.endsWith('0') ? '1' : '0');
    const p = hostProbe({ hello: { kind: 'hello', token: wrong } });
    // a call right behind the hello, in the same tick: it arrives while the host closes the connection
    void p.opened.then((open) => open && p.ws.send(JSON.stringify({ kind: 'call', id: 1, service: 'system', method: 'ping', arg: { message: 'x' } })));
    expect(await p.closed).toBe(4401);
    expect(p.messages).toEqual([]);
    const logged = () => host.stderr().slice(from);
    await vi.waitFor(() => expect(logged(), hostWrote()).toMatch(/ws-\d+: refused \(4401\)/), { timeout: 5000, interval: 20 });
    const id = /(ws-\d+): refused \(4401\)/.exec(logged())![1];
    // the call was not read: no second refusal ("refused (4400): the first message must be …") under the same id
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(logged().match(new RegExp(`${id}: .*`, 'g'))).toEqual([`${id}: refused (4401): a valid access token is required`]);
    await expectAlive();
  });

  it('never returns file contents, and refuses a FIFO or a device at once', async () => {
    const c = await client();
    try {
      const secret = join(host.dir, 'id_rsa');
      writeFileSync(secret, '-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQAAAAAAAAABAAAAMwAAAAtzc2gtZW\n-----END OPENSSH PRIVATE KEY-----\n');
      for (const path of [secret, '/etc/passwd']) {
        const err = await c.api.datasets.import({ kind: 'csv', path }).then(
          () => null,
          (e: { name: string; message: string; details?: unknown }) => ({ name: e.name, message: e.message, details: e.details }),
        );
        expect(err).not.toBeNull();
        expect(JSON.stringify(err)).not.toMatch(/b3BlbnNzaC1rZXk|BEGIN OPENSSH|root:x|\/bin\/(ba)?sh|nologin/);
      }
      const fifo = join(host.dir, 'model.pth.tar');
      execFileSync('mkfifo', [fifo]);
      await expect(c.api.models.import({ path: fifo })).rejects.toMatchObject({ name: 'FileAccessError' });
      await expect(c.api.models.import({ path: '/dev/zero' })).rejects.toMatchObject({ name: 'FileAccessError' });
      await expect(c.api.datasets.import({ kind: 'extxyz', path: fifo })).rejects.toMatchObject({ name: 'FileAccessError' });
    } finally {
      c.close();
    }
    await expectAlive();
  });
});
