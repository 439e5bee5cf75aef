/**
 * Browser mode: serves the built renderer and the contract over a WebSocket (`/ws`) from a plain
 * Node process. Binds 127.0.0.1 unless told otherwise.
 *
 * No single request can stop it, and no stranger gets in:
 * - every request names this host in its `Host` header (no DNS rebinding), and every WebSocket
 *   upgrade comes from a page of this host or from a script (no `Origin`);
 * - a WebSocket client must send `{"kind": "hello", "token": ...}` with the access token first,
 *   within a few seconds and a few kilobytes, on loopback too: the printed URL carries the token
 *   (the page keeps it for its tab and takes it out of the address bar), scripts send it themselves;
 * - every frame goes through one guarded message loop: parsed and shape-checked before use,
 *   answered with errors as data; every reply is serialised and sent guarded; a client that does
 *   not read its replies is dropped before its backlog grows without bound;
 * - connections are capped (pending handshakes and clients), HTTP headers and requests time out;
 *   connections that hold them cannot keep a client out: a newcomer takes the slot of the oldest
 *   connection of the address that holds the most (slots.ts).
 * See docs/security.md.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import { randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo, Socket } from 'node:net';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';
import { z } from 'zod';
import type { WireMessage } from '../../src-shared/ipc/define';
import type { Core } from '../app/core';
import { toWireError } from '../ipc/errors';
import { allowedHostHeaders, loopbackAddress, originAllowed, reachableNames, requestNamesThisHost, sameToken, urlHost } from './access';
import { CONTENT_SECURITY_POLICY } from './csp';
import { ConnectionSlots } from './slots';

export interface HostLimits {
  /** Bytes a connection may send before its hello is accepted. */
  preHelloBytes: number;
  /** Milliseconds a connection has to send its hello. */
  helloTimeoutMs: number;
  /** Connections that have not yet said hello, at once (a newcomer always gets a slot: ConnectionSlots). */
  maxPending: number;
  /** Authenticated WebSocket clients at once. */
  maxClients: number;
  /** Largest message from an authenticated client (dropped files travel in one message). */
  maxMessageBytes: number;
  /** Calls one client may have running at once. */
  maxCallsInFlight: number;
  /** Replies and events waiting to be read by a client before it is dropped. */
  maxBacklogBytes: number;
  /** HTTP connections at once (page loads; WebSockets are counted above; a newcomer always gets a slot: ConnectionSlots). */
  maxHttpConnections: number;
}

export const DEFAULT_LIMITS: HostLimits = {
  preHelloBytes: 16 * 1024,
  helloTimeoutMs: 5_000,
  maxPending: 64,
  maxClients: 256,
  maxMessageBytes: 256 * 1024 * 1024,
  maxCallsInFlight: 1024,
  maxBacklogBytes: 256 * 1024 * 1024,
  maxHttpConnections: 512,
};

export interface HostOptions {
  core: Core;
  /** Directory of the built renderer (out/renderer). */
  rendererDir: string;
  host?: string;
  port?: number;
  /** More names the `Host` header may carry (e.g. the machine's DNS name when bound to 0.0.0.0). */
  allowedHosts?: string[];
  limits?: Partial<HostLimits>;
  /** Where the host reports what it refused or survived (default: stderr). */
  log?: (line: string) => void;
}

export interface RunningHost {
  /** The URL to open on this machine: it carries the access token. */
  url: string;
  /**
   * Every URL that reaches the host, `url` first (`reachableNames`): bound to every interface, also
   * the machine's own addresses and name, which other machines open; and the `allowedHosts` names.
   */
  urls: string[];
  /** The address it listens on, as bound (`0.0.0.0` or `::`: every interface). */
  address: string;
  /** Whether it listens on more than loopback: other machines can reach it, over plain HTTP. */
  reachableFromNetwork: boolean;
  /** The token every WebSocket client must present in its hello. */
  token: string;
  port: number;
  close(): Promise<void>;
}

/** WebSocket close codes the host uses (4xxx: application codes; clients show them). */
export const CLOSE = {
  /** No valid token in the hello. */
  unauthorized: 4401,
  /** The first message was not a hello. */
  badHello: 4400,
  /** No hello in time. */
  helloTimeout: 4408,
  /** Too many connections. */
  busy: 4429,
  /** The client did not read its replies. */
  backlog: 4413,
  /** The host is stopping (RFC 6455 "going away"): a client tries again later, as after any drop. */
  goingAway: 1001,
} as const;

/** How long clients have to answer the host's close before their connections are ended. */
const CLOSE_WAIT_MS = 1_000;

/**
 * Headers a request may have. Node's own cap (`maxHeadersCount`) ignores the headers after it
 * without a word: an `Origin` or a second `Host` placed after them would never be checked. So Node
 * keeps them all (its 16 KiB bound on their size still holds) and a request with more is refused.
 */
const MAX_HEADERS = 100;

function tooManyHeaders(req: IncomingMessage): boolean {
  return req.rawHeaders.length / 2 > MAX_HEADERS;
}

const MIME: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
  '.cif': 'text/plain; charset=utf-8',
};

const SECURITY_HEADERS = {
  'Content-Security-Policy': CONTENT_SECURITY_POLICY,
  'X-Content-Type-Options': 'nosniff',
  'X-Frame-Options': 'DENY',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
  'Cache-Control': 'no-cache',
};

const HelloMessage = z.object({ kind: z.literal('hello'), token: z.string().max(1024).optional() });
const CallMessage = z.object({
  kind: z.literal('call'),
  id: z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  service: z.string().min(1).max(100),
  method: z.string().min(1).max(100),
  arg: z.unknown().optional(),
});

function plain(res: ServerResponse, status: number, text: string): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  res.writeHead(status, { ...SECURITY_HEADERS, 'Content-Type': 'text/plain; charset=utf-8' }).end(text);
}

async function serveStatic(rendererDir: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    res.setHeader('Allow', 'GET, HEAD');
    plain(res, 405, 'method not allowed');
    return;
  }
  let rel: string;
  try {
    rel = decodeURIComponent(new URL(req.url ?? '/', 'http://host.invalid').pathname);
  } catch {
    plain(res, 400, 'bad request: the path is not valid percent-encoding');
    return;
  }
  if (rel.includes('\0')) {
    plain(res, 400, 'bad request');
    return;
  }
  if (rel === '/' || rel === '') rel = '/index.html';
  const file = normalize(join(rendererDir, rel));
  if (!file.startsWith(rendererDir + sep)) {
    plain(res, 404, 'not found');
    return;
  }
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a file');
    res.writeHead(200, { ...SECURITY_HEADERS, 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream', 'Content-Length': info.size });
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    // streamed: a client that does not read holds a small buffer, not the file
    pipeline(createReadStream(file), res).catch(() => res.destroy());
  } catch {
    // Browsers ask for /favicon.ico on their own; the page declares its icon, so answer with no content.
    if (rel === '/favicon.ico') res.writeHead(204, SECURITY_HEADERS).end();
    else plain(res, 404, 'not found');
  }
}

/** Refuses an upgrade on the raw socket with an HTTP status. */
function refuseUpgrade(socket: Duplex, status: number, reason: string): void {
  if (socket.writable) {
    socket.end(`HTTP/1.1 ${status} ${reason}\r\nConnection: close\r\nContent-Type: text/plain\r\nContent-Length: ${Buffer.byteLength(reason)}\r\n\r\n${reason}`);
  }
  socket.destroy();
}

function rawText(data: RawData): string {
  if (Buffer.isBuffer(data)) return data.toString('utf8');
  if (Array.isArray(data)) return Buffer.concat(data).toString('utf8');
  return Buffer.from(data).toString('utf8');
}

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const boundHost = options.host ?? '127.0.0.1';
  const limits = { ...DEFAULT_LIMITS, ...options.limits };
  const log = options.log ?? ((line: string) => process.stderr.write(`latticework host: ${line}\n`));
  const token = randomBytes(24).toString('hex');
  const rendererDir = normalize(options.rendererDir);
  const { core } = options;
  let allowedHosts = new Set<string>();

  const server = createServer((req, res) => {
    try {
      if (tooManyHeaders(req)) {
        res.setHeader('Connection', 'close');
        plain(res, 431, `request header fields too large: more than ${MAX_HEADERS} headers`);
        return;
      }
      if (!requestNamesThisHost(req, allowedHosts)) {
        plain(res, 403, 'forbidden: this host answers only to the address it was started on (see the URL it printed)');
        return;
      }
      serveStatic(rendererDir, req, res).catch((err: unknown) => {
        log(`request failed: ${(err as Error)?.message}`);
        plain(res, 500, 'internal error');
      });
    } catch (err) {
      log(`request failed: ${(err as Error)?.message}`);
      plain(res, 500, 'internal error');
    }
  });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  // an HTTP connection idle for a minute (e.g. a client that stopped reading) is closed; upgraded WebSockets are not affected
  server.setTimeout(60_000, (socket) => socket.destroy());
  server.maxHeadersCount = 0; // no silent cap: tooManyHeaders refuses
  // every connection is an HTTP connection until its upgrade; the slots, not `maxConnections`, bound them
  const httpConnections = new ConnectionSlots(limits.maxHttpConnections);
  server.on('connection', (socket: Socket) => {
    httpConnections.take(socket, socket.remoteAddress ?? 'unknown');
    socket.once('close', () => httpConnections.free(socket));
  });
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    socket.destroy();
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: limits.maxMessageBytes, perMessageDeflate: false });
  wss.on('error', (err) => log(`WebSocket server error: ${err.message}`));
  const clients = new Set<WebSocket>();
  const waitingForHello = new ConnectionSlots(limits.maxPending);
  let nextClient = 1;

  /** Sends one message, serialised and sent guarded; a reply that cannot be serialised becomes an error reply. */
  function send(ws: WebSocket, msg: WireMessage): void {
    if (ws.readyState !== ws.OPEN) return;
    let frame: string;
    try {
      frame = JSON.stringify(msg);
    } catch (err) {
      if (msg.kind !== 'result') {
        log(`a ${msg.kind} could not be serialised: ${(err as Error).message}`);
        return;
      }
      frame = JSON.stringify({
        kind: 'result',
        id: msg.id,
        ok: false,
        error: { name: 'SerializationError', message: `the reply could not be serialised (${(err as Error).message})` },
      });
    }
    if (ws.bufferedAmount + frame.length > limits.maxBacklogBytes) {
      log('dropped a client that does not read its replies');
      ws.close(CLOSE.backlog, 'replies are not being read');
      ws.terminate();
      return;
    }
    try {
      ws.send(frame, (err) => err && log(`send failed: ${err.message}`));
    } catch (err) {
      log(`send failed: ${(err as Error).message}`);
    }
  }

  function onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    httpConnections.free(socket);
    socket.on('error', (err) => log(`connection error: ${err.message}`));
    if (tooManyHeaders(req)) return refuseUpgrade(socket, 431, 'Request Header Fields Too Large');
    if (!requestNamesThisHost(req, allowedHosts)) return refuseUpgrade(socket, 403, 'Forbidden');
    const hostHeader = req.headers.host!;
    let pathname: string;
    try {
      pathname = new URL(req.url ?? '/', 'http://host.invalid').pathname;
    } catch {
      return refuseUpgrade(socket, 400, 'Bad Request');
    }
    if (pathname !== '/ws') return refuseUpgrade(socket, 404, 'Not Found');
    const origin = req.headers.origin;
    if (!originAllowed(typeof origin === 'string' ? origin : undefined, hostHeader!)) return refuseUpgrade(socket, 403, 'Forbidden');
    if (clients.size >= limits.maxClients) return refuseUpgrade(socket, 503, 'Service Unavailable');
    waitingForHello.take(socket, req.socket.remoteAddress ?? 'unknown');
    const release = () => waitingForHello.free(socket);
    socket.once('close', release);
    if (head.length > limits.preHelloBytes) return refuseUpgrade(socket, 413, 'Payload Too Large');
    wss.handleUpgrade(req, socket, head, (ws) => {
      // Until the hello is accepted, a connection may send only a few kilobytes, whatever frame
      // sizes it announces. Metered after the WebSocket's own reader, which has handled any hello
      // in the same chunk by then.
      let received = head.length;
      let open = true;
      const meter = (chunk: Buffer) => {
        if (!open) return;
        received += chunk.length;
        if (received > limits.preHelloBytes) {
          log('closed a connection that sent too much before its hello');
          socket.destroy();
        }
      };
      socket.on('data', meter);
      try {
        onConnection(ws, () => {
          open = false;
          socket.off('data', meter);
          release();
        });
      } catch (err) {
        log(`connection setup failed: ${(err as Error).message}`);
        ws.terminate();
      }
    });
  }

  function onConnection(ws: WebSocket, authenticated: () => void): void {
    const clientId = `ws-${nextClient++}`;
    let authed = false;
    let inFlight = 0;
    const helloTimer = setTimeout(() => {
      if (!authed) {
        log(`${clientId}: closed (${CLOSE.helloTimeout}): no hello in ${limits.helloTimeoutMs} ms`);
        ws.close(CLOSE.helloTimeout, 'no hello in time');
        setTimeout(() => ws.terminate(), 1000).unref();
      }
    }, limits.helloTimeoutMs);
    helloTimer.unref();
    ws.on('error', (err) => log(`${clientId}: ${err.message}`));
    ws.on('close', () => {
      clearTimeout(helloTimer);
      clients.delete(ws);
    });
    // a refusal is logged: who tried to connect without the token is the user's business (and a test's evidence)
    const refuse = (code: number, reason: string) => {
      log(`${clientId}: refused (${code}): ${reason}`);
      ws.close(code, reason);
      setTimeout(() => ws.terminate(), 1000).unref();
    };

    const onHello = (text: string) => {
      let hello: z.infer<typeof HelloMessage>;
      try {
        hello = HelloMessage.parse(JSON.parse(text));
      } catch {
        refuse(CLOSE.badHello, 'the first message must be {"kind":"hello","token":...}');
        return;
      }
      if (!sameToken(token, hello.token)) {
        refuse(CLOSE.unauthorized, 'a valid access token is required');
        return;
      }
      if (clients.size >= limits.maxClients) {
        refuse(CLOSE.busy, 'too many clients');
        return;
      }
      authed = true;
      clearTimeout(helloTimer);
      authenticated();
      clients.add(ws);
    };

    const onCall = (text: string) => {
      let raw: unknown;
      try {
        raw = JSON.parse(text);
      } catch {
        send(ws, { kind: 'error', error: { name: 'ProtocolError', message: 'a message was not JSON' } });
        return;
      }
      if (raw !== null && typeof raw === 'object' && (raw as { kind?: unknown }).kind === 'hello') return; // a repeated hello
      const call = CallMessage.safeParse(raw);
      if (!call.success) {
        const id = (raw as { id?: unknown } | null)?.id;
        const message = `a message is not a call {kind: "call", id, service, method, arg}: ${call.error.issues
          .map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message))
          .join('; ')}`;
        if (typeof id === 'number' && Number.isSafeInteger(id) && id >= 0) {
          send(ws, { kind: 'result', id, ok: false, error: { name: 'ProtocolError', message } });
        } else send(ws, { kind: 'error', error: { name: 'ProtocolError', message } });
        return;
      }
      const { id, service, method, arg } = call.data;
      if (inFlight >= limits.maxCallsInFlight) {
        send(ws, { kind: 'result', id, ok: false, error: { name: 'BusyError', message: `more than ${limits.maxCallsInFlight} calls at once on one connection` } });
        return;
      }
      inFlight++;
      core.dispatcher
        .dispatch(service, method, arg, { clientId })
        .catch((err: unknown) => ({ ok: false as const, error: toWireError(err) }))
        .then((result) => send(ws, { kind: 'result', id, ...result } as WireMessage))
        .catch((err: unknown) => log(`${clientId}: reply failed: ${(err as Error)?.message}`))
        .finally(() => inFlight--);
    };

    ws.on('message', (data: RawData, isBinary: boolean) => {
      try {
        // a connection being closed (refused, or dropped for its backlog) is done: what it sent after
        // is not read (a refused client's queued call would be refused, and logged, a second time)
        if (ws.readyState !== ws.OPEN) return;
        if (!authed) {
          if (isBinary) refuse(CLOSE.badHello, 'the first message must be a JSON hello');
          else onHello(rawText(data));
          return;
        }
        if (isBinary) {
          send(ws, { kind: 'error', error: { name: 'ProtocolError', message: 'binary messages are not understood' } });
          return;
        }
        onCall(rawText(data));
      } catch (err) {
        log(`${clientId}: message failed: ${(err as Error)?.message}`);
      }
    });
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    try {
      onUpgrade(req, socket, head);
    } catch (err) {
      log(`upgrade failed: ${(err as Error)?.message}`);
      socket.destroy();
    }
  });

  const disconnectEvents = core.events.connect((service, event, payload) => {
    for (const ws of clients) send(ws, { kind: 'event', service, event, payload });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, boundHost, () => {
      server.off('error', reject);
      resolve();
    });
  });
  server.on('error', (err) => log(`server error: ${err.message}`));
  const { address, port } = server.address() as AddressInfo;
  const names = reachableNames(boundHost, address, options.allowedHosts);
  allowedHosts = allowedHostHeaders(names, port);
  const urls = names.map((name) => `http://${urlHost(name)}:${port}/?token=${token}`);

  return {
    url: urls[0],
    urls,
    address,
    reachableFromNetwork: !loopbackAddress(address),
    token,
    port,
    async close() {
      disconnectEvents();
      // a close frame, then a moment for the clients' answers: they see the host go away, not a dropped connection (1006)
      const closed = [...wss.clients].map(
        (ws) =>
          new Promise((resolve) => {
            ws.once('close', resolve);
            ws.close(CLOSE.goingAway, 'the Latticework host is stopping');
          }),
      );
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([Promise.all(closed), new Promise((resolve) => (timer = setTimeout(resolve, CLOSE_WAIT_MS)))]);
      clearTimeout(timer);
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * The last resort of a host process: an error no handler caught is logged and the host keeps
 * serving (every request path is guarded; this catches what a future change forgets). Returns a
 * function that removes the handlers.
 */
export function keepServingOnUnexpectedErrors(log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): () => void {
  const onError = (err: unknown) => log(`latticework: unexpected error, still serving: ${(err as Error)?.stack ?? String(err)}`);
  process.on('uncaughtException', onError);
  process.on('unhandledRejection', onError);
  return () => {
    process.off('uncaughtException', onError);
    process.off('unhandledRejection', onError);
  };
}
