// Finds a Chromium for the end-to-end tests, installing one if the machine has none:
// Debian's chromium via apt-get when running as root, else Playwright's own download.
// Prints the executable's path on stdout.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const candidates = [
  process.env.LATTICEWORK_CHROMIUM,
  '/usr/bin/chromium',
  '/usr/bin/chromium-browser',
  '/usr/bin/google-chrome',
  '/usr/bin/google-chrome-stable',
].filter(Boolean);

function log(message) {
  process.stderr.write(`ensure-browser: ${message}\n`);
}

function found() {
  return candidates.find((p) => existsSync(p));
}

function playwrightChromium() {
  try {
    const require = createRequire(import.meta.url);
    const { chromium } = require('playwright-core');
    const path = chromium.executablePath();
    return path && existsSync(path) ? path : null;
  } catch {
    return null;
  }
}

export function ensureBrowser() {
  let path = found() ?? playwrightChromium();
  if (path) return path;
  const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
  if (isRoot && existsSync('/usr/bin/apt-get')) {
    log('no Chromium found: installing Debian\'s chromium with apt-get');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
    const r = spawnSync('apt-get', ['install', '-y', '-qq', 'chromium'], { stdio: 'inherit', env });
    if (r.status === 0 && (path = found())) return path;
    log('apt-get could not install chromium; trying Playwright\'s own download');
  }
  log('downloading Playwright\'s Chromium');
  execFileSync(process.execPath, [createRequire(import.meta.url).resolve('playwright-core/cli'), 'install', 'chromium'], {
    stdio: 'inherit',
  });
  path = playwrightChromium();
  if (!path) throw new Error('no Chromium could be found or installed for the end-to-end tests');
  return path;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.stdout.write(`${ensureBrowser()}\n`);
}
