/**
 * A real browser-mode host process for the security tests: `latticework serve` (the built command
 * line, as `npm start` runs it) on a free port and a temporary database, plus raw HTTP and
 * WebSocket probes that send what a browser or a script never would.
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect as tcpConnect, createServer as tcpServer } from 'node:net';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));

export interface HostProcess {
  process: ChildProcessWithoutNullStreams;
  url: string;
  token: string;
  /** Every URL it printed ("urls" with --json; else the one it runs at and each "also at"). */
  urls: string[];
  port: number;
  dir: string;
  databasePath: string;
  /** What the process wrote to stdout once ready: its JSON line, or its text up to "Press Ctrl+C to stop.". */
  stdout: string;
  /** Everything the process wrote to stderr so far. */
  stderr(): string;
  stop(): Promise<void>;
}

/** `latticework serve --port 0 --json ARGS`, or without --json when `json` is false, until it is ready. */
export async function startHostProcess(options: { args?: string[]; json?: boolean } = {}): Promise<HostProcess> {
  const json = options.json ?? true;
  const dir = mkdtempSync(join(tmpdir(), 'latticework-host-'));
  const databasePath = join(dir, 'host.sqlite');
  const args = ['serve', '--port', '0', ...(json ? ['--json'] : []), '--db', databasePath, ...(options.args ?? [])];
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'latticework.mjs'), ...args], {
    cwd: ROOT,
    env: { ...process.env, LATTICEWORK_DATA_DIR: dir },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout });
  const stdout: string[] = [];
  const info = await new Promise<{ url: string; token: string; urls: string[] }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`latticework serve did not start in time:\n${stderr}`)), 180_000);
    const onLine = (line: string) => {
      stdout.push(line);
      if (json) {
        clearTimeout(timer);
        lines.off('line', onLine);
        try {
          resolve(JSON.parse(line) as { url: string; token: string; urls: string[] });
        } catch {
          reject(new Error(`unexpected output from latticework serve: ${line}\n${stderr}`));
        }
      } else if (line === 'Press Ctrl+C to stop.') {
        clearTimeout(timer);
        lines.off('line', onLine);
        const urls = stdout.flatMap((l) => /^(?:Latticework \(browser mode\) is running| {2}also) at (\S+)$/.exec(l)?.[1] ?? []);
        resolve({ url: urls[0], token: new URL(urls[0]).searchParams.get('token') ?? '', urls });
      }
    };
    lines.on('line', onLine);
    child.once('exit', (code) => reject(new Error(`latticework serve exited with ${code}:\n${stderr}`)));
  });
  const port = Number(new URL(info.url).port);
  return {
    process: child,
    url: info.url,
    token: info.token,
    urls: info.urls,
    port,
    dir,
    databasePath,
    stdout: stdout.join('\n'),
    stderr: () => stderr,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        // a host that does not stop (the defect a test found) is ended, so that the test reports it instead of hanging
        const killer = setTimeout(() => child.kill('SIGKILL'), 30_000);
        await exited;
        clearTimeout(killer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** `latticework serve ARGS` expected to end by itself (it refuses to start): its exit status and output. */
export function serveRefused(args: string[]): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'latticework-host-'));
  try {
    const run = spawnSync(process.execPath, [join(ROOT, 'bin', 'latticework.mjs'), 'serve', '--db', join(dir, 'host.sqlite'), ...args], {
      cwd: ROOT,
      env: { ...process.env, LATTICEWORK_DATA_DIR: dir },
      encoding: 'utf8',
      // a host that started instead is ended, and the test reports its status (null)
      timeout: 60_000,
    });
    return { status: run.status, stdout: run.stdout, stderr: run.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * A TCP forwarder from a free loopback port to `port`, as `ssh -L LOCAL:127.0.0.1:PORT` is: a browser
 * that opens the forwarder's port names that port, not the host's, in its `Host` header.
 */
export async function forwarder(port: number): Promise<{ port: number; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = tcpServer((client) => {
    const upstream = tcpConnect(port, '127.0.0.1');
    const end = () => {
      client.destroy();
      upstream.destroy();
    };
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', end);
      s.on('close', () => {
        sockets.delete(s);
        end();
      });
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      for (const s of sockets) s.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sends raw bytes to the port and returns everything that comes back until the peer closes (or the timeout). */
export function raw(port: number, bytes: string | Buffer, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const socket = tcpConnect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    const done = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve(Buffer.concat(chunks).toString('latin1'));
    };
    const timer = setTimeout(done, timeoutMs);
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', done);
    socket.on('close', done);
    socket.write(bytes);
  });
}

/** The status line's code of a raw HTTP response. */
export function statusOf(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}

/** An HTTP GET with the given Host header (raw: fetch would fix the header up). */
export function get(port: number, path: string, host = `127.0.0.1:${port}`): Promise<string> {
  return raw(port, `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`);
}

/** A WebSocket upgrade request's first bytes (handshake only). */
export function upgradeRequest(port: number, headers: Record<string, string> = {}): string {
  const all: Record<string, string> = {
    Host: `127.0.0.1:${port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    ...headers,
  };
  return `GET /ws HTTP/1.1\r\n${Object.entries(all)
    .map(([k, v]) => `${k}: ${v}`)
    .join('\r\n')}\r\n\r\n`;
}

/** A client frame: FIN + opcode, masked unless told otherwise, with the given payload (or only a declared length). */
export function frame(opcode: number, payload: Buffer, options: { masked?: boolean; declaredLength?: bigint } = {}): Buffer {
  const masked = options.masked ?? true;
  const length = options.declaredLength ?? BigInt(payload.length);
  const parts: Buffer[] = [];
  let header: Buffer;
  if (length < 126n) header = Buffer.from([0x80 | opcode, (masked ? 0x80 : 0) | Number(length)]);
  else if (length < 65536n) {
    header = Buffer.alloc(4);
    header[0] = 0x80 | opcode;
    header[1] = (masked ? 0x80 : 0) | 126;
    header.writeUInt16BE(Number(length), 2);
  } else {
    header = Buffer.alloc(10);
    header[0] = 0x80 | opcode;
    header[1] = (masked ? 0x80 : 0) | 127;
    header.writeBigUInt64BE(length, 2);
  }
  parts.push(header);
  if (masked) {
    const key = Buffer.from([1, 2, 3, 4]);
    parts.push(key, Buffer.from(payload.map((b, i) => b ^ key[i % 4])));
  } else parts.push(payload);
  return Buffer.concat(parts);
}

export interface Probe {
  /** Resolves with the close code (or 0 when the socket ended without a close frame, -1 when the upgrade was refused). */
  closed: Promise<number>;
  /** Messages received, parsed. */
  messages: unknown[];
  ws: WebSocket;
  opened: Promise<boolean>;
  /** What happened to the socket so far, with milliseconds since it was made (for failure messages). */
  timeline: string[];
}

/**
 * `promise`, or a failure naming `what` and its timeline when it has not settled after `ms`: a
 * hang becomes a failure that says where it stopped instead of the test's bare timeout.
 */
export function within<T>(promise: Promise<T>, ms: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what()}: nothing after ${ms} ms`)), ms);
    timer.unref();
  });
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}

/**
 * A WebSocket that records what happens to it; no hello is sent unless `hello` is given. Its
 * `closed` fails, with the socket's timeline, when no close comes within `closeWithinMs`.
 */
export function probe(
  port: number,
  options: {
    hello?: unknown;
    headers?: Record<string, string>;
    origin?: string;
    /** The loopback address to connect from (127.0.0.2, …: another client's address). */
    localAddress?: string;
    closeWithinMs?: number;
    context?: () => string;
  } = {},
): Probe {
  const start = Date.now();
  const timeline: string[] = [];
  const note = (what: string) => timeline.push(`${Date.now() - start} ms ${what}`);
  const ws = new WebSocket(`ws://127.0.0.1:${port}/ws`, { headers: options.headers, origin: options.origin, localAddress: options.localAddress });
  const messages: unknown[] = [];
  let upgraded = false;
  const opened = new Promise<boolean>((resolve) => {
    ws.on('open', () => {
      upgraded = true;
      note('open');
      if (options.hello !== undefined) {
        ws.send(typeof options.hello === 'string' ? options.hello : JSON.stringify(options.hello));
        note('hello sent');
      }
      resolve(true);
    });
    ws.on('unexpected-response', (_req, res) => {
      note(`upgrade refused ${res.statusCode}`);
      resolve(false);
    });
    ws.on('error', (err) => {
      note(`error ${err.message}`);
      resolve(upgraded);
    });
  });
  ws.on('message', (d) => {
    note('message');
    try {
      messages.push(JSON.parse(String(d)));
    } catch {
      messages.push(String(d));
    }
  });
  const close = new Promise<number>((resolve) => {
    ws.on('close', (code) => {
      note(`close ${code}`);
      resolve(upgraded ? code : -1);
    });
    ws.on('unexpected-response', (_req, res) => {
      res.resume();
      resolve(-1);
      ws.terminate();
    });
  });
  const closed = within(close, options.closeWithinMs ?? 15_000, () =>
    `a WebSocket probe was not closed (${timeline.join(', ') || 'no event'})${options.context ? `; ${options.context()}` : ''}`,
  );
  closed.catch(() => undefined); // a probe nobody waits on is not an unhandled rejection; those who wait get the failure
  return { ws, messages, closed, opened, timeline };
}

/** Waits until a probe has received `n` messages (or the timeout). */
export async function messagesOf(p: Probe, n: number, timeoutMs = 5000): Promise<unknown[]> {
  const until = Date.now() + timeoutMs;
  while (p.messages.length < n && Date.now() < until) await new Promise((r) => setTimeout(r, 20));
  return p.messages;
}
