/**
 * Who may talk to the browser-mode host: requests must name the host as it is bound, or loopback on
 * any port (the `Host` header: no DNS rebinding), WebSocket upgrades must come from a page of this
 * host (the `Origin` header), and a WebSocket client must present the access token in its hello.
 */
import { timingSafeEqual } from 'node:crypto';
import { hostname, networkInterfaces } from 'node:os';

/** The addresses that bind every interface: `0.0.0.0` (IPv4), `::` (IPv6 and IPv4). */
const EVERY_INTERFACE = new Set(['0.0.0.0', '::']);

/** How an address is written in a URL or a Host header ([::1] for IPv6). */
export function urlHost(address: string): string {
  return address.includes(':') && !address.startsWith('[') ? `[${address}]` : address;
}

/** Whether the address a host is bound to listens on every interface. */
export function everyInterface(address: string): boolean {
  return EVERY_INTERFACE.has(address);
}

/** Whether an address is loopback (127.0.0.0/8, ::1, an IPv4-mapped 127.x): only this machine reaches it. */
export function loopbackAddress(address: string): boolean {
  return /^(?:::ffff:)?127\./i.test(address) || address === '::1';
}

/**
 * The names a browser reaches the host by, the one to open on this machine first: bound to every
 * interface (`bound`, the address it listens on), 127.0.0.1, then each of the machine's own
 * addresses that other machines reach (IPv4 ones only on `0.0.0.0`; no link-local IPv6, which a URL
 * cannot name without its interface) and its host name; otherwise the address or name it was given
 * (`given`); then the names given with `--allow-host`.
 */
export function reachableNames(given: string, bound: string, extra: readonly string[] = []): string[] {
  const names: string[] = [];
  if (everyInterface(bound)) {
    names.push('127.0.0.1');
    for (const list of Object.values(networkInterfaces())) {
      for (const i of list ?? []) {
        if (!i.internal && (i.family === 'IPv4' || (bound === '::' && !/^fe80:/i.test(i.address)))) names.push(i.address);
      }
    }
    names.push(hostname());
  } else names.push(given);
  names.push(...extra);
  return [...new Set(names.map((n) => n.toLowerCase()))];
}

/**
 * The `Host` header values the host answers to besides loopback names (`loopbackHostHeader`): the
 * names it is reached by (`reachableNames`) on its port, and without a port on port 80.
 */
export function allowedHostHeaders(names: readonly string[], port: number): Set<string> {
  const out = new Set<string>();
  for (const n of names) {
    out.add(`${urlHost(n)}:${port}`);
    if (port === 80) out.add(urlHost(n));
  }
  return out;
}

/** A loopback name with a port (1–65535) or without one (port 80), as a browser writes it in `Host`. */
const LOOPBACK_HOST_HEADER = /^(?:127\.0\.0\.1|localhost|\[::1\])(?::([1-9]\d{0,4}))?$/;

/**
 * Whether a `Host` header names a loopback name (`127.0.0.1`, `localhost`, `[::1]`) on any port,
 * whatever the host is bound to. A browser sends one only for a page of its own machine's loopback,
 * which reaches this host only through a forwarder set up on that machine (`ssh -L 8080:127.0.0.1:4780`:
 * the browser names the local port, 8080). A DNS-rebinding page sends its own name, never one of
 * these; a page of another local port cannot open the WebSocket (its `Origin` is not this `Host`:
 * `originAllowed`), and whoever can run a forwarder can connect to the port directly anyway: the
 * token is what keeps them out.
 */
function loopbackHostHeader(header: string): boolean {
  const name = LOOPBACK_HOST_HEADER.exec(header);
  return name !== null && (name[1] === undefined || Number(name[1]) <= 65535);
}

/** Whether a request's `Host` header names this host. */
function hostHeaderAllowed(header: string | undefined, allowed: ReadonlySet<string>): boolean {
  if (typeof header !== 'string') return false;
  const lower = header.toLowerCase();
  return loopbackHostHeader(lower) || allowed.has(lower);
}

/**
 * Whether a request names this host and no other: exactly one `Host` header (Node keeps the first of
 * several; HTTP requires refusing them), naming this host, and a request target in origin form
 * (`/path`; an absolute URL in the request line would name its own authority instead).
 */
export function requestNamesThisHost(req: { rawHeaders: readonly string[]; headers: { host?: string }; url?: string }, allowed: ReadonlySet<string>): boolean {
  let hosts = 0;
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i].toLowerCase() === 'host') hosts++;
  return hosts === 1 && (req.url ?? '').startsWith('/') && hostHeaderAllowed(req.headers.host, allowed);
}

/** Whether a WebSocket upgrade comes from a page of this host (or from no page: a script, which has no Origin). */
export function originAllowed(origin: string | undefined, hostHeader: string): boolean {
  if (origin === undefined) return true;
  return origin.toLowerCase() === `http://${hostHeader.toLowerCase()}`;
}

/** Compares a presented token with the expected one in constant time. */
export function sameToken(expected: string, given: unknown): boolean {
  if (typeof given !== 'string' || given.length > 1024) return false;
  const a = Buffer.from(expected);
  const b = Buffer.from(given);
  return a.length === b.length && timingSafeEqual(a, b);
}
