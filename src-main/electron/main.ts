/**
 * The Electron main process: opens the window, owns the core (store, compute
 * pool, services) and carries the contract over IPC. The renderer is sandboxed,
 * context-isolated, without Node integration; it sees only the preload bridge.
 */
import { app, BrowserWindow, dialog, ipcMain, session } from 'electron';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { IPC_CALL_CHANNEL, IPC_EVENT_CHANNEL } from '../../src-shared/ipc/bridge';
import { createCore } from '../app/core';
import type { Core } from '../app/core';
import { resolveDatabasePath } from '../app/paths';
import { readingDamaged } from '../store/database';
import { createIpcCallHandler } from './ipc';

const here = fileURLToPath(new URL('.', import.meta.url));
const rendererIndex = join(here, '../renderer/index.html');
const rendererUrl = pathToFileURL(rendererIndex).href;

function databaseOption(): string | undefined {
  const { values } = parseArgs({
    args: process.argv.slice(app.isPackaged ? 1 : 2),
    options: { db: { type: 'string' } },
    strict: false,
    allowPositionals: true,
  });
  return typeof values.db === 'string' ? values.db : undefined;
}

function lockDown(): void {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  app.on('web-contents-created', (_event, contents) => {
    contents.on('will-navigate', (event) => event.preventDefault());
    contents.on('will-attach-webview', (event) => event.preventDefault());
    contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  });
}

function createWindow(core: Core): BrowserWindow {
  const win = new BrowserWindow({
    width: 1400,
    height: 900,
    title: 'Latticework',
    show: false,
    webPreferences: {
      preload: join(here, '../preload/preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      webSecurity: true,
      // no middle-click navigation to other windows (new windows are refused anyway: setWindowOpenHandler)
      disableBlinkFeatures: 'Auxclick',
      spellcheck: false,
    },
  });
  win.once('ready-to-show', () => win.show());
  const disconnect = core.events.connect((service, event, payload) => {
    if (!win.isDestroyed()) win.webContents.send(IPC_EVENT_CHANNEL, service, event, payload);
  });
  win.on('closed', disconnect);
  void win.loadFile(rendererIndex);
  return win;
}

async function main(): Promise<void> {
  await app.whenReady();
  lockDown();
  const dataDirectory = app.getPath('userData');
  let core: Core;
  try {
    core = await createCore({
      mode: 'desktop',
      dataDirectory,
      databasePath: resolveDatabasePath(dataDirectory, databaseOption()),
    });
  } catch (err) {
    // e.g. a database that is not SQLite, damaged, read-only or locked: the message says which file and what to do
    dialog.showErrorBox('Latticework cannot start', (err as Error).message);
    app.exit(1);
    return;
  }
  ipcMain.handle(IPC_CALL_CHANNEL, createIpcCallHandler(core.dispatcher, rendererUrl));
  const win = createWindow(core);
  // a store damaged inside: said where the user looks, not only on stderr
  if (core.db.damage) void dialog.showMessageBox(win, { type: 'warning', title: 'Latticework', message: 'The database is damaged', detail: readingDamaged(core.db.damage) });
  app.on('activate', () => {
    if (BrowserWindow.getAllWindows().length === 0) createWindow(core);
  });
  app.on('window-all-closed', () => {
    void core.dispose().finally(() => app.quit());
  });
}

void main();
