/** `latticework serve`: browser mode — the core and the renderer on a local HTTP/WebSocket host. */
import { hostname } from 'node:os';
import { fileURLToPath } from 'node:url';
import { createCore } from '../../app/core';
import { platformDataDirectory, resolveDatabasePath } from '../../app/paths';
import { everyInterface } from '../../host/access';
import { keepServingOnUnexpectedErrors, startHost } from '../../host/server';
import type { RunningHost } from '../../host/server';
import { parseOptions, usageError, type Command, type CliIo } from '../command';
import { onStopSignal, signalName, type StopSignal } from '../signals';

export const DEFAULT_PORT = 4780;

const usage = `Usage: latticework serve [--port N] [--host ADDRESS] [--allow-host NAME]... [--db PATH] [--json]

Starts Latticework in browser mode: the same app, served to a browser by this
process. Binds 127.0.0.1 by default. The printed URL carries a new access token
each time: open that URL (the page keeps the token for its tab); without it
nobody else (other users of the machine, web pages) can connect. Scripts send
the token in their WebSocket hello ({"kind": "hello", "token": ...}).
Ctrl-C or SIGTERM stops it: the simulations, runs and imports in progress are
left interrupted, with what they wrote (resume them after the next start), a line
each on stderr says what was kept, and clients see the host go away (close code
1001). The same signal again quits at once.
  --port N           port to listen on (default ${DEFAULT_PORT}; 0 picks a free one)
  --host ADDRESS     address to bind (default 127.0.0.1: this machine only; 0.0.0.0:
                     every interface, e.g. on a GPU workstation: it prints a URL for each
                     of the machine's addresses and warns that the connection is plain
                     HTTP, not encrypted)
  --allow-host NAME  another name the browser may use for this host (e.g. its DNS
                     name behind 0.0.0.0), on its port; repeatable. Requests naming
                     any other host are refused (DNS rebinding); 127.0.0.1, localhost
                     and [::1] are answered on any port (an SSH forward to another
                     local port: ssh -L 8080:127.0.0.1:4780).
  --db PATH          database file (default $LATTICEWORK_DB, else the data directory)
  --json             print {"url", "token", "urls", "database", "backend"} once ready
                     ("urls": every URL that reaches it, "url" first)`;

export interface ServeOptions {
  port: number;
  host: string;
  allowHosts?: string[];
  db?: string;
  json: boolean;
  /** Printed before the URL (npm start's explanation of why browser mode). */
  preamble?: string;
}

export async function serve(options: ServeOptions, io: CliIo): Promise<number> {
  const dataDirectory = platformDataDirectory();
  const core = await createCore({
    mode: 'browser',
    dataDirectory,
    databasePath: resolveDatabasePath(dataDirectory, options.db),
  });
  const rendererDir = fileURLToPath(new URL('../renderer', import.meta.url));
  let host: RunningHost;
  try {
    host = await startHost({ core, rendererDir, host: options.host, port: options.port, allowedHosts: options.allowHosts });
  } catch (err) {
    await core.dispose();
    const problem = cannotListen(err as NodeJS.ErrnoException, options);
    if (problem === undefined) throw err;
    io.err(`latticework serve: ${problem}`);
    return 1;
  }
  // heard from before the host says it is ready: a script that sends SIGTERM as soon as it reads the URL
  // (a test, a supervisor) would otherwise, now and then, end the process unheard, its work not interrupted
  const stopSignal = new Promise<StopSignal>((resolve) => {
    const off = onStopSignal((sig) => {
      off();
      resolve(sig);
    });
  });
  const restore = keepServingOnUnexpectedErrors();
  const info = await core.dispatcher.dispatch('system', 'info', {}, { clientId: 'cli' });
  const backend = info.ok ? (info.value as { backend: { name: string } }).backend.name : 'unknown';
  const listening = everyInterface(host.address) ? `every network interface (${host.address})` : host.address;
  if (options.json) {
    io.out(JSON.stringify({ url: host.url, token: host.token, urls: host.urls, database: core.db.path, backend }));
  } else {
    if (options.preamble) io.out(options.preamble);
    io.out(`Latticework (browser mode) is running at ${host.url}`);
    io.out('  open that URL: it carries this session\'s access token (nobody can connect without it)');
    for (const url of host.urls.slice(1)) io.out(`  also at ${url}`);
    if (host.reachableFromNetwork) io.out(`  listening on ${listening}: other machines can connect, with the token`);
    io.out(`  database: ${core.db.path}`);
    io.out(`  compute backend: ${backend}`);
    io.out('Press Ctrl+C to stop.');
  }
  if (host.reachableFromNetwork) {
    io.err(
      `latticework serve: warning: listening on ${listening} over plain HTTP and WebSocket, not encrypted: anyone who can watch the network ` +
        `can read the access token and all the app shows. Use it only on a network you trust, or serve on 127.0.0.1 (no --host) ` +
        `and connect through an SSH tunnel: ssh -L ${host.port}:127.0.0.1:${host.port} ${hostname()}, then open its 127.0.0.1 URL`,
    );
  }
  const signal = await stopSignal;
  // the work in progress is interrupted and says what it kept (resumable); the clients then see the host go away (1001)
  io.err(`latticework serve: stopping (${signalName(signal)} again quits at once)`);
  for (const line of await core.dispose()) io.err(`latticework serve: ${line}`);
  await host.close();
  restore();
  io.err('latticework serve: stopped');
  return 0;
}

/**
 * Why the host could not listen on `--host` and `--port`, in words naming them (the port in use,
 * an address this machine does not have, a name that does not resolve); undefined for an error
 * that is not the listen's.
 */
function cannotListen(err: NodeJS.ErrnoException & { address?: string }, { host, port }: Pick<ServeOptions, 'host' | 'port'>): string | undefined {
  if (err.code === 'EADDRINUSE') return `port ${port} on ${host} is in use (is Latticework already running?); choose another with --port`;
  const own = 'give --host an address of this machine (127.0.0.1, the default; 0.0.0.0 for every interface) or a name that resolves to one';
  if (err.code === 'EADDRNOTAVAIL') {
    const resolved = err.address !== undefined && err.address !== host ? ` (${err.address})` : '';
    return `cannot listen on ${host}${resolved}: this machine has no such address (EADDRNOTAVAIL); ${own}`;
  }
  if (err.syscall === 'getaddrinfo') return `cannot listen on ${host}: it is not an IP address, and no address was found for it as a host name (${err.code}); ${own}`;
  if (err.syscall === 'listen') return `cannot listen on ${host}, port ${port} (${err.message})`;
  return undefined;
}

export function parseServeArgs(argv: string[]): ServeOptions {
  const { values } = parseOptions({
    args: argv,
    options: {
      port: { type: 'string', default: String(DEFAULT_PORT) },
      host: { type: 'string', default: '127.0.0.1' },
      'allow-host': { type: 'string', multiple: true },
      db: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
    strict: true,
  });
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be 0..65535, not "${values.port}"`);
  // an empty address binds every interface (Node's default), not what an empty --host "$HOST" meant
  if (values.host.trim() === '') throw new Error('--host must name an address or a host name, not ""');
  return { port, host: values.host, allowHosts: values['allow-host'], db: values.db, json: values.json };
}

export const serveCommand: Command = {
  usage,
  async run({ argv, io }) {
    let options: ServeOptions;
    try {
      options = parseServeArgs(argv);
    } catch (err) {
      return usageError(io, 'serve', (err as Error).message, usage);
    }
    return serve(options, io);
  },
};
