#!/usr/bin/env node
// The `latticework` command: runs the built command line (out/main/cli.js). Start-up does
// nothing else (no look at the sources: `npm install`, `npm start`, `npm test` and `npm run build`
// bring the build up to date); only a checkout that was never built is built first.
import { existsSync } from 'node:fs';

const built = new URL('../out/main/cli.js', import.meta.url);
if (!existsSync(built)) {
  const { build } = await import('../scripts/build.mjs');
  if (!build()) process.exit(1);
}
// a reader that stops early (`latticework … | head`) closes the pipe: end quietly, as Unix tools do
process.stdout.on('error', (e) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(0);
});
// stderr whose reader has gone (a closed terminal): its messages are lost, the command goes on (a
// failed write left unhandled is an uncaught error; `serve` reports those there, failing again without end)
process.stderr.on('error', (e) => {
  if (e.code !== 'EPIPE') throw e;
});
const { main, stdio } = await import(built.href);
process.exitCode = await main(process.argv.slice(2), stdio);
