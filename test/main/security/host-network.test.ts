/**
 * `latticework serve --host`: an address this machine does not have, or a name that does not
 * resolve, is refused in words naming it (exit 1; `{"error"}` with --json), as a port in use is, not
 * with a Node stack trace.
 */
import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { parseServeArgs } from '../../../src-main/cli/commands/serve';
import { serveRefused } from './host-process';

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
