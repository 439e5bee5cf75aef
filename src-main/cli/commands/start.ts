/**
 * `latticework start` (npm start): the desktop app where Electron can start;
 * otherwise browser mode, saying why in one line.
 */
import { spawn } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Command } from '../command';
import { parseServeArgs, serve } from './serve';

/** Runs a Node script in a child process: exit code and standard error. */
function runNode(args: string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('close', (code) => resolve({ code, out, err }));
  });
}

/**
 * The Electron executable, or the reason there is none. Never downloads in the current process.
 * The electron package's install script is not run by `npm install` (package.json `allowScripts`:
 * it downloads the binary, which fails offline and would fail the whole install): the first
 * desktop start runs it, saying so.
 */
export async function findElectron(env: NodeJS.ProcessEnv = process.env, log: (line: string) => void = () => undefined): Promise<{ path: string } | { reason: string }> {
  const require = createRequire(import.meta.url);
  let entry: string;
  try {
    entry = require.resolve('electron');
  } catch {
    return { reason: 'the electron package is not installed' };
  }
  const locate = () => runNode(['-e', `process.stdout.write(require(${JSON.stringify(entry)}))`]);
  let found = await locate();
  if (found.code !== 0 || !found.out) {
    log('Downloading Electron for the first desktop start…');
    const installed = await runNode([join(dirname(entry), 'install.js')]);
    if (installed.code !== 0) {
      const line = installed.err.split('\n').find((l) => /error/i.test(l)) ?? `exit code ${installed.code}`;
      return { reason: `the Electron binary is missing and could not be downloaded (${line.trim().slice(0, 160)})` };
    }
    found = await locate();
  }
  if (found.code !== 0 || !found.out) return { reason: `Electron is installed but cannot be located (${found.err.trim().slice(0, 160)})` };
  if (process.platform === 'linux' && !env.DISPLAY && !env.WAYLAND_DISPLAY) {
    return { reason: 'no display to open a window on (neither DISPLAY nor WAYLAND_DISPLAY is set)' };
  }
  return { path: found.out };
}

export const startCommand: Command = {
  usage: `Usage: latticework start [--db PATH] [--port N]

Starts the Electron desktop app. Where Electron cannot start (no binary, no
display), starts browser mode instead and prints its URL (see latticework serve).`,
  async run({ argv, io }) {
    const options = parseServeArgs(argv.filter((a) => a !== '--browser'));
    const electron = argv.includes('--browser') ? { reason: '--browser was given' } : await findElectron(process.env, (line) => io.err(line));
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
