/**
 * `latticework serve --host`: an address this machine does not have, or a name that does not
 * resolve, is refused in words naming it (exit 1; `{"error"}` with --json), as a port in use is, not
 * with a Node stack trace; bound to every interface, the host prints a URL for each of the machine's
 * addresses and its name, each of which answers, and warns that the connection is not encrypted.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { hostname, networkInterfaces } from 'node:os';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import WebSocket from 'ws';
import { parseServeArgs } from '../../../src-main/cli/commands/serve';
import { contract } from '../../../src-shared/ipc/contract';
import { createClient } from '../../../src-shared/ipc/define';
import { createSocketTransport } from '../../../src-shared/ipc/socket-transport';
import type { SocketLike } from '../../../src-shared/ipc/socket-transport';
import { serveRefused, startHostProcess } from './host-process';
import type { HostProcess } from './host-process';

const PREFIX = 'latticework serve: ';

describe('serve --host or --port it cannot listen on', () => {
  it('names the host and the problem, exit 1, and {"error"} with --json (an address not of this machine, a name that does not resolve: a Node stack trace, nothing on stdout)', () => {
    for (const [host, problem] of [
      ['8.8.8.8', 'cannot listen on 8.8.8.8: this machine has no such address (EADDRNOTAVAIL); give --host an address of this machine'],
      ['nonexistent.invalid', 'cannot listen on nonexistent.invalid: it is not an IP address, and no address was found for it as a host name ('],
    ]) {
      const text = serveRefused(['--host', host, '--port', '0']);
      expect(text.status, text.stderr).toBe(1);
      expect(text.stderr.startsWith(`${PREFIX}${problem}`), text.stderr).toBe(true);
      expect(text.stderr.trim().split('\n'), 'one line, no stack trace').toHaveLength(1);
      expect(text.stdout).toBe('');
      const json = serveRefused(['--host', host, '--port', '0', '--json']);
      expect(json.status, json.stderr).toBe(1);
      expect(JSON.parse(json.stdout)).toEqual({ error: { message: json.stderr.trim().slice(PREFIX.length), status: 1 } });
    }
  });

  it('a port in use: the same (it was already so)', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const json = serveRefused(['--port', String(port), '--json']);
      expect(json.status, json.stderr).toBe(1);
      expect(JSON.parse(json.stdout)).toEqual({
        error: { message: `port ${port} on 127.0.0.1 is in use (is Latticework already running?); choose another with --port`, status: 1 },
      });
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });

  it('an empty --host is bad usage (it bound every interface, Node\'s default, and printed http://:PORT/)', () => {
    expect(() => parseServeArgs(['--host', ''])).toThrow(/^--host must name an address or a host name, not ""$/);
  });
});

/** Every URL a host bound to 0.0.0.0 answers at: loopback, the machine's IPv4 addresses, its name. */
function everyInterfaceUrls(host: HostProcess): string[] {
  const addresses = Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((i) => !i.internal && i.family === 'IPv4')
    .map((i) => i.address);
  return ['127.0.0.1', ...addresses, hostname().toLowerCase()].map((name) => `http://${name}:${host.port}/?token=${host.token}`);
}

/** The warning a host reachable from the network writes on stderr once ready. */
async function networkWarning(host: HostProcess): Promise<string> {
  return vi.waitFor(() => {
    const line = host.stderr().split('\n').find((l) => l.startsWith(`${PREFIX}warning: `));
    if (line === undefined) throw new Error(`no warning yet; the host wrote: ${host.stderr()}`);
    return line;
  }, 10_000);
}

describe('serve --host 0.0.0.0', () => {
  let host: HostProcess;
  beforeAll(async () => {
    host = await startHostProcess({ args: ['--host', '0.0.0.0'] });
  }, 240_000);
  afterAll(async () => {
    await host?.stop();
  });

  it('prints a URL for each of the machine\'s addresses and its name, 127.0.0.1 first (it printed only 127.0.0.1): each serves the page, and its WebSocket with the token', async () => {
    expect(host.urls).toEqual(everyInterfaceUrls(host));
    expect(host.url).toBe(host.urls[0]);
    expect(host.urls.length).toBeGreaterThan(1);
    for (const url of host.urls) {
      const page = await fetch(url);
      expect(page.status, url).toBe(200);
      const { host: hostAndPort } = new URL(url);
      const socket = new WebSocket(`ws://${hostAndPort}/ws`, { origin: `http://${hostAndPort}` });
      const transport = createSocketTransport(socket as unknown as SocketLike, host.token);
      await transport.ready;
      try {
        expect((await createClient(contract, transport).system.ping({ message: url })).message).toBe(url);
      } finally {
        transport.close();
      }
    }
  });

  it('warns on stderr that it listens on every interface over plain HTTP, not encrypted, and how to use an SSH tunnel instead', async () => {
    expect(await networkWarning(host)).toBe(
      `${PREFIX}warning: listening on every network interface (0.0.0.0) over plain HTTP and WebSocket, not encrypted: anyone who can ` +
        'watch the network can read the access token and all the app shows. Use it only on a network you trust, or serve on 127.0.0.1 ' +
        `(no --host) and connect through an SSH tunnel: ssh -L ${host.port}:127.0.0.1:${host.port} ${hostname()}, then open its 127.0.0.1 URL`,
    );
  });

  it('says so in its text too: every URL, where it listens, that the token is required', async () => {
    const text = await startHostProcess({ args: ['--host', '0.0.0.0'], json: false });
    try {
      const [first, ...others] = everyInterfaceUrls(text);
      expect(text.stdout.split('\n').slice(0, 3 + others.length)).toEqual([
        `Latticework (browser mode) is running at ${first}`,
        "  open that URL: it carries this session's access token (nobody can connect without it)",
        ...others.map((url) => `  also at ${url}`),
        '  listening on every network interface (0.0.0.0): other machines can connect, with the token',
      ]);
      expect(await networkWarning(text)).toMatch(/^latticework serve: warning: listening on every network interface \(0\.0\.0\.0\) over plain HTTP/);
    } finally {
      await text.stop();
    }
  }, 240_000);
});
