#!/usr/bin/env node
// Bundles train-bench.ts with esbuild (tfjs-core's ESM gradient files need a bundler)
// into bench/training/.out/ and runs it with the given arguments.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { mkdirSync } from 'node:fs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
// --script NAME bundles bench/training/NAME.ts instead of train-bench.ts
const args = process.argv.slice(2);
const si = args.indexOf('--script');
const script = si >= 0 ? args.splice(si, 2)[1] : 'train-bench';
const out = join(here, '.out', `${script}.mjs`);
mkdirSync(join(here, '.out'), { recursive: true });
const banner = [
  "import { createRequire as __cr } from 'node:module';",
  "import { fileURLToPath as __fu } from 'node:url';",
  "import { dirname as __dn } from 'node:path';",
  'const require = __cr(import.meta.url);',
  'const __filename = __fu(import.meta.url);',
  'const __dirname = __dn(__filename);',
].join(' ');
const esbuild = join(root, 'node_modules', '.bin', 'esbuild');
const bundle = (entry, outfile) =>
  spawnSync(esbuild, [entry, '--bundle', '--platform=node', '--format=esm', '--target=node20', `--outfile=${outfile}`, '--external:@tensorflow/tfjs-node', '--external:@tensorflow/tfjs-node-gpu', '--log-level=error', '--banner:js=' + banner], { stdio: 'inherit' }).status;
// data-parallel replicas start the compute worker beside the bundle (as the built app has it)
for (const [entry, outfile] of [[join(here, `${script}.ts`), out], [join(root, 'src-main', 'workers', 'worker.ts'), join(here, '.out', 'compute-worker.js')]]) {
  const status = bundle(entry, outfile);
  if (status !== 0) process.exit(status ?? 1);
}
// the bundle cannot find ../shared/data from its own location: say where it is (as the tests find it)
const env = { LATTICEWORK_SHARED_DATA: join(root, '..', 'shared', 'data'), ...process.env };
const r = spawnSync(process.execPath, [out, ...args], { stdio: 'inherit', env });
process.exit(r.status ?? 1);
