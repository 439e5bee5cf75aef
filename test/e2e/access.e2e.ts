/**
 * Browser mode's access token in the real UI: the printed URL just works, the token leaves the
 * address bar and survives a reload, and a browser without it is refused with a clear message.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { launchBrowser, openPage, startServer, stopServer, waitUntilConnected } from './app';

describe('browser mode access', () => {
  it('opens with the printed URL, takes the token out of the address bar, keeps it on reload, and refuses a browser without it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latticework-e2e-access-'));
    const server = await startServer(join(dir, 'access.sqlite'));
    const browser = await launchBrowser();
    try {
      const errors: string[] = [];
      const page = await openPage(browser, server.url, errors);
      await waitUntilConnected(page);
      expect(new URL(server.url).searchParams.get('token')).toMatch(/^[0-9a-f]{48}$/);
      expect(page.url()).not.toContain('token');
      await page.reload();
      await waitUntilConnected(page);
      expect(errors).toEqual([]);

      // another browser (another user, or a tab opened at the bare address): no token, refused
      const bare = server.url.split('?')[0];
      const other = await openPage(browser, bare, []);
      const refused = other.getByTestId('status-refused');
      await refused.waitFor();
      expect(await refused.textContent()).toMatch(/access token is required/);
    } finally {
      await browser.close();
      await stopServer(server);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
