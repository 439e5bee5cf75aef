// Builds the app (electron-vite: out/main, out/preload, out/renderer).
//   node scripts/build.mjs   build when there is no build or a source is newer than it (npm install's
//                            prepare, npm start, npm run serve, npm run test:e2e)
//   build()                  build now (bin/latticework.mjs, when there is no build at all)
// The staleness check walks the source folders; the `latticework` command itself never does.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const built = join(root, 'out', 'main', 'cli.js');
const inputs = ['src-main', 'src-shared', 'src-renderer', 'package.json', 'electron.vite.config.ts'];

function newestMtime(path) {
  if (!existsSync(path)) return 0;
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  let newest = info.mtimeMs;
  for (const entry of readdirSync(path)) newest = Math.max(newest, newestMtime(join(path, entry)));
  return newest;
}

/** True when out/ is missing or older than a source file. */
export function isStale() {
  return !existsSync(built) || statSync(built).mtimeMs < Math.max(...inputs.map((p) => newestMtime(join(root, p))));
}

/** Runs electron-vite build, saying why on stderr; false (with the reason printed) when it fails. */
export function build() {
  const first = !existsSync(built);
  const tool = join(root, 'node_modules', 'electron-vite', 'bin', 'electron-vite.js');
  if (!existsSync(tool)) {
    console.error(`latticework: the ${first ? 'app is not built' : 'build is out of date'} and the build tools are missing: run \`npm install\` first`);
    return false;
  }
  console.error(
    first
      ? 'latticework: building the app for the first time (a minute or less; later starts reuse the build)…'
      : 'latticework: building (sources changed since the last build)…',
  );
  const result = spawnSync(process.execPath, [tool, 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  if (result.status !== 0) console.error('latticework: the build failed (see above)');
  return result.status === 0;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (isStale() && !build()) process.exit(1);
}
