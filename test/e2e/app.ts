/**
 * Launches the real, built app for end-to-end tests: browser mode (`latticework serve`)
 * driven in Chromium, which is what CI and this project's machines run (Electron cannot
 * start here). Only when LATTICEWORK_E2E_ELECTRON names an Electron binary does a launch
 * open the desktop window instead; no machine of this project exercises that path.
 * Each test file gets a fresh temporary database; console errors and page errors
 * are collected so tests can assert there were none; `api` is a typed client of the same core.
 *
 * A test file takes its app from `appForFile()` (launched before its tests, closed after them):
 *   const { app, api, dir } = appForFile();
 * with `before` for work ahead of the launch (a CLI run into the database) and `restart()` for
 * tests that start the app again on the same database, after a clean close or a kill.
 */
import { execFileSync, spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import WebSocket from 'ws';
import { contract } from '../../src-shared/ipc/contract';
import type { LatticeworkApi } from '../../src-shared/ipc/contract';
import { createClient } from '../../src-shared/ipc/define';
import { createSocketTransport } from '../../src-shared/ipc/socket-transport';
import type { SocketLike } from '../../src-shared/ipc/socket-transport';
import type { Browser, Page } from 'playwright-core';

export const ROOT = new URL('../..', import.meta.url).pathname;
export const ARTEFACTS = join(ROOT, 'test-results', 'e2e');

export interface LaunchedApp {
  page: Page;
  mode: 'desktop' | 'browser';
  url: string;
  databasePath: string;
  /** Console errors and uncaught page errors seen so far. */
  errors: string[];
  /** A typed client of the app's core over its WebSocket, for checking what the UI shows (browser mode only). */
  api: LatticeworkApi;
  screenshot(name: string): Promise<string>;
  /** Kills the app's process outright (SIGKILL), as a crash or a power cut would. */
  kill(): Promise<void>;
  /** Closes the API client, the page and the app (the database stays: appForFile removes its folder). */
  close(): Promise<void>;
}

export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--use-angle=swiftshader',
  '--enable-unsafe-swiftshader',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

interface ServeHandle {
  process: ChildProcessWithoutNullStreams;
  url: string;
}

/** Starts `latticework serve` with the given database on `port` (default: a free one) and waits for its URL. */
export async function startServer(databasePath: string, port = 0): Promise<ServeHandle> {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'latticework.mjs'), 'serve', '--port', String(port), '--json', '--db', databasePath], {
    cwd: ROOT,
    env: { ...process.env },
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const lines = createInterface({ input: child.stdout });
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`latticework serve did not start in time:\n${stderr}`)), 120_000);
    lines.once('line', (line) => {
      clearTimeout(timer);
      try {
        resolve((JSON.parse(line) as { url: string }).url);
      } catch {
        reject(new Error(`unexpected output from latticework serve: ${line}\n${stderr}`));
      }
    });
    child.once('exit', (code) => reject(new Error(`latticework serve exited with ${code}:\n${stderr}`)));
  });
  return { process: child, url };
}

export async function stopServer(handle: ServeHandle, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (handle.process.exitCode !== null) return;
  const exited = new Promise((resolve) => handle.process.once('exit', resolve));
  handle.process.kill(signal);
  await exited;
}

export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env.LATTICEWORK_CHROMIUM ?? '/usr/bin/chromium';
  return chromium.launch({ executablePath, headless: true, args: CHROMIUM_FLAGS });
}

export async function openPage(browser: Browser, url: string, errors: string[]): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  // clicks and waits without a timeout of their own: a loaded machine's window can take long to draw
  page.setDefaultTimeout(60_000);
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
  await page.goto(url);
  return page;
}

/** Launches the app on a database (kept when it closes), waits until its page is connected to the core and (browser mode) connects `api`. */
async function launchApp(databasePath: string): Promise<LaunchedApp> {
  mkdirSync(ARTEFACTS, { recursive: true });
  const errors: string[] = [];
  // Opt-in desktop path (LATTICEWORK_E2E_ELECTRON): playwright's _electron.launch on the built main
  // process. Not run in CI (no Electron binary can be downloaded there).
  const { _electron } = await import('playwright-core');
  const electronPath = process.env.LATTICEWORK_E2E_ELECTRON;
  if (electronPath) {
    const app = await _electron.launch({ executablePath: electronPath, args: [join(ROOT, 'out/main/index.js'), '--db', databasePath] });
    const page = await app.firstWindow();
    page.on('console', (msg) => {
      if (msg.type() === 'error') errors.push(`console: ${msg.text()}`);
    });
    page.on('pageerror', (err) => errors.push(`pageerror: ${err.message}`));
    await waitUntilConnected(page);
    return {
      page,
      mode: 'desktop',
      url: page.url(),
      databasePath,
      errors,
      get api(): LatticeworkApi {
        throw new Error('the e2e API client talks to browser mode only (the desktop window has no WebSocket)');
      },
      screenshot: (name) => shoot(page, name),
      async kill() {
        app.process().kill('SIGKILL');
      },
      async close() {
        await app.close();
      },
    };
  }
  const server = await startServer(databasePath);
  const browser = await launchBrowser();
  const page = await openPage(browser, server.url, errors);
  const client = await connectApi(server.url);
  await waitUntilConnected(page);
  return {
    page,
    mode: 'browser',
    url: server.url,
    databasePath,
    errors,
    api: client.api,
    screenshot: (name) => shoot(page, name),
    async kill() {
      client.close();
      await stopServer(server, 'SIGKILL');
      await browser.close();
    },
    async close() {
      client.close();
      await browser.close();
      await stopServer(server);
    },
  };
}

export interface FileApp {
  /** The running app: every read goes to the current launch (after `restart`, the new one). */
  app: LaunchedApp;
  /** Its API client (`app.api` of the current launch). */
  api: LatticeworkApi;
  /** The file's own temporary folder, removed after its tests; the app's database is `e2e.sqlite` in it. */
  dir: string;
  /** Starts the app again on the same database: after closing it, or after killing it (`kill: true`, as a crash would). */
  restart(options?: { kill?: boolean }): Promise<void>;
}

/**
 * The app of a test file: registers a beforeAll that runs `before` (if any) and launches the app
 * on `dir`/e2e.sqlite, and an afterAll that closes it and removes `dir`. Hooks the file registers
 * after this call run after the launch (and their afterAll before the close).
 */
export function appForFile(options: { before?: (files: { dir: string; databasePath: string }) => unknown; timeout?: number } = {}): FileApp {
  const dir = mkdtempSync(join(tmpdir(), 'latticework-e2e-'));
  const databasePath = join(dir, 'e2e.sqlite');
  let current: LaunchedApp | undefined;
  beforeAll(async () => {
    await options.before?.({ dir, databasePath });
    current = await launchApp(databasePath);
  }, options.timeout);
  afterAll(async () => {
    await current?.close();
    current = undefined;
    rmSync(dir, { recursive: true, force: true });
  });
  const running = (): LaunchedApp => {
    if (!current) throw new Error('the e2e app is not running: appForFile() launches it in beforeAll, for the tests of its file');
    return current;
  };
  return {
    app: forwardTo(running),
    api: forwardTo(() => running().api),
    dir,
    async restart({ kill = false } = {}) {
      const previous = running();
      current = undefined;
      await (kill ? previous.kill() : previous.close());
      current = await launchApp(databasePath);
    },
  };
}

/** An object whose every property is read from what `target()` gives at the time of the read. */
function forwardTo<T extends object>(target: () => T): T {
  return new Proxy({} as T, { get: (_, key) => Reflect.get(target(), key) as unknown });
}

/** Resolves once the status bar says the page is connected to the app's core. */
export async function waitUntilConnected(page: Page): Promise<void> {
  await page.getByTestId('status-connection').filter({ hasText: /connected/i }).waitFor();
}

/** A typed client of the same running app, over its WebSocket (browser mode only). */
async function connectApi(url: string): Promise<{ api: LatticeworkApi; close(): void }> {
  const u = new URL(url);
  const socket = new WebSocket(`ws://${u.host}/ws`);
  const transport = createSocketTransport(socket as unknown as SocketLike, u.searchParams.get('token') ?? undefined);
  await transport.ready;
  return { api: createClient(contract, transport), close: () => transport.close() };
}

/** Runs the command line (built) and parses its JSON output. */
export function cli(args: string[]): unknown {
  const out = execFileSync(process.execPath, [join(ROOT, 'bin', 'latticework.mjs'), ...args, '--json'], { cwd: ROOT, encoding: 'utf8' });
  return JSON.parse(out) as unknown;
}

async function shoot(page: Page, name: string): Promise<string> {
  const path = join(ARTEFACTS, `${name}.png`);
  await page.screenshot({ path });
  return path;
}
