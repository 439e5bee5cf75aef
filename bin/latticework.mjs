#!/usr/bin/env node
// The `latticework` command. Runs the built command line (out/main/cli.js),
// building it first when it is missing or older than the sources.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const built = join(root, 'out', 'main', 'cli.js');
const inputs = ['src-main', 'src-shared', 'src-renderer', 'resources', 'package.json', 'electron.vite.config.ts'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

const sourcesNewest = Math.max(...inputs.map((p) => newestMtime(join(root, p))));
if (!existsSync(built) || statSync(built).mtimeMs < sourcesNewest) {
  if (!existsSync(join(root, 'node_modules', 'electron-vite'))) {
    console.error('latticework: the command line is not built and the build tools are missing: run `npm install` first');
    process.exit(1);
  }
  console.error(
    existsSync(built)
      ? 'latticework: building (sources changed since the last build)…'
      : 'latticework: building the app for the first time (a minute or less; later starts reuse the build)…',
  );
  const result = spawnSync(process.execPath, [join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js'), 'build'], {
    cwd: root,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.status !== 0) {
    console.error('latticework: the build failed (see above)');
    process.exit(1);
  }
}

const { main, stdio } = await import(pathToFileURL(built).href);
process.exitCode = await main(process.argv.slice(2), stdio);
