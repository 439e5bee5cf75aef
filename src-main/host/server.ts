/**
 * Browser mode: serves the built renderer and the contract over a WebSocket
 * (`/ws`) from a plain Node process. Binds 127.0.0.1 unless told otherwise; on
 * any other address every connection must present the access token printed at
 * start. WebSocket upgrades from another origin are refused (no cross-site use
 * of a local host).
 */
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, sep } from 'node:path';
import type { AddressInfo } from 'node:net';
import { WebSocketServer } from 'ws';
import type { WebSocket } from 'ws';
import type { WireMessage } from '../../src-shared/ipc/define';
import type { Core } from '../app/core';
import { CONTENT_SECURITY_POLICY } from './csp';

export interface HostOptions {
  core: Core;
  /** Directory of the built renderer (out/renderer). */
  rendererDir: string;
  host?: string;
  port?: number;
  /** Require a token even on loopback (tests). Always required on other addresses. */
  requireToken?: boolean;
}

export interface RunningHost {
  url: string;
  /** The token clients must present, or null on loopback without one. */
  token: string | null;
  port: number;
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);
const MAX_MESSAGE_BYTES = 256 * 1024 * 1024;

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

function sameToken(expected: string, given: unknown): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function serveStatic(rendererDir: string, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  let rel = decodeURIComponent(url.pathname);
  if (rel === '/' || rel === '') rel = '/index.html';
  const file = normalize(join(rendererDir, rel));
  const headers = {
    'Content-Security-Policy': CONTENT_SECURITY_POLICY,
    'X-Content-Type-Options': 'nosniff',
    'Referrer-Policy': 'no-referrer',
    'Cross-Origin-Opener-Policy': 'same-origin',
    'Cache-Control': 'no-cache',
  };
  if (!file.startsWith(rendererDir + sep) || (req.method !== 'GET' && req.method !== 'HEAD')) {
    res.writeHead(404, headers).end('not found');
    return;
  }
  try {
    const info = await stat(file);
    if (!info.isFile()) throw new Error('not a file');
    const body = await readFile(file);
    res.writeHead(200, { ...headers, 'Content-Type': MIME[extname(file)] ?? 'application/octet-stream' });
    res.end(req.method === 'HEAD' ? undefined : body);
  } catch {
    // Browsers ask for /favicon.ico on their own; the page declares its icon, so answer with no content.
    if (rel === '/favicon.ico') res.writeHead(204, headers).end();
    else res.writeHead(404, headers).end('not found');
  }
}

export async function startHost(options: HostOptions): Promise<RunningHost> {
  const host = options.host ?? '127.0.0.1';
  const needsToken = options.requireToken === true || !LOOPBACK.has(host);
  const token = needsToken ? randomBytes(24).toString('hex') : null;
  const rendererDir = normalize(options.rendererDir);
  const { core } = options;

  const server = createServer((req, res) => void serveStatic(rendererDir, req, res));
  const wss = new WebSocketServer({ noServer: true, maxPayload: MAX_MESSAGE_BYTES });
  const authed = new Set<WebSocket>();
  let nextClient = 1;

  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://localhost');
    const origin = req.headers.origin;
    const sameOrigin = origin === undefined || new URL(origin).host === req.headers.host;
    if (url.pathname !== '/ws' || !sameOrigin) {
      socket.write('HTTP/1.1 403 Forbidden\r\n\r\n');
      socket.destroy();
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const disconnectEvents = core.events.connect((service, event, payload) => {
    const frame = JSON.stringify({ kind: 'event', service, event, payload } satisfies WireMessage);
    for (const ws of authed) ws.send(frame);
  });

  wss.on('connection', (ws: WebSocket) => {
    const clientId = `ws-${nextClient++}`;
    ws.on('close', () => authed.delete(ws));
    ws.on('message', (data) => {
      let msg: WireMessage;
      try {
        msg = JSON.parse(String(data)) as WireMessage;
      } catch {
        ws.close(1003, 'not JSON');
        return;
      }
      if (msg.kind === 'hello') {
        if (token && !sameToken(token, msg.token)) {
          ws.close(4401, 'a valid access token is required');
          return;
        }
        authed.add(ws);
        return;
      }
      if (msg.kind !== 'call' || typeof msg.id !== 'number') return;
      if (!authed.has(ws)) {
        ws.close(4401, 'a valid access token is required');
        return;
      }
      void core.dispatcher
        .dispatch(String(msg.service), String(msg.method), msg.arg, { clientId })
        .then((result) => {
          if (ws.readyState === ws.OPEN) ws.send(JSON.stringify({ kind: 'result', id: msg.id, ...result }));
        });
    });
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  const url = `http://${shownHost}:${port}/${token ? `?token=${token}` : ''}`;

  return {
    url,
    token,
    port,
    async close() {
      disconnectEvents();
      for (const ws of wss.clients) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
