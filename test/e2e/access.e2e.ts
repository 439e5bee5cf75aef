/**
 * Browser mode's access token in the real UI: the printed URL just works, the token leaves the
 * address bar and survives a reload, and a browser without it is refused with a clear message.
 * A page whose host is killed says so above its work, a section it cannot load says why in the work
 * area, and after a restart (a new token) it says in full to open the URL the host printed, with no
 * "retry" that cannot work; one whose host is stopped with Ctrl-C (close 1001) says it is lost too.
 * The Doctor dialog is a modal one: focus moves in, Escape closes it.
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

describe('a page whose host is killed and restarted', () => {
  it('says the connection is lost, why a section cannot be opened, and after the restart to open the printed URL; the Doctor dialog takes focus and closes with Escape', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latticework-e2e-restart-'));
    const db = join(dir, 'restart.sqlite');
    let server = await startServer(db);
    const browser = await launchBrowser();
    try {
      const page = await openPage(browser, server.url, []);
      await waitUntilConnected(page);

      // the Doctor by keyboard: focus moves into the dialog; Escape closes it and gives focus back to the link
      await page.getByTestId('status-doctor').focus();
      await page.keyboard.press('Enter');
      await page.getByTestId('doctor-panel').waitFor();
      expect(await page.evaluate(() => document.activeElement?.closest('[data-testid="doctor-panel"]') !== null)).toBe(true);
      await page.keyboard.press('Escape');
      await page.getByTestId('doctor-panel').waitFor({ state: 'detached' });
      expect(await page.evaluate(() => document.activeElement?.getAttribute('data-testid'))).toBe('status-doctor');

      const port = Number(new URL(server.url).port);
      await stopServer(server, 'SIGKILL');
      const banner = page.getByTestId('connection-banner');
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(/Connection to the Latticework host lost\. Runs and results on screen are as they were when it dropped/);
      // Runs was never opened: its files cannot be fetched now, and the work area says so instead of keeping Structures
      await page.getByTestId('nav-runs').click();
      const viewError = page.getByTestId('view-error');
      await viewError.waitFor();
      expect(await viewError.textContent()).toMatch(/^Runs could not be opened: \S/);
      expect(await page.getByTestId('view-structures').count()).toBe(0);

      // the host again on the same port, with a new token: the page's is refused, said in full, nothing to retry
      server = await startServer(db, port);
      const refused = page.getByTestId('status-refused');
      await refused.waitFor({ timeout: 60_000 });
      expect(await refused.textContent()).toMatch(/refused this page's access token .*Open the URL the host printed when it started/);
      expect(await banner.evaluate((e) => e.scrollWidth <= e.clientWidth && e.scrollHeight <= e.clientHeight && e.getBoundingClientRect().height > 0)).toBe(true);
      expect(await page.getByTestId('connection-retry').count()).toBe(0);
      expect(await page.getByText('retry', { exact: true }).count()).toBe(0);
    } finally {
      await browser.close();
      await stopServer(server);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a page whose host is stopped with Ctrl-C', () => {
  it('says the connection to the host is lost, as when it is killed: the host closes it as going away (1001), not refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'latticework-e2e-stopped-'));
    const server = await startServer(join(dir, 'stopped.sqlite'));
    const browser = await launchBrowser();
    try {
      const page = await openPage(browser, server.url, []);
      await waitUntilConnected(page);
      await stopServer(server, 'SIGINT');
      const banner = page.getByTestId('connection-banner');
      await banner.waitFor();
      expect(await banner.textContent()).toMatch(/Connection to the Latticework host lost\. Runs and results on screen are as they were when it dropped/);
      expect(await page.getByTestId('status-refused').count()).toBe(0);
    } finally {
      await browser.close();
      await stopServer(server);
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
