/**
 * `latticework start` (npm start): the desktop app where Electron can start;
 * otherwise browser mode, saying why in one line.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import type { Command } from '../command';
import { parseServeArgs, serve } from './serve';

/** The Electron executable, or the reason there is none. Never downloads in the current process. */
export async function findElectron(env: NodeJS.ProcessEnv = process.env): Promise<{ path: string } | { reason: string }> {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve('electron');
  } catch {
    return { reason: 'the electron package is not installed' };
  }
  // Resolving electron's path may download its binary on first use: do it in a child process.
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['-e', `process.stdout.write(require(${JSON.stringify(entry)}))`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => {
      if (code === 0 && out) {
        if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
          resolve({ reason: 'no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is set)' });
        } else resolve({ path: out });
      } else {
        const line = err.split('\n').find((l) => /error/i.test(l)) ?? `exit code ${code}`;
        resolve({ reason: `the Electron binary is missing and could not be downloaded (${line.trim().slice(0, 160)})` });
      }
    });
  });
}

export const startCommand: Command = {
  name: 'start',
  summary: 'start the desktop app (browser mode where Electron cannot start)',
  usage: `Usage: latticework start [--db PATH] [--port N]

Starts the Electron desktop app. Where Electron cannot start (no binary, no
display), starts browser mode instead and prints its URL (see latticework serve).`,
  async run({ argv, io }) {
    const options = parseServeArgs(argv.filter((a) => a !== '--browser'));
    const electron = argv.includes('--browser') ? { reason: '--browser was given' } : await findElectron();
    if ('path' in electron) {
      const mainScript = fileURLToPath(new URL('./index.js', import.meta.url));
      const args = [mainScript, ...(options.db ? ['--db', options.db] : [])];
      const child = spawn(electron.path, args, { stdio: 'inherit' });
      return new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? 0)));
    }
    return serve(
      { ...options, preamble: `Electron is unavailable: ${electron.reason}; starting browser mode instead.` },
      io,
    );
  },
};
