// `npm test`: type checks, lint, the Electron security audit, build, unit and integration tests, then the
// end-to-end tests driving the real UI in Chromium against browser mode (scripts/e2e.mjs;
// the Electron window only when LATTICEWORK_E2E_ELECTRON names an Electron binary, which
// this project's machines and CI do not have). Stops at the first failing step and ends
// with one line "N passed, N failed".
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { e2eCommand } from './e2e.mjs';

const root = join(import.meta.dirname, '..');
const bin = (name) => join(root, 'node_modules', '.bin', name);
const resultsDir = join(root, 'test-results');
mkdirSync(resultsDir, { recursive: true });

function step(title, command, args, env = {}) {
  process.stdout.write(`\n== ${title}\n`);
  const started = Date.now();
  const r = spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...process.env, ...env } });
  process.stdout.write(`== ${title}: ${r.status === 0 ? 'ok' : 'FAILED'} in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);
  return r.status === 0;
}

function counts(file) {
  try {
    const json = JSON.parse(readFileSync(file, 'utf8'));
    return { passed: json.numPassedTests ?? 0, failed: json.numFailedTests ?? 0, skipped: (json.numPendingTests ?? 0) + (json.numTodoTests ?? 0) };
  } catch {
    return { passed: 0, failed: 1, skipped: 0 };
  }
}

let ok =
  step('type check (main, shared)', bin('tsc'), ['-p', 'tsconfig.node.json', '--noEmit']) &&
  step('type check (end-to-end tests)', bin('tsc'), ['-p', 'tsconfig.e2e.json', '--noEmit']) &&
  step('type check (renderer)', bin('vue-tsc'), ['-p', 'tsconfig.web.json', '--noEmit']) &&
  step('lint', bin('eslint'), ['.']) &&
  step('Electron security audit (electronegativity; accepted findings in docs/security.md)', process.execPath, [join(root, 'scripts', 'security-audit.mjs')]) &&
  step('build', bin('electron-vite'), ['build']);

const total = { passed: 0, failed: 0, skipped: 0 };
const add = (c) => {
  total.passed += c.passed;
  total.failed += c.failed;
  total.skipped += c.skipped;
};
if (ok) {
  const unitJson = join(resultsDir, 'unit.json');
  ok = step('unit and integration tests', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${unitJson}`]);
  add(counts(unitJson));
}
if (ok) {
  let e2e = null;
  try {
    e2e = e2eCommand(['--reporter=default', '--reporter=json', `--outputFile.json=${join(resultsDir, 'e2e.json')}`]);
  } catch (err) {
    process.stdout.write(`end-to-end tests need a browser: ${err.message}\n`);
  }
  if (e2e) {
    ok = step('end-to-end tests (browser mode in Chromium)', e2e.command, e2e.args, e2e.env);
    add(counts(join(resultsDir, 'e2e.json')));
  } else {
    ok = false;
    total.failed += 1;
  }
}
if (!ok && total.failed === 0) total.failed = 1; // a check before the tests failed
process.stdout.write(`\n${total.passed} passed, ${total.failed} failed${total.skipped ? `, ${total.skipped} skipped` : ''}\n`);
process.exit(ok ? 0 : 1);
